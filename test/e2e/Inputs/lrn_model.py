"""Write a small seeded AlexNet-style model with LRN (Conv -> Relu -> LRN -> MaxPool -> Conv ->
LRN(size 4, even) -> GAP -> Gemm) with calibration and test inputs:
`lrn_model.py DIR` -> DIR/lrn.onnx, DIR/calib.npy, DIR/test.npy."""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(11)


def init(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 2 / np.sqrt(np.prod(shape[1:]))).astype(np.float32),
                                   name)


nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("LRN", ["r1"], ["n1"], name="norm1", size=5, alpha=0.05, beta=0.75, bias=1.0),
    helper.make_node("MaxPool", ["n1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("LRN", ["c2"], ["n2"], name="norm2", size=4, alpha=0.2, beta=0.5, bias=2.0),
    helper.make_node("GlobalAveragePool", ["n2"], ["g"], name="gap"),
    helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], name="fc", transB=1),
]
graph = helper.make_graph(
    nodes, "lrn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
    initializer=[init("w1", 12, 3, 3, 3), init("b1", 12), init("w2", 10, 12, 3, 3), init("b2", 10),
                 init("w3", 5, 10), init("b3", 5)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "lrn.onnx")
np.save(out / "calib.npy", rng.uniform(-1, 1, (16, 3, 12, 12)).astype(np.float32))
np.save(out / "test.npy", rng.uniform(-1, 1, (8, 3, 12, 12)).astype(np.float32))
