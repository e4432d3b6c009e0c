"""Local response normalisation (ONNX LRN) in float, and its integer form.

Float (ONNX): with the channel window [c - floor((size-1)/2), c + ceil((size-1)/2)] cut to
[0, C-1] and S_c the sum of x^2 over it,

    y_c = x_c / (bias + alpha / size * S_c) ^ beta

Integer (shift.lrn): the input is q * 2^e_in, so S_c = Q_c * 2^(2 e_in) with Q_c the exact
integer sum of q^2 (at most size * 128^2 for int8, an int32). The factor
d(Q) = (bias + alpha / size * Q * 2^(2 e_in))^-beta depends on Q alone; it is tabulated
over the whole range of Q in buckets of 2^k values (k the smallest shift that leaves at
most `max_len` = 1024 entries; k = 0, exact, while size * qmax^2 < 1024), each entry the
factor at the bucket's centre as a fixed-point multiplier m = round(d * 2^F) <= 2^15 - 1 (an
int16 table). Then

    y = clamp(rshift(q * m[min(Q >> k, len - 1)], F + e_out - e_in), qmin, qmax)

q * m < 2^22 fits int32. The only approximation is the bucketing of Q (for k > 0) and the
15-bit multiplier; both executors and the C compute this same integer formula.
"""

from __future__ import annotations

import math

import numpy as np

from qcomp.numerics.integer import HALF_UP, round_half_up, rshift

MAX_TABLE = 1024


def lrn_window(size: int) -> tuple[int, int]:
    """(channels before, channels after) the centre channel in an LRN window of `size`."""
    before = (size - 1) // 2
    return before, size - 1 - before


def _window_sums(sq: np.ndarray, size: int) -> np.ndarray:
    """Sum of `sq` over each channel's LRN window along axis 1 (exact for integers)."""
    before, after = lrn_window(size)
    pad = [(0, 0)] * sq.ndim
    pad[1] = (before + 1, after)
    csum = np.cumsum(np.pad(sq, pad), axis=1)
    c = sq.shape[1]
    hi = np.take(csum, np.arange(c) + before + after + 1, axis=1)
    lo = np.take(csum, np.arange(c), axis=1)
    return hi - lo


def lrn(x: np.ndarray, size: int, alpha: float, beta: float, bias: float) -> np.ndarray:
    """ONNX LRN over axis 1, in x's float dtype."""
    t = x.dtype.type
    s = _window_sums(x * x, size)
    return (x / (t(bias) + t(alpha / size) * s) ** t(beta)).astype(x.dtype, copy=False)


def lrn_table(size: int, alpha: float, beta: float, bias: float, e_in: int, qmax_abs: int,
              max_len: int = MAX_TABLE) -> tuple[np.ndarray, int, int]:
    """(multipliers m, index shift k, fraction bits F) of the integer LRN; ValueError when the
    factor is not finite and positive over the input's range (e.g. bias <= 0)."""
    q_max = size * qmax_abs * qmax_abs
    k = 0
    while (q_max >> k) + 1 > max_len:
        k += 1
    centres = (np.arange((q_max >> k) + 1, dtype=np.float64) * (1 << k)) + ((1 << k) - 1) / 2
    ends = np.array([0.0, float(q_max)])  # the base is monotonic in Q: its ends bound it
    with np.errstate(all="ignore"):
        d, d_ends = ((bias + alpha / size * np.ldexp(v, 2 * e_in)) ** (-beta) for v in (centres, ends))
    if not (np.all(np.isfinite(d)) and np.all(d > 0) and np.all(np.isfinite(d_ends)) and np.all(d_ends > 0)):
        raise ValueError(f"LRN factor (bias + alpha/size * sum x^2)^-beta is not finite and positive "
                         f"(bias {bias}, alpha {alpha}, beta {beta})")
    f = 14 - math.floor(math.log2(float(d.max())))  # d * 2^f < 2^15
    m = np.minimum(round_half_up(np.ldexp(d, f)), (1 << 15) - 1).astype(np.int64)
    return m, k, f


def lrn_int(q: np.ndarray, size: int, index_shift: int, table: np.ndarray, shift: int, lo: int,
            hi: int, rounding: str = HALF_UP) -> np.ndarray:
    """The integer LRN of `q` (storage integers, channels on axis 1) as int64, clamped to [lo, hi]
    (the final shift's ties per `rounding`)."""
    q64 = np.asarray(q, np.int64)
    sums = _window_sums(q64 * q64, size)
    idx = np.minimum(sums >> index_shift, len(table) - 1)
    return np.clip(rshift(q64 * np.asarray(table, np.int64)[idx], shift, rounding), lo, hi)
