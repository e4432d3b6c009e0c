"""`qcomp eval`: one accuracy table from float to C, stage by stage, on the same samples.

    rows = evaluate(model, stages, xs, labels=y)   # one StageResult per stage

Stages: the float model in onnxruntime (the reference), the fake-quant quant level (quant
executor), the shift executor (the integers the C must produce), the compiled C (built with
the system compiler and qcomp's host harness, run on the quantized inputs), with `mcu=True`
the same C cross-built for a Cortex-M4 and run under qemu (qcomp.backend.check.run_mcu: the
target the int8_mcu pipeline is for, on the emulated board rather than the host), and the
exported QDQ model in onnxruntime. Per stage: top-1 accuracy against `labels`, or without
labels the top-1 agreement with float, and the output SNR against float in dB (the first
graph output; top-1 is the argmax over its flattened values). With `threshold=T` (a detector's
score, a binary classifier's logit) the decisions are `value > T`, one per output value, and the
column is the fraction of decisions that agree with float's (or with 0/1 `labels`). The C stages also say how many
samples are bit-exact with the shift executor, the Cortex-M4 one its instructions per sample.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from qcomp.dialects.quant import shape_of
from qcomp.errors import QcompError
from qcomp.stages import Stages

Progress = Callable[[str], None]


@dataclass
class StageResult:
    stage: str
    top1: float | None  # accuracy (with labels) or agreement with float (without); None: not run
    snr_db: float | None  # against float; None for float itself or a stage not run
    note: str = ""
    bit_exact: int | None = None  # C stages: samples whose output integers equal the shift executor's
    instructions: int | None = None  # the Cortex-M4 stage: instructions per sample under qemu -icount

    def as_json(self) -> dict:
        return asdict(self)


def snr(out: np.ndarray, ref: np.ndarray) -> float:
    """10 log10(signal / noise) of `out` against `ref`, in dB (inf when identical)."""
    r = np.asarray(ref, np.float64)
    noise = float(np.sum((np.asarray(out, np.float64) - r) ** 2))
    signal = float(np.sum(r * r))
    if noise == 0.0:
        return math.inf
    return 10.0 * math.log10(signal / noise) if signal > 0 else -math.inf


def _sample_view(x: np.ndarray, i: int, shape: Sequence[int]) -> np.ndarray:
    """Sample `i` of a batched input, shaped as the model's input `shape`."""
    return np.ascontiguousarray(x[i]).reshape(tuple(shape))


def onnxruntime_outputs(model: str | bytes, xs: Sequence[np.ndarray], arg_shapes: Sequence[Sequence[int]],
                        tick: Callable[[], None] | None = None) -> np.ndarray:
    """The first output of `model` (a path or serialized bytes) for every sample, stacked (N, ...)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise QcompError("onnxruntime is not installed: pip install onnxruntime (eval runs the float "
                         "model and the QDQ export in it)") from None
    from qcomp.export import ort_session_options

    try:
        sess = ort.InferenceSession(model, ort_session_options(), providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise QcompError(f"onnxruntime cannot load the model: {str(e).splitlines()[0]}") from None
    names = [i.name for i in sess.get_inputs()]
    outs = []
    for i in range(xs[0].shape[0]):
        feed = {n: _sample_view(x, i, s) for n, x, s in zip(names, xs, arg_shapes)}
        outs.append(sess.run(None, feed)[0])
        if tick is not None:
            tick()
    return np.stack(outs)


@dataclass(frozen=True)
class CBuild:
    """One way to build and run the compiled C: on the host with `cc` and qcomp's host harness, or
    (`mcu`) cross-built with `cc` for the Cortex-M4 and run under qemu mps2-an386 (qcomp.backend.mcu)."""

    cc: str
    cflags: tuple[str, ...] = ("-O2",)
    mcu: bool = False

    @property
    def stage(self) -> str:
        """The row name in the eval table, e.g. `C (cc -O2)` or `C on Cortex-M4 (arm-none-eabi-gcc -O2, qemu)`."""
        what = f"{self.cc} {' '.join(self.cflags)}".strip()
        return f"C on Cortex-M4 ({what}, qemu)" if self.mcu else f"C ({what})"


def c_outputs(shift_module: ModuleOp, c_passes: list, xq: np.ndarray, out_dtype: np.dtype,
              out_size: int, builds: Sequence[CBuild], timeout: float = 600) -> list[tuple[np.ndarray, str | None]]:
    """Lower a clone of the shift module to C once, then build and run it every way in `builds` on
    the quantized samples `xq` (N, ...) with qcomp.backend.check's `run_host` / `run_mcu`. Per
    build: the output integers (N, out_size) and, on the Cortex-M4, the harness's instruction count."""
    from qcomp.backend.c_emitter import emit_c_files
    from qcomp.backend.check import CProgramError, io_type_flags, run_host, run_mcu
    from qcomp.context import make_context

    module = shift_module.clone()
    ctx = make_context()
    for p in c_passes:
        p.apply(ctx, module)
    work = Path(tempfile.mkdtemp(prefix="qcomp-eval-"))
    n = xq.shape[0]
    try:
        c_file = work / "out.c"
        files = emit_c_files(module, c_file, prefix="model", report=False)
        for path, text in files.items():
            path.write_text(text)
        np.ascontiguousarray(xq).tofile(work / "in.bin")
        defines = io_type_flags(xq.dtype, out_dtype)
        results = []
        for b in builds:
            (work / "out.bin").unlink(missing_ok=True)
            note = None
            try:
                if b.mcu:
                    note = run_mcu(c_file, work, n, b.cc, [*b.cflags, *defines], timeout=timeout)
                else:
                    run_host(c_file, work, b.cc, [*b.cflags, *defines])
            except CProgramError as e:
                raise QcompError(f"eval: {b.stage}: {e.one_line()}") from None
            got = np.fromfile(work / "out.bin", dtype=out_dtype)
            if got.size != n * out_size:
                raise QcompError(f"eval: {b.stage}: the C program wrote {got.size} values, expected {n * out_size}")
            results.append((got.reshape(n, out_size), note))
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _top1(out: np.ndarray) -> np.ndarray:
    return np.asarray(out).reshape(out.shape[0], -1).argmax(axis=1)


