"""shift -> emitc: one `emitc.kernel` per shift op, an arena buffer per activation, and the C API.

The conversion is not a set of independent local rewrites: the memory layout of every
activation (NHWC inside, NCHW at the boundary, reshapes as aliases) is decided along the
schedule, and each kernel is generated for the layouts of its operands. So the reusable
library here is a *rule table*, `LOWERINGS` (shift op class -> rule), applied by
`lower_shift_to_emitc(module, prefix)` in schedule order; a user pass can register a rule
for its own op, or call the generators in `qcomp.backend.kernels*` from it.

Result (see `qcomp.dialects.emitc`): includes, helper text, header macros, per kernel its
constant `emitc.global`s and the `emitc.kernel`, one `emitc.arena`, and the two public
functions `{prefix}_forward` (int in, int out: calls in schedule order, activations as
`emitc.buffer`s whose offsets `plan-memory` assigns) and `{prefix}_forward_float`.
The graph's inputs are read in place and outputs written in place (NCHW, batch 1).
With `dump` (the default), `{prefix}_forward` also holds the bring-up dump: an `emitc.dump`
of every tensor of `qcomp.dump.dump_entries` right after the call that computes it (before
the arena reuses its bytes) and an `emitc.dump_manifest` at the end; both print as code under
`#if defined(QC_DUMP)` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, Signedness, StringAttr, TensorType, f32
from xdsl.ir import Attribute, Operation, SSAValue

from qcomp.backend.kernels import HELPERS, ConvSpec, FcSpec, KernelCode, KernelError, gen_conv2d, gen_fc
from qcomp.backend.kernels_resample import gen_resize, gen_resize_nearest, gen_zero_interleave
from qcomp.backend.kernels_tensor import (
    gen_avgpool,
    gen_binary,
    gen_clamp,
    gen_concat,
    gen_global_avgpool,
    gen_interp,
    gen_lrn,
    gen_lut,
    gen_maxpool,
    gen_pad,
    gen_prelu,
    gen_relayout,
    gen_requant,
    gen_slice,
    gen_softmax,
    gen_transpose,
)
from qcomp.backend.layout import View
from qcomp.dialects import emitc as ec
from qcomp.dialects import shift as sh
from qcomp.dialects.constants import dense_from_numpy
from qcomp.dialects.quant import node_of
from qcomp.dump import AFTER_OP, AT_END, AT_START, DumpEntry, dump_entries, manifest_text
from qcomp.errors import QcompError
from qcomp.numerics import HALF_UP
from qcomp.target import rounding_of

PREFIX_ATTR = "qcomp.c_prefix"


class LoweringError(Exception):
    """A shift op that cannot be lowered: the message names the op and its ONNX node."""


def _slug(text: str, limit: int = 32) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return (s[-limit:].lstrip("_") or "op") if s else "op"


def c_elt(t: Attribute) -> str:
    """The C element type of a shift tensor type (its integer storage)."""
    st = sh.storage_type(t)
    if st is None:
        raise LoweringError(f"{t} is not an integer tensor")
    w = st.width.data
    if w not in (8, 16, 32):
        raise LoweringError(f"{w}-bit storage has no C type here")
    return f"{'u' if st.signedness.data == Signedness.UNSIGNED else ''}int{w}_t"


def _int_type(ctype: str) -> IntegerType:
    bits = int(re.sub(r"\D", "", ctype))
    return IntegerType(bits, Signedness.UNSIGNED) if ctype.startswith("u") else IntegerType(bits)


def _ptr(ctype: str, const: bool = False) -> ec.PointerType:
    return ec.const_ptr(ctype) if const else ec.PointerType(_int_type(ctype))


@dataclass
class Val:
    """An activation during lowering: its layout and the pointer (SSA) that holds it."""

    view: View
    ptr: SSAValue
    is_arg: bool = False


class Lowering:
    """State of one function's lowering (see the module docstring)."""

    def __init__(self, module: ModuleOp, prefix: str, dump: bool = True):
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", prefix):
            raise LoweringError(f"prefix '{prefix}' is not a C identifier")
        self.module = module
        self.prefix = prefix
        funcs = [o for o in module.ops if isinstance(o, func.FuncOp)]
        mains = [f for f in funcs if f.sym_name.data == "main"] or funcs
        if len(mains) != 1:
            raise LoweringError(f"expected one function to lower, found {[f.sym_name.data for f in funcs]}")
        self.func = mains[0]
        self.consts: dict[SSAValue, np.ndarray] = {}
        self.vals: dict[SSAValue, Val] = {}
        self.top: list[Operation] = []  # module-level ops (globals, kernels) in order
        self.body: list[Operation] = []  # ops of the forward function
        self.count = 0
        self.claims: dict[SSAValue, int] = {}  # value -> graph output index written in place
        self.dump = dump

    # ---- helpers used by the rules

    def kernel(self, op: Operation, code: KernelCode, inputs: list[Val], out: Val,
               label: str | None = None, kind: str | None = None) -> None:
        """Add `code` as an emitc.kernel (with its globals) and call it."""
        node = node_of(op)
        name = f"{self.prefix}_{self.count:02d}_{_slug(label or node)}"
        self.count += 1
        gnames = []
        for g in code.globals:
            gname = g.name.replace("@K", name)
            data = np.asarray(g.data).astype(np.dtype(g.ctype.replace("_t", "")))
            self.top.append(ec.GlobalOp(gname, dense_from_numpy(data), node=node, guard=g.guard))
            gnames.append(gname)
        params = [(n, _ptr(ct, const=not is_out)) for n, ct, is_out in code.params]
        body = code.body.replace("@K", name)
        prelude = code.prelude.replace("@K", name) if code.prelude else None
        self.top.append(ec.KernelOp(name, params, body, node=node, op=kind or op.name, globals=gnames, inplace=code.inplace,
                                    macs=code.macs or None, prelude=prelude))
        self.body.append(ec.CallOp(name, [v.ptr for v in inputs] + [out.ptr]))

    def new_buffer(self, view: View, node: str) -> Val:
        buf = ec.BufferOp(view.nbytes, _ptr(view.ctype), attributes={
            "node": StringAttr(node), "shape": StringAttr("x".join(map(str, view.shape))),
            "layout": StringAttr(view.describe())})
        self.body.append(buf)
        return Val(view, buf.result)

    def output_for(self, op: Operation, result: SSAValue, preferred: View) -> Val:
        """Where `result` goes: the graph output it is claimed by (row-major), else a new buffer."""
        k = self.claims.get(result)
        if k is not None:
            view = View.rowmajor(preferred.shape, preferred.ctype)
            return Val(view, self.out_args[k])
        return self.new_buffer(preferred, node_of(op))

    def relayout(self, op: Operation, v: Val, view: View) -> Val:
        """A copy of `v` in layout `view` (e.g. NCHW -> NHWC)."""
        out = self.new_buffer(view, node_of(op) + ":relayout")
        self.kernel(op, gen_relayout("@K", v.view, view), [v], out, label=node_of(op) + "_relayout",
                    kind="relayout")
        return out

    def strided(self, op: Operation, v: Val) -> Val:
        """`v`, or a row-major copy when its layout has no per-axis strides."""
        return v if v.view.strides() is not None else self.relayout(op, v, View.rowmajor(v.view.shape, v.view.ctype))

    def val(self, v: SSAValue) -> Val:
        """The activation `v`; a constant tensor used as an operand becomes an `emitc.global`."""
        if v in self.vals:
            return self.vals[v]
        if v not in self.consts:
            raise LoweringError(f"{v} is neither an activation nor a constant")
        t = v.type
        assert isinstance(t, TensorType)
        view = View.rowmajor(tuple(t.get_shape()), c_elt(t))
        owner = v.owner
        node = node_of(owner) if isinstance(owner, Operation) else "constant"
        name = f"{self.prefix}_c{len([o for o in self.top if isinstance(o, ec.GlobalOp)])}_{_slug(node)}"
        data = np.asarray(self.consts[v]).astype(np.dtype(view.ctype.replace("_t", ""))).reshape(-1)
        self.top.append(ec.GlobalOp(name, dense_from_numpy(data), node=node))
        ref = ec.GetGlobalOp(name, _ptr(view.ctype, const=True))
        self.body.append(ref)
        self.vals[v] = Val(view, ref.result, is_arg=True)
        return self.vals[v]

    def const(self, op: Operation, v: SSAValue, what: str) -> np.ndarray:
        if v not in self.consts:
            raise LoweringError(f"{op.name} '{node_of(op)}': the {what} must be a shift.constant")
        return self.consts[v]

    # ---- driver

    def run(self) -> None:
        f = self.func
        block = f.body.block
        ret = block.last_op
        if not isinstance(ret, func.ReturnOp):
            raise LoweringError(f"@{f.sym_name.data} does not end with func.return")
        outs = list(ret.operands)
        args: list[tuple[str, ec.PointerType]] = []
        in_views = []
        for i, a in enumerate(block.args):
            t = a.type
            if not isinstance(t, TensorType):
                raise LoweringError(f"argument {i} is not a tensor")
            if t.get_shape() and t.get_shape()[0] != 1:
                raise LoweringError(f"argument {i} has batch {t.get_shape()[0]}: the C backend compiles batch 1")
            v = View.rowmajor(tuple(t.get_shape()), c_elt(t))
            in_views.append(v)
            args.append((f"in{i}", _ptr(v.ctype, const=True)))
        out_views = []
        for k, o in enumerate(outs):
            t = o.type
            assert isinstance(t, TensorType)
            v = View.rowmajor(tuple(t.get_shape()), c_elt(t))
            out_views.append(v)
            args.append((f"out{k}", _ptr(v.ctype)))
        fwd = ec.FuncOp(f"{self.prefix}_forward", args)
        fargs = list(fwd.body.block.args)
        self.out_args = fargs[len(in_views):]
        for a, v, p in zip(block.args, in_views, fargs):
            self.vals[a] = Val(v, p, is_arg=True)
        self._claim_outputs(outs)
        entries = self._dump_entries()
        after_op = {e.value: e for e in entries if e.when == AFTER_OP}
        for e in entries:
            if e.when == AT_START:
                assert e.value is not None
                self.dump_tensor(e, self.vals[e.value])
        for op in block.ops:
            if op is ret:
                break
            self.lower_op(op)
            for r in op.results:
                if r in after_op:
                    self.dump_tensor(after_op[r], self.vals[r])
        # graph outputs not written in place: copy them
        for k, o in enumerate(outs):
            src = self.vals[o]
            if src.ptr is self.out_args[k]:
                continue
            owner = o.owner if isinstance(o.owner, Operation) else ret
            self.kernel(owner, gen_relayout("@K", src.view, out_views[k]), [src],
                        Val(out_views[k], self.out_args[k]), label=f"output{k}_copy", kind="relayout")
        for e in entries:
            if e.when == AT_END:
                assert e.output_index is not None
                self.dump_tensor(e, Val(out_views[e.output_index], self.out_args[e.output_index]))
        if entries:
            self.body.append(ec.DumpManifestOp(f"{self.prefix}_dump_manifest", manifest_text(entries)))
        self.body.append(ec.ReturnOp())
        fwd.body.block.add_ops(self.body)
        self._emit_module(fwd, in_views, out_views)

    def _dump_entries(self) -> list[DumpEntry]:
        if not self.dump:
            return []
        try:
            return dump_entries(self.func)
        except QcompError as e:
            raise LoweringError(f"dump: {e}") from None

    def dump_tensor(self, e: DumpEntry, v: Val) -> None:
        """An `emitc.dump` of `v` in logical order: the view's split axes in row-major order,
        each with its memory stride (size-1 axes dropped, contiguous runs merged)."""
        if v.view.shape != e.shape or v.view.ctype != e.ctype:
            raise LoweringError(f"dump of {e.describe()}: the C holds it as {list(v.view.shape)} {v.view.ctype}")
        dims: list[int] = []
        strides: list[int] = []
        for d, st in zip(v.view.split, v.view.split_strides()):
            if d == 1:
                continue
            if dims and strides[-1] == st * d:
                dims[-1] *= d
                strides[-1] = st
            else:
                dims.append(d)
                strides.append(st)
        if len(dims) > ec.DUMP_MAX_RANK:
            raise LoweringError(f"dump of {e.describe()}: layout {v.view.describe()} has more than "
                                f"{ec.DUMP_MAX_RANK} axes")
        self.body.append(ec.DumpOp(v.ptr, e.file, dims or [1], strides or [1]))

    def _claim_outputs(self, outs: list[SSAValue]) -> None:
        seen: set[SSAValue] = set()
        for k, o in enumerate(outs):
            chain = [o]
            v = o
            while isinstance(v.owner, sh.ReshapeOp) and v.owner.input.has_one_use():
                v = v.owner.input
                chain.append(v)
            if isinstance(v.owner, Operation) and not isinstance(v.owner, sh.ConstantOp) and v not in seen:
                if sum(1 for u in outs if u is o) == 1 or k == outs.index(o):
                    for c in chain:
                        self.claims[c] = k
                    seen.add(v)

    def lower_op(self, op: Operation) -> None:
        if isinstance(op, sh.ConstantOp):
            self.consts[op.output] = np.asarray(op.numpy())
            return
        rule = None
        for cls in type(op).__mro__:
            rule = LOWERINGS.get(cls)
            if rule is not None:
                break
        if rule is None:
            raise LoweringError(f"{op.name} '{node_of(op)}': no C lowering for this op")
        for r in op.results:
            if isinstance(r.type, TensorType) and 0 in r.type.get_shape():
                raise LoweringError(f"{op.name} '{node_of(op)}': its result {r.type} is empty: the C backend "
                                    "has no empty tensors")
        for v in op.operands:
            if v not in self.vals and v not in self.consts:
                raise LoweringError(f"{op.name} '{node_of(op)}': operand {v} is not an activation or constant")
        for v in op.operands:  # constant operands of elementwise/data-movement ops become globals
            if v not in self.vals and not isinstance(op, sh.Conv2dOp | sh.FcOp):
                self.val(v)
        try:
            rule(self, op)
        except KernelError as e:
            raise LoweringError(f"{op.name} '{node_of(op)}': {e}") from None

    def _emit_module(self, fwd: ec.FuncOp, in_views: list[View], out_views: list[View]) -> None:
        p, P = self.prefix, self.prefix.upper()
        f = self.func
        helpers = HELPERS if rounding_of(f) == HALF_UP else (
            "/* target rounding: half-even (every tie rounds to the even neighbour) */\n"
            "#define QC_ROUND_HALF_EVEN 1\n\n" + HELPERS)
        head: list[Operation] = [ec.IncludeOp("stdint.h"), ec.IncludeOp("string.h"), ec.VerbatimOp(helpers)]
        exps_in = [_exp_of(a.type, f"input {i}") for i, a in enumerate(f.body.block.args)]
        ret = f.body.block.last_op
        assert ret is not None
        exps_out = [_exp_of(v.type, f"output {k}") for k, v in enumerate(ret.operands)]
        for i, v in enumerate(in_views):
            head.append(ec.DefineOp(f"{P}_IN{i}_SIZE", v.size, f"elements of input {i} {list(v.shape)}"))
            head.append(ec.DefineOp(f"{P}_IN{i}_EXP", f"({exps_in[i]})", f"real = q * 2^{P}_IN{i}_EXP"))
        for k, v in enumerate(out_views):
            head.append(ec.DefineOp(f"{P}_OUT{k}_SIZE", v.size, f"elements of output {k} {list(v.shape)}"))
            head.append(ec.DefineOp(f"{P}_OUT{k}_EXP", f"({exps_out[k]})", f"real = q * 2^{P}_OUT{k}_EXP"))
        head.append(ec.DefineOp(f"{P}_ARENA_SIZE", 0, "bytes of activation RAM (static arena)"))
        arena = ec.ArenaOp(f"{p}_arena", 0, 16)
        # float wrapper
        fargs = [(f"in{i}", ec.const_ptr("float")) for i in range(len(in_views))]
        fargs += [(f"out{k}", ec.PointerType(f32)) for k in range(len(out_views))]
        ff = ec.FuncOp(f"{p}_forward_float", fargs)
        fa = list(ff.body.block.args)
        ops: list[Operation] = []
        qs = []
        for i, v in enumerate(in_views):
            qb = ec.StaticBufferOp(f"{p}_in{i}_q", v.size, _ptr(v.ctype))
            lo, hi = _ctype_range(v.ctype)
            ops += [qb, ec.QuantizeInputOp(fa[i], qb.result, v.size, exps_in[i], lo, hi)]
            qs.append(qb.result)
        os_ = []
        for k, v in enumerate(out_views):
            ob = ec.StaticBufferOp(f"{p}_out{k}_q", v.size, _ptr(v.ctype))
            ops.append(ob)
            os_.append(ob.result)
        ops.append(ec.CallOp(fwd.sym_name.data, qs + os_))
        for k, v in enumerate(out_views):
            ops.append(ec.DequantizeOutputOp(os_[k], fa[len(in_views) + k], v.size, exps_out[k]))
        ops.append(ec.ReturnOp())
        ff.body.block.add_ops(ops)
        new_ops = [*head, arena, *self.top, fwd, ff]
        f.detach()
        f.erase()
        self.module.body.block.add_ops(new_ops)
        self.module.attributes[PREFIX_ATTR] = StringAttr(self.prefix)


