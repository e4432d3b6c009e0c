# REQUIRES: cc
# RUN: %python %s | filecheck %s
"""Without -DQC_DUMP the dump costs nothing: the C of the default lowering (dumps under
`#if defined(QC_DUMP)`) compiles to the same assembly as the C lowered with `dump=false`, at
-O2, and holds no stdio outside the guard. With the macro it differs (the dump calls exist).
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from qcomp.backend.c_emitter import emit_c_files
from qcomp.backend.check import shift_module
from qcomp.conversions.shift_to_emitc import lower_shift_to_emitc

repo = Path(__file__).resolve().parents[2]
base = shift_module(str(repo / "models/resnet/resnet.onnx"), "int8_fpga", str(repo / "models/digits/calib.npy"))
with tempfile.TemporaryDirectory() as d:
    asm = {}
    for name, dump, flags in (("dump", True, []), ("plain", False, []), ("dump_on", True, ["-DQC_DUMP"])):
        m = base.clone()
        lower_shift_to_emitc(m, "model", dump=dump)
        (Path(d) / name).mkdir()
        for p, t in emit_c_files(m, Path(d) / name / "out.c", report=False).items():
            p.write_text(t)
        # compiled from inside its folder: the assembly names the source file `out.c` in both
        subprocess.run(["cc", "-std=c99", "-O2", *flags, "-S", "out.c", "-o", "out.s"], cwd=Path(d) / name, check=True)
        asm[name] = (Path(d) / name / "out.s").read_text()
    text = (Path(d) / "dump" / "out.c").read_text()
    outside, depth = [], 0
    for ln in text.splitlines():
        if ln.startswith("#if defined(QC_DUMP)"):
            depth += 1
        elif depth and ln.startswith("#if"):
            depth += 1
        elif depth and ln.startswith("#endif"):
            depth -= 1
        elif not depth:
            outside.append(ln)
    rest = "\n".join(outside)
    same = asm["dump"] == asm["plain"]
    print("without QC_DUMP: assembly", "identical" if same else "DIFFERS")
    print("with QC_DUMP: assembly", "differs" if asm["dump_on"] != asm["plain"] else "IDENTICAL")
    clean = not any(w in rest for w in ("qc_dump", "stdio", "fopen", "getenv"))
    print("outside the guard:", "no dump code" if clean else "DUMP CODE")
    if not (same and clean):
        sys.exit(1)
# CHECK: without QC_DUMP: assembly identical
# CHECK: with QC_DUMP: assembly differs
# CHECK: outside the guard: no dump code
