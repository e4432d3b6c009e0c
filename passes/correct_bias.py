"""`correct-bias`: fold the quantized network's mean error per output channel into each bias.

Rounding weights to a power-of-two grid, and clipping activations to their ranges, shift the
mean of a layer's pre-activation sums: E[y_q] - E[y_f] = E[W_q x_q] - E[W x] is not zero per
channel, and a ReLU after the layer turns that shift into a lasting error. Empirical bias
correction (Nagel et al. 2019, "Data-Free Quantization", section 4.2, with measured means)
subtracts it: for every conv2d and gemm (one without a bias gets one), in program order, it runs the
float network and the quantized network side by side on the calibration samples, measures
the mean of (float - quantized) pre-activation sums per output channel (over samples and
positions; the quantized sums with the biases above already corrected), and adds it to the
float bias. Depthwise and grouped convs are included (axis 0 of the weights is the output
channel either way).

    qcomp-opt model.mlir -p 'calibrate{data="calib.npy"},correct-bias{data="calib.npy"},pot-scale'

With `round-weights` (on in the shipped pipelines), each layer's weights are first rounded onto
the grid pot-scale gives them by GPTQ (`qcomp.numerics.gptq`; Frantar et al. 2023): by the error
of the layer's output on its inputs in the quantized network (the layers above already rounded
and corrected), not by each weight's own error, and the bias then takes that layer's remaining
mean error. The float weights become those grid values, which pot-scale stores as they are; the
op records `weight_rounding = r : f64`, its output error on the samples relative to nearest
rounding. A layer keeps nearest rounding where the samples give fewer input columns (samples x
positions) than it has inputs per output (a singular H that GPTQ would fit to these samples
only), where it has more than MAX_COLUMNS inputs per output, or where GPTQ's error is not lower.
Rounding and correcting in one sequential pass matters: GPTQ before a separate correct-bias left
ResNet's per-channel means to a correction measured on other inputs (37.3 -> 36.1 dB).

Runs on float quant IR with ranges (after `calibrate` and `search-exponents`, right before
`pot-scale`). The quantized side is this module quantized by `quantize`, the pipeline's own
pot-scale (the pipeline loader fills it in; pot-scale's defaults when empty), so the
corrections are measured on the weights and exponents the pipeline will produce. A corrected
op records `bias_correction = f : f64`, the largest correction over its channels in units of
its output step 2^e. A pipeline gives it calibrate's samples (the CLI's --calib) as `data`;
without samples it changes nothing and says so in one warning line (none after data-free
calibration, whose own warning asks for samples). Cost: one float and one quantized run of
`samples` samples as one batch (memory: `samples` times the largest live activations, in
float64); with round-weights, per layer H (columns x K^2 for K inputs per output) and GPTQ
(about K^3 + rows x K^2): resnet50 +45% compile time, densenet121 +75%.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, ModuleOp, f64
from xdsl.ir import Operation
from xdsl.rewriter import InsertPoint, Rewriter

from qcomp.dialects import quant as q
from qcomp.registry import register_pass
from qcomp.rewriting import replace_constant
from qcomp.sample_pass import SamplePass

CORRECTION_ATTR = "bias_correction"
ROUNDING_ATTR = "weight_rounding"
#: layers with more inputs per output keep nearest rounding (H alone would be MAX_COLUMNS^2 float64s)
MAX_COLUMNS = 4096
#: GPTQ's damping of H, as a fraction of its mean diagonal
DAMP = 0.01


def _bias_index(op: Operation) -> int | None:
    """The operand index of a conv2d's or gemm's constant float bias, if it has one of its own."""
    if isinstance(op, q.Conv2dOp):
        if op.is_identity():
            return None  # a copy: no weights of its own, its inputs' error is its consumers' to correct
        bias = op.bias
    elif isinstance(op, q.GemmOp) and op.beta_value == 1.0:
        bias = op.c
    else:
        return None
    if bias is None or q.float_constant(bias) is None or not bias.has_one_use():
        return None
    return list(op.operands).index(bias)


def _add_zero_bias(op: Operation) -> None:
    """Give a conv2d or gemm without a bias a zero one (exact), so that it can be corrected."""
    if isinstance(op, q.Conv2dOp) and op.bias is None and not op.is_identity():
        channels = op.weight.type.get_shape()[0]  # type: ignore[attr-defined]
    elif isinstance(op, q.GemmOp) and op.c is None:
        channels = op.output.type.get_shape()[-1]  # type: ignore[attr-defined]
    else:
        return
    w = q.float_constant(op.operands[1])
    if w is None or not q.is_float_tensor(op.results[0].type):
        return
    zero = q.replacement_constant(np.zeros(channels), None, w.dtype, f"{q.node_of(op)}.bias")
    Rewriter.insert_op(zero, InsertPoint.before(op))
    op.operands = [*op.operands, zero.output]


def _channel_axis(op: Operation, replace: bool) -> int:
    """The output-channel axis of a batched result: 1 (or 2 stacked) for a conv, the last for a gemm."""
    if isinstance(op, q.Conv2dOp):
        return 1 if replace else 2
    return -1


def _shrunk_mean(err: np.ndarray, axis: int) -> np.ndarray:
    """The mean of `err` per channel of `axis`, shrunk towards 0 by its own uncertainty:
    mean * max(0, 1 - se^2 / mean^2), se the standard error over the averaged elements. A
    mean within its noise (a gemm measured on a few samples) is not folded in as a bias."""
    axis %= err.ndim
    others = tuple(i for i in range(err.ndim) if i != axis)
    count = err.size // err.shape[axis]
    mean = np.mean(err, axis=others)
    var = np.var(err, axis=others) / max(count - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.where(mean != 0, np.clip(1.0 - var / (mean * mean), 0.0, 1.0), 0.0)
    return mean * keep


def _weight_rows(op: Operation, w: np.ndarray) -> np.ndarray:
    """The weights as (groups, rows, K): a conv's O x (I kh kw) per group, a gemm's N x K."""
    if isinstance(op, q.Conv2dOp):
        return w.reshape(op.groups, w.shape[0] // op.groups, -1)
    return (w if op.tb else w.T)[None]  # type: ignore[attr-defined]


def _from_rows(op: Operation, rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of `_weight_rows`."""
    if isinstance(op, q.Conv2dOp):
        return rows.reshape(shape)
    return rows[0] if op.tb else rows[0].T  # type: ignore[attr-defined]


