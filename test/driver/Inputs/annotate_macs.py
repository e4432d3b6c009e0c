"""A user pass, loaded as a plugin: annotate every conv/gemm with its multiply-accumulate count."""

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64

from qcomp.dialects import quant
from qcomp.registry import register_pass
from xdsl.passes import ModulePass


@register_pass
@dataclass(frozen=True)
class AnnotateMacsPass(ModulePass):
    """Record `macs` (multiply-accumulates per sample) on every quant.conv2d and quant.gemm."""

    name = "annotate-macs"
    attr: str = "macs"

    def apply(self, ctx, op: ModuleOp) -> None:
        for o in op.walk():
            if isinstance(o, quant.Conv2dOp):
                w = quant.shape_of(o.weight)
                macs = int(np.prod(quant.shape_of(o.output))) * int(np.prod(w[1:]))
            elif isinstance(o, quant.GemmOp):
                a, y = quant.shape_of(o.a), quant.shape_of(o.output)
                macs = int(np.prod(y)) * (a[0] if o.ta else a[1])
            else:
                continue
            o.attributes[self.attr] = IntegerAttr(macs, i64)
