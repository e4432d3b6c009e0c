"""Kernel generators for the non-convolution shift ops: elementwise, pooling, softmax, data movement.

Same contract as `qcomp.backend.kernels` (shared helpers in `kernels.common`, conv/fc per target):
each returns a `KernelCode` whose C follows the shift op's docstring bit for bit.
Elementwise ops whose operands share one memory order run as one flat loop and may run
in place; the others iterate the logical index space with constant strides.
"""

from __future__ import annotations

import numpy as np

from qcomp.backend.kernels.common import (
    CTYPE_RANGE,
    GlobalData,
    KernelCode,
    KernelError,
    _acc_type,
    _channel_window,
    _indent,
    _io,
    _loops,
    _max_abs,
    _offset,
    _requant_call,
    _rounded_div_call,
    _strides,
)
from qcomp.backend.layout import View
from qcomp.numerics.lrn import lrn_window

# --------------------------------------------------------------------------- unary elementwise


def _flat_unary(x: View, y: View, expr: str, globals_: list[GlobalData] | None = None,
                setup: tuple[str, ...] = ()) -> KernelCode:
    """One flat loop y[i] = expr (after the statements `setup`, which may read x0[i])."""
    if not x.same_memory_order(View(y.shape, y.split, y.perm, x.ctype)):
        raise KernelError(f"elementwise input layout {x.describe()} differs from output {y.describe()}")
    body = "\n".join([f"for (int i = 0; i < {x.size}; ++i) {{", *(f"    {line}" for line in setup),
                      f"    y[i] = ({y.ctype})({expr});", "}"])
    return KernelCode(_io([x], y), body, "", globals_ or [], [0], 0)


def gen_requant(name: str, x: View, y: View, shift: int, lo: int, hi: int) -> KernelCode:
    """y = clamp(rshift(x, shift), lo, hi)."""
    acc_t = "int32_t" if x.elt_bytes <= 4 else "int64_t"
    return _flat_unary(x, y, _requant_call(acc_t, "x0[i]", str(shift), lo, hi))


def gen_clamp(name: str, x: View, y: View, lo: int, hi: int) -> KernelCode:
    """y = clamp(x, lo, hi)."""
    return _flat_unary(x, y, f"qc_clamp(x0[i], {lo}, {hi})")


def gen_lut(name: str, x: View, y: View, table: np.ndarray) -> KernelCode:
    """y = table[x - qmin(x)]."""
    qmin = CTYPE_RANGE[x.ctype][0]
    idx = f"x0[i] - ({qmin})" if qmin else "x0[i]"
    return _flat_unary(x, y, f"{name}_t[{idx}]", [GlobalData(f"{name}_t", np.asarray(table), y.ctype)])


def gen_interp(name: str, x: View, y: View, table: np.ndarray, index_shift: int, shift: int) -> KernelCode:
    """u = x - qmin(x), i = u >> k: y = clamp(rshift(T[i] 2^k + (T[i+1] - T[i]) (u & (2^k - 1)), shift))
    in int64 (`qcomp.numerics.interp`)."""
    k, t = index_shift, f"{name}_t"
    lo, hi = CTYPE_RANGE[y.ctype]
    setup = (f"const int32_t u = (int32_t)x0[i] - ({CTYPE_RANGE[x.ctype][0]});",
             f"const int64_t t0 = {t}[u >> {k}];",
             f"const int64_t v = t0 * {1 << k} + ((int64_t){t}[(u >> {k}) + 1] - t0) * (u & {(1 << k) - 1});")
    return _flat_unary(x, y, _requant_call("int64_t", "v", str(shift), lo, hi),
                       [GlobalData(t, np.asarray(table), "int32_t")], setup)


# --------------------------------------------------------------------------- binary elementwise


