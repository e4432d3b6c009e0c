"""Write the minimal models that reproduce C-backend bugs found on real networks (models/repro/).

    python scripts/make_repro_models.py

* `fire_concat.onnx` (+ `fire_calib.npy`, `fire_test.npy`): two SqueezeNet "fire" modules
  (squeeze 1x1 conv, then a 1x1 and a 3x3 expand conv concatenated), then a MaxPool. The two
  Concats have the same shapes, so their C kernels are identical and the memory planner gives
  both calls the same arena offsets. gcc 12.2 at -O2 merges the two kernels (identical code
  folding), specialises the merged one for its constant pointer arguments (IPA-CP) and then
  deletes both calls: the C output is wrong. docs/c-backend.md, "Compiler bugs avoided".
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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    fire_concat(OUT / "fire_concat.onnx")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
