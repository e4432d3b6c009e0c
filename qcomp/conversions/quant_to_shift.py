"""Rewrite patterns lowering pot-typed `quant` IR (docs/quantization.md, "After pot-scale") to `shift`.

    from qcomp.conversions.quant_to_shift import QUANT_TO_SHIFT_PATTERNS
    PatternRewriteWalker(GreedyRewritePatternApplier(QUANT_TO_SHIFT_PATTERNS),
                         apply_recursively=False).rewrite_module(module)

Each pattern turns one quant op into shift ops whose integer semantics equal the quant
level's fake-quant semantics (the op computed exactly, then rounded onto the result grid,
ties per the target's `rounding`: half up by default, or half even): every shift amount is an exponent difference, and every rounding happens
once, on the result grid.

* conv2d / gemm / matmul -> `shift.conv2d` / `shift.fc`: shift[o] = e_out - (e_in + e_w[o]),
  bias_shift[o] = e_b[o] - (e_in + e_w[o]) (must be >= 0: a finer bias is a contract
  violation), the fused activation becomes the clamp (bounds rounded onto the
  output grid: ReLU lo = 0, ReLU6 hi = round(6 / 2^e_out), saturated). Gemm is normalised
  at lowering time: weights become [N, K] (trans_b folded), alpha = m * 2^k (m odd, which
  any finite float is) moves k into the weight exponents and multiplies the integers by m
  when they stay in range, beta likewise into the bias; otherwise it is rejected.
* add / max / min / mul / concat / requantizing moves -> shifts between the operands' and result's
  exponents (max / min compare the inputs aligned on the finer grid, then round once).
* prelu -> `shift.prelu`: the quantized slope multiplies the negative inputs, each branch is
  rounded once onto the output grid; slice -> `shift.slice` (a copy on the input's grid).
* relu / clip: `shift.clamp` on one exponent, `shift.requant` with bounds across exponents
  (exact: rounding is monotone, so it commutes with clamping).
* sigmoid, tanh, hard_sigmoid, hard_swish, leaky_relu -> `shift.lut` (table computed in
  float64 and rounded with the target's tie rule), or `shift.interp` for an int16 input (knots of
  the function, linear interpolation within a quarter output step); softmax -> `shift.softmax` (see its docstring).

A quant op with no pattern, or a float (non-pot) value, raises PassFailedException naming
the op and its ONNX node: there is no silent partial lowering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, IntegerType, TensorType, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.utils.exceptions import PassFailedException, VerifyException

from qcomp import numerics
from qcomp.dialects import quant as q
from qcomp.dialects import shift as sh
from qcomp.dialects.constants import dense_from_numpy, dense_to_numpy, element_dtype
from qcomp.dialects.traits import ElementwiseFunction
from qcomp.numerics import HALF_UP, dyadic, grid_bound, round_half_up
from qcomp.numerics.interp import interp_table
from qcomp.numerics.lrn import lrn_table
from qcomp.numerics.resize import fixed_point_taps
from qcomp.target import rounding_of

PASS = "lower-quant-to-shift"
ACC_BITS = 32
"""Accumulator width assumed for the static checks (bias shifts, add alignment)."""

# --------------------------------------------------------------------------- helpers


def fail(op: Operation, msg: str) -> PassFailedException:
    """The pass's diagnostic: `lower-quant-to-shift: quant.gemm 'fc1': <msg>`."""
    return PassFailedException(f"{PASS}: {op.name} '{q.node_of(op)}': {msg}")


def _node(op: Operation) -> str | None:
    """The ONNX node name to carry over (None when the op has none)."""
    node = q.node_of(op)
    return None if node == op.name else node


def check_quantized(op: Operation) -> None:
    """Every operand and result of `op` must be a pot (or plain integer) tensor."""
    for kind, values in (("operand", op.operands), ("result", op.results)):
        for i, v in enumerate(values):
            if sh.storage_type(v.type) is None:
                raise fail(op, f"{kind} {i} is not quantized ({v.type}): lower-quant-to-shift needs "
                               f"!quant.pot types (run calibrate and pot-scale first)")


def pot(op: Operation, v: SSAValue, what: str) -> q.PotType:
    """The pot element type of `v`, or the pass's diagnostic."""
    p = q.pot_of(v.type)
    if p is None:
        raise fail(op, f"{what} must have a !quant.pot element type, got {v.type}")
    return p


