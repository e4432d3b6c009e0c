"""YAML pipelines: a thin declarative layer over the pass registry.

A pipeline file has a `name`, a `description`, a `target` section (becomes a leading
`set-target{...}` pass), optional `plugins` (files or modules with user passes) and an
ordered `passes` list; each item is a pass name or a one-key mapping `{name: {opt: v}}`.
Every pipeline is also expressible as a `qcomp-opt -p` string (`Pipeline.spec()`).
Errors name the file, the line and the accepted values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, get_type_hints

import yaml
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec

from qcomp.errors import PipelineError
from qcomp.registry import get_pass, load_plugin
from qcomp.target import TargetSpec
from qcomp.yaml_source import compose_file
from qcomp.yaml_source import node_value as _node_value

TOP_KEYS = ("name", "description", "target", "plugins", "passes")


@dataclass
class PassEntry:
    """One pass of a pipeline: its name, options and where it was written."""

    name: str
    options: dict[str, Any]
    where: str  # "file:line" for diagnostics

    def instantiate(self) -> ModulePass:
        try:
            cls = get_pass(self.name)
        except PipelineError as e:
            raise PipelineError(f"{self.where}: {e}") from None
        params = {k.replace("-", "_"): _as_params(v) for k, v in self.options.items()}
        try:
            return cls.from_pass_spec(ArgSpec(self.name, params))
        except (ValueError, TypeError) as e:
            raise PipelineError(f"{self.where}: pass '{self.name}': {_first_line(e)}; "
                                f"accepted options: {describe_options(cls)}") from None


@dataclass
class Pipeline:
    """A loaded pipeline file."""

    name: str
    description: str
    target: TargetSpec
    passes: list[PassEntry]
    plugins: list[str] = field(default_factory=list)
    path: Path | None = None

    def instantiate(self) -> list[ModulePass]:
        """The pass objects, `set-target` first."""
        from qcomp.passes.set_target import SetTargetPass

        head = SetTargetPass.for_spec(self.target)
        passes = [p.instantiate() for p in self.passes]
        calibrate = self.find("calibrate")
        samples = calibrate.options.get("data") if calibrate is not None else None
        # A pass besides calibrate that reads the calibration samples (`USES_SAMPLES`, e.g.
        # correct-bias) gets calibrate's `data` (the CLI's --calib), calibrate's `outputs` if it
        # measures them, and, as `quantize`, the pipeline's own pot-scale after it, unless its
        # entry names its own.
        for i, entry in enumerate(self.passes):
            if not getattr(passes[i], "USES_SAMPLES", False):
                continue
            if "data" not in entry.options and samples:
                passes[i] = dataclasses.replace(passes[i], data=str(samples))  # type: ignore[call-arg]
            uses = calibrate.options.get("outputs") if calibrate is not None else None
            if uses and "outputs" not in entry.options and hasattr(passes[i], "outputs"):
                passes[i] = dataclasses.replace(passes[i], outputs=str(uses))  # type: ignore[call-arg]
            later = next((p for p in passes[i + 1 :] if p.name == "pot-scale"), None)
            if "quantize" not in entry.options and later is not None:
                quoted = str(later).replace('"', '\\"')  # so that spec() parses back
                passes[i] = dataclasses.replace(passes[i], quantize=quoted)  # type: ignore[call-arg]
        return [head] + passes

    def spec(self) -> str:
        """The same pipeline as a `qcomp-opt -p` string."""
        return ",".join(str(p) for p in self.instantiate())

    def find(self, name: str) -> PassEntry | None:
        return next((p for p in self.passes if p.name == name), None)


def describe_options(cls: type[ModulePass]) -> str:
    hints = get_type_hints(cls)
    opts = []
    for f in dataclasses.fields(cls):
        if f.name == "name" or not f.init:
            continue
        t = hints.get(f.name, Any)
        args = [a for a in getattr(t, "__args__", ()) if a is not type(None)]
        if len(args) == 1:  # an optional option (`int | None`: unset means "the default")
            t = args[0]
        tname = getattr(t, "__name__", str(t)).replace("typing.", "")
        opts.append(f"{f.name.replace('_', '-')} ({tname})")
    return ", ".join(opts) if opts else "none"


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _as_params(v: Any) -> tuple:
    if isinstance(v, list | tuple):
        return tuple(v)
    return (v,)


def shipped_pipelines() -> dict[str, Path]:
    """Pipelines installed with qcomp, by bare name (`int8_fpga`)."""
    root = resources.files("qcomp.pipelines")
    out = {}
    for entry in root.iterdir():
        if entry.name.endswith(".yaml"):
            out[entry.name[: -len(".yaml")]] = Path(str(entry))
    return dict(sorted(out.items()))


def resolve_pipeline(ref: str) -> Path:
    """A path, or the bare name of a shipped pipeline (`int8_fpga` or `int8_fpga.yaml`)."""
    p = Path(ref)
    if p.exists():
        return p
    shipped = shipped_pipelines()
    bare = p.name[: -len(".yaml")] if p.name.endswith(".yaml") else p.name
    if str(p) == p.name and bare in shipped:
        return shipped[bare]
    raise PipelineError(f"pipeline '{ref}' not found (no such file, and the shipped pipelines are: "
                        f"{', '.join(shipped) or 'none'})")


def load_pipeline(ref: str) -> Pipeline:
    """Load and validate a pipeline file; plugins are imported so their passes resolve."""
    path = resolve_pipeline(ref)
    root = compose_file(path, "pipeline")

    def where(node: yaml.Node) -> str:
        return f"{path}:{node.start_mark.line + 1}"

    if not isinstance(root, yaml.MappingNode):
        raise PipelineError(f"{path}:1: a pipeline is a mapping with keys {', '.join(TOP_KEYS)}")
    top: dict[str, yaml.Node] = {}
    for k, v in root.value:
        key = _node_value(k)
        if key not in TOP_KEYS:
            raise PipelineError(f"{where(k)}: unknown key '{key}'; accepted keys: {', '.join(TOP_KEYS)}")
        top[key] = v
    if "passes" not in top:
        raise PipelineError(f"{path}:1: a pipeline needs a 'passes' list")

    target = _load_target(top.get("target"), where, path)
    plugins: list[str] = []
    if "plugins" in top:
        node = top["plugins"]
        value = _node_value(node)
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise PipelineError(f"{where(node)}: 'plugins' must be a list of Python files or module names")
        for spec in value:
            try:
                load_plugin(spec, base_dir=path.parent)
            except PipelineError as e:
                raise PipelineError(f"{where(node)}: {e}") from None
        plugins = value

    passes_node = top["passes"]
    if not isinstance(passes_node, yaml.SequenceNode):
        raise PipelineError(f"{where(passes_node)}: 'passes' must be a list")
    entries = [_load_pass_entry(item, where) for item in passes_node.value]
    pipe = Pipeline(
        name=str(_node_value(top["name"])) if "name" in top else path.stem,
        description=str(_node_value(top["description"])) if "description" in top else "",
        target=target, passes=entries, plugins=plugins, path=path,
    )
    for entry in entries:  # validate names and options now, with their lines
        entry.instantiate()
    return pipe


def _load_target(node: yaml.Node | None, where, path: Path) -> TargetSpec:
    """The `target:` section: the name or path of a target description (qcomp.hardware), or a
    mapping of TargetSpec keys, optionally `hardware: NAME` (whose values the keys override), or a
    whole description inline (then `check-target` reads it from this file, `PIPELINE.yaml#target`)."""
    from qcomp.hardware import HARDWARE_KEYS, parse_hardware

    if node is None:
        return TargetSpec()
    if isinstance(node, yaml.ScalarNode):
        return _hardware_spec(str(_node_value(node)), node, where, path)
    if not isinstance(node, yaml.MappingNode):
        raise PipelineError(f"{where(node)}: 'target' must be the name of a target description or a mapping")
    keys = [str(_node_value(k)).replace("-", "_") for k, _ in node.value]
    if any(k in HARDWARE_KEYS for k in keys):
        if "hardware" in keys:
            raise PipelineError(f"{where(node)}: target: give either 'hardware: NAME' or an inline description, not both")
        return parse_hardware(node, where, default_name=path.stem, source=f"{path}#target").spec
    names = [f.name for f in dataclasses.fields(TargetSpec)]
    base = TargetSpec()
    kwargs: dict[str, Any] = {}
    for (k, v), key in zip(node.value, keys):
        if key not in names:
            raise PipelineError(f"{where(k)}: unknown target key '{key}'; accepted: {', '.join(names)}, "
                                f"or a whole target description ({', '.join(HARDWARE_KEYS)}, ...)")
        if key == "hardware":
            base = _hardware_spec(str(_node_value(v)), v, where, path)
            continue
        value = _node_value(v)
        want = type(getattr(TargetSpec(), key))
        if not isinstance(value, want) or isinstance(value, bool):
            raise PipelineError(f"{where(v)}: target '{key}' must be {want.__name__}, got {value!r}")
        kwargs[key] = value
    spec = dataclasses.replace(base, **kwargs)
    try:
        spec.check()
    except ValueError as e:
        raise PipelineError(f"{where(node)}: target: {e}") from None
    return spec


def _hardware_spec(ref: str, node: yaml.Node, where, path: Path) -> TargetSpec:
    """The spec of the target description `ref`: a shipped name, or a file relative to the pipeline."""
    from qcomp.hardware import load_hardware

    local = path.parent / ref
    if not Path(ref).is_absolute() and local.is_file():
        ref = str(local)
    try:
        return load_hardware(ref).spec
    except PipelineError as e:
        raise PipelineError(f"{where(node)}: {e}") from None


def _load_pass_entry(item: yaml.Node, where) -> PassEntry:
    if isinstance(item, yaml.ScalarNode):
        return PassEntry(str(_node_value(item)), {}, where(item))
    if isinstance(item, yaml.MappingNode) and len(item.value) == 1:
        k, v = item.value[0]
        opts = _node_value(v)
        if opts is None:
            opts = {}
        if not isinstance(opts, dict):
            raise PipelineError(f"{where(v)}: options of pass '{_node_value(k)}' must be a mapping")
        return PassEntry(str(_node_value(k)), opts, where(k))
    raise PipelineError(f"{where(item)}: a pass is a name or a one-key mapping {{name: {{option: value}}}}")


def configure_calibration(pipe: Pipeline, calib: str | None, input_range: str | None = None) -> None:
    """Feed the pipeline's `calibrate` (if it has no `data` of its own) the command line's samples,
    or switch it to `method: data-free` when there are none (the YAML's method then calibrates
    the synthetic samples); `input_range` (LO,HI) is checked and passed to the data-free method."""
    import os

    from qcomp.errors import QcompError

    if input_range:
        from qcomp.passes.data_free import parse_input_range

        try:
            parse_input_range(input_range)
        except ValueError as e:
            raise QcompError(f"--input-range: {e}") from None
    entry = pipe.find("calibrate")
    if entry is None:
        return
    if "data" not in entry.options and entry.options.get("method") != "data-free":
        if calib:
            if not os.path.exists(calib):
                raise QcompError(f"calibration data '{calib}' not found")
            entry.options["data"] = calib
        else:
            if "method" in entry.options:
                entry.options.setdefault("synthetic-method", entry.options["method"])
            entry.options["method"] = "data-free"
    if entry.options.get("method") == "data-free" and input_range:
        entry.options["input-range"] = input_range

