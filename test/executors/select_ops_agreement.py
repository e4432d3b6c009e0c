# RUN: %python %s | filecheck %s
"""max, min, prelu and slice: the quant level (fake quantization) and the shift lowering agree
integer for integer, and shift.prelu's integers equal its docstring evaluated element by element.

The pot-typed function mixes max / min of two activations on different grids (output grid
coarser, finer and in between), with a per-channel constant and with the output clamped by
saturation, prelu with a per-tensor and a per-channel slope exponent (negative slopes and slopes
above 1 included) and on a 2-D tensor, and slices with positive and negative steps (one
requantizing). Inputs cover every int8 value.
"""

import numpy as np
from xdsl.parser import Parser

from qcomp.context import make_context
from qcomp.dialects import shift as sh
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.executors.agreement import check_agreement
from qcomp.executors.shift import ShiftExecutor
from qcomp.testing import verdict

RNG = np.random.default_rng(14)


def c(name, arr, t):
    shape = "x".join(map(str, arr.shape))
    return f'%{name} = quant.constant {format_dense(dense_from_numpy(arr))} : tensor<{shape}xi8> -> {t} {{node = "{name}"}}'


def T(shape, e):
    return f"tensor<{'x'.join(map(str, shape))}x!quant.pot<i8, {e}>>"


S1 = np.array([[[100]], [[-77]], [[127]], [[3]]], np.int8)  # per tensor, e = -6: 1.56, -1.2, 1.98, 0.05
S2 = np.array([[[[64]], [[-128]], [[90]], [[1]]]], np.int8)  # per channel [-7, -9, -5, -3]
S3 = RNG.integers(-128, 128, (6,)).astype(np.int8)
K = RNG.integers(-128, 128, (4, 1, 1)).astype(np.int8)
X, Y = [1, 4, 4, 4], [1, 4, 1, 4]
SRC = f"""func.func @main(%a: {T(X, -5)}, %b: {T(Y, -3)}, %v: {T([1, 6], -4)}) -> ({T(X, -4)}, {T(X, -6)}, {T(X, -2)}, {T(X, -5)}, {T(X, -4)}, {T(X, -3)}, {T([1, 6], -5)}, {T([1, 2, 4, 2], -5)}, {T([1, 2, 2, 4], -4)}) {{
  {c("s1", S1, "tensor<4x1x1x!quant.pot<i8, -6>>")}
  {c("s2", S2, "tensor<1x4x1x1x!quant.pot<i8:1, [-7, -9, -5, -3]>>")}
  {c("s3", S3, "tensor<6x!quant.pot<i8, -8>>")}
  {c("k", K, "tensor<4x1x1x!quant.pot<i8, -7>>")}
  %m1 = quant.max %a, %b {{node = "max_mid"}} : ({T(X, -5)}, {T(Y, -3)}) -> {T(X, -4)}
  %m2 = quant.min %a, %b {{node = "min_fine"}} : ({T(X, -5)}, {T(Y, -3)}) -> {T(X, -6)}
  %m3 = quant.max %b, %a {{node = "max_coarse"}} : ({T(Y, -3)}, {T(X, -5)}) -> {T(X, -2)}
  %m4 = quant.min %a, %k {{node = "min_const"}} : ({T(X, -5)}, tensor<4x1x1x!quant.pot<i8, -7>>) -> {T(X, -5)}
  %p1 = quant.prelu %a, %s1 {{node = "prelu_tensor"}} : ({T(X, -5)}, tensor<4x1x1x!quant.pot<i8, -6>>) -> {T(X, -4)}
  %p2 = quant.prelu %a, %s2 {{node = "prelu_channel"}} : ({T(X, -5)}, tensor<1x4x1x1x!quant.pot<i8:1, [-7, -9, -5, -3]>>) -> {T(X, -3)}
  %p3 = quant.prelu %v, %s3 {{node = "prelu_2d"}} : ({T([1, 6], -4)}, tensor<6x!quant.pot<i8, -8>>) -> {T([1, 6], -5)}
  %c1 = quant.slice %p1 {{node = "slice_step", starts = array<i64: 0, 1, 0, 3>, ends = array<i64: 1, 4, 4, -1>, steps = array<i64: 1, 2, 1, -2>}} : ({T(X, -4)}) -> {T([1, 2, 4, 2], -4)}
  %r1 = quant.relu %c1 {{node = "relu_rq"}} : ({T([1, 2, 4, 2], -4)}) -> {T([1, 2, 4, 2], -5)}
  %c2 = quant.slice %m1 {{node = "slice_rq", starts = array<i64: 0, 2, 0, 0>, ends = array<i64: 1, 4, 4, 4>, steps = array<i64: 1, 1, 2, 1>}} : ({T(X, -4)}) -> {T([1, 2, 2, 4], -4)}
  func.return %m1, %m2, %m3, %m4, %p1, %p2, %p3, %r1, %c2 : {T(X, -4)}, {T(X, -6)}, {T(X, -2)}, {T(X, -5)}, {T(X, -4)}, {T(X, -3)}, {T([1, 6], -5)}, {T([1, 2, 4, 2], -5)}, {T([1, 2, 2, 4], -4)}
}}"""

