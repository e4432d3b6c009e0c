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

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    attr_def,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from qcomp.dialects.constants import dense_from_numpy, dense_to_numpy, parse_constant, print_constant
from qcomp.dialects.window import Windowed, int_list, ints

# --------------------------------------------------------------------------- types


@irdl_attr_definition
class PotType(ParametrizedAttribute, TypeAttribute):
    """Power-of-two quantized element: value = q * 2^exp, q stored in `storage`.

    Per tensor: `!quant.pot<i8, -5>`. Per axis (one exponent per slice along `axis`):
    `!quant.pot<i8:0, [-7, -6, -8]>`. Storage is a signless (signed) or unsigned integer.
    """

    name = "quant.pot"
    storage: IntegerType
    exponents: ArrayAttr[IntAttr]
    axis: IntAttr  # -1: per tensor

    def __init__(self, storage: IntegerType, exponents: int | Sequence[int], axis: int = -1):
        exps = [exponents] if isinstance(exponents, int) else list(exponents)
        super().__init__(storage, ArrayAttr([IntAttr(int(e)) for e in exps]), IntAttr(axis))

    @property
    def per_axis(self) -> bool:
        return self.axis.data >= 0

    @property
    def exps(self) -> list[int]:
        return [e.data for e in self.exponents.data]

    @property
    def exp(self) -> int:
        """The single exponent of a per-tensor type."""
        if self.per_axis:
            raise ValueError(f"{self} is per-axis: it has no single exponent")
        return self.exponents.data[0].data

    @property
    def bits(self) -> int:
        return self.storage.width.data

    @property
    def unsigned(self) -> bool:
        return self.storage.signedness.data == Signedness.UNSIGNED

    @property
    def qmin(self) -> int:
        return 0 if self.unsigned else -(1 << (self.bits - 1))

    @property
    def qmax(self) -> int:
        return (1 << self.bits) - 1 if self.unsigned else (1 << (self.bits - 1)) - 1

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            storage = parser.parse_type()
            if not isinstance(storage, IntegerType):
                parser.raise_error("quant.pot storage must be an integer type")
            axis = -1
            if parser.parse_optional_punctuation(":") is not None:
                axis = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            if axis >= 0:
                exps = parser.parse_comma_separated_list(
                    parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
                )
            else:
                exps = [parser.parse_integer(allow_boolean=False)]
        return (storage, ArrayAttr([IntAttr(e) for e in exps]), IntAttr(axis))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.storage)
            if self.per_axis:
                printer.print_string(f":{self.axis.data}, [{', '.join(map(str, self.exps))}]")
            else:
                printer.print_string(f", {self.exps[0]}")

    def verify(self) -> None:
        if not self.exponents.data:
            raise VerifyException("quant.pot needs at least one exponent")
        if not self.per_axis and len(self.exponents.data) != 1:
            raise VerifyException("a per-tensor quant.pot has exactly one exponent")
        if not 2 <= self.storage.width.data <= 32:
            raise VerifyException("quant.pot storage must be 2 to 32 bits wide")


def pot_of(t: Attribute) -> PotType | None:
    """The PoT element type of a tensor type, or None for float tensors."""
    if isinstance(t, TensorType) and isinstance(t.element_type, PotType):
        return t.element_type
    return None


def shape_of(value: SSAValue | Attribute) -> tuple[int, ...]:
    t = value.type if isinstance(value, SSAValue) else value
    if not isinstance(t, TensorType):
        raise VerifyException(f"expected a tensor, got {t}")
    return tuple(t.get_shape())


# --------------------------------------------------------------------------- helpers

def float_attr(v: float) -> FloatAttr:
    return FloatAttr(float(v), f32)


class QuantOp(IRDLOperation):
    """Base of quant ops: a `node` name and the generic `operands : functional-type` syntax."""

    node = opt_attr_def(StringAttr)
    traits = traits_def(Pure())
    assembly_format = "operands attr-dict `:` functional-type(operands, results)"

    @property
    def node_name(self) -> str:
        return self.node.data if self.node is not None else "<unnamed>"

    def error(self, msg: str) -> VerifyException:
        return VerifyException(f"{self.name} '{self.node_name}': {msg}")

    def expect_shape(self, want: Sequence[int], result: SSAValue | None = None) -> None:
        res = result if result is not None else self.results[0]
        got = shape_of(res)
        if tuple(want) != got:
            raise self.error(f"result shape {list(got)} does not match the inferred shape {list(want)}")

    def set_node(self, name: str | None) -> None:
        if name:
            self.attributes["node"] = StringAttr(name)