def act_exp(op: Operation, v: SSAValue, what: str) -> int:
    """The exponent of a per-tensor quantized activation."""
    p = pot(op, v, what)
    if p.per_axis:
        raise fail(op, f"{what} is per-axis quantized ({p}): activations must be per tensor")
    return p.exp


def channel_exps(op: Operation, v: SSAValue, axis: int, count: int, what: str) -> list[int]:
    """Exponents per index of `axis` (per tensor broadcast to `count`)."""
    p = pot(op, v, what)
    if not p.per_axis:
        return [p.exp] * count
    if p.axis.data != axis or len(p.exps) != count:
        raise fail(op, f"{what} {p} must be per tensor or per axis {axis} with {count} exponents")
    return p.exps


def const_array(v: SSAValue) -> np.ndarray | None:
    """The storage integers of a quant/shift constant, or None when `v` is not a constant."""
    owner = v.owner
    if isinstance(owner, q.ConstantOp | sh.ConstantOp):
        return np.asarray(dense_to_numpy(owner.value))
    return None






def on_grid(op: Operation, x: float, e: int, storage: Attribute) -> int:
    """The real constant `x` (a clamp bound, a fill value) on the grid 2^e, saturated to `storage`'s
    range, rounded with the tie rule of `op`'s target (as its fake-quant rounds)."""
    lo, hi = sh.int_range(storage)
    return grid_bound(x, e, lo, hi, rounding_of(op))


def act_clamp(op: Operation, lo: float, hi: float, result: SSAValue) -> tuple[int, int] | None:
    """The integer clamp of real bounds [lo, hi] on the result grid (None: the full range)."""
    e = act_exp(op, result, "result")
    st = pot(op, result, "result").storage
    b = (on_grid(op, lo, e, st), on_grid(op, hi, e, st))
    return None if b == sh.int_range(st) else b




def compact(vals: Sequence[int]) -> list[int]:
    """One value when all are equal (the attribute then means 'every channel')."""
    return [int(vals[0])] if len(set(vals)) == 1 else [int(v) for v in vals]


def pot_tensor(storage: IntegerType, exps: Sequence[int], shape: Sequence[int], axis: int) -> TensorType:
    """tensor<shape x !quant.pot<storage, e>> or per axis when the exponents differ."""
    if len(set(exps)) == 1:
        return TensorType(q.PotType(storage, int(exps[0])), list(shape))
    return TensorType(q.PotType(storage, [int(e) for e in exps], axis), list(shape))


def new_constant(data: np.ndarray, t: TensorType, node: str | None, hint: str | None) -> sh.ConstantOp:
    """A bytes-backed shift.constant of type `t` holding `data` in its storage type."""
    st = sh.storage_type(t)
    assert st is not None
    c = sh.ConstantOp(dense_from_numpy(np.ascontiguousarray(data).astype(element_dtype(st)), st), t, node=node)
    c.output.name_hint = hint
    return c


def fits(values: np.ndarray, storage: IntegerType) -> bool:
    """Whether every value lies in the storage type's range."""
    lo, hi = sh.int_range(storage)
    return values.size == 0 or (int(values.min()) >= lo and int(values.max()) <= hi)


def finish(op: Operation, rewriter: PatternRewriter, new_ops: Sequence[Operation],
           results: Sequence[SSAValue] | None = None) -> None:
    """Verify the new ops (a verifier error becomes the pass's diagnostic), keep `fused`, replace `op`."""
    for new in new_ops:
        if "fused" in op.attributes and new is new_ops[-1]:
            new.attributes["fused"] = op.attributes["fused"]
        try:
            new.verify()
        except VerifyException as e:
            raise fail(op, f"cannot lower: {e}") from None
    dead = [v.owner for v in op.operands if isinstance(v.owner, q.ConstantOp | sh.ConstantOp)]
    rewriter.replace(op, list(new_ops), results)
    for c in dead:  # weights replaced by normalised copies
        if isinstance(c, Operation) and c.parent is not None and not c.results[0].uses:
            rewriter.erase(c)


def same_type_or_requant(op: Operation, new: Operation, result: SSAValue, node: str | None) -> list[Operation]:
    """`new` produces the input's element type; add a requant when `result` has another exponent."""
    if new.results[0].type == result.type:
        return [new]
    e_in = act_exp(op, new.results[0], "input")
    e_out = act_exp(op, result, "result")
    return [new, sh.RequantOp(new.results[0], result.type, shift=e_out - e_in, node=node)]


