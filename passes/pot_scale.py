"""`pot-scale`: give every value a power-of-two quantized type, and quantize the weights.

Reads the ranges `calibrate` recorded (`range` on op results, `arg_ranges` on the
function) and the target (`qcomp.target`); writes the IR of docs/quantization.md, "After
pot-scale": every activation is `tensor<...x!quant.pot<iA, e>>` (A = activation_bits,
signed), weights are `quant.constant`s holding int q (`!quant.pot<iW, e>` or per output
channel `!quant.pot<iW:axis, [e0, ...]>`), biases hold int q at the accumulator exponent.

**Exponent rule (activations).** For a range [lo, hi] and storage [qmin, qmax] (int8:
[-128, 127]) the exponent is the smallest integer e with

    qmin * 2^e <= lo   and   hi <= qmax * 2^e

i.e. the finest grid that holds the calibrated range without clipping (the clipping, if
any, was chosen by the calibration method). It is computed exactly with `ldexp`, not
with a rounded log2: a range of exactly [-1, 127/128] gets e = -7, [0, 1] gets e = -6.
An all-zero range (a dead tensor) gets e = -(A - 1), the grid of [-1, 1).
Note the asymmetry: -128 * 2^e is on the grid, so lo may reach it; hi may only reach
127 * 2^e.

**Weights.** Per tensor, or per output channel (axis 0 of conv OIHW; for gemm the axis
of B indexing the output: 1, or 0 with trans_b; for matmul the last axis of B). The
starting exponent e_max is the rule above applied to the weights' own [min, max]; with
`search=true` (default) the exponent is the one among e_max - 1, e_max, e_max + 1 with the
smallest squared quantization error sum((clip(round(w / 2^e)) * 2^e - w)^2) (ties keep
e_max): one step finer often wins when a single outlier weight sets e_max. Rounding is
half up, saturating, like everywhere else. Gemm `alpha` / `beta` are folded into B and C.

**PRelu slopes** are weights too: weight_bits, per tensor, or per channel (the slope's axis
along the input's channels) when the granularity is per-channel and the slope varies along
the channels only; the result gets its own exponent from its range.

**Biases.** `bias_exp="sum"` (default): exponent e_in + e_w (per channel with per-channel
weights), int q = round(b / 2^(e_in + e_w)) in bias_bits; a bias that does not fit is an
error naming the node. `bias_exp="own"` (PPQ's FPGA mode): the bias gets its own exponent
e_b = max(e_in + e_w, rule(b) for bias_bits), the lowering shifts it left by
e_b - (e_in + e_w); it never saturates, it only loses low bits (useful with 16-bit bias
storage).

**Exponent sharing.** relu, clip, maxpool, reshape, flatten, transpose, pad and slice results
take their input's type: they only move or select values, so the integer kernels copy
bytes and no requantization (and no extra rounding) happens.

**add / concat: each input keeps its own exponent, the output gets its own** from its
range; the lowering aligns the inputs by shifts. Why not unify the inputs' exponents? For
`add`, unifying forces the input with the smaller range onto the coarser grid of the
other, i.e. it throws away low bits *before* the add; with own exponents the lowering
aligns both inputs on the finer grid with an exact left shift inside the int32 sum and
rounds once, to the output grid. Shifts are free on the target, so unifying only loses
precision. A `concat` input on a finer grid than the output is rounded twice, once by its
producer and once by the concat: where the producer computes its own exponent (not an
exponent-sharing op) and the concat is its only reader, the producer writes the concat's
grid directly (one rounding, and the concat a copy; output SNR fire_concat 32.37 -> 32.64 dB,
shufflenet 15.1 -> 17.2 on 4 images). Producers that share their input's exponent, or that
another op also reads, keep theirs: rewriting them would couple distant layers.

**unsigned=true (the shipped pipelines set it; the option's default is false).** A result whose
range has lo >= 0 (a fused ReLU's output...) is stored unsigned (`!quant.pot<ui8, e>`, q in
[0, 255]): one more bit for the same range, where int8 leaves half its codes unused (output SNR
per model in docs/accuracy.md). Values that reach a function result (directly or through
exponent-sharing ops) stay signed, as do the function arguments, so the int8 C interface is
unchanged. The C backend runs u8 x s8 kernels bit-exact on the host and the Cortex-M4
(test/e2e/unsigned.test, test/mcu/unsigned.test); the ONNX exports store a uint8 tensor as int8
with zero point -128 (docs/export.md), which onnxruntime's int8 kernels run exactly.

**wide / wide_outputs: mixed precision (off by default).** The results of the ONNX nodes listed
in `wide` or carrying the unit attribute `wide` (which `widen-layers` sets on the layers it
chooses by measurement), and with `wide_outputs=true` every value used only as a function result (directly or
through exponent-sharing ops; an output another op also reads stays narrow), are stored in 16 bits (`!quant.pot<i16, e>`, the exponent from the same
range on the int16 grid: 8 bits finer). Their consumers multiply int16 by int8 weights into the
same int32 accumulators (check-overflow proves they fit, or names the node), add / concat / max
align int8 and int16 inputs like any two exponents. The escape hatch for the layers `qcomp
report` flags, and for outputs whose power-of-two grid wastes codes (the int8 logits' step is up to
2x the float-scale one): the C declares int16 outputs (`int16_t *out0`, and says so in its first
line), bit-exact on the host and the Cortex-M4 (test/e2e/mixed_precision.test,
test/mcu/mixed_precision.test), and the ONNX exports use int16 Q/DQ (test/export/mixed_precision.test).
A name that is no node of the model is an error.

**max / min of two activations** are like add: each input keeps its exponent, the output gets
its own from its range, and the lowering compares the inputs aligned on the finer grid, then
rounds once (exact: rounding is monotone, so it commutes with max and min).

Everything else (conv, gemm, matmul, add, concat, max, min, prelu, pooling averages, sigmoid, tanh, ...)
gets its own exponent from its `range`. Float constants that are not a weight or bias
(a constant add operand...) are quantized per tensor in activation_bits with their own
exponent. A value left float after the pass (e.g. no `range`: calibrate did not run) is
an error naming the node, and so is a `quant.batch_norm` (run fold-batchnorm first).
The function signature is updated to the new argument and result types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects.constants import dense_from_numpy
from qcomp.dialects.ranges import arg_ranges, op_range
from qcomp.dialects.traits import SharesInputScale
from qcomp.numerics import grid_integers, int_bounds, round_half_up
from qcomp.registry import register_pass
from qcomp.target import TargetSpec, target_of

WEIGHTED_OPS = (q.Conv2dOp, q.GemmOp, q.MatMulOp, q.PReluOp)
#: a unit attribute that asks for an op's result in WIDE_BITS (set by widen-layers, or by hand)
WIDE_ATTR = "wide"
#: storage bits of the results `wide` / `wide_outputs` / WIDE_ATTR select (mixed precision)
WIDE_BITS = 16

# --------------------------------------------------------------------------- the exponent rule


storage_bounds = int_bounds  # [qmin, qmax] of a `bits`-wide integer (the numerics core's)


def _min_exp_for(v: float, q: int) -> int:
    """Smallest integer e with v <= q * 2^e, for v > 0 and q > 0 (exact, via ldexp)."""
    e = math.frexp(v / q)[1]  # v / q < 2^e, up to the rounding of the division
    while math.ldexp(q, e - 1) >= v:
        e -= 1
    while math.ldexp(q, e) < v:
        e += 1
    return e


def range_exponent(lo: float, hi: float, bits: int, unsigned: bool = False) -> int:
    """The exponent rule: the smallest e with qmin * 2^e <= lo and hi <= qmax * 2^e.

    All-zero ranges get -(bits - 1) (the grid of [-1, 1) for signed storage). Raises
    ValueError for non-finite ranges and for negative values with unsigned storage.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"range [{lo}, {hi}] is not finite")
    qmin, qmax = storage_bounds(bits, unsigned)
    cands = []
    if hi > 0:
        cands.append(_min_exp_for(hi, qmax))
    if lo < 0:
        if qmin == 0:
            raise ValueError(f"range [{lo}, {hi}] has negative values but the storage is unsigned")
        cands.append(_min_exp_for(-lo, -qmin))
    return max(cands) if cands else -(bits - 1)




