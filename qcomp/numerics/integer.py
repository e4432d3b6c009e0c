"""Integer arithmetic of the shift dialect, exactly as the generated C computes it.

`rshift(x, s)` is the rounding shift: x / 2^s rounded to the nearest integer for s > 0,
x << -s for s <= 0 (saturating at +-2^62 instead of wrapping). `rounded_div` is the single
exact rounding of average pooling and softmax. Reals reach the integer grid 2^e by
`grid_integers`. Every rounding takes the target's tie rule (`ROUNDINGS`): "half-up"
(ties toward +inf: one add and one shift in hardware; the rule of a module without a target)
or "half-even" (ties to the even neighbour: int8_fpga's, unbiased, and what onnxruntime's
QuantizeLinear and QLinear ops do, so an exported model matches the shift executor bit for bit). Half up of a float is computed as
floor(v) + (v - floor(v) >= 0.5), which has no rounding error (unlike v + 0.5); half even
is IEEE's own round-to-nearest (`np.rint`), exact too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

I64 = np.int64

HALF_UP = "half-up"
HALF_EVEN = "half-even"
#: the tie rules a target may pick (`TargetSpec.rounding`); the first is the default
ROUNDINGS = (HALF_UP, HALF_EVEN)


def check_rounding(rounding: str) -> str:
    """`rounding` itself, or ValueError when it is not one of `ROUNDINGS`."""
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding '{rounding}' must be one of {', '.join(ROUNDINGS)}")
    return rounding


def int_bounds(bits: int, unsigned: bool = False) -> tuple[int, int]:
    """[qmin, qmax] of a `bits`-wide two's complement (or unsigned) integer."""
    return (0, (1 << bits) - 1) if unsigned else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def round_half_up(v: float | np.ndarray) -> np.ndarray:
    """floor(v + 0.5) without the rounding error of `v + 0.5`; float arrays keep their dtype,
    anything else is computed in float64."""
    v = np.asarray(v)
    if not np.issubdtype(v.dtype, np.floating):
        v = v.astype(np.float64)
    r = np.floor(v)
    r += (v - r) >= 0.5
    return r


def round_ties(v: float | np.ndarray, rounding: str = HALF_UP) -> np.ndarray:
    """v rounded to the nearest integer, ties per `rounding` (see the module docstring); float
    arrays keep their dtype, anything else is computed in float64."""
    if check_rounding(rounding) == HALF_UP:
        return round_half_up(v)
    v = np.asarray(v)
    return np.rint(v if np.issubdtype(v.dtype, np.floating) else v.astype(np.float64))


def exponent_array(exps: int | Sequence[int], axis: int | None, ndim: int) -> np.ndarray:
    """Exponent(s) shaped to broadcast against an `ndim`-D array: a scalar, or one per slice of `axis`."""
    if isinstance(exps, int | np.integer) or axis is None:
        return np.asarray(exps, I64)
    if not 0 <= axis < ndim:
        raise ValueError(f"axis {axis} out of range for a {ndim}-D tensor")
    shape = [1] * ndim
    shape[axis] = len(exps)
    return np.asarray(exps, I64).reshape(shape)


def grid_integers(x: np.ndarray, exps: np.ndarray | int, lo: int, hi: int,
                  rounding: str = HALF_UP) -> np.ndarray:
    """clip(round(x * 2^-e), lo, hi) in x's float dtype (float64 for non-float x), ties per
    `rounding`; exact, since scaling by a power of two is."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    q = round_ties(np.ldexp(x, -np.asarray(exps, I64)).astype(x.dtype, copy=False), rounding)
    return np.clip(q, lo, hi, out=q)


def grid_bound(x: float, e: int, lo: int, hi: int, rounding: str = HALF_UP) -> int:
    """A real clamp bound on the grid 2^e: rounded (ties per `rounding`), saturated to [lo, hi]
    (infinities: lo / hi)."""
    if x == -math.inf:
        return lo
    if x == math.inf:
        return hi
    return int(np.clip(round_ties(math.ldexp(x, -e), rounding), lo, hi))


def saturate(x: np.ndarray, lo: int, hi: int, dtype: np.dtype | type) -> np.ndarray:
    """Clamp integer `x` to [lo, hi] and cast it to the storage dtype."""
    return np.clip(x, lo, hi).astype(dtype)


def rshift(x: np.ndarray, s: int | np.ndarray, rounding: str = HALF_UP) -> np.ndarray:
    """The rounding shift on int64: x / 2^s rounded for s > 0, ties per `rounding` (half up:
    `(x + (1 << (s - 1))) >> s`, arithmetic shift; half even: the floor `x >> s` plus one
    when the remainder is above half, or exactly half with an odd floor), `x << -s` for s <= 0.

    `s` is a scalar or an array broadcasting against x (per channel). Left shifts saturate
    at +-2^62 instead of wrapping, which is exact after any clamp to a narrower range.
    """
    x = np.asarray(x, I64)
    s = np.asarray(s, I64)
    if s.ndim == 0 and int(s) <= 0:
        return _saturating_lshift(x, int(-s)) if int(s) < 0 else x
    pos = np.maximum(s, 0)
    half = np.where(s > 0, np.left_shift(np.int64(1), np.maximum(pos - 1, 0)), 0)
    if check_rounding(rounding) == HALF_UP:
        out = (x + half) >> pos
    else:
        floor = x >> pos
        rem = x & (np.left_shift(np.int64(1), pos) - 1)
        out = floor + ((rem + (floor & 1)) > half) * (s > 0)
    if np.any(s < 0):
        out = _saturating_lshift(out, np.maximum(-s, 0))
    return out


def _saturating_lshift(x: np.ndarray, k: int | np.ndarray) -> np.ndarray:
    """x << k (0 <= k <= 62) saturated to [-2^62, 2^62 - 1]: every |x| >= 2^(62 - k) is out of range."""
    lim = np.left_shift(np.int64(1), 62 - np.asarray(k, I64))
    big = np.int64(1) << np.int64(62)
    inside = np.clip(x, -lim, lim - 1) << k
    return np.where(x >= lim, big - 1, np.where(x < -lim, -big, inside))


def rounded_div(num: np.ndarray, den: np.ndarray | int, rounding: str = HALF_UP) -> np.ndarray:
    """num / den rounded for den > 0, exactly, ties per `rounding`: half up is
    floor((2 * num + den) / (2 * den)); half even adds one to floor(num / den) when twice the
    remainder, plus one for an odd floor, exceeds den."""
    num = np.asarray(num, I64)
    den = np.asarray(den, I64)
    if check_rounding(rounding) == HALF_UP:
        return np.floor_divide(2 * num + den, 2 * den)
    q, r = np.divmod(num, den)
    return q + ((2 * r + (q & 1)) > den)


def rounded_scaled_div(num: np.ndarray, den: np.ndarray | int, s: int, rounding: str = HALF_UP) -> np.ndarray:
    """num / (den * 2^s) rounded, ties per `rounding`: the single rounding of avgpool / softmax."""
    num = np.asarray(num, I64)
    den = np.asarray(den, I64)
    if s >= 0:
        return rounded_div(num, den << s, rounding)
    return rounded_div(num << -s, den, rounding)


def dyadic(x: float) -> tuple[int, int]:
    """(m, k) with x = m * 2^k exactly, m odd (or 0): any finite float has this form."""
    if not math.isfinite(x):
        raise ValueError(f"{x} is not finite")
    num, den = float(x).as_integer_ratio()
    if num == 0:
        return 0, 0
    k = -(den.bit_length() - 1)
    while num % 2 == 0:
        num //= 2
        k += 1
    return num, k