def _retyped(t: Attribute, like: Attribute) -> TensorType:
    """Tensor type with the shape of `t` and the element type of `like`."""
    assert isinstance(t, TensorType) and isinstance(like, TensorType)
    return TensorType(like.element_type, t.get_shape())


# --------------------------------------------------------------------------- constants


class LowerConstant(RewritePattern):
    """quant.constant (pot or integer) -> shift.constant with the same bytes; unused float constants vanish."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.ConstantOp, rewriter: PatternRewriter) -> None:
        if sh.storage_type(op.output.type) is None:
            if not op.output.uses:
                rewriter.erase(op)
            return  # a used float constant: its user reports it
        new = sh.ConstantOp(op.value, op.output.type, node=_node(op))
        rewriter.replace(op, new)


# --------------------------------------------------------------------------- conv / fc


def _bias_shifts(op: Operation, b: SSAValue | None, acc: list[int], axis: int) -> list[int] | None:
    """bias_shift per channel: e_b - e_acc >= 0, and the shifted constant bias must fit int32."""
    if b is None:
        return None
    e_b = channel_exps(op, b, axis, len(acc), "bias")
    shifts = [eb - a for eb, a in zip(e_b, acc)]
    if min(shifts) < 0:
        raise fail(op, f"bias exponents {compact(e_b)} are finer than the accumulator's {compact(acc)} "
                       f"(the bias would need a right shift; pot-scale gives e_b >= e_in + e_w)")
    data = const_array(b)
    if data is not None:
        shifted = np.asarray(data, np.int64).reshape(-1) << np.asarray(shifts, np.int64)
        if not fits(shifted, IntegerType(ACC_BITS)):
            raise fail(op, f"bias shifted left by {compact(shifts)} overflows the {ACC_BITS}-bit accumulator")
    return shifts


class LowerConv2d(RewritePattern):
    """quant.conv2d -> shift.conv2d (per-channel shifts from the exponents, fused activation as clamp)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.Conv2dOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        o = q.shape_of(op.weight)[0]
        e_in = act_exp(op, op.input, "input")
        e_w = channel_exps(op, op.weight, 0, o, "weight")
        e_out = act_exp(op, op.output, "result")
        acc = [e_in + e for e in e_w]
        bias_shift = _bias_shifts(op, op.bias, acc, 0)
        lo, hi = op.act_bounds
        new = sh.Conv2dOp(op.input, op.weight, op.bias, op.output.type,
                          shift=compact([e_out - a for a in acc]),
                          bias_shift=compact(bias_shift) if bias_shift is not None else None,
                          clamp=act_clamp(op, lo, hi, op.output), strides=op.stride_hw, pads=op.pad_tlbr,
                          dilations=op.dilation_hw, group=op.groups, node=_node(op))
        finish(op, rewriter, [new])


def _fc(op: Operation, rewriter: PatternRewriter, x: SSAValue, w: np.ndarray, w_pot: q.PotType,
        w_exps: list[int], w_owner: Operation, bias: tuple[np.ndarray, list[int], q.PotType, Operation] | None,
        alpha: float = 1.0, beta: float = 1.0) -> None:
    """Build shift.fc from normalised weights w [N, K] (+ bias [N]) folding alpha / beta exactly."""
    n = w.shape[0]
    e_in = act_exp(op, x, "input")
    e_out = act_exp(op, op.results[0], "result")
    try:
        ma, ka = dyadic(alpha)
        mb, kb = dyadic(beta)
    except ValueError as e:
        raise fail(op, f"alpha/beta: {e}") from None
    w = np.asarray(w, np.int64) * ma
    if not fits(w, w_pot.storage):
        raise fail(op, f"alpha = {alpha} cannot be folded exactly: {ma} * weights leaves {w_pot.storage}")
    w_exps = [e + ka for e in w_exps]
    nodes = [_node(w_owner), _node(bias[3]) if bias is not None else None]
    wc = new_constant(w, pot_tensor(w_pot.storage, w_exps, w.shape, 0), nodes[0],
                      w_owner.results[0].name_hint)
    new_ops: list[Operation] = [wc]
    acc = [e_in + e for e in w_exps]
    b_val: SSAValue | None = None
    if bias is not None and mb != 0:
        b_data, b_exps, b_pot, b_owner = bias
        b_data = np.asarray(b_data, np.int64) * mb
        if not fits(b_data, b_pot.storage):
            raise fail(op, f"beta = {beta} cannot be folded exactly: {mb} * bias leaves {b_pot.storage}")
        bc = new_constant(b_data, pot_tensor(b_pot.storage, [e + kb for e in b_exps], (n,), 0), nodes[1],
                          b_owner.results[0].name_hint)
        new_ops.append(bc)
        b_val = bc.output
    bias_shift = _bias_shifts(op, b_val, acc, 0)
    lo, hi = op.act_bounds  # type: ignore[attr-defined]
    fc = sh.FcOp(x, wc.output, b_val, op.results[0].type, shift=compact([e_out - a for a in acc]),
                 bias_shift=compact(bias_shift) if bias_shift is not None else None,
                 clamp=act_clamp(op, lo, hi, op.results[0]), node=_node(op))
    finish(op, rewriter, [*new_ops, fc])


