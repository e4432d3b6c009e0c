// `search-exponents`: the greedy per-layer exponent search by the network's output error.

// On LeNet calibrated with minmax, moving conv1's exponent one step finer (clipping its largest
// outputs) lowers the logits' error on the calibration samples, and the search keeps it; on the
// test split the shift executor's SNR then rises from minmax's 34.31 dB to 34.75 (what mse gets).
// With mse every one-step move raises the error: the search changes nothing.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(0).uniform(-1, 1, (32, 16)).astype(np.float32))"
// RUN: qcomp-opt %s -p 'search-exponents{data="%t/x.npy"}' | filecheck %s --check-prefix=ARG
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'set-target{hardware="fpga"},simplify,fuse,calibrate{data="%models/digits/calib.npy" method="minmax"},search-exponents{data="%models/digits/calib.npy" samples=32}' -o %t/minmax.mlir
// RUN: filecheck %s --check-prefix=MINMAX --input-file %t/minmax.mlir
// MINMAX:     node = "/conv1/Conv"{{.*}}exp_search = -1
// MINMAX-NOT: exp_search
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'set-target{hardware="fpga"},simplify,fuse,calibrate{data="%models/digits/calib.npy" method="mse"},search-exponents{data="%models/digits/calib.npy" samples=32}' | filecheck %s --check-prefix=MSE
// MSE:     quant.gemm
// MSE-NOT: exp_search

// The CLI gives it --calib like calibrate; the test split's SNR, minmax without and with the search.
// (int8_fpga with minmax, signed activations and without the passes that rescale weights and correct
// biases; with int8_fpga's uint8 ReLU outputs the search moves nothing on LeNet: 36.27 dB either way.)
// RUN: sed -e 's/method: mse/method: minmax/' -e 's/unsigned: true/unsigned: false/' -e '/^  - equalize-layers$/d' -e '/^  - fit-to-grid$/d' -e '/^  - correct-bias:$/,+1d' %repo/pipelines/int8_fpga.yaml > %t/mm.yaml
// RUN: sed 's/^  - pot-scale:/  - search-exponents\n  - pot-scale:/' %t/mm.yaml > %t/mms.yaml
// RUN: qcomp --pipeline %t/mms.yaml --calib %models/digits/calib.npy --print-pipeline | filecheck %s --check-prefix=SPEC
// SPEC: calibrate{data="{{.*}}calib.npy"},search-exponents{data="{{.*}}calib.npy" quantize="pot-scale"},pot-scale
// RUN: qcomp eval -q --pipeline %t/mm.yaml %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=NO-SEARCH
// RUN: qcomp eval -q --pipeline %t/mms.yaml %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=SEARCH
// NO-SEARCH: shift executor {{.*}}34.31
// SEARCH:    shift executor {{.*}}34.75

// Without samples it says so and changes nothing; before calibrate it fails naming the pass.
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,calibrate{data="%models/digits/calib.npy"},search-exponents' 2>&1 >/dev/null | filecheck %s --check-prefix=NODATA
// NODATA: qcomp: warning: search-exponents: no calibration samples: the exponents are not searched
// After data-free calibration the driver's own warning asks for samples: nothing more is said.
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,calibrate{method="data-free"},search-exponents' -o %t/df.mlir 2>&1 | filecheck %s --check-prefix=QUIET --allow-empty
// QUIET-NOT: warning
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'simplify,search-exponents{data="%models/digits/calib.npy"}' 2>&1 | filecheck %s --check-prefix=NORANGE
// NORANGE: search-exponents: the module has no calibrated ranges: run calibrate first

// The function below: its argument was calibrated to [-8, 8] but the samples lie in [-1, 1];
// one step finer (range [-4, 4]) quarters the input's rounding error and the search keeps it.
// The add's range fits its values: neither move helps, it is left alone.
// ARG:     func.func @main{{.*}}arg_ranges = [array<f64: -4.000000e+00, 4.000000e+00>], arg_exp_search = array<i64: -1>
// ARG-NOT: exp_search
func.func @main(%x: tensor<1x16xf32>) -> tensor<1x16xf32> attributes {arg_ranges = [array<f64: -8.0, 8.0>]} {
  %y = quant.add %x, %x {node = "double", range = array<f64: -2.0, 2.0>} : (tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<1x16xf32>
  func.return %y : tensor<1x16xf32>
}
