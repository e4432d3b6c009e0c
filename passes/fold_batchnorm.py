"""`fold-batchnorm`: fold an inference BatchNormalization into the conv2d / gemm before it.

BN is an affine map per channel, y = k * x + s with k = scale / sqrt(var + eps) and
s = bias - mean * k. After a conv2d (grouped and depthwise included: weight axis 0 is
the output channel either way) or a gemm (output axis 1), it folds into the weights and
bias: w' = w * k along the output channel, b' = b * k + s. Folding removes a whole op
from the integer pipeline and lets the folded weights be quantized as they are used.

The fold happens only when it is exact: the producer's result has no other use (nor is
it a function result), carries no fused activation, all of weight, bias and the four BN
parameters are float `quant.constant`s, and every type is a float tensor. New constants
are computed in float64 and stored in the weights' dtype; a bias is created when there
was none. The conv keeps its `node` name and lists the BN's in `fused = ["bn1"]`. A
BN that cannot be folded stays; the executors and the lowering run it. The folded op
records `bn_stats = [array<f64: beta...>, array<f64: |scale|...>]`, the per-channel mean
and standard deviation the BN was trained to produce (used by data-free calibration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
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
from qcomp.dialects.ranges import carry_range
from qcomp.registry import register_pass
from qcomp.rewriting import erase_dead, fused_names


def _fused(producer: Operation, absorbed: Operation) -> dict[str, Attribute]:
    """`producer`'s attributes with `absorbed`'s node name (and what it absorbed) appended to
    `fused`, and `absorbed`'s `range` (if calibrate ran), since the result is now its value."""
    attrs = dict(producer.attributes)
    if (names := fused_names(producer, [absorbed])) is not None:
        attrs["fused"] = names
    carry_range(absorbed, attrs)
    return attrs




@dataclass
class FoldBatchNorm(RewritePattern):
    """quant.batch_norm(conv2d | gemm) -> conv2d | gemm with rescaled weights and a shifted bias."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: quant.BatchNormOp, rewriter: PatternRewriter) -> None:
        producer = bn.input.owner
        if not isinstance(producer, quant.Conv2dOp | quant.GemmOp) or not bn.input.has_one_use():
            return
        if producer.has_activation or not quant.is_float_tensor(bn.output.type):
            return
        if producer.output.type != bn.output.type:
            return
        affine = bn.affine()
        if affine is None:
            return  # parameters not constant, or var + eps <= 0 (NaN/inf): the executor runs it
        k, shift = affine.k, affine.s

        if isinstance(producer, quant.Conv2dOp):
            folded = self.fold_conv(producer, k, shift)
        else:
            folded = self._fold_gemm(producer, k, shift)
        if folded is None:
            return
        consts, operands, dropped = folded
        attrs = _fused(producer, bn)
        attrs["bn_stats"] = affine.stats_attr()  # for data-free calibration (qcomp.passes.data_free)
        for name in dropped:
            attrs.pop(name, None)
        new = type(producer).create(operands=operands, result_types=[bn.output.type], attributes=attrs)
        new.output.name_hint = producer.output.name_hint
        for c in consts:
            rewriter.insert(c)
        old_inputs = list(producer.operands) + list(bn.operands)
        rewriter.replace(bn, new)
        rewriter.erase(producer)
        erase_dead(rewriter, old_inputs[1:])

    @staticmethod
    def fold_conv(conv: quant.Conv2dOp, k: np.ndarray, shift: np.ndarray):
        """(new constants, operands, attributes to drop) of `conv` followed by k * y + shift per output
        channel (None when its weight or bias is not a float constant); canonicalize-affine uses it too."""
        w = quant.float_constant(conv.weight)
        b = quant.float_constant(conv.bias) if conv.bias is not None else np.zeros(k.shape, np.float64)
        if w is None or b is None:
            return None
        w64 = np.asarray(w, np.float64) * k[:, None, None, None]
        b64 = np.asarray(b, np.float64) * k + shift
        node = quant.node_of(conv)
        new_w = quant.replacement_constant(w64, conv.weight, w.dtype, f"{node}.weight")
        new_b = quant.replacement_constant(b64, conv.bias, w.dtype, f"{node}.bias")
        return [new_w, new_b], [conv.input, new_w.output, new_b.output], ()

    @staticmethod
    def _fold_gemm(gemm: quant.GemmOp, k: np.ndarray, shift: np.ndarray):
        bmat = quant.float_constant(gemm.b)
        c = quant.float_constant(gemm.c) if gemm.c is not None else np.zeros((), np.float64)
        if bmat is None or c is None:
            return None
        b64 = np.asarray(bmat, np.float64)
        b64 = b64 * k[:, None] if gemm.tb else b64 * k[None, :]   # scale output column n by k[n]
        c64 = gemm.beta_value * np.asarray(c, np.float64) * k + shift  # beta is folded into C
        node = quant.node_of(gemm)
        new_b = quant.replacement_constant(b64, gemm.b, bmat.dtype, f"{node}.weight")
        new_c = quant.replacement_constant(c64, gemm.c, bmat.dtype, f"{node}.bias")
        return [new_b, new_c], [gemm.a, new_b.output, new_c.output], ("beta",)


PATTERNS: tuple[RewritePattern, ...] = (FoldBatchNorm(),)
"""The rewrite patterns of `fold-batchnorm`, for composition into other passes."""


@register_pass
@dataclass(frozen=True)
class FoldBatchNormPass(ModulePass):
    """Fold quant.batch_norm into the preceding conv2d / gemm when exact; unfoldable BNs stay."""

    name = "fold-batchnorm"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)
