# RUN: %python %s | filecheck %s
"""The target's `rounding: half-even`: every rounding of the executors breaks ties to even.

References are `fractions.Fraction` roundings written here (ties to the even neighbour), not the
numpy code under test. Covers the numerics primitives, `quantize_input`, the shift executor on a
module whose `qcomp.target` says half-even (requant, add, mul, conv with per-channel shifts,
global average pooling), and the quant executor against the shift lowering of the committed
ResNet under a half-even target (fake-quant == shift executor, every value), with a negative
control: the half-up rules do differ on the same inputs.
"""

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import IntegerType
from xdsl.parser import Parser

from qcomp.context import make_context
from qcomp.dialects.quant import PotType
from qcomp.executors.shift import ShiftExecutor, quantize_input
from qcomp.numerics import grid_integers, round_ties, rounded_scaled_div, rshift
from qcomp.testing import verdict

REPO = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(3)


def even(v: Fraction) -> int:
    """v rounded to the nearest integer, ties to even."""
    f = math.floor(v)
    r = v - f
    return f + 1 if r > Fraction(1, 2) or (r == Fraction(1, 2) and f % 2) else f


def up(v: Fraction) -> int:
    return math.floor(v + Fraction(1, 2))


def show(label: str, ok: bool) -> None:
    print(f"{label} {verdict(ok, label)}")


# --------------------------------------------------------------------------- primitives

xs = np.arange(-300, 301)
ok = all(int(g) == (even(Fraction(int(x), 1 << s)) if s > 0 else int(x) << -s)
         for s in range(-3, 10) for x, g in zip(xs, rshift(xs, s, "half-even")))
shifts = np.array([3, 0, -2, 1, 6]).reshape(1, -1)
got = rshift(xs.reshape(-1, 1), shifts, "half-even")
ok &= all(int(got[i, j]) == (even(Fraction(int(x), 1 << int(s))) if s > 0 else int(x) << -int(s))
          for i, x in enumerate(xs) for j, s in enumerate(shifts[0]))
show("rshift half-even", ok)
# CHECK: rshift half-even ok
ties = np.array([-5, -3, -1, 1, 3, 5])  # x / 2: every one a tie
show("rshift ties differ", rshift(ties, 1, "half-even").tolist() == [-2, -2, 0, 0, 2, 2]
     and rshift(ties, 1).tolist() == [-2, -1, 0, 1, 2, 3])
# CHECK: rshift ties differ ok

ok = True
for s in range(-3, 4):
    for den in (1, 2, 3, 4, 6, 9, 49):
        got = rounded_scaled_div(xs, den, s, "half-even")
        ok &= all(int(g) == even(Fraction(int(x)) / (den * Fraction(2) ** s)) for x, g in zip(xs, got))
show("rounded_scaled_div half-even", ok)
# CHECK: rounded_scaled_div half-even ok

v = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 2.5000002], np.float32)
show("round_ties", round_ties(v, "half-even").tolist() == [0, 2, 2, 0, -2, -2, 0, 3]
     and round_ties(v).tolist() == [1, 2, 3, 0, -1, -2, 0, 3])
# CHECK: round_ties ok
p = PotType(IntegerType(8), -2)
vals = np.array([0.125, 0.375, -0.125, -0.375, 31.875, -32.125, 40.0, 0.1])
ref = [max(-128, min(127, even(Fraction(float(x)) * 4))) for x in vals]
show("quantize_input half-even", quantize_input(vals, p, "half-even").tolist() == ref
     and grid_integers(vals, -2, -128, 127, "half-even").tolist() == ref)
# CHECK: quantize_input half-even ok

# --------------------------------------------------------------------------- shift executor

TARGET = ('qcomp.target = {activation_bits = 8 : i64, weight_bits = 8 : i64, bias_bits = 32 : i64, '
          'accumulator_bits = 32 : i64, weight_granularity = "per-tensor", rounding = "half-even"}')
