"""The QDQ form: every quant op as its float ONNX op, with DequantizeLinear on its inputs and
QuantizeLinear + DequantizeLinear on each pot-typed result (added by `qcomp.export.export_onnx`).

An exporter here reads its operands' float tensors (`ex.float_of`) and returns the raw float
result, before quantization. The QOperator form (`qcomp.export.qop`) reuses these exporters for
the ops that have no integer ONNX op (a float island between DequantizeLinear and QuantizeLinear).
Fused activations (act_min / act_max) become a Relu or Clip after the op, before its
QuantizeLinear. Data-movement exporters take the input tensor's name, so that the QOperator form
can run the same ONNX ops directly on the integers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from xdsl.ir import Operation, SSAValue

from qcomp.dialects import quant as q
from qcomp.dialects.traits import ElementwiseFunction
from qcomp.export.builder import (
    Exported,
    Exporter,
    ExporterTable,
    first_opset,
    float_activation,
)
from qcomp.numerics import grid_bound

QDQ = ExporterTable()


def _shape(v: SSAValue) -> list[int]:
    return list(q.shape_of(v))


def _bias_float(ex: Exporter, b: SSAValue, acc: list[int] | None) -> str:
    """The float bias: its integers on the accumulator's exponents (the scale s_in * s_w the QLinear
    ops and onnxruntime's QDQ fusion expect) when they are exact there, else its own DequantizeLinear."""
    if acc is not None:
        name = ex.bias_at(b, acc)
        if name is not None:
            base = ex.tensor(b).base
            out = ex.fresh(f"{base}_dequantized")
            zp = ex.initializer(np.zeros((len(acc),) if len(set(acc)) > 1 else (), np.int32), f"{base}_zero_point")
            return ex.node("DequantizeLinear", [name, ex.acc_scale(acc, base), zp], [out],
                           name=f"{base}_DequantizeLinear", axis=0 if len(set(acc)) > 1 else None)[0]
    return ex.float_of(b)


# --------------------------------------------------------------------------- compute


def conv_attrs(op: q.Conv2dOp) -> dict[str, Any]:
    kh, kw = _shape(op.weight)[2:]
    return {"kernel_shape": [kh, kw], "pads": op.pad_tlbr, "strides": op.stride_hw,
            "dilations": op.dilation_hw, "group": op.groups}


@QDQ.register(q.Conv2dOp)
def _conv(op: q.Conv2dOp, ex: Exporter) -> Exported:
    ins = [ex.float_of(op.input), ex.float_of(op.weight)]
    if op.bias is not None:
        ins.append(_bias_float(ex, op.bias, ex.acc_exps(op.input, op.weight, _shape(op.weight)[0])))
    return [float_activation(ex, op, "Conv", ins, **conv_attrs(op))]


@QDQ.register(q.GemmOp)
def _gemm(op: q.GemmOp, ex: Exporter) -> Exported:
    ins = [ex.float_of(op.a), ex.float_of(op.b)]
    if op.c is not None:
        acc = None
        if op.alpha_value == 1.0 and op.beta_value == 1.0 and len(_shape(op.c)) == 1:
            n = _shape(op.output)[1]
            pb = ex.tensor(op.b).pot
            if pb is None or not pb.per_axis or pb.axis.data == (0 if op.tb else 1):
                acc = ex.acc_exps(op.a, op.b, n)
        ins.append(_bias_float(ex, op.c, acc))
    attrs: dict[str, Any] = {"alpha": op.alpha_value if op.alpha_value != 1.0 else None,
             "beta": op.beta_value if op.beta_value != 1.0 else None,
             "transA": 1 if op.ta else None, "transB": 1 if op.tb else None}
    return [float_activation(ex, op, "Gemm", ins, **attrs)]


@QDQ.register(q.MatMulOp)
def _matmul(op: q.MatMulOp, ex: Exporter) -> Exported:
    return [float_activation(ex, op, "MatMul", [ex.float_of(op.a), ex.float_of(op.b)])]


@QDQ.register(q.BatchNormOp)
def _batch_norm(op: q.BatchNormOp, ex: Exporter) -> Exported:
    ins = [ex.float_of(v) for v in op.operands]
    return ex.node("BatchNormalization", ins, [ex.output_name(op)], name=ex.op_base(op), epsilon=op.eps)


