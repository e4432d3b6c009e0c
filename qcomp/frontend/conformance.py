"""ONNX backend node tests as a conformance suite for the importer and the float executor.

    report = run_conformance()
    print(report.summary())
    Path("docs/conformance.md").write_text(report.markdown())

`onnx.backend.test.case.node.collect_testcases()` yields one single-node model per case,
with input and expected output arrays. A case is *in scope* when every node's op type is one
the importer supports and, once the inputs the importer needs as compile-time constants
(`CONSTANT_INPUTS`: shapes, axes, pads, Clip bounds, Dropout ratio, PRelu slopes, Slice
bounds, Split sizes, Resize / Upsample roi, scales and sizes, ConvTranspose weights) are frozen into initializers from the case's data, all remaining graph
inputs and outputs are float32 tensors (qcomp compiles float32 models only). Each in-scope
case is imported (`import_model`), run with `qcomp.executors.quant.run_module(...,
batched=False)` and compared with the expected outputs at rtol 1e-4, atol 1e-5 (a case whose
stored outputs are rounded, and within its own declared tolerance, is compared with
`onnx.reference.ReferenceEvaluator` instead). A case that fails to import (an unsupported
attribute, say) is a failure, with the reason.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qcomp.errors import QcompError

if TYPE_CHECKING:
    import onnx

RTOL, ATOL = 1e-4, 1e-5
UNSUPPORTED_OP = "op type not supported by the importer"
NOT_FLOAT32 = "non-float32 tensors (qcomp compiles float32 models)"


@dataclass
class CaseResult:
    name: str
    ops: str
    status: str  # "pass" | "fail"
    reason: str = ""
    note: str = ""  # how a passing case was checked, when not against its stored outputs


@dataclass
class Report:
    total: int = 0
    results: list[CaseResult] = field(default_factory=list)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # reason -> case names
    seconds: float = 0.0
    onnx_version: str = ""

    @property
    def supported(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(r.status == "pass" for r in self.results)

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.status != "pass"]

    @property
    def pass_rate(self) -> float:
        return _rate(self.passed, self.supported)

    def summary(self) -> str:
        return (f"conformance: {self.total} cases, {self.supported} in scope, {self.passed} passed, "
                f"{len(self.failures)} failed, pass rate {self.pass_rate:.1f}%")

    def markdown(self) -> str:
        return _markdown(self)


def _rate(passed: int, total: int) -> float:
    return 100.0 * passed / total if total else 0.0


# --------------------------------------------------------------------------- selection


def _elem_type(vi: onnx.ValueInfoProto) -> int | None:
    return vi.type.tensor_type.elem_type if vi.type.HasField("tensor_type") else None


def prepare_case(model: onnx.ModelProto, inputs: list[np.ndarray]) -> tuple[onnx.ModelProto | None, list[np.ndarray], str]:
    """Freeze constant-position inputs into initializers; return (model, runtime inputs, why excluded)."""
    import onnx
    from onnx import numpy_helper

    from qcomp.frontend.onnx_import import CONSTANT_INPUTS, SUPPORTED_OPS

    g = model.graph
    ops = sorted({n.op_type for n in g.node})
    unsupported = [op for op in ops if op not in SUPPORTED_OPS]
    if unsupported:
        return None, [], UNSUPPORTED_OP
    frozen = {n.input[i] for n in g.node for i in CONSTANT_INPUTS.get(n.op_type, ()) if i < len(n.input)}
    frozen.discard("")
    if any(_elem_type(vi) != onnx.TensorProto.FLOAT for vi in g.input if vi.name not in frozen) or any(
            _elem_type(vi) != onnx.TensorProto.FLOAT for vi in g.output):
        return None, [], NOT_FLOAT32
    work = onnx.ModelProto()
    work.CopyFrom(model)
    runtime = []
    del work.graph.input[:]
    for vi, value in zip(g.input, inputs):
        if vi.name in frozen:
            work.graph.initializer.append(numpy_helper.from_array(np.asarray(value), vi.name))
        else:
            work.graph.input.append(vi)
            runtime.append(np.asarray(value))
    return work, runtime, ""


# --------------------------------------------------------------------------- running


def _compare(got: list[np.ndarray], want: list[np.ndarray], rtol: float = RTOL, atol: float = ATOL) -> str:
    if len(got) != len(want):
        return f"{len(got)} outputs, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return f"output {i}: shape {list(g.shape)}, expected {list(w.shape)}"
        if not np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
            err = float(np.max(np.abs(g.astype(np.float64) - w))) if g.size else 0.0
            return f"output {i}: max abs error {err:.3g} (rtol {rtol:g}, atol {atol:g})"
    return ""


def _reference_outputs(model: onnx.ModelProto, inputs: list) -> list[np.ndarray]:
    from onnx.reference import ReferenceEvaluator

    feeds = {vi.name: np.asarray(x) for vi, x in zip(model.graph.input, inputs)}
    return [np.asarray(o) for o in ReferenceEvaluator(model).run(None, feeds)]


def run_case(model: onnx.ModelProto, data_sets: list[tuple[list, list]],
             data_tol: tuple[float, float] = (RTOL, ATOL)) -> tuple[str, str]:
    """Import once and check every data set: (failure reason or '', note).

    Some cases store their expected outputs rounded (to 4 digits, say) and declare a
    looser tolerance `data_tol` for them. When the tight comparison fails but the case's
    own tolerance holds, the outputs are checked tightly against `onnx.reference` instead.
    """
    from qcomp.executors.quant import run_module
    from qcomp.frontend.onnx_import import import_model

    module, note = None, ""
    for inputs, outputs in data_sets:
        work, runtime, why = prepare_case(model, list(inputs))
        if work is None:
            return why, ""
        try:
            if module is None:
                module = import_model(work)
        except QcompError as e:
            return f"import: {e}", ""
        try:
            got = run_module(module, runtime, batched=False)
        except Exception as e:  # any executor failure is a case failure
            return f"execute: {type(e).__name__}: {' '.join(str(e).split())}", ""
        want = [np.asarray(o) for o in outputs]
        bad = _compare(list(got), want)
        if bad and not _compare(list(got), want, *data_tol):
            note = f"stored outputs rounded ({bad}); checked against onnx.reference"
            bad = _compare(list(got), _reference_outputs(model, list(inputs)))
        if bad:
            return bad, ""
    return "", note


def collect_cases() -> list[Any]:
    """The ONNX backend node test cases shipped with the installed onnx package."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return list(collect_testcases())


