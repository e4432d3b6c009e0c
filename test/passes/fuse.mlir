// RUN: qcomp-opt %s -p fuse | filecheck %s

// A residual block: conv+relu -> conv -> add(skip) -> relu. After fuse nothing stays
// between the convolutions but what the math needs, and the function has one result.

// CHECK-LABEL: func.func @residual
// CHECK-SAME:    -> tensor<1x2x6x6xf32>
// CHECK-NEXT:    %[[W1:.*]] = quant.constant
// CHECK-NEXT:    %[[W2:.*]] = quant.constant
// CHECK-NEXT:    %[[C1:.*]] = quant.conv2d %[[X:.*]], %[[W1]] {{{.*}}act_min = 0.000000e+00 : f32, fused = ["relu1"]{{.*}}}
// CHECK-NEXT:    %[[C2:.*]] = quant.conv2d %[[C1]], %[[W2]] {node = "conv2", pads = array<i64: 1, 1, 1, 1>} :
// CHECK-NEXT:    %[[A:.*]] = quant.add %[[C2]], %[[X]] {node = "add", act_min = 0.000000e+00 : f32, fused = ["relu2"]} :
// CHECK-NEXT:    func.return %[[A]] : tensor<1x2x6x6xf32>
// CHECK-NEXT:  }
func.func @residual(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32> {
  %w1 = quant.constant dense<0.1> : tensor<2x2x3x3xf32> {node = "conv1.weight"}
  %w2 = quant.constant dense<-0.1> : tensor<2x2x3x3xf32> {node = "conv2.weight"}
  %c1 = quant.conv2d %x, %w1 {node = "conv1", pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x6x6xf32>
  %r1 = quant.relu %c1 {node = "relu1"} : (tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  %c2 = quant.conv2d %r1, %w2 {node = "conv2", pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x6x6xf32>
  %a = quant.add %c2, %x {node = "add"} : (tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  %r2 = quant.relu %a {node = "relu2"} : (tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  func.return %r2 : tensor<1x2x6x6xf32>
}

// ReLU6 (Clip(0, 6)) and a following Clip compose; the range recorded on the last
// activation moves onto the gemm; maxpool is left alone.

// CHECK-LABEL: func.func @clip_chain
// CHECK:         %[[G:.*]] = quant.gemm %{{.*}}, %{{.*}} {node = "fc", act_min = 5.000000e-01 : f32, act_max = 6.000000e+00 : f32, fused = ["relu6", "clip"], range = array<f64: 5.000000e-01, 6.000000e+00>}
// CHECK-NOT:     quant.clip
// CHECK:         func.return %[[G]]
func.func @clip_chain(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = quant.constant dense<0.5> : tensor<8x4xf32> {node = "fc.weight"}
  %g = quant.gemm %x, %w {node = "fc"} : (tensor<1x8xf32>, tensor<8x4xf32>) -> tensor<1x4xf32>
  %r = quant.clip %g {node = "relu6", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = quant.clip %r {node = "clip", min = 0.5 : f32, max = 8.0 : f32, range = array<f64: 0.5, 6.0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %c : tensor<1x4xf32>
}

// Not fused: the conv result has a second use (the skip path), the matmul result is a
// function result, and maxpool is not a producer.

// CHECK-LABEL: func.func @not_fused
// CHECK:         %[[C:.*]] = quant.conv2d
// CHECK-NOT:       act_min
// CHECK-NEXT:    %[[R:.*]] = quant.relu %[[C]] {node = "relu"}
// CHECK-NEXT:    %[[P:.*]] = quant.maxpool %[[R]]
// CHECK-NEXT:    %[[R2:.*]] = quant.relu %[[P]] {node = "relu_after_pool"}
// CHECK-NEXT:    %[[A:.*]] = quant.add %[[C]], %[[C]] {node = "add"}
// CHECK-NEXT:    quant.constant
// CHECK-NEXT:    %[[M:.*]] = quant.matmul
// CHECK-NOT:       act_min
// CHECK-NEXT:    %[[RM:.*]] = quant.relu %[[M]] {node = "relu_m"}
// CHECK-NEXT:    func.return %[[R2]], %[[A]], %[[M]], %[[RM]] :
func.func @not_fused(%x: tensor<1x1x4x4xf32>, %y: tensor<2x3xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = quant.constant dense<0.5> : tensor<2x1x1x1xf32> {node = "conv.weight"}
  %c = quant.conv2d %x, %w {node = "conv"} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = quant.relu %c {node = "relu"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = quant.maxpool %r {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %r2 = quant.relu %p {node = "relu_after_pool"} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %a = quant.add %c, %c {node = "add"} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %b = quant.constant dense<1.0> : tensor<3x2xf32> {node = "b"}
  %m = quant.matmul %y, %b {node = "mm"} : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  %rm = quant.relu %m {node = "relu_m"} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %r2, %a, %m, %rm : tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
