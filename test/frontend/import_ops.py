# RUN: %python %s | filecheck %s
"""A small graph through `import_model`: op mapping, attributes, node names, outputs.

Covers auto_pad SAME_UPPER -> explicit, here asymmetric, pads [top, left, bottom, right];
Clip with an empty `min` (opset 13); Gemm attributes; a negative Concat axis;
Identity/Dropout dropped; Sum as a chain of quant.add; an unnamed node named
`<op_type>_<index>`; constants named after their initializer; a symbolic batch made 1;
graph outputs kept exactly (an input and a duplicate included).
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qcomp.dialects.constants import elided_constants
from qcomp.frontend.onnx_import import import_model

rng = np.random.default_rng(0)


def init(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


nodes = [
    helper.make_node("Conv", ["x", "conv.w", "conv.b"], ["c"], name="conv", auto_pad="SAME_UPPER",
                     kernel_shape=[3, 3], strides=[2, 2]),
    helper.make_node("Clip", ["c", "", "six"], ["r"], name="relu6"),
    helper.make_node("Dropout", ["r"], ["d"], name="drop"),
    helper.make_node("MaxPool", ["d"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p"], ["f"], name="flat"),
    helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["g"], name="fc", alpha=0.5, transB=1),
    helper.make_node("Identity", ["g"], ["g2"], name="id"),
    helper.make_node("Concat", ["g2", "g"], ["cat"], axis=-1),  # unnamed: Concat_7
    helper.make_node("Sum", ["cat", "cat", "bias"], ["s"], name="sum3"),
    helper.make_node("Softmax", ["s"], ["y"], name="softmax", axis=-1),
]
graph = helper.make_graph(
    nodes, "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 7])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", "x", "cat", "y")],
    [init("conv.w", 4, 3, 3, 3), init("conv.b", 4), numpy_helper.from_array(np.array(6.0, np.float32), "six"),
     init("fc.w", 5, 16), init("fc.b", 5), init("bias", 10)],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])

with elided_constants(4):
    print(import_model(model))

# CHECK:      func.func @main(%[[X:.*]]: tensor<1x3x8x7xf32>) -> (tensor<1x10xf32>, tensor<1x3x8x7xf32>, tensor<1x10xf32>, tensor<1x10xf32>)
# CHECK-NEXT:   %[[W:.*]] = quant.constant dense_resource<__elided__> : tensor<4x3x3x3xf32> {node = "conv.w"}
# CHECK-NEXT:   %[[B:.*]] = quant.constant dense<[{{.*}}]> : tensor<4xf32> {node = "conv.b"}
# CHECK-NEXT:   %[[C:.*]] = quant.conv2d %[[X]], %[[W]], %[[B]] {node = "conv", strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 1, 1>} : (tensor<1x3x8x7xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
# CHECK-NEXT:   %[[R:.*]] = quant.clip %[[C]] {node = "relu6", max = 6.000000e+00 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
# CHECK-NEXT:   %[[P:.*]] = quant.maxpool %[[R]] {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
# CHECK-NEXT:   %[[F:.*]] = quant.flatten %[[P]] {node = "flat", axis = 1 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
# CHECK-NEXT:   %[[FW:.*]] = quant.constant {{.*}} : tensor<5x16xf32> {node = "fc.w"}
# CHECK-NEXT:   %[[FB:.*]] = quant.constant {{.*}} : tensor<5xf32> {node = "fc.b"}
# CHECK-NEXT:   %[[G:.*]] = quant.gemm %[[F]], %[[FW]], %[[FB]] {node = "fc", alpha = 5.000000e-01 : f32, trans_b = 1 : i64} : (tensor<1x16xf32>, tensor<5x16xf32>, tensor<5xf32>) -> tensor<1x5xf32>
# CHECK-NEXT:   %[[CAT:.*]] = quant.concat %[[G]], %[[G]] {node = "Concat_7", axis = 1 : i64} : (tensor<1x5xf32>, tensor<1x5xf32>) -> tensor<1x10xf32>
# CHECK-NEXT:   %[[S1:.*]] = quant.add %[[CAT]], %[[CAT]] {node = "sum3"} : (tensor<1x10xf32>, tensor<1x10xf32>) -> tensor<1x10xf32>
# CHECK-NEXT:   %[[BIAS:.*]] = quant.constant {{.*}} : tensor<10xf32> {node = "bias"}
# CHECK-NEXT:   %[[S2:.*]] = quant.add %[[S1]], %[[BIAS]] {node = "sum3"} : (tensor<1x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
# CHECK-NEXT:   %[[Y:.*]] = quant.softmax %[[S2]] {node = "softmax", axis = 1 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
# CHECK-NEXT:   func.return %[[Y]], %[[X]], %[[CAT]], %[[Y]] : tensor<1x10xf32>, tensor<1x3x8x7xf32>, tensor<1x10xf32>, tensor<1x10xf32>
