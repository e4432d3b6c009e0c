"""Kernel checks shared by test/backend/kernels.py (host) and test/mcu/kernels.py (Cortex-M4).

Each case is a one- or two-op shift function (plain integer types, so any shift amount is
legal) lowered to C, built by the subclass once per entry of `flag_sets`, run on N random
samples, and compared with the shift executor bit for bit. Prints `<case> ok` or
`<case> FAIL ...`.
"""

import tempfile
from pathlib import Path

import numpy as np
from xdsl.parser import Parser

from qcomp.backend.c_emitter import emit_c_files
from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.executors.shift import ShiftExecutor
from qcomp.testing import fail

CTX = make_context()
RNG = np.random.default_rng(11)
N = 24
CT = {"i8": "int8_t", "ui8": "uint8_t", "i16": "int16_t", "i32": "int32_t"}
NP = {"i8": np.int8, "ui8": np.uint8, "i16": np.int16, "i32": np.int32}


def tt(shape, elt="i8"):
    return "tensor<" + "".join(f"{s}x" for s in shape) + elt + ">"


def const(name, arr, elt):
    return f"  %{name} = shift.constant {format_dense(dense_from_numpy(arr))} : {tt(arr.shape, elt)}"


class KernelSuite:
    """Subclasses say how to build and run the C: `flag_sets`, `build`, `run`, `note`."""

    flag_sets: tuple[tuple[str, ...], ...] = ()

    def build(self, d, c_file, in_elt, out_elt, flags):
        """Build the harness with the generated C: the executable's path, or an error text."""
        raise NotImplementedError

    def run(self, exe, d):
        """Run `exe` on d/in.bin, writing d/out.bin."""
        raise NotImplementedError

    def note(self, c_text):
        """Extra text after `ok` (e.g. which kernel path the C took)."""
        return ""

    def rand(self, shape, lo=-128, hi=127, dtype=np.int8):
        return RNG.integers(lo, hi + 1, size=shape).astype(dtype)

    def case(self, label, in_shape, body, out_shape, consts=(), in_elt="i8", out_elt="i8", lo=-128, hi=127):
        """body: op lines using %x (the input) and ending with %out."""
        lines = [const(n, a, e) for n, a, e in consts] + [f"  {ln}" for ln in body]
        src = (f"func.func @main(%x: {tt(in_shape, in_elt)}) -> {tt(out_shape, out_elt)} {{\n" + "\n".join(lines)
               + f"\n  func.return %out : {tt(out_shape, out_elt)}\n}}")
        m = Parser(CTX, src).parse_module()
        m.verify()
        x = self.rand((N, *in_shape[1:]), lo, hi, NP[in_elt])
        (ref,) = ShiftExecutor(m).run([x])
        ref = np.asarray(ref)
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            out = d / "out.c"
            for p, t in emit_c_files(m, out, prefix="model", report=False).items():
                p.write_text(t)
            x.tofile(d / "in.bin")
            for flags in self.flag_sets:
                exe = self.build(d, out, in_elt, out_elt, flags)
                if isinstance(exe, str):
                    print(fail(f"{label} BUILD FAIL {list(flags)}\n{exe[:3000]}"))
                    return
                self.run(exe, d)
                got = np.fromfile(d / "out.bin", dtype=ref.dtype).reshape(ref.shape)
                if not np.array_equal(got, ref):
                    bad = np.argwhere(got != ref)[:3].tolist()
                    print(fail(f"{label} FAIL {list(flags)} at {bad}: C {got[tuple(bad[0])]} ref {ref[tuple(bad[0])]}"))
                    return
            note = self.note(out.read_text())
        print(f"{label} ok{note}")

    def conv_case(self, label, c, o, hw, k, *, stride=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), group=1, shifts=(7,),
                  clamp=None, wlim=127, out_elt="i8", in_elt="i8", lo=-128, hi=127):
        w = self.rand((o, c // group, k[0], k[1]), -wlim, wlim)
        b = self.rand((o,), -3000, 3000, np.int32)
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
        self.case(label, (1, c, *hw), [op], out_shape, [("w", w, "i8"), ("b", b, "i32")], in_elt, out_elt, lo, hi)

    def common_cases(self):
        """The cases both suites run: every generator, incl. layout and in-place handling."""
        self.conv_case("conv_dense_pad", 8, 16, (9, 7), (3, 3), pads=(1, 1, 1, 1), shifts=(8,))
        self.conv_case("conv_stride_asym", 3, 20, (11, 10), (3, 2), stride=(2, 3), pads=(2, 0, 1, 1), shifts=(9,), clamp=(0, 127))
        self.conv_case("conv_dilated_grouped", 6, 4, (9, 9), (3, 3), dil=(2, 2), group=2, pads=(2, 2, 2, 2),
                  shifts=(6, 0, -1, 30))
        self.conv_case("conv_pointwise_perchannel", 16, 24, (5, 5), (1, 1), shifts=tuple(range(1, 25)))
        self.conv_case("conv_depthwise", 12, 12, (8, 8), (3, 3), group=12, pads=(1, 1, 1, 1), shifts=(7,), clamp=(0, 6))
        self.conv_case("conv_wide_out", 4, 5, (6, 6), (3, 3), shifts=(0,), out_elt="i32")
        self.conv_case("conv_uint8_in", 4, 9, (6, 6), (3, 3), pads=(1, 1, 1, 1), shifts=(10,), in_elt="ui8", lo=0, hi=255)
        self.conv_case("conv_big_kernel_int64", 64, 2, (12, 12), (11, 11), shifts=(20,), in_elt="i16", lo=-300, hi=300)

        w = self.rand((7, 20))
        self.case("fc_perchannel", (1, 20),
             ["%out = shift.fc %x, %w {shift = array<i64: 1, 2, 3, 4, 5, 6, -1>} : "
              f"({tt((1, 20))}, {tt(w.shape)}) -> {tt((1, 7))}"], (1, 7), [("w", w, "i8")])

        # conv -> reshape (NHWC memory) -> fc: the weight columns are permuted at compile time
        w1, b1, w2 = self.rand((6, 3, 3, 3)), self.rand((6,), -500, 500, np.int32), self.rand((10, 6 * 4 * 4))
        self.case("conv_reshape_fc", (1, 3, 6, 6),
             [f"%c = shift.conv2d %x, %w1, %b1 {{shift = array<i64: 8>}} : ({tt((1, 3, 6, 6))}, {tt(w1.shape)}, "
              f"{tt((6,), 'i32')}) -> {tt((1, 6, 4, 4))}",
              f"%r = shift.reshape %c : ({tt((1, 6, 4, 4))}) -> {tt((1, 96))}",
              f"%out = shift.fc %r, %w2 {{shift = array<i64: 9>}} : ({tt((1, 96))}, {tt(w2.shape)}) -> {tt((1, 10))}"],
             (1, 10), [("w1", w1, "i8"), ("b1", b1, "i32"), ("w2", w2, "i8")])

        # conv -> reshape as the graph output: the conv writes the output row-major in place
        self.case("conv_reshape_out", (1, 3, 6, 6),
             [f"%c = shift.conv2d %x, %w1, %b1 {{shift = array<i64: 8>}} : ({tt((1, 3, 6, 6))}, {tt(w1.shape)}, "
              f"{tt((6,), 'i32')}) -> {tt((1, 6, 4, 4))}",
              f"%out = shift.reshape %c : ({tt((1, 6, 4, 4))}) -> {tt((1, 96))}"],
             (1, 96), [("w1", w1, "i8"), ("b1", b1, "i32")])

        S4 = (1, 8, 5, 5)
        self.case("add_inplace", S4,
             [f"%a = shift.requant %x {{shift = 1 : i64}} : ({tt(S4)}) -> {tt(S4)}",
              f"%b = shift.requant %x {{shift = -1 : i64}} : ({tt(S4)}) -> {tt(S4)}",
              f"%out = shift.add %a, %b {{align = array<i64: 2, 0>, shift = 2 : i64, clamp = array<i64: 0, 100>}} "
              f": ({tt(S4)}, {tt(S4)}) -> {tt(S4)}"], S4)
        cb = self.rand((1, 8, 1, 1))
        self.case("add_broadcast", S4,
             [f"%out = shift.add %x, %cb {{align = array<i64: 0, 3>, shift = 1 : i64}} : ({tt(S4)}, {tt(cb.shape)}) "
              f"-> {tt(S4)}"], S4, [("cb", cb, "i8")])
        self.case("mul_broadcast", S4,
             [f"%out = shift.mul %x, %cb {{shift = 6 : i64}} : ({tt(S4)}, {tt(cb.shape)}) -> {tt(S4)}"], S4,
             [("cb", cb, "i8")])
        self.case("requant_clamp", (1, 37),
             [f"%r = shift.requant %x {{shift = 3 : i64, clamp = array<i64: -5, 9>}} : ({tt((1, 37))}) -> {tt((1, 37))}",
              f"%out = shift.clamp %r {{clamp = array<i64: -3, 7>}} : ({tt((1, 37))}) -> {tt((1, 37))}"], (1, 37))
        tab = self.rand((256,))
        self.case("lut", S4, [f"%out = shift.lut %x {{table = {format_dense(dense_from_numpy(tab))} : {tt((256,))}}} "
                         f": ({tt(S4)}) -> {tt(S4)}"], S4)
        stab = np.round(65536 * np.exp(-np.arange(256) / 16.0)).astype(np.int32)
        self.case("softmax", (1, 10), [f"%out = shift.softmax %x {{axis = 1 : i64, shift = -7 : i64, table = "
                                  f"{format_dense(dense_from_numpy(stab))} : {tt((256,), 'i32')}}} : ({tt((1, 10))}) "
                                  f"-> {tt((1, 10))}"], (1, 10))
        self.case("maxpool_ceil_pad", (1, 5, 7, 8),
             [f"%out = shift.maxpool %x {{kernel = array<i64: 3, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 1, 1>, "
              f"ceil_mode = 1 : i64}} : ({tt((1, 5, 7, 8))}) -> {tt((1, 5, 4, 4))}"], (1, 5, 4, 4))
        self.case("avgpool_exclude", (1, 5, 7, 8),
             [f"%out = shift.avgpool %x {{kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, "
              f"shift = -1 : i64}} : ({tt((1, 5, 7, 8))}) -> {tt((1, 5, 4, 4))}"], (1, 5, 4, 4))
        self.case("avgpool_include_ceil", (1, 5, 7, 8),
             [f"%out = shift.avgpool %x {{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, "
              f"count_include_pad = 1 : i64, ceil_mode = 1 : i64, shift = 1 : i64}} : ({tt((1, 5, 7, 8))}) "
              f"-> {tt((1, 5, 4, 5))}"], (1, 5, 4, 5))
        self.case("global_avgpool", (1, 6, 5, 7),
             [f"%out = shift.global_avgpool %x {{shift = -2 : i64}} : ({tt((1, 6, 5, 7))}) -> {tt((1, 6, 1, 1))}"],
             (1, 6, 1, 1))
        self.case("concat_shifts", S4,
             [f"%a = shift.maxpool %x {{kernel = array<i64: 1, 1>}} : ({tt(S4)}) -> {tt(S4)}",
              f"%out = shift.concat %a, %x {{axis = 1 : i64, shifts = array<i64: 0, 2>}} : ({tt(S4)}, {tt(S4)}) "
              f"-> {tt((1, 16, 5, 5))}"], (1, 16, 5, 5))
        self.case("transpose", (1, 3, 4, 5),
             [f"%out = shift.transpose %x {{perm = array<i64: 0, 3, 1, 2>}} : ({tt((1, 3, 4, 5))}) -> {tt((1, 5, 3, 4))}"],
             (1, 5, 3, 4))
        self.case("pad", (1, 3, 4, 5),
             [f"%m = shift.maxpool %x {{kernel = array<i64: 1, 1>}} : ({tt((1, 3, 4, 5))}) -> {tt((1, 3, 4, 5))}",
              f"%out = shift.pad %m {{pads = array<i64: 0, 1, 2, 0, 0, 0, 1, 3>, fill = -4 : i64}} : ({tt((1, 3, 4, 5))}) "
              f"-> {tt((1, 4, 7, 8))}"], (1, 4, 7, 8))
