"""Check generated C bit for bit against the shift executor on a whole test split.

    python -m qcomp.backend.check --pipeline int8_fpga models/lenet/lenet.onnx \
        --calib models/digits/calib.npy --test-x models/digits/test_x.npy --test-y models/digits/test_y.npy \
        --c out.c --harness qcomp/backend/runtime/host_harness.c

Builds the shift-level module with the same pipeline (stopping before the C lowering),
quantizes the test inputs with the executor's `quantize_input` (the target's tie rule, saturate),
runs the shift executor (the golden model) and the C program built from `--c` with the
harness (one `model_forward` per sample), and compares every output integer. Prints

    bit-exact: 400/400 samples, C accuracy 0.9775, float accuracy 0.9775

and exits 1 when any sample differs (the first differing samples are listed).
`--perturb K` flips one bit of the C output of sample K before comparing: a negative
control proving the comparison can fail.

`--mcu` builds for a Cortex-M4 instead (arm-none-eabi-gcc, newlib semihosting, the runtime
and harness of `qcomp.backend.mcu`; `--harness` is optional) and runs the program under
`qemu-system-arm -M mps2-an386`; the line then reads

    mcu bit-exact: 400/400 samples (cortex-m4, qemu mps2-an386), C accuracy ...

after the harness's own line (`mcu: 400 samples, ...`). `--limit N` checks the first N samples.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

C_STAGES = ("lower-shift-to-emitc", "plan-memory")
#: the host harness: runs model_forward on every sample of inputs.bin, writes outputs.bin
HOST_HARNESS = Path(__file__).resolve().parent / "runtime" / "host_harness.c"


def shift_module(model: str, pipeline: str, calib: str | None):
    """The module after `pipeline`, without its C-lowering passes (the shift level)."""
    from qcomp.context import make_context
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.pipeline import configure_calibration, load_pipeline

    pipe = load_pipeline(pipeline)
    configure_calibration(pipe, calib)  # no samples: data-free, as `qcomp` without --calib
    passes = [p for p in pipe.instantiate() if p.name not in C_STAGES]
    module = import_onnx_file(model)
    ctx = make_context()
    for p in passes:
        p.apply(ctx, module)
    module.verify()
    return module


def float_outputs(model: str, x: np.ndarray) -> np.ndarray | None:
    """The float model's first output on `x` with onnxruntime, or None when it is not installed."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])


def build_command(c_file: Path, harness: Path, exe: Path, cc: str, cflags: list[str],
                  extra: tuple[Path, ...] = ()) -> list[str]:
    """The command compiling and linking the generated C with the harness (and `extra` sources) into `exe`."""
    return [cc, "-std=c99", *cflags, f"-I{c_file.parent}", f"-DQC_HEADER=\"{c_file.with_suffix('.h').name}\"",
            str(c_file), str(harness), *map(str, extra), "-o", str(exe)]