def _exp_of(t, what: str) -> int:
    pot = sh.pot_exps(t)
    if pot is None:
        return 0
    if pot.per_axis:
        raise LoweringError(f"{what} is quantized per axis ({pot}): the C API needs one exponent")
    return pot.exp


def _ctype_range(ctype: str) -> tuple[int, int]:
    from qcomp.backend.kernels import CTYPE_RANGE

    return CTYPE_RANGE[ctype]


# --------------------------------------------------------------------------- rules


def _chw_view(shape: tuple[int, ...], ctype: str) -> View:
    return View.nhwc(shape, ctype) if len(shape) == 4 else View.rowmajor(shape, ctype)


def _out_shape(op: Operation) -> tuple[int, ...]:
    t = op.results[0].type
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


def _lower_conv(lw: Lowering, op: sh.Conv2dOp) -> None:
    x = lw.vals[op.input]
    c = x.view.shape[1]
    xs = x.view.strides()
    if xs is None or (c > 1 and op.groups == 1 and not (xs[1] == 1 and xs[3] == c)):
        x = lw.relayout(op, x, View.nhwc(x.view.shape, x.view.ctype))
    w = lw.const(op, op.weight, "weight")
    o = w.shape[0]
    bias = np.zeros(o, np.int64)
    if op.bias is not None:
        bias = lw.const(op, op.bias, "bias").astype(np.int64) << np.asarray(op.bias_shifts(), np.int64)
    ct = c_elt(op.output.type)
    y = lw.output_for(op, op.output, View.nhwc(_out_shape(op), ct))
    lo, hi = op.clamp_bounds()
    spec = ConvSpec(x.view, y.view, np.asarray(w), bias, np.asarray(op.shifts(), np.int64), lo, hi,
                    tuple(op.stride_hw), tuple(op.pad_tlbr), tuple(op.dilation_hw), op.groups)
    lw.kernel(op, gen_conv2d("@K", spec), [x], y)
    lw.vals[op.output] = y


