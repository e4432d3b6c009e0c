"""The QOperator form: quant ops as ONNX / onnxruntime integer ops on int8 tensors.

QLinearConv, QLinearMatMul, com.microsoft QGemm (Gemm: transposes and bias as attributes and an
int32 C, so no weight transpose and no second rounding), com.microsoft QLinearAdd, QLinearMul,
QLinearConcat, QLinearAveragePool, QLinearGlobalAveragePool, QLinearSigmoid and QLinearLeakyRelu;
MaxPool, Clip (ReLU, fused activations), Max / Min, Reshape, Flatten, Transpose, Pad, Slice, Concat
and nearest Resize directly on the integers (a clamp on the grid is exact: its bounds are the
stored integers of the grid's bounds, as are pad and extrapolation values).

An exporter returns the integer result, or None when this op instance has no integer form (not
8 bits, an unsupported attribute...): `export_onnx` then exports it as a float island,
DequantizeLinear -> the QDQ form's float op -> QuantizeLinear.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from qcomp.dialects import quant as q
from qcomp.export import qdq
from qcomp.export.builder import (
    MS_DOMAIN,
    Exported,
    Exporter,
    ExporterTable,
    bias_on_grid,
    int_activation,
    is_8bit,
    same_storage,
)
from qcomp.numerics import dyadic, grid_bound

QOP = ExporterTable()


def _shape(v: SSAValue) -> list[int]:
    return list(q.shape_of(v))


def _per_tensor(ex: Exporter, *values: SSAValue) -> bool:
    return all(not ex.pot(v).per_axis for v in values)


# --------------------------------------------------------------------------- compute


@QOP.register(q.Conv2dOp)
def _conv(op: q.Conv2dOp, ex: Exporter) -> Exported:
    """QLinearConv: int8 x and w (per-channel scales on axis 0), int32 bias at s_x * s_w."""
    if (not is_8bit(op.input, op.weight, op.output) or not _per_tensor(ex, op.input, op.output)
            or not same_storage(op.input, op.output)):
        return None
    pw = ex.pot(op.weight)
    if pw.per_axis and pw.axis.data != 0:
        return None
    b = None
    if op.bias is not None:  # checked first: a declined op leaves nothing behind
        acc = ex.acc_exps(op.input, op.weight, _shape(op.weight)[0])
        b = ex.bias_at(op.bias, acc) if acc is not None else None
        if b is None:
            return None
    ins = [*ex.qparams(op.input), *ex.qparams(op.weight), ex.scale_of(op.output), ex.zero_point_of(op.output)]
    if b is not None:
        ins.append(b)
    return [int_activation(ex, op, "QLinearConv", ins, **qdq.conv_attrs(op))]


@QOP.register(q.GemmOp)
def _gemm(op: q.GemmOp, ex: Exporter) -> Exported:
    """com.microsoft QGemm (transA / transB kept): alpha = m 2^k folded into the weights (m times the
    integers, k into the exponents) and beta into C, exactly as lower-quant-to-shift does; C becomes
    int32 at the accumulator's scale s_a * s_b."""
    if not is_8bit(op.a, op.b, op.output) or not _per_tensor(ex, op.a, op.output) or not same_storage(op.a, op.output):
        return None
    n = _shape(op.output)[1]
    pb = ex.pot(op.b)
    col_axis = 0 if op.tb else 1
    if pb.per_axis and pb.axis.data != col_axis:
        return None
    b_exps = pb.exps if pb.per_axis else [pb.exp]
    ma, ka = dyadic(op.alpha_value)
    mb, kb = dyadic(op.beta_value)
    folded = None
    if (ma, ka) != (1, 0):
        data = ex.constant_ints(op.b)
        if data is None:
            return None
        folded = data.astype(np.int64) * ma
        if folded.min(initial=0) < pb.qmin or folded.max(initial=0) > pb.qmax:
            return None
        b_exps = [e + ka for e in b_exps]
    acc = [ex.pot(op.a).exp + e for e in (b_exps if len(b_exps) > 1 else b_exps * n)]
    shifted = None
    if op.c is not None and mb != 0:  # checked before anything is emitted
        data, pc = ex.constant_ints(op.c), ex.tensor(op.c).pot
        if data is None or pc is None:
            return None
        if data.size not in (1, n) or (data.ndim > 0 and data.shape[-1] != data.size):
            return None  # a C that varies along the rows
        shifted = bias_on_grid(data.reshape(-1).astype(np.int64) * mb, [e + kb for e in pc.exps], acc)
        if shifted is None:
            return None
    if folded is None:
        b_ins = ex.qparams(op.b)
    else:
        base, st = ex.tensor(op.b).base, ex.storage(ex.tensor(op.b))
        b_ins = [ex.initializer(st.store(folded), f"{base}_alpha_quantized"), ex.acc_scale(b_exps, f"{base}_alpha"),
                 ex.initializer(st.store(np.zeros((len(b_exps),) if len(b_exps) > 1 else (), np.int64)),
                                f"{base}_alpha_zero_point")]
    c = ex.initializer(shifted, f"{ex.tensor(op.c).base}_quantized") if shifted is not None and op.c is not None else ""
    ins = [*ex.qparams(op.a), *b_ins, c, ex.scale_of(op.output), ex.zero_point_of(op.output)]
    return [int_activation(ex, op, "QGemm", ins, domain=MS_DOMAIN, transA=1 if op.ta else None,
                           transB=1 if op.tb else None)]


