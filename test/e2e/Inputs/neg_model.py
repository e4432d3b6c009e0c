"""Write a small seeded model using Neg (Conv -> Neg -> Relu -> Conv -> Neg -> GAP -> Gemm) with
calibration and test inputs: `neg_model.py DIR` -> DIR/neg.onnx, DIR/calib.npy, DIR/test.npy."""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(7)


def init(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32), name)


nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("Neg", ["c1"], ["n1"], name="neg1"),
    helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
    helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("Neg", ["c2"], ["n2"], name="neg2"),
    helper.make_node("GlobalAveragePool", ["n2"], ["g"], name="gap"),
    helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], name="fc", transB=1),
]
graph = helper.make_graph(
    nodes, "neg", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
    initializer=[init("w1", 6, 3, 3, 3), init("b1", 6), init("w2", 6, 6, 3, 3), init("b2", 6),
                 init("w3", 5, 6), init("b3", 5)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "neg.onnx")
np.save(out / "calib.npy", rng.uniform(-1, 1, (16, 3, 8, 8)).astype(np.float32))
np.save(out / "test.npy", rng.uniform(-1, 1, (8, 3, 8, 8)).astype(np.float32))
