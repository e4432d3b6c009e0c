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
Which ops have an accumulator, and how it is fed, is declared by the ops themselves: each
op with the `AccumulatorBound` interface (`qcomp.dialects.accumulators`) calls the
checker's `dot`, `fits` or `window` below. Ops with float operands are skipped (nothing is
quantized yet); a module with nothing to check passes.

`warn_only=true` prints each violation as a warning on stderr instead of failing.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects import shift as s
from qcomp.dialects.ranges import value_range
from qcomp.dialects.traits import AccumulatorBound
from qcomp.numerics import int_bounds, round_half_up
from qcomp.registry import register_pass
from qcomp.target import target_of

# --------------------------------------------------------------------------- input bounds








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
            rng = value_range(v)
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

    # ---- what the ops' AccumulatorBound implementations read

    def const_q(self, v: SSAValue) -> tuple[np.ndarray, q.PotType] | None:
        """The integers and pot type of a quantized quant.constant (None: not one)."""
        c = v.owner
        if not isinstance(c, q.ConstantOp):
            return None
        pot = q.pot_of(c.output.type)
        if pot is None:
            return None
        return np.asarray(c.numpy(), np.int64), pot

    @staticmethod
    def const_int(v: SSAValue) -> np.ndarray | None:
        """The integers of a shift.constant (None: not one)."""
        c = v.owner
        return np.asarray(c.numpy(), np.int64) if isinstance(c, s.ConstantOp) else None

    @staticmethod
    def exps(pot: q.PotType, n: int) -> list[int]:
        """The exponent of each of n channels."""
        return pot.exps if pot.per_axis else [pot.exp] * n

    def bias_acc(self, b: tuple[np.ndarray, q.PotType] | None, acc_exps: list[int],
                 n: int) -> list[int] | None:
        """|bias| per channel in accumulator units (bias << (e_b - e_acc)); b is [..., n] or [n]."""
        if b is None:
            return None
        vals, pot = b
        vals = np.abs(vals).reshape(-1, vals.shape[-1] if vals.ndim else 1)
        per = vals.max(axis=0) if vals.shape[-1] == n else np.full(n, vals.max())
        eb = self.exps(pot, n)
        return [int(v) << max(e_b - e_a, 0) for v, e_b, e_a in zip(per, eb, acc_exps)]


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
                bound = o.get_trait(AccumulatorBound)  # declared by the op (qcomp.dialects.accumulators)
                if bound is not None:
                    bound.check(o, chk)
        if not chk.violations:
            return
        if self.warn_only:
            for msg in chk.violations:
                print(f"warning: {msg}", file=sys.stderr)
            return
        more = len(chk.violations) - 1
        raise PassFailedException(chk.violations[0] + (f" (and {more} more)" if more else ""))
