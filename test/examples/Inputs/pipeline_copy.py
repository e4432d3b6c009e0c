"""A pipeline YAML copied elsewhere with text edits, for the equivalence tests that compare
pipelines with an option changed (correct-bias's round-weights off, say): plugin files named
relative to the original are given by absolute path, so the copy loads the same passes."""

from __future__ import annotations

from pathlib import Path


def pipeline_copy(src: Path, dest: Path, *edits: tuple[str, str]) -> str:
    """Write `src` with each (old, new) of `edits` replaced to `dest`; return dest as a string."""
    text = src.read_text()
    for old, new in edits:
        text = text.replace(old, new)
    lines = []
    for line in text.splitlines(keepends=True):
        entry = line.strip().removeprefix("- ")
        if line.startswith("  - ") and entry.endswith(".py") and (src.parent / entry).is_file():
            line = f"  - {src.parent / entry}\n"
        lines.append(line)
    dest.write_text("".join(lines))
    return str(dest)
