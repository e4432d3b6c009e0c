// RUN: qcomp-opt %s -p pot-scale --split-input-file --verify-diagnostics | filecheck %s
// RUN: qcomp-opt %s -p 'pot-scale{weights="per-channel"}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=PC
// RUN: qcomp-opt %s -p 'pot-scale{search=false}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=NOSEARCH
// RUN: qcomp-opt %s -p 'set-target{bias_bits=16},pot-scale{bias-exp="own"}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=OWN
// RUN: qcomp-opt %s -p 'pot-scale{unsigned=true}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=U8
// RUN: qcomp-opt %s -p 'pot-scale{wide="c1" wide_outputs=true}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=WIDE

// The exponent rule: the smallest e with qmin * 2^e <= lo and hi <= qmax * 2^e.
// [0, 1] -> -6 (127/128 < 1 <= 127/64); [-1, 127/128] -> -7 exactly (-128 * 2^-7 = -1 is
// on the grid); [-3, 2] -> -5. The conv's bias is at e_in + e_w; relu/maxpool/reshape
// share their input's exponent; add gets its own; the signature follows.

// CHECK-LABEL: func.func @rule
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x4x4x!quant.pot<i8, -6>>, %[[Y:.*]]: tensor<1x4x!quant.pot<i8, -7>>)
// CHECK-SAME:    -> (tensor<1x8x!quant.pot<i8, -5>>, tensor<1x4x!quant.pot<i8, -3>>)
// CHECK:         %[[W:.*]] = quant.constant dense<{{\[\[\[\[}}64, -32, 16, 8], [4, 2, 1, 0], [0, 0, 0, 0]]], {{\[\[\[}}127, -128, 16, 8], [4, 2, 1, 0], [0, 0, 0, 0]]]]> : tensor<2x1x3x4xi8> -> tensor<2x1x3x4x!quant.pot<i8, -7>> {node = "conv.weight"}
// CHECK:         %[[B:.*]] = quant.constant dense<[819, -1638]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -13>> {node = "conv.bias"}
// CHECK:         %[[C:.*]] = quant.conv2d %[[X]], %[[W]], %[[B]] {{.*}} -> tensor<1x2x2x1x!quant.pot<i8, -5>>
// CHECK:         %[[R:.*]] = quant.relu %[[C]] {{.*}} -> tensor<1x2x2x1x!quant.pot<i8, -5>>
// CHECK:         %[[P:.*]] = quant.maxpool %[[R]] {{.*}} -> tensor<1x2x2x1x!quant.pot<i8, -5>>
// CHECK:         %[[F:.*]] = quant.reshape %[[P]] {{.*}} -> tensor<1x4x!quant.pot<i8, -5>>
// CHECK:         %[[A:.*]] = quant.add %[[F]], %[[Y]] {{.*}} : (tensor<1x4x!quant.pot<i8, -5>>, tensor<1x4x!quant.pot<i8, -7>>) -> tensor<1x4x!quant.pot<i8, -3>>
// CHECK:         func.return %{{.*}}, %[[A]]

// Per channel: one exponent per output channel, the bias follows them.
// PC-LABEL:    func.func @rule
// (channel 1: -6 and -7 tie on the squared error, e_max is kept)
// PC:            quant.constant {{.*}} -> tensor<2x1x3x4x!quant.pot<i8:0, [-7, -6]>> {node = "conv.weight"}
// PC:            quant.constant dense<[819, -819]> : tensor<2xi32> -> tensor<2x!quant.pot<i32:0, [-13, -12]>> {node = "conv.bias"}

