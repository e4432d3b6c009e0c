"""`fold-input-affine`: fold the input normalisation `(x - mean) / std` into the first conv / gemm.

A chain of Mul / Add / Sub / Div by constants applied to a function argument is, per
input channel, an affine map x' = a * x + b (Sub(x, c) = Add(x, -c), Sub(c, x) =
Add(-x, c), Div(x, c) = Mul(x, 1 / c) for c without zeros). When the chain's only
consumer is a conv2d (its input) or a gemm (its A), the map folds into the weights:

    conv(a * x + b) = conv'(x),  w'[o, c, ky, kx] = w[o, c, ky, kx] * a[c_in(o, c)]
                                  bias'[o] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] * b[c_in(o, c)]

(c_in(o, c) = group(o) * C / G + c), and likewise for gemm along the K axis of A, with
the shift going into C (beta folded in). The quantized network then reads the raw input,
whose range is known to the user, and one elementwise pass over the image disappears.

Refused when not exact: a constant that varies along any axis but the channel axis, or
that would grow the shape by broadcasting; an intermediate with another use; an add with a
fused activation; a Div by a constant holding a zero or by the chain; and, when b != 0, a
conv with padding (the zeros padded around a * x + b are not a padding of x). Only float
constants and tensors are touched. The conv keeps its `node` name and lists the chain's
nodes in `fused`; the function records the map as `arg_normalisation = {"<arg index>" =
[array<f64: a...>, array<f64: b...>]}` (data-free calibration infers the raw input range).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, DictionaryAttr, ModuleOp, f64
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qcomp.dialects import quant
from qcomp.registry import register_pass
from qcomp.rewriting import fused_names

AFFINE_OPS = (quant.AddOp, quant.SubOp, quant.MulOp, quant.DivOp)






def _per_channel(c: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray | None:
    """`c` as a float64 vector along `axis`, if it broadcasts to `shape` without growing it
    and is constant along every other axis."""
    try:
        if np.broadcast_shapes(c.shape, shape) != shape:
            return None
    except ValueError:
        return None
    full = np.broadcast_to(np.asarray(c, np.float64), shape)
    vec = full[tuple(slice(None) if i == axis else 0 for i in range(len(shape)))]
    expand = [1] * len(shape)
    expand[axis] = shape[axis]
    if not np.array_equal(full, np.broadcast_to(vec.reshape(expand), shape)):
        return None
    return vec


@dataclass
class AffineChain:
    """x = a * arg + b per channel, computed by `ops` (nearest to the consumer first)."""

    arg: SSAValue
    ops: list[Operation]
    a: np.ndarray
    b: np.ndarray


def affine_step(op: Operation, axis: int) -> tuple[SSAValue, np.ndarray | float, np.ndarray | float] | None:
    """(u, p, q) when `op` computes p * u + q per channel of `axis` (a Mul / Add / Sub / Div of the
    tensor u by a float constant, no fused activation, same type in and out), else None."""
    if not isinstance(op, AFFINE_OPS) or (isinstance(op, quant.AddOp) and op.has_activation):
        return None
    lc, rc = quant.float_constant(op.lhs), quant.float_constant(op.rhs)
    if rc is not None and lc is None:
        u, c, u_first = op.lhs, rc, True
    elif lc is not None and rc is None:
        u, c, u_first = op.rhs, lc, False
    else:
        return None
    if u.type != op.output.type or not quant.is_float_tensor(u.type):
        return None
    vec = _per_channel(c, quant.shape_of(u), axis)
    if vec is None:
        return None
    if isinstance(op, quant.MulOp):
        return u, vec, 0.0
    if isinstance(op, quant.AddOp):
        return u, 1.0, vec
    if isinstance(op, quant.SubOp):
        return (u, 1.0, -vec) if u_first else (u, -1.0, vec)
    if not u_first or np.any(vec == 0):
        return None
    return u, 1.0 / vec, 0.0


def affine_chain(x: SSAValue, axis: int, to_argument: bool = True) -> AffineChain | None:
    """Walk back from `x` through single-use constant Mul/Add/Sub/Div to a function argument
    (`to_argument`), or to the first value that is not such an op's single-use result (then the
    chain's `arg` is that value and `x` itself may have any number of uses)."""
    if not quant.is_float_tensor(x.type):
        return None
    shape = quant.shape_of(x)
    if len(shape) <= axis:
        return None
    a, b = np.ones(shape[axis]), np.zeros(shape[axis])
    ops: list[Operation] = []
    v = x
    while not isinstance(v, BlockArgument):
        step = affine_step(v.owner, axis)  # type: ignore[arg-type]
        if step is None or (not v.has_one_use() and (to_argument or v is not x)):
            if to_argument:
                return None
            break
        u, p, q = step  # v = p * u + q
        # x = a * v + b = (a * p) * u + (a * q + b)
        a, b = a * p, a * q + b
        ops.append(v.owner)  # type: ignore[arg-type]
        v = u
    if not ops or (to_argument and not isinstance(v.block.parent_op(), func.FuncOp)):  # type: ignore[union-attr]
        return None
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    return AffineChain(v, ops, np.asarray(a, np.float64), np.asarray(b, np.float64))




