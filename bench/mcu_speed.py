"""Cortex-M4 speed of qcomp's generated C: portable kernels vs the Arm DSP (SMLAD) kernels.

    python bench/mcu_speed.py [--models lenet,resnet,cifar_resnet] [--samples N]

For every model, `qcomp --pipeline int8_fpga` -> out.c once, then the same C built twice
for a Cortex-M4 (`arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -O2`): "portable" with
`-DQC_PORTABLE` (the kernels every MCU got before the DSP path) and "dsp" without it (the
`QC_ARM_DSP` kernels, selected by `__ARM_FEATURE_DSP`). Each build runs under
`qemu-system-arm -M mps2-an386 -icount shift=0` through `qcomp.backend.check --mcu`, which
also checks every output bit for bit against the shift executor. Prints per model: MACs,
instructions per inference (qemu counts instructions, not cycles: it models no pipeline, no
wait states and no DWT cycle counter), instructions/MAC, the speed-up and
`arm-none-eabi-size` text/data/bss of the object for both builds.

Models: lenet and resnet (models/*, their test split: `--samples` first samples) and the
CIFAR-sized ResNet of `bench/c_speed.py` (3x32x32, ~27 MMACs, random He-scaled weights,
random normal inputs). This prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.c_speed import compile_c, make_cifar_resnet  # noqa: E402
from qcomp.backend import check, mcu  # noqa: E402

BUILD = ROOT / "bench" / "build" / "mcu_speed"
MODELS = ROOT / "models"
VARIANTS = {"portable": "-O2 -DQC_PORTABLE", "dsp": "-O2"}


def run_check(model: Path, calib: Path, test_x: Path, out_c: Path, cflags: str, samples: int) -> float:
    """`qcomp.backend.check --mcu` on the first `samples` inputs: instructions per inference."""
    out = io.StringIO()
    args = ["--mcu", "--pipeline", "int8_fpga", str(model), "--calib", str(calib), "--test-x", str(test_x),
            "--c", str(out_c), f"--cflags={cflags}", "--limit", str(samples), "--timeout", "3600"]
    with contextlib.redirect_stdout(out):
        rc = check.main(args)
    text = out.getvalue()
    if rc:
        sys.exit(f"mcu_speed: {model.name} ({cflags}) is not bit-exact:\n{text}")
    m = re.search(r"mcu: \d+ samples, (\d+) instructions/sample", text)
    if not m:
        sys.exit(f"mcu_speed: no instruction count in:\n{text}")
    return float(m[1])


def m4_size(out_c: Path, cflags: str) -> str:
    """text/data/bss of the Cortex-M4 object."""
    obj = out_c.with_suffix(".m4.o")
    subprocess.run([mcu.CC, *mcu.CPU_FLAGS, "-std=c99", *cflags.split(), "-c", str(out_c), "-o", str(obj)],
                   check=True)
    r = subprocess.run(["arm-none-eabi-size", str(obj)], check=True, capture_output=True, text=True)
    text, data, bss = r.stdout.splitlines()[1].split()[:3]
    return f"{text}/{data}/{bss}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lenet,resnet,cifar_resnet")
    ap.add_argument("--samples", type=int, default=20, help="inputs per model (default 20)")
    args = ap.parse_args(argv)
    why = mcu.missing()
    if why:
        sys.exit(f"mcu_speed: {why}")
    BUILD.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.models.split(","):
        work = BUILD / name
        work.mkdir(parents=True, exist_ok=True)
        if name == "cifar_resnet":
            model = make_cifar_resnet(work / "cifar_resnet.onnx")
            calib = work / "calib.npy"
            np.save(calib, np.random.default_rng(1).standard_normal((64, 3, 32, 32)).astype(np.float32))
            test_x = work / "test_x.npy"
            np.save(test_x, np.random.default_rng(2).standard_normal((args.samples, 3, 32, 32)).astype(np.float32))
        else:
            model = MODELS / name / f"{name}.onnx"
            calib, test_x = MODELS / "digits" / "calib.npy", MODELS / "digits" / "test_x.npy"
        out_c, macs = compile_c(model, calib, work)
        insns = {v: run_check(model, calib, test_x, out_c, f, args.samples) for v, f in VARIANTS.items()}
        sizes = {v: m4_size(out_c, f) for v, f in VARIANTS.items()}
        rows.append((name, macs, insns, sizes))
        print(f"{name}: done", file=sys.stderr, flush=True)
    head = (f"{'model':<14}{'MACs':>10}{'portable instr':>16}{'dsp instr':>12}{'instr/MAC':>14}{'speed-up':>10}"
            f"  {'M4 text/data/bss portable -> dsp':>34}")
    print(head)
    print("-" * len(head))
    for name, macs, insns, sizes in rows:
        p, d = insns["portable"], insns["dsp"]
        per_mac = f"{p / macs:.2f} -> {d / macs:.2f}"
        print(f"{name:<14}{macs:>10}{p:>16.0f}{d:>12.0f}{per_mac:>14}{p / d:>9.2f}x"
              f"  {sizes['portable'] + ' -> ' + sizes['dsp']:>34}")
    print("instructions per inference under qemu -icount (mps2-an386, Cortex-M4), arm-none-eabi-gcc -O2; "
          "bit-exact against the shift executor on every sample")
    return 0


if __name__ == "__main__":
    sys.exit(main())
