# RUN: %python %s | filecheck %s
"""shift.interp's integer formula (qcomp.numerics.interp) against an independent per-element loop
over its documented definition, and against the exactly rounded function over every int16 input.

The loop uses Python integers and writes both tie rules itself. Over all 65536 inputs, the
interpolated result stays within 1 LSB of round(f(x) / 2^e_out) for sigmoid, tanh, hard-swish,
hard-sigmoid, elu, mish and softplus, into int8 and into int16, and most values are equal. A
negative control interpolates sigmoid with 3 knots only: the same check then fails.
"""

import numpy as np

from qcomp.numerics import elu, hard_sigmoid, hard_swish, lut_table, mish, sigmoid, softplus
from qcomp.numerics.interp import interp_int, interp_table, knots
from qcomp.testing import verdict

RNG = np.random.default_rng(11)
QMIN, QMAX = -32768, 32767


def loop(q, table, k, s, lo, hi, even):
    """The docstring of shift.interp, one element at a time in Python integers."""
    out = []
    for x in q.tolist():
        u = x - QMIN
        i, r = u >> k, u & ((1 << k) - 1)
        v = int(table[i]) * (1 << k) + (int(table[i + 1]) - int(table[i])) * r
        y, rem = v >> s, v & ((1 << s) - 1)  # floor and remainder
        half = 1 << (s - 1)
        if rem > half or (rem == half and (not even or y & 1)):
            y += 1
        out.append(min(max(y, lo), hi))
    return np.array(out)


FUNCTIONS = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "hard_swish": hard_swish,
    "hard_sigmoid": lambda x: hard_sigmoid(x, 1 / 6, 0.5),
    "elu": lambda x: elu(x, 1.0),
    "mish": mish,
    "softplus": softplus,
}
GRIDS = {"i16:-11->i8:-7": (-11, (-128, 127), -7), "i16:-12->i16:-15": (-12, (QMIN, QMAX), -15),
         "i16:-10->i8:-3": (-10, (-128, 127), -3)}

every = np.arange(QMIN, QMAX + 1)
sample = RNG.integers(QMIN, QMAX + 1, 3000)
for name, fn in FUNCTIONS.items():
    for grid, (e_in, (lo, hi), e_out) in GRIDS.items():
        table, k, s = interp_table(fn, QMIN, QMAX, e_in, lo, hi, e_out)
        formula = all(np.array_equal(interp_int(sample, table, QMIN, k, s, lo, hi, rnd),
                                     loop(sample, table, k, s, lo, hi, rnd == "half-even"))
                      for rnd in ("half-up", "half-even"))
        got = interp_int(every, table, QMIN, k, s, lo, hi, "half-even")
        exact = lut_table(fn, QMIN, QMAX, e_in, lo, hi, e_out, "half-even")
        lsb = int(np.abs(got - exact).max())
        equal = float(np.mean(got == exact))
        ok = formula and lsb <= 1 and equal >= 0.97 and len(table) <= 4097 and int(np.abs(table).max()) < 1 << 31
        print(f"{name} {grid} {verdict(ok, f'{name} {grid}')} knots={len(table)} max_lsb={lsb} "
              f"equal={100 * equal:.2f}%")

# CHECK: sigmoid i16:-11->i8:-7 ok knots=129
# CHECK: hard_swish i16:-10->i8:-3 ok knots=129
# CHECK: hard_sigmoid i16:-12->i16:-15 ok knots=17 max_lsb=0 equal=100.00%
# CHECK: softplus i16:-10->i8:-3 ok

# Negative control: sigmoid from 3 knots (-16, 0, 16) is a ramp, far from the function.
e_in, (lo, hi), e_out = GRIDS["i16:-11->i8:-7"]
table, frac = knots(sigmoid, QMIN, 16, e_in, e_out, 15)
coarse = interp_int(every, table, QMIN, 15, 15 + frac, lo, hi, "half-even")
lsb = int(np.abs(coarse - lut_table(sigmoid, QMIN, QMAX, e_in, lo, hi, e_out, "half-even")).max())
print(f"control: 3 knots max_lsb={lsb} {verdict(lsb > 1, 'control')}")
# CHECK: control: 3 knots max_lsb={{[0-9]+}} ok
# CHECK-NOT: FAIL
