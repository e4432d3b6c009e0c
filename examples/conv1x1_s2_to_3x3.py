"""A user pass that rewrites the model: every 1x1 stride-2 convolution becomes a 3x3 stride-2
convolution whose kernel is the 1x1 one in the centre of a zero 3x3, with pads 1.

Why: some accelerators run only 3x3 kernels (see the hardware-target issue: Akida's
"1x1 stride-2 kernel embedded in a zero-padded 3x3 one"). The two are the same function:
with pads [1, 1, 1, 1] the 3x3 window of output (y, x) starts at input (2y - 1, 2x - 1),
so its centre tap reads input (2y, 2x), exactly what the 1x1 stride-2 conv reads, and
the other eight taps multiply by zero. The output shape is the same (floor((H - 1) / 2) + 1).

Use it from a pipeline (`plugins:` + the pass name, see examples/int8_fpga_3x3.yaml) or
the command line:

    qcomp --plugin examples/conv1x1_s2_to_3x3.py --pipeline examples/int8_fpga_3x3.yaml \
        models/resnet/resnet.onnx --calib models/digits/calib.npy -o resnet.c
    qcomp-opt --plugin examples/conv1x1_s2_to_3x3.py model.mlir -p conv1x1-s2-to-3x3

It runs on float `quant` IR (`levels`), i.e. before pot-scale: placed later it fails naming
the level instead of silently finding nothing to do. `rebuild` keeps every attribute of the
conv (node name, fused activation, ...), and the new weight keeps the old one's node name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.dialects.constants import dense_from_numpy
from qcomp.dialects.window import ints
from qcomp.registry import register_pass
from qcomp.rewriting import rebuild


class Conv1x1Stride2To3x3(RewritePattern):
    """quant.conv2d 1x1, stride 2, no pads, no dilation -> 3x3 stride 2, pads 1, zero border taps."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.Conv2dOp, rewriter: PatternRewriter) -> None:
        w_op = op.weight.owner
        if not isinstance(w_op, quant.ConstantOp) or quant.shape_of(op.weight)[2:] != (1, 1):
            return
        if op.stride_hw != [2, 2] or any(op.pad_tlbr) or op.dilation_hw != [1, 1]:
            return
        w = w_op.numpy()
        w3 = np.zeros((*w.shape[:2], 3, 3), w.dtype)
        w3[:, :, 1, 1] = w[:, :, 0, 0]
        wt = op.weight.type
        assert isinstance(wt, TensorType)
        new_w = quant.ConstantOp(dense_from_numpy(w3, wt.element_type), node=w_op.node_name)
        operands = [op.input, new_w.output, *([op.bias] if op.bias is not None else [])]
        new = rebuild(op, operands=operands, attributes={"pads": ints([1, 1, 1, 1])})
        new_w.output.name_hint = w_op.output.name_hint
        new.results[0].name_hint = op.results[0].name_hint
        rewriter.replace_op(op, [new_w, new], [new.results[0]])
        if not w_op.output.uses:  # the 1x1 weight, unless another op shares it
            rewriter.erase_op(w_op)


@register_pass
@dataclass(frozen=True)
class Conv1x1Stride2To3x3Pass(ModulePass):
    """Rewrite 1x1 stride-2 convs as zero-padded 3x3 stride-2 convs (same function)."""

    name = "conv1x1-s2-to-3x3"
    levels = ("quant",)

    def apply(self, ctx, op: ModuleOp) -> None:  # type: ignore[no-untyped-def]
        PatternRewriteWalker(Conv1x1Stride2To3x3()).rewrite_module(op)
