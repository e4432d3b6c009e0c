"""Hardware target descriptions: what an accelerator or MCU can run, read from `targets/<name>.yaml`.

A description holds the arithmetic of the target (the `TargetSpec` fields: bit widths, weight
granularity, tie rule), the requantizing shifts it can do, the op kinds it runs (ONNX op types,
as `QuantOp.ONNX_OP` names them), per-kind forms (kernel sizes, strides, dilations, pads),
channel and spatial limits, and the op sequences the hardware runs fused. `check-target`
(passes/check_target.py, `qcomp check`) checks a model against it and names every violation.

Load one with `load_hardware("akida_like")` (a shipped name), a path to a YAML file, or
`PIPELINE.yaml#target` (the inline `target:` section of a pipeline). Errors name the file, the
line and the key, like pipeline errors.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from qcomp.errors import PipelineError
from qcomp.target import TargetSpec
from qcomp.yaml_source import compose_file
from qcomp.yaml_source import node_value as _value

#: symbolic pads: no padding, and ONNX's auto_pad SAME_UPPER / SAME_LOWER (output = ceil(in / stride),
#: the odd pixel of padding at the end / the beginning), which depend on the input size
PAD_SYMBOLS = ("valid", "same_upper", "same_lower")

FORM_KEYS = ("kernel_sizes", "strides", "dilations", "pads", "groups", "max_channels", "max_spatial")
LIMIT_KEYS = ("max_channels", "max_spatial")
#: keys of a description that are not TargetSpec fields
HARDWARE_KEYS = ("name", "description", "shift_range", "max_channels", "max_spatial", "ops", "passthrough",
                 "forms", "patterns")
SPEC_KEYS = tuple(f.name for f in dataclasses.fields(TargetSpec) if f.name != "hardware")


@dataclass(frozen=True)
class Form:
    """One allowed form of an op kind; a key left out (None) allows any value."""

    kernel_sizes: tuple[tuple[int, ...], ...] | None = None
    strides: tuple[tuple[int, ...], ...] | None = None
    dilations: tuple[tuple[int, ...], ...] | None = None
    #: explicit [top, left, bottom, right] lists, or PAD_SYMBOLS
    pads: tuple[tuple[int, ...] | str, ...] | None = None
    #: "any", "1" (dense only) or "depthwise" (group = channels) per entry
    groups: tuple[str, ...] | None = None
    max_channels: int | None = None
    max_spatial: int | None = None


@dataclass(frozen=True)
class HardwareTarget:
    """A loaded target description (see the module docstring)."""

    name: str
    description: str
    spec: TargetSpec
    #: inclusive [lo, hi] of every requantizing right shift (negative = left shift), or None
    shift_range: tuple[int, int] | None = None
    max_channels: int | None = None
    max_spatial: int | None = None
    #: op kinds the hardware runs; None = any kind
    ops: tuple[str, ...] | None = None
    #: layout-only kinds the toolchain resolves without hardware (Flatten, Reshape): never violations
    passthrough: tuple[str, ...] = ()
    #: per kind, the allowed forms (an op must match one)
    forms: dict[str, tuple[Form, ...]] = field(default_factory=dict)
    #: fused op sequences; empty = every supported op runs on its own
    patterns: tuple[tuple[str, ...], ...] = ()
    source: str = ""


def shipped_targets() -> dict[str, Path]:
    """Target descriptions installed with qcomp, by bare name (`akida_like`)."""
    root = resources.files("qcomp.targets")
    out = {e.name[: -len(".yaml")]: Path(str(e)) for e in root.iterdir() if e.name.endswith(".yaml")}
    return dict(sorted(out.items()))


def resolve_target(ref: str) -> tuple[Path, str | None]:
    """The file of a target reference and the pipeline key it lives under (`target`), if any."""
    path_part, _, key = ref.partition("#")
    p = Path(path_part)
    if p.is_file():
        return p, key or None
    shipped = shipped_targets()
    bare = p.name[: -len(".yaml")] if p.name.endswith(".yaml") else p.name
    if str(p) == p.name and bare in shipped and not key:
        return shipped[bare], None
    raise PipelineError(f"target '{ref}' not found (no such file, and the shipped targets are: "
                        f"{', '.join(shipped) or 'none'})")


def load_hardware(ref: str) -> HardwareTarget:
    """Load and validate a target description (a shipped name, a YAML path, or PIPELINE.yaml#target)."""
    path, key = resolve_target(ref)
    root = compose_file(path, "target")

    def where(node: yaml.Node) -> str:
        return f"{path}:{node.start_mark.line + 1}"

    if key is not None:
        if not isinstance(root, yaml.MappingNode):
            raise PipelineError(f"{path}:1: not a mapping, so it has no '{key}' section")
        sub = next((v for k, v in root.value if _value(k) == key), None)
        if sub is None:
            raise PipelineError(f"{path}:1: no '{key}' section")
        root = sub
    if not isinstance(root, yaml.MappingNode):
        raise PipelineError(f"{path}:1: a target description is a mapping with keys "
                            f"{', '.join(SPEC_KEYS + HARDWARE_KEYS)}")
    return parse_hardware(root, where, default_name=path.stem, source=ref)


def parse_hardware(node: yaml.MappingNode, where, *, default_name: str, source: str) -> HardwareTarget:
    """Validate the mapping `node` as a target description; `where(node)` gives "file:line"."""
    spec: dict[str, Any] = {}
    hw: dict[str, Any] = {"name": default_name, "description": ""}
    for k, v in node.value:
        key = str(_value(k)).replace("-", "_")
        if key in SPEC_KEYS:
            spec[key] = _scalar(v, type(getattr(TargetSpec(), key)), key, where)
        elif key in ("name", "description"):
            hw[key] = str(_value(v))
        elif key == "shift_range":
            pair = _int_list(v, key, where)
            if len(pair) != 2 or pair[0] > pair[1]:
                raise PipelineError(f"{where(v)}: 'shift_range' must be [lo, hi] with lo <= hi, got {pair}")
            hw[key] = (pair[0], pair[1])
        elif key in LIMIT_KEYS:
            hw[key] = _positive(v, key, where)
        elif key in ("ops", "passthrough"):
            hw[key] = tuple(_names(v, key, where))
        elif key == "forms":
            hw[key] = _forms(v, where)
        elif key == "patterns":
            hw[key] = _patterns(v, where)
        else:
            raise PipelineError(f"{where(k)}: unknown target key '{key}'; accepted: "
                                f"{', '.join(SPEC_KEYS + HARDWARE_KEYS)}")
    target_spec = TargetSpec(**spec, hardware=source)
    try:
        target_spec.check()
    except ValueError as e:  # the line of the key at fault
        at = next((k for k, _ in node.value if str(e).startswith(f"{_value(k)}=")), node)
        raise PipelineError(f"{where(at)}: target: {e}") from None
    hw_target = HardwareTarget(spec=target_spec, source=source, **hw)
    _check_consistent(hw_target, node, where)
    return hw_target


def _check_consistent(hw: HardwareTarget, node: yaml.MappingNode, where) -> None:
    """Pattern and form kinds must be supported ops (a typo would otherwise silently match nothing)."""
    if hw.ops is None:
        return
    known = set(hw.ops)
    for kind in sorted({k for p in hw.patterns for k in p} | set(hw.forms)):
        if kind not in known:
            key_node = next((k for k, _ in node.value if _value(k) in ("patterns", "forms")), node)
            raise PipelineError(f"{where(key_node)}: '{kind}' is used in 'patterns' or 'forms' but is not in "
                                f"'ops' ({', '.join(hw.ops)})")


# --------------------------------------------------------------------------- YAML validation helpers


def _scalar(node: yaml.Node, want: type, key: str, where) -> Any:
    v = _value(node)
    if not isinstance(v, want) or isinstance(v, bool):
        raise PipelineError(f"{where(node)}: target '{key}' must be {want.__name__}, got {v!r}")
    return v


def _positive(node: yaml.Node, key: str, where) -> int:
    v = _value(node)
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise PipelineError(f"{where(node)}: '{key}' must be a positive integer, got {v!r}")
    return v


def _int_list(node: yaml.Node, key: str, where) -> list[int]:
    v = _value(node)
    if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        raise PipelineError(f"{where(node)}: '{key}' must be a list of integers, got {v!r}")
    return v


def _names(node: yaml.Node, key: str, where) -> list[str]:
    v = _value(node)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise PipelineError(f"{where(node)}: '{key}' must be a list of ONNX op types such as [Conv, Relu], got {v!r}")
    return v


def _patterns(node: yaml.Node, where) -> tuple[tuple[str, ...], ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise PipelineError(f"{where(node)}: 'patterns' must be a list of op sequences such as [Conv, Relu]")
    out = []
    for item in node.value:
        names = _names(item, "patterns", where)
        if not names:
            raise PipelineError(f"{where(item)}: a pattern needs at least one op")
        out.append(tuple(names))
    return tuple(out)


def _forms(node: yaml.Node, where) -> dict[str, tuple[Form, ...]]:
    if not isinstance(node, yaml.MappingNode):
        raise PipelineError(f"{where(node)}: 'forms' maps an op type to its allowed form (or a list of forms)")
    out: dict[str, tuple[Form, ...]] = {}
    for k, v in node.value:
        kind = str(_value(k))
        items = v.value if isinstance(v, yaml.SequenceNode) else [v]
        out[kind] = tuple(_form(item, kind, where) for item in items)
    return out


def _form(node: yaml.Node, kind: str, where) -> Form:
    if not isinstance(node, yaml.MappingNode):
        raise PipelineError(f"{where(node)}: a form of '{kind}' is a mapping with keys {', '.join(FORM_KEYS)}")
    kw: dict[str, Any] = {}
    for k, v in node.value:
        key = str(_value(k))
        if key not in FORM_KEYS:
            raise PipelineError(f"{where(k)}: unknown key '{key}' in a form of '{kind}'; accepted: {', '.join(FORM_KEYS)}")
        if key in LIMIT_KEYS:
            kw[key] = _positive(v, key, where)
            continue
        value = _value(v)
        if not isinstance(value, list) or not value:
            raise PipelineError(f"{where(v)}: '{key}' of '{kind}' must be a non-empty list")
        if key == "groups":
            bad = [g for g in value if str(g) not in ("any", "1", "depthwise")]
            if bad:
                raise PipelineError(f"{where(v)}: 'groups' of '{kind}': {bad[0]!r} is not one of 1, depthwise, any")
            kw[key] = tuple(str(g) for g in value)
            continue
        size = 4 if key == "pads" else 2
        entries: list[tuple[int, ...] | str] = []
        for e in value:
            if key == "pads" and isinstance(e, str) and e in PAD_SYMBOLS:
                entries.append(e)
            elif (isinstance(e, list) and len(e) == size
                  and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in e)):
                entries.append(tuple(e))
            else:
                also = f" or one of {', '.join(PAD_SYMBOLS)}" if key == "pads" else ""
                raise PipelineError(f"{where(v)}: '{key}' of '{kind}': {e!r} is not a list of {size} "
                                    f"non-negative integers{also}")
        kw[key] = tuple(entries)
    return Form(**kw)


def format_patterns(hw: HardwareTarget) -> list[str]:
    """The lines `qcomp --list-patterns --target T` prints."""
    lines = [f"target {hw.name}: {hw.description}".rstrip(": ")]
    lines.append("ops: " + (", ".join(hw.ops) if hw.ops is not None else "any"))
    if hw.passthrough:
        lines.append("passthrough (no hardware): " + ", ".join(hw.passthrough))
    if hw.patterns:
        lines.append(f"fused patterns ({len(hw.patterns)}):")
        lines += ["  [" + ", ".join(p) + "]" for p in hw.patterns]
    else:
        lines.append("fused patterns: none declared (every supported op runs on its own)")
    return lines
