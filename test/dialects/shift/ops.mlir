// RUN: QCOMP_ROUNDTRIP
// Every shift op parses, prints in the generic form, parses back and prints as it was written.

// Constants: pot-typed (value stored as the storage type) and plain integers.
// CHECK-LABEL: func.func @constant
// CHECK-NEXT:    %b = shift.constant dense<[5, -3]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -12>> {node = "fc.bias"}
// CHECK-NEXT:    %c = shift.constant dense<[1, 2, 3]> : tensor<3xi8>
// CHECK-NEXT:    func.return %b, %c : tensor<2x!quant.pot<i32, -12>>, tensor<3xi8>
// CHECK-NEXT:    }
func.func @constant() -> (tensor<2x!quant.pot<i32, -12>>, tensor<3xi8>) {
  %b = shift.constant dense<[5, -3]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -12>> {node = "fc.bias"}
  %c = shift.constant dense<[1, 2, 3]> : tensor<3xi8>
  func.return %b, %c : tensor<2x!quant.pot<i32, -12>>, tensor<3xi8>
}

// -----

// Conv with per-channel weights and bias exponents, fused ReLU as the clamp.
// CHECK-LABEL: func.func @conv2d
// CHECK-NEXT:    %w = shift.constant dense<{{\[\[}}{{\[\[}}1, 2, 3], [4, 5, 6], [7, 8, 9]]], {{\[\[}}[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]]> : tensor<2x1x3x3xi8> -> tensor<2x1x3x3x!quant.pot<i8:0, [-6, -5]>> {node = "conv1.weight"}
// CHECK-NEXT:    %b = shift.constant dense<[100, -7]> : tensor<2xi32> -> tensor<2x!quant.pot<i32:0, [-13, -12]>> {node = "conv1.bias"}
// CHECK-NEXT:    %y = shift.conv2d %x, %w, %b {node = "conv1", pads = array<i64: 1, 1, 1, 1>, shift = array<i64: 8, 7>, bias_shift = array<i64: 0>, clamp = array<i64: 0, 127>} : (tensor<1x1x8x8x!quant.pot<i8, -7>>, tensor<2x1x3x3x!quant.pot<i8:0, [-6, -5]>>, tensor<2x!quant.pot<i32:0, [-13, -12]>>) -> tensor<1x2x8x8x!quant.pot<i8, -5>>
// CHECK-NEXT:    func.return %y : tensor<1x2x8x8x!quant.pot<i8, -5>>
// CHECK-NEXT:    }
func.func @conv2d(%x: tensor<1x1x8x8x!quant.pot<i8, -7>>) -> tensor<1x2x8x8x!quant.pot<i8, -5>> {
  %w = shift.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]]> : tensor<2x1x3x3xi8> -> tensor<2x1x3x3x!quant.pot<i8:0, [-6, -5]>> {node = "conv1.weight"}
  %b = shift.constant dense<[100, -7]> : tensor<2xi32> -> tensor<2x!quant.pot<i32:0, [-13, -12]>> {node = "conv1.bias"}
  %y = shift.conv2d %x, %w, %b {node = "conv1", pads = array<i64: 1, 1, 1, 1>, shift = array<i64: 8, 7>, bias_shift = array<i64: 0>, clamp = array<i64: 0, 127>} : (tensor<1x1x8x8x!quant.pot<i8, -7>>, tensor<2x1x3x3x!quant.pot<i8:0, [-6, -5]>>, tensor<2x!quant.pot<i32:0, [-13, -12]>>) -> tensor<1x2x8x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x2x8x8x!quant.pot<i8, -5>>
}

// -----

