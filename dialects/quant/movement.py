"""quant ops that pool or move data: maxpool, avgpool, global_avgpool, concat, reshape, flatten,
transpose, pad."""

from __future__ import annotations

from collections.abc import Sequence

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
    var_operand_def,
)

from qcomp.dialects.accumulators import WindowAccumulator
from qcomp.dialects.quant.base import (
    QuantOp,
    _node_kw,
    float_attr,
)
from qcomp.dialects.quant.canonicalization import DropsNoop
from qcomp.dialects.quant.types import (
    shape_of,
)
from qcomp.dialects.traits import RangeOfInputs, SharesInputScale
from qcomp.dialects.window import Windowed, int_list, ints

# --------------------------------------------------------------------------- pooling


class PoolOp(QuantOp, Windowed):
    """Sliding-window pooling over NCHW; `pads` = [top, left, bottom, right], `dilations` = [h, w]."""

    input = operand_def(TensorType)
    kernel = attr_def(DenseArrayBase)
    strides = opt_attr_def(DenseArrayBase)
    pads = opt_attr_def(DenseArrayBase)
    dilations = opt_attr_def(DenseArrayBase)
    ceil_mode = opt_attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, kernel: Sequence[int],
                 strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), ceil_mode: int = 0,
                 node: str | None = None, **extra: Attribute):
        attrs: dict[str, Attribute] = {**_node_kw(node), "kernel": ints(kernel), **extra}
        if tuple(strides) != (1, 1):
            attrs["strides"] = ints(strides)
        if tuple(pads) != (0, 0, 0, 0):
            attrs["pads"] = ints(pads)
        if tuple(dilations) != (1, 1):
            attrs["dilations"] = ints(dilations)
        if ceil_mode:
            attrs["ceil_mode"] = IntegerAttr(1, i64)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        xs = shape_of(self.input)
        try:
            oh, ow = self.pooled_hw(xs)
        except ValueError as e:
            raise self.error(str(e)) from None
        self.expect_shape((xs[0], xs[1], oh, ow))


@irdl_op_definition
class MaxPoolOp(PoolOp):
    """Max over each window; padding never wins (it is -inf). Only the values, never indices."""

    name = "quant.maxpool"
    traits = traits_def(SharesInputScale(), RangeOfInputs())


@irdl_op_definition
class AvgPoolOp(PoolOp):
    """Mean over each window's taps. With count_include_pad the divisor counts the taps that
    fall in the input or its explicit pads (ceil-mode overhang never counts), else only the
    taps in the input. Dilated windows are supported at this (float) level only."""

    name = "quant.avgpool"
    traits = traits_def(WindowAccumulator(), RangeOfInputs())
    count_include_pad = opt_attr_def(IntegerAttr[I64])

    @property
    def include_pad(self) -> bool:
        return self.count_include_pad is not None and self.count_include_pad.value.data != 0


@irdl_op_definition
class GlobalAvgPoolOp(QuantOp):
    """Mean over all spatial positions: NCHW -> NC11."""

    name = "quant.global_avgpool"
    traits = traits_def(WindowAccumulator(), RangeOfInputs())
    input = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type], attributes=_node_kw(node))

    def verify_(self) -> None:
        xs = shape_of(self.input)
        if len(xs) < 3:
            raise self.error("expects an input with spatial axes")
        self.expect_shape((xs[0], xs[1]) + (1,) * (len(xs) - 2))


# --------------------------------------------------------------------------- data movement


