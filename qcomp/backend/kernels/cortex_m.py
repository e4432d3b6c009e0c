"""Arm DSP-extension conv, depthwise and fc (`QC_ARM_DSP`: SMLAD, SSAT): faster on Cortex-M4/M7/M33/M55."""

from __future__ import annotations

import numpy as np

from qcomp.backend.kernels.common import (
    DSP_GUARD,
    ConvSpec,
    FcSpec,
    GlobalData,
    KernelCode,
    _indent,
    _restrict_guard,
    _shift_expr,
    _tap_bounds_c,
    _wrap_variant,
)


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


def _quad_pos(i: int) -> int:
    """The int16 position of patch element i in the quad-reordered patches (C: qc_quad_pos)."""
    return (i & ~3) | ((i & 1) << 1) | ((i & 2) >> 1)


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
            # every patch element in patch order: its int16 position (qc_quad_pos), input offset, tap
            elems = [(_quad_pos((ky * kw + kx) * c + ci), ky * dh * sy + kx * dw * sx + ci * sc, ky, kx)
                     for ky in range(kh) for kx in range(kw) for ci in range(c)]
            col += [f"    if (iyk0 == 0 && iyk1 == {kh} && ixk0 == 0 && ixk1 == {kw}) {{",
                    f"        const {xt} *a = x + iy0 * {sy} + ix0 * {sx};"]
            col += [f"        qc_st16(p + {2 * pos}, a[{off}]);" for pos, off, _, _ in elems]
            col += ["        return;", "    }",
                    f"    const int at = iy0 * {sy} + ix0 * {sx};"]
            col += [f"    const int r{ky} = {ky} >= iyk0 && {ky} < iyk1;" for ky in range(kh)]
            col += [f"    const int c{kx} = {kx} >= ixk0 && {kx} < ixk1;" for kx in range(kw)]
            col += [f"    qc_st16(p + {2 * pos}, r{ky} && c{kx} ? x[at + {off}] : 0);" for pos, off, ky, kx in elems]
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
