"""The `shift` dialect: integer-only tensor ops with exact, bit-level semantics.

This is the level the C code must match bit for bit: every op's docstring gives its exact
integer semantics, and `qcomp.executors.shift` implements them in numpy (the golden model).

Types. Operands and results are tensors whose element type is quant's power-of-two type
`!quant.pot<i8, e>` (value = q * 2^e; the storage integer q is what the op computes on, the
exponent documents the meaning and lets the verifiers check every shift amount), or a
plain integer type (`i8`, `i32`, `ui8`...) where no exponent applies; the exponent checks
are then skipped. Weights may be per output channel: `!quant.pot<i8:0, [-7, -8, ...]>`.

Conventions shared by every op:

* `rshift(x, s)`, the rounding shift: for s > 0, `(x + (1 << (s - 1))) >> s` with an
  arithmetic (flooring) shift, i.e. round half up of x / 2^s; for s <= 0, `x << -s`
  (exact). It equals `(x >> s) + ((x >> (s - 1)) & 1)` for s > 0, a form that cannot
  overflow. A shift amount always reads "from the source exponent to the destination
  exponent": `s = e_dst - e_src`.
* `clamp(x, lo, hi)` saturates; `lo, hi` (the `clamp` attribute, default the full range of
  the result's storage type) also carry a fused ReLU (lo = 0) or ReLU6 (hi = round(6 / 2^e)).
  Rounding commutes with clamping because both are monotone, so clamping the rounded
  integer equals rounding the clamped real value.
* The accumulator of conv/fc/add/pooling is an exact integer that must fit the target's
  accumulator (int32): the executor checks this and reports the op's ONNX node otherwise.
  Intermediate values are never wrapped.
* Every op carries the ONNX node name in `node`; the syntax is
  `shift.<op> operands {attributes} : (operand types) -> result type`.

Example:
    %w = shift.constant dense<[[[[1, -2], [3, 4]]]]> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!quant.pot<i8, -7>>
    %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 9>, clamp = array<i64: 0, 127>}
        : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<1x1x2x2x!quant.pot<i8, -7>>) -> tensor<1x1x3x3x!quant.pot<i8, -3>>
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from qcomp.dialects.constants import dense_to_numpy, parse_constant, print_constant
from qcomp.dialects.quant import PotType, int_list, ints, window_out

# --------------------------------------------------------------------------- element helpers


def storage_type(t: Attribute) -> IntegerType | None:
    """The integer storage of a tensor type's elements (pot or plain integer), None for floats."""
    if not isinstance(t, TensorType):
        return None
    elt = t.element_type
    if isinstance(elt, PotType):
        return elt.storage
    if isinstance(elt, IntegerType):
        return elt
    return None


def int_range(storage: IntegerType) -> tuple[int, int]:
    """[qmin, qmax] of a signless/signed (two's complement) or unsigned integer type."""
    bits = storage.width.data
    if storage.signedness.data == Signedness.UNSIGNED:
        return 0, (1 << bits) - 1
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def pot_exps(t: Attribute) -> PotType | None:
    """The pot element type of tensor type `t`, or None when its elements are plain integers."""
    if isinstance(t, TensorType) and isinstance(t.element_type, PotType):
        return t.element_type
    return None


def shape(v: SSAValue) -> tuple[int, ...]:
    """The static shape of a tensor-typed value."""
    t = v.type
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


# --------------------------------------------------------------------------- base


