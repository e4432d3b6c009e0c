"""Write a small seeded model exercising the selection and slicing ops, with calibration and test
inputs: `select_ops_model.py KIND DIR` -> DIR/KIND.onnx, DIR/calib.npy, DIR/test.npy.

KIND:
  maxmin   Max(conv, 0) (a ReLU), Max of two conv branches on different grids, Min(Max(x, a), b)
           with constants (a Clip), Max with a per-channel constant, Min of three activations;
  prelu    PRelu with a per-channel (C,1,1) slope (also negative and > 1), with a scalar slope
           (a LeakyRelu) and on a 2-D tensor after a Gemm (slope per feature);
  globalmax GlobalMaxPool, ReduceMax over (H, W) with keepdims 0, ReduceMax over C (keepdims 1);
  slice    Split along C (opset-18 num_outputs, uneven) and along W (`split` sizes), Slice with
           steps 2 along H and C, a negative step along W, Concats of the parts.
Side results are flattened and concatenated into the one graph output the harness reads.
"""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

kind, out = sys.argv[1], Path(sys.argv[2])
rng = np.random.default_rng({"maxmin": 21, "prelu": 22, "globalmax": 23, "slice": 24}[kind])
n = helper.make_node
f32 = np.float32
inits: dict[str, np.ndarray] = {}


def w(name, *shape):
    inits[name] = (rng.standard_normal(shape) * np.sqrt(2 / np.prod(shape[1:]))).astype(f32)
    return name


def c(name, value):
    inits[name] = np.asarray(value)
    return name


def conv_node(x, y, cin, cout, name):
    inits[f"{name}.b"] = rng.normal(0, 0.1, cout).astype(f32)
    return n("Conv", [x, w(f"{name}.w", cout, cin, 3, 3), f"{name}.b"], [y], name=name, pads=[1, 1, 1, 1])


H = W = 10
opset = 13
if kind == "maxmin":
    nodes = [
        conv_node("x", "c1", 3, 8, "conv1"),
        n("Max", ["c1", c("zero", f32(0))], ["r1"], name="relu_as_max"),
        conv_node("r1", "a", 8, 8, "conv2a"),
        conv_node("r1", "b", 8, 8, "conv2b"),
        n("Mul", ["b", c("four", f32(4))], ["b4"], name="scale_b"),  # another grid than a
        n("Max", ["a", "b4"], ["m"], name="max_ab"),
        n("Max", ["m", c("lo", f32(-0.5))], ["m1"], name="clamp_lo"),
        n("Min", ["m1", c("hi", f32(1.5))], ["m2"], name="clamp_hi"),
        n("Max", ["a", c("pc", rng.normal(0, 0.5, (8, 1, 1)).astype(f32))], ["p"], name="max_per_channel"),
        n("Min", ["p", "m2", "b"], ["t"], name="min3"),
        n("GlobalAveragePool", ["t"], ["g"], name="gap"),
        n("Flatten", ["g"], ["f"], name="flatten"),
        n("Gemm", ["f", w("fc.w", 5, 8), c("fc.b", rng.normal(0, 0.1, 5).astype(f32))], ["y"], name="fc", transB=1),
    ]
    outs = [("y", [1, 5])]
elif kind == "prelu":
    slope = rng.uniform(-0.3, 0.4, (8, 1, 1)).astype(f32)
    slope[0], slope[1] = 1.5, -1.0
    nodes = [
        conv_node("x", "c1", 3, 8, "conv1"),
        n("PRelu", ["c1", c("slope1", slope)], ["p1"], name="prelu1"),
        conv_node("p1", "c2", 8, 6, "conv2"),
        n("PRelu", ["c2", c("slope2", np.full((1,), 0.125, f32))], ["p2"], name="prelu_scalar"),
        n("GlobalAveragePool", ["p2"], ["g"], name="gap"),
        n("Flatten", ["g"], ["f"], name="flatten"),
        n("Gemm", ["f", w("fc.w", 5, 6), c("fc.b", rng.normal(0, 0.1, 5).astype(f32))], ["h"], name="fc", transB=1),
        n("PRelu", ["h", c("slope3", rng.uniform(0, 0.3, 5).astype(f32))], ["y"], name="prelu_2d"),
    ]
    outs = [("y", [1, 5])]
elif kind == "globalmax":
    nodes = [
        conv_node("x", "c1", 3, 8, "conv1"),
        n("GlobalMaxPool", ["c1"], ["g"], name="gmp"),
        conv_node("c1", "c2", 8, 6, "conv2"),
        n("ReduceMax", ["c2"], ["r"], name="reduce_hw", axes=[2, 3], keepdims=0),
        n("Gemm", ["r", w("fc.w", 5, 6)], ["fc"], name="fc", transB=1),
        n("ReduceMax", ["c2"], ["rc"], name="reduce_c", axes=[1], keepdims=1),
        n("Flatten", ["g"], ["gf"], name="flatten_g"),
        n("Flatten", ["rc"], ["rcf"], name="flatten_rc"),
        n("Concat", ["fc", "gf", "rcf"], ["y"], name="cat", axis=1),
    ]
    outs = [("y", [1, 5 + 8 + H * W])]
elif kind == "slice":
    opset = 18
    i64 = np.int64
    nodes = [
        conv_node("x", "c1", 3, 8, "conv1"),
        n("Split", ["c1"], ["s0", "s1", "s2"], name="split_c", axis=1, num_outputs=3),  # 3, 3, 2 channels
        conv_node("s0", "d0", 3, 4, "conv_s0"),
        n("Relu", ["s2"], ["d2"], name="relu_s2"),
        n("Concat", ["d0", "s1", "d2"], ["cat"], name="cat", axis=1),  # 4 + 3 + 2 channels
        n("Split", ["cat", c("sizes", np.array([3, 7], i64))], ["w0", "w1"], name="split_w", axis=3),
        n("Slice", ["w1", c("st0", np.array([1, 0], i64)), c("en0", np.array([9, 1 << 40], i64)),
                    c("ax0", np.array([2, 1], i64)), c("sp0", np.array([2, 2], i64))], ["h2"], name="slice_h_c"),
        n("Slice", ["w0", c("st1", np.array([-1], i64)), c("en1", np.array([-100], i64)),
                    c("ax1", np.array([-1], i64)), c("sp1", np.array([-1], i64))], ["rev"], name="slice_reverse_w"),
        *[n("Flatten", [t], [t + "f"], name=f"flatten_{t}") for t in ("h2", "rev", "s1")],
        n("Concat", ["h2f", "revf", "s1f"], ["y"], name="cat_out", axis=1),
    ]
    outs = [("y", [1, 5 * 4 * 7 + 9 * H * 3 + 3 * H * W])]
else:
    raise SystemExit(f"unknown kind {kind}")

graph = helper.make_graph(
    nodes, kind, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, H, W])],
    [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in outs],
    initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / f"{kind}.onnx")
np.save(out / "calib.npy", rng.uniform(-1, 1, (16, 3, H, W)).astype(f32))
np.save(out / "test.npy", rng.uniform(-1.2, 1.2, (8, 3, H, W)).astype(f32))
