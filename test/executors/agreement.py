# RUN: %python %s | filecheck %s
"""The quant level (fake quantization) and its shift lowering agree integer for integer.

A hand-written pot-typed quant function (the IR pot-scale produces) mixing conv with
per-channel weights, depthwise conv, standalone relu, add of two exponents, max/avg/global
pooling, flatten, gemm, concat, pad, transpose and a relu across exponents runs through
`check_agreement` on random inputs: every node's value and every result must agree
exactly. Table-lowered functions (sigmoid, tanh, hard-swish) and softmax are reported
separately: their shift tables are computed in float64, so they may differ from the float32
quant executor by one step where a value lands within float rounding of a tie (softmax
also by the exponential table's own precision).
"""

import numpy as np
from xdsl.parser import Parser

from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.executors.agreement import check_agreement
from qcomp.testing import verdict

RNG = np.random.default_rng(11)


def c(name, arr, t):
    return f'%{name} = quant.constant {format_dense(dense_from_numpy(arr))} : tensor<{"x".join(map(str, arr.shape))}x{"i8" if arr.dtype == np.int8 else "i32"}> -> {t} {{node = "{name}"}}'


W1 = RNG.integers(-128, 128, (4, 2, 3, 3)).astype(np.int8)
B1 = RNG.integers(-3000, 3000, 4).astype(np.int32)
WD = RNG.integers(-128, 128, (4, 1, 3, 3)).astype(np.int8)
WF = RNG.integers(-128, 128, (8, 3)).astype(np.int8)
BF = RNG.integers(-3000, 3000, 3).astype(np.int32)

P = {
    "x": "!quant.pot<i8, -6>", "c1": "!quant.pot<i8, -4>", "r": "!quant.pot<i8, -4>", "d": "!quant.pot<i8, -3>",
    "a": "!quant.pot<i8, -4>", "ap": "!quant.pot<i8, -5>", "g": "!quant.pot<i8, -6>", "o": "!quant.pot<i8, -2>",
}
T = {
    "x": f"tensor<1x2x8x8x{P['x']}>", "c1": f"tensor<1x4x8x8x{P['c1']}>", "d": f"tensor<1x4x8x8x{P['d']}>",
    "a": f"tensor<1x4x8x8x{P['a']}>", "m": f"tensor<1x4x4x4x{P['a']}>", "ap": f"tensor<1x4x4x4x{P['ap']}>",
    "cat": f"tensor<1x8x4x4x{P['ap']}>", "g": f"tensor<1x8x1x1x{P['g']}>", "f": f"tensor<1x8x{P['g']}>",
    "pd": f"tensor<1x4x6x6x{P['ap']}>", "o": f"tensor<1x3x{P['o']}>", "t": f"tensor<1x4x4x4x{P['ap']}>",
    "rq": "tensor<1x4x4x4x!quant.pot<i8, -3>>",
}
SRC = f"""func.func @main(%x: {T['x']}) -> ({T['o']}, {T['rq']}, {T['pd']}) {{
  {c("w1", W1, "tensor<4x2x3x3x!quant.pot<i8:0, [-8, -7, -9, -8]>>")}
  {c("b1", B1, "tensor<4x!quant.pot<i32:0, [-14, -13, -15, -14]>>")}
  {c("wd", WD, "tensor<4x1x3x3x!quant.pot<i8, -7>>")}
  {c("wf", WF, "tensor<8x3x!quant.pot<i8:1, [-7, -8, -6]>>")}
  {c("bf", BF, "tensor<3x!quant.pot<i32:0, [-13, -14, -12]>>")}
  %c1 = quant.conv2d %x, %w1, %b1 {{node = "conv1", pads = array<i64: 1, 1, 1, 1>}} : ({T['x']}, tensor<4x2x3x3x!quant.pot<i8:0, [-8, -7, -9, -8]>>, tensor<4x!quant.pot<i32:0, [-14, -13, -15, -14]>>) -> {T['c1']}
  %r = quant.relu %c1 {{node = "relu1"}} : ({T['c1']}) -> {T['c1']}
  %d = quant.conv2d %r, %wd {{node = "dw", pads = array<i64: 1, 1, 1, 1>, group = 4 : i64}} : ({T['c1']}, tensor<4x1x3x3x!quant.pot<i8, -7>>) -> {T['d']}
  %a = quant.add %r, %d {{node = "add"}} : ({T['c1']}, {T['d']}) -> {T['a']}
  %m = quant.maxpool %a {{node = "maxpool", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}} : ({T['a']}) -> {T['m']}
  %ap = quant.avgpool %a {{node = "avgpool", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}} : ({T['a']}) -> {T['ap']}
  %cat = quant.concat %m, %ap {{node = "concat", axis = 1 : i64}} : ({T['m']}, {T['ap']}) -> {T['cat']}
  %g = quant.global_avgpool %cat {{node = "gap"}} : ({T['cat']}) -> {T['g']}
  %f = quant.flatten %g {{node = "flatten", axis = 1 : i64}} : ({T['g']}) -> {T['f']}
  %fc = quant.gemm %f, %wf, %bf {{node = "fc"}} : ({T['f']}, tensor<8x3x!quant.pot<i8:1, [-7, -8, -6]>>, tensor<3x!quant.pot<i32:0, [-13, -14, -12]>>) -> {T['o']}
  %t = quant.transpose %ap {{node = "transpose", perm = array<i64: 0, 1, 3, 2>}} : ({T['ap']}) -> {T['t']}
  %rq = quant.relu %t {{node = "relu_rq"}} : ({T['t']}) -> {T['rq']}
  %pd = quant.pad %ap {{node = "pad", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>}} : ({T['ap']}) -> {T['pd']}
  func.return %fc, %rq, %pd : {T['o']}, {T['rq']}, {T['pd']}
}}"""

