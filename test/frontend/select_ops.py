# REQUIRES: onnxruntime
# RUN: %python %s | filecheck %s
"""Max, Min, PRelu, GlobalMaxPool, ReduceMax, Slice and Split through `import_model`: the quant
ops each form becomes, the float result against onnxruntime, and the forms that are rejected.

Max / Min with all-equal constants become a clip after the chain of binary ops (n-ary, with
broadcasting; Max(x, -inf) is x); other constants stay operands. PRelu with one slope value is
a LeakyRelu. GlobalMaxPool and ReduceMax are max pools over the whole (reshaped) plane.
Slice bounds are clamped as ONNX does (negative, past the end, negative steps reversing); Split
takes `split` (input since opset 13, attribute before), `num_outputs` (opset 18, the last part
smaller), or equal parts, and emits only the parts that are used. Empty slices, parts and
ReduceMax over an empty set (-inf, a constant) follow ONNX at the float level.
"""

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from qcomp.errors import UnsupportedModelError
from qcomp.executors.quant import run_module
from qcomp.frontend.onnx_import import import_model
from qcomp.testing import verdict

RNG = np.random.default_rng(4)
f32, i64 = np.float32, np.int64
n = helper.make_node


def model(nodes, inputs, inits, outs, opset):
    g = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v.shape)) for k, v in inputs.items()],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def case(label, nodes, inputs, inits, outs, opset=13, show=True):
    """Import, print the quant ops (not the constants), run against onnxruntime."""
    m = model(nodes, inputs, inits, outs, opset)
    module = import_model(m)
    if show:
        for op in module.walk():
            if op.name.startswith("quant.") and op.name != "quant.constant":
                print(f"{label}: {op.name} {dict((k, str(v)) for k, v in op.attributes.items() if k != 'node')}")
    ref = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, inputs)
    got = run_module(module, list(inputs.values()), batched=False)
    ok = all(r.shape == y.shape and np.array_equal(r, y) for r, y in zip(ref, got))
    print(f"{label} {verdict(ok, label)} {[list(r.shape) for r in ref]}")


def reject(label, nodes, inputs, inits, outs, opset=13):
    try:
        import_model(model(nodes, inputs, inits, outs, opset))
        print(f"{label}: FAIL (imported)")
    except UnsupportedModelError as e:
        print(f"{label}: {e}")


x = RNG.standard_normal((1, 4, 5, 6)).astype(f32)
y = RNG.standard_normal((1, 4, 1, 6)).astype(f32)

case("max_nary", [n("Max", ["x", "y", "zero", "m1"], ["o"], name="max")], {"x": x, "y": y},
     {"zero": f32(0), "m1": np.full((1, 4, 1, 1), -1.0, f32)}, ["o"])
# CHECK: max_nary: quant.max {}
# CHECK-NEXT: max_nary: quant.clip {'min': '0.000000e+00 : f32'}
# CHECK-NEXT: max_nary ok
case("clamp", [n("Max", ["x", "lo"], ["a"], name="max"), n("Min", ["a", "hi", "inf"], ["o"], name="min")], {"x": x},
     {"lo": f32(-0.5), "hi": f32(0.75), "inf": f32(np.inf)}, ["o"])
# CHECK: clamp: quant.clip {'min': '-5.000000e-01 : f32'}
# CHECK-NEXT: clamp: quant.clip {'max': '7.500000e-01 : f32'}
# CHECK-NEXT: clamp ok
case("max_neg_inf", [n("Max", ["x", "ninf"], ["o"], name="max")], {"x": x}, {"ninf": f32(-np.inf)}, ["o"])
# CHECK-NOT: max_neg_inf: quant
# CHECK: max_neg_inf ok
case("min_const", [n("Min", ["k", "x"], ["o"], name="min")], {"x": x}, {"k": RNG.standard_normal((4, 1, 1)).astype(f32)},
     ["o"])
# CHECK: min_const: quant.min {}
# CHECK-NEXT: min_const ok
case("max_expands", [n("Max", ["g", "z"], ["o"], name="max")], {"g": RNG.standard_normal((1, 4, 1, 1)).astype(f32)},
     {"z": np.zeros((1, 4, 3, 3), f32)}, ["o"])
# CHECK: max_expands: quant.max {}
# CHECK-NEXT: max_expands ok [
# CHECK-SAME: [1, 4, 3, 3]

