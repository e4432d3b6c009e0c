# RUN: %python %s | filecheck %s
"""fake_quant: round half up (ties toward +inf), saturation, per-axis exponents, dtypes."""

import numpy as np
from xdsl.dialects.builtin import IntegerType, Signedness, i8

from qcomp.dialects.quant import PotType
from qcomp.executors.fake_quant import dequantize, fake_quant, quantize
from qcomp.numerics import round_half_up
from qcomp.testing import verdict

u8 = IntegerType(8, Signedness.UNSIGNED)
i4 = IntegerType(4)


def show(label, got, want):
    got = np.asarray(got)
    ok = np.array_equal(got, np.asarray(want, got.dtype))
    print(f"{label}: {verdict(ok)} {got.tolist()}")


# Ties go up, for negatives too: -0.5 -> 0, -1.5 -> -1, 2.5 -> 3 (np.rint would give 2).
ties = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.float32)
show("ties", fake_quant(ties, PotType(i8, 0)), [-2, -1, 0, 1, 2, 3])
# The largest float32 below 0.5 must round down (v + 0.5 in float32 would give 1.0).
below = np.nextafter(np.float32(0.5), np.float32(0))
show("below_half", round_half_up(np.array([below, -below, 0.5 + 2**-24], np.float32)), [0, 0, 1])
# Exponent -2: grid 0.25, ties at odd multiples of 0.125.
show("exp_-2", fake_quant(np.array([0.125, 0.374, 0.375, -0.125, -0.126], np.float32), PotType(i8, -2)),
     [0.25, 0.25, 0.5, 0.0, -0.25])
# Positive exponent: grid 4.
show("exp_2", fake_quant(np.array([1.9, 2.0, 5.9, -6.0], np.float32), PotType(i8, 2)), [0, 4, 4, -4])
# Saturation: int8 [-128, 127], int4 [-8, 7], uint8 [0, 255].
show("sat_i8", fake_quant(np.array([100.0, -100.0, 7.96, -8.0], np.float32), PotType(i8, -4)),
     [127 / 16, -8.0, 7.9375, -8.0])
show("sat_i4", quantize(np.array([3.0, -3.0, 1.74, -2.1], np.float32), PotType(i4, -2)), [7, -8, 7, -8])
show("sat_u8", quantize(np.array([-1.0, 0.3, 300.0], np.float32), PotType(u8, 0)), [0, 0, 255])
# Per axis: axis 1 of a (2, 3) tensor, exponents [-1, 0, 1] -> grids 0.5, 1, 2.
pa = PotType(i8, [-1, 0, 1], axis=1)
xa = np.array([[0.3, 0.3, 0.3], [1.25, 1.5, 3.0]], np.float32)
show("per_axis", fake_quant(xa, pa), [[0.5, 0.0, 0.0], [1.5, 2.0, 4.0]])
# The same tensor with a leading sample axis: pass axis + 1.
show("per_axis_batched", fake_quant(xa[None], pa, axis=2)[0], [[0.5, 0.0, 0.0], [1.5, 2.0, 4.0]])
# Per axis 0 with saturation per slice.
p0 = PotType(i4, [-3, 2], axis=0)
show("per_axis0_sat", fake_quant(np.array([[1.0, -1.1], [40.0, -40.0]], np.float32), p0),
     [[0.875, -1.0], [28.0, -32.0]])
# dequantize(q) = q * 2^e; dtypes: float32 stays float32, float64 stays float64, ints -> float32.
show("dequantize", dequantize(np.array([[3, -4, 127]], np.int8), PotType(i8, [-2, 0, -7], axis=1)),
     [[0.75, -4.0, 127 / 128]])
print("dtypes:", fake_quant(xa, pa).dtype, fake_quant(xa.astype(np.float64), pa).dtype,
      fake_quant(np.array([1, 2]), PotType(i8, 0)).dtype)
# The input is not modified.
before = xa.copy()
fake_quant(xa, pa)
print("input intact:", np.array_equal(before, xa))
# CHECK: ties: ok [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
# CHECK-NEXT: below_half: ok
# CHECK-NEXT: exp_-2: ok
# CHECK-NEXT: exp_2: ok
# CHECK-NEXT: sat_i8: ok
# CHECK-NEXT: sat_i4: ok
# CHECK-NEXT: sat_u8: ok
# CHECK-NEXT: per_axis: ok
# CHECK-NEXT: per_axis_batched: ok
# CHECK-NEXT: per_axis0_sat: ok
# CHECK-NEXT: dequantize: ok
# CHECK-NEXT: dtypes: float32 float64 float32
# CHECK-NEXT: input intact: True
