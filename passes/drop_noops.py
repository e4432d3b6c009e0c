"""`drop-noops`: remove ops that return their input unchanged (the quant ops' canonicalization).

ONNX exports are full of them (a Reshape to the shape it already has, a Flatten of a
2-D tensor, `x * 1.0` left by a scaling that was folded away...). Each would cost a
kernel call and an activation buffer after lowering, and they hide patterns from the
folding passes. Removed, when the result type equals the input's type exactly:
- reshape to the same shape, flatten producing the same shape, transpose by the identity;
- pad with all-zero pads, clip with no bounds, concat of a single input;
- add of an all-zero constant (either side), sub of an all-zero constant (right side),
  mul by an all-one constant (either side), div by an all-one constant (right side),
  where broadcasting does not change the shape; an add with a fused activation stays.
The type check also keeps every op whose result is re-quantized (a `!quant.pot` result
type that differs from its input's): that op is a rounding, not a no-op.

Which ops can be no-ops is declared on the ops (`DropsNoop` canonicalization traits, the
patterns in `qcomp.dialects.quant.noops`); this pass applies every op's canonicalization
patterns, without xDSL `canonicalize`'s dead-code elimination and folding.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriteWalker,
    RewritePattern,
)
from xdsl.transforms.canonicalize import CanonicalizationRewritePattern

from qcomp.registry import register_pass

PATTERNS: tuple[RewritePattern, ...] = (CanonicalizationRewritePattern(),)
"""The rewrite patterns of `drop-noops`, for composition into other passes."""


@register_pass
@dataclass(frozen=True)
class DropNoopsPass(ModulePass):
    """Remove ops that return their input unchanged (same-shape reshape, x * 1, single concat, ...)."""

    name = "drop-noops"
    levels = ("quant", "quant-scaled")  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)