def quantize_to(x: np.ndarray, exps: np.ndarray | int, bits: int) -> np.ndarray:
    """Integers q = clip(round_half_up(x / 2^e), qmin, qmax) (float64, broadcasting `exps`)."""
    qmin, qmax = storage_bounds(bits)
    return grid_integers(np.asarray(x, np.float64), np.asarray(exps), qmin, qmax)


def _slices(w: np.ndarray, axis: int | None) -> tuple[np.ndarray, tuple[int, ...]]:
    """`w` as (channels, rest) along `axis` (None: one channel), and the broadcast shape."""
    w = np.asarray(w, np.float64)
    if axis is None:
        return w.reshape(1, -1), (1,) * w.ndim
    bshape = [1] * w.ndim
    bshape[axis] = w.shape[axis]
    return np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1), tuple(bshape)


def weight_exponents(w: np.ndarray, bits: int, axis: int | None, search: bool) -> list[int]:
    """One exponent per slice of `axis` (or one for the tensor), see the module docstring."""
    rows, _ = _slices(w, axis)
    exps = []
    for row in rows:
        e_max = range_exponent(float(row.min(initial=0.0)), float(row.max(initial=0.0)), bits)
        best, best_err = e_max, None
        for e in ((e_max, e_max - 1, e_max + 1) if search else (e_max,)):
            err = float(np.sum((np.ldexp(quantize_to(row, e, bits), e) - row) ** 2))
            if best_err is None or err < best_err:
                best, best_err = e, err
        exps.append(best)
    return exps


