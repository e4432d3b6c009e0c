"""`lower-quant-to-shift`: lower pot-typed quant IR to the integer-only shift dialect.

The patterns live in `qcomp.conversions.quant_to_shift` (reusable by user passes); this
pass checks the signatures and constants first, applies the patterns, and reports the first
quant op no pattern lowered (naming the op and its ONNX node): which ops lower is decided
by the patterns alone, not by a second list.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker
from xdsl.utils.exceptions import PassFailedException

from qcomp.conversions.quant_to_shift import PASS, check_lowerable, not_lowered, quant_to_shift_patterns
from qcomp.dialects import shift as sh
from qcomp.registry import register_pass


@register_pass
@dataclass(frozen=True)
class LowerQuantToShiftPass(ModulePass):
    """Lower pot-typed quant ops to shift ops (integer semantics, shifts from the exponents)."""

    name = "lower-quant-to-shift"
    levels = ("quant", "quant-scaled")  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        """Check signatures and constants first, then rewrite; nothing quant may remain."""
        for f in op.walk():
            if isinstance(f, func.FuncOp):
                for i, t in enumerate(f.function_type.inputs.data):
                    if sh.storage_type(t) is None:
                        raise PassFailedException(
                            f"{PASS}: @{f.sym_name.data} argument {i} is not quantized ({t}): "
                            f"run calibrate and pot-scale first")
        for inner in op.walk():
            check_lowerable(inner)
        walker = PatternRewriteWalker(GreedyRewritePatternApplier(quant_to_shift_patterns()),
                                      apply_recursively=False)
        try:
            walker.rewrite_module(op)
        except PassFailedException as e:  # drop the IR dump xDSL attaches as a note: one clean line
            raise PassFailedException(str(e)) from None
        for inner in op.walk():  # legality is the patterns': what none of them lowered has no lowering
            if inner.name.startswith("quant."):
                raise not_lowered(inner)
