"""shift ops that compute: conv2d, fc, add, max, min, prelu, mul, requant, clamp, lut, interp, lrn, softmax."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    result_def,
    traits_def,
)

from qcomp.dialects.accumulators import (
    AlignedCompareAccumulator,
    AlignedSumAccumulator,
    ProductAccumulator,
    ShiftWeightedAccumulator,
    SlopeProductAccumulator,
)
from qcomp.dialects.constants import dense_to_numpy
from qcomp.dialects.node_op import attr_value, broadcast_shapes, node_kw, shape
from qcomp.dialects.shift.base import (
    ShiftOp,
    _check_shift_range,
    _clamp_kw,
    _i64,
    int_range,
)
from qcomp.dialects.window import ConvWindow, int_list, ints, window_attrs

# --------------------------------------------------------------------------- conv / fc


class _WeightedOp(ShiftOp):
    """Base of conv/fc (input, weights [O, ...], optional bias): per-output-channel `shift`,
    `bias_shift` and `clamp`."""

    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    shift = attr_def(DenseArrayBase)
    bias_shift = opt_attr_def(DenseArrayBase)
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    @staticmethod
    def _bias_shift_kw(b: SSAValue | None, bias_shift: Sequence[int] | None) -> dict[str, Attribute]:
        """The `bias_shift` attribute, when given for an op with a bias."""
        return {"bias_shift": ints(bias_shift)} if b is not None and bias_shift is not None else {}

    def _per_channel(self, name: str, count: int) -> list[int] | None:
        """The array attribute `name` expanded to `count` values (None when absent)."""
        attr = self.attributes.get(name)
        if attr is None:
            return None
        vals = int_list(attr)  # type: ignore[arg-type]
        if len(vals) not in (1, count):
            raise self.error(f"{name} needs 1 or {count} values, got {len(vals)}")
        _check_shift_range(self, name, vals)
        return vals * count if len(vals) == 1 else vals

    def shifts(self) -> list[int]:
        """`shift` per output channel."""
        return self._per_channel("shift", shape(self.weight)[0]) or []

    def bias_shifts(self) -> list[int]:
        """`bias_shift` per output channel (zeros when absent)."""
        o = shape(self.weight)[0]
        return self._per_channel("bias_shift", o) or [0] * o

    def verify_requant(self, out_ch: int) -> None:
        """Types, and shift == e_out - (e_in + e_w[o]), bias_shift == e_b[o] - (e_in + e_w[o]) >= 0."""
        x, w, b = self.input, self.weight, self.bias
        for v, what, max_bits in ((x, "input", 16), (w, "weight", 16), (self.results[0], "result", 32)):
            st = self.storage(v, what)
            if st.width.data > max_bits:
                raise self.error(f"{what} storage {st} is wider than {max_bits} bits")
        shifts = self._per_channel("shift", out_ch)
        assert shifts is not None
        bias_shifts = self._per_channel("bias_shift", out_ch)
        if b is not None:
            st = self.storage(b, "bias")
            if st.width.data > 32:
                raise self.error(f"bias storage {st} is wider than 32 bits")
            if bias_shifts is None:
                bias_shifts = [0] * out_ch
            if min(bias_shifts) < 0:
                raise self.error(f"bias_shift {bias_shifts} must be non-negative (a left shift)")
        elif bias_shifts is not None:
            raise self.error("bias_shift given without a bias")
        self.verify_clamp()
        e_in = self.exp(x, "input")
        e_w = self.channel_exps(w, 0, out_ch, "weight")
        e_out = self.exp(self.results[0], "result")
        if e_in is None or e_w is None or e_out is None:
            return
        acc = [e_in + ew for ew in e_w]
        want = [e_out - a for a in acc]
        if shifts != want:
            raise self.error(f"shift {_compact(shifts)} must be e_out - (e_in + e_w) = {_compact(want)}")
        if b is not None:
            e_b = self.channel_exps(b, len(shape(b)) - 1, out_ch, "bias")
            if e_b is not None:
                want_b = [eb - a for eb, a in zip(e_b, acc)]
                if bias_shifts != want_b:
                    raise self.error(f"bias_shift {_compact(bias_shifts or [])} must be e_bias - (e_in + e_w)"
                                     f" = {_compact(want_b)}")


def _compact(vals: Sequence[int]) -> list[int]:
    """Per-channel values as printed in diagnostics: one value when all agree."""
    return [vals[0]] if len(set(vals)) == 1 else list(vals)


@irdl_op_definition
class Conv2dOp(_WeightedOp, ConvWindow):
    """Integer 2-D convolution with bias, requantization and fused activation (NCHW, OIHW).

    With `pads` = [top, left, bottom, right] (zero padding: the integer of 0.0), `strides` and
    `dilations` = [h, w], `group` G (depthwise: G = C), Cg = C / G and g = o // (O / G):
        acc[n,o,y,x] = sum_{c<Cg,ky,kx} in_pad[n, g*Cg + c, y*sh + ky*dh, x*sw + kx*dw] * w[o,c,ky,kx]
                       + (bias[o] << bias_shift[o])                     (exact; must fit int32)
        out[n,o,y,x] = clamp(rshift(acc, shift[o]), lo, hi)
    `shift` and `bias_shift` hold one value, or one per output channel; with pot types the
    verifier checks shift[o] = e_out - (e_in + e_w[o]) and bias_shift[o] = e_b[o] - (e_in + e_w[o]).
        %y = shift.conv2d %x, %w, %b {node = "conv1", pads = array<i64: 1, 1, 1, 1>,
               shift = array<i64: 8, 9>, bias_shift = array<i64: 0>, clamp = array<i64: 0, 127>}
            : (tensor<1x1x8x8x!quant.pot<i8, -7>>, tensor<2x1x3x3x!quant.pot<i8:0, [-6, -5]>>,
               tensor<2x!quant.pot<i32:0, [-13, -12]>>) -> tensor<1x2x8x8x!quant.pot<i8, -5>>
    """

    name = "shift.conv2d"
    traits = traits_def(ShiftWeightedAccumulator())

    def __init__(self, x: SSAValue, w: SSAValue, b: SSAValue | None, result_type: Attribute, *,
                 shift: Sequence[int], bias_shift: Sequence[int] | None = None,
                 clamp: tuple[int, int] | None = None, strides: Sequence[int] | None = None,
                 pads: Sequence[int] | None = None, dilations: Sequence[int] | None = None,
                 group: int = 1, node: str | None = None):
        attrs = {**node_kw(node), "shift": ints(shift), **self._bias_shift_kw(b, bias_shift), **_clamp_kw(clamp),
                 **window_attrs(strides=strides, pads=pads, dilations=dilations, group=group)}
        super().__init__(operands=[x, w, b], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        out = self.verify_convolved()
        self.verify_requant(out[1])


@irdl_op_definition
class FcOp(_WeightedOp):
    """Integer fully connected layer (Gemm / MatMul with constant weights), weights [N, K].

    The input is [..., K] (any leading dimensions), the weight [N, K] (output-major, like
    conv's OIHW, so per-channel exponents are on axis 0), the optional bias [N]:
        acc[..., n] = sum_k in[..., k] * w[n, k] + (bias[n] << bias_shift[n])   (exact; fits int32)
        out[..., n] = clamp(rshift(acc, shift[n]), lo, hi)
    The lowering normalises Gemm's trans_b, alpha and beta into the constant weights and bias.
        %y = shift.fc %x, %w, %b {node = "fc", shift = array<i64: 7>, bias_shift = array<i64: 0>}
            : (tensor<1x64x!quant.pot<i8, -4>>, tensor<10x64x!quant.pot<i8, -7>>,
               tensor<10x!quant.pot<i32, -11>>) -> tensor<1x10x!quant.pot<i8, -4>>
    """

    name = "shift.fc"
    traits = traits_def(ShiftWeightedAccumulator())

    def __init__(self, x: SSAValue, w: SSAValue, b: SSAValue | None, result_type: Attribute, *,
                 shift: Sequence[int], bias_shift: Sequence[int] | None = None,
                 clamp: tuple[int, int] | None = None, node: str | None = None):
        attrs = {**node_kw(node), "shift": ints(shift), **_clamp_kw(clamp), **self._bias_shift_kw(b, bias_shift)}
        super().__init__(operands=[x, w, b], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        xs, ws = shape(self.input), shape(self.weight)
        if len(xs) < 1 or len(ws) != 2:
            raise self.error(f"expects an input [..., K] and a weight [N, K], got {list(xs)} and {list(ws)}")
        if xs[-1] != ws[1]:
            raise self.error(f"inner dimensions differ: input {list(xs)}, weight {list(ws)}")
        if self.bias is not None and shape(self.bias) != (ws[0],):
            raise self.error(f"bias shape {list(shape(self.bias))} is not [{ws[0]}]")
        self.expect_shape((*xs[:-1], ws[0]))
        self.verify_requant(ws[0])


# --------------------------------------------------------------------------- elementwise


class _BinaryOp(ShiftOp):
    """Base of add/mul: two integer tensors of at most 16 bits (numpy broadcasting), an
    integer `shift` and `clamp`."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    shift = attr_def(IntegerAttr[I64])
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute, *, shift: int,
                 clamp: tuple[int, int] | None = None, node: str | None = None, **extra: Attribute):
        attrs = {**node_kw(node), "shift": _i64(shift), **_clamp_kw(clamp), **extra}
        super().__init__(operands=[lhs, rhs], result_types=[result_type], attributes=attrs)

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def verify_operands(self) -> None:
        """The result shape, the operands' widths and `clamp`."""
        self.expect_shape(broadcast_shapes(self, shape(self.lhs), shape(self.rhs)))
        for v, what in ((self.lhs, "lhs"), (self.rhs, "rhs")):
            if self.storage(v, what).width.data > 16:
                raise self.error(f"{what} storage is wider than 16 bits")
        self.verify_clamp()

    def shift_exps(self) -> tuple[int | None, int | None, int | None]:
        """Check the range of `shift`; the exponents of lhs, rhs and the result (None: plain integers)."""
        _check_shift_range(self, "shift", [self.shift_amount])
        return self.exp(self.lhs, "lhs"), self.exp(self.rhs, "rhs"), self.exp(self.output, "result")


