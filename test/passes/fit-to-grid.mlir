// `fit-to-grid`: a power-of-two rescaling per conv/gemm pair (function unchanged) that moves the
// pair's tensors to the top of their grids.

// A's weights and its output both peak at 0.75, 0.756 of their grid's top 127 * 2^-7 = 0.992;
// B's weights peak at 0.5, 0.504 of 127 * 2^-7 (just above 127 * 2^-8 = 0.496). Moving A up by
// 2^0.404 = 1.323 fills both of A's grids; B's weights move down by the same factor to 0.378,
// on the grid 2^-8 now: 0.76 of its top instead of 0.504. A's range moves with its values; B's
// result is unchanged.
// RUN: qcomp-opt %s -p 'set-target{hardware="fpga"},fit-to-grid' | filecheck %s
// CHECK:     quant.constant dense<{{\[\[\[\[}}0.9921875]]], {{\[\[\[}}0.4572{{[0-9]*}}]]]]> : tensor<2x1x1x1xf32> {node = "a.weight"}
// CHECK:     quant.conv2d {{.*}}node = "a", act_min = 0.000000e+00 : f32, range = array<f64: 0.000000e+00, 0.99218{{[0-9]*}}>, grid_fit = -0.4037{{[0-9]*}} : f64}
// CHECK:     quant.constant dense<{{\[\[\[\[}}0.37795{{[0-9]*}}]], {{\[\[}}0.09327{{[0-9]*}}]]]]> : tensor<1x2x1x1xf32> {node = "b.weight"}
// CHECK:     quant.conv2d {{.*}}node = "b", range = array<f64: 0.000000e+00, 1.500000e+00>}
// RUN: qcomp-opt %s -p 'set-target{hardware="fpga"},fit-to-grid,pot-scale' | filecheck %s --check-prefix=POT
// POT: dense<{{\[\[\[\[}}127]]], {{\[\[\[}}59]]]]> : tensor<2x1x1x1xi8> -> tensor<2x1x1x1x!quant.pot<i8, -7>> {node = "a.weight"}
// POT: dense<{{\[\[\[\[}}97]], {{\[\[}}24]]]]> : tensor<1x2x1x1xi8> -> tensor<1x2x1x1x!quant.pot<i8, -8>> {node = "b.weight"}
func.func @main(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> attributes {arg_ranges = [array<f64: 0.0, 1.0>]} {
  %wa = quant.constant dense<[[[[0.75]]], [[[0.3456]]]]> : tensor<2x1x1x1xf32> {node = "a.weight"}
  %a = quant.conv2d %x, %wa {node = "a", act_min = 0.0 : f32, range = array<f64: 0.0, 0.75>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %wb = quant.constant dense<[[[[0.5]], [[0.1234]]]]> : tensor<1x2x1x1xf32> {node = "b.weight"}
  %b = quant.conv2d %a, %wb {node = "b", range = array<f64: 0.0, 1.5>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  func.return %b : tensor<1x1x4x4xf32>
}

// LeNet after calibrate: the function is unchanged up to float rounding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'set-target{hardware="fpga"},simplify,fuse,calibrate{data="%models/digits/calib.npy" method="mse"}' -o %t/before.mlir
// RUN: qcomp-opt %t/before.mlir -p fit-to-grid -o %t/after.mlir
// RUN: filecheck %s --check-prefix=LENET --input-file %t/after.mlir
// LENET: grid_fit =
// RUN: %python %S/Inputs/same_function.py %t/before.mlir %t/after.mlir %models/digits/test_x.npy | filecheck %s --check-prefix=SAME
// SAME: max |after - before| / max |before| = {{.*}}: ok

// It needs the calibrated ranges.
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'simplify,fit-to-grid' 2>&1 | filecheck %s --check-prefix=NORANGE
// NORANGE: fit-to-grid: the module has no calibrated ranges: run calibrate first
