"""shift ops that pool or move data: maxpool, avgpool, global_avgpool, concat, reshape, transpose, pad."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    IntegerAttr,
    TensorType,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    result_def,
    traits_def,
    var_operand_def,
)

from qcomp.dialects.accumulators import WindowAccumulator
from qcomp.dialects.shift.base import (
    ShiftOp,
    _check_shift_range,
    _i64,
    _int_attr,
    _node_kw,
    int_range,
    shape,
)
from qcomp.dialects.window import Windowed, int_list, ints

# --------------------------------------------------------------------------- pooling


class _PoolOp(ShiftOp, Windowed):
    """Sliding window over NCHW; `pads` = [top, left, bottom, right]."""

    input = operand_def(TensorType)
    kernel = attr_def(DenseArrayBase)
    strides = opt_attr_def(DenseArrayBase)
    pads = opt_attr_def(DenseArrayBase)
    ceil_mode = opt_attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, kernel: Sequence[int], strides=(1, 1),
                 pads=(0, 0, 0, 0), ceil_mode: bool = False, node: str | None = None, **extra: Attribute):
        attrs: dict[str, Attribute] = {**_node_kw(node), "kernel": ints(kernel), **extra}
        if tuple(strides) != (1, 1):
            attrs["strides"] = ints(strides)
        if tuple(pads) != (0, 0, 0, 0):
            attrs["pads"] = ints(pads)
        if ceil_mode:
            attrs["ceil_mode"] = _i64(1)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    def verify_window(self) -> None:
        xs = shape(self.input)
        try:
            oh, ow = self.pooled_hw(xs)
        except ValueError as e:
            raise self.error(str(e)) from None
        self.expect_shape((xs[0], xs[1], oh, ow))
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
        self.verify_window()
        if self.input.type.element_type != self.output.type.element_type:  # type: ignore[attr-defined]
            raise self.error("input and result element types differ (requantize separately)")


def _verify_mean_shift(op: ShiftOp, shift: int) -> None:
    """avgpool / global_avgpool: shift == e_out - e_in when both are pot-typed."""
    _check_shift_range(op, "shift", [shift])
    ei, eo = op.exp(op.operands[0], "input"), op.exp(op.results[0], "result")
    if ei is not None and eo is not None and shift != eo - ei:
        raise op.error(f"shift {shift} must be e_out - e_in = {eo - ei}")


@irdl_op_definition
class AvgPoolOp(_PoolOp):
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
    shift = opt_attr_def(IntegerAttr[I64])

    @property
    def include_pad(self) -> bool:
        return _int_attr(self.count_include_pad) != 0

    @property
    def shift_amount(self) -> int:
        return _int_attr(self.shift)

    def verify_(self) -> None:
        self.verify_window()
        _verify_mean_shift(self, self.shift_amount)


@irdl_op_definition
class GlobalAvgPoolOp(ShiftOp):
    """Exactly rounded mean over all spatial positions (NCHW... -> NC11...), exponent change `shift`.

    With S the exact sum over axes 2.., n their size and s = `shift` = e_out - e_in:
        out = clamp(floor((2 * (S << max(-s, 0)) + (n << max(s, 0))) / (2 * (n << max(s, 0)))), qmin, qmax)
    i.e. round half up of S / (n * 2^s) (see shift.avgpool).
        %y = shift.global_avgpool %x {node = "gap", shift = 1 : i64}
            : (tensor<1x32x4x4x!quant.pot<i8, -5>>) -> tensor<1x32x1x1x!quant.pot<i8, -4>>
    """

    name = "shift.global_avgpool"
    traits = traits_def(WindowAccumulator())
    input = operand_def(TensorType)
    shift = opt_attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, shift: int = 0, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node)}
        if shift:
            attrs["shift"] = _i64(shift)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def shift_amount(self) -> int:
        return _int_attr(self.shift)

    def verify_(self) -> None:
        xs = shape(self.input)
        if len(xs) < 3:
            raise self.error("expects an input with spatial axes")
        self.expect_shape((xs[0], xs[1]) + (1,) * (len(xs) - 2))
        self.storage(self.input, "input")
        self.storage(self.output, "result")
        _verify_mean_shift(self, self.shift_amount)


# --------------------------------------------------------------------------- data movement


@irdl_op_definition
class ConcatOp(ShiftOp):
    """Concatenation along `axis` after a per-input requantization to the result's exponent.

    With `shifts`[i] = e_out - e_i: out = concat_axis(clamp(rshift(x_i, shifts[i]), qmin, qmax)).
        %y = shift.concat %a, %b {node = "cat", axis = 1 : i64, shifts = array<i64: 0, 1>}
            : (tensor<1x4x!quant.pot<i8, -5>>, tensor<1x2x!quant.pot<i8, -6>>) -> tensor<1x6x!quant.pot<i8, -5>>
    """

    name = "shift.concat"
    inputs = var_operand_def(TensorType)
    axis = attr_def(IntegerAttr[I64])
    shifts = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, inputs: Sequence[SSAValue], result_type: Attribute, *, axis: int,
                 shifts: Sequence[int] | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "axis": _i64(axis)}
        if shifts is not None and any(shifts):
            attrs["shifts"] = ints(shifts)
        super().__init__(operands=[list(inputs)], result_types=[result_type], attributes=attrs)

    @property
    def axis_index(self) -> int:
        return self.axis.value.data

    def shift_list(self) -> list[int]:
        return int_list(self.shifts, [0] * len(self.inputs))

    def verify_(self) -> None:
        shapes = [shape(v) for v in self.inputs]
        if not shapes:
            raise self.error("needs at least one input")
        rank, ax = len(shapes[0]), self.axis_index
        if not 0 <= ax < rank:
            raise self.error(f"axis {ax} out of range for rank {rank}")
        for s in shapes:
            if len(s) != rank or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != ax):
                raise self.error(f"input shapes {[list(x) for x in shapes]} differ off axis {ax}")
        out = list(shapes[0])
        out[ax] = sum(s[ax] for s in shapes)
        self.expect_shape(out)
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


def _same_elements(op: ShiftOp, a: SSAValue, b: SSAValue) -> None:
    """Data-movement ops copy integers: input and result element types must be equal."""
    op.storage(a, "input")
    if a.type.element_type != b.type.element_type:  # type: ignore[attr-defined]
        raise op.error(f"input and result element types differ: {a.type} vs {b.type}")


@irdl_op_definition
class ReshapeOp(ShiftOp):
    """Reshape to the static result shape; the elements (row-major order) are unchanged.

        %y = shift.reshape %x {node = "flatten"}
            : (tensor<1x4x2x2x!quant.pot<i8, -5>>) -> tensor<1x16x!quant.pot<i8, -5>>
    """

    name = "shift.reshape"
    input = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type], attributes=_node_kw(node))

    def verify_(self) -> None:
        a, b = shape(self.input), shape(self.output)
        if int(np.prod(a)) != int(np.prod(b)):
            raise self.error(f"cannot reshape {list(a)} to {list(b)}")
        _same_elements(self, self.input, self.output)


@irdl_op_definition
class TransposeOp(ShiftOp):
    """Permute axes: result axis i is input axis perm[i]; elements unchanged.

        %y = shift.transpose %x {node = "t", perm = array<i64: 0, 2, 1>}
            : (tensor<1x2x3x!quant.pot<i8, -5>>) -> tensor<1x3x2x!quant.pot<i8, -5>>
    """

    name = "shift.transpose"
    input = operand_def(TensorType)
    perm = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, perm: Sequence[int], result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**_node_kw(node), "perm": ints(perm)})

    @property
    def permutation(self) -> list[int]:
        return int_list(self.perm)

    def verify_(self) -> None:
        s, p = shape(self.input), self.permutation
        if sorted(p) != list(range(len(s))):
            raise self.error(f"perm {p} is not a permutation of rank {len(s)}")
        self.expect_shape([s[i] for i in p])
        _same_elements(self, self.input, self.output)


@irdl_op_definition
class PadOp(ShiftOp):
    """Constant padding: `pads` = [begin_0 .. begin_r-1, end_0 .. end_r-1] (ONNX order).

    New positions hold `fill` (default 0, the integer of 0.0 on any pot grid); others copy
    the input. Same element type in and out.
        %y = shift.pad %x {node = "pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>}
            : (tensor<1x2x3x3x!quant.pot<i8, -5>>) -> tensor<1x2x5x5x!quant.pot<i8, -5>>
    """

    name = "shift.pad"
    input = operand_def(TensorType)
    pads = attr_def(DenseArrayBase)
    fill = opt_attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, pads: Sequence[int], result_type: Attribute, *, fill: int = 0,
                 node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "pads": ints(pads)}
        if fill:
            attrs["fill"] = _i64(fill)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def pad_list(self) -> list[int]:
        return int_list(self.pads)

    @property
    def fill_value(self) -> int:
        return _int_attr(self.fill)

    def verify_(self) -> None:
        s, p = shape(self.input), self.pad_list
        r = len(s)
        if len(p) != 2 * r:
            raise self.error(f"needs {2 * r} pads for rank {r}, got {len(p)}")
        if min(p, default=0) < 0:
            raise self.error("negative pads (cropping) are not supported")
        self.expect_shape([s[i] + p[i] + p[i + r] for i in range(r)])
        _same_elements(self, self.input, self.output)
        lo, hi = int_range(self.storage(self.output, "result"))
        if not lo <= self.fill_value <= hi:
            raise self.error(f"fill {self.fill_value} is outside the storage range [{lo}, {hi}]")
