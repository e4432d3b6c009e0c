# RUN: %python %s | filecheck %s
"""`x.view(x.size(0), -1)` as the TorchScript exporter writes it folds to one quant.reshape.

Shape -> Gather(0) -> Unsqueeze, Constant(-1) -> Unsqueeze, Concat -> Reshape, with a
symbolic batch. Shape is evaluated from the static inferred shape (batch 1), the rest
with numpy; none of the int64 values reach the IR. A second graph derives the shape of
a Reshape from Shape/Slice/ConstantOfShape/Cast/Mul arithmetic and a Squeeze/Unsqueeze
pair on its data path (opset 11 attribute axes).
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qcomp.frontend.onnx_import import import_model


def model(nodes, inits, opset):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", None])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


view = model([
    helper.make_node("Relu", ["x"], ["r"], name="/Relu"),
    helper.make_node("Shape", ["r"], ["s"], name="/Shape"),
    helper.make_node("Constant", [], ["zero"], name="/Constant", value=numpy_helper.from_array(np.array(0, np.int64))),
    helper.make_node("Gather", ["s", "zero"], ["n"], name="/Gather", axis=0),
    helper.make_node("Constant", [], ["minus1"], name="/Constant_1", value=numpy_helper.from_array(np.array(-1, np.int64))),
    helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="/Unsqueeze"),
    helper.make_node("Unsqueeze", ["minus1", "ax"], ["m1"], name="/Unsqueeze_1"),
    helper.make_node("Concat", ["n1", "m1"], ["shape"], name="/Concat", axis=0),
    helper.make_node("Reshape", ["r", "shape"], ["y"], name="/Reshape"),
], {"ax": np.array([0], np.int64)}, 13)
print(import_model(view))

# CHECK:       func.func @main(%{{.*}}: tensor<1x4x3x3xf32>) -> tensor<1x36xf32>
# CHECK-NEXT:    %[[R:.*]] = quant.relu %{{.*}} {node = "/Relu"}
# CHECK-NEXT:    %[[Y:.*]] = quant.reshape %[[R]] {node = "/Reshape"} : (tensor<1x4x3x3xf32>) -> tensor<1x36xf32>
# CHECK-NEXT:    func.return %[[Y]] : tensor<1x36xf32>
# CHECK-NEXT:  }

arith = model([
    helper.make_node("Shape", ["x"], ["s"]),
    helper.make_node("Slice", ["s", "one", "two"], ["c"]),                   # [4]
    helper.make_node("Cast", ["c"], ["cf"], to=TensorProto.FLOAT),
    helper.make_node("Mul", ["cf", "nine"], ["c9f"]),                         # [36.0]
    helper.make_node("Cast", ["c9f"], ["c9"], to=TensorProto.INT64),
    helper.make_node("ConstantOfShape", ["one"], ["ones"],
                     value=numpy_helper.from_array(np.array([1], np.int64))),  # [1]
    helper.make_node("Concat", ["ones", "c9"], ["shape"], axis=0),           # [1, 36]
    helper.make_node("Unsqueeze", ["x"], ["u"], name="unsq", axes=[0]),
    helper.make_node("Squeeze", ["u"], ["sq"], name="sq", axes=[0]),
    helper.make_node("Reshape", ["sq", "shape"], ["y"], name="flat"),
], {"one": np.array([1], np.int64), "two": np.array([2], np.int64), "nine": np.array([9.0], np.float32)}, 11)
print(import_model(arith))

# CHECK:       func.func @main(%[[X:.*]]: tensor<1x4x3x3xf32>) -> tensor<1x36xf32>
# CHECK-NEXT:    %[[U:.*]] = quant.reshape %[[X]] {node = "unsq"} : (tensor<1x4x3x3xf32>) -> tensor<1x1x4x3x3xf32>
# CHECK-NEXT:    %[[S:.*]] = quant.reshape %[[U]] {node = "sq"} : (tensor<1x1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
# CHECK-NEXT:    %[[Y:.*]] = quant.reshape %[[S]] {node = "flat"} : (tensor<1x4x3x3xf32>) -> tensor<1x36xf32>
# CHECK-NEXT:    func.return %[[Y]] : tensor<1x36xf32>
# CHECK-NEXT:  }
