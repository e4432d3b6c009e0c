"""Kernel generators for the resampling shift ops: resize_nearest, resize, zero_interleave.

Same contract as `qcomp.backend.kernels_tensor`: each returns a `KernelCode` whose C follows the
shift op's docstring bit for bit, for any strided layouts of input and output (NHWC inside the
arena: the innermost loop runs over the channels). Batch 1, as every C kernel.
"""

from __future__ import annotations

import numpy as np

from qcomp.backend.kernels.common import (
    CTYPE_RANGE,
    INT32_MAX,
    GlobalData,
    KernelCode,
    KernelError,
    _io,
    _narrowest_int,
    _requant_call,
    _strides,
)
from qcomp.backend.layout import View
from qcomp.numerics.conv_transpose import interleaved_size
from qcomp.numerics.resize import acc_bound


def _table(name: str, values: np.ndarray) -> GlobalData:
    v = np.asarray(values, np.int64).reshape(-1)
    return GlobalData(name, v, _narrowest_int(v))


def _index(table: np.ndarray, gname: str, var: str, globals_: list[GlobalData]) -> str:
    """C for table[var]: the variable itself for an identity table, else a constant array lookup."""
    if np.array_equal(table, np.arange(len(table))):
        return var
    globals_.append(_table(gname, table))
    return f"{gname}[{var}]"


def _fill_lines(c: int, ys1: int, fill: int, depth: int) -> list[str]:
    pad = "    " * depth
    return [f"{pad}for (int ci = 0; ci < {c}; ++ci) {{", f"{pad}    b[ci * {ys1}] = {fill};", f"{pad}}}"]


def gen_resize_nearest(name: str, x: View, y: View, rows: np.ndarray, cols: np.ndarray, fill: int = 0) -> KernelCode:
    """y[c, oy, ox] = x[c, rows[oy], cols[ox]] (`fill` where an index is -1: tf_crop_and_resize)."""
    _, c, _, _ = x.shape
    _, _, oh, ow = y.shape
    xs, ys = _strides(x, "input"), _strides(y, "output")
    globals_: list[GlobalData] = []
    iy = _index(rows, f"{name}_r", "oy", globals_)
    ix = _index(cols, f"{name}_c", "ox", globals_)
    copy = [
        f"        const {x.ctype} *a = x0 + iy * {xs[2]} + ix * {xs[3]};",
        f"        for (int ci = 0; ci < {c}; ++ci) {{",
        f"            b[ci * {ys[1]}] = a[ci * {xs[1]}];",
        "        }",
    ]
    if (rows < 0).any() or (cols < 0).any():
        copy = ["        if (iy < 0 || ix < 0) {", *_fill_lines(c, ys[1], fill, 3), "        } else {",
                *("    " + ln for ln in copy), "        }"]
    body = "\n".join([
        f"for (int oy = 0; oy < {oh}; ++oy) {{",
        f"    const int iy = (int){iy};",
        f"    for (int ox = 0; ox < {ow}; ++ox) {{",
        f"        const int ix = (int){ix};",
        f"        {y.ctype} *b = y + oy * {ys[2]} + ox * {ys[3]};",
        *copy,
        "    }",
        "}",
    ])
    return KernelCode(_io([x], y), body, "", globals_, None, 0)


