"""ONNX Resize / Upsample over the H and W axes of NCHW tensors: the index and weight tables, the
float resampling and its integer (fixed-point) form.

Every output index o along an axis reads from a *source coordinate* x(o) on the input axis,
computed in float32 with onnxruntime's arithmetic (`source_coords`; an axis whose scale is
exactly 1 is the identity, as onnxruntime treats it in every mode and the ONNX reference but for
a cropping tf_crop_and_resize roi). `out` is the integer output length, as in the ONNX text and
onnxruntime (the ONNX reference's align_corners uses scale * in, which differs when `scales`
downsample to a fractional length: two conformance cases follow it and fail here):

    half_pixel            x = (o + 0.5) / scale - 0.5
    half_pixel_symmetric  x = offset + (o + 0.5) / scale - 0.5,
                          offset = in / 2 * (1 - out / (scale * in))
    pytorch_half_pixel    x = out > 1 ? (o + 0.5) / scale - 0.5 : 0
    tf_half_pixel_for_nn  x = (o + 0.5) / scale
    align_corners         x = out == 1 ? 0 : o * (in - 1) / (out - 1)
    asymmetric            x = o / scale
    tf_crop_and_resize    x = out > 1 ? r0 (in - 1) + o (r1 - r0) (in - 1) / (out - 1)
                                      : (r0 + r1) / 2 (in - 1)     (roi [r0, r1] of the axis)

`scale` is the float32 scale ONNX uses (the `scales` value, or out / in for `sizes`). With
tf_crop_and_resize an output whose x lies outside [0, in - 1] (on either axis) is
`extrapolation_value`: its index is -1 in the tables below.

**nearest** is a gather: index(o) = clamp(nearest(x(o)), 0, in - 1) with nearest one of
round_prefer_floor (halves down), round_prefer_ceil (halves up), floor, ceil, or `simple`
(Upsample and Resize-10: ceil when downsampling, else floor). A coordinate within 1e-6 of a
half counts as a tie (onnxruntime's rule: 3.4999998, the float32 value of 0.5 / (1/7), rounds
like 3.5). `nearest_indices` is the table; the result holds input values, on the input's grid.

**linear / cubic** are separable filters: output (oy, ox) = sum_i sum_j R[oy, i] C[ox, j]
x[r(oy, i), c(ox, j)], with per-axis taps (`interp_taps`): the n integers t = floor(x) + start
.. floor(x) + start + n - 1 around x, with weights K((t - x) s) for the kernel K (linear: the
triangle max(0, 1 - |d|), support 1; cubic: Keys' kernel with coefficient a, support 2),
s = min(scale, 1) with antialias (else 1), start = floor(-support / s) + 1, n = 2 - 2 start;
with antialias the weights are normalised to sum 1; with exclude_outside the weights of taps
outside [0, in - 1] become 0 and the others are renormalised; finally the taps are clamped to
[0, in - 1] (edge replication). This is the ONNX reference's formula.

**Integer form** (`shift.resize`). The weights become integers W = w * 2^F (`fixed_point_taps`:
each weight rounded half up, the largest of each row absorbing the row's residual so that
every row sums to exactly 2^F, the sum of the real weights). With q the input integers,

    acc[oy, ox] = sum_i sum_j (R_F[oy, i] * C_F[ox, j]) * q[r(oy, i), c(ox, j)]
    out         = clamp(rshift(acc, 2F + e_out - e_in), qmin, qmax)

F is the smallest number of bits at which every weight is exact (scale-2 half_pixel: 1/4, 3/4
at F = 2), capped at the largest F for which the accumulator bound
max_oy sum_i |R_F| * max_ox sum_j |C_F| * max|q| fits int32 (int8 linear: F = 11), so the
int32 accumulator is proven. Error bound: with E the per-axis weight error
sum_i |R_F[oy, i] 2^-F - R[oy, i]| <= (n - 1) 2^-F (n taps; <= 2^-(F+1) per tap for n = 2),
|out - exact| <= 1/2 + (E_r S_c + S_r E_c) max|q| 2^(e_in - e_out) output LSBs (S the per-axis
sums of |weights|; 1 for linear), and exactly the correctly rounded value (error <= 1/2 LSB)
when the weights are exact at F bits. Both executors and the C compute this same formula.
"""

