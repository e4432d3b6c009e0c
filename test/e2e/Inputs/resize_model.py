"""Write two small seeded models with Resize and Upsample, with calibration and test inputs:
`resize_model.py DIR` -> DIR/resize.onnx (opset 19), DIR/upsample.onnx (opset 9), DIR/calib.npy, DIR/test.npy.

resize.onnx: Conv -> Relu -> Resize(nearest, asymmetric, floor, scales x2) -> Conv ->
Resize(linear, half_pixel, sizes 13x9: non-dyadic weights, up in H, down in W) ->
Resize(cubic, align_corners, scales 1.5 x 1.25) -> Conv -> Resize(linear, antialias, scales 0.5) ->
Resize(nearest, half_pixel, round_prefer_ceil, sizes 9x7) -> Resize(linear, tf_crop_and_resize,
roi reaching beyond the input: extrapolation_value 0.5), the result is the output.
upsample.onnx: Conv -> Upsample(nearest, x2) -> Conv -> Upsample(linear, 2 x 3).
"""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(19)


def init(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 2 / np.sqrt(np.prod(shape[1:]))).astype(np.float32),
                                   name)


def const(name, values, dtype):
    return numpy_helper.from_array(np.asarray(values, dtype), name)


nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("Resize", ["r1", "", "s2"], ["u1"], name="up_nearest", mode="nearest",
                     coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
    helper.make_node("Conv", ["u1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("Resize", ["c2", "", "", "sz13x9"], ["u2"], name="resize_linear", mode="linear"),
    helper.make_node("Resize", ["u2", "", "s_cubic"], ["u3"], name="resize_cubic", mode="cubic",
                     coordinate_transformation_mode="align_corners"),
    helper.make_node("Conv", ["u3", "w3", "b3"], ["c3"], name="conv3", pads=[1, 1, 1, 1]),
    helper.make_node("Resize", ["c3", "", "s_half"], ["u4"], name="down_antialias", mode="linear", antialias=1),
    helper.make_node("Resize", ["u4", "", "", "sz9x7"], ["u5"], name="up_ceil", mode="nearest",
                     nearest_mode="round_prefer_ceil"),
    helper.make_node("Resize", ["u5", "roi", "", "sz8x6"], ["y"], name="crop", mode="linear",
                     coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=0.5),
]
graph = helper.make_graph(
    nodes, "resize", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 7])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 8, 6])],
    initializer=[init("w1", 6, 3, 3, 3), init("b1", 6), init("w2", 6, 6, 3, 3), init("b2", 6),
                 init("w3", 6, 6, 3, 3), init("b3", 6),
                 const("s2", [1, 1, 2, 2], np.float32), const("sz13x9", [1, 6, 13, 9], np.int64),
                 const("s_cubic", [1, 1, 1.5, 1.25], np.float32), const("s_half", [1, 1, 0.5, 0.5], np.float32),
                 const("sz9x7", [1, 6, 9, 7], np.int64), const("sz8x6", [1, 6, 8, 6], np.int64),
                 const("roi", [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3], np.float32)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
onnx.checker.check_model(model, full_check=True)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "resize.onnx")

nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("Upsample", ["c1", "s2"], ["u1"], name="upsample_nearest", mode="nearest"),
    helper.make_node("Conv", ["u1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("Upsample", ["c2", "s23"], ["y"], name="upsample_linear", mode="linear"),
]
graph = helper.make_graph(
    nodes, "upsample", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 7])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 20, 42])],
    initializer=[init("w1", 4, 3, 3, 3), init("b1", 4), init("w2", 4, 4, 3, 3), init("b2", 4),
                 const("s2", [1, 1, 2, 2], np.float32), const("s23", [1, 1, 2, 3], np.float32)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
onnx.checker.check_model(model, full_check=True)
onnx.save(model, out / "upsample.onnx")
np.save(out / "calib.npy", rng.uniform(-1, 1, (16, 3, 5, 7)).astype(np.float32))
np.save(out / "test.npy", rng.uniform(-1, 1, (8, 3, 5, 7)).astype(np.float32))
