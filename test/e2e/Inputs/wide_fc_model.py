"""Write a seeded MLP whose second layer sums 2048 products: `wide_fc_model.py DIR` ->
DIR/wide_fc.onnx, DIR/calib.npy, DIR/test.npy. With fc1's result in int16, fc2's int16 x int8
sums reach 2048 * 32768 * 128 = 2^37: past an int32 accumulator, within an int64 one."""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(5)


def init(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(shape[-1])).astype(np.float32), name)


nodes = [
    helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
    helper.make_node("Relu", ["h"], ["r"], name="relu1"),
    helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc2", transB=1),
]
graph = helper.make_graph(
    nodes, "wide_fc", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
    initializer=[init("w1", 2048, 16), init("b1", 2048), init("w2", 10, 2048), init("b2", 10)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "wide_fc.onnx")
np.save(out / "calib.npy", rng.standard_normal((64, 16)).astype(np.float32))
np.save(out / "test.npy", rng.standard_normal((50, 16)).astype(np.float32))
