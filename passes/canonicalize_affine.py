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
* a chain of two or more of those by per-channel constants on NCHW, x' = a * x + b, rounds once
  instead of once per op: into the conv2d before it when nothing else reads that conv (an
  exporter's BatchNorm as Mul + Add: w' = w * a per output channel, b' = bias * a + b, as
  fold-batchnorm folds), else as one depthwise 1x1 conv2d (weight a, bias b; the input
  normalisation before a padded conv: norm_pad 35.0 -> 35.9 dB). A chain from a function argument
  into the conv or gemm that alone reads it is left to fold-input-affine.

Part of `simplify` (after the folds, which take priority: a BN after a conv folds into it,
an input normalisation into the first conv), and a pass of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType, f64
from xdsl.ir import BlockArgument, Operation
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
from qcomp.passes.fold_batchnorm import FoldBatchNorm
from qcomp.passes.fold_input_affine import AffineChain, affine_chain, affine_step, padding_breaks_fold
from qcomp.registry import register_pass
from qcomp.rewriting import erase_dead, fused_names


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


def _input_fold_pending(chain: AffineChain, end: Operation) -> bool:
    """Whether fold-input-affine will fold this chain from a function argument into the conv2d
    or gemm that alone reads it (then that fold, which removes the chain, is left to happen)."""
    if not isinstance(chain.arg, BlockArgument) or not end.results[0].has_one_use():
        return False
    user = next(iter(end.results[0].uses))
    if isinstance(user.operation, quant.GemmOp):
        return user.index == 0
    if isinstance(user.operation, quant.Conv2dOp) and user.index == 0:
        return not padding_breaks_fold(user.operation, chain)
    return False


@dataclass
class AffineChainToConv(RewritePattern):
    """A chain of two or more Mul / Add by per-channel constants on NCHW (an exporter's decomposed
    BatchNorm, an input normalisation before a padded conv) -> one rounding instead of one per
    op: folded into the conv2d before it when nothing else reads that (weights and bias scaled per
    output channel, as fold-batchnorm does), else one depthwise 1x1 conv2d."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if affine_step(op, 1) is None or len(quant.shape_of(op.results[0])) != 4:
            return
        out = op.results[0]
        if out.has_one_use() and affine_step(next(iter(out.uses)).operation, 1) is not None:
            return  # not the chain's end: rewritten from its last op
        chain = affine_chain(out, 1, to_argument=False)
        if chain is None or len(chain.ops) < 2 or _input_fold_pending(chain, op):
            return  # one op is one rounding already (and may be part of a hard-sigmoid idiom)
        t = out.type
        assert isinstance(t, TensorType)
        producer = chain.arg.owner
        old_inputs = [v for o in chain.ops for v in o.operands]
        if (isinstance(producer, quant.Conv2dOp) and chain.arg.has_one_use() and not producer.has_activation
                and producer.output.type == t):  # into the conv: it keeps its name, the chain is fused
            folded = FoldBatchNorm.fold_conv(producer, chain.a, chain.b)
            if folded is None:
                return
            consts, operands, _ = folded
            new = quant.Conv2dOp.create(operands=operands, result_types=[t], attributes=dict(producer.attributes))
            keeper, absorbed, dead = producer, chain.ops, [producer]
            old_inputs += producer.operands[1:]
        else:  # a depthwise 1x1 conv named after the chain's last op
            node, c = quant.node_of(op), t.get_shape()[1]
            consts = [_constant(chain.a.reshape(c, 1, 1, 1), t, f"{node}.scale"), _constant(chain.b, t, f"{node}.shift")]
            new = quant.Conv2dOp(chain.arg, consts[0].output, consts[1].output, t, group=c, node=node)
            keeper, absorbed, dead = op, chain.ops[1:], []
        if (names := fused_names(keeper, list(reversed(absorbed)))) is not None:  # from the source to the end
            new.attributes["fused"] = names
        carry_range(op, new)  # the conv's result is the chain's
        new.output.name_hint = out.name_hint
        rewriter.replace_op(op, [*consts, new], [new.output])
        for o in [*chain.ops[1:], *dead]:
            rewriter.erase(o)
        erase_dead(rewriter, old_inputs)


PATTERNS: tuple[RewritePattern, ...] = (BatchNormToDepthwise(), SubConstantToAdd(), DivConstantToMul(),
                                        AffineChainToConv())


@register_pass
@dataclass(frozen=True)
class CanonicalizeAffinePass(ModulePass):
    """Unfoldable BatchNorm as a depthwise 1x1 conv; Sub / Div by constants as Add / Mul; affine
    chains by constants as one conv."""

    name = "canonicalize-affine"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)


__all__ = ["PATTERNS", "AffineChainToConv", "BatchNormToDepthwise", "CanonicalizeAffinePass", "DivConstantToMul",
           "SubConstantToAdd"]
