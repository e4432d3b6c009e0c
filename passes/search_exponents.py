"""`search-exponents`: move an activation's exponent one step where that lowers the network's output error.

`calibrate` chooses every tensor's clipping range by that tensor's own statistics (with `mse`,
the squared error on its own grid). What a user measures is the error of the network's outputs,
and a tensor feeding a sigmoid, a softmax or a decision threshold may need a finer grid (more
clipping) or a coarser one (none) than its own error says. This pass is the greedy per-layer
search of issue 16: in program order, for each function argument and each op whose result gets
its own exponent (not `SharesInputScale`), it tries the exponent one step coarser (the range
times 2) and one step finer (times 1/2), each by quantizing a copy of the module with
`pot-scale` and running the fake-quant executor on the first `samples` calibration samples,
and keeps the best when it lowers the outputs' error against the float network by more than
`min_gain` (relative). The error is the summed noise-to-signal ratio of the outputs,
sum_k ||y_k - f_k||^2 / ||f_k||^2, i.e. what the output SNR measures, taken after a sigmoid or
softmax when `outputs` (calibrate's, handed on by the pipeline) says the outputs are logits.

    qcomp-opt model.mlir -p 'calibrate{data="calib.npy" method="mse"},search-exponents{data="calib.npy"},pot-scale'

A moved range is marked on its op, `exp_search = 1 : i64` (coarser) or `-1` (finer), and on the
function as `arg_exp_search = array<i64: ...>` for the arguments. Runs on float quant IR with
ranges (after `calibrate`, before `pot-scale`); the candidates are quantized by `quantize`, the
pipeline's own pot-scale (filled in by the pipeline loader; pot-scale's defaults when empty). A
pipeline gives it calibrate's samples (the CLI's --calib) as `data`; without samples it changes
nothing and says so in one warning line (none after data-free calibration, whose own warning
asks for samples). Cost: 2 x (arguments + ops with their own exponent) quantizations and runs of `samples` samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, i64
from xdsl.ir import Operation

from qcomp.dialects.ranges import arg_ranges, op_range, set_arg_ranges, set_range
from qcomp.dialects.traits import SharesInputScale
from qcomp.progress import StepProgress
from qcomp.registry import register_pass
from qcomp.sample_pass import SamplePass, check_outputs

SEARCH_ATTR = "exp_search"
ARG_SEARCH_ATTR = "arg_exp_search"
FACTORS = ((2.0, 1), (0.5, -1))  # range factor, exponent step


def output_error(outs: list[np.ndarray], ref: list[np.ndarray], fns: Sequence[Any] = ()) -> float:
    """sum_k ||outs_k - ref_k||^2 / ||ref_k||^2 (a zero reference counts its noise energy), after
    fns[k] where one is given (calibrate.output_functions: a sigmoid or softmax for logits)."""
    total = 0.0
    for k, (o, r) in enumerate(zip(outs, ref)):
        o64, r64 = np.asarray(o, np.float64), np.asarray(r, np.float64)
        g = fns[k] if k < len(fns) else None
        if g is not None:
            o64, r64 = g(o64), g(r64)
        noise = float(np.sum((o64 - r64) ** 2))
        signal = float(np.sum(r64 ** 2))
        total += noise / signal if signal > 0 else noise
    return total


def _own_exponent(op: Operation) -> bool:
    return op_range(op) is not None and not op.has_trait(SharesInputScale)


@register_pass
@dataclass(frozen=True)
class SearchExponentsPass(SamplePass):
    """Greedy per-layer exponent search (e - 1, e, e + 1) by the network's output error."""

    name = "search-exponents"
    levels = ("quant",)

    samples: int = 64
    """how many of them each candidate runs"""
    min_gain: float = 0.01
    """keep a move only when it lowers the output error by more than this fraction"""
    outputs: str = "values"
    """what the outputs are for, as calibrate's (a pipeline gives it calibrate's): values | sigmoid | softmax"""

    def __post_init__(self) -> None:
        if self.samples < 1 or not 0.0 <= self.min_gain < 1.0:
            raise ValueError("search-exponents: samples must be positive and min-gain in [0, 1)")
        check_outputs(self.name, self.outputs)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from qcomp.executors.quant import QuantExecutor
        from qcomp.passes.calibrate import output_functions

        started = self.start(op, "the exponents are not searched")
        if started is None:
            return
        f, xs, quantizer = started
        ref = QuantExecutor(op).run(xs)

        fns = output_functions(f, self.outputs)

        def error() -> float:
            trial = op.clone()
            quantizer.apply(ctx, trial)
            return output_error(QuantExecutor(trial).run(xs), ref, fns)

        best = error()
        moves = [0] * len(f.args)
        ranges = arg_ranges(f)
        layers = [o for o in f.body.walk() if _own_exponent(o)]
        progress = StepProgress(self.name, "tensors", len(ranges) + len(layers))
        for i, r in enumerate(ranges):
            assert r is not None
            best, moves[i] = self._try(best, error, lambda k, r=r, i=i: self._set_arg(f, i, r, k))
            progress.step()
        if any(moves):
            f.attributes[ARG_SEARCH_ATTR] = DenseArrayBase.from_list(i64, moves)
        for o in layers:
            lo_hi = op_range(o)
            assert lo_hi is not None
            best, step = self._try(best, error, lambda k, o=o, r=lo_hi: set_range(o, r[0] * k, r[1] * k))
            if step:
                o.attributes[SEARCH_ATTR] = IntegerAttr(step, i64)
            progress.step()
        progress.close()

    def _try(self, best: float, error, scale) -> tuple[float, int]:  # type: ignore[no-untyped-def]
        """Try each factor (scale(k) sets the range times k), keep the best; return the error and step."""
        chosen, chosen_err = (1.0, 0), best
        for factor, step in FACTORS:
            scale(factor)
            e = error()
            if e < chosen_err and e < best * (1.0 - self.min_gain):
                chosen, chosen_err = (factor, step), e
        scale(chosen[0])  # the best move, or back to the calibrated range
        return chosen_err, chosen[1]

    @staticmethod
    def _set_arg(f: func.FuncOp, i: int, r: tuple[float, float], k: float) -> None:
        ranges = list(arg_ranges(f))
        ranges[i] = (r[0] * k, r[1] * k)
        set_arg_ranges(f, ranges)  # type: ignore[arg-type]