class _AlignedOp(_BinaryOp):
    """Base of add/max/min: `align` = [la, lb], left shifts >= 0 (absent: 0, 0) that bring both
    inputs to a common exponent e_c = e_a - la = e_b - lb; `shift` s = e_out - e_c."""

    align = opt_attr_def(DenseArrayBase)

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute, *, align: Sequence[int],
                 shift: int, clamp: tuple[int, int] | None = None, node: str | None = None):
        super().__init__(lhs, rhs, result_type, shift=shift, clamp=clamp, node=node,
                         **({"align": ints(align)} if tuple(align) != (0, 0) else {}))

    @property
    def align_shifts(self) -> tuple[int, int]:
        la, lb = int_list(self.align, (0, 0))
        return la, lb

    def verify_(self) -> None:
        self.verify_operands()
        al = int_list(self.align, (0, 0))
        if len(al) != 2 or min(al) < 0 or max(al) > 31:
            raise self.error(f"align needs 2 left shifts in [0, 31], got {al}")
        ea, eb, eo = self.shift_exps()
        if ea is None or eb is None or eo is None:
            return
        la, lb = al
        if ea - la != eb - lb:
            raise self.error(f"align [{la}, {lb}] does not bring exponents {ea} and {eb} to a common one")
        if self.shift_amount != eo - (ea - la):
            raise self.error(f"shift {self.shift_amount} must be e_out - e_common = {eo - (ea - la)}")


