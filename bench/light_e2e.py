"""End to end on the light ImageNet graphs: compile each, build its C with every compiler and
flag, and compare it bit for bit with the shift executor.

    python bench/light_e2e.py [NAME ...] [--flags -O0,-O2,-O3,-Os] [--cc gcc,clang] [--samples N] [--pipeline P]

For each graph (default: all nine of `bench/light_models.py`, which builds the seeded-weight
models from the installed onnx wheel): `qcomp --pipeline int8_fpga` (or `--pipeline`; the CLI, so that a
rejection reads as a user sees it), the shift-level module of the same pipeline and its
executor on the test images, then for every compiler x flag the C built with the test
harness and run on the same quantized images. Prints one line per build and a table:

    squeezenet  compile 14.8 s  gcc -O2: 4/4 bit-exact  clang -O2: 4/4 ...

and exits 1 when any build of a graph that compiles differs from the executor (a graph
that qcomp rejects is reported with its error line, not counted as a mismatch).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.light_models import BUILD_DIR, NAMES, make_light  # noqa: E402

HARNESS = ROOT / "qcomp" / "backend" / "runtime" / "host_harness.c"
PIPELINE = "int8_fpga"  # --pipeline replaces it


def compile_model(folder: Path, out_c: Path) -> tuple[bool, str, float]:
    """Run the qcomp CLI; (ok, last stderr line, seconds)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "qcomp.cli", "-q", "--pipeline", PIPELINE,
                        str(folder / "model.onnx"), "--calib", str(folder / "calib.npy"), "-o", str(out_c)],
                       capture_output=True, text=True)
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    return r.returncode == 0, (lines[-1] if lines else ""), time.perf_counter() - t0


def reference(folder: Path, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(quantized inputs, executor outputs) for the first `samples` test images."""
    from qcomp.backend.check import shift_module
    from qcomp.executors.shift import ShiftExecutor, quantize_input

    module = shift_module(str(folder / "model.onnx"), PIPELINE, str(folder / "calib.npy"))
    ex = ShiftExecutor(module)
    x = np.load(folder / "test_x.npy").astype(np.float32)[:samples]
    xq = quantize_input(x, ex.args[0].type, ex.rounding)
    (ref,) = ex.run([xq])[:1]
    return np.ascontiguousarray(xq, np.int8), np.asarray(ref)


def run_build(c_file: Path, cc: str, flags: str, xq: np.ndarray, ref: np.ndarray, work: Path,
              perturb: bool = False) -> str:
    """Build the C with `cc flags`, run it on xq, return 'k/n' bit-exact or an error."""
    from qcomp.backend.check import io_type_flags

    exe = work / f"run_{cc}_{flags.replace(' ', '_').replace('-', '')}"
    cmd = [cc, "-std=c99", *flags.split(), "-Wall", "-Wextra", "-Werror", *io_type_flags(xq.dtype, ref.dtype),
           f"-I{c_file.parent}", f"-DQC_HEADER=\"{c_file.with_suffix('.h').name}\"", str(c_file), str(HARNESS),
           "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        first = next((ln for ln in r.stderr.splitlines() if "error" in ln), r.stderr.strip()[:200])
        return f"BUILD FAILED: {first}"
    xq.tofile(work / "in.bin")
    r = subprocess.run([str(exe), str(work / "in.bin"), str(work / "out.bin")], capture_output=True, text=True)
    if r.returncode:
        return f"RUN FAILED ({r.returncode}): {r.stderr.strip()[:200]}"
    n = len(xq)
    got = np.fromfile(work / "out.bin", dtype=ref.dtype)
    if got.size != ref.size:
        return f"WRONG SIZE: {got.size} values, expected {ref.size}"
    if perturb:  # negative control: one flipped bit in sample 0 must be caught
        got[0] ^= 1
    same = np.all(got.reshape(n, -1) == ref.reshape(n, -1), axis=1)
    return f"{int(same.sum())}/{n}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"graphs (default all: {', '.join(NAMES)})")
    ap.add_argument("--flags", default="-O0,-O2,-O3,-Os", help="comma-separated flag sets (default -O0,-O2,-O3,-Os)")
    ap.add_argument("--cc", default="gcc,clang", help="comma-separated compilers (default gcc,clang; "
                                                       "missing ones are skipped with a note)")
    ap.add_argument("--samples", type=int, default=4, help="test images per graph (default 4)")
    ap.add_argument("--models", help=f"folder of the generated models (default {BUILD_DIR})")
    ap.add_argument("--perturb", action="store_true",
                    help="negative control: flip one bit of the first build's output (must report a mismatch)")
    ap.add_argument("--keep", help="keep the generated C and binaries in this folder")
    ap.add_argument("--pipeline", default="int8_fpga", help="the pipeline (default int8_fpga)")
    args = ap.parse_args(argv)
    global PIPELINE
    PIPELINE = args.pipeline
    flag_sets = [f.strip() for f in args.flags.split(",") if f.strip()]
    compilers = []
    for cc in (c.strip() for c in args.cc.split(",") if c.strip()):
        if shutil.which(cc):
            compilers.append(cc)
        else:
            print(f"light_e2e: {cc} not found, skipped")
    bad = 0
    rows = []
    for name in args.names or NAMES:
        folder = make_light(name, args.models, n_test=max(args.samples, 4))
        work = Path(args.keep) / name if args.keep else Path(tempfile.mkdtemp(prefix=f"qcomp-light-{name}-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            c_file = work / f"{name}.c"
            ok, err, secs = compile_model(folder, c_file)
            if not ok:
                print(f"{name}: rejected by qcomp ({secs:.1f} s): {err}", flush=True)
                rows.append((name, f"rejected: {err}"))
                continue
            xq, ref = reference(folder, args.samples)
            results = []
            for cc in compilers:
                for flags in flag_sets:
                    res = run_build(c_file, cc, flags, xq, ref, work, perturb=args.perturb and not results)
                    exact = res == f"{len(xq)}/{len(xq)}"
                    bad += not exact
                    print(f"{name}: {cc} {flags}: {res}{' bit-exact' if exact else '  MISMATCH'}", flush=True)
                    results.append(f"{cc} {flags} {res}")
            rows.append((name, f"compile {secs:.1f} s; " + "; ".join(results)))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    print()
    for name, text in rows:
        print(f"{name:13s} {text}")
    n_builds = sum(len(compilers) * len(flag_sets) for _, t in rows if not t.startswith("rejected"))
    print(f"light_e2e: {len(rows)} graphs, {sum(not t.startswith('rejected') for _, t in rows)} compiled, "
          f"{n_builds} builds, {bad} not bit-exact")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