def _lower_fc(lw: Lowering, op: sh.FcOp) -> None:
    x = lw.vals[op.input]
    w = lw.const(op, op.weight, "weight")
    if not x.view.is_rowmajor() and x.view.size != w.shape[1]:
        x = lw.relayout(op, x, View.rowmajor(x.view.shape, x.view.ctype))
    bias = np.zeros(w.shape[0], np.int64)
    if op.bias is not None:
        bias = lw.const(op, op.bias, "bias").astype(np.int64) << np.asarray(op.bias_shifts(), np.int64)
    y = lw.output_for(op, op.output, View.rowmajor(_out_shape(op), c_elt(op.output.type)))
    lo, hi = op.clamp_bounds()
    spec = FcSpec(x.view, y.view, np.asarray(w), bias, np.asarray(op.shifts(), np.int64), lo, hi)
    lw.kernel(op, gen_fc("@K", spec), [x], y)
    lw.vals[op.output] = y


def _unary(lw: Lowering, op: Operation, make: Callable[[View, View], KernelCode]) -> None:
    x = lw.vals[op.operands[0]]
    ct = c_elt(op.results[0].type)
    want = View(x.view.shape, x.view.split, x.view.perm, ct)
    y = lw.output_for(op, op.results[0], want)
    if not x.view.same_memory_order(View(y.view.shape, y.view.split, y.view.perm, x.view.ctype)):
        x = lw.relayout(op, x, View(y.view.shape, y.view.split, y.view.perm, x.view.ctype))
    lw.kernel(op, make(x.view, y.view), [x], y)
    lw.vals[op.results[0]] = y


