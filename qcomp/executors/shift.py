"""The integer executor of the `shift` dialect: the bit-exact golden model of the generated C.

    ex = ShiftExecutor(module)                      # @main (or the only func); built once
    (logits,) = ex.run([q])                         # q: int8 (N, 1, 8, 8) for tensor<1x1x8x8x!quant.pot<i8, e>>
    q = quantize_input(x_float, pot, ex.rounding)   # round (ties per the target), saturate
    x = dequantize(q, pot)                          # q * 2^e

Every op computes exactly what its docstring in `qcomp.dialects.shift` says. Integer dot
products are summed in float64 BLAS (int8 x int8 products summed exactly while
|sum| < 2^53, checked from the storage widths; wider cases fall back to int64 matmul), then
converted to int64 for the bias, rounding shifts and clamps. Accumulators must fit the
target's `accumulator_bits` (int32 by default, read from the module's `qcomp.target`): a
value outside raises `AccumulatorOverflowError` naming the op's ONNX node, because the C
code would compute something else. Values are the storage integers (int8, uint8, int16,
int32 arrays); inputs must already be integers in the storage range. Every rounding breaks
ties by the target's rule (`rounding`: half up by default, or half even).

Batching, chunking, the observer protocol and the per-sample fallback are those of
`qcomp.executors.base` (shared with the quant executor).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Attribute, Operation

from qcomp.dialects import shift as sh
from qcomp.dialects.constants import dense_to_numpy, element_dtype
from qcomp.dialects.quant import PotType
from qcomp.errors import InputDataError
from qcomp.executors.base import (
    DEFAULT_CHUNK,
    ExecutionError,
    Executor,
    KernelTable,
    Observer,
    first_operand,
    leading_axis,
    op_label,
    pad_kernel,
    reshape_kernel,
    reshape_like,
    slice_kernel,
    transpose_batchable,
    transpose_kernel,
)
from qcomp.numerics import (
    HALF_UP,
    exponent_array,
    grid_integers,
    int_bounds,
    rounded_div,
    rounded_scaled_div,
    rshift,
)
from qcomp.numerics.conv_transpose import zero_interleave
from qcomp.numerics.interp import interp_int
from qcomp.numerics.lrn import lrn_int
from qcomp.numerics.resize import fill_outputs, gather_hw, resize_acc
from qcomp.numerics.windows import pad_hw as _pad_hw
from qcomp.numerics.windows import window_counts
from qcomp.numerics.windows import window_geometry as _geometry
from qcomp.numerics.windows import window_taps as _taps
from qcomp.target import rounding_of

KERNELS = KernelTable()
I64 = np.int64
# im2col buffers above this size are built and multiplied a few samples at a time.
IM2COL_BYTES = 64 << 20


class AccumulatorOverflowError(ExecutionError):
    """An accumulator left the target's accumulator range: the C code would not match."""


# --------------------------------------------------------------------------- integer primitives








def storage_dtype(t: Attribute) -> np.dtype:
    """The numpy dtype of a tensor type's storage integers (pot or plain integer)."""
    st = sh.storage_type(t)
    if st is None:
        raise ExecutionError(f"{t} is not an integer or !quant.pot tensor")
    return element_dtype(st)


def _range(t: Attribute) -> tuple[int, int]:
    """[qmin, qmax] of a tensor type's storage."""
    st = sh.storage_type(t)
    assert st is not None
    return sh.int_range(st)


def _saturate(x: np.ndarray, t: Attribute, lo: int | None = None, hi: int | None = None) -> np.ndarray:
    """Clamp int64 `x` to [lo, hi] (default: the storage range of `t`) and cast to its storage dtype."""
    qmin, qmax = _range(t)
    lo = qmin if lo is None else lo
    hi = qmax if hi is None else hi
    return np.clip(x, lo, hi).astype(storage_dtype(t))


def _acc_limits(op: Operation) -> tuple[int, int]:
    """[min, max] of the target accumulator (`qcomp.target` accumulator_bits, default 32)."""
    bits = 32
    top = op
    while top.parent_op() is not None:
        top = top.parent_op()  # type: ignore[assignment]
    if isinstance(top, ModuleOp):
        tgt = top.attributes.get("qcomp.target")
        if isinstance(tgt, DictionaryAttr):
            v = tgt.data.get("accumulator_bits")
            if isinstance(v, IntegerAttr):
                bits = v.value.data
    return int_bounds(bits)


