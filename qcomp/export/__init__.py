"""Export a quantized (pot-scaled) quant module as a quantized ONNX model that onnxruntime runs.

    from qcomp.export import export_onnx
    model = export_onnx(module, "qdq")        # or "qop"; module: quant IR after pot-scale
    onnx.save(model, "out.onnx")

Every `!quant.pot<iN, e>` value becomes an integer tensor with scale 2^e and zero point 0
(per-axis scales where the type is per axis); weights are integer initializers, biases int32
on the accumulator's scale s_in * s_w. Graph inputs stay float (QuantizeLinear first), graph
outputs are dequantized to float32, and names follow the quant ops' ONNX `node` names.

* "qdq" (`qcomp.export.qdq`): float ONNX ops between DequantizeLinear and QuantizeLinear.
* "qop" (`qcomp.export.qop`): QLinear* / com.microsoft integer ops; an op without an integer
  form is a float island (DequantizeLinear, its float op, QuantizeLinear).

The opset is 13, or the lowest newer one an exported op needs (HardSwish 14, Mish 18, int16
activations 21...); `onnx.checker.check_model(full_check=True)` passes before it is returned.
docs/export.md lists the op mapping and how onnxruntime's results differ from the shift executor's.
"""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation

from qcomp.dialects import quant as q
from qcomp.dialects.constants import element_dtype
from qcomp.errors import QcompError
from qcomp.export.builder import MS_DOMAIN, Exporter, func_of, io_names
from qcomp.export.qdq import QDQ
from qcomp.export.qop import QOP
from qcomp.target import rounding_of

EXPORT_KINDS = ("qdq", "qop")


def _export_op(ex: Exporter, op: Operation) -> None:
    """One quant op: its QOperator form if it has one here (kind "qop"), else its float form."""
    if ex.kind == "qop":
        fn = QOP.lookup(op)
        outs = fn(op, ex) if fn is not None else None
        if outs is not None:
            for i, name in enumerate(outs):
                ex.set_quant_result(op, i, name)
            return
    fn = QDQ.lookup(op)
    if fn is None:
        what = ("has neither a QOperator form nor a float op to put between DequantizeLinear and QuantizeLinear"
                if ex.kind == "qop" else "has no float ONNX op to put between DequantizeLinear and QuantizeLinear")
        raise QcompError(f"export onnx-{ex.kind}: node '{q.node_of(op)}' ({op.name}) {what}")
    outs = fn(op, ex)
    assert outs is not None, f"the QDQ exporter of {op.name} declined"
    for i, raw in enumerate(outs):
        ex.set_float_result(op, i, raw, eager_dequantize=ex.kind == "qdq")


def _value_info(name: str, t: object) -> onnx.ValueInfoProto:
    """A graph input / output: float32 for pot and float tensors (quantized inside the graph),
    else the tensor's own element type."""
    assert isinstance(t, TensorType)
    elem = TensorProto.FLOAT
    if q.pot_of(t) is None and not q.is_float_tensor(t):
        elem = helper.np_dtype_to_tensor_dtype(element_dtype(t.element_type))
    return helper.make_tensor_value_info(name, elem, list(t.get_shape()))


#: onnxruntime session configuration for running qcomp's exports: keep the QDQ form's int8 as int8.
#: Without it onnxruntime on x86 CPUs without VNNI rewrites int8 QDQ pairs to uint8 activations x
#: int8 weights, whose AVX2 kernel (vpmaddubsw) saturates a pair's 16-bit sum: outputs then differ
#: by a few LSBs from the exact integer result (2 of 4000 LeNet logits on an AVX2-only AMD EPYC).
ORT_CONFIG = {"session.qdqisint8allowed": "1"}


def ort_session_options(threads: int = 1):  # type: ignore[no-untyped-def]
    """onnxruntime SessionOptions for an exported model: `ORT_CONFIG`, `threads` intra-op threads,
    warnings only (onnxruntime must be installed)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    for k, v in ORT_CONFIG.items():
        so.add_session_config_entry(k, v)
    return so


def export_onnx(module: ModuleOp, kind: str, *, opset: int | None = None) -> onnx.ModelProto:
    """The ONNX model of `module` (quant IR after pot-scale) in the `kind` format ("qdq" or "qop").

    `opset`: the default-domain opset; None picks 13 or the lowest newer one the model needs (an
    explicit one that is too old is an error naming the op). Raises QcompError naming the ONNX node
    of an op that cannot be exported.
    """
    if kind not in EXPORT_KINDS:
        raise QcompError(f"export onnx: unknown format '{kind}' (known: {', '.join(EXPORT_KINDS)})")
    f = func_of(module)
    ret = f.body.block.last_op
    if not isinstance(ret, func.ReturnOp):
        raise QcompError("export onnx: the function does not end with func.return")
    ex = Exporter(kind, opset, rounding_of(f))
    args = list(f.body.block.args)
    in_names = io_names(f, "input_names", len(args), "input")
    out_names = io_names(f, "output_names", len(ret.operands), "output")
    if len(set(out_names)) != len(out_names) or set(out_names) & set(in_names):
        raise QcompError(f"export onnx: graph input and output names must be distinct: {in_names} -> {out_names}")
    ex.used.update(out_names)  # reserved: the graph outputs take these names at the end
    pending = {v: name for v, name in reversed(list(zip(ret.operands, out_names)))}

    inputs = []
    for arg, name in zip(args, in_names):
        t = ex.add_argument(arg, name)
        t.output = pending.get(arg)
        inputs.append(_value_info(name, arg.type))
        if t.pot is not None:
            ex.quant_of(arg)
            t.f = None
            if kind == "qdq":
                ex.dequantize(arg)
    for op in f.body.block.ops:
        ex.current = op
        if isinstance(op, q.ConstantOp):
            ex.add_constant(op)
        elif isinstance(op, func.ReturnOp):
            break
        else:
            for r in op.results:
                ex.result(op, r.index).output = pending.get(r)
            _export_op(ex, op)
    ex.current = None

    outputs = []
    for v, name in zip(ret.operands, out_names):
        src = ex.float_of(v)
        if src != name:
            ex.node("Identity", [src], [name], name=f"{name}_Identity")
        outputs.append(_value_info(name, v.type))

    graph = helper.make_graph(ex.nodes, f"qcomp_{kind}", inputs, outputs, ex.initializers)
    opsets = [helper.make_opsetid("", ex.opset)]
    if MS_DOMAIN in ex.domains:
        opsets.append(helper.make_opsetid(MS_DOMAIN, 1))
    why = f"; opset {ex.opset} for {ex.reason}" if ex.reason else ""
    model = helper.make_model(graph, opset_imports=opsets, producer_name="qcomp",
                              doc_string=f"qcomp onnx-{kind} export: power-of-two scales (value = q * 2^e), "
                                         f"zero points 0{why}")
    model.ir_version = helper.find_min_ir_version_for(opsets, ignore_unknown=True)
    helper.set_model_props(model, {"qcomp.format": f"onnx-{kind}"})
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        first = next((ln for ln in str(e).splitlines() if ln.strip()), type(e).__name__)
        raise QcompError(f"export onnx-{kind}: the exported model is invalid ONNX: {first}") from None
    return model


__all__ = ["EXPORT_KINDS", "ORT_CONFIG", "export_onnx", "ort_session_options"]
