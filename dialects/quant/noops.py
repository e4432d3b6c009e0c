"""The quant dialect's canonicalization patterns: drop ops that return their input unchanged.

The ops name them through their canonicalization traits (`qcomp.dialects.quant.canonicalization`);
`drop-noops` applies them.
Removed, when the result type equals the input's type exactly (so a re-quantizing op, whose
`!quant.pot` result type differs from its input's, stays: it is a rounding, not a no-op):
- reshape to the same shape, flatten producing the same shape, transpose by the identity;
- pad with all-zero pads, clip with no bounds, concat of a single input, slice of everything;
- add of an all-zero constant (either side), sub of an all-zero constant (right side),
  mul by an all-one constant (either side), div by an all-one constant (right side),
  where broadcasting does not change the shape; an add with a fused activation stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from qcomp.dialects import quant


def _forward(op: Operation, value: SSAValue, rewriter: PatternRewriter) -> None:
    """Replace `op`'s single result by `value` when the types agree, and erase `op`."""
    if op.results[0].type != value.type:
        return
    rewriter.replace(op, [], [value])


def _is_splat_constant(value: SSAValue, fill: float) -> bool:
    """True if `value` is a float `quant.constant` whose elements all equal `fill`."""
    op = value.owner
    if not isinstance(op, quant.ConstantOp) or op.output.type != op.value.type:
        return False  # not a constant, or a PoT constant (integers q standing for q * 2^e)
    data = op.numpy()
    return data.dtype.kind == "f" and bool(np.all(data == fill))


@dataclass
class DropSameShape(RewritePattern):
    """reshape / flatten whose result type is its input type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ReshapeOp | quant.FlattenOp, rewriter: PatternRewriter) -> None:
        _forward(op, op.input, rewriter)


@dataclass
class DropIdentityTranspose(RewritePattern):
    """transpose by the identity permutation."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.TransposeOp, rewriter: PatternRewriter) -> None:
        if op.permutation == list(range(len(op.permutation))):
            _forward(op, op.input, rewriter)


@dataclass
class DropZeroPad(RewritePattern):
    """pad with all pads zero (whatever the fill)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.PadOp, rewriter: PatternRewriter) -> None:
        if not any(op.pad_list):
            _forward(op, op.input, rewriter)


@dataclass
class DropUnboundedClip(RewritePattern):
    """clip without min and max."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ClipOp, rewriter: PatternRewriter) -> None:
        if op.min is None and op.max is None:
            _forward(op, op.input, rewriter)


@dataclass
class DropFullSlice(RewritePattern):
    """slice that keeps every element."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.SliceOp, rewriter: PatternRewriter) -> None:
        if op.is_full():
            _forward(op, op.input, rewriter)


@dataclass
class DropSingleConcat(RewritePattern):
    """concat of one input."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ConcatOp, rewriter: PatternRewriter) -> None:
        if len(op.inputs) == 1:
            _forward(op, op.inputs[0], rewriter)


@dataclass
class DropNeutralArithmetic(RewritePattern):
    """x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1 with constant all-zero / all-one tensors."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.AddOp | quant.SubOp | quant.MulOp | quant.DivOp,
                          rewriter: PatternRewriter) -> None:
        if isinstance(op, quant.AddOp) and op.has_activation:
            return
        neutral = 0.0 if isinstance(op, quant.AddOp | quant.SubOp) else 1.0
        commutes = isinstance(op, quant.AddOp | quant.MulOp)
        if _is_splat_constant(op.rhs, neutral) and op.output.type == op.lhs.type:
            _forward(op, op.lhs, rewriter)
        elif commutes and _is_splat_constant(op.lhs, neutral) and op.output.type == op.rhs.type:
            _forward(op, op.rhs, rewriter)