def _lower_requant(lw: Lowering, op: sh.RequantOp) -> None:
    lo, hi = op.clamp_bounds()
    _unary(lw, op, lambda x, y: gen_requant("@K", x, y, op.shift_amount, lo, hi))


def _lower_clamp(lw: Lowering, op: sh.ClampOp) -> None:
    lo, hi = op.clamp_bounds()
    _unary(lw, op, lambda x, y: gen_clamp("@K", x, y, lo, hi))


def _lower_lut(lw: Lowering, op: sh.LutOp) -> None:
    _unary(lw, op, lambda x, y: gen_lut("@K", x, y, op.table_values()))


def _lower_interp(lw: Lowering, op: sh.InterpOp) -> None:
    _unary(lw, op, lambda x, y: gen_interp("@K", x, y, op.table_values(), op.index_shift_value, op.shift_amount))


def _lower_binary(lw: Lowering, op: Operation) -> None:
    a, b = lw.vals[op.operands[0]], lw.vals[op.operands[1]]
    shape = _out_shape(op)
    ct = c_elt(op.results[0].type)
    base = a if a.view.shape == shape else (b if b.view.shape == shape else None)
    want = (View(shape, base.view.split, base.view.perm, ct) if base is not None and base.view.strides() is not None
            else _chw_view(shape, ct))
    y = lw.output_for(op, op.results[0], want)
    yv = y.view
    same_a = a.view.shape == shape and a.view.same_memory_order(View(shape, yv.split, yv.perm, a.view.ctype))
    same_b = b.view.shape == shape and b.view.same_memory_order(View(shape, yv.split, yv.perm, b.view.ctype))
    if not (same_a and same_b):
        a, b = lw.strided(op, a), lw.strided(op, b)
        if yv.strides() is None:
            raise LoweringError(f"{op.name} '{node_of(op)}': output layout {yv.describe()} is not strided")
    kinds = {sh.AddOp: "add", sh.MaxOp: "max", sh.MinOp: "min", sh.MulOp: "mul"}
    kind = kinds[type(op)]
    assert isinstance(op, sh.AddOp | sh.MaxOp | sh.MinOp | sh.MulOp)
    lo, hi = op.clamp_bounds()
    align = op.align_shifts if isinstance(op, sh.AddOp | sh.MaxOp | sh.MinOp) else (0, 0)
    code = gen_binary("@K", kind, a.view, b.view, yv, align=align, shift=op.shift_amount, lo=lo, hi=hi)
    lw.kernel(op, code, [a, b], y)
    lw.vals[op.results[0]] = y


