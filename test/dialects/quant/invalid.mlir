// RUN: qcomp-opt %s --split-input-file --verify-diagnostics | filecheck %s
// Verifier errors of the quant dialect name the op, its ONNX node and the problem.

func.func @conv_shape(%x: tensor<1x1x8x8xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %y = quant.conv2d %x, %w {node = "conv1"} : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  func.return %y : tensor<1x8x8x8xf32>
}
// CHECK: quant.conv2d 'conv1': result shape [1, 8, 8, 8] does not match the inferred shape [1, 8, 6, 6]

// -----

func.func @conv_group(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %y = quant.conv2d %x, %w {node = "g", group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  func.return %y : tensor<1x8x6x6xf32>
}
// CHECK: quant.conv2d 'g': input channels 4, weight [8, 4, 3, 3] and group 2 disagree

// -----

func.func @conv_bias(%x: tensor<1x1x8x8xf32>, %w: tensor<8x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x8x6x6xf32> {
  %y = quant.conv2d %x, %w, %b {node = "cb"} : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>, tensor<4xf32>) -> tensor<1x8x6x6xf32>
  func.return %y : tensor<1x8x6x6xf32>
}
// CHECK: quant.conv2d 'cb': bias shape [4] is not [8]

// -----

func.func @gemm_inner(%a: tensor<1x72xf32>, %b: tensor<10x70xf32>) -> tensor<1x10xf32> {
  %y = quant.gemm %a, %b {node = "fc", trans_b = 1 : i64} : (tensor<1x72xf32>, tensor<10x70xf32>) -> tensor<1x10xf32>
  func.return %y : tensor<1x10xf32>
}
// CHECK: quant.gemm 'fc': inner dimensions differ: 72 vs 70

// -----

func.func @add_broadcast(%a: tensor<1x3xf32>, %b: tensor<4xf32>) -> tensor<1x3xf32> {
  %y = quant.add %a, %b {node = "sum"} : (tensor<1x3xf32>, tensor<4xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}
// CHECK: quant.add 'sum': operand shapes [[1, 3], [4]] do not broadcast

// -----

func.func @pool_pads(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x6x6xf32> {
  %y = quant.maxpool %x {node = "mp", kernel = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x6x6xf32>
  func.return %y : tensor<1x2x6x6xf32>
}
// CHECK: quant.maxpool 'mp': pads [2, 0, 0, 0] must be smaller than the kernel [2, 2]

// -----

func.func @concat_axis(%a: tensor<1x2x4x4xf32>, %b: tensor<1x2x5x4xf32>) -> tensor<1x4x4x4xf32> {
  %y = quant.concat %a, %b {node = "cat", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x5x4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}
// CHECK: quant.concat 'cat': input shapes [[1, 2, 4, 4], [1, 2, 5, 4]] differ off axis 1

// -----

func.func @reshape_count(%a: tensor<1x64xf32>) -> tensor<1x63xf32> {
  %y = quant.reshape %a {node = "rs"} : (tensor<1x64xf32>) -> tensor<1x63xf32>
  func.return %y : tensor<1x63xf32>
}
// CHECK: quant.reshape 'rs': cannot reshape [1, 64] to [1, 63]

// -----

func.func @transpose_perm(%a: tensor<1x2x3xf32>) -> tensor<1x2x3xf32> {
  %y = quant.transpose %a {node = "tp", perm = array<i64: 0, 1, 1>} : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  func.return %y : tensor<1x2x3xf32>
}
// CHECK: quant.transpose 'tp': perm [0, 1, 1] is not a permutation of rank 3

// -----

func.func @clip_bounds(%a: tensor<4xf32>) -> tensor<4xf32> {
  %y = quant.clip %a {node = "cl", min = 6.0 : f32, max = 0.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK: quant.clip 'cl': min 6.0 is above max 0.0

// -----

func.func @const_storage() -> tensor<2x!quant.pot<i8, -3>> {
  %w = quant.constant dense<[1, 2]> : tensor<2xi32> -> tensor<2x!quant.pot<i8, -3>> {node = "w"}
  func.return %w : tensor<2x!quant.pot<i8, -3>>
}
// CHECK: quant.constant 'w': value must be stored as i8

// -----

func.func @pot_per_tensor(%x: tensor<2x!quant.pot<i8, -3>>) -> tensor<2x!quant.pot<i8, -3>> {
  %y = quant.relu %x : (tensor<2x!quant.pot<i8, -3>>) -> tensor<2x!quant.pot<i8, -3>>
  func.return %y : tensor<2x!quant.pot<i8, -3>>
}
// CHECK-NOT: error
// CHECK: builtin.module

// -----

func.func @prelu_slope(%x: tensor<1x4x3x3xf32>, %s: tensor<4x3xf32>) -> tensor<1x4x3x3xf32> {
  %y = quant.prelu %x, %s {node = "p"} : (tensor<1x4x3x3xf32>, tensor<4x3xf32>) -> tensor<1x4x3x3xf32>
  func.return %y : tensor<1x4x3x3xf32>
}
// CHECK: quant.prelu 'p': operand shapes {{\[\[1, 4, 3, 3\], \[4, 3\]\]}} do not broadcast

// -----

func.func @prelu_widens(%x: tensor<1x4x1x1xf32>, %s: tensor<4x3x1xf32>) -> tensor<1x4x1x1xf32> {
  %y = quant.prelu %x, %s {node = "p"} : (tensor<1x4x1x1xf32>, tensor<4x3x1xf32>) -> tensor<1x4x1x1xf32>
  func.return %y : tensor<1x4x1x1xf32>
}
// CHECK: quant.prelu 'p': slope of shape [4, 3, 1] does not broadcast to the input [1, 4, 1, 1]

// -----

func.func @slice_bounds(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %y = quant.slice %x {node = "s", starts = array<i64: 0, 3>, ends = array<i64: 1, 5>, steps = array<i64: 1, 1>} : (tensor<1x4xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: quant.slice 's': axis 1: start 3 and end 5 must satisfy 0 <= start <= end <= 4

// -----

func.func @slice_reversed(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %y = quant.slice %x {node = "s", starts = array<i64: 0, 1>, ends = array<i64: 1, 3>, steps = array<i64: 1, -1>} : (tensor<1x4xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
// CHECK: quant.slice 's': axis 1: start 1 and end 3 must satisfy -1 <= end < start < 4 (step -1)

// -----

func.func @slice_shape(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %y = quant.slice %x {node = "s", starts = array<i64: 0, 0>, ends = array<i64: 1, 4>, steps = array<i64: 1, 2>} : (tensor<1x4xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}
// CHECK: quant.slice 's': result shape [1, 3] does not match the inferred shape [1, 2]

// -----

func.func @slice_rank(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %y = quant.slice %x {node = "s", starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}
// CHECK: quant.slice 's': needs one start, end and step per axis (2), got 1, 1, 1

// -----

func.func @resize_modes(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32> {
  %y = quant.resize %x {node = "up", mode = "area", scales = array<f32: 2.0, 2.0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  func.return %y : tensor<1x2x8x8xf32>
}
// CHECK: quant.resize 'up': mode 'area' is not one of linear, cubic (nearest is quant.resize_nearest)

// -----

func.func @resize_roi(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32> {
  %y = quant.resize_nearest %x {node = "up", scales = array<f32: 2.0, 2.0>, roi = array<f32: 0.0, 0.0, 0.5, 0.5>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  func.return %y : tensor<1x2x8x8xf32>
}
// CHECK: quant.resize_nearest 'up': roi and extrapolation_value are for coordinate_transformation_mode tf_crop_and_resize

// -----

func.func @resize_channels(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x8x8xf32> {
  %y = quant.resize_nearest %x {node = "up", scales = array<f32: 2.0, 2.0>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x8x8xf32>
  func.return %y : tensor<1x4x8x8xf32>
}
// CHECK: quant.resize_nearest 'up': N and C must be unchanged, got [1, 2, 4, 4] -> [1, 4, 8, 8]

// -----

func.func @zero_interleave_crop(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x3x3xf32> {
  %z = quant.zero_interleave %x {node = "deconv", strides = array<i64: 2, 0>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x3x3xf32>
  func.return %z : tensor<1x2x3x3xf32>
}
// CHECK: quant.zero_interleave 'deconv': strides [2, 0] must be positive