@irdl_op_definition
class ConcatOp(QuantOp):
    """Concatenation of the inputs along `axis`."""

    name = "quant.concat"
    traits = traits_def(DropsNoop("DropSingleConcat"), RangeOfInputs())
    inputs = var_operand_def(TensorType)
    axis = attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, inputs: Sequence[SSAValue], axis: int, result_type: Attribute, *,
                 node: str | None = None):
        super().__init__(operands=[list(inputs)], result_types=[result_type],
                         attributes={**_node_kw(node), "axis": IntegerAttr(axis, i64)})

    def verify_(self) -> None:
        shapes = [shape_of(v) for v in self.inputs]
        if not shapes:
            raise self.error("needs at least one input")
        rank = len(shapes[0])
        ax = self.axis.value.data
        if not 0 <= ax < rank:
            raise self.error(f"axis {ax} out of range for rank {rank} (normalise negative axes)")
        for s in shapes:
            if len(s) != rank or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != ax):
                raise self.error(f"input shapes {[list(x) for x in shapes]} differ off axis {ax}")
        out = list(shapes[0])
        out[ax] = sum(s[ax] for s in shapes)
        self.expect_shape(out)


@irdl_op_definition
class ReshapeOp(QuantOp):
    """Reshape to the (static) result shape; element order is unchanged."""

    name = "quant.reshape"
    traits = traits_def(DropsNoop("DropSameShape"), SharesInputScale(), RangeOfInputs())
    input = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type], attributes=_node_kw(node))

    def verify_(self) -> None:
        a, b = shape_of(self.input), shape_of(self.output)
        if int(np.prod(a)) != int(np.prod(b)):
            raise self.error(f"cannot reshape {list(a)} to {list(b)}")


@irdl_op_definition
class FlattenOp(QuantOp):
    """ONNX Flatten: [d0..d(axis-1)] and [d(axis)..] collapse into a 2-D result."""

    name = "quant.flatten"
    traits = traits_def(DropsNoop("DropSameShape"), SharesInputScale(), RangeOfInputs())
    input = operand_def(TensorType)
    axis = attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, axis: int, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**_node_kw(node), "axis": IntegerAttr(axis, i64)})

    def verify_(self) -> None:
        s = shape_of(self.input)
        ax = self.axis.value.data
        if not 0 <= ax <= len(s):
            raise self.error(f"axis {ax} out of range for rank {len(s)}")
        self.expect_shape((int(np.prod(s[:ax])), int(np.prod(s[ax:]))))


@irdl_op_definition
class TransposeOp(QuantOp):
    """Permute axes: result axis i is input axis perm[i]."""

    name = "quant.transpose"
    traits = traits_def(DropsNoop("DropIdentityTranspose"), SharesInputScale(), RangeOfInputs())
    input = operand_def(TensorType)
    perm = attr_def(DenseArrayBase)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, perm: Sequence[int], result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**_node_kw(node), "perm": ints(perm)})

    @property
    def permutation(self) -> list[int]:
        return int_list(self.perm)

    def verify_(self) -> None:
        s, p = shape_of(self.input), self.permutation
        if sorted(p) != list(range(len(s))):
            raise self.error(f"perm {p} is not a permutation of rank {len(s)}")
        self.expect_shape([s[i] for i in p])


@irdl_op_definition
class PadOp(QuantOp):
    """Constant padding: `pads` = [begin_0 .. begin_r-1, end_0 .. end_r-1] (ONNX order), filled with `value`."""

    name = "quant.pad"
    traits = traits_def(DropsNoop("DropZeroPad"), SharesInputScale())
    input = operand_def(TensorType)
    pads = attr_def(DenseArrayBase)
    value = opt_attr_def(FloatAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, pads: Sequence[int], result_type: Attribute, *, value: float = 0.0,
                 node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "pads": ints(pads)}
        if value != 0.0:
            attrs["value"] = float_attr(value)
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def pad_list(self) -> list[int]:
        return int_list(self.pads)

    @property
    def fill(self) -> float:
        return self.value.value.data if self.value is not None else 0.0

    def verify_(self) -> None:
        s, p = shape_of(self.input), self.pad_list
        r = len(s)
        if len(p) != 2 * r:
            raise self.error(f"needs {2 * r} pads for rank {r}, got {len(p)}")
        if min(p, default=0) < 0:
            raise self.error("negative pads (cropping) are not supported")
        self.expect_shape([s[i] + p[i] + p[i + r] for i in range(r)])
