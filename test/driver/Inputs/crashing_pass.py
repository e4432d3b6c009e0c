"""A user pass with a bug: qcomp must report it in one line naming the pass and its file."""

from dataclasses import dataclass

from xdsl.passes import ModulePass

from qcomp.registry import register_pass


@register_pass
@dataclass(frozen=True)
class CrashingPass(ModulePass):
    """Raises a KeyError (a bug) when applied."""

    name = "crashing-pass"

    def apply(self, ctx, op) -> None:
        raise KeyError("conv1")