_BINARY = {q.AddOp: "Add", q.SubOp: "Sub", q.MulOp: "Mul", q.DivOp: "Div", q.MaxOp: "Max", q.MinOp: "Min"}


@QDQ.register(*_BINARY)
def _binary(op: q.BinaryOp, ex: Exporter) -> Exported:
    return [float_activation(ex, op, _BINARY[type(op)], [ex.float_of(op.lhs), ex.float_of(op.rhs)])]


@QDQ.register(q.PReluOp)
def _prelu(op: q.PReluOp, ex: Exporter) -> Exported:
    return ex.node("PRelu", [ex.float_of(op.input), ex.float_of(op.slope)], [ex.output_name(op)],
                   name=ex.op_base(op))


# --------------------------------------------------------------------------- elementwise


@QDQ.register(q.ReluOp)
def _relu(op: q.ReluOp, ex: Exporter) -> Exported:
    return ex.node("Relu", [ex.float_of(op.input)], [ex.output_name(op)], name=ex.op_base(op))


@QDQ.register(q.ClipOp)
def _clip(op: q.ClipOp, ex: Exporter) -> Exported:
    out = ex.output_name(op)
    lo = ex.const_f32(op.lo, f"{out}_min") if op.lo > -math.inf else ""
    hi = ex.const_f32(op.hi, f"{out}_max") if op.hi < math.inf else ""
    return ex.node("Clip", [ex.float_of(op.input), lo, hi], [out], name=ex.op_base(op))


def onnx_function_name(fn_name: str) -> str:
    """The ONNX op of an `ElementwiseFunction`: its name in CamelCase (hard_swish -> HardSwish)."""
    return "".join(w.capitalize() for w in fn_name.split("_"))


@QDQ.register(ElementwiseFunction)
def _function(op: Operation, ex: Exporter) -> Exported:
    """sigmoid, tanh, hard_sigmoid, hard_swish, leaky_relu, elu, ...: the ONNX op of the same name,
    with the function's float attributes (alpha, beta, gamma: ONNX's attribute names)."""
    trait = op.get_trait(ElementwiseFunction)
    assert trait is not None
    op_type = onnx_function_name(trait.fn_name)
    if first_opset(op_type) is None:
        raise ex.fail(f"ONNX has no op {op_type} for the function '{trait.fn_name}'", op)
    attrs: dict[str, Any] = {p: float(op.attributes[p].value.data) for p in trait.params}  # type: ignore[attr-defined]
    return ex.node(op_type, [ex.float_of(op.operands[0])], [ex.output_name(op)], name=ex.op_base(op), **attrs)


@QDQ.register(q.SoftmaxOp)
def _softmax(op: q.SoftmaxOp, ex: Exporter) -> Exported:
    return ex.node("Softmax", [ex.float_of(op.input)], [ex.output_name(op)], name=ex.op_base(op),
                   axis=op.axis.value.data)


@QDQ.register(q.LrnOp)
def _lrn(op: q.LrnOp, ex: Exporter) -> Exported:
    """ONNX LRN; an even size (which onnxruntime rejects) as its definition: the squares averaged
    over the channel window [c - floor((size-1)/2), c + ceil((size-1)/2)] by an AveragePool."""
    x, out, base, size = ex.float_of(op.input), ex.output_name(op), ex.op_base(op), op.size_value
    if size % 2:
        return ex.node("LRN", [x], [out], name=base, size=size, alpha=op.alpha_value, beta=op.beta_value,
                       bias=op.bias_value)
    n, c, *spatial = _shape(op.input)
    sq = ex.node("Mul", [x, x], [ex.fresh(f"{out}_square")], name=f"{base}/square")[0]
    sq = ex.node("Reshape", [sq, ex.const_i64([n, 1, c, int(np.prod(spatial))], f"{out}_shape")],
                 [ex.fresh(f"{out}_square_4d")], name=f"{base}/reshape")[0]
    lo, hi = (size - 1) // 2, size - 1 - (size - 1) // 2
    mean = ex.node("AveragePool", [sq], [ex.fresh(f"{out}_mean")], name=f"{base}/window", kernel_shape=[size, 1],
                   pads=[lo, 0, hi, 0], count_include_pad=1)[0]
    mean = ex.node("Reshape", [mean, ex.const_i64(_shape(op.input), f"{out}_shape_back")], [ex.fresh(f"{out}_mean_nchw")],
                   name=f"{base}/reshape_back")[0]
    scaled = ex.node("Mul", [mean, ex.const_f32(op.alpha_value, f"{out}_alpha")], [ex.fresh(f"{out}_scaled")],
                     name=f"{base}/alpha")[0]
    biased = ex.node("Add", [scaled, ex.const_f32(op.bias_value, f"{out}_bias")], [ex.fresh(f"{out}_biased")],
                     name=f"{base}/bias")[0]
    denom = ex.node("Pow", [biased, ex.const_f32(op.beta_value, f"{out}_beta")], [ex.fresh(f"{out}_denominator")],
                    name=f"{base}/beta")[0]
    return ex.node("Div", [x, denom], [out], name=base)


