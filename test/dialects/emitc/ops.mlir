// RUN: QCOMP_ROUNDTRIP
// Every emitc op of qcomp (and xDSL's types) parses, prints generically, parses back and
// prints as written.

// CHECK:      emitc.include <"stdint.h">
// CHECK-NEXT: emitc.include "model_extra.h"
// CHECK-NEXT: emitc.define "MODEL_IN0_SIZE" = "64" {doc = "elements of input 0"}
// CHECK-NEXT: emitc.verbatim "static const int qc_answer = 42;"
// CHECK-NEXT: emitc.global @model_w0 : !emitc.array<4xi8> = dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xi8> {node = "conv1"}
// CHECK-NEXT: emitc.global @model_wp : !emitc.array<2xi16> = dense<[7, -7]> : tensor<2xi16> {node = "conv1", guard = "defined(__AVX2__)"}
// CHECK-NEXT: emitc.arena @model_arena size 96 align 16
// CHECK-NEXT: emitc.kernel @model_k0(x : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "conv1", op = "shift.conv2d", globals = [@model_w0], macs = 12 : i64, prelude = "/* helper */"} body "y[0] = x[0];\0A"
// CHECK-NEXT: emitc.kernel @model_k1(x0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "relu", op = "shift.requant", inplace = array<i64: 0>} body "y[0] = x0[0];"
builtin.module {
  emitc.include <"stdint.h">
  emitc.include "model_extra.h"
  emitc.define "MODEL_IN0_SIZE" = "64" {doc = "elements of input 0"}
  emitc.verbatim "static const int qc_answer = 42;"
  emitc.global @model_w0 : !emitc.array<4xi8> = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8> {node = "conv1"}
  emitc.global @model_wp : !emitc.array<2xi16> = dense<[7, -7]> : tensor<2xi16> {node = "conv1", guard = "defined(__AVX2__)"}
  emitc.arena @model_arena size 96 align 16
  emitc.kernel @model_k0(x : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "conv1", op = "shift.conv2d", globals = [@model_w0], macs = 12 : i64, prelude = "/* helper */"} body "y[0] = x[0];\0A"
  emitc.kernel @model_k1(x0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "relu", op = "shift.requant", inplace = array<i64: 0>} body "y[0] = x0[0];"

// CHECK-NEXT: emitc.func public @model_forward(%in0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, %out0 : !emitc.ptr<i8>) {
// CHECK-NEXT:   %t0 = emitc.buffer size 64 offset 0 {node = "conv1", shape = "1x4x4x4", layout = "nhwc"} : !emitc.ptr<i8>
// CHECK-NEXT:   %t1 = emitc.buffer size 32 : !emitc.ptr<i8>
// CHECK-NEXT:   %c = emitc.get_global @model_w0 : !emitc.ptr<!emitc.opaque<"const int8_t">>
// CHECK-NEXT:   emitc.call @model_k0(%in0, %t0) : (!emitc.ptr<!emitc.opaque<"const int8_t">>, !emitc.ptr<i8>)
// CHECK-NEXT:   emitc.call @model_k1(%t0, %t1) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
// CHECK-NEXT:   emitc.call @model_k1(%c, %out0) : (!emitc.ptr<!emitc.opaque<"const int8_t">>, !emitc.ptr<i8>)
// CHECK-NEXT:   emitc.return
// CHECK-NEXT: }
  emitc.func public @model_forward(%in0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, %out0 : !emitc.ptr<i8>) {
    %t0 = emitc.buffer size 64 offset 0 {node = "conv1", shape = "1x4x4x4", layout = "nhwc"} : !emitc.ptr<i8>
    %t1 = emitc.buffer size 32 : !emitc.ptr<i8>
    %c = emitc.get_global @model_w0 : !emitc.ptr<!emitc.opaque<"const int8_t">>
    emitc.call @model_k0(%in0, %t0) : (!emitc.ptr<!emitc.opaque<"const int8_t">>, !emitc.ptr<i8>)
    emitc.call @model_k1(%t0, %t1) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
    emitc.call @model_k1(%c, %out0) : (!emitc.ptr<!emitc.opaque<"const int8_t">>, !emitc.ptr<i8>)
    emitc.return
  }

// CHECK-NEXT: emitc.func public @model_forward_float(%in0 : !emitc.ptr<!emitc.opaque<"const float">>, %out0 : !emitc.ptr<f32>) {
// CHECK-NEXT:   %q = emitc.static_buffer @model_in0_q count 64 : !emitc.ptr<i8>
// CHECK-NEXT:   %o = emitc.static_buffer @model_out0_q count 16 : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.quantize_input %in0, %q {count = 64 : i64, exp = -7 : i64, qmin = -128 : i64, qmax = 127 : i64} : !emitc.ptr<!emitc.opaque<"const float">>, !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @model_forward(%q, %o) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
// CHECK-NEXT:   emitc.dequantize_output %o, %out0 {count = 16 : i64, exp = -3 : i64} : !emitc.ptr<i8>, !emitc.ptr<f32>
// CHECK-NEXT:   emitc.return
// CHECK-NEXT: }
  emitc.func public @model_forward_float(%in0 : !emitc.ptr<!emitc.opaque<"const float">>, %out0 : !emitc.ptr<f32>) {
    %q = emitc.static_buffer @model_in0_q count 64 : !emitc.ptr<i8>
    %o = emitc.static_buffer @model_out0_q count 16 : !emitc.ptr<i8>
    emitc.quantize_input %in0, %q {count = 64 : i64, exp = -7 : i64, qmin = -128 : i64, qmax = 127 : i64} : !emitc.ptr<!emitc.opaque<"const float">>, !emitc.ptr<i8>
    emitc.call @model_forward(%q, %o) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
    emitc.dequantize_output %o, %out0 {count = 16 : i64, exp = -3 : i64} : !emitc.ptr<i8>, !emitc.ptr<f32>
    emitc.return
  }

// Bring-up dumps (printed as C under #if defined(QC_DUMP) only): one tensor read back through
// dims/strides (NHWC memory -> NCHW file), an int32 one, then the manifest.
// CHECK-NEXT: emitc.func static @dumping(%x : !emitc.ptr<i8>, %a : !emitc.ptr<i32>) {
// CHECK-NEXT:   emitc.dump %x {file = "0000_conv1.bin", dims = array<i64: 4, 16>, strides = array<i64: 1, 4>} : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.dump %a {file = "0001_acc.bin", dims = array<i64: 8>, strides = array<i64: 1>} : !emitc.ptr<i32>
// CHECK-NEXT:   emitc.dump_manifest @model_dump_manifest "[\0A  {\22index\22: 0, \22file\22: \220000_conv1.bin\22}\0A]\0A"
// CHECK-NEXT:   emitc.return
// CHECK-NEXT: }
  emitc.func static @dumping(%x : !emitc.ptr<i8>, %a : !emitc.ptr<i32>) {
    emitc.dump %x {file = "0000_conv1.bin", dims = array<i64: 4, 16>, strides = array<i64: 1, 4>} : !emitc.ptr<i8>
    emitc.dump %a {file = "0001_acc.bin", dims = array<i64: 8>, strides = array<i64: 1>} : !emitc.ptr<i32>
    emitc.dump_manifest @model_dump_manifest "[\0A  {\22index\22: 0, \22file\22: \220000_conv1.bin\22}\0A]\0A"
    emitc.return
  }

// A static helper function and xDSL's own emitc ops still parse.
// CHECK-NEXT: emitc.func static @helper(%p : !emitc.ptr<i32>) {
// CHECK-NEXT:   emitc.return
// CHECK-NEXT: }
  emitc.func static @helper(%p : !emitc.ptr<i32>) {
    emitc.return
  }
}
