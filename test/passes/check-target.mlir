// RUN: not qcomp-opt %s -p 'check-target{target="akida_like"}' 2>&1 | filecheck %s
// RUN: not qcomp-opt %s -p 'set-target{hardware="akida_like"},check-target' 2>&1 | filecheck %s
// RUN: not qcomp-opt %s -p 'fuse,check-target{target="akida_like"}' 2>&1 | filecheck %s --check-prefix=FUSED
// RUN: qcomp-opt %s -p 'check-target{target="fpga"}' | filecheck %s --check-prefix=FITS
// RUN: not qcomp-opt %s -p 'check-target' 2>&1 | filecheck %s --check-prefix=NONE
// RUN: not qcomp-opt %s -p 'check-target{target="no_such_target"}' 2>&1 | filecheck %s --check-prefix=UNKNOWN

// One run names every violation, one line each: the ONNX node, its kinds, the rule, the value
// found and the allowed ones (symbolic pads with their value for this op's input).
// CHECK:      qcomp-opt: error: 6 violations of target 'akida_like':
// CHECK-NEXT:   conv0 (Conv): pads [3,3,3,3] not in allowed [[0,0,0,0],same_upper = [2,2,3,3]] for kernel [7,7]
// CHECK-NEXT:   short (Conv): strides [2,2] not in allowed [[1,1]] for kernel [1,1]
// CHECK-NEXT:   gate (Sigmoid): op Sigmoid is not supported by target 'akida_like' (supported: Conv, Gemm, Add, Relu, Clip, MaxPool, GlobalAveragePool)
// CHECK-NEXT:   fc (Gemm): 2000 channels above the maximum 1024
// CHECK-NEXT:   fc2 (Gemm): 2000 channels above the maximum 1024
// CHECK-NEXT:   gap (GlobalAveragePool): not the tail of any fused pattern (its input comes from add1 (Add); patterns with GlobalAveragePool: [Conv, Relu, GlobalAveragePool], [Conv, Clip, GlobalAveragePool], [Conv, GlobalAveragePool])
// conv0 -> relu0 -> pool0 is the pattern [Conv, Relu, MaxPool]: no line for relu0 or pool0.
// CHECK-NOT: relu0
// CHECK-NOT: pool0

// After `fuse` the ReLU is part of the conv: its kinds are [Conv, Relu], the same pattern.
// FUSED:      6 violations of target 'akida_like':
// FUSED-NEXT:   conv0 (Conv + Relu): pads [3,3,3,3]
// FUSED-NOT:  pool0

// The fpga target runs every op on its own: the module passes unchanged.
// FITS: quant.global_avgpool %{{.*}} {node = "gap"}
// NONE: qcomp-opt: error: check-target: no hardware target: give check-target{target=NAME} (a shipped name, a YAML file) or a pipeline target naming one (target: NAME)
// UNKNOWN: qcomp-opt: error: target 'no_such_target' not found (no such file, and the shipped targets are: akida_like, cortex_m4, fpga)

func.func @main(%x: tensor<1x3x16x16xf32>) -> tensor<1x10xf32> {
  %w0 = quant.constant dense<0.1> : tensor<8x3x7x7xf32> {node = "conv0.weight"}
  %c0 = quant.conv2d %x, %w0 {node = "conv0", strides = array<i64: 2, 2>, pads = array<i64: 3, 3, 3, 3>} : (tensor<1x3x16x16xf32>, tensor<8x3x7x7xf32>) -> tensor<1x8x8x8xf32>
  %r0 = quant.relu %c0 {node = "relu0"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %p0 = quant.maxpool %r0 {node = "pool0", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  %w1 = quant.constant dense<0.1> : tensor<8x8x1x1xf32> {node = "short.weight"}
  %c1 = quant.conv2d %p0, %w1 {node = "short", strides = array<i64: 2, 2>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32>
  %w2 = quant.constant dense<0.1> : tensor<8x8x3x3xf32> {node = "conv1.weight"}
  %c2 = quant.conv2d %p0, %w2 {node = "conv1", strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x4x4xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x2x2xf32>
  %s = quant.sigmoid %c2 {node = "gate"} : (tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32>
  %a = quant.add %c1, %s {node = "add1"} : (tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32>
  %g = quant.global_avgpool %a {node = "gap"} : (tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32>
  %f = quant.flatten %g {node = "flat", axis = 1 : i64} : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
  %wf = quant.constant dense<0.1> : tensor<2000x8xf32> {node = "fc.weight"}
  %y = quant.gemm %f, %wf {node = "fc", trans_b = 1 : i64} : (tensor<1x8xf32>, tensor<2000x8xf32>) -> tensor<1x2000xf32>
  %wg = quant.constant dense<0.1> : tensor<10x2000xf32> {node = "fc2.weight"}
  %z = quant.gemm %y, %wg {node = "fc2", trans_b = 1 : i64} : (tensor<1x2000xf32>, tensor<10x2000xf32>) -> tensor<1x10xf32>
  func.return %z : tensor<1x10xf32>
}