def gen_binary(name: str, kind: str, a: View, b: View, y: View, *, align: tuple[int, int] = (0, 0),
               shift: int, lo: int, hi: int) -> KernelCode:
    """add: clamp(rshift((a << la) + (b << lb), s)); max / min: clamp(rshift(max(a << la, b << lb), s));
    mul: clamp(rshift(a * b, s)); numpy broadcasting."""
    la, lb = align
    aligned = kind in ("add", "max", "min")
    if aligned:
        fa = f" * {1 << la}" if la else ""
        fb = f" * {1 << lb}" if lb else ""
    if kind == "add":
        bound = _max_abs(a.ctype) * (1 << la) + _max_abs(b.ctype) * (1 << lb)
    elif aligned:
        bound = max(_max_abs(a.ctype) * (1 << la), _max_abs(b.ctype) * (1 << lb))
    else:
        bound = _max_abs(a.ctype) * _max_abs(b.ctype)
    acc_t = _acc_type(bound)

    def expr(ia: str, ib: str) -> str:
        if kind == "add":
            acc = f"({acc_t})x0[{ia}]{fa} + ({acc_t})x1[{ib}]{fb}"
        elif aligned:
            va, vb = f"({acc_t})x0[{ia}]{fa}", f"({acc_t})x1[{ib}]{fb}"
            acc = f"({va} {'>' if kind == 'max' else '<'} {vb} ? {va} : {vb})"
        else:
            acc = f"({acc_t})x0[{ia}] * x1[{ib}]"
        return f"({y.ctype}){_requant_call(acc_t, acc, str(shift), lo, hi)}"

    same = (a.shape == b.shape == y.shape and a.same_memory_order(View(y.shape, y.split, y.perm, a.ctype))
            and b.same_memory_order(View(y.shape, y.split, y.perm, b.ctype)))
    if same:
        body = "\n".join([f"for (int i = 0; i < {y.size}; ++i) {{", f"    y[i] = {expr('i', 'i')};", "}"])
        return KernelCode(_io([a, b], y), body, "", [], [0, 1], y.size if kind == "mul" else 0)
    rank = len(y.shape)
    names = [f"i{d}" for d in range(rank)]
    ys = _strides(y, "output")

    def bstrides(v: View, what: str) -> list[int]:
        st = list(_strides(v, what))
        pad = rank - len(v.shape)
        full = [0] * pad + st
        shape = [1] * pad + list(v.shape)
        return [0 if shape[d] == 1 else full[d] for d in range(rank)]

    head, tail, names = _loops(list(y.shape), names)
    body = "\n".join([head,
                      f"y[{_offset(ys, names)}] = {expr(_offset(bstrides(a, 'lhs'), names), _offset(bstrides(b, 'rhs'), names))};",
                      tail])
    return KernelCode(_io([a, b], y), body, "", [], None, y.size if kind == "mul" else 0)


def gen_prelu(name: str, x: View, slope: View, y: View, shift: int, slope_shifts: list[int]) -> KernelCode:
    """y = clamp(x >= 0 ? rshift(x, shift) : rshift(x * slope, slope_shift[c])) (shift.prelu); the
    slope broadcasts to x (numpy), slope_shift has one value or one per channel (axis 1)."""
    rank = len(y.shape)
    lo, hi = CTYPE_RANGE[y.ctype]
    acc_t = _acc_type(max(_max_abs(x.ctype) * _max_abs(slope.ctype), _max_abs(x.ctype)))
    xs, ys = _strides(x, "input"), _strides(y, "output")
    st = list(_strides(slope, "slope"))
    pad = rank - len(slope.shape)
    sshape = [1] * pad + list(slope.shape)
    sst = [0 if sshape[d] == 1 else ([0] * pad + st)[d] for d in range(rank)]
    names = [f"i{d}" for d in range(rank)]
    head, tail, names = _loops(list(y.shape), names)
    globals_: list[GlobalData] = []
    if len(set(slope_shifts)) == 1:
        neg_s = str(slope_shifts[0])
    else:
        neg_s = f"{name}_s[{names[1]}]"
        globals_.append(GlobalData(f"{name}_s", np.asarray(slope_shifts, np.int64), "int8_t"))
    pos = _requant_call(acc_t, "v", str(shift), lo, hi)
    neg = _requant_call(acc_t, f"v * x1[{_offset(sst, names)}]", neg_s, lo, hi)
    body = "\n".join([
        head,
        f"const {acc_t} v = x0[{_offset(xs, names)}];",
        f"y[{_offset(ys, names)}] = ({y.ctype})(v >= 0 ? {pos} : {neg});",
        tail,
    ])
    return KernelCode(_io([x, slope], y), body, "", globals_, None, 0)


# --------------------------------------------------------------------------- pooling


