"""A user pass that puts a 1x1 identity convolution in front of every pooling op whose input is not
produced by a convolution, so that a target running only fused [Conv, (Relu,) Pool] sequences
(the hardware-target issue: Akida-like accelerators) can run the pool.

    %s = quant.add %a, %b {node = "add"} ...
    %r = quant.relu %s {node = "relu"} ...
    %p = quant.global_avgpool %r {node = "gap"} ...
becomes
    %w = quant.constant dense<...identity...> : tensor<CxCx1x1xf32> {node = "gap.identity_conv.weight"}
    %i = quant.conv2d %r, %w {node = "gap.identity_conv"} : ... -> tensor<1xCxHxWxf32>
    %p = quant.global_avgpool %i {node = "gap"} ...

The weight is the identity matrix [C, C, 1, 1] (w[o, c] = 1 if o == c else 0), no bias, stride 1,
no pads: y = x exactly in float (every output is x[c] * 1 plus zeros). `ops` lists the pools to
treat (`global_avgpool`, `maxpool`, `avgpool`; default all three):

    qcomp-opt --plugin examples/insert_identity_conv.py model.mlir -p 'insert-identity-conv{ops=maxpool}'

"Produced by a convolution" looks through the ReLU / Clip ops that `fuse` will fold into the
conv (the conv's result has that activation as its only use): conv -> relu -> maxpool is already
[Conv, Relu, MaxPool] and is left alone; so is a pool whose input a conv2d produces directly.
Everything else (an Add with its ReLU, a Concat, a graph input, another pool, a reshape) gets the
identity conv. The new ops take their names from the pool (`<pool>.identity_conv`).

**Exact after quantization.** On the int8_fpga grid (value = q * 2^e) the identity conv computes,
per element, acc = x_q * w_q at exponent e_x + e_w, then shifts right by s = e_y - (e_x + e_w) with
rounding and clamps to int8. The weight 1.0 is on the PoT grid: pot-scale gives it e_w = -6,
w_q = 64 (per tensor or per channel: each row holds one 1.0; e_w = -5 ties at zero error and ties
keep e_max = -6), so acc = 64 * x_q, exact in int32. **If e_y == e_x**, s = 6 and the shift
divides exactly: y_q = x_q, no rounding, no clamp. The condition is that the conv's output gets
the exponent of its input, and that the ops after it get the ranges they had without it:

1. Its input's exponent comes from the input's own calibrated range (a conv, gemm, add, concat,
   avgpool... result, a ReLU that `fuse` folds into its add, or a function argument). The
   identity conv's output values are bit for bit its input's (float executor, y = x), so calibrate
   with samples (minmax, percentile, mse, kl) sees the same values, records the same range, and
   pot-scale's exponent rule gives the same e. This is the case of the
   committed ResNet (GlobalAveragePool after Add + ReLU) and of models/repro/keras_resnet.onnx,
   checked on every test sample in test/examples/insert_identity_conv_equivalence.py.
2. Its input shares the exponent of an op further up (an unfused ReLU, a MaxPool, a Reshape, a
   Pad: `SharesInputScale`): that exponent comes from the *upstream* range, calibrated over other
   values (before the ReLU, before the max...), and calibration of the identity conv's output can
   give another exponent: a coarser one rounds y, a finer one shifts x left (saturating where the
   calibration clipped), and the pool then sees other integers. `calibrate`
   overwrites every op's `range`, so a range set before it does not survive: the pipeline
   guarantees the equality instead with the second pass of this file, `tie-identity-conv-range`,
   placed between `calibrate` and `pot-scale`. It sets the `range` of every identity conv
   (1x1, stride 1, no pads, group 1, identity weight, zero or no bias, no fused activation) to the
   range its input's exponent is computed from (through the SharesInputScale chain, up to an op's
   `range` or the function's `arg_ranges`), so pot-scale gives both the same exponent in case 2,
   and changes nothing in case 1. `insert-identity-conv` run on an already calibrated module does
   the same for the convs it inserts. Measured (same test): Conv -> MaxPool -> MaxPool calibrated
   with mse gives the identity conv before the second pool exponent -3 where its input has -4, and
   no sample's integers match int8_fpga's; with the tie all of them do.
3. Without samples (`qcomp` without --calib: `calibrate{method="data-free"}`, passes/data_free.py)
   ranges after a folded BatchNorm come from its statistics and propagate through ReLU, Add, pools,
   reshapes..., but not through a conv: the identity conv gets a synthetic-sample range while its
   input has a BatchNorm one (case 2 again: the tie fixes it), and so do the ops after it (the
   pool), where int8_fpga had the propagated range. `tie-identity-conv-range` therefore also
   recomputes the propagation on a copy of the function with the identity convs bypassed and
   gives those ops their BatchNorm ranges back (`bn_sigmas` must be calibrate's, default 3).
   Measured on keras_resnet / ResNet without that step: 0/32 and 2/400 samples identical; with it
   32/32 and 400/400 (test/examples/int8_akida_equivalence.py).

Use it from a pipeline (`plugins:`, see examples/int8_akida.yaml) after `simplify`, with
`tie-identity-conv-range` after `calibrate`. Both run on float `quant` IR (`levels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import BlockArgument, Operation, SSAValue
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
from qcomp.dialects.ranges import RANGE, arg_ranges, op_range, range_attr
from qcomp.dialects.traits import SharesInputScale
from qcomp.registry import register_pass
from qcomp.rewriting import rebuild

POOLS: dict[str, type[Operation]] = {
    "global_avgpool": quant.GlobalAvgPoolOp,
    "maxpool": quant.MaxPoolOp,
    "avgpool": quant.AvgPoolOp,
}
"""The pools `ops` may name (with or without the `quant.` prefix)."""

ACTIVATIONS = (quant.ReluOp, quant.ClipOp)
RANGE_SOURCE = "range_source"  # data-free calibration's note of where a range came from (qcomp.passes.data_free)


def produced_by_conv(value: SSAValue) -> bool:
    """Whether `value` is a quant.conv2d result, or a chain of ReLU / Clip that `fuse` folds into one
    (each link the only use of the value before it, none of them a function result)."""
    while isinstance(op := value.owner, ACTIVATIONS):
        src = op.input
        if not src.has_one_use() or any(isinstance(u.operation, func.ReturnOp) for u in src.uses):
            return False  # the activation stays a separate op: the pool does not follow a conv
        value = src
    return isinstance(value.owner, quant.Conv2dOp)


def scale_source(value: SSAValue) -> SSAValue:
    """The value whose calibrated range pot-scale computes `value`'s exponent from: up through the
    ops that share their input's exponent (relu, maxpool, reshape, pad...)."""
    while isinstance(op := value.owner, Operation) and op.has_trait(SharesInputScale):
        value = op.operands[0]
    return value