slope = RNG.uniform(-0.5, 1.5, (4, 1, 1)).astype(f32)
case("prelu_channel", [n("PRelu", ["x", "s"], ["o"], name="p")], {"x": x}, {"s": slope}, ["o"])
# CHECK: prelu_channel: quant.prelu {}
# CHECK-NEXT: prelu_channel ok
case("prelu_scalar", [n("PRelu", ["x", "s"], ["o"], name="p")], {"x": x}, {"s": np.full((1, 1, 1), 0.25, f32)}, ["o"])
# CHECK: prelu_scalar: quant.leaky_relu {'alpha': '2.500000e-01 : f32'}
# CHECK-NEXT: prelu_scalar ok
case("prelu_full", [n("PRelu", ["x", "s"], ["o"], name="p")], {"x": x[0]}, {"s": RNG.uniform(0, 1, (4, 5, 6)).astype(f32)},
     ["o"], opset=16)
# CHECK: prelu_full: quant.prelu {}
# CHECK-NEXT: prelu_full ok

case("gmp", [n("GlobalMaxPool", ["x"], ["o"], name="gmp")], {"x": x}, {}, ["o"])
# CHECK: gmp: quant.maxpool {'kernel': 'array<i64: 5, 6>'}
# CHECK-NEXT: gmp ok
case("gmp_1d", [n("GlobalMaxPool", ["x"], ["o"], name="gmp")], {"x": x[:, :, 0]}, {}, ["o"])
# CHECK: gmp_1d: quant.reshape {}
# CHECK-NEXT: gmp_1d: quant.maxpool {'kernel': 'array<i64: 1, 6>'}
# CHECK-NEXT: gmp_1d: quant.reshape {}
# CHECK-NEXT: gmp_1d ok [
# CHECK-SAME: [1, 4, 1]
case("gmp_3d", [n("GlobalMaxPool", ["x"], ["o"], name="gmp")], {"x": x[:, :, None]}, {}, ["o"])
# CHECK: gmp_3d: quant.maxpool {'kernel': 'array<i64: 1, 30>'}
# CHECK: gmp_3d ok [
# CHECK-SAME: [1, 4, 1, 1, 1]
case("reduce_hw", [n("ReduceMax", ["x"], ["o"], name="r", axes=[-1, -2], keepdims=0)], {"x": x}, {}, ["o"])
# CHECK: reduce_hw: quant.maxpool {'kernel': 'array<i64: 5, 6>'}
# CHECK-NEXT: reduce_hw: quant.reshape {}
# CHECK-NEXT: reduce_hw ok [
# CHECK-SAME: [1, 4]
case("reduce_c", [n("ReduceMax", ["x", "ax"], ["o"], name="r")], {"x": x}, {"ax": np.array([1], i64)}, ["o"], opset=18)
# CHECK: reduce_c: quant.transpose {'perm': 'array<i64: 0, 2, 3, 1>'}
# CHECK: reduce_c: quant.maxpool {'kernel': 'array<i64: 4, 1>'}
# CHECK: reduce_c ok [
# CHECK-SAME: [1, 1, 5, 6]
case("reduce_all", [n("ReduceMax", ["x"], ["o"], name="r", keepdims=0)], {"x": x}, {}, ["o"], show=False)
# CHECK: reduce_all ok [
# CHECK-SAME: []

case("slice", [n("Slice", ["x", "s", "e", "a", "st"], ["o"], name="sl")], {"x": x},
     {"s": np.array([1, -1, -100], i64), "e": np.array([1 << 62, -100, 4], i64), "a": np.array([1, 3, 2], i64),
      "st": np.array([2, -2, 3], i64)}, ["o"])
# CHECK: slice: quant.slice {'starts': 'array<i64: 0, 1, 0, 5>', 'ends': 'array<i64: 1, 4, 4, -1>', 'steps': 'array<i64: 1, 2, 3, -2>'}
# CHECK-NEXT: slice ok
case("slice_opset9", [n("Slice", ["x"], ["o"], name="sl", starts=[1], ends=[3], axes=[2])], {"x": x}, {}, ["o"], opset=9)
# CHECK: slice_opset9: quant.slice {'starts': 'array<i64: 0, 0, 1, 0>', 'ends': 'array<i64: 1, 4, 3, 6>', 'steps': 'array<i64: 1, 1, 1, 1>'}
# CHECK-NEXT: slice_opset9 ok
case("slice_all", [n("Slice", ["x", "s", "e"], ["o"], name="sl")], {"x": x},
     {"s": np.array([0], i64), "e": np.array([1 << 40], i64)}, ["o"])