# --------------------------------------------------------------------------- helpers


def _fail(op: Operation, msg: str) -> PassFailedException:
    return PassFailedException(f"pot-scale: {op.name} '{q.node_of(op)}': {msg}")


def _tensor(pot: q.PotType, shape) -> TensorType:
    return TensorType(pot, list(shape))






def _is_float_tensor(t: Attribute) -> bool:
    if not isinstance(t, TensorType):
        return False
    elt = t.element_type
    return not isinstance(elt, q.PotType | IntegerType)


def reaches_return(value: SSAValue) -> bool:
    """Whether `value`, or a value sharing its type through relu/maxpool/reshape..., is returned."""
    for use in value.uses:
        user = use.operation
        if isinstance(user, func.ReturnOp):
            return True
        if user.has_trait(SharesInputScale) and use.index == 0 and reaches_return(user.results[0]):
            return True
    return False


def _only_returned(value: SSAValue) -> bool:
    """Whether every use of `value` is a function result, directly or through ops sharing its type:
    the values `wide_outputs` widens (an output that another op also computes with stays in
    activation_bits, so no table op or accumulator downstream sees int16 it was not asked to)."""
    uses = list(value.uses)
    if not uses:
        return False
    for use in uses:
        user = use.operation
        if isinstance(user, func.ReturnOp):
            continue
        if not (user.has_trait(SharesInputScale) and use.index == 0 and _only_returned(user.results[0])):
            return False
    return True


def _set_type(value: SSAValue, t: Attribute) -> SSAValue:
    return value if value.type == t else Rewriter.replace_value_with_new_type(value, t)


def _round_once_into(concat: q.ConcatOp) -> None:
    """The concat's inputs that only it reads, computed on a finer grid by an op with its own
    exponent, take the concat's type: their producers round once, onto the concat's grid."""
    out = q.pot_of(concat.results[0].type)
    assert out is not None and not out.per_axis
    for v in set(concat.operands):
        pot, owner = q.pot_of(v.type), v.owner
        if pot is None or pot.per_axis or pot.exp >= out.exp or pot.bits != out.bits:
            continue
        if (not isinstance(owner, Operation) or isinstance(owner, q.ConstantOp) or len(owner.results) != 1
                or owner.has_trait(SharesInputScale) or any(u.operation is not concat for u in v.uses)):
            continue
        _set_type(v, _tensor(out, q.shape_of(v)))