def _gptq_weights(op: Operation, pot: q.PotType, x: np.ndarray) -> tuple[np.ndarray, float] | None:
    """GPTQ's weights of float layer `op` on the grid `pot` against its batched input `x`, and their
    output error relative to nearest rounding; None where the layer keeps nearest rounding."""
    from qcomp.executors.fake_quant import pot_exponents
    from qcomp.numerics.gptq import conv_hessians, gemm_hessian, gptq_round, output_error

    w = q.float_constant(op.operands[1])
    if w is None:
        return None  # a product of two activations
    w = np.asarray(w, np.float64)
    if isinstance(op, q.Conv2dOp):
        x = x.reshape(-1, *x.shape[-3:])  # stacked samples of a leading axis that was not 1
        k = w[0].size
        if k > MAX_COLUMNS:
            return None
        h, columns = conv_hessians(x, w.shape[2:], op.stride_hw, op.pad_tlbr, op.dilation_hw, op.groups)
    else:
        if x.shape[-1] > MAX_COLUMNS:
            return None
        h, columns = gemm_hessian(x)
    if columns < h.shape[-1]:
        return None
    rows = _weight_rows(op, w)
    steps = _weight_rows(op, np.broadcast_to(np.ldexp(1.0, pot_exponents(pot, w.ndim)), w.shape))
    new = np.stack([gptq_round(rows[i], h[i], steps[i], pot.qmin, pot.qmax, DAMP) * steps[i]
                    for i in range(len(rows))])
    nearest = np.clip(np.round(rows / steps), pot.qmin, pot.qmax) * steps
    before = sum(output_error(rows[i], nearest[i], h[i]) for i in range(len(rows)))
    after = sum(output_error(rows[i], new[i], h[i]) for i in range(len(rows)))
    if not after < before:
        return None
    return _from_rows(op, new, w.shape), after / before


