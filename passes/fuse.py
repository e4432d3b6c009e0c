"""`fuse`: fold ReLU / ReLU6 / Clip into the conv, gemm, matmul or add that produces their input.

    %y = quant.conv2d %x, %w, %b {node = "conv1"} : ...
    %r = quant.relu %y {node = "relu1"} : ...
becomes
    %y = quant.conv2d %x, %w, %b {node = "conv1", act_min = 0.0 : f32, fused = ["relu1"]} : ...

Why: on the integer target the clamp is free inside the producer's requantization (the
kernel clamps to [qmin, qmax] anyway; a fused activation only moves the bounds), whereas a
separate ReLU costs a pass over memory and, more importantly, forces the pre-activation
value to be quantized on its own grid. Since `fuse` runs before `calibrate`, the fused
result's range is the post-activation range (a ReLU output starts at 0 and gets the
finer exponent).

Rules (see docs/quantization.md, "After fuse"):
  * producers: `quant.conv2d`, `quant.gemm`, `quant.matmul`, `quant.add` (the ops with
    `FusedActivation`); activations: `quant.relu` (act_min = 0), `quant.clip(lo, hi)`
    (act_min = lo, act_max = hi; Clip(0, 6) is ReLU6). Chains compose (the bounds
    intersect); a chain whose bounds do not intersect is left alone.
  * only when the producer's result has exactly one use (the activation) and is not a
    function result: the function keeps exactly the ONNX graph outputs, and a value with
    another reader must stay un-clamped for it.
  * the fused op keeps the producer's `node`; the activation's node names are appended to
    the producer's `fused` attribute (`fused = ["relu1"]`) so reports can still name them.
    A `range` already recorded on the activation (calibrate ran first) moves onto the
    producer, and the producer takes the activation's result type (they are equal on float
    IR and after pot-scale, where clamps keep their input's exponent).
  * MaxPool after conv+ReLU is left separate on purpose: max commutes with the monotone
    requantization, so it could be fused into the conv's output stage, but that makes the
    conv kernel pool-aware for a small gain; a separate int8 maxpool reads a quarter-size
    int8 tensor and costs little. LeakyReLU and other non-clamp activations are not fused.

`FuseActivation` is a reusable rewrite pattern; `FusePass` applies it to the module.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects.quant import (
    AddOp,
    ClipOp,
    Conv2dOp,
    FusedActivation,
    GemmOp,
    MatMulOp,
    ReluOp,
    node_of,
)
from qcomp.dialects.ranges import carry_range
from qcomp.registry import register_pass

PRODUCERS = (Conv2dOp, GemmOp, MatMulOp, AddOp)


def activation_bounds(op: ReluOp | ClipOp) -> tuple[float, float]:
    """The clamp [lo, hi] an activation op applies (infinite when unbounded)."""
    if isinstance(op, ReluOp):
        return 0.0, float("inf")
    return op.lo, op.hi


class FuseActivation(RewritePattern):
    """Fold a `quant.relu` / `quant.clip` into its single-use conv2d/gemm/matmul/add producer."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReluOp | ClipOp, rewriter: PatternRewriter) -> None:
        producer = op.input.owner
        if not isinstance(producer, PRODUCERS) or len(producer.results) != 1:
            return
        value = producer.results[0]
        if not value.has_one_use():  # another reader needs the un-clamped value
            return
        if any(isinstance(u.operation, func.ReturnOp) for u in value.uses):
            return  # a graph output stays a graph output (unreachable with one use; kept explicit)
        assert isinstance(producer, FusedActivation)
        plo, phi = producer.act_bounds
        alo, ahi = activation_bounds(op)
        lo, hi = max(plo, alo), min(phi, ahi)
        if lo > hi:
            return  # disjoint clamps: the result is a constant; leave it to a folder
        producer.set_activation(lo, hi)
        old = producer.attributes.get("fused")
        names = list(old.data) if isinstance(old, ArrayAttr) else []
        names += [StringAttr(node_of(op))]
        if isinstance(op.attributes.get("fused"), ArrayAttr):  # an activation that absorbed others
            names += list(op.attributes["fused"].data)  # type: ignore[union-attr]
        producer.attributes["fused"] = ArrayAttr(names)
        carry_range(op, producer)
        if value.type != op.output.type:
            value = rewriter.replace_value_with_new_type(value, op.output.type)
        rewriter.replace_all_uses_with(op.output, value)
        rewriter.erase(op)


@register_pass
@dataclass(frozen=True)
class FusePass(ModulePass):
    """Fuse ReLU/ReLU6/Clip into the single-use conv2d/gemm/matmul/add producing their input."""

    name = "fuse"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FuseActivation()], dce_enabled=False),
            apply_recursively=True,
        ).rewrite_module(op)
