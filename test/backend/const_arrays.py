# REQUIRES: cc
# RUN: %python %s | filecheck %s
"""Constant arrays in the C (docs/c-backend.md, "Constants"): the byte-string form and the
braced form, chosen by size, element type and guard, read back element for element.

Every case is printed by `CPrinter.global_`, its form and the source limits of C99 are checked
on the text (lines <= 4095 characters, string literals <= 4095 characters), then all are built
into one program with gcc and clang at -O0 and -O2 (-std=c99 -Wall -Wextra -Werror -pedantic,
-mavx2 -DQC_ARM_DSP so that every guarded array is compiled) that prints a checksum, the
alignment and sizeof of each array, compared with numpy's. arm-none-eabi-gcc compiles it too.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from qcomp.backend.c_emitter import BYTES_MIN, CONST_HELPER, ROW, CPrinter
from qcomp.dialects import emitc as ec
from qcomp.dialects.constants import dense_from_numpy

rng = np.random.default_rng(14)


def ints(dtype, n):
    info = np.iinfo(dtype)
    v = rng.integers(info.min, info.max, n, endpoint=True).astype(dtype)
    v[:2] = (info.min, info.max)  # the extremes survive the encoding
    return v


# (name, values, guard, expected form)
CASES = [
    ("small_i8", ints(np.int8, BYTES_MIN - 1), None, "braced"),
    ("tail_i8", ints(np.int8, BYTES_MIN), None, "bytes"),
    ("row_i8", ints(np.int8, ROW), None, "bytes"),
    ("row_tail_i8", ints(np.int8, ROW + 1), None, "bytes"),
    ("rows_i8", ints(np.int8, 3 * ROW + 1234), None, "bytes"),
    ("zeros_i8", np.zeros(5000, np.int8), None, "bytes"),
    ("u8", ints(np.uint8, 5000), None, "bytes"),
    ("avx2_i16", ints(np.int16, 3000), "defined(__AVX2__)", "bytes"),
    ("dsp_i16", ints(np.int16, 2041), "defined(QC_ARM_DSP)", "bytes"),
    ("avx2_i32", ints(np.int32, 700), "defined(__AVX2__) && !defined(QC_NEVER)", "bytes"),
    ("portable_i32", ints(np.int32, 700), "!defined(__AVX2__) || defined(__AVX2__)", "braced"),
    ("plain_i16", ints(np.int16, 1000), None, "braced"),
    ("plain_i32", ints(np.int32, 900), None, "braced"),
]

module = ModuleOp([])
printer = CPrinter(module, "t.h")
texts = []
for name, values, guard, form in CASES:
    g = ec.GlobalOp(name, dense_from_numpy(values), node=f"node {name}", guard=guard)
    text = printer.global_(g)
    got = "bytes" if f"#define {name} ({name}_u.v)" in text else "braced"
    longest_line = max(len(ln) for ln in text.splitlines())
    # adjacent literals concatenate: the length of each literal after concatenation
    literals = [sum(len(re.findall(r"\\x[0-9a-f]{2}", p)) for p in lit.split('"\n"'))
                for lit in re.findall(r'"(?:\\x[0-9a-f]{2}|"\n")*"', text)]
    ok = got == form and longest_line <= 4095 and max(literals, default=0) <= 4095
    print(f"{name}: {got}{'' if ok else f' FAILED (expected {form}, line {longest_line}, literal {max(literals, default=0)})'}")
    texts.append(text)
# CHECK: small_i8: braced
# CHECK-NEXT: tail_i8: bytes
# CHECK-NEXT: row_i8: bytes
# CHECK-NEXT: row_tail_i8: bytes
# CHECK-NEXT: rows_i8: bytes
# CHECK-NEXT: zeros_i8: bytes
# CHECK-NEXT: u8: bytes
# CHECK-NEXT: avx2_i16: bytes
# CHECK-NEXT: dsp_i16: bytes
# CHECK-NEXT: avx2_i32: bytes
# CHECK-NEXT: portable_i32: braced
# CHECK-NEXT: plain_i16: braced
# CHECK-NEXT: plain_i32: braced


def checksum(v: np.ndarray) -> int:
    w = (np.arange(v.size, dtype=np.int64) % 7) + 1
    return int(np.sum(v.astype(np.int64) * w))


lines = ["#include <stdint.h>", "#include <stdio.h>", "", CONST_HELPER, *texts, "",
         "static long long sum(const void *p, int elt, int sgn, int n)", "{", "    long long s = 0;",
         "    for (int i = 0; i < n; ++i) {", "        long long v;",
         "        if (elt == 1) { v = sgn ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i]; }",
         "        else if (elt == 2) { v = sgn ? ((const int16_t *)p)[i] : ((const uint16_t *)p)[i]; }",
         "        else { v = ((const int32_t *)p)[i]; }",
         "        s += v * (i % 7 + 1);", "    }", "    return s;", "}", "",
         "int main(void)", "{"]
for name, values, guard, _ in CASES:
    body = (f'    printf("{name} %lld %d %d\\n", sum({name}, (int)sizeof {name}[0], {int(values.dtype.kind == "i")}, '
            f'{values.size}), (int)((uintptr_t){name} % sizeof {name}[0]), (int)sizeof {name});')
    lines += ([f"#if {guard}", body, "#endif"] if guard else [body])
lines += ["    return 0;", "}", ""]
expected = "".join(f"{n} {checksum(v)} 0 {v.nbytes}\n" for n, v, _, _ in CASES)

with tempfile.TemporaryDirectory() as tmp:
    src = Path(tmp) / "t.c"
    src.write_text("\n".join(lines))
    strict = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-mavx2", "-DQC_ARM_DSP"]
    for cc in ("cc", "clang"):
        if not shutil.which(cc):
            print(f"{cc}: ok (not installed)")
            continue
        good = True
        for opt in ("-O0", "-O2"):
            exe = Path(tmp) / "run"
            r = subprocess.run([cc, *strict, opt, str(src), "-o", str(exe)], capture_output=True, text=True)
            if r.returncode:
                print(r.stderr[-2000:], file=sys.stderr)
                good = False
                continue
            out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
            if out != expected:
                print(f"{cc} {opt}:\n{out}expected:\n{expected}", file=sys.stderr)
                good = False
        print(f"{cc}: {'ok' if good else 'FAILED'}")
    arm = shutil.which("arm-none-eabi-gcc")
    if arm:
        r = subprocess.run([arm, "-mcpu=cortex-m4", "-mthumb", "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror",
                            "-pedantic", "-DQC_ARM_DSP", "-c", str(src), "-o", str(Path(tmp) / "t.o")], capture_output=True, text=True)
        if r.returncode:
            print(r.stderr[-2000:], file=sys.stderr)
    print(f"arm-none-eabi-gcc: {'ok' if not arm or r.returncode == 0 else 'FAILED'}")
# CHECK: cc: ok
# CHECK-NEXT: clang: ok
# CHECK-NEXT: arm-none-eabi-gcc: ok
