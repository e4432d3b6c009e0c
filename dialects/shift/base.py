"""Shared pieces of the shift dialect: element helpers, the op base class, `shift.constant`."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    IntegerAttr,
    IntegerType,
    Signedness,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import irdl_op_definition

from qcomp.dialects.constants import ConstantOpBase
from qcomp.dialects.node_op import NodeOp
from qcomp.dialects.quant import PotType
from qcomp.dialects.window import int_list, ints
from qcomp.numerics import int_bounds

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
    return int_bounds(storage.width.data, storage.signedness.data == Signedness.UNSIGNED)


def pot_exps(t: Attribute) -> PotType | None:
    """The pot element type of tensor type `t`, or None when its elements are plain integers."""
    if isinstance(t, TensorType) and isinstance(t.element_type, PotType):
        return t.element_type
    return None


# --------------------------------------------------------------------------- base


class ShiftOp(NodeOp):
    """Base of shift ops (see NodeOp: the ONNX `node` name and the generic syntax)."""

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
class ConstantOp(ConstantOpBase):
    """An integer constant tensor (weights, biases), bytes-backed like `quant.constant`.

    `value` holds the storage integers; the result is the same tensor type, or a
    `!quant.pot` tensor whose storage width equals the value's. Semantics: the result is
    `value`. Printed like quant.constant (hex blob above 100 elements,
    `dense_resource<__elided__>` with elision on: parses back, without values):
        %b = shift.constant dense<[5, -3]> : tensor<2xi32> -> tensor<2x!quant.pot<i32, -12>> {node = "fc.bias"}
    """

    name = "shift.constant"

    def verify_(self) -> None:
        vt, rt = self.value.type, self.output.type
        assert isinstance(rt, TensorType)
        if not isinstance(vt.element_type, IntegerType):  # type: ignore[attr-defined]
            raise self.error(f"value must hold integers, got {vt}")
        if vt.get_shape() != rt.get_shape():  # type: ignore[attr-defined]
            raise self.error("value shape differs from result shape")
        st = storage_type(rt)
        if st is None:
            raise self.error(f"result must be an integer or !quant.pot tensor, got {rt}")
        if st.width != vt.element_type.width:  # type: ignore[attr-defined]
            raise self.error(f"value must be stored as {st}, got {vt}")
