"""The xDSL context with every qcomp dialect (loaded lazily, on first use by the parser)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from xdsl.context import Context
from xdsl.ir import Dialect

# dialect name -> (module, attribute): the dialects of qcomp, imported only when needed.
QCOMP_DIALECTS: dict[str, tuple[str, str]] = {
    "quant": ("qcomp.dialects.quant", "Quant"),
    "shift": ("qcomp.dialects.shift", "Shift"),
    "emitc": ("qcomp.dialects.emitc", "EmitC"),
}


def dialect_factory(name: str) -> Callable[[], Dialect]:
    module, attr = QCOMP_DIALECTS[name]
    return lambda: getattr(importlib.import_module(module), attr)


def available_dialects() -> list[str]:
    """The qcomp dialects whose modules exist in this installation."""
    return [n for n, (m, _) in QCOMP_DIALECTS.items() if importlib.util.find_spec(m) is not None]


def make_context() -> Context:
    """A context with builtin, func, arith and the qcomp dialects."""
    from xdsl.dialects.arith import Arith
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.func import Func

    ctx = Context()
    for d in (Builtin, Func, Arith):
        ctx.load_dialect(d)
    for name in available_dialects():
        ctx.register_dialect(name, dialect_factory(name))
    return ctx
