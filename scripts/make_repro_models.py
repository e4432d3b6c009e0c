"""Write the minimal models that reproduce C-backend bugs found on real networks (models/repro/).

    python scripts/make_repro_models.py

* `fire_concat.onnx` (+ `fire_calib.npy`, `fire_test.npy`): two SqueezeNet "fire" modules
  (squeeze 1x1 conv, then a 1x1 and a 3x3 expand conv concatenated), then a MaxPool. The two
  Concats have the same shapes, so their C kernels are identical and the memory planner gives
  both calls the same arena offsets. gcc 12.2 at -O2 merges the two kernels (identical code
  folding), specialises the merged one for its constant pointer arguments (IPA-CP) and then
  deletes both calls: the C output is wrong. docs/c-backend.md, "Compiler bugs avoided".
* `preact_bn.onnx`: DenseNet's pre-activation, a BatchNormalization after a Concat (cannot
  fold into a conv), then ReLU and a conv. Rejected by pot-scale before `canonicalize-affine`.
* `paddle_hswish.onnx`: Paddle2ONNX's hard-swish `x * Clip(x + 3, 0, 6) / 6` after a conv
  (a Div by a constant had no lowering).
* `norm_pad.onnx`: input normalisation `(x - mean) / std` of a 0..255 image, then Pad, then
  a conv (cannot fold into the padded conv; a Sub had no lowering); data in [0, 255].
`affine_calib.npy` / `affine_test.npy` (N(0, 1)) feed the first two, `norm_calib.npy` /
`norm_test.npy` (U(0, 255)) the third.
Weights and data come from a fixed seed; no torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parent.parent / "models" / "repro"


def fire_concat(path: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def conv(x: str, cin: int, cout: int, k: int, name: str) -> str:
        w = rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))
        b = rng.normal(0, 0.05, cout)
        inits.append(numpy_helper.from_array(w.astype(np.float32), f"{name}.w"))
        inits.append(numpy_helper.from_array(b.astype(np.float32), f"{name}.b"))
        nodes.append(helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [f"{name}.y"], name=name,
                                      kernel_shape=[k, k], pads=[k // 2] * 4))
        nodes.append(helper.make_node("Relu", [f"{name}.y"], [f"{name}.r"], name=f"{name}_relu"))
        return f"{name}.r"

    def fire(x: str, cin: int, squeeze: int, expand: int, name: str) -> str:
        s = conv(x, cin, squeeze, 1, f"{name}_squeeze")
        a = conv(s, squeeze, expand, 1, f"{name}_expand1x1")
        b = conv(s, squeeze, expand, 3, f"{name}_expand3x3")
        nodes.append(helper.make_node("Concat", [a, b], [f"{name}.cat"], name=f"{name}_concat", axis=1))
        return f"{name}.cat"

    y = conv("input", 3, 16, 3, "stem")
    y = fire(y, 16, 8, 16, "fire2")
    y = fire(y, 32, 8, 16, "fire3")
    nodes.append(helper.make_node("MaxPool", [y], ["pool"], name="pool3", kernel_shape=[3, 3], strides=[2, 2]))
    graph = helper.make_graph(nodes, "fire_concat",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 24, 24])],
                              [helper.make_tensor_value_info("pool", TensorProto.FLOAT, [1, 32, 11, 11])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="qcomp-repro")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    data = rng.standard_normal((24, 3, 24, 24)).astype(np.float32)
    np.save(path.parent / "fire_calib.npy", data[:16])
    np.save(path.parent / "fire_test.npy", data[16:])


def _save(path: Path, nodes: list, inits: dict, inp: list[int], out: list[int]) -> None:
    tensors = [numpy_helper.from_array(v, k) for k, v in inits.items()]
    graph = helper.make_graph(nodes, path.stem, [helper.make_tensor_value_info("x", TensorProto.FLOAT, inp)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out)], initializer=tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="qcomp-repro")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def affine_forms(out: Path, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    f32 = np.float32
    c = 8
    _save(out / "preact_bn.onnx", [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="conv1", pads=[1] * 4),
        helper.make_node("Conv", ["x", "w2"], ["b"], name="conv2", pads=[1] * 4),
        helper.make_node("Concat", ["a", "b"], ["cat"], name="concat", axis=1),
        helper.make_node("BatchNormalization", ["cat", "s", "beta", "m", "v"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("Conv", ["r", "w3"], ["y"], name="conv3", pads=[1] * 4)],
        {"w1": rng.normal(0, .3, (c, 3, 3, 3)).astype(f32), "w2": rng.normal(0, .3, (c, 3, 3, 3)).astype(f32),
         "s": rng.uniform(.5, 1, 2 * c).astype(f32), "beta": rng.normal(0, .1, 2 * c).astype(f32),
         "m": rng.normal(0, .1, 2 * c).astype(f32), "v": rng.uniform(.5, 1.5, 2 * c).astype(f32),
         "w3": rng.normal(0, .2, (4, 2 * c, 3, 3)).astype(f32)}, [1, 3, 8, 8], [1, 4, 8, 8])
    _save(out / "paddle_hswish.onnx", [
        helper.make_node("Conv", ["x", "w"], ["a"], name="conv", pads=[1] * 4),
        helper.make_node("Add", ["a", "three"], ["a3"], name="add3"),
        helper.make_node("Clip", ["a3", "zero", "six"], ["cl"], name="clip"),
        helper.make_node("Mul", ["a", "cl"], ["m"], name="mul"),
        helper.make_node("Div", ["m", "six"], ["y"], name="div6")],
        {"w": rng.normal(0, .5, (4, 3, 3, 3)).astype(f32), "three": np.array(3.0, f32),
         "six": np.array(6.0, f32), "zero": np.array(0.0, f32)}, [1, 3, 8, 8], [1, 4, 8, 8])
    _save(out / "norm_pad.onnx", [
        helper.make_node("Sub", ["x", "mean"], ["s"], name="sub_mean"),
        helper.make_node("Div", ["s", "std"], ["n"], name="div_std"),
        helper.make_node("Pad", ["n", "pads"], ["p"], name="pad"),
        helper.make_node("Conv", ["p", "w"], ["y"], name="conv")],
        {"mean": np.array([123.7, 116.3, 103.5], f32).reshape(1, 3, 1, 1),
         "std": np.array([58.4, 57.1, 57.4], f32).reshape(1, 3, 1, 1),
         "pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "w": rng.normal(0, .3, (4, 3, 3, 3)).astype(f32)},
        [1, 3, 8, 8], [1, 4, 8, 8])
    data = rng.normal(0, 1, (24, 3, 8, 8)).astype(f32)
    np.save(out / "affine_calib.npy", data[:16])
    np.save(out / "affine_test.npy", data[16:])
    data = rng.uniform(0, 255, (24, 3, 8, 8)).astype(f32)
    np.save(out / "norm_calib.npy", data[:16])
    np.save(out / "norm_test.npy", data[16:])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    fire_concat(OUT / "fire_concat.onnx")
    affine_forms(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
