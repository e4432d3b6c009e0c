# RUN: %python %s | filecheck %s
"""The integer mean of avgpool / global_avgpool is exactly rounded, for every possible sum.

Exhaustive: for every window size n in 1..64, plus 49 (7x7), 100, 196 (14x14) and 256, and
the sizes of the committed models (resnet: GAP over 4x4 = 16; gap_reducemean probes: 8x8 =
64), and every sum S of n int8 values (S in [-128n, 127n]), the executor's rounded mean
equals round half up of S / n, computed independently with integer divmod
(q = floor(S / n) + (2 * (S mod n) >= n)) and, on every extreme and every 97th sum, with
`fractions.Fraction`. The same holds with an exponent change (S / (n * 2^s), s in -3..3).
Then the actual ops run on constructed inputs: one sample per possible sum through
`shift.global_avgpool` and a whole-input `shift.avgpool` window, and border windows of
count_include_pad = 0 (counts 4, 6, 9) on random data.
"""

import math
from fractions import Fraction

import numpy as np
from xdsl.parser import Parser

from qcomp.context import make_context
from qcomp.executors.shift import ShiftExecutor, rounded_scaled_div
from qcomp.testing import verdict

SIZES = sorted(set(range(1, 65)) | {49, 100, 196, 256, 16, 64})
SHIFTS = range(-3, 4)


def ref_mean(s: np.ndarray, n: int, shift: int) -> np.ndarray:
    """Round half up of s / (n * 2^shift) by integer divmod (no floats, another formula than the executor's)."""
    num = s << max(-shift, 0)
    den = n << max(shift, 0)
    q, r = np.divmod(num, den)  # floor division and non-negative remainder
    return q + (2 * r >= den)


checked = 0
bad = []
for n in SIZES:
    sums = np.arange(-128 * n, 127 * n + 1, dtype=np.int64)
    for shift in SHIFTS:
        got = rounded_scaled_div(sums, n, shift)
        want = ref_mean(sums, n, shift)
        checked += sums.size
        if not np.array_equal(got, want):
            i = int(np.flatnonzero(got != want)[0])
            bad.append((n, shift, int(sums[i]), int(got[i]), int(want[i])))
    picks = np.unique(np.concatenate([sums[::97], sums[:3], sums[-3:], [0]]))
    for s in picks:
        exact = math.floor(Fraction(int(s), n) + Fraction(1, 2))
        if int(rounded_scaled_div(np.array([s]), n, 0)[0]) != exact:
            bad.append((n, 0, int(s), "fraction", exact))
print(f"exhaustive sizes={len(SIZES)} shifts={len(SHIFTS)} sums={checked} mismatches={len(bad)} {bad[:3]}")
# CHECK: exhaustive sizes=67 shifts=7 sums={{[0-9]+}} mismatches=0 []

# Ties round up, also for negative sums (floor((2S + n) / (2n))): -2.5 -> -2, 2.5 -> 3, -0.5 -> 0.
ties = rounded_scaled_div(np.array([-5, 5, -1, -3, 3]), 2, 0)
print("ties", ties.tolist())
# CHECK: ties [-2, 3, 0, -1, 2]

# --------------------------------------------------------------------------- through the ops

CTX = make_context()


def module(src):
    m = Parser(CTX, src).parse_module()
    m.verify()
    return m


def inputs_with_every_sum(n: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 1, h, w) int8 samples, one per sum S in [-128n, 127n]: floor(S / n) everywhere, +1 on S mod n cells."""
    sums = np.arange(-128 * n, 127 * n + 1, dtype=np.int64)
    base, extra = np.divmod(sums, n)
    cells = np.broadcast_to(base[:, None], (sums.size, n)).copy()
    cells += np.arange(n)[None, :] < extra[:, None]
    x = cells.reshape(sums.size, 1, h, w)
    assert x.min() >= -128 and x.max() <= 127 and np.array_equal(x.reshape(sums.size, -1).sum(1), sums)
    return x.astype(np.int8), sums


for h, w in ((4, 4), (7, 7), (8, 8), (3, 5)):
    n = h * w
    x, sums = inputs_with_every_sum(n, h, w)
    for shift in (0, 1, -2):
        t_in = f"tensor<1x1x{h}x{w}x!quant.pot<i8, -5>>"
        t_out = f"tensor<1x1x1x1x!quant.pot<i8, {-5 + shift}>>"
        m = module(f"""func.func @main(%x: {t_in}) -> ({t_out}, {t_out}) {{
  %g = shift.global_avgpool %x {{node = "gap", shift = {shift} : i64}} : ({t_in}) -> {t_out}
  %a = shift.avgpool %x {{node = "ap", kernel = array<i64: {h}, {w}>, shift = {shift} : i64}} : ({t_in}) -> {t_out}
  func.return %g, %a : {t_out}, {t_out}
}}""")
        g, a = ShiftExecutor(m, chunk_size=4096).run([x])
        want = np.clip(ref_mean(sums, n, shift), -128, 127)
        ok = np.array_equal(g.reshape(-1), want) and np.array_equal(a.reshape(-1), want)
        print(f"ops n={n} shift={shift} samples={sums.size} {verdict(ok)}")
# CHECK: ops n=16 shift=0 samples=4081 ok
# CHECK: ops n=16 shift=1 samples=4081 ok
# CHECK: ops n=16 shift=-2 samples=4081 ok
# CHECK: ops n=49 shift=0 samples=12496 ok
# CHECK: ops n=49 shift=1 samples=12496 ok
# CHECK: ops n=49 shift=-2 samples=12496 ok
# CHECK: ops n=64 shift=0 samples=16321 ok
# CHECK: ops n=64 shift=1 samples=16321 ok
# CHECK: ops n=64 shift=-2 samples=16321 ok
# CHECK: ops n=15 shift=0 samples=3826 ok
# CHECK: ops n=15 shift=1 samples=3826 ok
# CHECK: ops n=15 shift=-2 samples=3826 ok

# Border windows without the padding in the count (count_include_pad = 0): a 3x3 window with
# pads 1 on a 4x4 input covers 4 (corners), 6 (edges) or 9 cells.
rng = np.random.default_rng(3)
x = rng.integers(-128, 128, (2000, 2, 4, 4)).astype(np.int8)
t = "tensor<1x2x4x4x!quant.pot<i8, -5>>"
m = module(f"""func.func @main(%x: {t}) -> {t} {{
  %a = shift.avgpool %x {{node = "ap", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}} : ({t}) -> {t}
  func.return %a : {t}
}}""")
(a,) = ShiftExecutor(m).run([x])
xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (1, 1), (1, 1)))
ones = np.pad(np.ones((4, 4), np.int64), 1)
want = np.zeros_like(a, dtype=np.int64)
counts = set()
for i in range(4):
    for j in range(4):
        s = xp[:, :, i : i + 3, j : j + 3].sum(axis=(2, 3))
        c = int(ones[i : i + 3, j : j + 3].sum())
        counts.add(c)
        want[:, :, i, j] = ref_mean(s, c, 0)
print(f"border counts={sorted(counts)} {verdict(np.array_equal(a, want))}")
# CHECK: border counts=[4, 6, 9] ok