def _gemm_bias(op: q.GemmOp, m: int, n: int) -> tuple[np.ndarray, list[int], q.PotType, Operation] | None:
    """C as a [N] vector with per-column exponents (it must not vary along M)."""
    if op.c is None:
        return None
    data = const_array(op.c)
    if data is None:
        raise fail(op, "C (the bias) must be a constant")
    c_pot = pot(op, op.c, "C")
    c_shape = q.shape_of(op.c)
    full = np.broadcast_to(data, (m, n))
    if m > 1 and np.any(full != full[:1]):
        raise fail(op, f"C of shape {list(c_shape)} varies along the rows: only a per-column bias is supported")
    if not c_pot.per_axis:
        exps = [c_pot.exp] * n
    else:
        ax = c_pot.axis.data
        if ax != len(c_shape) - 1 or len(c_pot.exps) not in (1, n):
            raise fail(op, f"C {c_pot} must be per tensor or per column")
        exps = c_pot.exps * n if len(c_pot.exps) == 1 else c_pot.exps
    assert op.c.owner is not None
    return np.array(full[0]), exps, c_pot, op.c.owner  # type: ignore[return-value]


class LowerGemm(RewritePattern):
    """quant.gemm -> shift.fc: B (constant) normalised to [N, K]; alpha, beta folded exactly or rejected."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.GemmOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        if op.ta:
            raise fail(op, "trans_a = 1 is not supported (A must be [M, K] with the batch on M)")
        b = const_array(op.b)
        if b is None:
            raise fail(op, "B must be a constant (a product of two activations is not supported)")
        b_pot = pot(op, op.b, "B")
        w = b if op.tb else b.T
        n = w.shape[0]
        w_exps = channel_exps(op, op.b, 0 if op.tb else 1, n, "B")
        m = q.shape_of(op.a)[0]
        assert op.b.owner is not None
        _fc(op, rewriter, op.a, w, b_pot, w_exps, op.b.owner, _gemm_bias(op, m, n),  # type: ignore[arg-type]
            op.alpha_value, op.beta_value)


class LowerMatMul(RewritePattern):
    """quant.matmul with an activation A [..., K] and a constant B [K, N] -> shift.fc."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.MatMulOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        b = const_array(op.b)
        if b is None or const_array(op.a) is not None:
            raise fail(op, "only activation @ constant is supported (B must be the constant weights)")
        if b.ndim != 2 or len(q.shape_of(op.a)) < 2:
            raise fail(op, f"needs A of rank >= 2 and a 2-D B, got {list(q.shape_of(op.a))} and {list(b.shape)}")
        n = b.shape[1]
        w_exps = channel_exps(op, op.b, 1, n, "B")
        assert op.b.owner is not None
        _fc(op, rewriter, op.a, b.T, pot(op, op.b, "B"), w_exps, op.b.owner, None)


# --------------------------------------------------------------------------- elementwise


def _aligned(op: Operation, combine: Callable[[list[int]], int]) -> tuple[int, int, int, int]:
    """(e_common, la, lb, e_out) of a binary op whose operands are shifted left onto the finer
    exponent; `combine` (sum for add, max for max / min) of the aligned magnitudes must fit the
    accumulator, else the pass's diagnostic."""
    check_quantized(op)
    lhs, rhs, out = op.operands[0], op.operands[1], op.results[0]
    ea, eb = act_exp(op, lhs, "lhs"), act_exp(op, rhs, "rhs")
    e_out = act_exp(op, out, "result")
    ec = min(ea, eb)
    la, lb = ea - ec, eb - ec
    worst = combine([max(-lo, hi) << sft for (lo, hi), sft in
                     ((sh.int_range(pot(op, v, "x").storage), sft) for v, sft in ((lhs, la), (rhs, lb)))])
    if worst >= 1 << (ACC_BITS - 1):
        raise fail(op, f"exponents {ea} and {eb} are too far apart: aligning them can overflow the "
                       f"{ACC_BITS}-bit accumulator")
    return ec, la, lb, e_out