class ShiftOp(IRDLOperation):
    """Base of shift ops: a `node` name, Pure, and the `operands attr-dict : functional-type` syntax."""

    node = opt_attr_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = "operands attr-dict `:` functional-type(operands, results)"

    @property
    def node_name(self) -> str:
        return self.node.data if self.node is not None else "<unnamed>"

    def error(self, msg: str) -> VerifyException:
        return VerifyException(f"{self.name} '{self.node_name}': {msg}")

    # -- type checks shared by the verifiers

    def storage(self, v: SSAValue, what: str) -> IntegerType:
        """The integer storage of `v` (a tensor operand or result); floats are rejected."""
        st = storage_type(v.type)
        if st is None:
            raise self.error(f"{what} must be an integer or !quant.pot tensor, got {v.type}")
        return st

    def exp(self, v: SSAValue, what: str) -> int | None:
        """The single exponent of a per-tensor pot value, None for plain integers."""
        pot = pot_exps(v.type)
        if pot is None:
            return None
        if pot.per_axis:
            raise self.error(f"{what} must be quantized per tensor, got {pot}")
        return pot.exp

    def channel_exps(self, v: SSAValue, axis: int, count: int, what: str) -> list[int] | None:
        """Exponents of `v` per index of `axis` (length `count`), None for plain integers."""
        pot = pot_exps(v.type)
        if pot is None:
            return None
        if not pot.per_axis:
            return [pot.exp] * count
        if pot.axis.data != axis or len(pot.exps) != count:
            raise self.error(f"{what} {pot} must be per tensor or per axis {axis} with {count} exponents")
        return pot.exps

    def clamp_bounds(self, result: SSAValue | None = None) -> tuple[int, int]:
        """(lo, hi) of the `clamp` attribute, defaulting to the result storage range."""
        res = result if result is not None else self.results[0]
        st = storage_type(res.type)
        qmin, qmax = int_range(st) if st is not None else (-(1 << 63), (1 << 63) - 1)
        attr = self.attributes.get("clamp")
        if attr is None:
            return qmin, qmax
        lo, hi = int_list(attr)  # type: ignore[arg-type]
        return lo, hi

    def verify_clamp(self) -> None:
        st = self.storage(self.results[0], "result")
        attr = self.attributes.get("clamp")
        if attr is None:
            return
        vals = int_list(attr)  # type: ignore[arg-type]
        if len(vals) != 2:
            raise self.error(f"clamp needs 2 values [lo, hi], got {vals}")
        qmin, qmax = int_range(st)
        lo, hi = vals
        if not qmin <= lo <= hi <= qmax:
            raise self.error(f"clamp [{lo}, {hi}] must satisfy {qmin} <= lo <= hi <= {qmax} ({st} result)")

    def expect_shape(self, want: Sequence[int], result: SSAValue | None = None) -> None:
        res = result if result is not None else self.results[0]
        got = shape(res)
        if tuple(want) != got:
            raise self.error(f"result shape {list(got)} does not match the inferred shape {list(want)}")


def _node_kw(node: str | None) -> dict[str, Attribute]:
    """The `node` attribute, when a name is given."""
    return {"node": StringAttr(node)} if node else {}


def _i64(v: int) -> IntegerAttr:
    """An `N : i64` attribute."""
    return IntegerAttr(int(v), i64)


def _int_attr(attr: IntegerAttr | None, default: int = 0) -> int:
    """The value of an optional integer attribute."""
    return attr.value.data if attr is not None else default


def _clamp_kw(clamp: tuple[int, int] | None) -> dict[str, Attribute]:
    """The `clamp` attribute, when bounds are given."""
    return {"clamp": ints(clamp)} if clamp is not None else {}


def _check_shift_range(op: ShiftOp, name: str, values: Sequence[int]) -> None:
    """Shift amounts stay within [-62, 62], so the int64 reference arithmetic stays exact."""
    for s in values:
        if not -62 <= s <= 62:
            raise op.error(f"{name} {s} is outside [-62, 62]")