class FusedActivation:
    """Ops that can carry a fused activation clamp: `act_min` / `act_max` (absent = unbounded).

    The `fuse` pass folds a following ReLU (act_min = 0), ReLU6 / Clip into the producer,
    so that requantization and clamping happen in the kernel that produces the value.
    """

    @property
    def act_bounds(self) -> tuple[float, float]:
        attrs = self.attributes  # type: ignore[attr-defined]
        lo, hi = attrs.get("act_min"), attrs.get("act_max")
        return (lo.value.data if lo is not None else -float("inf"),
                hi.value.data if hi is not None else float("inf"))

    @property
    def has_activation(self) -> bool:
        return "act_min" in self.attributes or "act_max" in self.attributes  # type: ignore[attr-defined]

    def set_activation(self, lo: float, hi: float) -> None:
        attrs = self.attributes  # type: ignore[attr-defined]
        for key, v in (("act_min", lo), ("act_max", hi)):
            if np.isfinite(v):
                attrs[key] = float_attr(v)
            else:
                attrs.pop(key, None)


def _node_kw(node: str | None) -> dict[str, Attribute]:
    return {"node": StringAttr(node)} if node else {}


def broadcast_shapes(node: QuantOp, *shapes: Sequence[int]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise node.error(f"operand shapes {[list(s) for s in shapes]} do not broadcast") from None


# --------------------------------------------------------------------------- constants


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor (weights, biases, shapes).

    `value` holds the data bytes-backed. The result type equals the value's type, except
    for quantized constants whose result is `tensor<...x!quant.pot<...>>` and whose value
    holds the integers q in the pot type's storage type.
        %w = quant.constant dense<[1.0, 2.0]> : tensor<2xf32> {node = "fc.bias"}
        %q = quant.constant dense<[3, -4]> : tensor<2xi8> -> tensor<2x!quant.pot<i8, -5>>
    Large payloads print as a hex blob; with elision on they print `dense<elided N elements>`,
    which cannot be parsed back.
    """

    name = "quant.constant"
    value = attr_def(DenseIntOrFPElementsAttr)
    node = opt_attr_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr, result_type: Attribute | None = None,
                 node: str | None = None):
        attrs: dict[str, Attribute] = {"value": value, **_node_kw(node)}
        super().__init__(result_types=[result_type or value.type], attributes=attrs)

    @property
    def node_name(self) -> str:
        return self.node.data if self.node is not None else "<unnamed>"

    def numpy(self) -> np.ndarray:
        return dense_to_numpy(self.value)

    def verify_(self) -> None:
        vt, rt = self.value.type, self.output.type
        assert isinstance(rt, TensorType)
        if vt.get_shape() != rt.get_shape():
            raise VerifyException(f"quant.constant '{self.node_name}': value shape differs from result shape")
        pot = pot_of(rt)
        if pot is None and vt.element_type != rt.element_type:
            raise VerifyException(f"quant.constant '{self.node_name}': value type {vt} differs from result type {rt}")
        if pot is not None and vt.element_type.width != pot.storage.width:  # type: ignore[attr-defined]
            raise VerifyException(f"quant.constant '{self.node_name}': value must be stored as {pot.storage}")

    def print(self, printer: Printer) -> None:
        print_constant(self, self.value, printer)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        value, rtype, attrs = parse_constant(parser, "quant.constant")
        op = cls(value, rtype)
        op.attributes.update(attrs)
        return op


# --------------------------------------------------------------------------- compute ops


@irdl_op_definition
class Conv2dOp(QuantOp, FusedActivation, Windowed):
    """2-D convolution, ONNX Conv: NCHW input, OIHW weight (I = C / group), optional bias.

    `pads` = [top, left, bottom, right]; `strides`, `dilations` = [h, w]; `group` divides C and O.
    y[n,o,y,x] = b[o] + sum_{c,ky,kx} in_pad[n, g*C/G + c, y*sh + ky*dh, x*sw + kx*dw] * w[o,c,ky,kx]
    then the fused activation clamp [act_min, act_max], if any (see FusedActivation).
    """

    name = "quant.conv2d"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    strides = opt_attr_def(DenseArrayBase)
    pads = opt_attr_def(DenseArrayBase)
    dilations = opt_attr_def(DenseArrayBase)
    group = opt_attr_def(IntegerAttr[I64])
    act_min = opt_attr_def(FloatAttr)
    act_max = opt_attr_def(FloatAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, w: SSAValue, b: SSAValue | None, result_type: Attribute, *,
                 strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), group: int = 1,
                 node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node)}
        if tuple(strides) != (1, 1):
            attrs["strides"] = ints(strides)
        if tuple(pads) != (0, 0, 0, 0):
            attrs["pads"] = ints(pads)
        if tuple(dilations) != (1, 1):
            attrs["dilations"] = ints(dilations)
        if group != 1:
            attrs["group"] = IntegerAttr(group, i64)
        super().__init__(operands=[x, w, b], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        try:
            out = self.convolved_shape(shape_of(self.input), shape_of(self.weight),
                                       shape_of(self.bias) if self.bias is not None else None)
        except ValueError as e:
            raise self.error(str(e)) from None
        self.expect_shape(out)


@irdl_op_definition
class GemmOp(QuantOp, FusedActivation):
    """ONNX Gemm: y = alpha * A' @ B' + beta * C, A' = A^T if trans_a, B' = B^T if trans_b.

    A and B are 2-D; C (optional) broadcasts to the [M, N] result. Then the fused activation
    clamp [act_min, act_max], if any.
    """

    name = "quant.gemm"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    c = opt_operand_def(TensorType)
    alpha = opt_attr_def(FloatAttr)
    beta = opt_attr_def(FloatAttr)
    trans_a = opt_attr_def(IntegerAttr[I64])
    trans_b = opt_attr_def(IntegerAttr[I64])
    act_min = opt_attr_def(FloatAttr)
    act_max = opt_attr_def(FloatAttr)
    output = result_def(TensorType)

    def __init__(self, a: SSAValue, b: SSAValue, c: SSAValue | None, result_type: Attribute, *,
                 alpha: float = 1.0, beta: float = 1.0, trans_a: int = 0, trans_b: int = 0,
                 node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node)}
        if alpha != 1.0:
            attrs["alpha"] = float_attr(alpha)
        if beta != 1.0:
            attrs["beta"] = float_attr(beta)
        if trans_a:
            attrs["trans_a"] = IntegerAttr(1, i64)
        if trans_b:
            attrs["trans_b"] = IntegerAttr(1, i64)
        super().__init__(operands=[a, b, c], result_types=[result_type], attributes=attrs)

    @property
    def alpha_value(self) -> float:
        return self.alpha.value.data if self.alpha is not None else 1.0

    @property
    def beta_value(self) -> float:
        return self.beta.value.data if self.beta is not None else 1.0

    @property
    def ta(self) -> bool:
        return self.trans_a is not None and self.trans_a.value.data != 0

    @property
    def tb(self) -> bool:
        return self.trans_b is not None and self.trans_b.value.data != 0

    def verify_(self) -> None:
        a, b = shape_of(self.a), shape_of(self.b)
        if len(a) != 2 or len(b) != 2:
            raise self.error(f"expects 2-D A and B, got {list(a)} and {list(b)}")
        m, k = (a[1], a[0]) if self.ta else a
        k2, n = (b[1], b[0]) if self.tb else b
        if k != k2:
            raise self.error(f"inner dimensions differ: {k} vs {k2}")
        if self.c is not None:
            c = shape_of(self.c)
            if broadcast_shapes(self, c, (m, n)) != (m, n):
                raise self.error(f"C of shape {list(c)} does not broadcast to [{m}, {n}]")
        self.expect_shape((m, n))


@irdl_op_definition
class MatMulOp(QuantOp, FusedActivation):
    """ONNX MatMul: numpy matmul semantics (batched, broadcasting leading dimensions), then the
    fused activation clamp [act_min, act_max], if any."""

    name = "quant.matmul"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    act_min = opt_attr_def(FloatAttr)
    act_max = opt_attr_def(FloatAttr)
    output = result_def(TensorType)

    def __init__(self, a: SSAValue, b: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[a, b], result_types=[result_type], attributes=_node_kw(node))

    def verify_(self) -> None:
        a, b = list(shape_of(self.a)), list(shape_of(self.b))
        if not a or not b:
            raise self.error("matmul operands must have rank >= 1")
        a1 = [1] + a if len(a) == 1 else a
        b1 = b + [1] if len(b) == 1 else b
        if a1[-1] != b1[-2]:
            raise self.error(f"inner dimensions differ: {a1[-1]} vs {b1[-2]}")
        lead = broadcast_shapes(self, a1[:-2], b1[:-2])
        out = [*lead, a1[-2], b1[-1]]
        if len(a) == 1:
            out.pop(-2)
        if len(b) == 1:
            out.pop(-1)
        self.expect_shape(out)


@irdl_op_definition
class BatchNormOp(QuantOp):
    """ONNX BatchNormalization (inference): y = scale * (x - mean) / sqrt(var + eps) + bias, per channel (axis 1)."""

    name = "quant.batch_norm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    mean = operand_def(TensorType)
    var = operand_def(TensorType)
    epsilon = opt_attr_def(FloatAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, scale: SSAValue, bias: SSAValue, mean: SSAValue, var: SSAValue,
                 result_type: Attribute, *, epsilon: float = 1e-5, node: str | None = None):
        attrs: dict[str, Attribute] = {**_node_kw(node), "epsilon": float_attr(epsilon)}
        super().__init__(operands=[x, scale, bias, mean, var], result_types=[result_type], attributes=attrs)

    @property
    def eps(self) -> float:
        return self.epsilon.value.data if self.epsilon is not None else 1e-5

    def verify_(self) -> None:
        xs = shape_of(self.input)
        if len(xs) < 2:
            raise self.error("input must have a channel axis")
        for v in (self.scale, self.bias, self.mean, self.var):
            if shape_of(v) != (xs[1],):
                raise self.error(f"parameter shape {list(shape_of(v))} is not [{xs[1]}]")
        self.expect_shape(xs)


# --------------------------------------------------------------------------- elementwise


class UnaryOp(QuantOp):
    """Elementwise op on one tensor; result shape equals the input's."""

    input = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute | None = None, *, node: str | None = None,
                 **attrs: Attribute):
        super().__init__(operands=[x], result_types=[result_type or x.type],
                         attributes={**_node_kw(node), **attrs})

    def verify_(self) -> None:
        self.expect_shape(shape_of(self.input))


