// `correct-bias`: the mean pre-activation error per output channel, float network minus the
// quantized one on the calibration samples, folded into the bias.

// Every sample is x = 0.5 (on the input grid 2^-6: exact). The weights 0.3 get the exponent -8
// and become 77 * 2^-8 = 0.30078125, so each output is 4 * 0.5 * 0.30078125 = 0.6015625 instead
// of 0.6 (float32's 0.3 is 0.30000001): the error is -0.0015625 on every sample (no noise, no
// shrinking), and the gemm, which had no bias, gets one of -0.0015625: 0.1 of its output step 2^-6.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/half.npy', np.full((8, 4), 0.5, np.float32))"
// RUN: qcomp-opt %s -p 'set-target{hardware="fpga"},correct-bias{data="%t/half.npy"}' | filecheck %s
// CHECK:     %[[B:.*]] = quant.constant dense<-0.00156247{{[0-9]*}}> : tensor<2xf32> {node = "fc.bias"}
// CHECK:     quant.gemm %x, %{{.*}}, %[[B]] {node = "fc", range = array<f64: 0.000000e+00, 1.000000e+00>, bias_correction = 0.0999{{[0-9]*}} : f64}
// After pot-scale the bias is -0.0015625 * 2^14 = -25.6 -> -26 on the accumulator's grid 2^(-6 - 8).
// RUN: qcomp-opt %s -p 'set-target{hardware="fpga"},correct-bias{data="%t/half.npy"},pot-scale' | filecheck %s --check-prefix=POT
// POT: quant.constant dense<-26> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -14>> {node = "fc.bias"}
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xf32> attributes {arg_ranges = [array<f64: -1.0, 1.0>]} {
  %w = quant.constant dense<0.3> : tensor<4x2xf32> {node = "fc.weight"}
  %y = quant.gemm %x, %w {node = "fc", range = array<f64: 0.0, 1.0>} : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// round-weights: GPTQ rounds each layer's weights by its output error before the bias takes the
// rest. Every sample is x = (0.5, 0.5, 0.5) (Inputs/correlated-gemm.mlir): the three inputs are one.
// The weights 0.3 are 76.8 steps of 2^-8 each; nearest rounding makes each 77, an output of 231
// steps * 0.5 for 230.4. GPTQ rounds the first to 77 and moves its error onto the two after it,
// which it then rounds to 77 and 76: 230 steps, an output error of 0.4 steps instead of 0.6,
// (0.4 / 0.6)^2 = 0.444 of it. The bias takes the remaining 0.5 * 0.4 * 2^-8 = 0.00078125 (0.05 of
// the output step 2^-6; pot-scale stores 12.8 -> 13 on 2^-14), and pot-scale keeps the weights.
// RUN: %python -c "import numpy as np; np.save('%t/half3.npy', np.full((8, 3), 0.5, np.float32))"
// RUN: qcomp-opt %S/Inputs/correlated-gemm.mlir -p 'set-target{hardware="fpga"},correct-bias{data="%t/half3.npy" round-weights=true}' | filecheck %s --check-prefix=GPTQ
// GPTQ:     %[[W:.*]] = quant.constant dense<{{\[}}[0.30078125], [0.30078125], [0.296875]]> : tensor<3x1xf32> {node = "fc.weight"}
// GPTQ:     %[[B:.*]] = quant.constant dense<[0.00078126{{[0-9]*}}]> : tensor<1xf32> {node = "fc.bias"}
// GPTQ:     quant.gemm %x, %[[W]], %[[B]] {node = "fc", {{.*}}weight_rounding = 0.4444{{[0-9]*}} : f64, bias_correction = 0.0500{{[0-9]*}} : f64}
// RUN: qcomp-opt %S/Inputs/correlated-gemm.mlir -p 'set-target{hardware="fpga"},correct-bias{data="%t/half3.npy" round-weights=true},pot-scale' | filecheck %s --check-prefix=GPTQ-POT
// GPTQ-POT: quant.constant dense<{{\[}}[77], [77], [76]]> : tensor<3x1xi8> -> tensor<3x1x!quant.pot<i8, -8>> {node = "fc.weight"}
// GPTQ-POT: quant.constant dense<[13]> : tensor<1xi32> -> tensor<1x!quant.pot<i32, -14>> {node = "fc.bias"}
// Fewer samples than inputs per output (2 < 3) leave H singular: nearest rounding (GPTQ would fit
// the weights to these two samples only); the bias is corrected as without the option.
// RUN: %python -c "import numpy as np; np.save('%t/two.npy', np.full((2, 3), 0.5, np.float32))"
// RUN: qcomp-opt %S/Inputs/correlated-gemm.mlir -p 'set-target{hardware="fpga"},correct-bias{data="%t/two.npy" round-weights=true}' | filecheck %s --check-prefix=FEW
// FEW:     quant.constant dense<0.30000001192092896> : tensor<3x1xf32>
// FEW-NOT: weight_rounding
// Convolutions, depthwise ones included, are checked numerically: correct_bias_numeric.py.

// int8_fpga runs it with round-weights; the test split's SNR (shift executor against float)
// without the pass, with it and nearest rounding, and as shipped: LeNet 36.88 -> 38.06 -> 38.09 dB,
// ResNet 33.40 -> 37.30 -> 37.38; with per-channel weights ResNet 37.49 -> 38.10. Each pipeline
// quantizes as its own pot-scale: the loader fills in `quantize`.
// RUN: qcomp --pipeline int8_fpga --calib %models/digits/calib.npy --print-pipeline | filecheck %s --check-prefix=SPEC
// SPEC: fit-to-grid,correct-bias{data="{{.*}}calib.npy" quantize="pot-scale{unsigned=true}" round_weights=true},pot-scale{unsigned=true},
// RUN: sed 's/^  - pot-scale:/  - pot-scale:\n      weights: per-channel/' %repo/pipelines/int8_fpga.yaml > %t/pc.yaml
// RUN: qcomp --pipeline %t/pc.yaml --calib %models/digits/calib.npy --print-pipeline | filecheck %s --check-prefix=SPEC-PC
// SPEC-PC: correct-bias{data="{{.*}}calib.npy" quantize="pot-scale{weights=\"per-channel\" unsigned=true}" round_weights=true},pot-scale{weights="per-channel" unsigned=true}
// A pipeline whose calibrate names its own samples gives them to correct-bias too (the API, no CLI).
// RUN: sed 's|^      method: mse$|      method: mse\n      data: %t/half.npy|' %repo/pipelines/int8_fpga.yaml > %t/own.yaml
// RUN: qcomp --pipeline %t/own.yaml --print-pipeline | filecheck %s --check-prefix=OWN
// OWN: correct-bias{data="{{.*}}half.npy" quantize="pot-scale{unsigned=true}" round_weights=true}
// RUN: sed '/^  - correct-bias:$/,+1d' %repo/pipelines/int8_fpga.yaml > %t/nobc.yaml
// RUN: sed 's/round-weights: true/round-weights: false/' %repo/pipelines/int8_fpga.yaml > %t/nearest.yaml
// RUN: sed 's/round-weights: true/round-weights: false/' %t/pc.yaml > %t/pc-nearest.yaml
// RUN: qcomp eval -q --pipeline %t/nobc.yaml %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=LENET-NOBC
// LENET-NOBC: shift executor {{.*}}36.88
// RUN: qcomp eval -q --pipeline %t/nearest.yaml %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=LENET-NEAREST
// LENET-NEAREST: shift executor {{.*}}38.06
// RUN: qcomp eval -q --pipeline int8_fpga %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=LENET
// LENET: shift executor {{.*}}38.09
// RUN: qcomp eval -q --pipeline %t/nobc.yaml %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET-NOBC
// RESNET-NOBC: shift executor {{.*}}33.40
// RUN: qcomp eval -q --pipeline %t/nearest.yaml %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET-NEAREST
// RESNET-NEAREST: shift executor {{.*}}37.30
// RUN: qcomp eval -q --pipeline int8_fpga %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET
// RESNET: shift executor {{.*}}37.38
// RUN: qcomp eval -q --pipeline %t/pc-nearest.yaml %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET-PC-NEAREST
// RESNET-PC-NEAREST: shift executor {{.*}}37.49
// RUN: qcomp eval -q --pipeline %t/pc.yaml %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET-PC
// RESNET-PC: shift executor {{.*}}38.10

// Without samples it says so and changes nothing; before calibrate it fails naming the pass.
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,calibrate{data="%models/digits/calib.npy"},correct-bias' 2>&1 >/dev/null | filecheck %s --check-prefix=NODATA
// NODATA: qcomp: warning: correct-bias: no calibration samples: the biases are not corrected
// After data-free calibration the driver's own warning asks for samples: nothing more is said.
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,calibrate{method="data-free"},correct-bias' -o %t/df.mlir 2>&1 | filecheck %s --check-prefix=QUIET --allow-empty
// QUIET-NOT: warning
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'simplify,correct-bias{data="%models/digits/calib.npy"}' 2>&1 | filecheck %s --check-prefix=NORANGE
// NORANGE: correct-bias: the module has no calibrated ranges: run calibrate first
// RUN: not qcomp-opt %s -p 'correct-bias{data="%t/half.npy" quantize="pot-scale{weights=\"sideways\"}"}' 2>&1 | filecheck %s --check-prefix=BADQ
// BADQ: correct-bias: quantize='pot-scale{weights="sideways"}': pot-scale: weights='sideways' must be one of per-tensor, per-channel, target
