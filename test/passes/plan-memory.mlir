// RUN: qcomp-opt %s -p 'plan-memory{report=true}' 2>%t.err | filecheck %s
// RUN: filecheck %s --check-prefix=REPORT < %t.err
// Liveness along the calls, in-place reuse (requant and add may write over an input that
// dies at the call), best-fit offsets: the arena reaches the lower bound.
//   t0 [0,1] -> t1 in place of t0 -> t1 read until call 3
//   t2 [2,4], t3 [3,4], t4 in place of t2 (add), read by call 5
//   peak at call 3: t0/t1 (64) + t2 (32) + t3 (32) = 128; naive sum 64+64+32+32+32 = 224

// CHECK:      builtin.module attributes {qcomp.arena_bytes = 128 : i64, qcomp.arena_lower_bound = 128 : i64, qcomp.arena_naive = 224 : i64}
// CHECK:      emitc.define "NET_ARENA_SIZE" = "128"
// CHECK:      emitc.arena @net_arena size 128 align 16
// CHECK-LABEL: emitc.func public @net_forward
// CHECK-NEXT:   %t0 = emitc.buffer size 64 offset [[A:[0-9]+]] : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @k(%in0, %t0)
// CHECK-NEXT:   %t1 = emitc.buffer size 64 offset [[A]] : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @r(%t0, %t1)
// CHECK-NEXT:   %t2 = emitc.buffer size 32 offset [[B:[0-9]+]] : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @k(%t1, %t2)
// CHECK-NEXT:   %t3 = emitc.buffer size 32 offset [[C:[0-9]+]] : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @k(%t1, %t3)
// CHECK-NEXT:   %t4 = emitc.buffer size 32 offset [[B]] : !emitc.ptr<i8>
// CHECK-NEXT:   emitc.call @add(%t2, %t3, %t4)
// REPORT: plan-memory: arena 128 bytes (lower bound 128, naive sum 224, 3 storage groups)

builtin.module {
  emitc.define "NET_ARENA_SIZE" = "0"
  emitc.arena @net_arena size 0 align 16
  emitc.kernel @k(x : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "conv", op = "shift.conv2d"} body ""
  emitc.kernel @r(x0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "relu", op = "shift.requant", inplace = array<i64: 0>} body ""
  emitc.kernel @add(x0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, x1 : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>) {node = "add", op = "shift.add", inplace = array<i64: 0, 1>} body ""
  emitc.func public @net_forward(%in0 : !emitc.ptr<!emitc.opaque<"const int8_t">>, %out0 : !emitc.ptr<i8>) {
    %t0 = emitc.buffer size 64 : !emitc.ptr<i8>
    emitc.call @k(%in0, %t0) : (!emitc.ptr<!emitc.opaque<"const int8_t">>, !emitc.ptr<i8>)
    %t1 = emitc.buffer size 64 : !emitc.ptr<i8>
    emitc.call @r(%t0, %t1) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
    %t2 = emitc.buffer size 32 : !emitc.ptr<i8>
    emitc.call @k(%t1, %t2) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
    %t3 = emitc.buffer size 32 : !emitc.ptr<i8>
    emitc.call @k(%t1, %t3) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
    %t4 = emitc.buffer size 32 : !emitc.ptr<i8>
    emitc.call @add(%t2, %t3, %t4) : (!emitc.ptr<i8>, !emitc.ptr<i8>, !emitc.ptr<i8>)
    emitc.call @k(%t4, %out0) : (!emitc.ptr<i8>, !emitc.ptr<i8>)
    emitc.return
  }
}
