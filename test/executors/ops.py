# RUN: %python %s | filecheck %s
"""Every quant op through QuantExecutor, checked against naive float64 numpy references.

Each case parses a one-op function from text, runs it (unbatched and batched), and prints
`<case> ok max_err=<e>` where e = max|y - ref| / max(1, max|ref|), or `<case> FAIL ...`.
"""

import itertools

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp, StringAttr, TensorType, f32
from xdsl.dialects.func import Func, FuncOp, ReturnOp
from xdsl.dialects.test import TestOp
from xdsl.parser import Parser

from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.dialects.quant import ConstantOp, Quant
from qcomp.dialects.window import window_out
from qcomp.executors.base import ExecutionError
from qcomp.executors.quant import KERNELS, QuantExecutor
from qcomp.testing import fail, verdict

CTX = Context()
for d in (Builtin, Func, Quant):
    CTX.load_dialect(d)
RNG = np.random.default_rng(0)
TOL = 1e-5


def ttype(shape, elt="f32"):
    return "tensor<" + "".join(f"{s}x" for s in shape) + elt + ">"


def build(opname, args, consts, operands, out_shape, attrs="", out_elt="f32"):
    """A function @main(args...) holding the constants and one `opname` op; returns the module."""
    lines = []
    for name, arr in consts.items():
        lines.append(f"  %{name} = quant.constant {format_dense(dense_from_numpy(arr))} : {ttype(arr.shape)}")
    in_types = ", ".join(ttype(({**args, **consts})[o].shape) for o in operands)
    out_t = ttype(out_shape, out_elt)
    attr_text = f" {{node = \"n_{opname}\"{', ' + attrs if attrs else ''}}}"
    lines.append(f"  %out = quant.{opname} {', '.join('%' + o for o in operands)}{attr_text} : ({in_types}) -> {out_t}")
    sig = ", ".join(f"%{n}: {ttype(a.shape)}" for n, a in args.items())
    src = f"func.func @main({sig}) -> {out_t} {{\n" + "\n".join(lines) + f"\n  func.return %out : {out_t}\n}}"
    module = Parser(CTX, src).parse_module()
    module.verify()
    return module


def check(label, module, args, ref):
    ex = QuantExecutor(module)
    ins = [a.astype(np.float32) for a in args.values()]
    (y,) = ex.run(ins, batched=False)
    err = float(np.max(np.abs(y.astype(np.float64) - ref))) / max(1.0, float(np.max(np.abs(ref)))) if ref.size else 0.0
    ok = y.shape == ref.shape and y.dtype == np.float32 and err <= TOL
    # batched: the same samples stacked 3 times on the leading axis (when it is a batch of 1).
    if ok and all(a.shape and a.shape[0] == 1 for a in ins) and ref.shape and ref.shape[0] == 1:
        (yb,) = ex.run([np.concatenate([a] * 3) for a in ins])
        # BLAS may take another path for 3 rows than for 1: equal up to float32 rounding.
        ok = yb.shape == (3, *ref.shape[1:]) and np.allclose(yb, np.concatenate([y] * 3), rtol=1e-6, atol=1e-6)
    print(f"{label} {verdict(ok)} max_err={err:.1e}" + ("" if ok else f" shape={y.shape} ref={ref.shape}"))


def case(label, opname, args, consts, operands, ref, attrs="", out_elt="f32"):
    ref = np.asarray(ref, np.float64)
    check(label, build(opname, args, consts, operands, ref.shape, attrs, out_elt), args, ref)


