// RUN: qcomp-opt %s -p equalize-layers --split-input-file | filecheck %s

// Cross-layer equalization: A's output channel c is divided by s_c = sqrt(r1_c / r2_c) and B's
// input channel c multiplied by it; here r1 = [4, 0.25] (A's channels), r2 = [1, 1] (B's inputs),
// so s = [2, 0.5]: both layers' channels end up with ranges [2, 0.5]. The bias is scaled with its
// channel; the ReLU and the max pool between them pass the scaling through.
// CHECK-LABEL: func.func @conv_relu_pool_conv
// CHECK-DAG:     %[[WA:.*]] = quant.constant dense<{{\[\[\[\[2.0\]\]\], \[\[\[0.5\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "a.weight"}
// CHECK-DAG:     %[[BA:.*]] = quant.constant dense<[0.5, 4.0]> : tensor<2xf32> {node = "a.bias"}
// CHECK:         quant.conv2d %{{.*}}, %[[WA]], %[[BA]] {node = "a", act_min = 0.000000e+00 : f32, equalized = 4.000000e+00 : f64}
// CHECK:         quant.maxpool
// CHECK:         %[[WB:.*]] = quant.constant dense<{{\[\[\[\[2.0\]\], \[\[0.5\]\]\]\]}}> : tensor<1x2x1x1xf32> {node = "b.weight"}
// CHECK:         quant.conv2d %{{.*}}, %[[WB]] {node = "b"}
func.func @conv_relu_pool_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %wa = quant.constant dense<[[[[4.0]]], [[[0.25]]]]> : tensor<2x1x1x1xf32> {node = "a.weight"}
  %ba = quant.constant dense<[1.0, 2.0]> : tensor<2xf32> {node = "a.bias"}
  %a = quant.conv2d %x, %wa, %ba {node = "a", act_min = 0.0 : f32} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.maxpool %a {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %wb = quant.constant dense<[[[[1.0]], [[1.0]]]]> : tensor<1x2x1x1xf32> {node = "b.weight"}
  %b = quant.conv2d %p, %wb {node = "b"} : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x2x2xf32>
  func.return %b : tensor<1x1x2x2xf32>
}

// -----