def scale_source_range(value: SSAValue) -> tuple[float, float] | None:
    """The calibrated range pot-scale computes `value`'s exponent from: the `range` of its
    `scale_source`'s producer, or the function's `arg_ranges`; None when not calibrated."""
    value = scale_source(value)
    if isinstance(value, BlockArgument):
        f = value.block.parent_op()
        return arg_ranges(f)[value.index] if isinstance(f, func.FuncOp) else None
    assert isinstance(value.owner, Operation)
    return op_range(value.owner)


@dataclass
class InsertIdentityConv(RewritePattern):
    """pool(x), x not from a conv -> pool(conv2d(x, identity)), for the pool classes `pools`."""

    pools: tuple[type[Operation], ...]

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, self.pools):
            return
        x = op.operands[0]
        t = x.type
        if not isinstance(t, TensorType) or not quant.is_float_tensor(t) or len(t.get_shape()) != 4:
            return  # NCHW float activations only (the pass runs before pot-scale)
        if produced_by_conv(x):
            return
        c = t.get_shape()[1]
        node = quant.node_of(op)
        w = quant.ConstantOp(dense_from_numpy(np.eye(c, dtype=np.float32).reshape(c, c, 1, 1),
                                              t.element_type), node=f"{node}.identity_conv.weight")
        conv = quant.Conv2dOp(x, w.output, None, t, node=f"{node}.identity_conv")
        rng = scale_source_range(x)
        if rng is not None:  # already calibrated: the input's exponent source (see the docstring)
            conv.attributes[RANGE] = range_attr(*rng)
        w.output.name_hint = "id_w"
        conv.output.name_hint = f"{x.name_hint}_id" if x.name_hint else "id"
        new = rebuild(op, operands=[conv.output, *op.operands[1:]])
        new.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, [w, conv, new], [new.results[0]])


