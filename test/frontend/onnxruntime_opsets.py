# REQUIRES: onnxruntime
# RUN: %python %s %repo | filecheck %s
"""Imported graphs compute what onnxruntime computes, for every op form and opset 9 to 21.

Small graphs per opset exercise the opset-dependent forms (Clip/Pad/Squeeze/Unsqueeze/
ReduceMean attributes vs constant inputs, Softmax's coerce-to-2-D before opset 13), auto_pad,
1-D conv/pool, grouped dilated conv, ceil mode, Sum broadcasting, constant arithmetic; the
exporter probes in test/frontend/Inputs run too. Each is imported, run with the float
executor (unbatched) and compared with onnxruntime at rtol 1e-4, atol 1e-5.
"""

import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from qcomp.executors.quant import run_module
from qcomp.frontend.onnx_import import import_model

rng = np.random.default_rng(0)
checked, bad = 0, 0


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def graph(nodes, inputs, outputs, inits, opset):
    g = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def check(name: str, model: onnx.ModelProto) -> None:
    global checked, bad
    inits = {t.name for t in model.graph.initializer}
    feeds = {i.name: rand(*[d.dim_value or 1 for d in i.type.tensor_type.shape.dim])
             for i in model.graph.input if i.name not in inits}
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
    got = run_module(import_model(model), list(feeds.values()), batched=False)
    ok = len(got) == len(want) and all(
        g.shape == w.shape and np.allclose(g, w, rtol=1e-4, atol=1e-5) for g, w in zip(got, want))
    checked += 1
    bad += not ok
    if not ok:
        print(f"MISMATCH {name}: shapes {[g.shape for g in got]} vs {[w.shape for w in want]}")


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, **attrs)


