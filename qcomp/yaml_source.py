"""Reading qcomp's YAML files (pipelines, target descriptions) as nodes that know their line,
so every error can name the file, the line and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qcomp.errors import PipelineError


def compose_file(path: Path, what: str) -> yaml.Node | None:
    """The YAML node tree of `path` (None for an empty file); one-line errors naming `what`
    (`pipeline`, `target`) when it cannot be read, and the line when it is malformed."""
    try:
        text = path.read_text()
    except OSError as e:
        raise PipelineError(f"cannot read {what} '{path}': {e.strerror}") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise PipelineError(f"{path}{line}: malformed YAML: {getattr(e, 'problem', None) or first}") from None


def node_value(node: yaml.Node) -> Any:
    """The plain Python value of a node."""
    return yaml.safe_load(yaml.serialize(node))
