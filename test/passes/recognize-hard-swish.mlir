// RUN: qcomp-opt %s --split-input-file -p recognize-hard-swish | filecheck %s

// Paddle's x * clip(x + 3, 0, 6) * (1/6) (its / 6 after canonicalize-affine): the scale moves
// next to the clip, the scaled clip is a hard-sigmoid, and x times it a hard-swish. Nothing
// of the arithmetic is left.
// CHECK-LABEL: func.func @paddle
// CHECK-NEXT:    %[[Y:.*]] = quant.hard_swish %x {node = "div"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @paddle(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %three = quant.constant dense<3.0> : tensor<f32>
  %sixth = quant.constant dense<0.16666667> : tensor<f32>
  %a = quant.add %x, %three {node = "add"} : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %c = quant.clip %a {node = "clip", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %m = quant.mul %x, %c {node = "mul"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = quant.mul %m, %sixth {node = "div"} : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}

// -----

// torch: x * (relu6(x + 3) * (1/6)), constants on the left, and a hard-sigmoid of another shape
// (clip(x + 1, 0, 2) / 2 = hard_sigmoid(x, 1/2, 1/2)) that stays a hard-sigmoid.
// CHECK-LABEL: func.func @torch
// CHECK-NEXT:    %[[S:.*]] = quant.hard_swish %x {node = "mul"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %[[H:.*]] = quant.hard_sigmoid %x {node = "hs2", alpha = 5.000000e-01 : f32, beta = 5.000000e-01 : f32}
// CHECK-NEXT:    func.return %[[S]], %[[H]]
func.func @torch(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %three = quant.constant dense<3.0> : tensor<1xf32>
  %sixth = quant.constant dense<0.16666667> : tensor<1xf32>
  %a = quant.add %three, %x {node = "add"} : (tensor<1xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = quant.clip %a {node = "relu6", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = quant.mul %sixth, %c {node = "scale"} : (tensor<1xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = quant.mul %h, %x {node = "mul"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %one = quant.constant dense<1.0> : tensor<f32>
  %half = quant.constant dense<0.5> : tensor<f32>
  %a2 = quant.add %x, %one {node = "add2"} : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %c2 = quant.clip %a2 {node = "clip2", min = 0.0 : f32, max = 2.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %h2 = quant.mul %c2, %half {node = "hs2"} : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  func.return %y, %h2 : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// TFLite: x * hard_sigmoid(x) with alpha 1/6, beta 1/2.
// CHECK-LABEL: func.func @tflite
// CHECK-NEXT:    %[[Y:.*]] = quant.hard_swish %x {node = "mul"}
// CHECK-NEXT:    func.return %[[Y]]
func.func @tflite(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %h = quant.hard_sigmoid %x {node = "hs", alpha = 0.16666667 : f32, beta = 0.5 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = quant.mul %x, %h {node = "mul"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}

// -----

// Not hard-swish: the scale is not 1/6 of the clip's top, the clip starts below 0, the product is
// of another tensor, and the inner product has a second use: all stay as written.
// CHECK-LABEL: func.func @others
// CHECK-NOT:     quant.hard_swish
// CHECK-NOT:     quant.hard_sigmoid
// CHECK:         func.return
func.func @others(%x: tensor<1x4xf32>, %z: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %three = quant.constant dense<3.0> : tensor<f32>
  %fifth = quant.constant dense<0.2> : tensor<f32>
  %sixth = quant.constant dense<0.16666667> : tensor<f32>
  %a = quant.add %x, %three : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %c = quant.clip %a {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = quant.mul %c, %fifth : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %cn = quant.clip %a {min = -1.0 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %hn = quant.mul %cn, %sixth : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %m = quant.mul %z, %c : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = quant.mul %m, %sixth : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  func.return %h, %hn, %y, %m : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