class LowerAdd(RewritePattern):
    """quant.add -> shift.add: both inputs shifted left onto the finer exponent, one rounding to the output."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.AddOp, rewriter: PatternRewriter) -> None:
        ec, la, lb, e_out = _aligned(op, sum)
        lo, hi = op.act_bounds
        new = sh.AddOp(op.lhs, op.rhs, op.output.type, align=(la, lb), shift=e_out - ec,
                       clamp=act_clamp(op, lo, hi, op.output), node=_node(op))
        finish(op, rewriter, [new])


class LowerMaxMin(RewritePattern):
    """quant.max / quant.min -> shift.max / shift.min: both inputs shifted left onto the finer
    exponent, compared, one rounding to the output (exact: rounding commutes with max / min)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, q.MaxOp | q.MinOp):
            return
        ec, la, lb, e_out = _aligned(op, max)
        cls = sh.MaxOp if isinstance(op, q.MaxOp) else sh.MinOp
        finish(op, rewriter, [cls(op.lhs, op.rhs, op.output.type, align=(la, lb), shift=e_out - ec, node=_node(op))])


class LowerPRelu(RewritePattern):
    """quant.prelu -> shift.prelu: x >= 0 requantized by e_out - e_in, x < 0 multiplied by the
    quantized slope and requantized by e_out - (e_in + e_s[c]) (one value, or per channel)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.PReluOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        e_in, e_out = act_exp(op, op.input, "input"), act_exp(op, op.output, "result")
        if const_array(op.slope) is None:
            raise fail(op, "the slope must be a constant")
        p_s = pot(op, op.slope, "slope")
        axis = op.slope_axis()
        if p_s.per_axis:
            if axis is None or p_s.axis.data != axis:
                raise fail(op, f"slope {p_s} is per axis {p_s.axis.data}: only the channel axis may have "
                               f"one exponent per slice")
            exps = p_s.exps
        else:
            exps = [p_s.exp]
        for v, what in ((op.input, "input"), (op.slope, "slope")):
            if pot(op, v, what).bits > 16:
                raise fail(op, f"the {what} needs at most 16 bits, got {pot(op, v, what).storage}")
        finish(op, rewriter, [sh.PReluOp(op.input, op.slope, op.output.type, shift=e_out - e_in,
                                         slope_shift=compact([e_out - e_in - e for e in exps]), node=_node(op))])


class LowerMul(RewritePattern):
    """quant.mul -> shift.mul: exact integer product, one rounding shift to the output exponent."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.MulOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        ea, eb = act_exp(op, op.lhs, "lhs"), act_exp(op, op.rhs, "rhs")
        e_out = act_exp(op, op.output, "result")
        finish(op, rewriter, [sh.MulOp(op.lhs, op.rhs, op.output.type, shift=e_out - ea - eb, node=_node(op))])


