"""`widen-layers`: store in 16 bits the results of the layers `qcomp report` flags, where that lowers the output error.

Mixed precision chosen by measurement (issue 16, item 5): pot-scale's `wide` names layers by
hand; this pass picks them. It quantizes a copy of the module with `quantize` (the pipeline's
own pot-scale, filled in by the pipeline loader) and runs the layer report
(`qcomp.layer_report.analyse`) on the first `samples` calibration samples. The flagged layers
(layerwise error above `threshold`, as `qcomp report --threshold`), worst first, at most
`tries` of them, are then tried one at a time with their result in int16: the copy is
quantized again with the layers kept so far and this one wide, and run by the fake-quant
executor (bit-exact with the C). A layer is kept when the outputs' error against the float
network (search-exponents' summed noise-to-signal ratio) drops by more than `min_gain`
(relative), until `max_layers` are kept. A kept layer whose int16 result the rest of the
pipeline cannot take (an int32 accumulator it would overflow, a softmax or LRN table that reads
8 bits; an activation function reads int16 by interpolation, `shift.interp`) is dropped again:
before it is kept, the copy is lowered to the shift dialect and check-overflow run on it.

    qcomp-opt model.mlir -p 'calibrate{data="calib.npy" method="mse"},widen-layers{data="calib.npy"},pot-scale'

Kept layers get the unit attribute `wide`, which pot-scale reads as it reads its own `wide`
list; layers whose exponent their input's sets (`SharesInputScale`) are not candidates. Runs on
float quant IR with ranges, right before pot-scale. Without samples it changes nothing and
says so in one warning line. Off by default: the C keeps the int8 interface, but a wide layer
costs twice the memory of its activation and an int16 kernel for each consumer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, UnitAttr
from xdsl.ir import Operation
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects.ranges import op_range
from qcomp.dialects.traits import SharesInputScale
from qcomp.passes.pot_scale import WIDE_ATTR, reaches_return
from qcomp.progress import StepProgress
from qcomp.registry import get_pass, register_pass
from qcomp.sample_pass import SamplePass, check_outputs


def widenable(op: Operation) -> bool:
    """An op whose result has its own exponent (and so could be stored in 16 bits on its own) and
    is no function result: the C interface stays int8 (pot-scale's wide-outputs widens outputs)."""
    return (op_range(op) is not None and not op.has_trait(SharesInputScale) and not isinstance(op, q.ConstantOp)
            and not reaches_return(op.results[0]))


@register_pass
@dataclass(frozen=True)
class WidenLayersPass(SamplePass):
    """Mixed precision by measurement: int16 results for the flagged layers that lower the output error most."""

    name = "widen-layers"
    levels = ("quant",)

    samples: int = 16
    """how many of them the report and each trial run"""
    max_layers: int = 2
    """at most this many layers are widened"""
    tries: int = 8
    """at most this many flagged layers are tried, worst first"""
    threshold: float = 0.0
    """candidates: the layers whose layerwise noise-to-signal ratio is above this (0: every layer;
    0.1: the ones `qcomp report` flags by default)"""
    min_gain: float = 0.05
    """keep a layer only when it lowers the output error by more than this fraction"""
    outputs: str = "values"
    """what the outputs are for, as calibrate's (a pipeline gives it calibrate's): values | sigmoid | softmax"""

    def __post_init__(self) -> None:
        if self.samples < 1 or self.max_layers < 0 or self.tries < 0:
            raise ValueError("widen-layers: samples must be positive, max-layers and tries not negative")
        if not self.threshold >= 0 or not 0.0 <= self.min_gain < 1.0:
            raise ValueError("widen-layers: threshold must not be negative and min-gain in [0, 1)")
        check_outputs(self.name, self.outputs)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from qcomp.executors.quant import QuantExecutor
        from qcomp.layer_report import analyse
        from qcomp.passes.calibrate import find_function, output_functions
        from qcomp.passes.search_exponents import output_error

        started = self.start(op, "no layer is widened")
        if started is None:
            return
        f, xs, quantizer = started
        layers = [o for o in f.body.walk() if widenable(o)]
        if not layers:
            return  # every layer is a function result (or shares its input's exponent)
        ref = QuantExecutor(op).run(xs)

        def quantized(wide: list[int]) -> ModuleOp:
            """A copy of the module with the layers `wide` (indices into `layers`) in 16 bits, quantized."""
            trial = op.clone()
            trial_layers = [o for o in find_function(trial, self.name).body.walk() if widenable(o)]
            for k in wide:
                trial_layers[k].attributes[WIDE_ATTR] = UnitAttr()
            quantizer.apply(ctx, trial)
            return trial

        base = quantized([])
        rows = analyse(op, base, xs, threshold=self.threshold)
        # rows name their op by ONNX node and op name: a pair that is not unique is no candidate
        keys = [(q.node_of(o), o.name) for o in layers]
        seen = Counter(keys)
        index = {key: k for k, key in enumerate(keys) if seen[key] == 1}
        flagged = sorted((r for r in rows if r.layerwise > self.threshold and (r.node, r.op) in index),
                         key=lambda r: -r.layerwise)
        fns = output_functions(f, self.outputs)
        best = output_error(QuantExecutor(base).run(xs), ref, fns)
        kept: list[int] = []
        progress = StepProgress(self.name, "layers tried", min(len(flagged), self.tries))
        for row in flagged[: self.tries]:
            if len(kept) >= self.max_layers:
                break
            k = index[(row.node, row.op)]
            try:
                trial = quantized([*kept, k])
            except PassFailedException:
                progress.step()
                continue  # pot-scale refused the wide result (a consumer that takes 8 bits only)
            err = output_error(QuantExecutor(trial).run(xs), ref, fns)
            if err < best * (1.0 - self.min_gain) and self._lowers(ctx, trial):
                kept.append(k)
                best = err
            progress.step()
        progress.close()
        for k in kept:
            layers[k].attributes[WIDE_ATTR] = UnitAttr()

    @staticmethod
    def _lowers(ctx: Context, trial: ModuleOp) -> bool:
        """Whether the quantized copy lowers to the shift dialect and passes check-overflow (it is
        lowered in place: a trial is thrown away after it is measured)."""
        try:
            get_pass("lower-quant-to-shift")().apply(ctx, trial)
            get_pass("check-overflow")().apply(ctx, trial)
        except PassFailedException:
            return False
        return True
