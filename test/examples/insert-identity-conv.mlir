// RUN: qcomp-opt --plugin %repo/examples/insert_identity_conv.py %s -p insert-identity-conv | filecheck %s
// RUN: qcomp-opt --plugin %repo/examples/insert_identity_conv.py %s -p 'insert-identity-conv{ops=maxpool}' | filecheck %s --check-prefix=ONLYMAX
// RUN: qcomp-opt --plugin %repo/examples/insert_identity_conv.py %s -p insert-identity-conv,fuse,tie-identity-conv-range | filecheck %s --check-prefix=TIE
// RUN: not qcomp-opt --plugin %repo/examples/insert_identity_conv.py %s -p 'insert-identity-conv{ops=pool}' 2>&1 | filecheck %s --check-prefix=BADOPT
// RUN: echo 'func.func @s(%%x: tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x1x1x!quant.pot<i8, -5>> { %%p = quant.global_avgpool %%x : (tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x1x1x!quant.pot<i8, -5>>  func.return %%p : tensor<1x2x1x1x!quant.pot<i8, -5>> }' \
// RUN:   | not qcomp-opt --plugin %repo/examples/insert_identity_conv.py -p insert-identity-conv 2>&1 | filecheck %s --check-prefix=LEVEL

// The user pass of examples/: a pool whose input no conv produces gets a 1x1 identity conv in
// front (identity [C, C, 1, 1] weight, no bias), named after the pool; the pool keeps its node.
// CHECK-LABEL: func.func @add_relu_gap
// CHECK:       %[[R:.*]] = quant.relu %s {node = "relu"}
// CHECK-NEXT:  %[[W:.*]] = quant.constant dense<{{\[\[\[\[}}1.0]], {{\[\[}}0.0]]], {{\[\[\[}}0.0]], {{\[\[}}1.0]]]]> : tensor<2x2x1x1xf32> {node = "gap.identity_conv.weight"}
// CHECK-NEXT:  %[[I:.*]] = quant.conv2d %[[R]], %[[W]] {node = "gap.identity_conv"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:  %{{.*}} = quant.global_avgpool %[[I]] {node = "gap"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
// A maxpool after a concat, and an avgpool of a graph input: both get one, the pool's
// attributes (kernel, strides, pads, count_include_pad) unchanged.
// CHECK-LABEL: func.func @concat_maxpool_input_avgpool
// CHECK:       %[[C:.*]] = quant.concat
// CHECK:       %[[I1:.*]] = quant.conv2d %[[C]], %{{.*}} {node = "pool.identity_conv"}
// CHECK-NEXT:  quant.maxpool %[[I1]] {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK:       %[[I2:.*]] = quant.conv2d %x, %{{.*}} {node = "avg.identity_conv"}
// CHECK-NEXT:  quant.avgpool %[[I2]] {node = "avg", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64}
// Negative cases, left alone: conv -> maxpool, conv -> relu -> maxpool (fuse folds the relu
// into the conv: [Conv, Relu, MaxPool]), conv -> clip -> relu -> gap.
// CHECK-LABEL: func.func @after_conv
// CHECK-NOT:   identity_conv
// CHECK:       func.return
// A conv whose result has another use keeps its relu separate: the pool follows a Relu, not a
// Conv, and gets the identity conv.
// CHECK-LABEL: func.func @relu_not_fusable
// CHECK:       %[[R2:.*]] = quant.relu %y {node = "r"}
// CHECK:       quant.conv2d %[[R2]], %{{.*}} {node = "mp.identity_conv"}
// CHECK-NEXT:  quant.maxpool %{{.*}} {node = "mp", kernel
// On calibrated IR the new conv takes the range its input's exponent comes from: the relu
// shares the exponent of the conv before it, whose range is [-3, 2].
// CHECK-LABEL: func.func @calibrated
// CHECK:       quant.conv2d %{{.*}} {node = "mp2.identity_conv", range = array<f64: -3.000000e+00, 2.000000e+00>}

// ONLYMAX-LABEL: func.func @add_relu_gap
// ONLYMAX-NOT:   identity_conv
// ONLYMAX-LABEL: func.func @concat_maxpool_input_avgpool
// ONLYMAX:       quant.conv2d {{.*}} {node = "pool.identity_conv"}
// ONLYMAX-NOT:   avg.identity_conv
// ONLYMAX-LABEL: func.func @after_conv

// tie-identity-conv-range (after calibrate): an identity conv's range becomes that of its input's
// exponent source; here a calibration had given the conv after the unfused relu [0, 1.5] while
// the relu shares the exponent of [-3, 2]. In @add_relu_gap the relu fused into the add, whose
// range (none here: not calibrated) is the source: nothing to tie.
// TIE-LABEL: func.func @add_relu_gap
// TIE:       quant.add %a, %b {node = "add", act_min = 0.000000e+00 : f32, fused = ["relu"]}
// TIE:       quant.conv2d {{.*}} {node = "gap.identity_conv"} :
// TIE-LABEL: func.func @tie
// TIE:       quant.conv2d %r, %w {node = "user_identity", range = array<f64: -3.000000e+00, 2.000000e+00>}
// A conv that is not an identity keeps its range.
// TIE:       quant.conv2d %r, %w2 {node = "scaled", range = array<f64: 0.000000e+00, 3.000000e+00>}

