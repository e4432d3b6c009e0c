# Item 6 of the quantization issue: on every committed model and every test sample, the
# shift executor's integers equal the fake-quant values of the quant executor (per node too).
# RUN: %python %s %repo | filecheck %s
# CHECK: lenet.onnx: outputs 4000/4000 equal, nodes {{[0-9]+}}/{{[0-9]+}} all equal
# CHECK: lenet_dynamo.onnx: outputs 4000/4000 equal, nodes {{[0-9]+}}/{{[0-9]+}} all equal
# CHECK: resnet.onnx: outputs 4000/4000 equal, nodes {{[0-9]+}}/{{[0-9]+}} all equal
# CHECK: resnet_dynamo.onnx: outputs 4000/4000 equal, nodes {{[0-9]+}}/{{[0-9]+}} all equal
import sys
from pathlib import Path

import numpy as np

from qcomp.context import make_context
from qcomp.executors.agreement import check_agreement
from qcomp.frontend.onnx_import import import_onnx_file
from qcomp.pipeline import load_pipeline
from qcomp.testing import fail

repo = Path(sys.argv[1])
x = np.load(repo / "models/digits/test_x.npy")
pipe = load_pipeline("int8_fpga")
pipe.find("calibrate").options["data"] = str(repo / "models/digits/calib.npy")
passes = [p for p in pipe.instantiate() if p.name not in ("lower-quant-to-shift", "check-overflow", "lower-shift-to-emitc", "plan-memory")]
for name in ("lenet/lenet.onnx", "lenet/lenet_dynamo.onnx", "resnet/resnet.onnx", "resnet/resnet_dynamo.onnx"):
    module = import_onnx_file(str(repo / "models" / name))
    for p in passes:
        p.apply(make_context(), module)
    report = check_agreement(module, [x], per_node=True)
    (out,) = report.outputs
    nodes = list(report.nodes.values())
    good = sum(a.equal == a.total for a in nodes)
    verdict = "all equal" if good == len(nodes) and nodes else fail("MISMATCH " + ", ".join(
        f"{a.name}: {a.equal}/{a.total}" for a in nodes if a.equal != a.total))
    print(f"{Path(name).name}: outputs {out.equal}/{out.total} equal, nodes {good}/{len(nodes)} {verdict}")
