// RUN: qcomp-opt %s --split-input-file -p 'lower-shift-to-emitc{prefix="net"}' --verify-diagnostics | filecheck %s
// RUN: qcomp-opt %s --split-input-file -p 'lower-shift-to-emitc{prefix="net" dump=false}' --verify-diagnostics \
// RUN:   | filecheck %s --check-prefix=NODUMP
// conv (NCHW graph input, C=2: relayout to NHWC first) -> maxpool -> reshape (an alias: no
// kernel, no buffer) -> fc (weight columns permuted for the NHWC order) writing the graph
// output in place; the header macros and the float wrapper. The -DQC_DUMP dump: the input,
// each op's result right after its call (NHWC buffers read back in NCHW order: channel
// stride 1, pixel stride 3), the output in place (the reshape, an alias, is not dumped),
// then the manifest; dump=false leaves all of it out.
// NODUMP-NOT: emitc.dump

// CHECK:      emitc.include <"stdint.h">
// CHECK:      emitc.define "NET_IN0_SIZE" = "32"
// CHECK-NEXT: emitc.define "NET_IN0_EXP" = "(-5)"
// CHECK-NEXT: emitc.define "NET_OUT0_SIZE" = "2"
// CHECK-NEXT: emitc.define "NET_OUT0_EXP" = "(-3)"
// CHECK-NEXT: emitc.define "NET_ARENA_SIZE" = "0"
// CHECK-NEXT: emitc.arena @net_arena size 0 align 16
// CHECK:      emitc.kernel @net_00_conv1_relayout({{.*}}) {node = "conv1", op = "relayout"} body
// CHECK:      emitc.global @net_01_conv1_b : !emitc.array<3xi32> = dense<[10, -20, 30]> : tensor<3xi32> {node = "conv1", guard = "!defined(__AVX2__)"}
// CHECK:      emitc.kernel @net_01_conv1(x : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "conv1", op = "shift.conv2d", globals = [@net_01_conv1_b, @net_01_conv1_w, @net_01_conv1_wp, @net_01_conv1_bp], macs = 864 : i64, prelude = {{.*}}} body
// CHECK:      emitc.kernel @net_02_pool(x0 : {{.*}}) {node = "pool", op = "shift.maxpool"}
// CHECK-NOT:  shift.reshape
// CHECK:      emitc.kernel @net_03_fc(x : {{.*}}) {node = "fc", op = "shift.fc", globals = [@net_03_fc_w, @net_03_fc_b], macs = 24 : i64}
// CHECK-LABEL: emitc.func public @net_forward(%in0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, %out0 : !emitc.ptr<i8>) {{[{]}}
// CHECK-NEXT:   emitc.dump %in0 {file = "0000_input0.bin", dims = array<i64: 32>, strides = array<i64: 1>}
// CHECK-NEXT:   %[[X:.*]] = emitc.buffer size 32 {node = "conv1:relayout", shape = "1x2x4x4", layout = "nhwc"} : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @net_00_conv1_relayout(%in0, %[[X]])
// CHECK-NEXT:   %[[C:.*]] = emitc.buffer size 48 {node = "conv1", shape = "1x3x4x4", layout = "nhwc"} : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @net_01_conv1(%[[X]], %[[C]])
// CHECK-NEXT:   emitc.dump %[[C]] {file = "0001_conv1.bin", dims = array<i64: 3, 16>, strides = array<i64: 1, 3>}
// CHECK-NEXT:   %[[P:.*]] = emitc.buffer size 12 {node = "pool", shape = "1x3x2x2", layout = "nhwc"} : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @net_02_pool(%[[C]], %[[P]])
// CHECK-NEXT:   emitc.dump %[[P]] {file = "0002_pool.bin", dims = array<i64: 3, 4>, strides = array<i64: 1, 3>}
// CHECK-NEXT:   emitc.call @net_03_fc(%[[P]], %out0)
// CHECK-NEXT:   emitc.dump %out0 {file = "0003_fc.bin", dims = array<i64: 2>, strides = array<i64: 1>}
// CHECK-NEXT:   emitc.dump_manifest @net_dump_manifest "[\0A  {\22index\22: 0, \22file\22: \220000_input0.bin\22, {{.*}}\22tensor\22: \22output0\22, \22role\22: \22output\22, \22shape\22: [1, 2], \22ctype\22: \22int8_t\22, \22exp\22: -3}\0A]\0A"
// CHECK-NEXT:   emitc.return
// CHECK-LABEL: emitc.func public @net_forward_float(%in0 : !emitc.ptr<!emitc.opaque<"const float">>, %out0 : !emitc.ptr<f32>) {{[{]}}
// CHECK:        emitc.quantize_input %in0, %{{.*}} {count = 32 : i64, exp = -5 : i64, qmin = -128 : i64, qmax = 127 : i64}
// CHECK:        emitc.call @net_forward(
// CHECK:        emitc.dequantize_output %{{.*}}, %out0 {count = 2 : i64, exp = -3 : i64}
func.func @main(%x: tensor<1x2x4x4x!quant.pot<i8, -5>>) -> tensor<1x2x!quant.pot<i8, -3>> {
  %w = shift.constant dense<[[[[0, 0, 2], [3, -3, -2], [2, 3, -2]], [[-1, 3, -1], [-2, 2, -2], [-1, 1, 0]]], [[[-3, -3, 3], [2, 2, 0], [2, -1, 0]], [[2, -3, -1], [-3, 0, 3], [-3, -1, -1]]], [[[3, -2, 0], [-2, -3, 2], [-3, -2, 0]], [[0, -3, 3], [2, 3, -3], [2, -1, 0]]]]> : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!quant.pot<i8, -6>>
  %b = shift.constant dense<[10, -20, 30]> : tensor<3xi32> -> tensor<3x!quant.pot<i32, -11>>
  %c = shift.conv2d %x, %w, %b {node = "conv1", shift = array<i64: 7>, pads = array<i64: 1, 1, 1, 1>, clamp = array<i64: 0, 127>} : (tensor<1x2x4x4x!quant.pot<i8, -5>>, tensor<3x2x3x3x!quant.pot<i8, -6>>, tensor<3x!quant.pot<i32, -11>>) -> tensor<1x3x4x4x!quant.pot<i8, -4>>
  %p = shift.maxpool %c {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x4x4x!quant.pot<i8, -4>>) -> tensor<1x3x2x2x!quant.pot<i8, -4>>
  %r = shift.reshape %p {node = "flatten"} : (tensor<1x3x2x2x!quant.pot<i8, -4>>) -> tensor<1x12x!quant.pot<i8, -4>>
  %fw = shift.constant dense<[[3, -2, 2, -2, -1, 3, -1, 0, -1, -3, -1, 1], [0, 2, -1, 1, 2, 3, -1, -3, 2, 0, 3, 0]]> : tensor<2x12xi8> -> tensor<2x12x!quant.pot<i8, -6>>
  %y = shift.fc %r, %fw {node = "fc", shift = array<i64: 7>} : (tensor<1x12x!quant.pot<i8, -4>>, tensor<2x12x!quant.pot<i8, -6>>) -> tensor<1x2x!quant.pot<i8, -3>>
  func.return %y : tensor<1x2x!quant.pot<i8, -3>>
}

