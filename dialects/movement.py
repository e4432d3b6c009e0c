"""The data-movement ops common to the quant and shift dialects: concat, reshape, transpose
and pad, with their operands, shape rules and (but for concat) constructors.

Each dialect's op adds its name, traits, its own attributes and, in `shift`, the rules on
element types and shifts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import I64, DenseArrayBase, IntegerAttr, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import attr_def, operand_def, result_def, var_operand_def

from qcomp.dialects.node_op import NodeOp, node_kw, shape
from qcomp.dialects.window import int_list, ints


class ConcatBase(NodeOp):
    """Concatenation of the `inputs` along `axis` (normalised: 0 <= axis < rank)."""

    inputs = var_operand_def(TensorType)
    axis = attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    @property
    def axis_index(self) -> int:
        return self.axis.value.data

    def verify_concat(self, axis_note: str = "") -> list[tuple[int, ...]]:
        """Check the result shape and return the input shapes (`axis_note` ends the message
        for an axis out of range)."""
        shapes = [shape(v) for v in self.inputs]
        if not shapes:
            raise self.error("needs at least one input")
        rank, ax = len(shapes[0]), self.axis_index
        if not 0 <= ax < rank:
            raise self.error(f"axis {ax} out of range for rank {rank}{axis_note}")
        for s in shapes:
            if len(s) != rank or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != ax):
                raise self.error(f"input shapes {[list(x) for x in shapes]} differ off axis {ax}")
        out = list(shapes[0])
        out[ax] = sum(s[ax] for s in shapes)
        self.expect_shape(out)
        return shapes


class ReshapeBase(NodeOp):
    """Reshape to the static result shape; the elements (row-major order) are unchanged."""

    input = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type], attributes=node_kw(node))

    def verify_(self) -> None:
        a, b = shape(self.input), shape(self.output)
        if int(np.prod(a)) != int(np.prod(b)):
            raise self.error(f"cannot reshape {list(a)} to {list(b)}")


class TransposeBase(NodeOp):
    """Permute axes: result axis i is input axis perm[i]; elements unchanged."""

    input = operand_def(TensorType)
    perm = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, perm: Sequence[int], result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), "perm": ints(perm)})

    @property
    def permutation(self) -> list[int]:
        return int_list(self.perm)

    def verify_(self) -> None:
        s, p = shape(self.input), self.permutation
        if sorted(p) != list(range(len(s))):
            raise self.error(f"perm {p} is not a permutation of rank {len(s)}")
        self.expect_shape([s[i] for i in p])


class PadBase(NodeOp):
    """Constant padding: `pads` = [begin_0 .. begin_r-1, end_0 .. end_r-1] (ONNX order); the
    fill value is an attribute of each dialect's op (absent: 0)."""

    input = operand_def(TensorType)
    pads = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, pads: Sequence[int], result_type: Attribute, *, node: str | None = None,
                 **fill: Attribute):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), "pads": ints(pads), **fill})

    @property
    def pad_list(self) -> list[int]:
        return int_list(self.pads)

    def verify_(self) -> None:
        s, p = shape(self.input), self.pad_list
        r = len(s)
        if len(p) != 2 * r:
            raise self.error(f"needs {2 * r} pads for rank {r}, got {len(p)}")
        if min(p, default=0) < 0:
            raise self.error("negative pads (cropping) are not supported")
        self.expect_shape([s[i] + p[i] + p[i + r] for i in range(r)])
