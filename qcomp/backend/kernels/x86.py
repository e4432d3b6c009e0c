"""The `__AVX2__` dense-conv variant (vpmaddwd on int16 pairs): faster x86 host builds with -march=native."""

from __future__ import annotations

import numpy as np

from qcomp.backend.kernels.common import (
    AVX2_GUARD,
    ConvSpec,
    GlobalData,
    KernelCode,
    _indent,
    _restrict_guard,
    _shift_expr,
    _tap_bounds_c,
    _wrap_variant,
)


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
            ls.append(f"    const __m256i vlo = _mm256_set1_epi32({sp.lo}), vhi = _mm256_set1_epi32({sp.hi});")
            for j in range(mb):
                ls.append(f"    if ({j} < m) {{")
                for b in range(nb):
                    v = f"a{j}{b}"
                    ls.append(f"        {v} = qc_rshift_x8({v}, {s0});")
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
