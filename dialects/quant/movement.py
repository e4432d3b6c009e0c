"""quant ops that pool or move data: maxpool, avgpool, global_avgpool, concat, reshape, flatten,
transpose, pad, slice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    result_def,
    traits_def,
)

from qcomp.dialects.accumulators import WindowAccumulator
from qcomp.dialects.movement import ConcatBase, PadBase, ReshapeBase, SliceBase, TransposeBase
from qcomp.dialects.node_op import node_kw
from qcomp.dialects.quant.base import (
    QuantOp,
    float_attr,
)
from qcomp.dialects.quant.canonicalization import DropsNoop
from qcomp.dialects.quant.types import (
    shape_of,
)
from qcomp.dialects.traits import RangeOfInputs, SharesInputScale
from qcomp.dialects.window import GlobalPoolWindow, PoolWindow

# --------------------------------------------------------------------------- pooling


class PoolOp(QuantOp, PoolWindow):
    """Sliding-window pooling over NCHW (see PoolWindow); `pads` = [top, left, bottom, right],
    `dilations` = [h, w]."""

    dilations = opt_attr_def(DenseArrayBase)


@irdl_op_definition
class MaxPoolOp(PoolOp):
    """Max over each window; padding never wins (it is -inf). Only the values, never indices."""

    name = "quant.maxpool"
    ONNX_OP: ClassVar[str] = "MaxPool"
    traits = traits_def(SharesInputScale(), RangeOfInputs())


@irdl_op_definition
class AvgPoolOp(PoolOp):
    """Mean over each window's taps. With count_include_pad the divisor counts the taps that
    fall in the input or its explicit pads (ceil-mode overhang never counts), else only the
    taps in the input. Dilated windows are supported at this (float) level only."""

    name = "quant.avgpool"
    ONNX_OP: ClassVar[str] = "AveragePool"
    traits = traits_def(WindowAccumulator(), RangeOfInputs())
    count_include_pad = opt_attr_def(IntegerAttr[I64])

    @property
    def include_pad(self) -> bool:
        return self.count_include_pad is not None and self.count_include_pad.value.data != 0


@irdl_op_definition
class GlobalAvgPoolOp(QuantOp, GlobalPoolWindow):
    """Mean over all spatial positions: NCHW -> NC11."""

    name = "quant.global_avgpool"
    ONNX_OP: ClassVar[str] = "GlobalAveragePool"
    traits = traits_def(WindowAccumulator(), RangeOfInputs())


# --------------------------------------------------------------------------- data movement


@irdl_op_definition
class ConcatOp(QuantOp, ConcatBase):
    """Concatenation of the inputs along `axis`."""

    name = "quant.concat"
    ONNX_OP: ClassVar[str] = "Concat"
    traits = traits_def(DropsNoop("DropSingleConcat"), RangeOfInputs())

    def __init__(self, inputs: Sequence[SSAValue], axis: int, result_type: Attribute, *,
                 node: str | None = None):
        super().__init__(operands=[list(inputs)], result_types=[result_type],
                         attributes={**node_kw(node), "axis": IntegerAttr(axis, i64)})

    def verify_(self) -> None:
        self.verify_concat(" (normalise negative axes)")


@irdl_op_definition
class ReshapeOp(QuantOp, ReshapeBase):
    """Reshape to the (static) result shape; element order is unchanged."""

    name = "quant.reshape"
    ONNX_OP: ClassVar[str] = "Reshape"
    traits = traits_def(DropsNoop("DropSameShape"), SharesInputScale(), RangeOfInputs())


@irdl_op_definition
class FlattenOp(QuantOp):
    """ONNX Flatten: [d0..d(axis-1)] and [d(axis)..] collapse into a 2-D result."""

    name = "quant.flatten"
    ONNX_OP: ClassVar[str] = "Flatten"
    traits = traits_def(DropsNoop("DropSameShape"), SharesInputScale(), RangeOfInputs())
    input = operand_def(TensorType)
    axis = attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, axis: int, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), "axis": IntegerAttr(axis, i64)})

    def verify_(self) -> None:
        s = shape_of(self.input)
        ax = self.axis.value.data
        if not 0 <= ax <= len(s):
            raise self.error(f"axis {ax} out of range for rank {len(s)}")
        self.expect_shape((int(np.prod(s[:ax])), int(np.prod(s[ax:]))))


@irdl_op_definition
class TransposeOp(QuantOp, TransposeBase):
    """Permute axes: result axis i is input axis perm[i]."""

    name = "quant.transpose"
    ONNX_OP: ClassVar[str] = "Transpose"
    traits = traits_def(DropsNoop("DropIdentityTranspose"), SharesInputScale(), RangeOfInputs())


@irdl_op_definition
class PadOp(QuantOp, PadBase):
    """Constant padding: `pads` = [begin_0 .. begin_r-1, end_0 .. end_r-1] (ONNX order), filled with `value`."""

    name = "quant.pad"
    ONNX_OP: ClassVar[str] = "Pad"
    traits = traits_def(DropsNoop("DropZeroPad"), SharesInputScale())
    value = opt_attr_def(FloatAttr)

    def __init__(self, x: SSAValue, pads: Sequence[int], result_type: Attribute, *, value: float = 0.0,
                 node: str | None = None):
        super().__init__(x, pads, result_type, node=node, **({"value": float_attr(value)} if value != 0.0 else {}))

    @property
    def fill(self) -> float:
        return self.value.value.data if self.value is not None else 0.0


@irdl_op_definition
class SliceOp(QuantOp, SliceBase):
    """Strided slice (ONNX Slice with constant, positive steps; Split is one slice per output):
    see SliceBase. The result holds input values: it shares the input's exponent.
        %y = quant.slice %x {node = "slice", starts = array<i64: 0, 2, 0, 0>, ends = array<i64: 1, 6, 8, 8>,
               steps = array<i64: 1, 2, 1, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x2x8x8xf32>
    """

    name = "quant.slice"
    ONNX_OP: ClassVar[str] = "Slice"
    traits = traits_def(DropsNoop("DropFullSlice"), SharesInputScale(), RangeOfInputs())
