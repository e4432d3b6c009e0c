// A user pass from a plugin file runs from qcomp-opt, with its options.
// RUN: qcomp-opt %s --plugin %S/Inputs/annotate_macs.py -p annotate-macs | filecheck %s
// RUN: qcomp-opt %s --plugin %S/Inputs/annotate_macs.py -p 'annotate-macs{attr="work"}' | filecheck %s --check-prefix=OPT
// RUN: not qcomp-opt %s -p annotate-macs 2>&1 | filecheck %s --check-prefix=MISSING

// CHECK-LABEL: func.func @net
// CHECK:       quant.conv2d {{.*}}macs = 2592 : i64
// CHECK:       quant.gemm {{.*}}macs = 2880 : i64
// OPT:         quant.conv2d {{.*}}work = 2592 : i64
// MISSING:     annotate-macs
func.func @net(%x: tensor<1x1x8x8xf32>, %w: tensor<8x1x3x3xf32>, %fw: tensor<10x288xf32>) -> tensor<1x10xf32> {
  %y = quant.conv2d %x, %w {node = "conv1"} : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32>
  %f = quant.flatten %y {node = "flat", axis = 1 : i64} : (tensor<1x8x6x6xf32>) -> tensor<1x288xf32>
  %g = quant.gemm %f, %fw {node = "fc", trans_b = 1 : i64} : (tensor<1x288xf32>, tensor<10x288xf32>) -> tensor<1x10xf32>
  func.return %g : tensor<1x10xf32>
}
