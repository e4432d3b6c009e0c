# RUN: %python %s | filecheck %s
"""Batched execution equals sample-by-sample execution on a small conv net.

The net mixes whole-batch ops (conv, depthwise conv, BN, pools, residual add, gemm,
softmax, per-axis fake quant) with ops that must fall back to per-sample execution
(transposes moving axis 0, a reshape dropping the batch dim, ops on values without a
leading 1), and has one output in "replace" form (N, 3) and one in "stacked" form (N, 4, 2).
"""

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.parser import Parser

from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.dialects.quant import Quant
from qcomp.executors.quant import QuantExecutor
from qcomp.testing import verdict

rng = np.random.default_rng(1)


def const(name, *shape, positive=False):
    a = rng.standard_normal(shape).astype(np.float32) * 0.5
    if positive:
        a = np.abs(a) + 0.5
    t = "tensor<" + "x".join(map(str, shape)) + "xf32>"
    return f'%{name} = quant.constant {format_dense(dense_from_numpy(a))} : {t} {{node = "{name}"}}'


T = {
    "x": "tensor<1x3x12x12xf32>", "c1": "tensor<1x8x12x12xf32>", "p": "tensor<1x8x6x6xf32>",
    "dq": "tensor<1x8x6x6x!quant.pot<i8:1, [-4, -5, -3, -4, -6, -4, -5, -4]>>",
    "c4": "tensor<1x4x6x6xf32>", "t": "tensor<4x1x6x6xf32>", "g": "tensor<1x4x1x1xf32>",
    "f": "tensor<1x4xf32>", "o": "tensor<1x3xf32>", "r": "tensor<4x36xf32>", "m": "tensor<4x2xf32>",
}
SRC = f"""
func.func @main(%x: {T['x']}) -> ({T['o']}, {T['m']}) {{
  {const('w1', 8, 3, 3, 3)}
  {const('b1', 8)}
  {const('s', 8, positive=True)}
  {const('bb', 8)}
  {const('mu', 8)}
  {const('var', 8, positive=True)}
  {const('wd', 8, 1, 3, 3)}
  {const('w2', 4, 8, 1, 1)}
  {const('wf', 4, 3)}
  {const('bf', 3)}
  {const('wm', 36, 2)}
  %c1 = quant.conv2d %x, %w1, %b1 {{node = "conv1", pads = array<i64: 1, 1, 1, 1>}} : ({T['x']}, tensor<8x3x3x3xf32>, tensor<8xf32>) -> {T['c1']}
  %bn = quant.batch_norm %c1, %s, %bb, %mu, %var {{node = "bn1"}} : ({T['c1']}, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> {T['c1']}
  %r1 = quant.relu %bn {{node = "relu1"}} : ({T['c1']}) -> {T['c1']}
  %p = quant.maxpool %r1 {{node = "pool1", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}} : ({T['c1']}) -> {T['p']}
  %d = quant.conv2d %p, %wd {{node = "dw", pads = array<i64: 1, 1, 1, 1>, group = 8 : i64}} : ({T['p']}, tensor<8x1x3x3xf32>) -> {T['p']}
  %dq = quant.clip %d {{node = "relu6", min = 0.0 : f32, max = 6.0 : f32}} : ({T['p']}) -> {T['dq']}
  %a = quant.add %p, %dq {{node = "res"}} : ({T['p']}, {T['dq']}) -> {T['p']}
  %c2 = quant.conv2d %a, %w2 {{node = "conv2"}} : ({T['p']}, tensor<4x8x1x1xf32>) -> {T['c4']}
  %ap = quant.avgpool %c2 {{node = "avg", kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 3, 3>, ceil_mode = 1 : i64, count_include_pad = 1 : i64}} : ({T['c4']}) -> tensor<1x4x3x3xf32>
  %up = quant.pad %ap {{node = "pad", pads = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>}} : (tensor<1x4x3x3xf32>) -> {T['c4']}
  %m1 = quant.mul %up, %c2 {{node = "mul"}} : ({T['c4']}, {T['c4']}) -> {T['c4']}
  %t = quant.transpose %m1 {{node = "t1", perm = array<i64: 1, 0, 2, 3>}} : ({T['c4']}) -> {T['t']}
  %sg = quant.sigmoid %t {{node = "sig"}} : ({T['t']}) -> {T['t']}
  %tb = quant.transpose %sg {{node = "t2", perm = array<i64: 1, 0, 2, 3>}} : ({T['t']}) -> {T['c4']}
  %g = quant.global_avgpool %tb {{node = "gap"}} : ({T['c4']}) -> {T['g']}
  %f = quant.flatten %g {{node = "flat", axis = 1 : i64}} : ({T['g']}) -> {T['f']}
  %fc = quant.gemm %f, %wf, %bf {{node = "fc"}} : ({T['f']}, tensor<4x3xf32>, tensor<3xf32>) -> {T['o']}
  %o = quant.softmax %fc {{node = "softmax", axis = 1 : i64}} : ({T['o']}) -> {T['o']}
  %r = quant.reshape %tb {{node = "view"}} : ({T['c4']}) -> {T['r']}
  %m = quant.matmul %r, %wm {{node = "mm"}} : ({T['r']}, tensor<36x2xf32>) -> {T['m']}
  func.return %o, %m : {T['o']}, {T['m']}
}}
"""