def _check_acc(op: Operation, limits: tuple[int, int], x: np.ndarray, what: str = "accumulator") -> None:
    """Raise AccumulatorOverflowError when `x` leaves the accumulator range (the C code would differ)."""
    if x.size == 0:
        return
    lo, hi = int(x.min()), int(x.max())
    if lo < limits[0] or hi > limits[1]:
        bits = (limits[1] + 1).bit_length()
        raise AccumulatorOverflowError(
            f"{op_label(op)}: {what} reaches [{lo}, {hi}], outside the {bits}-bit accumulator "
            f"[{limits[0]}, {limits[1]}]")


def _max_abs(t: Attribute) -> int:
    """The largest magnitude a storage integer of `t` can have."""
    lo, hi = _range(t)
    return max(-lo, hi)


def _dot_exact_in_f64(x_type: Attribute, w_type: Attribute, k: int) -> bool:
    """Whether every sum of k products of these storages is below 2^53 (exact in float64)."""
    return _max_abs(x_type) * _max_abs(w_type) * k < (1 << 53)


def _matmul_exact(a: np.ndarray, b: np.ndarray, f64: bool) -> np.ndarray:
    """a @ b of integer arrays, exactly, as int64."""
    if f64:
        return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(I64)
    return np.matmul(a.astype(I64), b.astype(I64))


# --------------------------------------------------------------------------- window geometry










# --------------------------------------------------------------------------- conv / fc