@QOP.register(q.MatMulOp)
def _matmul(op: q.MatMulOp, ex: Exporter) -> Exported:
    """QLinearMatMul (per-column scales of a 2-D B)."""
    if not is_8bit(op.a, op.b, op.output) or not _per_tensor(ex, op.a, op.output) or not same_storage(op.a, op.output):
        return None
    pb = ex.pot(op.b)
    if pb.per_axis and (len(_shape(op.b)) != 2 or pb.axis.data != 1):
        return None
    ins = [*ex.qparams(op.a), *ex.qparams(op.b), ex.scale_of(op.output), ex.zero_point_of(op.output)]
    return [int_activation(ex, op, "QLinearMatMul", ins)]


@QOP.register(q.AddOp, q.MulOp)
def _add_mul(op: q.AddOp | q.MulOp, ex: Exporter) -> Exported:
    """com.microsoft QLinearAdd / QLinearMul (broadcasting as Add / Mul), then the fused clamp."""
    if (not is_8bit(op.lhs, op.rhs, op.output) or not _per_tensor(ex, op.lhs, op.rhs, op.output)
            or not same_storage(op.lhs, op.rhs, op.output)):
        return None
    ins = [*ex.qparams(op.lhs), *ex.qparams(op.rhs), ex.scale_of(op.output), ex.zero_point_of(op.output)]
    return [int_activation(ex, op, "QLinearAdd" if isinstance(op, q.AddOp) else "QLinearMul", ins,
                           domain=MS_DOMAIN)]


@QOP.register(q.MaxOp, q.MinOp)
def _max_min(op: q.MaxOp | q.MinOp, ex: Exporter) -> Exported:
    """Max / Min of the integers when both inputs are on the result's grid (else a float island)."""
    p = ex.tensor(op.output).pot
    if not is_8bit(op.lhs, op.rhs, op.output) or ex.tensor(op.lhs).pot != p or ex.tensor(op.rhs).pot != p:
        return None
    return [qdq.minmax(op, ex, [ex.quant_of(op.lhs), ex.quant_of(op.rhs)], ex.output_name(op, 0, "output_quantized"))]


@QOP.register(q.SigmoidOp, q.LeakyReluOp)
def _lut_ops(op: q.SigmoidOp | q.LeakyReluOp, ex: Exporter) -> Exported:
    """com.microsoft QLinearSigmoid / QLinearLeakyRelu (onnxruntime tabulates them in float)."""
    if not is_8bit(op.input, op.output) or not _per_tensor(ex, op.input, op.output) or not same_storage(op.input, op.output):
        return None
    ins = [*ex.qparams(op.input), ex.scale_of(op.output), ex.zero_point_of(op.output)]
    if isinstance(op, q.SigmoidOp):
        return ex.node("QLinearSigmoid", ins, [ex.output_name(op, 0, "output_quantized")], name=ex.op_base(op),
                       domain=MS_DOMAIN)
    return ex.node("QLinearLeakyRelu", ins, [ex.output_name(op, 0, "output_quantized")], name=ex.op_base(op),
                   domain=MS_DOMAIN, alpha=float(op.alpha.value.data))


# --------------------------------------------------------------------------- clamps and pooling


@QOP.register(q.ReluOp, q.ClipOp)
def _clamp(op: q.ReluOp | q.ClipOp, ex: Exporter) -> Exported:
    """Clip of the integers, after moving them onto the result's grid if it differs."""
    if not is_8bit(op.input, op.output) or not _per_tensor(ex, op.input, op.output):
        return None
    lo, hi = (0.0, float("inf")) if isinstance(op, q.ReluOp) else (op.lo, op.hi)
    base = ex.op_base(op)
    x = ex.requantize(op.input, op.output, ex.quant_of(op.input), f"{base}_input")
    bounds = ex.int_bounds_of(op.output, lo, hi)
    out = ex.output_name(op, 0, "output_quantized")
    if bounds is None:
        return ex.node("Identity", [x], [out], name=base)
    return [ex.int_clip(x, op.output, bounds, out, base)]