def gen_resize(name: str, x: View, y: View, rows: tuple[np.ndarray, np.ndarray],
               cols: tuple[np.ndarray, np.ndarray], shift: int, fill: int = 0) -> KernelCode:
    """acc = sum_{i, j} (R[oy, i] * C[ox, j]) * x[c, r[oy, i], c[ox, j]] in int32 (proven), then
    clamp(rshift(acc, shift)); `fill` where the row or column indices are -1 (see shift.resize)."""
    _, c, _, _ = x.shape
    _, _, oh, ow = y.shape
    (ri, rw), (ci, cw) = rows, cols
    th, tw = ri.shape[1], ci.shape[1]
    if acc_bound(rw, cw, max(-CTYPE_RANGE[x.ctype][0], CTYPE_RANGE[x.ctype][1])) > INT32_MAX:
        raise KernelError("the resize accumulator needs more than 32 bits")
    xs, ys = _strides(x, "input"), _strides(y, "output")
    lo, hi = CTYPE_RANGE[y.ctype]
    n = th * tw
    globals_ = [_table(f"{name}_r", ri), _table(f"{name}_rw", rw), _table(f"{name}_c", ci),
                _table(f"{name}_cw", cw)]
    extrapolate = []
    if (ri < 0).any() or (ci < 0).any():
        extrapolate = [f"        if ({name}_r[oy * {th}] < 0 || {name}_c[ox * {tw}] < 0) {{",
                       *_fill_lines(c, ys[1], fill, 3), "            continue;", "        }"]
    body = "\n".join([
        f"int32_t wt[{n}];",
        f"int32_t off[{n}];",
        f"for (int oy = 0; oy < {oh}; ++oy) {{",
        f"    for (int ox = 0; ox < {ow}; ++ox) {{",
        f"        {y.ctype} *b = y + oy * {ys[2]} + ox * {ys[3]};",
        *extrapolate,
        f"        for (int i = 0; i < {th}; ++i) {{",
        f"            for (int j = 0; j < {tw}; ++j) {{",
        f"                wt[i * {tw} + j] = (int32_t){name}_rw[oy * {th} + i] * {name}_cw[ox * {tw} + j];",
        f"                off[i * {tw} + j] = (int32_t){name}_r[oy * {th} + i] * {xs[2]} + "
        f"(int32_t){name}_c[ox * {tw} + j] * {xs[3]};",
        "            }",
        "        }",
        f"        for (int ci = 0; ci < {c}; ++ci) {{",
        "            int32_t acc = 0;",
        f"            for (int t = 0; t < {n}; ++t) {{",
        f"                acc += wt[t] * x0[off[t] + ci * {xs[1]}];",
        "            }",
        f"            b[ci * {ys[1]}] = ({y.ctype}){_requant_call('int32_t', 'acc', str(shift), lo, hi)};",
        "        }",
        "    }",
        "}",
    ])
    return KernelCode(_io([x], y), body, "", globals_, None, oh * ow * c * n)


def gen_zero_interleave(name: str, x: View, y: View, strides: list[int], pads: list[int]) -> KernelCode:
    """y = 0, then y[c, iy * sh + top, ix * sw + left] = x[c, iy, ix] for the positions inside y."""
    _, c, h, w = x.shape
    (sh_, sw_), (pt, pl, pb, pr) = strides, pads
    oh, ow = interleaved_size(h, sh_, pt, pb), interleaved_size(w, sw_, pl, pr)
    xs, ys = _strides(x, "input"), _strides(y, "output")

    def span(size: int, s: int, p: int, out: int) -> tuple[int, int]:
        first = (-p + s - 1) // s if p < 0 else 0  # smallest i with i * s + p >= 0
        last = min(size, (out - 1 - p) // s + 1)  # past the largest i with i * s + p < out
        return first, last

    (r0, r1), (c0, c1) = span(h, sh_, pt, oh), span(w, sw_, pl, ow)
    body = "\n".join([
        f"for (int i = 0; i < {y.size}; ++i) {{",
        "    y[i] = 0;",
        "}",
        f"for (int iy = {r0}; iy < {r1}; ++iy) {{",
        f"    for (int ix = {c0}; ix < {c1}; ++ix) {{",
        f"        const {x.ctype} *a = x0 + iy * {xs[2]} + ix * {xs[3]};",
        f"        {y.ctype} *b = y + (iy * {sh_} + ({pt})) * {ys[2]} + (ix * {sw_} + ({pl})) * {ys[3]};",
        f"        for (int ci = 0; ci < {c}; ++ci) {{",
        f"            b[ci * {ys[1]}] = a[ci * {xs[1]}];",
        "        }",
        "    }",
        "}",
    ])
    return KernelCode(_io([x], y), body, "", [], None, 0)