class LowerClamp(RewritePattern):
    """quant.relu / quant.clip -> shift.clamp on one exponent, shift.requant with bounds across two."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, q.ReluOp):
            lo, hi = 0.0, math.inf
        elif isinstance(op, q.ClipOp):
            lo, hi = op.lo, op.hi
        else:
            return
        check_quantized(op)
        x, out = op.operands[0], op.results[0]
        e_in, e_out = act_exp(op, x, "input"), act_exp(op, out, "result")
        bounds = act_clamp(op, lo, hi, out)
        if e_in == e_out and x.type == out.type:
            if bounds is None:
                rewriter.replace(op, [], [x])
                return
            finish(op, rewriter, [sh.ClampOp(x, clamp=bounds, node=_node(op))])
            return
        finish(op, rewriter, [sh.RequantOp(x, out.type, shift=e_out - e_in, clamp=bounds, node=_node(op))])


def lut_table(fn: Callable[[np.ndarray], np.ndarray], in_pot: q.PotType, out_pot: q.PotType,
              rounding: str = HALF_UP) -> np.ndarray:
    """table[i] = clamp(round(fn((i + qmin_in) * 2^e_in) / 2^e_out)) for every input integer, ties per
    `rounding` (the target's: the fake-quant rounding the table stands for)."""
    return numerics.lut_table(fn, in_pot.qmin, in_pot.qmax, in_pot.exp, out_pot.qmin, out_pot.qmax, out_pot.exp,
                              rounding)


class LowerLut(RewritePattern):
    """Any `ElementwiseFunction` op (sigmoid, tanh, hard_sigmoid, hard_swish, leaky_relu, ...) ->
    shift.lut: a table of the op's own `reference` function over every input integer (int8), or
    shift.interp for a wider input (int16): linear interpolation between knots of the function,
    within a quarter of an output step of it (`qcomp.numerics.interp`)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        trait = op.get_trait(ElementwiseFunction)
        if trait is None:
            return
        check_quantized(op)
        x, out = op.operands[0], op.results[0]
        act_exp(op, x, "input")
        act_exp(op, out, "result")
        p_in, p_out = pot(op, x, "input"), pot(op, out, "result")
        if p_in.bits > 16:
            raise fail(op, f"a function table needs an input of at most 16 bits, got {p_in.storage}")
        if p_in.bits > 8:
            try:
                knots, k, s = interp_table(op.reference, p_in.qmin, p_in.qmax, p_in.exp,  # type: ignore[attr-defined]
                                           p_out.qmin, p_out.qmax, p_out.exp)
            except ValueError as e:
                raise fail(op, str(e)) from None
            attr = dense_from_numpy(knots.astype(np.int32))
            finish(op, rewriter, [sh.InterpOp(x, attr, out.type, index_shift=k, shift=s, fn=trait.fn_name,
                                              node=_node(op))])
            return
        table = lut_table(op.reference, p_in, p_out, rounding_of(op))  # type: ignore[attr-defined]
        attr = dense_from_numpy(table.astype(element_dtype(p_out.storage)), p_out.storage)
        finish(op, rewriter, [sh.LutOp(x, attr, out.type, fn=trait.fn_name, node=_node(op))])


SOFTMAX_FRAC_BITS = 16
"""Fraction bits F of the softmax exponential table (lowered while len(axis) * 2^F >= 2^31)."""


def softmax_table(in_pot: q.PotType, length: int, frac_bits: int = SOFTMAX_FRAC_BITS) -> np.ndarray:
    """T[i] = round_half_up(2^F * exp(-i * 2^e_in)) for i in [0, 2^bits), F such that length * 2^F < 2^31."""
    f = frac_bits
    while f > 0 and length << f >= 1 << 31:
        f -= 1
    i = np.arange(1 << in_pot.bits, dtype=np.float64)
    return round_half_up(np.ldexp(np.exp(-np.ldexp(i, in_pot.exp)), f)).astype(np.int64)


class LowerSoftmax(RewritePattern):
    """quant.softmax -> shift.softmax with a 2^bits-entry exponential table (F = 16 fraction bits)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.SoftmaxOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        shp = q.shape_of(op.input)
        axis = op.axis.value.data % len(shp)
        act_exp(op, op.input, "input")
        e_out = act_exp(op, op.output, "result")
        p_in = pot(op, op.input, "input")
        if p_in.bits > 8:
            raise fail(op, f"the exponential table needs an input of at most 8 bits, got {p_in.storage}")
        table = dense_from_numpy(softmax_table(p_in, shp[axis]).astype(np.int32))
        finish(op, rewriter, [sh.SoftmaxOp(op.input, table, op.output.type, axis=axis, shift=e_out,
                                           node=_node(op))])


class LowerLrn(RewritePattern):
    """quant.lrn -> shift.lrn: the factor (bias + alpha/size * sum q^2 2^(2 e_in))^-beta tabulated
    over the integer sum of squares (`qcomp.numerics.lrn`)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.LrnOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        e_in, e_out = act_exp(op, op.input, "input"), act_exp(op, op.output, "result")
        p_in = pot(op, op.input, "input")
        if p_in.bits > 8:
            raise fail(op, f"the LRN table needs an input of at most 8 bits, got {p_in.storage}")
        try:
            table, k, f = lrn_table(op.size_value, op.alpha_value, op.beta_value, op.bias_value, e_in,
                                    max(-p_in.qmin, p_in.qmax))
        except ValueError as e:
            raise fail(op, str(e)) from None
        attr = dense_from_numpy(table.astype(np.int16))
        finish(op, rewriter, [sh.LrnOp(op.input, attr, op.output.type, size=op.size_value, index_shift=k,
                                       shift=f + e_out - e_in, node=_node(op))])


# --------------------------------------------------------------------------- pooling


class LowerMaxPool(RewritePattern):
    """quant.maxpool -> shift.maxpool (+ shift.requant if the result has another exponent)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.MaxPoolOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        act_exp(op, op.input, "input")
        node = _node(op)
        new = sh.MaxPoolOp(op.input, _retyped(op.output.type, op.input.type), kernel=op.kernel_hw,
                           strides=op.stride_hw, pads=op.pad_tlbr, ceil_mode=op.ceil, node=node)
        if op.dilations is not None:
            new.attributes["dilations"] = op.dilations
        finish(op, rewriter, same_type_or_requant(op, new, op.output, node))


class LowerAvgPool(RewritePattern):
    """quant.avgpool -> shift.avgpool: exactly rounded window means, shift = e_out - e_in."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.AvgPoolOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        if op.dilation_hw != [1, 1]:
            raise fail(op, f"dilated average pooling (dilations {op.dilation_hw}) has no integer kernel")
        s = act_exp(op, op.output, "result") - act_exp(op, op.input, "input")
        extra: dict[str, Attribute] = {}
        if op.include_pad:
            extra["count_include_pad"] = IntegerAttr(1, i64)
        if s:
            extra["shift"] = IntegerAttr(s, i64)
        new = sh.AvgPoolOp(op.input, op.output.type, kernel=op.kernel_hw, strides=op.stride_hw,
                           pads=op.pad_tlbr, ceil_mode=op.ceil, node=_node(op), **extra)
        finish(op, rewriter, [new])


class LowerGlobalAvgPool(RewritePattern):
    """quant.global_avgpool -> shift.global_avgpool (exactly rounded mean, shift = e_out - e_in)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.GlobalAvgPoolOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        s = act_exp(op, op.output, "result") - act_exp(op, op.input, "input")
        finish(op, rewriter, [sh.GlobalAvgPoolOp(op.input, op.output.type, shift=s, node=_node(op))])


# --------------------------------------------------------------------------- data movement


class LowerConcat(RewritePattern):
    """quant.concat -> shift.concat with one requantizing shift per input (e_out - e_i)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.ConcatOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        e_out = act_exp(op, op.output, "result")
        shifts = [e_out - act_exp(op, v, f"input {i}") for i, v in enumerate(op.inputs)]
        finish(op, rewriter, [sh.ConcatOp(list(op.inputs), op.output.type, axis=op.axis.value.data,
                                          shifts=shifts, node=_node(op))])


class LowerReshape(RewritePattern):
    """quant.reshape / quant.flatten -> shift.reshape (+ requant if the exponent changes)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, q.ReshapeOp | q.FlattenOp):
            return
        check_quantized(op)
        x, out = op.operands[0], op.results[0]
        node = _node(op)
        new = sh.ReshapeOp(x, _retyped(out.type, x.type), node=node)
        finish(op, rewriter, same_type_or_requant(op, new, out, node))


