// RUN: qcomp-opt %s --split-input-file --verify-diagnostics -p lower-quant-to-shift | filecheck %s
// lower-quant-to-shift: pot-typed quant IR (docs/quantization.md "After pot-scale") to shift ops.
// Every shift amount is an exponent difference; errors name the op and its ONNX node.

// Conv + fused ReLU6, per-channel weight and bias exponents: shift[o] = e_out - (e_in + e_w[o]),
// the bias is already on the accumulator grid, ReLU6 becomes clamp [0, round(6 * 2^4)] = [0, 96].
// CHECK-LABEL: func.func @conv_relu6
// CHECK-NEXT:    %[[W:.*]] = shift.constant {{.*}} -> tensor<2x1x3x3x!quant.pot<i8:0, [-7, -6]>> {node = "conv1.weight"}
// CHECK-NEXT:    %[[B:.*]] = shift.constant dense<[100, -7]> : tensor<2xi32> -> tensor<2x!quant.pot<i32:0, [-12, -11]>> {node = "conv1.bias"}
// CHECK-NEXT:    %[[Y:.*]] = shift.conv2d %x, %[[W]], %[[B]] {node = "conv1", shift = array<i64: 8, 7>, bias_shift = array<i64: 0>, clamp = array<i64: 0, 96>, fused = ["relu6"]}
// CHECK-NEXT:    func.return %[[Y]]
// CHECK-NOT:     = quant.
func.func @conv_relu6(%x: tensor<1x1x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>> {
  %w = quant.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]]> : tensor<2x1x3x3xi8> -> tensor<2x1x3x3x!quant.pot<i8:0, [-7, -6]>> {node = "conv1.weight"}
  %b = quant.constant dense<[100, -7]> : tensor<2xi32> -> tensor<2x!quant.pot<i32:0, [-12, -11]>> {node = "conv1.bias"}
  %y = quant.conv2d %x, %w, %b {node = "conv1", act_min = 0.0 : f32, act_max = 6.0 : f32, fused = ["relu6"]} : (tensor<1x1x6x6x!quant.pot<i8, -5>>, tensor<2x1x3x3x!quant.pot<i8:0, [-7, -6]>>, tensor<2x!quant.pot<i32:0, [-12, -11]>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x4x4x!quant.pot<i8, -4>>
}

// -----