module = Parser(make_context(), SRC).parse_module()
module.verify()
n = 256
a = np.tile(np.arange(-128, 128, dtype=np.int8), 4 * 16 * n // 256).reshape(n, 4, 4, 4)
a = RNG.permuted(a.reshape(n, -1), axis=0).reshape(n, 4, 4, 4)
b = RNG.integers(-128, 128, (n, 4, 1, 4)).astype(np.int8)
v = RNG.integers(-128, 128, (n, 6)).astype(np.int8)
report = check_agreement(module, [a, b, v], per_node=True)
for r in report.outputs:
    print(f"{r.name}: {r.equal}/{r.total} {'exact' if r.exact else 'DIFFER'}")
for name, r in report.nodes.items():
    print(f"node {name}: {'exact' if r.exact else f'DIFFER {r.equal}/{r.total} max {r.max_abs_diff}'}")
ops = sorted({op.name for op in report.shift_module.walk() if op.name.startswith("shift.")})
print("lowered to", ", ".join(ops))
# CHECK-NOT: DIFFER
# CHECK: result 8: {{[0-9]+}}/{{[0-9]+}} exact
# CHECK: node max_mid: exact
# CHECK: node min_fine: exact
# CHECK: node max_coarse: exact
# CHECK: node min_const: exact
# CHECK: node prelu_tensor: exact
# CHECK: node prelu_channel: exact
# CHECK: node prelu_2d: exact
# CHECK: node slice_step: exact
# CHECK: node relu_rq: exact
# CHECK: node slice_rq: exact
# CHECK: lowered to shift.constant, shift.max, shift.min, shift.prelu, shift.requant, shift.slice


def rshift(x: int, s: int) -> int:
    return (x + (1 << (s - 1))) >> s if s > 0 else x << -s


def prelu_loop(op: sh.PReluOp, x: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """shift.prelu's docstring, one element at a time in Python integers."""
    lo, hi = sh.int_range(sh.storage_type(op.output.type))
    s, sl = op.shift_amount, op.slope_shifts()
    full = np.broadcast_to(slope, x.shape)
    out = np.zeros(x.shape, np.int64)
    for idx in np.ndindex(x.shape):
        q = int(x[idx])
        sc = sl[0] if len(sl) == 1 else sl[idx[1]]
        val = rshift(q, s) if q >= 0 else rshift(q * int(full[idx]), sc)
        out[idx] = min(max(val, lo), hi)
    return out


shift_mod = report.shift_module
ex = ShiftExecutor(shift_mod)
outs = ex.run([a[:16], b[:16], v[:16]])
prelus = [op for op in shift_mod.walk() if isinstance(op, sh.PReluOp)]
consts = {op.output: np.asarray(op.numpy()) for op in shift_mod.walk() if isinstance(op, sh.ConstantOp)}
for op, got, x in zip(prelus, outs[4:7], (a[:16], a[:16], v[:16])):
    want = prelu_loop(op, x.astype(np.int64), consts[op.slope])
    print(f"loop {op.node_name} {verdict(np.array_equal(got, want), op.node_name)}")
# CHECK: loop prelu_tensor ok
# CHECK: loop prelu_channel ok
# CHECK: loop prelu_2d ok
