# RUN: %python %s %repo | filecheck %s
"""examples/conv1x1_s2_to_3x3.py on the committed ResNet (its stride-2 shortcut is a 1x1 conv):
after the rewrite, the float executor's logits and the shift executor's integers are the same
as without it on the whole test split, and the C of the rewritten model is bit-exact. The
integers are compared with correct-bias's round-weights off in both pipelines: GPTQ rounds a
kernel by its input columns, and the 3x3 kernel's zero taps see columns the 1x1 does not."""

import sys
import tempfile
from pathlib import Path

import numpy as np

from qcomp.backend.check import shift_module
from qcomp.context import make_context
from qcomp.executors.quant import QuantExecutor
from qcomp.executors.shift import ShiftExecutor, quantize_input
from qcomp.frontend.onnx_import import import_onnx_file
from qcomp.registry import get_pass, load_plugin
from qcomp.testing import verdict

sys.path.insert(0, str(Path(__file__).parent / "Inputs"))
from pipeline_copy import pipeline_copy  # noqa: E402

repo = Path(sys.argv[1])
model = str(repo / "models/resnet/resnet.onnx")
calib = str(repo / "models/digits/calib.npy")
x = np.load(repo / "models/digits/test_x.npy")
load_plugin(str(repo / "examples/conv1x1_s2_to_3x3.py"))

float_outs = []
for rewrite in (False, True):
    m = import_onnx_file(model)
    get_pass("simplify")().apply(make_context(), m)
    if rewrite:
        get_pass("conv1x1-s2-to-3x3")().apply(make_context(), m)
        k = {tuple(o.weight.type.get_shape()[2:]) for o in m.walk() if o.name == "quant.conv2d"}
        print(f"kernels after the rewrite: {sorted(k)}")
    float_outs.append(QuantExecutor(m).run([x])[0])
diff = float(np.max(np.abs(float_outs[0] - float_outs[1])))
print(f"float logits: max |difference| {diff:.1e} {verdict(diff <= 1e-5)}")

tmp = Path(tempfile.mkdtemp(prefix="qcomp-3x3-"))
NEAREST = ("round-weights: true", "round-weights: false")
nearest = [pipeline_copy(repo / "pipelines/int8_fpga.yaml", tmp / "int8_fpga.yaml", NEAREST),
           pipeline_copy(repo / "examples/int8_fpga_3x3.yaml", tmp / "int8_fpga_3x3.yaml", NEAREST)]
ints = []
for pipe in nearest:
    ex = ShiftExecutor(shift_module(model, pipe, calib))
    ints.append(np.asarray(ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[0]))
same = int(np.all(ints[0] == ints[1], axis=1).sum())
print(f"shift integers: {same}/{len(x)} samples identical {verdict(same == len(x))}")
# CHECK: kernels after the rewrite: [(3, 3)]
# CHECK: float logits: max |difference| {{.*}} ok
# CHECK: shift integers: 400/400 samples identical ok