@irdl_op_definition
class ReluOp(UnaryOp):
    """y = max(x, 0)."""

    name = "quant.relu"


@irdl_op_definition
class ClipOp(UnaryOp):
    """y = min(max(x, min), max); an absent bound is unbounded. Clip(0, 6) is ReLU6."""

    name = "quant.clip"
    min = opt_attr_def(FloatAttr)
    max = opt_attr_def(FloatAttr)

    @property
    def lo(self) -> float:
        return self.min.value.data if self.min is not None else -float("inf")

    @property
    def hi(self) -> float:
        return self.max.value.data if self.max is not None else float("inf")

    def verify_(self) -> None:
        super().verify_()
        if self.lo > self.hi:
            raise self.error(f"min {self.lo} is above max {self.hi}")


@irdl_op_definition
class LeakyReluOp(UnaryOp):
    """y = x if x >= 0 else alpha * x."""

    name = "quant.leaky_relu"
    alpha = attr_def(FloatAttr)


@irdl_op_definition
class SigmoidOp(UnaryOp):
    """y = 1 / (1 + exp(-x))."""

    name = "quant.sigmoid"


@irdl_op_definition
class TanhOp(UnaryOp):
    """y = tanh(x)."""

    name = "quant.tanh"


@irdl_op_definition
class HardSigmoidOp(UnaryOp):
    """y = max(0, min(1, alpha * x + beta)) (ONNX defaults alpha 0.2, beta 0.5)."""

    name = "quant.hard_sigmoid"
    alpha = attr_def(FloatAttr)
    beta = attr_def(FloatAttr)


