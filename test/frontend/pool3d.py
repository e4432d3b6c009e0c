# REQUIRES: onnxruntime
# RUN: %python %s | filecheck %s
"""3-D MaxPool/AveragePool: imported as two 2-D pools + reshapes, run with the float
executor, compared with onnxruntime on random inputs.

The decomposition pools (H, W) on [N, C*D, H, W], then D on [N, C, D, H'*W'] with a
(kd, 1) kernel. It is exact for max (separable) and for average (the divisor of a box
window is the product of per-axis counts, with and without count_include_pad, ceil-mode
overhang included; dilated windows alike). Also: a
ceil-mode pool whose last window would start in the end padding gets onnxruntime's
shape, not ONNX shape inference's one row/column more, downstream values included.
"""

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

from qcomp.executors.quant import run_module
from qcomp.frontend.onnx_import import import_model
from qcomp.testing import fail

rng = np.random.default_rng(3)
quiet = ort.SessionOptions()
quiet.log_severity_level = 3  # onnxruntime warns where its inferred shape is the wrong one


def model(nodes, shape, out="y", opset=19):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def check(label, m, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    want = ort.InferenceSession(m.SerializeToString(), quiet, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    module = import_model(m)
    got = run_module(module, [x], batched=False)[0]
    ops = [op for op in module.walk() if op.name.startswith("quant.")]
    names = {op.attributes["node"].data for op in ops}
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        print(fail(f"FAIL {label}: shape {list(got.shape)} vs onnxruntime {list(want.shape)}"))
    else:
        print(f"{label}: {list(got.shape)} ok, {len(ops)} ops, nodes {sorted(names)}")


# (label, op, input shape, attributes)
CASES = [
    ("max_default", "MaxPool", [1, 3, 6, 7, 5], dict(kernel_shape=[2, 2, 2])),
    ("max_strides_pads", "MaxPool", [2, 2, 7, 6, 8], dict(kernel_shape=[3, 2, 3], strides=[2, 1, 3],
                                                           pads=[1, 0, 2, 2, 1, 0])),
    ("max_dilations", "MaxPool", [1, 1, 4, 4, 4], dict(kernel_shape=[2, 2, 2], dilations=[2, 2, 2])),
    ("max_ceil_dilations", "MaxPool", [1, 2, 9, 8, 7], dict(kernel_shape=[3, 2, 2], strides=[3, 2, 3],
                                                            dilations=[2, 1, 2], ceil_mode=1)),
    ("max_ceil_pads", "MaxPool", [1, 2, 8, 7, 6], dict(kernel_shape=[3, 3, 2], strides=[2, 3, 2],
                                                       pads=[2, 1, 0, 1, 2, 1], ceil_mode=1)),
    ("max_same_upper", "MaxPool", [1, 2, 5, 7, 6], dict(kernel_shape=[2, 3, 3], strides=[2, 2, 1],
                                                        auto_pad="SAME_UPPER")),
    ("avg_default", "AveragePool", [1, 3, 6, 5, 7], dict(kernel_shape=[2, 2, 2])),
    ("avg_pads", "AveragePool", [2, 2, 7, 8, 6], dict(kernel_shape=[3, 3, 2], strides=[2, 2, 1],
                                                      pads=[1, 2, 0, 2, 1, 1])),
    ("avg_pads_include", "AveragePool", [1, 2, 7, 8, 6], dict(kernel_shape=[3, 3, 2], strides=[2, 2, 1],
                                                              pads=[1, 2, 0, 2, 1, 1], count_include_pad=1)),
    ("avg_ceil", "AveragePool", [1, 2, 8, 7, 9], dict(kernel_shape=[3, 2, 3], strides=[2, 3, 2],
                                                      pads=[1, 0, 1, 0, 1, 2], ceil_mode=1)),
    ("avg_ceil_include", "AveragePool", [1, 2, 8, 7, 9], dict(kernel_shape=[3, 2, 3], strides=[2, 3, 2],
                                                              pads=[1, 0, 1, 0, 1, 2], ceil_mode=1,
                                                              count_include_pad=1)),
    ("avg_ceil_start_in_pad", "AveragePool", [1, 1, 11, 11, 10], dict(kernel_shape=[2, 2, 3], strides=[3, 3, 2],
                                                                      pads=[1, 1, 0, 1, 1, 2], ceil_mode=1,
                                                                      count_include_pad=1)),
    ("avg_dilations", "AveragePool", [1, 2, 7, 8, 9], dict(kernel_shape=[2, 2, 3], dilations=[2, 3, 2],
                                                         pads=[1, 1, 1, 0, 1, 1])),
    ("avg_dilations_include_ceil", "AveragePool", [1, 2, 9, 8, 7], dict(kernel_shape=[3, 2, 2], strides=[2, 2, 3],
                                                                      dilations=[2, 2, 1], pads=[1, 1, 0, 2, 1, 1],
                                                                      ceil_mode=1, count_include_pad=1)),
]

# CHECK: max_default: [1, 3, 5, 6, 4] ok, 5 ops, nodes ['pool']
# CHECK: max_strides_pads: [2, 2, 4, 6, 3] ok, 5 ops, nodes ['pool']
# CHECK: max_dilations: [1, 1, 2, 2, 2] ok, 5 ops, nodes ['pool']
# CHECK: max_ceil_dilations: [1, 2, 3, 4, 3] ok, 5 ops, nodes ['pool']
# CHECK: max_ceil_pads: [1, 2, 5, 3, 3] ok, 5 ops, nodes ['pool']
# CHECK: max_same_upper: [1, 2, 3, 4, 6] ok, 5 ops, nodes ['pool']
# CHECK: avg_default: [1, 3, 5, 4, 6] ok, 5 ops, nodes ['pool']
# CHECK: avg_pads: [2, 2, 4, 5, 6] ok, 5 ops, nodes ['pool']
# CHECK: avg_pads_include: [1, 2, 4, 5, 6] ok, 5 ops, nodes ['pool']
# CHECK: avg_ceil: [1, 2, 4, 3, 5] ok, 5 ops, nodes ['pool']
# CHECK: avg_ceil_include: [1, 2, 4, 3, 5] ok, 5 ops, nodes ['pool']
# CHECK: avg_ceil_start_in_pad: [1, 1, 4, 4, 5] ok, 5 ops, nodes ['pool']
# CHECK: avg_dilations: [1, 2, {{[0-9]+}}, {{[0-9]+}}, {{[0-9]+}}] ok, 5 ops, nodes ['pool']
# CHECK: avg_dilations_include_ceil: [1, 2, {{[0-9]+}}, {{[0-9]+}}, {{[0-9]+}}] ok, 5 ops, nodes ['pool']
for label, op, shape, attrs in CASES:
    check(label, model([helper.make_node(op, ["x"], ["y"], name="pool", **attrs)], shape), shape)

# Ceil mode, last window starting in the end padding: ONNX shape inference says 5x6 (and
# 1x1x3x5x6 in 3-D), onnxruntime computes 4x5; the Relu after the pool follows.
# CHECK: ceil_2d_relu: [1, 1, 4, 5] ok, 2 ops, nodes ['pool', 'relu']
# CHECK: ceil_2d_output: [1, 1, 4, 5] ok, 1 ops, nodes ['pool']
# CHECK: ceil_3d_relu: [1, 1, 3, 4, 5] ok, 6 ops, nodes ['pool', 'relu']
ceil_pool = dict(kernel_shape=[2, 3], strides=[3, 2], pads=[1, 0, 1, 2], ceil_mode=1)
relu = helper.make_node("Relu", ["p"], ["y"], name="relu")
check("ceil_2d_relu", model([helper.make_node("AveragePool", ["x"], ["p"], name="pool", **ceil_pool), relu],
                            [1, 1, 11, 10]), [1, 1, 11, 10])
check("ceil_2d_output", model([helper.make_node("AveragePool", ["x"], ["y"], name="pool", **ceil_pool)],
                              [1, 1, 11, 10]), [1, 1, 11, 10])
check("ceil_3d_relu", model([helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[1, 2, 3],
                                              strides=[1, 3, 2], pads=[0, 1, 0, 0, 1, 2], ceil_mode=1), relu],
                            [1, 1, 3, 11, 10]), [1, 1, 3, 11, 10])