// -----

// A weight that is not a constant cannot be compiled: the error names the op and node.
func.func @main(%x: tensor<1x4x!quant.pot<i8, -5>>, %w: tensor<1x4x!quant.pot<i8, -6>>) -> tensor<1x1x!quant.pot<i8, -3>> {
  %y = shift.fc %x, %w {node = "fc_dynamic", shift = array<i64: 8>} : (tensor<1x4x!quant.pot<i8, -5>>, tensor<1x4x!quant.pot<i8, -6>>) -> tensor<1x1x!quant.pot<i8, -3>>
  func.return %y : tensor<1x1x!quant.pot<i8, -3>>
}
// CHECK: lower-shift-to-emitc: shift.fc 'fc_dynamic': the weight must be a shift.constant

// -----

// The C API takes batch 1.
func.func @main(%x: tensor<2x4x!quant.pot<i8, -5>>) -> tensor<2x4x!quant.pot<i8, -5>> {
  %y = shift.clamp %x {node = "relu", clamp = array<i64: 0, 127>} : (tensor<2x4x!quant.pot<i8, -5>>) -> tensor<2x4x!quant.pot<i8, -5>>
  func.return %y : tensor<2x4x!quant.pot<i8, -5>>
}
// CHECK: lower-shift-to-emitc: argument 0 has batch 2: the C backend compiles batch 1

