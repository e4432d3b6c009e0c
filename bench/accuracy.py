"""Accuracy of qcomp's pipelines beside onnxruntime's static int8, per model: docs/accuracy.md.

    python bench/accuracy.py [NAME ...] [--committed] [--light] [--samples N] [--md FILE]

For every committed model (its whole test split) and every light ImageNet graph of
`bench/light_models.py` (seeded weights, 8 calibration images, `--samples` test images,
default 4), all on the same calibration data:

* float: the ONNX model in onnxruntime (the reference of every SNR);
* int8 I/O ceiling: the float model with only its graph input and first output rounded onto
  int8 power-of-two grids, everything between them exact: the best over the exponents int8_fpga
  chose and one step either side, on the test samples themselves. The C contract (design.md) fixes
  an int8 input and output with real = q * 2^EXP, so no int8 pipeline's output SNR gets much above
  it (its own inner roundings only add noise); onnxruntime's float scales and zero points are not
  bound by it;
* qcomp int8_fpga: the shipped pipeline (per-tensor weights, ties to even, non-negative
  activations as uint8), run by the shift executor, the bit-exact model of the C;
* qcomp plain: int8_fpga without equalize-layers, fit-to-grid and correct-bias (what they are worth);
* qcomp nearest: int8_fpga with correct-bias's `round-weights` off, every weight rounded to its
  nearest grid point (what GPTQ's rounding is worth);
* qcomp half-up: int8_fpga with the target's `rounding: half-up` (what the tie rule is worth);
* qcomp per-channel: the same with `weight_granularity: per-channel`;
* qcomp signed: the same with `pot-scale: {unsigned: false}` (every activation int8: what the
  uint8 storage of non-negative activations is worth);
* qcomp int16 out: the same with `pot-scale: {wide-outputs: true}` (mixed precision: the graph
  outputs stored as int16, everything else int8);
* qcomp mixed: the shipped mixed_fpga pipeline (int16 outputs, and up to four int16 layers that
  widen-layers picks by measurement);
* ort per-tensor / ort per-channel: `onnxruntime.quantization.quantize_static` (QDQ, int8
  activations and weights, MinMax calibration, float scales), run with
  `qcomp.export.ORT_CONFIG` (int8 kept int8: exact integer kernels on any x86 CPU).

Each column is the output SNR against float in dB (first output, all samples: signal energy
over error energy) and, in brackets, the top-1 accuracy in % (models with labels) or the top-1
agreement with float in %. Prints the table and writes it as Markdown (`--md`, default
docs/accuracy.md; `--md -` prints only). About an hour on the 2-core machine (64 minutes on
2026-12-06 with other jobs beside it; vgg19 the longest).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import export_agreement  # noqa: E402
from bench.export_agreement import COMMITTED, ort_run  # noqa: E402

M = ROOT / "models"
LABELS = {"lenet", "lenet_dynamo", "resnet", "resnet_dynamo"}  # models/digits/test_y.npy
#: the passes int8_fpga runs to even out and fit weights and correct biases (the "plain" column leaves them out)
TUNING = ("equalize-layers", "fit-to-grid", "correct-bias")
QCOMP: dict[str, tuple[dict, dict, str]] = {  # column: (target fields, {pass: options, or None: left out}, pipeline)
    "qcomp int8_fpga": ({}, {}, "int8_fpga"),
    "qcomp plain": ({}, dict.fromkeys(TUNING), "int8_fpga"),
    "qcomp nearest": ({}, {"correct-bias": {"round-weights": False}}, "int8_fpga"),
    "qcomp half-up": ({"rounding": "half-up"}, {}, "int8_fpga"),
    "qcomp per-channel": ({"weight_granularity": "per-channel"}, {}, "int8_fpga"),
    "qcomp signed": ({}, {"pot-scale": {"unsigned": False}}, "int8_fpga"),
    "qcomp int16 out": ({}, {"pot-scale": {"wide-outputs": True}}, "int8_fpga"),
    "qcomp mixed": ({}, {}, "mixed_fpga"),
}
ORT = {"ort per-tensor": False, "ort per-channel": True}
CEILING = "int8 I/O ceiling"
COLUMNS = ("float", CEILING, *QCOMP, *ORT)


def snr_db(out: np.ndarray, ref: np.ndarray) -> float:
    err = float(np.sum((out - ref) ** 2))
    return float("inf") if err == 0 else 10 * np.log10(float(np.sum(ref**2)) / err)


def qcomp_outputs(model: Path, calib: Path, x: np.ndarray, target: dict, options: dict,
                  pipeline: str = "int8_fpga", io_exps: list | None = None) -> np.ndarray:
    """`pipeline` (`target` fields and pass `options` replaced, passes whose options are None left
    out) up to the shift level; the shift executor's dequantized output. `io_exps`, when given,
    receives the exponents of the first input and the first output."""
    from qcomp.backend.check import C_STAGES
    from qcomp.context import make_context
    from qcomp.dialects.quant import pot_of
    from qcomp.executors.shift import ShiftExecutor, dequantize, quantize_input
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.pipeline import configure_calibration, load_pipeline

    pipe = load_pipeline(pipeline)
    pipe.target = dataclasses.replace(pipe.target, **target)
    for name, opts in options.items():
        if opts is None:  # the pass left out
            pipe.passes = [p for p in pipe.passes if p.name != name]
            continue
        entry = pipe.find(name)
        assert entry is not None, name
        entry.options.update(opts)
    configure_calibration(pipe, str(calib))
    module = import_onnx_file(str(model))
    ctx = make_context()
    for p in pipe.instantiate():
        if p.name not in C_STAGES:
            p.apply(ctx, module)
    ex = ShiftExecutor(module)
    if io_exps is not None:
        io_exps[:] = [pot_of(ex.args[0].type).exp, pot_of(ex.output_values[0].type).exp]
    q = ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[0]
    return dequantize(q, ex.output_values[0].type, dtype=np.float64).reshape(len(x), -1)


def io_ceiling(model: Path, x: np.ndarray, ref: np.ndarray, e_in: int, e_out: int) -> np.ndarray:
    """The float model on `x` rounded onto the int8 grid 2^e (ties to even, clamped to [-128, 127]),
    its output rounded the same way: the best SNR against `ref` over e_in +- 1 and e_out +- 1."""
    def on_grid(v: np.ndarray, e: int) -> np.ndarray:
        return np.ldexp(np.clip(np.round(np.ldexp(v.astype(np.float64), -e)), -128, 127), e)

    best, best_snr = ref, -np.inf
    for ei in (e_in - 1, e_in, e_in + 1):
        y = ort_run(str(model), on_grid(x, ei).astype(np.float32)).reshape(len(x), -1).astype(np.float64)
        for eo in (e_out - 1, e_out, e_out + 1):
            out = on_grid(y, eo)
            snr = snr_db(out, ref)
            if snr > best_snr:
                best, best_snr = out, snr
    return best


def ort_int8(model: Path, calib: np.ndarray, per_channel: bool, work: Path) -> str:
    """onnxruntime's static int8 QDQ model of `model` (MinMax on `calib`), written under `work`."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    proto = onnx.load(str(model))
    name = proto.graph.input[0].name
    opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:  # per-axis DequantizeLinear (per-channel weights) needs opset 13
        from onnx import version_converter

        model = work / "opset13.onnx"
        onnx.save(version_converter.convert_version(proto, 13), str(model))

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter([{name: calib[i : i + 1]} for i in range(len(calib))])

        def get_next(self):  # type: ignore[no-untyped-def]
            return next(self.items, None)

    out = work / f"ort_{'pc' if per_channel else 'pt'}.onnx"
    logging.getLogger().setLevel(logging.ERROR)  # its advice to run pre-processing, per call
    quantize_static(str(model), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=per_channel,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    return str(out)


def measure(name: str, model: Path, calib_path: Path, x: np.ndarray, y: np.ndarray | None) -> dict[str, tuple[float, float]]:
    """{column: (SNR dB against float, top-1 accuracy or agreement with float in %)}."""
    calib = np.load(calib_path).astype(np.float32)
    ref = ort_run(str(model), x).reshape(len(x), -1).astype(np.float64)
    truth = y if y is not None else ref.argmax(axis=1)
    outs = {"float": ref}
    exps: list[int] = []
    for col, (target, options, pipeline) in QCOMP.items():
        outs[col] = qcomp_outputs(model, calib_path, x, target, options, pipeline,
                                  io_exps=exps if col == "qcomp int8_fpga" else None)
    outs[CEILING] = io_ceiling(model, x, ref, *exps)
    with tempfile.TemporaryDirectory(prefix="qcomp-accuracy-") as tmp:
        for col, pc in ORT.items():
            outs[col] = ort_run(ort_int8(model, calib, pc, Path(tmp)), x).reshape(len(x), -1).astype(np.float64)
    return {col: (snr_db(o, ref), 100 * float(np.mean(o.argmax(axis=1) == truth))) for col, o in outs.items()}


def cases(args: argparse.Namespace) -> list[tuple[str, Path, Path, np.ndarray, np.ndarray | None]]:
    """(name, model, calibration, test inputs, labels or None) of the models `args` selects."""
    out = []
    for c in export_agreement.cases(args, "accuracy"):
        x = np.load(c.test).astype(np.float32)
        if c.name in COMMITTED:
            y = np.load(M / "digits" / "test_y.npy") if c.name in LABELS else None
        else:
            x, y = x[: args.samples], None
        out.append((c.name, c.model, c.calib, x, y))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="models (default: all of the selected groups)")
    ap.add_argument("--committed", action="store_true", help="the committed models only")
    ap.add_argument("--light", action="store_true", help="the light ImageNet graphs only")
    ap.add_argument("--samples", type=int, default=4, help="test images per light graph (default 4)")
    ap.add_argument("--md", default=str(ROOT / "docs" / "accuracy.md"), help="Markdown output ('-': print only)")
    args = ap.parse_args(argv)
    import onnxruntime

    head = ("model", "samples", *COLUMNS)
    print("  ".join(head), flush=True)
    rows = []
    t0 = time.perf_counter()
    for name, model, calib, x, y in cases(args):
        try:
            res = measure(name, model, calib, x, y)
        except Exception as e:  # noqa: BLE001 - one row naming the failure, then the next model
            msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
            print(f"{name}  FAILED: {msg}", flush=True)
            rows.append(f"| {name} | FAILED: {msg} |")
            continue
        cells = [name, str(len(x)), f"({res['float'][1]:.1f})",
                 *(f"{res[c][0]:.1f} ({res[c][1]:.1f})" for c in COLUMNS[1:])]
        print("  ".join(cells), flush=True)
        rows.append("| " + " | ".join(cells) + " |")
    if args.md != "-":
        text = "\n".join([
            "# Accuracy: qcomp's pipelines beside onnxruntime's static int8",
            "",
            "Generated by `python bench/accuracy.py` (do not edit by hand; see its docstring for the columns).",
            f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, onnxruntime {onnxruntime.__version__}, "
            f"{time.perf_counter() - t0:.0f} s.",
            "",
            "Output SNR against the float model in dB, and in brackets the top-1 accuracy in % (LeNet and "
            "ResNet: the digits labels) or the top-1 agreement with float in % (the others). Committed "
            "models on their whole test split, the light ImageNet graphs (seeded random weights) on a few "
            "images: their top-1 is a coin toss between near-equal logits, the SNR is the measure. Eight of "
            "them end with a softmax, so theirs is the SNR of probabilities, which a few large ones "
            "dominate: on 4 images it moves by dB with small logit changes (`qcomp report --data` gives "
            "the SNR at every layer, the logits included). The int8 I/O ceiling is what the C contract's int8 "
            "input and output on power-of-two grids allow at best (the bench's docstring): where it lies below "
            "onnxruntime's figure, no int8 pipeline can reach that figure; mixed_fpga's int16 outputs lift it.",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
            *rows,
            "",
        ])
        Path(args.md).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
