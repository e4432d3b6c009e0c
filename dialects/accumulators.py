"""The accumulator bounds of the ops that sum integers: implementations of `AccumulatorBound`.

An op declares which one applies in its `traits`; `check-overflow` calls `check(op, chk)`
on it. Each tells the checker (see `passes/check_overflow.py`: `qbound`, `const_q`,
`const_int`, `exps`, `bias_acc`, `dot`, `fits`, `window`) what feeds the accumulator. The
same implementation serves the quant level (shifts implied by the pot exponents) and the
shift level (shifts stated on the op) where the formula is the same. Ops whose operands are
not yet integer (no pot type, no constant weights) are skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import Operation

from qcomp.dialects.quant.types import pot_of, shape_of
from qcomp.dialects.traits import AccumulatorBound
from qcomp.numerics.resize import acc_bound


class QuantConvAccumulator(AccumulatorBound):
    """quant.conv2d: per output channel, sum |w| * max |q_in| + |bias << (e_b - e_in - e_w)|."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        x, weight, bias = op.operands[0], op.operands[1], op.operands[2] if len(op.operands) > 2 else None
        qin, pin = chk.qbound(x), pot_of(x.type)
        wq = chk.const_q(weight)
        if qin is None or wq is None or pin is None:
            return
        w, wpot = wq
        acc = [pin.exp + e for e in chk.exps(wpot, w.shape[0])]
        b = chk.const_q(bias) if bias is not None else None
        chk.dot(op, w, qin, chk.bias_acc(b, acc, w.shape[0]), "output channel")


class QuantMatMulAccumulator(AccumulatorBound):
    """quant.gemm / quant.matmul: per output column (constant B), per output row (constant A),
    else k products of the two bounds."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        a, b = op.operands[0], op.operands[1]
        pa, pb = pot_of(a.type), pot_of(b.type)
        if pa is None or pb is None:
            return
        wb, wa = chk.const_q(b), chk.const_q(a)
        ta, tb = bool(getattr(op, "ta", False)), bool(getattr(op, "tb", False))
        c_val = op.operands[2] if len(op.operands) > 2 else None
        if wb is not None and wa is None:
            qin = chk.qbound(a)
            if qin is None or pa.per_axis:
                return
            w, wpot = wb
            if w.ndim == 1:
                w = w[:, None]
            # weights as [N, K] (output channel first), batched B: worst batch per channel
            wk = w if tb else np.swapaxes(w, -1, -2)
            wk = np.abs(wk).reshape(-1, wk.shape[-2], wk.shape[-1]).max(axis=0) if wk.ndim > 2 else wk
            n = wk.shape[0]
            # the smallest weight exponent gives the largest bias shift: the conservative choice
            e_w = chk.exps(wpot, n) if wpot.per_axis and len(wpot.exps) == n else [min(wpot.exps)] * n
            acc = [pa.exp + e for e in e_w]
            c = chk.const_q(c_val) if c_val is not None else None
            chk.dot(op, wk, qin, chk.bias_acc(c, acc, n), "output column")
        elif wa is not None and wb is None:
            qin = chk.qbound(b)
            if qin is None:
                return
            w, _ = wa
            rows = w.T if ta else w
            rows = rows.reshape(-1, rows.shape[-1]) if rows.ndim >= 2 else rows[None]
            chk.dot(op, rows, qin, None, "output row")
        else:
            qa, qb = chk.qbound(a), chk.qbound(b)
            if qa is None or qb is None:
                return
            sa = shape_of(a)
            k = sa[0] if ta else sa[-1]
            chk.fits(op, k * qa * qb, f"{k} products |a| <= {qa}, |b| <= {qb}")


class ShiftWeightedAccumulator(AccumulatorBound):
    """shift.conv2d / shift.fc: per output channel, sum |w| * max |q_in| + |bias| << bias_shift."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        x, weight, bias = op.operands[0], op.operands[1], op.operands[2] if len(op.operands) > 2 else None
        qin, w = chk.qbound(x), chk.const_int(weight)
        if qin is None or w is None:
            return
        bias_acc = None
        if bias is not None:
            b = chk.const_int(bias)
            if b is None:
                return
            bias_acc = [abs(int(v)) << bs for v, bs in zip(b, op.bias_shifts())]  # type: ignore[attr-defined]
        chk.dot(op, w, qin, bias_acc, "output channel")


