// RUN: qcomp-opt %s -p normalize-clip | filecheck %s

// CHECK-LABEL: func.func @clip_min0_is_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.*]] = quant.relu %[[X]] {node = "c"} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    func.return %[[R]]
func.func @clip_min0_is_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = quant.clip %x {node = "c", min = 0.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}

// ReLU6 stays a clip.
// CHECK-LABEL: func.func @relu6_stays
// CHECK-NEXT:    quant.clip %{{.*}} {node = "c", min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
func.func @relu6_stays(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = quant.clip %x {node = "c", min = 0.0 : f32, max = 6.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}

// Relu then Clip(max = 6) (no min) is ReLU6.
// CHECK-LABEL: func.func @relu_clip
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[C:.*]] = quant.clip %[[X]] {node = "c", fused = ["r"], min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT:    func.return %[[C]]
func.func @relu_clip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = quant.relu %x {node = "r"} : (tensor<4xf32>) -> tensor<4xf32>
  %c = quant.clip %r {node = "c", max = 6.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}

// Clip then Clip: the intersection [-1, 2]; then a relu on top: [0, 2].
// CHECK-LABEL: func.func @clip_clip_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[C:.*]] = quant.clip %[[X]] {node = "r", fused = ["c1", "c2"], min = 0.000000e+00 : f32, max = 2.000000e+00 : f32}
// CHECK-NEXT:    func.return %[[C]]
func.func @clip_clip_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = quant.clip %x {node = "c1", min = -3.0 : f32, max = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %c2 = quant.clip %c1 {node = "c2", min = -1.0 : f32, max = 5.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %r = quant.relu %c2 {node = "r"} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// CHECK-LABEL: func.func @relu_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.*]] = quant.relu %[[X]] {node = "r2", fused = ["r1"]}
// CHECK-NEXT:    func.return %[[R]]
func.func @relu_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r1 = quant.relu %x {node = "r1"} : (tensor<4xf32>) -> tensor<4xf32>
  %r2 = quant.relu %r1 {node = "r2"} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r2 : tensor<4xf32>
}

// Not merged: the relu has a second use; the intervals are disjoint; clip{min=-1} is no relu.
// CHECK-LABEL: func.func @not_merged
// CHECK-NEXT:    quant.relu
// CHECK-NEXT:    quant.clip %{{.*}} {node = "a", max = 6.000000e+00 : f32}
// CHECK-NEXT:    quant.clip %{{.*}} {node = "b", min = 1.000000e+00 : f32, max = 2.000000e+00 : f32}
// CHECK-NEXT:    quant.clip %{{.*}} {node = "c", min = 3.000000e+00 : f32}
// CHECK-NEXT:    quant.clip %{{.*}} {node = "d", min = -1.000000e+00 : f32}
// CHECK-NEXT:    func.return
func.func @not_merged(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %r = quant.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  %a = quant.clip %r {node = "a", max = 6.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %b = quant.clip %x {node = "b", min = 1.0 : f32, max = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %c = quant.clip %b {node = "c", min = 3.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %d = quant.clip %x {node = "d", min = -1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r, %a, %c, %d : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
