"""The float executor of the `quant` dialect: ONNX semantics in numpy, whole batches at once.

    ex = QuantExecutor(module)                 # @main (or the only func); built once
    (logits,) = ex.run([x])                    # x: (N, 1, 8, 8) for an input tensor<1x1x8x8xf32>
    ex.run([x1], batched=False)                # exactly the signature's shapes
    ex.run([x], observer=lambda op, results: ...)   # op None first, with the arguments

Values are float32. A value whose type has a `!quant.pot` element type is rounded to its
grid (`fake_quant`) right after the op that produces it (function arguments included);
`!quant.pot` constants hold integers q and stand for q * 2^exp and are read as float64, so
a quantized network runs in float64, where sums of products of dyadic values are exact:
its fake-quant values then equal the shift executor's integers times 2^e, bit for bit.
Fused activations (`act_min` / `act_max` on conv2d, gemm, matmul, add) clamp the result. Batching, chunking, the
observer protocol and the per-sample fallback are described in `qcomp.executors.base`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp, TensorType
from xdsl.ir import Attribute, Operation

from qcomp.dialects import quant as q
from qcomp.dialects.constants import dense_to_numpy, element_dtype
from qcomp.dialects.traits import ElementwiseFunction
from qcomp.executors import kernels
from qcomp.executors.base import (
    DEFAULT_CHUNK,
    Executor,
    KernelTable,
    Observer,
    Post,
    first_operand,
    leading_axis,
    leads_with_one,
    pad_kernel,
    reshape_kernel,
    reshape_like,
    shape,
    slice_kernel,
    transpose_batchable,
    transpose_kernel,
)
from qcomp.executors.fake_quant import dequantize, fake_quant
from qcomp.numerics.conv_transpose import zero_interleave
from qcomp.numerics.lrn import lrn
from qcomp.numerics.resize import gather_hw, resample_hw
from qcomp.target import rounding_of

KERNELS = KernelTable()
F32 = np.float32


# --------------------------------------------------------------------------- compute


def _activated(op: Operation, fn, clamp: bool = True):
    """`fn` followed by the op's fused activation clamp, if it has one (and `clamp`)."""
    if not clamp or not isinstance(op, q.FusedActivation) or not op.has_activation:
        return fn
    lo, hi = op.act_bounds

    def clamped(*args):
        y = fn(*args)
        return np.clip(y, y.dtype.type(lo), y.dtype.type(hi), out=y)

    return clamped


@KERNELS.register(q.Conv2dOp, batch=first_operand)
def _conv2d(op: q.Conv2dOp, batched: bool, clamp: bool = True):
    s, p, d, g = op.stride_hw, op.pad_tlbr, op.dilation_hw, op.groups
    return _activated(op, lambda x, w, b=None: kernels.conv2d(x, w, b, s, p, d, g), clamp)


def _gemm_batchable(op: q.GemmOp, dyn: Sequence[bool]) -> bool:
    """A (not transposed) and C may carry samples on their rows; B must be static."""
    if dyn[1] or not leads_with_one(op.output) or (dyn[0] and op.ta):
        return False
    return not (len(dyn) > 2 and dyn[2] and len(shape(op.c)) != 2)


@KERNELS.register(q.GemmOp, batch=_gemm_batchable)
def _gemm(op: q.GemmOp, batched: bool, clamp: bool = True):
    alpha, beta, ta, tb = op.alpha_value, op.beta_value, op.ta, op.tb

    def gemm(a, b, c=None):
        y = np.matmul(a.T if ta else a, b.T if tb else b)
        if alpha != 1:
            y *= y.dtype.type(alpha)
        if c is not None:
            y += c if beta == 1 else y.dtype.type(beta) * c
        return y

    return _activated(op, gemm, clamp)


def preactivation_kernel(op: q.Conv2dOp | q.GemmOp):
    """The batched kernel of a conv2d or gemm without its fused activation clamp (and without
    fake quantization, which the executor applies after a kernel): the pre-activation sums."""
    return (_conv2d if isinstance(op, q.Conv2dOp) else _gemm)(op, True, clamp=False)