ctx = Context()
for dialect in (Builtin, Func, Quant):
    ctx.load_dialect(dialect)
module = Parser(ctx, SRC).parse_module()
module.verify()

ex = QuantExecutor(module, chunk_size=4)
print("per-sample ops:", ", ".join(op.attributes["node"].data for op in ex.per_sample_ops))

x = rng.standard_normal((10, 3, 12, 12)).astype(np.float32)
calls = []
out, mm = ex.run([x], observer=lambda op, res: calls.append((op, [r.shape for r in res])))
print("shapes:", out.shape, mm.shape, out.dtype, mm.dtype)
ref_o, ref_m = zip(*[ex.run([x[i : i + 1]], batched=False) for i in range(10)])
ref_o, ref_m = np.concatenate(ref_o), np.stack(ref_m)
err = max(float(np.max(np.abs(out - ref_o))), float(np.max(np.abs(mm - ref_m))) / float(np.max(np.abs(ref_m))))
print(f"batched vs per-sample: {verdict(err <= 1e-5)} max_err={err:.1e}")

# Per-axis fake quant ran on the batch: the residual input is on its grid per channel.
grid = []
ex.run([x], observer=lambda op, res: grid.append(res[0]) if op is not None and op.name == "quant.clip" else None)
exps = np.array([-4, -5, -3, -4, -6, -4, -5, -4]).reshape(1, 8, 1, 1)
dq = np.concatenate(grid)
on_grid = np.array_equal(dq * 2.0 ** -exps, np.round(dq * 2.0 ** -exps)) and dq.max() <= 127 * 2.0 ** exps.max()
print("per-axis grid:", verdict(on_grid and dq.shape == (10, 8, 6, 6)))

# Observer: (None, args) first, then every op once per chunk (3 chunks of <= 4 samples).
n_ops = len(list(module.walk())) - 3  # minus module, func, return
first = [i for i, (op, _) in enumerate(calls) if op is None]
print("observer calls:", len(calls) == 3 * (n_ops + 1), first == [0, n_ops + 1, 2 * (n_ops + 1)], calls[0][1])
conv_shapes = [s for op, s in calls if op is not None and op.attributes["node"].data == "conv1"]
print("conv1 chunk shapes:", conv_shapes)

# Big chunks and a single sample give the same numbers.
(o2, m2) = QuantExecutor(module, chunk_size=64).run([x])
print("chunking:", verdict(np.allclose(o2, out, atol=1e-6) and np.allclose(m2, mm, atol=1e-5)))
(o1, m1) = ex.run([x[3:4]])
print("single sample:", o1.shape, m1.shape, verdict(np.allclose(o1, out[3:4], atol=1e-6)))

try:
    ex.run([x[:, :, :5]])
except Exception as e:  # noqa: BLE001
    print(type(e).__name__ + ":", e)

# CHECK: per-sample ops: t1, sig, t2, view, mm
# CHECK-NEXT: shapes: (10, 3) (10, 4, 2) float32 float32
# CHECK-NEXT: batched vs per-sample: ok
# CHECK-NEXT: per-axis grid: ok
# CHECK-NEXT: observer calls: True True [(4, 3, 12, 12)]
# CHECK-NEXT: conv1 chunk shapes: {{\[}}[(4, 8, 12, 12)], [(4, 8, 12, 12)], [(2, 8, 12, 12)]]
# CHECK-NEXT: chunking: ok
# CHECK-NEXT: single sample: (1, 3) (1, 4, 2) ok
# CHECK-NEXT: InputDataError: input 0: expected shape (N, 3, 12, 12), got (10, 3, 5, 12)
