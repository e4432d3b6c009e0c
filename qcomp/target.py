"""The hardware target a pipeline compiles for, stored on the module as `qcomp.target`.

The YAML `target:` section becomes a `set-target{...}` pass at the head of the pipeline,
so the same pipeline is expressible as a `qcomp-opt -p` string and passes read the target
from the IR (`target_of(module)`), never from the command line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.ir import Operation

from qcomp.numerics.integer import ROUNDINGS

TARGET_ATTR = "qcomp.target"

GRANULARITIES = ("per-tensor", "per-channel")


@dataclass(frozen=True)
class TargetSpec:
    """Bit widths and arithmetic conventions of the target (defaults: symmetric int8, int32 accumulator)."""

    activation_bits: int = 8
    weight_bits: int = 8
    bias_bits: int = 32
    accumulator_bits: int = 32
    weight_granularity: str = "per-tensor"
    #: the tie rule of every rounding (qcomp.numerics.integer.ROUNDINGS): "half-up", or
    #: "half-even" to match onnxruntime's QuantizeLinear / QLinear ops bit for bit
    rounding: str = ROUNDINGS[0]
    #: the hardware description the target came from (a shipped name such as `akida_like`, a
    #: YAML path, or PIPELINE.yaml#target; see qcomp.hardware), "" when there is none
    hardware: str = ""

    def check(self) -> None:
        """Raise ValueError naming the first field with a value the compiler cannot honour."""
        for f in ("activation_bits", "weight_bits"):
            if not 2 <= getattr(self, f) <= 16:
                raise ValueError(f"{f}={getattr(self, f)} must be between 2 and 16")
        if not 8 <= self.bias_bits <= 32:
            raise ValueError(f"bias_bits={self.bias_bits} must be between 8 and 32")
        if not 8 <= self.accumulator_bits <= 64:  # 64: int64 sums where int32 would not do (mixed precision)
            raise ValueError(f"accumulator_bits={self.accumulator_bits} must be between 8 and 64")
        if self.weight_granularity not in GRANULARITIES:
            raise ValueError(f"weight_granularity='{self.weight_granularity}' must be one of {', '.join(GRANULARITIES)}")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding='{self.rounding}' must be one of {', '.join(ROUNDINGS)}")

    def to_attr(self) -> DictionaryAttr:
        entries = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "hardware" and not v:
                continue  # recorded only when there is one
            entries[f.name] = IntegerAttr(v, i64) if isinstance(v, int) else StringAttr(str(v))
        return DictionaryAttr(entries)

    @staticmethod
    def from_attr(attr: DictionaryAttr) -> TargetSpec:
        kwargs: dict[str, Any] = {}
        for k, v in attr.data.items():
            kwargs[k] = v.value.data if isinstance(v, IntegerAttr) else v.data  # type: ignore[attr-defined]
        return TargetSpec(**kwargs)


def target_of(module: ModuleOp) -> TargetSpec:
    """The target recorded on `module`, or the defaults when none was set."""
    attr = module.attributes.get(TARGET_ATTR)
    return TargetSpec.from_attr(attr) if isinstance(attr, DictionaryAttr) else TargetSpec()


def rounding_of(op: Operation) -> str:
    """The tie rule of the target of the module holding `op` (the default outside a module)."""
    top = op.get_toplevel_object()
    return target_of(top).rounding if isinstance(top, ModuleOp) else TargetSpec.rounding


def set_target(module: ModuleOp, spec: TargetSpec) -> None:
    spec.check()
    module.attributes[TARGET_ATTR] = spec.to_attr()