@irdl_op_definition
class AddOp(_AlignedOp):
    """Integer addition aligning two exponents, with requantization and fused activation.

    With `align` = [la, lb] (left shifts >= 0 that bring both inputs to a common exponent
    e_c = e_a - la = e_b - lb) and `shift` s = e_out - e_c (numpy broadcasting):
        acc = (a << la) + (b << lb)                 (exact; must fit int32)
        out = clamp(rshift(acc, s), lo, hi)
        %y = shift.add %a, %b {node = "add", align = array<i64: 0, 2>, shift = 1 : i64,
               clamp = array<i64: 0, 127>}
            : (tensor<1x8x4x4x!quant.pot<i8, -6>>, tensor<1x8x4x4x!quant.pot<i8, -4>>)
            -> tensor<1x8x4x4x!quant.pot<i8, -5>>
    """

    name = "shift.add"
    traits = traits_def(AlignedSumAccumulator())


@irdl_op_definition
class MaxOp(_AlignedOp):
    """Integer maximum of two tensors on a common grid, requantized once (numpy broadcasting).

    With `align` = [la, lb] (left shifts onto the common exponent e_c = e_a - la = e_b - lb)
    and `shift` s = e_out - e_c:
        m   = max(a << la, b << lb)                 (exact; the aligned values fit int32)
        out = clamp(rshift(m, s), lo, hi)
    Exact: rounding half up is monotone, so it commutes with max, and m is the real maximum
    on the common grid; the result is that maximum rounded onto the output grid.
        %y = shift.max %a, %b {node = "max", align = array<i64: 0, 2>, shift = 1 : i64}
            : (tensor<1x8x!quant.pot<i8, -6>>, tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -5>>
    """

    name = "shift.max"
    traits = traits_def(AlignedCompareAccumulator())


