"""numpy kernels for NCHW convolution and pooling with exact ONNX semantics.

All kernels take a batch (N, C, H, W) and work on it as a whole, in float32, or in float64
when given float64 data (the fake-quant executor's exact mode: sums of products of dyadic
values are then exact). Convolution is im2col
(one strided copy per kernel tap into a reused contiguous buffer) followed by BLAS
matmuls: one per sample when the output plane is large, else one for the whole batch;
depthwise convolution is a sum of per-tap scaled slices; pooling is separable (a pass
over the window rows, then one over the columns) on a padded input. `pads` is always
[top, left, bottom, right]; strides and dilations are [h, w].

The im2col buffer is a per-thread scratch array that grows to the largest need (at most
about IM2COL_BYTES) and is kept for the next call; kernels never return it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from qcomp.numerics.windows import pad_hw as _pad
from qcomp.numerics.windows import trim_to_windows as _trim
from qcomp.numerics.windows import window_counts as _counts
from qcomp.numerics.windows import window_geometry as _geometry
from qcomp.numerics.windows import window_taps as _taps

# im2col buffers above this size are built and multiplied a few samples at a time.
IM2COL_BYTES = 64 << 20
# Output planes with at least this many pixels get one GEMM per sample (wide enough for
# BLAS); smaller planes (deep layers) are multiplied for the whole batch at once.
WIDE_PLANE = 1024

_scratch = threading.local()


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float64 if any operand is float64, else float32."""
    return np.dtype(np.float64) if any(np.asarray(a).dtype == np.float64 for a in arrays) else np.dtype(np.float32)


