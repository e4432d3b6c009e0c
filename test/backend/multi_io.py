# REQUIRES: cc
# RUN: %python %s | filecheck %s
"""Several graph inputs and outputs: one pointer each, in order; outputs exactly as returned.

The function returns (1) an output that another op also reads, (2) a reshape of a conv
(written in place, row-major), (3) a graph input returned unchanged (a copy). The C API
must be `model_forward(in0, in1, out0, out1, out2)` and agree with the shift executor.
"""

import subprocess
import tempfile
from pathlib import Path

import numpy as np
from xdsl.parser import Parser

from qcomp.backend.c_emitter import emit_c_files
from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.executors.shift import ShiftExecutor
from qcomp.testing import verdict

rng = np.random.default_rng(3)
w = rng.integers(-20, 21, (4, 2, 3, 3)).astype(np.int8)
T = "tensor<1x2x5x5xi8>"
src = f"""
func.func @main(%a: {T}, %b: tensor<1x6xi8>) -> (tensor<1x6xi8>, tensor<1x36xi8>, {T}) {{
  %w = shift.constant {format_dense(dense_from_numpy(w))} : tensor<4x2x3x3xi8>
  %r = shift.requant %b {{node = "r", shift = 1 : i64}} : (tensor<1x6xi8>) -> tensor<1x6xi8>
  %s = shift.add %r, %r {{node = "s", shift = 0 : i64}} : (tensor<1x6xi8>, tensor<1x6xi8>) -> tensor<1x6xi8>
  %c = shift.conv2d %a, %w {{node = "c", shift = array<i64: 6>}} : ({T}, tensor<4x2x3x3xi8>) -> tensor<1x4x3x3xi8>
  %f = shift.reshape %c {{node = "f"}} : (tensor<1x4x3x3xi8>) -> tensor<1x36xi8>
  func.return %s, %f, %a : tensor<1x6xi8>, tensor<1x36xi8>, {T}
}}
"""
m = Parser(make_context(), src).parse_module()
m.verify()
n = 16
a = rng.integers(-128, 128, (n, 2, 5, 5)).astype(np.int8)
b = rng.integers(-128, 128, (n, 6)).astype(np.int8)
refs = [np.asarray(r) for r in ShiftExecutor(m).run([a, b])]
# the (1, 6) input is "stacked" by the executor: (n, 1, 6) results for (1, 6) values
main = r"""
#include <stdio.h>
#include "out.h"
int main(void)
{
    static int8_t a[MODEL_IN0_SIZE], b[MODEL_IN1_SIZE], o0[MODEL_OUT0_SIZE], o1[MODEL_OUT1_SIZE], o2[MODEL_OUT2_SIZE];
    FILE *fi = fopen("in.bin", "rb"), *fo = fopen("out.bin", "wb");
    while (fread(a, 1, sizeof a, fi) == sizeof a && fread(b, 1, sizeof b, fi) == sizeof b) {
        model_forward(a, b, o0, o1, o2);
        fwrite(o0, 1, sizeof o0, fo);
        fwrite(o1, 1, sizeof o1, fo);
        fwrite(o2, 1, sizeof o2, fo);
    }
    fclose(fi);
    fclose(fo);
    return 0;
}
"""
with tempfile.TemporaryDirectory() as d:
    files = emit_c_files(m, Path(d) / "out.c")
    for p, t in files.items():
        p.write_text(t)
    header = (Path(d) / "out.h").read_text()
    print([ln for ln in header.splitlines() if ln.startswith("void model_forward(")][0])
    (Path(d) / "main.c").write_text(main)
    with open(Path(d) / "in.bin", "wb") as f:
        for i in range(n):
            f.write(a[i].tobytes())
            f.write(b[i].tobytes())
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "out.c", "main.c",
                    "-o", "run"], cwd=d, check=True)
    subprocess.run(["./run"], cwd=d, check=True)
    got = np.fromfile(Path(d) / "out.bin", np.int8).reshape(n, -1)
sizes = [6, 36, 50]
off = 0
for k, size in enumerate(sizes):
    ok = np.array_equal(got[:, off : off + size], refs[k].reshape(n, -1))
    print(f"output {k}: {verdict(ok)}")
    off += size
# CHECK: void model_forward(const int8_t *in0, const int8_t *in1, int8_t *out0, int8_t *out1, int8_t *out2);
# CHECK: output 0: ok
# CHECK: output 1: ok
# CHECK: output 2: ok
