// RUN: qcomp-opt %s -p 'set-target{weight-bits=4 weight-granularity="per-channel"}' | filecheck %s
// RUN: qcomp-opt %s -p 'set-target' | filecheck %s --check-prefix=DEFAULT
// RUN: qcomp-opt %s -p 'set-target{rounding="half-even"}' | filecheck %s --check-prefix=EVEN
// RUN: not qcomp-opt %s -p 'set-target{rounding="even"}' 2>&1 | filecheck %s --check-prefix=BAD

// The target is recorded on the module, where later passes read it.
// CHECK: builtin.module attributes {qcomp.target = {activation_bits = 8 : i64, weight_bits = 4 : i64, bias_bits = 32 : i64, accumulator_bits = 32 : i64, weight_granularity = "per-channel", rounding = "half-up"}}
// DEFAULT: qcomp.target = {activation_bits = 8 : i64, weight_bits = 8 : i64, bias_bits = 32 : i64, accumulator_bits = 32 : i64, weight_granularity = "per-tensor", rounding = "half-up"}
// Ties to even in every rounding (onnxruntime's rule): executors, lowering and C read it from here.
// EVEN: rounding = "half-even"
// BAD: qcomp-opt: error: set-target: rounding='even' must be one of half-up, half-even

func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  func.return %x : tensor<1x4xf32>
}
