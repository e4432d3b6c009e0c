"""Run generated C on an emulated Cortex-M4: qemu-system-arm -M mps2-an386 with newlib semihosting.

The files beside this module are a minimal bare-metal runtime (`startup.c`: vector table and
reset handler entering newlib's rdimon crt0; `mps2_an386.ld`: code and constants in the 4 MB
at 0x0, data in the 4 MB SRAM at 0x20000000) and `harness.c`, which runs `model_forward` on
every sample of a file read through semihosting. `qcomp.backend.check --mcu` builds them with
the generated C and compares the outputs with the shift executor.

Needs the Debian packages gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

DIR = Path(__file__).resolve().parent
STARTUP = DIR / "startup.c"
LDSCRIPT = DIR / "mps2_an386.ld"
HARNESS = DIR / "harness.c"

CC = "arm-none-eabi-gcc"
QEMU = "qemu-system-arm"
MACHINE = "mps2-an386"
TARGET = "cortex-m4, qemu mps2-an386"
CPU_FLAGS = ["-mcpu=cortex-m4", "-mthumb"]
LINK_FLAGS = ["--specs=rdimon.specs", f"-T{LDSCRIPT}"]
# qemu runs with -icount shift=0 (virtual time: 1 ns per instruction); the board's SysTick
# counts its 25 MHz processor clock, so one tick is 40 instructions.
INSNS_PER_TICK = 40


def missing(cc: str = CC, qemu: str = QEMU) -> str | None:
    """Why programs cannot be built and run here (None when they can)."""
    for tool in (cc, qemu):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    lib = subprocess.run([cc, *CPU_FLAGS, "-print-file-name=librdimon.a"], capture_output=True, text=True)
    if not Path(lib.stdout.strip()).is_absolute():
        return "newlib's librdimon.a not found (libnewlib-arm-none-eabi)"
    machines = subprocess.run([qemu, "-M", "help"], capture_output=True, text=True).stdout
    if MACHINE not in machines.split():
        return f"{qemu} has no machine {MACHINE}"
    return None


def run_qemu(elf: Path, cwd: Path, args: list[str], timeout: float, qemu: str = QEMU) -> str:
    """Run `elf` on the emulated board with `args` as argv[1:] (semihosting files are relative to
    `cwd`); returns its stdout. Raises RuntimeError on a non-zero exit or a timeout."""
    cmd = [qemu, "-M", MACHINE, "-nographic", "-semihosting-config", "enable=on,target=native",
           "-icount", "shift=0", "-kernel", str(elf), "-append", " ".join(args)]
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"{' '.join(cmd)}: no exit after {timeout:g} s") from e
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout


def describe(report: str) -> str:
    """The harness's `mcu: N samples, ...` line, SysTick ticks turned into instructions per sample."""
    m = re.fullmatch(r"mcu: (\d+) samples, (\d+) SysTick ticks \(no DWT cycle counter\)", report.strip())
    if not m or not int(m[1]):
        return report
    insns = int(m[2]) * INSNS_PER_TICK / int(m[1])
    return f"mcu: {m[1]} samples, {insns:.0f} instructions/sample (qemu -icount; no DWT cycle counter in qemu)"
