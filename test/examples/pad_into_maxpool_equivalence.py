# RUN: %python %s %repo | filecheck %s
"""examples/pad_into_maxpool.py on models/repro/keras_resnet.onnx (Keras ResNet-50's idiom
conv1_relu -> pool1_pad (ZeroPadding2D) -> pool1_pool (MaxPool 3x3 s2), see
scripts/make_keras_resnet.py): after `simplify` the Pad is the only one left (conv1_pad folds into
conv1_conv) and the pass folds it into the MaxPool's pads.

* float: the float executor's logits with and without the pass on the whole test split;
  max |difference| must be 0 (the zeros never win a window of values >= 0).
* shift integers: int8_fpga with `pad-into-maxpool` after `simplify` against plain int8_fpga,
  every test sample identical.
"""

import sys
from pathlib import Path

import numpy as np

from qcomp.backend.check import C_STAGES
from qcomp.context import make_context
from qcomp.executors.quant import QuantExecutor
from qcomp.executors.shift import ShiftExecutor, quantize_input
from qcomp.frontend.onnx_import import import_onnx_file
from qcomp.pipeline import configure_calibration, load_pipeline
from qcomp.registry import get_pass, load_plugin
from qcomp.testing import verdict

repo = Path(sys.argv[1])
model = str(repo / "models/repro/keras_resnet.onnx")
calib = str(repo / "models/repro/keras_calib.npy")
x = np.load(repo / "models/repro/keras_test.npy")
load_plugin(str(repo / "examples/pad_into_maxpool.py"))


def shift_run(after: dict[str, list[str]]):
    """The shift module and its integers on x, for int8_fpga with the passes `after[p]` inserted after p."""
    pipe = load_pipeline("int8_fpga")
    configure_calibration(pipe, calib)
    module, ctx = import_onnx_file(model), make_context()
    for p in pipe.instantiate():
        if p.name in C_STAGES:
            continue
        for q in [p, *(get_pass(n)() for n in after.get(p.name, ()))]:
            q.apply(ctx, module)
    ex = ShiftExecutor(module)
    return module, np.asarray(ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[0])


float_outs = []
for rewrite in (False, True):
    m = import_onnx_file(model)
    get_pass("simplify")().apply(make_context(), m)
    if rewrite:
        get_pass("pad-into-maxpool")().apply(make_context(), m)
    pads = [o.node_name for o in m.walk() if o.name == "quant.pad"]
    pools = [(o.node_name, o.pad_tlbr) for o in m.walk() if o.name == "quant.maxpool"]
    print(f"{'after' if rewrite else 'before'} the pass: pads {pads}, maxpools {pools}")
    float_outs.append(QuantExecutor(m).run([x])[0])
diff = float(np.max(np.abs(float_outs[0] - float_outs[1])))
print(f"float logits: max |difference| {diff} {verdict(diff == 0.0)}")

_, base = shift_run({})
m, ints = shift_run({"simplify": ["pad-into-maxpool"]})
print(f"shift ops: {sorted({o.name for o in m.walk() if o.name.startswith('shift.') and 'pool' in o.name or o.name == 'shift.pad'})}")
same = int(np.all(base == ints, axis=1).sum())
print(f"shift integers: {same}/{len(x)} samples identical {verdict(same == len(x))}")
# CHECK: before the pass: pads ['pool1_pad'], maxpools [('pool1_pool', [0, 0, 0, 0])]
# CHECK: after the pass: pads [], maxpools [('pool1_pool', [1, 1, 1, 1])]
# CHECK: float logits: max |difference| 0.0 ok
# CHECK: shift ops: ['shift.global_avgpool', 'shift.maxpool']
# CHECK: shift integers: 32/32 samples identical ok
