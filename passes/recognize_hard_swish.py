"""`recognize-hard-swish`: the export forms of hard-sigmoid and hard-swish become the ONNX ops.

Exporters write h-swish (MobileNetV3) as arithmetic: Paddle `x * clip(x + 3, 0, 6) / 6`,
torch's older exports `x * relu6(x + 3) / 6` or `x * (relu6(x + 3) * (1/6))`, TFLite
`x * hard_sigmoid(x)`. Quantized as written, each Mul and Add rounds once more and the
relu6 branch spends an int8 grid on [0, 6]; as `quant.hard_swish` it is one 256-entry table.
Rewrites (float semantics unchanged up to the rounding of the constants):

* `mul(clip(add(x, b), 0, h), c)` with scalar constants and c = 1/h (either operand order,
  b on either side of the add) -> `hard_sigmoid(x, alpha = 1/h, beta = b/h)`;
* `mul(mul(x, clip(add(x, b), 0, h)), c)` -> `mul(x, mul(clip(...), c))` (the scale moved
  next to the clip, when the inner product has no other use), so the first rule applies;
* `mul(x, hard_sigmoid(x, 1/6, 1/2))` (either order) -> `hard_swish(x)`.

`div(..., 6)` reaches these forms through `canonicalize-affine` (div by a constant -> mul by
its reciprocal), and `relu(...)` before a clip through `normalize-clip`; all run in `simplify`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.dialects.ranges import carry_range
from qcomp.registry import register_pass
from qcomp.rewriting import erase_dead

REL_TOL = 1e-6  # constants are float32: 1/6 is not exact


def _scalar(v: SSAValue) -> float | None:
    """The value of a float constant with a single element (any shape), else None."""
    c = quant.float_constant(v)
    return float(c.reshape(-1)[0]) if c is not None and c.size == 1 else None


def _other(op: quant.BinaryOp, v: SSAValue) -> SSAValue:
    return op.rhs if op.lhs is v else op.lhs


def _shifted_clip(v: SSAValue) -> tuple[SSAValue, float, float] | None:
    """(x, b, h) when v = clip(add(x, b), 0, h) with a scalar constant b and h > 0."""
    clip = v.owner
    if not isinstance(clip, quant.ClipOp) or clip.lo != 0.0 or not 0 < clip.hi < math.inf:
        return None
    add = clip.input.owner
    if not isinstance(add, quant.AddOp) or add.has_activation:
        return None
    for x, c in ((add.lhs, add.rhs), (add.rhs, add.lhs)):
        b = _scalar(c)
        if b is not None and quant.float_constant(x) is None:
            return x, b, clip.hi
    return None


def _same_shape(a: SSAValue, b: SSAValue) -> bool:
    return isinstance(a.type, TensorType) and a.type == b.type


@dataclass
class ScaledClipToHardSigmoid(RewritePattern):
    """mul(clip(add(x, b), 0, h), 1/h) -> hard_sigmoid(x, 1/h, b/h)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MulOp, rewriter: PatternRewriter) -> None:
        for clip_v, c_v in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
            c, found = _scalar(c_v), _shifted_clip(clip_v)
            if c is None or found is None:
                continue
            x, b, h = found
            if not math.isclose(c * h, 1.0, rel_tol=REL_TOL) or not _same_shape(x, op.output):
                continue
            hs = quant.HardSigmoidOp(x, op.output.type, node=quant.node_of(op),
                                     alpha=quant.float_attr(1.0 / h), beta=quant.float_attr(b / h))
            carry_range(op, hs)
            hs.output.name_hint = op.output.name_hint
            add = clip_v.owner.input  # type: ignore[union-attr]
            rewriter.replace_op(op, hs, [hs.output])
            erase_dead(rewriter, [clip_v, add, c_v])
            return


@dataclass
class ScaleNextToClip(RewritePattern):
    """mul(mul(x, clip(add(x, b), 0, h)), c) -> mul(x, mul(clip(...), c))."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MulOp, rewriter: PatternRewriter) -> None:
        for inner_v, c_v in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
            inner, c = inner_v.owner, _scalar(c_v)
            if c is None or not isinstance(inner, quant.MulOp) or not inner.output.has_one_use():
                continue
            for clip_v in (inner.lhs, inner.rhs):
                found = _shifted_clip(clip_v)
                if found is None or found[0] is not _other(inner, clip_v) or not _same_shape(clip_v, op.output):
                    continue
                t = clip_v.type
                scaled = quant.MulOp(clip_v, c_v, t, node=quant.node_of(op) + ":scale")
                prod = quant.MulOp(found[0], scaled.output, op.output.type, node=quant.node_of(op))
                carry_range(op, prod)
                prod.output.name_hint = op.output.name_hint
                rewriter.replace_op(op, [scaled, prod], [prod.output])
                erase_dead(rewriter, [inner_v])
                return


@dataclass
class TimesHardSigmoidToHardSwish(RewritePattern):
    """mul(x, hard_sigmoid(x, 1/6, 1/2)) -> hard_swish(x)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MulOp, rewriter: PatternRewriter) -> None:
        for hs_v in (op.lhs, op.rhs):
            hs = hs_v.owner
            if not isinstance(hs, quant.HardSigmoidOp) or hs.input is not _other(op, hs_v):
                continue
            alpha, beta = hs.alpha.value.data, hs.beta.value.data
            if not (math.isclose(alpha, 1 / 6, rel_tol=REL_TOL) and math.isclose(beta, 0.5, rel_tol=REL_TOL)):
                continue
            if not _same_shape(hs.input, op.output):
                continue
            sw = quant.HardSwishOp(hs.input, op.output.type, node=quant.node_of(op))
            carry_range(op, sw)
            sw.output.name_hint = op.output.name_hint
            rewriter.replace_op(op, sw, [sw.output])
            erase_dead(rewriter, [hs_v])
            return


PATTERNS: tuple[RewritePattern, ...] = (ScaledClipToHardSigmoid(), ScaleNextToClip(), TimesHardSigmoidToHardSwish())
"""The rewrite patterns of `recognize-hard-swish`, for composition into `simplify`."""


@register_pass
@dataclass(frozen=True)
class RecognizeHardSwishPass(ModulePass):
    """Hard-sigmoid and hard-swish written as add/clip/mul become quant.hard_sigmoid / quant.hard_swish."""

    name = "recognize-hard-swish"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)


__all__ = ["PATTERNS", "RecognizeHardSwishPass", "ScaleNextToClip", "ScaledClipToHardSigmoid",
           "TimesHardSigmoidToHardSwish"]

