// correct-bias.mlir's round-weights case: three weights 0.3 whose inputs are always equal.
func.func @main(%x: tensor<1x3xf32>) -> tensor<1x1xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<0.3> : tensor<3x1xf32> {node = "fc.weight"}
  %y = quant.gemm %x, %w {node = "fc", range = array<f64: 0.0, 1.0>} : (tensor<1x3xf32>, tensor<3x1xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}