# --------------------------------------------------------------------------- pooling


def pool_attrs(op: q.PoolOp) -> dict[str, Any]:
    return {"kernel_shape": op.kernel_hw, "strides": op.stride_hw, "pads": op.pad_tlbr,
            "ceil_mode": 1 if op.ceil else None}


def maxpool(op: q.MaxPoolOp, ex: Exporter, x: str, out: str) -> str:
    return ex.node("MaxPool", [x], [out], name=ex.op_base(op), dilations=op.dilation_hw, **pool_attrs(op))[0]


@QDQ.register(q.MaxPoolOp)
def _maxpool(op: q.MaxPoolOp, ex: Exporter) -> Exported:
    return [maxpool(op, ex, ex.float_of(op.input), ex.output_name(op))]


@QDQ.register(q.AvgPoolOp)
def _avgpool(op: q.AvgPoolOp, ex: Exporter) -> Exported:
    dil = None
    if op.dilation_hw != [1, 1]:
        ex.require(19, "AveragePool with dilations")
        dil = op.dilation_hw
    return ex.node("AveragePool", [ex.float_of(op.input)], [ex.output_name(op)], name=ex.op_base(op),
                   count_include_pad=1 if op.include_pad else None, dilations=dil, **pool_attrs(op))


@QDQ.register(q.GlobalAvgPoolOp)
def _global_avgpool(op: q.GlobalAvgPoolOp, ex: Exporter) -> Exported:
    return ex.node("GlobalAveragePool", [ex.float_of(op.input)], [ex.output_name(op)], name=ex.op_base(op))


# --------------------------------------------------------------------------- data movement
# Each takes the input tensor `x` and the output name, and works on floats or integers alike.


def reshape(op: Operation, ex: Exporter, x: str, out: str) -> str:
    shape = ex.const_i64(_shape(op.results[0]), f"{out}_shape")
    return ex.node("Reshape", [x, shape], [out], name=ex.op_base(op))[0]


def flatten(op: q.FlattenOp, ex: Exporter, x: str, out: str) -> str:
    return ex.node("Flatten", [x], [out], name=ex.op_base(op), axis=op.axis.value.data)[0]


def transpose(op: q.TransposeOp, ex: Exporter, x: str, out: str) -> str:
    return ex.node("Transpose", [x], [out], name=ex.op_base(op), perm=op.permutation)[0]


def slice_(op: q.SliceOp, ex: Exporter, x: str, out: str) -> str:
    dims = _shape(op.input)
    # numpy's end -1 of a negative step means "past index 0": ONNX spells it -(dim + 1).
    ends = [e if e >= 0 else -(d + 1) for e, d in zip(op.end_list, dims)]
    ins = [x, ex.const_i64(op.start_list, f"{out}_starts"), ex.const_i64(ends, f"{out}_ends"),
           ex.const_i64(range(len(dims)), f"{out}_axes"), ex.const_i64(op.step_list, f"{out}_steps")]
    return ex.node("Slice", ins, [out], name=ex.op_base(op))[0]


def pad(op: q.PadOp, ex: Exporter, x: str, out: str, fill: np.ndarray) -> str:
    ins = [x, ex.const_i64(op.pad_list, f"{out}_pads"), ex.initializer(fill, f"{out}_value")]
    return ex.node("Pad", ins, [out], name=ex.op_base(op), mode="constant")[0]