def rnd(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def arr(vals):
    return "array<i64: " + ", ".join(map(str, vals)) + ">"


# --------------------------------------------------------------------------- references


def conv_ref(x, w, b, s=(1, 1), p=(0, 0, 0, 0), d=(1, 1), g=1):
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
    oh = (h + p[0] + p[2] - d[0] * (kh - 1) - 1) // s[0] + 1
    ow = (wd + p[1] + p[3] - d[1] * (kw - 1) - 1) // s[1] + 1
    y = np.zeros((n, o, oh, ow))
    for oc, i, j in itertools.product(range(o), range(oh), range(ow)):
        gi = oc // (o // g)
        patch = xp[:, gi * cg : (gi + 1) * cg, i * s[0] : i * s[0] + d[0] * (kh - 1) + 1 : d[0],
                   j * s[1] : j * s[1] + d[1] * (kw - 1) + 1 : d[1]]
        y[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def pool_ref(x, k, s, p, d, ceil, kind, include_pad=False):
    """Literal ONNX pooling: window taps at i*s - pad + a*d; only in-input taps are reduced."""
    n, c, h, w = x.shape
    oh = window_out(h, k[0], s[0], p[0], p[2], d[0], ceil)
    ow = window_out(w, k[1], s[1], p[1], p[3], d[1], ceil)
    y = np.zeros((n, c, oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        rows = [i * s[0] - p[0] + a * d[0] for a in range(k[0])]
        cols = [j * s[1] - p[1] + b * d[1] for b in range(k[1])]
        taps = [(r, q) for r in rows for q in cols if 0 <= r < h and 0 <= q < w]
        vals = np.stack([x[:, :, r, q] for r, q in taps], axis=-1).astype(np.float64)
        if kind == "max":
            y[:, :, i, j] = vals.max(-1)
        else:
            if include_pad:
                cnt = sum(1 for r in rows for q in cols if -p[0] <= r < h + p[2] and -p[1] <= q < w + p[3])
            else:
                cnt = len(taps)
            y[:, :, i, j] = vals.sum(-1) / cnt
    return y


def sigmoid64(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


# --------------------------------------------------------------------------- compute ops

x = rnd(1, 4, 7, 6)
w = rnd(6, 4, 3, 3)
b = rnd(6)
case("conv2d", "conv2d", {"x": x}, {"w": w, "b": b}, ["x", "w", "b"], conv_ref(x, w, b, p=(1, 1, 1, 1)),
     attrs=f"pads = {arr([1, 1, 1, 1])}")
case("conv2d_stride_asym_pads", "conv2d", {"x": x}, {"w": w}, ["x", "w"],
     conv_ref(x, w, None, s=(2, 3), p=(0, 1, 2, 1)),
     attrs=f"pads = {arr([0, 1, 2, 1])}, strides = {arr([2, 3])}")
case("conv2d_dilation", "conv2d", {"x": x}, {"w": w, "b": b}, ["x", "w", "b"],
     conv_ref(x, w, b, d=(2, 1), p=(2, 0, 1, 1)), attrs=f"pads = {arr([2, 0, 1, 1])}, dilations = {arr([2, 1])}")
wg = rnd(6, 2, 3, 2)
case("conv2d_groups", "conv2d", {"x": x}, {"w": wg, "b": b}, ["x", "w", "b"],
     conv_ref(x, wg, b, s=(1, 2), p=(1, 0, 1, 1), g=2),
     attrs=f"pads = {arr([1, 0, 1, 1])}, strides = {arr([1, 2])}, group = 2 : i64")
wd = rnd(8, 1, 3, 3)
bd = rnd(8)
case("conv2d_depthwise_x2", "conv2d", {"x": x}, {"w": wd, "b": bd}, ["x", "w", "b"],
     conv_ref(x, wd, bd, s=(2, 2), p=(1, 1, 1, 1), g=4),
     attrs=f"pads = {arr([1, 1, 1, 1])}, strides = {arr([2, 2])}, group = 4 : i64")
w1 = rnd(5, 4, 1, 1)
case("conv2d_pointwise", "conv2d", {"x": x}, {"w": w1}, ["x", "w"], conv_ref(x, w1, None))
case("conv2d_pointwise_stride", "conv2d", {"x": x}, {"w": w1, "b": b[:5]}, ["x", "w", "b"],
     conv_ref(x, w1, b[:5], s=(2, 2)), attrs=f"strides = {arr([2, 2])}")
case("conv2d_weight_arg", "conv2d", {"x": x, "w": w}, {}, ["x", "w"], conv_ref(x, w, None))

a, bm, c = rnd(3, 4), rnd(4, 5), rnd(5)
case("gemm", "gemm", {"a": a}, {"b": bm, "c": c}, ["a", "b", "c"], a.astype(np.float64) @ bm + c)
c2 = rnd(3, 5)
case("gemm_alpha_beta_trans", "gemm", {"a": a.T.copy()}, {"b": bm.T.copy(), "c": c2}, ["a", "b", "c"],
     0.5 * (a.astype(np.float64) @ bm) + 2.0 * c2,
     attrs="alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, trans_a = 1 : i64, trans_b = 1 : i64")
a1 = rnd(1, 4)
case("gemm_row_c", "gemm", {"a": a1}, {"b": bm, "c": c2[:1]}, ["a", "b", "c"],
     a1.astype(np.float64) @ bm - c2[:1], attrs="beta = -1.000000e+00 : f32")
case("gemm_no_c", "gemm", {"a": a1}, {"b": bm}, ["a", "b"], a1.astype(np.float64) @ bm)

ma, mb = rnd(2, 3, 4), rnd(4, 5)
case("matmul_broadcast", "matmul", {"a": ma}, {"b": mb}, ["a", "b"], ma.astype(np.float64) @ mb)
mc, md = rnd(1, 2, 3, 4), rnd(2, 1, 4, 5)
case("matmul_batch_dims", "matmul", {"a": mc, "b": md}, {}, ["a", "b"], mc.astype(np.float64) @ md)
v = rnd(4)
case("matmul_vector", "matmul", {"a": v}, {"b": mb}, ["a", "b"], v.astype(np.float64) @ mb)
case("matmul_matvec", "matmul", {"a": ma}, {"b": v}, ["a", "b"], ma.astype(np.float64) @ v)

sc, bi, mu, var = rnd(4), rnd(4), rnd(4), np.abs(rnd(4)) + 0.1
bn_ref = (x - mu.reshape(1, -1, 1, 1)) / np.sqrt(var.reshape(1, -1, 1, 1).astype(np.float64) + 1e-3) \
    * sc.reshape(1, -1, 1, 1) + bi.reshape(1, -1, 1, 1)
case("batch_norm", "batch_norm", {"x": x}, {"s": sc, "b": bi, "m": mu, "v": var}, ["x", "s", "b", "m", "v"],
     bn_ref, attrs="epsilon = 1.000000e-03 : f32")

# --------------------------------------------------------------------------- elementwise

e = rnd(1, 3, 4) * 4
e[0, 0, :3] = [0.0, 6.0, -3.0]
e64 = e.astype(np.float64)
case("relu", "relu", {"x": e}, {}, ["x"], np.maximum(e64, 0))
case("clip", "clip", {"x": e}, {}, ["x"], np.clip(e64, -1, 2.5),
     attrs="min = -1.000000e+00 : f32, max = 2.500000e+00 : f32")
case("clip_min_only", "clip", {"x": e}, {}, ["x"], np.maximum(e64, 0.5), attrs="min = 5.000000e-01 : f32")
case("leaky_relu", "leaky_relu", {"x": e}, {}, ["x"], np.where(e64 >= 0, e64, 0.1 * e64),
     attrs="alpha = 1.000000e-01 : f32")
big = np.array([[-100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0]], np.float32)
case("sigmoid", "sigmoid", {"x": np.concatenate([e.reshape(1, -1), big], 1)}, {}, ["x"],
     sigmoid64(np.concatenate([e.reshape(1, -1), big], 1)))
case("tanh", "tanh", {"x": e}, {}, ["x"], np.tanh(e64))
case("hard_sigmoid", "hard_sigmoid", {"x": e}, {}, ["x"], np.clip(0.25 * e64 + 0.4, 0, 1),
     attrs="alpha = 2.500000e-01 : f32, beta = 4.000000e-01 : f32")
case("hard_swish", "hard_swish", {"x": e}, {}, ["x"], e64 * np.clip(e64 / 6 + 0.5, 0, 1))
for ax in (1, -1, 0):
    m = np.exp(e64 - e64.max(axis=ax, keepdims=True))
    case(f"softmax_axis{ax}", "softmax", {"x": e}, {}, ["x"], m / m.sum(axis=ax, keepdims=True),
         attrs=f"axis = {ax} : i64")
f = rnd(1, 3, 1)
g = rnd(4)
for name, fn in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.divide)):
    case(name, name, {"x": e}, {"c": f}, ["x", "c"], fn(e64, f.astype(np.float64)))
case("add_two_args", "add", {"x": e, "y": g}, {}, ["x", "y"], e64 + g)
case("mul_const_lhs", "mul", {"x": e}, {"c": g}, ["c", "x"], g.astype(np.float64) * e64)

# --------------------------------------------------------------------------- pooling

xp = rnd(2, 3, 9, 8)
pool_cases = [  # kernel, strides, pads, dilations, ceil
    ((3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False),
    ((3, 3), (2, 2), (0, 0, 0, 0), (1, 1), True),
    ((2, 3), (2, 2), (1, 0, 0, 1), (1, 1), True),
    ((3, 2), (3, 2), (1, 1, 2, 1), (1, 1), True),
]
for idx, (k, s, p, dd, ceil) in enumerate(pool_cases):
    attrs = f"kernel = {arr(k)}, strides = {arr(s)}, pads = {arr(p)}" + (", ceil_mode = 1 : i64" if ceil else "")
    ref = pool_ref(xp, k, s, p, dd, ceil, "max")
    case(f"maxpool_{idx}", "maxpool", {"x": xp}, {}, ["x"], ref, attrs=attrs)
    case(f"avgpool_{idx}", "avgpool", {"x": xp}, {}, ["x"], pool_ref(xp, k, s, p, dd, ceil, "avg"), attrs=attrs)
    case(f"avgpool_include_pad_{idx}", "avgpool", {"x": xp}, {}, ["x"],
         pool_ref(xp, k, s, p, dd, ceil, "avg", include_pad=True), attrs=attrs + ", count_include_pad = 1 : i64")
for idx, (k, s, p, dd, ceil) in enumerate([((3, 2), (1, 2), (2, 1, 2, 1), (2, 3), False),
                                           ((2, 2), (2, 2), (1, 1, 0, 0), (2, 2), True)]):
    attrs = f"kernel = {arr(k)}, strides = {arr(s)}, pads = {arr(p)}, dilations = {arr(dd)}"
    attrs += ", ceil_mode = 1 : i64" if ceil else ""
    case(f"maxpool_dilated_{idx}", "maxpool", {"x": xp}, {}, ["x"], pool_ref(xp, k, s, p, dd, ceil, "max"),
         attrs=attrs)
case("global_avgpool", "global_avgpool", {"x": xp}, {}, ["x"], xp.astype(np.float64).mean(axis=(2, 3), keepdims=True))

# --------------------------------------------------------------------------- data movement

c1, c2_ = rnd(1, 2, 3), rnd(1, 4, 3)
case("concat", "concat", {"x": c1, "y": c2_}, {}, ["x", "y"], np.concatenate([c1, c2_], 1), attrs="axis = 1 : i64")
case("concat_const", "concat", {"x": c1}, {"k": c2_}, ["k", "x"], np.concatenate([c2_, c1], 1),
     attrs="axis = 1 : i64")
case("concat_axis0", "concat", {"x": c1, "y": c1}, {}, ["x", "y"], np.concatenate([c1, c1], 0), attrs="axis = 0 : i64")
case("reshape", "reshape", {"x": x}, {}, ["x"], x.reshape(1, 4, 42))
case("reshape_drop_batch", "reshape", {"x": x}, {}, ["x"], x.reshape(4, 42))
case("flatten", "flatten", {"x": x}, {}, ["x"], x.reshape(1, -1), attrs="axis = 1 : i64")
case("flatten_axis2", "flatten", {"x": x}, {}, ["x"], x.reshape(4, 42), attrs="axis = 2 : i64")
case("transpose", "transpose", {"x": x}, {}, ["x"], x.transpose(0, 2, 3, 1), attrs=f"perm = {arr([0, 2, 3, 1])}")
case("transpose_batch", "transpose", {"x": x}, {}, ["x"], x.transpose(1, 0, 3, 2), attrs=f"perm = {arr([1, 0, 3, 2])}")
case("pad", "pad", {"x": e}, {}, ["x"], np.pad(e, ((0, 0), (1, 2), (0, 3)), constant_values=-1.5),
     attrs=f"pads = {arr([0, 1, 0, 0, 2, 3])}, value = -1.500000e+00 : f32")

# --------------------------------------------------------------------------- quantized types

# References round the float32 op result in float64: q = clip(floor(v * 2^-e + 0.5)), value q * 2^e.
case("relu_pot", "relu", {"x": e}, {}, ["x"],
     np.clip(np.floor(np.maximum(e64, 0) * 16 + 0.5), 0, 127) / 16, out_elt="!quant.pot<i8, -4>")
case("add_pot_saturate", "add", {"x": e}, {"c": f}, ["x", "c"],
     np.clip(np.floor((e + f).astype(np.float64) * 4 + 0.5), -8, 7) / 4, out_elt="!quant.pot<i4, -2>")
inv = np.array([8, 2, 0.5]).reshape(1, 3, 1)
case("mul_pot_per_axis", "mul", {"x": e}, {"c": f}, ["x", "c"],
     np.clip(np.floor((e * f).astype(np.float64) * inv + 0.5), -128, 127) / inv,
     out_elt="!quant.pot<i8:1, [-3, -1, 1]>")

qsrc = """func.func @main(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %w = quant.constant dense<[[3, -4, 127]]> : tensor<1x3xi8> -> tensor<1x3x!quant.pot<i8:1, [-2, 0, -7]>>
  %y = quant.add %x, %w {node = "addq"} : (tensor<1x3xf32>, tensor<1x3x!quant.pot<i8:1, [-2, 0, -7]>>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}"""
xq = np.array([[1.0, 2.0, 3.0]], np.float32)
check("pot_constant_per_axis", Parser(CTX, qsrc).parse_module(), {"x": xq},
      xq + np.array([[3 / 4, -4, 127 / 128]]))

# --------------------------------------------------------------------------- diagnostics

missing = [t.name for t in Quant.operations if t is not ConstantOp and KERNELS.lookup(t) is None]
print("kernels for every quant op:", "ok" if not missing else fail(f"FAIL missing {missing}"))

tt = TensorType(f32, [1, 2])
fn = FuncOp("main", ((tt,), (tt,)))
weird = TestOp([fn.body.block.args[0]], [tt], attributes={"node": StringAttr("weird_node")})
fn.body.block.add_ops([weird, ReturnOp(weird.results[0])])
try:
    QuantExecutor(ModuleOp([fn]))
    print(fail("unsupported FAIL: no error"))
except ExecutionError as err:
    print("unsupported:", err)
# CHECK: conv2d ok max_err=
# CHECK-NEXT: conv2d_stride_asym_pads ok
# CHECK-NEXT: conv2d_dilation ok
# CHECK-NEXT: conv2d_groups ok
# CHECK-NEXT: conv2d_depthwise_x2 ok
# CHECK-NEXT: conv2d_pointwise ok
# CHECK-NEXT: conv2d_pointwise_stride ok
# CHECK-NEXT: conv2d_weight_arg ok
# CHECK-NEXT: gemm ok
# CHECK-NEXT: gemm_alpha_beta_trans ok
# CHECK-NEXT: gemm_row_c ok
# CHECK-NEXT: gemm_no_c ok
# CHECK-NEXT: matmul_broadcast ok
# CHECK-NEXT: matmul_batch_dims ok
# CHECK-NEXT: matmul_vector ok
# CHECK-NEXT: matmul_matvec ok
# CHECK-NEXT: batch_norm ok
# CHECK-NEXT: relu ok
# CHECK-NEXT: clip ok
# CHECK-NEXT: clip_min_only ok
# CHECK-NEXT: leaky_relu ok
# CHECK-NEXT: sigmoid ok
# CHECK-NEXT: tanh ok
# CHECK-NEXT: hard_sigmoid ok
# CHECK-NEXT: hard_swish ok
# CHECK-NEXT: softmax_axis1 ok
# CHECK-NEXT: softmax_axis-1 ok
# CHECK-NEXT: softmax_axis0 ok
# CHECK-NEXT: add ok
# CHECK-NEXT: sub ok
# CHECK-NEXT: mul ok
# CHECK-NEXT: div ok
# CHECK-NEXT: add_two_args ok
# CHECK-NEXT: mul_const_lhs ok
# CHECK-NEXT: maxpool_0 ok
# CHECK-NEXT: avgpool_0 ok
# CHECK-NEXT: avgpool_include_pad_0 ok
# CHECK-NEXT: maxpool_1 ok
# CHECK-NEXT: avgpool_1 ok
# CHECK-NEXT: avgpool_include_pad_1 ok
# CHECK-NEXT: maxpool_2 ok
# CHECK-NEXT: avgpool_2 ok
# CHECK-NEXT: avgpool_include_pad_2 ok
# CHECK-NEXT: maxpool_3 ok
# CHECK-NEXT: avgpool_3 ok
# CHECK-NEXT: avgpool_include_pad_3 ok
# CHECK-NEXT: maxpool_dilated_0 ok
# CHECK-NEXT: maxpool_dilated_1 ok
# CHECK-NEXT: global_avgpool ok
# CHECK-NEXT: concat ok
# CHECK-NEXT: concat_const ok
# CHECK-NEXT: concat_axis0 ok
# CHECK-NEXT: reshape ok
# CHECK-NEXT: reshape_drop_batch ok
# CHECK-NEXT: flatten ok
# CHECK-NEXT: flatten_axis2 ok
# CHECK-NEXT: transpose ok
# CHECK-NEXT: transpose_batch ok
# CHECK-NEXT: pad ok
# CHECK-NEXT: relu_pot ok max_err=0.0e+00
# CHECK-NEXT: add_pot_saturate ok max_err=0.0e+00
# CHECK-NEXT: mul_pot_per_axis ok max_err=0.0e+00
# CHECK-NEXT: pot_constant_per_axis ok
# CHECK-NEXT: kernels for every quant op: ok
# CHECK-NEXT: unsupported: QuantExecutor has no kernel for test.op 'weird_node'
