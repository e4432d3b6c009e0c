// RUN: qcomp-opt %s -p check-overflow --split-input-file --verify-diagnostics | filecheck %s
// RUN: qcomp-opt %s -p 'set-target{accumulator_bits=16},check-overflow' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ACC16
// RUN: qcomp-opt %s -p 'set-target{accumulator_bits=16},check-overflow{input_bound="range"}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=RANGE
// RUN: qcomp-opt %s -p 'set-target{accumulator_bits=16},check-overflow{warn_only=true}' --split-input-file 2>&1 >/dev/null | filecheck %s --check-prefix=WARN

// Quant level (after pot-scale). conv: sum |w| = 4 * 127 = 508 per channel, |q_in| <= 128,
// bias 1000 << (e_b - (e_in + e_w)) = 1000 << 1: 508 * 128 + 2000 = 67024 > 2^15 - 1.
// With the calibrated range [-0.1, 0.1] on the grid 2^-7: |q_in| <= 13: 508 * 13 + 2000 = 8604.

// CHECK-LABEL: func.func @quant_conv
// ACC16:       check-overflow: quant.conv2d 'conv1': accumulator bound 67024 (2^16.03) does not fit int16 (output channel 0: sum |w| = 508, |q_in| <= 128, |bias << shift| = 2000)
// RANGE-LABEL: func.func @quant_conv
// WARN:        warning: check-overflow: quant.conv2d 'conv1': accumulator bound 67024
func.func @quant_conv(%x: tensor<1x1x2x2x!quant.pot<i8, -7>>) -> tensor<1x1x1x1x!quant.pot<i8, -5>>
    attributes {arg_ranges = [array<f64: -0.1, 0.1>]} {
  %w = quant.constant dense<127> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!quant.pot<i8, -7>> {node = "conv1.weight"}
  %b = quant.constant dense<1000> : tensor<1xi32> -> tensor<1x!quant.pot<i32, -13>> {node = "conv1.bias"}
  %y = quant.conv2d %x, %w, %b {node = "conv1"} : (tensor<1x1x2x2x!quant.pot<i8, -7>>, tensor<1x1x2x2x!quant.pot<i8, -7>>, tensor<1x!quant.pot<i32, -13>>) -> tensor<1x1x1x1x!quant.pot<i8, -5>>
  func.return %y : tensor<1x1x1x1x!quant.pot<i8, -5>>
}

// -----

// Shift level (after lower-quant-to-shift): fc with 3 outputs, the worst is channel 2
// (sum |w| = 127 + 128 + 100 + 100 = 455): 455 * 128 + (5 << 2) = 58260.
// add aligned by shifts: 128 << 0 + 128 << 8 = 32896 > 32767; with input-bound=range,
// |y| <= round(0.01 * 2^13) = 82 (the fc has no recorded range: its type bound stays).

// CHECK-LABEL: func.func @shift_level
// ACC16:       check-overflow: shift.fc 'fc': accumulator bound 58260 (2^15.83) does not fit int16 (output channel 2: sum |w| = 455, |q_in| <= 128, |bias << shift| = 20) (and 1 more)
// RANGE:       check-overflow: shift.add 'add': accumulator bound 32850 (2^15.00) does not fit int16 (|a| <= 82 << 0, |b| <= 128 << 8)
// WARN:        warning: check-overflow: shift.fc 'fc': accumulator bound 58260
// WARN:        warning: check-overflow: shift.add 'add': accumulator bound 32896 (2^15.01) does not fit int16 (|a| <= 128 << 0, |b| <= 128 << 8)
func.func @shift_level(%x: tensor<1x4x!quant.pot<i8, -7>>, %y: tensor<1x3x!quant.pot<i8, -13>>) -> tensor<1x3x!quant.pot<i8, -5>>
    attributes {arg_ranges = [array<f64: -0.05, 0.05>, array<f64: -0.01, 0.01>]} {
  %w = shift.constant dense<[[1, 2, 3, 4], [0, 0, 0, 0], [127, -128, 100, -100]]> : tensor<3x4xi8> -> tensor<3x4x!quant.pot<i8, -7>> {node = "fc.weight"}
  %b = shift.constant dense<[1, 2, -5]> : tensor<3xi32> -> tensor<3x!quant.pot<i32, -12>> {node = "fc.bias"}
  %f = shift.fc %x, %w, %b {node = "fc", shift = array<i64: 9>, bias_shift = array<i64: 2>} : (tensor<1x4x!quant.pot<i8, -7>>, tensor<3x4x!quant.pot<i8, -7>>, tensor<3x!quant.pot<i32, -12>>) -> tensor<1x3x!quant.pot<i8, -5>>
  %a = shift.add %y, %f {node = "add", align = array<i64: 0, 8>, shift = 8 : i64} : (tensor<1x3x!quant.pot<i8, -13>>, tensor<1x3x!quant.pot<i8, -5>>) -> tensor<1x3x!quant.pot<i8, -5>>
  func.return %a : tensor<1x3x!quant.pot<i8, -5>>
}

// -----

// max compares the aligned integers: the larger of 128 << 0 and 128 << 8 = 32768 > 32767 (not
// their sum); prelu multiplies by the slope integers: 128 * 127 = 16256 fits 16 bits.
// CHECK-LABEL: func.func @max_prelu
// ACC16:       check-overflow: shift.max 'max': accumulator bound 32768 (2^15.00) does not fit int16 (|a| <= 128 << 0, |b| <= 128 << 8){{$}}
func.func @max_prelu(%x: tensor<1x3x!quant.pot<i8, -13>>, %y: tensor<1x3x!quant.pot<i8, -5>>) -> (tensor<1x3x!quant.pot<i8, -5>>, tensor<1x3x!quant.pot<i8, -5>>) {
  %s = shift.constant dense<[127, -3, 5]> : tensor<3xi8> -> tensor<3x!quant.pot<i8, -7>> {node = "slope"}
  %m = shift.max %x, %y {node = "max", align = array<i64: 0, 8>, shift = 8 : i64} : (tensor<1x3x!quant.pot<i8, -13>>, tensor<1x3x!quant.pot<i8, -5>>) -> tensor<1x3x!quant.pot<i8, -5>>
  %p = shift.prelu %y, %s {node = "prelu", shift = 0 : i64, slope_shift = array<i64: 7>} : (tensor<1x3x!quant.pot<i8, -5>>, tensor<3x!quant.pot<i8, -7>>) -> tensor<1x3x!quant.pot<i8, -5>>
  func.return %m, %p : tensor<1x3x!quant.pot<i8, -5>>, tensor<1x3x!quant.pot<i8, -5>>
}
