"""Compile speed and scale on the light ImageNet graphs: ONNX -> C time, peak memory, and the
C compiler's time on the generated C.

    python bench/compile_speed.py [NAME ...] [--calib N] [--cc cc] [--flag -O2] [--no-cc] [--mem-gb G]

For each graph (default: resnet50 and vgg19, the issue's targets), built by
`bench/light_models.py` with N calibration images (default 32) into
bench/build/light-calibN/NAME: the qcomp CLI as a child process (`int8_fpga`, the
calibration data on the command line), its wall time and peak resident memory (wait4's
rusage of that child), the size of OUT.c, then `cc -O2 -std=c99 -Wall -Wextra -Werror
-pedantic -c OUT.c` (the contract's strict flags) wall time and peak memory (cc and the cc1
it waits for). Every child runs with its address space capped at `--mem-gb` (default 14;
0: no cap), so a runaway compile fails instead of starving the machine. Prints one row per
graph:

    graph        qcomp s  qcomp MB  OUT.c MB  cc -O2 s   cc MB
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.light_models import BUILD_DIR, make_light  # noqa: E402

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


def _limit(gb: float):
    """preexec_fn capping the child's address space at `gb` GB (0: no cap)."""
    def apply() -> None:
        if gb > 0:
            cap = int(gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return apply


def timed(cmd: list[str], mem_gb: float = 0) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run `cmd`; (result, wall seconds, peak RSS of this child and its descendants in MB).

    The peak comes from wait4's rusage of this one child (Linux folds the children it waited
    for into it: cc1 counts for cc), not from RUSAGE_CHILDREN, which keeps the largest child
    of the whole run.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, preexec_fn=_limit(mem_gb))
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        r = subprocess.CompletedProcess(cmd, p.returncode, out.read(), err.read())
    return r, wall, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=["resnet50", "vgg19"])
    ap.add_argument("--calib", type=int, default=32, help="calibration images (default 32)")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--flag", default="-O2")
    ap.add_argument("--no-cc", action="store_true", help="skip the C compiler")
    ap.add_argument("--mem-gb", type=float, default=14.0, help="address-space cap per child (GB, 0: none)")
    args = ap.parse_args(argv)
    print(f"{'graph':<13}{'qcomp s':>9}{'qcomp MB':>10}{'OUT.c MB':>10}{'cc ' + args.flag + ' s':>11}{'cc MB':>8}",
          flush=True)
    status = 0
    for name in args.names:
        # The light graph built with N calibration images (its BatchNorm statistics are
        # measured on them), in its own folder: bench/build/light-calibN/NAME.
        folder = make_light(name, Path(BUILD_DIR).parent / f"light-calib{args.calib}",
                            n_calib=args.calib, n_test=1)
        with tempfile.TemporaryDirectory(prefix=f"qcomp-speed-{name}-") as tmp:
            out_c = Path(tmp) / "out.c"
            r, wall, peak = timed([sys.executable, "-m", "qcomp.cli", "-q", "--pipeline", "int8_fpga",
                                   str(folder / "model.onnx"), "--calib", str(folder / "calib.npy"),
                                   "-o", str(out_c)], args.mem_gb)
            if r.returncode:
                print(f"{name:<13} qcomp failed: {r.stderr.strip().splitlines()[-1:]}")
                status = 1
                continue
            size = out_c.stat().st_size / 2**20
            cc_s = cc_mb = float("nan")
            if not args.no_cc:
                rc, cc_s, cc_mb = timed([args.cc, args.flag, *STRICT, "-c", str(out_c), "-o",
                                         str(Path(tmp) / "out.o")], args.mem_gb)
                if rc.returncode:
                    print(f"{name:<13} {args.cc} failed after {cc_s:.1f} s ({cc_mb:.0f} MB): "
                          f"{rc.stderr.strip()[-300:]}")
                    status = 1
            print(f"{name:<13}{wall:>9.1f}{peak:>10.0f}{size:>10.1f}{cc_s:>11.1f}{cc_mb:>8.0f}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
