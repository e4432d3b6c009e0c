// RUN: qcomp-opt --plugin %repo/examples/conv1x1_s2_to_3x3.py %s -p conv1x1-s2-to-3x3 | filecheck %s
// RUN: not qcomp-opt --plugin %repo/examples/conv1x1_s2_to_3x3.py %s -p 'pot-scale,conv1x1-s2-to-3x3' 2>&1 | filecheck %s --check-prefix=LEVEL

// The user pass of examples/: the 1x1 stride-2 conv becomes 3x3 stride 2 with pads 1, its
// weight in the centre tap; `rebuild` keeps the fused ReLU, `fused` and the node name.
// CHECK-LABEL: func.func @shortcut
// CHECK:       %[[W:.*]] = quant.constant dense<{{\[\[\[\[}}0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]], {{\[\[\[}}0.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<2x1x3x3xf32> {node = "short.weight"}
// CHECK-NEXT:  %[[Y:.*]] = quant.conv2d %x, %[[W]] {node = "short", strides = array<i64: 2, 2>, act_min = 0.000000e+00 : f32, fused = ["short_relu"], range = array<f64: 0.000000e+00, 2.000000e+00>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NEXT:  func.return %[[Y]]
// A 1x1 stride-1 conv is left alone.
// CHECK-LABEL: func.func @pointwise
// CHECK:       quant.conv2d %x, %w {node = "pw", range = array<f64: -2.000000e+00, 2.000000e+00>} : (tensor<1x1x5x5xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x5x5xf32>

// LEVEL: conv1x1-s2-to-3x3: runs at the 'quant' level, but the module is at the 'quant-scaled' level

func.func @shortcut(%x: tensor<1x1x5x5xf32>) -> tensor<1x2x3x3xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<[[[[2.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32> {node = "short.weight"}
  %y = quant.conv2d %x, %w {node = "short", strides = array<i64: 2, 2>, act_min = 0.0 : f32, fused = ["short_relu"], range = array<f64: 0.0, 2.0>} : (tensor<1x1x5x5xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

func.func @pointwise(%x: tensor<1x1x5x5xf32>) -> tensor<1x2x5x5xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<[[[[2.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32> {node = "pw.weight"}
  %y = quant.conv2d %x, %w {node = "pw", range = array<f64: -2.0, 2.0>} : (tensor<1x1x5x5xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x5x5xf32>
  func.return %y : tensor<1x2x5x5xf32>
}
