"""The `shift` dialect: integer-only tensor ops with exact, bit-level semantics.

This is the level the C code must match bit for bit: every op's docstring gives its exact
integer semantics, and `qcomp.executors.shift` implements them in numpy (the golden model).

Types. Operands and results are tensors whose element type is quant's power-of-two type
`!quant.pot<i8, e>` (value = q * 2^e; the storage integer q is what the op computes on, the
exponent documents the meaning and lets the verifiers check every shift amount), or a
plain integer type (`i8`, `i32`, `ui8`...) where no exponent applies; the exponent checks
are then skipped. Weights may be per output channel: `!quant.pot<i8:0, [-7, -8, ...]>`.

Conventions shared by every op:

* `rshift(x, s)`, the rounding shift: for s > 0, `(x + (1 << (s - 1))) >> s` with an
  arithmetic (flooring) shift, i.e. round half up of x / 2^s; for s <= 0, `x << -s`
  (exact). It equals `(x >> s) + ((x >> (s - 1)) & 1)` for s > 0, a form that cannot
  overflow. A shift amount always reads "from the source exponent to the destination
  exponent": `s = e_dst - e_src`.
* Ties: "round half up" here and in the op docs is the rule of a module whose `qcomp.target`
  says `rounding: half-up` (or has no target). Under `rounding: half-even` (int8_fpga) every
  rounding of every op (rshift, the rounded divisions) breaks ties to the even neighbour instead;
  the executors and the C read the rule from the module (`qcomp.target.rounding_of`).
* `clamp(x, lo, hi)` saturates; `lo, hi` (the `clamp` attribute, default the full range of
  the result's storage type) also carry a fused ReLU (lo = 0) or ReLU6 (hi = round(6 / 2^e)).
  Rounding commutes with clamping because both are monotone, so clamping the rounded
  integer equals rounding the clamped real value.
* The accumulator of conv/fc/add/pooling is an exact integer that must fit the target's
  accumulator (int32): the executor checks this and reports the op's ONNX node otherwise.
  Intermediate values are never wrapped.
* Every op carries the ONNX node name in `node`; the syntax is
  `shift.<op> operands {attributes} : (operand types) -> result type`.

Example:
    %w = shift.constant dense<[[[[1, -2], [3, 4]]]]> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!quant.pot<i8, -7>>
    %y = shift.conv2d %x, %w {node = "conv1", shift = array<i64: 9>, clamp = array<i64: 0, 127>}
        : (tensor<1x1x4x4x!quant.pot<i8, -5>>, tensor<1x1x2x2x!quant.pot<i8, -7>>) -> tensor<1x1x3x3x!quant.pot<i8, -3>>
"""

from __future__ import annotations

from xdsl.ir import Dialect

from qcomp.dialects.node_op import shape
from qcomp.dialects.shift.base import (
    ConstantOp,
    ShiftOp,
    int_range,
    pot_exps,
    storage_type,
)
from qcomp.dialects.shift.compute import (
    AddOp,
    ClampOp,
    Conv2dOp,
    FcOp,
    InterpOp,
    LrnOp,
    LutOp,
    MaxOp,
    MinOp,
    MulOp,
    PReluOp,
    RequantOp,
    SoftmaxOp,
)
from qcomp.dialects.shift.movement import (
    AvgPoolOp,
    ConcatOp,
    GlobalAvgPoolOp,
    MaxPoolOp,
    PadOp,
    ReshapeOp,
    SliceOp,
    TransposeOp,
)
from qcomp.dialects.shift.resample import (
    ResizeNearestOp,
    ResizeOp,
    ZeroInterleaveOp,
)

Shift = Dialect(
    "shift",
    [
        ConstantOp, Conv2dOp, FcOp, AddOp, MaxOp, MinOp, MulOp, PReluOp, RequantOp, ClampOp, LutOp, InterpOp, LrnOp, SoftmaxOp,
        MaxPoolOp, AvgPoolOp, GlobalAvgPoolOp, ConcatOp, ReshapeOp, TransposeOp, PadOp, SliceOp,
        ResizeNearestOp, ResizeOp, ZeroInterleaveOp,
    ],
    [],
)

__all__ = [
    "storage_type",
    "int_range",
    "pot_exps",
    "shape",
    "ShiftOp",
    "ConstantOp",
    "Conv2dOp",
    "FcOp",
    "AddOp",
    "MaxOp",
    "MinOp",
    "PReluOp",
    "MulOp",
    "RequantOp",
    "ClampOp",
    "InterpOp",
    "LrnOp",
    "LutOp",
    "SoftmaxOp",
    "MaxPoolOp",
    "AvgPoolOp",
    "GlobalAvgPoolOp",
    "ConcatOp",
    "ReshapeOp",
    "TransposeOp",
    "PadOp",
    "SliceOp",
    "ResizeNearestOp",
    "ResizeOp",
    "ZeroInterleaveOp",
    "Shift",
]