from __future__ import annotations

import math

import numpy as np

from qcomp.numerics.integer import round_half_up, rshift

COORDINATE_MODES = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "tf_half_pixel_for_nn",
                    "align_corners", "asymmetric", "tf_crop_and_resize")
FULL_ROI = (0.0, 1.0)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple")
INTERP_MODES = ("linear", "cubic")
F32 = np.float32
ACC_MAX = (1 << 31) - 1
MAX_FRAC_BITS = 15
TIE_EPS = 1e-6
"""A coordinate within TIE_EPS of a half is a tie of the round_prefer_* modes (onnxruntime's rule)."""


def resized_size(in_size: int, scale: float) -> int:
    """ONNX's output length for a `scales` value: floor(in * scale), in float32 as onnxruntime."""
    return int(np.floor(F32(scale) * F32(in_size)))


def is_identity(in_size: int, out_size: int, scale: float) -> bool:
    """An axis with scale exactly 1 (and as many outputs as inputs) is copied unchanged, in every
    coordinate mode: onnxruntime's rule (so a tf_crop_and_resize roi of such an axis is ignored;
    the ONNX reference would crop it)."""
    return F32(scale) == F32(1.0) and in_size == out_size


def source_coords(ctm: str, in_size: int, out_size: int, scale: float,
                  roi: tuple[float, float] = FULL_ROI) -> np.ndarray:
    """x(o) for o in 0..out-1 (float32 values, onnxruntime's arithmetic; see the module docstring)."""
    o = np.arange(out_size, dtype=F32)
    s, lo, lr = F32(scale), F32(in_size), F32(out_size)
    half = F32(0.5)
    if ctm == "half_pixel":
        x = (o + half) / s - half
    elif ctm == "pytorch_half_pixel":
        x = (o + half) / s - half if out_size > 1 else np.zeros(out_size, F32)
    elif ctm == "tf_half_pixel_for_nn":
        x = (o + half) / s
    elif ctm == "align_corners":
        x = o * (lo - F32(1)) / (lr - F32(1)) if out_size > 1 else np.zeros(out_size, F32)
    elif ctm == "asymmetric":
        x = o / s
    elif ctm == "half_pixel_symmetric":
        width = s * lo
        offset = (lo / F32(2)) * (F32(1) - lr / width)
        x = (np.float64(offset) + (o.astype(np.float64) + 0.5) / np.float64(s) - 0.5).astype(F32)
    elif ctm == "tf_crop_and_resize":
        r0, r1 = F32(roi[0]), F32(roi[1])
        if out_size > 1:
            x = r0 * (lo - F32(1)) + (o * (r1 - r0) * (lo - F32(1))) / (lr - F32(1))
        else:
            x = np.full(out_size, 0.5 * (float(r0) + float(r1)) * (float(lo) - 1), F32)
    else:
        raise ValueError(f"coordinate_transformation_mode '{ctm}' is not supported (supported: "
                         f"{', '.join(COORDINATE_MODES)})")
    return np.asarray(x, F32)


def _nearest(x: np.ndarray, mode: str, downsample: bool) -> np.ndarray:
    v = x.astype(np.float64)  # exact: the float32 values
    if mode in ("round_prefer_floor", "round_prefer_ceil"):
        low = np.floor(v)
        tie = np.abs((v - low) - 0.5) <= TIE_EPS
        nearest = np.where(v - low > 0.5, low + 1, low)
        return np.where(tie, low + (mode == "round_prefer_ceil"), nearest)
    if mode == "floor":
        return np.floor(v)
    if mode == "ceil":
        return np.ceil(v)
    if mode == "simple":
        return np.ceil(v) if downsample else np.trunc(v)
    raise ValueError(f"nearest_mode '{mode}' is not supported (supported: {', '.join(NEAREST_MODES[:4])})")


def extrapolated(x: np.ndarray, ctm: str, in_size: int) -> np.ndarray:
    """The outputs whose source coordinate lies outside [0, in - 1]: tf_crop_and_resize gives them
    `extrapolation_value` (no output is extrapolated in the other modes)."""
    if ctm != "tf_crop_and_resize":
        return np.zeros(x.shape, bool)
    return (x < 0) | (x > F32(in_size - 1))


