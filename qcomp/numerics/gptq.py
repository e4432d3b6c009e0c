"""Error-compensating weight rounding (GPTQ: Frantar et al. 2023, after Optimal Brain Quantization).

Rounding each weight to its nearest grid point minimises the weights' own error, not the layer's:
for a layer y = W x with inputs X (one column per sample and position), the output error
||(W - Q) X||^2 = sum_rows (w - q) H (w - q)^T with H = X X^T. GPTQ rounds the input columns one
at a time and moves the not-yet-rounded weights of the same row to cancel the error just made,
in the metric H: with U the upper Cholesky factor of H^-1, after rounding column i,

    err = (w_i - q_i) / U[i, i],   w_j -= err * U[i, j]   for j > i.

Columns go in decreasing order of H's diagonal (GPTQ's "act order": the inputs with the most
energy first, while the most weights are left to compensate). H is damped by `damp` times its
mean diagonal, which keeps the updates small in directions the samples hardly span. Every row
shares H (one group of a grouped convolution: its own H); the grid (a scale per weight, integers
in [qmin, qmax]) is any power-of-two grid, so the result is exactly what pot-scale then stores.
`conv_hessians` and `gemm_hessian` accumulate H from a layer's batched input (correct-bias's
`round-weights` is the pass that uses them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qcomp.numerics.windows import pad_hw, window_geometry, window_taps

#: columns rounded between two full updates of the rest of the rows (GPTQ's lazy batch updates)
BLOCK = 128
#: elements of one chunk of im2col rows (bounds the memory a conv's H is accumulated in)
CHUNK_ELEMENTS = 1 << 23


def conv_hessians(x: np.ndarray, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[int],
                  dilations: Sequence[int], groups: int) -> tuple[np.ndarray, int]:
    """(H, rows): H = X X^T per group, shape (groups, K, K) with K = C / groups * kh * kw in OIHW
    order, X the im2col columns of the NCHW batch `x` (zero padding), and the number of columns."""
    k, s, p, d, g = list(kernel), list(strides), list(pads), list(dilations), groups
    oh, ow, eb, er = window_geometry(x.shape, k, s, p, d)
    c = x.shape[1]
    kg = (c // g) * k[0] * k[1]
    step = max(1, CHUNK_ELEMENTS // max(oh * ow * c * k[0] * k[1], 1))
    h = np.zeros((g, kg, kg))
    for n0 in range(0, x.shape[0], step):
        xp = pad_hw(np.asarray(x[n0 : n0 + step], np.float64), p[0], p[1], p[2] + eb, p[3] + er, 0.0)
        taps = np.stack([v for _, _, v in window_taps(xp, k, s, d, oh, ow)], axis=2)  # n, C, taps, oh, ow
        cols = taps.transpose(0, 3, 4, 1, 2).reshape(-1, g, kg)  # (n oh ow), group, (c ky kx)
        if g == 1:
            h[0] += cols[:, 0].T @ cols[:, 0]
        else:
            h += np.einsum("pgk,pgl->gkl", cols, cols, optimize=True)
    return h, x.shape[0] * oh * ow


def gemm_hessian(a: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, rows) of a matrix product's activation A (its rows the samples): H = A^T A, (1, K, K)."""
    a2 = np.asarray(a, np.float64).reshape(-1, a.shape[-1])
    return (a2.T @ a2)[None], a2.shape[0]


def damped_inverse_factor(h: np.ndarray, damp: float) -> np.ndarray:
    """U, upper triangular with U^T U = (H + damp * mean(diag H) I)^-1 (H: K x K, symmetric,
    positive semi-definite). A zero-energy input (diagonal 0) gets a unit diagonal first."""
    h = np.array(h, np.float64)
    k = h.shape[0]
    diag = np.diagonal(h).copy()
    dead = diag <= 0
    h[dead, :] = 0.0
    h[:, dead] = 0.0
    h[dead, dead] = 1.0
    mean = float(np.mean(np.diagonal(h)))
    h[np.diag_indices(k)] += damp * (mean if mean > 0 else 1.0)
    # With J the reversal, J H J = M M^T (M lower) gives H^-1 = (J M^-1 J)^T (J M^-1 J), and
    # J M^-1 J is upper triangular: one Cholesky factorisation and the inverse of its factor.
    m = np.linalg.cholesky(h[::-1, ::-1])
    return np.linalg.inv(m)[::-1, ::-1].copy()


def gptq_round(w: np.ndarray, h: np.ndarray, scale: np.ndarray, qmin: int, qmax: int,
               damp: float = 0.01) -> np.ndarray:
    """The integers Q (R x K, as float64) with Q * scale on the grid minimising ||(W - Q scale) X||
    greedily: `w` R x K float weights, `h` = X X^T (K x K), `scale` the grid step of every weight
    (broadcastable to R x K), integers clipped to [qmin, qmax], ties to even."""
    w = np.array(w, np.float64)
    rows, k = w.shape
    s = np.broadcast_to(np.asarray(scale, np.float64), w.shape)
    order = np.argsort(-np.diagonal(h), kind="stable")
    w = w[:, order]
    s = s[:, order]
    u = damped_inverse_factor(np.asarray(h, np.float64)[np.ix_(order, order)], damp)
    q = np.empty_like(w)
    for b0 in range(0, k, BLOCK):
        b1 = min(b0 + BLOCK, k)
        errs = np.empty((rows, b1 - b0))
        for i in range(b0, b1):
            qi = np.clip(np.round(w[:, i] / s[:, i]), qmin, qmax)
            q[:, i] = qi
            err = (w[:, i] - qi * s[:, i]) / u[i, i]
            w[:, i + 1 : b1] -= np.outer(err, u[i, i + 1 : b1])
            errs[:, i - b0] = err
        w[:, b1:] -= errs @ u[b0:b1, b1:]
    out = np.empty_like(q)
    out[:, order] = q
    return out


def output_error(w: np.ndarray, wq: np.ndarray, h: np.ndarray) -> float:
    """||(W - Wq) X||^2 = trace((W - Wq) H (W - Wq)^T), summed over the rows."""
    d = np.asarray(w, np.float64) - np.asarray(wq, np.float64)
    return float(np.sum((d @ np.asarray(h, np.float64)) * d))


__all__ = ["BLOCK", "conv_hessians", "damped_inverse_factor", "gemm_hessian", "gptq_round", "output_error"]