def _int_conv(x: np.ndarray, w: np.ndarray, k, s, p, d, group: int, f64: bool) -> np.ndarray:
    """The exact integer convolution sum (no bias) as int64 (N, O, OH, OW)."""
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    oh, ow, extra_h, extra_w = _geometry(x.shape, k, s, p, d)
    if oh <= 0 or ow <= 0 or n == 0:
        return np.zeros((n, o, max(oh, 0), max(ow, 0)), I64)
    work = np.float64 if f64 else I64
    xp = _pad_hw(x.astype(work), p[0], p[1], min(p[2], extra_h), min(p[3], extra_w), 0)
    if group > 1 and cg == 1:  # depthwise: sum of per-tap products, int64 (always exact)
        m = o // group
        wt = w.astype(I64).reshape(group, m, k[0], k[1])
        acc = np.zeros((n, group, m, oh, ow), I64)
        for ky, kx, view in _taps(xp, k, s, d, oh, ow):
            acc += view.astype(I64)[:, :, None] * wt[None, :, :, ky, kx, None, None]
        return acc.reshape(n, o, oh, ow)
    kk = k[0] * k[1]
    wm = w.astype(work).reshape(group, o // group, cg * kk)
    acc = np.empty((n, o, oh, ow), I64)
    step = max(1, IM2COL_BYTES // max(c * kk * oh * ow * 8, 1))
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        cols = np.empty((n1 - n0, c, k[0], k[1], oh, ow), work)
        for ky, kx, view in _taps(xp[n0:n1], k, s, d, oh, ow):
            cols[:, :, ky, kx] = view
        res = np.matmul(wm, cols.reshape(n1 - n0, group, cg * kk, oh * ow))
        acc[n0:n1] = res.reshape(n1 - n0, o, oh, ow).astype(I64)
    return acc


def _bias_term(b: np.ndarray | None, bias_shifts: Sequence[int]) -> np.ndarray | None:
    """bias << bias_shift per channel, as int64."""
    if b is None:
        return None
    return np.asarray(b, I64) << np.asarray(bias_shifts, I64)


@KERNELS.register(sh.Conv2dOp, batch=first_operand)
def _conv2d(op: sh.Conv2dOp, batched: bool):
    """shift.conv2d: exact integer sum (float64 im2col when provably exact), + shifted bias, rshift, clamp."""
    k = sh.shape(op.weight)[2:]
    s, p, d, g = op.stride_hw, op.pad_tlbr, op.dilation_hw, op.groups
    cg = sh.shape(op.weight)[1]
    f64 = _dot_exact_in_f64(op.input.type, op.weight.type, cg * k[0] * k[1])
    shifts = np.asarray(op.shifts(), I64).reshape(1, -1, 1, 1)
    bshifts = op.bias_shifts()
    lo, hi = op.clamp_bounds()
    limits = _acc_limits(op)
    out_t = op.output.type
    rnd = rounding_of(op)

    def conv(x, w, b=None):
        acc = _int_conv(x, w, k, s, p, d, g, f64)
        bias = _bias_term(b, bshifts)
        if bias is not None:
            _check_acc(op, limits, bias, "shifted bias")
            acc += bias.reshape(1, -1, 1, 1)
        _check_acc(op, limits, acc)
        return _saturate(rshift(acc, shifts, rnd), out_t, lo, hi)

    return conv


@KERNELS.register(sh.FcOp, batch=first_operand)
def _fc(op: sh.FcOp, batched: bool):
    """shift.fc: exact x @ w.T, + shifted bias, per-channel rshift, clamp."""
    kdim = sh.shape(op.weight)[1]
    f64 = _dot_exact_in_f64(op.input.type, op.weight.type, kdim)
    shifts = np.asarray(op.shifts(), I64)
    bshifts = op.bias_shifts()
    lo, hi = op.clamp_bounds()
    limits = _acc_limits(op)
    out_t = op.output.type
    rnd = rounding_of(op)

    def fc(x, w, b=None):
        acc = _matmul_exact(x, np.asarray(w).T, f64)
        bias = _bias_term(b, bshifts)
        if bias is not None:
            _check_acc(op, limits, bias, "shifted bias")
            acc += bias
        _check_acc(op, limits, acc)
        return _saturate(rshift(acc, shifts, rnd), out_t, lo, hi)

    return fc


# --------------------------------------------------------------------------- elementwise


@KERNELS.register(sh.AddOp)
def _add(op: sh.AddOp, batched: bool):
    """shift.add: align both inputs by left shifts, add, one rounding shift, clamp."""
    la, lb = op.align_shifts
    s = op.shift_amount
    lo, hi = op.clamp_bounds()
    limits = _acc_limits(op)
    out_t = op.output.type
    rnd = rounding_of(op)

    def add(a, b):
        ta, tb = np.asarray(a, I64) << la, np.asarray(b, I64) << lb
        _check_acc(op, limits, ta, "aligned lhs")
        _check_acc(op, limits, tb, "aligned rhs")
        acc = ta + tb
        _check_acc(op, limits, acc)
        return _saturate(rshift(acc, s, rnd), out_t, lo, hi)

    return add


@KERNELS.register(sh.MaxOp, sh.MinOp)
def _max_min(op: sh.MaxOp | sh.MinOp, batched: bool):
    """shift.max / shift.min: align both inputs by left shifts, compare, one rounding shift, clamp."""
    la, lb = op.align_shifts
    s = op.shift_amount
    lo, hi = op.clamp_bounds()
    limits = _acc_limits(op)
    out_t = op.output.type
    pick = np.maximum if isinstance(op, sh.MaxOp) else np.minimum
    rnd = rounding_of(op)

    def max_min(a, b):
        ta, tb = np.asarray(a, I64) << la, np.asarray(b, I64) << lb
        _check_acc(op, limits, ta, "aligned lhs")
        _check_acc(op, limits, tb, "aligned rhs")
        return _saturate(rshift(pick(ta, tb), s, rnd), out_t, lo, hi)

    return max_min


@KERNELS.register(sh.PReluOp, batch=first_operand)
def _prelu(op: sh.PReluOp, batched: bool):
    """shift.prelu: x >= 0 -> rshift(x, shift); else rshift(x * slope, slope_shift[c]); clamp."""
    s = op.shift_amount
    sl = op.slope_shifts()
    xs = sh.shape(op.input)
    limits = _acc_limits(op)
    out_t = op.output.type
    # one shift, or one per channel: axis 1 of the IR shape, which x keeps (batched or not)
    neg_s = sl[0] if len(sl) == 1 else np.asarray(sl, I64).reshape((1, -1) + (1,) * (len(xs) - 2))
    rnd = rounding_of(op)

    def prelu(x, slope):
        x64 = np.asarray(x, I64)
        prod = x64 * np.asarray(slope, I64)
        _check_acc(op, limits, prod, "product")
        return _saturate(np.where(x64 >= 0, rshift(x64, s, rnd), rshift(prod, neg_s, rnd)), out_t)

    return prelu


@KERNELS.register(sh.MulOp)
def _mul(op: sh.MulOp, batched: bool):
    """shift.mul: exact product, rounding shift, clamp."""
    s = op.shift_amount
    lo, hi = op.clamp_bounds()
    limits = _acc_limits(op)
    out_t = op.output.type
    rnd = rounding_of(op)

    def mul(a, b):
        acc = np.asarray(a, I64) * np.asarray(b, I64)
        _check_acc(op, limits, acc, "product")
        return _saturate(rshift(acc, s, rnd), out_t, lo, hi)

    return mul


@KERNELS.register(sh.RequantOp)
def _requant(op: sh.RequantOp, batched: bool):
    """shift.requant: rounding shift and clamp."""
    s = op.shift_amount
    lo, hi = op.clamp_bounds()
    out_t = op.output.type
    rnd = rounding_of(op)
    return lambda x: _saturate(rshift(x, s, rnd), out_t, lo, hi)


@KERNELS.register(sh.ClampOp)
def _clamp(op: sh.ClampOp, batched: bool):
    """shift.clamp: clamp on one exponent."""
    lo, hi = op.clamp_bounds()
    out_t = op.output.type
    return lambda x: _saturate(np.asarray(x, I64), out_t, lo, hi)


@KERNELS.register(sh.LutOp)
def _lut(op: sh.LutOp, batched: bool):
    """shift.lut: one table load per element (index q - qmin)."""
    table = op.table_values().astype(storage_dtype(op.output.type))
    qmin = _range(op.input.type)[0]
    return lambda x: table[np.asarray(x, I64) - qmin]


def _softmax_batchable(op: sh.SoftmaxOp, dyn: Sequence[bool]) -> bool:
    """Softmax along the sample axis cannot run on a whole batch."""
    return op.axis_index != 0 and leading_axis(op, dyn)


@KERNELS.register(sh.InterpOp)
def _interp(op: sh.InterpOp, batched: bool):
    """shift.interp: two knot loads, one interpolation and one rounding shift per element."""
    table, k, s = op.table_values().astype(I64), op.index_shift_value, op.shift_amount
    qmin = _range(op.input.type)[0]
    lo, hi = _range(op.output.type)
    rnd = rounding_of(op)
    dtype = storage_dtype(op.output.type)
    return lambda x: interp_int(x, table, qmin, k, s, lo, hi, rnd).astype(dtype)


@KERNELS.register(sh.LrnOp)
def _lrn(op: sh.LrnOp, batched: bool):
    size, k, table, s = op.size_value, op.index_shift_value, op.table_values(), op.shift_amount
    lo, hi = _range(op.output.type)
    rnd = rounding_of(op)

    def run(x):
        return lrn_int(x, size, k, table, s, lo, hi, rnd).astype(storage_dtype(op.output.type))

    return run


@KERNELS.register(sh.SoftmaxOp, batch=_softmax_batchable)
def _softmax(op: sh.SoftmaxOp, batched: bool):
    """shift.softmax: table of exp(x - max), int sum, one rounding division."""
    table = op.table_values().astype(I64)
    axis, s = op.axis_index, op.shift_amount
    out_t = op.output.type
    rnd = rounding_of(op)

    def softmax(x):
        x = np.asarray(x, I64)
        t = table[x.max(axis=axis, keepdims=True) - x]
        total = t.sum(axis=axis, keepdims=True)
        return _saturate(rounded_scaled_div(t, total, s, rnd), out_t)

    return softmax


# --------------------------------------------------------------------------- pooling


@KERNELS.register(sh.MaxPoolOp)
def _maxpool(op: sh.MaxPoolOp, batched: bool):
    """shift.maxpool: max over the window taps."""
    k, s, p, d, c = op.kernel_hw, op.stride_hw, op.pad_tlbr, op.dilation_hw, op.ceil
    qmin = _range(op.input.type)[0]

    def maxpool(x):
        oh, ow, extra_h, extra_w = _geometry(x.shape, k, s, p, d, c)
        # Padding with qmin never changes a max: every window holds at least one input.
        xp = _pad_hw(x, p[0], p[1], extra_h, extra_w, qmin)
        out = None
        for _, _, view in _taps(xp, k, s, d, oh, ow):
            out = view.copy() if out is None else np.maximum(out, view, out=out)
        return out

    return maxpool


@KERNELS.register(sh.AvgPoolOp)
def _avgpool(op: sh.AvgPoolOp, batched: bool):
    """shift.avgpool: exact window sums, per-window counts, one rounding division."""
    k, s, p, c, inc = op.kernel_hw, op.stride_hw, op.pad_tlbr, op.ceil, op.include_pad
    shift = op.shift_amount
    limits = _acc_limits(op)
    out_t = op.output.type
    d = (1, 1)
    rnd = rounding_of(op)

    def avgpool(x):
        n, ch, h, w = x.shape
        oh, ow, extra_h, extra_w = _geometry(x.shape, k, s, p, d, c)
        xp = _pad_hw(np.asarray(x, I64), p[0], p[1], extra_h, extra_w, 0)
        total = np.zeros((n, ch, oh, ow), I64)
        for _, _, view in _taps(xp, k, s, d, oh, ow):
            total += view
        if inc:
            rows = window_counts(oh, k[0], s[0], 1, 0, h + p[0] + p[2])
            cols = window_counts(ow, k[1], s[1], 1, 0, w + p[1] + p[3])
        else:
            rows = window_counts(oh, k[0], s[0], 1, p[0], p[0] + h)
            cols = window_counts(ow, k[1], s[1], 1, p[1], p[1] + w)
        count = (rows[:, None] * cols[None, :]).astype(I64)
        _check_acc(op, limits, total, "window sum")
        return _saturate(rounded_scaled_div(total, count, shift, rnd), out_t)

    return avgpool


@KERNELS.register(sh.GlobalAvgPoolOp)
def _global_avgpool(op: sh.GlobalAvgPoolOp, batched: bool):
    """shift.global_avgpool: exact sum over the spatial axes, one rounding division."""
    shift = op.shift_amount
    limits = _acc_limits(op)
    out_t = op.output.type
    rnd = rounding_of(op)

    def gap(x):
        axes = tuple(range(2, x.ndim))
        total = np.asarray(x, I64).sum(axis=axes, keepdims=True)
        count = int(np.prod(x.shape[2:]))
        _check_acc(op, limits, total, "sum")
        return _saturate(rounded_scaled_div(total, count, shift, rnd), out_t)

    return gap


# --------------------------------------------------------------------------- data movement


@KERNELS.register(sh.ConcatOp)
def _concat(op: sh.ConcatOp, batched: bool):
    """shift.concat: requantize each input, then concatenate."""
    axis = op.axis_index
    shifts = op.shift_list()
    out_t = op.output.type
    rnd = rounding_of(op)

    def concat(*xs):
        parts = [_saturate(rshift(x, sft, rnd), out_t) for x, sft in zip(xs, shifts)]
        if batched:  # static inputs have a leading 1: repeat them for every sample
            n = max(x.shape[0] for x in parts)
            parts = [np.broadcast_to(x, (n, *x.shape[1:])) for x in parts]
        return np.concatenate(parts, axis=axis)

    return concat


@KERNELS.register(sh.ResizeNearestOp)
def _resize_nearest(op: sh.ResizeNearestOp, batched: bool):
    """shift.resize_nearest: a gather of rows and columns."""
    rows, cols = op.index_tables()
    fill = op.fill_value
    return lambda x: gather_hw(x, rows, cols, fill)


@KERNELS.register(sh.ResizeOp)
def _resize(op: sh.ResizeOp, batched: bool):
    """shift.resize: exact separable sums of the fixed-point taps, one rounding shift, clamp."""
    rows, cols = op.tables()
    s, fill = op.shift_amount, op.fill_value
    limits = _acc_limits(op)
    out_t = op.output.type
    rnd = rounding_of(op)

    def resize(x):
        acc = resize_acc(x, rows, cols)
        _check_acc(op, limits, acc)
        return fill_outputs(_saturate(rshift(acc, s, rnd), out_t), rows[0], cols[0], fill)

    return resize


@KERNELS.register(sh.ZeroInterleaveOp)
def _zero_interleave(op: sh.ZeroInterleaveOp, batched: bool):
    """shift.zero_interleave: zeros between (and around) the input pixels."""
    strides, pads = op.stride_hw, op.pad_tlbr
    return lambda x: zero_interleave(x, strides, pads)


KERNELS.register(sh.ReshapeOp, batch=reshape_like)(reshape_kernel)
KERNELS.register(sh.TransposeOp, batch=transpose_batchable)(transpose_kernel)
KERNELS.register(sh.SliceOp)(slice_kernel)


@KERNELS.register(sh.PadOp)
def _pad(op: sh.PadOp, batched: bool):
    """shift.pad: constant padding with the integer `fill`."""
    return pad_kernel(op.pad_list, op.fill_value)


# --------------------------------------------------------------------------- executor


class ShiftExecutor(Executor):
    """Bit-exact integer executor of a shift-dialect function (see the module docstring)."""

    kernels = KERNELS

    def __init__(self, module: ModuleOp, func_name: str | None = None, chunk_size: int = DEFAULT_CHUNK):
        super().__init__(module, func_name, chunk_size)
        #: the target's tie rule, for `quantize_input` of this function's float inputs
        self.rounding = rounding_of(self.func)

    def constant_value(self, op: Operation) -> np.ndarray | None:
        if isinstance(op, sh.ConstantOp):
            return dense_to_numpy(op.value).astype(storage_dtype(op.output.type))
        return None

    def input_dtype(self, t: Attribute) -> np.dtype:
        return storage_dtype(t)

    def run(self, inputs: Sequence[np.ndarray], batched: bool = True,
            observer: Observer | None = None) -> list[np.ndarray]:
        """Run on integer `inputs` (storage integers; see `quantize_input`); returns storage integers."""
        for i, (x, a) in enumerate(zip(inputs, self.args)):
            x = np.asarray(x)
            if x.dtype.kind not in "iub":
                raise InputDataError(f"input {i}: the shift executor takes integers (use quantize_input), "
                                     f"got {x.dtype}")
            lo, hi = _range(a.type)
            if x.size and (int(x.min()) < lo or int(x.max()) > hi):
                raise InputDataError(f"input {i}: values [{int(x.min())}, {int(x.max())}] exceed the "
                                     f"storage range [{lo}, {hi}] of {a.type}")
        return super().run(inputs, batched, observer)


def run_module(module: ModuleOp, inputs: Sequence[np.ndarray], batched: bool = True,
               observer: Observer | None = None) -> list[np.ndarray]:
    """Build a `ShiftExecutor` for `module` and run it once on `inputs`."""
    return ShiftExecutor(module).run(inputs, batched=batched, observer=observer)


# --------------------------------------------------------------------------- (de)quantization


def _pot(t: Attribute | PotType) -> PotType:
    """The PotType of `t` (a PotType or a tensor type with one)."""
    if isinstance(t, PotType):
        return t
    if isinstance(t, TensorType) and isinstance(t.element_type, PotType):
        return t.element_type
    raise ValueError(f"{t} is not a !quant.pot type or tensor")


def _exponents(pot: PotType, ndim: int, axis: int | None) -> np.ndarray:
    """The exponent(s) of `pot` shaped to broadcast against an `ndim`-D array."""
    return exponent_array(pot.exp if not pot.per_axis else pot.exps,
                          pot.axis.data if axis is None else axis, ndim)


def quantize_input(x: np.ndarray, pot: PotType | Attribute, rounding: str = HALF_UP,
                   axis: int | None = None) -> np.ndarray:
    """Storage integers for float `x` on `pot`'s grid: clip(round(x * 2^-e), qmin, qmax), ties
    per `rounding` (pass the executor's `rounding`: the target's rule).

    Exact for any float input: scaling by 2^-e is exact in float64 and the half-up step is
    `floor(v) + (v - floor(v) >= 0.5)`, which has no rounding error. `pot` is a PotType or
    a tensor type with one; per-axis types use `axis` (default the type's own axis).
    """
    p = _pot(pot)
    q = grid_integers(np.asarray(x, np.float64), _exponents(p, np.ndim(x), axis), p.qmin, p.qmax, rounding)
    return q.astype(element_dtype(p.storage))


def dequantize(q: np.ndarray, pot: PotType | Attribute, axis: int | None = None,
               dtype=np.float32) -> np.ndarray:
    """Real values q * 2^e of storage integers `q` (float32 by default; exact for 8-bit q)."""
    p = _pot(pot)
    q = np.asarray(q)
    return np.ldexp(q.astype(np.float64), _exponents(p, q.ndim, axis)).astype(dtype)


__all__ = [
    "AccumulatorOverflowError", "ShiftExecutor", "dequantize", "quantize_input", "rounded_div",
    "rounded_scaled_div", "rshift", "run_module", "storage_dtype",
]
