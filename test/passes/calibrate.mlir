// RUN: %python -c "import numpy as np; np.save('%t.npy', np.array([[-1, 0.5, 2, 0.25], [0, -0.5, 1, 3], [0.125, 0, 0, 0]], np.float32))"
// RUN: %python -c "import numpy as np; v = np.linspace(-1, 1, 4095); np.save('%t.out.npy', np.append(v, 4.0).reshape(1024, 4).astype(np.float32))"
// RUN: %python -c "import numpy as np; np.save('%t.exp.npy', np.random.default_rng(0).exponential(1.0, (4096, 4)).astype(np.float32))"
// RUN: %python -c "import numpy as np; np.save('%t.bad.npy', np.zeros((10, 3, 8, 8), np.float32)); np.save('%t.int.npy', np.zeros((10, 4), np.int64))"
// RUN: qcomp-opt %s -p 'calibrate{data="%t.npy" method="minmax" batch_size=2}' | filecheck %s
// RUN: qcomp-opt %s -p 'calibrate{data="%t.out.npy" method="minmax"}' | filecheck %s --check-prefix=OUTMINMAX
// RUN: qcomp-opt %s -p 'calibrate{data="%t.out.npy" method="mse"}' | filecheck %s --check-prefix=MSE
// RUN: qcomp-opt %s -p 'calibrate{data="%t.out.npy" method="percentile" percentile=75.0}' | filecheck %s --check-prefix=PCT
// RUN: qcomp-opt %s -p 'calibrate{data="%t.exp.npy" method="kl"}' | filecheck %s --check-prefix=KL
// RUN: qcomp-opt %s -p 'calibrate{data="%t.exp.npy" method="minmax" max_samples=16}' | filecheck %s --check-prefix=MAXS
// RUN: qcomp-opt %s -p 'calibrate{data="%t.bad.npy"}' --verify-diagnostics | filecheck %s --check-prefix=SHAPE
// RUN: qcomp-opt %s -p 'calibrate{data="%t.int.npy"}' --verify-diagnostics | filecheck %s --check-prefix=DTYPE
// RUN: qcomp-opt %s -p 'calibrate{data="%t.missing.npy"}' --verify-diagnostics | filecheck %s --check-prefix=MISSING
// RUN: qcomp-opt %s -p 'calibrate{data="%t.npy"}' | filecheck %s --check-prefix=FUSED

// minmax: exact ranges, batched over 2 + 1 samples. Input [-1, 3]; relu [0, 3].
// Constants get no range. With the FUSED prefix, the gemm 2 * relu(x) carries a fused clamp act_max = 4
// (as after `fuse`), so its range is the clamped one, [0, 4] (docs/quantization.md: the
// range of a fused op is the activation's output; the float executor must apply
// act_min/act_max); then add x + min(2 * relu(x), 4) is in [-1, 7].

// CHECK-LABEL: func.func @main
// CHECK-SAME:    arg_ranges = [array<f64: -1.000000e+00, 3.000000e+00>]
// CHECK:         quant.relu {{.*}}range = array<f64: 0.000000e+00, 3.000000e+00>
// CHECK:         quant.constant dense<{{.*}}> : tensor<4x4xf32> {node = "fc.weight"}{{$}}
// FUSED:         quant.gemm {{.*}}range = array<f64: 0.000000e+00, 4.000000e+00>
// FUSED:         quant.add {{.*}}range = array<f64: -1.000000e+00, 7.000000e+00>

// One outlier (4.0) among 4095 values in [-1, 1]: minmax keeps it (exponent -4, step 1/16);
// mse clips it to 127 * 2^-5 = 3.96875 (step 1/32 for everything else) on the input and
// on the relu output; percentile 75 gives the quartiles.
// OUTMINMAX:   arg_ranges = [array<f64: -1.000000e+00, 4.000000e+00>]
// MSE:         arg_ranges = [array<f64: -1.000000e+00, 3.968750e+00>]
// MSE:         quant.relu {{.*}}range = array<f64: 0.000000e+00, 3.968750e+00>
// PCT:         arg_ranges = [array<f64: -{{(5.000000e-01|0.50[0-9]*|0.49[0-9]*)}}, {{(5.000000e-01|0.50[0-9]*|0.49[0-9]*)}}>]
// PCT:         quant.relu {{.*}}range = array<f64: 0.000000e+00, {{(5.000000e-01|0.50[0-9]*|0.49[0-9]*)}}>

// kl on exponential data: the sparse tail is clipped (the maximum is 9.23); max_samples
// keeps the first 16 samples only (their maximum is 6.06).
// KL:          arg_ranges = [array<f64: {{.*}}, 8.{{[0-9]*}}>]
// MAXS:        arg_ranges = [array<f64: 0.00128{{[0-9]*}}, 6.05775{{[0-9]*}}>]

// SHAPE:       calibrate: calibration data '{{.*}}.bad.npy' has shape (10, 3, 8, 8) but input 'input' needs (N, 4) float32
// DTYPE:       calibrate: calibration data '{{.*}}.int.npy' has dtype int64 but input 'input' needs (N, 4) float32
// MISSING:     calibrate: calibration data '{{.*}}.missing.npy' not found

func.func @main(%input: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %r = quant.relu %input {node = "relu"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = quant.constant dense<[[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]]> : tensor<4x4xf32> {node = "fc.weight"}
  %g = quant.gemm %r, %w {node = "fc", act_max = 4.0 : f32} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %a = quant.add %input, %g {node = "add"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %a : tensor<1x4xf32>
}
