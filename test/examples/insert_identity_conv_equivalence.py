# RUN: %python %s %repo | filecheck %s
"""examples/insert_identity_conv.py on the committed ResNet (its ReduceMean is a global_avgpool after
the last Add + ReLU): the identity conv changes nothing, neither in float nor after quantization.

* float: the float executor's logits with and without the pass, on the whole test split;
  max |difference| must be 0 (y = x exactly: x * 1 plus zeros).
* calibrate (int8_fpga's mse) gives the identity conv the very range of its input (case 1 of the
  pass's docstring: the input is the Add with its fused ReLU), so `tie-identity-conv-range` has
  nothing to change; after pot-scale the conv's input and output exponents are equal and its
  weight is 64 * identity at exponent -6: the lowering's shift is 6, an exact division.
* shift integers: int8_fpga with `insert-identity-conv` after `simplify` (and, second run, also
  `tie-identity-conv-range` after `calibrate`) against plain int8_fpga, every test sample.
* case 2 (why the tie pass exists): a small seeded Conv -> MaxPool -> MaxPool graph written to a
  temporary folder. The second pool's input shares the conv's exponent (from the conv's range,
  negatives included), while the identity conv is calibrated on the first pool's output: with mse
  it gets a coarser exponent and the integers differ; with `tie-identity-conv-range` they are
  identical again.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from qcomp.backend.check import C_STAGES
from qcomp.context import make_context
from qcomp.dialects import quant
from qcomp.dialects.ranges import op_range
from qcomp.executors.quant import QuantExecutor
from qcomp.executors.shift import ShiftExecutor, quantize_input
from qcomp.frontend.onnx_import import import_onnx_file
from qcomp.pipeline import configure_calibration, load_pipeline
from qcomp.registry import get_pass, load_plugin
from qcomp.testing import verdict

repo = Path(sys.argv[1])
model = str(repo / "models/resnet/resnet.onnx")
calib = str(repo / "models/digits/calib.npy")
x = np.load(repo / "models/digits/test_x.npy")
load_plugin(str(repo / "examples/insert_identity_conv.py"))
plugin = sys.modules[get_pass("insert-identity-conv").__module__]


def identity_convs(m):
    return [o for o in m.walk() if isinstance(o, quant.Conv2dOp) and o.node_name.endswith(".identity_conv")]


def shift_run(after: dict[str, list[str]], inspect=None, model=model, calib=calib, x=x) -> np.ndarray:
    """The shift executor's integers on x, for int8_fpga with the passes `after[p]` inserted after p."""
    pipe = load_pipeline("int8_fpga")
    configure_calibration(pipe, calib)
    module, ctx = import_onnx_file(model), make_context()
    for p in pipe.instantiate():
        if p.name in C_STAGES:
            continue
        for q in [p, *(get_pass(n)() for n in after.get(p.name, ()))]:
            q.apply(ctx, module)
            if inspect is not None:
                inspect(q.name, module)
    ex = ShiftExecutor(module)
    return np.asarray(ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[0])


float_outs = []
for rewrite in (False, True):
    m = import_onnx_file(model)
    get_pass("simplify")().apply(make_context(), m)
    if rewrite:
        get_pass("insert-identity-conv")().apply(make_context(), m)
        convs = identity_convs(m)
        print(f"identity convs: {[(o.node_name, str(o.weight.type)) for o in convs]}")
    float_outs.append(QuantExecutor(m).run([x])[0])
diff = float(np.max(np.abs(float_outs[0] - float_outs[1])))
print(f"float logits: max |difference| {diff} {verdict(diff == 0.0)}")


def inspect(name, m):
    if name not in ("calibrate", "pot-scale"):
        return
    (conv,) = identity_convs(m)
    if name == "calibrate":
        own, src = op_range(conv), plugin.scale_source_range(conv.input)
        print(f"after calibrate: conv range {own}, input's {src} {verdict(own == src)}")
    if name == "pot-scale":
        e_in, e_out = quant.pot_of(conv.input.type).exp, quant.pot_of(conv.output.type).exp
        w_pot = quant.pot_of(conv.weight.type)
        wq = conv.weight.owner.numpy()[:, :, 0, 0]
        c = wq.shape[0]
        ok = e_in == e_out and w_pot.exps == [-6] and np.array_equal(wq, 64 * np.eye(c))
        print(f"after pot-scale: exponents in {e_in} out {e_out}, weight 64*I at {w_pot.exps} {verdict(ok)}")


