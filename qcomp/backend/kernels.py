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
* `QC_ARM_DSP` path (Arm cores with the DSP extension: Cortex-M4/M7/M33/M55, defined by
  `HELPERS` from `__ARM_FEATURE_DSP`; `-DQC_PORTABLE` turns it off): 4 output pixels at a
  time, their patches gathered once as int16 in quad-reordered pairs (a0, a2), (a1, a3); the
  portable int8 weights are read as they are, one word = 4 weights widened by two SXTB16 into
  the matching pairs, so two SMLAD do 4 exact MACs per pixel; 2 output channels x 4 pixels
  of int32 accumulators in registers (int32-bound layers only); fc the same with one pixel;
* depthwise: per pixel, taps outer, channels inner (vectorised across channels); with
  `QC_ARM_DSP`: 4 channels per input word, SMLABB / SMLATT against int16 weight pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qcomp.backend.layout import View

INT32_MAX = (1 << 31) - 1

HELPERS = r"""#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* QC_ARM_DSP: Arm cores with the DSP and SIMD32 extensions (Cortex-M4/M7/M33/M55, little
   endian) run the conv/fc kernels with SMLAD; -DQC_PORTABLE keeps the portable kernels. */
#if !defined(QC_PORTABLE) && defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32) \
    && defined(__ARM_FEATURE_SAT) && !defined(__ARM_BIG_ENDIAN)
#define QC_ARM_DSP 1
#include <arm_acle.h>
#endif

/* `unused`: clang's -Wunused-function also reports static inline helpers a model does not
   call (gcc does not); the contract is warning-free C with -Wall -Wextra -Werror. */
#if defined(__GNUC__)
#define QC_INLINE inline __attribute__((always_inline, unused))
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

#if defined(QC_ARM_DSP)
/* Word access at any address (LDR/STR: Armv7E-M allows unaligned words; memcpy keeps the
   C free of aliasing and alignment assumptions). */
static QC_INLINE int32_t qc_ld32(const void *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static QC_INLINE void qc_st32(void *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static QC_INLINE void qc_st16(void *p, int32_t v)
{
    const int16_t h = (int16_t)v;
    memcpy(p, &h, sizeof h);
}

/* rshift(acc, s) for 1 <= s <= 30 (round half up, no overflow); the DSP kernels saturate it
   with SSAT/USAT when the clamp is a full signed/unsigned bit range. */
static QC_INLINE int32_t qc_rshift(int32_t acc, int s)
{
    return (acc >> s) + ((acc >> (s - 1)) & 1);
}

/* v rotated right by 8: __sxtb16(qc_ror8(v)) sign-extends bytes 1 and 3 of v. */
static QC_INLINE int32_t qc_ror8(int32_t v)
{
    const uint32_t u = (uint32_t)v;
    return (int32_t)((u >> 8) | (u << 24));
}

/* The DSP kernels read the int8 weights as they are (4 consecutive k per word w): __sxtb16(w)
   = (w0, w2) and __sxtb16(qc_ror8(w)) = (w1, w3). Their int16 patches (im2col, fc rows) are
   stored quad-reordered to match, (a0, a2, a1, a3) for every 4 elements, in 32-bit words, so
   one SMLAD per word does 2 exact MACs. Element i of a patch is at int16 position
   qc_quad_pos(i); `dst` is a byte address. */
static QC_INLINE int qc_quad_pos(int i)
{
    return (i & ~3) | ((i & 1) << 1) | ((i & 2) >> 1);
}

static QC_INLINE void qc_widen_s8(void *restrict dst, const int8_t *restrict a, int n)
{
    char *q = (char *)dst;
    const int n4 = n & ~3;
    int i;
    for (i = 0; i < n4; i += 4) {
        const int32_t v = qc_ld32(a + i);
        qc_st32(q + 2 * i, (uint32_t)__sxtb16(v));
        qc_st32(q + 2 * i + 4, (uint32_t)__sxtb16(qc_ror8(v)));
    }
    for (i = n4; i < n; ++i) {
        qc_st16(q + 2 * qc_quad_pos(i), a[i]);
    }
}

static QC_INLINE void qc_widen_u8(void *restrict dst, const uint8_t *restrict a, int n)
{
    char *q = (char *)dst;
    const int n4 = n & ~3;
    int i;
    for (i = 0; i < n4; i += 4) {
        const int32_t v = qc_ld32(a + i);
        qc_st32(q + 2 * i, __uxtb16((uint32_t)v));
        qc_st32(q + 2 * i + 4, __uxtb16((uint32_t)qc_ror8(v)));
    }
    for (i = n4; i < n; ++i) {
        qc_st16(q + 2 * qc_quad_pos(i), a[i]);
    }
}

static QC_INLINE void qc_widen_s16(void *restrict dst, const int16_t *restrict a, int n)
{
    char *q = (char *)dst;
    const int n4 = n & ~3;
    int i;
    for (i = 0; i < n4; i += 4) {
        const uint32_t v01 = (uint32_t)qc_ld32(a + i), v23 = (uint32_t)qc_ld32(a + i + 2);
        qc_st32(q + 2 * i, (v01 & 0xFFFFu) | (v23 << 16));
        qc_st32(q + 2 * i + 4, (v23 & 0xFFFF0000u) | (v01 >> 16));
    }
    for (i = n4; i < n; ++i) {
        qc_st16(q + 2 * qc_quad_pos(i), a[i]);
    }
}
#endif
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
    # the SIMD paths need exact int32 sums (SMLAD and vpmaddwd accumulate on 32 bits)
    simd = g == 1 and acc_t == "int32_t" and sp.w.dtype.itemsize == 1
    if simd and sp.x.ctype in ("int8_t", "uint8_t", "int16_t"):
        _add_dsp_conv(name, sp, code, xs, ys)
    if simd and sp.x.ctype in ("int8_t", "uint8_t"):
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
    code = KernelCode(_io([sp.x], sp.y, ["x"]), body, "", globals_, None, macs)
    if acc_t == "int32_t" and sp.w.dtype.itemsize == 1 and xt in ("int8_t", "uint8_t") and sc == 1 and c >= 4:
        _add_dsp_depthwise(name, sp, code, xs, ys)
    return code


AVX2_GUARD = "defined(__AVX2__)"
DSP_GUARD = "defined(QC_ARM_DSP)"


def _restrict_guard(code: KernelCode, names: tuple[str, ...], guard: str) -> None:
    """Compile the constants `names` of `code` only where `guard` (and their own guard) holds."""
    for gd in code.globals:
        if gd.name in names:
            gd.guard = guard if gd.guard is None else f"{guard} && {gd.guard}"


def _wrap_variant(code: KernelCode, guard: str, prelude: str, call: str) -> None:
    """Put a SIMD variant of `code` under `#if guard`, the current code under `#else`."""
    other = f"#else\n{code.prelude}\n" if code.prelude else ""
    code.prelude = f"#if {guard}\n{prelude}\n{other}#endif"
    code.body = f"#if {guard}\n{call}\n#else\n{code.body}\n#endif"


# --------------------------------------------------------------------------- Arm DSP (SMLAD)


def _dsp_requant(acc: str, shifts: np.ndarray, table: str, idx: str, lo: int, hi: int) -> str:
    """clamp(rshift(acc, s), lo, hi) for an int32 accumulator in the DSP kernels: one SSAT / USAT
    when [lo, hi] is a full signed / unsigned bit range and the shifts are all 0 or all in
    [1, 30]; else `qc_requant`."""
    sh = _shift_expr(shifts, table, idx)
    smin, smax = int(shifts.min()), int(shifts.max())
    v = acc if smin == smax == 0 else (f"qc_rshift({acc}, {sh})" if 1 <= smin and smax <= 30 else None)
    if v is not None:
        for b in range(1, 33):
            if (lo, hi) == (-(1 << (b - 1)), (1 << (b - 1)) - 1):
                return f"__ssat({v}, {b})"
            if b <= 31 and (lo, hi) == (0, (1 << b) - 1):
                return f"(int32_t)__usat({v}, {b})"
    return f"qc_requant({acc}, {sh}, {lo}, {hi})"


DSP_UNROLL = 2  # weight quads per inner-loop iteration
DSP_PIXELS = 4  # conv output pixels per dot step
DSP_CHANNELS = 2  # output channels per dot step
DSP_STRAIGHT_K = 64  # im2col of interior pixels as straight-line code up to this K (short runs)


def _dsp_dot(fn: str | None, name: str, o_ch: int, k: int, npix: int, yt: str, osc: int, shifts: np.ndarray,
             lo: int, hi: int) -> str:
    """`static void fn(const int32_t *p, yt *y0, ...)` (or, when fn is None, a block using p and
    y0: fc): all O outputs of `npix` patches p[j * K4 / 2 ...] (quad-reordered int16 pairs, K4 =
    K rounded up to 4) with the portable int8 weights `{name}_w` [O][K] as they are. Per step
    DSP_CHANNELS channels x npix pixels in registers; per 4 k, each channel's weight word is
    widened by two SXTB16 and feeds two SMLAD (4 exact MACs into an int32 accumulator) per
    pixel; the last K % 4 weights of a row take one SMLABB / SMLATB each (rows are never read
    past their end, the patch padding is never multiplied)."""
    nq, tail, kw_ = k // 4, k % 4, -(-k // 4) * 2
    unroll = min(DSP_UNROLL, nq) if nq > 3 else 1
    ys = ", ".join(f"{yt} *restrict y{j}" for j in range(npix))
    lines = [f"static QC_INLINE void {fn}(const int32_t *restrict p, {ys})"] if fn else []
    lines.append("{")

    def quad(nc: int, u: int, words: list[str]) -> list[str]:
        ls = ["{"]
        for c in range(nc):
            ls.append(f"    const int32_t w{c} = {words[c]};")
            ls.append(f"    const int32_t w{c}a = __sxtb16(w{c}), w{c}b = __sxtb16(qc_ror8(w{c}));")
        for j in range(npix):
            ls.append(f"    {{ const int32_t xa = q[{j * kw_ + 2 * u}], xb = q[{j * kw_ + 2 * u + 1}];")
            for c in range(nc):
                ls.append(f"      a{j}{c} = __smlad(xa, w{c}a, a{j}{c});")
                ls.append(f"      a{j}{c} = __smlad(xb, w{c}b, a{j}{c});")
            ls.append("    }")
        ls.append("}")
        return ls

    def block(nc: int) -> list[str]:
        ls = []
        for c in range(nc):
            ls.append(f"int32_t a0{c} = {name}_b[o + {c}];")
            for j in range(1, npix):
                ls.append(f"int32_t a{j}{c} = a0{c};")
        ls += [f"const int8_t *w = {name}_w + o * {k};", "const int32_t *q = p;"]
        steps, rest = divmod(nq, unroll)
        if steps:
            ls.append(f"for (int k = 0; k < {steps}; ++k) {{")
            for u in range(unroll):
                ls += ["    " + ln for ln in quad(nc, u, [f"qc_ld32(w + {c * k + 4 * u})" for c in range(nc)])]
            ls += [f"    w += {4 * unroll};", f"    q += {2 * unroll};", "}"]
        if rest:
            ls += [f"for (int k = 0; k < {rest}; ++k) {{",
                   *("    " + ln for ln in quad(nc, 0, [f"qc_ld32(w + {c * k})" for c in range(nc)])),
                   "    w += 4;", "    q += 2;", "}"]
        if tail:  # the last K % 4 elements: one 16x16 MAC each (SMLABB / SMLATB on their half)
            ls.append("{")
            for c in range(nc):
                ls.append(f"    const int32_t {', '.join(f't{c}{i} = w[{c * k + i}]' for i in range(tail))};")
            for j in range(npix):
                for i in range(tail):
                    word, top = (("b" if i == 1 else "a"), i == 2)  # positions (0, 2, 1, 3)
                    for c in range(nc):
                        fn_ = "__smlatb" if top else "__smlabb"
                        ls.append(f"    a{j}{c} = {fn_}(q[{j * kw_ + (1 if word == 'b' else 0)}], t{c}{i}, a{j}{c});")
            ls.append("}")
        for j in range(npix):
            for c in range(nc):
                rq = _dsp_requant(f"a{j}{c}", shifts, f"{name}_s", f"o + {c}", lo, hi)
                ls.append(f"y{j}[(o + {c}) * {osc}] = ({yt}){rq};")
        return ls

    ct = DSP_CHANNELS
    if o_ch >= ct:
        lines.append(f"    for (int o = 0; o < {o_ch // ct * ct}; o += {ct}) {{")
        lines += ["        " + ln for ln in block(ct)]
        lines.append("    }")
    if o_ch % ct:
        lines += ["    {", f"        const int o = {o_ch // ct * ct};"]
        lines += ["        " + ln for ln in block(o_ch % ct)]
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines)


def _widen_fn(ctype: str) -> str:
    return {"int8_t": "qc_widen_s8", "uint8_t": "qc_widen_u8", "int16_t": "qc_widen_s16"}[ctype]


def _add_dsp_conv(name: str, sp: ConvSpec, code: KernelCode, xs, ys) -> None:
    """Add the Arm DSP variant of a dense conv (`QC_ARM_DSP`): output pixels DSP_PIXELS at a time
    (raster order), their patches gathered once as quad-reordered int16 (im2col, zero padded),
    then `_dsp_dot` with the portable weight array."""
    _, c, h, w = sp.x.shape
    o_ch, _, kh, kw = sp.w.shape
    _, _, oh, ow = sp.y.shape
    k = c * kh * kw
    k4 = -(-k // 4) * 4
    (sh_, sw_), (pt, pl, _, _), (dh, dw) = sp.strides, sp.pads, sp.dilations
    sc, sy, sx = xs[1], xs[2], xs[3]
    osc, osy, osx = ys[1], ys[2], ys[3]
    xt, yt = sp.x.ctype, sp.y.ctype
    run = kw * c
    # im2col of one output pixel: element (ky * KW + kx) * C + c at qc_quad_pos, 0 outside the input
    col = [f"static void {name}_col(const {xt} *restrict x, char *restrict p, int oy, int ox)", "{",
           _indent(_tap_bounds_c("iy", "oy", kh, sh_, pt, dh, h)),
           _indent(_tap_bounds_c("ix", "ox", kw, sw_, pl, dw, w))]
    if dw == 1 and sx == c and sc == 1 and c % 4 == 0:
        # the valid taps of a kernel row are one run starting on a quad: widen it 4 at a time
        col += [f"    for (int ky = 0; ky < {kh}; ++ky) {{",
                f"        char *q = p + ky * {2 * run};",
                f"        if (ky < iyk0 || ky >= iyk1 || ixk0 > 0 || ixk1 < {kw}) {{",
                f"            memset(q, 0, {2 * run});",
                "        }",
                "        if (ky >= iyk0 && ky < iyk1) {",
                f"            {_widen_fn(xt)}(q + ixk0 * {2 * c}, x + (iy0 + ky * {dh}) * {sy}"
                f" + (ix0 + ixk0) * {sx}, (ixk1 - ixk0) * {c});",
                "        }",
                "    }", "}"]
    else:
        # short runs or strided channels: interior pixels copy the K elements straight (small K),
        # border pixels write every element, 0 outside the input
        if k <= DSP_STRAIGHT_K:
            col += [f"    if (iyk0 == 0 && iyk1 == {kh} && ixk0 == 0 && ixk1 == {kw}) {{",
                    f"        const {xt} *a = x + iy0 * {sy} + ix0 * {sx};"]
            for ky in range(kh):
                for kx in range(kw):
                    for ci in range(c):
                        i = (ky * kw + kx) * c + ci
                        pos = (i & ~3) | ((i & 1) << 1) | ((i & 2) >> 1)
                        col.append(f"        qc_st16(p + {2 * pos}, a[{ky * dh * sy + kx * dw * sx + ci * sc}]);")
            col += ["        return;", "    }",
                    f"    const int at = iy0 * {sy} + ix0 * {sx};"]
            col += [f"    const int r{ky} = {ky} >= iyk0 && {ky} < iyk1;" for ky in range(kh)]
            col += [f"    const int c{kx} = {kx} >= ixk0 && {kx} < ixk1;" for kx in range(kw)]
            for ky in range(kh):
                for kx in range(kw):
                    for ci in range(c):
                        i = (ky * kw + kx) * c + ci
                        pos = (i & ~3) | ((i & 1) << 1) | ((i & 2) >> 1)
                        col.append(f"    qc_st16(p + {2 * pos}, r{ky} && c{kx} ? x[at + {ky * dh * sy + kx * dw * sx + ci * sc}] : 0);")
            col.append("}")
        else:
            col += [f"    for (int ky = 0; ky < {kh}; ++ky) {{",
                    f"        for (int kx = 0; kx < {kw}; ++kx) {{",
                    "            const int ok = ky >= iyk0 && ky < iyk1 && kx >= ixk0 && kx < ixk1;",
                    f"            const int at = (iy0 + ky * {dh}) * {sy} + (ix0 + kx * {dw}) * {sx};",
                    f"            for (int ci = 0; ci < {c}; ++ci) {{",
                    f"                qc_st16(p + 2 * qc_quad_pos((ky * {kw} + kx) * {c} + ci),"
                    f" ok ? x[at + ci * {sc}] : 0);",
                    "            }",
                    "        }",
                    "    }", "}"]
    sh_arr = np.asarray(sp.shifts)
    npix = oh * ow
    parts = ["\n".join(col)]
    tile = min(DSP_PIXELS, npix)
    full, rest = divmod(npix, tile)
    for t in sorted({tile, 1 if rest else 0} - {0}):
        parts.append(_dsp_dot(f"{name}_dot{t}", name, o_ch, k, t, yt, osc, sh_arr, sp.lo, sp.hi))
    kern = [f"static void {name}_dsp(const {xt} *restrict x, {yt} *restrict y)", "{",
            f"    int32_t patch[{tile * k4 // 2}]; /* {tile} pixels x {k4 // 2} int16 pairs */",
            "    int oy = 0, ox = 0;"]
    if k4 != k:
        kern.append("    memset(patch, 0, sizeof patch); /* the K padding stays 0 */")

    def step(t: int) -> list[str]:
        ls = [f"{yt} *yp[{t}];"]
        for j in range(t):
            ls += [f"yp[{j}] = y + oy * {osy} + ox * {osx};",
                   f"{name}_col(x, (char *)(patch + {j * k4 // 2}), oy, ox);",
                   f"if (++ox == {ow}) {{",
                   "    ox = 0;",
                   "    ++oy;",
                   "}"]
        ls.append(f"{name}_dot{t}(patch, {', '.join(f'yp[{j}]' for j in range(t))});")
        return ls

    kern += [f"    for (int i = 0; i < {full}; ++i) {{", *("        " + ln for ln in step(tile)), "    }"]
    if rest:
        kern += [f"    for (int i = 0; i < {rest}; ++i) {{", *("        " + ln for ln in step(1)), "    }"]
    kern.append("}")
    parts.append("\n".join(kern))
    _wrap_variant(code, DSP_GUARD, "\n\n".join(parts), f"{name}_dsp(x, y);")


def _add_dsp_depthwise(name: str, sp: ConvSpec, code: KernelCode, xs, ys) -> None:
    """Add the Arm DSP variant of a depthwise conv (`QC_ARM_DSP`, channels contiguous): per
    pixel, 4 channels at a time in registers, taps inner; one word of input = 4 channels,
    widened by two SXTB16 (UXTB16) into (c0, c2), (c1, c3), each pair multiplied with its
    int16 weight pair by SMLABB / SMLATT (exact 16x16 products into int32 accumulators).
    Interior pixels run the taps as straight-line code."""
    _, c, h, w = sp.x.shape
    _, _, kh, kw = sp.w.shape
    _, _, oh, ow = sp.y.shape
    (sh_, sw_), (pt, pl, _, _), (dh, dw) = sp.strides, sp.pads, sp.dilations
    sy, sx = xs[2], xs[3]
    osc, osy, osx = ys[1], ys[2], ys[3]
    xt, yt = sp.x.ctype, sp.y.ctype
    taps = kh * kw
    c4 = c // 4 * 4
    # int16 weights (small: KH * KW per channel): [C/4][KH*KW][c0, c2, c1, c3] (the pairs of
    # SXTB16, one LDRD per tap), then the last C % 4 channels [KH*KW][C % 4]
    wt = sp.w[:, 0].reshape(c, taps).astype(np.int16)
    head = wt[:c4].reshape(c // 4, 4, taps)[:, [0, 2, 1, 3]].transpose(0, 2, 1).reshape(-1)
    code.globals.append(GlobalData(f"{name}_wd", np.concatenate([head, wt[c4:].T.reshape(-1)]), "int16_t",
                                   DSP_GUARD))
    _restrict_guard(code, (f"{name}_w",), f"!{DSP_GUARD}")
    ext = "__uxtb16" if xt == "uint8_t" else "__sxtb16"
    cast = "(uint32_t)" if xt == "uint8_t" else ""
    sh_arr = np.asarray(sp.shifts)

    def tap(off: str, t: str) -> list[str]:
        return [f"{{ const int32_t v = qc_ld32(xc + {off});",
                f"  const int32_t e = (int32_t){ext}({cast}v), o = (int32_t){ext}({cast}qc_ror8(v));",
                f"  const int32_t we = qc_ld32(wc + {t} * 4), wo = qc_ld32(wc + {t} * 4 + 2);",
                "  a0 = __smlabb(e, we, a0); a2 = __smlatt(e, we, a2);",
                "  a1 = __smlabb(o, wo, a1); a3 = __smlatt(o, wo, a3); }"]

    px = [f"static QC_INLINE void {name}_dpx(const {xt} *restrict x, {yt} *restrict yp, int at,",
          "                                  int kyb, int kye, int kxb, int kxe)", "{"]
    if c4:
        px += [f"    for (int ci = 0; ci < {c4}; ci += 4) {{",
               f"        const int16_t *wc = {name}_wd + ci * {taps};",
               f"        int32_t a0 = {name}_b[ci], a1 = {name}_b[ci + 1], a2 = {name}_b[ci + 2], a3 = {name}_b[ci + 3];",
               f"        if (kyb == 0 && kye == {kh} && kxb == 0 && kxe == {kw}) {{",
               "            const " + xt + " *xc = x + at + ci;"]
        for ky in range(kh):
            for kx in range(kw):
                px += ["            " + ln for ln in tap(str(ky * dh * sy + kx * dw * sx), str(ky * kw + kx))]
        px += ["        } else {",
               "            for (int ky = kyb; ky < kye; ++ky) {",
               "                for (int kx = kxb; kx < kxe; ++kx) {",
               f"                    const {xt} *xc = x + (at + ky * {dh * sy} + kx * {dw * sx} + ci);"]
        px += ["                    " + ln for ln in tap("0", f"(ky * {kw} + kx)")]
        px += ["                }", "            }", "        }"]
        for j in range(4):
            rq = _dsp_requant(f"a{j}", sh_arr, f"{name}_s", f"ci + {j}", sp.lo, sp.hi)
            px.append(f"        yp[(ci + {j}) * {osc}] = ({yt}){rq};")
        px.append("    }")
    if c4 < c:
        rq = _dsp_requant("a", sh_arr, f"{name}_s", "ci", sp.lo, sp.hi)
        px += [f"    for (int ci = {c4}; ci < {c}; ++ci) {{",
               f"        int32_t a = {name}_b[ci];",
               "        for (int ky = kyb; ky < kye; ++ky) {",
               "            for (int kx = kxb; kx < kxe; ++kx) {",
               f"                a += (int32_t)x[at + ky * {dh * sy} + kx * {dw * sx} + ci]"
               f" * {name}_wd[{c4 * taps} + (ky * {kw} + kx) * {c - c4} + ci - {c4}];",
               "            }",
               "        }",
               f"        yp[ci * {osc}] = ({yt}){rq};",
               "    }"]
    px.append("}")
    kern = [f"static void {name}_dsp(const {xt} *restrict x, {yt} *restrict y)", "{",
            f"    for (int oy = 0; oy < {oh}; ++oy) {{",
            _indent(_tap_bounds_c("iy", "oy", kh, sh_, pt, dh, h), 2),
            f"        for (int ox = 0; ox < {ow}; ++ox) {{",
            _indent(_tap_bounds_c("ix", "ox", kw, sw_, pl, dw, w), 3),
            f"            {name}_dpx(x, y + oy * {osy} + ox * {osx}, iy0 * {sy} + ix0 * {sx}, iyk0, iyk1, ixk0, ixk1);",
            "        }",
            "    }",
            "}"]
    _wrap_variant(code, DSP_GUARD, "\n".join(px) + "\n\n" + "\n".join(kern), f"{name}_dsp(x, y);")


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
    # the other variants' own constants exist only where they are compiled
    _restrict_guard(code, (f"{name}_w", f"{name}_b"), f"!{AVX2_GUARD}")
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
    _wrap_variant(code, AVX2_GUARD, "\n".join(gather) + "\n\n" + "\n".join(kern), f"{name}_avx2(x, y);")


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
    code = KernelCode(_io([sp.x], sp.y, ["x"]), body, "", globals_, None, rows * n_out * k)
    if acc_t == "int32_t" and w.dtype.itemsize == 1 and sp.x.ctype in ("int8_t", "uint8_t", "int16_t"):
        _add_dsp_fc(name, code, w, sp, rows, sh_arr)
    return code


def _add_dsp_fc(name: str, code: KernelCode, w: np.ndarray, sp: FcSpec, rows: int, sh_arr: np.ndarray) -> None:
    """Add the Arm DSP variant of fc: each input row widened once to quad-reordered int16, then
    `_dsp_dot` (one pixel) with the portable weight array."""
    n_out, k = w.shape
    k4 = -(-k // 4) * 4
    dot = _dsp_dot(None, name, n_out, k, 1, sp.y.ctype, 1, sh_arr, sp.lo, sp.hi)
    body = [f"int32_t row[{k4 // 2}]; /* int16 pairs */"]
    if k4 != k:
        body.append("memset(row, 0, sizeof row); /* the K padding stays 0 */")
    dot_lines = dot.splitlines()
    body += [f"for (int r = 0; r < {rows}; ++r) {{",
             f"    {_widen_fn(sp.x.ctype)}(row, x + r * {k}, {k});",
             "    {",
             "        const int32_t *restrict p = row;",
             f"        {sp.y.ctype} *restrict y0 = y + r * {n_out};",
             *("    " + ln for ln in dot_lines[1:]),
             "}"]
    code.body = f"#if {DSP_GUARD}\n" + "\n".join(body) + f"\n#else\n{code.body}\n#endif"