def pad_fill(op: q.PadOp, ex: Exporter, integers: bool) -> np.ndarray:
    """The fill value as qcomp computes it: rounded onto the input's grid (the integer, or
    its float value), or the plain float fill of a float input."""
    pot = ex.tensor(op.input).pot
    if pot is None:
        return np.asarray(op.fill, np.float32)
    k = grid_bound(op.fill, pot.exp, pot.qmin, pot.qmax, ex.rounding)
    if integers:
        return ex.storage(ex.tensor(op.input)).store(k)
    return np.asarray(math.ldexp(k, pot.exp), np.float32)


def concat(op: q.ConcatOp, ex: Exporter, xs: list[str], out: str) -> str:
    return ex.node("Concat", xs, [out], name=ex.op_base(op), axis=op.axis.value.data)[0]


def minmax(op: q.MaxOp | q.MinOp, ex: Exporter, xs: list[str], out: str) -> str:
    return ex.node(_BINARY[type(op)], xs, [out], name=ex.op_base(op))[0]


def resize_nearest(op: q.ResizeNearestOp, ex: Exporter, x: str, out: str, fill: float) -> str:
    """ONNX Resize (nearest): qcomp's index tables are onnxruntime's; Upsample's `simple` rule
    (ceil when downsampling, else floor) is one nearest_mode when both axes agree, else two Gathers
    of the index tables."""
    mode = op.rounding
    sh, sw = op.scale_hw
    if mode == "simple":
        down = {sh < 1.0, sw < 1.0}
        if len(down) == 2 or op.coordinate_mode == "tf_crop_and_resize":
            rows, cols = op.index_tables()
            mid = ex.fresh(f"{out}_rows")
            ex.node("Gather", [x, ex.const_i64(rows, f"{out}_row_index")], [mid], name=f"{ex.op_base(op)}/rows", axis=2)
            return ex.node("Gather", [mid, ex.const_i64(cols, f"{out}_col_index")], [out],
                           name=ex.op_base(op), axis=3)[0]
        mode = "ceil" if down == {True} else "floor"
    return _resize(op, ex, x, out, "nearest", fill, nearest_mode=mode)


def _resize(op: q.ResizeNearestOp | q.ResizeOp, ex: Exporter, x: str, out: str, mode: str, fill: float,
            **attrs: Any) -> str:
    ctm = op.coordinate_mode
    if ctm == "half_pixel_symmetric":
        ex.require(19, "Resize with half_pixel_symmetric")
    roi = ""
    extra: dict[str, Any] = {}
    if ctm == "tf_crop_and_resize":
        (h0, h1), (w0, w1) = op.roi_hw
        roi = ex.const_f32(np.asarray([0, 0, h0, w0, 1, 1, h1, w1], np.float32), f"{out}_roi")
        extra["extrapolation_value"] = float(fill)
    # `sizes` when the scales are out / in (float32, as the importer computes them from sizes):
    # then the output length is exact; else `scales`, from which ONNX derives floor(in * scale).
    (_, _, h, w), (_, _, oh, ow) = _shape(op.input), _shape(op.output)
    from_sizes = all(np.float32(o) / np.float32(i) == np.float32(s) for o, i, s in zip((oh, ow), (h, w), op.scale_hw))
    if from_sizes or ctm == "tf_crop_and_resize":
        ins = [x, roi, "", ex.const_i64(_shape(op.output), f"{out}_sizes")]
    else:
        ins = [x, roi, ex.const_f32(np.asarray([1.0, 1.0, *op.scale_hw], np.float32), f"{out}_scales")]
    return ex.node("Resize", ins, [out], name=ex.op_base(op), mode=mode,
                   coordinate_transformation_mode=ctm, **extra, **attrs)[0]


