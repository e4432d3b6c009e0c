"""Check the output of runtime_check.c against the shift executor's integer reference.

    python runtime_check.py --target host out.txt          # the program's stdout, saved
    python runtime_check.py --mcu                          # cross-build, run under qemu, check
    ... --rounding half-even                               # a -DQC_ROUND_HALF_EVEN build

Prints one `<target>: <helper> ok (<n> cases)` line per helper and exits 1 (qcomp.testing)
when a result differs from the reference, a helper is missing or the output is truncated
(`--perturb HELPER` changes one of HELPER's results first: the negative control):

* qc_clamp: np.clip; qc_requant64 / qc_requant: clip(rshift(acc, s), lo, hi) (`rshift`:
  the executor's rounding shift); qc_floordiv: np.floor_divide (what the executor's
  `rounded_div` floors with); qc_rounded_div / qc_rounded_div32: `rounded_scaled_div`;
  qc_rshift: `rshift`; the roundings with the tie rule of `--rounding` (default half-up);
* with `--dsp` (builds with QC_ARM_DSP) also qc_widen_*: element i of the input at int16
  position 4 * (i // 4) + (0, 2, 1, 3)[i % 4], other slots untouched.

`--mcu` builds runtime_check.c with qcomp.backend.mcu's toolchain and runtime for the
Cortex-M4 (qemu mps2-an386; -DQC_ROUND_HALF_EVEN with `--rounding half-even`) and checks its
output with `--dsp`; without the toolchain or
qemu it prints `<target>: not run: <why>`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from qcomp.executors.shift import rounded_scaled_div, rshift
from qcomp.numerics import ROUNDINGS
from qcomp.testing import fail, verdict

HERE = Path(__file__).resolve().parent
RUNTIME = HERE.parents[2] / "qcomp" / "backend" / "runtime"
HOST = ("clamp", "requant64", "requant", "floordiv", "rounded_div", "rounded_div32", "rshift")
DSP = ("widen_s8", "widen_u8", "widen_s16")
ARITY = {"clamp": 3, "requant64": 4, "requant": 4, "floordiv": 2, "rounded_div": 3, "rounded_div32": 3,
         "rshift": 2}  # arguments per line
UNTOUCHED = 0x5A5A  # what runtime_check.c fills the widen buffers with
I64 = np.int64


def _clip(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(v, lo), hi)


def _rounded(num: np.ndarray, den: np.ndarray, s: np.ndarray, rounding: str) -> np.ndarray:
    out = np.empty_like(num)
    for sv in np.unique(s):  # rounded_scaled_div takes one shift
        m = s == sv
        out[m] = rounded_scaled_div(num[m], den[m], int(sv), rounding)
    return out


def reference(helper: str, args: np.ndarray, rounding: str = "half-up") -> np.ndarray:
    """The executor's result for each row of arguments (int64 columns, as printed), ties per `rounding`."""
    c = [args[:, i] for i in range(args.shape[1])]
    if helper == "clamp":
        return _clip(c[0], c[1], c[2])
    if helper in ("requant64", "requant"):
        return _clip(rshift(c[0], c[1], rounding), c[2], c[3])
    if helper == "floordiv":
        return np.floor_divide(c[0], c[1])
    if helper in ("rounded_div", "rounded_div32"):
        return _rounded(c[0], c[1], c[2], rounding)
    if helper == "rshift":
        return rshift(c[0], c[1], rounding)
    raise ValueError(helper)


