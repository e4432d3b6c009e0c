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
