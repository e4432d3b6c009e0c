"""Measure the accuracy of every committed model through qcomp's quantization pipeline.

For each model in `models/*/*.onnx` and each calibration method (minmax, percentile, mse,
kl), and each pot-scale variant (per-tensor weights, per-channel weights, per-channel
weights plus the experimental unsigned storage of non-negative activations):

* float accuracy: the quant executor on the imported float module;
* fake-quant accuracy: the quant executor on the module after
  simplify, fuse, calibrate{method}, pot-scale{variant} (every pot-typed value rounded to
  its grid, exactly the integer arithmetic);
* shift accuracy: the shift executor (the bit-exact golden model of the C code) after
  lower-quant-to-shift and check-overflow, fed the quantized test inputs; and how many
  test samples have bit-identical integer logits at both levels.

Writes a Markdown report (default `docs/calibration_methods.md`) and prints it. The passes run
programmatically, in the order of `pipelines/int8_fpga.yaml`.

    python scripts/accuracy_table.py                 # everything, writes docs/calibration_methods.md
    python scripts/accuracy_table.py --models lenet --methods mse --out -
    python scripts/accuracy_table.py --quick         # lenet, minmax, per-channel; prints only
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
METHODS = ("minmax", "percentile", "mse", "kl")
VARIANTS = {
    # label: pot-scale options
    "per-tensor": 'weights="per-tensor"',
    "per-channel": 'weights="per-channel"',
    "per-channel+u8": 'weights="per-channel" unsigned=true',  # experimental: unsigned ReLU outputs
}
TARGET_DROP = 1.0  # points of accuracy, best method vs float


@dataclass
class Row:
    model: str
    method: str
    variant: str
    float_acc: float
    fq_acc: float
    shift_acc: float | None
    agree: float | None  # fraction of samples whose integer logits are identical on both levels
    sqnr: float  # dB, float logits vs fake-quant logits
    seconds: float


def run_passes(module, spec: str) -> None:
    from xdsl.passes import PassPipeline

    from qcomp.context import make_context
    from qcomp.registry import pass_factories

    PassPipeline.parse_spec(pass_factories(), spec).apply(make_context(), module)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((np.asarray(logits).argmax(axis=1) == labels).mean())



def evaluate(path: Path, methods, variants, calib: Path, x: np.ndarray, y: np.ndarray,
             with_shift: bool) -> list[Row]:
    from qcomp.dialects.quant import pot_of
    from qcomp.executors.quant import QuantExecutor
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.registry import all_passes

    simplify = "simplify," if "simplify" in all_passes() else ""
    base = import_onnx_file(path)
    (ref,) = QuantExecutor(base).run([x])
    float_acc = accuracy(ref, y)
    rows = []
    for method in methods:
        calibrated = base.clone()
        t0 = time.monotonic()
        run_passes(calibrated, f'{simplify}fuse,calibrate{{data="{calib}" method="{method}"}}')
        t_cal = time.monotonic() - t0
        for variant in variants:
            t1 = time.monotonic()
            m = calibrated.clone()
            run_passes(m, f"pot-scale{{{VARIANTS[variant]}}}")
            (fq,) = QuantExecutor(m).run([x])
            fq_acc = accuracy(fq, y)
            shift_acc = agree = None
            if with_shift:
                from qcomp.executors.shift import ShiftExecutor, quantize_input

                f = next(iter(m.ops))
                out_pot = pot_of(f.function_type.outputs.data[0])
                in_pot = pot_of(f.args[0].type)
                run_passes(m, "lower-quant-to-shift,check-overflow")
                (qs,) = ShiftExecutor(m).run([quantize_input(x, in_pot)])
                shift_acc = accuracy(qs, y)
                fq_int = np.ldexp(fq.astype(np.float64), -out_pot.exp)
                agree = float(np.all(fq_int.reshape(len(x), -1) == qs.reshape(len(x), -1), axis=1).mean())
            rows.append(Row(path.stem, method, variant, float_acc, fq_acc, shift_acc, agree, sqnr(ref, fq),
                            t_cal + time.monotonic() - t1))
            print(f"  {path.stem:16s} {method:10s} {variant:14s} float {float_acc:.4f} fake-quant {fq_acc:.4f}"
                  f" sqnr {rows[-1].sqnr:.1f}"
                  + (f" shift {shift_acc:.4f} agree {agree:.3f}" if shift_acc is not None else ""),
                  file=sys.stderr, flush=True)
    return rows


def sqnr(ref: np.ndarray, test: np.ndarray) -> float:
    """Signal-to-quantization-noise ratio of `test` against `ref`, in dB."""
    ref = np.asarray(ref, np.float64)
    noise = float(np.sum((np.asarray(test, np.float64) - ref) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref**2)) / noise)


def pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.2f}"


def report(rows: list[Row], args, with_shift: bool) -> str:
    import numpy as _np
    import onnx
    import xdsl  # noqa: F401

    lines = [
        "# Accuracy of the quantized committed models",
        "",
        "Generated by `python scripts/accuracy_table.py` (do not edit by hand). Top-1 accuracy in %",
        f"on `{args.test_x.relative_to(REPO) if args.test_x.is_relative_to(REPO) else args.test_x}` "
        f"({len(_np.load(args.test_y))} samples), calibration on "
        f"`{args.calib.relative_to(REPO) if args.calib.is_relative_to(REPO) else args.calib}`.",
        "",
        "Pipeline: `simplify, fuse, calibrate{method}, pot-scale{variant}` (int8 activations and",
        "weights, power-of-two scales, int32 bias and accumulator, round half up), then",
        "`lower-quant-to-shift, check-overflow`. Variants: `per-tensor` / `per-channel` weight",
        "exponents; `per-channel+u8` also stores non-negative activations (ReLU outputs that are",
        "not graph outputs) as uint8 (`pot-scale{unsigned=true}`, experimental: outside the",
        "int8 contract of docs/quantization.md).",
        "",
        "* **float**: quant executor on the imported float model;",
        "* **fake-quant**: quant executor on the pot-scaled module (every value rounded to its grid);",
        "* **shift**: shift executor (bit-exact model of the generated C) on the quantized inputs;",
        "* **agree**: test samples whose integer logits are identical at the quant and shift levels;",
        "* **SQNR**: signal-to-quantization-noise ratio of the fake-quant logits against the float",
        "  logits, in dB (a finer measure than accuracy: one test sample is 0.25 points).",
        "",
    ]
    lines += ["| model | method | variant | float | fake-quant | shift | agree | drop (fq) | SQNR dB |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.model} | {r.method} | {r.variant} | {pct(r.float_acc)} | {pct(r.fq_acc)} | "
                     f"{pct(r.shift_acc)} | {pct(r.agree)} | {100 * (r.float_acc - r.fq_acc):+.2f} | "
                     f"{r.sqnr:.1f} |")
    lines += ["", "## Best method per model", "",
              "| model | float | best (method, variant) | fake-quant | shift | drop | target (<= 1.0) |",
              "|---|---|---|---|---|---|---|"]
    for model in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == model and "+u8" not in r.variant] or \
            [r for r in rows if r.model == model]  # the int8 contract's variants first
        best = max(mine, key=lambda r: (r.shift_acc if r.shift_acc is not None else r.fq_acc, r.sqnr))
        acc = best.shift_acc if best.shift_acc is not None else best.fq_acc
        drop = 100 * (best.float_acc - acc)
        lines.append(f"| {model} | {pct(best.float_acc)} | {best.method}, {best.variant} | {pct(best.fq_acc)} | "
                     f"{pct(best.shift_acc)} | {drop:+.2f} | {'met' if drop <= TARGET_DROP else 'NOT met'} |")
    lines += ["", "## Mean over models", "", "| method | variant | fake-quant | shift | SQNR dB |",
              "|---|---|---|---|---|"]
    for method in dict.fromkeys(r.method for r in rows):
        for variant in dict.fromkeys(r.variant for r in rows):
            sel = [r for r in rows if r.method == method and r.variant == variant]
            if not sel:
                continue
            fq = float(np.mean([r.fq_acc for r in sel]))
            sh = float(np.mean([r.shift_acc for r in sel])) if with_shift else None
            db = float(np.mean([r.sqnr for r in sel]))
            lines.append(f"| {method} | {variant} | {pct(fq)} | {pct(sh)} | {db:.1f} |")
    lines += ["", f"Environment: Python {platform.python_version()}, numpy {np.__version__}, "
              f"onnx {onnx.__version__}; total time {sum(r.seconds for r in rows):.0f} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", help="model stems or paths (default: models/*/*.onnx)")
    p.add_argument("--methods", nargs="*", default=None, choices=METHODS, help="default: all")
    p.add_argument("--variants", nargs="*", default=None, choices=list(VARIANTS), help="default: all")
    p.add_argument("--calib", type=Path, default=REPO / "models/digits/calib.npy")
    p.add_argument("--test-x", type=Path, default=REPO / "models/digits/test_x.npy")
    p.add_argument("--test-y", type=Path, default=REPO / "models/digits/test_y.npy")
    p.add_argument("--out", default=None, help="Markdown output ('-': stdout only; default docs/calibration_methods.md)")
    p.add_argument("--no-shift", action="store_true", help="skip the shift level")
    p.add_argument("--quick", action="store_true",
                   help="a quick run (scripts/check_readme.py): lenet, minmax, per-channel, unless given; "
                        "writes no file unless --out is given")
    args = p.parse_args(argv)
    if args.quick:
        args.models = args.models or ["lenet"]
    args.methods = args.methods or (["minmax"] if args.quick else list(METHODS))
    args.variants = args.variants or (["per-channel"] if args.quick else list(VARIANTS))
    args.out = args.out or ("-" if args.quick else str(REPO / "docs/calibration_methods.md"))

    all_models = sorted([*(REPO / "models").glob("lenet/*.onnx"), *(REPO / "models").glob("resnet/*.onnx")])  # digit models
    if args.models:
        paths = [Path(m) if m.endswith(".onnx") else next(x for x in all_models if x.stem == m)
                 for m in args.models]
    else:
        paths = all_models
    x = np.load(args.test_x).astype(np.float32)
    y = np.load(args.test_y)

    from qcomp.registry import all_passes

    with_shift = not args.no_shift and "lower-quant-to-shift" in all_passes()
    try:
        import qcomp.executors.shift  # noqa: F401
    except ImportError:
        with_shift = False

    rows: list[Row] = []
    for path in paths:
        rows += evaluate(path, args.methods, args.variants, args.calib, x, y, with_shift)
    text = report(rows, args, with_shift)
    if args.out != "-":
        Path(args.out).write_text(text)
    print(text)
    return 0



if __name__ == "__main__":
    sys.exit(main())