module = Parser(make_context(), SRC).parse_module()
module.verify()
x = RNG.integers(-128, 128, (300, 2, 8, 8)).astype(np.int8)
report = check_agreement(module, [x], per_node=True)
for a in report.outputs:
    print(f"{a.name}: {a.equal}/{a.total} {'exact' if a.exact else 'DIFFER'}")
for name, a in report.nodes.items():
    print(f"node {name}: {'exact' if a.exact else f'DIFFER {a.equal}/{a.total} max {a.max_abs_diff}'}")
ops = sorted({op.name for op in report.shift_module.walk() if op.name.startswith("shift.")})
print("lowered to", ", ".join(ops))
# CHECK: result 0: 900/900 exact
# CHECK: result 1: 19200/19200 exact
# CHECK: result 2: 43200/43200 exact
# CHECK: node conv1: exact
# CHECK: node relu1: exact
# CHECK: node dw: exact
# CHECK: node add: exact
# CHECK: node maxpool: exact
# CHECK: node avgpool: exact
# CHECK: node concat: exact
# CHECK: node gap: exact
# CHECK: node flatten: exact
# CHECK: node fc: exact
# CHECK: node transpose: exact
# CHECK: node relu_rq: exact
# CHECK: node pad: exact
# CHECK: lowered to shift.add, shift.avgpool, shift.clamp, shift.concat, shift.constant, shift.conv2d, shift.fc, shift.global_avgpool, shift.maxpool, shift.pad, shift.requant, shift.reshape, shift.transpose

# Float inputs are quantized onto the argument grid first (round half up, saturate).
xf = RNG.standard_normal((50, 2, 8, 8)).astype(np.float32)
print("float inputs:", "exact" if check_agreement(module, [xf]).exact else "DIFFER")
# CHECK: float inputs: exact

# Table-lowered functions and softmax: counted, not required to be exact.
TAB = """func.func @main(%x: tensor<1x64x!quant.pot<i8, -4>>) -> (tensor<1x64x!quant.pot<i8, -7>>, tensor<1x64x!quant.pot<i8, -7>>, tensor<1x64x!quant.pot<i8, -4>>, tensor<1x64x!quant.pot<i8, -7>>) {
  %s = quant.sigmoid %x {node = "sigmoid"} : (tensor<1x64x!quant.pot<i8, -4>>) -> tensor<1x64x!quant.pot<i8, -7>>
  %t = quant.tanh %x {node = "tanh"} : (tensor<1x64x!quant.pot<i8, -4>>) -> tensor<1x64x!quant.pot<i8, -7>>
  %h = quant.hard_swish %x {node = "hswish"} : (tensor<1x64x!quant.pot<i8, -4>>) -> tensor<1x64x!quant.pot<i8, -4>>
  %p = quant.softmax %x {node = "softmax", axis = 1 : i64} : (tensor<1x64x!quant.pot<i8, -4>>) -> tensor<1x64x!quant.pot<i8, -7>>
  func.return %s, %t, %h, %p : tensor<1x64x!quant.pot<i8, -7>>, tensor<1x64x!quant.pot<i8, -7>>, tensor<1x64x!quant.pot<i8, -4>>, tensor<1x64x!quant.pot<i8, -7>>
}"""
tab = Parser(make_context(), TAB).parse_module()
xt = np.tile(np.arange(-128, 128, dtype=np.int8).reshape(4, 64), (10, 1))  # every input integer
for name, a in zip(("sigmoid", "tanh", "hard_swish", "softmax"), check_agreement(tab, [xt]).outputs):
    print(f"table {name}: {a.equal}/{a.total} max_abs_diff={a.max_abs_diff} {verdict(a.max_abs_diff <= 1)}")
# CHECK: table sigmoid: {{[0-9]+}}/2560 max_abs_diff={{[01]}} ok
# CHECK: table tanh: {{[0-9]+}}/2560 max_abs_diff={{[01]}} ok
# CHECK: table hard_swish: {{[0-9]+}}/2560 max_abs_diff={{[01]}} ok
# CHECK: table softmax: {{[0-9]+}}/2560 max_abs_diff={{[01]}} ok
