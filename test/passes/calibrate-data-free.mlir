// RUN: qcomp-opt %s --split-input-file -p 'calibrate{method="data-free" samples=8}' | filecheck %s
// RUN: qcomp-opt %s --split-input-file -p 'calibrate{method="data-free" samples=8 bn_sigmas=1.0 input_range="0,255"}' | filecheck %s --check-prefix=K1
// RUN: not qcomp-opt %s --split-input-file -p 'calibrate{method="data-free" input_range="1,0"}' 2>&1 | filecheck %s --check-prefix=BAD

// calibrate without samples: ranges after a folded BatchNorm come from its statistics
// (bn_stats = [mean, std] per channel, k = bn_sigmas = 3 by default), through the fused ReLU,
// max pooling, concat and add; the others from synthetic inputs.
//   conv1: ch0 1 +- 3 * 0.5 = [-0.5, 2.5], ch1 -2 +- 3 * 1 = [-5, 1] -> [-5, 2.5], ReLU -> [0, 2.5]
//   conv2: ch0 0 +- 3 * 1, ch1 0 +- 3 * 2 -> [-6, 6];  pools keep them;  concat: [-6, 6]
//   add(p1, p1): [0, 5] (the sum of the bounds)
// With k = 1: conv1 [0, 1.5], conv2 [-2, 2], add [0, 3]; the synthetic input is U(0, 255).
// CHECK:       qcomp.calibration = "data-free: activation ranges estimated, 6 from BatchNorm statistics, 1 from synthetic inputs in [-1, 1] (default: no input normalisation found, give --input-range LO,HI)"
// K1:          synthetic inputs in [0, 255] (given)
// CHECK-LABEL: func.func @bn
// CHECK-SAME:    arg_ranges = [array<f64: -0.9{{[0-9]*}}, 0.9{{[0-9]*}}>]
// CHECK:         quant.conv2d {{.*}}node = "conv1"{{.*}}range = array<f64: 0.000000e+00, 2.500000e+00>, range_source = "bn-stats"
// CHECK:         quant.maxpool {{.*}}range = array<f64: 0.000000e+00, 2.500000e+00>, range_source = "bn-stats"
// CHECK:         quant.conv2d {{.*}}node = "conv2"{{.*}}range = array<f64: -6.000000e+00, 6.000000e+00>, range_source = "bn-stats"
// CHECK:         quant.maxpool {{.*}}range = array<f64: -6.000000e+00, 6.000000e+00>, range_source = "bn-stats"
// CHECK:         quant.concat {{.*}}range = array<f64: -6.000000e+00, 6.000000e+00>, range_source = "bn-stats"
// CHECK:         quant.add {{.*}}range = array<f64: 0.000000e+00, 5.000000e+00>, range_source = "bn-stats"
// CHECK:         quant.sigmoid {{.*}}range_source = "synthetic"
// K1:          arg_ranges = [array<f64: {{[0-9.]+}}, 2.5{{[0-9]*}}e+02>]
// K1:          node = "conv1"{{.*}}range = array<f64: 0.000000e+00, 1.500000e+00>
// K1:          node = "conv2"{{.*}}range = array<f64: -2.000000e+00, 2.000000e+00>
// K1:          quant.add {{.*}}range = array<f64: 0.000000e+00, 3.000000e+00>
// BAD: calibrate: input range '1,0' must have finite LO < HI

func.func @bn(%x: tensor<1x1x4x4xf32>) -> (tensor<1x4x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x4x2x2xf32>) {
  %w1 = quant.constant dense<[[[[1.0]]], [[[0.5]]]]> : tensor<2x1x1x1xf32> {node = "conv1.weight"}
  %y1 = quant.conv2d %x, %w1 {node = "conv1", act_min = 0.0 : f32, bn_stats = [array<f64: 1.0, -2.0>, array<f64: 0.5, 1.0>]} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %p1 = quant.maxpool %y1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %w2 = quant.constant dense<[[[[2.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32> {node = "conv2.weight"}
  %y2 = quant.conv2d %x, %w2 {node = "conv2", bn_stats = [array<f64: 0.0, 0.0>, array<f64: 1.0, 2.0>]} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %p2 = quant.maxpool %y2 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %c = quant.concat %p1, %p2 {axis = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x4x2x2xf32>
  %a = quant.add %p1, %p1 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %s = quant.sigmoid %c : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  func.return %c, %a, %s : tensor<1x4x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x4x2x2xf32>
}

// -----

// A folded input normalisation (x' = a x + b, mean -b/a = [1, 2] <= 2) implies raw inputs in
// [0, 1] (a mean above 2 would mean [0, 255]).
// CHECK:       synthetic inputs in [0, 1] (from the input normalisation)
// CHECK-LABEL: func.func @normalised
// CHECK-SAME:    arg_ranges = [array<f64: {{[0-9.e-]+}}, 0.9{{[0-9]*}}>]
func.func @normalised(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> attributes {arg_normalisation = {"0" = [array<f64: 0.5, 0.25>, array<f64: -0.5, -0.5>]}} {
  %w = quant.constant dense<1.0> : tensor<2x2x1x1xf32> {node = "conv1.weight"}
  %y = quant.conv2d %x, %w {node = "conv1"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
