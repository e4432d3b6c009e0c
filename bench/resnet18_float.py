"""Benchmark: the float path on a ResNet-18-shaped model (1x3x224x224, ~11.7M params).

    python bench/resnet18_float.py [--batch 8] [--repeat 5] [--rebuild] [--quick]

Builds bench/build/resnet18.onnx once (`bench.models.make_resnet18`, random weights, seed 0),
then measures, and prints as a table with targets:
  * import:   onnx.load + `qcomp.frontend.onnx_import.import_model`        (target < 10 s)
  * print:    `str(module)` inside `elided_constants()`                   (target < 2 s)
  * build:    `QuantExecutor(module)` (schedule + constant cache)
  * executor: `QuantExecutor.run` on a batch (median of --repeat runs, after one warm-up)
    against onnxruntime (default session options) on the same batch, run both as one
    batched call (a copy of the model with a symbolic batch dim) and as one call per
    sample; plus single-threaded onnxruntime for reference. Target: executor <= 2x ORT.
It also checks that the executor's logits match onnxruntime's (max relative error).
`--quick` (for scripts/check_readme.py) means --batch 2 --repeat 1 unless they are given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.models import BUILD_DIR, make_resnet18, param_count  # noqa: E402


def timed(fn, repeat: int = 1, warmup: int = 0) -> tuple[float, object]:
    """Median wall time of `repeat` calls of fn() (after `warmup` calls) and the last result."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def interleaved(fns: dict, repeat: int) -> tuple[dict[str, float], dict]:
    """Median time of each fn over `repeat` rounds, the fns taking turns in every round (so
    that load from other processes hits all of them alike), after one warm-up round."""
    results = {k: f() for k, f in fns.items()}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}, results


def ort_session(model_bytes: bytes, threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads is not None:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def dynamic_batch(model):
    """A copy of `model` whose input/output batch dim is symbolic (for a batched ORT call)."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(model)
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].dim_param = "N"
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=None, help="default 8")
    ap.add_argument("--repeat", type=int, default=None, help="default 5")
    ap.add_argument("--rebuild", action="store_true", help="rewrite bench/build/resnet18.onnx")
    ap.add_argument("--quick", action="store_true", help="a quick run: --batch 2 --repeat 1 unless given")
    args = ap.parse_args()
    args.batch = args.batch or (2 if args.quick else 8)
    args.repeat = args.repeat or (1 if args.quick else 5)

    import onnx

    path = BUILD_DIR / "resnet18.onnx"
    if args.rebuild or not path.exists():
        t, _ = timed(lambda: make_resnet18(path))
        print(f"built {path.relative_to(ROOT)} in {t:.1f} s")
    print(f"model: {path.relative_to(ROOT)}, {param_count(path) / 1e6:.2f}M params, "
          f"{os.path.getsize(path) / 1e6:.1f} MB; batch {args.batch}; {os.cpu_count()} CPUs")

    rows: list[tuple[str, float, str]] = []
    from qcomp.dialects.constants import elided_constants
    from qcomp.executors.quant import QuantExecutor
    from qcomp.frontend.onnx_import import import_model

    t_import, module = timed(lambda: import_model(onnx.load(str(path))))
    rows.append(("import (onnx.load + import_model)", t_import, "target < 10 s"))

    def show():
        with elided_constants():
            return str(module)

    t_print, text = timed(show, repeat=3)
    rows.append((f"print IR, constants elided ({len(text.splitlines())} lines)", t_print, "target < 2 s"))
    t_build, ex = timed(lambda: QuantExecutor(module))
    rows.append(("QuantExecutor build", t_build, ""))

    x = np.random.default_rng(0).standard_normal((args.batch, 3, 224, 224)).astype(np.float32)
    model = onnx.load(str(path))
    sess_b = ort_session(dynamic_batch(model).SerializeToString())
    sess_1 = ort_session(model.SerializeToString())
    sess_st = ort_session(dynamic_batch(model).SerializeToString(), threads=1)
    ex_seq = QuantExecutor(module, threads=1)
    contenders = {
        "executor": lambda: ex.run([x])[0],
        "executor_seq": lambda: ex_seq.run([x])[0],
        "ort_batched": lambda: sess_b.run(None, {"input": x})[0],
        "ort_per_sample": lambda: [sess_1.run(None, {"input": x[i : i + 1]}) for i in range(args.batch)],
        "ort_1_thread": lambda: sess_st.run(None, {"input": x})[0],
    }
    times, results = interleaved(contenders, args.repeat)
    ours, ref = results["executor"], results["ort_batched"]
    t_ex = times["executor"]
    best_ort = min(times["ort_batched"], times["ort_per_sample"])
    rows += [
        (f"QuantExecutor.run, batch {args.batch} ({ex.threads} threads)", t_ex,
         f"{t_ex / best_ort:.2f}x best ORT (target <= 2x)"),
        ("QuantExecutor.run, one chunk (BLAS threads only)", times["executor_seq"],
         f"{times['executor_seq'] / best_ort:.2f}x"),
        ("onnxruntime, one batched call", times["ort_batched"], f"{times['ort_batched'] / best_ort:.2f}x"),
        (f"onnxruntime, {args.batch} calls of 1", times["ort_per_sample"],
         f"{times['ort_per_sample'] / best_ort:.2f}x"),
        ("onnxruntime, 1 thread, batched", times["ort_1_thread"],
         f"{times['ort_1_thread'] / best_ort:.2f}x (executor: {t_ex / times['ort_1_thread']:.2f}x of it)"),
    ]
    rel = float(np.max(np.abs(ours - ref)) / np.max(np.abs(ref)))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'seconds':>8}  note")
    for label, secs, note in rows:
        print(f"{label:<{width}}  {secs:8.3f}  {note}")
    print(f"\nexecutor vs onnxruntime logits: max|diff| / max|ort| = {rel:.2e}; "
          f"top-1 agreement {np.mean(ours.argmax(1) == ref.argmax(1)):.3f}")


if __name__ == "__main__":
    main()