@irdl_op_definition
class MinOp(_AlignedOp):
    """Integer minimum of two tensors on a common grid, requantized once (numpy broadcasting).

    As shift.max with min: out = clamp(rshift(min(a << la, b << lb), s), lo, hi).
        %y = shift.min %a, %b {node = "min", shift = 0 : i64}
            : (tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -5>>) -> tensor<1x8x!quant.pot<i8, -5>>
    """

    name = "shift.min"
    traits = traits_def(AlignedCompareAccumulator())


@irdl_op_definition
class PReluOp(ShiftOp):
    """Integer PRelu with a quantized slope, both branches requantized once to the output grid.

    `slope` is an integer constant that broadcasts to the input (numpy, unidirectional) with
    exponent(s) e_s: one for the tensor, or one per channel when the slope varies along the
    input's channel axis (1) only. With `shift` = e_out - e_in and `slope_shift` s_c =
    e_out - (e_in + e_s[c]) (one value, or one per channel c of axis 1):
        out = clamp(x >= 0 ? rshift(x, shift) : rshift(x * slope, s_c), qmin, qmax)
    x * slope is exact (storages of at most 16 bits: it fits int32 for 8-bit ones; checked by
    check-overflow). Both branches round the exact real value x * 2^e_in or
    x * slope * 2^(e_in + e_s) half up onto the output grid, once: the float PRelu on the
    quantized input and slope, rounded. A scalar slope is a LeakyRelu (a table) instead.
        %y = shift.prelu %x, %s {node = "prelu", shift = 0 : i64, slope_shift = array<i64: 7>}
            : (tensor<1x8x4x4x!quant.pot<i8, -4>>, tensor<1x8x1x1x!quant.pot<i8, -7>>)
            -> tensor<1x8x4x4x!quant.pot<i8, -4>>
    """

    name = "shift.prelu"
    traits = traits_def(SlopeProductAccumulator())
    input = operand_def(TensorType)
    slope = operand_def(TensorType)
    shift = attr_def(IntegerAttr[I64])
    slope_shift = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, slope: SSAValue, result_type: Attribute, *, shift: int,
                 slope_shift: Sequence[int], node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "shift": _i64(shift), "slope_shift": ints(slope_shift)}
        super().__init__(operands=[x, slope], result_types=[result_type], attributes=attrs)

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def slope_shifts(self) -> list[int]:
        """`slope_shift` per channel of axis 1 (one value when it is the same for all)."""
        return int_list(self.slope_shift)

    def verify_(self) -> None:
        xs, ss = shape(self.input), shape(self.slope)
        if broadcast_shapes(self, xs, ss) != xs:
            raise self.error(f"slope of shape {list(ss)} does not broadcast to the input {list(xs)}")
        self.expect_shape(xs)
        for v, what in ((self.input, "input"), (self.slope, "slope")):
            if self.storage(v, what).width.data > 16:
                raise self.error(f"{what} storage is wider than 16 bits")
        self.storage(self.output, "result")
        ch = xs[1] if len(xs) >= 2 else 1
        sl = self.slope_shifts()
        if len(sl) not in (1, ch):
            raise self.error(f"slope_shift needs 1 or {ch} values, got {len(sl)}")
        _check_shift_range(self, "shift", [self.shift_amount])
        _check_shift_range(self, "slope_shift", sl)
        ei, eo = self.exp(self.input, "input"), self.exp(self.output, "result")
        if ei is None or eo is None:
            return
        if self.shift_amount != eo - ei:
            raise self.error(f"shift {self.shift_amount} must be e_out - e_in = {eo - ei}")
        axis = len(ss) - (len(xs) - 1)
        per_channel = (len(xs) >= 2 and 0 <= axis < len(ss) and ss[axis] == ch
                       and all(d == 1 for i, d in enumerate(ss) if i != axis))
        es = self.channel_exps(self.slope, axis if per_channel else 0, ch if per_channel else ss[0] if ss else 1,
                               "slope")
        if es is None:
            return
        if not per_channel and len(set(es)) != 1:
            raise self.error("a slope that is not per channel must have one exponent")
        want = [eo - (ei + e) for e in (es if per_channel else es[:1])]
        got = sl * len(want) if len(sl) == 1 else sl
        if got != want:
            raise self.error(f"slope_shift {_compact(sl)} must be e_out - (e_in + e_slope) = {_compact(want)}")