def _matmul_batchable(op: q.MatMulOp, dyn: Sequence[bool]) -> bool:
    """Samples may replace A's leading 1 (rank >= 2) or a batch axis of a rank >= 3 B."""
    if (dyn[0] and len(shape(op.a)) < 2) or (dyn[1] and len(shape(op.b)) < 3):
        return False
    return leading_axis(op, dyn)


@KERNELS.register(q.MatMulOp, batch=_matmul_batchable)
def _matmul(op: q.MatMulOp, batched: bool):
    return _activated(op, np.matmul)


@KERNELS.register(q.BatchNormOp, batch=first_operand)
def _batch_norm(op: q.BatchNormOp, batched: bool):
    eps = op.eps

    def batch_norm(x, scale, bias, mean, var):
        inv = scale.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
        shift = bias - mean * inv
        bshape = (1, -1) + (1,) * (x.ndim - 2)
        y = x * inv.astype(x.dtype).reshape(bshape)
        y += shift.astype(x.dtype).reshape(bshape)
        return y

    return batch_norm


# --------------------------------------------------------------------------- elementwise


@KERNELS.register(q.ReluOp)
def _relu(op, batched):
    return lambda x: np.maximum(x, x.dtype.type(0))


@KERNELS.register(q.ClipOp)
def _clip(op: q.ClipOp, batched: bool):
    lo, hi = op.lo, op.hi
    if lo == -np.inf and hi == np.inf:
        return lambda x: x.copy()
    if hi == np.inf:
        return lambda x: np.maximum(x, x.dtype.type(lo))
    if lo == -np.inf:
        return lambda x: np.minimum(x, x.dtype.type(hi))
    return lambda x: np.clip(x, x.dtype.type(lo), x.dtype.type(hi))


@KERNELS.register(ElementwiseFunction)
def _elementwise(op: Operation, batched: bool):
    """sigmoid, tanh, hard_sigmoid, hard_swish, leaky_relu, ...: the op's own `reference`."""
    return op.reference  # type: ignore[attr-defined]


@KERNELS.register(q.LrnOp)
def _lrn(op: q.LrnOp, batched: bool):
    size, alpha, beta, bias = op.size_value, op.alpha_value, op.beta_value, op.bias_value
    return lambda x: lrn(x, size, alpha, beta, bias)


def _softmax_batchable(op: q.SoftmaxOp, dyn: Sequence[bool]) -> bool:
    return leading_axis(op, dyn) and op.axis.value.data % len(shape(op.input)) != 0


@KERNELS.register(q.SoftmaxOp, batch=_softmax_batchable)
def _softmax(op: q.SoftmaxOp, batched: bool):
    axis = op.axis.value.data

    def softmax(x):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    return softmax


for _op, _fn in ((q.AddOp, np.add), (q.SubOp, np.subtract), (q.MulOp, np.multiply), (q.DivOp, np.true_divide),
                 (q.MaxOp, np.maximum), (q.MinOp, np.minimum)):
    KERNELS.register(_op)(lambda op, batched, fn=_fn: _activated(op, fn))


@KERNELS.register(q.PReluOp, batch=first_operand)
def _prelu(op: q.PReluOp, batched: bool):
    """x where x >= 0, else slope * x (slope broadcast; pot slopes are float64: the product is exact)."""

    def prelu(x, slope):
        return np.where(x >= 0, x, x * slope)

    return prelu


# --------------------------------------------------------------------------- pooling


@KERNELS.register(q.MaxPoolOp)
def _maxpool(op: q.MaxPoolOp, batched: bool):
    k, s, p, d, c = op.kernel_hw, op.stride_hw, op.pad_tlbr, op.dilation_hw, op.ceil
    return lambda x: kernels.maxpool2d(x, k, s, p, d, c)


@KERNELS.register(q.AvgPoolOp)
def _avgpool(op: q.AvgPoolOp, batched: bool):
    k, s, p, c, inc, d = op.kernel_hw, op.stride_hw, op.pad_tlbr, op.ceil, op.include_pad, op.dilation_hw
    return lambda x: kernels.avgpool2d(x, k, s, p, c, inc, d)


@KERNELS.register(q.GlobalAvgPoolOp)
def _global_avgpool(op, batched):
    return kernels.global_avgpool


# --------------------------------------------------------------------------- data movement


