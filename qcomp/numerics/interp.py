"""An elementwise function of a wide integer (int16) by linear interpolation between table knots.

A table of every input integer (`shift.lut`) is fine for int8 (256 entries) but not for int16
(65536). `shift.interp` keeps 2^(bits - k) + 1 knots instead, one every 2^k input integers:

    u = q - qmin_in,  i = u >> k,  r = u & (2^k - 1)            (0 <= i < 2^(bits - k))
    v = T[i] * 2^k + (T[i + 1] - T[i]) * r                      (exact, int64)
    y = clamp(rshift(v, k + F), qmin_out, qmax_out)             (one rounding, the target's tie rule)

with T[i] = round_half_up(f((qmin_in + i 2^k) 2^e_in) 2^(F - e_out)), int32, F fraction bits below
the output's least significant bit. Both executors and the C compute this same integer formula.

The lowering picks the largest k (fewest knots) whose interpolation stays within a quarter of an
output step of f everywhere on the input range (`MAX_ERROR_LSB`, measured over every input integer),
at most 2^12 + 1 knots; a piecewise-linear function whose kinks fall on knots (hard-swish and
hard-sigmoid at +-3 on a power-of-two grid, leaky-relu at 0) is then interpolated exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qcomp.numerics.integer import HALF_UP, I64, round_half_up, rshift

FRAC_BITS = 16
"""Fraction bits F of the knots below the output step (fewer when a knot would not fit int32)."""
MAX_ERROR_LSB = 0.25
"""The interpolation error the lowering allows, in output steps, before the final rounding."""
MIN_KNOTS_LOG2, MAX_KNOTS_LOG2 = 4, 12
"""Tables of 2^4 + 1 to 2^12 + 1 knots (68 bytes to 16 KB of int32)."""
INT32_MAX = (1 << 31) - 1


def _interpolated(u: np.ndarray, table: np.ndarray, index_shift: int) -> np.ndarray:
    """v = T[i] 2^k + (T[i+1] - T[i]) r for u = i 2^k + r (int64, exact)."""
    t = np.asarray(table, I64)
    t0 = t[u >> index_shift]
    return t0 * (1 << index_shift) + (t[(u >> index_shift) + 1] - t0) * (u & ((1 << index_shift) - 1))


def interp_int(q: np.ndarray, table: np.ndarray, qmin_in: int, index_shift: int, shift: int,
               lo: int, hi: int, rounding: str = HALF_UP) -> np.ndarray:
    """y = clamp(rshift(T[i] 2^k + (T[i+1] - T[i]) r, shift), lo, hi) with u = q - qmin_in = i 2^k + r
    (int64; the module docstring's formula)."""
    v = _interpolated(np.asarray(q, I64) - qmin_in, table, index_shift)
    return np.clip(rshift(v, shift, rounding), lo, hi)


def knots(fn: Callable[[np.ndarray], np.ndarray], qmin_in: int, bits_in: int, e_in: int, e_out: int,
          index_shift: int) -> tuple[np.ndarray, int]:
    """(T, F): the 2^(bits_in - k) + 1 knots of `fn` as int32-sized int64 integers with F fraction
    bits (F <= FRAC_BITS, as many as int32 allows); ValueError when not even F = 0 fits."""
    xs = qmin_in + (np.arange((1 << (bits_in - index_shift)) + 1, dtype=I64) << index_shift)
    y = np.asarray(fn(np.ldexp(xs.astype(np.float64), e_in)), np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError("the function is not finite on the input range")
    top = float(np.max(np.abs(y))) * 2.0**-e_out
    frac = FRAC_BITS
    while frac >= 0 and top * 2.0**frac >= INT32_MAX:
        frac -= 1
    if frac < 0:
        raise ValueError(f"the function reaches {top:.3g} output steps, beyond an int32 table")
    return round_half_up(np.ldexp(y, frac - e_out)).astype(I64), frac


def interp_table(fn: Callable[[np.ndarray], np.ndarray], qmin_in: int, qmax_in: int, e_in: int,
                 qmin_out: int, qmax_out: int, e_out: int) -> tuple[np.ndarray, int, int]:
    """(T, k, shift = k + F) for `shift.interp` of `fn` from the input grid [qmin_in, qmax_in] * 2^e_in
    to the output grid [qmin_out, qmax_out] * 2^e_out: the fewest knots within MAX_ERROR_LSB."""
    bits = int(qmax_in - qmin_in + 1).bit_length() - 1
    qs = np.arange(qmin_in, qmax_in + 1, dtype=I64)
    exact = np.clip(np.asarray(fn(np.ldexp(qs.astype(np.float64), e_in)), np.float64) * 2.0**-e_out,
                    qmin_out, qmax_out)
    best = None
    for k in range(max(bits - MIN_KNOTS_LOG2, 0), max(bits - MAX_KNOTS_LOG2, 0) - 1, -1):
        table, frac = knots(fn, qmin_in, bits, e_in, e_out, k)
        best = (table, k, k + frac)
        approx = np.ldexp(_interpolated(qs - qmin_in, table, k).astype(np.float64), -(k + frac))
        if np.max(np.abs(np.clip(approx, qmin_out, qmax_out) - exact)) <= MAX_ERROR_LSB:
            break
    assert best is not None
    return best
