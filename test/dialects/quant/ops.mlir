// RUN: QCOMP_ROUNDTRIP
// Round trip of every quant op and the PoT type: generic form -> custom form -> same text.

// CHECK-LABEL: func.func @conv_gemm
// CHECK-NEXT:    %w = quant.constant dense<0.5> : tensor<8x1x3x3xf32> {node = "conv1.weight"}
// CHECK-NEXT:    %b = quant.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32> {node = "conv1.bias"}
// CHECK-NEXT:    %y = quant.conv2d %x, %w, %b {node = "conv1", pads = array<i64: 1, 1, 1, 1>, act_min = 0.000000e+00 : f32} : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:    %d = quant.conv2d %y, %dw {node = "dw", strides = array<i64: 2, 2>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x3x3xf32>
// CHECK-NEXT:    %f = quant.flatten %d {node = "flat", axis = 1 : i64} : (tensor<1x8x3x3xf32>) -> tensor<1x72xf32>
// CHECK-NEXT:    %g = quant.gemm %f, %fw {node = "fc", trans_b = 1 : i64} : (tensor<1x72xf32>, tensor<10x72xf32>) -> tensor<1x10xf32>
// CHECK-NEXT:    %m = quant.matmul %f, %mw {node = "mm"} : (tensor<1x72xf32>, tensor<72x10xf32>) -> tensor<1x10xf32>
// CHECK-NEXT:    func.return %g, %m : tensor<1x10xf32>, tensor<1x10xf32>
func.func @conv_gemm(%x: tensor<1x1x8x8xf32>, %dw: tensor<8x1x3x3xf32>, %fw: tensor<10x72xf32>, %mw: tensor<72x10xf32>) -> (tensor<1x10xf32>, tensor<1x10xf32>) {
  %w = quant.constant dense<0.5> : tensor<8x1x3x3xf32> {node = "conv1.weight"}
  %b = quant.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32> {node = "conv1.bias"}
  %y = quant.conv2d %x, %w, %b {node = "conv1", pads = array<i64: 1, 1, 1, 1>, act_min = 0.0 : f32} : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %d = quant.conv2d %y, %dw {node = "dw", strides = array<i64: 2, 2>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x3x3xf32>
  %f = quant.flatten %d {node = "flat", axis = 1 : i64} : (tensor<1x8x3x3xf32>) -> tensor<1x72xf32>
  %g = quant.gemm %f, %fw {node = "fc", trans_b = 1 : i64} : (tensor<1x72xf32>, tensor<10x72xf32>) -> tensor<1x10xf32>
  %m = quant.matmul %f, %mw {node = "mm"} : (tensor<1x72xf32>, tensor<72x10xf32>) -> tensor<1x10xf32>
  func.return %g, %m : tensor<1x10xf32>, tensor<1x10xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK-NEXT:    %r = quant.relu %x {node = "relu"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %c = quant.clip %r {node = "relu6", min = 0.000000e+00 : f32, max = 6.000000e+00 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %l = quant.leaky_relu %c {node = "lrelu", alpha = 1.000000e-01 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %s = quant.sigmoid %l : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %t = quant.tanh %s : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %h = quant.hard_sigmoid %t {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %hs = quant.hard_swish %h : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %a = quant.add %hs, %x {act_min = 0.000000e+00 : f32} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %sb = quant.sub %a, %k : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %mu = quant.mul %sb, %k : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %dv = quant.div %mu, %k : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %sm = quant.softmax %dv {axis = 1 : i64} : (tensor<1x4xf32>) -> tensor<1x4xf32>
func.func @elementwise(%x: tensor<1x4xf32>, %k: tensor<4xf32>) -> tensor<1x4xf32> {
  %r = quant.relu %x {node = "relu"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = quant.clip %r {node = "relu6", min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %l = quant.leaky_relu %c {node = "lrelu", alpha = 0.1 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %s = quant.sigmoid %l : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %t = quant.tanh %s : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = quant.hard_sigmoid %t {alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %hs = quant.hard_swish %h : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %a = quant.add %hs, %x {act_min = 0.0 : f32} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %sb = quant.sub %a, %k : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %mu = quant.mul %sb, %k : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %dv = quant.div %mu, %k : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %sm = quant.softmax %dv {axis = 1 : i64} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %sm : tensor<1x4xf32>
}

// -----

// CHECK-LABEL: func.func @lrn
// CHECK-NEXT:    %n = quant.lrn %x {node = "norm1", size = 5 : i64, alpha = 1.000000e-04 : f32, beta = 7.500000e-01 : f32, bias = 1.000000e+00 : f32} : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
func.func @lrn(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %n = quant.lrn %x {node = "norm1", size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  func.return %n : tensor<1x8x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @pool_and_move
// CHECK-NEXT:    %m = quant.maxpool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %a = quant.avgpool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64, count_include_pad = 1 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %g = quant.global_avgpool %x : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x1xf32>
// CHECK-NEXT:    %c = quant.concat %m, %a {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
// CHECK-NEXT:    %r = quant.reshape %c : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
// CHECK-NEXT:    %t = quant.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x8x8x2xf32>
// CHECK-NEXT:    %p = quant.pad %x {pads = array<i64: 0, 0, 1, 2, 0, 0, 3, 4>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x12x14xf32>
// CHECK-NEXT:    %bn = quant.batch_norm %x, %s, %s, %s, %s {epsilon = 1.000000e-05 : f32} : (tensor<1x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
func.func @pool_and_move(%x: tensor<1x2x8x8xf32>, %s: tensor<2xf32>) -> tensor<1x64xf32> {
  %m = quant.maxpool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %a = quant.avgpool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64, count_include_pad = 1 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %g = quant.global_avgpool %x : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x1xf32>
  %c = quant.concat %m, %a {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r = quant.reshape %c : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
  %t = quant.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x8x8x2xf32>
  %p = quant.pad %x {pads = array<i64: 0, 0, 1, 2, 0, 0, 3, 4>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x12x14xf32>
  %bn = quant.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-05 : f32} : (tensor<1x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
  func.return %r : tensor<1x64xf32>
}

// -----

// PoT types: per tensor, per axis, unsigned storage, and quantized constants.
// CHECK-LABEL: func.func @pot_types
// CHECK-NEXT:    %w = quant.constant dense<[[3, -4], [5, 127]]> : tensor<2x2xi8> -> tensor<2x2x!quant.pot<i8:0, [-7, -6]>>
// CHECK-NEXT:    %b = quant.constant dense<[100, -100]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -12>>
// CHECK-NEXT:    %y = quant.gemm %x, %w, %b {node = "fc"} : (tensor<1x2x!quant.pot<i8, -5>>, tensor<2x2x!quant.pot<i8:0, [-7, -6]>>, tensor<2x!quant.pot<i32, -12>>) -> tensor<1x2x!quant.pot<ui8, -4>>
func.func @pot_types(%x: tensor<1x2x!quant.pot<i8, -5>>) -> tensor<1x2x!quant.pot<ui8, -4>> {
  %w = quant.constant dense<[[3, -4], [5, 127]]> : tensor<2x2xi8> -> tensor<2x2x!quant.pot<i8:0, [-7, -6]>>
  %b = quant.constant dense<[100, -100]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -12>>
  %y = quant.gemm %x, %w, %b {node = "fc"} : (tensor<1x2x!quant.pot<i8, -5>>, tensor<2x2x!quant.pot<i8:0, [-7, -6]>>, tensor<2x!quant.pot<i32, -12>>) -> tensor<1x2x!quant.pot<ui8, -4>>
  func.return %y : tensor<1x2x!quant.pot<ui8, -4>>
}

// -----

// A constant over 100 elements prints as a hex blob and parses back.
// CHECK-LABEL: func.func @big_constant
// CHECK-NEXT:    %w = quant.constant dense<"0x{{0+}}3F800000"> : tensor<101xf32>
func.func @big_constant() -> tensor<101xf32> {
  %w = quant.constant dense<"0x000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003F800000"> : tensor<101xf32>
  func.return %w : tensor<101xf32>
}

// -----

// Max / min (broadcasting), prelu with a per-channel slope, and a strided slice (the negative
// step reverses the last axis; end -1 means past index 0).
// CHECK-LABEL: func.func @select_ops
// CHECK-NEXT:    %m = quant.max %x, %y {node = "max"} : (tensor<1x4x3x3xf32>, tensor<1x4x1x3xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NEXT:    %n = quant.min %m, %s {node = "min"} : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NEXT:    %p = quant.prelu %n, %s {node = "prelu"} : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NEXT:    %c = quant.slice %p {node = "slice", starts = array<i64: 0, 1, 0, 2>, ends = array<i64: 1, 4, 3, -1>, steps = array<i64: 1, 2, 1, -1>} : (tensor<1x4x3x3xf32>) -> tensor<1x2x3x3xf32>
func.func @select_ops(%x: tensor<1x4x3x3xf32>, %y: tensor<1x4x1x3xf32>, %s: tensor<4x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %m = quant.max %x, %y {node = "max"} : (tensor<1x4x3x3xf32>, tensor<1x4x1x3xf32>) -> tensor<1x4x3x3xf32>
  %n = quant.min %m, %s {node = "min"} : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
  %p = quant.prelu %n, %s {node = "prelu"} : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
  %c = quant.slice %p {node = "slice", starts = array<i64: 0, 1, 0, 2>, ends = array<i64: 1, 4, 3, -1>, steps = array<i64: 1, 2, 1, -1>} : (tensor<1x4x3x3xf32>) -> tensor<1x2x3x3xf32>
  func.return %c : tensor<1x2x3x3xf32>
}

// -----

// Resampling: nearest resize (a gather), linear with antialias and cubic (filters), and the zero
// insertion of ConvTranspose (a negative pad crops).
// CHECK-LABEL: func.func @resample
// CHECK-NEXT:    %n = quant.resize_nearest %x {node = "up", scales = array<f32: 2.000000e+00, 2.000000e+00>, coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x2x3x4xf32>) -> tensor<1x2x6x8xf32>
// CHECK-NEXT:    %l = quant.resize %x {node = "lin", mode = "linear", scales = array<f32: 1.66666663, 5.000000e-01>, antialias = 1 : i64} : (tensor<1x2x3x4xf32>) -> tensor<1x2x5x2xf32>
// CHECK-NEXT:    %c = quant.resize %x {node = "cub", mode = "cubic", scales = array<f32: 3.000000e+00, 1.500000e+00>, coordinate_transformation_mode = "align_corners", cubic_coeff_a = -5.000000e-01 : f32, exclude_outside = 1 : i64} : (tensor<1x2x3x4xf32>) -> tensor<1x2x9x6xf32>
// CHECK-NEXT:    %z = quant.zero_interleave %x {node = "deconv", strides = array<i64: 2, 2>, pads = array<i64: 0, -1, 0, 0>} : (tensor<1x2x3x4xf32>) -> tensor<1x2x5x6xf32>
func.func @resample(%x: tensor<1x2x3x4xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x5x2xf32>, tensor<1x2x9x6xf32>, tensor<1x2x5x6xf32>) {
  %n = quant.resize_nearest %x {node = "up", scales = array<f32: 2.0, 2.0>, coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x2x3x4xf32>) -> tensor<1x2x6x8xf32>
  %l = quant.resize %x {node = "lin", mode = "linear", scales = array<f32: 1.66666663, 0.5>, antialias = 1 : i64} : (tensor<1x2x3x4xf32>) -> tensor<1x2x5x2xf32>
  %c = quant.resize %x {node = "cub", mode = "cubic", scales = array<f32: 3.0, 1.5>, coordinate_transformation_mode = "align_corners", cubic_coeff_a = -0.5 : f32, exclude_outside = 1 : i64} : (tensor<1x2x3x4xf32>) -> tensor<1x2x9x6xf32>
  %z = quant.zero_interleave %x {node = "deconv", strides = array<i64: 2, 2>, pads = array<i64: 0, -1, 0, 0>} : (tensor<1x2x3x4xf32>) -> tensor<1x2x5x6xf32>
  func.return %n, %l, %c, %z : tensor<1x2x6x8xf32>, tensor<1x2x5x2xf32>, tensor<1x2x9x6xf32>, tensor<1x2x5x6xf32>
}

// -----

// tf_crop_and_resize: the roi of H and W ([h_start, w_start, h_end, w_end]) and the extrapolation value.
// CHECK-LABEL: func.func @resize_crop
// CHECK-NEXT:    %c = quant.resize %x {node = "crop", mode = "linear", scales = array<f32: 7.500000e-01, 7.500000e-01>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f32: 1.000000e-01, -2.000000e-01, 9.000000e-01, 1.200000e+00>, extrapolation_value = 5.000000e-01 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32>
func.func @resize_crop(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32> {
  %c = quant.resize %x {node = "crop", mode = "linear", scales = array<f32: 0.75, 0.75>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f32: 0.1, -0.2, 0.9, 1.2>, extrapolation_value = 5.000000e-01 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32>
  func.return %c : tensor<1x2x3x3xf32>
}