def quad_slots(values: list[int]) -> list[int]:
    """The int16 slots a qc_widen_* call leaves for `values` (n rounded up to 4 slots)."""
    n = len(values)
    slots = [UNTOUCHED] * ((n + 3) // 4 * 4)
    for i, v in enumerate(values):
        slots[4 * (i // 4) + (0, 2, 1, 3)[i % 4]] = v
    return slots


def check(text: str, target: str, helpers: tuple[str, ...], perturb: str | None = None,
          rounding: str = "half-up") -> None:
    """Print a verdict per helper for the program's output `text`; `perturb`: change one result first."""
    rows: dict[str, list[list[int]]] = defaultdict(list)
    widen: dict[str, list[tuple[list[int], list[int]]]] = defaultdict(list)
    lines = text.splitlines()
    end = [ln for ln in lines if ln.startswith("end ")]
    body = [ln for ln in lines if ln and not ln.startswith("end ")]
    if len(end) != 1 or int(end[0].split()[1]) != len(body):
        print(fail(f"{target}: output truncated or garbled ({len(body)} lines, end line {end[-1:]})"))
    for ln in body:
        name, *rest = ln.split()
        if name.startswith("widen_"):
            k = rest.index(":")
            n, values, got = int(rest[0]), [int(v) for v in rest[1:k]], [int(v) for v in rest[k + 1:]]
            if len(values) != n:
                print(fail(f"{target}: bad line {ln!r}"))
            widen[name].append((values, got))
        else:
            rows[name].append([int(v) for v in rest])
    if perturb in rows and rows[perturb]:
        rows[perturb][0][-1] += 1
    elif perturb in widen:
        next(g for _, g in widen[perturb] if g)[0] ^= 1
    unknown = (set(rows) | set(widen)) - set(helpers)
    if unknown:
        print(fail(f"{target}: unexpected helpers {sorted(unknown)}"))
    for helper in helpers:
        if helper.startswith("widen_"):
            cases = widen.get(helper, [])
            bad = [(v, g) for v, g in cases if g != quad_slots(v)]
            print(f"{target}: {helper} {verdict(cases and not bad, helper)} ({len(cases)} cases)")
            for v, g in bad[:5]:
                print(f"  {helper}{tuple(v)}: C {g} != {quad_slots(v)}")
            continue
        a = np.array(rows.get(helper, []), dtype=I64).reshape(-1, ARITY[helper] + 1)
        got, args = a[:, -1], a[:, :-1]
        want = reference(helper, args, rounding) if len(a) else got
        bad = np.flatnonzero(got != want)
        print(f"{target}: {helper} {verdict(len(a) and not len(bad), helper)} ({len(a)} cases)")
        for i in bad[:5]:
            print(f"  {helper}{tuple(int(v) for v in args[i])}: C {int(got[i])} != executor {int(want[i])}")


def run_mcu(cases: int, rounding: str) -> str | None:
    """runtime_check.c's output on the emulated Cortex-M4, or None (after a `not run` line)."""
    from qcomp.backend import mcu

    why = mcu.missing()
    if why:
        print(f"cortex-m4: not run: {why}")
        return None
    with tempfile.TemporaryDirectory(prefix="qcomp-runtime-") as tmp:
        elf = Path(tmp) / "check.elf"
        even = ["-DQC_ROUND_HALF_EVEN"] if rounding == "half-even" else []
        cmd = [mcu.CC, "-std=c99", "-O2", *even, *mcu.CPU_FLAGS, "-Wall", "-Wextra", "-Werror", "-pedantic",
               f"-I{RUNTIME}", str(HERE / "runtime_check.c"), str(mcu.STARTUP), *mcu.LINK_FLAGS,
               "-o", str(elf)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            print(fail(f"cortex-m4: build failed: {' '.join(cmd)}\n{r.stderr}"))
            return None
        return mcu.run_qemu(elf, Path(tmp), [str(cases)], 300)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", nargs="?", help="runtime_check.c's stdout (not with --mcu)")
    ap.add_argument("--target", help="the label of the lines (default host, cortex-m4 with --mcu)")
    ap.add_argument("--dsp", action="store_true", help="the build had QC_ARM_DSP: check its helpers too")
    ap.add_argument("--mcu", action="store_true", help="build, run on the emulated Cortex-M4 (implies --dsp)")
    ap.add_argument("--perturb", metavar="HELPER", help="negative control: change one result of HELPER first")
    ap.add_argument("--cases", type=int, default=1000, help="random cases per helper with --mcu")
    ap.add_argument("--rounding", choices=ROUNDINGS, default=ROUNDINGS[0],
                    help="the tie rule the build rounds with (half-even: -DQC_ROUND_HALF_EVEN)")
    args = ap.parse_args()
    target = args.target or ("cortex-m4" if args.mcu else "host")
    if args.mcu:
        text = run_mcu(args.cases, args.rounding)
        if text is None:
            return 0
    else:
        text = Path(args.output).read_text()
    check(text, target, HOST + (DSP if args.dsp or args.mcu else ()), args.perturb, args.rounding)
    return 0


if __name__ == "__main__":
    sys.exit(main())
