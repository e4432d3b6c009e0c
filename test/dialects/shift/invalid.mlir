// RUN: qcomp-opt %s --split-input-file --verify-diagnostics | filecheck %s
// Verifier errors of the shift dialect name the op, its ONNX node and the broken rule:
// shapes, exponents vs shift amounts, clamp and table ranges.

func.func @conv_shift(%x: tensor<1x1x4x4x!quant.pot<i8, -5>>, %w: tensor<2x1x3x3x!quant.pot<i8:0, [-7, -6]>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 8>} : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<2x1x3x3x!quant.pot<i8:0, [-7, -6]>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': shift [8] must be e_out - (e_in + e_w) = [8, 7]

// -----

func.func @conv_bias_shift(%x: tensor<1x1x4x4x!quant.pot<i8, -5>>, %w: tensor<2x1x3x3x!quant.pot<i8, -7>>, %b: tensor<2x!quant.pot<i32, -10>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w, %b {node = "conv1", shift = array<i64: 8>, bias_shift = array<i64: 1>} : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<2x1x3x3x!quant.pot<i8, -7>>, tensor<2x!quant.pot<i32, -10>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': bias_shift [1] must be e_bias - (e_in + e_w) = [2]

// -----

func.func @conv_bias_right_shift(%x: tensor<1x1x4x4x!quant.pot<i8, -5>>, %w: tensor<2x1x3x3x!quant.pot<i8, -7>>, %b: tensor<2x!quant.pot<i32, -14>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w, %b {node = "conv1", shift = array<i64: 8>, bias_shift = array<i64: -2>} : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<2x1x3x3x!quant.pot<i8, -7>>, tensor<2x!quant.pot<i32, -14>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': bias_shift [-2, -2] must be non-negative (a left shift)

// -----

func.func @conv_clamp(%x: tensor<1x1x4x4x!quant.pot<i8, -5>>, %w: tensor<2x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 8>, clamp = array<i64: 0, 255>} : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<2x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': clamp [0, 255] must satisfy -128 <= lo <= hi <= 127 (i8 result)

// -----

func.func @conv_float(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 8>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': input must be an integer or !quant.pot tensor, got tensor<1x1x4x4xf32>

// -----

func.func @conv_weight_axis(%x: tensor<1x2x4x4x!quant.pot<i8, -5>>, %w: tensor<2x2x3x3x!quant.pot<i8:1, [-7, -6]>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 8>} : (tensor<1x2x4x4x!quant.pot<i8, -5>>, tensor<2x2x3x3x!quant.pot<i8:1, [-7, -6]>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': weight !quant.pot<i8:1, [-7, -6]> must be per tensor or per axis 0 with 2 exponents

// -----

func.func @conv_shape(%x: tensor<1x1x4x4x!quant.pot<i8, -5>>, %w: tensor<2x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>> {
  %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 8>} : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<2x1x3x3x!quant.pot<i8, -7>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x4x4x!quant.pot<i8, -4>>
}
// CHECK: shift.conv2d 'conv1': result shape [1, 2, 4, 4] does not match the inferred shape [1, 2, 2, 2]

// -----

func.func @conv_shift_count(%x: tensor<1x1x4x4xi8>, %w: tensor<3x1x3x3xi8>) -> tensor<1x3x2x2xi8> {
  %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 8, 7>} : (tensor<1x1x4x4xi8>, tensor<3x1x3x3xi8>) -> tensor<1x3x2x2xi8>
  func.return %y : tensor<1x3x2x2xi8>
}
// CHECK: shift.conv2d 'conv1': shift needs 1 or 3 values, got 2

// -----

func.func @fc_inner(%x: tensor<1x5x!quant.pot<i8, -4>>, %w: tensor<2x4x!quant.pot<i8, -7>>) -> tensor<1x2x!quant.pot<i8, -3>> {
  %y = shift.fc %x, %w {node = "fc", shift = array<i64: 8>} : (tensor<1x5x!quant.pot<i8, -4>>, tensor<2x4x!quant.pot<i8, -7>>) -> tensor<1x2x!quant.pot<i8, -3>>
  func.return %y : tensor<1x2x!quant.pot<i8, -3>>
}
// CHECK: shift.fc 'fc': inner dimensions differ: input [1, 5], weight [2, 4]

// -----

func.func @fc_shift_range(%x: tensor<1x4xi8>, %w: tensor<2x4xi8>) -> tensor<1x2xi8> {
  %y = shift.fc %x, %w {node = "fc", shift = array<i64: 70>} : (tensor<1x4xi8>, tensor<2x4xi8>) -> tensor<1x2xi8>
  func.return %y : tensor<1x2xi8>
}
// CHECK: shift.fc 'fc': shift 70 is outside [-62, 62]

// -----

func.func @add_align(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>> {
  %y = shift.add %a, %b {node = "add", align = array<i64: 0, 1>, shift = 1 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x8x!quant.pot<i8, -5>>
}
// CHECK: shift.add 'add': align [0, 1] does not bring exponents -6 and -4 to a common one

// -----

func.func @add_shift(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>> {
  %y = shift.add %a, %b {node = "add", align = array<i64: 0, 2>, shift = 0 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x8x!quant.pot<i8, -5>>
}
// CHECK: shift.add 'add': shift 0 must be e_out - e_common = 1

// -----

func.func @add_broadcast(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x3x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -6>> {
  %y = shift.add %a, %b {node = "add", shift = 0 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x3x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -6>>
  func.return %y : tensor<1x8x!quant.pot<i8, -6>>
}
// CHECK: shift.add 'add': operand shapes {{\[\[}}1, 8], [1, 3]] do not broadcast

// -----

func.func @mul_shift(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>> {
  %y = shift.mul %a, %b {node = "mul", shift = 1 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x8x!quant.pot<i8, -5>>
}
// CHECK: shift.mul 'mul': shift 1 must be e_out - (e_lhs + e_rhs) = 5

// -----

func.func @requant_shift(%x: tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -4>> {
  %y = shift.requant %x {node = "rq", shift = -2 : i64} : (tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -4>>
  func.return %y : tensor<1x8x!quant.pot<i8, -4>>
}
// CHECK: shift.requant 'rq': shift -2 must be e_out - e_in = 2

// -----

func.func @clamp_order(%x: tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -6>> {
  %y = shift.clamp %x {node = "relu", clamp = array<i64: 5, 0>} : (tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -6>>
  func.return %y : tensor<1x8x!quant.pot<i8, -6>>
}
// CHECK: shift.clamp 'relu': clamp [5, 0] must satisfy -128 <= lo <= hi <= 127 (i8 result)

// -----

func.func @clamp_type(%x: tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -5>> {
  %y = shift.clamp %x {node = "relu", clamp = array<i64: 0, 127>} : (tensor<1x8x!quant.pot<i8, -6>>) -> tensor<1x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x8x!quant.pot<i8, -5>>
}
// CHECK: shift.clamp 'relu': input type tensor<1x8x!quant.pot<i8, -6>> and result type tensor<1x8x!quant.pot<i8, -5>> differ

// -----

func.func @lut_size(%x: tensor<1x8x!quant.pot<i4, -1>>) -> tensor<1x8x!quant.pot<i8, -7>> {
  %y = shift.lut %x {node = "sig", table = dense<[1, 2, 3]> : tensor<3xi8>} : (tensor<1x8x!quant.pot<i4, -1>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %y : tensor<1x8x!quant.pot<i8, -7>>
}
// CHECK: shift.lut 'sig': table must be a 1-D integer tensor of 16 entries, got tensor<3xi8>

// -----

func.func @lut_range(%x: tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<ui8, -7>> {
  %y = shift.lut %x {node = "sig", table = dense<[1, 2, 3, -4]> : tensor<4xi16>} : (tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<ui8, -7>>
  func.return %y : tensor<1x8x!quant.pot<ui8, -7>>
}
// CHECK: shift.lut 'sig': table values must lie in the result range [0, 255]

// -----

func.func @interp_knots(%x: tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>> {
  %y = shift.interp %x {node = "hswish", index_shift = 3 : i64, shift = 19 : i64, table = dense<[0, 1, 2]> : tensor<3xi32>} : (tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>>
  func.return %y : tensor<1x8x!quant.pot<i8, -1>>
}
// CHECK: shift.interp 'hswish': table must be a 1-D tensor of 9 i32 knots, got tensor<3xi32>

// -----

func.func @interp_index_shift(%x: tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>> {
  %y = shift.interp %x {node = "hswish", index_shift = 7 : i64, shift = 19 : i64, table = dense<[0, 1]> : tensor<2xi32>} : (tensor<1x8x!quant.pot<i6, -1>>) -> tensor<1x8x!quant.pot<i8, -1>>
  func.return %y : tensor<1x8x!quant.pot<i8, -1>>
}
// CHECK: shift.interp 'hswish': index_shift 7 must be in [0, 6]

// -----

func.func @softmax_table(%x: tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<i8, -7>> {
  %y = shift.softmax %x {node = "sm", axis = 1 : i64, shift = -7 : i64, table = dense<[100, 50, 60, 1]> : tensor<4xi32>} : (tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %y : tensor<1x8x!quant.pot<i8, -7>>
}
// CHECK: shift.softmax 'sm': table must be non-negative, non-increasing, with table[0] > 0

// -----

func.func @softmax_sum(%x: tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<i8, -7>> {
  %y = shift.softmax %x {node = "sm", axis = 1 : i64, shift = -7 : i64, table = dense<[1073741824, 50, 40, 1]> : tensor<4xi32>} : (tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %y : tensor<1x8x!quant.pot<i8, -7>>
}
// CHECK: shift.softmax 'sm': sum of 8 table entries up to 1073741824 overflows int32

// -----

func.func @softmax_shift(%x: tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<i8, -7>> {
  %y = shift.softmax %x {node = "sm", axis = 1 : i64, shift = -8 : i64, table = dense<[100, 50, 40, 1]> : tensor<4xi32>} : (tensor<1x8x!quant.pot<i2, 0>>) -> tensor<1x8x!quant.pot<i8, -7>>
  func.return %y : tensor<1x8x!quant.pot<i8, -7>>
}
// CHECK: shift.softmax 'sm': shift -8 must be the result exponent -7

// -----

func.func @maxpool_type(%x: tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.maxpool %x {node = "mp", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.maxpool 'mp': input and result element types differ (requantize separately)

// -----

func.func @avgpool_shift(%x: tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %y = shift.avgpool %x {node = "ap", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.avgpool 'ap': shift 0 must be e_out - e_in = 1

// -----

func.func @avgpool_pads(%x: tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -5>> {
  %y = shift.avgpool %x {node = "ap", kernel = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>} : (tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x3x3x!quant.pot<i8, -5>>
  func.return %y : tensor<1x2x3x3x!quant.pot<i8, -5>>
}
// CHECK: shift.avgpool 'ap': pads [2, 0, 0, 0] must be smaller than the kernel [2, 2]

// -----

func.func @gap_shift(%x: tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x1x1x!quant.pot<i8, -6>> {
  %y = shift.global_avgpool %x {node = "gap", shift = 1 : i64} : (tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x1x1x!quant.pot<i8, -6>>
  func.return %y : tensor<1x2x1x1x!quant.pot<i8, -6>>
}
// CHECK: shift.global_avgpool 'gap': shift 1 must be e_out - e_in = -1

// -----

func.func @concat_shifts(%a: tensor<1x2x!quant.pot<i8, -5>>, %b: tensor<1x1x!quant.pot<i8, -6>>) -> tensor<1x3x!quant.pot<i8, -5>> {
  %y = shift.concat %a, %b {node = "cat", axis = 1 : i64} : (tensor<1x2x!quant.pot<i8, -5>>, tensor<1x1x!quant.pot<i8, -6>>) -> tensor<1x3x!quant.pot<i8, -5>>
  func.return %y : tensor<1x3x!quant.pot<i8, -5>>
}
// CHECK: shift.concat 'cat': shifts[1] = 0 must be e_out - e_in = 1

// -----

func.func @reshape_type(%x: tensor<1x2x2x!quant.pot<i8, -5>>) -> tensor<1x4x!quant.pot<i8, -4>> {
  %y = shift.reshape %x {node = "flat"} : (tensor<1x2x2x!quant.pot<i8, -5>>) -> tensor<1x4x!quant.pot<i8, -4>>
  func.return %y : tensor<1x4x!quant.pot<i8, -4>>
}
// CHECK: shift.reshape 'flat': input and result element types differ: tensor<1x2x2x!quant.pot<i8, -5>> vs tensor<1x4x!quant.pot<i8, -4>>

// -----

func.func @transpose_perm(%x: tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x3x2x!quant.pot<i8, -5>> {
  %y = shift.transpose %x {node = "t", perm = array<i64: 0, 2, 2>} : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x3x2x!quant.pot<i8, -5>>
  func.return %y : tensor<1x3x2x!quant.pot<i8, -5>>
}
// CHECK: shift.transpose 't': perm [0, 2, 2] is not a permutation of rank 3

// -----

func.func @pad_fill(%x: tensor<1x2x!quant.pot<ui8, -5>>) -> tensor<1x4x!quant.pot<ui8, -5>> {
  %y = shift.pad %x {node = "pad", pads = array<i64: 0, 1, 0, 1>, fill = -1 : i64} : (tensor<1x2x!quant.pot<ui8, -5>>) -> tensor<1x4x!quant.pot<ui8, -5>>
  func.return %y : tensor<1x4x!quant.pot<ui8, -5>>
}
// CHECK: shift.pad 'pad': fill -1 is outside the storage range [0, 255]

// -----

func.func @constant_float() -> tensor<2xf32> {
  %c = shift.constant dense<[1.0, 2.0]> : tensor<2xf32> {node = "w"}
  func.return %c : tensor<2xf32>
}
// CHECK: shift.constant 'w': value must hold integers, got tensor<2xf32>

// -----

func.func @constant_storage() -> tensor<2x!quant.pot<i8, -3>> {
  %c = shift.constant dense<[1, 2]> : tensor<2xi32> -> tensor<2x!quant.pot<i8, -3>> {node = "w"}
  func.return %c : tensor<2x!quant.pot<i8, -3>>
}
// CHECK: shift.constant 'w': value must be stored as i8, got tensor<2xi32>

// -----

func.func @max_align(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>> {
  %y = shift.max %a, %b {node = "max", align = array<i64: 0, 1>, shift = 1 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x8x!quant.pot<i8, -5>>
}
// CHECK: shift.max 'max': align [0, 1] does not bring exponents -6 and -4 to a common one

// -----

func.func @min_shift(%a: tensor<1x8x!quant.pot<i8, -6>>, %b: tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>> {
  %y = shift.min %a, %b {node = "min", align = array<i64: 0, 2>, shift = 0 : i64} : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
  func.return %y : tensor<1x8x!quant.pot<i8, -5>>
}
// CHECK: shift.min 'min': shift 0 must be e_out - e_common = 1

// -----

func.func @prelu_slope_shift(%x: tensor<1x2x2x!quant.pot<i8, -5>>, %s: tensor<2x1x!quant.pot<i8:0, [-8, -9]>>) -> tensor<1x2x2x!quant.pot<i8, -4>> {
  %y = shift.prelu %x, %s {node = "prelu", shift = 1 : i64, slope_shift = array<i64: 8>} : (tensor<1x2x2x!quant.pot<i8, -5>>, tensor<2x1x!quant.pot<i8:0, [-8, -9]>>) -> tensor<1x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.prelu 'prelu': slope_shift [8] must be e_out - (e_in + e_slope) = [9, 10]

// -----

func.func @prelu_shift(%x: tensor<1x2x2x!quant.pot<i8, -5>>, %s: tensor<1x!quant.pot<i8, -8>>) -> tensor<1x2x2x!quant.pot<i8, -4>> {
  %y = shift.prelu %x, %s {node = "prelu", shift = 0 : i64, slope_shift = array<i64: 8>} : (tensor<1x2x2x!quant.pot<i8, -5>>, tensor<1x!quant.pot<i8, -8>>) -> tensor<1x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.prelu 'prelu': shift 0 must be e_out - e_in = 1

// -----

func.func @prelu_count(%x: tensor<1x2x2x!quant.pot<i8, -5>>, %s: tensor<1x!quant.pot<i8, -8>>) -> tensor<1x2x2x!quant.pot<i8, -4>> {
  %y = shift.prelu %x, %s {node = "prelu", shift = 1 : i64, slope_shift = array<i64: 8, 8, 8>} : (tensor<1x2x2x!quant.pot<i8, -5>>, tensor<1x!quant.pot<i8, -8>>) -> tensor<1x2x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x2x!quant.pot<i8, -4>>
}
// CHECK: shift.prelu 'prelu': slope_shift needs 1 or 2 values, got 3

// -----

func.func @slice_type(%x: tensor<1x4x!quant.pot<i8, -5>>) -> tensor<1x2x!quant.pot<i8, -4>> {
  %y = shift.slice %x {node = "s", starts = array<i64: 0, 0>, ends = array<i64: 1, 2>, steps = array<i64: 1, 1>} : (tensor<1x4x!quant.pot<i8, -5>>) -> tensor<1x2x!quant.pot<i8, -4>>
  func.return %y : tensor<1x2x!quant.pot<i8, -4>>
}
// CHECK: shift.slice 's': input and result element types differ: tensor<1x4x!quant.pot<i8, -5>> vs tensor<1x2x!quant.pot<i8, -4>>

// -----

func.func @resize_weight_sum(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %l = shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 2>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 4 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %l : tensor<1x2x4x4x!quant.pot<i8, -5>>
}
// CHECK: shift.resize 'lin': every row of row_weights must sum to 2^frac_bits = 4, got 5

// -----

func.func @resize_index(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %l = shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, 1, 2>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 4 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %l : tensor<1x2x4x4x!quant.pot<i8, -5>>
}
// CHECK: shift.resize 'lin': rows [0, 2] must lie in [0, 1]

// -----

func.func @resize_shift(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>> {
  %l = shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 4 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
  func.return %l : tensor<1x2x4x4x!quant.pot<i8, -4>>
}
// CHECK: shift.resize 'lin': shift 4 must be 2 * frac_bits + e_out - e_in = 5

// -----

func.func @resize_overflow(%x: tensor<1x1x2x1x!quant.pot<i8, -5>>) -> tensor<1x1x2x1x!quant.pot<i8, -5>> {
  %l = shift.resize %x {node = "lin", taps = array<i64: 2, 1>, rows = array<i64: 0, 1, 0, 1>, row_weights = array<i64: 4096, 0, 0, 4096>, cols = array<i64: 0>, col_weights = array<i64: 4096>, frac_bits = 12 : i64, shift = 24 : i64} : (tensor<1x1x2x1x!quant.pot<i8, -5>>) -> tensor<1x1x2x1x!quant.pot<i8, -5>>
  func.return %l : tensor<1x1x2x1x!quant.pot<i8, -5>>
}
// CHECK: shift.resize 'lin': accumulator bound 2147483648 does not fit int32

// -----

func.func @resize_nearest_type(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>> {
  %n = shift.resize_nearest %x {node = "up", rows = array<i64: 0, 0, 1, 1>, cols = array<i64: 0, 0, 1, 1>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -4>>
  func.return %n : tensor<1x2x4x4x!quant.pot<i8, -4>>
}
// CHECK: shift.resize_nearest 'up': input and result element types differ

// -----

func.func @resize_nearest_table(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %n = shift.resize_nearest %x {node = "up", rows = array<i64: 0, 0, 1>, cols = array<i64: 0, 0, 1, 1>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %n : tensor<1x2x4x4x!quant.pot<i8, -5>>
}
// CHECK: shift.resize_nearest 'up': needs 4 rows and 4 cols, got 3 and 4

// -----

func.func @zero_interleave_shape(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %z = shift.zero_interleave %x {node = "deconv", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %z : tensor<1x2x4x4x!quant.pot<i8, -5>>
}
// CHECK: shift.zero_interleave 'deconv': result shape [1, 2, 4, 4] does not match the inferred shape [1, 2, 3, 3]

// -----

func.func @resize_partial_fill(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %l = shift.resize %x {node = "lin", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, 0, 1, -1, 1>, row_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, cols = array<i64: 0, 0, 0, 1, 0, 1, 1, 1>, col_weights = array<i64: 1, 3, 3, 1, 1, 3, 3, 1>, frac_bits = 2 : i64, shift = 4 : i64, fill = 3 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %l : tensor<1x2x4x4x!quant.pot<i8, -5>>
}
// CHECK: shift.resize 'lin': an extrapolated output needs -1 in every tap of rows

// -----

func.func @resize_nearest_fill(%x: tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>> {
  %n = shift.resize_nearest %x {node = "up", rows = array<i64: -1, 0, 1, 1>, cols = array<i64: 0, 0, 1, 1>, fill = 300 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x4x4x!quant.pot<i8, -5>>
  func.return %n : tensor<1x2x4x4x!quant.pot<i8, -5>>
}
// CHECK: shift.resize_nearest 'up': fill 300 is outside the storage range [-128, 127]
