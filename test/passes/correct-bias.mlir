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

// int8_fpga runs it; the test split's SNR (shift executor against float) with and without it:
// LeNet 36.88 -> 38.06 dB, ResNet 33.40 -> 37.30 dB. Each pipeline quantizes as its own
// pot-scale: the loader fills in `quantize`.
// RUN: qcomp --pipeline int8_fpga --calib %models/digits/calib.npy --print-pipeline | filecheck %s --check-prefix=SPEC
// SPEC: fit-to-grid,correct-bias{data="{{.*}}calib.npy" quantize="pot-scale{unsigned=true}"},pot-scale{unsigned=true},
// RUN: sed 's/^  - pot-scale:/  - pot-scale:\n      weights: per-channel/' %repo/pipelines/int8_fpga.yaml > %t/pc.yaml
// RUN: qcomp --pipeline %t/pc.yaml --calib %models/digits/calib.npy --print-pipeline | filecheck %s --check-prefix=SPEC-PC
// SPEC-PC: correct-bias{data="{{.*}}calib.npy" quantize="pot-scale{weights=\"per-channel\" unsigned=true}"},pot-scale{weights="per-channel" unsigned=true}
// A pipeline whose calibrate names its own samples gives them to correct-bias too (the API, no CLI).
// RUN: sed 's|^      method: mse$|      method: mse\n      data: %t/half.npy|' %repo/pipelines/int8_fpga.yaml > %t/own.yaml
// RUN: qcomp --pipeline %t/own.yaml --print-pipeline | filecheck %s --check-prefix=OWN
// OWN: correct-bias{data="{{.*}}half.npy" quantize="pot-scale{unsigned=true}"}
// RUN: sed '/^  - correct-bias$/d' %repo/pipelines/int8_fpga.yaml > %t/nobc.yaml
// RUN: qcomp eval -q --pipeline %t/nobc.yaml %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=LENET-NOBC
// LENET-NOBC: shift executor {{.*}}36.8{{[0-9]}}
// RUN: qcomp eval -q --pipeline int8_fpga %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=LENET
// LENET: shift executor {{.*}}38.0{{[0-9]}}
// RUN: qcomp eval -q --pipeline %t/nobc.yaml %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET-NOBC
// RESNET-NOBC: shift executor {{.*}}33.4{{[0-9]}}
// RUN: qcomp eval -q --pipeline int8_fpga %models/resnet/resnet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=RESNET
// RESNET: shift executor {{.*}}37.3{{[0-9]}}

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
