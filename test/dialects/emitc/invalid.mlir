// RUN: qcomp-opt %s --split-input-file --verify-diagnostics | filecheck %s
// Verifier errors of qcomp's emitc ops name the symbol and the broken rule.

emitc.global @w : !emitc.array<3xi8> = dense<[1, 2]> : tensor<2xi8>
// CHECK: emitc.global @w: value has 2 elements, the array 3

// -----

emitc.global @w : !emitc.array<2xi16> = dense<[1, 2]> : tensor<2xi8>
// CHECK: emitc.global @w: value element type i8 differs from the array's i16

// -----

emitc.arena @a size 64 align 12
// CHECK: emitc.arena @a: alignment 12 is not a power of two

// -----

emitc.define "1BAD" = "3"
// CHECK: emitc.define: macro '1BAD' is not a C identifier

// -----

emitc.kernel @k(x : !emitc.ptr<i8>, y : i8) {node = "n", op = "shift.requant"} body ""
// CHECK: emitc.kernel @k (node 'n'): parameter 'y' must be a pointer, got i8

// -----

emitc.kernel @k(x : !emitc.ptr<i8>, y : !emitc.ptr<i8>) {node = "n", op = "shift.requant", inplace = array<i64: 1>} body ""
// CHECK: emitc.kernel @k (node 'n'): inplace index 1 must name an input parameter

// -----

emitc.kernel @k(x : !emitc.ptr<i8>, y : !emitc.ptr<i8>) {node = "n", op = "arith.addi"} body ""
// CHECK: emitc.kernel @k (node 'n'): op 'arith.addi' is not a shift op (or `relayout`)

// -----

emitc.kernel @k(x : !emitc.ptr<i8>, y : !emitc.ptr<i8>) {node = "n", op = "shift.conv2d", globals = [@nowhere]} body ""
// CHECK: emitc.kernel @k (node 'n'): global @nowhere is not an emitc.global of the module

// -----

emitc.arena @arena size 16 align 4
emitc.func public @f(%out0 : !emitc.ptr<i8>) {
  %t = emitc.buffer size 8 offset 12 : !emitc.ptr<i8>
  emitc.return
}
// CHECK: emitc.buffer: bytes [12, 20) lie outside the arena @arena of 16 bytes

// -----

emitc.func public @f(%out0 : !emitc.ptr<i8>) {
  %t = emitc.buffer size 8 offset 2 : !emitc.ptr<i32>
  emitc.return
}
// CHECK: emitc.buffer: offset 2 is negative or misaligned for 4-byte elements

// -----

emitc.kernel @k(x : !emitc.ptr<i8>, y : !emitc.ptr<i8>) {node = "n", op = "shift.requant"} body ""
emitc.func public @f(%in0 : !emitc.ptr<i8>, %out0 : !emitc.ptr<i8>) {
  emitc.call @k(%in0) : (!emitc.ptr<i8>)
  emitc.return
}
// CHECK: emitc.call @k: 1 arguments for 2 parameters

// -----

emitc.func public @f(%in0 : !emitc.ptr<i8>) {
  emitc.call @missing(%in0) : (!emitc.ptr<i8>)
  emitc.return
}
// CHECK: emitc.call: no kernel or function @missing

// -----

emitc.func public @f(%in0 : !emitc.ptr<!emitc.opaque<"const float">>, %q : !emitc.ptr<i8>) {
  emitc.quantize_input %in0, %q {count = 4 : i64, exp = 0 : i64, qmin = 5 : i64, qmax = 5 : i64} : !emitc.ptr<!emitc.opaque<"const float">>, !emitc.ptr<i8>
  emitc.return
}
// CHECK: emitc.quantize_input: qmin 5 must be below qmax 5

// -----

emitc.func public @f(%q : !emitc.ptr<i8>, %y : !emitc.ptr<i8>) {
  emitc.dequantize_output %q, %y {count = 4 : i64, exp = 0 : i64} : !emitc.ptr<i8>, !emitc.ptr<i8>
  emitc.return
}
// CHECK: emitc.dequantize_output: the float operand must point to float, got i8

// -----

emitc.func public @f(%q : i8) {
  emitc.return
}
// CHECK: emitc.func @f: parameter 'q' must be a pointer, got i8

// -----

emitc.func static @f(%x : !emitc.ptr<i8>) {
  emitc.dump %x {file = "../escape.bin", dims = array<i64: 4>, strides = array<i64: 1>} : !emitc.ptr<i8>
  emitc.return
}
// CHECK: emitc.dump '../escape.bin': the file name may hold letters, digits, '_', '.' and '-' only

// -----

emitc.func static @f(%x : !emitc.ptr<i8>) {
  emitc.dump %x {file = "t.bin", dims = array<i64: 4, 2>, strides = array<i64: 1>} : !emitc.ptr<i8>
  emitc.return
}
// CHECK: emitc.dump 't.bin': dims and strides need the same length, 1 to 8

// -----

emitc.func static @f(%x : !emitc.ptr<f32>) {
  emitc.dump %x {file = "t.bin", dims = array<i64: 4>, strides = array<i64: 1>} : !emitc.ptr<f32>
  emitc.return
}
// CHECK: emitc.dump 't.bin': the tensor must point to integers, got !emitc.ptr<f32>

// -----

emitc.func static @f() {
  emitc.dump_manifest @m "{\22not\22: \22a list\22}"
  emitc.return
}
// CHECK: emitc.dump_manifest @m: the text is not a JSON list
