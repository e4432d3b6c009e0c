"""Sliding windows over NCHW arrays: ONNX's output-size formula, padding and taps.

Every conv and pooling op (their verifiers, the float and integer executors, the C
generator's border split) takes its geometry from here. `pads` is [top, left, bottom,
right]; kernels, strides and dilations are [h, w].
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def window_out(size: int, k: int, s: int, pb: int, pe: int, d: int = 1, ceil: bool = False) -> int:
    """Output length of a sliding window (ONNX conv/pool formula; ceil mode as onnxruntime computes it)."""
    span = size + pb + pe - (d * (k - 1) + 1)
    if span < 0:
        return 0
    if ceil:
        out = -(-span // s) + 1
        if (out - 1) * s >= size + pb:  # last window must start inside the input or left pad
            out -= 1
        return out
    return span // s + 1


def window_geometry(x_shape: Sequence[int], k: Sequence[int], s: Sequence[int], p: Sequence[int],
                    d: Sequence[int], ceil: bool = False) -> tuple[int, int, int, int]:
    """(OH, OW, extra bottom, extra right): the output size and the bottom/right padding that
    puts every window inside the padded array (ceil-mode overhang included)."""
    h, w = x_shape[2], x_shape[3]
    oh = window_out(h, k[0], s[0], p[0], p[2], d[0], ceil)
    ow = window_out(w, k[1], s[1], p[1], p[3], d[1], ceil)
    need_h = (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 if oh > 0 else 0
    need_w = (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 if ow > 0 else 0
    return oh, ow, max(need_h - h - p[0], 0), max(need_w - w - p[1], 0)


def pad_hw(x: np.ndarray, top: int, left: int, bottom: int, right: int, fill: float | int) -> np.ndarray:
    """NCHW `x` with `fill` borders on its two spatial axes (x itself when there is nothing to add)."""
    if not (top or left or bottom or right):
        return x
    n, c, h, w = x.shape
    out = np.empty((n, c, h + top + bottom, w + left + right), x.dtype)
    out[:, :, :top] = fill
    out[:, :, top + h :] = fill
    out[:, :, top : top + h, :left] = fill
    out[:, :, top : top + h, left + w :] = fill
    out[:, :, top : top + h, left : left + w] = x
    return out


def trim_to_windows(xp: np.ndarray, oh: int, ow: int, k: Sequence[int], s: Sequence[int],
                    d: Sequence[int]) -> np.ndarray:
    """Drop the padded rows/columns no window reaches (keeps im2col copies minimal)."""
    hh = (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1
    ww = (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1
    return xp[:, :, :hh, :ww]


def window_taps(xp: np.ndarray, k: Sequence[int], s: Sequence[int], d: Sequence[int], oh: int,
                ow: int) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield (ky, kx, view) with view[n, c, i, j] = xp[n, c, i*sh + ky*dh, j*sw + kx*dw]."""
    for ky in range(k[0]):
        y0 = ky * d[0]
        rows = slice(y0, y0 + (oh - 1) * s[0] + 1, s[0])
        for kx in range(k[1]):
            x0 = kx * d[1]
            yield ky, kx, xp[:, :, rows, x0 : x0 + (ow - 1) * s[1] + 1 : s[1]]


def window_counts(out: int, k: int, s: int, d: int, lo: int, hi: int) -> np.ndarray:
    """Per output position, how many of its k taps (at start + j*d, padded coordinates) fall in [lo, hi)."""
    taps = (np.arange(out) * s)[:, None] + np.arange(k)[None, :] * d
    return ((taps >= lo) & (taps < hi)).sum(axis=1)
