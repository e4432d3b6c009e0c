// RUN: qcomp-opt %s -p simplify | filecheck %s

// Input normalisation (with a no-op reshape in the chain), a conv, BN, Relu, Clip(max = 6):
// one conv with folded weights and bias, then ReLU6. The pad folds first; the scaling
// still folds into the now padded conv because it has no shift (b = 0).
// CHECK-LABEL: func.func @block
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK-DAG:     %[[W:.*]] = quant.constant {{.*}} : tensor<3x2x3x3xf32>
// CHECK-DAG:     %[[B:.*]] = quant.constant {{.*}} : tensor<3xf32>
// CHECK:         %[[Y:.*]] = quant.conv2d %[[X]], %[[W]], %[[B]] {node = "conv", pads = array<i64: 1, 1, 1, 1>, fused = ["pad", "scale", "bn"], bn_stats = {{.*}}}
// CHECK-NEXT:    %[[A:.*]] = quant.clip %[[Y]] {node = "clip6", fused = ["relu"], min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT:    func.return %[[A]]
func.func @block(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %k = quant.constant dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>
  %one = quant.constant dense<1.0> : tensor<1xf32>
  %m = quant.mul %x, %k {node = "scale"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r0 = quant.reshape %m : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %m1 = quant.mul %r0, %one {node = "times_one"} : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.pad %m1 {node = "pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x6x6xf32>
  %w = quant.constant dense<0.25> : tensor<3x2x3x3xf32>
  %y = quant.conv2d %p, %w {node = "conv"} : (tensor<1x2x6x6xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x4x4xf32>
  %s = quant.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = quant.constant dense<[0.0, 0.5, -0.5]> : tensor<3xf32>
  %mu = quant.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %v = quant.constant dense<[1.0, 4.0, 9.0]> : tensor<3xf32>
  %z = quant.batch_norm %y, %s, %b, %mu, %v {node = "bn"} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %r = quant.relu %z {node = "relu"} : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %c = quant.clip %r {node = "clip6", max = 6.0 : f32} : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %c : tensor<1x3x4x4xf32>
}