def decisions(out: np.ndarray, threshold: float | None) -> np.ndarray:
    """What a user decides from a batch of outputs: the top-1 class per sample, or with a
    threshold `value > threshold` per output value (samples x values)."""
    if threshold is None:
        return _top1(out)
    return np.asarray(out).reshape(out.shape[0], -1) > threshold


def evaluate(model: str, st: Stages, xs: Sequence[np.ndarray], *, labels: np.ndarray | None = None,
             cc: str | None = None, cflags: Sequence[str] = ("-O2",), c: bool = True, qdq: bool = True,
             mcu: bool = False, mcu_cc: str | None = None, mcu_cflags: Sequence[str] = ("-O2",),
             mcu_timeout: float = 600, progress: Progress | None = None,
             tick: Callable[[], None] | None = None, threshold: float | None = None) -> list[StageResult]:
    """Every stage's top-1 and SNR on the batched samples `xs`; see the module docstring.
    `c`: the C on the host (`cc`, `cflags`); `mcu`: the C on the Cortex-M4 under qemu (`mcu_cc`,
    default arm-none-eabi-gcc, `mcu_cflags`; qemu may run `mcu_timeout` seconds).
    `progress(stage)` is called as each stage starts, `tick()` after each sample run in onnxruntime."""
    from qcomp.executors.quant import QuantExecutor
    from qcomp.executors.shift import ShiftExecutor, quantize_input, storage_dtype

    say = progress or (lambda s: None)
    n = xs[0].shape[0]
    qx = QuantExecutor(st.quant_module)
    arg_shapes = [shape_of(a) for a in qx.args]
    if labels is not None:
        labels = np.asarray(labels).reshape(labels.shape[0], -1) if threshold is not None else labels.reshape(-1)
        if labels.shape[0] < n:
            raise QcompError(f"--labels has {labels.shape[0]} labels for {n} samples")
        labels = labels[:n]

    say("float (onnxruntime)")
    ref = onnxruntime_outputs(model, xs, arg_shapes, tick).reshape(n, -1).astype(np.float64)
    if labels is not None and threshold is not None and labels.shape != ref.shape:
        raise QcompError(f"--labels has {labels.shape[1]} labels per sample for {ref.shape[1]} output values "
                         "(with --threshold: one 0/1 label per output value)")
    ref_decisions = decisions(ref, threshold)
    truth = labels if labels is not None else ref_decisions
    rows = [StageResult("float (onnxruntime)", float(np.mean(ref_decisions == truth)), None, "reference")]

    def add(stage: str, out: np.ndarray, note: str = "", **extra: int | None) -> None:
        out = np.asarray(out, np.float64).reshape(n, -1)
        rows.append(StageResult(stage, float(np.mean(decisions(out, threshold) == truth)), snr(out, ref), note,
                                **extra))

    say("fake-quant (quant executor)")
    add("fake-quant (quant executor)", qx.run(list(xs))[0])

    shift_ints = None
    if st.shift_module is not None:
        say("shift executor")
        sx = ShiftExecutor(st.shift_module)
        xq = [quantize_input(x, a.type, sx.rounding) for x, a in zip(xs, sx.args)]
        shift_ints = sx.run(xq)[0]
        out_t = sx.output_values[0].type
        add("shift executor", _dequantize_batched(shift_ints, out_t, sx.output_values[0]))
        builds = []
        if c:
            builds.append(CBuild(cc or os.environ.get("CC", "cc"), tuple(cflags)))
        if mcu:
            from qcomp.backend import mcu as m4

            builds.append(CBuild(mcu_cc or m4.CC, tuple(mcu_cflags), mcu=True))
        why = None
        if len(sx.args) != 1 or len(sx.output_values) != 1:
            why = "not run: the harnesses take one input and one output"
        elif not st.c_passes:
            why = "not run: the pipeline has no C stages"
        if builds and why:
            rows.extend(StageResult(b.stage, None, None, why) for b in builds)
        elif builds:
            say(", ".join(b.stage for b in builds))
            size = int(np.prod(shape_of(sx.output_values[0])))
            runs = c_outputs(st.shift_module, st.c_passes, xq[0], storage_dtype(out_t), size, builds, mcu_timeout)
            for b, (got, speed) in zip(builds, runs):
                same = int(np.sum(np.all(got == shift_ints.reshape(n, -1), axis=1)))
                note = f"bit-exact with the shift executor: {same}/{n} samples"
                m = re.search(r"(\d+) instructions/sample", speed or "")
                if m:
                    note += f", {m[1]} instructions/sample"
                add(b.stage, _dequantize_batched(got.reshape(shift_ints.shape), out_t, sx.output_values[0]), note,
                    bit_exact=same, instructions=int(m[1]) if m else None)
    else:
        rows.append(StageResult("shift executor", None, None, "not run: the pipeline does not lower to shift"))

    if qdq:
        say("QDQ export (onnxruntime)")
        from qcomp.export import export_onnx

        proto = export_onnx(st.quant_module, "qdq")
        add("QDQ export (onnxruntime)", onnxruntime_outputs(proto.SerializeToString(), xs, arg_shapes, tick))
    return rows


