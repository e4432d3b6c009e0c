# RUN: %python %s | filecheck %s
"""Every shift op through ShiftExecutor, checked against independent reference formulas.

The references are plain Python integer loops and `fractions.Fraction` roundings (round
half up = floor(v + 1/2)), written from the op docstrings without the executor's numpy
code. Each case runs unbatched and batched (several samples on the leading axis) and
prints `<case> ok`, or `<case> FAIL <details>`.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
from xdsl.dialects.builtin import IntegerType, Signedness
from xdsl.parser import Parser

from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.dialects.quant import PotType
from qcomp.executors.shift import (
    AccumulatorOverflowError,
    ShiftExecutor,
    dequantize,
    quantize_input,
    rshift,
)
from qcomp.testing import fail, verdict

CTX = make_context()
RNG = np.random.default_rng(7)


def rhu(v: Fraction) -> int:
    """Round half up of an exact rational."""
    return math.floor(v + Fraction(1, 2))


def ref_rshift(x: int, s: int) -> int:
    return rhu(Fraction(x, 1 << s)) if s > 0 else x << -s


def clip(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


def ttype(shape, elt="i8"):
    return "tensor<" + "".join(f"{s}x" for s in shape) + elt + ">"


def const(name, arr, elt):
    return f"  %{name} = shift.constant {format_dense(dense_from_numpy(arr))} : {ttype(arr.shape, elt)}"


def module(src: str):
    m = Parser(CTX, src).parse_module()
    m.verify()
    return m


def one_op(op_line: str, args: dict, consts: dict, out_type: str):
    """@main(args) { consts; %out = <op_line>; return %out }."""
    lines = [const(n, a, e) for n, (a, e) in consts.items()]
    lines.append(f"  %out = {op_line}")
    sig = ", ".join(f"%{n}: {t}" for n, t in args.items())
    return module(f"func.func @main({sig}) -> {out_type} {{\n" + "\n".join(lines)
                  + f"\n  func.return %out : {out_type}\n}}")


def report(label: str, got: np.ndarray, ref: np.ndarray, extra: bool = True) -> None:
    ok = got.shape == ref.shape and np.array_equal(got.astype(np.int64), ref.astype(np.int64)) and extra
    detail = "" if ok else f" got {got.reshape(-1)[:8]} ref {ref.reshape(-1)[:8]} shapes {got.shape} {ref.shape}"
    print(f"{label} {verdict(ok)}{detail}")


def run_both(m, inputs):
    """Run one sample unbatched, and all samples batched: returns the batched result and
    whether sample 0 of it equals the unbatched run."""
    ex = ShiftExecutor(m, chunk_size=3)  # several chunks
    (full,) = ex.run(inputs)
    (single,) = ex.run([x[:1] for x in inputs], batched=False)
    return full, np.array_equal(full[:1], single)


# --------------------------------------------------------------------------- rounding primitives

xs = np.arange(-1000, 1001)
ok = all(int(r) == ref_rshift(int(x), s) for s in range(-3, 9) for x, r in zip(xs, rshift(xs, s)))
# the overflow-free form of the docstring: (x >> s) + ((x >> (s - 1)) & 1)
ok &= all(np.array_equal(rshift(xs, s), (xs >> s) + ((xs >> (s - 1)) & 1)) for s in range(1, 9))
print(f"rshift {verdict(ok)}")
# CHECK: rshift ok

p = PotType(IntegerType(8), -3)
vals = np.array([0.0625, -0.0625, 0.1875, -0.1875, 1 / 8, 15.875, 16.0, -16.0, -16.0625, -17.0, 1e9, -1e9])
got = quantize_input(vals, p)
ref = np.array([clip(rhu(Fraction(v) * 8), -128, 127) for v in vals])
report("quantize_input", got, ref, got.dtype == np.int8 and np.array_equal(dequantize(got, p), ref / 8.0))
# CHECK: quantize_input ok
pu = PotType(IntegerType(8, Signedness.UNSIGNED), -8)
got = quantize_input(np.array([-1.0, 0.0, 0.5, 0.998046875, 1.0]), pu)
report("quantize_input_u8", got, np.array([0, 0, 128, 255, 255]), got.dtype == np.uint8)
# CHECK: quantize_input_u8 ok

# --------------------------------------------------------------------------- conv2d


def ref_conv(x, w, b, bs, shifts, lo, hi, s, p, d, g):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h + p[0] + p[2] - d[0] * (kh - 1) - 1) // s[0] + 1
    ow = (wd + p[1] + p[3] - d[1] * (kw - 1) - 1) // s[1] + 1
    out = np.zeros((n, o, oh, ow), np.int64)
    for ni, oi, yi, xi in itertools.product(range(n), range(o), range(oh), range(ow)):
        gi = oi // (o // g)
        acc = 0
        for ci, ky, kx in itertools.product(range(cg), range(kh), range(kw)):
            yy, xx = yi * s[0] + ky * d[0] - p[0], xi * s[1] + kx * d[1] - p[1]
            if 0 <= yy < h and 0 <= xx < wd:
                acc += int(x[ni, gi * cg + ci, yy, xx]) * int(w[oi, ci, ky, kx])
        if b is not None:
            acc += int(b[oi]) << bs[oi]
        out[ni, oi, yi, xi] = clip(ref_rshift(acc, shifts[oi]), lo, hi)
    return out


def conv_case(label, c, o, hw, k, g, s=(1, 1), p=(0, 0, 0, 0), d=(1, 1), shifts=(7,), bias=True,
              bias_shift=(0,), clamp=None, out_elt="i8", amp=128):
    x = RNG.integers(-amp, amp, (5, c, hw, hw)).astype(np.int8)
    w = RNG.integers(-amp, amp, (o, c // g, k, k)).astype(np.int8)
    b = RNG.integers(-5000, 5000, o).astype(np.int32) if bias else None
    oh = (hw + p[0] + p[2] - d[0] * (k - 1) - 1) // s[0] + 1
    ow = (hw + p[1] + p[3] - d[1] * (k - 1) - 1) // s[1] + 1
    out_t = ttype((1, o, oh, ow), out_elt)
    attrs = [f'node = "{label}"', f"strides = array<i64: {s[0]}, {s[1]}>", f"pads = array<i64: {', '.join(map(str, p))}>",
             f"dilations = array<i64: {d[0]}, {d[1]}>", f"group = {g} : i64", f"shift = array<i64: {', '.join(map(str, shifts))}>"]
    if bias:
        attrs.append(f"bias_shift = array<i64: {', '.join(map(str, bias_shift))}>")
    if clamp:
        attrs.append(f"clamp = array<i64: {clamp[0]}, {clamp[1]}>")
    consts = {"w": (w, "i8")}
    operands = "%x, %w"
    types = f"{ttype((1, c, hw, hw))}, {ttype(w.shape)}"
    if bias:
        consts["b"] = (b, "i32")
        operands += ", %b"
        types += f", {ttype(b.shape, 'i32')}"
    m = one_op(f"shift.conv2d {operands} {{{', '.join(attrs)}}} : ({types}) -> {out_t}",
               {"x": ttype((1, c, hw, hw))}, consts, out_t)
    got, same = run_both(m, [x])
    sh = list(shifts) * o if len(shifts) == 1 else list(shifts)
    bsh = list(bias_shift) * o if len(bias_shift) == 1 else list(bias_shift)
    lo, hi = clamp or ((0, 255) if out_elt == "ui8" else (-128, 127))
    lo, hi = (max(lo, 0), min(hi, 255)) if out_elt == "ui8" else (lo, hi)
    report(label, got, ref_conv(x, w, b, bsh, sh, lo, hi, s, p, d, g), same)


conv_case("conv_basic", 3, 4, 6, 3, 1, p=(1, 1, 1, 1), shifts=(8, 9, 10, 11), bias_shift=(0, 1, 2, 3))
conv_case("conv_strided_dilated", 2, 2, 9, 3, 1, s=(2, 1), p=(2, 0, 1, 1), d=(2, 1), shifts=(9,), clamp=(0, 127))
conv_case("conv_grouped", 4, 6, 5, 3, 2, p=(1, 1, 1, 1), shifts=(9,), bias=False)
conv_case("conv_depthwise", 4, 8, 7, 3, 4, s=(2, 2), p=(1, 1, 1, 1), shifts=(6, 7, 8, 9, 6, 7, 8, 9), clamp=(0, 96))
conv_case("conv_pointwise", 5, 3, 4, 1, 1, shifts=(7,), out_elt="ui8")
conv_case("conv_left_shift", 1, 2, 4, 2, 1, shifts=(-2, 0), bias=False, amp=5)
# CHECK: conv_basic ok
# CHECK: conv_strided_dilated ok
# CHECK: conv_grouped ok
# CHECK: conv_depthwise ok
# CHECK: conv_pointwise ok
# CHECK: conv_left_shift ok

# --------------------------------------------------------------------------- fc


def fc_case(label, in_shape, n, shifts, bias_shift=(0,), clamp=None):
    k = in_shape[-1]
    x = RNG.integers(-128, 128, (4, *in_shape[1:])).astype(np.int8)
    w = RNG.integers(-128, 128, (n, k)).astype(np.int8)
    b = RNG.integers(-20000, 20000, n).astype(np.int32)
    out_t = ttype((*in_shape[:-1], n))
    clamp_txt = f", clamp = array<i64: {clamp[0]}, {clamp[1]}>" if clamp else ""
    m = one_op(f'shift.fc %x, %w, %b {{node = "{label}", shift = array<i64: {", ".join(map(str, shifts))}>, '
               f'bias_shift = array<i64: {", ".join(map(str, bias_shift))}>{clamp_txt}}} : '
               f"({ttype(in_shape)}, {ttype(w.shape)}, {ttype(b.shape, 'i32')}) -> {out_t}",
               {"x": ttype(in_shape)}, {"w": (w, "i8"), "b": (b, "i32")}, out_t)
    got, same = run_both(m, [x])
    sh = list(shifts) * n if len(shifts) == 1 else list(shifts)
    bsh = list(bias_shift) * n if len(bias_shift) == 1 else list(bias_shift)
    lo, hi = clamp or (-128, 127)
    ref = np.zeros((*x.shape[:-1], n), np.int64)
    for idx in itertools.product(*[range(v) for v in x.shape[:-1]]):
        for j in range(n):
            acc = sum(int(a) * int(c) for a, c in zip(x[idx], w[j])) + (int(b[j]) << bsh[j])
            ref[(*idx, j)] = clip(ref_rshift(acc, sh[j]), lo, hi)
    report(label, got, ref, same)


fc_case("fc_2d", (1, 64), 10, (9,), clamp=(0, 127))
fc_case("fc_3d_per_channel", (1, 3, 16), 4, (6, 7, 8, 9), bias_shift=(1, 0, 2, 0))
# CHECK: fc_2d ok
# CHECK: fc_3d_per_channel ok

# --------------------------------------------------------------------------- elementwise


def binary_case(label, opname, attrs, ref_fn, b_const=False, a_elt="i8", b_elt="i8", out_elt="i8"):
    shape = (1, 3, 4)
    a = RNG.integers(-128, 128, (6, 3, 4)).astype(np.int8)
    bshape = (3, 1) if b_const else shape
    b = RNG.integers(-128, 128, bshape if b_const else (6, 3, 4)).astype(np.int8)
    args = {"a": ttype(shape, a_elt)}
    consts = {}
    if b_const:
        consts["b"] = (b, b_elt)
    else:
        args["b"] = ttype(shape, b_elt)
    out_t = ttype(shape, out_elt)
    m = one_op(f'shift.{opname} %a, %b {{node = "{label}", {attrs}}} : ({args["a"]}, {ttype(bshape, b_elt)}) -> {out_t}',
               args, consts, out_t)
    ins = [a] if b_const else [a, b]
    got, same = run_both(m, ins)
    bb = np.broadcast_to(b, a.shape) if b_const else b
    ref = np.vectorize(ref_fn)(a.astype(np.int64), bb.astype(np.int64))
    report(label, got, ref, same)


binary_case("add_align", "add", "align = array<i64: 0, 3>, shift = 2 : i64",
            lambda a, b: clip(ref_rshift(a + (b << 3), 2), -128, 127))
binary_case("add_relu_left", "add", "align = array<i64: 2, 0>, shift = -1 : i64, clamp = array<i64: 0, 127>",
            lambda a, b: clip(ref_rshift((a << 2) + b, -1), 0, 127))
binary_case("add_broadcast_const", "add", "shift = 1 : i64", lambda a, b: clip(ref_rshift(a + b, 1), -128, 127),
            b_const=True)
binary_case("mul", "mul", "shift = 7 : i64", lambda a, b: clip(ref_rshift(a * b, 7), -128, 127))
binary_case("mul_i16_out", "mul", "shift = 0 : i64", lambda a, b: a * b, out_elt="i16")
# CHECK: add_align ok
# CHECK: add_relu_left ok
# CHECK: add_broadcast_const ok
# CHECK: mul ok
# CHECK: mul_i16_out ok


def unary_case(label, op_line_fmt, ref_fn, in_elt="i8", out_elt="i8", shape=(1, 2, 5)):
    lo, hi = (0, 255) if in_elt == "ui8" else (-128, 127)
    x = RNG.integers(lo, hi + 1, (7, *shape[1:])).astype(np.uint8 if in_elt == "ui8" else np.int8)
    x.reshape(-1)[:2] = (lo, hi)
    in_t, out_t = ttype(shape, in_elt), ttype(shape, out_elt)
    m = one_op(op_line_fmt.format(label=label, t=f"({in_t}) -> {out_t}"), {"x": in_t}, {}, out_t)
    got, same = run_both(m, [x])
    report(label, got, np.vectorize(ref_fn)(x.astype(np.int64)), same)


unary_case("requant_down", 'shift.requant %x {{node = "{label}", shift = 3 : i64}} : {t}',
           lambda v: ref_rshift(v, 3))
unary_case("requant_up_saturates", 'shift.requant %x {{node = "{label}", shift = -2 : i64}} : {t}',
           lambda v: clip(v << 2, -128, 127))
unary_case("requant_to_u8_relu", 'shift.requant %x {{node = "{label}", shift = -1 : i64}} : {t}',
           lambda v: clip(v << 1, 0, 255), out_elt="ui8")
unary_case("clamp", 'shift.clamp %x {{node = "{label}", clamp = array<i64: -3, 40>}} : {t}',
           lambda v: clip(v, -3, 40))
table = RNG.integers(-128, 128, 256).astype(np.int8)
unary_case("lut_i8", 'shift.lut %x {{node = "{label}", table = ' + format_dense(dense_from_numpy(table))
           + ' : tensor<256xi8>}} : {t}', lambda v: int(table[v + 128]))
table_u = RNG.integers(0, 256, 256).astype(np.uint8)
unary_case("lut_u8_to_u8", 'shift.lut %x {{node = "{label}", table = ' + format_dense(dense_from_numpy(table_u))
           + ' : tensor<256xui8>}} : {t}', lambda v: int(table_u[v]), in_elt="ui8", out_elt="ui8")
# CHECK: requant_down ok
# CHECK: requant_up_saturates ok
# CHECK: requant_to_u8_relu ok
# CHECK: clamp ok
# CHECK: lut_i8 ok
# CHECK: lut_u8_to_u8 ok

# --------------------------------------------------------------------------- softmax

exp_table = np.floor(np.exp(-np.arange(256) / 16.0) * 65536 + 0.5).astype(np.int32)


def ref_softmax(x, axis, s, lo=-128, hi=127):
    x = x.astype(np.int64)
    out = np.zeros_like(x)
    moved = np.moveaxis(x, axis, -1)
    res = np.moveaxis(out, axis, -1)
    for idx in itertools.product(*[range(v) for v in moved.shape[:-1]]):
        row = moved[idx]
        t = [int(exp_table[int(row.max()) - int(v)]) for v in row]
        total = sum(t)
        res[idx] = [clip(rhu(Fraction(ti, total) / Fraction(2) ** s), lo, hi) for ti in t]
    return out


for label, axis, s, shape in (("softmax_axis1", 1, -7, (1, 10)), ("softmax_axis2", 2, -6, (1, 3, 4)),
                              ("softmax_ties", 1, -1, (1, 4))):
    x = RNG.integers(-128, 128, (5, *shape[1:])).astype(np.int8)
    x[0, ..., 0] = 127
    x[0, ..., 1] = -128  # the largest index into the table: 255
    x[1] = 3  # equal inputs: p = 1 / len exactly (with 4 entries and shift -1: 0.5, a tie, rounds up)
    t = ttype(shape)
    m = one_op(f'shift.softmax %x {{node = "{label}", axis = {axis} : i64, shift = {s} : i64, table = '
               f"{format_dense(dense_from_numpy(exp_table))} : tensor<256xi32>}} : ({t}) -> {t}", {"x": t}, {}, t)
    got, same = run_both(m, [x])
    report(label, got, ref_softmax(x, axis, s), same)
# CHECK: softmax_axis1 ok
# CHECK: softmax_axis2 ok
# CHECK: softmax_ties ok

# --------------------------------------------------------------------------- pooling


def pool_windows(h, w, k, s, p, d, ceil):
    """Per output position, the in-bounds input taps and (for count_include_pad) the pad-inclusive count."""
    def out_len(size, kk, ss, pb, pe, dd):
        span = size + pb + pe - (dd * (kk - 1) + 1)
        if ceil:
            o = -(-span // ss) + 1
            return o - 1 if (o - 1) * ss >= size + pb else o
        return span // ss + 1
    oh, ow = out_len(h, k[0], s[0], p[0], p[2], d[0]), out_len(w, k[1], s[1], p[1], p[3], d[1])
    res = {}
    for yi, xi in itertools.product(range(oh), range(ow)):
        taps, padded = [], 0
        for ky, kx in itertools.product(range(k[0]), range(k[1])):
            yy, xx = yi * s[0] + ky * d[0] - p[0], xi * s[1] + kx * d[1] - p[1]
            if 0 <= yy < h and 0 <= xx < w:
                taps.append((yy, xx))
            if -p[0] <= yy < h + p[2] and -p[1] <= xx < w + p[3]:
                padded += 1
        res[(yi, xi)] = (taps, padded)
    return oh, ow, res


def pool_case(label, kind, hw, k, s, p, ceil=False, d=(1, 1), include_pad=False, shift=0):
    x = RNG.integers(-128, 128, (4, 3, hw, hw)).astype(np.int8)
    oh, ow, wins = pool_windows(hw, hw, k, s, p, d, ceil)
    attrs = [f'node = "{label}"', f"kernel = array<i64: {k[0]}, {k[1]}>", f"strides = array<i64: {s[0]}, {s[1]}>",
             f"pads = array<i64: {', '.join(map(str, p))}>"]
    if ceil:
        attrs.append("ceil_mode = 1 : i64")
    if kind == "maxpool":
        attrs.append(f"dilations = array<i64: {d[0]}, {d[1]}>")
    else:
        attrs += [f"count_include_pad = {int(include_pad)} : i64", f"shift = {shift} : i64"]
    in_t, out_t = ttype((1, 3, hw, hw)), ttype((1, 3, oh, ow))
    m = one_op(f"shift.{kind} %x {{{', '.join(attrs)}}} : ({in_t}) -> {out_t}", {"x": in_t}, {}, out_t)
    got, same = run_both(m, [x])
    ref = np.zeros((4, 3, oh, ow), np.int64)
    for ni, ci, (pos, (taps, padded)) in itertools.product(range(4), range(3), wins.items()):
        vals = [int(x[ni, ci, yy, xx]) for yy, xx in taps]
        if kind == "maxpool":
            ref[ni, ci, pos[0], pos[1]] = max(vals)
        else:
            count = padded if include_pad else len(vals)
            ref[ni, ci, pos[0], pos[1]] = clip(rhu(Fraction(sum(vals), count) / Fraction(2) ** shift), -128, 127)
    report(label, got, ref, same)


pool_case("maxpool_2x2", "maxpool", 6, (2, 2), (2, 2), (0, 0, 0, 0))
pool_case("maxpool_pads_ceil_dilated", "maxpool", 7, (3, 3), (2, 2), (1, 1, 1, 1), ceil=True, d=(2, 1))
pool_case("avgpool_exclude_pad", "avgpool", 5, (3, 3), (1, 1), (1, 1, 1, 1))
pool_case("avgpool_include_pad", "avgpool", 5, (3, 3), (2, 2), (1, 1, 1, 1), include_pad=True)
pool_case("avgpool_ceil_shift", "avgpool", 6, (3, 3), (2, 2), (0, 1, 0, 1), ceil=True, shift=2)
pool_case("avgpool_finer_grid", "avgpool", 4, (2, 2), (2, 2), (0, 0, 0, 0), shift=-2)
# CHECK: maxpool_2x2 ok
# CHECK: maxpool_pads_ceil_dilated ok
# CHECK: avgpool_exclude_pad ok
# CHECK: avgpool_include_pad ok
# CHECK: avgpool_ceil_shift ok
# CHECK: avgpool_finer_grid ok

for label, hw, shift in (("gap_7x7", 7, 0), ("gap_shift_up", 4, 1), ("gap_shift_down", 3, -3)):
    x = RNG.integers(-128, 128, (9, 5, hw, hw)).astype(np.int8)
    in_t, out_t = ttype((1, 5, hw, hw)), ttype((1, 5, 1, 1))
    m = one_op(f'shift.global_avgpool %x {{node = "{label}", shift = {shift} : i64}} : ({in_t}) -> {out_t}',
               {"x": in_t}, {}, out_t)
    got, same = run_both(m, [x])
    ref = np.array([[clip(rhu(Fraction(int(x[n, c].astype(np.int64).sum()), hw * hw) / Fraction(2) ** shift), -128, 127)
                     for c in range(5)] for n in range(9)]).reshape(9, 5, 1, 1)
    report(label, got, ref, same)
# CHECK: gap_7x7 ok
# CHECK: gap_shift_up ok
# CHECK: gap_shift_down ok

# --------------------------------------------------------------------------- data movement

a = RNG.integers(-128, 128, (3, 2, 3)).astype(np.int8)
b = RNG.integers(-128, 128, (3, 1, 3)).astype(np.int8)
c = np.array([[[5, -6, 7]]], np.int8)
m = module(f"""func.func @main(%a: {ttype((1, 2, 3))}, %b: {ttype((1, 1, 3))}) -> {ttype((1, 4, 3))} {{
{const("c", c, "i8")}
  %out = shift.concat %a, %b, %c {{node = "cat", axis = 1 : i64, shifts = array<i64: 1, -1, 0>}} : ({ttype((1, 2, 3))}, {ttype((1, 1, 3))}, {ttype((1, 1, 3))}) -> {ttype((1, 4, 3))}
  func.return %out : {ttype((1, 4, 3))}
}}""")
got, same = run_both(m, [a, b])
ref = np.concatenate([np.vectorize(lambda v: ref_rshift(int(v), 1))(a),
                      np.clip(b.astype(np.int64) * 2, -128, 127), np.repeat(c, 3, axis=0)], axis=1)
report("concat_requant", got, ref, same)
# CHECK: concat_requant ok

x = RNG.integers(-128, 128, (3, 2, 3, 4)).astype(np.int8)
m = module(f"""func.func @main(%x: {ttype((1, 2, 3, 4))}) -> ({ttype((1, 24))}, {ttype((1, 4, 2, 3))}, {ttype((1, 4, 6, 4))}) {{
  %r = shift.reshape %x {{node = "r"}} : ({ttype((1, 2, 3, 4))}) -> {ttype((1, 24))}
  %t = shift.transpose %x {{node = "t", perm = array<i64: 0, 3, 1, 2>}} : ({ttype((1, 2, 3, 4))}) -> {ttype((1, 4, 2, 3))}
  %p = shift.pad %x {{node = "p", pads = array<i64: 0, 1, 2, 0, 0, 1, 1, 0>, fill = -7 : i64}} : ({ttype((1, 2, 3, 4))}) -> {ttype((1, 4, 6, 4))}
  func.return %r, %t, %p : {ttype((1, 24))}, {ttype((1, 4, 2, 3))}, {ttype((1, 4, 6, 4))}
}}""")
r, t, pd = ShiftExecutor(m).run([x])
ref_p = np.full((3, 4, 6, 4), -7, np.int64)
ref_p[:, 1:3, 2:5, :] = x
report("reshape", r, x.reshape(3, 24))
report("transpose", t, x.transpose(0, 3, 1, 2))
report("pad", pd, ref_p)
# CHECK: reshape ok
# CHECK: transpose ok
# CHECK: pad ok

# --------------------------------------------------------------------------- pot types, errors

# A pot-typed conv: storage integers in, storage integers out; the verifier checked the shifts.
m = module("""func.func @main(%x: tensor<1x1x2x2x!quant.pot<i8, -5>>) -> tensor<1x1x1x1x!quant.pot<i8, -4>> {
  %w = shift.constant dense<[[[[64, 64], [64, 64]]]]> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!quant.pot<i8, -7>>
  %y = shift.conv2d %x, %w {node = "c", shift = array<i64: 8>} : (tensor<1x1x2x2x!quant.pot<i8, -5>>, tensor<1x1x2x2x!quant.pot<i8, -7>>) -> tensor<1x1x1x1x!quant.pot<i8, -4>>
  func.return %y : tensor<1x1x1x1x!quant.pot<i8, -4>>
}""")
x = np.array([[[[1, 1, 1, 0]]], [[[1, 1, 0, 0]]], [[[-1, -1, 0, 0]]], [[[-1, -1, -1, 0]]]], np.int8).reshape(4, 1, 2, 2)
(y,) = ShiftExecutor(m).run([x])
# sums 3, 2, -2, -3 quarters of a 2^-4 step: 0.75 -> 1, 0.5 -> 1 (tie up), -0.5 -> 0 (tie up), -0.75 -> -1
report("pot_conv_ties", y.reshape(-1), np.array([1, 1, 0, -1]), y.dtype == np.int8)
# CHECK: pot_conv_ties ok

m = one_op('shift.fc %x, %w, %b {node = "big", shift = array<i64: 0>, bias_shift = array<i64: 20>} : '
           "(tensor<1x2xi8>, tensor<1x2xi8>, tensor<1xi32>) -> tensor<1x1xi8>",
           {"x": "tensor<1x2xi8>"}, {"w": (np.array([[1, 1]], np.int8), "i8"), "b": (np.array([4000], np.int32), "i32")},
           "tensor<1x1xi8>")
try:
    ShiftExecutor(m).run([np.zeros((1, 2), np.int8)])
    print(fail("overflow FAIL: no error"))
except AccumulatorOverflowError as e:
    print("overflow:", e)
# CHECK: overflow: shift.fc 'big': shifted bias reaches [4194304000, 4194304000], outside the 32-bit accumulator

try:
    ShiftExecutor(m).run([np.array([[300, 0]])])
except Exception as e:
    print("range:", type(e).__name__, e)
# CHECK: range: InputDataError input 0: values [0, 300] exceed the storage range [-128, 127] of tensor<1x2xi8>
