"""Kernel generators: specialised C99 for one shift op (shapes, layouts and constants known).

Each generator returns a `KernelCode`: the parameters (pointers: inputs, then the output),
the function body, private helpers printed before it (`prelude`), the constant arrays it
reads, whether it may run in place and its MAC count. Semantics follow
`qcomp.dialects.shift` exactly (the shift executor is the golden model):

* rounding right shift `rshift(x, s)` = round half up of x / 2^s, written
  `(x >> s) + ((x >> (s - 1)) & 1)`, which cannot overflow; left shifts (s < 0) saturate
  exactly like the executor. `>>` of a negative value is arithmetic on every compiler
  qcomp targets; `HELPERS` stops the build on one that is not.
* accumulators are int32 when a static bound (sum |w| * max |x| + |bias|) proves it, else
  int64, so no signed overflow is possible whatever the input.
* average pooling, global average pooling and softmax use one exact floor division
  `floor((2 * num + den) / (2 * den))` (`qc_floordiv`), the executor's single rounding.

Convolution strategy (NHWC activations, weights re-laid out at compile time):
* portable path: per output pixel, per output channel, one dot product per kernel row
  over the contiguous (kx, c) run of the input; the output columns are split into left
  border / interior / right border, so interior pixels run with constant bounds
  (the per-pixel routine is inlined with constants and vectorised by the compiler);
* `__AVX2__` path (x86 hosts, `-march=native`): 4 pixels at a time, their patches gathered
  once as int16, weights pre-packed as int16 pairs [K/2][O][2] so that one `vpmaddwd`
  does 16 exact MACs for 8 output channels; no horizontal sums;
* depthwise: per pixel, taps outer, channels inner (vectorised across channels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qcomp.backend.layout import View

INT32_MAX = (1 << 31) - 1

HELPERS = r"""#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__GNUC__)
#define QC_INLINE inline __attribute__((always_inline))
#else
#define QC_INLINE inline
#endif

/* C99 leaves `>>` of a negative value implementation-defined. qcomp relies on the
   arithmetic (flooring) shift of gcc, clang, arm-none-eabi-gcc, armclang and IAR; this
   declaration stops the build on a compiler that does otherwise. */
typedef char qc_arithmetic_shift_required[((-7 >> 1) == -4) ? 1 : -1];