SRC = """builtin.module attributes {TARGET} {
  func.func @main(%a: tensor<1x2x2x3xi8>, %b: tensor<1x2x2x3xi8>) -> (tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>,
      tensor<1x2x2x3xi8>, tensor<1x2x1x1xi8>, tensor<1x2x2x3xi8>) {
    %w = shift.constant dense<[[[[3]], [[-5]]], [[[7]], [[1]]]]> : tensor<2x2x1x1xi8>
    %r = shift.requant %a {node = "rq", shift = 2 : i64} : (tensor<1x2x2x3xi8>) -> tensor<1x2x2x3xi8>
    %s = shift.add %a, %b {node = "add", align = array<i64: 0, 1>, shift = 2 : i64} : (tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>) -> tensor<1x2x2x3xi8>
    %m = shift.mul %a, %b {node = "mul", shift = 7 : i64} : (tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>) -> tensor<1x2x2x3xi8>
    %g = shift.global_avgpool %a {node = "gap", shift = 0 : i64} : (tensor<1x2x2x3xi8>) -> tensor<1x2x1x1xi8>
    %c = shift.conv2d %a, %w {node = "conv", shift = array<i64: 1, 3>} : (tensor<1x2x2x3xi8>, tensor<2x2x1x1xi8>) -> tensor<1x2x2x3xi8>
    func.return %r, %s, %m, %g, %c : tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>, tensor<1x2x1x1xi8>, tensor<1x2x2x3xi8>
  }
}""".replace("{TARGET}", "{" + TARGET + "}")
m = Parser(make_context(), SRC).parse_module()
m.verify()
ex = ShiftExecutor(m)
a = RNG.integers(-128, 128, (20, 2, 2, 3)).astype(np.int8)
b = RNG.integers(-128, 128, (20, 2, 2, 3)).astype(np.int8)
rq, add, mul, gap, conv = (np.asarray(o, np.int64) for o in ex.run([a, b]))
A, B = a.astype(np.int64), b.astype(np.int64)


def clip8(v: int) -> int:
    return max(-128, min(127, v))


show("executor rounding", ex.rounding == "half-even")
# CHECK: executor rounding ok
show("requant", all(int(g) == clip8(even(Fraction(int(x), 4))) for x, g in zip(A.flat, rq.flat)))
# CHECK: requant ok
show("add", all(int(g) == clip8(even(Fraction(int(x) + 2 * int(y), 4))) for x, y, g in zip(A.flat, B.flat, add.flat)))
# CHECK: add ok
show("mul", all(int(g) == clip8(even(Fraction(int(x) * int(y), 128))) for x, y, g in zip(A.flat, B.flat, mul.flat)))
# CHECK: mul ok
want = [clip8(even(Fraction(int(A[n, c].sum()), 6))) for n in range(20) for c in range(2)]
show("global_avgpool", gap.reshape(-1).tolist() == want)
# CHECK: global_avgpool ok
W = np.array([[3, -5], [7, 1]])
want = [clip8(even(Fraction(int(W[o] @ A[n, :, y, x]), 1 << (1, 3)[o])))
        for n in range(20) for o in range(2) for y in range(2) for x in range(3)]
show("conv2d per-channel shifts", conv.reshape(-1).tolist() == want)
# CHECK: conv2d per-channel shifts ok

# --------------------------------------------------------------------------- quant level == shift level


def quant_module(rounding: str):  # type: ignore[no-untyped-def]
    """The committed ResNet through int8_fpga up to lower-quant-to-shift, its target's `rounding` set."""
    import dataclasses

    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.pipeline import configure_calibration, load_pipeline

    pipe = load_pipeline("int8_fpga")
    pipe.target = dataclasses.replace(pipe.target, rounding=rounding)
    configure_calibration(pipe, str(REPO / "models/digits/calib.npy"))
    passes = pipe.instantiate()
    mod = import_onnx_file(str(REPO / "models/resnet/resnet.onnx"))
    ctx = make_context()
    for ps in passes[: [x.name for x in passes].index("lower-quant-to-shift")]:
        ps.apply(ctx, mod)
    return mod


from qcomp.executors.agreement import check_agreement  # noqa: E402

x = np.load(REPO / "models/digits/test_x.npy").astype(np.float32)[:100]
agree = check_agreement(quant_module("half-even"), [x]).outputs[0]
print(f"fake-quant == shift: {agree.equal}/{agree.total} equal, max diff {agree.max_abs_diff}")
# CHECK: fake-quant == shift: 1000/1000 equal, max diff 0
from qcomp.executors.quant import QuantExecutor  # noqa: E402

q_even, q_up = quant_module("half-even"), quant_module("half-up")
(fe,), (fu,) = QuantExecutor(q_even).run([x]), QuantExecutor(q_up).run([x])
show("half-up fake-quant differs", not np.array_equal(fe, fu))
# CHECK: half-up fake-quant differs ok