def gen_maxpool(name: str, x: View, y: View, kernel, strides, pads, dilations) -> KernelCode:
    """Max over the in-bounds taps of each window (padding never wins)."""
    _, c, h, w = x.shape
    _, _, oh, ow = y.shape
    xs, ys = _strides(x, "input"), _strides(y, "output")
    (kh, kw), (sh_, sw_), (pt, pl, _, _), (dh, dw) = kernel, strides, pads, dilations
    lowest = CTYPE_RANGE[x.ctype][0]
    body = _channel_window(
        c, oh, ow, (kh, sh_, pt, dh, h), (kw, sw_, pl, dw, w), f"{x.ctype} m[{c}];", f"m[ci] = {lowest};",
        [f"const {x.ctype} *a = x0 + (iy0 + ky * {dh}) * {xs[2]} + (ix0 + kx * {dw}) * {xs[3]};"],
        f"m[ci] = a[ci * {xs[1]}] > m[ci] ? a[ci * {xs[1]}] : m[ci];",
        f"y[oy * {ys[2]} + ox * {ys[3]} + ci * {ys[1]}] = m[ci];")
    return KernelCode(_io([x], y), body, "", [], None, 0)


def gen_avgpool(name: str, x: View, y: View, kernel, strides, pads, include_pad: bool, shift: int) -> KernelCode:
    """Round half up of (window sum) / (count * 2^shift), count per the shift.avgpool docstring."""
    _, c, h, w = x.shape
    _, _, oh, ow = y.shape
    xs, ys = _strides(x, "input"), _strides(y, "output")
    (kh, kw), (sh_, sw_), (pt, pl, pb, pr) = kernel, strides, pads
    lo, hi = CTYPE_RANGE[y.ctype]
    if include_pad:
        rlo, rhi, clo, chi = 0, h + pt + pb, 0, w + pl + pr
    else:
        rlo, rhi, clo, chi = pt, pt + h, pl, pl + w

    def count(v: str, o: str, k: int, s: int, a: int, b: int) -> str:
        return (f"const int {v}s = {o} * {s};\n"
                f"const int {v}n = ({v}s + {k} < {b} ? {v}s + {k} : {b}) - ({v}s > {a} ? {v}s : {a});")

    div = _rounded_div_call("acc[ci]", "n", shift, kh * kw * _max_abs(x.ctype), kh * kw)
    body = _channel_window(
        c, oh, ow, (kh, sh_, pt, 1, h), (kw, sw_, pl, 1, w), f"int32_t acc[{c}];", "acc[ci] = 0;",
        [f"const {x.ctype} *a = x0 + (iy0 + ky) * {xs[2]} + (ix0 + kx) * {xs[3]};"],
        f"acc[ci] += a[ci * {xs[1]}];",
        f"y[oy * {ys[2]} + ox * {ys[3]} + ci * {ys[1]}] = ({y.ctype})qc_clamp({div}, {lo}, {hi});",
        row_head=(count("r", "oy", kh, sh_, rlo, rhi),),
        col_head=(count("q", "ox", kw, sw_, clo, chi), "const int32_t n = (rn > 0 ? rn : 0) * (qn > 0 ? qn : 0);"))
    return KernelCode(_io([x], y), body, "", [], None, 0)


def gen_global_avgpool(name: str, x: View, y: View, shift: int) -> KernelCode:
    """Round half up of (sum over positions) / (H*W * 2^shift), per channel."""
    c = x.shape[1]
    spatial = list(x.shape[2:])
    count = int(np.prod(spatial))
    xs = _strides(x, "input")
    ys = _strides(y, "output")
    names = [f"i{d}" for d in range(len(spatial))]
    head, tail, names = _loops(spatial, names)
    lo, hi = CTYPE_RANGE[y.ctype]
    body = "\n".join([
        f"int32_t acc[{c}];",
        f"for (int ci = 0; ci < {c}; ++ci) {{",
        "    acc[ci] = 0;",
        "}",
        head,
        f"const {x.ctype} *a = x0 + {_offset(xs[2:], names)};",
        f"for (int ci = 0; ci < {c}; ++ci) {{",
        f"    acc[ci] += a[ci * {xs[1]}];",
        "}",
        tail,
        f"for (int ci = 0; ci < {c}; ++ci) {{",
        f"    y[ci * {ys[1]}] = ({y.ctype})qc_clamp("
        f"{_rounded_div_call('acc[ci]', str(count), shift, count * _max_abs(x.ctype), count)}, {lo}, {hi});",
        "}",
    ])
    if count * _max_abs(x.ctype) >= 1 << 31:
        body = body.replace("int32_t acc[", "int64_t acc[")
    return KernelCode(_io([x], y), body, "", [], None, 0)


