# REQUIRES: qemu-cortex-m4
# RUN: %python %s | filecheck %s
"""Every kernel generator on the Cortex-M4, C against the shift executor, bit for bit.

Each case is a one- or two-op shift function (plain integer types, so any shift amount
is legal) lowered to C, cross-built twice (the DSP-extension path, and `-DQC_PORTABLE`)
with the MCU harness, run under qemu mps2-an386 on random samples, and compared with the
shift executor. Prints `<case> ok` or `<case> FAIL ...`.
"""

import subprocess
import tempfile
from pathlib import Path

import numpy as np
from xdsl.parser import Parser

from qcomp.backend import mcu
from qcomp.backend.c_emitter import emit_c_files
from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.executors.shift import ShiftExecutor

CTX = make_context()
RNG = np.random.default_rng(11)
HARNESS = None
N = 24
CT = {"i8": "int8_t", "ui8": "uint8_t", "i16": "int16_t", "i32": "int32_t"}
NP = {"i8": np.int8, "ui8": np.uint8, "i16": np.int16, "i32": np.int32}


def tt(shape, elt="i8"):
    return "tensor<" + "".join(f"{s}x" for s in shape) + elt + ">"


def const(name, arr, elt):
    return f"  %{name} = shift.constant {format_dense(dense_from_numpy(arr))} : {tt(arr.shape, elt)}"


def rand(shape, lo=-128, hi=127, dtype=np.int8):
    return RNG.integers(lo, hi + 1, size=shape).astype(dtype)


def case(label, in_shape, body, out_shape, consts=(), in_elt="i8", out_elt="i8", lo=-128, hi=127):
    """body: op lines using %x (the input) and ending with %out."""
    lines = [const(n, a, e) for n, a, e in consts] + [f"  {ln}" for ln in body]
    src = (f"func.func @main(%x: {tt(in_shape, in_elt)}) -> {tt(out_shape, out_elt)} {{\n" + "\n".join(lines)
           + f"\n  func.return %out : {tt(out_shape, out_elt)}\n}}")
    m = Parser(CTX, src).parse_module()
    m.verify()
    x = rand((N, *in_shape[1:]), lo, hi, NP[in_elt])
    (ref,) = ShiftExecutor(m).run([x])
    ref = np.asarray(ref)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.c"
        files = emit_c_files(m, out, prefix="model")
        for p, t in files.items():
            p.write_text(t)
        x.tofile(Path(d) / "in.bin")
        for flags in (["-O2"], ["-O2", "-DQC_PORTABLE"]):
            exe = Path(d) / "run.elf"
            r = subprocess.run([mcu.CC, "-std=c99", *mcu.CPU_FLAGS, "-Wall", "-Wextra", "-Werror", "-pedantic", *flags, *mcu.LINK_FLAGS, f"-I{d}",
                            '-DQC_HEADER="out.h"', f"-DQC_IN_T={CT[in_elt]}", f"-DQC_OUT_T={CT[out_elt]}", str(out), str(mcu.HARNESS), str(mcu.STARTUP),
                            "-o", str(exe)], capture_output=True, text=True)
            if r.returncode:
                print(f"{label} BUILD FAIL {flags}\n{r.stderr[:3000]}")
                return
            mcu.run_qemu(exe, Path(d), ["in.bin", "out.bin"], 300)
            got = np.fromfile(Path(d) / "out.bin", dtype=ref.dtype).reshape(ref.shape)
            if not np.array_equal(got, ref):
                bad = np.argwhere(got != ref)[:3].tolist()
                print(f"{label} FAIL {flags} at {bad}: C {got[tuple(bad[0])]} ref {ref[tuple(bad[0])]}")
                return
            if flags == ["-O2"]:
                dsp = "__smla" in out.read_text()
    print(f"{label} ok{' (dsp)' if dsp else ''}")