# --------------------------------------------------------------------------- constant


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """An integer constant tensor (weights, biases), bytes-backed like `quant.constant`.

    `value` holds the storage integers; the result is the same tensor type, or a
    `!quant.pot` tensor whose storage width equals the value's. Semantics: the result is
    `value`. Printed like quant.constant (hex blob above 100 elements, `dense<elided N
    elements>` with elision on, which cannot be parsed back):
        %b = shift.constant dense<[5, -3]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -12>> {node = "fc.bias"}
    """

    name = "shift.constant"
    value = attr_def(DenseIntOrFPElementsAttr)
    node = opt_attr_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr, result_type: Attribute | None = None,
                 node: str | None = None):
        super().__init__(result_types=[result_type or value.type],
                         attributes={"value": value, **_node_kw(node)})

    @property
    def node_name(self) -> str:
        return self.node.data if self.node is not None else "<unnamed>"

    def numpy(self) -> np.ndarray:
        """The storage integers as a read-only numpy view."""
        return dense_to_numpy(self.value)

    def verify_(self) -> None:
        vt, rt = self.value.type, self.output.type
        assert isinstance(rt, TensorType)
        where = f"shift.constant '{self.node_name}'"
        if not isinstance(vt.element_type, IntegerType):  # type: ignore[attr-defined]
            raise VerifyException(f"{where}: value must hold integers, got {vt}")
        if vt.get_shape() != rt.get_shape():  # type: ignore[attr-defined]
            raise VerifyException(f"{where}: value shape differs from result shape")
        st = storage_type(rt)
        if st is None:
            raise VerifyException(f"{where}: result must be an integer or !quant.pot tensor, got {rt}")
        if st.width != vt.element_type.width:  # type: ignore[attr-defined]
            raise VerifyException(f"{where}: value must be stored as {st}, got {vt}")

    def print(self, printer: Printer) -> None:
        print_constant(self, self.value, printer)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        value, rtype, attrs = parse_constant(parser, "shift.constant")
        op = cls(value, rtype)
        op.attributes.update(attrs)
        return op


# --------------------------------------------------------------------------- conv / fc


class _WeightedOp(ShiftOp):
    """Base of conv/fc (weights, optional bias): per-output-channel `shift`, `bias_shift` and `clamp`."""

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

    def verify_requant(self, x: SSAValue, w: SSAValue, b: SSAValue | None, out_ch: int) -> None:
        """Types, and shift == e_out - (e_in + e_w[o]), bias_shift == e_b[o] - (e_in + e_w[o]) >= 0."""
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
class Conv2dOp(_WeightedOp):
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
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    strides = opt_attr_def(DenseArrayBase)
    pads = opt_attr_def(DenseArrayBase)
    dilations = opt_attr_def(DenseArrayBase)
    group = opt_attr_def(IntegerAttr[I64])
    shift = attr_def(DenseArrayBase)
    bias_shift = opt_attr_def(DenseArrayBase)
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, w: SSAValue, b: SSAValue | None, result_type: Attribute, *,
                 shift: Sequence[int], bias_shift: Sequence[int] | None = None,
                 clamp: tuple[int, int] | None = None, strides=(1, 1), pads=(0, 0, 0, 0),
                 dilations=(1, 1), group: int = 1, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "shift": ints(shift)}
        if b is not None and bias_shift is not None:
            attrs["bias_shift"] = ints(bias_shift)
        attrs.update(_clamp_kw(clamp))
        if tuple(strides) != (1, 1):
            attrs["strides"] = ints(strides)
        if tuple(pads) != (0, 0, 0, 0):
            attrs["pads"] = ints(pads)
        if tuple(dilations) != (1, 1):
            attrs["dilations"] = ints(dilations)
        if group != 1:
            attrs["group"] = _i64(group)
        super().__init__(operands=[x, w, b], result_types=[result_type], attributes=attrs)

    @property
    def stride_hw(self) -> list[int]:
        return int_list(self.strides, (1, 1))

    @property
    def pad_tlbr(self) -> list[int]:
        return int_list(self.pads, (0, 0, 0, 0))

    @property
    def dilation_hw(self) -> list[int]:
        return int_list(self.dilations, (1, 1))

    @property
    def groups(self) -> int:
        return _int_attr(self.group, 1)

    def shifts(self) -> list[int]:
        """`shift` per output channel."""
        return self._per_channel("shift", shape(self.weight)[0]) or []

    def bias_shifts(self) -> list[int]:
        """`bias_shift` per output channel (zeros when absent)."""
        o = shape(self.weight)[0]
        return self._per_channel("bias_shift", o) or [0] * o

    def verify_(self) -> None:
        xs, ws = shape(self.input), shape(self.weight)
        if len(xs) != 4 or len(ws) != 4:
            raise self.error(f"expects 4-D input and weight, got {list(xs)} and {list(ws)}")
        s, p, d, g = self.stride_hw, self.pad_tlbr, self.dilation_hw, self.groups
        if len(s) != 2 or len(d) != 2 or len(p) != 4:
            raise self.error("strides and dilations need 2 values, pads 4 (top, left, bottom, right)")
        if min(s) < 1 or min(d) < 1 or min(p) < 0 or g < 1:
            raise self.error("strides, dilations and group must be positive, pads non-negative")
        if xs[1] % g or ws[0] % g or xs[1] // g != ws[1]:
            raise self.error(f"input channels {xs[1]}, weight {list(ws)} and group {g} disagree")
        if self.bias is not None and shape(self.bias) != (ws[0],):
            raise self.error(f"bias shape {list(shape(self.bias))} is not [{ws[0]}]")
        oh = window_out(xs[2], ws[2], s[0], p[0], p[2], d[0])
        ow = window_out(xs[3], ws[3], s[1], p[1], p[3], d[1])
        self.expect_shape((xs[0], ws[0], oh, ow))
        self.verify_requant(self.input, self.weight, self.bias, ws[0])


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
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    shift = attr_def(DenseArrayBase)
    bias_shift = opt_attr_def(DenseArrayBase)
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, w: SSAValue, b: SSAValue | None, result_type: Attribute, *,
                 shift: Sequence[int], bias_shift: Sequence[int] | None = None,
                 clamp: tuple[int, int] | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "shift": ints(shift), **_clamp_kw(clamp)}
        if b is not None and bias_shift is not None:
            attrs["bias_shift"] = ints(bias_shift)
        super().__init__(operands=[x, w, b], result_types=[result_type], attributes=attrs)

    def shifts(self) -> list[int]:
        return self._per_channel("shift", shape(self.weight)[0]) or []

    def bias_shifts(self) -> list[int]:
        n = shape(self.weight)[0]
        return self._per_channel("bias_shift", n) or [0] * n

    def verify_(self) -> None:
        xs, ws = shape(self.input), shape(self.weight)
        if len(xs) < 1 or len(ws) != 2:
            raise self.error(f"expects an input [..., K] and a weight [N, K], got {list(xs)} and {list(ws)}")
        if xs[-1] != ws[1]:
            raise self.error(f"inner dimensions differ: input {list(xs)}, weight {list(ws)}")
        if self.bias is not None and shape(self.bias) != (ws[0],):
            raise self.error(f"bias shape {list(shape(self.bias))} is not [{ws[0]}]")
        self.expect_shape((*xs[:-1], ws[0]))
        self.verify_requant(self.input, self.weight, self.bias, ws[0])