// -----

// A channel slice (step 2) reversing H of an NHWC activation is a strided copy; prelu reads a
// per-channel shift table; max compares the aligned integers and rounds once.
// CHECK-LABEL: emitc.kernel @net_02_slice
// CHECK-SAME:    body "for (int i1 = 0; i1 < 2; ++i1) {\0Afor (int i2 = 0; i2 < 2; ++i2) {\0Afor (int i3 = 0; i3 < 2; ++i3) {\0Ay[i1 + i2 * 4 + i3 * 2] = x0[i1 * 2 + i2 * -8 + i3 * 4 + 9];
// CHECK:       emitc.global @net_03_prelu_s : !emitc.array<2xi8> = dense<[8, 10]>
// CHECK:       emitc.kernel @net_03_prelu
// CHECK-SAME:    (v >= 0 ? qc_requant(v, 1, -128, 127) : qc_requant(v * x1[i1], net_03_prelu_s[i1], -128, 127))
// CHECK:       emitc.kernel @net_04_max
// CHECK-SAME:    qc_requant(((int32_t)x0[{{.*}}] * 2 > (int32_t)x1[{{.*}}] ? (int32_t)x0[{{.*}}] * 2 : (int32_t)x1[{{.*}}]), 0, -128, 127)
func.func @main(%x: tensor<1x4x2x2x!quant.pot<i8, -5>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>> {
  %w = shift.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!quant.pot<i8, -6>>
  %c = shift.conv2d %x, %w {node = "conv", shift = array<i64: 7>} : (tensor<1x4x2x2x!quant.pot<i8, -5>>, tensor<4x4x1x1x!quant.pot<i8, -6>>) -> tensor<1x4x2x2x!quant.pot<i8, -4>>
  %s = shift.slice %c {node = "slice", starts = array<i64: 0, 1, 1, 0>, ends = array<i64: 1, 4, -1, 2>, steps = array<i64: 1, 2, -1, 1>} : (tensor<1x4x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  %k = shift.constant dense<[[[64]], [[-20]]]> : tensor<2x1x1xi8> -> tensor<2x1x1x!quant.pot<i8:0, [-7, -9]>>
  %p = shift.prelu %s, %k {node = "prelu", shift = 1 : i64, slope_shift = array<i64: 8, 10>} : (tensor<1x2x2x2x!quant.pot<i8, -4>>, tensor<2x1x1x!quant.pot<i8:0, [-7, -9]>>) -> tensor<1x2x2x2x!quant.pot<i8, -3>>
  %m = shift.max %p, %s {node = "max", align = array<i64: 1, 0>, shift = 0 : i64} : (tensor<1x2x2x2x!quant.pot<i8, -3>>, tensor<1x2x2x2x!quant.pot<i8, -4>>) -> tensor<1x2x2x2x!quant.pot<i8, -4>>
  func.return %m : tensor<1x2x2x2x!quant.pot<i8, -4>>
}

// -----

// An empty slice (ONNX allows it; the float level runs it) has no C: the error names the op.
// CHECK: shift.slice 'empty': its result tensor<1x0x!quant.pot<i8, -5>> is empty: the C backend has no empty tensors
func.func @main(%x: tensor<1x4x!quant.pot<i8, -5>>) -> tensor<1x4x!quant.pot<i8, -5>> {
  %e = shift.slice %x {node = "empty", starts = array<i64: 0, 2>, ends = array<i64: 1, 2>, steps = array<i64: 1, 1>} : (tensor<1x4x!quant.pot<i8, -5>>) -> tensor<1x0x!quant.pot<i8, -5>>
  %y = shift.concat %x, %e {node = "cat", axis = 1 : i64} : (tensor<1x4x!quant.pot<i8, -5>>, tensor<1x0x!quant.pot<i8, -5>>) -> tensor<1x4x!quant.pot<i8, -5>>
  func.return %y : tensor<1x4x!quant.pot<i8, -5>>
}
