"""`fit-to-grid`: rescale conv/gemm pairs so that their tensors fill their power-of-two grids.

A power-of-two grid wastes up to one bit: a tensor whose largest value is 0.51 * 2^k gets the
same step as one at 2^k, so half its codes are never used. Between a producer A and the layers
B that read its channels through positively homogeneous ops (the pairs of `equalize-layers`:
ReLU, pooling, zero padding, a flatten into a gemm), multiplying A's weights and bias by
2^-a and B's weights by 2^a leaves the network's function as it was, and shifts where A's
weights, A's output and B's weights sit on their grids by -a, -a and +a octaves. This pass
chooses a in (-1, 1) per pair to minimise the sum of the three tensors' quantization noise,
each relative to its largest value squared:

* weights: the squared error of quantizing them as pot-scale does (exponent searched among
  e_max - 1 .. e_max + 1, per channel on per-channel targets), per nonzero weight, over max |w|^2;
* A's output: step^2 / 12 over max(|lo|, |hi|)^2 of its calibrated range,

and applies the best a when it lowers that sum by more than `min_gain` (relative). The
candidates are the a that put one of the three exactly at the top of its grid, since the
sum only jumps down there. Pairs are visited in program order; a producer's weights moved
by an earlier pair (as a consumer) are measured as they now are.

    qcomp-opt model.mlir -p 'calibrate{data="calib.npy"},fit-to-grid,pot-scale'

Runs on float quant IR with ranges (after `calibrate`, before `pot-scale`); the ranges of A
and of the path are scaled with the values, so no recalibration is needed. A rescaled
producer records `grid_fit = a : f64` (octaves).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, ModuleOp, f64
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects.ranges import op_range
from qcomp.passes.equalize_layers import find_pair, rescale, weights_of
from qcomp.passes.pot_scale import quantize_to, range_exponent
from qcomp.registry import register_pass
from qcomp.target import target_of

FIT_ATTR = "grid_fit"
#: weight elements whose rounding error is measured per candidate (a strided subset beyond this)
SAMPLE = 1 << 16


@dataclass(frozen=True)
class _Grid:
    bits: int
    per_channel: bool

    def weight_noise(self, w: np.ndarray, axis: int, scale: float) -> float:
        """Quantization noise of `w * scale` per nonzero weight (zero padding of a kernel changes
        nothing) over its largest value squared. The exponents are searched as pot-scale does,
        from the largest values of the whole tensor (or channel); the error is measured on at most
        SAMPLE of its elements (an evenly strided subset)."""
        rows = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1) * scale
        peaks = np.max(np.abs(rows), axis=1)
        if not self.per_channel:
            rows, peaks = rows.reshape(1, -1), peaks.max(keepdims=True)
        stride = max(1, rows.size // SAMPLE)
        err = 0.0
        for row, peak in zip(rows, peaks):
            part = row[::stride]
            e_max = range_exponent(-float(peak), float(peak), self.bits)
            err += min(float(np.sum((np.ldexp(quantize_to(part, e, self.bits), e) - part) ** 2))
                       for e in (e_max, e_max - 1, e_max + 1)) * stride
        peak, nonzero = float(np.max(peaks)), np.count_nonzero(w)
        return err / nonzero / peak**2 if peak > 0 else 0.0

    def activation_noise(self, peak: float, scale: float) -> float:
        """Rounding noise (step^2 / 12) of a tensor with largest value `peak * scale`, over it squared."""
        m = peak * scale
        if m <= 0:
            return 0.0
        step = 2.0 ** range_exponent(0.0, m, self.bits)
        return step**2 / 12 / m**2

    @property
    def qmax(self) -> int:
        return 2 ** (self.bits - 1) - 1


def _octave_candidates(values: list[float], signs: list[int], qmax: int) -> list[float]:
    """The shifts a in (-1, 1) that put one of the tensors at the top of its grid: the one with
    largest value v moves to v * 2^(-sign * a) (sign 1 for A's weights and output, -1 for B's
    weights), just below qmax * 2^k (by 1e-9 octaves, so that it stays on that grid)."""
    out = {0.0}
    for v, sgn in zip(values, signs):
        if v <= 0:
            continue
        t = math.log2(v / qmax)
        frac = t - math.floor(t)  # down by frac octaves, or up by 1 - frac, lands on a grid top
        for down in (frac, frac - 1.0):
            out.add(sgn * (down + 1e-9))
    return sorted(a for a in out if -1 < a < 1)


@register_pass
@dataclass(frozen=True)
class FitToGridPass(ModulePass):
    """Per-pair power-of-two rescaling (function unchanged) so the tensors fill their PoT grids."""

    name = "fit-to-grid"
    levels = ("quant",)

    min_gain: float = 0.05
    """apply a rescaling only when it lowers the pair's relative noise by more than this fraction"""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = target_of(op)
        if not any(op_range(o) is not None for o in op.walk()):
            raise PassFailedException("fit-to-grid: the module has no calibrated ranges: run calibrate first")
        grid = _Grid(target.weight_bits, target.weight_granularity == "per-channel")
        act = _Grid(target.activation_bits, False)
        for producer in list(op.walk()):
            pair = find_pair(producer)
            if pair is None or (r := op_range(producer)) is None:
                continue
            wa = weights_of(pair.producer)
            assert wa is not None
            a_axis = 0 if isinstance(pair.producer, q.Conv2dOp) or pair.producer.tb else 1
            consumers = [(c, weights_of(c.op)) for c in pair.consumers]
            peak = max(abs(r[0]), abs(r[1]))

            def noise(a: float, wa=wa, a_axis=a_axis, peak=peak, consumers=consumers) -> float:  # type: ignore[no-untyped-def]
                total = grid.weight_noise(wa, a_axis, 2.0**-a) + act.activation_noise(peak, 2.0**-a)
                for c, w in consumers:
                    axis = 0 if isinstance(c.op, q.Conv2dOp) or c.op.tb else 1
                    total += grid.weight_noise(w, axis, 2.0**a)  # type: ignore[arg-type]
                return total

            peaks = [float(np.max(np.abs(wa))), peak] + [float(np.max(np.abs(w))) for _, w in consumers]  # type: ignore[arg-type]
            signs = [1, 1] + [-1] * len(consumers)
            cands = _octave_candidates(peaks, signs, grid.qmax)
            base = noise(0.0)
            best = min(cands, key=noise)
            if best != 0.0 and noise(best) < base * (1 - self.min_gain):
                rescale(pair, np.full(wa.shape[a_axis], 2.0**best))
                producer.attributes[FIT_ATTR] = FloatAttr(best, f64)
