"""`check-overflow`: prove that every integer accumulator fits the target's accumulator width.

The integer kernels sum int8 x int8 products (plus the shifted bias) in an exact integer
accumulator of `accumulator_bits` (int32); a sum that does not fit would wrap in C. This
pass bounds every accumulator from the *integer* weights and the input bounds, and fails
(naming the ONNX node, the channel and the bound) when a bound does not fit:

    conv / fc:  max over output channels o of  sum_k |w[o, k]| * Q_in + |bias[o] << bias_shift[o]|
    add:        Q_a << la + Q_b << lb          (the inputs aligned on their common exponent)
    mul:        Q_a * Q_b
    avg pools:  window size * Q_in, and the rounding division's numerator
                2 * (S << max(-s, 0)) + (n << max(s, 0))

Q_in is the largest input magnitude: with `input_bound="type"` (default) the bound of the
input's storage type (128 for int8), which is a proof for any input; with
`input_bound="range"` the calibrated one, ceil-rounded on the input's grid from the
producer's `range` (or the function's `arg_ranges`), capped by the type bound; tighter,
but only holds for inputs like the calibration data (values beyond it saturate in the
producer, so it is exact for them whenever the range is the producer's clipping range).

Levels. It reads either level, so it can run anywhere after `pot-scale`:
  * **shift IR** (after `lower-quant-to-shift`, the default pipeline's place): the ops
    `shift.conv2d`, `shift.fc`, `shift.add`, `shift.mul`, `shift.avgpool`,
    `shift.global_avgpool` carry the exact integer arithmetic (bias_shift, align, shift),
    so the bound is about the very computation the C code does;
  * **quant IR with pot types** (right after `pot-scale`): the same bounds with the
    shifts the lowering will use (bias shift e_b - (e_in + e_w); add aligned on the finer of
    the two input exponents).
Ops with float operands are skipped (nothing is quantized yet); a module with nothing to
check passes.

`warn_only=true` prints each violation as a warning on stderr instead of failing.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, ModuleOp, TensorType
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects import shift as s
from qcomp.numerics import int_bounds, round_half_up
from qcomp.registry import register_pass
from qcomp.target import target_of

# --------------------------------------------------------------------------- input bounds






def _range_of_value(v: SSAValue) -> tuple[float, float] | None:
    attr = None
    if isinstance(v, BlockArgument):
        f = v.block.parent_op()
        ranges = f.attributes.get("arg_ranges") if f is not None else None
        if isinstance(ranges, ArrayAttr) and v.index < len(ranges.data):
            attr = ranges.data[v.index]
    elif isinstance(v.owner, Operation):
        attr = v.owner.attributes.get("range")
    if isinstance(attr, DenseArrayBase):
        vals = [float(x) for x in attr.iter_values()]
        if len(vals) == 2:
            return vals[0], vals[1]
    return None


@dataclass
class _Checker:
    acc_bits: int
    use_range: bool
    warn_only: bool
    violations: list[str]
    checked: int = 0

    def qbound(self, v: SSAValue) -> int | None:
        """Largest |q| of integer value `v` (None: not an integer/pot value)."""
        st = s.storage_type(v.type)
        if st is None:
            return None
        bound = max(-s.int_range(st)[0], s.int_range(st)[1])
        if self.use_range:
            t = v.type
            pot = t.element_type if isinstance(t, TensorType) else None
            rng = _range_of_value(v)
            if isinstance(pot, q.PotType) and not pot.per_axis and rng is not None:
                m = max(abs(rng[0]), abs(rng[1]))
                bound = min(bound, int(round_half_up(math.ldexp(m, -pot.exp))))
        return bound

    def fits(self, op: Operation, bound: int, detail: str) -> None:
        self.checked += 1
        limit = int_bounds(self.acc_bits)[1]
        if bound <= limit:
            return
        msg = (f"check-overflow: {op.name} '{q.node_of(op)}': accumulator bound {bound} "
               f"(2^{math.log2(bound):.2f}) does not fit int{self.acc_bits} ({detail})")
        self.violations.append(msg)

    # ---- shared formulas

    def dot(self, op: Operation, w: np.ndarray, qin: int, bias_acc: list[int] | None, what: str) -> None:
        """w: [channels, ...] integer weights; bias_acc: |bias| per channel in accumulator units."""
        w = np.asarray(w)
        wsum = np.abs(w.astype(np.int64)).reshape(w.shape[0], -1).sum(axis=1)
        bounds = [int(ws) * qin + (bias_acc[i] if bias_acc is not None else 0) for i, ws in enumerate(wsum)]
        o = max(range(len(bounds)), key=bounds.__getitem__)
        extra = f", |bias << shift| = {bias_acc[o]}" if bias_acc is not None else ""
        self.fits(op, bounds[o], f"{what} {o}: sum |w| = {int(wsum[o])}, |q_in| <= {qin}{extra}")

    def window(self, op: Operation, count: int, qin: int, shift: int) -> None:
        total = count * qin
        num = 2 * (total << max(-shift, 0)) + (count << max(shift, 0))
        self.fits(op, max(total, num), f"sum of {count} inputs |q| <= {qin}, rounding shift {shift}")

    # ---- shift level

    def shift_op(self, op: Operation) -> None:
        if isinstance(op, s.Conv2dOp | s.FcOp):
            qin = self.qbound(op.input)
            w_op = op.weight.owner
            if qin is None or not isinstance(w_op, s.ConstantOp):
                return
            w = np.asarray(w_op.numpy(), np.int64)
            bias_acc = None
            if op.bias is not None:
                b_op = op.bias.owner
                if not isinstance(b_op, s.ConstantOp):
                    return
                b = np.asarray(b_op.numpy(), np.int64)
                bias_acc = [abs(int(v)) << bs for v, bs in zip(b, op.bias_shifts())]
            self.dot(op, w, qin, bias_acc, "output channel")
        elif isinstance(op, s.AddOp):
            qa, qb = self.qbound(op.lhs), self.qbound(op.rhs)
            if qa is None or qb is None:
                return
            la, lb = op.align_shifts
            self.fits(op, (qa << la) + (qb << lb), f"|a| <= {qa} << {la}, |b| <= {qb} << {lb}")
        elif isinstance(op, s.MulOp):
            qa, qb = self.qbound(op.lhs), self.qbound(op.rhs)
            if qa is not None and qb is not None:
                self.fits(op, qa * qb, f"|a| <= {qa}, |b| <= {qb}")
        elif isinstance(op, s.AvgPoolOp):
            qin = self.qbound(op.input)
            if qin is not None:
                kh, kw = op.kernel_hw
                self.window(op, kh * kw, qin, op.shift_amount)
        elif isinstance(op, s.GlobalAvgPoolOp):
            qin = self.qbound(op.input)
            if qin is not None:
                self.window(op, int(np.prod(q.shape_of(op.input)[2:])), qin, op.shift_amount)

    # ---- quant level (pot types; the shifts the lowering will use)

    def _const_q(self, v: SSAValue) -> tuple[np.ndarray, q.PotType] | None:
        c = v.owner
        if not isinstance(c, q.ConstantOp):
            return None
        pot = q.pot_of(c.output.type)
        if pot is None:
            return None
        return np.asarray(c.numpy(), np.int64), pot

    @staticmethod
    def _exps(pot: q.PotType, n: int) -> list[int]:
        return pot.exps if pot.per_axis else [pot.exp] * n

    def _bias_acc(self, b: tuple[np.ndarray, q.PotType] | None, acc_exps: list[int],
                  n: int) -> list[int] | None:
        """|bias| per channel in accumulator units (bias << (e_b - e_acc)); b is [..., n] or [n]."""
        if b is None:
            return None
        vals, pot = b
        vals = np.abs(vals).reshape(-1, vals.shape[-1] if vals.ndim else 1)
        per = vals.max(axis=0) if vals.shape[-1] == n else np.full(n, vals.max())
        eb = self._exps(pot, n)
        return [int(v) << max(e_b - e_a, 0) for v, e_b, e_a in zip(per, eb, acc_exps)]

    def quant_op(self, op: Operation) -> None:
        if isinstance(op, q.Conv2dOp):
            qin, pin = self.qbound(op.input), q.pot_of(op.input.type)
            wq = self._const_q(op.weight)
            if qin is None or wq is None or pin is None:
                return
            w, wpot = wq
            acc = [pin.exp + e for e in self._exps(wpot, w.shape[0])]
            b = self._const_q(op.bias) if op.bias is not None else None
            self.dot(op, w, qin, self._bias_acc(b, acc, w.shape[0]), "output channel")
        elif isinstance(op, q.GemmOp | q.MatMulOp):
            self._gemm(op)
        elif isinstance(op, q.AddOp):
            pa, pb = q.pot_of(op.lhs.type), q.pot_of(op.rhs.type)
            qa, qb = self.qbound(op.lhs), self.qbound(op.rhs)
            if pa is None or pb is None or qa is None or qb is None or pa.per_axis or pb.per_axis:
                return
            ec = min(pa.exp, pb.exp)
            la, lb = pa.exp - ec, pb.exp - ec
            self.fits(op, (qa << la) + (qb << lb), f"|a| <= {qa} << {la}, |b| <= {qb} << {lb}")
        elif isinstance(op, q.MulOp):
            qa, qb = self.qbound(op.lhs), self.qbound(op.rhs)
            if qa is not None and qb is not None:
                self.fits(op, qa * qb, f"|a| <= {qa}, |b| <= {qb}")
        elif isinstance(op, q.AvgPoolOp | q.GlobalAvgPoolOp):
            qin, pin, pout = self.qbound(op.input), q.pot_of(op.input.type), q.pot_of(op.output.type)
            if qin is None or pin is None or pout is None:
                return
            shift = pout.exp - pin.exp
            if isinstance(op, q.AvgPoolOp):
                kh, kw = op.kernel_hw
                count = kh * kw
            else:
                count = int(np.prod(q.shape_of(op.input)[2:]))
            self.window(op, count, qin, shift)

    def _gemm(self, op: q.GemmOp | q.MatMulOp) -> None:
        a, b = (op.a, op.b)
        pa, pb = q.pot_of(a.type), q.pot_of(b.type)
        if pa is None or pb is None:
            return
        wb, wa = self._const_q(b), self._const_q(a)
        ta = isinstance(op, q.GemmOp) and op.ta
        tb = isinstance(op, q.GemmOp) and op.tb
        if wb is not None and wa is None:
            qin = self.qbound(a)
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
            e_w = self._exps(wpot, n) if wpot.per_axis and len(wpot.exps) == n else [min(wpot.exps)] * n
            acc = [pa.exp + e for e in e_w]
            c = self._const_q(op.c) if isinstance(op, q.GemmOp) and op.c is not None else None
            self.dot(op, wk, qin, self._bias_acc(c, acc, n), "output column")
        elif wa is not None and wb is None:
            qin = self.qbound(b)
            if qin is None:
                return
            w, _ = wa
            rows = w.T if ta else w
            rows = rows.reshape(-1, rows.shape[-1]) if rows.ndim >= 2 else rows[None]
            self.dot(op, rows, qin, None, "output row")
        else:
            qa, qb = self.qbound(a), self.qbound(b)
            if qa is None or qb is None:
                return
            sa = q.shape_of(a)
            k = sa[0] if ta else sa[-1]
            self.fits(op, k * qa * qb, f"{k} products |a| <= {qa}, |b| <= {qb}")


@register_pass
@dataclass(frozen=True)
class CheckOverflowPass(ModulePass):
    """Prove every integer accumulator fits the target's accumulator_bits (quant pot IR or shift IR)."""

    name = "check-overflow"
    levels = ("quant-scaled", "shift")  # qcomp.levels: where this pass may run

    warn_only: bool = False
    """Print violations as warnings on stderr instead of failing."""
    input_bound: str = "type"
    """type: |q_in| bounded by the storage type (a proof) | range: by the calibrated range."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.input_bound not in ("type", "range"):
            raise PassFailedException(f"check-overflow: input-bound='{self.input_bound}' must be type or range")
        chk = _Checker(target_of(op).accumulator_bits, self.input_bound == "range", self.warn_only, [])
        for f in op.ops:
            if not isinstance(f, func.FuncOp):
                continue
            for o in f.body.walk():
                if o.name.startswith("shift."):
                    chk.shift_op(o)
                elif o.name.startswith("quant."):
                    chk.quant_op(o)
        if not chk.violations:
            return
        if self.warn_only:
            for msg in chk.violations:
                print(f"warning: {msg}", file=sys.stderr)
            return
        more = len(chk.violations) - 1
        raise PassFailedException(chk.violations[0] + (f" (and {more} more)" if more else ""))