# CHECK-NOT: slice_all: quant
# CHECK: slice_all ok
# Empty tensors at the float level (ONNX's conformance cases have them; nothing compiles them to C).
case("slice_empty", [n("Slice", ["x", "s", "e", "a", "st"], ["o"], name="sl")], {"x": x},
     {"s": np.array([3], i64), "e": np.array([2], i64), "a": np.array([2], i64), "st": np.array([1], i64)}, ["o"])
# CHECK: slice_empty: quant.slice {'starts': 'array<i64: 0, 0, 0, 0>', 'ends': 'array<i64: 1, 4, 0, 6>', 'steps': 'array<i64: 1, 1, 1, 1>'}
# CHECK-NEXT: slice_empty ok [
# CHECK-SAME: [1, 4, 0, 6]
case("split_empty", [n("Split", ["x", "sp"], ["a", "b"], name="sp", axis=1)], {"x": x}, {"sp": np.array([0, 4], i64)},
     ["a", "b"], show=False)
# CHECK: split_empty ok [
# CHECK-SAME: [1, 0, 5, 6], [1, 4, 5, 6]
case("reduce_empty", [n("ReduceMax", ["x"], ["o"], name="r", axes=[1], keepdims=1)], {"x": np.zeros((1, 0, 3), f32)}, {},
     ["o"], opset=13)
# CHECK: reduce_empty ok [
# CHECK-SAME: [1, 1, 3]
case("split13", [n("Split", ["x", "sp"], ["a", "b", "c"], name="sp", axis=1)], {"x": x}, {"sp": np.array([1, 2, 1], i64)},
     ["c", "a"])
# CHECK: split13: quant.slice {'starts': 'array<i64: 0, 0, 0, 0>', 'ends': 'array<i64: 1, 1, 5, 6>'
# CHECK-NEXT: split13: quant.slice {'starts': 'array<i64: 0, 3, 0, 0>', 'ends': 'array<i64: 1, 4, 5, 6>'
# CHECK-NEXT: split13 ok
case("split11", [n("Split", ["x"], ["a", "b"], name="sp", axis=-1, split=[4, 2])], {"x": x}, {}, ["a", "b"], opset=11,
     show=False)
# CHECK: split11 ok [
# CHECK-SAME: [1, 4, 5, 4], [1, 4, 5, 2]
case("split_equal", [n("Split", ["x"], ["a", "b"], name="sp", axis=2)], {"x": x[:, :, :4]}, {}, ["a", "b"], show=False)
# CHECK: split_equal ok [
# CHECK-SAME: [1, 4, 2, 6], [1, 4, 2, 6]
case("split18", [n("Split", ["x"], ["a", "b", "c"], name="sp", axis=2, num_outputs=3)], {"x": x}, {},
     ["a", "b", "c"], opset=18, show=False)
# CHECK: split18 ok [
# CHECK-SAME: [1, 4, 2, 6], [1, 4, 2, 6], [1, 4, 1, 6]

reject("prelu_runtime_slope", [n("PRelu", ["x", "s"], ["o"], name="p")], {"x": x, "s": slope}, {}, ["o"])
# CHECK: prelu_runtime_slope: node 'p' (op PRelu): the slope (input 's') must be a constant
reject("slice_runtime", [n("Slice", ["x", "s", "e"], ["o"], name="sl")], {"x": x, "s": x}, {"e": np.array([2], i64)}, ["o"])
# CHECK: slice_runtime: node 'sl' (op Slice): starts (input 's') must be a constant
reject("slice_step0", [n("Slice", ["x", "s", "e", "a", "st"], ["o"], name="sl")], {"x": x},
       {"s": np.array([0], i64), "e": np.array([2], i64), "a": np.array([1], i64), "st": np.array([0], i64)}, ["o"])
# CHECK: slice_step0: node 'sl' (op Slice): step 0 on axis 1
reject("slice_repeated", [n("Slice", ["x", "s", "e", "a"], ["o"], name="sl")], {"x": x},
       {"s": np.array([0, 1], i64), "e": np.array([2, 3], i64), "a": np.array([1, -3], i64)}, ["o"])
# CHECK: slice_repeated: node 'sl' (op Slice): axis -3 is repeated in axes [1, -3]
reject("split_sizes", [n("Split", ["x", "sp"], ["a", "b"], name="sp", axis=1)], {"x": x}, {"sp": np.array([1, 2], i64)},
       ["a", "b"])
# CHECK: split_sizes: node 'sp' (op Split): split sizes [1, 2] do not cut axis 1 of size 4 into 2 parts
# CHECK-NOT: FAIL