// Add with different exponents: both inputs go to the finer one (-6: rhs << 2), one rounding
// shift to the output (-5), the fused ReLU as the clamp.
// CHECK-LABEL: func.func @residual
// CHECK-NEXT:    %[[S:.*]] = shift.add %a, %b {node = "add", shift = 1 : i64, clamp = array<i64: 0, 127>, align = array<i64: 0, 2>}
// CHECK-NEXT:    func.return %[[S]]
func.func @residual(%a: tensor<1x2x4x4x!quant.pot<i8, -6>>, %b: tensor<1x2x4x4x!quant.pot<i8, -4>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %s = quant.add %a, %b {node = "add", act_min = 0.0 : f32} : (tensor<1x2x4x4x!quant.pot<i8, -6>>, tensor<1x2x4x4x!quant.pot<i8, -4>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %s : tensor<1x2x4x4x!quant.pot<i8, -5>>
}

// -----

// maxpool keeps its exponent; global average pool rounds once onto its own (-6: shift -1);
// flatten is a reshape; avgpool with pads (count_include_pad = 0) keeps the exponent.
// CHECK-LABEL: func.func @pools
// CHECK-NEXT:    %[[M:.*]] = shift.maxpool %x {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK-NEXT:    %[[G:.*]] = shift.global_avgpool %[[M]] {node = "gap", shift = -1 : i64}
// CHECK-NEXT:    %[[F:.*]] = shift.reshape %[[G]] {node = "flatten"} : (tensor<1x4x1x1x!quant.pot<i8, -6>>) -> tensor<1x4x!quant.pot<i8, -6>>
// CHECK-NEXT:    %[[A:.*]] = shift.avgpool %x {node = "avg", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
// CHECK-NEXT:    func.return %[[F]], %[[A]]
func.func @pools(%x: tensor<1x4x4x4x!quant.pot<i8, -5>>) -> (tensor<1x4x!quant.pot<i8, -6>>, tensor<1x4x4x4x!quant.pot<i8, -5>>) {
  %m = quant.maxpool %x {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4x!quant.pot<i8, -5>>) -> tensor<1x4x2x2x!quant.pot<i8, -5>>
  %g = quant.global_avgpool %m {node = "gap"} : (tensor<1x4x2x2x!quant.pot<i8, -5>>) -> tensor<1x4x1x1x!quant.pot<i8, -6>>
  %f = quant.flatten %g {node = "flatten", axis = 1 : i64} : (tensor<1x4x1x1x!quant.pot<i8, -6>>) -> tensor<1x4x!quant.pot<i8, -6>>
  %a = quant.avgpool %x {node = "avg", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4x!quant.pot<i8, -5>>) -> tensor<1x4x4x4x!quant.pot<i8, -5>>
  func.return %f, %a : tensor<1x4x!quant.pot<i8, -6>>, tensor<1x4x4x4x!quant.pot<i8, -5>>
}

// -----

// Gemm normalised at lowering: B [K, N] becomes the [N, K] weights (per-channel axis 1 -> 0),
// alpha = 2^-1 lowers the weight exponents by one, beta = 2^1 raises the bias exponents by one.
// CHECK-LABEL: func.func @gemm
// CHECK-NEXT:    %[[W:.*]] = shift.constant dense<{{\[\[}}1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9, 12]]> : tensor<3x4xi8> -> tensor<3x4x!quant.pot<i8:0, [-8, -7, -8]>> {node = "fc.weight"}
// CHECK-NEXT:    %[[C:.*]] = shift.constant dense<[5, 6, 7]> : tensor<3xi32> -> tensor<3x!quant.pot<i32:0, [-10, -9, -10]>> {node = "fc.bias"}
// CHECK-NEXT:    %[[Y:.*]] = shift.fc %a, %[[W]], %[[C]] {node = "fc", shift = array<i64: 9, 8, 9>, bias_shift = array<i64: 2>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @gemm(%a: tensor<1x4x!quant.pot<i8, -4>>) -> tensor<1x3x!quant.pot<i8, -3>> {
  %w = quant.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi8> -> tensor<4x3x!quant.pot<i8:1, [-7, -6, -7]>> {node = "fc.weight"}
  %c = quant.constant dense<[5, 6, 7]> : tensor<3xi32> -> tensor<3x!quant.pot<i32:0, [-11, -10, -11]>> {node = "fc.bias"}
  %y = quant.gemm %a, %w, %c {node = "fc", alpha = 0.5 : f32, beta = 2.0 : f32} : (tensor<1x4x!quant.pot<i8, -4>>, tensor<4x3x!quant.pot<i8:1, [-7, -6, -7]>>, tensor<3x!quant.pot<i32:0, [-11, -10, -11]>>) -> tensor<1x3x!quant.pot<i8, -3>>
  func.return %y : tensor<1x3x!quant.pot<i8, -3>>
}

// -----

