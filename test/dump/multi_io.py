# REQUIRES: cc
# RUN: %python %s | filecheck %s
"""Dumps of a function with two inputs and three outputs, plain integer types (exp null), an
int16 activation, an NHWC conv result, a reshaped output (dumped at the end, from the output
buffer) and a graph input returned unchanged (dumped once, as the input). The shift executor's
dump (`qcomp.dump.executor_tensors`) and the -DQC_DUMP C dump hold the same tensors with
byte-identical manifests; the list comes from `dump_entries` on both sides.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from xdsl.parser import Parser

from qcomp.backend.c_emitter import emit_c_files
from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.dump import compare_dumps, dump_entries, executor_tensors, format_difference, write_dump

rng = np.random.default_rng(5)
w = rng.integers(-20, 21, (4, 2, 3, 3)).astype(np.int8)
T = "tensor<1x2x5x5xi8>"
src = f"""
func.func @main(%a: {T}, %b: tensor<1x6xi8>) -> (tensor<1x6xi16>, tensor<1x36xi8>, {T}) attributes {{
    input_names = ["image", "vec"], output_names = ["wide", "flat", "echo"]}} {{
  %w = shift.constant {format_dense(dense_from_numpy(w))} : tensor<4x2x3x3xi8>
  %r = shift.requant %b {{node = "r", shift = 1 : i64}} : (tensor<1x6xi8>) -> tensor<1x6xi8>
  %s = shift.requant %r {{node = "s", shift = -3 : i64}} : (tensor<1x6xi8>) -> tensor<1x6xi16>
  %c = shift.conv2d %a, %w {{node = "c", shift = array<i64: 6>}} : ({T}, tensor<4x2x3x3xi8>) -> tensor<1x4x3x3xi8>
  %m = shift.maxpool %c {{node = "m", kernel = array<i64: 1, 1>}} : (tensor<1x4x3x3xi8>) -> tensor<1x4x3x3xi8>
  %f = shift.reshape %m {{node = "f"}} : (tensor<1x4x3x3xi8>) -> tensor<1x36xi8>
  func.return %s, %f, %a : tensor<1x6xi16>, tensor<1x36xi8>, {T}
}}
"""
m = Parser(make_context(), src).parse_module()
m.verify()
for e in dump_entries(m):
    print(e.index, e.file, e.role, e.tensor, list(e.shape), e.ctype, e.exp)
# CHECK:      0 0000_image.bin input image [1, 2, 5, 5] int8_t None
# CHECK-NEXT: 1 0001_vec.bin input vec [1, 6] int8_t None
# CHECK-NEXT: 2 0002_r.bin activation r:0 [1, 6] int8_t None
# CHECK-NEXT: 3 0003_s.bin output wide [1, 6] int16_t None
# CHECK-NEXT: 4 0004_c.bin activation c:0 [1, 4, 3, 3] int8_t None
# CHECK-NEXT: 5 0005_m.bin activation m:0 [1, 4, 3, 3] int8_t None
# CHECK-NEXT: 6 0006_f.bin output flat [1, 36] int8_t None

a = rng.integers(-128, 128, (1, 2, 5, 5)).astype(np.int8)
b = rng.integers(-128, 128, (1, 6)).astype(np.int8)
main = r"""
#include <stdio.h>
#include "out.h"
int main(void)
{
    static int8_t a[MODEL_IN0_SIZE], b[MODEL_IN1_SIZE], o1[MODEL_OUT1_SIZE], o2[MODEL_OUT2_SIZE];
    static int16_t o0[MODEL_OUT0_SIZE];
    FILE *fi = fopen("in.bin", "rb");
    if (fi == NULL || fread(a, 1, sizeof a, fi) != sizeof a || fread(b, 1, sizeof b, fi) != sizeof b) {
        return 2;
    }
    fclose(fi);
    model_forward(a, b, o0, o1, o2);
    return 0;
}
"""
with tempfile.TemporaryDirectory() as d:
    dd = Path(d)
    write_dump(dd / "ref", executor_tensors(m, [a, b]))
    files = emit_c_files(m, dd / "out.c", report=False)
    for p, t in files.items():
        p.write_text(t)
    (dd / "main.c").write_text(main)
    (dd / "in.bin").write_bytes(a.tobytes() + b.tobytes())
    (dd / "c").mkdir()
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-DQC_DUMP", "out.c",
                    "main.c", "-o", "run"], cwd=d, check=True)
    subprocess.run(["./run"], cwd=d, check=True, env={**os.environ, "QC_DUMP_DIR": str(dd / "c")})
    same = (dd / "ref" / "manifest.json").read_bytes() == (dd / "c" / "manifest.json").read_bytes()
    print("manifests", "identical" if same else "DIFFER")
    n, diff = compare_dumps(dd / "ref", dd / "c")
    print(f"{n} tensors identical" if diff is None else format_difference(n, diff, "ref", "c"))
    # the int16 file is little-endian, the conv result in NCHW order
    wide = np.fromfile(dd / "c" / "0003_s.bin", "<i2")
    ref_s = np.clip((((b.astype(np.int64) + 1) >> 1) << 3), -32768, 32767).reshape(-1)
    print("int16 little-endian", "ok" if np.array_equal(wide, ref_s) else "FAIL")
    if not (same and diff is None):
        sys.exit(1)
# CHECK: manifests identical
# CHECK: 7 tensors identical
# CHECK: int16 little-endian ok