def run_conformance() -> Report:
    """Run every in-scope node test case (see the module docstring)."""
    import onnx

    start = time.perf_counter()
    cases = collect_cases()
    report = Report(total=len(cases), onnx_version=onnx.__version__)
    for case in sorted(cases, key=lambda c: c.name):
        data = [(list(i), list(o)) for i, o in case.data_sets]
        _, _, why = prepare_case(case.model, data[0][0] if data else [])
        if why:
            report.excluded.setdefault(why, []).append(case.name)
            continue
        ops = ", ".join(sorted({n.op_type for n in case.model.graph.node}))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            reason, note = run_case(case.model, data, (max(case.rtol, RTOL), max(case.atol, ATOL)))
        report.results.append(CaseResult(case.name, ops, "fail" if reason else "pass", reason, note))
    report.seconds = time.perf_counter() - start
    return report


# --------------------------------------------------------------------------- report


def _markdown(r: Report) -> str:
    per_op: Counter[str] = Counter()
    per_op_pass: Counter[str] = Counter()
    for c in r.results:
        per_op[c.ops] += 1
        per_op_pass[c.ops] += c.status == "pass"
    lines = [
        "# ONNX backend node-test conformance",
        "",
        "Generated by `python scripts/conformance_report.py` (see `qcomp/frontend/conformance.py`);",
        "checked by `test/frontend/conformance.py`, which fails below a 95% pass rate.",
        "",
        f"Each in-scope case of `onnx.backend.test.case.node.collect_testcases()` (onnx {r.onnx_version}) is",
        "imported with `qcomp.frontend.onnx_import.import_model`, run with the float executor",
        "(`qcomp.executors.quant.run_module(..., batched=False)`) and compared with the expected",
        f"outputs at rtol {RTOL:g}, atol {ATOL:g}. Inputs the importer needs as compile-time constants",
        "(shapes, axes, pads, Clip bounds, Dropout ratio/training_mode, PRelu slopes, Slice starts/ends/",
        "axes/steps, Split sizes, Resize/Upsample roi/scales/sizes, ConvTranspose weights) are frozen into",
        "initializers",
        "from the case's data, as exporters write them. A few cases store their expected outputs",
        "rounded and declare a looser tolerance for them; when such a case misses the tight",
        "tolerance but meets its own, it is checked at the tight tolerance against",
        "`onnx.reference.ReferenceEvaluator` instead (listed below).",
        "",
        "Out of scope: op types the importer does not support, and non-float32 tensors (listed",
        "at the end). Every spatial rank is in scope: 1-D convolution/pooling is lifted to 2-D,",
        "3-D pooling is imported as two 2-D pools, anything else fails to import.",
        "",
        "## Totals",
        "",
        "| | cases |",
        "|---|---|",
        f"| collected | {r.total} |",
        *[f"| excluded: {why} | {len(names)} |" for why, names in sorted(r.excluded.items())],
        f"| **in scope** | **{r.supported}** |",
        f"| passed | {r.passed} |",
        f"| failed | {len(r.failures)} |",
        f"| **pass rate** | **{r.pass_rate:.1f}%** |",
        "",
        "## Failing cases",
        "",
    ]
    if r.failures:
        lines += ["| case | op | reason |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.ops} | {c.reason.replace('|', '/')} |" for c in r.failures]
    else:
        lines.append("None.")
    noted = [c for c in r.results if c.note]
    if noted:
        lines += ["", "## Checked against onnx.reference", ""]
        lines += [f"- `{c.name}`: {c.note}" for c in noted]
    lines += ["", "## In-scope cases per op", "", "| op | passed / cases |", "|---|---|"]
    lines += [f"| {op} | {per_op_pass[op]} / {n} |" for op, n in sorted(per_op.items())]
    if r.excluded.get(NOT_FLOAT32):
        lines += ["", f"## Excluded: {NOT_FLOAT32}", "", ", ".join(f"`{n}`" for n in r.excluded[NOT_FLOAT32])]
    return "\n".join(lines) + "\n"