@irdl_op_definition
class MulOp(_BinaryOp):
    """Integer elementwise product with requantization (numpy broadcasting).

    With `shift` s = e_out - (e_a + e_b):
        out = clamp(rshift(a * b, s), lo, hi)       (the product is exact; fits int32 for 16-bit inputs)
        %y = shift.mul %a, %b {node = "mul", shift = 7 : i64}
            : (tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -7>>) -> tensor<1x8x!quant.pot<i8, -5>>
    """

    name = "shift.mul"
    traits = traits_def(ProductAccumulator())

    def verify_(self) -> None:
        self.verify_operands()
        ea, eb, eo = self.shift_exps()
        if ea is not None and eb is not None and eo is not None and self.shift_amount != eo - (ea + eb):
            raise self.error(f"shift {self.shift_amount} must be e_out - (e_lhs + e_rhs) = {eo - (ea + eb)}")


@irdl_op_definition
class RequantOp(ShiftOp):
    """Change of exponent (and/or storage): `out = clamp(rshift(x, shift), lo, hi)`.

    `shift` = e_out - e_in. `clamp` may also carry a ReLU/Clip whose exponent changes:
    since rounding is monotone, clamping the rounded integer to the rounded bounds equals
    rounding the clipped real value.
        %y = shift.requant %x {node = "relu", shift = 2 : i64, clamp = array<i64: 0, 127>}
            : (tensor<1x8x!quant.pot<i8, -7>>) -> tensor<1x8x!quant.pot<i8, -5>>
    """

    name = "shift.requant"
    input = operand_def(TensorType)
    shift = attr_def(IntegerAttr[I64])
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, shift: int,
                 clamp: tuple[int, int] | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "shift": _i64(shift), **_clamp_kw(clamp)}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def verify_(self) -> None:
        self.expect_shape(shape(self.input))
        self.storage(self.input, "input")
        self.verify_clamp()
        _check_shift_range(self, "shift", [self.shift_amount])
        ei, eo = self.exp(self.input, "input"), self.exp(self.output, "result")
        if ei is not None and eo is not None and self.shift_amount != eo - ei:
            raise self.error(f"shift {self.shift_amount} must be e_out - e_in = {eo - ei}")