@KERNELS.register(q.ConcatOp)
def _concat(op: q.ConcatOp, batched: bool):
    axis = op.axis.value.data

    def concat(*xs):
        if batched:  # static inputs have a leading 1: repeat them for every sample
            n = max(x.shape[0] for x in xs)
            xs = tuple(np.broadcast_to(x, (n, *x.shape[1:])) for x in xs)
        return np.concatenate(xs, axis=axis)

    return concat


KERNELS.register(q.ReshapeOp, q.FlattenOp, batch=reshape_like)(reshape_kernel)
KERNELS.register(q.TransposeOp, batch=transpose_batchable)(transpose_kernel)
KERNELS.register(q.SliceOp)(slice_kernel)


@KERNELS.register(q.PadOp)
def _pad(op: q.PadOp, batched: bool):
    return pad_kernel(op.pad_list, op.fill)


# --------------------------------------------------------------------------- resampling


@KERNELS.register(q.ResizeNearestOp)
def _resize_nearest(op: q.ResizeNearestOp, batched: bool):
    rows, cols = op.index_tables()
    fill = op.extrapolation
    return lambda x: gather_hw(x, rows, cols, fill)


@KERNELS.register(q.ResizeOp)
def _resize(op: q.ResizeOp, batched: bool):
    rows, cols = op.taps()
    fill = op.extrapolation
    return lambda x: resample_hw(x, rows, cols, fill)


@KERNELS.register(q.ZeroInterleaveOp)
def _zero_interleave(op: q.ZeroInterleaveOp, batched: bool):
    strides, pads = op.stride_hw, op.pad_tlbr
    return lambda x: zero_interleave(x, strides, pads)


# --------------------------------------------------------------------------- executor


class QuantExecutor(Executor):
    """Float (and fake-quant) executor of a quant-dialect function; see the module docstring."""

    kernels = KERNELS

    def __init__(self, module: ModuleOp, func_name: str | None = None, chunk_size: int = DEFAULT_CHUNK,
                 threads: int | None = None):
        #: the target's tie rule of every fake-quant rounding (read before the kernels are built)
        self.rounding = rounding_of(module)
        super().__init__(module, func_name, chunk_size, threads)

    def run(self, inputs: Sequence[np.ndarray], batched: bool = True,
            observer: Observer | None = None) -> list[np.ndarray]:
        """Run on `inputs`; outputs are float32 (fake-quant values q * 2^e are exact in float32)."""
        outs = super().run(inputs, batched=batched, observer=observer)
        return [o.astype(F32) if o.dtype == np.float64 else o for o in outs]

    def constant_value(self, op: Operation) -> np.ndarray | None:
        if isinstance(op, q.ConstantOp):
            value = dense_to_numpy(op.value)
            pot = q.pot_of(op.output.type)
            if pot is not None:
                return dequantize(value, pot, dtype=np.float64)
            return value.astype(F32) if value.dtype.kind == "f" else value
        if isinstance(op, arith.ConstantOp) and isinstance(op.value, DenseIntOrFPElementsAttr):
            value = dense_to_numpy(op.value)
            return value.astype(F32) if value.dtype.kind == "f" else value
        return None

    def result_post(self, t: Attribute) -> Post | None:
        pot = q.pot_of(t)
        if pot is None:
            return None
        if not pot.per_axis:
            return lambda x, shift: fake_quant(x, pot, rounding=self.rounding)
        axis = pot.axis.data
        return lambda x, shift: fake_quant(x, pot, axis + shift, self.rounding)

    def input_dtype(self, t: Attribute) -> np.dtype:
        if q.pot_of(t) is not None:
            return np.dtype(np.float64)
        if isinstance(t, TensorType) and not isinstance(t.element_type, q.PotType):
            try:
                dt = element_dtype(t.element_type)
            except ValueError:
                return np.dtype(F32)
            return np.dtype(F32) if dt.kind == "f" else dt
        return np.dtype(F32)


def run_module(module: ModuleOp, inputs: Sequence[np.ndarray], batched: bool = True,
               observer: Observer | None = None) -> list[np.ndarray]:
    """Build a `QuantExecutor` for `module` and run it once on `inputs`."""
    return QuantExecutor(module).run(inputs, batched=batched, observer=observer)