def _record_normalisation(chain: AffineChain) -> None:
    """Keep x' = a x + b on the function (`arg_normalisation`, keyed by argument index): the
    raw input's range follows from it when there are no calibration samples."""
    assert isinstance(chain.arg, BlockArgument)
    f = chain.arg.block.parent_op()
    assert isinstance(f, func.FuncOp)
    old = f.attributes.get("arg_normalisation")
    entries = dict(old.data) if isinstance(old, DictionaryAttr) else {}
    entries[str(chain.arg.index)] = ArrayAttr([DenseArrayBase.from_list(f64, [float(v) for v in chain.a]),
                                               DenseArrayBase.from_list(f64, [float(v) for v in chain.b])])
    f.attributes["arg_normalisation"] = DictionaryAttr(entries)


def _rewrite(op: quant.Conv2dOp | quant.GemmOp, chain: AffineChain, consts: list[quant.ConstantOp],
             operands: list[SSAValue | None], dropped: tuple[str, ...], rewriter: PatternRewriter) -> None:
    """Replace `op` by a copy with `operands`, then erase the chain and the constants left dead."""
    attrs: dict[str, Attribute] = {k: v for k, v in op.attributes.items() if k not in dropped and k != "fused"}
    if (names := fused_names(op, list(reversed(chain.ops)))) is not None:  # from the argument to the consumer
        attrs["fused"] = names
    new = type(op).create(operands=[v for v in operands if v is not None],
                          result_types=[op.output.type], attributes=attrs)
    new.output.name_hint = op.output.name_hint
    for c in consts:
        rewriter.insert(c)
    maybe_dead = [*op.operands[1:], *(v for o in chain.ops for v in o.operands)]
    _record_normalisation(chain)
    rewriter.replace(op, new)
    for o in chain.ops:
        rewriter.erase(o)
    seen: set[int] = set()
    for v in maybe_dead:
        if isinstance(d := v.owner, Operation) and id(d) not in seen and d.parent is not None:
            seen.add(id(d))
            if not any(r.uses for r in d.results):
                rewriter.erase(d)


def padding_breaks_fold(conv: quant.Conv2dOp, chain: AffineChain) -> bool:
    """The chain shifts (b != 0) and `conv` pads: padding a * x + b with zeros is not padding x
    with zeros, so the chain cannot fold into it."""
    return bool(np.any(chain.b != 0)) and any(conv.pad_tlbr)


@dataclass
class FoldInputAffineIntoConv(RewritePattern):
    """conv2d(a * arg + b) -> conv2d'(arg), weights scaled per input channel, bias shifted."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.Conv2dOp, rewriter: PatternRewriter) -> None:
        chain = affine_chain(op.input, 1)
        w = quant.float_constant(op.weight)
        if chain is None or w is None or (op.bias is not None and quant.float_constant(op.bias) is None):
            return
        if padding_breaks_fold(op, chain):
            return
        shifts = bool(np.any(chain.b != 0))
        o, cg = w.shape[:2]
        cin = (np.arange(o) // (o // op.groups))[:, None] * cg + np.arange(cg)[None, :]
        w64 = np.asarray(w, np.float64)
        node = quant.node_of(op)
        new_w = quant.replacement_constant(w64 * chain.a[cin][:, :, None, None], op.weight, w.dtype, f"{node}.weight")
        consts, bias = [new_w], op.bias
        if shifts:
            b0 = np.asarray(quant.float_constant(op.bias), np.float64) if op.bias is not None else 0.0
            b64 = b0 + np.sum(w64 * chain.b[cin][:, :, None, None], axis=(1, 2, 3))
            consts.append(new_b := quant.replacement_constant(b64, op.bias, w.dtype, f"{node}.bias"))
            bias = new_b.output
        _rewrite(op, chain, consts, [chain.arg, new_w.output, bias], (), rewriter)


@dataclass
class FoldInputAffineIntoGemm(RewritePattern):
    """gemm(a * arg + b, B, C) -> gemm(arg, B', C'): rows of B' (along K) scaled, C' shifted."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: quant.GemmOp, rewriter: PatternRewriter) -> None:
        chain = affine_chain(op.a, 0 if op.ta else 1)
        bmat = quant.float_constant(op.b)
        if chain is None or bmat is None or (op.c is not None and quant.float_constant(op.c) is None):
            return
        b64 = np.asarray(bmat, np.float64)
        kn = b64.T if op.tb else b64  # [K, N]
        scaled = kn * chain.a[:, None]
        node = quant.node_of(op)
        new_b = quant.replacement_constant(scaled.T if op.tb else scaled, op.b, bmat.dtype, f"{node}.weight")
        consts, c, dropped = [new_b], op.c, tuple[str, ...]()
        if np.any(chain.b != 0):
            c0 = op.beta_value * np.asarray(quant.float_constant(op.c), np.float64) if op.c is not None else 0.0
            c64 = c0 + op.alpha_value * (chain.b @ kn)
            consts.append(new_c := quant.replacement_constant(c64, op.c, bmat.dtype, f"{node}.bias"))
            c, dropped = new_c.output, ("beta",)
        _rewrite(op, chain, consts, [chain.arg, new_b.output, c], dropped, rewriter)


PATTERNS: tuple[RewritePattern, ...] = (FoldInputAffineIntoConv(), FoldInputAffineIntoGemm())
"""The rewrite patterns of `fold-input-affine`, for composition into other passes."""


@register_pass
@dataclass(frozen=True)
class FoldInputAffinePass(ModulePass):
    """Fold constant Mul/Add/Sub/Div on a function argument into the conv2d / gemm reading it."""

    name = "fold-input-affine"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(list(PATTERNS))).rewrite_module(op)
