"""`same_function.py BEFORE.mlir AFTER.mlir SAMPLES.npy`: whether two float quant modules compute
the same function on the samples (a rewrite that must be exact up to float rounding).

Prints `max |after - before| / max |before| = R: ok` when R <= 1e-5 for every output, else the
same line with FAIL (and exits 1).
"""

import sys

import numpy as np

from qcomp.context import make_context
from qcomp.executors.quant import run_module
from xdsl.parser import Parser

ctx = make_context()
mods = [Parser(ctx, open(p).read(), p).parse_module() for p in sys.argv[1:3]]
x = np.load(sys.argv[3]).astype(np.float32)
ok = True
for before, after in zip(*(run_module(m, [x]) for m in mods)):
    r = float(np.max(np.abs(after - before)) / max(float(np.max(np.abs(before))), 1e-30))
    good = r <= 1e-5
    ok &= good
    print(f"max |after - before| / max |before| = {r:.1e}: {'ok' if good else 'FAIL'}")
sys.exit(0 if ok else 1)
