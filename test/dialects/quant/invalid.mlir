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
