// RUN: qcomp-opt %s -p fold-batchnorm | filecheck %s

// k = scale / sqrt(var + eps) = [1, 3], shift = bias - mean * k = [1, -3]: a bias is created.
// bn_stats: the value after the BN has per-channel mean = bias = [1, 0], std = |scale| = [2, 3].
// CHECK-LABEL: func.func @conv_bn
// CHECK-DAG:     %[[W:.*]] = quant.constant dense<{{\[\[\[\[1.0\]\]\], \[\[\[6.0\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "conv1.weight"}
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<[1.0, -3.0]> : tensor<2xf32> {node = "conv1.bias"}
// CHECK:         %[[Y:.*]] = quant.conv2d %{{.*}}, %[[W]], %[[B]] {node = "conv1", fused = ["bn1"], bn_stats = [array<f64: 1.000000e+00, 0.000000e+00>, array<f64: 2.000000e+00, 3.000000e+00>]}
// CHECK-NOT:     quant.batch_norm
// CHECK:         func.return %[[Y]]
func.func @conv_bn(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = quant.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32> {node = "conv1.weight"}
  %y = quant.conv2d %x, %w {node = "conv1"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = quant.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = quant.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = quant.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %v = quant.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %z = quant.batch_norm %y, %s, %b, %m, %v {node = "bn1", epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %z : tensor<1x2x4x4xf32>
}

// Depthwise conv with a bias: b' = b * k + shift = [1 + 1, 2 * 3 - 3].
// CHECK-LABEL: func.func @depthwise_bn
// CHECK-DAG:     %[[W:.*]] = quant.constant dense<{{\[\[\[\[1.0\]\]\], \[\[\[6.0\]\]\]\]}}> : tensor<2x1x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<[2.0, 3.0]> : tensor<2xf32> {node = "dw.bias"}
// CHECK:         quant.conv2d %{{.*}}, %[[W]], %[[B]] {node = "dw", group = 2 : i64, fused = ["bn2"], bn_stats = {{.*}}}
// CHECK-NOT:     quant.batch_norm
func.func @depthwise_bn(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = quant.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %cb = quant.constant dense<[1.0, 2.0]> : tensor<2xf32> {node = "dw.bias"}
  %y = quant.conv2d %x, %w, %cb {node = "dw", group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = quant.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = quant.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = quant.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %v = quant.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %z = quant.batch_norm %y, %s, %b, %m, %v {node = "bn2", epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %z : tensor<1x2x4x4xf32>
}

// Gemm with trans_b = 1 (B is [N, K]: rows scale) and beta = 2 folded into C: C' = 2 * C * k + shift.
// CHECK-LABEL: func.func @gemm_bn
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<{{\[\[1.0, 1.0, 1.0\], \[3.0, 3.0, 3.0\]\]}}> : tensor<2x3xf32>
// CHECK-DAG:     %[[C:.*]] = quant.constant dense<[3.0, 9.0]> : tensor<2xf32>
// CHECK:         quant.gemm %{{.*}}, %[[B]], %[[C]] {node = "fc", trans_b = 1 : i64, fused = ["bn3"], bn_stats = {{.*}}}
// CHECK-NOT:     beta
// CHECK-NOT:     quant.batch_norm
func.func @gemm_bn(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %w = quant.constant dense<1.0> : tensor<2x3xf32>
  %c = quant.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = quant.gemm %x, %w, %c {node = "fc", trans_b = 1 : i64, beta = 2.0 : f32} : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %s = quant.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = quant.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = quant.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %v = quant.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %z = quant.batch_norm %y, %s, %b, %m, %v {node = "bn3", epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// Gemm with trans_b = 0 (B is [K, N]: columns scale) and no C: one is created.
// CHECK-LABEL: func.func @gemm_nt_bn
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<{{\[\[1.0, 3.0\], \[1.0, 3.0\], \[1.0, 3.0\]\]}}> : tensor<3x2xf32>
// CHECK-DAG:     %[[C:.*]] = quant.constant dense<[1.0, -3.0]> : tensor<2xf32> {node = "fc2.bias"}
// CHECK:         quant.gemm %{{.*}}, %[[B]], %[[C]] {node = "fc2", fused = ["bn4"], bn_stats = {{.*}}}
func.func @gemm_nt_bn(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %w = quant.constant dense<1.0> : tensor<3x2xf32>
  %y = quant.gemm %x, %w {node = "fc2"} : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
  %s = quant.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = quant.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = quant.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %v = quant.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %z = quant.batch_norm %y, %s, %b, %m, %v {node = "bn4", epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// Not folded: the conv result is also a function result.
// CHECK-LABEL: func.func @conv_other_use
// CHECK:         %[[Y:.*]] = quant.conv2d
// CHECK-NOT:     fused
// CHECK:         %[[Z:.*]] = quant.batch_norm %[[Y]]
// CHECK:         func.return %[[Z]], %[[Y]]
func.func @conv_other_use(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = quant.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = quant.conv2d %x, %w {node = "conv1"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.constant dense<1.0> : tensor<2xf32>
  %z = quant.batch_norm %y, %p, %p, %p, %p {node = "bn1"} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %z, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// Not folded: a BN parameter is not a constant, the conv carries a fused ReLU, or there is no conv/gemm.
// CHECK-LABEL: func.func @not_foldable
// CHECK-COUNT-3: quant.batch_norm
func.func @not_foldable(%x: tensor<1x1x4x4xf32>, %s: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = quant.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = quant.constant dense<1.0> : tensor<2xf32>
  %y = quant.conv2d %x, %w {node = "a"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %z = quant.batch_norm %y, %s, %p, %p, %p {node = "bn_a"} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %y2 = quant.conv2d %x, %w {node = "b", act_min = 0.0 : f32} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %z2 = quant.batch_norm %y2, %p, %p, %p, %p {node = "bn_b"} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %z : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %z3 = quant.batch_norm %r, %p, %p, %p, %p {node = "bn_c"} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %z, %z2, %z3 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
