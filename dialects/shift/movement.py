"""shift ops that pool or move data: maxpool, avgpool, global_avgpool, concat, reshape, transpose, pad, slice."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    IntegerAttr,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    opt_attr_def,
    traits_def,
)

from qcomp.dialects.accumulators import WindowAccumulator
from qcomp.dialects.movement import ConcatBase, PadBase, ReshapeBase, SliceBase, TransposeBase
from qcomp.dialects.node_op import node_kw
from qcomp.dialects.shift.base import (
    ShiftOp,
    _check_shift_range,
    _i64,
    _int_attr,
    int_range,
)
from qcomp.dialects.window import GlobalPoolWindow, PoolWindow, int_list, ints

# --------------------------------------------------------------------------- pooling


class _PoolOp(ShiftOp, PoolWindow):
    """Sliding window over NCHW (see PoolWindow); `pads` = [top, left, bottom, right]."""

    def verify_(self) -> None:
        super().verify_()
        self.storage(self.input, "input")
        self.storage(self.output, "result")


@irdl_op_definition
class MaxPoolOp(_PoolOp):
    """Max over each window (ONNX MaxPool, values only); padding never wins. Same type in and out.

        out[n,c,y,x] = max_{ky,kx} in[n, c, y*sh + ky*dh - top, x*sw + kx*dw - left]  (in-bounds taps)
        %y = shift.maxpool %x {node = "pool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
            : (tensor<1x8x6x6x!quant.pot<i8, -5>>) -> tensor<1x8x3x3x!quant.pot<i8, -5>>
    """

    name = "shift.maxpool"
    dilations = opt_attr_def(DenseArrayBase)

    def verify_(self) -> None:
        super().verify_()
        if self.input.type.element_type != self.output.type.element_type:  # type: ignore[attr-defined]
            raise self.error("input and result element types differ (requantize separately)")


class _MeanOp(ShiftOp):
    """Base of avgpool / global_avgpool: an exactly rounded mean, with the change of exponent
    `shift` (absent: 0)."""

    shift = opt_attr_def(IntegerAttr[I64])

    @property
    def shift_amount(self) -> int:
        return _int_attr(self.shift)

    def verify_mean_shift(self) -> None:
        """shift == e_out - e_in when both are pot-typed."""
        shift = self.shift_amount
        _check_shift_range(self, "shift", [shift])
        ei, eo = self.exp(self.operands[0], "input"), self.exp(self.results[0], "result")
        if ei is not None and eo is not None and shift != eo - ei:
            raise self.error(f"shift {shift} must be e_out - e_in = {eo - ei}")


@irdl_op_definition
class AvgPoolOp(_MeanOp, _PoolOp):
    """Exactly rounded mean over each window, with an optional change of exponent.

    Per window: S = sum of its in-bounds inputs (exact), n = its count (the in-bounds taps;
    with count_include_pad, the taps inside input + explicit pads; ceil-mode overhang never
    counts), s = `shift` = e_out - e_in. One rounding of the real mean S / n * 2^-s:
        num = S << max(-s, 0);   den = n << max(s, 0)
        out = clamp(floor((2 * num + den) / (2 * den)), qmin, qmax)     (floor division)
    i.e. round half up of S / (n * 2^s); for s = 0 this is floor((2S + n) / (2n)). A single
    rounding (not mean-then-shift) keeps it equal to the quant level's exact result.
        %y = shift.avgpool %x {node = "ap", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
            : (tensor<1x8x6x6x!quant.pot<i8, -5>>) -> tensor<1x8x6x6x!quant.pot<i8, -5>>
    """

    name = "shift.avgpool"
    traits = traits_def(WindowAccumulator())
    count_include_pad = opt_attr_def(IntegerAttr[I64])

    @property
    def include_pad(self) -> bool:
        return _int_attr(self.count_include_pad) != 0

    def verify_(self) -> None:
        super().verify_()
        self.verify_mean_shift()


@irdl_op_definition
class GlobalAvgPoolOp(_MeanOp, GlobalPoolWindow):
    """Exactly rounded mean over all spatial positions (NCHW... -> NC11...), exponent change `shift`.

    With S the exact sum over axes 2.., n their size and s = `shift` = e_out - e_in:
        out = clamp(floor((2 * (S << max(-s, 0)) + (n << max(s, 0))) / (2 * (n << max(s, 0)))), qmin, qmax)
    i.e. round half up of S / (n * 2^s) (see shift.avgpool).
        %y = shift.global_avgpool %x {node = "gap", shift = 1 : i64}
            : (tensor<1x32x4x4x!quant.pot<i8, -5>>) -> tensor<1x32x1x1x!quant.pot<i8, -4>>
    """

    name = "shift.global_avgpool"
    traits = traits_def(WindowAccumulator())

    def __init__(self, x: SSAValue, result_type: Attribute, *, shift: int = 0, node: str | None = None):
        super().__init__(x, result_type, node=node, **({"shift": _i64(shift)} if shift else {}))

    def verify_(self) -> None:
        super().verify_()
        self.storage(self.input, "input")
        self.storage(self.output, "result")
        self.verify_mean_shift()


# --------------------------------------------------------------------------- data movement


@irdl_op_definition
class ConcatOp(ShiftOp, ConcatBase):
    """Concatenation along `axis` after a per-input requantization to the result's exponent.

    With `shifts`[i] = e_out - e_i: out = concat_axis(clamp(rshift(x_i, shifts[i]), qmin, qmax)).
        %y = shift.concat %a, %b {node = "cat", axis = 1 : i64, shifts = array<i64: 0, 1>}
            : (tensor<1x4x!quant.pot<i8, -5>>, tensor<1x2x!quant.pot<i8, -6>>) -> tensor<1x6x!quant.pot<i8, -5>>
    """

    name = "shift.concat"
    shifts = opt_attr_def(DenseArrayBase)

    def __init__(self, inputs: Sequence[SSAValue], result_type: Attribute, *, axis: int,
                 shifts: Sequence[int] | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "axis": _i64(axis)}
        if shifts is not None and any(shifts):
            attrs["shifts"] = ints(shifts)
        super().__init__(operands=[list(inputs)], result_types=[result_type], attributes=attrs)

    def shift_list(self) -> list[int]:
        return int_list(self.shifts, [0] * len(self.inputs))

    def verify_(self) -> None:
        shapes = self.verify_concat()
        sh = self.shift_list()
        if len(sh) != len(shapes):
            raise self.error(f"shifts needs one value per input ({len(shapes)}), got {len(sh)}")
        _check_shift_range(self, "shifts", sh)
        self.storage(self.output, "result")
        eo = self.exp(self.output, "result")
        for i, (v, amount) in enumerate(zip(self.inputs, sh)):
            self.storage(v, f"input {i}")
            ei = self.exp(v, f"input {i}")
            if ei is not None and eo is not None and amount != eo - ei:
                raise self.error(f"shifts[{i}] = {amount} must be e_out - e_in = {eo - ei}")


class _CopyOp(ShiftOp):
    """Base of the data-movement ops that copy integers (reshape, transpose, pad): after the
    shape rules of the op, input and result element types must be equal."""

    def verify_(self) -> None:
        super().verify_()
        a, b = self.operands[0], self.results[0]
        self.storage(a, "input")
        if a.type.element_type != b.type.element_type:  # type: ignore[attr-defined]
            raise self.error(f"input and result element types differ: {a.type} vs {b.type}")


@irdl_op_definition
class ReshapeOp(_CopyOp, ReshapeBase):
    """Reshape to the static result shape; the elements (row-major order) are unchanged.

        %y = shift.reshape %x {node = "flatten"}
            : (tensor<1x4x2x2x!quant.pot<i8, -5>>) -> tensor<1x16x!quant.pot<i8, -5>>
    """

    name = "shift.reshape"


@irdl_op_definition
class TransposeOp(_CopyOp, TransposeBase):
    """Permute axes: result axis i is input axis perm[i]; elements unchanged.

        %y = shift.transpose %x {node = "t", perm = array<i64: 0, 2, 1>}
            : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x3x2x!quant.pot<i8, -5>>
    """

    name = "shift.transpose"


@irdl_op_definition
class SliceOp(_CopyOp, SliceBase):
    """Strided slice, a copy of the selected integers (see SliceBase); same element type in and out.

        out[i_0, i_1, ...] = in[starts[0] + i_0 * steps[0], starts[1] + i_1 * steps[1], ...]
        %y = shift.slice %x {node = "split:1", starts = array<i64: 0, 4, 0, 0>, ends = array<i64: 1, 8, 3, 3>,
               steps = array<i64: 1, 1, 1, 1>}
            : (tensor<1x8x3x3x!quant.pot<i8, -5>>) -> tensor<1x4x3x3x!quant.pot<i8, -5>>
    """

    name = "shift.slice"


@irdl_op_definition
class PadOp(_CopyOp, PadBase):
    """Constant padding: `pads` = [begin_0 .. begin_r-1, end_0 .. end_r-1] (ONNX order).

    New positions hold `fill` (default 0, the integer of 0.0 on any pot grid); others copy
    the input. Same element type in and out.
        %y = shift.pad %x {node = "pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>}
            : (tensor<1x2x3x3x!quant.pot<i8, -5>>) -> tensor<1x2x5x5x!quant.pot<i8, -5>>
    """

    name = "shift.pad"
    fill = opt_attr_def(IntegerAttr[I64])

    def __init__(self, x: SSAValue, pads: Sequence[int], result_type: Attribute, *, fill: int = 0,
                 node: str | None = None):
        super().__init__(x, pads, result_type, node=node, **({"fill": _i64(fill)} if fill else {}))

    @property
    def fill_value(self) -> int:
        return _int_attr(self.fill)

    def verify_(self) -> None:
        super().verify_()
        lo, hi = int_range(self.storage(self.output, "result"))
        if not lo <= self.fill_value <= hi:
            raise self.error(f"fill {self.fill_value} is outside the storage range [{lo}, {hi}]")
