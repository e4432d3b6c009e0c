// RUN: qcomp-opt %s -p 'set-target{weight-bits=4 weight-granularity="per-channel"}' | filecheck %s
// RUN: qcomp-opt %s -p 'set-target' | filecheck %s --check-prefix=DEFAULT
// RUN: qcomp-opt %s -p 'set-target{rounding="half-even"}' | filecheck %s --check-prefix=EVEN
// RUN: not qcomp-opt %s -p 'set-target{rounding="even"}' 2>&1 | filecheck %s --check-prefix=BAD
// RUN: qcomp-opt %s -p 'set-target{hardware="cortex_m4"}' | filecheck %s --check-prefix=HW
// RUN: qcomp-opt %s -p 'set-target{hardware="cortex_m4" rounding="half-up"}' | filecheck %s --check-prefix=OVERRIDE
// RUN: qcomp-opt %s -p 'set-target{hardware="cortex_m4"}' | qcomp-opt -p 'check-target' | filecheck %s --check-prefix=ROUNDTRIP
// RUN: not qcomp-opt %s -p 'set-target{hardware="tpu"}' 2>&1 | filecheck %s --check-prefix=BAD-HW

// The target is recorded on the module, where later passes read it.
// CHECK: builtin.module attributes {qcomp.target = {activation_bits = 8 : i64, weight_bits = 4 : i64, bias_bits = 32 : i64, accumulator_bits = 32 : i64, weight_granularity = "per-channel", rounding = "half-up"}}
// DEFAULT: qcomp.target = {activation_bits = 8 : i64, weight_bits = 8 : i64, bias_bits = 32 : i64, accumulator_bits = 32 : i64, weight_granularity = "per-tensor", rounding = "half-up"}
// Ties to even in every rounding (onnxruntime's rule): executors, lowering and C read it from here.
// EVEN: rounding = "half-even"
// BAD: qcomp-opt: error: set-target: rounding='even' must be one of half-up, half-even
// A target description (targets/cortex_m4.yaml) gives the values and is named on the module,
// where check-target finds it, also after a print and a parse; options override its values.
// HW: qcomp.target = {activation_bits = 8 : i64, weight_bits = 8 : i64, bias_bits = 32 : i64, accumulator_bits = 32 : i64, weight_granularity = "per-channel", rounding = "half-even", hardware = "cortex_m4"}
// OVERRIDE: weight_granularity = "per-channel", rounding = "half-up", hardware = "cortex_m4"}
// ROUNDTRIP: hardware = "cortex_m4"
// BAD-HW: qcomp-opt: error: set-target: hardware: target 'tpu' not found (no such file, and the shipped targets are: akida_like, cortex_m4, fpga)

func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  func.return %x : tensor<1x4xf32>
}
