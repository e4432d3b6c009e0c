"""`set-target`: record the hardware target (bit widths, rounding, granularity) on the module."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from qcomp.errors import QcompError
from qcomp.registry import register_pass
from qcomp.target import TargetSpec, set_target


@register_pass
@dataclass(frozen=True)
class SetTargetPass(ModulePass):
    """Record the target on the module as the `qcomp.target` attribute; later passes read it.

    `hardware` names a target description (a shipped name such as `akida_like`, a YAML file, or
    PIPELINE.yaml#target; qcomp.hardware): its values are the defaults of the other options and
    `check-target` reads its rules. An option left out takes that default, else TargetSpec's.
    """

    name = "set-target"

    activation_bits: int | None = None
    weight_bits: int | None = None
    bias_bits: int | None = None
    accumulator_bits: int | None = None
    weight_granularity: str | None = None
    rounding: str | None = None
    hardware: str = ""

    def __post_init__(self) -> None:
        """Values are checked when the pass is built, so a pipeline names the line at fault."""
        try:
            self.target_spec().check()
        except ValueError as e:
            raise ValueError(f"set-target: {e}") from None
        except QcompError as e:
            raise ValueError(f"set-target: hardware: {e}") from None

    def target_spec(self) -> TargetSpec:
        base = TargetSpec()
        if self.hardware:
            from qcomp.hardware import load_hardware

            base = load_hardware(self.hardware).spec
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(TargetSpec)
                 if f.name != "hardware" and getattr(self, f.name) is not None}
        return dataclasses.replace(base, **given, hardware=self.hardware)

    @staticmethod
    def for_spec(spec: TargetSpec) -> SetTargetPass:
        """The pass recording `spec`, with only the options that differ from their defaults."""
        base = TargetSpec()
        if spec.hardware:
            from qcomp.hardware import load_hardware

            base = load_hardware(spec.hardware).spec
        given = {f.name: getattr(spec, f.name) for f in dataclasses.fields(TargetSpec)
                 if f.name != "hardware" and getattr(spec, f.name) != getattr(base, f.name)}
        return SetTargetPass(**given, hardware=spec.hardware)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        set_target(op, self.target_spec())
