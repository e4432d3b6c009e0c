# RUN: %python %s | filecheck %s
"""Numeric checks of correct-bias's `round-weights` (passes/correct_bias.py, qcomp/numerics/gptq.py).

* The per-group H of a conv is X X^T of its im2col columns: for any weights W, the sum of the
  squared outputs of the conv (the float executor's kernel, an independent implementation of the
  window geometry) equals sum_g trace(W_g H_g W_g^T). Checked on a strided, dilated, padded
  dense conv and on a depthwise one.
* GPTQ on uncorrelated inputs (H diagonal) is nearest rounding; on correlated ones its output
  error is below nearest rounding's, and its integers stay in [qmin, qmax].
* The pass on a one-layer ONNX model (dense, and depthwise): after pot-scale the layer's output
  error against float on the calibration samples is below what correct-bias gives with
  pot-scale's own rounding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qcomp.context import make_context
from qcomp.executors import kernels
from qcomp.executors.quant import run_module
from qcomp.frontend.onnx_import import import_model
from qcomp.numerics.gptq import conv_hessians, gptq_round, output_error
from qcomp.registry import get_pass
from qcomp.testing import fail

RNG = np.random.default_rng(0)
CTX = make_context()
CONVS = {  # name: (channels in, out, kernel, strides, pads, dilations, group)
    "dense": (3, 4, (3, 2), (2, 1), (1, 0, 2, 1), (1, 2), 1),
    "depthwise": (6, 6, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 6),
}


def check_hessians() -> None:
    for name, (c, o, k, s, p, d, g) in CONVS.items():
        x = RNG.standard_normal((5, c, 9, 8))
        w = RNG.standard_normal((o, c // g, *k))
        y = kernels.conv2d(x, w, None, s, p, d, g)
        h, columns = conv_hessians(x, k, s, p, d, g)
        rows = w.reshape(g, o // g, -1)  # OIHW, per group: the rows GPTQ rounds
        quad = sum(float(np.einsum("rk,kl,rl->", rows[i], h[i], rows[i])) for i in range(g))
        energy = float(np.sum(y.astype(np.float64) ** 2))
        ok = abs(quad - energy) <= 1e-9 * energy and columns == y.shape[0] * y.shape[2] * y.shape[3]
        print(f"hessian {name}: " + ("ok" if ok else fail(f"sum W H W^T {quad} != sum y^2 {energy}, or {columns} columns")))


def check_gptq() -> None:
    w = RNG.standard_normal((8, 40)) * 0.1
    s = 2.0 ** -7
    nearest = np.clip(np.round(w / s), -128, 127)
    diag = np.diag(RNG.random(40) + 0.5)
    same = np.array_equal(gptq_round(w, diag, s, -128, 127), nearest)
    print("gptq uncorrelated: " + ("ok" if same else fail("differs from nearest rounding")))
    mix = RNG.standard_normal((40, 40)) * 0.5 + np.eye(40)
    x = mix @ RNG.standard_normal((40, 2000))
    h = x @ x.T
    g = gptq_round(w, h, s, -128, 127)
    before, after = output_error(w, nearest * s, h), output_error(w, g * s, h)
    ok = after < 0.8 * before and g.min() >= -128 and g.max() <= 127 and np.array_equal(g, np.round(g))
    print("gptq correlated: " + ("ok" if ok else fail(f"error {after} vs nearest {before}, range {g.min()}..{g.max()}")))


def conv_model(c: int, o: int, group: int):  # type: ignore[no-untyped-def]
    w = (RNG.standard_normal((o, c // group, 3, 3)) * 0.3).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1], group=group)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def layer_error(module, xs: np.ndarray, ref: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    return float(np.sum((run_module(module, [xs])[0].astype(np.float64) - ref) ** 2))


def check_pass() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, (c, o, group) in {"dense": (4, 6, 1), "depthwise": (6, 6, 6)}.items():
            # correlated neighbouring pixels: a smoothed random image
            xs = RNG.standard_normal((32, c, 8, 8))
            xs = (xs + np.roll(xs, 1, 2) + np.roll(xs, 1, 3)).astype(np.float32) / 2
            path = Path(tmp) / f"{name}.npy"
            np.save(path, xs)
            base = import_model(conv_model(c, o, group))
            ref = run_module(base, [xs])[0].astype(np.float64)
            errors = {}
            for label, gptq in {"nearest": False, "gptq": True}.items():
                m = base.clone()
                get_pass("set-target")(hardware="fpga").apply(CTX, m)
                get_pass("calibrate")(data=str(path)).apply(CTX, m)
                get_pass("correct-bias")(data=str(path), round_weights=gptq).apply(CTX, m)
                get_pass("pot-scale")().apply(CTX, m)
                errors[label] = layer_error(m, xs, ref)
                rounded = [op for op in m.walk() if "weight_rounding" in op.attributes]
                if label == "gptq" and len(rounded) != 1:
                    print(f"pass {name}: " + fail(f"{len(rounded)} rounded layers, expected 1"))
            ok = errors["gptq"] < errors["nearest"]
            print(f"pass {name}: " + ("ok" if ok else fail(f"error {errors['gptq']} vs nearest {errors['nearest']}")))


check_hessians()
check_gptq()
check_pass()
# CHECK: hessian dense: ok
# CHECK: hessian depthwise: ok
# CHECK: gptq uncorrelated: ok
# CHECK: gptq correlated: ok
# CHECK: pass dense: ok
# CHECK: pass depthwise: ok