static QC_INLINE int32_t qc_clamp(int64_t v, int32_t lo, int32_t hi)
{
    return (int32_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* clamp(rshift(acc, s), lo, hi) on 64 bits, -62 <= s <= 62 (shift dialect semantics). */
static QC_INLINE int32_t qc_requant64(int64_t acc, int s, int32_t lo, int32_t hi)
{
    if (s > 0) {
        return qc_clamp((acc >> s) + ((acc >> (s - 1)) & 1), lo, hi);
    }
    if (s < 0) {
        const int k = -s;
        if (acc > 0 && (hi < 0 || acc > ((int64_t)hi >> k))) {
            return hi;
        }
        if (acc < 0 && (lo > 0 || acc < -((-(int64_t)lo) >> k))) {
            return lo;
        }
        return qc_clamp(acc * ((int64_t)1 << k), lo, hi);
    }
    return qc_clamp(acc, lo, hi);
}

/* clamp(rshift(acc, s), lo, hi) for an int32 accumulator. */
static QC_INLINE int32_t qc_requant(int32_t acc, int s, int32_t lo, int32_t hi)
{
    if (s > 0 && s < 31) {
        const int32_t v = (acc >> s) + ((acc >> (s - 1)) & 1);
        return v < lo ? lo : (v > hi ? hi : v);
    }
    return qc_requant64(acc, s, lo, hi);
}

/* floor(a / b) for b > 0 (C division truncates toward zero). */
static QC_INLINE int64_t qc_floordiv(int64_t a, int64_t b)
{
    const int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* round half up of num / (den * 2^s) on 32 bits, den > 0, when the generator proved that
   2 * |num| * 2^max(-s, 0) + den * 2^max(s, 0) < 2^31 (no 64-bit division on small MCUs). */
static QC_INLINE int32_t qc_rounded_div32(int32_t num, int32_t den, int s)
{
    int32_t a, b, q;
    if (s >= 0) {
        den *= (int32_t)1 << s;
    } else {
        num *= (int32_t)1 << -s;
    }
    a = 2 * num + den;
    b = 2 * den;
    q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* round half up of num / (den * 2^s): the single rounding of avgpool and softmax. */
static QC_INLINE int64_t qc_rounded_div(int64_t num, int64_t den, int s)
{
    if (s >= 0) {
        den *= (int64_t)1 << s;
    } else {
        num *= (int64_t)1 << -s;
    }
    return qc_floordiv(2 * num + den, 2 * den);
}
"""


class KernelError(Exception):
    """A shift op this backend cannot generate (the lowering names the op and node)."""


@dataclass
class GlobalData:
    """A constant array a kernel reads: C name, values, element C type, optional `#if` guard."""

    name: str
    data: np.ndarray
    ctype: str
    guard: str | None = None


@dataclass
class KernelCode:
    """What a generator produces for one op (see the module docstring)."""

    params: list[tuple[str, str, bool]]  # (name, element C type, is the output)
    body: str
    prelude: str = ""
    globals: list[GlobalData] = field(default_factory=list)
    inplace: list[int] | None = None  # inputs the output may share its buffer with
    macs: int = 0


CTYPE_RANGE = {"int8_t": (-128, 127), "uint8_t": (0, 255), "int16_t": (-32768, 32767),
               "uint16_t": (0, 65535), "int32_t": (-(1 << 31), (1 << 31) - 1)}
NP_OF_CTYPE = {"int8_t": np.int8, "uint8_t": np.uint8, "int16_t": np.int16, "uint16_t": np.uint16,
               "int32_t": np.int32}


def _max_abs(ctype: str) -> int:
    lo, hi = CTYPE_RANGE[ctype]
    return max(-lo, hi)


def _acc_type(bound: int) -> str:
    return "int32_t" if bound <= INT32_MAX else "int64_t"


def _indent(text: str, n: int = 1) -> str:
    pad = "    " * n
    return "\n".join(pad + ln if ln.strip() else ln for ln in text.splitlines())


def _rounded_div_call(num: str, den: str, s: int, max_num: int, max_den: int) -> str:
    """round half up of num / (den * 2^s), on 32 bits when the bounds allow it."""
    bound = 2 * max_num * (1 << max(-s, 0)) + 2 * max_den * (1 << max(s, 0))
    if bound < 1 << 31:
        return f"qc_rounded_div32({num}, {den}, {s})"
    return f"qc_rounded_div({num}, {den}, {s})"


def _requant_call(acc_t: str, acc: str, s: str, lo: int, hi: int) -> str:
    fn = "qc_requant" if acc_t == "int32_t" else "qc_requant64"
    return f"{fn}({acc}, {s}, {lo}, {hi})"


def _shift_expr(shifts: np.ndarray, table: str, idx: str) -> str:
    """A constant when all channels share one shift, else a table lookup."""
    if np.all(shifts == shifts[0]):
        return str(int(shifts[0]))
    return f"{table}[{idx}]"


def _narrowest_int(values: np.ndarray) -> str:
    lo, hi = int(values.min(initial=0)), int(values.max(initial=0))
    for t in ("int8_t", "int16_t", "int32_t"):
        if CTYPE_RANGE[t][0] <= lo and hi <= CTYPE_RANGE[t][1]:
            return t
    raise KernelError(f"constant range [{lo}, {hi}] does not fit int32")


def _io(view_in: list[View], view_out: View, names: list[str] | None = None) -> list[tuple[str, str, bool]]:
    names = names or [f"x{i}" for i in range(len(view_in))]
    return [(n, v.ctype, False) for n, v in zip(names, view_in)] + [("y", view_out.ctype, True)]


def _loops(dims: list[int], names: list[str]) -> tuple[str, str, list[str]]:
    """Nested for-loops over `dims`: (opening lines, closing braces, index names).

    Size-1 dims get no loop; their index name is "0" (dropped by `_offset`).
    """
    head, tail, idx = [], [], []
    for d, n in zip(dims, names):
        if d == 1:
            idx.append("0")
            continue
        head.append(f"for (int {n} = 0; {n} < {d}; ++{n}) {{")
        tail.append("}")
        idx.append(n)
    return "\n".join(head), "\n".join(tail), idx


def _offset(strides: tuple[int, ...] | list[int], names: list[str], base: int = 0) -> str:
    terms = [f"{n} * {s}" if s != 1 else n for n, s in zip(names, strides) if s != 0 and n != "0"]
    if base:
        terms.append(str(base))
    return " + ".join(terms) if terms else "0"


def _strides(v: View, what: str) -> tuple[int, ...]:
    s = v.strides()
    if s is None:
        raise KernelError(f"{what} layout {v.describe()} is not strided (needs a relayout)")
    return s


# --------------------------------------------------------------------------- conv


@dataclass
class ConvSpec:
    """Everything a conv kernel needs, in NCHW/OIHW terms."""

    x: View
    y: View
    w: np.ndarray  # OIHW int
    bias: np.ndarray  # [O] int64, already << bias_shift (zeros when absent)
    shifts: np.ndarray  # [O]
    lo: int
    hi: int
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    dilations: tuple[int, int]
    group: int


def _window_bounds(out: int, k: int, s: int, p: int, d: int, size: int) -> tuple[int, int]:
    """[lo, hi) of the output positions whose k taps all fall inside [0, size)."""
    lo, hi = out, 0
    for o in range(out):
        first = o * s - p
        if first >= 0 and first + (k - 1) * d < size:
            lo, hi = min(lo, o), max(hi, o + 1)
    if lo >= hi:
        return 0, 0
    # interior positions are contiguous for a sliding window
    return lo, hi


def _tap_bounds_c(var: str, o: str, k: int, s: int, p: int, d: int, size: int) -> str:
    """C declaring `{var}0` = first base position, `{var}k0`/`{var}k1` = valid tap range [k0, k1)."""
    if d == 1:
        return (f"const int {var}0 = {o} * {s} - {p};\n"
                f"const int {var}k0 = {var}0 < 0 ? -{var}0 : 0;\n"
                f"const int {var}k1 = {var}0 + {k} > {size} ? {size} - {var}0 : {k};")
    return (f"const int {var}0 = {o} * {s} - {p};\n"
            f"const int {var}k0 = {var}0 < 0 ? (-{var}0 + {d - 1}) / {d} : 0;\n"
            f"const int {var}k1 = {var}0 + {(k - 1) * d} >= {size} ? ({size} - {var}0 + {d - 1}) / {d} : {k};")


def gen_conv2d(name: str, sp: ConvSpec) -> KernelCode:
    """Dense, grouped or depthwise 2-D convolution (see the module docstring)."""
    n, c, h, w = sp.x.shape
    o_ch, cg, kh, kw = sp.w.shape
    _, _, oh, ow = sp.y.shape
    if n != 1:
        raise KernelError(f"batch {n}: the C backend compiles batch-1 models")
    g = sp.group
    xs = _strides(sp.x, "input")
    ys = _strides(sp.y, "output")
    w_abs = np.abs(sp.w.astype(np.int64)).reshape(o_ch, -1).sum(axis=1)
    bound = int((w_abs * _max_abs(sp.x.ctype) + np.abs(sp.bias)).max(initial=0))
    acc_t = _acc_type(bound)
    macs = o_ch * cg * kh * kw * oh * ow
    globals_: list[GlobalData] = []
    bias_arr = sp.bias.astype(np.int64)
    if np.abs(bias_arr).max(initial=0) > INT32_MAX:
        raise KernelError("a shifted bias beyond int32 is not supported")
    globals_.append(GlobalData(f"{name}_b", bias_arr, "int32_t"))
    sh_arr = np.asarray(sp.shifts, np.int64)
    if not np.all(sh_arr == sh_arr[0]):
        globals_.append(GlobalData(f"{name}_s", sh_arr, "int8_t"))
    if g > 1 and cg == 1 and o_ch == c:
        return _gen_depthwise(name, sp, xs, ys, acc_t, globals_, macs)
    # portable dense / grouped conv: weights [O][KH][KW][CG]
    wt = np.ascontiguousarray(sp.w.transpose(0, 2, 3, 1)).reshape(-1)
    globals_.append(GlobalData(f"{name}_w", wt, "int8_t" if sp.w.dtype.itemsize == 1 else "int16_t"))
    contiguous = g == 1 and (c == 1 or (xs[1] == 1 and xs[3] == c)) and sp.dilations[1] == 1
    sy, sx, sc = xs[2], xs[3], xs[1]
    osc, osy, osx = ys[1], ys[2], ys[3]
    dh, dw = sp.dilations
    og = o_ch // g
    xt, yt = sp.x.ctype, sp.y.ctype
    shift_e = _shift_expr(sh_arr, f"{name}_s", "o")
    px = [f"static QC_INLINE void {name}_px(const {xt} *restrict x, {yt} *restrict y, int iy0, int ix0,",
          "                                 int kyb, int kye, int kxb, int kxe)", "{"]
    if contiguous:
        px += [f"    const int n = (kxe - kxb) * {c};",
               f"    for (int o = 0; o < {o_ch}; ++o) {{",
               f"        {acc_t} acc = {name}_b[o];",
               f"        const int8_t *wo = {name}_w + o * {kh * kw * cg} + kxb * {cg};",
               "        for (int ky = kyb; ky < kye; ++ky) {",
               f"            const {xt} *a = x + (iy0 + ky * {dh}) * {sy} + (ix0 + kxb) * {sx};",
               f"            const int8_t *b = wo + ky * {kw * cg};",
               "            for (int i = 0; i < n; ++i) {",
               f"                acc += ({acc_t})a[i] * b[i];",
               "            }",
               "        }",
               f"        y[o * {osc}] = ({yt}){_requant_call(acc_t, 'acc', shift_e, sp.lo, sp.hi)};",
               "    }"]
    else:
        px += [f"    for (int o = 0; o < {o_ch}; ++o) {{",
               f"        const int g = o / {og};",
               f"        {acc_t} acc = {name}_b[o];",
               f"        const int8_t *wo = {name}_w + o * {kh * kw * cg};",
               "        for (int ky = kyb; ky < kye; ++ky) {",
               "            for (int kx = kxb; kx < kxe; ++kx) {",
               f"                const {xt} *a = x + (iy0 + ky * {dh}) * {sy} + (ix0 + kx * {dw}) * {sx}"
               f" + g * {cg * sc};",
               f"                const int8_t *b = wo + (ky * {kw} + kx) * {cg};",
               f"                for (int ci = 0; ci < {cg}; ++ci) {{",
               f"                    acc += ({acc_t})a[ci * {sc}] * b[ci];",
               "                }",
               "            }",
               "        }",
               f"        y[o * {osc}] = ({yt}){_requant_call(acc_t, 'acc', shift_e, sp.lo, sp.hi)};",
               "    }"]
    px.append("}")
    body = _conv_loops(name, sp, oh, ow, kh, kw, h, w, osy, osx)
    prelude = "\n".join(px)
    code = KernelCode(_io([sp.x], sp.y, ["x"]), body, prelude, globals_, None, macs)
    if g == 1 and acc_t == "int32_t" and sp.w.dtype.itemsize == 1 and sp.x.ctype in ("int8_t", "uint8_t"):
        _add_avx2_conv(name, sp, code, xs, ys)
    return code


def _conv_loops(name: str, sp: ConvSpec, oh: int, ow: int, kh: int, kw: int, h: int, w: int,
                osy: int, osx: int) -> str:
    """The output loops: rows with runtime tap bounds, columns split border/interior/border."""
    (sh_, sw_), (pt, pl, _, _), (dh, dw) = sp.strides, sp.pads, sp.dilations
    cx0, cx1 = _window_bounds(ow, kw, sw_, pl, dw, w)
    lines = [f"for (int oy = 0; oy < {oh}; ++oy) {{",
             _indent(_tap_bounds_c("iy", "oy", kh, sh_, pt, dh, h)),
             f"    {sp.y.ctype} *yr = y + oy * {osy};"]

    def col_loop(a: int, b: int, interior: bool) -> None:
        if a >= b:
            return
        lines.append(f"    for (int ox = {a}; ox < {b}; ++ox) {{")
        if interior:
            lines.append(f"        {name}_px(x, yr + ox * {osx}, iy0, ox * {sw_} - {pl}, iyk0, iyk1, 0, {kw});")
        else:
            lines.append(_indent(_tap_bounds_c("ix", "ox", kw, sw_, pl, dw, w), 2))
            lines.append(f"        {name}_px(x, yr + ox * {osx}, iy0, ix0, iyk0, iyk1, ixk0, ixk1);")
        lines.append("    }")

    if cx0 >= cx1:
        col_loop(0, ow, False)
    else:
        col_loop(0, cx0, False)
        col_loop(cx0, cx1, True)
        col_loop(cx1, ow, False)
    lines.append("}")
    return "\n".join(lines)


def _gen_depthwise(name: str, sp: ConvSpec, xs, ys, acc_t: str, globals_: list[GlobalData],
                   macs: int) -> KernelCode:
    """Depthwise conv (group = C = O): taps outer, channels inner, int32/int64 accumulators per channel."""
    _, c, h, w = sp.x.shape
    o_ch, _, kh, kw = sp.w.shape
    _, _, oh, ow = sp.y.shape
    wt = np.ascontiguousarray(sp.w[:, 0].transpose(1, 2, 0)).reshape(-1)  # [KH][KW][C]
    globals_.append(GlobalData(f"{name}_w", wt, "int8_t" if sp.w.dtype.itemsize == 1 else "int16_t"))
    (sh_, sw_), (pt, pl, _, _), (dh, dw) = sp.strides, sp.pads, sp.dilations
    sc, sy, sx = xs[1], xs[2], xs[3]
    osc, osy, osx = ys[1], ys[2], ys[3]
    shift_e = _shift_expr(np.asarray(sp.shifts), f"{name}_s", "ci")
    xt, yt = sp.x.ctype, sp.y.ctype
    body = "\n".join([
        f"{acc_t} acc[{c}];",
        f"for (int oy = 0; oy < {oh}; ++oy) {{",
        _indent(_tap_bounds_c("iy", "oy", kh, sh_, pt, dh, h)),
        f"    for (int ox = 0; ox < {ow}; ++ox) {{",
        _indent(_tap_bounds_c("ix", "ox", kw, sw_, pl, dw, w), 2),
        f"        for (int ci = 0; ci < {c}; ++ci) {{",
        f"            acc[ci] = {name}_b[ci];",
        "        }",
        "        for (int ky = iyk0; ky < iyk1; ++ky) {",
        "            for (int kx = ixk0; kx < ixk1; ++kx) {",
        f"                const {xt} *a = x + (iy0 + ky * {dh}) * {sy} + (ix0 + kx * {dw}) * {sx};",
        f"                const int8_t *b = {name}_w + (ky * {kw} + kx) * {c};",
        f"                for (int ci = 0; ci < {c}; ++ci) {{",
        f"                    acc[ci] += ({acc_t})a[ci * {sc}] * b[ci];",
        "                }",
        "            }",
        "        }",
        f"        for (int ci = 0; ci < {c}; ++ci) {{",
        f"            y[oy * {osy} + ox * {osx} + ci * {osc}] = ({yt}){_requant_call(acc_t, 'acc[ci]', shift_e, sp.lo, sp.hi)};",
        "        }",
        "    }",
        "}",
    ])
    return KernelCode(_io([sp.x], sp.y, ["x"]), body, "", globals_, None, macs)


AVX2_GUARD = "defined(__AVX2__)"


def _add_avx2_conv(name: str, sp: ConvSpec, code: KernelCode, xs, ys) -> None:
    """Add the `__AVX2__` variant of a dense conv: int16 patches x int16 weight pairs with vpmaddwd."""
    _, c, h, w = sp.x.shape
    o_ch, _, kh, kw = sp.w.shape
    _, _, oh, ow = sp.y.shape
    k = c * kh * kw
    kp = k + (k & 1)
    op_ = -(-o_ch // 8) * 8
    # weights as int16 pairs: wp[kk][o][2] = w[o][2kk], w[o][2kk+1]   (k order: ky, kx, c)
    wk = np.zeros((op_, kp), np.int16)
    wk[:o_ch, :k] = sp.w.transpose(0, 2, 3, 1).reshape(o_ch, k)
    wp = np.ascontiguousarray(wk.reshape(op_, kp // 2, 2).transpose(1, 0, 2)).reshape(-1)
    bp = np.zeros(op_, np.int64)
    bp[:o_ch] = sp.bias
    for gd in code.globals:  # the portable variant's own constants exist only where it is compiled
        if gd.name in (f"{name}_w", f"{name}_b"):
            gd.guard = f"!{AVX2_GUARD}"
    code.globals.append(GlobalData(f"{name}_wp", wp, "int16_t", AVX2_GUARD))
    code.globals.append(GlobalData(f"{name}_bp", bp, "int32_t", AVX2_GUARD))
    (sh_, sw_), (pt, pl, _, _), (dh, dw) = sp.strides, sp.pads, sp.dilations
    sc, sy, sx = xs[1], xs[2], xs[3]
    osc, osy, osx = ys[1], ys[2], ys[3]
    xt, yt = sp.x.ctype, sp.y.ctype
    sh_arr = np.asarray(sp.shifts)
    shift_e = _shift_expr(sh_arr, f"{name}_s", "o")
    mb = 4
    nblocks = op_ // 8
    vec_rq = (yt == "int8_t" and osc == 1 and op_ == o_ch and bool(np.all(sh_arr == sh_arr[0]))
              and 1 <= int(sh_arr[0]) <= 30 and -128 <= sp.lo <= sp.hi <= 127)
    chan_contig = sc == 1 or c == 1
    # gather one pixel's patch (int16, zero padded) ------------------------------------------
    gather = [
        f"static QC_INLINE void {name}_gather(const {xt} *restrict x, int16_t *restrict p, int oy, int ox)",
        "{",
        _indent(_tap_bounds_c("iy", "oy", kh, sh_, pt, dh, h)),
        _indent(_tap_bounds_c("ix", "ox", kw, sw_, pl, dw, w)),
        f"    for (int ky = 0; ky < {kh}; ++ky) {{",
        f"        for (int kx = 0; kx < {kw}; ++kx) {{",
        f"            int16_t *q = p + (ky * {kw} + kx) * {c};",
        "            if (ky < iyk0 || ky >= iyk1 || kx < ixk0 || kx >= ixk1) {",
        f"                for (int ci = 0; ci < {c}; ++ci) {{",
        "                    q[ci] = 0;",
        "                }",
        "            } else {",
        f"                const {xt} *a = x + (iy0 + ky * {dh}) * {sy} + (ix0 + kx * {dw}) * {sx};",
        f"                for (int ci = 0; ci < {c}; ++ci) {{",
        f"                    q[ci] = a[ci{'' if chan_contig else f' * {sc}'}];",
        "                }",
        "            }",
        "        }",
        "    }",
    ]
    if kp != k:
        gather.append(f"    p[{k}] = 0;")
    gather.append("}")
    # micro-kernel: MB pixels x (2 blocks of 8 channels) -----------------------------------------
    def block(nb: int) -> list[str]:
        ls = []
        for j in range(mb):
            for b in range(nb):
                ls.append(f"__m256i a{j}{b} = _mm256_loadu_si256((const __m256i *)({name}_bp + ob + {8 * b}));")
        ls.append(f"for (int kk = 0; kk < {kp // 2}; ++kk) {{")
        ls.append(f"    const int16_t *wk = {name}_wp + (kk * {op_} + ob) * 2;")
        for b in range(nb):
            ls.append(f"    const __m256i w{b} = _mm256_loadu_si256((const __m256i *)(wk + {16 * b}));")
        for j in range(mb):
            ls.append("    {")
            ls.append("        int32_t pair;")
            ls.append(f"        memcpy(&pair, patch + {j * kp} + 2 * kk, sizeof pair);")
            ls.append("        const __m256i pv = _mm256_set1_epi32(pair);")
            for b in range(nb):
                ls.append(f"        a{j}{b} = _mm256_add_epi32(a{j}{b}, _mm256_madd_epi16(pv, w{b}));")
            ls.append("    }")
        ls.append("}")
        if vec_rq:
            # rshift + clamp + narrowing on 8 lanes; the clamp keeps values in int8, so the
            # saturating packs are exact
            s0 = int(sh_arr[0])
            ls.append("{")
            ls.append("    const __m256i one = _mm256_set1_epi32(1);")
            ls.append(f"    const __m256i vlo = _mm256_set1_epi32({sp.lo}), vhi = _mm256_set1_epi32({sp.hi});")
            for j in range(mb):
                ls.append(f"    if ({j} < m) {{")
                for b in range(nb):
                    v = f"a{j}{b}"
                    ls.append(f"        {v} = _mm256_add_epi32(_mm256_srai_epi32({v}, {s0}), "
                              f"_mm256_and_si256(_mm256_srai_epi32({v}, {s0 - 1}), one));")
                    ls.append(f"        {v} = _mm256_min_epi32(_mm256_max_epi32({v}, vlo), vhi);")
                    ls.append(f"        {{ const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128({v}), "
                              f"_mm256_extracti128_si256({v}, 1));")
                    ls.append(f"          _mm_storel_epi64((__m128i *)(void *)(yr + (ox + {j}) * {osx} + ob + {8 * b}), "
                              "_mm_packs_epi16(p16, p16)); }")
                ls.append("    }")
            ls.append("}")
            return ls
        for j in range(mb):
            for b in range(nb):
                ls.append(f"_mm256_storeu_si256((__m256i *)(acc + {j * 16 + 8 * b}), a{j}{b});")
        ls.append("for (int j = 0; j < m; ++j) {")
        ls.append(f"    {yt} *yp = yr + (ox + j) * {osx};")
        ls.append(f"    for (int oo = 0; oo < {8 * nb}; ++oo) {{")
        ls.append("        const int o = ob + oo;")
        if op_ != o_ch:
            ls.append(f"        if (o >= {o_ch}) {{")
            ls.append("            break;")
            ls.append("        }")
        ls.append(f"        yp[o * {osc}] = ({yt})qc_requant(acc[j * 16 + oo], {shift_e}, {sp.lo}, {sp.hi});")
        ls.append("    }")
        ls.append("}")
        return ls

    kern = [f"static void {name}_avx2(const {xt} *restrict x, {yt} *restrict y)", "{",
            f"    int16_t patch[{mb * kp}];",
            *([] if vec_rq else [f"    int32_t acc[{mb * 16}];"]),
            f"    for (int oy = 0; oy < {oh}; ++oy) {{",
            f"        {yt} *yr = y + oy * {osy};",
            f"        for (int ox = 0; ox < {ow}; ox += {mb}) {{",
            f"            const int m = {ow} - ox < {mb} ? {ow} - ox : {mb};",
            "            for (int j = 0; j < m; ++j) {",
            f"                {name}_gather(x, patch + j * {kp}, oy, ox + j);",
            "            }",
            f"            for (int j = m; j < {mb}; ++j) {{",
            f"                memset(patch + j * {kp}, 0, {kp} * sizeof(int16_t));",
            "            }"]
    pairs, rest = divmod(nblocks, 2)
    if pairs:
        kern.append(f"            for (int ob = 0; ob < {pairs * 16}; ob += 16) {{")
        kern += [_indent(ln, 4) for ln in block(2)]
        kern.append("            }")
    if rest:
        kern.append("            {")
        kern.append(f"                const int ob = {pairs * 16};")
        kern += [_indent(ln, 4) for ln in block(1)]
        kern.append("            }")
    kern += ["        }", "    }", "}"]
    code.prelude = (f"#if {AVX2_GUARD}\n" + "\n".join(gather) + "\n\n" + "\n".join(kern)
                    + "\n#else\n" + code.prelude + "\n#endif")
    code.body = f"#if {AVX2_GUARD}\n{name}_avx2(x, y);\n#else\n{code.body}\n#endif"


# --------------------------------------------------------------------------- fc


@dataclass
class FcSpec:
    """A fully connected layer: x [..., K] (any view of batch-1 rows), w [N, K], shifted bias [N]."""

    x: View
    y: View
    w: np.ndarray
    bias: np.ndarray
    shifts: np.ndarray
    lo: int
    hi: int


def gen_fc(name: str, sp: FcSpec) -> KernelCode:
    """y[r, n] = clamp(rshift(sum_k x[r, k] w[n, k] + bias[n], s[n])): one dot product per output."""
    n_out, k = sp.w.shape
    rows = sp.x.size // k
    w = np.asarray(sp.w)
    if not sp.x.is_rowmajor():
        if rows != 1:
            raise KernelError(f"input layout {sp.x.describe()} with {rows} rows (needs a relayout)")
        # memory position m holds logical element phys2log[m]: permute the weight columns instead
        w = w[:, sp.x.phys2log()]
    if not sp.y.is_rowmajor():
        raise KernelError(f"output layout {sp.y.describe()} must be row-major")
    w_abs = np.abs(w.astype(np.int64)).sum(axis=1)
    bound = int((w_abs * _max_abs(sp.x.ctype) + np.abs(sp.bias)).max(initial=0))
    acc_t = _acc_type(bound)
    globals_ = [GlobalData(f"{name}_w", np.ascontiguousarray(w).reshape(-1),
                           "int8_t" if w.dtype.itemsize == 1 else "int16_t"),
                GlobalData(f"{name}_b", sp.bias.astype(np.int64), "int32_t")]
    sh_arr = np.asarray(sp.shifts, np.int64)
    if not np.all(sh_arr == sh_arr[0]):
        globals_.append(GlobalData(f"{name}_s", sh_arr, "int8_t"))
    if np.abs(sp.bias).max(initial=0) > INT32_MAX:
        raise KernelError("a shifted bias beyond int32 is not supported")
    shift_e = _shift_expr(sh_arr, f"{name}_s", "o")
    wt = "int8_t" if w.dtype.itemsize == 1 else "int16_t"
    body = "\n".join([
        f"for (int r = 0; r < {rows}; ++r) {{",
        f"    const {sp.x.ctype} *a = x + r * {k};",
        f"    for (int o = 0; o < {n_out}; ++o) {{",
        f"        const {wt} *b = {name}_w + o * {k};",
        f"        {acc_t} acc = {name}_b[o];",
        f"        for (int i = 0; i < {k}; ++i) {{",
        f"            acc += ({acc_t})a[i] * b[i];",
        "        }",
        f"        y[r * {n_out} + o] = ({sp.y.ctype}){_requant_call(acc_t, 'acc', shift_e, sp.lo, sp.hi)};",
        "    }",
        "}",
    ])
    return KernelCode(_io([sp.x], sp.y, ["x"]), body, "", globals_, None, rows * n_out * k)
