// RUN: qcomp-opt %s --split-input-file -p canonicalize-affine | filecheck %s

// A BatchNorm after a Concat cannot fold into a conv: it becomes a depthwise 1x1 conv with
// k = scale / sqrt(var + eps) = [2 / 2, 3 / 1] = [1, 3], s = bias - mean * k = [1 - 0, 0 - 3] = [1, -3],
// keeping the node name and the BN statistics (mean = bias, std = |scale|).
// CHECK-LABEL: func.func @bn_after_concat
// CHECK-DAG:     %[[W:.*]] = quant.constant dense<{{\[\[\[\[1.0\]\]\], \[\[\[3.0\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "bn.scale"}
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<[1.0, -3.0]> : tensor<2xf32> {node = "bn.shift"}
// CHECK:         %[[Y:.*]] = quant.conv2d %[[C:.*]], %[[W]], %[[B]] {node = "bn", group = 2 : i64, bn_stats = [array<f64: 1.000000e+00, 0.000000e+00>, array<f64: 2.000000e+00, 3.000000e+00>]} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NOT:     quant.batch_norm
// CHECK:         func.return %[[Y]]
func.func @bn_after_concat(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %c = quant.concat %x, %x {axis = 1 : i64, node = "cat"} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = quant.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = quant.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = quant.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %v = quant.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %z = quant.batch_norm %c, %s, %b, %m, %v {node = "bn", epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %z : tensor<1x2x4x4xf32>
}

// -----

// x - c -> x + (-c);  c - x -> (x * -1) + c;  x / c -> x * (1 / c).
// CHECK-LABEL: func.func @sub_div
// CHECK:         %[[N:.*]] = quant.constant dense<[-1.0, -2.0]> : tensor<2xf32>
// CHECK-NEXT:    %[[A:.*]] = quant.add %x, %[[N]] {node = "sub"}
// CHECK:         %[[M1:.*]] = quant.constant dense<[-1.0]> : tensor<1xf32>
// CHECK-NEXT:    %[[NEG:.*]] = quant.mul %x, %[[M1]] {node = "rsub:neg"}
// CHECK-NEXT:    %[[C:.*]] = quant.constant dense<[1.0, 2.0]> : tensor<2xf32>
// CHECK-NEXT:    %[[R:.*]] = quant.add %[[NEG]], %[[C]] {node = "rsub"}
// CHECK:         %[[INV:.*]] = quant.constant dense<[0.25, 0.5]> : tensor<2xf32>
// CHECK-NEXT:    %[[D:.*]] = quant.mul %[[A]], %[[INV]] {node = "div"}
// CHECK-NOT:     quant.sub
// CHECK-NOT:     quant.div
func.func @sub_div(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %c = quant.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %d = quant.constant dense<[4.0, 2.0]> : tensor<2xf32>
  %a = quant.sub %x, %c {node = "sub"} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %r = quant.sub %c, %x {node = "rsub"} : (tensor<2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %q = quant.div %a, %d {node = "div"} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %r, %q : tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// Division by a constant with a zero stays (the executor gives inf, as ONNX does).
// CHECK-LABEL: func.func @div_zero
// CHECK:         quant.div
func.func @div_zero(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %d = quant.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %q = quant.div %x, %d {node = "div"} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %q : tensor<1x2xf32>
}

// -----

// An input normalisation (x - m) / s before a padded conv (fold-input-affine must refuse: the
// zeros padded around it are not a padding of x) becomes one depthwise 1x1 conv, one rounding
// instead of two: weight 1 / s = [0.5, 0.25], bias -m / s = [-0.5, -0.5], the div's node name.
// CHECK-LABEL: func.func @normalise_before_padded_conv
// CHECK-DAG:     %[[W:.*]] = quant.constant dense<{{\[\[\[\[0.5\]\]\], \[\[\[0.25\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "div_std.scale"}
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<-0.5> : tensor<2xf32> {node = "div_std.shift"}
// CHECK:         %[[N:.*]] = quant.conv2d %x, %[[W]], %[[B]] {node = "div_std", group = 2 : i64, fused = ["sub_mean"]}
// CHECK-NEXT:    %[[Y:.*]] = quant.conv2d %[[N]], %{{.*}} {node = "conv", pads = array<i64: 1, 1, 1, 1>}
// CHECK-NOT:     quant.add
// CHECK-NOT:     quant.mul
func.func @normalise_before_padded_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %m = quant.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %s = quant.constant dense<[[[2.0]], [[4.0]]]> : tensor<2x1x1xf32>
  %w = quant.constant dense<1.0> : tensor<1x2x3x3xf32>
  %a = quant.sub %x, %m {node = "sub_mean"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = quant.div %a, %s {node = "div_std"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = quant.conv2d %n, %w {node = "conv", pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x4x4xf32>
  func.return %y : tensor<1x1x4x4xf32>
}

// -----

// A BatchNorm exported as Mul + Add after a conv folds into the conv as fold-batchnorm folds one:
// w' = w * k per output channel ([1, 2] * [2, 3]), b' = b * k + s = [1 * 2 + 1, 1 * 3 - 1] = [3, 2].
// CHECK-LABEL: func.func @decomposed_bn_after_conv
// CHECK-DAG:     %[[W:.*]] = quant.constant dense<{{\[\[\[\[2.0\]\]\], \[\[\[6.0\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "conv.weight"}
// CHECK-DAG:     %[[B:.*]] = quant.constant dense<[3.0, 2.0]> : tensor<2xf32> {node = "conv.bias"}
// CHECK:         %[[Y:.*]] = quant.conv2d %x, %[[W]], %[[B]] {node = "conv", fused = ["bn_mul", "bn_add"]}
// CHECK-NEXT:    func.return %[[Y]]
func.func @decomposed_bn_after_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = quant.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32> {node = "conv.weight"}
  %b = quant.constant dense<[1.0, 1.0]> : tensor<2xf32> {node = "conv.bias"}
  %k = quant.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %s = quant.constant dense<[[[1.0]], [[-1.0]]]> : tensor<2x1x1xf32>
  %c = quant.conv2d %x, %w, %b {node = "conv"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %m = quant.mul %c, %k {node = "bn_mul"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = quant.add %m, %s {node = "bn_add"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// -----

// Left as they are: a single op (one rounding already), a chain whose middle value has another
// reader (it is computed anyway), and an input normalisation into an unpadded conv, which
// fold-input-affine folds into the conv's weights (simplify runs both).
// CHECK-LABEL: func.func @not_chains
// CHECK:         quant.add %c, {{.*}} {node = "bias_add"}
// CHECK:         quant.mul %x, {{.*}} {node = "scale"}
// CHECK-NEXT:    quant.add {{.*}} {node = "shift"}
// CHECK:         quant.mul %x, {{.*}} {node = "in_scale"}
// CHECK-NEXT:    quant.add {{.*}} {node = "in_shift"}
// CHECK-NEXT:    quant.conv2d {{.*}} {node = "conv2"}
// CHECK-NOT:     group
func.func @not_chains(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) {
  %w = quant.constant dense<1.0> : tensor<2x2x1x1xf32>
  %w2 = quant.constant dense<1.0> : tensor<1x2x1x1xf32>
  %k = quant.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %c = quant.conv2d %x, %w {node = "conv"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = quant.add %c, %k {node = "bias_add"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %m = quant.mul %x, %k {node = "scale"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = quant.add %m, %k {node = "shift"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %i = quant.mul %x, %k {node = "in_scale"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %j = quant.add %i, %k {node = "in_shift"} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = quant.conv2d %j, %w2 {node = "conv2"} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  func.return %a, %m, %s, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// After calibrate, the folded conv's result is the chain's: it takes the Add's range, not its own.
// CHECK-LABEL: func.func @decomposed_bn_calibrated
// CHECK:         quant.conv2d {{.*}} {node = "conv", fused = ["bn_mul", "bn_add"], range = array<f64: -1.000000e+00, 5.000000e+00>}
func.func @decomposed_bn_calibrated(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = quant.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32> {node = "conv.weight"}
  %k = quant.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %s = quant.constant dense<[[[1.0]], [[-1.0]]]> : tensor<2x1x1xf32>
  %c = quant.conv2d %x, %w {node = "conv", range = array<f64: 0.0, 2.0>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %m = quant.mul %c, %k {node = "bn_mul", range = array<f64: 0.0, 6.0>} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = quant.add %m, %s {node = "bn_add", range = array<f64: -1.0, 5.0>} : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
