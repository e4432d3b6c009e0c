"""The lowering levels of a qcomp module, and the check that a pass runs where its ops exist.

    quant         float `quant` ops (import, simplify, fuse, calibrate)
    quant-scaled  `quant` ops on `!quant.pot` tensors (after pot-scale)
    shift         integer `shift` ops (after lower-quant-to-shift)
    emitc         C constructs (after lower-shift-to-emitc)

A pass declares where it may run with a class attribute `levels = ("quant",)` (built-in
and user passes alike; no declaration means any level). `register_pass` wraps its `apply`
so that a pass placed where its ops no longer exist fails naming the pass, the level it
needs and the level the module is at, instead of silently doing nothing.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation

LEVELS = ("quant", "quant-scaled", "shift", "emitc")


def _dialect(op: Operation) -> str:
    return op.name.split(".", 1)[0]


def module_level(module: ModuleOp) -> str:
    """The lowest level any op of `module` is at (emitc < shift < quant-scaled < quant)."""
    from qcomp.dialects.quant import PotType

    seen = set()
    scaled = False
    for op in module.walk():
        d = _dialect(op)
        seen.add(d)
        if d in ("quant", "func") and not scaled:
            values = [*op.results, *(a for r in op.regions for b in r.blocks for a in b.args)]
            scaled = any(isinstance(v.type, TensorType) and isinstance(v.type.element_type, PotType)
                         for v in values)
    if "emitc" in seen:
        return "emitc"
    if "shift" in seen:
        return "shift"
    return "quant-scaled" if scaled else "quant"


def check_level(pass_name: str, levels: tuple[str, ...], module: ModuleOp) -> None:
    """Raise when `module` is not at one of `levels`."""
    from xdsl.utils.exceptions import PassFailedException

    level = module_level(module)
    if level not in levels:
        need = " or ".join(f"'{lv}'" for lv in levels)
        raise PassFailedException(
            f"{pass_name}: runs at the {need} level, but the module is at the '{level}' level "
            f"(levels in order: {', '.join(LEVELS)}); move it in the pipeline")
