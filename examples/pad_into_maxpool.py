"""A user pass that folds the Keras/TF export idiom ReLU -> ZeroPadding2D -> MaxPool (Keras
ResNet-50's `pool1_pad` + `pool1_pool`) into one MaxPool with those pads:

    %r = quant.relu %y {node = "conv1_relu"} ...
    %p = quant.pad %r {node = "pool1_pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} ...
    %m = quant.maxpool %p {node = "pool1_pool", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} ...
becomes
    %r = quant.relu %y {node = "conv1_relu"} ...
    %m = quant.maxpool %r {node = "pool1_pool", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                           pads = array<i64: 1, 1, 1, 1>, fused = ["pool1_pad"]} ...

Why: a target that runs fused [Conv, Relu, MaxPool] sequences (the hardware-target issue) has no
Pad between the ReLU and the pool; `fold-pad` (passes/fold_pad.py) does not fold into max pooling
because MaxPool's own pads are -inf, not the Pad's zeros.

**Exact when** (checked; any other case is left alone):
- the pad fills with 0, pads only H and W (axes 2, 3 of NCHW), and its result has no other use;
- its input is >= 0, proved from the producer: a quant.relu, a quant.clip with min >= 0, an op
  with a fused activation act_min >= 0 (conv2d/gemm/matmul/add after `fuse`), or a maxpool /
  avgpool / global_avgpool / reshape / flatten / transpose / slice / zero pad of such a value, or
  a concat of such values. Then no padded zero can exceed a window's real elements, so the max
  over real elements + zeros equals the max over real elements + -inf pads,
- provided every window keeps at least one real element (a window of padding only would give 0
  before and -inf after): the pool's pads after the fold stay below the kernel size, no dilation,
  and every window along H and W is checked to overlap the input;
- ceil_mode: the output size must be the same with the explicit pad (the pad's rows count as
  input) and with the folded pads (onnxruntime's ceil rule, `window_out`, depends on where the
  input ends) and, as above, every window (ceil-mode overhang included) must reach into the input.
  Otherwise it is refused.
The maxpool may have pads of its own (-inf): they stay outside the zero border and add up.
After quantization the same holds on the integers: a value >= 0 quantizes to q >= 0 (and a fused
act_min >= 0 clamps at q >= 0), the pad's zero is q = 0, and the integer maxpool pads with the
storage minimum (-128 for int8).

The pool keeps its node name and attributes (`rebuild`) and lists the pad's node in `fused`.
Runs on float `quant` IR (`levels`), before or after `fuse`; in int8_fpga after `simplify`:

    qcomp-opt --plugin examples/pad_into_maxpool.py model.mlir -p pad-into-maxpool
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.dialects.window import ints
from qcomp.numerics.windows import window_out
from qcomp.passes.fold_pad import zero_hw_pad
from qcomp.registry import register_pass
from qcomp.rewriting import fused_names, rebuild

#: ops whose result is >= 0 when their (first) input is: they select, move or average values
PRESERVE_NONNEGATIVE = (quant.MaxPoolOp, quant.AvgPoolOp, quant.GlobalAvgPoolOp, quant.ReshapeOp,
                        quant.FlattenOp, quant.TransposeOp, quant.SliceOp)


def nonnegative(value: SSAValue, depth: int = 0) -> bool:
    """Whether every element of `value` is provably >= 0 (from its producers; see the docstring)."""
    op = value.owner
    if not isinstance(op, Operation) or depth > 64:
        return False  # a function argument: nothing is known about it
    if isinstance(op, quant.ReluOp):
        return True
    if isinstance(op, quant.ClipOp):
        return op.lo >= 0.0 or (op.hi >= 0.0 and nonnegative(op.input, depth + 1))
    if isinstance(op, quant.FusedActivation) and op.act_bounds[0] >= 0.0:
        return True
    if isinstance(op, quant.PadOp):
        return op.fill >= 0.0 and nonnegative(op.input, depth + 1)
    if isinstance(op, PRESERVE_NONNEGATIVE):
        return nonnegative(op.operands[0], depth + 1)
    if isinstance(op, quant.ConcatOp):
        return all(nonnegative(v, depth + 1) for v in op.operands)
    return False


def windows_reach_input(size: int, k: int, s: int, pb: int, out: int) -> bool:
    """Whether each of the `out` windows (kernel k, stride s, starting at -pb) overlaps [0, size)."""
    return all(j * s - pb <= size - 1 and j * s - pb + k - 1 >= 0 for j in range(out))


class PadIntoMaxPool(RewritePattern):
    """maxpool(pad(x, zeros on H/W)), x >= 0 -> maxpool(x) with the pads added to its own."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.MaxPoolOp, rewriter: PatternRewriter) -> None:
        found = zero_hw_pad(op.input)  # fold-pad's test: a zero pad of H and W only
        if found is None:
            return
        pad, extra = found
        if not nonnegative(pad.input):
            return
        if op.dilation_hw != [1, 1]:
            return
        (kh, kw), (sh, sw) = op.kernel_hw, op.stride_hw
        own = op.pad_tlbr
        pads = [a + b for a, b in zip(own, extra)]
        if max(pads[0], pads[2]) >= kh or max(pads[1], pads[3]) >= kw:
            return  # not a valid pool (and some window would see only padding)
        h, w = quant.shape_of(pad.input)[2:]
        out = quant.shape_of(op.output)[2:]
        for size, k, s, pb, pe, n in ((h, kh, sh, pads[0], pads[2], out[0]), (w, kw, sw, pads[1], pads[3], out[1])):
            if window_out(size, k, s, pb, pe, 1, op.ceil) != n:
                return  # ceil mode: the folded pool would have another output size
            if not windows_reach_input(size, k, s, pb, n):
                return  # a window of padding only: 0 before the fold, -inf after
        new = rebuild(op, operands=[pad.input], attributes={"pads": ints(pads), "fused": fused_names(op, [pad])})
        new.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, new)
        rewriter.erase(pad)


@register_pass
@dataclass(frozen=True)
class PadIntoMaxPoolPass(ModulePass):
    """Fold a zero H/W quant.pad of a non-negative value into the max pooling after it."""

    name = "pad-into-maxpool"
    levels = ("quant",)

    def apply(self, ctx, op: ModuleOp) -> None:  # type: ignore[no-untyped-def]
        PatternRewriteWalker(PadIntoMaxPool()).rewrite_module(op)
