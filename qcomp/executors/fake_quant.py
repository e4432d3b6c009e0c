"""Power-of-two fake quantization: round a float tensor onto a `!quant.pot` grid.

For a PoT element type with exponent e (per tensor, or one per slice of `axis`):

    q     = clip(floor(x * 2^-e + 0.5), qmin, qmax)     # round half up, saturate
    value = q * 2^e

This is exactly what the integer pipeline computes (an add-half-then-arithmetic-shift),
so the float executor, calibration and the shift executor agree on every tie (a target with
`rounding: half-even` rounds ties to even at every level instead, `round_ties`).
The rounding is exact in float32: scaling by a power of two is exact, and the
half-up step is done as `floor(v) + (v - floor(v) >= 0.5)` (no `v + 0.5`, whose own
rounding would turn 0.49999997 into 1).
"""

from __future__ import annotations

import numpy as np

from qcomp.dialects.quant import PotType
from qcomp.numerics import HALF_UP, exponent_array, round_ties


def pot_exponents(pot: PotType, ndim: int, axis: int | None = None) -> np.ndarray | int:
    """The exponent(s) of `pot`, shaped to broadcast against an `ndim`-D tensor.

    Per tensor: the int exponent. Per axis: an int array with the exponents along
    `axis` (default: the type's axis; pass another one when the tensor carries an extra
    leading sample axis) and size 1 elsewhere.
    """
    if not pot.per_axis:
        return pot.exp
    try:
        return exponent_array(pot.exps, pot.axis.data if axis is None else axis, ndim)
    except ValueError as e:
        raise ValueError(f"{pot}: {e}") from None


def pot_scale(pot: PotType, ndim: int, axis: int | None = None, dtype=np.float32) -> np.ndarray:
    """2^exp for `pot`, as a scalar array (per tensor) or broadcastable along `axis` (per axis)."""
    return np.ldexp(np.ones((), dtype), pot_exponents(pot, ndim, axis)).astype(dtype, copy=False)




def quantize(x: np.ndarray, pot: PotType, axis: int | None = None, rounding: str = HALF_UP) -> np.ndarray:
    """The integers q (as a float array of x's dtype, clipped to [qmin, qmax]) for x on `pot`'s grid,
    ties per `rounding` (the target's rule)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    inv = pot_scale(pot, x.ndim, axis, x.dtype)
    q = round_ties(x / inv, rounding)  # division by a power of two is exact
    return np.clip(q, pot.qmin, pot.qmax, out=q)


def dequantize(q: np.ndarray, pot: PotType, axis: int | None = None, dtype=np.float32) -> np.ndarray:
    """value = q * 2^exp for integer (or integral float) q of a `pot`-typed tensor."""
    q = np.asarray(q)
    return q.astype(dtype) * pot_scale(pot, q.ndim, axis, dtype)


def fake_quant(x: np.ndarray, pot: PotType, axis: int | None = None, rounding: str = HALF_UP) -> np.ndarray:
    """Round float `x` to the grid of `pot`: clip(round(x * 2^-e), qmin, qmax) * 2^e, ties per
    `rounding` (half up by default; the quant executor passes the target's rule).

    Per-axis types use one exponent per slice of `pot.axis` (or of `axis` when given, e.g.
    `pot.axis + 1` for a tensor with an extra leading sample axis). Returns x's float dtype
    (float32 for non-float inputs).
    """
    q = quantize(x, pot, axis, rounding)
    q *= pot_scale(pot, q.ndim, axis, q.dtype)
    return q