# --------------------------------------------------------------------------- the pass


@dataclass
class _Scaler:
    """One run of pot-scale over one function."""

    target: TargetSpec
    per_channel: bool
    bias_own: bool
    search: bool
    unsigned: bool = False
    #: ONNX node names whose results get 16-bit storage, and whether function results do
    wide: frozenset[str] = frozenset()
    wide_outputs: bool = False

    @property
    def act_storage(self) -> IntegerType:
        return IntegerType(self.target.activation_bits)

    def act_type(self, shape, lo: float, hi: float, where: Operation | None, what: str,
                 unsigned: bool = False, bits: int | None = None) -> TensorType:
        bits = bits or self.target.activation_bits
        try:
            e = range_exponent(lo, hi, bits, unsigned)
        except ValueError as err:
            if where is None:
                raise PassFailedException(f"pot-scale: {what}: {err}") from None
            raise _fail(where, str(err)) from None
        storage = IntegerType(bits, Signedness.UNSIGNED if unsigned else Signedness.SIGNLESS)
        return _tensor(q.PotType(storage, e), shape)

    # ---- constants

    def _replace_const(self, user: Operation, index: int, data: np.ndarray, bits: int,
                       exps: list[int], axis: int | None) -> q.ConstantOp:
        """Give operand `index` of `user` a new quantized constant (the old one is erased when unused)."""
        old = user.operands[index].owner
        assert isinstance(old, q.ConstantOp)
        storage = IntegerType(bits)
        pot = q.PotType(storage, exps, axis if axis is not None else -1)
        np_dtype = {8: np.int8, 16: np.int16, 32: np.int32}.get(bits)
        if np_dtype is None:
            raise _fail(user, f"{bits}-bit constant storage is not supported (8, 16 or 32)")
        value = dense_from_numpy(data.astype(np_dtype), storage)
        new = q.ConstantOp(value, _tensor(pot, data.shape), node=old.node_name if old.node else None)
        for k, v in old.attributes.items():
            if k not in ("value", "node"):
                new.attributes[k] = v
        new.output.name_hint = old.output.name_hint
        Rewriter.insert_op(new, InsertPoint.before(old))
        user.operands[index] = new.output  # type: ignore[index]
        if not old.output.uses:
            Rewriter.erase_op(old)
        return new

    def quantize_weight(self, user: Operation, index: int, axis: int | None,
                        scale: float = 1.0) -> list[int]:
        """Quantize the constant operand `index` of `user` as a weight; returns its exponent(s)."""
        const = user.operands[index].owner
        if not isinstance(const, q.ConstantOp):
            raise _fail(user, f"operand {index} (the weights) must be a quant.constant")
        pot = q.pot_of(const.output.type)
        if pot is not None:  # already quantized (pot-scale ran before on a shared constant)
            return pot.exps
        w = np.asarray(const.numpy(), np.float64) * scale
        if not np.all(np.isfinite(w)):
            raise _fail(user, "weights contain inf or NaN")
        bits = self.target.weight_bits
        ax = axis if self.per_channel else None
        exps = weight_exponents(w, bits, ax, self.search)
        _, bshape = _slices(w, ax)
        qv = quantize_to(w, np.asarray(exps).reshape(bshape) if ax is not None else exps[0], bits)
        self._replace_const(user, index, qv, bits, exps, ax)
        return exps

    def quantize_bias(self, user: Operation, index: int, acc_exps: list[int], axis: int,
                      scale: float = 1.0) -> None:
        """Quantize the bias operand at the accumulator exponent(s) (or its own, bias_exp=own)."""
        const = user.operands[index].owner
        if not isinstance(const, q.ConstantOp):
            raise _fail(user, f"operand {index} (the bias) must be a quant.constant")
        if q.pot_of(const.output.type) is not None:
            return  # already quantized (pot-scale ran before)
        b = np.asarray(const.numpy(), np.float64) * scale
        if not np.all(np.isfinite(b)):
            raise _fail(user, "bias contains inf or NaN")
        bits = self.target.bias_bits
        per_axis = len(acc_exps) > 1
        if per_axis:
            rows, bshape = _slices(b, axis)
        else:
            rows, bshape = b.reshape(1, -1), (1,) * b.ndim
        exps = list(acc_exps) if per_axis else [acc_exps[0]]
        if self.bias_own:
            exps = [max(e, range_exponent(float(r.min(initial=0.0)), float(r.max(initial=0.0)), bits))
                    for e, r in zip(exps, rows)]
        e_arr = np.asarray(exps).reshape(bshape) if per_axis else exps[0]
        raw = round_half_up(np.ldexp(b, -np.asarray(e_arr)))
        qmin, qmax = storage_bounds(bits)
        if raw.size and (raw.max() > qmax or raw.min() < qmin):
            worst = float(np.max(np.abs(b)))
            raise _fail(user, f"bias saturates int{bits}: |b| up to {worst:.6g} at exponent "
                        f"{min(exps)} needs {int(np.abs(raw).max()).bit_length() + 1} bits "
                        f"(use bias-exp=\"own\" or a wider bias)")
        self._replace_const(user, index, raw, bits, exps, axis if per_axis else None)

    def quantize_other_const(self, user: Operation, index: int) -> None:
        """A float constant that is no weight or bias: per tensor, activation bits, own exponent."""
        const = user.operands[index].owner
        assert isinstance(const, q.ConstantOp)
        v = np.asarray(const.numpy(), np.float64)
        if not np.all(np.isfinite(v)):
            raise _fail(user, f"constant operand {index} contains inf or NaN")
        bits = self.target.activation_bits
        e = range_exponent(float(v.min(initial=0.0)), float(v.max(initial=0.0)), bits)
        self._replace_const(user, index, quantize_to(v, e, bits), bits, [e], None)

    # ---- ops

    def weighted(self, op: Operation) -> None:
        if isinstance(op, q.PReluOp):  # the slope, a weight: per channel when it varies along C only
            self.input_exp(op, 0)
            self.quantize_weight(op, 1, axis=op.slope_axis())
            return
        if isinstance(op, q.Conv2dOp):
            e_in = self.input_exp(op, 0)
            e_w = self.quantize_weight(op, 1, axis=0)
            if op.bias is not None:
                self.quantize_bias(op, 2, [e_in + e for e in e_w], axis=0)
            return
        if isinstance(op, q.GemmOp):
            alpha, beta = op.alpha_value, op.beta_value
            e_a = self.input_exp(op, 0)
            if isinstance(op.b.owner, q.ConstantOp):
                e_w = self.quantize_weight(op, 1, axis=0 if op.tb else 1, scale=alpha)
            else:
                if alpha != 1.0:
                    raise _fail(op, "alpha != 1 with a non-constant B is not supported")
                e_w = [self.input_exp(op, 1)]
            if op.c is not None:
                if not isinstance(op.c.owner, q.ConstantOp):
                    raise _fail(op, "C (the bias) must be a constant")
                c_shape = q.shape_of(op.c)
                if len(e_w) > 1 and (not c_shape or c_shape[-1] != len(e_w)) and q.pot_of(op.c.type) is None:
                    # C broadcasts along the output axis: materialize one value per channel
                    new_shape = (len(e_w),) if len(c_shape) <= 1 else (c_shape[0], len(e_w))
                    self._broadcast_const(op, 2, new_shape)
                c_rank = len(q.shape_of(op.c))
                self.quantize_bias(op, 2, [e_a + e for e in e_w], axis=max(c_rank - 1, 0), scale=beta)
            for key in ("alpha", "beta"):
                op.attributes.pop(key, None)
            return
        assert isinstance(op, q.MatMulOp)
        a_const = isinstance(op.a.owner, q.ConstantOp)
        b_const = isinstance(op.b.owner, q.ConstantOp)
        if b_const and not a_const:
            self.input_exp(op, 0)
            rank_b = len(q.shape_of(op.b))
            self.quantize_weight(op, 1, axis=rank_b - 1 if rank_b >= 2 else None)
        elif a_const and not b_const:
            self.input_exp(op, 1)
            saved = self.per_channel
            self.per_channel = False  # rows of A index the output rows: keep one exponent
            try:
                self.quantize_weight(op, 0, axis=None)
            finally:
                self.per_channel = saved
        else:
            for i in range(2):
                if isinstance(op.operands[i].owner, q.ConstantOp):
                    self.quantize_other_const(op, i)
                self.input_exp(op, i)

    def _broadcast_const(self, user: Operation, index: int, shape: tuple[int, ...]) -> None:
        old = user.operands[index].owner
        assert isinstance(old, q.ConstantOp)
        data = np.ascontiguousarray(np.broadcast_to(old.numpy(), shape)).astype(np.float32)
        new = q.ConstantOp(dense_from_numpy(data), node=old.node_name if old.node else None)
        new.output.name_hint = old.output.name_hint
        Rewriter.insert_op(new, InsertPoint.before(old))
        user.operands[index] = new.output  # type: ignore[index]
        if not old.output.uses:
            Rewriter.erase_op(old)

    def input_exp(self, op: Operation, index: int) -> int:
        pot = q.pot_of(op.operands[index].type)
        if pot is None:
            raise _fail(op, f"operand {index} has no quantized type (is its producer calibrated?)")
        if pot.per_axis:
            raise _fail(op, f"operand {index} is per-axis quantized: activations must be per tensor")
        return pot.exp

    def result(self, op: Operation) -> None:
        """Set the result type of a non-constant op."""
        if not op.results:
            return
        if len(op.results) != 1:
            raise _fail(op, "ops with several results are not supported")
        res = op.results[0]
        if not _is_float_tensor(res.type):
            return
        shape = q.shape_of(res)
        if op.has_trait(SharesInputScale):
            src = q.pot_of(op.operands[0].type)
            if src is None:
                raise _fail(op, "its input has no quantized type")
            if src.per_axis:
                raise _fail(op, "its input is per-axis quantized: activations must be per tensor")
            _set_type(res, _tensor(src, shape))
            return
        rng = op_range(op)
        if rng is None:
            raise _fail(op, "result has no calibrated `range` (run calibrate before pot-scale)")
        unsigned = self.unsigned and rng[0] >= 0 and not reaches_return(res)
        node = op.attributes.get("node")
        wide = ((isinstance(node, StringAttr) and node.data in self.wide) or WIDE_ATTR in op.attributes
                or (self.wide_outputs and _only_returned(res)))
        bits = WIDE_BITS if wide else None
        _set_type(res, self.act_type(shape, rng[0], rng[1], op, "result", unsigned and not wide, bits))
        if isinstance(op, q.ConcatOp):
            _round_once_into(op)

    def run(self, f: func.FuncOp) -> None:
        ranges = arg_ranges(f)
        for i, arg in enumerate(f.args):
            if not _is_float_tensor(arg.type):
                continue
            if ranges[i] is None:
                raise PassFailedException(
                    f"pot-scale: @{f.sym_name.data} argument {i} has no calibrated range "
                    f"(`arg_ranges`; run calibrate before pot-scale)")
            lo, hi = ranges[i]  # type: ignore[misc]
            _set_type(arg, self.act_type(q.shape_of(arg), lo, hi, None, f"argument {i}"))
        for op in list(f.body.walk()):
            if isinstance(op, q.ConstantOp | func.ReturnOp):
                continue
            if isinstance(op, q.BatchNormOp):
                raise _fail(op, "batch_norm must be folded into the preceding conv first (run fold-batchnorm)")
            if isinstance(op, WEIGHTED_OPS):
                self.weighted(op)
            for i, v in enumerate(op.operands):
                if isinstance(v.owner, q.ConstantOp) and _is_float_tensor(v.type):
                    self.quantize_other_const(op, i)
            self.result(op)
        f.update_function_type()
        self.check(f)

    def check(self, f: func.FuncOp) -> None:
        for i, arg in enumerate(f.args):
            if _is_float_tensor(arg.type):
                raise PassFailedException(f"pot-scale: @{f.sym_name.data} argument {i} is still float")
        for op in f.body.walk():
            for r in op.results:
                if _is_float_tensor(r.type):
                    raise _fail(op, f"result is still float ({r.type}) after pot-scale")


