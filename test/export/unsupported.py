# RUN: %python %s | filecheck %s
"""An op without an ONNX form: the export fails with one QcompError naming the ONNX node and the op.

LeNet's quant IR (after pot-scale) with its quant.reshape replaced by an op of a user dialect
that no exporter is registered for (neither a QOperator nor a float form)."""

from pathlib import Path

from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, result_def
from xdsl.rewriter import Rewriter

from qcomp.backend.check import C_STAGES
from qcomp.context import make_context
from qcomp.dialects import quant as q
from qcomp.errors import QcompError
from qcomp.export import export_onnx
from qcomp.frontend.onnx_import import import_onnx_file
from qcomp.pipeline import configure_calibration, load_pipeline

REPO = Path(__file__).resolve().parents[2]


@irdl_op_definition
class MysteryOp(q.QuantOp):
    """A user op (a plugin's) that the exporters do not know."""

    name = "user.mystery"
    input = operand_def(TensorType)
    output = result_def(TensorType)


pipe = load_pipeline("int8_fpga")
configure_calibration(pipe, str(REPO / "models/digits/calib.npy"))
passes = [p for p in pipe.instantiate() if p.name not in C_STAGES]
module = import_onnx_file(str(REPO / "models/lenet/lenet.onnx"))
ctx = make_context()
for p in passes[: [p.name for p in passes].index("lower-quant-to-shift")]:
    p.apply(ctx, module)
reshape = next(op for op in module.walk() if isinstance(op, q.ReshapeOp))
mystery = MysteryOp.create(operands=[reshape.input], result_types=[reshape.output.type],
                           attributes={"node": StringAttr("/Reshape")})
Rewriter.replace_op(reshape, mystery)

for kind in ("qdq", "qop"):
    try:
        export_onnx(module, kind)
        print(kind, "exported")
    except QcompError as e:
        print(e)
# CHECK: export onnx-qdq: node '/Reshape' (user.mystery) has no float ONNX op to put between DequantizeLinear and QuantizeLinear
# CHECK-NEXT: export onnx-qop: node '/Reshape' (user.mystery) has neither a QOperator form nor a float op to put between DequantizeLinear and QuantizeLinear
