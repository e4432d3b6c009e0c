"""`lower-shift-to-emitc`: turn the shift function into the emitc C program (kernels, arena buffers, API).

    qcomp-opt model.mlir -p 'lower-shift-to-emitc{prefix="model"},plan-memory'

The rules live in `qcomp.conversions.shift_to_emitc` (`LOWERINGS`, reusable by user
passes); this pass applies them in schedule order. An op without a rule, or one its
generator cannot handle, fails the pass with a message naming the op and its ONNX node.
`dump` (default true) adds the bring-up tensor dump that builds with `-DQC_DUMP` run
(`emitc.dump`, `emitc.dump_manifest`; no code without the macro; docs/c-backend.md, "Dumps").
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.conversions.shift_to_emitc import LoweringError, lower_shift_to_emitc
from qcomp.registry import register_pass


@register_pass
@dataclass(frozen=True)
class LowerShiftToEmitCPass(ModulePass):
    """Lower the shift function to emitc: one specialised C kernel per op, NHWC activations in arena buffers."""

    name = "lower-shift-to-emitc"
    levels = ("shift",)  # qcomp.levels: where this pass may run

    prefix: str = "model"
    dump: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        try:
            lower_shift_to_emitc(op, self.prefix, self.dump)
        except LoweringError as e:
            raise PassFailedException(f"lower-shift-to-emitc: {e}") from None
