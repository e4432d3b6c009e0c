// calibrate{method=mse}: a tensor is judged by the error after the functions that read it
// (`consumer_aware`, on by default), and the function results by what `outputs` says they are for.
//
// The data is a detector's head: 3000 logits in [-3, 3] around the decision boundary 0 and
// 1000 far below it, down to -340. The tensor's own squared error wants every one of them on
// the grid (step 4: everything near the boundary becomes 0, 4 or -4); after a sigmoid the tail
// is worth nothing, so the grid goes where the decision is made.
//
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); v = np.concatenate([r.uniform(-3, 3, 3000), r.uniform(-340, -10, 1000)]); r.shuffle(v); np.save('%t.npy', v.reshape(1000, 4).astype(np.float32))"
// RUN: qcomp-opt %s -p 'calibrate{data="%t.npy" method="mse"},pot-scale' | filecheck %s
// RUN: qcomp-opt %s -p 'calibrate{data="%t.npy" method="mse" consumer_aware=false},pot-scale' | filecheck %s --check-prefix=OWN
// RUN: qcomp-opt %s -p 'calibrate{data="%t.npy" method="mse" outputs="sigmoid"}' | filecheck %s --check-prefix=SIG
// RUN: qcomp-opt %s -p 'calibrate{data="%t.npy" method="mse" outputs="softmax"}' | filecheck %s --check-prefix=SMX
// RUN: not qcomp-opt %s -p 'calibrate{data="%t.npy" method="mse" outputs="argmax"}' 2>&1 | filecheck %s --check-prefix=BAD

// By default: `score` feeds only a sigmoid: clipped at -8, exponent -4 (step 1/16 instead of 4).
// `logits` is a result, judged by its own error: the whole range, exponent 2. `cls` feeds a
// softmax over pairs through a reshape: a pair far in the tail, (-300, -200), is (0, 1) after
// the softmax, so clipping both to -32 would make it (0.5, 0.5): -128 is where it stops.
// `mixed` is read by a sigmoid and by an add: its own error counts, the whole range stays.
// CHECK:      %score = quant.gemm {{.*}}range = array<f64: -8.000000e+00, 2.99{{[0-9]*}}>} {{.*}} -> tensor<1x4x!quant.pot<i8, -4>>
// CHECK:      %logits = quant.gemm {{.*}}range = array<f64: -339.9{{[0-9]*}}, 2.99{{[0-9]*}}>} {{.*}} -> tensor<1x4x!quant.pot<i8, 2>>
// CHECK:      %cls = quant.gemm {{.*}}range = array<f64: -1.280000e+02, 2.99{{[0-9]*}}>}
// CHECK:      %mixed = quant.gemm {{.*}}range = array<f64: -339.9{{[0-9]*}}, 2.99{{[0-9]*}}>}

// Without it, every tensor by its own error: the sigmoid's input gets step 4 as well.
// OWN:        %score = quant.gemm {{.*}}range = array<f64: -339.9{{[0-9]*}}, 2.99{{[0-9]*}}>} {{.*}} -> tensor<1x4x!quant.pot<i8, 2>>
// OWN:        %cls = quant.gemm {{.*}}range = array<f64: -339.9{{[0-9]*}}, 2.99{{[0-9]*}}>}

// outputs=sigmoid (thresholded logits): `logits` like `score`; the results that are already
// probabilities (the softmax's, returned through a reshape) keep their own error; the add `ma`
// is a result too.
// SIG:        %logits = quant.gemm {{.*}}range = array<f64: -8.000000e+00, 2.99{{[0-9]*}}>}
// SIG:        %sm = quant.softmax {{.*}}range = array<f64: 0.000000e+00, 1.000000e+00>}
// SIG:        %ma = quant.add {{.*}}range = array<f64: -8.000000e+00, 3.94{{[0-9]*}}>}

// outputs=softmax (class logits, the last axis): only a row whose four logits all lie in the
// tail (4 of 1000) is hurt by clipping the tail (its softmax is set by their differences): -32.
// SMX:        %logits = quant.gemm {{.*}}range = array<f64: -3.200000e+01, 2.99{{[0-9]*}}>}
// SMX:        %sm = quant.softmax {{.*}}range = array<f64: 0.000000e+00, 1.000000e+00>}

// BAD:        calibrate: outputs='argmax' must be one of values, sigmoid, softmax

// What search-exponents and widen-layers measure each result by (calibrate.output_functions):
// with outputs=sigmoid the logits and the add after a sigmoid, the probabilities (the sigmoid's,
// and the softmax's returned through a reshape) by their own error.
// RUN: %python -c "import sys; from xdsl.parser import Parser; from qcomp.context import make_context; from qcomp.passes.calibrate import find_function, output_functions; m = Parser(make_context(), open(sys.argv[1]).read()).parse_module(); print('sigmoid after', [g is not None for g in output_functions(find_function(m), 'sigmoid')]); print('values after', [g is not None for g in output_functions(find_function(m), 'values')])" %s | filecheck %s --check-prefix=FNS
// FNS:        sigmoid after [False, True, False, True]
// FNS:        values after [False, False, False, False]

func.func @main(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %w = quant.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32> {node = "w"}
  %score = quant.gemm %x, %w {node = "score"} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %prob = quant.sigmoid %score {node = "prob"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %logits = quant.gemm %x, %w {node = "logits"} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %cls = quant.gemm %x, %w {node = "cls"} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %rs = quant.reshape %cls {node = "rs"} : (tensor<1x4xf32>) -> tensor<1x2x2xf32>
  %sm = quant.softmax %rs {node = "sm", axis = 2 : i64} : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %smr = quant.reshape %sm {node = "smr"} : (tensor<1x2x2xf32>) -> tensor<1x4xf32>
  %mixed = quant.gemm %x, %w {node = "mixed"} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %ms = quant.sigmoid %mixed {node = "ms"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %ma = quant.add %ms, %mixed {node = "ma"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %prob, %logits, %smr, %ma : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