def _round_layer(layer: Operation, qlayer: Operation, qvals: list,
                 reweighted: list[tuple[Operation, np.ndarray, float]]) -> bool:
    """Put GPTQ's weights of float `layer` (its quantized copy `qlayer`) into `qvals`, the quantized
    step's operands (they are on the grid already), and record them in `reweighted`; False where
    it keeps nearest rounding."""
    pot = q.pot_of(qlayer.operands[1].type)
    assert pot is not None, "pot-scale quantizes every weight"
    rounded = _gptq_weights(layer, pot, np.asarray(qvals[0]))
    if rounded is None:
        return False
    values, ratio = rounded
    qvals[1] = values.astype(np.asarray(qvals[1]).dtype)
    reweighted.append((layer, values, ratio))
    return True


@register_pass
@dataclass(frozen=True)
class CorrectBiasPass(SamplePass):
    """Empirical bias correction: the mean pre-activation error per channel folded into the bias."""

    name = "correct-bias"
    levels = ("quant",)
    #: the float network after it is not the model's: `qcomp report` takes its reference before it
    CHANGES_FUNCTION: ClassVar[bool] = True

    samples: int = 32
    """how many of them are run (as one batch)"""
    round_weights: bool = False
    """round each layer's weights by GPTQ on its quantized inputs before measuring its bias error"""

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise ValueError("correct-bias: samples must be positive")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from qcomp.executors.base import pair_steps
        from qcomp.executors.fake_quant import fake_quant
        from qcomp.executors.quant import QuantExecutor, preactivation_kernel

        started = self.start(op, "the biases are not corrected")
        if started is None:
            return
        f, xs, quantizer = started
        for o in list(f.body.walk()):
            _add_zero_bias(o)
        quantized = op.clone()
        quantizer.apply(ctx, quantized)
        fx, qx = QuantExecutor(op), QuantExecutor(quantized)
        pairs = {id(qs.op): fs for fs, qs in pair_steps(fx, qx, self.name)}
        corrections: list[tuple[Operation, int, np.ndarray, float]] = []
        reweighted: list[tuple[Operation, np.ndarray, float]] = []
        fgen, qgen = fx.stepwise(xs), qx.stepwise(xs)
        n = xs[0].shape[0]
        _, fenv = next(fgen)
        _, qenv = next(qgen)
        for qs, qenv in qgen:
            assert qs is not None
            fs = pairs.get(id(qs.op))
            if fs is None:
                continue  # a constant: no float step of its own to keep in step with
            while next(fgen)[0] is not fs:
                pass
            k = _bias_index(fs.op)
            if k is None or qs.static or qs.fn_batch is None:
                continue
            axis = _channel_axis(fs.op, qs.out_replace[0])
            yf = preactivation_kernel(fs.op)(*[fenv[i] for i in fs.ins])  # type: ignore[arg-type]
            qvals = [qenv[i] for i in qs.ins]
            changed = self.round_weights and _round_layer(fs.op, qs.op, qvals, reweighted)
            yq = preactivation_kernel(qs.op)(*qvals)  # type: ignore[arg-type]
            delta = _shrunk_mean(np.asarray(yf, np.float64) - np.asarray(yq, np.float64), axis)
            bias = np.asarray(qvals[k], np.float64)
            if delta.size == bias.size:  # not a gemm's C broadcast over rows as well
                delta = delta.reshape(bias.shape)
                bias_pot = q.pot_of(qs.op.operands[k].type)
                assert bias_pot is not None, "pot-scale quantizes every bias"
                qvals[k] = fake_quant(bias + delta, bias_pot, rounding=qx.rounding)
                out_pot = q.pot_of(qs.op.results[0].type)
                step = 2.0 ** out_pot.exp if out_pot is not None and not out_pot.per_axis else 1.0
                corrections.append((fs.op, k, delta, float(np.max(np.abs(delta))) / step))
                changed = True
            if changed:
                for slot, value in zip(qs.outs, qx.run_step(qs, qvals, n)):
                    qenv[slot] = value  # the later layers see this layer rounded and corrected
        for layer, values, ratio in reweighted:
            replace_constant(layer, 1, values, "weight")
            layer.attributes[ROUNDING_ATTR] = FloatAttr(ratio, f64)
        for layer, k, delta, lsb in corrections:
            b = q.float_constant(layer.operands[k])
            assert b is not None
            replace_constant(layer, k, np.asarray(b, np.float64) + delta, "bias")
            layer.attributes[CORRECTION_ATTR] = FloatAttr(lsb, f64)
