# REQUIRES: qemu-cortex-m4
# RUN: %python %s | filecheck %s
"""Every kernel generator on the Cortex-M4, C against the shift executor, bit for bit.

Cross-built twice with the MCU harness (the DSP-extension path, and `-DQC_PORTABLE`) and
run under qemu mps2-an386: the shared cases of ../backend/Inputs/kernel_cases.py, then
shapes that exercise the DSP kernels' edge cases (odd channels and pixels, K not a
multiple of 4, int16/uint8 inputs, depthwise). `(dsp)` marks C that took the DSP path.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent / "backend" / "Inputs"))
from kernel_cases import CT, KernelSuite, tt  # noqa: E402

from qcomp.backend import mcu  # noqa: E402


class McuSuite(KernelSuite):
    """arm-none-eabi-gcc builds, run under qemu."""

    flag_sets = (("-O2",), ("-O2", "-DQC_PORTABLE"))

    def build(self, d, c_file, in_elt, out_elt, flags):
        exe = d / "run.elf"
        r = subprocess.run([mcu.CC, "-std=c99", *mcu.CPU_FLAGS, "-Wall", "-Wextra", "-Werror", "-pedantic", *flags,
                            *mcu.LINK_FLAGS, f"-I{d}", '-DQC_HEADER="out.h"', f"-DQC_IN_T={CT[in_elt]}",
                            f"-DQC_OUT_T={CT[out_elt]}", str(c_file), str(mcu.HARNESS), str(mcu.STARTUP),
                            "-o", str(exe)], capture_output=True, text=True)
        return r.stderr if r.returncode else exe

    def run(self, exe, d):
        mcu.run_qemu(exe, d, ["in.bin", "out.bin"], 300)

    def note(self, c_text):
        return " (dsp)" if "__smla" in c_text else ""


suite = McuSuite()
suite.common_cases()
# CHECK: conv_dense_pad ok
# CHECK: conv_stride_asym ok
# CHECK: conv_dilated_grouped ok
# CHECK: conv_pointwise_perchannel ok
# CHECK: conv_depthwise ok
# CHECK: conv_wide_out ok
# CHECK: conv_uint8_in ok
# CHECK: conv_big_kernel_int64 ok
# CHECK: fc_perchannel ok
# CHECK: conv_reshape_fc ok
# CHECK: conv_reshape_out ok
# CHECK: add_inplace ok
# CHECK: add_broadcast ok
# CHECK: mul_broadcast ok
# CHECK: requant_clamp ok
# CHECK: lut ok
# CHECK: softmax ok
# CHECK: maxpool_ceil_pad ok
# CHECK: avgpool_exclude ok
# CHECK: avgpool_include_ceil ok
# CHECK: global_avgpool ok
# CHECK: concat_shifts ok
# CHECK: transpose ok
# CHECK: pad ok

# ---- DSP-specific shapes
suite.conv_case("dsp_odd_o_odd_pix", 8, 7, (5, 5), (3, 3), pads=(1, 1, 1, 1), shifts=(8,))
suite.conv_case("dsp_k_not4_c3", 3, 10, (9, 7), (3, 3), pads=(1, 1, 1, 1), stride=(2, 1), shifts=(8,))
suite.conv_case("dsp_c5_k5", 5, 6, (9, 9), (5, 5), pads=(2, 2, 2, 2), shifts=(9,))
suite.conv_case("dsp_dilated_dense", 8, 8, (9, 9), (3, 3), dil=(2, 2), pads=(2, 2, 2, 2), shifts=(8,))
suite.conv_case("dsp_dilated_w_only", 4, 5, (7, 9), (3, 3), dil=(1, 2), pads=(1, 2, 1, 2), shifts=(8,))
suite.conv_case("dsp_perchannel_o9", 12, 9, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=tuple(range(1, 10)))
suite.conv_case("dsp_uint8_c8", 8, 5, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(10,), in_elt="ui8", lo=0, hi=255)
suite.conv_case("dsp_uint8_c3", 3, 5, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(10,), in_elt="ui8", lo=0, hi=255)
suite.conv_case("dsp_int16_in", 4, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(12,), in_elt="i16", lo=-3000, hi=3000, wlim=15)
suite.conv_case("dsp_int16_in_c8", 8, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(12,), in_elt="i16", lo=-3000, hi=3000, wlim=7)
suite.conv_case("dsp_1x1_s2", 16, 32, (8, 8), (1, 1), stride=(2, 2), shifts=(7,))
suite.conv_case("dsp_1x1_c6", 6, 3, (5, 7), (1, 1), shifts=(7,))
suite.conv_case("dsp_1pix", 8, 4, (3, 3), (3, 3), shifts=(9,))
suite.conv_case("dsp_big_k", 64, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(11,))
suite.conv_case("dsp_wide_out_neg", 8, 4, (6, 6), (3, 3), shifts=(-2,), out_elt="i32")
suite.conv_case("dsp_extreme", 16, 4, (5, 5), (3, 3), pads=(1, 1, 1, 1), shifts=(3,), clamp=(-100, 50))
suite.conv_case("dsp_asym_pad_stride", 8, 6, (10, 11), (3, 2), stride=(2, 3), pads=(2, 0, 1, 1), shifts=(9,))
for kk, nn, rows in ((20, 7, 1), (64, 32, 1), (13, 5, 3), (3, 1, 1), (1, 2, 1), (257, 9, 1)):
    w = suite.rand((nn, kk))
    shifts = ", ".join(str(6 + (i % 5)) for i in range(nn))
    xs_, ys_ = ((1, rows, kk), (1, rows, nn)) if rows > 1 else ((1, kk), (1, nn))
    suite.case(f"dsp_fc_k{kk}_n{nn}_r{rows}", xs_,
         [f"%out = shift.fc %x, %w {{shift = array<i64: {shifts}>}} : "
          f"({tt(xs_)}, {tt(w.shape)}) -> {tt(ys_)}"], ys_, [("w", w, "i8")])
w = suite.rand((6, 24))
suite.case("dsp_fc_uint8", (1, 24), ["%out = shift.fc %x, %w {shift = array<i64: 8>} : "
     f"({tt((1, 24), 'ui8')}, {tt(w.shape)}) -> {tt((1, 6))}"], (1, 6), [("w", w, "i8")], in_elt="ui8", lo=0, hi=255)
w = suite.rand((5, 23), -9, 9)
suite.case("dsp_fc_int16", (1, 23), ["%out = shift.fc %x, %w {shift = array<i64: 8>} : "
     f"({tt((1, 23), 'i16')}, {tt(w.shape)}) -> {tt((1, 5))}"], (1, 5), [("w", w, "i8")], in_elt="i16", lo=-3000, hi=3000)


def dw_case(label, c, hw, k, *, stride=(1, 1), pads=(1, 1, 1, 1), dil=(1, 1), shifts=(7,), clamp=None, in_elt="i8",
            lo=-128, hi=127, out_elt="i8", mult=1):
    o = c * mult
    w = suite.rand((o, 1, k[0], k[1]))
    b = suite.rand((o,), -3000, 3000, np.int32)
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
    suite.case(label, xin, body, out_shape, [("w", w, "i8"), ("b", b, "i32")], in_elt, out_elt, lo, hi)


dw_case("dw_c8", 8, (7, 7), (3, 3))
dw_case("dw_c6_relu", 6, (7, 6), (3, 3), clamp=(0, 127))
dw_case("dw_c3_s2", 3, (9, 9), (3, 3), stride=(2, 2))
dw_case("dw_c12_dil_perch", 12, (9, 9), (3, 3), dil=(2, 2), pads=(2, 2, 2, 2), shifts=tuple(range(3, 15)))
dw_case("dw_c16_5x5_pad_asym", 16, (8, 9), (5, 5), pads=(2, 1, 0, 2), clamp=(0, 6))
dw_case("dw_u8", 8, (6, 6), (3, 3), in_elt="ui8", lo=0, hi=255)
dw_case("dw_shift0_i32", 8, (6, 6), (3, 3), shifts=(0,), out_elt="i32")
dw_case("dw_mixed_shift0", 4, (6, 6), (3, 3), shifts=(0, 3, 0, 5))
dw_case("dw_neg_shift", 4, (6, 6), (3, 3), shifts=(-1,), out_elt="i32")
suite.conv_case("dsp_relu6", 8, 8, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(9,), clamp=(0, 6))
suite.conv_case("dsp_shift0_mixed", 8, 4, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(0, 2, 0, 31), out_elt="i32")
suite.conv_case("dsp_shift0", 8, 4, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(0,), out_elt="i32")
suite.conv_case("dsp_u8_out", 8, 4, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(9,), clamp=(0, 255), out_elt="ui8")
suite.conv_case("dsp_w128", 8, 6, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(9,), wlim=128)

print("all cases run")
# CHECK-NOT: FAIL
# CHECK: all cases run
