"""The data-movement ops common to the quant and shift dialects: concat, reshape, transpose,
pad and slice, with their operands, shape rules and (but for concat) constructors.

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
from qcomp.numerics.conv_transpose import interleaved_size


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


class SliceBase(NodeOp):
    """Strided slice: result[i_0, ..] = input[starts[0] + i_0 * steps[0], ..], one start, end and
    step per axis, normalised: 0 <= start <= end <= dim for a step >= 1 (start = end: an empty
    axis), -1 <= end < start < dim for a step <= -1 (reversed), so that the result has
    len(range(start, end, step)) elements along each axis (numpy `x[start:end:step]`, with end -1
    meaning "past index 0")."""

    input = operand_def(TensorType)
    starts = attr_def(DenseArrayBase)
    ends = attr_def(DenseArrayBase)
    steps = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, starts: Sequence[int], ends: Sequence[int], steps: Sequence[int],
                 result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), "starts": ints(starts), "ends": ints(ends),
                                     "steps": ints(steps)})

    @property
    def start_list(self) -> list[int]:
        return int_list(self.starts)

    @property
    def end_list(self) -> list[int]:
        return int_list(self.ends)

    @property
    def step_list(self) -> list[int]:
        return int_list(self.steps)

    def index(self) -> tuple[slice, ...]:
        """The numpy index of the slice."""
        return tuple(slice(b, None if e < 0 else e, s) for b, e, s in zip(self.start_list, self.end_list, self.step_list))

    def is_full(self) -> bool:
        """Whether the slice keeps every element (start 0, end dim, step 1 on every axis)."""
        return all(b == 0 and e == d and st == 1
                   for b, e, st, d in zip(self.start_list, self.end_list, self.step_list, shape(self.input)))

    def verify_(self) -> None:
        s = shape(self.input)
        b, e, st = self.start_list, self.end_list, self.step_list
        if not len(b) == len(e) == len(st) == len(s):
            raise self.error(f"needs one start, end and step per axis ({len(s)}), got {len(b)}, {len(e)}, {len(st)}")
        for d, (lo, hi, step, dim) in enumerate(zip(b, e, st, s)):
            if step == 0:
                raise self.error(f"step 0 on axis {d}")
            if step > 0 and not 0 <= lo <= hi <= dim:
                raise self.error(f"axis {d}: start {lo} and end {hi} must satisfy 0 <= start <= end <= {dim}")
            if step < 0 and not -1 <= hi < lo < dim:
                raise self.error(f"axis {d}: start {lo} and end {hi} must satisfy -1 <= end < start < {dim} "
                                 f"(step {step})")
        self.expect_shape([len(range(lo, hi, step)) for lo, hi, step in zip(b, e, st)])


class ZeroInterleaveBase(NodeOp):
    """Zero insertion over H and W of NCHW (ConvTranspose's strides): `strides` = [sh, sw], `pads`
    = [top, left, bottom, right] (a negative pad crops). result[n, c, i*sh + top, j*sw + left] =
    input[n, c, i, j] wherever that lies inside the result, every other element is zero; the
    result is (H - 1) * sh + 1 + top + bottom by (W - 1) * sw + 1 + left + right."""

    input = operand_def(TensorType)
    strides = attr_def(DenseArrayBase)
    pads = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, strides: Sequence[int], pads: Sequence[int], result_type: Attribute, *,
                 node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), "strides": ints(strides), "pads": ints(pads)})

    @property
    def stride_hw(self) -> list[int]:
        return int_list(self.strides)

    @property
    def pad_tlbr(self) -> list[int]:
        return int_list(self.pads)

    def verify_(self) -> None:
        s, st, p = shape(self.input), self.stride_hw, self.pad_tlbr
        if len(s) != 4 or len(st) != 2 or len(p) != 4:
            raise self.error("expects a 4-D NCHW input, 2 strides and 4 pads (top, left, bottom, right)")
        if min(st) < 1:
            raise self.error(f"strides {st} must be positive")
        out = [*s[:2], interleaved_size(s[2], st[0], p[0], p[2]), interleaved_size(s[3], st[1], p[1], p[3])]
        if min(out[2:]) < 1:
            raise self.error(f"pads {p} crop the whole result")
        self.expect_shape(out)