class TieIdentityConvRange(RewritePattern):
    """An identity conv's `range` := the range its input's exponent comes from."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.Conv2dOp, rewriter: PatternRewriter) -> None:
        if not op.is_identity():
            return
        rng = scale_source_range(op.input)
        if rng is None:
            return
        attr = range_attr(*rng)
        if op.attributes.get(RANGE) != attr:
            op.attributes[RANGE] = attr
            src = scale_source(op.input).owner
            if RANGE_SOURCE in op.attributes and isinstance(src, Operation) and RANGE_SOURCE in src.attributes:
                op.attributes[RANGE_SOURCE] = src.attributes[RANGE_SOURCE]  # data-free: where it came from
            rewriter.notify_op_modified(op)


@register_pass
@dataclass(frozen=True)
class InsertIdentityConvPass(ModulePass):
    """Insert a 1x1 identity conv in front of every pool whose input no conv produces."""

    name = "insert-identity-conv"
    levels = ("quant",)

    ops: tuple[str, ...] = ("global_avgpool", "maxpool", "avgpool")
    """The pools to treat: global_avgpool, maxpool, avgpool."""

    def __post_init__(self) -> None:
        bad = [o for o in self.ops if o.removeprefix("quant.") not in POOLS]
        if bad or not self.ops:
            raise ValueError(f"insert-identity-conv: ops={','.join(self.ops)}: each must be one of "
                             f"{', '.join(POOLS)}")

    def apply(self, ctx, op: ModuleOp) -> None:  # type: ignore[no-untyped-def]
        pools = tuple(POOLS[o.removeprefix("quant.")] for o in self.ops)
        PatternRewriteWalker(GreedyRewritePatternApplier([InsertIdentityConv(pools)], dce_enabled=False),
                             apply_recursively=False).rewrite_module(op)


def restore_bn_ranges(f: func.FuncOp, bn_sigmas: float) -> int:
    """After `calibrate{method="data-free"}`: the BatchNorm-statistics ranges the ops after an identity
    conv would have had without it (data-free propagates them through pools, reshapes... but not
    through a conv), computed on a copy of `f` with the identity convs bypassed; replaces the
    synthetic-sample ranges those ops got instead. Returns how many ranges it restored."""
    from qcomp.passes.data_free import bn_ranges

    copy = f.clone()
    pairs = dict(zip(copy.body.walk(), f.body.walk()))  # the same ops in the same order
    for c in pairs:
        if isinstance(c, quant.Conv2dOp) and c.is_identity():
            c.output.replace_all_uses_with(c.input)
    restored = 0
    for c, (lo, hi) in bn_ranges(copy, bn_sigmas).items():
        o = pairs[c]
        if o.attributes.get(RANGE_SOURCE) == StringAttr("synthetic"):
            o.attributes[RANGE] = range_attr(lo, hi)
            o.attributes[RANGE_SOURCE] = StringAttr("bn-stats")
            restored += 1
    return restored


@register_pass
@dataclass(frozen=True)
class TieIdentityConvRangePass(ModulePass):
    """Give every identity conv the calibrated range of its input's exponent (after calibrate)."""

    name = "tie-identity-conv-range"
    levels = ("quant",)

    bn_sigmas: float = 3.0
    """data-free calibration only: calibrate's bn-sigmas (see restore_bn_ranges)."""

    def apply(self, ctx, op: ModuleOp) -> None:  # type: ignore[no-untyped-def]
        if any(RANGE_SOURCE in o.attributes for o in op.walk()):  # calibrated data-free
            for f in op.ops:
                if isinstance(f, func.FuncOp) and not f.is_declaration:
                    restore_bn_ranges(f, self.bn_sigmas)
        PatternRewriteWalker(GreedyRewritePatternApplier([TieIdentityConvRange()], dce_enabled=False),
                             apply_recursively=False).rewrite_module(op)
