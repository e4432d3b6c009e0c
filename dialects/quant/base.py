"""Shared pieces of the quant dialect: the op base class, fused activations, `quant.constant`,
and small helpers passes use on quant IR."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    FloatAttr,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    opt_attr_def,
)

from qcomp.dialects.constants import (
    ConstantOpBase,
    dense_from_numpy,
)
from qcomp.dialects.node_op import NodeOp
from qcomp.dialects.quant.types import (
    pot_of,
)

# --------------------------------------------------------------------------- helpers

def float_attr(v: float) -> FloatAttr:
    return FloatAttr(float(v), f32)


class QuantOp(NodeOp):
    """Base of quant ops (see NodeOp: the ONNX `node` name and the generic syntax)."""

    #: the ONNX op type this op computes, as hardware targets name it (`Conv`, `MaxPool`);
    #: None for ops of no ONNX node (constants). See qcomp.hardware.op_kinds.
    ONNX_OP: ClassVar[str | None] = None

    def set_node(self, name: str | None) -> None:
        if name:
            self.attributes["node"] = StringAttr(name)


class FusedActivation:
    """Ops that can carry a fused activation clamp: `act_min` / `act_max` (absent = unbounded).

    The `fuse` pass folds a following ReLU (act_min = 0), ReLU6 / Clip into the producer,
    so that requantization and clamping happen in the kernel that produces the value.
    """

    act_min = opt_attr_def(FloatAttr)
    act_max = opt_attr_def(FloatAttr)

    @property
    def act_bounds(self) -> tuple[float, float]:
        attrs = self.attributes  # type: ignore[attr-defined]
        lo, hi = attrs.get("act_min"), attrs.get("act_max")
        return (lo.value.data if lo is not None else -float("inf"),
                hi.value.data if hi is not None else float("inf"))

    @property
    def has_activation(self) -> bool:
        return "act_min" in self.attributes or "act_max" in self.attributes  # type: ignore[attr-defined]

    def set_activation(self, lo: float, hi: float) -> None:
        attrs = self.attributes  # type: ignore[attr-defined]
        for key, v in (("act_min", lo), ("act_max", hi)):
            if np.isfinite(v):
                attrs[key] = float_attr(v)
            else:
                attrs.pop(key, None)


# --------------------------------------------------------------------------- constants


@irdl_op_definition
class ConstantOp(ConstantOpBase):
    """A constant tensor (weights, biases, shapes).

    `value` holds the data bytes-backed. The result type equals the value's type, except
    for quantized constants whose result is `tensor<...x!quant.pot<...>>` and whose value
    holds the integers q in the pot type's storage type.
        %w = quant.constant dense<[1.0, 2.0]> : tensor<2xf32> {node = "fc.bias"}
        %q = quant.constant dense<[3, -4]> : tensor<2xi8> -> tensor<2x!quant.pot<i8, -5>>
    Large payloads print as a hex blob; with elision on they print
    `dense_resource<__elided__> : tensor<...>`, which parses back without values (running or
    lowering such a constant is an error that says so).
    """

    name = "quant.constant"

    def verify_(self) -> None:
        vt, rt = self.value.type, self.output.type
        assert isinstance(rt, TensorType)
        if vt.get_shape() != rt.get_shape():
            raise self.error("value shape differs from result shape")
        pot = pot_of(rt)
        if pot is None and vt.element_type != rt.element_type:
            raise self.error(f"value type {vt} differs from result type {rt}")
        if pot is not None and vt.element_type.width != pot.storage.width:  # type: ignore[attr-defined]
            raise self.error(f"value must be stored as {pot.storage}")


# --------------------------------------------------------------------------- helpers for passes


def is_float_tensor(t: Attribute) -> bool:
    """A tensor of f32/f64 elements (not PoT-quantized)."""
    return isinstance(t, TensorType) and isinstance(t.element_type, Float32Type | Float64Type)


def float_constant(value: SSAValue | None) -> np.ndarray | None:
    """The data of the float (not PoT-quantized) `quant.constant` producing `value`, else None."""
    if value is None or not isinstance(op := value.owner, ConstantOp):
        return None
    if not is_float_tensor(op.output.type) or op.output.type != op.value.type:
        return None
    return op.numpy()


def replacement_constant(array: np.ndarray, like: SSAValue | None, dtype: np.dtype, node: str) -> ConstantOp:
    """A constant holding `array` in `dtype`, named after the constant it replaces (or `node`)."""
    if like is not None and isinstance(like.owner, ConstantOp) and like.owner.node is not None:
        node = like.owner.node.data
    op = ConstantOp(dense_from_numpy(np.asarray(array, dtype=dtype)), node=node)
    if like is not None:
        op.output.name_hint = like.name_hint
    return op


def node_of(op: Operation) -> str:
    """The ONNX node name carried by `op`, or its op name when it has none."""
    node = op.attributes.get("node")
    return node.data if isinstance(node, StringAttr) else op.name
