"""Write a small seeded decoder with ConvTranspose, with calibration and test inputs:
`conv_transpose_model.py DIR` -> DIR/conv_transpose.onnx (opset 13), DIR/calib.npy, DIR/test.npy.

Conv -> Relu -> ConvTranspose(k3, stride 2, pads 1, output_padding 1, bias) -> Relu ->
ConvTranspose(k2, dilation 2, group 2, no bias) -> ConvTranspose(k2, stride 3x2, pads 2 > d(k-1):
the zero insertion crops) -> ConvTranspose(k3, stride 2, output_shape 50x42: ONNX derives the pads, 1 row cropped at the top,
one zero column added on the right),
the result is the output.
"""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(23)


def init(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 2 / np.sqrt(np.prod(shape[1:]))).astype(np.float32),
                                   name)


nodes = [
    helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], name="conv", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
    helper.make_node("ConvTranspose", ["r0", "w1", "b1"], ["d1"], name="deconv1", kernel_shape=[3, 3],
                     strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
    helper.make_node("Relu", ["d1"], ["r1"], name="relu1"),
    helper.make_node("ConvTranspose", ["r1", "w2"], ["d2"], name="deconv_grouped", dilations=[2, 2], group=2),
    helper.make_node("ConvTranspose", ["d2", "w3", "b3"], ["d3"], name="deconv_crop", strides=[3, 2],
                     pads=[2, 2, 2, 2]),
    helper.make_node("ConvTranspose", ["d3", "w4", "b4"], ["y"], name="deconv_shape", strides=[2, 2],
                     output_shape=[50, 42]),
]
graph = helper.make_graph(
    nodes, "conv_transpose", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 5])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 50, 42])],
    initializer=[init("w0", 6, 3, 3, 3), init("b0", 6), init("w1", 6, 4, 3, 3), init("b1", 4),
                 init("w2", 4, 3, 2, 2), init("w3", 6, 5, 2, 2), init("b3", 5), init("w4", 5, 3, 3, 3),
                 init("b4", 3)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model, full_check=True)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "conv_transpose.onnx")
np.save(out / "calib.npy", rng.uniform(-1, 1, (16, 3, 4, 5)).astype(np.float32))
np.save(out / "test.npy", rng.uniform(-1, 1, (8, 3, 4, 5)).astype(np.float32))