def nearest_indices(in_size: int, out_size: int, scale: float, ctm: str, nearest_mode: str,
                    roi: tuple[float, float] = FULL_ROI) -> np.ndarray:
    """The gather table of nearest mode along one axis: index(o) in [0, in - 1], int64; -1 marks
    an extrapolated output (tf_crop_and_resize)."""
    if is_identity(in_size, out_size, scale):
        return np.arange(out_size, dtype=np.int64)
    x = source_coords(ctm, in_size, out_size, scale, roi)
    idx = np.clip(_nearest(x, nearest_mode, bool(F32(scale) < F32(1))), 0, in_size - 1).astype(np.int64)
    return np.where(extrapolated(x, ctm, in_size), -1, idx)


def _kernel(mode: str, d: np.ndarray, a: float) -> np.ndarray:
    d = np.abs(d)
    if mode == "linear":
        return np.clip(1.0 - d, 0.0, 1.0)
    d2, d3 = d * d, d * d * d
    near = (a + 2) * d3 - (a + 3) * d2 + 1
    far = a * d3 - 5 * a * d2 + 8 * a * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def interp_taps(mode: str, in_size: int, out_size: int, scale: float, ctm: str, *, cubic_a: float = -0.75,
                exclude_outside: bool = False, antialias: bool = False,
                roi: tuple[float, float] = FULL_ROI) -> tuple[np.ndarray, np.ndarray]:
    """(indices [out, n] int64, weights [out, n] float64) of linear or cubic resampling along one axis;
    an extrapolated output (tf_crop_and_resize) has every index -1 and weights 1, 0, ..."""
    if mode not in INTERP_MODES:
        raise ValueError(f"mode '{mode}' is not an interpolation mode ({', '.join(INTERP_MODES)})")
    if is_identity(in_size, out_size, scale):
        return np.arange(out_size, dtype=np.int64)[:, None], np.ones((out_size, 1))
    x32 = source_coords(ctm, in_size, out_size, scale, roi)
    x = x32.astype(np.float64)
    support = 1.0 if mode == "linear" else 2.0
    s = min(float(F32(scale)), 1.0) if antialias else 1.0
    start = math.floor(-support / s) + 1
    n = 2 - 2 * start
    base = np.floor(x).astype(np.int64)
    taps = base[:, None] + start + np.arange(n, dtype=np.int64)[None, :]
    w = _kernel(mode, (taps - x[:, None]) * s, cubic_a)
    if antialias:
        w = w / w.sum(axis=1, keepdims=True)
    if exclude_outside:
        w = np.where((taps < 0) | (taps >= in_size), 0.0, w)
        total = w.sum(axis=1, keepdims=True)
        w = w / np.where(total == 0, 1.0, total)
    taps = np.clip(taps, 0, in_size - 1)
    out = extrapolated(x32, ctm, in_size)
    taps[out] = -1
    w[out] = 0.0
    w[out, 0] = 1.0
    return taps, w


# --------------------------------------------------------------------------- float semantics


def _fill_mask(rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """[OH, OW]: the extrapolated outputs (a row or a column index is -1), None when there is none."""
    r = np.asarray(rows).reshape(len(rows), -1)[:, 0] < 0
    c = np.asarray(cols).reshape(len(cols), -1)[:, 0] < 0
    return (r[:, None] | c[None, :]) if r.any() or c.any() else None


def gather_hw(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float | int = 0) -> np.ndarray:
    """Nearest resize of NCHW `x`: out[n, c, oy, ox] = x[n, c, rows[oy], cols[ox]], `fill` where a
    row or column index is -1."""
    y = np.ascontiguousarray(x[:, :, np.maximum(rows, 0)][:, :, :, np.maximum(cols, 0)])
    mask = _fill_mask(rows, cols)
    if mask is not None:
        y[:, :, mask] = fill
    return y


def resample_hw(x: np.ndarray, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray],
                fill: float = 0.0) -> np.ndarray:
    """Separable resampling of NCHW `x` with (indices, weights) per axis, computed in float64 and
    returned in x's float dtype; `fill` where a row or column index is -1."""
    ri, rw = rows
    ci, cw = cols
    v = np.asarray(x, np.float64)
    t = np.einsum("ncytw,yt->ncyw", v[:, :, np.maximum(ri, 0), :], rw)
    y = np.einsum("ncyxt,xt->ncyx", t[:, :, :, np.maximum(ci, 0)], cw)
    mask = _fill_mask(ri, ci)
    if mask is not None:
        y[:, :, mask] = fill
    return y.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