def zero_interleave(op: q.ZeroInterleaveOp, ex: Exporter, x: str, out: str, elem_zero: np.ndarray) -> str:
    """Zero insertion as ONNX data movement: [N,C,H,W] -> [N,C,H,1,W,1], pad the unit axes to the
    strides with zeros, reshape to [N,C,H*sh,W*sw], then pad / slice to the result's borders."""
    n, c, h, w = _shape(op.input)
    (s_h, s_w), (top, left, bottom, right) = op.stride_hw, op.pad_tlbr
    base = ex.op_base(op)
    zero = ex.initializer(elem_zero, f"{out}_zero")
    y = ex.node("Reshape", [x, ex.const_i64([n, c, h, 1, w, 1], f"{out}_shape6")], [ex.fresh(f"{out}_6d")],
                name=f"{base}/unsqueeze")[0]
    y = ex.node("Pad", [y, ex.const_i64([0, 0, 0, 0, 0, 0, 0, 0, 0, s_h - 1, 0, s_w - 1], f"{out}_stride_pads"),
                       zero], [ex.fresh(f"{out}_strided")], name=f"{base}/interleave", mode="constant")[0]
    y = ex.node("Reshape", [y, ex.const_i64([n, c, h * s_h, w * s_w], f"{out}_shape4")], [ex.fresh(f"{out}_4d")],
                name=f"{base}/merge")[0]
    # The last s - 1 rows / columns are beyond the last pixel: the bottom / right pads start from
    # (H - 1) * sh + 1. Positive pads pad with zeros, negative ones crop.
    b_end, r_end = bottom - (s_h - 1), right - (s_w - 1)
    starts = [max(-top, 0), max(-left, 0)]
    ends = [h * s_h + min(b_end, 0), w * s_w + min(r_end, 0)]
    if starts != [0, 0] or ends != [h * s_h, w * s_w]:
        y = ex.node("Slice", [y, ex.const_i64(starts, f"{out}_crop_starts"), ex.const_i64(ends, f"{out}_crop_ends"),
                              ex.const_i64([2, 3], f"{out}_crop_axes")], [ex.fresh(f"{out}_cropped")],
                    name=f"{base}/crop")[0]
    pads = [0, 0, max(top, 0), max(left, 0), 0, 0, max(b_end, 0), max(r_end, 0)]
    if any(pads):
        return ex.node("Pad", [y, ex.const_i64(pads, f"{out}_pads"), zero], [out], name=base, mode="constant")[0]
    return ex.node("Identity", [y], [out], name=base)[0]


#: the data-movement ops: the same ONNX op on floats (QDQ) or on the integers (QOp, qop.py)
MOVES = {q.ReshapeOp: reshape, q.FlattenOp: flatten, q.TransposeOp: transpose, q.SliceOp: slice_}


def _register_move(cls, move) -> None:  # type: ignore[no-untyped-def]
    QDQ.register(cls)(lambda op, ex: [move(op, ex, ex.float_of(op.operands[0]), ex.output_name(op))])


for _cls, _move in MOVES.items():
    _register_move(_cls, _move)


@QDQ.register(q.PadOp)
def _pad(op: q.PadOp, ex: Exporter) -> Exported:
    return [pad(op, ex, ex.float_of(op.input), ex.output_name(op), pad_fill(op, ex, integers=False))]


@QDQ.register(q.ConcatOp)
def _concat(op: q.ConcatOp, ex: Exporter) -> Exported:
    return [concat(op, ex, [ex.float_of(v) for v in op.inputs], ex.output_name(op))]


@QDQ.register(q.ResizeNearestOp)
def _resize_nearest(op: q.ResizeNearestOp, ex: Exporter) -> Exported:
    fill = op.extrapolation
    pot = ex.tensor(op.input).pot
    if pot is not None:  # qcomp rounds the extrapolation value onto the input's grid
        fill = math.ldexp(grid_bound(fill, pot.exp, pot.qmin, pot.qmax, ex.rounding), pot.exp)
    return [resize_nearest(op, ex, ex.float_of(op.input), ex.output_name(op), fill)]


@QDQ.register(q.ResizeOp)
def _resize_interp(op: q.ResizeOp, ex: Exporter) -> Exported:
    attrs: dict[str, Any] = {}
    if op.interpolation == "cubic":
        attrs["cubic_coeff_a"] = op.coeff_a
    if op.excludes_outside:
        attrs["exclude_outside"] = 1
    if op.antialiased:
        ex.require(18, "Resize with antialias")
        attrs["antialias"] = 1
    return [_resize(op, ex, ex.float_of(op.input), ex.output_name(op), op.interpolation, op.extrapolation, **attrs)]


@QDQ.register(q.ZeroInterleaveOp)
def _zero_interleave(op: q.ZeroInterleaveOp, ex: Exporter) -> Exported:
    return [zero_interleave(op, ex, ex.float_of(op.input), ex.output_name(op), np.zeros((), np.float32))]


__all__ = ["QDQ", "conv_attrs", "onnx_function_name"]
