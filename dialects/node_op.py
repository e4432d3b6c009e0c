"""The base of every quant and shift op (the ONNX node name, Pure, the generic syntax), and the
helpers both dialects' constructors and verifiers use: `shape`, `node_kw`, `broadcast_shapes`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation, opt_attr_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


class NodeOp(IRDLOperation):
    """An op that carries the ONNX node it came from (`node`), so diagnostics can name it;
    printed as `dialect.op operands {attributes} : (operand types) -> result types`."""

    node = opt_attr_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = "operands attr-dict `:` functional-type(operands, results)"

    @property
    def node_name(self) -> str:
        return self.node.data if self.node is not None else "<unnamed>"

    def error(self, msg: str) -> VerifyException:
        return VerifyException(f"{self.name} '{self.node_name}': {msg}")

    def expect_shape(self, want: Sequence[int], result: SSAValue | None = None) -> None:
        res = result if result is not None else self.results[0]
        if not isinstance(res.type, TensorType):
            raise self.error(f"result {res.type} is not a tensor")
        got = tuple(res.type.get_shape())
        if tuple(want) != got:
            raise self.error(f"result shape {list(got)} does not match the inferred shape {list(want)}")


def shape(v: SSAValue) -> tuple[int, ...]:
    """The static shape of a tensor-typed value."""
    t = v.type
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


def node_kw(node: str | None) -> dict[str, Attribute]:
    """The `node` attribute, when a name is given."""
    return {"node": StringAttr(node)} if node else {}


def broadcast_shapes(op: NodeOp, *shapes: Sequence[int]) -> tuple[int, ...]:
    """numpy broadcasting of operand shapes, or a verifier error of `op`."""
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise op.error(f"operand shapes {[list(s) for s in shapes]} do not broadcast") from None


def attr_value(name: str) -> property:
    """A read-only property: the Python value (`.value.data`) of the op's integer or float
    attribute `name`, for ops that read several scalar attributes."""
    return property(lambda self: self.attributes[name].value.data, doc=f"the value of `{name}`")