def _aligned_bounds(op: Operation, chk: Any) -> tuple[int, int, int, int] | None:
    """(|a|, |b|, la, lb): both operands' bounds and their left shifts onto the finer exponent
    (stated as `align_shifts` at the shift level, implied by the pot exponents at the quant level)."""
    lhs, rhs = op.operands[0], op.operands[1]
    qa, qb = chk.qbound(lhs), chk.qbound(rhs)
    if qa is None or qb is None:
        return None
    align = getattr(op, "align_shifts", None)
    if align is None:
        pa, pb = pot_of(lhs.type), pot_of(rhs.type)
        if pa is None or pb is None or pa.per_axis or pb.per_axis:
            return None
        ec = min(pa.exp, pb.exp)
        align = (pa.exp - ec, pb.exp - ec)
    return qa, qb, align[0], align[1]


class AlignedSumAccumulator(AccumulatorBound):
    """add: (a << la) + (b << lb), both on the finer exponent."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        if (b := _aligned_bounds(op, chk)) is not None:
            qa, qb, la, lb = b
            chk.fits(op, (qa << la) + (qb << lb), f"|a| <= {qa} << {la}, |b| <= {qb} << {lb}")


class AlignedCompareAccumulator(AccumulatorBound):
    """max / min: both inputs shifted left onto the finer exponent before the comparison: the
    larger aligned magnitude."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        if (b := _aligned_bounds(op, chk)) is not None:
            qa, qb, la, lb = b
            chk.fits(op, max(qa << la, qb << lb), f"|a| <= {qa} << {la}, |b| <= {qb} << {lb}")


class SlopeProductAccumulator(AccumulatorBound):
    """prelu: the product of the input integer and the quantized slope (negative inputs)."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        qin = chk.qbound(op.operands[0])
        slope = op.operands[1]
        sq = chk.const_q(slope)
        values = sq[0] if sq is not None else chk.const_int(slope)
        if qin is None or values is None or np.asarray(values).size == 0:
            return
        top = int(np.max(np.abs(np.asarray(values, np.int64))))
        chk.fits(op, qin * top, f"|q_in| <= {qin}, |slope| <= {top}")


class ProductAccumulator(AccumulatorBound):
    """mul: the exact product of the two integers."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        qa, qb = chk.qbound(op.operands[0]), chk.qbound(op.operands[1])
        if qa is not None and qb is not None:
            chk.fits(op, qa * qb, f"|a| <= {qa}, |b| <= {qb}")


class WindowAccumulator(AccumulatorBound):
    """avgpool / global_avgpool: the window sum and the numerator of its single rounding, with the
    shift e_out - e_in (stated as `shift` at the shift level)."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        x, y = op.operands[0], op.results[0]
        qin = chk.qbound(x)
        if qin is None:
            return
        shift = getattr(op, "shift_amount", None)
        if shift is None:
            pin, pout = pot_of(x.type), pot_of(y.type)
            if pin is None or pout is None:
                return
            shift = pout.exp - pin.exp
        kernel = getattr(op, "kernel_hw", None)
        count = kernel[0] * kernel[1] if kernel else int(np.prod(shape_of(x)[2:]))
        chk.window(op, count, qin, shift)


class ResizeTapsAccumulator(AccumulatorBound):
    """shift.resize: sum over the taps of (row weight * column weight) * q, bounded by
    max_oy sum_i |R| * max_ox sum_j |C| * max |q| (`qcomp.numerics.resize.acc_bound`)."""

    @staticmethod
    def check(op: Operation, chk: Any) -> None:
        qin = chk.qbound(op.operands[0])
        if qin is None:
            return
        (_, rw), (_, cw) = op.tables()  # type: ignore[attr-defined]
        chk.fits(op, acc_bound(rw, cw, qin), f"row weights x column weights x |q_in| <= {qin}")
