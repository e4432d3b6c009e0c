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

`run_host` and `run_mcu` (build one generated C file, run it on in.bin -> out.bin, raise
`CProgramError`) are the same steps for other callers: `qcomp eval` runs its C stages with them.
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


C_TYPES = {np.dtype(np.int8): "int8_t", np.dtype(np.uint8): "uint8_t", np.dtype(np.int16): "int16_t"}


def io_type_flags(in_dtype: np.dtype, out_dtype: np.dtype) -> list[str]:
    """The harness's -DQC_IN_T / -DQC_OUT_T for a graph input and output other than int8."""
    flags = []
    for macro, dt in (("QC_IN_T", np.dtype(in_dtype)), ("QC_OUT_T", np.dtype(out_dtype))):
        if dt not in C_TYPES:
            raise ValueError(f"check: no C type for a graph {macro[3:].lower()} of {dt}")
        if dt != np.dtype(np.int8):
            flags.append(f"-D{macro}={C_TYPES[dt]}")
    return flags


class CProgramError(RuntimeError):
    """Building or running a C program failed. `str(e)` says which step; `detail` holds the
    compiler's or program's output and `command` the command line, for the full message."""

    def __init__(self, what: str, detail: str = "", command: list[str] | None = None) -> None:
        super().__init__(what)
        self.detail = detail.strip()
        self.command = command

    def one_line(self) -> str:
        """The step and the first line of the output (for `qcomp: error:` lines)."""
        first = next((ln.strip() for ln in self.detail.splitlines() if ln.strip()), "")
        return f"{self}: {first}" if first else str(self)

    def full(self) -> str:
        """The step, the command and all of the output (for check's own exit message)."""
        lines = [str(self)]
        if self.command:
            lines.append(" ".join(self.command))
        if self.detail:
            lines.append(self.detail)
        return "\n".join(lines)


def build(c_file: Path, harness: Path, exe: Path, cc: str, cflags: list[str], extra: tuple[Path, ...] = ()) -> None:
    """Build `exe` (`build_command`); raises CProgramError with the compiler's messages when it fails."""
    cmd = build_command(c_file, harness, exe, cc, cflags, extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise CProgramError(f"build failed ({cc})", r.stderr, cmd)


def run_host(c_file: Path, work: Path, cc: str, cflags: list[str], harness: Path = HOST_HARNESS) -> None:
    """Build `c_file` with the host `harness` into work/run and run it on work/in.bin -> work/out.bin.
    Raises CProgramError when the build or the program fails."""
    exe = work / "run"
    build(c_file, harness, exe, cc, cflags)
    r = subprocess.run([str(exe), str(work / "in.bin"), str(work / "out.bin")], capture_output=True, text=True)
    if r.returncode:
        raise CProgramError(f"the C program failed ({r.returncode})", r.stderr)


def run_mcu(c_file: Path, work: Path, n: int, cc: str | None = None, cflags: list[str] | tuple[str, ...] = ("-O2",),
            harness: Path | None = None, timeout: float = 600) -> str | None:
    """Cross-build `c_file` for the Cortex-M4 with qcomp's bare-metal runtime (qcomp.backend.mcu) and
    run it under qemu on work/in.bin (`n` samples) -> work/out.bin. Returns the harness's report
    with instructions per sample (`mcu.describe`), or None when a custom `harness` printed none.
    Raises CProgramError when the toolchain is missing, the build or the program fails."""
    from qcomp.backend import mcu

    cc = cc or mcu.CC
    why = mcu.missing(cc)
    if why:
        raise CProgramError(f"--mcu: {why}")
    elf = work / "app.elf"
    build(c_file, harness or mcu.HARNESS, elf, cc, [*mcu.CPU_FLAGS, *cflags, *mcu.LINK_FLAGS], extra=(mcu.STARTUP,))
    try:
        out = mcu.run_qemu(elf, work, ["in.bin", "out.bin"], timeout)
    except RuntimeError as e:  # qemu's exit code or a timeout, with its command line and output
        raise CProgramError("the MCU program failed", str(e)) from None
    report = [ln for ln in out.splitlines() if ln.startswith("mcu: ")]
    if report and report[-1].startswith(f"mcu: {n} samples"):
        return mcu.describe(report[-1])
    if harness is None:  # qcomp's MCU harness always reports; another one may not
        raise CProgramError(f"the MCU program did not report {n} samples", out)
    return None


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

    from qcomp.executors.shift import ShiftExecutor, quantize_input, storage_dtype

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
        in_dtype = storage_dtype(ex.args[0].type)
        np.ascontiguousarray(xq, in_dtype).tofile(work / "in.bin")
        cflags = args.cflags.split() + io_type_flags(in_dtype, ref.dtype)
        try:
            if args.mcu:
                report = run_mcu(Path(args.c), work, n, args.cc, cflags,
                                 Path(args.harness) if args.harness else None, args.timeout)
                if report:
                    print(report)
            else:
                run_host(Path(args.c), work, args.cc or os.environ.get("CC", "cc"), cflags,
                         Path(args.harness or HOST_HARNESS))
        except CProgramError as e:
            sys.exit(f"check: {e.full()}")
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


if __name__ == "__main__":
    sys.exit(main())