# --------------------------------------------------------------------------- local response normalisation


def gen_lrn(name: str, x: View, y: View, size: int, index_shift: int, table: np.ndarray, shift: int) -> KernelCode:
    """Per position: Q_c = sum of q^2 over the channel window, y_c = clamp(rshift(q_c * T[min(Q_c >> k,
    len - 1)], shift)) (`qcomp.numerics.lrn`)."""
    c = x.shape[1]
    before, after = lrn_window(size)
    xs, ys = _strides(x, "input"), _strides(y, "output")
    rest = [d for d in range(len(x.shape)) if d != 1]
    names = [f"i{d}" for d in rest]
    head, tail, names = _loops([x.shape[d] for d in rest], names)
    lo, hi = CTYPE_RANGE[y.ctype]
    if c * _max_abs(x.ctype) ** 2 >= 1 << 31 or int(np.max(np.abs(table))) * _max_abs(x.ctype) >= 1 << 31:
        raise KernelError("the LRN sums need more than 32 bits")
    body = "\n".join([
        head,
        f"const {x.ctype} *a = x0 + {_offset([xs[d] for d in rest], names)};",
        f"{y.ctype} *b = y + {_offset([ys[d] for d in rest], names)};",
        f"int32_t sq[{c}];",
        f"for (int ci = 0; ci < {c}; ++ci) {{",
        f"    sq[ci] = (int32_t)a[ci * {xs[1]}] * a[ci * {xs[1]}];",
        "}",
        f"for (int ci = 0; ci < {c}; ++ci) {{",
        f"    const int c0 = ci < {before} ? 0 : ci - {before};",
        f"    const int c1 = ci + {after} > {c - 1} ? {c - 1} : ci + {after};",
        "    int32_t q = 0;",
        "    for (int i = c0; i <= c1; ++i) {",
        "        q += sq[i];",
        "    }",
        f"    q >>= {index_shift};",
        f"    const int32_t m = {name}_t[q > {len(table) - 1} ? {len(table) - 1} : q];",
        f"    b[ci * {ys[1]}] = ({y.ctype}){_requant_call('int32_t', f'(int32_t)a[ci * {xs[1]}] * m', str(shift), lo, hi)};",
        "}",
        tail,
    ])
    return KernelCode(_io([x], y), body, "", [GlobalData(f"{name}_t", np.asarray(table), "int16_t")], None, 0)


# --------------------------------------------------------------------------- softmax


def gen_softmax(name: str, x: View, y: View, axis: int, shift: int, table: np.ndarray) -> KernelCode:
    """t = T[max - x]; out = round half up of t * 2^-shift / sum(t) along `axis`."""
    xs, ys = _strides(x, "input"), _strides(y, "output")
    rank = len(x.shape)
    length = x.shape[axis]
    outer = [d for d in range(rank) if d != axis]
    names = [f"i{d}" for d in outer]
    head, tail, names = _loops([x.shape[d] for d in outer], names)
    xo = _offset([xs[d] for d in outer], names)
    yo = _offset([ys[d] for d in outer], names)
    lo, hi = CTYPE_RANGE[y.ctype]
    t0 = int(np.max(table, initial=1))
    div = _rounded_div_call("t[i]", "total", shift, t0, length * t0)
    total_t = "int32_t" if "div32" in div else "int64_t"
    body = "\n".join([
        f"int32_t t[{length}];",
        head,
        f"const {x.ctype} *a = x0 + {xo};",
        f"{y.ctype} *b = y + {yo};",
        "int32_t m = a[0];",
        f"{total_t} total = 0;",
        f"for (int i = 1; i < {length}; ++i) {{",
        f"    m = a[i * {xs[axis]}] > m ? a[i * {xs[axis]}] : m;",
        "}",
        f"for (int i = 0; i < {length}; ++i) {{",
        f"    t[i] = {name}_t[m - a[i * {xs[axis]}]];",
        "    total += t[i];",
        "}",
        f"for (int i = 0; i < {length}; ++i) {{",
        f"    b[i * {ys[axis]}] = ({y.ctype})qc_clamp({div}, {lo}, {hi});",
        "}",
        tail,
    ])
    return KernelCode(_io([x], y), body, "", [GlobalData(f"{name}_t", np.asarray(table, np.int64), "int32_t")],
                      None, 0)


