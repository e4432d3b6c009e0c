"""The `quant` dialect: ONNX-level ops on float tensors, and power-of-two quantized types.

One op per ONNX concept. Every op carries the ONNX node name in its `node` attribute so
diagnostics and reports can name what the user knows. Float semantics are those of ONNX
(defined executably by `qcomp.executors.quant`). After `pot-scale`, tensors carry the
`!quant.pot` element type: `tensor<1x8x8x8x!quant.pot<i8, -5>>` holds values q * 2^-5 with
q an int8; per-axis types carry one exponent per slice of `axis`.

Example:
    %w = quant.constant dense<"0x..."> : tensor<8x1x3x3xf32> {node = "conv1.weight"}
    %y = quant.conv2d %x, %w {node = "conv1", pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
"""

from __future__ import annotations

from xdsl.ir import Dialect

from qcomp.dialects.node_op import broadcast_shapes
from qcomp.dialects.quant.base import (
    ConstantOp,
    FusedActivation,
    QuantOp,
    float_attr,
    float_constant,
    is_float_tensor,
    node_of,
    replacement_constant,
)
from qcomp.dialects.quant.compute import (
    AbsOp,
    AddOp,
    BatchNormOp,
    BinaryOp,
    CeluOp,
    ClipOp,
    Conv2dOp,
    DivOp,
    EluOp,
    GemmOp,
    HardSigmoidOp,
    HardSwishOp,
    LeakyReluOp,
    LrnOp,
    MatMulOp,
    MaxOp,
    MinOp,
    MishOp,
    MulOp,
    NegOp,
    PReluOp,
    ReluOp,
    SeluOp,
    SigmoidOp,
    SoftmaxOp,
    SoftplusOp,
    SoftsignOp,
    SubOp,
    TanhOp,
    ThresholdedReluOp,
    UnaryOp,
)
from qcomp.dialects.quant.movement import (
    AvgPoolOp,
    ConcatOp,
    FlattenOp,
    GlobalAvgPoolOp,
    MaxPoolOp,
    PadOp,
    PoolOp,
    ReshapeOp,
    SliceOp,
    TransposeOp,
)
from qcomp.dialects.quant.resample import (
    ResizeNearestOp,
    ResizeOp,
    ZeroInterleaveOp,
)
from qcomp.dialects.quant.types import (
    PotType,
    pot_of,
    shape_of,
)

Quant = Dialect(
    "quant",
    [
        ConstantOp, Conv2dOp, GemmOp, MatMulOp, BatchNormOp,
        ReluOp, ClipOp, LeakyReluOp, SigmoidOp, TanhOp, HardSigmoidOp, HardSwishOp, NegOp, AbsOp, EluOp,
        SeluOp, CeluOp, SoftplusOp, SoftsignOp, ThresholdedReluOp, MishOp, LrnOp, SoftmaxOp,
        PReluOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp,
        MaxPoolOp, AvgPoolOp, GlobalAvgPoolOp,
        ConcatOp, ReshapeOp, FlattenOp, TransposeOp, PadOp, SliceOp,
        ResizeNearestOp, ResizeOp, ZeroInterleaveOp,
    ],
    [PotType],
)

__all__ = [
    "PotType",
    "pot_of",
    "shape_of",
    "float_attr",
    "QuantOp",
    "FusedActivation",
    "broadcast_shapes",
    "ConstantOp",
    "is_float_tensor",
    "float_constant",
    "replacement_constant",
    "node_of",
    "Conv2dOp",
    "GemmOp",
    "MatMulOp",
    "BatchNormOp",
    "UnaryOp",
    "ReluOp",
    "ClipOp",
    "LeakyReluOp",
    "SigmoidOp",
    "TanhOp",
    "HardSigmoidOp",
    "HardSwishOp",
    "NegOp",
    "AbsOp",
    "EluOp",
    "SeluOp",
    "CeluOp",
    "SoftplusOp",
    "SoftsignOp",
    "ThresholdedReluOp",
    "MishOp",
    "LrnOp",
    "SoftmaxOp",
    "PReluOp",
    "BinaryOp",
    "AddOp",
    "SubOp",
    "MulOp",
    "DivOp",
    "MaxOp",
    "MinOp",
    "PoolOp",
    "MaxPoolOp",
    "AvgPoolOp",
    "GlobalAvgPoolOp",
    "ConcatOp",
    "ReshapeOp",
    "FlattenOp",
    "TransposeOp",
    "PadOp",
    "SliceOp",
    "ResizeNearestOp",
    "ResizeOp",
    "ZeroInterleaveOp",
    "Quant",
]