def conv_case(label, c, o, hw, k, *, stride=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), group=1, shifts=(7,),
              clamp=None, wlim=127, out_elt="i8", in_elt="i8", lo=-128, hi=127):
    w = rand((o, c // group, k[0], k[1]), -wlim, wlim)
    b = rand((o,), -3000, 3000, np.int32)
    oh = (hw[0] + pads[0] + pads[2] - (dil[0] * (k[0] - 1) + 1)) // stride[0] + 1
    ow = (hw[1] + pads[1] + pads[3] - (dil[1] * (k[1] - 1) + 1)) // stride[1] + 1
    attrs = [f"shift = array<i64: {', '.join(map(str, shifts))}>", f"strides = array<i64: {stride[0]}, {stride[1]}>",
             f"pads = array<i64: {', '.join(map(str, pads))}>", f"dilations = array<i64: {dil[0]}, {dil[1]}>",
             f"group = {group} : i64"]
    if clamp:
        attrs.append(f"clamp = array<i64: {clamp[0]}, {clamp[1]}>")
    out_shape = (1, o, oh, ow)
    op = (f"%out = shift.conv2d %x, %w, %b {{{', '.join(attrs)}}} : ({tt((1, c, *hw), in_elt)}, "
          f"{tt(w.shape)}, {tt(b.shape, 'i32')}) -> {tt(out_shape, out_elt)}")
    case(label, (1, c, *hw), [op], out_shape, [("w", w, "i8"), ("b", b, "i32")], in_elt, out_elt, lo, hi)


# CHECK: conv_dense_pad ok
conv_case("conv_dense_pad", 8, 16, (9, 7), (3, 3), pads=(1, 1, 1, 1), shifts=(8,))
# CHECK: conv_stride_asym ok
conv_case("conv_stride_asym", 3, 20, (11, 10), (3, 2), stride=(2, 3), pads=(2, 0, 1, 1), shifts=(9,), clamp=(0, 127))
# CHECK: conv_dilated_grouped ok
conv_case("conv_dilated_grouped", 6, 4, (9, 9), (3, 3), dil=(2, 2), group=2, pads=(2, 2, 2, 2),
          shifts=(6, 0, -1, 30))
# CHECK: conv_pointwise_perchannel ok
conv_case("conv_pointwise_perchannel", 16, 24, (5, 5), (1, 1), shifts=tuple(range(1, 25)))
# CHECK: conv_depthwise ok
conv_case("conv_depthwise", 12, 12, (8, 8), (3, 3), group=12, pads=(1, 1, 1, 1), shifts=(7,), clamp=(0, 6))
# CHECK: conv_wide_out ok
conv_case("conv_wide_out", 4, 5, (6, 6), (3, 3), shifts=(0,), out_elt="i32")
# CHECK: conv_uint8_in ok
conv_case("conv_uint8_in", 4, 9, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(10,), in_elt="ui8", lo=0, hi=255)
# CHECK: conv_big_kernel_int64 ok
conv_case("conv_big_kernel_int64", 64, 2, (12, 12), (11, 11), shifts=(20,), in_elt="i16", lo=-300, hi=300)

# CHECK: fc_perchannel ok
w = rand((7, 20))
case("fc_perchannel", (1, 20),
     ["%out = shift.fc %x, %w {shift = array<i64: 1, 2, 3, 4, 5, 6, -1>} : "
      f"({tt((1, 20))}, {tt(w.shape)}) -> {tt((1, 7))}"], (1, 7), [("w", w, "i8")])

# conv -> reshape (NHWC memory) -> fc: the weight columns are permuted at compile time
# CHECK: conv_reshape_fc ok
w1, b1, w2 = rand((6, 3, 3, 3)), rand((6,), -500, 500, np.int32), rand((10, 6 * 4 * 4))
case("conv_reshape_fc", (1, 3, 6, 6),
     [f"%c = shift.conv2d %x, %w1, %b1 {{shift = array<i64: 8>}} : ({tt((1, 3, 6, 6))}, {tt(w1.shape)}, "
      f"{tt((6,), 'i32')}) -> {tt((1, 6, 4, 4))}",
      f"%r = shift.reshape %c : ({tt((1, 6, 4, 4))}) -> {tt((1, 96))}",
      f"%out = shift.fc %r, %w2 {{shift = array<i64: 9>}} : ({tt((1, 96))}, {tt(w2.shape)}) -> {tt((1, 10))}"],
     (1, 10), [("w1", w1, "i8"), ("b1", b1, "i32"), ("w2", w2, "i8")])

# conv -> reshape as the graph output: the conv writes the output row-major in place
# CHECK: conv_reshape_out ok
case("conv_reshape_out", (1, 3, 6, 6),
     [f"%c = shift.conv2d %x, %w1, %b1 {{shift = array<i64: 8>}} : ({tt((1, 3, 6, 6))}, {tt(w1.shape)}, "
      f"{tt((6,), 'i32')}) -> {tt((1, 6, 4, 4))}",
      f"%out = shift.reshape %c : ({tt((1, 6, 4, 4))}) -> {tt((1, 96))}"],
     (1, 96), [("w1", w1, "i8"), ("b1", b1, "i32")])

S4 = (1, 8, 5, 5)
# CHECK: add_inplace ok
case("add_inplace", S4,
     [f"%a = shift.requant %x {{shift = 1 : i64}} : ({tt(S4)}) -> {tt(S4)}",
      f"%b = shift.requant %x {{shift = -1 : i64}} : ({tt(S4)}) -> {tt(S4)}",
      f"%out = shift.add %a, %b {{align = array<i64: 2, 0>, shift = 2 : i64, clamp = array<i64: 0, 100>}} "
      f": ({tt(S4)}, {tt(S4)}) -> {tt(S4)}"], S4)
cb = rand((1, 8, 1, 1))
# CHECK: add_broadcast ok
case("add_broadcast", S4,
     [f"%out = shift.add %x, %cb {{align = array<i64: 0, 3>, shift = 1 : i64}} : ({tt(S4)}, {tt(cb.shape)}) "
      f"-> {tt(S4)}"], S4, [("cb", cb, "i8")])
# CHECK: mul_broadcast ok
case("mul_broadcast", S4,
     [f"%out = shift.mul %x, %cb {{shift = 6 : i64}} : ({tt(S4)}, {tt(cb.shape)}) -> {tt(S4)}"], S4,
     [("cb", cb, "i8")])
# CHECK: requant_clamp ok
case("requant_clamp", (1, 37),
     [f"%r = shift.requant %x {{shift = 3 : i64, clamp = array<i64: -5, 9>}} : ({tt((1, 37))}) -> {tt((1, 37))}",
      f"%out = shift.clamp %r {{clamp = array<i64: -3, 7>}} : ({tt((1, 37))}) -> {tt((1, 37))}"], (1, 37))
tab = rand((256,))
# CHECK: lut ok
case("lut", S4, [f"%out = shift.lut %x {{table = {format_dense(dense_from_numpy(tab))} : {tt((256,))}}} "
                 f": ({tt(S4)}) -> {tt(S4)}"], S4)
stab = np.round(65536 * np.exp(-np.arange(256) / 16.0)).astype(np.int32)
# CHECK: softmax ok
case("softmax", (1, 10), [f"%out = shift.softmax %x {{axis = 1 : i64, shift = -7 : i64, table = "
                          f"{format_dense(dense_from_numpy(stab))} : {tt((256,), 'i32')}}} : ({tt((1, 10))}) "
                          f"-> {tt((1, 10))}"], (1, 10))
# CHECK: maxpool_ceil_pad ok
case("maxpool_ceil_pad", (1, 5, 7, 8),
     [f"%out = shift.maxpool %x {{kernel = array<i64: 3, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 1, 1>, "
      f"ceil_mode = 1 : i64}} : ({tt((1, 5, 7, 8))}) -> {tt((1, 5, 4, 4))}"], (1, 5, 4, 4))
# CHECK: avgpool_exclude ok
case("avgpool_exclude", (1, 5, 7, 8),
     [f"%out = shift.avgpool %x {{kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, "
      f"shift = -1 : i64}} : ({tt((1, 5, 7, 8))}) -> {tt((1, 5, 4, 4))}"], (1, 5, 4, 4))
# CHECK: avgpool_include_ceil ok
case("avgpool_include_ceil", (1, 5, 7, 8),
     [f"%out = shift.avgpool %x {{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, "
      f"count_include_pad = 1 : i64, ceil_mode = 1 : i64, shift = 1 : i64}} : ({tt((1, 5, 7, 8))}) "
      f"-> {tt((1, 5, 4, 5))}"], (1, 5, 4, 5))
# CHECK: global_avgpool ok
case("global_avgpool", (1, 6, 5, 7),
     [f"%out = shift.global_avgpool %x {{shift = -2 : i64}} : ({tt((1, 6, 5, 7))}) -> {tt((1, 6, 1, 1))}"],
     (1, 6, 1, 1))
# CHECK: concat_shifts ok
case("concat_shifts", S4,
     [f"%a = shift.maxpool %x {{kernel = array<i64: 1, 1>}} : ({tt(S4)}) -> {tt(S4)}",
      f"%out = shift.concat %a, %x {{axis = 1 : i64, shifts = array<i64: 0, 2>}} : ({tt(S4)}, {tt(S4)}) "
      f"-> {tt((1, 16, 5, 5))}"], (1, 16, 5, 5))
# CHECK: transpose ok
case("transpose", (1, 3, 4, 5),
     [f"%out = shift.transpose %x {{perm = array<i64: 0, 3, 1, 2>}} : ({tt((1, 3, 4, 5))}) -> {tt((1, 5, 3, 4))}"],
     (1, 5, 3, 4))
# CHECK: pad ok
case("pad", (1, 3, 4, 5),
     [f"%m = shift.maxpool %x {{kernel = array<i64: 1, 1>}} : ({tt((1, 3, 4, 5))}) -> {tt((1, 3, 4, 5))}",
      f"%out = shift.pad %m {{pads = array<i64: 0, 1, 2, 0, 0, 0, 1, 3>, fill = -4 : i64}} : ({tt((1, 3, 4, 5))}) "
      f"-> {tt((1, 4, 7, 8))}"], (1, 4, 7, 8))

# ---- DSP-specific shapes
conv_case("dsp_odd_o_odd_pix", 8, 7, (5, 5), (3, 3), pads=(1, 1, 1, 1), shifts=(8,))
conv_case("dsp_k_not4_c3", 3, 10, (9, 7), (3, 3), pads=(1, 1, 1, 1), stride=(2, 1), shifts=(8,))
conv_case("dsp_c5_k5", 5, 6, (9, 9), (5, 5), pads=(2, 2, 2, 2), shifts=(9,))
conv_case("dsp_dilated_dense", 8, 8, (9, 9), (3, 3), dil=(2, 2), pads=(2, 2, 2, 2), shifts=(8,))
conv_case("dsp_dilated_w_only", 4, 5, (7, 9), (3, 3), dil=(1, 2), pads=(1, 2, 1, 2), shifts=(8,))
conv_case("dsp_perchannel_o9", 12, 9, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=tuple(range(1, 10)))
conv_case("dsp_uint8_c8", 8, 5, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(10,), in_elt="ui8", lo=0, hi=255)
conv_case("dsp_uint8_c3", 3, 5, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(10,), in_elt="ui8", lo=0, hi=255)
conv_case("dsp_int16_in", 4, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(12,), in_elt="i16", lo=-3000, hi=3000, wlim=15)
conv_case("dsp_int16_in_c8", 8, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(12,), in_elt="i16", lo=-3000, hi=3000, wlim=7)
conv_case("dsp_1x1_s2", 16, 32, (8, 8), (1, 1), stride=(2, 2), shifts=(7,))
conv_case("dsp_1x1_c6", 6, 3, (5, 7), (1, 1), shifts=(7,))
conv_case("dsp_1pix", 8, 4, (3, 3), (3, 3), shifts=(9,))
conv_case("dsp_big_k", 64, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(11,))
conv_case("dsp_wide_out_neg", 8, 4, (6, 6), (3, 3), shifts=(-2,), out_elt="i32")
conv_case("dsp_extreme", 16, 4, (5, 5), (3, 3), pads=(1, 1, 1, 1), shifts=(3,), clamp=(-100, 50))
conv_case("dsp_asym_pad_stride", 8, 6, (10, 11), (3, 2), stride=(2, 3), pads=(2, 0, 1, 1), shifts=(9,))
for kk, nn, rows in ((20, 7, 1), (64, 32, 1), (13, 5, 3), (3, 1, 1), (1, 2, 1), (257, 9, 1)):
    w = rand((nn, kk))
    shifts = ", ".join(str(6 + (i % 5)) for i in range(nn))
    xs_, ys_ = ((1, rows, kk), (1, rows, nn)) if rows > 1 else ((1, kk), (1, nn))
    case(f"dsp_fc_k{kk}_n{nn}_r{rows}", xs_,
         [f"%out = shift.fc %x, %w {{shift = array<i64: {shifts}>}} : "
          f"({tt(xs_)}, {tt(w.shape)}) -> {tt(ys_)}"], ys_, [("w", w, "i8")])
w = rand((6, 24))
case("dsp_fc_uint8", (1, 24), ["%out = shift.fc %x, %w {shift = array<i64: 8>} : "
     f"({tt((1, 24), 'ui8')}, {tt(w.shape)}) -> {tt((1, 6))}"], (1, 6), [("w", w, "i8")], in_elt="ui8", lo=0, hi=255)
w = rand((5, 23), -9, 9)
case("dsp_fc_int16", (1, 23), ["%out = shift.fc %x, %w {shift = array<i64: 8>} : "
     f"({tt((1, 23), 'i16')}, {tt(w.shape)}) -> {tt((1, 5))}"], (1, 5), [("w", w, "i8")], in_elt="i16", lo=-3000, hi=3000)


def dw_case(label, c, hw, k, *, stride=(1, 1), pads=(1, 1, 1, 1), dil=(1, 1), shifts=(7,), clamp=None, in_elt="i8",
            lo=-128, hi=127, out_elt="i8", mult=1):
    o = c * mult
    w = rand((o, 1, k[0], k[1]))
    b = rand((o,), -3000, 3000, np.int32)
    oh = (hw[0] + pads[0] + pads[2] - (dil[0] * (k[0] - 1) + 1)) // stride[0] + 1
    ow = (hw[1] + pads[1] + pads[3] - (dil[1] * (k[1] - 1) + 1)) // stride[1] + 1
    attrs = [f"shift = array<i64: {', '.join(map(str, shifts))}>", f"strides = array<i64: {stride[0]}, {stride[1]}>",
             f"pads = array<i64: {', '.join(map(str, pads))}>", f"dilations = array<i64: {dil[0]}, {dil[1]}>",
             f"group = {c} : i64"]
    if clamp:
        attrs.append(f"clamp = array<i64: {clamp[0]}, {clamp[1]}>")
    xin = (1, c, *hw)
    out_shape = (1, o, oh, ow)
    body = [f"%x1 = shift.maxpool %x {{kernel = array<i64: 1, 1>}} : ({tt(xin, in_elt)}) -> {tt(xin, in_elt)}",
            f"%out = shift.conv2d %x1, %w, %b {{{', '.join(attrs)}}} : ({tt(xin, in_elt)}, "
            f"{tt(w.shape)}, {tt(b.shape, 'i32')}) -> {tt(out_shape, out_elt)}"]
    case(label, xin, body, out_shape, [("w", w, "i8"), ("b", b, "i32")], in_elt, out_elt, lo, hi)


dw_case("dw_c8", 8, (7, 7), (3, 3))
dw_case("dw_c6_relu", 6, (7, 6), (3, 3), clamp=(0, 127))
dw_case("dw_c3_s2", 3, (9, 9), (3, 3), stride=(2, 2))
dw_case("dw_c12_dil_perch", 12, (9, 9), (3, 3), dil=(2, 2), pads=(2, 2, 2, 2), shifts=tuple(range(3, 15)))
dw_case("dw_c16_5x5_pad_asym", 16, (8, 9), (5, 5), pads=(2, 1, 0, 2), clamp=(0, 6))
dw_case("dw_u8", 8, (6, 6), (3, 3), in_elt="ui8", lo=0, hi=255)
dw_case("dw_shift0_i32", 8, (6, 6), (3, 3), shifts=(0,), out_elt="i32")
dw_case("dw_mixed_shift0", 4, (6, 6), (3, 3), shifts=(0, 3, 0, 5))
dw_case("dw_neg_shift", 4, (6, 6), (3, 3), shifts=(-1,), out_elt="i32")
conv_case("dsp_relu6", 8, 8, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(9,), clamp=(0, 6))
conv_case("dsp_shift0_mixed", 8, 4, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(0, 2, 0, 31), out_elt="i32")
conv_case("dsp_shift0", 8, 4, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(0,), out_elt="i32")
conv_case("dsp_u8_out", 8, 4, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(9,), clamp=(0, 255), out_elt="ui8")
conv_case("dsp_w128", 8, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(9,), wlim=128)
