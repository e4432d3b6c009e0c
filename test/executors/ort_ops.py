# REQUIRES: onnxruntime
# RUN: %python %s | filecheck %s
"""The trickiest ONNX semantics, checked against onnxruntime node by node.

Each case is one ONNX node run by onnxruntime and the matching quant op (written directly
as IR text, so the importer is not involved) run by QuantExecutor on the same random
input; it prints `<case> ok max_err=<e>` with e = max|y - ort| / max(1, max|ort|), or FAIL.
The result type is the shape onnxruntime actually returns: for ceil-mode pools whose last
window would start in the end padding (pool 2 and 4 below), ONNX shape inference (onnx
1.23) predicts one more row/column than onnxruntime computes; the quant dialect
(`window_out`) and the executor follow onnxruntime (and PyTorch) and drop that window.
"""

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.parser import Parser

from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.dialects.quant import Quant
from qcomp.executors.quant import QuantExecutor
from qcomp.testing import verdict

CTX = Context()
for d in (Builtin, Func, Quant):
    CTX.load_dialect(d)
RNG = np.random.default_rng(3)
TOL = 1e-5


def ttype(shape):
    return "tensor<" + "".join(f"{s}x" for s in shape) + "f32>"


def arr(vals):
    return "array<i64: " + ", ".join(map(str, vals)) + ">"