def _dequantize_batched(ints: np.ndarray, t, value) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Real values of a batched output (per-axis exponents move one axis right when stacked)."""
    from qcomp.executors.base import leads_with_one
    from qcomp.executors.shift import _pot, dequantize

    pot = _pot(t)
    axis = None
    if pot.per_axis:
        axis = pot.axis.data + (0 if leads_with_one(value) else 1)
    return dequantize(ints, t, axis)


def format_table(rows: Sequence[StageResult], labelled: bool, n: int, threshold: float | None = None) -> str:
    """The eval table as text."""
    what = "top-1" if threshold is None else f"decision (> {threshold:g})"
    metric = f"{what} accuracy" if labelled else f"{what} agreement with float"
    head = ["stage", metric, "SNR vs float dB", "note"]
    lines = []
    for r in rows:
        top = "-" if r.top1 is None else f"{100 * r.top1:.2f}%"
        db = "-" if r.snr_db is None else ("exact" if math.isinf(r.snr_db) and r.snr_db > 0 else f"{r.snr_db:.2f}")
        lines.append([r.stage, top, db, r.note])
    widths = [max(len(h), *(len(ln[i]) for ln in lines)) for i, h in enumerate(head)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in (1, 2) else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([f"{n} samples", fmt(head), fmt(["-" * w for w in widths]), *map(fmt, lines)])


def eval_json(rows: Sequence[StageResult], **meta) -> dict:
    def finite(v):  # type: ignore[no-untyped-def]
        return v if not isinstance(v, float) or math.isfinite(v) else (None if v < 0 else "exact")

    return {**meta, "stages": [{k: finite(v) for k, v in r.as_json().items()} for r in rows]}