# --------------------------------------------------------------------------- elementwise


def _broadcast(op: ShiftOp, *shapes: Sequence[int]) -> tuple[int, ...]:
    """numpy broadcasting of operand shapes, or a verifier error."""
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise op.error(f"operand shapes {[list(s) for s in shapes]} do not broadcast") from None


@irdl_op_definition
class AddOp(ShiftOp):
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
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    align = opt_attr_def(DenseArrayBase)
    shift = attr_def(IntegerAttr[I64])
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute, *, align: Sequence[int],
                 shift: int, clamp: tuple[int, int] | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "shift": _i64(shift), **_clamp_kw(clamp)}
        if tuple(align) != (0, 0):
            attrs["align"] = ints(align)
        super().__init__(operands=[lhs, rhs], result_types=[result_type], attributes=attrs)

    @property
    def align_shifts(self) -> tuple[int, int]:
        la, lb = int_list(self.align, (0, 0))
        return la, lb

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def verify_(self) -> None:
        self.expect_shape(_broadcast(self, shape(self.lhs), shape(self.rhs)))
        for v, what in ((self.lhs, "lhs"), (self.rhs, "rhs")):
            if self.storage(v, what).width.data > 16:
                raise self.error(f"{what} storage is wider than 16 bits")
        self.verify_clamp()
        al = int_list(self.align, (0, 0))
        if len(al) != 2 or min(al) < 0 or max(al) > 31:
            raise self.error(f"align needs 2 left shifts in [0, 31], got {al}")
        _check_shift_range(self, "shift", [self.shift_amount])
        ea, eb = self.exp(self.lhs, "lhs"), self.exp(self.rhs, "rhs")
        eo = self.exp(self.output, "result")
        if ea is None or eb is None or eo is None:
            return
        la, lb = al
        if ea - la != eb - lb:
            raise self.error(f"align [{la}, {lb}] does not bring exponents {ea} and {eb} to a common one")
        if self.shift_amount != eo - (ea - la):
            raise self.error(f"shift {self.shift_amount} must be e_out - e_common = {eo - (ea - la)}")


