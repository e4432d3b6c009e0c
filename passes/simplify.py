"""`simplify`: every simplification of the float graph at once, applied until nothing changes.

Composes the pattern lists of `drop-noops`, `recognize-hard-swish`, `normalize-clip`, `fold-pad`,
`fold-batchnorm`, `fold-input-affine` and `canonicalize-affine` (in that priority order;
the last writes what cannot fold with ops the lowering has) into one greedy
rewrite, so each fold can enable the others: dropping `x * 1` can expose an input
normalisation chain, folding a Pad into a conv lets a BN fold... The walker repeats until
a fixpoint, so the result does not depend on the order the patterns are listed in beyond
which one fires first on a given op.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker, RewritePattern

from qcomp.passes import (
    canonicalize_affine,
    drop_noops,
    fold_batchnorm,
    fold_input_affine,
    fold_pad,
    normalize_clip,
    recognize_hard_swish,
)
from qcomp.registry import register_pass

PATTERNS: tuple[RewritePattern, ...] = (
    *drop_noops.PATTERNS,
    *recognize_hard_swish.PATTERNS,
    *normalize_clip.PATTERNS,
    *fold_pad.PATTERNS,
    *fold_batchnorm.PATTERNS,
    *fold_input_affine.PATTERNS,
    *canonicalize_affine.PATTERNS,
)
"""All simplification patterns, for composition into other passes."""


@register_pass
@dataclass(frozen=True)
class SimplifyPass(ModulePass):
    """Run drop-noops, recognize-hard-swish, normalize-clip, fold-pad, fold-batchnorm, fold-input-affine and canonicalize-affine to a fixpoint."""

    name = "simplify"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)
