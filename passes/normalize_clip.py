"""`normalize-clip`: bring ReLU / Clip chains to one canonical op.

The quant dialect has two clamps: `quant.relu` (max(x, 0)) and `quant.clip {min, max}`
(ReLU6 is `clip {min = 0, max = 6}`). Exporters produce other spellings; this pass
normalises them so that `fuse` sees one activation after each conv:
- clip {min = 0} without max                -> relu
- relu, then clip {lo, hi}                  -> clip {max(lo, 0), hi}
- clip {lo, hi}, then relu                  -> clip {max(lo, 0), hi}
- clip {a, b}, then clip {c, d}             -> clip {max(a, c), min(b, d)}
- relu, then relu                           -> relu
A pair merges only when the first result has no other use (nor is a function result),
every type in the pair is the same, and the merged interval is not empty (an empty one
makes the output a constant: that is not a clamp and is left alone). The surviving op
keeps the node name of the second op (the one whose value the rest of the graph uses)
and lists the first in `fused`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.registry import register_pass

Clamp: TypeAlias = quant.ReluOp | quant.ClipOp


def _bounds(op: Clamp) -> tuple[float, float]:
    return (0.0, math.inf) if isinstance(op, quant.ReluOp) else (op.lo, op.hi)


def _inner(op: Clamp) -> Clamp | None:
    """The relu/clip feeding `op`, if the pair may merge (single use, one type throughout)."""
    inner = op.input.owner
    if not isinstance(inner, quant.ReluOp | quant.ClipOp) or not inner.output.has_one_use():
        return None
    if not inner.input.type == inner.output.type == op.output.type:
        return None
    return inner


def _clamp(op: Clamp, x, lo: float, hi: float, absorbed: Operation | None) -> Clamp:
    """A relu (bounds [0, inf)) or clip {lo, hi} replacing `op`: its attributes, input `x`."""
    attrs: dict[str, Attribute] = {k: v for k, v in op.attributes.items() if k not in ("min", "max")}
    fused = attrs.pop("fused", None)
    names = list(fused.data) if isinstance(fused, ArrayAttr) else []
    if absorbed is not None:
        inner_fused = absorbed.attributes.get("fused")
        names = [*(inner_fused.data if isinstance(inner_fused, ArrayAttr) else ()), *names]
        if isinstance(node := absorbed.attributes.get("node"), StringAttr):
            names.append(node)
    if names:
        attrs["fused"] = ArrayAttr(names)
    if lo == 0.0 and hi == math.inf:
        return quant.ReluOp.create(operands=[x], result_types=[op.output.type], attributes=attrs)
    if lo > -math.inf:
        attrs["min"] = quant.float_attr(lo)
    if hi < math.inf:
        attrs["max"] = quant.float_attr(hi)
    return quant.ClipOp.create(operands=[x], result_types=[op.output.type], attributes=attrs)


def _merge(op: Clamp, rewriter: PatternRewriter) -> None:
    inner = _inner(op)
    if inner is None:
        return
    (a, b), (c, d) = _bounds(inner), _bounds(op)
    lo, hi = max(a, c), min(b, d)
    if lo > hi:
        return  # disjoint: the result would be a constant
    new = _clamp(op, inner.input, lo, hi, inner)
    new.output.name_hint = op.output.name_hint
    rewriter.replace(op, new)
    rewriter.erase(inner)


@dataclass
class ClipZeroToRelu(RewritePattern):
    """clip {min = 0} (no max) -> relu."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ClipOp, rewriter: PatternRewriter) -> None:
        if op.lo == 0.0 and op.hi == math.inf and op.input.type == op.output.type:
            new = _clamp(op, op.input, 0.0, math.inf, None)
            new.output.name_hint = op.output.name_hint
            rewriter.replace(op, new)


@dataclass
class MergeClamps(RewritePattern):
    """relu/clip followed by relu/clip -> one relu/clip on the intersection of the intervals."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.ReluOp | quant.ClipOp, rewriter: PatternRewriter) -> None:
        _merge(op, rewriter)


PATTERNS: tuple[RewritePattern, ...] = (MergeClamps(), ClipZeroToRelu())
"""The rewrite patterns of `normalize-clip`, for composition into other passes."""


@register_pass
@dataclass(frozen=True)
class NormalizeClipPass(ModulePass):
    """Canonicalise ReLU/Clip: clip{min=0} -> relu, merge relu/clip chains into one op."""

    name = "normalize-clip"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)