def _moved(op: Operation, ex: Exporter, x: SSAValue, run) -> Exported:  # type: ignore[no-untyped-def]
    """A data-movement op on the integers of `x` (`run(name_in, name_out)`), requantized onto the
    result's grid when its exponent differs."""
    if not is_8bit(x, op.results[0]) or not _per_tensor(ex, x, op.results[0]):
        return None
    same = ex.tensor(x).pot == ex.tensor(op.results[0]).pot
    base = ex.op_base(op)
    out = ex.output_name(op, 0, "output_quantized") if same else ex.fresh(f"{base}_moved_quantized")
    y = run(ex.quant_of(x), out)
    return [y if same else ex.requantize(x, op.results[0], y, base)]


@QOP.register(q.MaxPoolOp)
def _maxpool(op: q.MaxPoolOp, ex: Exporter) -> Exported:
    return _moved(op, ex, op.input, lambda x, out: qdq.maxpool(op, ex, x, out))


@QOP.register(q.AvgPoolOp)
def _avgpool(op: q.AvgPoolOp, ex: Exporter) -> Exported:
    """com.microsoft QLinearAveragePool (no dilations)."""
    if (not is_8bit(op.input, op.output) or not _per_tensor(ex, op.input, op.output) or op.dilation_hw != [1, 1]
            or not same_storage(op.input, op.output)):
        return None
    ins = [*ex.qparams(op.input), ex.scale_of(op.output), ex.zero_point_of(op.output)]
    return ex.node("QLinearAveragePool", ins, [ex.output_name(op, 0, "output_quantized")], name=ex.op_base(op),
                   domain=MS_DOMAIN, count_include_pad=1 if op.include_pad else None, **qdq.pool_attrs(op))


@QOP.register(q.GlobalAvgPoolOp)
def _global_avgpool(op: q.GlobalAvgPoolOp, ex: Exporter) -> Exported:
    """com.microsoft QLinearGlobalAveragePool (NCHW)."""
    if not is_8bit(op.input, op.output) or not _per_tensor(ex, op.input, op.output) or not same_storage(op.input, op.output):
        return None
    ins = [*ex.qparams(op.input), ex.scale_of(op.output), ex.zero_point_of(op.output)]
    return ex.node("QLinearGlobalAveragePool", ins, [ex.output_name(op, 0, "output_quantized")],
                   name=ex.op_base(op), domain=MS_DOMAIN, channels_last=0)


# --------------------------------------------------------------------------- data movement


@QOP.register(q.ConcatOp)
def _concat(op: q.ConcatOp, ex: Exporter) -> Exported:
    """Concat of the integers when every input is on the result's grid, else com.microsoft
    QLinearConcat (which requantizes each input)."""
    if not is_8bit(*op.inputs, op.output) or not _per_tensor(ex, *op.inputs, op.output):
        return None
    out = ex.output_name(op, 0, "output_quantized")
    p = ex.tensor(op.output).pot
    if all(ex.tensor(v).pot == p for v in op.inputs):
        return [qdq.concat(op, ex, [ex.quant_of(v) for v in op.inputs], out)]
    if not same_storage(*op.inputs, op.output):
        return None
    ins = [ex.scale_of(op.output), ex.zero_point_of(op.output)]
    for v in op.inputs:
        ins += ex.qparams(v)
    return ex.node("QLinearConcat", ins, [out], name=ex.op_base(op), domain=MS_DOMAIN, axis=op.axis.value.data)


def _register_move(cls, move) -> None:  # type: ignore[no-untyped-def]
    QOP.register(cls)(lambda op, ex: _moved(op, ex, op.operands[0], lambda x, out: move(op, ex, x, out)))


for _cls, _move in qdq.MOVES.items():
    _register_move(_cls, _move)


@QOP.register(q.PadOp)
def _pad(op: q.PadOp, ex: Exporter) -> Exported:
    if not is_8bit(op.input):
        return None
    fill = qdq.pad_fill(op, ex, integers=True)
    return _moved(op, ex, op.input, lambda x, out: qdq.pad(op, ex, x, out, fill))


@QOP.register(q.ResizeNearestOp)
def _resize_nearest(op: q.ResizeNearestOp, ex: Exporter) -> Exported:
    """Nearest Resize gathers integers; the extrapolation value rounded onto the input's grid."""
    if not is_8bit(op.input):
        return None
    pot = ex.pot(op.input)
    k = grid_bound(op.extrapolation, pot.exp, pot.qmin, pot.qmax, ex.rounding) if not pot.per_axis else 0
    fill = float(ex.storage(ex.tensor(op.input)).store(k))
    return _moved(op, ex, op.input, lambda x, out: qdq.resize_nearest(op, ex, x, out, fill))


@QOP.register(q.ZeroInterleaveOp)
def _zero_interleave(op: q.ZeroInterleaveOp, ex: Exporter) -> Exported:
    if not is_8bit(op.input):
        return None
    zero = ex.storage(ex.tensor(op.input)).store(0)
    return _moved(op, ex, op.input, lambda x, out: qdq.zero_interleave(op, ex, x, out, zero))


__all__ = ["QOP"]