I64 = np.int64
for op in (9, 10, 11, 12, 13, 14, 17, 18, 19, 21):
    def c(name, nodes, inputs, outputs, inits=None, op=op):
        check(f"{name} (opset {op})", graph(nodes, inputs, outputs, inits or {}, op))

    w, b = rand(4, 3, 3, 3), rand(4)
    c("softmax axis 1 of 4-D", [node("Softmax", ["x"], ["y"], axis=1)], [("x", [2, 3, 4, 5])], ["y"])
    c("softmax default axis", [node("Softmax", ["x"], ["y"])], [("x", [2, 3, 4])], ["y"])
    c("conv SAME_LOWER", [node("Conv", ["x", "w", "b"], ["y"], auto_pad="SAME_LOWER", strides=[2, 2])],
      [("x", [1, 3, 7, 8])], ["y"], {"w": w, "b": b})
    c("conv VALID", [node("Conv", ["x", "w"], ["y"], auto_pad="VALID")], [("x", [1, 3, 7, 8])], ["y"], {"w": w})
    c("conv dilated grouped", [node("Conv", ["x", "w"], ["y"], dilations=[2, 1], group=2, pads=[1, 0, 2, 1])],
      [("x", [1, 4, 9, 8])], ["y"], {"w": rand(6, 2, 3, 2)})
    c("conv 1-D", [node("Conv", ["x", "w", "b"], ["y"], pads=[1, 2], strides=[2])], [("x", [1, 3, 17])], ["y"],
      {"w": rand(4, 3, 3), "b": b})
    c("avgpool 1-D", [node("AveragePool", ["x"], ["y"], kernel_shape=[3], pads=[1, 1], strides=[2],
                           count_include_pad=1)], [("x", [1, 3, 17])], ["y"])
    c("maxpool 1-D", [node("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2])], [("x", [1, 3, 17])], ["y"])
    c("maxpool SAME_UPPER", [node("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], auto_pad="SAME_UPPER",
                                  strides=[2, 2])], [("x", [1, 3, 7, 8])], ["y"])
    ceil = {"ceil_mode": 1} if op >= 10 else {}
    c("avgpool pads (ceil)", [node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                   pads=[1, 0, 0, 1], **ceil)], [("x", [1, 3, 8, 8])], ["y"])
    c("global avgpool", [node("GlobalAveragePool", ["x"], ["y"])], [("x", [1, 3, 5, 4])], ["y"])
    if op < 11:
        c("clip attributes", [node("Clip", ["x"], ["y"], min=0.0, max=6.0)], [("x", [2, 3])], ["y"])
        c("pad attribute", [node("Pad", ["x"], ["y"], pads=[0, 1, 2, 0, 3, 1], value=1.5)], [("x", [2, 3, 4])],
          ["y"])
    else:
        c("clip max only", [node("Clip", ["x", "", "mx"], ["y"])], [("x", [2, 3])], ["y"],
          {"mx": np.float32(0.5)})
        c("clip min only", [node("Clip", ["x", "mn"], ["y"])], [("x", [2, 3])], ["y"], {"mn": np.float32(-0.5)})
        c("pad input", [node("Pad", ["x", "p", "v"], ["y"])], [("x", [2, 3, 4])], ["y"],
          {"p": np.array([0, 1, 2, 0, 3, 1], I64), "v": np.float32(1.5)})
    if op < 13:
        c("unsqueeze/squeeze attributes", [node("Unsqueeze", ["x"], ["u"], axes=[0, 3]),
                                           node("Squeeze", ["u"], ["y"], axes=[0])], [("x", [2, 3, 4])], ["y"])
    else:
        c("unsqueeze/squeeze inputs", [node("Unsqueeze", ["x", "a"], ["u"]), node("Squeeze", ["u"], ["y"])],
          [("x", [2, 3, 4])], ["y"], {"a": np.array([0, -1], I64)})
    if op < 18:
        c("reducemean H,W keepdims 0", [node("ReduceMean", ["x"], ["y"], axes=[-2, -1], keepdims=0)],
          [("x", [1, 3, 4, 5])], ["y"])
        c("reducemean C,W", [node("ReduceMean", ["x"], ["y"], axes=[1, 3])], [("x", [2, 3, 4, 5])], ["y"])
        c("reducemean all", [node("ReduceMean", ["x"], ["y"], keepdims=0)], [("x", [2, 3, 4])], ["y"])
    else:
        c("reducemean H,W input", [node("ReduceMean", ["x", "a"], ["y"])], [("x", [1, 3, 4, 5])], ["y"],
          {"a": np.array([2, 3], I64)})
        c("reducemean N,H keepdims 0", [node("ReduceMean", ["x", "a"], ["y"], keepdims=0)], [("x", [2, 3, 4, 5])],
          ["y"], {"a": np.array([0, 2], I64)})
    c("sum broadcast", [node("Sum", ["x", "y", "z"], ["s"])], [("x", [2, 3]), ("y", [3]), ("z", [4, 1, 1])],
      ["s"])
    c("gemm alpha beta transA", [node("Gemm", ["a", "b", "c"], ["y"], alpha=0.5, beta=2.0, transA=1)],
      [("a", [3, 2])], ["y"], {"b": rand(3, 4), "c": rand(4)})
    c("matmul broadcast", [node("MatMul", ["a", "b"], ["y"])], [("a", [2, 1, 3, 4])], ["y"], {"b": rand(3, 4, 2)})
    c("batchnorm + flatten", [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3),
                              node("Flatten", ["y"], ["z"], axis=-2 if op >= 11 else 2)], [("x", [1, 3, 4, 5])],
      ["z"], {k: np.abs(rand(3)) + 0.5 for k in "sbmv"})
    c("hardsigmoid leakyrelu transpose concat",
      [node("HardSigmoid", ["x"], ["a"], alpha=0.3), node("LeakyRelu", ["x"], ["b"]),
       node("Transpose", ["b"], ["t"]), node("Transpose", ["t"], ["d"], perm=[2, 1, 0]),
       node("Concat", ["a", "d"], ["y"], axis=-1 if op >= 11 else 2)], [("x", [2, 3, 4])], ["y"])
    c("sigmoid tanh relu", [node("Sigmoid", ["x"], ["a"]), node("Tanh", ["a"], ["b"]), node("Relu", ["b"], ["y"])],
      [("x", [2, 3])], ["y"])
    if op >= 14:
        c("hardswish", [node("HardSwish", ["x"], ["y"])], [("x", [2, 3, 4])], ["y"])
    c("constant arithmetic", [node("Constant", [], ["k"], value=numpy_helper.from_array(np.float32(2.0))),
                              node("Mul", ["x", "k"], ["a"]), node("Div", ["a", "w"], ["b"]),
                              node("Sub", ["b", "x"], ["d"]), node("Add", ["d", "w"], ["y"])],
      [("x", [2, 3])], ["y"], {"w": np.array([1.0, 2.0, 4.0], np.float32)})

for path in sorted(glob.glob(os.path.join(sys.argv[1], "test", "frontend", "Inputs", "*.onnx"))):
    check(os.path.basename(path), onnx.load(path))

print(f"checked {checked} graphs against onnxruntime: {bad} mismatches")
sys.exit(1 if bad else 0)

# CHECK-NOT: MISMATCH
# CHECK: checked {{[1-9][0-9]+}} graphs against onnxruntime: 0 mismatches
