# RUN: %python %s | filecheck %s
"""shift.lrn's integer formula (qcomp.numerics.lrn) against an independent per-element loop over
its documented definition, and against the float LRN rounded onto the output grid.

Cases cover even and odd sizes, windows wider than the channel count, bucketed tables (k > 0) and
exact ones (k = 0): the integer form equals the loop bit for bit, and stays within 1 LSB of the
float result where the table is exact (k = 0) and within 2 LSB where it buckets.
"""

import numpy as np

from qcomp.numerics.lrn import lrn, lrn_int, lrn_table
from qcomp.testing import verdict

RNG = np.random.default_rng(5)


def loop(q, size, k, table, s, lo, hi):
    """The docstring of shift.lrn, one element at a time in Python integers."""
    n, c = q.shape[:2]
    out = np.zeros(q.shape, np.int64)
    before = (size - 1) // 2
    after = size - 1 - before
    for idx in np.ndindex(q.shape):
        ci = idx[1]
        total = sum(int(q[(idx[0], i, *idx[2:])]) ** 2 for i in range(max(0, ci - before), min(c - 1, ci + after) + 1))
        m = int(table[min(total >> k, len(table) - 1)])
        acc = int(q[idx]) * m
        v = (acc + (1 << (s - 1))) >> s if s > 0 else acc << -s
        out[idx] = min(max(v, lo), hi)
    return out


for label, (bits, size, alpha, beta, bias, e_in, e_out, ch) in {
    "odd_bucketed": (8, 5, 1e-2, 0.75, 1.0, -5, -6, 7),
    "even_bucketed": (8, 4, 0.2, 0.5, 2.0, -3, -5, 5),
    "wide_window": (8, 9, 0.05, 0.75, 1.0, -4, -4, 3),
    "exact_table": (4, 3, 0.5, 0.75, 1.0, -1, -2, 6),
}.items():
    qmax = 1 << (bits - 1)
    q = RNG.integers(-qmax, qmax, (2, ch, 3, 4))
    table, k, f = lrn_table(size, alpha, beta, bias, e_in, qmax)
    s = f + e_out - e_in
    got = lrn_int(q, size, k, table, s, -128, 127)
    ref = loop(q, size, k, table, s, -128, 127)
    flt = lrn(np.ldexp(q.astype(np.float64), e_in), size, alpha, beta, bias)
    rounded = np.clip(np.floor(np.ldexp(flt, -e_out) + 0.5), -128, 127)
    lsb = int(np.abs(got - rounded).max())
    tol = 1 if k == 0 else 2
    ok = np.array_equal(got, ref) and lsb <= tol and int(table.max()) < (1 << 15)
    print(f"{label} {verdict(ok, label)} k={k} F={f} len={len(table)} max_lsb_vs_float={lsb} (tolerance {tol})")

# CHECK: odd_bucketed ok
# CHECK: even_bucketed ok
# CHECK: wide_window ok
# CHECK: exact_table ok
# CHECK-NOT: FAIL
