"""`set-target`: record the hardware target (bit widths, rounding, granularity) on the module."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from qcomp.registry import register_pass
from qcomp.target import TargetSpec, set_target


@register_pass
@dataclass(frozen=True)
class SetTargetPass(ModulePass):
    """Record the target on the module as the `qcomp.target` attribute; later passes read it."""

    name = "set-target"

    activation_bits: int = 8
    weight_bits: int = 8
    bias_bits: int = 32
    accumulator_bits: int = 32
    weight_granularity: str = "per-tensor"
    rounding: str = "half-up"

    def __post_init__(self) -> None:
        """Values are checked when the pass is built, so a pipeline names the line at fault."""
        try:
            self.target_spec().check()
        except ValueError as e:
            raise ValueError(f"set-target: {e}") from None

    def target_spec(self) -> TargetSpec:
        return TargetSpec(**{f.name: getattr(self, f.name) for f in dataclasses.fields(TargetSpec)})

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        set_target(op, self.target_spec())