// Data-free ranges (range_source): the identity conv takes its input's BatchNorm range, and the
// pool after it gets back the range data-free propagates from the BatchNorm statistics through
// pools ([-3, 3]), instead of its synthetic-sample one.
// TIE-LABEL: func.func @data_free
// TIE:       quant.conv2d %y, %w {node = "user_identity", range = array<f64: -3.000000e+00, 3.000000e+00>, range_source = "bn-stats"}
// TIE-NEXT:  quant.global_avgpool %i {node = "gap", range = array<f64: -3.000000e+00, 3.000000e+00>, range_source = "bn-stats"}

// BADOPT: insert-identity-conv: ops=pool: each must be one of global_avgpool, maxpool, avgpool
// LEVEL: insert-identity-conv: runs at the 'quant' level, but the module is at the 'quant-scaled' level

func.func @add_relu_gap(%a: tensor<1x2x4x4xf32>, %b: tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> {
  %s = quant.add %a, %b {node = "add"} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %s {node = "relu"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.global_avgpool %r {node = "gap"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  func.return %p : tensor<1x2x1x1xf32>
}

func.func @concat_maxpool_input_avgpool(%x: tensor<1x2x4x4xf32>) -> (tensor<1x4x2x2xf32>, tensor<1x2x4x4xf32>) {
  %c = quant.concat %x, %x {node = "cat", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p = quant.maxpool %c {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  %q = quant.avgpool %x {node = "avg", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %p, %q : tensor<1x4x2x2xf32>, tensor<1x2x4x4xf32>
}

func.func @after_conv(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) {
  %w = quant.constant dense<0.5> : tensor<2x2x1x1xf32> {node = "w"}
  %y = quant.conv2d %x, %w {node = "c1"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.maxpool %y {node = "p1", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %y2 = quant.conv2d %x, %w {node = "c2"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r2 = quant.relu %y2 {node = "r2"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p2 = quant.maxpool %r2 {node = "p2", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %y3 = quant.conv2d %x, %w {node = "c3"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %k3 = quant.clip %y3 {node = "k3", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r3 = quant.relu %k3 {node = "r3"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p3 = quant.global_avgpool %r3 {node = "p3"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  func.return %p, %p2, %p3 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>
}

func.func @relu_not_fusable(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>) {
  %w = quant.constant dense<0.5> : tensor<2x2x1x1xf32> {node = "w"}
  %y = quant.conv2d %x, %w {node = "c"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %y {node = "r"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.maxpool %r {node = "mp", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  func.return %p, %y : tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>
}

func.func @calibrated(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>) attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<0.5> : tensor<2x2x1x1xf32> {node = "w"}
  %y = quant.conv2d %x, %w {node = "c", range = array<f64: -3.0, 2.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %y {node = "r", range = array<f64: 0.0, 2.0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.maxpool %r {node = "mp2", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, range = array<f64: 0.0, 2.0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  func.return %p, %y : tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>
}

func.func @tie(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w0 = quant.constant dense<0.5> : tensor<2x2x1x1xf32> {node = "w0"}
  %y = quant.conv2d %x, %w0 {node = "c", range = array<f64: -3.0, 2.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %y {node = "r", range = array<f64: 0.0, 1.5>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %w = quant.constant dense<[[[[1.0]], [[0.0]]], [[[0.0]], [[1.0]]]]> : tensor<2x2x1x1xf32> {node = "eye"}
  %i = quant.conv2d %r, %w {node = "user_identity", range = array<f64: 0.0, 1.5>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %w2 = quant.constant dense<[[[[2.0]], [[0.0]]], [[[0.0]], [[2.0]]]]> : tensor<2x2x1x1xf32> {node = "two"}
  %j = quant.conv2d %r, %w2 {node = "scaled", range = array<f64: 0.0, 3.0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %i, %j, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

func.func @data_free(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w0 = quant.constant dense<0.5> : tensor<2x2x1x1xf32> {node = "w0"}
  %y = quant.conv2d %x, %w0 {node = "c", bn_stats = [array<f64: 0.0, 0.0>, array<f64: 1.0, 1.0>], range = array<f64: -3.0, 3.0>, range_source = "bn-stats"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %w = quant.constant dense<[[[[1.0]], [[0.0]]], [[[0.0]], [[1.0]]]]> : tensor<2x2x1x1xf32> {node = "eye"}
  %i = quant.conv2d %y, %w {node = "user_identity", range = array<f64: -2.5, 2.5>, range_source = "synthetic"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.global_avgpool %i {node = "gap", range = array<f64: -0.5, 0.5>, range_source = "synthetic"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  func.return %p : tensor<1x2x1x1xf32>
}
