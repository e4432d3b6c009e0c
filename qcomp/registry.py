"""The pass registry: one decorator registers a pass; built-ins and user plugins alike.

Built-in passes are the modules of `qcomp.passes`, found by scanning the package (no
hand-kept list). A user plugin is a Python file or module that calls `register_pass`.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from xdsl.passes import ModulePass

from qcomp.errors import PipelineError

P = TypeVar("P", bound=type[ModulePass])

_PASSES: dict[str, type[ModulePass]] = {}
_ORIGIN: dict[str, str] = {}
_BUILTINS_LOADED = False


def register_pass(cls: P) -> P:
    """Class decorator: make a frozen-dataclass `ModulePass` available by its `name`."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__qualname__} needs a `name` class attribute to be registered")
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"pass '{name}' must be a frozen dataclass (@dataclass(frozen=True))")
    _check_levels_on_apply(cls)
    old = _PASSES.get(name)
    if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise PipelineError(f"pass '{name}' from {cls.__module__} clashes with the one from {_ORIGIN[name]}")
    _PASSES[name] = cls
    _ORIGIN[name] = cls.__module__
    return cls


def _check_levels_on_apply(cls: type[ModulePass]) -> None:
    """A pass with `levels` checks the module's level before it runs (qcomp.levels)."""
    levels = getattr(cls, "levels", None)
    if levels is None or getattr(cls.apply, "_qcomp_level_checked", False):
        return
    from qcomp.levels import LEVELS, check_level

    levels = (levels,) if isinstance(levels, str) else tuple(levels)
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise TypeError(f"pass '{cls.name}': unknown level(s) {unknown}; levels are {', '.join(LEVELS)}")
    inner = cls.apply

    def apply(self, ctx, op):  # type: ignore[no-untyped-def]
        check_level(cls.name, levels, op)
        return inner(self, ctx, op)

    apply._qcomp_level_checked = True  # type: ignore[attr-defined]
    apply.__doc__ = inner.__doc__
    cls.apply = apply  # type: ignore[method-assign]


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    import qcomp.passes as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"qcomp.passes.{info.name}")


def all_passes() -> dict[str, type[ModulePass]]:
    """Every registered pass by name: the built-ins plus the plugins loaded so far."""
    _load_builtins()
    return dict(sorted(_PASSES.items()))


def pass_origin(name: str) -> str:
    """The module a registered pass comes from (a plugin's file for user passes)."""
    cls = _PASSES.get(name)
    if cls is None:
        return "unregistered"
    mod = sys.modules.get(cls.__module__)
    path = getattr(mod, "__file__", None)
    return path if cls.__module__.startswith("qcomp_plugin_") and path else cls.__module__


def get_pass(name: str) -> type[ModulePass]:
    passes = all_passes()
    if name not in passes:
        raise PipelineError(f"unknown pass '{name}'; known passes: {', '.join(passes)}")
    return passes[name]


def load_plugin(spec: str, base_dir: Path | None = None) -> None:
    """Import a user plugin: a `.py` file (relative to `base_dir` or the working directory) or a module name.

    Importing it runs its `@register_pass` decorators.
    """
    _load_builtins()
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = Path(spec)
        if not path.is_absolute() and base_dir is not None and (base_dir / path).exists():
            path = base_dir / path
        if not path.exists():
            raise PipelineError(f"plugin file '{spec}' not found")
        mod_name = "qcomp_plugin_" + "".join(c if c.isalnum() else "_" for c in str(path.resolve()))
        if mod_name in sys.modules:
            return
        module_spec = importlib.util.spec_from_file_location(mod_name, path)
        if module_spec is None or module_spec.loader is None:
            raise PipelineError(f"plugin file '{spec}' cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            module_spec.loader.exec_module(module)
        except PipelineError:
            raise
        except Exception as e:
            del sys.modules[mod_name]
            raise PipelineError(f"plugin file '{spec}' failed to load: {type(e).__name__}: {e}") from e
    else:
        try:
            importlib.import_module(spec)
        except ImportError as e:
            raise PipelineError(f"plugin module '{spec}' cannot be imported: {e}") from e


def pass_factories() -> dict[str, Callable[[], type[ModulePass]]]:
    """Factories in the form xDSL's PassPipeline and xDSLOptMain expect."""
    def factory(cls: type[ModulePass]) -> Callable[[], type[ModulePass]]:
        return lambda: cls

    return {name: factory(cls) for name, cls in all_passes().items()}


def describe_pass(cls: type[ModulePass]) -> str:
    """One line per pass for `--list-passes`: name, options with defaults, and the docstring's first line."""
    opts = []
    for f in dataclasses.fields(cls):
        if f.name == "name" or not f.init:
            continue
        default = f.default if f.default is not dataclasses.MISSING else "required"
        opts.append(f"{f.name.replace('_', '-')}={default!r}" if default != "required" else f"{f.name}")
    doc = (cls.__doc__ or "").strip().splitlines()
    first = doc[0] if doc else ""
    return f"{cls.name}{{{' '.join(opts)}}}  {first}" if opts else f"{cls.name}  {first}"