# --------------------------------------------------------------------------- data movement


def gen_concat(name: str, xs_: list[View], y: View, axis: int, shifts: list[int]) -> KernelCode:
    """y = concat_axis(clamp(rshift(x_i, shifts[i]))) (saturating to y's storage range)."""
    ys = _strides(y, "output")
    lo, hi = CTYPE_RANGE[y.ctype]
    parts = []
    off = 0
    for i, (v, s) in enumerate(zip(xs_, shifts)):
        vs = _strides(v, f"input {i}")
        names = [f"i{d}" for d in range(len(v.shape))]
        head, tail, names = _loops(list(v.shape), names)
        base = off * ys[axis]
        val = f"x{i}[{_offset(vs, names)}]"
        if s != 0 or CTYPE_RANGE[v.ctype] != (lo, hi):
            val = f"({y.ctype}){_requant_call('int32_t', val, str(s), lo, hi)}"
        parts += ["{", _indent(head), _indent(f"y[{_offset(ys, names, base)}] = {val};"), _indent(tail), "}"]
        off += v.shape[axis]
    return KernelCode(_io(xs_, y), "\n".join(parts), "", [], None, 0)


def gen_transpose(name: str, x: View, y: View, perm: list[int]) -> KernelCode:
    """y[i0, i1, ...] = x[index with x axis perm[k] = i_k]."""
    xs, ys = _strides(x, "input"), _strides(y, "output")
    names = [f"i{d}" for d in range(len(y.shape))]
    head, tail, names = _loops(list(y.shape), names)
    x_for_out = [xs[p] for p in perm]
    body = "\n".join([head, f"y[{_offset(ys, names)}] = x0[{_offset(x_for_out, names)}];", tail])
    return KernelCode(_io([x], y), body, "", [], None, 0)


def gen_slice(name: str, x: View, y: View, starts: list[int], steps: list[int]) -> KernelCode:
    """y[i0, i1, ...] = x[starts[0] + i0 * steps[0], ...]: a strided copy (any layout with strides,
    e.g. a channel slice of an NHWC tensor)."""
    xs, ys = _strides(x, "input"), _strides(y, "output")
    names = [f"i{d}" for d in range(len(y.shape))]
    head, tail, names = _loops(list(y.shape), names)
    base = sum(b * st for b, st in zip(starts, xs))
    body = "\n".join([head, f"y[{_offset(ys, names)}] = x0[{_offset([st * k for st, k in zip(xs, steps)], names, base)}];",
                      tail])
    return KernelCode(_io([x], y), body, "", [], None, 0)


def gen_pad(name: str, x: View, y: View, pads: list[int], fill: int) -> KernelCode:
    """y = fill everywhere, then the input copied at offset pads[:rank]."""
    xs, ys = _strides(x, "input"), _strides(y, "output")
    r = len(x.shape)
    names = [f"i{d}" for d in range(r)]
    head, tail, names = _loops(list(x.shape), names)
    base = sum(pads[d] * ys[d] for d in range(r))
    body = "\n".join([
        f"for (int i = 0; i < {y.size}; ++i) {{",
        f"    y[i] = {fill};",
        "}",
        head,
        f"y[{_offset(ys, names, base)}] = x0[{_offset(xs, names)}];",
        tail,
    ])
    return KernelCode(_io([x], y), body, "", [], None, 0)


def gen_relayout(name: str, x: View, y: View) -> KernelCode:
    """Copy between two layouts of the same logical tensor (e.g. NCHW graph input -> NHWC)."""
    if y.is_rowmajor():
        split = list(x.split)
        acc = 1
        dst = [0] * len(split)
        for d in range(len(split) - 1, -1, -1):
            dst[d] = acc if split[d] != 1 else 0
            acc *= split[d]
    elif y.split == x.split:
        dst = list(y.split_strides())
    else:
        raise KernelError(f"cannot relayout {x.describe()} to {y.describe()}")
    src = list(x.split_strides())
    names = [f"i{d}" for d in range(len(x.split))]
    head, tail, names = _loops(list(x.split), names)
    body = "\n".join([head, f"y[{_offset(dst, names)}] = x0[{_offset(src, names)}];", tail])
    return KernelCode(_io([x], y), body, "", [], None, 0)