# --------------------------------------------------------------------------- integer form


def quantize_rows(w: np.ndarray, f: int) -> np.ndarray:
    """Weights * 2^f as integers, rounded half up, each row's largest weight absorbing the residual so
    that the row sums to round(sum(row) * 2^f) (2^f for the normalised filters of Resize)."""
    wq = round_half_up(np.ldexp(w, f)).astype(np.int64)
    want = round_half_up(np.ldexp(w.sum(axis=1), f)).astype(np.int64)
    big = np.argmax(np.abs(w), axis=1)
    rows = np.arange(w.shape[0])
    wq[rows, big] += want - wq.sum(axis=1)
    return wq


def acc_bound(row_w: np.ndarray, col_w: np.ndarray, qmax_abs: int) -> int:
    """max |acc| of the integer resize: max row sum |R| * max row sum |C| * max |q|."""
    r = int(np.abs(np.asarray(row_w, np.int64)).sum(axis=1).max(initial=0))
    c = int(np.abs(np.asarray(col_w, np.int64)).sum(axis=1).max(initial=0))
    return r * c * qmax_abs


def fixed_point_taps(row_w: np.ndarray, col_w: np.ndarray, qmax_abs: int,
                     acc_max: int = ACC_MAX) -> tuple[int, np.ndarray, np.ndarray]:
    """(F, R_F, C_F): the fixed-point weights of the integer resize (see the module docstring);
    ValueError when even F = 0 overflows the accumulator."""
    best: tuple[int, np.ndarray, np.ndarray] | None = None
    for f in range(MAX_FRAC_BITS + 1):
        rq, cq = quantize_rows(row_w, f), quantize_rows(col_w, f)
        if acc_bound(rq, cq, qmax_abs) > acc_max:
            break
        best = (f, rq, cq)
        if np.array_equal(np.ldexp(rq.astype(np.float64), -f), row_w) and \
                np.array_equal(np.ldexp(cq.astype(np.float64), -f), col_w):
            break  # exact at f bits: more bits change nothing
    if best is None:
        raise ValueError(f"the resize accumulator overflows {acc_max.bit_length() + 1} bits even with "
                         f"integer weights (inputs up to {qmax_abs})")
    return best


def resize_acc(q: np.ndarray, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray]
               ) -> np.ndarray:
    """The exact accumulator of the integer resize of NCHW integers `q` (int64): the separable sums
    equal the sum of (R * C) * q in any order (extrapolated outputs: 0, replaced by `fill_outputs`)."""
    ri, rw = (np.asarray(a, np.int64) for a in rows)
    ci, cw = (np.asarray(a, np.int64) for a in cols)
    v = np.asarray(q, np.int64)
    t = np.einsum("ncytw,yt->ncyw", v[:, :, np.maximum(ri, 0), :], rw)
    acc = np.einsum("ncyxt,xt->ncyx", t[:, :, :, np.maximum(ci, 0)], cw)
    mask = _fill_mask(ri, ci)
    if mask is not None:
        acc[:, :, mask] = 0
    return acc


def fill_outputs(y: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: int) -> np.ndarray:
    """`y` [N, C, OH, OW] with `fill` at the extrapolated outputs (a row or column index -1)."""
    mask = _fill_mask(rows, cols)
    if mask is not None:
        y[:, :, mask] = fill
    return y


def resize_int(q: np.ndarray, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray],
               shift: int, lo: int, hi: int, fill: int = 0) -> np.ndarray:
    """The integer resize of NCHW storage integers `q` as int64 (exact sums, then one rounding shift
    and the clamp; `fill` at extrapolated outputs): see `shift.resize`."""
    return fill_outputs(np.clip(rshift(resize_acc(q, rows, cols), shift), lo, hi), rows[0], cols[0], fill)
