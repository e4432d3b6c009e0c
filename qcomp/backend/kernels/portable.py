"""Portable C99 conv, depthwise and fc for any compiler; each adds the cortex_m / x86 variants it qualifies for."""

from __future__ import annotations

import numpy as np

from qcomp.backend.kernels.common import (
    INT32_MAX,
    ConvSpec,
    FcSpec,
    GlobalData,
    KernelCode,
    KernelError,
    _acc_type,
    _channel_window,
    _indent,
    _io,
    _max_abs,
    _requant_call,
    _shift_expr,
    _strides,
    _tap_bounds_c,
)
from qcomp.backend.kernels.cortex_m import _add_dsp_conv, _add_dsp_depthwise, _add_dsp_fc
from qcomp.backend.kernels.x86 import _add_avx2_conv

# --------------------------------------------------------------------------- conv


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
    body = _channel_window(
        c, oh, ow, (kh, sh_, pt, dh, h), (kw, sw_, pl, dw, w), f"{acc_t} acc[{c}];", f"acc[ci] = {name}_b[ci];",
        [f"const {xt} *a = x + (iy0 + ky * {dh}) * {sy} + (ix0 + kx * {dw}) * {sx};",
         f"const int8_t *b = {name}_w + (ky * {kw} + kx) * {c};"],
        f"acc[ci] += ({acc_t})a[ci * {sc}] * b[ci];",
        f"y[oy * {osy} + ox * {osx} + ci * {osc}] = ({yt}){_requant_call(acc_t, 'acc[ci]', shift_e, sp.lo, sp.hi)};")
    code = KernelCode(_io([sp.x], sp.y, ["x"]), body, "", globals_, None, macs)
    if acc_t == "int32_t" and sp.w.dtype.itemsize == 1 and xt in ("int8_t", "uint8_t") and sc == 1 and c >= 4:
        _add_dsp_depthwise(name, sp, code, xs, ys)
    return code


# --------------------------------------------------------------------------- fc


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
