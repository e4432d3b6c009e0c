"""`canonicalize-affine`: write the affine ops the lowering lacks with the ones it has.

Exporters spell a per-channel or scalar affine map in many ways; the integer pipeline
lowers conv2d, add and mul. Exact rewrites (float semantics unchanged, up to the rounding of
1 / c):

* `quant.batch_norm` that `fold-batchnorm` could not fold (after a Concat, a pool, at the
  input, as DenseNet's pre-activation) on an NCHW tensor -> a depthwise 1x1 `quant.conv2d`
  (group = C) with weight k = scale / sqrt(var + eps) and bias s = bias - mean * k: the
  per-channel scale-and-shift the integer pipeline already runs (requantized in its
  kernel, per-channel weight exponents when the target asks for them). It keeps the BN's
  node name and records `bn_stats` like a folded BN, for data-free calibration.
* `sub(x, c)` -> `add(x, -c)` and `sub(c, x)` -> `add(mul(x, -1), c)` for a float constant c;
* `div(x, c)` -> `mul(x, 1 / c)` for a float constant c without zeros (Paddle's hard-swish
  `x * clip(x + 3, 0, 6) / 6`, input normalisation `(x - mean) / std` that cannot fold
  into a padded conv).

Part of `simplify` (after the folds, which take priority: a BN after a conv folds into it,
an input normalisation into the first conv), and a pass of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType, f64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.dialects.constants import dense_from_numpy
from qcomp.dialects.ranges import carry_range
from qcomp.registry import register_pass


def _constant(value: np.ndarray, like: TensorType, node: str | None = None) -> quant.ConstantOp:
    """A float constant in `like`'s element type."""
    dtype = np.float64 if like.element_type == f64 else np.float32
    return quant.ConstantOp(dense_from_numpy(np.asarray(value, dtype)), node=node)


@dataclass
class BatchNormToDepthwise(RewritePattern):
    """batch_norm(x) on NCHW (not foldable) -> depthwise 1x1 conv2d(x, k, s)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: quant.BatchNormOp, rewriter: PatternRewriter) -> None:
        t = bn.input.type
        if not isinstance(t, TensorType) or len(t.get_shape()) != 4 or not quant.is_float_tensor(t):
            return
        affine = bn.affine()
        if affine is None or bn.output.type != t:
            return
        c = t.get_shape()[1]
        node = quant.node_of(bn)
        w = _constant(affine.k.reshape(c, 1, 1, 1), t, f"{node}.scale")
        b = _constant(affine.s, t, f"{node}.shift")
        conv = quant.Conv2dOp(bn.input, w.output, b.output, bn.output.type, group=c, node=node)
        conv.attributes["bn_stats"] = affine.stats_attr()
        carry_range(bn, conv)
        conv.output.name_hint = bn.output.name_hint
        rewriter.replace_op(bn, [w, b, conv], [conv.output])


@dataclass
class SubConstantToAdd(RewritePattern):
    """sub(x, c) -> add(x, -c); sub(c, x) -> add(mul(x, -1), c)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.SubOp, rewriter: PatternRewriter) -> None:
        lc, rc = quant.float_constant(op.lhs), quant.float_constant(op.rhs)
        t = op.output.type
        if not quant.is_float_tensor(t) or (lc is None) == (rc is None):
            return
        assert isinstance(t, TensorType)
        node = quant.node_of(op)
        if rc is not None:
            neg = _constant(-rc, t)
            add = quant.AddOp(op.lhs, neg.output, t, node=node)
            new_ops = [neg, add]
        else:
            minus = _constant(np.array(-1.0), t)
            xt = op.rhs.type
            mul = quant.MulOp(op.rhs, minus.output, xt, node=f"{node}:neg")
            c = _constant(lc, t)  # type: ignore[arg-type]
            add = quant.AddOp(mul.output, c.output, t, node=node)
            new_ops = [minus, mul, c, add]
        add.output.name_hint = op.output.name_hint
        rewriter.replace_op(op, new_ops, [add.output])


@dataclass
class DivConstantToMul(RewritePattern):
    """div(x, c) -> mul(x, 1 / c) for a constant c without zeros."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.DivOp, rewriter: PatternRewriter) -> None:
        c = quant.float_constant(op.rhs)
        t = op.output.type
        if c is None or quant.float_constant(op.lhs) is not None or not quant.is_float_tensor(t):
            return
        if np.any(c == 0) or not np.all(np.isfinite(c)):
            return
        assert isinstance(t, TensorType)
        inv = _constant(1.0 / np.asarray(c, np.float64), t)
        mul = quant.MulOp(op.lhs, inv.output, t, node=quant.node_of(op))
        mul.output.name_hint = op.output.name_hint
        rewriter.replace_op(op, [inv, mul], [mul.output])


PATTERNS: tuple[RewritePattern, ...] = (BatchNormToDepthwise(), SubConstantToAdd(), DivConstantToMul())


@register_pass
@dataclass(frozen=True)
class CanonicalizeAffinePass(ModulePass):
    """Unfoldable BatchNorm as a depthwise 1x1 conv; Sub / Div by constants as Add / Mul."""

    name = "canonicalize-affine"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)


__all__ = ["PATTERNS", "BatchNormToDepthwise", "CanonicalizeAffinePass", "DivConstantToMul", "SubConstantToAdd"]
