"""Write a small seeded model with every table-lowered activation between convs (Elu, Selu, Celu,
Softplus, Softsign, ThresholdedRelu, Mish, Abs, Neg, Sigmoid, Tanh, HardSwish, LeakyRelu) and
calibration and test inputs: `activations_model.py DIR` -> DIR/act.onnx, DIR/calib.npy, DIR/test.npy."""

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = Path(sys.argv[1])
rng = np.random.default_rng(13)
ACTS = [("Elu", {"alpha": 0.8}), ("Selu", {}), ("Celu", {"alpha": 1.5}), ("Softplus", {}), ("Softsign", {}),
        ("ThresholdedRelu", {"alpha": 0.2}), ("Mish", {}), ("Abs", {}), ("Neg", {}), ("Sigmoid", {}), ("Tanh", {}),
        ("HardSwish", {}), ("LeakyRelu", {"alpha": 0.1})]
C = 6
nodes, inits, x = [], [], "x"
for i, (op, attrs) in enumerate(ACTS):
    cin = 3 if i == 0 else C
    w = (rng.standard_normal((C, cin, 3, 3)) * 1.5 / np.sqrt(cin * 9)).astype(np.float32)
    inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(rng.normal(0, 0.2, C).astype(np.float32), f"b{i}")]
    nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], name=f"conv{i}", pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node(op, [f"c{i}"], [f"a{i}"], name=f"{op.lower()}{i}", **attrs))
    x = f"a{i}"
nodes += [helper.make_node("GlobalAveragePool", [x], ["g"], name="gap"),
          helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
          helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], name="fc", transB=1)]
inits += [numpy_helper.from_array(rng.standard_normal((4, C)).astype(np.float32), "wf"),
          numpy_helper.from_array(np.zeros(4, np.float32), "bf")]
graph = helper.make_graph(nodes, "act", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
onnx.checker.check_model(model)
out.mkdir(parents=True, exist_ok=True)
onnx.save(model, out / "act.onnx")
np.save(out / "calib.npy", rng.uniform(-1, 1, (16, 3, 8, 8)).astype(np.float32))
np.save(out / "test.npy", rng.uniform(-1, 1, (8, 3, 8, 8)).astype(np.float32))