// A depthwise consumer: its filter c is B's input channel c. r1 = [1, 1], r2 = [1, 4]: s = [1, 0.5].
// CHECK-LABEL: func.func @conv_depthwise
// CHECK-DAG:     %[[WA:.*]] = quant.constant dense<{{\[\[\[\[1.0\]\]\], \[\[\[2.0\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "a.weight"}
// CHECK:         quant.conv2d %{{.*}}, %[[WA]] {node = "a", equalized = 2.000000e+00 : f64}
// CHECK:         %[[WD:.*]] = quant.constant dense<{{\[\[\[\[1.0\]\]\], \[\[\[2.0\]\]\]\]}}> : tensor<2x1x1x1xf32> {node = "dw.weight"}
// CHECK:         quant.conv2d %{{.*}}, %[[WD]] {node = "dw", group = 2 : i64}
func.func @conv_depthwise(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wa = quant.constant dense<[[[[1.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32> {node = "a.weight"}
  %a = quant.conv2d %x, %wa {node = "a"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %wd = quant.constant dense<[[[[1.0]]], [[[4.0]]]]> : tensor<2x1x1x1xf32> {node = "dw.weight"}
  %d = quant.conv2d %a, %wd {node = "dw", group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %d : tensor<1x2x4x4xf32>
}

// -----

// gemm -> relu -> gemm (trans_b: B is [N, K]). fc1's output channels have ranges r1 = [8, 2],
// fc2's inputs r2 = [2, 2]: s = [2, 1].
// CHECK-LABEL: func.func @mlp
// CHECK-DAG:     %[[W1:.*]] = quant.constant dense<{{\[\[4.0, -4.0\], \[2.0, 1.0\]\]}}> : tensor<2x2xf32> {node = "fc1.weight"}
// CHECK:         quant.gemm %{{.*}}, %[[W1]] {node = "fc1", trans_b = 1 : i64, equalized = 2.000000e+00 : f64}
// CHECK:         %[[W2:.*]] = quant.constant dense<{{\[\[4.0, 2.0\]\]}}> : tensor<1x2xf32> {node = "fc2.weight"}
// CHECK:         quant.gemm %{{.*}}, %[[W2]] {node = "fc2", trans_b = 1 : i64}
func.func @mlp(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w1 = quant.constant dense<[[8.0, -8.0], [2.0, 1.0]]> : tensor<2x2xf32> {node = "fc1.weight"}
  %h = quant.gemm %x, %w1 {node = "fc1", trans_b = 1 : i64} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %r = quant.relu %h {node = "relu"} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %w2 = quant.constant dense<[[2.0, 2.0]]> : tensor<1x2xf32> {node = "fc2.weight"}
  %y = quant.gemm %r, %w2 {node = "fc2", trans_b = 1 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}

// -----

// Left alone: a ReLU6 producer (clip(x / s, 0, 6) is not clip(x, 0, 6) / s), and a producer
// whose result is also a graph output.
// CHECK-LABEL: func.func @not_equalized
// CHECK-NOT:     equalized
// CHECK:         func.return
func.func @not_equalized(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x2x4x4xf32>) {
  %wa = quant.constant dense<[[[[4.0]]], [[[0.25]]]]> : tensor<2x1x1x1xf32> {node = "a.weight"}
  %a = quant.conv2d %x, %wa {node = "a", act_min = 0.0 : f32, act_max = 6.0 : f32} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %wb = quant.constant dense<[[[[1.0]], [[1.0]]]]> : tensor<1x2x1x1xf32> {node = "b.weight"}
  %b = quant.conv2d %a, %wb {node = "b"} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  %wc = quant.constant dense<[[[[4.0]]], [[[0.25]]]]> : tensor<2x1x1x1xf32> {node = "c.weight"}
  %c = quant.conv2d %x, %wc {node = "c"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %wd = quant.constant dense<[[[[1.0]], [[1.0]]]]> : tensor<1x2x1x1xf32> {node = "d.weight"}
  %d = quant.conv2d %c, %wd {node = "d"} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  func.return %b, %d, %c : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Ranges are measured on the values the pass changes: it runs before calibrate.
// RUN: not qcomp-opt %s -p 'calibrate{method="data-free"},equalize-layers' --split-input-file 2>&1 | filecheck %s --check-prefix=RANGES
// RANGES: equalize-layers: the module has calibrated ranges: run it before calibrate
// CHECK-LABEL: func.func @calibrated
func.func @calibrated(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %r = quant.relu %x {node = "relu"} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %r : tensor<1x2xf32>
}

// LeNet (BN folded, ReLUs fused): conv1 -> conv2 and fc1 -> fc2 are equalized, conv2 -> fc1 through
// the flatten too; the function is unchanged up to float rounding on the test split.
// RUN: rm -rf %t && mkdir -p %t
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,fuse' -o %t/before.mlir
// RUN: qcomp-opt %t/before.mlir -p equalize-layers -o %t/after.mlir
// RUN: filecheck %s --check-prefix=LENET --input-file %t/after.mlir
// LENET: quant.conv2d {{.*}}node = "/conv1/Conv"{{.*}}equalized =
// LENET: quant.conv2d {{.*}}node = "/conv2/Conv"{{.*}}equalized =
// LENET: quant.gemm {{.*}}node = "/fc1/Gemm"{{.*}}equalized =
// LENET: quant.gemm {{.*}}node = "/fc2/Gemm"
// LENET-NOT: equalized
// RUN: %python %S/Inputs/same_function.py %t/before.mlir %t/after.mlir %models/digits/test_x.npy | filecheck %s --check-prefix=SAME
// SAME: max |after - before| / max |before| = {{.*}}: ok