@irdl_op_definition
class MulOp(ShiftOp):
    """Integer elementwise product with requantization (numpy broadcasting).

    With `shift` s = e_out - (e_a + e_b):
        out = clamp(rshift(a * b, s), lo, hi)       (the product is exact; fits int32 for 16-bit inputs)
        %y = shift.mul %a, %b {node = "mul", shift = 7 : i64}
            : (tensor<1x8x!quant.pot<i8, -5>>, tensor<1x8x!quant.pot<i8, -7>>) -> tensor<1x8x!quant.pot<i8, -5>>
    """

    name = "shift.mul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    shift = attr_def(IntegerAttr[I64])
    clamp = opt_attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute, *, shift: int,
                 clamp: tuple[int, int] | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "shift": _i64(shift), **_clamp_kw(clamp)}
        super().__init__(operands=[lhs, rhs], result_types=[result_type], attributes=attrs)

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def verify_(self) -> None:
        self.expect_shape(_broadcast(self, shape(self.lhs), shape(self.rhs)))
        for v, what in ((self.lhs, "lhs"), (self.rhs, "rhs")):
            if self.storage(v, what).width.data > 16:
                raise self.error(f"{what} storage is wider than 16 bits")
        self.verify_clamp()
        _check_shift_range(self, "shift", [self.shift_amount])
        ea, eb = self.exp(self.lhs, "lhs"), self.exp(self.rhs, "rhs")
        eo = self.exp(self.output, "result")
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
        attrs: dict[str, Attribute] = {**_node_kw(node), "shift": _i64(shift), **_clamp_kw(clamp)}
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
        super().__init__(operands=[x], result_types=[x.type], attributes={**_node_kw(node), **_clamp_kw(clamp)})

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise self.error(f"input type {self.input.type} and result type {self.output.type} differ")
        self.storage(self.input, "input")
        self.verify_clamp()


@irdl_op_definition
class LutOp(ShiftOp):
    """Any elementwise function of a small integer, as a table: `out = table[x - qmin_in]`.

    `table` has 2^bits(input) entries (256 for int8, indexed by q + 128) in the result's
    storage type; the lowering fills it with clamp(round_half_up(f(q * 2^e_in) / 2^e_out)),
    so sigmoid, tanh, hard-sigmoid, hard-swish, leaky-relu... cost one load each. `fn`
    names the function for humans.
        %y = shift.lut %x {node = "sig", fn = "sigmoid", table = dense<...> : tensor<256xi8>}
            : (tensor<1x8x!quant.pot<i8, -4>>) -> tensor<1x8x!quant.pot<i8, -7>>
    """

    name = "shift.lut"
    input = operand_def(TensorType)
    table = attr_def(DenseIntOrFPElementsAttr)
    fn = opt_attr_def(StringAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, table: DenseIntOrFPElementsAttr, result_type: Attribute, *,
                 fn: str | None = None, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "table": table}
        if fn:
            attrs["fn"] = StringAttr(fn)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    def table_values(self) -> np.ndarray:
        return dense_to_numpy(self.table)

    def verify_(self) -> None:
        self.expect_shape(shape(self.input))
        sin = self.storage(self.input, "input")
        sout = self.storage(self.output, "result")
        if sin.width.data > 16:
            raise self.error(f"input storage {sin} is too wide for a table (at most 16 bits)")
        tt = self.table.type
        n = 1 << sin.width.data
        if tt.get_shape() != (n,) or not isinstance(tt.element_type, IntegerType):  # type: ignore[attr-defined]
            raise self.error(f"table must be a 1-D integer tensor of {n} entries, got {tt}")
        tab = self.table_values()
        lo, hi = int_range(sout)
        if tab.size and (int(tab.min()) < lo or int(tab.max()) > hi):
            raise self.error(f"table values must lie in the result range [{lo}, {hi}]")