def _lower_prelu(lw: Lowering, op: sh.PReluOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    slope = lw.val(op.slope)
    y = lw.output_for(op, op.output, View(x.view.shape, x.view.split, x.view.perm, c_elt(op.output.type)))
    if y.view.strides() is None:
        raise LoweringError(f"{op.name} '{node_of(op)}': output layout {y.view.describe()} is not strided")
    code = gen_prelu("@K", x.view, slope.view, y.view, op.shift_amount, op.slope_shifts())
    lw.kernel(op, code, [x, slope], y)
    lw.vals[op.output] = y


def _lower_maxpool(lw: Lowering, op: sh.MaxPoolOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View.nhwc(_out_shape(op), c_elt(op.output.type)))
    lw.kernel(op, gen_maxpool("@K", x.view, y.view, op.kernel_hw, op.stride_hw, op.pad_tlbr, op.dilation_hw),
              [x], y)
    lw.vals[op.output] = y


def _lower_avgpool(lw: Lowering, op: sh.AvgPoolOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View.nhwc(_out_shape(op), c_elt(op.output.type)))
    code = gen_avgpool("@K", x.view, y.view, op.kernel_hw, op.stride_hw, op.pad_tlbr, op.include_pad,
                       op.shift_amount)
    lw.kernel(op, code, [x], y)
    lw.vals[op.output] = y


def _lower_gap(lw: Lowering, op: sh.GlobalAvgPoolOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, _chw_view(_out_shape(op), c_elt(op.output.type)))
    lw.kernel(op, gen_global_avgpool("@K", x.view, y.view, op.shift_amount), [x], y)
    lw.vals[op.output] = y


def _lower_lrn(lw: Lowering, op: sh.LrnOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View(x.view.shape, x.view.split, x.view.perm, c_elt(op.output.type)))
    code = gen_lrn("@K", x.view, y.view, op.size_value, op.index_shift_value, op.table_values(), op.shift_amount)
    lw.kernel(op, code, [x], y)
    lw.vals[op.output] = y


def _lower_softmax(lw: Lowering, op: sh.SoftmaxOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    ct = c_elt(op.output.type)
    y = lw.output_for(op, op.output, View(x.view.shape, x.view.split, x.view.perm, ct))
    code = gen_softmax("@K", x.view, y.view, op.axis_index, op.shift_amount, op.table_values())
    lw.kernel(op, code, [x], y)
    lw.vals[op.output] = y


def _lower_concat(lw: Lowering, op: sh.ConcatOp) -> None:
    xs = [lw.strided(op, lw.vals[v]) for v in op.inputs]
    y = lw.output_for(op, op.output, _chw_view(_out_shape(op), c_elt(op.output.type)))
    code = gen_concat("@K", [x.view for x in xs], y.view, op.axis_index, op.shift_list())
    lw.kernel(op, code, xs, y)
    lw.vals[op.output] = y


def _lower_reshape(lw: Lowering, op: sh.ReshapeOp) -> None:
    x = lw.vals[op.input]
    view = x.view.reshaped(_out_shape(op))
    k = lw.claims.get(op.output)
    if k is not None and x.ptr is not lw.out_args[k]:
        y = Val(View.rowmajor(view.shape, view.ctype), lw.out_args[k])
        lw.kernel(op, gen_relayout("@K", view, y.view), [Val(view, x.ptr, x.is_arg)], y, kind="relayout")
        lw.vals[op.output] = y
        return
    lw.vals[op.output] = Val(view, x.ptr, x.is_arg)


def _lower_transpose(lw: Lowering, op: sh.TransposeOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View.rowmajor(_out_shape(op), c_elt(op.output.type)))
    lw.kernel(op, gen_transpose("@K", x.view, y.view, op.permutation), [x], y)
    lw.vals[op.output] = y


def _lower_slice(lw: Lowering, op: sh.SliceOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, _chw_view(_out_shape(op), c_elt(op.output.type)))
    lw.kernel(op, gen_slice("@K", x.view, y.view, op.start_list, op.step_list), [x], y)
    lw.vals[op.output] = y


def _lower_pad(lw: Lowering, op: sh.PadOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, _chw_view(_out_shape(op), c_elt(op.output.type)))
    lw.kernel(op, gen_pad("@K", x.view, y.view, op.pad_list, op.fill_value), [x], y)
    lw.vals[op.output] = y


def _lower_resize_nearest(lw: Lowering, op: sh.ResizeNearestOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View.nhwc(_out_shape(op), c_elt(op.output.type)))
    rows, cols = op.index_tables()
    lw.kernel(op, gen_resize_nearest("@K", x.view, y.view, rows, cols, op.fill_value), [x], y)
    lw.vals[op.output] = y


def _lower_resize(lw: Lowering, op: sh.ResizeOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View.nhwc(_out_shape(op), c_elt(op.output.type)))
    rows, cols = op.tables()
    lw.kernel(op, gen_resize("@K", x.view, y.view, rows, cols, op.shift_amount, op.fill_value), [x], y)
    lw.vals[op.output] = y


def _lower_zero_interleave(lw: Lowering, op: sh.ZeroInterleaveOp) -> None:
    x = lw.strided(op, lw.vals[op.input])
    y = lw.output_for(op, op.output, View.nhwc(_out_shape(op), c_elt(op.output.type)))
    lw.kernel(op, gen_zero_interleave("@K", x.view, y.view, op.stride_hw, op.pad_tlbr), [x], y)
    lw.vals[op.output] = y


Rule = Callable[[Lowering, Operation], None]

#: shift op class -> lowering rule; extend it to lower a user's own op.
LOWERINGS: dict[type[Operation], Rule] = {
    sh.Conv2dOp: _lower_conv,
    sh.FcOp: _lower_fc,
    sh.AddOp: _lower_binary,
    sh.MaxOp: _lower_binary,
    sh.MinOp: _lower_binary,
    sh.MulOp: _lower_binary,
    sh.PReluOp: _lower_prelu,
    sh.RequantOp: _lower_requant,
    sh.ClampOp: _lower_clamp,
    sh.LutOp: _lower_lut,
    sh.InterpOp: _lower_interp,
    sh.LrnOp: _lower_lrn,
    sh.SoftmaxOp: _lower_softmax,
    sh.MaxPoolOp: _lower_maxpool,
    sh.AvgPoolOp: _lower_avgpool,
    sh.GlobalAvgPoolOp: _lower_gap,
    sh.ConcatOp: _lower_concat,
    sh.ReshapeOp: _lower_reshape,
    sh.TransposeOp: _lower_transpose,
    sh.PadOp: _lower_pad,
    sh.ResizeNearestOp: _lower_resize_nearest,
    sh.ResizeOp: _lower_resize,
    sh.ZeroInterleaveOp: _lower_zero_interleave,
    sh.SliceOp: _lower_slice,
}


def lower_shift_to_emitc(module: ModuleOp, prefix: str = "model", dump: bool = True) -> None:
    """Replace the shift function of `module` by the emitc C program (raises LoweringError).

    `dump=False` leaves out the `-DQC_DUMP` tensor dump (see the module docstring)."""
    Lowering(module, prefix, dump).run()


__all__ = ["LOWERINGS", "PREFIX_ATTR", "Lowering", "LoweringError", "Val", "c_elt", "lower_shift_to_emitc"]
