"""`fold-pad`: fold an explicit zero `quant.pad` of H and W into the conv2d / avgpool after it.

Exporters often write `Pad` + `Conv` (TF-style "SAME" padding, asymmetric pads). The
conv's own `pads` pad with zeros too, so the explicit pad can move into them: one
tensor fewer to store and one op fewer to run, and the kernel handles borders itself.

Folded only when exact:
- the pad fills with 0, pads only axes 2 and 3 of an NCHW tensor, and its result has
  no other use (nor is a function result), and its input and result element types agree;
- into `quant.conv2d`: always (the padded zeros and the conv's own pads are the same);
- into `quant.avgpool`: when the padded zeros are counted in the divisor after folding,
  i.e. the pool already has `count_include_pad = 1`, or has no pads of its own (then
  the result gets `count_include_pad = 1`), not in ceil mode (the overhang rule depends
  on where the input ends), and the summed pads stay below the kernel size.
Max pooling is left alone: its pads are -inf, not 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.dialects.window import ints
from qcomp.registry import register_pass
from qcomp.rewriting import fused_names


def zero_hw_pad(value: SSAValue) -> tuple[quant.PadOp, list[int]] | None:
    """The zero `quant.pad` producing `value` (its only use) and its [top, left, bottom, right]
    pads, when it pads only H and W of an NCHW tensor, by non-negative amounts, keeping the type."""
    pad = value.owner
    if not isinstance(pad, quant.PadOp) or not pad.output.has_one_use() or pad.fill != 0.0:
        return None
    tin, tout = pad.input.type, pad.output.type
    if not isinstance(tin, TensorType) or not isinstance(tout, TensorType):
        return None
    if tin.element_type != tout.element_type or len(tin.get_shape()) != 4:
        return None
    p = pad.pad_list
    if p[0] or p[1] or p[4] or p[5] or min(p) < 0:
        return None  # pads N or C (or crops)
    return pad, [p[2], p[3], p[6], p[7]]


def _fold(op: quant.Conv2dOp | quant.AvgPoolOp, pad: quant.PadOp, pads: list[int],
          extra: dict[str, Attribute], rewriter: PatternRewriter) -> None:
    """Replace `op` by a copy reading the pad's input, with `pads`, `extra` attributes and `fused`."""
    attrs = dict(op.attributes)
    attrs["pads"] = ints(pads)
    if not any(pads):
        del attrs["pads"]
    attrs.update(extra)
    attrs.pop("fused", None)
    if (names := fused_names(op, [pad])) is not None:
        attrs["fused"] = names
    operands = [pad.input, *op.operands[1:]]
    new = type(op).create(operands=operands, result_types=[op.output.type], attributes=attrs)
    rewriter.replace(op, new)
    rewriter.erase(pad)


@dataclass
class FoldPadIntoConv(RewritePattern):
    """conv2d(pad(x, zeros on H/W)) -> conv2d(x) with the pads added to its own."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.Conv2dOp, rewriter: PatternRewriter) -> None:
        found = zero_hw_pad(op.input)
        if found is None:
            return
        pad, extra = found
        pads = [a + b for a, b in zip(op.pad_tlbr, extra)]
        _fold(op, pad, pads, {}, rewriter)


@dataclass
class FoldPadIntoAvgPool(RewritePattern):
    """avgpool(pad(x, zeros on H/W)) -> avgpool(x) with count_include_pad = 1, when exact."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.AvgPoolOp, rewriter: PatternRewriter) -> None:
        found = zero_hw_pad(op.input)
        if found is None or op.ceil:
            return
        if not op.include_pad and any(op.pad_tlbr):
            return  # the pool's own pads are not counted, the padded zeros are: not expressible
        pad, extra = found
        pads = [a + b for a, b in zip(op.pad_tlbr, extra)]
        kh, kw = op.kernel_hw
        if max(pads[0], pads[2]) >= kh or max(pads[1], pads[3]) >= kw:
            return  # a window would see only padding: not a valid pool
        _fold(op, pad, pads, {"count_include_pad": IntegerAttr(1, i64)}, rewriter)


PATTERNS: tuple[RewritePattern, ...] = (FoldPadIntoConv(), FoldPadIntoAvgPool())
"""The rewrite patterns of `fold-pad`, for composition into other passes."""


@register_pass
@dataclass(frozen=True)
class FoldPadPass(ModulePass):
    """Fold zero H/W quant.pad into the following conv2d, or avgpool when exact."""

    name = "fold-pad"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)