@register_pass
@dataclass(frozen=True)
class PotScalePass(ModulePass):
    """Turn float types into !quant.pot types from calibrated ranges; quantize weights and biases."""

    name = "pot-scale"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    weights: str = "target"
    """per-tensor | per-channel | target (the target's weight_granularity)."""
    bias_exp: str = "sum"
    """sum: bias exponent e_in + e_w | own: own exponent, shifted left by the lowering."""
    search: bool = True
    """Choose each weight exponent among e_max-1..e_max+1 by squared error (else e_max)."""
    unsigned: bool = False
    """Store non-negative activations (lo >= 0, not reaching a function result) as unsigned."""
    wide: tuple[str, ...] = ()
    """Mixed precision: the ONNX nodes whose results are stored in 16 bits (int16 activations)."""
    wide_outputs: bool = False
    """Mixed precision: the graph outputs in 16 bits (values used only as function results)."""

    def __post_init__(self) -> None:
        """Option values are checked when the pass is built, so a pipeline names the line at fault."""
        if self.weights not in ("per-tensor", "per-channel", "target"):
            raise ValueError(f"pot-scale: weights='{self.weights}' must be one of per-tensor, per-channel, target")
        if self.bias_exp not in ("sum", "own"):
            raise ValueError(f"pot-scale: bias-exp='{self.bias_exp}' must be one of sum, own")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = target_of(op)
        granularity = target.weight_granularity if self.weights == "target" else self.weights
        scaler = _Scaler(target, granularity == "per-channel", self.bias_exp == "own", self.search,
                         self.unsigned, frozenset(self.wide), self.wide_outputs)
        nodes = {n.data for o in op.walk() if isinstance(n := o.attributes.get("node"), StringAttr)}
        for name in self.wide:
            if name not in nodes:
                raise PassFailedException(f"pot-scale: wide: no ONNX node '{name}' in the model")
        for f in op.ops:
            if isinstance(f, func.FuncOp) and not f.is_declaration:
                scaler.run(f)


def pot_scale_from_spec(spec: str, who: str) -> PotScalePass:
    """The pot-scale a pass before it quantizes its trial copies with: `spec` is that pass's
    `quantize` option, the pipeline's own pot-scale as text (`pot-scale{weights=per-channel}`,
    filled in by the pipeline loader, its quotes escaped as \\" so that the pipeline's text
    parses back), or '' for pot-scale's defaults."""
    if not spec:
        return PotScalePass()
    from xdsl.utils.arg_spec import parse_pipeline

    try:
        specs = list(parse_pipeline(spec.replace('\\"', '"')))
        if len(specs) != 1 or specs[0].name != PotScalePass.name:
            raise ValueError(f"expected one pot-scale{{...}}, got {len(specs)} pass(es)")
        return PotScalePass.from_pass_spec(specs[0])
    except Exception as e:  # a parse error or a bad option: one line naming the option
        raise PassFailedException(f"{who}: quantize='{spec}': {str(e).strip().splitlines()[0]}") from None


__all__ = ["PotScalePass", "pot_scale_from_spec", "range_exponent", "quantize_to", "weight_exponents", "storage_bounds"]
