"""Data-free vs calibrated int8_fpga on the committed models: top-1 and output SNR against float.

    python bench/data_free.py [--pipeline int8_fpga] [--input-range LO,HI]

For every committed digit model, the shift executor (bit-exact with the C) of the pipeline
calibrated on models/digits/calib.npy and of the same pipeline without samples (data-free:
BatchNorm statistics and synthetic inputs, `--input-range` as `qcomp --input-range`),
on the 400 test digits: top-1 accuracy, the drop from float in points, and the SNR of the
dequantized logits against the float model's (10 log10 of signal over error energy).
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("lenet/lenet.onnx", "lenet/lenet_dynamo.onnx", "resnet/resnet.onnx", "resnet/resnet_dynamo.onnx")


def shift_logits(model: str, pipeline: str, calib: str | None, input_range: str | None,
                 x: np.ndarray) -> tuple[np.ndarray, str]:
    """Dequantized logits of the shift executor and the calibration note (data-free only)."""
    from qcomp.context import make_context
    from qcomp.executors.shift import ShiftExecutor, dequantize, quantize_input
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.pipeline import configure_calibration, load_pipeline

    pipe = load_pipeline(pipeline)
    configure_calibration(pipe, calib, input_range)
    module = import_onnx_file(model)
    for p in pipe.instantiate():
        if p.name in ("lower-shift-to-emitc", "plan-memory"):
            continue
        p.apply(make_context(), module)
    note = module.attributes.get("qcomp.calibration")
    ex = ShiftExecutor(module)
    (q,) = ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[:1]
    out_type = ex.func.function_type.outputs.data[0]
    return np.asarray(dequantize(np.asarray(q), out_type), np.float64), (note.data if note is not None else "")


def snr_db(ref: np.ndarray, got: np.ndarray) -> float:
    err = float(np.sum((ref - got) ** 2))
    return float("inf") if err == 0 else 10 * np.log10(float(np.sum(ref ** 2)) / err)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pipeline", default="int8_fpga")
    ap.add_argument("--input-range", help="LO,HI of the synthetic inputs (default: as qcomp's)")
    args = ap.parse_args(argv)
    import onnxruntime as ort

    x = np.load(ROOT / "models/digits/test_x.npy").astype(np.float32)
    y = np.load(ROOT / "models/digits/test_y.npy")
    calib = str(ROOT / "models/digits/calib.npy")
    print(f"pipeline {args.pipeline}, 400 test digits; data-free input range: {args.input_range or 'default'}\n")
    print("| model | float top-1 | calibrated top-1 (drop) | data-free top-1 (drop) | SNR calibrated | SNR data-free |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    notes = []
    for rel in MODELS:
        path = str(ROOT / "models" / rel)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        ref = np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))]).astype(np.float64)
        acc_f = float(np.mean(ref.argmax(1) == y))
        cal, _ = shift_logits(path, args.pipeline, calib, None, x)
        free, note = shift_logits(path, args.pipeline, None, args.input_range, x)
        acc_c, acc_d = (float(np.mean(v.reshape(len(x), -1).argmax(1) == y)) for v in (cal, free))
        worst = max(worst, 100 * (acc_f - acc_d))
        print(f"| {rel} | {100 * acc_f:.2f} | {100 * acc_c:.2f} ({100 * (acc_f - acc_c):+.2f}) | "
              f"{100 * acc_d:.2f} ({100 * (acc_f - acc_d):+.2f}) | {snr_db(ref, cal.reshape(ref.shape)):.1f} dB | "
              f"{snr_db(ref, free.reshape(ref.shape)):.1f} dB |")
        notes.append(f"- {rel}: {note}")
    print(f"\nlargest top-1 drop with data-free ranges: {worst:.2f} points\n")
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
