// RUN: qcomp-opt %s -p fold-input-affine | filecheck %s

// (x - mean) / std per channel, mean = [1, 2], std = [2, 4]: a = [0.5, 0.25], b = [-0.5, -0.5].
// w = 1 everywhere (2 outputs, 2 inputs, 1x1): w' = a per input channel, bias' = sum_c b[c] = -1.
// The function keeps the map for data-free calibration (arg_normalisation: a, b per channel).
// CHECK-LABEL: func.func @normalize_conv
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK-SAME:    arg_normalisation = {"0" = [array<f64: 5.000000e-01, 2.500000e-01>, array<f64: -5.000000e-01, -5.000000e-01>]}
// CHECK-DAG:     %[[W:.*]] = quant.constant dense<{{\[\[\[\[0.5\]\], \[\[0.25\]\]\], \[\[\[0.5\]\], \[\[0.25\]\]\]\]}}> : tensor<2x2x1x1xf32> {node = "conv1.weight"}
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<-1.0> : tensor<2xf32> {node = "conv1.bias"}
// CHECK:         %[[Y:.*]] = quant.conv2d %[[X]], %[[W]], %[[B]] {node = "conv1", fused = ["sub", "div"]}
// CHECK-NOT:     quant.sub
// CHECK-NOT:     quant.div
// CHECK:         func.return %[[Y]]
func.func @normalize_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %mean = quant.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %std = quant.constant dense<[[[[2.0]], [[4.0]]]]> : tensor<1x2x1x1xf32>
  %s = quant.sub %x, %mean {node = "sub"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %d = quant.div %s, %std {node = "div"} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %w = quant.constant dense<1.0> : tensor<2x2x1x1xf32> {node = "conv1.weight"}
  %y = quant.conv2d %d, %w {node = "conv1"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// A pure scaling (b = 0) folds even into a padded conv; the bias is kept as it is.
// CHECK-LABEL: func.func @scale_padded_conv
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x4x4xf32>)
// CHECK:         %[[W:.*]] = quant.constant dense<0.5> : tensor<2x1x3x3xf32>
// CHECK:         quant.conv2d %[[X]], %[[W]], %{{.*}} {node = "c", pads = array<i64: 1, 1, 1, 1>, fused = ["m"]}
func.func @scale_padded_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %k = quant.constant dense<0.5> : tensor<f32>
  %m = quant.mul %k, %x {node = "m"} : (tensor<f32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %w = quant.constant dense<1.0> : tensor<2x1x3x3xf32>
  %b = quant.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = quant.conv2d %m, %w, %b {node = "c", pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// Gemm, trans_b = 1: B' = B * a along K, C' = beta * C + alpha * (b @ B^T) = 2 * 1 + (1 + 1 + 1).
// CHECK-LABEL: func.func @shift_gemm
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3xf32>)
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<1.0> : tensor<2x3xf32>
// CHECK-DAG:     %[[C:.*]] = quant.constant dense<5.0> : tensor<2xf32>
// CHECK:         quant.gemm %[[X]], %[[B]], %[[C]] {node = "fc", trans_b = 1 : i64, fused = ["add"]}
func.func @shift_gemm(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %one = quant.constant dense<1.0> : tensor<3xf32>
  %a = quant.add %x, %one {node = "add"} : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %w = quant.constant dense<1.0> : tensor<2x3xf32>
  %c = quant.constant dense<1.0> : tensor<2xf32>
  %y = quant.gemm %a, %w, %c {node = "fc", trans_b = 1 : i64, beta = 2.0 : f32} : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// Refused: a shift before a padded conv; a constant that varies over H/W; the normalised
// input also used elsewhere; a chain that does not start at a function argument; division by zero.
// CHECK-LABEL: func.func @refused
// CHECK-COUNT-5: quant.sub
// CHECK-NOT:     fused
func.func @refused(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %one = quant.constant dense<1.0> : tensor<1xf32>
  %hw = quant.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %zero = quant.constant dense<0.0> : tensor<1xf32>
  %w = quant.constant dense<1.0> : tensor<1x1x3x3xf32>
  %w1 = quant.constant dense<1.0> : tensor<1x1x1x1xf32>
  %s1 = quant.sub %x, %one : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %y1 = quant.conv2d %s1, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  %s2 = quant.sub %x, %hw : (tensor<1x1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x1x2x2xf32>
  %y2 = quant.conv2d %s2, %w1 : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %s3 = quant.sub %x, %one : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %y3 = quant.conv2d %s3, %w1 : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %r = quant.relu %x : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %s4 = quant.sub %r, %one : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %y4 = quant.conv2d %s4, %w1 : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %s5 = quant.sub %x, %one : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %d5 = quant.div %s5, %zero : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %y5 = quant.conv2d %d5, %w1 : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  func.return %y1, %y2, %y3, %s3, %y4, %y5 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}