class LowerTranspose(RewritePattern):
    """quant.transpose -> shift.transpose (+ requant if the exponent changes)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.TransposeOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        node = _node(op)
        new = sh.TransposeOp(op.input, op.permutation, _retyped(op.output.type, op.input.type), node=node)
        finish(op, rewriter, same_type_or_requant(op, new, op.output, node))


class LowerSlice(RewritePattern):
    """quant.slice -> shift.slice (+ requant if the exponent changes)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.SliceOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        node = _node(op)
        new = sh.SliceOp(op.input, op.start_list, op.end_list, op.step_list,
                         _retyped(op.output.type, op.input.type), node=node)
        finish(op, rewriter, same_type_or_requant(op, new, op.output, node))


class LowerPad(RewritePattern):
    """quant.pad -> shift.pad; the fill value is rounded onto the input grid (0.0 -> 0)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.PadOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        e_in = act_exp(op, op.input, "input")
        st = pot(op, op.input, "input").storage
        fill = on_grid(op, op.fill, e_in, st)
        node = _node(op)
        new = sh.PadOp(op.input, op.pad_list, _retyped(op.output.type, op.input.type), fill=fill, node=node)
        finish(op, rewriter, same_type_or_requant(op, new, op.output, node))


# --------------------------------------------------------------------------- resampling


class LowerResizeNearest(RewritePattern):
    """quant.resize_nearest -> shift.resize_nearest with its index tables (+ requant if the result
    has another exponent); the extrapolation value rounded onto the input's grid."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.ResizeNearestOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        e_in = act_exp(op, op.input, "input")
        rows, cols = op.index_tables()
        node = _node(op)
        fill = on_grid(op, op.extrapolation, e_in, pot(op, op.input, "input").storage)
        new = sh.ResizeNearestOp(op.input, rows, cols, _retyped(op.output.type, op.input.type), fill=fill,
                                 node=node)
        finish(op, rewriter, same_type_or_requant(op, new, op.output, node))