def _buffer(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A scratch array of `shape`, reused across calls (one per thread and dtype; never returned)."""
    size = int(np.prod(shape))
    key = f"buf_{np.dtype(dtype).name}"
    buf = getattr(_scratch, key, None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype)
        setattr(_scratch, key, buf)
    return buf[:size].reshape(shape)










# --------------------------------------------------------------------------- convolution


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, strides: Sequence[int] = (1, 1),
           pads: Sequence[int] = (0, 0, 0, 0), dilations: Sequence[int] = (1, 1), group: int = 1) -> np.ndarray:
    """ONNX Conv on NCHW `x` with OIHW `w` (I = C / group) and optional bias (O,); float32 result
    (float64 when an operand is float64)."""
    dt = _float_dtype(x, w)
    x = np.asarray(x, dt)
    w = np.asarray(w, dt)
    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    k, s, d = (kh, kw), tuple(strides), tuple(dilations)
    oh, ow, extra_h, extra_w = _geometry(x.shape, k, s, pads, d)
    if oh <= 0 or ow <= 0 or n == 0:
        return np.zeros((n, o, max(oh, 0), max(ow, 0)), dt)
    # Pad only as far as some window reaches (bottom/right pads beyond that are dead).
    xp = _pad(x, pads[0], pads[1], min(pads[2], extra_h), min(pads[3], extra_w), 0.0)
    xp = _trim(xp, oh, ow, k, s, d)
    if group > 1 and cg == 1:
        y = _depthwise(xp, w, k, s, d, oh, ow, group)
    elif kh == kw == 1 and s == (1, 1):
        y = _pointwise(xp, w, group)
    else:
        y = _im2col_conv(xp, w, k, s, d, oh, ow, group)
    if b is not None:
        y += np.asarray(b, dt).reshape(1, o, 1, 1)
    return y


def _pointwise(xp: np.ndarray, w: np.ndarray, group: int) -> np.ndarray:
    """1x1 stride-1 convolution: a (grouped) matmul on the channel axis, no copy of x."""
    n, c, h, wd = xp.shape
    o = w.shape[0]
    x4 = np.ascontiguousarray(xp).reshape(n, group, c // group, h * wd)
    y = np.empty((n, o, h, wd), xp.dtype)
    np.matmul(w.reshape(group, o // group, c // group), x4, out=y.reshape(n, group, o // group, h * wd))
    return y


def _im2col_conv(xp: np.ndarray, w: np.ndarray, k, s, d, oh: int, ow: int, group: int) -> np.ndarray:
    """General grouped convolution: im2col, then GEMMs of (O/G, Cg*KH*KW) weights.

    Wide planes: columns (n, G, Cg*KH*KW, OH*OW), one GEMM per sample and group. Small planes:
    columns (G, Cg*KH*KW, n*OH*OW), one GEMM per group for the whole batch, then a transpose.
    """
    n, c = xp.shape[:2]
    o, cg = w.shape[:2]
    og, kk, plane = o // group, k[0] * k[1], oh * ow
    wm = w.reshape(group, og, cg * kk)
    y = np.empty((n, o, oh, ow), xp.dtype)
    step = max(1, IM2COL_BYTES // max(c * kk * plane * xp.dtype.itemsize, 1))
    for n0 in range(0, n, step):
        m = min(step, n - n0)
        part = xp[n0 : n0 + m]
        if plane >= WIDE_PLANE:
            cols = _buffer((m, c, k[0], k[1], oh, ow), xp.dtype)
            for ky, kx, view in _taps(part, k, s, d, oh, ow):
                cols[:, :, ky, kx] = view
            np.matmul(wm, cols.reshape(m, group, cg * kk, plane),
                      out=y[n0 : n0 + m].reshape(m, group, og, plane))
        else:
            cols = _buffer((c, k[0], k[1], m, oh, ow), xp.dtype)
            for ky, kx, view in _taps(part.transpose(1, 0, 2, 3), k, s, d, oh, ow):
                cols[:, ky, kx] = view
            res = np.matmul(wm, cols.reshape(group, cg * kk, m * plane))
            y[n0 : n0 + m] = res.reshape(o, m, oh, ow).transpose(1, 0, 2, 3)
    return y


def _depthwise(xp: np.ndarray, w: np.ndarray, k, s, d, oh: int, ow: int, group: int) -> np.ndarray:
    """Depthwise (one input channel per group, `m` outputs per group): sum of scaled tap slices."""
    n = xp.shape[0]
    o = w.shape[0]
    m = o // group
    wt = w.reshape(group, m, k[0], k[1])
    y = np.zeros((n, group, m, oh, ow), xp.dtype)
    tmp = np.empty_like(y)
    for ky, kx, view in _taps(xp, k, s, d, oh, ow):
        np.multiply(view[:, :, None], wt[None, :, :, ky, kx, None, None], out=tmp)
        y += tmp
    return y.reshape(n, o, oh, ow)


# --------------------------------------------------------------------------- pooling


def _separable(xp: np.ndarray, k, s, d, oh: int, ow: int, reduce) -> np.ndarray:
    """Reduce every window with the binary ufunc `reduce`: first over window rows, then columns."""
    rows: np.ndarray | None = None
    for ky in range(k[0]):
        y0 = ky * d[0]
        v = xp[:, :, y0 : y0 + (oh - 1) * s[0] + 1 : s[0]]
        rows = v.copy() if rows is None else reduce(rows, v, out=rows)
    assert rows is not None and k[1] > 0, "a pooling window has at least one tap"
    out: np.ndarray | None = None
    for kx in range(k[1]):
        x0 = kx * d[1]
        v = rows[..., x0 : x0 + (ow - 1) * s[1] + 1 : s[1]]
        out = v.copy() if out is None else reduce(out, v, out=out)
    assert out is not None
    return out


def maxpool2d(x: np.ndarray, kernel: Sequence[int], strides: Sequence[int] = (1, 1),
              pads: Sequence[int] = (0, 0, 0, 0), dilations: Sequence[int] = (1, 1),
              ceil_mode: bool = False) -> np.ndarray:
    """ONNX MaxPool (values only): padding and ceil-mode overhang never win."""
    k, s, d = tuple(kernel), tuple(strides), tuple(dilations)
    oh, ow, extra_h, extra_w = _geometry(x.shape, k, s, pads, d, ceil_mode)
    n, c = x.shape[:2]
    if oh <= 0 or ow <= 0:
        return np.zeros((n, c, max(oh, 0), max(ow, 0)), x.dtype)
    fill = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
    xp = _trim(_pad(x, pads[0], pads[1], extra_h, extra_w, fill), oh, ow, k, s, d)
    return _separable(xp, k, s, d, oh, ow, np.maximum)


def avgpool2d(x: np.ndarray, kernel: Sequence[int], strides: Sequence[int] = (1, 1),
              pads: Sequence[int] = (0, 0, 0, 0), ceil_mode: bool = False,
              count_include_pad: bool = False, dilations: Sequence[int] = (1, 1)) -> np.ndarray:
    """ONNX AveragePool. The divisor counts the window's taps on input elements, plus (with
    count_include_pad) those on its explicit padding; ceil-mode overhang never counts."""
    k, s, d = tuple(kernel), tuple(strides), tuple(dilations)
    oh, ow, extra_h, extra_w = _geometry(x.shape, k, s, pads, d, ceil_mode)
    n, c, h, w = x.shape
    dt = _float_dtype(x)
    if oh <= 0 or ow <= 0:
        return np.zeros((n, c, max(oh, 0), max(ow, 0)), dt)
    xp = _trim(_pad(np.asarray(x, dt), pads[0], pads[1], extra_h, extra_w, 0.0), oh, ow, k, s, d)
    acc = _separable(xp, k, s, d, oh, ow, np.add)
    if count_include_pad:
        rows = _counts(oh, k[0], s[0], d[0], 0, h + pads[0] + pads[2])
        cols = _counts(ow, k[1], s[1], d[1], 0, w + pads[1] + pads[3])
    else:
        rows = _counts(oh, k[0], s[0], d[0], pads[0], pads[0] + h)
        cols = _counts(ow, k[1], s[1], d[1], pads[1], pads[1] + w)
    acc /= (rows[:, None] * cols[None, :]).astype(dt)
    return acc




def global_avgpool(x: np.ndarray) -> np.ndarray:
    """Mean over every axis after the channel axis, keeping them as size 1."""
    axes = tuple(range(2, x.ndim))
    return x.mean(axis=axes, keepdims=True, dtype=_float_dtype(x))
