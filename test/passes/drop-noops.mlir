// RUN: qcomp-opt %s -p drop-noops | filecheck %s

// Every op here returns its input: all go, and so do the constants they used.
// CHECK-LABEL: func.func @noops
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4xf32>)
// CHECK-NEXT:    func.return %[[X]], %[[X]], %[[X]] : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
func.func @noops(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %zero = quant.constant dense<0.0> : tensor<4xf32>
  %one = quant.constant dense<1.0> : tensor<1x1xf32>
  %a = quant.reshape %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %b = quant.transpose %a {perm = array<i64: 0, 1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = quant.pad %b {pads = array<i64: 0, 0, 0, 0>, value = 3.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %d = quant.clip %c : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %e = quant.add %zero, %d : (tensor<4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %f = quant.sub %e, %zero : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %g = quant.mul %one, %f : (tensor<1x1xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = quant.div %g, %one : (tensor<1x4xf32>, tensor<1x1xf32>) -> tensor<1x4xf32>
  %i = quant.concat %h {axis = 1 : i64} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %j = quant.flatten %i {axis = 1 : i64} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %j, %b, %f : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}

// Kept: shape-changing ops, non-neutral constants, 0 - x, 0 / x, broadcasting that grows the
// shape, an add with a fused ReLU, and a re-quantizing reshape (result type differs).
// CHECK-LABEL: func.func @kept
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4xf32>,
// CHECK-NEXT:    %[[Z:.*]] = quant.constant dense<0.0>
// CHECK-NEXT:    quant.constant
// CHECK-NEXT:    quant.constant
// CHECK-NEXT:    quant.reshape {{.*}} -> tensor<4x1xf32>
// CHECK-NEXT:    quant.transpose
// CHECK-NEXT:    quant.pad
// CHECK-NEXT:    quant.add %[[X]], %{{.*}} :
// CHECK-NEXT:    quant.sub %[[Z]], %[[X]]
// CHECK-NEXT:    quant.div %[[Z]], %[[X]]
// CHECK-NEXT:    quant.mul {{.*}} -> tensor<3x4xf32>
// CHECK-NEXT:    quant.add {{.*}}act_min
// CHECK-NEXT:    quant.reshape {{.*}} -> tensor<1x4x!quant.pot<i8, -4>>
// CHECK-NEXT:    quant.concat
// CHECK-NEXT:    func.return
func.func @kept(%x: tensor<1x4xf32>, %q: tensor<1x4x!quant.pot<i8, -3>>) -> (tensor<4x1xf32>, tensor<4x1xf32>, tensor<1x6xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<3x4xf32>, tensor<1x4xf32>, tensor<1x4x!quant.pot<i8, -4>>, tensor<2x4xf32>) {
  %zero = quant.constant dense<0.0> : tensor<1x4xf32>
  %one = quant.constant dense<1.0> : tensor<3x1xf32>
  %two = quant.constant dense<2.0> : tensor<1x4xf32>
  %a = quant.reshape %x : (tensor<1x4xf32>) -> tensor<4x1xf32>
  %b = quant.transpose %x {perm = array<i64: 1, 0>} : (tensor<1x4xf32>) -> tensor<4x1xf32>
  %c = quant.pad %x {pads = array<i64: 0, 1, 0, 1>} : (tensor<1x4xf32>) -> tensor<1x6xf32>
  %d = quant.add %x, %two : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %e = quant.sub %zero, %x : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %f = quant.div %zero, %x : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %g = quant.mul %x, %one : (tensor<1x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  %h = quant.add %x, %zero {act_min = 0.0 : f32} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %i = quant.reshape %q : (tensor<1x4x!quant.pot<i8, -3>>) -> tensor<1x4x!quant.pot<i8, -4>>
  %j = quant.concat %x, %x {axis = 0 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  func.return %a, %b, %c, %d, %e, %f, %g, %h, %i, %j : tensor<4x1xf32>, tensor<4x1xf32>, tensor<1x6xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<3x4xf32>, tensor<1x4xf32>, tensor<1x4x!quant.pot<i8, -4>>, tensor<2x4xf32>
}

// A slice of everything goes; a slice that drops an element or reverses stays.
// CHECK-LABEL: func.func @slices
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4xf32>)
// CHECK-NEXT:    %[[A:.*]] = quant.slice %[[X]] {{.*}} -> tensor<1x3xf32>
// CHECK-NEXT:    %[[B:.*]] = quant.slice %[[X]] {{.*}} -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %[[X]], %[[A]], %[[B]]
func.func @slices(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x3xf32>, tensor<1x4xf32>) {
  %a = quant.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 1, 4>, steps = array<i64: 1, 1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %b = quant.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 1, 4>, steps = array<i64: 1, 1>} : (tensor<1x4xf32>) -> tensor<1x3xf32>
  %c = quant.slice %x {starts = array<i64: 0, 3>, ends = array<i64: 1, -1>, steps = array<i64: 1, -1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %a, %b, %c : tensor<1x4xf32>, tensor<1x3xf32>, tensor<1x4xf32>
}