class LowerResize(RewritePattern):
    """quant.resize -> shift.resize: the filter's weights at F fraction bits, shift 2F + e_out - e_in
    (`qcomp.numerics.resize.fixed_point_taps` picks F: exact weights if possible, a proven int32
    accumulator always); the extrapolation value rounded onto the result's grid."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.ResizeOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        e_in, e_out = act_exp(op, op.input, "input"), act_exp(op, op.output, "result")
        p_in = pot(op, op.input, "input")
        if p_in.bits > 16:
            raise fail(op, f"the integer resize needs an input of at most 16 bits, got {p_in.storage}")
        (ri, rw), (ci, cw) = op.taps()
        try:
            f, rq, cq = fixed_point_taps(rw, cw, max(-p_in.qmin, p_in.qmax))
        except ValueError as e:
            raise fail(op, str(e)) from None
        fill = on_grid(op, op.extrapolation, e_out, pot(op, op.output, "result").storage)
        finish(op, rewriter, [sh.ResizeOp(op.input, (ri, rq), (ci, cq), op.output.type, frac_bits=f,
                                          shift=2 * f + e_out - e_in, fill=fill, node=_node(op))])


class LowerZeroInterleave(RewritePattern):
    """quant.zero_interleave -> shift.zero_interleave (+ requant if the exponent changes)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: q.ZeroInterleaveOp, rewriter: PatternRewriter) -> None:
        check_quantized(op)
        act_exp(op, op.input, "input")
        node = _node(op)
        new = sh.ZeroInterleaveOp(op.input, op.stride_hw, op.pad_tlbr, _retyped(op.output.type, op.input.type),
                                  node=node)
        finish(op, rewriter, same_type_or_requant(op, new, op.output, node))


# --------------------------------------------------------------------------- the pattern list

def quant_to_shift_patterns() -> list[RewritePattern]:
    """Fresh instances of every quant -> shift pattern."""
    return [
        LowerConstant(), LowerConv2d(), LowerGemm(), LowerMatMul(), LowerAdd(), LowerMaxMin(), LowerMul(),
        LowerPRelu(), LowerClamp(), LowerLut(), LowerLrn(), LowerSoftmax(), LowerMaxPool(), LowerAvgPool(),
        LowerGlobalAvgPool(), LowerConcat(), LowerReshape(), LowerTranspose(), LowerSlice(), LowerPad(),
        LowerResizeNearest(), LowerResize(), LowerZeroInterleave(),
    ]


QUANT_TO_SHIFT_PATTERNS: list[RewritePattern] = quant_to_shift_patterns()
"""The patterns as an importable list (they are stateless)."""


def check_lowerable(op: Operation) -> None:
    """Raise the pass's diagnostic if `op` is a float constant that pot-scale left unquantized
    and something still uses (other ops are checked by their patterns)."""
    if not isinstance(op, q.ConstantOp) or sh.storage_type(op.output.type) is not None or not op.output.uses:
        return
    users = sorted({f"{u.operation.name} '{q.node_of(u.operation)}'" for u in op.output.uses})
    raise fail(op, f"float constant ({op.output.type}) used by {', '.join(users)}: "
                   f"constants must be quantized by pot-scale")


def not_lowered(op: Operation) -> PassFailedException:
    """The diagnostic for a quant op that no pattern lowered: it has no lowering."""
    hint = " (run fold-batchnorm first)" if isinstance(op, q.BatchNormOp) else ""
    return fail(op, f"has no lowering to the shift dialect{hint}")


__all__ = [
    "QUANT_TO_SHIFT_PATTERNS", "check_lowerable", "not_lowered", "dyadic", "lut_table", "quant_to_shift_patterns",
    "softmax_table",
]