base = shift_run({})
for label, after in (("insert after simplify", {"simplify": ["insert-identity-conv"]}),
                     ("and tie after calibrate", {"simplify": ["insert-identity-conv"],
                                                  "calibrate": ["tie-identity-conv-range"]})):
    ints = shift_run(after, inspect)
    same = int(np.all(base == ints, axis=1).sum())
    print(f"shift integers ({label}): {same}/{len(x)} samples identical {verdict(same == len(x))}")


def pool_of_pool(folder: Path) -> tuple[str, str, np.ndarray]:
    """Conv(3->4, 3x3) -> MaxPool 2 -> MaxPool 2 on 1x3x16x16, seeded; (model, calib, test x)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(3)
    w = (rng.standard_normal((4, 3, 3, 3)) * 0.4).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("MaxPool", ["c"], ["m1"], name="mp1", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("MaxPool", ["m1"], ["m2"], name="mp2", kernel_shape=[2, 2], strides=[2, 2])]
    graph = helper.make_graph(nodes, "pool_of_pool", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("m2", TensorProto.FLOAT, [1, 4, 4, 4])],
                              initializer=[numpy_helper.from_array(w, "w")])
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx_model.ir_version = 8
    onnx.save(onnx_model, str(folder / "pp.onnx"))
    data = rng.standard_normal((96, 3, 16, 16)).astype(np.float32)
    np.save(folder / "pp_calib.npy", data[:64])
    return str(folder / "pp.onnx"), str(folder / "pp_calib.npy"), data[64:]


with tempfile.TemporaryDirectory() as tmp:
    pp_model, pp_calib, pp_x = pool_of_pool(Path(tmp))
    pp = {"model": pp_model, "calib": pp_calib, "x": pp_x}
    base = shift_run({}, **pp).reshape(len(pp_x), -1)
    for label, after in (("without tie", {"simplify": ["insert-identity-conv"]}),
                         ("with tie", {"simplify": ["insert-identity-conv"], "calibrate": ["tie-identity-conv-range"]})):
        exps: list[int] = []

        def exponents(name, m, exps=exps):
            if name == "pot-scale":
                (conv,) = identity_convs(m)
                exps.extend([quant.pot_of(conv.input.type).exp, quant.pot_of(conv.output.type).exp])

        same = int(np.all(base == shift_run(after, exponents, **pp).reshape(len(pp_x), -1), axis=1).sum())
        want = same == len(pp_x) if label == "with tie" else same < len(pp_x)
        print(f"case 2 {label}: exponents in {exps[0]} out {exps[1]}, {same}/{len(pp_x)} samples identical "
              f"{verdict(want)}")
# CHECK: identity convs: [('/ReduceMean.identity_conv', 'tensor<32x32x1x1xf32>')]
# CHECK: float logits: max |difference| 0.0 ok
# CHECK: after calibrate: conv range {{.*}} ok
# CHECK: after pot-scale: exponents in [[E:-?[0-9]+]] out [[E]], weight 64*I at [-6] ok
# CHECK: shift integers (insert after simplify): 400/400 samples identical ok
# CHECK: after calibrate: conv range {{.*}} ok
# CHECK: after pot-scale: exponents in [[E]] out [[E]], weight 64*I at [-6] ok
# CHECK: shift integers (and tie after calibrate): 400/400 samples identical ok
# CHECK: case 2 without tie: exponents in [[P:-?[0-9]+]] out {{-?[0-9]+}}, {{[0-9]+}}/32 samples identical ok
# CHECK: case 2 with tie: exponents in [[P]] out [[P]], 32/32 samples identical ok
