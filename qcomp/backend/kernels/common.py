"""The pieces every target's generators share (KernelCode, specs, C and `#if` helpers), so all emit alike."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qcomp.backend.layout import View

INT32_MAX = (1 << 31) - 1


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


def _tap_bounds_c(var: str, o: str, k: int, s: int, p: int, d: int, size: int) -> str:
    """C declaring `{var}0` = first base position, `{var}k0`/`{var}k1` = valid tap range [k0, k1)."""
    if d == 1:
        return (f"const int {var}0 = {o} * {s} - {p};\n"
                f"const int {var}k0 = {var}0 < 0 ? -{var}0 : 0;\n"
                f"const int {var}k1 = {var}0 + {k} > {size} ? {size} - {var}0 : {k};")
    return (f"const int {var}0 = {o} * {s} - {p};\n"
            f"const int {var}k0 = {var}0 < 0 ? (-{var}0 + {d - 1}) / {d} : 0;\n"
            f"const int {var}k1 = {var}0 + {(k - 1) * d} >= {size} ? ({size} - {var}0 + {d - 1}) / {d} : {k};")



def _channel_window(c: int, oh: int, ow: int, rows: tuple[int, int, int, int, int],
                    cols: tuple[int, int, int, int, int], decl: str, init: str, tap: list[str], update: str,
                    store: str, row_head: tuple[str, ...] = (), col_head: tuple[str, ...] = ()) -> str:
    """The loop nest of a per-channel window op (depthwise conv, max and average pooling).

    `rows` / `cols` = (kernel, stride, pad, dilation, input size) of y / x. After `decl`, per
    output pixel: `row_head` / `col_head` (after the tap bounds of oy / ox), `init` for every
    channel ci, then per in-bounds tap (ky, kx) the `tap` lines and `update` for every channel,
    finally `store` for every channel.
    """
    (kh, sh_, pt, dh, h), (kw, sw_, pl, dw, w) = rows, cols

    def per_channel(stmt: str, depth: int) -> list[str]:
        return [_indent(f"for (int ci = 0; ci < {c}; ++ci) {{\n    {stmt}\n}}", depth)]

    return "\n".join([
        decl,
        f"for (int oy = 0; oy < {oh}; ++oy) {{",
        _indent(_tap_bounds_c("iy", "oy", kh, sh_, pt, dh, h)),
        *(_indent(ln) for ln in row_head),
        f"    for (int ox = 0; ox < {ow}; ++ox) {{",
        _indent(_tap_bounds_c("ix", "ox", kw, sw_, pl, dw, w), 2),
        *(_indent(ln, 2) for ln in col_head),
        *per_channel(init, 2),
        "        for (int ky = iyk0; ky < iyk1; ++ky) {",
        "            for (int kx = ixk0; kx < ixk1; ++kx) {",
        *(_indent(ln, 4) for ln in tap),
        *per_channel(update, 4),
        "            }",
        "        }",
        *per_channel(store, 2),
        "    }",
        "}",
    ])

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