@irdl_op_definition
class ClampOp(ShiftOp):
    """ReLU / Clip on one exponent: `out = clamp(x, lo, hi)` (same type in and out).

        %y = shift.clamp %x {node = "relu", clamp = array<i64: 0, 127>}
            : (tensor<1x8x!quant.pot<i8, -5>>) -> tensor<1x8x!quant.pot<i8, -5>>
    """

    name = "shift.clamp"
    input = operand_def(TensorType)
    clamp = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, *, clamp: tuple[int, int], node: str | None = None):
        super().__init__(operands=[x], result_types=[x.type], attributes={**node_kw(node), **_clamp_kw(clamp)})

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise self.error(f"input type {self.input.type} and result type {self.output.type} differ")
        self.storage(self.input, "input")
        self.verify_clamp()


class _TableOp(ShiftOp):
    """Base of the table ops: a `table` read at the input integer; lut and softmax have one entry
    per value of the input storage (at most 16 bits, `verify_table`), interp its knots."""

    input = operand_def(TensorType)
    table = attr_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)

    def table_values(self) -> np.ndarray:
        return dense_to_numpy(self.table)

    def verify_table(self, sin: IntegerType) -> None:
        """The table's type, for the input storage `sin`."""
        if sin.width.data > 16:
            raise self.error(f"input storage {sin} is too wide for a table (at most 16 bits)")
        n = 1 << sin.width.data
        tt = self.table.type
        if tt.get_shape() != (n,) or not isinstance(tt.element_type, IntegerType):  # type: ignore[attr-defined]
            raise self.error(f"table must be a 1-D integer tensor of {n} entries, got {tt}")


@irdl_op_definition
class LutOp(_TableOp):
    """Any elementwise function of a small integer, as a table: `out = table[x - qmin_in]`.

    `table` has 2^bits(input) entries (256 for int8, indexed by q + 128) in the result's
    storage type; the lowering fills it with clamp(round_half_up(f(q * 2^e_in) / 2^e_out)),
    so sigmoid, tanh, hard-sigmoid, hard-swish, leaky-relu... cost one load each. `fn`
    names the function for humans.
        %y = shift.lut %x {node = "sig", fn = "sigmoid", table = dense<...> : tensor<256xi8>}
            : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -7>>
    """

    name = "shift.lut"
    fn = opt_attr_def(StringAttr)

    def __init__(self, x: SSAValue, table: DenseIntOrFPElementsAttr, result_type: Attribute, *,
                 fn: str | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "table": table}
        if fn:
            attrs["fn"] = StringAttr(fn)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        self.expect_shape(shape(self.input))
        sin = self.storage(self.input, "input")
        sout = self.storage(self.output, "result")
        self.verify_table(sin)
        tab = self.table_values()
        lo, hi = int_range(sout)
        if tab.size and (int(tab.min()) < lo or int(tab.max()) > hi):
            raise self.error(f"table values must lie in the result range [{lo}, {hi}]")


