# RUN: %python %s %repo | filecheck %s
"""examples/int8_akida.yaml (int8_fpga + conv1x1-s2-to-3x3, pad-into-maxpool and
insert-identity-conv after simplify, tie-identity-conv-range after calibrate; signed int8
activations, see its header) against int8_fpga with signed activations (`unsigned: false`), both
with correct-bias's round-weights off (GPTQ rounds a kernel by its input columns, and the
rewritten kernels see other columns),
on models/repro/keras_resnet.onnx, where all three passes fire (the 1x1 stride-2 shortcut, Keras'
pool1_pad + pool1_pool, the avg_pool after Add + ReLU), and on the committed ResNet (1x1 shortcut,
ReduceMean after Add + ReLU).

* float: the float executor's logits after simplify, with and without the three passes, on every
  test sample: max |difference| 0.
* shift integers: the shift executor's outputs of the whole pipelines, every test sample identical;
  also without calibration samples (data-free ranges, as `qcomp` without --calib: see case 3 in
  examples/insert_identity_conv.py).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from qcomp.backend.check import shift_module
from qcomp.context import make_context
from qcomp.executors.quant import QuantExecutor
from qcomp.executors.shift import ShiftExecutor, quantize_input
from qcomp.frontend.onnx_import import import_onnx_file
from qcomp.pipeline import load_pipeline
from qcomp.registry import get_pass
from qcomp.testing import verdict

sys.path.insert(0, str(Path(__file__).parent / "Inputs"))
from pipeline_copy import pipeline_copy  # noqa: E402

repo = Path(sys.argv[1])
akida = str(repo / "examples/int8_akida.yaml")
tmp = Path(tempfile.mkdtemp(prefix="qcomp-akida-"))
NEAREST = ("round-weights: true", "round-weights: false")
signed = pipeline_copy(repo / "pipelines/int8_fpga.yaml", tmp / "int8_fpga_signed.yaml", NEAREST,
                       ("unsigned: true", "unsigned: false"))
akida_nearest = pipeline_copy(repo / "examples/int8_akida.yaml", tmp / "int8_akida.yaml", NEAREST)
PASSES = ("conv1x1-s2-to-3x3", "pad-into-maxpool", "insert-identity-conv")
CASES = (("keras_resnet", "models/repro/keras_resnet.onnx", "models/repro/keras_calib.npy", "models/repro/keras_test.npy"),
         ("resnet", "models/resnet/resnet.onnx", "models/digits/calib.npy", "models/digits/test_x.npy"))


def summary(m) -> str:
    """What the target sees: (kernel, stride) of the convs, pads left, pools and their inputs' producers."""
    kernels = sorted({(tuple(o.weight.type.get_shape()[2:]), tuple(o.stride_hw)) for o in m.walk()
                      if o.name == "quant.conv2d"})
    pads = sum(o.name == "quant.pad" for o in m.walk())
    pools = [f"{o.input.owner.name.split('.')[1]}->{o.name.split('.')[1]}" for o in m.walk()
             if o.name in ("quant.maxpool", "quant.avgpool", "quant.global_avgpool")]
    return f"kernels {kernels}, pads {pads}, pools {pools}"


load_pipeline(akida)  # imports its plugins: registers the three passes
for name, model, calib, data in CASES:
    model, calib, x = str(repo / model), str(repo / calib), np.load(repo / data)
    float_outs = []
    for rewrite in (False, True):
        m = import_onnx_file(model)
        get_pass("simplify")().apply(make_context(), m)
        if rewrite:
            for p in PASSES:
                get_pass(p)().apply(make_context(), m)
        print(f"{name} {'rewritten' if rewrite else 'simplified'}: {summary(m)}")
        float_outs.append(QuantExecutor(m).run([x])[0])
    diff = float(np.max(np.abs(float_outs[0] - float_outs[1])))
    print(f"{name} float logits: max |difference| {diff} {verdict(diff == 0.0)}")
    for samples, label in ((calib, "shift integers"), (None, "shift integers, data-free")):
        ints = []
        for pipe in (signed, akida_nearest):
            ex = ShiftExecutor(shift_module(model, pipe, samples))
            ints.append(np.asarray(ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[0]))
        same = int(np.all(ints[0] == ints[1], axis=1).sum())
        print(f"{name} {label}: {same}/{len(x)} samples identical {verdict(same == len(x))}")
# CHECK: keras_resnet simplified: kernels [((1, 1), (2, 2)), ((3, 3), (1, 1)), ((3, 3), (2, 2))], pads 1, pools ['pad->maxpool', 'relu->global_avgpool']
# CHECK: keras_resnet rewritten: kernels [((1, 1), (1, 1)), ((3, 3), (1, 1)), ((3, 3), (2, 2))], pads 0, pools ['relu->maxpool', 'conv2d->global_avgpool']
# CHECK: keras_resnet float logits: max |difference| 0.0 ok
# CHECK: keras_resnet shift integers: 32/32 samples identical ok
# CHECK: keras_resnet shift integers, data-free: 32/32 samples identical ok
# CHECK: resnet simplified: kernels [((1, 1), (2, 2)), ((3, 3), (1, 1)), ((3, 3), (2, 2))], pads 0, pools ['relu->global_avgpool']
# CHECK: resnet rewritten: kernels [((1, 1), (1, 1)), ((3, 3), (1, 1)), ((3, 3), (2, 2))], pads 0, pools ['conv2d->global_avgpool']
# CHECK: resnet float logits: max |difference| 0.0 ok
# CHECK: resnet shift integers: 400/400 samples identical ok
# CHECK: resnet shift integers, data-free: 400/400 samples identical ok