// trans_b = 1 is already [N, K]; a [1, N] C becomes the [N] bias.
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK-NEXT:    %[[W:.*]] = shift.constant dense<{{\[\[}}1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8> -> tensor<2x4x!quant.pot<i8, -7>>
// CHECK-NEXT:    %[[C:.*]] = shift.constant dense<[5, 6]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -11>>
// CHECK-NEXT:    %[[Y:.*]] = shift.fc %a, %[[W]], %[[C]] {node = "fc", shift = array<i64: 8>, clamp = array<i64: 0, 127>, bias_shift = array<i64: 0>}
func.func @gemm_trans_b(%a: tensor<1x4x!quant.pot<i8, -4>>) -> tensor<1x2x!quant.pot<i8, -3>> {
  %w = quant.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8> -> tensor<2x4x!quant.pot<i8, -7>> {node = "fc.weight"}
  %c = quant.constant dense<[[5, 6]]> : tensor<1x2xi32> -> tensor<1x2x!quant.pot<i32, -11>> {node = "fc.bias"}
  %y = quant.gemm %a, %w, %c {node = "fc", trans_b = 1 : i64, act_min = 0.0 : f32} : (tensor<1x4x!quant.pot<i8, -4>>, tensor<2x4x!quant.pot<i8, -7>>, tensor<1x2x!quant.pot<i32, -11>>) -> tensor<1x2x!quant.pot<i8, -3>>
  func.return %y : tensor<1x2x!quant.pot<i8, -3>>
}

// -----

// Clip on one exponent is a clamp; ReLU across exponents a requant with bounds; sigmoid a
// 256-entry table; softmax (axis -1 normalised to 1) its exponential table.
// CHECK-LABEL: func.func @unary
// CHECK-NEXT:    shift.clamp %x {node = "relu6", clamp = array<i64: 0, 96>}
// CHECK-NEXT:    shift.requant %x {node = "relu", shift = -1 : i64, clamp = array<i64: 0, 127>}
// CHECK-NEXT:    shift.lut %x {node = "sigmoid", table = dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>, fn = "sigmoid"}
// CHECK-NEXT:    shift.softmax %x {node = "softmax", axis = 1 : i64, shift = -7 : i64, table = dense<"0x00000100{{[0-9A-F]+}}"> : tensor<256xi32>}
func.func @unary(%x: tensor<1x8x!quant.pot<i8, -4>>) -> (tensor<1x8x!quant.pot<i8, -4>>, tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -7>>, tensor<1x8x!quant.pot<i8, -7>>) {
  %r = quant.clip %x {node = "relu6", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>>
  %q = quant.relu %x {node = "relu"} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  %s = quant.sigmoid %x {node = "sigmoid"} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -7>>
  %p = quant.softmax %x {node = "softmax", axis = -1 : i64} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %r, %q, %s, %p : tensor<1x8x!quant.pot<i8, -4>>, tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -7>>, tensor<1x8x!quant.pot<i8, -7>>
}

// -----

// Neg is a table of its reference function: -q on the same grid, -(-128) saturating to 127.
// CHECK-LABEL: func.func @neg
// CHECK-NEXT:    shift.lut %x {node = "/Neg", table = dense<"0x7F7F7E7D{{[0-9A-F]+}}838281"> : tensor<256xi8>, fn = "neg"}
func.func @neg(%x: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>> {
  %n = quant.neg %x {node = "/Neg"} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>>
  func.return %n : tensor<1x8x!quant.pot<i8, -4>>
}

// -----

// An int16 input (a layer widened by mixed precision) is no table of every integer: shift.interp
// keeps the fewest knots within a quarter output step. Hard-swish into int8 at 2^-3: 65 knots,
// 2^(16-10) + 1, the kinks at +-3 = +-6144 * 2^-11 on knots; into int16 at 2^-11: 1025 knots and 15
// fraction bits (16 would overflow int32 at x = 16); sigmoid into int16 at 2^-15: 2049 knots.
// CHECK-LABEL: func.func @wide_functions
// CHECK-NEXT:    shift.interp %x {node = "hswish", index_shift = 10 : i64, shift = 26 : i64, table = dense<[0, {{.*}}]> : tensor<65xi32>, fn = "hard_swish"}
// CHECK-NEXT:    shift.interp %x {node = "hswish16", index_shift = 6 : i64, shift = 21 : i64, table = {{.*}} : tensor<1025xi32>, fn = "hard_swish"}
// CHECK-NEXT:    shift.interp %x {node = "sigmoid16", index_shift = 5 : i64, shift = 21 : i64, table = {{.*}} : tensor<2049xi32>, fn = "sigmoid"}
func.func @wide_functions(%x: tensor<1x8x!quant.pot<i16, -11>>) -> (tensor<1x8x!quant.pot<i8, -3>>, tensor<1x8x!quant.pot<i16, -11>>, tensor<1x8x!quant.pot<i16, -15>>) {
  %h = quant.hard_swish %x {node = "hswish"} : (tensor<1x8x!quant.pot<i16, -11>>) -> tensor<1x8x!quant.pot<i8, -3>>
  %w = quant.hard_swish %x {node = "hswish16"} : (tensor<1x8x!quant.pot<i16, -11>>) -> tensor<1x8x!quant.pot<i16, -11>>
  %s = quant.sigmoid %x {node = "sigmoid16"} : (tensor<1x8x!quant.pot<i16, -11>>) -> tensor<1x8x!quant.pot<i16, -15>>
  func.return %h, %w, %s : tensor<1x8x!quant.pot<i8, -3>>, tensor<1x8x!quant.pot<i16, -11>>, tensor<1x8x!quant.pot<i16, -15>>
}

// -----

// CHECK: lower-quant-to-shift: quant.sigmoid 'sig32': a function table needs an input of at most 16 bits, got i32
func.func @too_wide(%x: tensor<1x8x!quant.pot<i32, -11>>) -> tensor<1x8x!quant.pot<i8, -7>> {
  %s = quant.sigmoid %x {node = "sig32"} : (tensor<1x8x!quant.pot<i32, -11>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %s : tensor<1x8x!quant.pot<i8, -7>>
}

// -----

// LRN: a 4-bit input's sums of squares (at most 3 * 8^2 = 192) fit one exact table (index_shift 0,
// 193 entries); the factor (1 + 0.5/3 * Q * 2^-2)^-0.75 starts at 1 = 2^14 * 2^-14.
// CHECK-LABEL: func.func @lrn
// CHECK-NEXT:    shift.lrn %x {node = "norm1", size = 3 : i64, index_shift = 0 : i64, shift = 13 : i64, table = dense<"0x0040{{[0-9A-F]+}}"> : tensor<193xi16>}
func.func @lrn(%x: tensor<1x4x2x2x!quant.pot<i4, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -2>> {
  %n = quant.lrn %x {node = "norm1", size = 3 : i64, alpha = 0.5 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : (tensor<1x4x2x2x!quant.pot<i4, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -2>>
  func.return %n : tensor<1x4x2x2x!quant.pot<i8, -2>>
}

// -----

// CHECK: lower-quant-to-shift: quant.lrn 'norm0': LRN factor {{.*}} is not finite and positive (bias -1.0, alpha {{.*}}, beta {{.*}})
func.func @lrn_bad(%x: tensor<1x4x2x2x!quant.pot<i8, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -2>> {
  %n = quant.lrn %x {node = "norm0", size = 3 : i64, alpha = 0.5 : f32, beta = 0.75 : f32, bias = -1.0 : f32} : (tensor<1x4x2x2x!quant.pot<i8, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -2>>
  func.return %n : tensor<1x4x2x2x!quant.pot<i8, -2>>
}

// -----

// CHECK: lower-quant-to-shift: quant.sub '/Sub': has no lowering to the shift dialect
func.func @unsupported(%a: tensor<1x8x!quant.pot<i8, -4>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>> {
  %s = quant.sub %a, %b {node = "/Sub"} : (tensor<1x8x!quant.pot<i8, -4>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>>
  func.return %s : tensor<1x8x!quant.pot<i8, -4>>
}

// -----

// CHECK: lower-quant-to-shift: quant.sigmoid '/Sigmoid': result 0 is not quantized (tensor<1x8xf32>)
func.func @float_value(%x: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8xf32> {
  %s = quant.sigmoid %x {node = "/Sigmoid"} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8xf32>
  func.return %s : tensor<1x8xf32>
}

// -----

// CHECK: lower-quant-to-shift: @float_argument argument 0 is not quantized (tensor<1x8xf32>)
func.func @float_argument(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %s = quant.relu %x {node = "/Relu"} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %s : tensor<1x8xf32>
}

// -----

// alpha = 3 would multiply the weights by 3: 300 does not fit int8, so it is rejected.
// CHECK: lower-quant-to-shift: quant.gemm 'fc': alpha = 3.0 cannot be folded exactly: 3 * weights leaves i8
func.func @alpha_not_exact(%a: tensor<1x2x!quant.pot<i8, -4>>) -> tensor<1x2x!quant.pot<i8, -3>> {
  %w = quant.constant dense<[[100, 2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!quant.pot<i8, -7>> {node = "fc.weight"}
  %y = quant.gemm %a, %w {node = "fc", alpha = 3.0 : f32} : (tensor<1x2x!quant.pot<i8, -4>>, tensor<2x2x!quant.pot<i8, -7>>) -> tensor<1x2x!quant.pot<i8, -3>>
  func.return %y : tensor<1x2x!quant.pot<i8, -3>>
}

// -----

// Dilated average pooling is a float-level op only (ONNX conformance); there is no integer kernel.
// CHECK: lower-quant-to-shift: quant.avgpool 'pool': dilated average pooling (dilations [2, 2]) has no integer kernel
func.func @dilated_avgpool(%x: tensor<1x2x8x8x!quant.pot<i8, -4>>) -> tensor<1x2x6x6x!quant.pot<i8, -4>> {
  %y = quant.avgpool %x {node = "pool", kernel = array<i64: 2, 2>, dilations = array<i64: 2, 2>} : (tensor<1x2x8x8x!quant.pot<i8, -4>>) -> tensor<1x2x6x6x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x6x6x!quant.pot<i8, -4>>
}

// -----

// Max / min of two activations: both aligned on the finer exponent (-6), compared, one rounding
// to the output (shift = e_out - (-6)); a per-channel constant operand is an operand like any other.
// CHECK-LABEL: func.func @max_min
// CHECK:         %[[M:.*]] = shift.max %a, %b {node = "max", shift = 1 : i64, align = array<i64: 0, 2>} : (tensor<1x2x2x2x!quant.pot<i8, -6>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    %[[K:.*]] = shift.min %[[M]], %[[C:.*]] {node = "min", shift = 0 : i64, align = array<i64: 2, 0>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>, tensor<2x1x1x!quant.pot<i8, -7>>) -> tensor<1x2x2x2x!quant.pot<i8, -7>>
func.func @max_min(%a: tensor<1x2x2x2x!quant.pot<i8, -6>>, %b: tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -7>> {
  %c = quant.constant dense<[[[10]], [[-20]]]> : tensor<2x1x1xi8> -> tensor<2x1x1x!quant.pot<i8, -7>> {node = "k"}
  %m = quant.max %a, %b {node = "max"} : (tensor<1x2x2x2x!quant.pot<i8, -6>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -5>>
  %k = quant.min %m, %c {node = "min"} : (tensor<1x2x2x2x!quant.pot<i8, -5>>, tensor<2x1x1x!quant.pot<i8, -7>>) -> tensor<1x2x2x2x!quant.pot<i8, -7>>
  func.return %k : tensor<1x2x2x2x!quant.pot<i8, -7>>
}

// -----

// CHECK: lower-quant-to-shift: quant.max 'far': exponents -30 and 2 are too far apart: aligning them can overflow the 32-bit accumulator
func.func @max_far(%a: tensor<1x8x!quant.pot<i8, -30>>, %b: tensor<1x8x!quant.pot<i8, 2>>) -> tensor<1x8x!quant.pot<i8, 0>> {
  %m = quant.max %a, %b {node = "far"} : (tensor<1x8x!quant.pot<i8, -30>>, tensor<1x8x!quant.pot<i8, 2>>) -> tensor<1x8x!quant.pot<i8, 0>>
  func.return %m : tensor<1x8x!quant.pot<i8, 0>>
}

// -----

// PRelu: the positive branch shifts by e_out - e_in = 1, the negative one by e_out - (e_in + e_s):
// one value for a per-tensor slope, one per channel for a per-channel one.
// CHECK-LABEL: func.func @prelu
// CHECK:         shift.prelu %x, %{{.*}} {node = "p1", shift = 1 : i64, slope_shift = array<i64: 8>} : (tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<2x1x1x!quant.pot<i8, -7>>) -> tensor<1x2x3x3x!quant.pot<i8, -4>>
// CHECK:         shift.prelu %x, %{{.*}} {node = "p2", shift = 1 : i64, slope_shift = array<i64: 8, 10>} : (tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<1x2x1x1x!quant.pot<i8:1, [-7, -9]>>) -> tensor<1x2x3x3x!quant.pot<i8, -4>>
func.func @prelu(%x: tensor<1x2x3x3x!quant.pot<i8, -5>>) -> (tensor<1x2x3x3x!quant.pot<i8, -4>>, tensor<1x2x3x3x!quant.pot<i8, -4>>) {
  %s = quant.constant dense<[[[64]], [[-30]]]> : tensor<2x1x1xi8> -> tensor<2x1x1x!quant.pot<i8, -7>> {node = "s1"}
  %t = quant.constant dense<[[[[64]], [[100]]]]> : tensor<1x2x1x1xi8> -> tensor<1x2x1x1x!quant.pot<i8:1, [-7, -9]>> {node = "s2"}
  %p = quant.prelu %x, %s {node = "p1"} : (tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<2x1x1x!quant.pot<i8, -7>>) -> tensor<1x2x3x3x!quant.pot<i8, -4>>
  %q = quant.prelu %x, %t {node = "p2"} : (tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<1x2x1x1x!quant.pot<i8:1, [-7, -9]>>) -> tensor<1x2x3x3x!quant.pot<i8, -4>>
  func.return %p, %q : tensor<1x2x3x3x!quant.pot<i8, -4>>, tensor<1x2x3x3x!quant.pot<i8, -4>>
}

// -----

// CHECK: lower-quant-to-shift: quant.prelu 'p': slope !quant.pot<i8:2, [-7, -8, -9]> is per axis 2: only the channel axis may have one exponent per slice
func.func @prelu_bad_axis(%x: tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x2x3x!quant.pot<i8, -4>> {
  %s = quant.constant dense<[[[1, 2, 3], [4, 5, 6]]]> : tensor<1x2x3xi8> -> tensor<1x2x3x!quant.pot<i8:2, [-7, -8, -9]>> {node = "s"}
  %p = quant.prelu %x, %s {node = "p"} : (tensor<1x2x3x!quant.pot<i8, -5>>, tensor<1x2x3x!quant.pot<i8:2, [-7, -8, -9]>>) -> tensor<1x2x3x!quant.pot<i8, -4>>
  func.return %p : tensor<1x2x3x!quant.pot<i8, -4>>
}

// -----

// Slice shares the input's exponent: a copy; into another exponent, a copy then a requant.
// CHECK-LABEL: func.func @slice
// CHECK-NEXT:    %[[S:.*]] = shift.slice %x {node = "sl", starts = array<i64: 0, 1, 0>, ends = array<i64: 1, 3, 4>, steps = array<i64: 1, 1, 2>} : (tensor<1x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    %[[T:.*]] = shift.slice %x {node = "sl2", {{.*}}} : (tensor<1x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    shift.requant %[[T]] {node = "sl2", shift = 1 : i64} : (tensor<1x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x2x!quant.pot<i8, -4>>
func.func @slice(%x: tensor<1x4x4x!quant.pot<i8, -5>>) -> (tensor<1x2x2x!quant.pot<i8, -5>>, tensor<1x2x2x!quant.pot<i8, -4>>) {
  %s = quant.slice %x {node = "sl", starts = array<i64: 0, 1, 0>, ends = array<i64: 1, 3, 4>, steps = array<i64: 1, 1, 2>} : (tensor<1x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x!quant.pot<i8, -5>>
  %t = quant.slice %x {node = "sl2", starts = array<i64: 0, 3, 3>, ends = array<i64: 1, -1, -1>, steps = array<i64: 1, -2, -2>} : (tensor<1x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x!quant.pot<i8, -4>>
  func.return %s, %t : tensor<1x2x2x!quant.pot<i8, -5>>, tensor<1x2x2x!quant.pot<i8, -4>>
}

// -----

// Nearest resize: the index tables of asymmetric + floor (each input pixel twice) and of
// half_pixel + round_prefer_ceil (1.5x: rows 0, 1, 1); a result on another grid gets a requant.
// CHECK-LABEL: func.func @resize_nearest
// CHECK-NEXT:    %n = shift.resize_nearest %x {node = "up", rows = array<i64: 0, 0, 1, 1>, cols = array<i64: 0, 0, 1, 1, 2, 2>}
// CHECK-NEXT:    %[[M:.*]] = shift.resize_nearest %x {node = "up2", rows = array<i64: 0, 1, 1>, cols = array<i64: 0, 1, 2>} : (tensor<1x2x2x3x!quant.pot<i8, -4>>) -> tensor<1x2x3x3x!quant.pot<i8, -4>>
// CHECK-NEXT:    shift.requant %[[M]] {node = "up2", shift = 1 : i64}
func.func @resize_nearest(%x: tensor<1x2x2x3x!quant.pot<i8, -4>>) -> (tensor<1x2x4x6x!quant.pot<i8, -4>>, tensor<1x2x3x3x!quant.pot<i8, -3>>) {
  %n = quant.resize_nearest %x {node = "up", scales = array<f32: 2.0, 2.0>, coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x2x2x3x!quant.pot<i8, -4>>) -> tensor<1x2x4x6x!quant.pot<i8, -4>>
  %m = quant.resize_nearest %x {node = "up2", scales = array<f32: 1.5, 1.0>, nearest_mode = "round_prefer_ceil"} : (tensor<1x2x2x3x!quant.pot<i8, -4>>) -> tensor<1x2x3x3x!quant.pot<i8, -3>>
  func.return %n, %m : tensor<1x2x4x6x!quant.pot<i8, -4>>, tensor<1x2x3x3x!quant.pot<i8, -3>>
}

// -----

// Linear resize: scale-2 half_pixel weights 1/4, 3/4 are exact at F = 2 (shift = 2F + e_out - e_in
// = 5); align_corners 2 -> 4 has thirds, so F is the largest with a proven int32 accumulator
// (2^11 * 2^11 * 128 < 2^31); the unchanged W axis is one tap of weight 2^F.
// CHECK-LABEL: func.func @resize_linear
// CHECK-NEXT:    shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 5 : i64}
// CHECK-NEXT:    shift.resize %x {node = "ac", taps = array<i64: 2, 1>, rows = array<i64: 0, 1, 0, 1, 0, 1, 1, 1>, row_weights = array<i64: 2048, 0, 1365, 683, 683, 1365, 2048, 0>, cols = array<i64: 0, 1>, col_weights = array<i64: 2048, 2048>, frac_bits = 11 : i64, shift = 22 : i64}
func.func @resize_linear(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> (tensor<1x2x4x4x!quant.pot<i8, -4>>, tensor<1x2x4x2x!quant.pot<i8, -5>>) {
  %l = quant.resize %x {node = "lin", mode = "linear", scales = array<f32: 2.0, 2.0>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
  %a = quant.resize %x {node = "ac", mode = "linear", scales = array<f32: 2.0, 1.0>, coordinate_transformation_mode = "align_corners"} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x2x!quant.pot<i8, -5>>
  func.return %l, %a : tensor<1x2x4x4x!quant.pot<i8, -4>>, tensor<1x2x4x2x!quant.pot<i8, -5>>
}

// -----

// ConvTranspose's zero insertion is a copy on the input's grid.
// CHECK-LABEL: func.func @zero_interleave
// CHECK-NEXT:    shift.zero_interleave %x {node = "deconv", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
func.func @zero_interleave(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -5>> {
  %z = quant.zero_interleave %x {node = "deconv", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -5>>
  func.return %z : tensor<1x2x3x3x!quant.pot<i8, -5>>
}

// -----

// CHECK: lower-quant-to-shift: quant.resize 'wide': the integer resize needs an input of at most 16 bits, got i32
func.func @resize_wide(%x: tensor<1x1x2x2x!quant.pot<i32, -5>>) -> tensor<1x1x4x4x!quant.pot<i8, -4>> {
  %l = quant.resize %x {node = "wide", mode = "linear", scales = array<f32: 2.0, 2.0>} : (tensor<1x1x2x2x!quant.pot<i32, -5>>) -> tensor<1x1x4x4x!quant.pot<i8, -4>>
  func.return %l : tensor<1x1x4x4x!quant.pot<i8, -4>>
}

// -----

// tf_crop_and_resize: an output mapped outside the cropped input (row -1.5; column 4.5 > 3) has
// index -1 and takes `fill`, the extrapolation value on the result's grid (0.5 * 2^4 = 8,
// -1 * 2^5 = -32).
// CHECK-LABEL: func.func @resize_crop
// CHECK-NEXT:    shift.resize_nearest %x {node = "crop", rows = array<i64: -1, 0, 1>, cols = array<i64: 0, 1, 3>, fill = 8 : i64}
// CHECK-NEXT:    shift.resize %x {node = "crop_lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 1, 1, 2, 3, 3>, row_weights = array<i64: 2, 0, 1, 1, 2, 0>, cols = array<i64: 1, 2, -1, -1>, col_weights = array<i64: 1, 1, 2, 0>, frac_bits = 1 : i64, shift = 1 : i64, fill = -32 : i64}
func.func @resize_crop(%x: tensor<1x2x4x4x!quant.pot<i8, -4>>) -> (tensor<1x2x3x3x!quant.pot<i8, -4>>, tensor<1x2x3x2x!quant.pot<i8, -5>>) {
  %n = quant.resize_nearest %x {node = "crop", scales = array<f32: 0.75, 0.75>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f32: -0.5, 0.0, 0.5, 1.0>, extrapolation_value = 0.5 : f32} : (tensor<1x2x4x4x!quant.pot<i8, -4>>) -> tensor<1x2x3x3x!quant.pot<i8, -4>>
  %l = quant.resize %x {node = "crop_lin", mode = "linear", scales = array<f32: 0.75, 0.5>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f32: 0.0, 0.5, 1.0, 1.5>, extrapolation_value = -1.0 : f32} : (tensor<1x2x4x4x!quant.pot<i8, -4>>) -> tensor<1x2x3x2x!quant.pot<i8, -5>>
  func.return %n, %l : tensor<1x2x3x3x!quant.pot<i8, -4>>, tensor<1x2x3x2x!quant.pot<i8, -5>>
}
