"""The light ImageNet graphs in one table: compile time, C build time, arena, bit-exactness, and
output SNR against the float model for qcomp and for onnxruntime's static int8.

    python bench/light_table.py [NAME ...] [--samples N] [--cc cc] [--flag -O2] [--md FILE]

For each graph (default all nine of `bench/light_models.py`, seeded weights, 8 calibration
images): the qcomp CLI (`int8_fpga`, the calibration images on the command line; its wall
time and the arena bytes plan-memory reports), `cc -O2` of OUT.c and the test harness, the C
run on N test images compared bit for bit with the shift executor, and on the same images:

* qcomp SNR: the shift executor's output (dequantized) against onnxruntime float, in dB:
  10 log10(sum f^2 / sum (q - f)^2) over all outputs;
* ORT int8 SNR: onnxruntime's `quantize_static` (MinMax calibration on the same calibration
  images, per-tensor, QDQ, int8 activations and weights) against the same float outputs.

Exits 1 when any graph that compiles is not bit-exact; a graph qcomp rejects is one row with
its error line. `--md FILE` also writes the table as Markdown.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.light_e2e import HARNESS, PIPELINE, reference  # noqa: E402
from bench.light_models import NAMES, make_light  # noqa: E402


def snr_db(ref: np.ndarray, got: np.ndarray) -> float:
    """10 log10(signal energy / noise energy) of `got` against `ref` (inf when equal)."""
    ref, got = np.asarray(ref, np.float64).ravel(), np.asarray(got, np.float64).ravel()
    noise = float(np.sum((got - ref) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref ** 2)) / noise)


def ort_outputs(model: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])


def ort_int8(model: Path, calib: np.ndarray, work: Path) -> Path:
    """onnxruntime static int8: MinMax, per-tensor, QDQ, on `calib`."""
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    name = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).get_inputs()[0].name

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(calib[i : i + 1] for i in range(len(calib)))

        def get_next(self):
            x = next(self.it, None)
            return None if x is None else {name: x}

    out = work / "ort_int8.onnx"
    quantize_static(str(model), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=False,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"graphs (default all: {', '.join(NAMES)})")
    ap.add_argument("--samples", type=int, default=4, help="test images (default 4)")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--flag", default="-O2")
    ap.add_argument("--md", help="also write the table as Markdown to this file")
    args = ap.parse_args(argv)
    from xdsl.dialects import func

    from qcomp.backend.check import shift_module
    from qcomp.executors.shift import dequantize

    head = ("graph", "qcomp s", f"cc {args.flag} s", "arena bytes", "bit-exact", "qcomp SNR dB", "ORT int8 SNR dB")
    rows: list[tuple[str, ...]] = []
    print("  ".join(head), flush=True)
    bad = 0
    for name in args.names or NAMES:
        folder = make_light(name, n_test=max(args.samples, 4))
        with tempfile.TemporaryDirectory(prefix=f"qcomp-table-{name}-") as tmp:
            work = Path(tmp)
            c_file = work / f"{name}.c"
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "qcomp.cli", "--pipeline", PIPELINE, str(folder / "model.onnx"),
                                "--calib", str(folder / "calib.npy"), "-o", str(c_file)], capture_output=True, text=True)
            secs = time.perf_counter() - t0
            if r.returncode:
                lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
                row: tuple[str, ...] = (name, f"rejected: {lines[-1] if lines else r.returncode}")
                rows.append(row)
                print("  ".join(row), flush=True)
                continue
            m = re.search(r"arena (\d+) bytes", r.stderr)
            arena = m.group(1) if m else "?"
            exe = work / "run"
            t0 = time.perf_counter()
            b = subprocess.run([args.cc, "-std=c99", args.flag, "-Wall", "-Wextra", "-Werror", f"-I{work}",
                                f"-DQC_HEADER=\"{c_file.with_suffix('.h').name}\"", str(c_file), str(HARNESS),
                                "-o", str(exe)], capture_output=True, text=True)
            cc_s = time.perf_counter() - t0
            xq, ref = reference(folder, args.samples)
            if b.returncode:
                exact = "build failed"
                bad += 1
            else:
                xq.tofile(work / "in.bin")
                subprocess.run([str(exe), str(work / "in.bin"), str(work / "out.bin")], check=True)
                got = np.fromfile(work / "out.bin", dtype=ref.dtype).reshape(len(xq), -1)
                same = int(np.all(got == ref.reshape(len(xq), -1), axis=1).sum())
                exact = f"{same}/{len(xq)}"
                bad += same != len(xq)
            x = np.load(folder / "test_x.npy").astype(np.float32)[: args.samples]
            flt = ort_outputs(folder / "model.onnx", x)
            module = shift_module(str(folder / "model.onnx"), PIPELINE, str(folder / "calib.npy"))
            f = next(o for o in module.walk() if isinstance(o, func.FuncOp))
            ret_t = f.function_type.outputs.data[0]
            q_snr = snr_db(flt, dequantize(ref, ret_t).reshape(flt.shape))
            o_snr = snr_db(flt, ort_outputs(ort_int8(folder / "model.onnx", np.load(folder / "calib.npy"), work), x))
            row = (name, f"{secs:.1f}", f"{cc_s:.1f}", arena, exact, f"{q_snr:.1f}", f"{o_snr:.1f}")
            rows.append(row)
            print("  ".join(row), flush=True)
    if args.md:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + (" |" * (len(head) - len(r) + 1)) for r in rows]
        Path(args.md).write_text("\n".join(lines) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