@irdl_op_definition
class InterpOp(_TableOp):
    """Any elementwise function of a wide integer (int16), by linear interpolation between knots.

    With k = `index_shift`, s = `shift` (k + F), T = `table` (2^(bits(input) - k) + 1 int32 knots,
    T[i] = f((qmin_in + i 2^k) 2^e_in) with F fraction bits below the result's step):
        u = x - qmin_in,  i = u >> k,  r = u & (2^k - 1)
        out = clamp(rshift(T[i] * 2^k + (T[i + 1] - T[i]) * r, s), qmin, qmax)   (int64)
    The lowering picks the fewest knots within a quarter step of f (`qcomp.numerics.interp`);
    an int8 input keeps `shift.lut`, exact. `fn` names the function for humans.
        %y = shift.interp %x {node = "hswish", fn = "hard_swish", index_shift = 8 : i64,
               shift = 24 : i64, table = dense<"0x..."> : tensor<257xi32>}
            : (tensor<1x8x!quant.pot<i16, -11>>) -> tensor<1x8x!quant.pot<i8, -3>>
    """

    name = "shift.interp"
    index_shift = attr_def(IntegerAttr[I64])
    shift = attr_def(IntegerAttr[I64])
    fn = opt_attr_def(StringAttr)

    def __init__(self, x: SSAValue, table: DenseIntOrFPElementsAttr, result_type: Attribute, *,
                 index_shift: int, shift: int, fn: str | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "index_shift": _i64(index_shift), "shift": _i64(shift),
                                       "table": table}
        if fn:
            attrs["fn"] = StringAttr(fn)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    index_shift_value = attr_value("index_shift")
    shift_amount = attr_value("shift")

    def verify_(self) -> None:
        self.expect_shape(shape(self.input))
        bits = self.storage(self.input, "input").width.data
        self.storage(self.output, "result")
        k = self.index_shift_value
        if bits > 16:
            raise self.error(f"input storage of {bits} bits is too wide (at most 16)")
        if not 0 <= k <= bits:
            raise self.error(f"index_shift {k} must be in [0, {bits}]")
        n = (1 << (bits - k)) + 1
        tt = self.table.type
        if tt.get_shape() != (n,) or tt.element_type != IntegerType(32):  # type: ignore[attr-defined]
            raise self.error(f"table must be a 1-D tensor of {n} i32 knots, got {tt}")
        if not k <= self.shift_amount <= 62:
            raise self.error(f"shift {self.shift_amount} must be in [index_shift, 62]")


@irdl_op_definition
class LrnOp(ShiftOp):
    """Integer local response normalisation across channels (axis 1), with a multiplier table.

    With Q_c the exact sum of q^2 over the channel window [c - floor((size-1)/2),
    c + ceil((size-1)/2)] cut to the channels, k = `index_shift`, T = `table` (int16, the
    fixed-point factor (bias + alpha/size * Q 2^(2 e_in))^-beta per bucket of 2^k values of Q)
    and s = `shift` (F + e_out - e_in):
        out_c = clamp(rshift(q_c * T[min(Q_c >> k, len(T) - 1)], s), qmin, qmax)
    Q_c and q * T fit int32 (checked). See `qcomp.numerics.lrn`.
        %y = shift.lrn %x {node = "norm1", size = 5 : i64, index_shift = 7 : i64, shift = 14 : i64,
               table = dense<"0x..."> : tensor<641xi16>}
            : (tensor<1x96x55x55x!quant.pot<i8, -3>>) -> tensor<1x96x55x55x!quant.pot<i8, -3>>
    """

    name = "shift.lrn"
    input = operand_def(TensorType)
    size = attr_def(IntegerAttr[I64])
    index_shift = attr_def(IntegerAttr[I64])
    shift = attr_def(IntegerAttr[I64])
    table = attr_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, table: DenseIntOrFPElementsAttr, result_type: Attribute, *,
                 size: int, index_shift: int, shift: int, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "size": _i64(size), "index_shift": _i64(index_shift),
                                       "shift": _i64(shift), "table": table}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    size_value = attr_value("size")
    index_shift_value = attr_value("index_shift")
    shift_amount = attr_value("shift")

    def table_values(self) -> np.ndarray:
        return dense_to_numpy(self.table)

    def verify_(self) -> None:
        xs = shape(self.input)
        self.expect_shape(xs)
        sin = self.storage(self.input, "input")
        self.storage(self.output, "result")
        if len(xs) < 2 or self.size_value < 1:
            raise self.error("expects an input with a channel axis and a positive size")
        tt = self.table.type
        if len(tt.get_shape()) != 1 or tt.get_shape()[0] < 1 or tt.element_type != IntegerType(16):  # type: ignore[attr-defined]
            raise self.error(f"table must be a non-empty 1-D tensor of i16, got {tt}")
        if not 0 <= self.index_shift_value <= 31:
            raise self.error(f"index_shift {self.index_shift_value} must be in [0, 31]")
        qmax = max(-int_range(sin)[0], int_range(sin)[1])
        if min(xs[1], self.size_value) * qmax * qmax >= 1 << 31:
            raise self.error("the sum of squares overflows int32")
        _check_shift_range(self, "shift", [self.shift_amount])


