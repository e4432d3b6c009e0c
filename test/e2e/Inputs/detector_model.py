"""Write a small seeded detector head whose score is thresholded at 0, with a long negative tail:
`detector_model.py DIR` -> DIR/detector.onnx, DIR/calib.npy, DIR/test.npy.

Flatten -> Gemm -> score (one value) on a 4x8x8 feature map, the shape of a trained detector's
classification logits: the head's weights are all about -2.6, so background feature maps (40%,
features near 1) score far below the boundary, down to about -300, while object-like ones
(features near 0.5, the head's bias centring them) spread around 0 over about -3 to 3. Features
and weights have one magnitude throughout: only the output's grid decides whether the
decisions near 0 survive."""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(11)
w = (-2.6 + 0.3 * rng.standard_normal((1, 256))).astype(np.float32)


def inputs(n: int) -> np.ndarray:
    background = rng.uniform(0, 1, n) < 0.4
    lo = np.where(background, 0.9, 0.4)[:, None, None, None]
    return (lo + 0.2 * rng.uniform(0, 1, (n, 4, 8, 8)) * np.where(background, 0.5, 1.0)[:, None, None, None]
            ).astype(np.float32)


calib, test = inputs(256), inputs(400)
objects = calib[calib.reshape(len(calib), -1).max(axis=1) < 0.8].reshape(-1, 256)
b = np.array([-np.median(objects @ w[0])], np.float32)  # object-like scores centred on 0
nodes = [
    helper.make_node("Flatten", ["x"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "w", "b"], ["score"], name="head", transB=1),
]
graph = helper.make_graph(
    nodes, "detector", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
    [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1])],
    initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "detector.onnx")
np.save(out / "calib.npy", calib)
np.save(out / "test.npy", test)
