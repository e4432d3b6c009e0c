# RUN: %python %s | filecheck %s
"""Numeric check of the simplification passes: same outputs before and after, on random data.

Each case is a small ONNX graph (onnx.helper), imported with `import_model`; one pass
(or `simplify`) runs on a copy, and the float executor runs both modules on the same
random batch. A case prints `<pass> <case>: ok` when every output agrees (max abs diff
below 1e-5 relative to the output's magnitude), the ops the pass must remove are gone
and the ops it must keep are still there; otherwise it prints what went wrong.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects import func

from qcomp.context import make_context
from qcomp.executors.quant import run_module
from qcomp.frontend.onnx_import import import_model
from qcomp.registry import get_pass
from qcomp.testing import fail

RNG = np.random.default_rng(0)
CTX = make_context()


def rand(*shape: int, lo: float | None = None) -> np.ndarray:
    """Random float32 data; with `lo`, uniform in [lo, lo + 1) (for BN variances)."""
    if lo is not None:
        return (lo + RNG.random(shape)).astype(np.float32)
    return RNG.standard_normal(shape).astype(np.float32)


def node(op: str, ins: list[str], outs: list[str] | str, **attrs) -> object:
    outs = [outs] if isinstance(outs, str) else outs
    return helper.make_node(op, ins, outs, name=outs[0] + "_node", **attrs)


def bn(x: str, y: str, c: int) -> tuple[list, dict[str, np.ndarray]]:
    """A BatchNormalization node x -> y over c channels, and its random parameters."""
    p = {f"{y}_s": rand(c), f"{y}_b": rand(c), f"{y}_m": rand(c), f"{y}_v": rand(c, lo=0.5)}
    return [node("BatchNormalization", [x, *p], y, epsilon=1e-3)], p


def model(nodes: list, inputs: dict[str, list[int]], outputs: list[str],
          inits: dict[str, np.ndarray], opset: int = 17):
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def op_names(module) -> list[str]:
    return [op.name for op in module.walk()]


def check(pass_name: str, label: str, onnx_model, gone: tuple[str, ...] = (),
          kept: tuple[str, ...] = ()) -> None:
    module = import_model(onnx_model)
    before = module.clone()
    get_pass(pass_name)().apply(CTX, module)
    problems = [f"{g} not in the imported model" for g in (*gone, *kept) if g not in op_names(before)]
    try:
        module.verify()
    except Exception as e:  # report it, and go on with the other cases
        problems.append(f"verify: {e}")
    names = op_names(module)
    problems += [f"{g} still there" for g in gone if g in names]
    problems += [f"{k} removed" for k in kept if k not in names]
    main = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    inputs, batched = [], True
    for t in main.function_type.inputs.data:
        shape = list(t.get_shape())
        batched = batched and shape[0] == 1
        inputs.append(shape)
    data = [rand(3, *s[1:]) if batched else rand(*s) for s in inputs]
    ref = run_module(before, data, batched=batched)
    got = run_module(module, data, batched=batched)
    for i, (r, g) in enumerate(zip(ref, got)):
        if r.shape != g.shape:
            problems.append(f"output {i}: shape {g.shape} != {r.shape}")
            continue
        err = float(np.max(np.abs(g - r))) / max(1.0, float(np.max(np.abs(r))))
        if not err < 1e-5:
            problems.append(f"output {i}: relative error {err:.3g}")
    print(f"{pass_name} {label}: {'ok' if not problems else fail('FAILED ' + '; '.join(problems))}")


# --------------------------------------------------------------------------- fold-batchnorm

# CHECK: fold-batchnorm conv: ok
n, p = bn("y", "z", 4)
check("fold-batchnorm", "conv", model(
    [node("Conv", ["x", "w", "b"], "y", pads=[1, 1, 1, 1], strides=[2, 2]), *n],
    {"x": [1, 3, 7, 7]}, ["z"], {"w": rand(4, 3, 3, 3), "b": rand(4), **p}), gone=("quant.batch_norm",))

# CHECK: fold-batchnorm depthwise: ok
n, p = bn("y", "z", 4)
check("fold-batchnorm", "depthwise", model(
    [node("Conv", ["x", "w"], "y", group=4, pads=[1, 1, 1, 1]), *n],
    {"x": [1, 4, 5, 5]}, ["z"], {"w": rand(4, 1, 3, 3), **p}), gone=("quant.batch_norm",))

# CHECK: fold-batchnorm grouped: ok
n, p = bn("y", "z", 6)
check("fold-batchnorm", "grouped", model(
    [node("Conv", ["x", "w", "b"], "y", group=2), *n],
    {"x": [1, 4, 5, 5]}, ["z"], {"w": rand(6, 2, 3, 3), "b": rand(6), **p}), gone=("quant.batch_norm",))

# CHECK: fold-batchnorm gemm-transb: ok
n, p = bn("y", "z", 5)
check("fold-batchnorm", "gemm-transb", model(
    [node("Gemm", ["x", "w", "c"], "y", transB=1, alpha=0.5, beta=2.0), *n],
    {"x": [1, 8]}, ["z"], {"w": rand(5, 8), "c": rand(1, 5), **p}), gone=("quant.batch_norm",))

# CHECK: fold-batchnorm gemm-no-c: ok
n, p = bn("y", "z", 5)
check("fold-batchnorm", "gemm-no-c", model(
    [node("Gemm", ["x", "w"], "y"), *n],
    {"x": [1, 8]}, ["z"], {"w": rand(8, 5), **p}), gone=("quant.batch_norm",))

# CHECK: fold-batchnorm conv-also-output: ok
n, p = bn("y", "z", 4)
check("fold-batchnorm", "conv-also-output", model(
    [node("Conv", ["x", "w"], "y"), *n],
    {"x": [1, 3, 5, 5]}, ["z", "y"], {"w": rand(4, 3, 3, 3), **p}), kept=("quant.batch_norm",))

# CHECK: fold-batchnorm after-relu: ok
n, p = bn("r", "z", 4)
check("fold-batchnorm", "after-relu", model(
    [node("Conv", ["x", "w"], "y"), node("Relu", ["y"], "r"), *n],
    {"x": [1, 3, 5, 5]}, ["z"], {"w": rand(4, 3, 3, 3), **p}), kept=("quant.batch_norm",))

# --------------------------------------------------------------------------- fold-pad

# CHECK: fold-pad conv: ok
check("fold-pad", "conv", model(
    [node("Pad", ["x", "pads"], "xp"), node("Conv", ["xp", "w"], "y", pads=[0, 1, 1, 0], strides=[2, 2])],
    {"x": [1, 2, 6, 6]}, ["y"],
    {"pads": np.array([0, 0, 2, 1, 0, 0, 1, 0], np.int64), "w": rand(3, 2, 3, 3)}), gone=("quant.pad",))

# CHECK: fold-pad avgpool-exclude-no-pads: ok
check("fold-pad", "avgpool-exclude-no-pads", model(
    [node("Pad", ["x", "pads"], "xp"), node("AveragePool", ["xp"], "y", kernel_shape=[3, 3])],
    {"x": [1, 2, 6, 6]}, ["y"], {"pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)}), gone=("quant.pad",))

# CHECK: fold-pad avgpool-include: ok
check("fold-pad", "avgpool-include", model(
    [node("Pad", ["x", "pads"], "xp"),
     node("AveragePool", ["xp"], "y", kernel_shape=[3, 3], pads=[1, 0, 0, 1], count_include_pad=1, strides=[2, 2])],
    {"x": [1, 2, 7, 7]}, ["y"], {"pads": np.array([0, 0, 1, 1, 0, 0, 1, 0], np.int64)}), gone=("quant.pad",))

# CHECK: fold-pad avgpool-exclude-with-pads: ok
check("fold-pad", "avgpool-exclude-with-pads", model(
    [node("Pad", ["x", "pads"], "xp"), node("AveragePool", ["xp"], "y", kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
    {"x": [1, 2, 6, 6]}, ["y"], {"pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)}), kept=("quant.pad",))

# --------------------------------------------------------------------------- normalize-clip

# CHECK: normalize-clip chains: ok
check("normalize-clip", "chains", model(
    [node("Relu", ["x"], "r"), node("Clip", ["r", "", "hi"], "a"),
     node("Clip", ["x", "m1", "half"], "c1"), node("Clip", ["c1", "mhalf", "two"], "c2"), node("Relu", ["c2"], "b"),
     node("Relu", ["x"], "r1"), node("Relu", ["r1"], "c"),
     node("Clip", ["x", "zero"], "d")],
    {"x": [1, 64]}, ["a", "b", "c", "d"],
    {"hi": np.float32(0.8), "m1": np.float32(-1), "half": np.float32(0.5), "mhalf": np.float32(-0.5),
     "zero": np.float32(0), "two": np.float32(2)}), kept=("quant.clip", "quant.relu"))

# --------------------------------------------------------------------------- drop-noops

# CHECK: drop-noops chain: ok
check("drop-noops", "chain", model(
    [node("Reshape", ["x", "shape"], "a"), node("Transpose", ["a"], "b", perm=[0, 1]),
     node("Mul", ["b", "ones"], "c"), node("Add", ["zeros", "c"], "d"), node("Sub", ["d", "zeros"], "e"),
     node("Div", ["e", "ones"], "f"), node("Concat", ["f"], "g", axis=1), node("Flatten", ["g"], "h"),
     node("Pad", ["h", "nopads"], "i"), node("Clip", ["i"], "j")],
    {"x": [1, 6]}, ["j"],
    {"shape": np.array([1, 6], np.int64), "ones": np.ones((1, 6), np.float32), "zeros": np.zeros(6, np.float32),
     "nopads": np.zeros(4, np.int64)}),
    gone=("quant.reshape", "quant.transpose", "quant.mul", "quant.add", "quant.sub", "quant.div",
          "quant.concat", "quant.flatten", "quant.pad", "quant.clip"))

# --------------------------------------------------------------------------- fold-input-affine

# CHECK: fold-input-affine normalize-grouped-conv: ok
check("fold-input-affine", "normalize-grouped-conv", model(
    [node("Sub", ["x", "mean"], "s"), node("Div", ["s", "std"], "d"), node("Conv", ["d", "w", "b"], "y", group=2)],
    {"x": [1, 4, 6, 6]}, ["y"],
    {"mean": rand(1, 4, 1, 1), "std": rand(4, 1, 1, lo=0.5), "w": rand(6, 2, 3, 3), "b": rand(6)}),
    gone=("quant.sub", "quant.div"))

# CHECK: fold-input-affine scale-padded-conv: ok
check("fold-input-affine", "scale-padded-conv", model(
    [node("Mul", ["k", "x"], "m"), node("Conv", ["m", "w"], "y", pads=[1, 1, 1, 1])],
    {"x": [1, 3, 5, 5]}, ["y"], {"k": rand(3, 1, 1), "w": rand(4, 3, 3, 3)}), gone=("quant.mul",))

# CHECK: fold-input-affine shift-padded-conv-refused: ok
check("fold-input-affine", "shift-padded-conv-refused", model(
    [node("Add", ["x", "t"], "a"), node("Conv", ["a", "w"], "y", pads=[1, 1, 1, 1])],
    {"x": [1, 3, 5, 5]}, ["y"], {"t": rand(3, 1, 1), "w": rand(4, 3, 3, 3)}), kept=("quant.add",))

# CHECK: fold-input-affine gemm: ok
check("fold-input-affine", "gemm", model(
    [node("Sub", ["t", "x"], "s"), node("Mul", ["s", "k"], "m"),
     node("Gemm", ["m", "w", "c"], "y", transB=1, alpha=0.5, beta=3.0)],
    {"x": [1, 6]}, ["y"], {"t": rand(6), "k": rand(1, 6), "w": rand(4, 6), "c": rand(4)}),
    gone=("quant.sub", "quant.mul"))

# CHECK: fold-input-affine gemm-trans-a: ok
check("fold-input-affine", "gemm-trans-a", model(
    [node("Add", ["x", "t"], "s"), node("Div", ["s", "k"], "m"), node("Gemm", ["m", "w"], "y", transA=1)],
    {"x": [6, 2]}, ["y"], {"t": rand(6, 1), "k": rand(6, 1, lo=0.5), "w": rand(6, 4)}),
    gone=("quant.add", "quant.div"))

# --------------------------------------------------------------------------- canonicalize-affine chains

# CHECK: canonicalize-affine normalise-before-padded-conv: ok
check("canonicalize-affine", "normalise-before-padded-conv", model(
    [node("Sub", ["x", "mean"], "s"), node("Div", ["s", "std"], "d"), node("Pad", ["d", "pads"], "p"),
     node("Conv", ["p", "w"], "y")],
    {"x": [1, 3, 6, 6]}, ["y"],
    {"mean": rand(1, 3, 1, 1), "std": rand(3, 1, 1, lo=0.5), "pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64),
     "w": rand(4, 3, 3, 3)}),
    gone=("quant.sub", "quant.div"), kept=("quant.pad",))

# CHECK: canonicalize-affine decomposed-bn-after-conv: ok
check("canonicalize-affine", "decomposed-bn-after-conv", model(
    [node("Conv", ["x", "w", "b"], "c", group=2, pads=[1, 1, 1, 1]), node("Mul", ["k", "c"], "m"),
     node("Add", ["m", "t"], "a"), node("Sub", ["a", "u"], "y")],
    {"x": [1, 4, 5, 5]}, ["y"],
    {"w": rand(6, 2, 3, 3), "b": rand(6), "k": rand(6, 1, 1), "t": rand(1, 6, 1, 1), "u": rand(6, 1, 1)}),
    gone=("quant.mul", "quant.add", "quant.sub"))

# --------------------------------------------------------------------------- simplify

# CHECK: simplify cnn: ok
n1, p1 = bn("c1", "b1", 4)
n2, p2 = bn("c2", "b2", 4)
n3, p3 = bn("g", "out", 3)
check("simplify", "cnn", model(
    [node("Sub", ["x", "mean"], "s"), node("Div", ["s", "std"], "d"),
     node("Conv", ["d", "w1"], "c1"), *n1, node("Relu", ["b1"], "r1"), node("Clip", ["r1", "", "six"], "a1"),
     node("Pad", ["a1", "pads"], "p"), node("Conv", ["p", "w2", "bias2"], "c2"), *n2, node("Relu", ["b2"], "r2"),
     node("Pad", ["r2", "pads"], "p2"), node("AveragePool", ["p2"], "ap", kernel_shape=[2, 2], strides=[2, 2]),
     node("Flatten", ["ap"], "f"), node("Mul", ["f", "one"], "f1"), node("Gemm", ["f1", "w3"], "g", transB=1), *n3],
    {"x": [1, 3, 8, 8]}, ["out"],
    {"mean": rand(1, 3, 1, 1), "std": rand(1, 3, 1, 1, lo=0.5), "w1": rand(4, 3, 3, 3), **p1,
     "six": np.float32(6), "pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64),
     "w2": rand(4, 4, 3, 3), "bias2": rand(4), **p2, "one": np.float32(1), "w3": rand(3, 64), **p3}),
    gone=("quant.sub", "quant.div", "quant.batch_norm", "quant.pad", "quant.mul"),
    kept=("quant.clip", "quant.relu", "quant.avgpool"))
