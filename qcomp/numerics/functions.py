"""The float functions of the activations lowered to lookup tables, and the table builder.

The quant ops' reference semantics (the float executor) and the tables the lowering builds
call the same functions, so a table entry is the float op's value rounded to the grid.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qcomp.numerics.integer import HALF_UP, grid_integers


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function without overflow for large |x| (x's float dtype)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def hard_sigmoid(x: np.ndarray, alpha: float = 0.2, beta: float = 0.5) -> np.ndarray:
    """ONNX HardSigmoid: clip(alpha * x + beta, 0, 1)."""
    t = x.dtype.type
    return np.clip(x * t(alpha) + t(beta), 0, 1).astype(x.dtype, copy=False)


def hard_swish(x: np.ndarray) -> np.ndarray:
    """ONNX HardSwish: x * clip(x / 6 + 1/2, 0, 1)."""
    return x * np.clip(x / x.dtype.type(6) + x.dtype.type(0.5), 0, 1).astype(x.dtype, copy=False)


def leaky_relu(x: np.ndarray, alpha: float) -> np.ndarray:
    """ONNX LeakyRelu: x for x >= 0, alpha * x otherwise."""
    return np.where(x >= 0, x, x * x.dtype.type(alpha))


def elu(x: np.ndarray, alpha: float) -> np.ndarray:
    """ONNX Elu: x for x >= 0, alpha * (exp(x) - 1) otherwise."""
    return np.where(x >= 0, x, x.dtype.type(alpha) * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


def selu(x: np.ndarray, alpha: float, gamma: float) -> np.ndarray:
    """ONNX Selu: gamma * (x for x > 0, alpha * (exp(x) - 1) otherwise)."""
    t = x.dtype.type
    return (t(gamma) * np.where(x > 0, x, t(alpha) * np.expm1(np.minimum(x, 0)))).astype(x.dtype, copy=False)


def celu(x: np.ndarray, alpha: float) -> np.ndarray:
    """ONNX Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    t = x.dtype.type
    return (np.maximum(x, 0) + np.minimum(0, t(alpha) * np.expm1(x / t(alpha)))).astype(x.dtype, copy=False)


def softplus(x: np.ndarray) -> np.ndarray:
    """ONNX Softplus: log(1 + exp(x)), without overflow for large x."""
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


def softsign(x: np.ndarray) -> np.ndarray:
    """ONNX Softsign: x / (1 + |x|)."""
    return (x / (1 + np.abs(x))).astype(x.dtype, copy=False)


def thresholded_relu(x: np.ndarray, alpha: float) -> np.ndarray:
    """ONNX ThresholdedRelu: x for x > alpha, else 0."""
    return np.where(x > x.dtype.type(alpha), x, 0).astype(x.dtype, copy=False)


def mish(x: np.ndarray) -> np.ndarray:
    """ONNX Mish: x * tanh(softplus(x))."""
    return (x * np.tanh(softplus(x))).astype(x.dtype, copy=False)


def lut_table(fn: Callable[[np.ndarray], np.ndarray], qmin_in: int, qmax_in: int, e_in: int,
              qmin_out: int, qmax_out: int, e_out: int, rounding: str = HALF_UP) -> np.ndarray:
    """table[i] = clamp(round(fn((i + qmin_in) * 2^e_in) / 2^e_out)) for every input integer (int64),
    ties per `rounding`."""
    qs = np.arange(qmin_in, qmax_in + 1, dtype=np.float64)
    y = np.asarray(fn(np.ldexp(qs, e_in)), np.float64)
    return grid_integers(y, e_out, qmin_out, qmax_out, rounding).astype(np.int64)
