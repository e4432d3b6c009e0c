"""Which ONNX op forms the int8_fpga pipeline compiles to C: one small graph per form, checked like fuzz_c.

    python bench/fuzz_probe.py [NAME_SUBSTRING ...]

Each case is a 3x3 conv on a 1x6x10x10 input followed by the form under test (the conv
gives the form a quantized producer). It is compiled and checked exactly as
`bench/fuzz_c.py` checks a random graph (cc -O2, ASan+UBSan, clang -O2, -O2 -mavx2;
every output integer against the shift executor), and one line is printed per form:
`ok`, `rejected: <qcomp's diagnostic>` or the failure. The forms qcomp rejects are the ones
`bench/fuzz_graphs.py` does not generate; the accepted ones it does.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_c as fz  # noqa: E402

C, H, W = 6, 10, 10
f32 = np.float32


def _w(rng, shape, scale=0.2):
    return (rng.standard_normal(shape) * scale).astype(f32)


def cases(rng) -> dict[str, tuple[list, dict, list[str]]]:
    """name -> (nodes after the stem conv 'x', initializers, output names)."""
    from onnx import helper

    n = helper.make_node
    i64 = np.int64
    shuffle = [n("Reshape", ["x", "s1"], ["a"], name="Reshape_1"),
               n("Transpose", ["a"], ["b"], name="Transpose_2", perm=[0, 2, 1, 3, 4]),
               n("Reshape", ["b", "s2"], ["c"], name="Reshape_3")]
    shuffle_c = {"s1": np.array([1, 2, 3, H, W], i64), "s2": np.array([1, C, H, W], i64)}
    return {
        "Sub (activation - activation)": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Sub", ["x", "r"], ["y"], name="Sub_2")], {}, ["y"]),
        "Sub (activation - constant)": ([n("Sub", ["x", "c"], ["y"], name="Sub_1")], {"c": f32(0.5)}, ["y"]),
        "Sub (constant - activation)": ([n("Sub", ["c", "x"], ["y"], name="Sub_1")], {"c": rng.normal(0, 1, (1, C, 1, 1)).astype(f32)}, ["y"]),
        "Div (activation / constant)": ([n("Div", ["x", "c"], ["y"], name="Div_1")], {"c": f32(3.0)}, ["y"]),
        "Div (activation / per-channel constant)": ([n("Div", ["x", "c"], ["y"], name="Div_1")], {"c": rng.uniform(0.5, 4, (1, C, 1, 1)).astype(f32)}, ["y"]),
        "Div (constant / activation)": ([n("Sigmoid", ["x"], ["s"], name="Sigmoid_1"), n("Div", ["c", "s"], ["y"], name="Div_2")], {"c": f32(1.0)}, ["y"]),
        "Div (activation / activation)": ([n("Sigmoid", ["x"], ["s"], name="Sigmoid_1"), n("Div", ["x", "s"], ["y"], name="Div_2")], {}, ["y"]),
        "Pad mode reflect": ([n("Pad", ["x", "p"], ["y"], name="Pad_1", mode="reflect")], {"p": np.array([0, 0, 1, 1, 0, 0, 1, 1], i64)}, ["y"]),
        "Pad mode edge": ([n("Pad", ["x", "p"], ["y"], name="Pad_1", mode="edge")], {"p": np.array([0, 0, 1, 1, 0, 0, 1, 1], i64)}, ["y"]),
        "BatchNormalization not after a conv": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Add", ["x", "r"], ["a"], name="Add_2"),
                                                 n("BatchNormalization", ["a", "bs", "bb", "bm", "bv"], ["y"], name="BatchNormalization_3")],
                                                {"bs": np.ones(C, f32), "bb": np.zeros(C, f32), "bm": np.zeros(C, f32), "bv": np.ones(C, f32)}, ["y"]),
        "Reshape (1,C,H,W)->(1,2C,H/2,W) then Conv": ([n("Reshape", ["x", "s"], ["t"], name="Reshape_1"), n("Conv", ["t", "w1"], ["y"], name="Conv_2")],
                                                       {"s": np.array([1, 2 * C, H // 2, W], i64), "w1": _w(rng, (4, 2 * C, 1, 1))}, ["y"]),
        "BatchNormalization on the graph input, then Relu": ([n("BatchNormalization", ["input", "bs", "bb", "bm", "bv"], ["b"], name="BatchNormalization_1"),
                                                              n("Relu", ["b"], ["r"], name="Relu_2"), n("Add", ["r", "x"], ["y"], name="Add_3")],
                                                             {"bs": rng.uniform(0.5, 1.5, C).astype(f32), "bb": rng.normal(0, .1, C).astype(f32),
                                                              "bm": rng.normal(0, .1, C).astype(f32), "bv": rng.uniform(0.5, 2, C).astype(f32)}, ["y"]),
        "GlobalMaxPool": ([n("GlobalMaxPool", ["x"], ["y"], name="GlobalMaxPool_1")], {}, ["y"]),
        "ReduceMax": ([n("ReduceMax", ["x"], ["y"], name="ReduceMax_1", axes=[2, 3])], {}, ["y"]),
        "Max (two activations)": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Max", ["x", "r"], ["y"], name="Max_2")], {}, ["y"]),
        "LogSoftmax": ([n("LogSoftmax", ["x"], ["y"], name="LogSoftmax_1", axis=1)], {}, ["y"]),
        "PRelu": ([n("PRelu", ["x", "sl"], ["y"], name="PRelu_1")], {"sl": np.full((C, 1, 1), 0.2, f32)}, ["y"]),
        "PRelu per channel": ([n("PRelu", ["x", "sl"], ["y"], name="PRelu_1")], {"sl": rng.uniform(-0.5, 1.5, (C, 1, 1)).astype(f32)}, ["y"]),
        "Min(Max(x, a), b), Max with a per-channel constant": ([n("Max", ["x", "a"], ["m"], name="Max_1"), n("Min", ["m", "b"], ["y1"], name="Min_2"),
                                                               n("Max", ["x", "k"], ["y2"], name="Max_3")],
                                                              {"a": f32(-0.5), "b": f32(0.5), "k": rng.normal(0, 0.5, (C, 1, 1)).astype(f32)}, ["y1", "y2"]),
        "Split along C, Slice with steps and reversed": ([n("Split", ["x", "sp"], ["s0", "s1"], name="Split_1", axis=1),
                                                        n("Slice", ["s1", "st", "en", "ax", "sx"], ["y2"], name="Slice_2")],
                                                       {"sp": np.array([2, C - 2], i64), "st": np.array([-1, 1], i64), "en": np.array([-100, 9], i64),
                                                        "ax": np.array([3, 2], i64), "sx": np.array([-2, 3], i64)}, ["s0", "y2"]),
        "Elu": ([n("Elu", ["x"], ["y"], name="Elu_1")], {}, ["y"]),
        "Resize nearest x2": ([n("Resize", ["x", "", "sc"], ["y"], name="Resize_1", mode="nearest")], {"sc": np.array([1, 1, 2, 2], f32)}, ["y"]),
        "ConvTranspose": ([n("ConvTranspose", ["x", "w1"], ["y"], name="ConvTranspose_1", strides=[2, 2])], {"w1": _w(rng, (C, 4, 2, 2))}, ["y"]),
        "Conv auto_pad SAME_UPPER 4x4/2": ([n("Conv", ["x", "w1"], ["y"], name="Conv_1", auto_pad="SAME_UPPER", strides=[2, 2], kernel_shape=[4, 4])], {"w1": _w(rng, (5, C, 4, 4), 0.1)}, ["y"]),
        "Conv auto_pad SAME_LOWER 2x2": ([n("Conv", ["x", "w1"], ["y"], name="Conv_1", auto_pad="SAME_LOWER", kernel_shape=[2, 2])], {"w1": _w(rng, (5, C, 2, 2), 0.1)}, ["y"]),
        "Conv 11x11/4": ([n("Conv", ["x", "w1"], ["y"], name="Conv_1", strides=[4, 4], pads=[2, 2, 2, 2])], {"w1": _w(rng, (5, C, 11, 11), 0.05)}, ["y"]),
        "Conv strides 1x2, dilations 1x2": ([n("Conv", ["x", "w1"], ["y"], name="Conv_1", strides=[1, 2], dilations=[1, 2], pads=[1, 2, 1, 2])], {"w1": _w(rng, (5, C, 3, 3), 0.1)}, ["y"]),
        "Conv pads beyond the kernel": ([n("Conv", ["x", "w1"], ["y"], name="Conv_1", pads=[3, 0, 4, 2])], {"w1": _w(rng, (5, C, 3, 3), 0.1)}, ["y"]),
        "Conv group=C, 2 outputs per group": ([n("Conv", ["x", "w1"], ["y"], name="Conv_1", group=C, pads=[1, 1, 1, 1])], {"w1": _w(rng, (2 * C, 1, 3, 3), 0.3)}, ["y"]),
        "Mul by a per-channel constant (not after a conv)": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Mul", ["r", "c"], ["y"], name="Mul_2")], {"c": rng.uniform(0.5, 2, (1, C, 1, 1)).astype(f32)}, ["y"]),
        "Add a per-channel constant (not after a conv)": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Add", ["r", "c"], ["y"], name="Add_2")], {"c": rng.uniform(-1, 1, (1, C, 1, 1)).astype(f32)}, ["y"]),
        "Add (C,H,W) + (C,1,1)": ([n("GlobalAveragePool", ["x"], ["g"], name="GlobalAveragePool_1"), n("Add", ["x", "g"], ["y"], name="Add_2")], {}, ["y"]),
        "Mul (C,H,W) * (1,H,W)": ([n("ReduceMean", ["x"], ["g"], name="ReduceMean_1", axes=[1]), n("Sigmoid", ["g"], ["s"], name="Sigmoid_3"),
                                   n("Mul", ["x", "s"], ["y"], name="Mul_2")], {}, ["y"]),
        "Pad with a non-zero value, then AveragePool": ([n("Pad", ["x", "p", "v"], ["q"], name="Pad_1"), n("AveragePool", ["q"], ["y"], name="AveragePool_2", kernel_shape=[3, 3])],
                                                        {"p": np.array([0, 0, 1, 0, 0, 0, 0, 1], i64), "v": f32(-0.7)}, ["y"]),
        "MaxPool ceil_mode, dilations": ([n("MaxPool", ["x"], ["y"], name="MaxPool_1", kernel_shape=[3, 3], strides=[2, 2], dilations=[2, 2], ceil_mode=1)], {}, ["y"]),
        "AveragePool ceil_mode, count_include_pad": ([n("AveragePool", ["x"], ["y"], name="AveragePool_1", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)], {}, ["y"]),
        "ReduceMean over channels": ([n("ReduceMean", ["x"], ["y"], name="ReduceMean_1", axes=[1])], {}, ["y"]),
        "Softmax 4-D, axis 1 / 2 / -1": ([n("Softmax", ["x"], ["y1"], name="Softmax_1", axis=1), n("Softmax", ["x"], ["y2"], name="Softmax_2", axis=2),
                                          n("Softmax", ["x"], ["y3"], name="Softmax_3")], {}, ["y1", "y2", "y3"]),
        "Concat along H and along W": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Concat", ["x", "r"], ["y1"], name="Concat_2", axis=2),
                                        n("Concat", ["r", "x"], ["y2"], name="Concat_3", axis=3)], {}, ["y1", "y2"]),
        "Concat with the graph input, and of a tensor with itself": ([n("Concat", ["x", "input"], ["y1"], name="Concat_1", axis=1),
                                                                     n("Concat", ["x", "x"], ["y2"], name="Concat_2", axis=1)], {}, ["y1", "y2"]),
        "Transpose to NHWC as output": ([n("Transpose", ["x"], ["y"], name="Transpose_1", perm=[0, 2, 3, 1])], {}, ["y"]),
        "channel shuffle, then MaxPool / Add / Concat / output": (
            [*shuffle, n("MaxPool", ["c"], ["y1"], name="MaxPool_4", kernel_shape=[2, 2], strides=[2, 2]),
             n("Add", ["c", "x"], ["y2"], name="Add_5"), n("Concat", ["c", "x"], ["y3"], name="Concat_6", axis=1)],
            shuffle_c, ["y1", "y2", "y3", "c"]),
        "Reshape (1,C,HW) + MatMul": ([n("Reshape", ["x", "s"], ["f"], name="Reshape_1"), n("MatMul", ["f", "w1"], ["y"], name="MatMul_2")],
                                      {"s": np.array([1, C, H * W], i64), "w1": _w(rng, (H * W, 7), 0.1)}, ["y"]),
        "Gemm alpha 0.5, beta 2": ([n("Flatten", ["x"], ["f"], name="Flatten_1"), n("Gemm", ["f", "w1", "b1"], ["y"], name="Gemm_2", alpha=0.5, beta=2.0)],
                                   {"w1": _w(rng, (C * H * W, 7), 0.05), "b1": rng.normal(0, .1, 7).astype(f32)}, ["y"]),
        "Squeeze after GlobalAveragePool + Gemm": ([n("GlobalAveragePool", ["x"], ["g"], name="GlobalAveragePool_1"), n("Squeeze", ["g", "ax"], ["s"], name="Squeeze_2"),
                                                    n("Gemm", ["s", "w1"], ["y"], name="Gemm_3")], {"ax": np.array([2, 3], i64), "w1": _w(rng, (C, 7), 0.3)}, ["y"]),
        "Sum of 4": ([n("Relu", ["x"], ["r"], name="Relu_1"), n("Sigmoid", ["x"], ["s"], name="Sigmoid_2"), n("Sum", ["x", "r", "s", "r"], ["y"], name="Sum_3")], {}, ["y"]),
        "Clip with a lower bound only": ([n("Clip", ["x", "lo"], ["y"], name="Clip_1")], {"lo": f32(-0.5)}, ["y"]),
        "graph input as an output (Identity)": ([n("Relu", ["x"], ["y"], name="Relu_1"), n("Identity", ["input"], ["z"], name="Identity_2")], {}, ["y", "z"]),
    }


def model(nodes, inits, outs):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    stem = helper.make_node("Conv", ["input", "w0"], ["x"], name="Conv_0", pads=[1, 1, 1, 1])
    init = [numpy_helper.from_array(_w(rng, (C, C, 3, 3), 0.3), "w0"),
            *[numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()]]
    g = helper.make_graph([stem, *nodes], "probe", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, C, H, W])],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], init)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(m)
    known = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output]}
    for o in m.graph.output:
        if o.name in known and known[o.name].type.tensor_type.HasField("shape"):
            o.type.CopyFrom(known[o.name].type)
    return m


def main(argv: list[str]) -> int:
    import argparse

    rng = np.random.default_rng(0)
    builds = fz.default_builds(argparse.Namespace(cc=None, flags="-O2", no_sanitize=False, cc2="auto", no_avx2=False,
                                                  perturb=False))
    table = cases(rng)
    names = [k for k in table if not argv or any(a.lower() in k.lower() for a in argv)]
    bad = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-probe-") as tmp:
        for k, name in enumerate(names):
            nodes, inits, outs = table[name]
            calib = rng.standard_normal((4, C, H, W)).astype(f32)
            test = (rng.standard_normal((3, C, H, W)) * np.array([1, 3, 0.5]).reshape(3, 1, 1, 1)).astype(f32)
            out = fz.run_case(model(nodes, inits, outs), calib, test, Path(tmp) / str(k), builds)
            text = out.status if out.status != "rejected" else f"rejected: {out.detail}"
            if out.status in fz.FAILURES:
                text = f"{out.status.upper()}: {out.detail}"
                bad += 1
            print(f"{name}: {text[:400]}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
