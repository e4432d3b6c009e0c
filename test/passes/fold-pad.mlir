// RUN: qcomp-opt %s -p fold-pad | filecheck %s

// An asymmetric zero pad of H/W adds to the conv's own pads [top, left, bottom, right].
// CHECK-LABEL: func.func @pad_conv
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x4x4xf32>)
// CHECK-NOT:     quant.pad
// CHECK:         quant.conv2d %[[X]], %{{.*}} {node = "conv1", pads = array<i64: 0, 1, 2, 1>, fused = ["pad1"]}
func.func @pad_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %p = quant.pad %x {node = "pad1", pads = array<i64: 0, 0, 0, 1, 0, 0, 1, 0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x5x5xf32>
  %w = quant.constant dense<1.0> : tensor<2x1x3x3xf32>
  %y = quant.conv2d %p, %w {node = "conv1", pads = array<i64: 0, 0, 1, 1>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}

// Into an avgpool without pads of its own: the padded zeros count, so count_include_pad = 1.
// CHECK-LABEL: func.func @pad_avgpool
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x4x4xf32>)
// CHECK-NOT:     quant.pad
// CHECK:         quant.avgpool %[[X]] {node = "pool", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64, fused = ["pad2"]}
func.func @pad_avgpool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %p = quant.pad %x {node = "pad2", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %y = quant.avgpool %p {node = "pool", kernel = array<i64: 3, 3>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x4x4xf32>
  func.return %y : tensor<1x1x4x4xf32>
}

// Not folded: non-zero fill, padding of C, a second use, pool pads not counted, ceil mode, maxpool.
// CHECK-LABEL: func.func @not_foldable
// CHECK-COUNT-6: quant.pad
// CHECK-NOT:     fused
func.func @not_foldable(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x1x6x6xf32>, tensor<1x1x6x6xf32>, tensor<1x1x3x3xf32>, tensor<1x1x5x5xf32>) {
  %w = quant.constant dense<1.0> : tensor<2x1x3x3xf32>
  %w2 = quant.constant dense<1.0> : tensor<2x2x3x3xf32>
  %p1 = quant.pad %x {node = "fill1", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.0 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %y1 = quant.conv2d %p1, %w : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %p2 = quant.pad %x {node = "padc", pads = array<i64: 0, 0, 1, 1, 0, 1, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x2x6x6xf32>
  %y2 = quant.conv2d %p2, %w2 : (tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %p3 = quant.pad %x {node = "shared", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %y3 = quant.conv2d %p3, %w : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %p4 = quant.pad %x {node = "p4", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %y4 = quant.avgpool %p4 {kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x6x6xf32>
  %p5 = quant.pad %x {node = "p5", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %y5 = quant.avgpool %p5 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64, count_include_pad = 1 : i64} : (tensor<1x1x6x6xf32>) -> tensor<1x1x3x3xf32>
  %p6 = quant.pad %x {node = "p6", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x6x6xf32>
  %y6 = quant.maxpool %p6 {kernel = array<i64: 2, 2>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x5x5xf32>
  func.return %y1, %y2, %y3, %p3, %y4, %y5, %y6 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x1x6x6xf32>, tensor<1x1x6x6xf32>, tensor<1x1x3x3xf32>, tensor<1x1x5x5xf32>
}
