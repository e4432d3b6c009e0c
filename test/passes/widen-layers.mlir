// widen-layers: int16 results for the layers whose widening lowers the output error most,
// tried worst first by the layer report's layerwise error; LeNet (committed), its digits.
//
// LeNet's candidates are conv1, conv2 and fc1 (the max pools share their input's exponent,
// fc2 is the output: the C interface stays int8). conv2 and fc1 lower the error; conv1 does not.
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,fuse,calibrate{data="%models/digits/calib.npy" method="mse"},widen-layers{data="%models/digits/calib.npy" max_layers=4},pot-scale' | filecheck %s
// CHECK:     quant.conv2d {{.*}}node = "/conv1/Conv"{{.*}}range = array<f64: {{[^>]*}}>} : {{.*}} -> tensor<1x8x8x8x!quant.pot<i8,
// CHECK:     quant.conv2d {{.*}}node = "/conv2/Conv"{{.*}}, wide} : {{.*}} -> tensor<1x16x4x4x!quant.pot<i16,
// CHECK:     quant.gemm {{.*}}node = "/fc1/Gemm"{{.*}}, wide} : {{.*}} -> tensor<1x32x!quant.pot<i16,
// CHECK:     quant.gemm {{.*}}node = "/fc2/Gemm"{{.*}}range = array<f64: {{[^>]*}}>} : {{.*}} -> tensor<1x10x!quant.pot<i8,

// max_layers bounds the count; threshold=0.1 keeps to the layers `qcomp report` flags by
// default, and LeNet has none (its worst layerwise SNR is 35 dB).
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,fuse,calibrate{data="%models/digits/calib.npy" method="mse"},widen-layers{data="%models/digits/calib.npy" max_layers=1}' | filecheck %s --check-prefix=ONE
// ONE:       node = "/conv2/Conv"{{.*}}, wide}
// ONE-NOT:   , wide}
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,fuse,calibrate{data="%models/digits/calib.npy" method="mse"},widen-layers{data="%models/digits/calib.npy" threshold=0.1}' | filecheck %s --check-prefix=NONE
// NONE:      func.func @main
// NONE-NOT:  , wide}

// The shipped mixed_fpga pipeline (int8_fpga, widen-layers, int16 outputs): LeNet's test split,
// SNR against float, beside int8_fpga's (44.46 dB; 41.97 with correct-bias's round-weights off).
// RUN: qcomp eval -q --pipeline int8_fpga %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=INT8
// INT8:      shift executor {{.*}}38.{{[0-9]+}}
// RUN: qcomp eval -q --pipeline mixed_fpga %models/lenet/lenet.onnx --calib %models/digits/calib.npy --data %models/digits/test_x.npy --no-c --no-qdq | filecheck %s --check-prefix=MIXED
// MIXED:     shift executor {{.*}}44.4{{[0-9]+}}

// Without samples it warns once and changes nothing; before calibrate it names the pass; bad options.
// RUN: qcomp-opt %models/lenet/lenet.onnx -p 'simplify,calibrate{data="%models/digits/calib.npy"},widen-layers' 2>&1 >/dev/null | filecheck %s --check-prefix=NODATA
// NODATA:    qcomp: warning: widen-layers: no calibration samples: no layer is widened
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'simplify,widen-layers{data="%models/digits/calib.npy"}' 2>&1 | filecheck %s --check-prefix=NORANGE
// NORANGE:   widen-layers: the module has no calibrated ranges: run calibrate first
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'widen-layers{min_gain=1.5}' 2>&1 | filecheck %s --check-prefix=BADOPT
// BADOPT:    widen-layers: threshold must not be negative and min-gain in [0, 1)

// What the outputs are for (calibrate's `outputs`) is also what the trials measure: the pipeline
// hands it on, as it hands on the samples; search-exponents takes it the same way.
// RUN: sed 's/^      method: mse$/      method: mse\n      outputs: sigmoid/' %repo/pipelines/mixed_fpga.yaml > %t.sigmoid.yaml
// RUN: qcomp --pipeline %t.sigmoid.yaml --calib %models/digits/calib.npy --print-pipeline | filecheck %s --check-prefix=OUTPUTS
// OUTPUTS:   widen-layers{data="{{.*}}calib.npy" quantize="pot-scale{unsigned=true wide_outputs=true}" max_layers=4 tries=16 outputs="sigmoid"}
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'widen-layers{outputs="argmax"}' 2>&1 | filecheck %s --check-prefix=BADOUT
// RUN: not qcomp-opt %models/lenet/lenet.onnx -p 'search-exponents{outputs="argmax"}' 2>&1 | filecheck %s --check-prefix=BADOUT-SE
// BADOUT:    widen-layers: outputs='argmax' must be one of values, sigmoid, softmax
// BADOUT-SE: search-exponents: outputs='argmax' must be one of values, sigmoid, softmax