// Depthwise conv (group = C) with strides, pads and a per-tensor shift.
// CHECK-LABEL: func.func @depthwise
// CHECK-NEXT:    %y = shift.conv2d %x, %w {node = "dw", strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, shift = array<i64: 7>} : (tensor<1x4x6x6x!quant.pot<i8, -4>>, tensor<4x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x4x3x3x!quant.pot<i8, -4>>
// CHECK-NEXT:    func.return %y : tensor<1x4x3x3x!quant.pot<i8, -4>>
// CHECK-NEXT:    }
func.func @depthwise(%x: tensor<1x4x6x6x!quant.pot<i8, -4>>, %w: tensor<4x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x4x3x3x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w {node = "dw", strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, shift = array<i64: 7>} : (tensor<1x4x6x6x!quant.pot<i8, -4>>, tensor<4x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x4x3x3x!quant.pot<i8, -4>>
  func.return %y : tensor<1x4x3x3x!quant.pot<i8, -4>>
}

// -----

// Fully connected with a 16-bit bias shifted left by 2 and a fused clip.
// CHECK-LABEL: func.func @fc
// CHECK-NEXT:    %w = shift.constant dense<{{\[\[}}1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8> -> tensor<2x4x!quant.pot<i8, -7>>
// CHECK-NEXT:    %b = shift.constant dense<[3, 4]> : tensor<2xi16> -> tensor<2x!quant.pot<i16, -9>>
// CHECK-NEXT:    %y = shift.fc %x, %w, %b {node = "fc", shift = array<i64: 8>, bias_shift = array<i64: 2>, clamp = array<i64: -128, 48>} : (tensor<1x4x!quant.pot<i8, -4>>, tensor<2x4x!quant.pot<i8, -7>>, tensor<2x!quant.pot<i16, -9>>) -> tensor<1x2x!quant.pot<i8, -3>>
// CHECK-NEXT:    func.return %y : tensor<1x2x!quant.pot<i8, -3>>
// CHECK-NEXT:    }
func.func @fc(%x: tensor<1x4x!quant.pot<i8, -4>>) -> tensor<1x2x!quant.pot<i8, -3>> {
  %w = shift.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8> -> tensor<2x4x!quant.pot<i8, -7>>
  %b = shift.constant dense<[3, 4]> : tensor<2xi16> -> tensor<2x!quant.pot<i16, -9>>
  %y = shift.fc %x, %w, %b {node = "fc", shift = array<i64: 8>, bias_shift = array<i64: 2>, clamp = array<i64: -128, 48>} : (tensor<1x4x!quant.pot<i8, -4>>, tensor<2x4x!quant.pot<i8, -7>>, tensor<2x!quant.pot<i16, -9>>) -> tensor<1x2x!quant.pot<i8, -3>>
  func.return %y : tensor<1x2x!quant.pot<i8, -3>>
}

// -----

// add aligning two exponents, mul, requant (relu across exponents), clamp (relu6).
// CHECK-LABEL: func.func @elementwise
// CHECK-NEXT:    %s = shift.add %a, %b {node = "add", align = array<i64: 0, 2>, shift = 1 : i64, clamp = array<i64: 0, 127>} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
// CHECK-NEXT:    %m = shift.mul %a, %b {node = "mul", shift = 5 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
// CHECK-NEXT:    %r = shift.requant %a {node = "relu", shift = 2 : i64, clamp = array<i64: 0, 127>} : (tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -4>>
// CHECK-NEXT:    %c = shift.clamp %b {node = "relu6", clamp = array<i64: 0, 96>} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>>
// CHECK-NEXT:    func.return %s, %m, %r, %c : tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -4>>, tensor<1x8x!quant.pot<i8, -4>>
// CHECK-NEXT:    }
func.func @elementwise(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> (tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -4>>, tensor<1x8x!quant.pot<i8, -4>>) {
  %s = shift.add %a, %b {node = "add", align = array<i64: 0, 2>, shift = 1 : i64, clamp = array<i64: 0, 127>} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  %m = shift.mul %a, %b {node = "mul", shift = 5 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  %r = shift.requant %a {node = "relu", shift = 2 : i64, clamp = array<i64: 0, 127>} : (tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -4>>
  %c = shift.clamp %b {node = "relu6", clamp = array<i64: 0, 96>} : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -4>>
  func.return %s, %m, %r, %c : tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -4>>, tensor<1x8x!quant.pot<i8, -4>>
}

// -----

// LRN: the multiplier table over the bucketed sum of squares.
// CHECK-LABEL: func.func @lrn
// CHECK-NEXT:    %y = shift.lrn %x {node = "norm", size = 3 : i64, index_shift = 1 : i64, shift = 15 : i64, table = dense<[32767, 30000, 20000]> : tensor<3xi16>} : (tensor<1x4x2x2x!quant.pot<i4, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -3>>
func.func @lrn(%x: tensor<1x4x2x2x!quant.pot<i4, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -3>> {
  %y = shift.lrn %x {node = "norm", size = 3 : i64, index_shift = 1 : i64, shift = 15 : i64, table = dense<[32767, 30000, 20000]> : tensor<3xi16>} : (tensor<1x4x2x2x!quant.pot<i4, -1>>) -> tensor<1x4x2x2x!quant.pot<i8, -3>>
  func.return %y : tensor<1x4x2x2x!quant.pot<i8, -3>>
}

// -----

// Tables: a 4-bit input has a 16-entry LUT / exponential table.
// CHECK-LABEL: func.func @tables
// CHECK-NEXT:    %y = shift.lut %x {node = "sig", fn = "sigmoid", table = dense<[2, 3, 5, 7, 10, 15, 23, 33, 46, 61, 77, 92, 104, 113, 119, 122]> : tensor<16xi8>} : (tensor<1x8x!quant.pot<i4, -1>>) -> tensor<1x8x!quant.pot<i8, -7>>
// CHECK-NEXT:    %p = shift.softmax %x {node = "softmax", axis = 1 : i64, shift = -7 : i64, table = dense<[65536, 39750, 24109, 14623, 8869, 5380, 3263, 1979, 1200, 728, 442, 268, 162, 98, 60, 36]> : tensor<16xi32>} : (tensor<1x8x!quant.pot<i4, -1>>) -> tensor<1x8x!quant.pot<i8, -7>>
// CHECK-NEXT:    func.return %y, %p : tensor<1x8x!quant.pot<i8, -7>>, tensor<1x8x!quant.pot<i8, -7>>
// CHECK-NEXT:    }
func.func @tables(%x: tensor<1x8x!quant.pot<i4, -1>>) -> (tensor<1x8x!quant.pot<i8, -7>>, tensor<1x8x!quant.pot<i8, -7>>) {
  %y = shift.lut %x {node = "sig", fn = "sigmoid", table = dense<[2, 3, 5, 7, 10, 15, 23, 33, 46, 61, 77, 92, 104, 113, 119, 122]> : tensor<16xi8>} : (tensor<1x8x!quant.pot<i4, -1>>) -> tensor<1x8x!quant.pot<i8, -7>>
  %p = shift.softmax %x {node = "softmax", axis = 1 : i64, shift = -7 : i64, table = dense<[65536, 39750, 24109, 14623, 8869, 5380, 3263, 1979, 1200, 728, 442, 268, 162, 98, 60, 36]> : tensor<16xi32>} : (tensor<1x8x!quant.pot<i4, -1>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %y, %p : tensor<1x8x!quant.pot<i8, -7>>, tensor<1x8x!quant.pot<i8, -7>>
}

// -----

// maxpool (ceil mode), avgpool with an exponent change, global average pool.
// CHECK-LABEL: func.func @pooling
// CHECK-NEXT:    %m = shift.maxpool %x {node = "mp", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x2x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -5>>
// CHECK-NEXT:    %a = shift.avgpool %x {node = "ap", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, count_include_pad = 1 : i64, shift = -1 : i64} : (tensor<1x2x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -6>>
// CHECK-NEXT:    %g = shift.global_avgpool %x {node = "gap", shift = 1 : i64} : (tensor<1x2x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x1x1x!quant.pot<i8, -4>>
// CHECK-NEXT:    func.return %m, %a, %g : tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<1x2x3x3x!quant.pot<i8, -6>>, tensor<1x2x1x1x!quant.pot<i8, -4>>
// CHECK-NEXT:    }
func.func @pooling(%x: tensor<1x2x6x6x!quant.pot<i8, -5>>) -> (tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<1x2x3x3x!quant.pot<i8, -6>>, tensor<1x2x1x1x!quant.pot<i8, -4>>) {
  %m = shift.maxpool %x {node = "mp", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x2x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -5>>
  %a = shift.avgpool %x {node = "ap", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, count_include_pad = 1 : i64, shift = -1 : i64} : (tensor<1x2x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -6>>
  %g = shift.global_avgpool %x {node = "gap", shift = 1 : i64} : (tensor<1x2x6x6x!quant.pot<i8, -5>>) -> tensor<1x2x1x1x!quant.pot<i8, -4>>
  func.return %m, %a, %g : tensor<1x2x3x3x!quant.pot<i8, -5>>, tensor<1x2x3x3x!quant.pot<i8, -6>>, tensor<1x2x1x1x!quant.pot<i8, -4>>
}

// -----

// concat with a requantizing shift per input, reshape, transpose, pad with a fill.
// CHECK-LABEL: func.func @movement
// CHECK-NEXT:    %c = shift.concat %a, %b {node = "cat", axis = 1 : i64, shifts = array<i64: 0, 1>} : (tensor<1x2x3x!quant.pot<i8, -5>>, tensor<1x1x3x!quant.pot<i8, -6>>) -> tensor<1x3x3x!quant.pot<i8, -5>>
// CHECK-NEXT:    %r = shift.reshape %a {node = "flatten"} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x6x!quant.pot<i8, -5>>
// CHECK-NEXT:    %t = shift.transpose %a {node = "t", perm = array<i64: 0, 2, 1>} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x3x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    %p = shift.pad %a {node = "pad", pads = array<i64: 0, 1, 1, 0, 1, 1>, fill = -3 : i64} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x4x5x!quant.pot<i8, -5>>
// CHECK-NEXT:    func.return %c, %r, %t, %p : tensor<1x3x3x!quant.pot<i8, -5>>, tensor<1x6x!quant.pot<i8, -5>>, tensor<1x3x2x!quant.pot<i8, -5>>, tensor<1x4x5x!quant.pot<i8, -5>>
// CHECK-NEXT:    }
func.func @movement(%a: tensor<1x2x3x!quant.pot<i8, -5>>, %b: tensor<1x1x3x!quant.pot<i8, -6>>) -> (tensor<1x3x3x!quant.pot<i8, -5>>, tensor<1x6x!quant.pot<i8, -5>>, tensor<1x3x2x!quant.pot<i8, -5>>, tensor<1x4x5x!quant.pot<i8, -5>>) {
  %c = shift.concat %a, %b {node = "cat", axis = 1 : i64, shifts = array<i64: 0, 1>} : (tensor<1x2x3x!quant.pot<i8, -5>>, tensor<1x1x3x!quant.pot<i8, -6>>) -> tensor<1x3x3x!quant.pot<i8, -5>>
  %r = shift.reshape %a {node = "flatten"} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x6x!quant.pot<i8, -5>>
  %t = shift.transpose %a {node = "t", perm = array<i64: 0, 2, 1>} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x3x2x!quant.pot<i8, -5>>
  %p = shift.pad %a {node = "pad", pads = array<i64: 0, 1, 1, 0, 1, 1>, fill = -3 : i64} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x4x5x!quant.pot<i8, -5>>
  func.return %c, %r, %t, %p : tensor<1x3x3x!quant.pot<i8, -5>>, tensor<1x6x!quant.pot<i8, -5>>, tensor<1x3x2x!quant.pot<i8, -5>>, tensor<1x4x5x!quant.pot<i8, -5>>
}

// -----

// Plain integer tensors: no exponents, so the shift amounts are not checked.
// CHECK-LABEL: func.func @plain_integers
// CHECK-NEXT:    %y = shift.fc %x, %w, %b {node = "fc_int", shift = array<i64: 4, 5, 6>, bias_shift = array<i64: 1>} : (tensor<1x4xi8>, tensor<3x4xi8>, tensor<3xi32>) -> tensor<1x3xui8>
// CHECK-NEXT:    func.return %y : tensor<1x3xui8>
// CHECK-NEXT:    }
func.func @plain_integers(%x: tensor<1x4xi8>, %w: tensor<3x4xi8>, %b: tensor<3xi32>) -> tensor<1x3xui8> {
  %y = shift.fc %x, %w, %b {node = "fc_int", shift = array<i64: 4, 5, 6>, bias_shift = array<i64: 1>} : (tensor<1x4xi8>, tensor<3x4xi8>, tensor<3xi32>) -> tensor<1x3xui8>
  func.return %y : tensor<1x3xui8>
}

// -----

// Max / min on a common grid, prelu with one slope exponent per channel (shift per channel),
// and a strided slice.
// CHECK-LABEL: func.func @select_ops
// CHECK-NEXT:    %s = shift.constant dense<{{\[\[\[}}100]], {{\[\[}}-77]]]> : tensor<2x1x1xi8> -> tensor<2x1x1x!quant.pot<i8:0, [-8, -9]>>
// CHECK-NEXT:    %m = shift.max %a, %b {node = "max", align = array<i64: 0, 2>, shift = 1 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -6>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    %n = shift.min %m, %b {node = "min", align = array<i64: 0, 1>, shift = 0 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    %p = shift.prelu %n, %s {node = "prelu", shift = 1 : i64, slope_shift = array<i64: 9, 10>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>, tensor<2x1x1x!quant.pot<i8:0, [-8, -9]>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
// CHECK-NEXT:    %c = shift.slice %p {node = "slice", starts = array<i64: 0, 1, 1, 0>, ends = array<i64: 1, 2, -1, 2>, steps = array<i64: 1, 1, -1, 2>} : (tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x1x2x1x!quant.pot<i8, -4>>
func.func @select_ops(%a: tensor<1x2x2x2x!quant.pot<i8, -6>>, %b: tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x1x2x1x!quant.pot<i8, -4>> {
  %s = shift.constant dense<[[[100]], [[-77]]]> : tensor<2x1x1xi8> -> tensor<2x1x1x!quant.pot<i8:0, [-8, -9]>>
  %m = shift.max %a, %b {node = "max", align = array<i64: 0, 2>, shift = 1 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -6>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -5>>
  %n = shift.min %m, %b {node = "min", align = array<i64: 0, 1>, shift = 0 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -5>>
  %p = shift.prelu %n, %s {node = "prelu", shift = 1 : i64, slope_shift = array<i64: 9, 10>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>, tensor<2x1x1x!quant.pot<i8:0, [-8, -9]>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  %c = shift.slice %p {node = "slice", starts = array<i64: 0, 1, 1, 0>, ends = array<i64: 1, 2, -1, 2>, steps = array<i64: 1, 1, -1, 2>} : (tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x1x2x1x!quant.pot<i8, -4>>
  func.return %c : tensor<1x1x2x1x!quant.pot<i8, -4>>
}

// -----

// Resampling: nearest resize (index tables), linear resize at F = 2 fraction bits (scale-2
// half_pixel: weights 1/4, 3/4; shift = 2F + e_out - e_in = 5), zero insertion (ConvTranspose).
// CHECK-LABEL: func.func @resample
// CHECK-NEXT:    %n = shift.resize_nearest %x {node = "up", rows = array<i64: 0, 0, 1, 1>, cols = array<i64: 0, 0, 1, 1>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
// CHECK-NEXT:    %l = shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 5 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
// CHECK-NEXT:    %z = shift.zero_interleave %x {node = "deconv", strides = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x3x4x!quant.pot<i8, -5>>
func.func @resample(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> (tensor<1x2x4x4x!quant.pot<i8, -5>>, tensor<1x2x4x4x!quant.pot<i8, -4>>, tensor<1x2x3x4x!quant.pot<i8, -5>>) {
  %n = shift.resize_nearest %x {node = "up", rows = array<i64: 0, 0, 1, 1>, cols = array<i64: 0, 0, 1, 1>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  %l = shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 5 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
  %z = shift.zero_interleave %x {node = "deconv", strides = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x3x4x!quant.pot<i8, -5>>
  func.return %n, %l, %z : tensor<1x2x4x4x!quant.pot<i8, -5>>, tensor<1x2x4x4x!quant.pot<i8, -4>>, tensor<1x2x3x4x!quant.pot<i8, -5>>
}

// -----

// tf_crop_and_resize's extrapolated outputs: index -1 and the `fill` integer.
// CHECK-LABEL: func.func @resample_fill
// CHECK-NEXT:    %n = shift.resize_nearest %x {node = "crop", rows = array<i64: -1, 0, 1>, cols = array<i64: 0, 1>, fill = -3 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x3x2x!quant.pot<i8, -5>>
// CHECK-NEXT:    %l = shift.resize %x {node = "crop_lin", taps = array<i64: 2, 1>, rows = array<i64: 0, 1>, row_weights = array<i64: 1, 1>, cols = array<i64: 0, -1>, col_weights = array<i64: 2, 2>, frac_bits = 1 : i64, shift = 2 : i64, fill = 16 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x1x2x!quant.pot<i8, -5>>
func.func @resample_fill(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> (tensor<1x2x3x2x!quant.pot<i8, -5>>, tensor<1x2x1x2x!quant.pot<i8, -5>>) {
  %n = shift.resize_nearest %x {node = "crop", rows = array<i64: -1, 0, 1>, cols = array<i64: 0, 1>, fill = -3 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x3x2x!quant.pot<i8, -5>>
  %l = shift.resize %x {node = "crop_lin", taps = array<i64: 2, 1>, rows = array<i64: 0, 1>, row_weights = array<i64: 1, 1>, cols = array<i64: 0, -1>, col_weights = array<i64: 2, 2>, frac_bits = 1 : i64, shift = 2 : i64, fill = 16 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x1x2x!quant.pot<i8, -5>>
  func.return %n, %l : tensor<1x2x3x2x!quant.pot<i8, -5>>, tensor<1x2x1x2x!quant.pot<i8, -5>>
}

// -----

// Interpolation: a 6-bit input with index_shift 3 has 2^(6-3) + 1 = 9 i32 knots (hard-swish at
// x = -16, -12, ..., 16 with 16 fraction bits below the output step 2^-1).
// CHECK-LABEL: func.func @interp
// CHECK-NEXT:    %y = shift.interp %x {node = "hswish", index_shift = 3 : i64, shift = 19 : i64, table = dense<[0, 0, 0, 0, 0, 524288, 1048576, 1572864, 2097152]> : tensor<9xi32>, fn = "hard_swish"} : (tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>>
func.func @interp(%x: tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>> {
  %y = shift.interp %x {node = "hswish", index_shift = 3 : i64, shift = 19 : i64, table = dense<[0, 0, 0, 0, 0, 524288, 1048576, 1572864, 2097152]> : tensor<9xi32>, fn = "hard_swish"} : (tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>>
  func.return %y : tensor<1x8x!quant.pot<i8, -1>>
}