@irdl_op_definition
class SoftmaxOp(ShiftOp):
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
    input = operand_def(TensorType)
    axis = attr_def(IntegerAttr[I64])
    shift = attr_def(IntegerAttr[I64])
    table = attr_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, table: DenseIntOrFPElementsAttr, result_type: Attribute, *,
                 axis: int, shift: int, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "axis": _i64(axis), "shift": _i64(shift),
                                       "table": table}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def axis_index(self) -> int:
        return self.axis.value.data

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def table_values(self) -> np.ndarray:
        return dense_to_numpy(self.table)

    def verify_(self) -> None:
        xs = shape(self.input)
        self.expect_shape(xs)
        sin = self.storage(self.input, "input")
        self.storage(self.output, "result")
        if not 0 <= self.axis_index < len(xs):
            raise self.error(f"axis {self.axis_index} out of range for rank {len(xs)}")
        if sin.width.data > 16:
            raise self.error(f"input storage {sin} is too wide for a table (at most 16 bits)")
        n = 1 << sin.width.data
        tt = self.table.type
        if tt.get_shape() != (n,) or not isinstance(tt.element_type, IntegerType):  # type: ignore[attr-defined]
            raise self.error(f"table must be a 1-D integer tensor of {n} entries, got {tt}")
        tab = self.table_values().astype(np.int64)
        if tab[0] <= 0 or tab.min() < 0 or np.any(np.diff(tab) > 0):
            raise self.error("table must be non-negative, non-increasing, with table[0] > 0")
        if xs[self.axis_index] * int(tab[0]) >= 1 << 31:
            raise self.error(f"sum of {xs[self.axis_index]} table entries up to {int(tab[0])} overflows int32")
        _check_shift_range(self, "shift", [self.shift_amount])
        eo = self.exp(self.output, "result")
        if eo is not None and self.shift_amount != eo:
            raise self.error(f"shift {self.shift_amount} must be the result exponent {eo}")


# --------------------------------------------------------------------------- pooling


class _PoolOp(ShiftOp):
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

    @property
    def kernel_hw(self) -> list[int]:
        return int_list(self.kernel)

    @property
    def stride_hw(self) -> list[int]:
        return int_list(self.strides, (1, 1))

    @property
    def pad_tlbr(self) -> list[int]:
        return int_list(self.pads, (0, 0, 0, 0))

    @property
    def dilation_hw(self) -> list[int]:
        return [1, 1]

    @property
    def ceil(self) -> bool:
        return _int_attr(self.ceil_mode) != 0

    def verify_window(self) -> None:
        xs = shape(self.input)
        k, s, p, d = self.kernel_hw, self.stride_hw, self.pad_tlbr, self.dilation_hw
        if len(xs) != 4 or len(k) != 2 or len(s) != 2 or len(p) != 4 or len(d) != 2:
            raise self.error("expects a 4-D input, 2 kernel sizes, 2 strides and 4 pads")
        if min(k) < 1 or min(s) < 1 or min(p) < 0 or min(d) < 1:
            raise self.error("kernel, strides and dilations must be positive, pads non-negative")
        if p[0] >= k[0] * d[0] or p[2] >= k[0] * d[0] or p[1] >= k[1] * d[1] or p[3] >= k[1] * d[1]:
            raise self.error(f"pads {p} must be smaller than the kernel {k}")
        oh = window_out(xs[2], k[0], s[0], p[0], p[2], d[0], self.ceil)
        ow = window_out(xs[3], k[1], s[1], p[1], p[3], d[1], self.ceil)
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

    @property
    def dilation_hw(self) -> list[int]:
        return int_list(self.dilations, (1, 1))

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


Shift = Dialect(
    "shift",
    [
        ConstantOp, Conv2dOp, FcOp, AddOp, MulOp, RequantOp, ClampOp, LutOp, SoftmaxOp,
        MaxPoolOp, AvgPoolOp, GlobalAvgPoolOp, ConcatOp, ReshapeOp, TransposeOp, PadOp,
    ],
    [],
)
