"""A user pass that mis-scales one layer on purpose: the output exponent of the op named
`node` moves by `by` (negative: a finer grid that saturates). For testing `qcomp report`."""

from dataclasses import dataclass

from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from qcomp.dialects import quant
from qcomp.registry import register_pass


@register_pass
@dataclass(frozen=True)
class MisScalePass(ModulePass):
    """Move the output exponent of the op named `node` by `by` (after pot-scale)."""

    name = "mis-scale"
    node: str = ""
    by: int = -3

    def apply(self, ctx, op: ModuleOp) -> None:
        for o in op.walk():
            if quant.node_of(o) == self.node and o.results:
                t = o.results[0].type
                pot = quant.pot_of(t)
                assert isinstance(t, TensorType) and pot is not None and not pot.per_axis
                new = TensorType(quant.PotType(pot.storage, [pot.exp + self.by], -1), t.get_shape())
                Rewriter.replace_value_with_new_type(o.results[0], new)
                return
        raise ValueError(f"mis-scale: no op named '{self.node}'")