// bias-exp=own with 16-bit biases: the bias keeps e_in + e_w = -13 where it fits.
// OWN-LABEL:   func.func @rule
// OWN:           quant.constant dense<[819, -1638]> : tensor<2xi16> -> tensor<2x!quant.pot<i16, -13>> {node = "conv.bias"}
// unsigned=true: results with lo >= 0 that do not reach a function result (directly or
// through exponent-sharing ops) become ui8: [0, 3] gets 255 * 2^-6 instead of 127 * 2^-5.
// Sharing ops keep their input's type (@rule's relu stays i8); c2 feeds the function
// result through a maxpool, so it stays i8 (the C interface is int8).
// U8-LABEL:    func.func @rule
// U8-SAME:       (%{{.*}}: tensor<1x1x4x4x!quant.pot<i8, -6>>, %{{.*}}: tensor<1x4x!quant.pot<i8, -7>>)
// U8:            quant.conv2d {{.*}} -> tensor<1x2x2x1x!quant.pot<i8, -5>>
// U8:            quant.relu {{.*}} -> tensor<1x2x2x1x!quant.pot<i8, -5>>
// U8:            quant.add {{.*}} -> tensor<1x4x!quant.pot<i8, -3>>
// U8-LABEL:    func.func @unsigned
// U8:            quant.conv2d {{.*}} -> tensor<1x2x2x1x!quant.pot<ui8, -6>>
// U8:            quant.maxpool {{.*}} -> tensor<1x2x2x1x!quant.pot<ui8, -6>>
// U8:            quant.conv2d {{.*}} -> tensor<1x1x1x1x!quant.pot<i8, -6>>
// U8:            quant.maxpool {{.*}} -> tensor<1x1x1x1x!quant.pot<i8, -6>>
// U8:            func.return
func.func @rule(%x: tensor<1x1x4x4xf32>, %y: tensor<1x4xf32>) -> (tensor<1x8xf32>, tensor<1x4xf32>)
    attributes {arg_ranges = [array<f64: 0.0, 1.0>, array<f64: -1.0, 0.9921875>]} {
  %w = quant.constant dense<[[[[0.5, -0.25, 0.125, 0.0625], [0.03125, 0.015625, 0.0078125, 0.0], [0.0, 0.0, 0.0, 0.0]]],
                             [[[1.0, -1.0, 0.125, 0.0625], [0.03125, 0.015625, 0.0078125, 0.0], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<2x1x3x4xf32> {node = "conv.weight"}
  %b = quant.constant dense<[0.1, -0.2]> : tensor<2xf32> {node = "conv.bias"}
  %c = quant.conv2d %x, %w, %b {node = "conv", range = array<f64: -3.0, 2.0>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x4xf32>, tensor<2xf32>) -> tensor<1x2x2x1xf32>
  %r = quant.relu %c {node = "relu", range = array<f64: 0.0, 2.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %p = quant.maxpool %r {node = "pool", kernel = array<i64: 1, 1>, range = array<f64: 0.0, 1.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %f = quant.reshape %p {node = "flat", range = array<f64: 0.0, 1.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x4xf32>
  %a = quant.add %f, %y {node = "add", range = array<f64: -2.0, 15.0>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %cat = quant.concat %f, %f {node = "cat", axis = 1 : i64, range = array<f64: -1.0, 3.0>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
  func.return %cat, %a : tensor<1x8xf32>, tensor<1x4xf32>
}

func.func @unsigned(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32> attributes {arg_ranges = [array<f64: 0.0, 1.0>]} {
  %w = quant.constant dense<0.25> : tensor<2x1x3x4xf32> {node = "c1.weight"}
  %c = quant.conv2d %x, %w {node = "c1", act_min = 0.0 : f32, range = array<f64: 0.0, 3.0>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x4xf32>) -> tensor<1x2x2x1xf32>
  %p = quant.maxpool %c {node = "pool", kernel = array<i64: 1, 1>, range = array<f64: 0.0, 3.0>} : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %w2 = quant.constant dense<0.25> : tensor<1x2x2x1xf32> {node = "c2.weight"}
  %c2 = quant.conv2d %p, %w2 {node = "c2", act_min = 0.0 : f32, range = array<f64: 0.0, 1.5>} : (tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  %p2 = quant.maxpool %c2 {node = "pool2", kernel = array<i64: 1, 1>, range = array<f64: 0.0, 1.5>} : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  func.return %p2 : tensor<1x1x1x1xf32>
}

// -----

// Weight exponent search: one outlier (0.9961 > 127/128) sets e_max = -6, but e = -7
// (clipping the outlier to 127/128) halves the step of the other weights: lower error.
// Gemm: per-channel along B's output axis (1, or 0 with trans_b).

// CHECK-LABEL:  func.func @search
// CHECK:          quant.constant dense<{{\[\[}}127, 38, 115, 79], [39, 26, 90, 52]]> : tensor<2x4xi8> -> tensor<2x4x!quant.pot<i8, -7>> {node = "fc.weight"}
// NOSEARCH-LABEL: func.func @search
// NOSEARCH:       quant.constant dense<{{\[\[}}64, 19, 58, 40], [19, 13, 45, 26]]> : tensor<2x4xi8> -> tensor<2x4x!quant.pot<i8, -6>> {node = "fc.weight"}
// PC-LABEL:     func.func @search
// PC:             quant.constant {{.*}} -> tensor<2x4x!quant.pot<i8:1, [-7, -8, -7, -7]>> {node = "fc.weight"}
// PC:             quant.constant dense<[8192, 8192, -16384, 0]> : tensor<4xi32> -> tensor<4x!quant.pot<i32:0, [-14, -15, -14, -14]>> {node = "fc.bias"}
func.func @search(%x: tensor<1x2xf32>) -> tensor<1x4xf32> attributes {arg_ranges = [array<f64: -1.0, 0.9921875>]} {
  %w = quant.constant dense<[[0.9961, 0.3, 0.9, 0.62], [0.301, 0.2, 0.7, 0.41]]> : tensor<2x4xf32> {node = "fc.weight"}
  %b = quant.constant dense<[0.5, 0.25, -1.0, 0.0]> : tensor<4xf32> {node = "fc.bias"}
  %g = quant.gemm %x, %w, %b {node = "fc", range = array<f64: -4.0, 4.0>} : (tensor<1x2xf32>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return %g : tensor<1x4xf32>
}

// -----

// Errors name the node.

func.func @no_range(%x: tensor<1x4xf32>) -> tensor<1x4xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %s = quant.sigmoid %x {node = "sig"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %s : tensor<1x4xf32>
}
// CHECK: pot-scale: quant.sigmoid 'sig': result has no calibrated `range` (run calibrate before pot-scale)

// -----

func.func @bias_saturates(%x: tensor<1x2xf32>) -> tensor<1x1xf32> attributes {arg_ranges = [array<f64: -0.01, 0.01>]} {
  %w = quant.constant dense<[[0.001], [0.001]]> : tensor<2x1xf32> {node = "fc.weight"}
  %b = quant.constant dense<[100000.0]> : tensor<1xf32> {node = "fc.bias"}
  %g = quant.gemm %x, %w, %b {node = "fc", range = array<f64: -4.0, 4.0>} : (tensor<1x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  func.return %g : tensor<1x1xf32>
}
// CHECK: pot-scale: quant.gemm 'fc': bias saturates int32: |b| up to 100000 at exponent -29 needs 47 bits
// OWN: func.func @bias_saturates
// OWN: quant.constant dense<[25000]> : tensor<1xi16> -> tensor<1x!quant.pot<i16, 2>> {node = "fc.bias"}

// -----

func.func @bn(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %s = quant.constant dense<1.0> : tensor<1xf32>
  %bn = quant.batch_norm %x, %s, %s, %s, %s {node = "bn1", range = array<f64: -1.0, 1.0>} : (tensor<1x1x1x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  func.return %bn : tensor<1x1x1x1xf32>
}
// CHECK: pot-scale: quant.batch_norm 'bn1': batch_norm must be folded into the preceding conv first (run fold-batchnorm)

// -----

// PRelu's slope is a weight (per tensor, or per channel when it varies along C only); the prelu
// and the max get their own exponents from their ranges; a slice shares its input's.
// CHECK-LABEL: func.func @select_ops
// CHECK:         quant.constant dense<{{\[\[}}64], [-4]]> : tensor<2x1xi8> -> tensor<2x1x!quant.pot<i8, -5>> {node = "slope"}
// CHECK:         quant.prelu {{.*}} -> tensor<1x2x4x!quant.pot<i8, -6>>
// CHECK:         quant.max {{.*}} -> tensor<1x2x4x!quant.pot<i8, -6>>
// CHECK:         quant.slice {{.*}} -> tensor<1x1x4x!quant.pot<i8, -6>>
// PC-LABEL:    func.func @select_ops
// PC:            quant.constant dense<{{\[\[}}64], [-128]]> : tensor<2x1xi8> -> tensor<2x1x!quant.pot<i8:0, [-5, -10]>> {node = "slope"}
func.func @select_ops(%x: tensor<1x2x4xf32>) -> tensor<1x1x4xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %s = quant.constant dense<[[2.0], [-0.125]]> : tensor<2x1xf32> {node = "slope"}
  %p = quant.prelu %x, %s {node = "prelu", range = array<f64: -2.0, 1.0>} : (tensor<1x2x4xf32>, tensor<2x1xf32>) -> tensor<1x2x4xf32>
  %m = quant.max %p, %x {node = "max", range = array<f64: -1.0, 1.0>} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  %c = quant.slice %m {node = "slice", starts = array<i64: 0, 1, 0>, ends = array<i64: 1, 2, 4>, steps = array<i64: 1, 1, 1>, range = array<f64: 0.0, 1.0>} : (tensor<1x2x4xf32>) -> tensor<1x1x4xf32>
  func.return %c : tensor<1x1x4xf32>
}

// -----

// Mixed precision: `wide` names ONNX nodes whose results are stored in 16 bits (their exponent
// from the same range on the int16 grid: 8 bits finer), `wide_outputs` the values that reach the
// function's results (through exponent-sharing ops: the relu shares c2's int16 type); the others
// stay int8, and weights and biases are unchanged.
// WIDE-LABEL: func.func @mixed
// WIDE-SAME:    -> tensor<1x2x4x4x!quant.pot<i16, -13>>
// WIDE:         quant.conv2d {{.*}}node = "c1"{{.*}} -> tensor<1x2x4x4x!quant.pot<i16, -14>>
// WIDE:         quant.conv2d {{.*}}node = "c2"{{.*}} -> tensor<1x2x4x4x!quant.pot<i16, -13>>
// WIDE:         quant.relu {{.*}} -> tensor<1x2x4x4x!quant.pot<i16, -13>>
// Without the options every activation is int8.
// CHECK-LABEL: func.func @mixed
// CHECK:         quant.conv2d {{.*}}node = "c1"{{.*}} -> tensor<1x2x4x4x!quant.pot<i8, -6>>
// CHECK:         quant.conv2d {{.*}}node = "c2"{{.*}} -> tensor<1x2x4x4x!quant.pot<i8, -5>>
func.func @mixed(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<0.25> : tensor<2x2x1x1xf32> {node = "w"}
  %c1 = quant.conv2d %x, %w {node = "c1", range = array<f64: -1.0, 1.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %c2 = quant.conv2d %c1, %w {node = "c2", range = array<f64: -2.0, 2.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %c2 {node = "relu"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %r : tensor<1x2x4x4xf32>
}

// An output that another op also reads stays in activation_bits under `wide_outputs` (no op
// downstream gets int16 it was not asked for); `wide` still names it explicitly.
// WIDE-LABEL: func.func @shared_output
// WIDE-SAME:    -> (tensor<1x2x4x4x!quant.pot<i8, -6>>, tensor<1x2x4x4x!quant.pot<i16, -13>>)
func.func @shared_output(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<0.25> : tensor<2x2x1x1xf32> {node = "w"}
  %a = quant.conv2d %x, %w {node = "a", range = array<f64: -1.0, 1.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = quant.conv2d %a, %w {node = "b", range = array<f64: -2.0, 2.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %a, %b : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A concat input on a finer grid than the concat would be rounded twice: a producer with its own
// exponent that only the concat reads writes the concat's grid directly ([-1, 1] -> -6 becomes
// -5, the concat's for [-3, 2]); one another op also reads (here the function) keeps its own.

// CHECK-LABEL:  func.func @concat_once
// CHECK:          %[[A:.*]] = quant.gemm {{.*}} {node = "a"{{.*}} -> tensor<1x2x!quant.pot<i8, -5>>
// CHECK:          %[[B:.*]] = quant.gemm {{.*}} {node = "b"{{.*}} -> tensor<1x2x!quant.pot<i8, -5>>
// CHECK:          %[[C:.*]] = quant.gemm {{.*}} {node = "c"{{.*}} -> tensor<1x2x!quant.pot<i8, -6>>
// CHECK:          quant.concat %[[A]], %[[B]], %[[C]] {{.*}} -> tensor<1x6x!quant.pot<i8, -5>>
func.func @concat_once(%x: tensor<1x2xf32>) -> (tensor<1x6xf32>, tensor<1x2xf32>) attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<0.5> : tensor<2x2xf32> {node = "w"}
  %a = quant.gemm %x, %w {node = "a", range = array<f64: -1.0, 1.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %b = quant.gemm %x, %w {node = "b", range = array<f64: -3.0, 2.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %c = quant.gemm %x, %w {node = "c", range = array<f64: -1.0, 1.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %cat = quant.concat %a, %b, %c {node = "cat", axis = 1 : i64, range = array<f64: -3.0, 2.0>} : (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x6xf32>
  func.return %cat, %c : tensor<1x6xf32>, tensor<1x2xf32>
}
