# RUN: %python %s | filecheck %s
"""The resampling ops at the quant level (fake quantization) and their shift lowering agree
integer for integer where the integer form is exact.

Nearest resize (a gather on the input's grid, also across exponents with a requant), linear
resize with dyadic weights (scale-2 half_pixel: 1/4, 3/4 at F = 2 fraction bits; antialiased
halving: 1/8, 3/8) and ConvTranspose's zero insertion + conv (the importer's form) must be
exact on every node; linear / cubic with non-dyadic weights (align_corners thirds, cubic) are
counted, and may differ by one step where the float value lands within the 11-bit weights'
error of a tie.
"""

import numpy as np
from xdsl.parser import Parser

from qcomp.context import make_context
from qcomp.dialects.constants import dense_from_numpy, format_dense
from qcomp.executors.agreement import check_agreement
from qcomp.testing import verdict

RNG = np.random.default_rng(13)
W = RNG.integers(-128, 128, (3, 2, 3, 3)).astype(np.int8)
X = "tensor<1x2x5x6x!quant.pot<i8, -6>>"
EXACT = f"""func.func @main(%x: {X}) -> (tensor<1x2x10x12x!quant.pot<i8, -6>>, tensor<1x2x8x9x!quant.pot<i8, -5>>,
    tensor<1x2x10x12x!quant.pot<i8, -7>>, tensor<1x2x2x3x!quant.pot<i8, -6>>, tensor<1x3x9x11x!quant.pot<i8, -3>>) {{
  %w = quant.constant {format_dense(dense_from_numpy(W))} : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!quant.pot<i8, -7>> {{node = "w"}}
  %n = quant.resize_nearest %x {{node = "nearest", scales = array<f32: 2.0, 2.0>, coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"}} : ({X}) -> tensor<1x2x10x12x!quant.pot<i8, -6>>
  %m = quant.resize_nearest %x {{node = "nearest_rq", scales = array<f32: 1.6, 1.5>, nearest_mode = "round_prefer_ceil"}} : ({X}) -> tensor<1x2x8x9x!quant.pot<i8, -5>>
  %l = quant.resize %x {{node = "linear", mode = "linear", scales = array<f32: 2.0, 2.0>}} : ({X}) -> tensor<1x2x10x12x!quant.pot<i8, -7>>
  %a = quant.resize %x {{node = "antialias", mode = "linear", scales = array<f32: 0.5, 0.5>, antialias = 1 : i64}} : ({X}) -> tensor<1x2x2x3x!quant.pot<i8, -6>>
  %z = quant.zero_interleave %x {{node = "deconv", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, -1, -1>}} : ({X}) -> tensor<1x2x8x10x!quant.pot<i8, -6>>
  %c = quant.conv2d %z, %w {{node = "deconv", pads = array<i64: 2, 1, 1, 2>}} : (tensor<1x2x8x10x!quant.pot<i8, -6>>, tensor<3x2x3x3x!quant.pot<i8, -7>>) -> tensor<1x3x9x11x!quant.pot<i8, -3>>
  func.return %n, %m, %l, %a, %c : tensor<1x2x10x12x!quant.pot<i8, -6>>, tensor<1x2x8x9x!quant.pot<i8, -5>>, tensor<1x2x10x12x!quant.pot<i8, -7>>, tensor<1x2x2x3x!quant.pot<i8, -6>>, tensor<1x3x9x11x!quant.pot<i8, -3>>
}}"""
module = Parser(make_context(), EXACT).parse_module()
module.verify()
x = RNG.integers(-128, 128, (200, 2, 5, 6)).astype(np.int8)
report = check_agreement(module, [x], per_node=True)
for name, a in report.nodes.items():
    print(f"node {name}: {'exact' if a.exact else f'DIFFER {a.equal}/{a.total} max {a.max_abs_diff}'}")
print("lowered to", ", ".join(sorted({op.name for op in report.shift_module.walk() if op.name.startswith("shift.")})))
# CHECK: node nearest: exact
# CHECK: node nearest_rq: exact
# CHECK: node linear: exact
# CHECK: node antialias: exact
# CHECK: node deconv: exact
# CHECK: lowered to shift.constant, shift.conv2d, shift.requant, shift.resize, shift.resize_nearest, shift.zero_interleave

APPROX = f"""func.func @main(%x: {X}) -> (tensor<1x2x7x8x!quant.pot<i8, -6>>, tensor<1x2x8x9x!quant.pot<i8, -5>>) {{
  %l = quant.resize %x {{node = "align_corners", mode = "linear", scales = array<f32: 1.4, 1.33333337>, coordinate_transformation_mode = "align_corners"}} : ({X}) -> tensor<1x2x7x8x!quant.pot<i8, -6>>
  %c = quant.resize %x {{node = "cubic", mode = "cubic", scales = array<f32: 1.6, 1.5>}} : ({X}) -> tensor<1x2x8x9x!quant.pot<i8, -5>>
  func.return %l, %c : tensor<1x2x7x8x!quant.pot<i8, -6>>, tensor<1x2x8x9x!quant.pot<i8, -5>>
}}"""
approx = Parser(make_context(), APPROX).parse_module()
approx.verify()
for name, a in zip(("align_corners", "cubic"), check_agreement(approx, [x]).outputs):
    print(f"{name}: {a.equal}/{a.total} max_abs_diff={a.max_abs_diff} {verdict(a.max_abs_diff <= 1, name)}")
# CHECK: align_corners: {{[0-9]+}}/22400 max_abs_diff={{[01]}} ok
# CHECK: cubic: {{[0-9]+}}/28800 max_abs_diff={{[01]}} ok