def build(c_file: Path, harness: Path, exe: Path, cc: str, cflags: list[str], extra: tuple[Path, ...] = ()) -> None:
    """Build `exe` (`build_command`); exits with the compiler's messages when it fails."""
    cmd = build_command(c_file, harness, exe, cc, cflags, extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"check: build failed: {' '.join(cmd)}\n{r.stderr}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--calib")
    ap.add_argument("--test-x", required=True)
    ap.add_argument("--test-y")
    ap.add_argument("--c", required=True, help="the generated OUT.c (OUT.h beside it)")
    ap.add_argument("--harness", help="the C harness (default: qcomp's host harness; the MCU one with --mcu)")
    ap.add_argument("--cc", help="default $CC or cc; arm-none-eabi-gcc with --mcu")
    ap.add_argument("--cflags", default="-O2", help="extra compiler flags (one string)")
    ap.add_argument("--perturb", type=int, default=None, metavar="K",
                    help="flip a bit of sample K's C output first (negative control)")
    ap.add_argument("--mcu", action="store_true", help="build for a Cortex-M4 and run under qemu mps2-an386")
    ap.add_argument("--limit", type=int, metavar="N", help="check the first N samples only")
    ap.add_argument("--timeout", type=float, default=600, help="seconds qemu may run with --mcu (default 600)")
    ap.add_argument("--workdir")
    args = ap.parse_args(argv)

    from qcomp.executors.shift import ShiftExecutor, quantize_input

    module = shift_module(args.model, args.pipeline, args.calib)
    ex = ShiftExecutor(module)
    x = np.load(args.test_x).astype(np.float32)[: args.limit]
    xq = quantize_input(x, ex.args[0].type, ex.rounding)
    (ref,) = ex.run([xq])[:1]
    ref = np.asarray(ref)
    n = len(x)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="qcomp-check-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        np.ascontiguousarray(xq, np.int8).tofile(work / "in.bin")
        if args.mcu:
            _run_mcu(args, work, n)
        else:
            exe = work / "run"
            build(Path(args.c), Path(args.harness or HOST_HARNESS), exe, args.cc or os.environ.get("CC", "cc"), args.cflags.split())
            r = subprocess.run([str(exe), str(work / "in.bin"), str(work / "out.bin")],
                               capture_output=True, text=True)
            if r.returncode:
                sys.exit(f"check: the C program failed ({r.returncode}): {r.stderr}")
        got = np.fromfile(work / "out.bin", dtype=ref.dtype)
        if got.size != ref.size:
            sys.exit(f"check: the C program wrote {got.size} values, expected {ref.size}")
        got = got.reshape(ref.shape)
        if args.perturb is not None:
            flat = got.reshape(n, -1)
            flat[args.perturb, 0] ^= 1
        same = np.all(got.reshape(n, -1) == ref.reshape(n, -1), axis=1)
        line = f"bit-exact: {int(same.sum())}/{n} samples"
        if args.mcu:
            from qcomp.backend import mcu

            line = f"mcu {line} ({mcu.TARGET})"
        if args.test_y:
            y = np.load(args.test_y)[:n]
            line += f", C accuracy {float(np.mean(got.reshape(n, -1).argmax(axis=1) == y)):.4f}"
            fl = float_outputs(args.model, x)
            if fl is not None:
                line += f", float accuracy {float(np.mean(fl.reshape(n, -1).argmax(axis=1) == y)):.4f}"
        print(line)
        if not same.all():
            bad = np.flatnonzero(~same)[:5]
            for i in bad:
                print(f"  sample {i}: C {got.reshape(n, -1)[i].tolist()} != executor {ref.reshape(n, -1)[i].tolist()}")
            return 1
        return 0
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def _run_mcu(args: argparse.Namespace, work: Path, n: int) -> None:
    """Cross-build with the bare-metal runtime, run under qemu on work/in.bin -> work/out.bin."""
    from qcomp.backend import mcu

    cc = args.cc or mcu.CC
    why = mcu.missing(cc)
    if why:
        sys.exit(f"check: --mcu: {why}")
    elf = work / "app.elf"
    build(Path(args.c), Path(args.harness) if args.harness else mcu.HARNESS, elf, cc,
          [*mcu.CPU_FLAGS, *args.cflags.split(), *mcu.LINK_FLAGS], extra=(mcu.STARTUP,))
    try:
        out = mcu.run_qemu(elf, work, ["in.bin", "out.bin"], args.timeout)
    except RuntimeError as e:
        sys.exit(f"check: the MCU program failed: {e}")
    report = [ln for ln in out.splitlines() if ln.startswith("mcu: ")]
    if report and report[-1].startswith(f"mcu: {n} samples"):
        print(mcu.describe(report[-1]))
    elif not args.harness:  # qcomp's MCU harness always reports; another one may not
        sys.exit(f"check: the MCU program did not report {n} samples:\n{out}")


if __name__ == "__main__":
    sys.exit(main())