@irdl_op_definition
class HardSwishOp(UnaryOp):
    """y = x * max(0, min(1, x / 6 + 1 / 2))."""

    name = "quant.hard_swish"


@irdl_op_definition
class SoftmaxOp(UnaryOp):
    """y = exp(x - max) / sum(exp(x - max)) along `axis` (opset >= 13 semantics: one axis)."""

    name = "quant.softmax"
    axis = attr_def(IntegerAttr[I64])

    def verify_(self) -> None:
        super().verify_()
        rank = len(shape_of(self.input))
        if not -rank <= self.axis.value.data < rank:
            raise self.error(f"axis {self.axis.value.data} out of range for rank {rank}")


class BinaryOp(QuantOp):
    """Elementwise op on two tensors with numpy/ONNX broadcasting."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[lhs, rhs], result_types=[result_type], attributes=_node_kw(node))

    def verify_(self) -> None:
        self.expect_shape(broadcast_shapes(self, shape_of(self.lhs), shape_of(self.rhs)))


@irdl_op_definition
class AddOp(BinaryOp, FusedActivation):
    """y = lhs + rhs, then the fused activation clamp [act_min, act_max] if any."""

    name = "quant.add"
    act_min = opt_attr_def(FloatAttr)
    act_max = opt_attr_def(FloatAttr)


@irdl_op_definition
class SubOp(BinaryOp):
    """y = lhs - rhs."""

    name = "quant.sub"


@irdl_op_definition
class MulOp(BinaryOp):
    """y = lhs * rhs."""

    name = "quant.mul"


@irdl_op_definition
class DivOp(BinaryOp):
    """y = lhs / rhs (float division)."""

    name = "quant.div"


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


@irdl_op_definition
class AvgPoolOp(PoolOp):
    """Mean over each window's taps. With count_include_pad the divisor counts the taps that
    fall in the input or its explicit pads (ceil-mode overhang never counts), else only the
    taps in the input. Dilated windows are supported at this (float) level only."""

    name = "quant.avgpool"
    count_include_pad = opt_attr_def(IntegerAttr[I64])

    @property
    def include_pad(self) -> bool:
        return self.count_include_pad is not None and self.count_include_pad.value.data != 0


@irdl_op_definition
class GlobalAvgPoolOp(QuantOp):
    """Mean over all spatial positions: NCHW -> NC11."""

    name = "quant.global_avgpool"
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


Quant = Dialect(
    "quant",
    [
        ConstantOp, Conv2dOp, GemmOp, MatMulOp, BatchNormOp,
        ReluOp, ClipOp, LeakyReluOp, SigmoidOp, TanhOp, HardSigmoidOp, HardSwishOp, SoftmaxOp,
        AddOp, SubOp, MulOp, DivOp,
        MaxPoolOp, AvgPoolOp, GlobalAvgPoolOp,
        ConcatOp, ReshapeOp, FlattenOp, TransposeOp, PadOp,
    ],
    [PotType],
)


def is_float_tensor(t: Attribute) -> bool:
    """A tensor of f32/f64 elements (not PoT-quantized)."""
    return isinstance(t, TensorType) and isinstance(t.element_type, Float32Type | Float64Type)


def float_constant(value: SSAValue | None) -> np.ndarray | None:
    """The data of the float (not PoT-quantized) `quant.constant` producing `value`, else None."""
    if value is None or not isinstance(op := value.owner, ConstantOp):
        return None
    if not is_float_tensor(op.output.type) or op.output.type != op.value.type:
        return None
    return op.numpy()


def replacement_constant(array: np.ndarray, like: SSAValue | None, dtype: np.dtype, node: str) -> ConstantOp:
    """A constant holding `array` in `dtype`, named after the constant it replaces (or `node`)."""
    if like is not None and isinstance(like.owner, ConstantOp) and like.owner.node is not None:
        node = like.owner.node.data
    op = ConstantOp(dense_from_numpy(np.asarray(array, dtype=dtype)), node=node)
    if like is not None:
        op.output.name_hint = like.name_hint
    return op


def node_of(op: Operation) -> str:
    """The ONNX node name carried by `op`, or its op name when it has none."""
    node = op.attributes.get("node")
    return node.data if isinstance(node, StringAttr) else op.name