@irdl_op_definition
class SoftmaxOp(_TableOp):
    """Integer-only softmax along `axis`, with an exponential table and one rounding division.

    With m = max_axis(x), table T of 2^bits(input) non-negative int32 entries (T[0] > 0,
    non-increasing; the lowering uses T[i] = round_half_up(2^F * exp(-i * 2^e_in)), F <= 16),
    and `shift` s = e_out (the probability p = t / S has exponent 0):
        t   = T[m - x]                        (0 <= m - x < 2^bits)
        S   = sum_axis t                      (exact; must fit int32: len(axis) * T[0] < 2^31)
        num = t << max(-s, 0);   den = S << max(s, 0)
        out = clamp(floor((2 * num + den) / (2 * den)), lo, hi)     (round half up of t * 2^-s / S)
    The division is exact integer floor division; num needs F + 1 - s bits.
        %p = shift.softmax %x {node = "softmax", axis = 1 : i64, shift = -7 : i64,
               table = dense<"0x..."> : tensor<256xi32>}
            : (tensor<1x10x!quant.pot<i8, -4>>) -> tensor<1x10x!quant.pot<i8, -7>>
    """

    name = "shift.softmax"
    axis = attr_def(IntegerAttr[I64])
    shift = attr_def(IntegerAttr[I64])

    def __init__(self, x: SSAValue, table: DenseIntOrFPElementsAttr, result_type: Attribute, *,
                 axis: int, shift: int, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "axis": _i64(axis), "shift": _i64(shift),
                                       "table": table}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def axis_index(self) -> int:
        return self.axis.value.data

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def verify_(self) -> None:
        xs = shape(self.input)
        self.expect_shape(xs)
        sin = self.storage(self.input, "input")
        self.storage(self.output, "result")
        if not 0 <= self.axis_index < len(xs):
            raise self.error(f"axis {self.axis_index} out of range for rank {len(xs)}")
        self.verify_table(sin)
        tab = self.table_values().astype(np.int64)
        if tab[0] <= 0 or tab.min() < 0 or np.any(np.diff(tab) > 0):
            raise self.error("table must be non-negative, non-increasing, with table[0] > 0")
        if xs[self.axis_index] * int(tab[0]) >= 1 << 31:
            raise self.error(f"sum of {xs[self.axis_index]} table entries up to {int(tab[0])} overflows int32")
        _check_shift_range(self, "shift", [self.shift_amount])
        eo = self.exp(self.output, "result")
        if eo is not None and self.shift_amount != eo:
            raise self.error(f"shift {self.shift_amount} must be the result exponent {eo}")
