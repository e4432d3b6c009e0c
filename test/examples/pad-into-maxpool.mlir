// RUN: qcomp-opt --plugin %repo/examples/pad_into_maxpool.py %s -p pad-into-maxpool | filecheck %s
// RUN: echo 'func.func @s(%%x: tensor<1x1x4x4x!quant.pot<i8, -5>>) -> tensor<1x1x4x4x!quant.pot<i8, -5>> { func.return %%x : tensor<1x1x4x4x!quant.pot<i8, -5>> }' \
// RUN:   | not qcomp-opt --plugin %repo/examples/pad_into_maxpool.py -p pad-into-maxpool 2>&1 | filecheck %s --check-prefix=LEVEL

// The user pass of examples/: ReLU -> zero Pad (H, W) -> MaxPool becomes a MaxPool with the pads;
// `rebuild` keeps the pool's node, kernel, strides and range; the pad's node goes to `fused`.
// CHECK-LABEL: func.func @keras_pool1
// CHECK:       %[[R:.*]] = quant.relu %y {node = "conv1_relu"}
// CHECK-NEXT:  %{{.*}} = quant.maxpool %[[R]] {node = "pool1_pool", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, range = array<f64: 0.000000e+00, 4.000000e+00>, pads = array<i64: 1, 1, 1, 1>, fused = ["pool1_pad"]} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:  func.return
// Non-negative by a fused activation (act_min = 0, after fuse); an asymmetric TF "SAME" pad
// (bottom/right) adds to the pool's own pads (top/left).
// CHECK-LABEL: func.func @fused_relu_same
// CHECK:       quant.maxpool %y {node = "mp", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, fused = ["pad"]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
// Non-negative through a maxpool and a concat of ReLU / Clip(0, 6) values.
// CHECK-LABEL: func.func @through_pool_concat
// CHECK:       %[[C:.*]] = quant.concat
// CHECK-NEXT:  quant.maxpool %[[C]] {node = "mp2", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, fused = ["pad2"]}
// ceil_mode where the output size is the same with and without the explicit pad and the last
// window still reaches the input (8 -> 4 either way): folded, ceil_mode kept.
// CHECK-LABEL: func.func @ceil_same
// CHECK:       quant.maxpool %r {node = "mp", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64, pads = array<i64: 1, 1, 1, 1>, fused = ["pad"]} : (tensor<1x1x6x6xf32>) -> tensor<1x1x4x4xf32>
// Left alone: a conv without activation (may be negative: a zero border could win), a graph input,
// a non-zero fill, a pad of C, pads as large as the kernel, a pad with another use, dilation, and
// ceil_mode where the last window would be padding only (3 rows with the pad, 2 folded).
// CHECK-LABEL: func.func @negatives
// CHECK-COUNT-8: quant.pad
// CHECK-NOT:   fused = ["p
// CHECK:       func.return

// LEVEL: pad-into-maxpool: runs at the 'quant' level, but the module is at the 'quant-scaled' level

func.func @keras_pool1(%y: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %r = quant.relu %y {node = "conv1_relu"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = quant.pad %r {node = "pool1_pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x10x10xf32>
  %m = quant.maxpool %p {node = "pool1_pool", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, range = array<f64: 0.0, 4.0>} : (tensor<1x2x10x10xf32>) -> tensor<1x2x4x4xf32>
  func.return %m : tensor<1x2x4x4xf32>
}

func.func @fused_relu_same(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %w = quant.constant dense<0.5> : tensor<2x2x1x1xf32> {node = "w"}
  %y = quant.conv2d %x, %w {node = "c", act_min = 0.0 : f32, fused = ["relu"]} : (tensor<1x2x5x5xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x5x5xf32>
  %p = quant.pad %y {node = "pad", pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 1>} : (tensor<1x2x5x5xf32>) -> tensor<1x2x6x6xf32>
  %m = quant.maxpool %p {node = "mp", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32>
  func.return %m : tensor<1x2x3x3xf32>
}

func.func @through_pool_concat(%x: tensor<1x2x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %r = quant.relu %x {node = "relu"} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %a = quant.maxpool %r {node = "mp1", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %k = quant.clip %x {node = "relu6", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %b = quant.maxpool %k {node = "mp3", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %c = quant.concat %a, %b {node = "cat", axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p = quant.pad %c {node = "pad2", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x6x6xf32>
  %m = quant.maxpool %p {node = "mp2", kernel = array<i64: 3, 3>} : (tensor<1x4x6x6xf32>) -> tensor<1x4x4x4xf32>
  func.return %m : tensor<1x4x4x4xf32>
}

func.func @ceil_same(%x: tensor<1x1x6x6xf32>) -> tensor<1x1x4x4xf32> {
  %r = quant.relu %x {node = "relu"} : (tensor<1x1x6x6xf32>) -> tensor<1x1x6x6xf32>
  %p = quant.pad %r {node = "pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x8x8xf32>
  %m = quant.maxpool %p {node = "mp", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32>
  func.return %m : tensor<1x1x4x4xf32>
}

func.func @negatives(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x3x2x2xf32>, tensor<1x1x4x4xf32>, tensor<1x1x6x6xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x3x2xf32>) {
  %w = quant.constant dense<0.5> : tensor<1x1x1x1xf32> {node = "w"}
  %y = quant.conv2d %x, %w {node = "c"} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  %p1 = quant.pad %y {node = "p1", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %m1 = quant.maxpool %p1 {node = "m1", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x2xf32>
  %p2 = quant.pad %x {node = "p2", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %m2 = quant.maxpool %p2 {node = "m2", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x2xf32>
  %r = quant.relu %x {node = "r"} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %p3 = quant.pad %r {node = "p3", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.0 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %m3 = quant.maxpool %p3 {node = "m3", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x2xf32>
  %p4 = quant.pad %r {node = "p4", pads = array<i64: 0, 1, 1, 1, 0, 1, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x3x6x6xf32>
  %m4 = quant.maxpool %p4 {node = "m4", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x6x6xf32>) -> tensor<1x3x2x2xf32>
  %p5 = quant.pad %r {node = "p5", pads = array<i64: 0, 0, 2, 2, 0, 0, 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %m5 = quant.maxpool %p5 {node = "m5", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32>
  %p6 = quant.pad %r {node = "p6", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %m6 = quant.maxpool %p6 {node = "m6", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x2xf32>
  %p7 = quant.pad %r {node = "p7", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %m7 = quant.maxpool %p7 {node = "m7", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x2xf32>
  %p8 = quant.pad %r {node = "p8", pads = array<i64: 0, 0, 0, 0, 0, 0, 2, 0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x4xf32>
  %m8 = quant.maxpool %p8 {node = "m8", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x1x6x4xf32>) -> tensor<1x1x3x2xf32>
  func.return %m1, %m2, %m3, %m4, %m5, %p6, %m6, %m7, %m8 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x3x2x2xf32>, tensor<1x1x4x4xf32>, tensor<1x1x6x6xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x3x2xf32>
}