def ort_run(op_type, x, consts, attrs, opset=13):
    """Run one ONNX node on input x (consts become initializers); returns its output."""
    names = ["x", *consts]
    node = helper.make_node(op_type, names, ["y"], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    opts = ort.SessionOptions()
    opts.log_severity_level = 3  # ONNX shape inference mis-sizes some ceil-mode pools (see above)
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def case(label, op_type, x, consts, onnx_attrs, qop, qattrs, opset=13):
    ref = ort_run(op_type, x, consts, onnx_attrs, opset)
    lines = [f"  %{k} = quant.constant {format_dense(dense_from_numpy(v))} : {ttype(v.shape)}"
             for k, v in consts.items()]
    operands = ["x", *consts]
    in_types = ", ".join(ttype(({"x": x, **consts})[o].shape) for o in operands)
    attr_text = f" {{{qattrs}}}" if qattrs else ""
    lines.append(f"  %y = quant.{qop} {', '.join('%' + o for o in operands)}{attr_text} : ({in_types}) -> "
                 f"{ttype(ref.shape)}")
    src = (f"func.func @main(%x: {ttype(x.shape)}) -> {ttype(ref.shape)} {{\n" + "\n".join(lines)
           + f"\n  func.return %y : {ttype(ref.shape)}\n}}")
    module = Parser(CTX, src).parse_module()
    module.verify()
    (y,) = QuantExecutor(module).run([x], batched=False)
    err = float(np.max(np.abs(y - ref))) / max(1.0, float(np.max(np.abs(ref))))
    ok = y.shape == ref.shape and err <= TOL
    print(f"{label} {verdict(ok)} max_err={err:.1e}" + ("" if ok else f" {y.shape} vs {ref.shape}"))


x = RNG.standard_normal((2, 3, 11, 10)).astype(np.float32)

# Pooling: kernel, strides, pads (ONNX order: begins then ends), ceil_mode, and for
# MaxPool dilations; AveragePool with and without count_include_pad.
pools = [((3, 3), (2, 2), (1, 1, 1, 1), 1), ((3, 3), (2, 2), (0, 0, 0, 0), 1), ((2, 3), (3, 2), (1, 0, 1, 2), 1),
         ((3, 2), (2, 3), (2, 1, 0, 1), 0), ((4, 4), (3, 3), (1, 2, 2, 1), 1), ((2, 2), (1, 1), (1, 1, 1, 1), 0)]
for i, (k, s, p, ceil) in enumerate(pools):
    onnx_pads = [p[0], p[1], p[2], p[3]]  # ONNX: [h_begin, w_begin, h_end, w_end] = ours [t, l, b, r]
    qa = f"kernel = {arr(k)}, strides = {arr(s)}, pads = {arr(p)}" + (", ceil_mode = 1 : i64" if ceil else "")
    base = dict(kernel_shape=list(k), strides=list(s), pads=onnx_pads, ceil_mode=ceil)
    case(f"maxpool_{i}", "MaxPool", x, {}, base, "maxpool", qa)
    case(f"avgpool_{i}", "AveragePool", x, {}, base, "avgpool", qa)
    case(f"avgpool_incl_{i}", "AveragePool", x, {}, {**base, "count_include_pad": 1}, "avgpool",
         qa + ", count_include_pad = 1 : i64")
for i, (k, s, p, dl, ceil) in enumerate([((3, 3), (1, 1), (2, 2, 2, 2), (2, 2), 0),
                                         ((2, 3), (2, 2), (1, 0, 1, 1), (3, 2), 1),
                                         ((3, 2), (3, 1), (0, 1, 2, 1), (2, 3), 1)]):
    case(f"maxpool_dilated_{i}", "MaxPool", x, {},
         dict(kernel_shape=list(k), strides=list(s), pads=list(p), dilations=list(dl), ceil_mode=ceil),
         "maxpool", f"kernel = {arr(k)}, strides = {arr(s)}, pads = {arr(p)}, dilations = {arr(dl)}"
         + (", ceil_mode = 1 : i64" if ceil else ""))

# Convolution: groups, depthwise, dilation, asymmetric pads, strides.
for i, (o, g, k, s, p, dl) in enumerate([(4, 1, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
                                         (6, 3, (3, 2), (2, 1), (0, 1, 2, 0), (1, 2)),
                                         (6, 3, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),
                                         (3, 3, (5, 5), (1, 1), (4, 4, 4, 4), (2, 2)),
                                         (5, 1, (1, 1), (2, 2), (0, 0, 1, 1), (1, 1))]):
    w = RNG.standard_normal((o, 3 // g, *k)).astype(np.float32)
    b = RNG.standard_normal(o).astype(np.float32)
    case(f"conv_{i}", "Conv", x, {"w": w, "b": b},
         dict(kernel_shape=list(k), strides=list(s), pads=list(p), dilations=list(dl), group=g),
         "conv2d", f"pads = {arr(p)}, strides = {arr(s)}, dilations = {arr(dl)}, group = {g} : i64")

# Gemm alpha/beta/transposes and C broadcasting; MatMul broadcasting.
a2 = RNG.standard_normal((4, 5)).astype(np.float32)
for i, (ta, tb, alpha, beta, cshape) in enumerate([(0, 0, 1.0, 1.0, (3,)), (1, 0, 0.5, 2.0, (5, 3)),
                                                   (0, 1, 1.5, -1.0, (1, 3)), (1, 1, 2.0, 0.25, (5, 1))]):
    bm = RNG.standard_normal((3, 4) if tb else (4, 3)).astype(np.float32)
    c = RNG.standard_normal(cshape).astype(np.float32)
    xa = a2 if ta else a2.T.copy()
    case(f"gemm_{i}", "Gemm", xa, {"b": bm, "c": c}, dict(alpha=alpha, beta=beta, transA=ta, transB=tb),
         "gemm", f"alpha = {alpha:e} : f32, beta = {beta:e} : f32, trans_a = {ta} : i64, trans_b = {tb} : i64")
for i, (xs, bs) in enumerate([((2, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 2)), ((4,), (4, 3)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (4, 2))]):
    xm = RNG.standard_normal(xs).astype(np.float32)
    case(f"matmul_{i}", "MatMul", xm, {"b": RNG.standard_normal(bs).astype(np.float32)}, {}, "matmul", "")

# Softmax axes (opset 13), HardSigmoid, HardSwish, LeakyRelu, BatchNormalization.
for ax in (-1, 1, 2, 0):
    case(f"softmax_{ax}", "Softmax", x, {}, dict(axis=ax), "softmax", f"axis = {ax} : i64")
case("hard_sigmoid", "HardSigmoid", x, {}, dict(alpha=0.3, beta=0.6), "hard_sigmoid",
     "alpha = 3.000000e-01 : f32, beta = 6.000000e-01 : f32")
case("hard_swish", "HardSwish", x * 4, {}, {}, "hard_swish", "", opset=14)
case("leaky_relu", "LeakyRelu", x, {}, dict(alpha=0.2), "leaky_relu", "alpha = 2.000000e-01 : f32")
case("sigmoid", "Sigmoid", x * 20, {}, {}, "sigmoid", "")
case("neg", "Neg", x, {}, {}, "neg", "")
# Activations lowered to tables: the float functions against onnxruntime (opset 18 for Mish).
for label, op, onnx_attrs, qattrs in [
        ("abs", "Abs", {}, ""), ("elu", "Elu", dict(alpha=0.7), "alpha = 7.000000e-01 : f32"),
        ("selu", "Selu", dict(alpha=1.5, gamma=1.1), "alpha = 1.500000e+00 : f32, gamma = 1.100000e+00 : f32"),
        ("celu", "Celu", dict(alpha=0.8), "alpha = 8.000000e-01 : f32"), ("softplus", "Softplus", {}, ""),
        ("softsign", "Softsign", {}, ""),
        ("thresholded_relu", "ThresholdedRelu", dict(alpha=0.3), "alpha = 3.000000e-01 : f32"),
        ("mish", "Mish", {}, "")]:
    case(label, op, x * 4, {}, onnx_attrs, label, qattrs, opset=18)
for size in (1, 3, 5):
    case(f"lrn_{size}", "LRN", x * 3, {}, dict(size=size, alpha=0.4, beta=0.75, bias=1.5), "lrn",
         f"size = {size} : i64, alpha = 4.000000e-01 : f32, beta = 7.500000e-01 : f32, bias = 1.500000e+00 : f32")
bn = {k: RNG.standard_normal(3).astype(np.float32) for k in ("s", "b", "m")}
bn["v"] = RNG.uniform(0.1, 2.0, 3).astype(np.float32)
case("batch_norm", "BatchNormalization", x, bn, dict(epsilon=1e-3), "batch_norm", "epsilon = 1.000000e-03 : f32")
# PRelu (per-channel and full slopes), Max / Min with a broadcast constant operand, and Slice (its
# bounds are inputs for onnxruntime, normalised attributes of quant.slice).
case("prelu_channel", "PRelu", x, {"s": RNG.uniform(-1, 2, (3, 1, 1)).astype(np.float32)}, {}, "prelu", "")
case("prelu_full", "PRelu", x, {"s": RNG.uniform(-1, 2, (3, 11, 10)).astype(np.float32)}, {}, "prelu", "")
case("max_const", "Max", x, {"k": RNG.standard_normal((1, 3, 1, 10)).astype(np.float32)}, {}, "max", "")
case("min_const", "Min", x, {"k": RNG.standard_normal((11, 1)).astype(np.float32)}, {}, "min", "")
for i, (st, en, ax, sp, qs, qe, qp) in enumerate([
        ([1, -1], [3, -12], [1, 3], [1, -3], [0, 1, 0, 9], [2, 3, 11, -1], [1, 1, 1, -3]),
        ([-100, 2], [100, 9], [0, 2], [1, 2], [0, 0, 2, 0], [2, 3, 9, 10], [1, 1, 2, 1])]):
    i64 = np.int64
    bounds = {"st": np.array(st, i64), "en": np.array(en, i64), "ax": np.array(ax, i64), "sp": np.array(sp, i64)}
    ref = ort_run("Slice", x, bounds, {})
    src = (f"func.func @main(%x: {ttype(x.shape)}) -> {ttype(ref.shape)} {{\n"
           f"  %y = quant.slice %x {{starts = {arr(qs)}, ends = {arr(qe)}, steps = {arr(qp)}}} : ({ttype(x.shape)}) -> "
           f"{ttype(ref.shape)}\n  func.return %y : {ttype(ref.shape)}\n}}")
    (got,) = QuantExecutor(Parser(CTX, src).parse_module()).run([x], batched=False)
    print(f"slice_{i} {verdict(got.shape == ref.shape and np.array_equal(got, ref))}")
# CHECK-NOT: FAIL
# CHECK: maxpool_0 ok
# CHECK: avgpool_incl_5 ok
# CHECK: maxpool_dilated_2 ok
# CHECK: conv_4 ok
# CHECK: gemm_3 ok
# CHECK: matmul_4 ok
# CHECK: softmax_0 ok
# CHECK: neg ok
# CHECK: abs ok
# CHECK: elu ok
# CHECK: selu ok
# CHECK: celu ok
# CHECK: softplus ok
# CHECK: softsign ok
# CHECK: thresholded_relu ok
# CHECK: mish ok
# CHECK: lrn_5 ok
# CHECK: batch_norm ok
# CHECK: prelu_full ok
# CHECK: min_const ok
# CHECK: slice_1 ok
