"""quant ops that compute: conv2d, gemm, matmul, batch_norm and the elementwise ops (prelu, max, min...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    TensorType,
    f64,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    result_def,
    traits_def,
)

from qcomp.dialects.accumulators import (
    AlignedCompareAccumulator,
    AlignedSumAccumulator,
    ProductAccumulator,
    QuantConvAccumulator,
    QuantMatMulAccumulator,
    SlopeProductAccumulator,
)
from qcomp.dialects.node_op import attr_value, broadcast_shapes, node_kw
from qcomp.dialects.quant.base import (
    FusedActivation,
    QuantOp,
    float_attr,
    float_constant,
)
from qcomp.dialects.quant.canonicalization import DropsNoop
from qcomp.dialects.quant.types import (
    shape_of,
)
from qcomp.dialects.traits import ElementwiseFunction, SharesInputScale
from qcomp.dialects.window import ConvWindow, window_attrs
from qcomp.numerics import functions as fn

# --------------------------------------------------------------------------- compute ops


@irdl_op_definition
class Conv2dOp(QuantOp, FusedActivation, ConvWindow):
    """2-D convolution, ONNX Conv: NCHW input, OIHW weight (I = C / group), optional bias.

    `pads` = [top, left, bottom, right]; `strides`, `dilations` = [h, w]; `group` divides C and O.
    y[n,o,y,x] = b[o] + sum_{c,ky,kx} in_pad[n, g*C/G + c, y*sh + ky*dh, x*sw + kx*dw] * w[o,c,ky,kx]
    then the fused activation clamp [act_min, act_max], if any (see FusedActivation).
    """

    name = "quant.conv2d"
    ONNX_OP: ClassVar[str] = "Conv"
    traits = traits_def(QuantConvAccumulator())
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, w: SSAValue, b: SSAValue | None, result_type: Attribute, *,
                 strides: Sequence[int] | None = None, pads: Sequence[int] | None = None,
                 dilations: Sequence[int] | None = None, group: int = 1, node: str | None = None):
        attrs = {**node_kw(node), **window_attrs(strides=strides, pads=pads, dilations=dilations, group=group)}
        super().__init__(operands=[x, w, b], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        self.verify_convolved()

    def is_identity(self) -> bool:
        """y = x: a 1x1, stride-1, unpadded, ungrouped conv with an identity float weight, a zero (or
        no) bias and no fused activation (what a target that pools only after a conv gets inserted;
        `equalize-layers` and `correct-bias` see through it, it has no weights of its own to tune)."""
        w = float_constant(self.weight)
        if w is None or self.stride_hw != [1, 1] or any(self.pad_tlbr) or self.dilation_hw != [1, 1]:
            return False
        if self.groups != 1 or self.has_activation or w.shape[2:] != (1, 1) or w.shape[0] != w.shape[1]:
            return False
        if not np.array_equal(w[:, :, 0, 0], np.eye(w.shape[0], dtype=w.dtype)):
            return False
        b = float_constant(self.bias) if self.bias is not None else np.zeros(1)
        return b is not None and not np.any(b != 0)


@irdl_op_definition
class GemmOp(QuantOp, FusedActivation):
    """ONNX Gemm: y = alpha * A' @ B' + beta * C, A' = A^T if trans_a, B' = B^T if trans_b.

    A and B are 2-D; C (optional) broadcasts to the [M, N] result. Then the fused activation
    clamp [act_min, act_max], if any.
    """

    name = "quant.gemm"
    ONNX_OP: ClassVar[str] = "Gemm"
    traits = traits_def(QuantMatMulAccumulator())
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    c = opt_operand_def(TensorType)
    alpha = opt_attr_def(FloatAttr)
    beta = opt_attr_def(FloatAttr)
    trans_a = opt_attr_def(IntegerAttr[I64])
    trans_b = opt_attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, a: SSAValue, b: SSAValue, c: SSAValue | None, result_type: Attribute, *,
                 alpha: float = 1.0, beta: float = 1.0, trans_a: int = 0, trans_b: int = 0,
                 node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node)}
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
    ONNX_OP: ClassVar[str] = "MatMul"
    traits = traits_def(QuantMatMulAccumulator())
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, a: SSAValue, b: SSAValue, result_type: Attribute, *, node: str | None = None):
        super().__init__(operands=[a, b], result_types=[result_type], attributes=node_kw(node))

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


@dataclass(frozen=True)
class BatchNormAffine:
    """A BatchNorm as an affine map y = k x + s, and the per-channel mean (beta) and standard
    deviation (|scale|) of y it was trained to produce."""

    k: np.ndarray
    s: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    def stats_attr(self) -> ArrayAttr:
        """`bn_stats = [array<f64: mean...>, array<f64: std...>]`, the annotation data-free
        calibration reads on the op that now computes y."""
        return ArrayAttr([DenseArrayBase.from_list(f64, [float(v) for v in self.mean]),
                          DenseArrayBase.from_list(f64, [float(v) for v in self.std])])


@irdl_op_definition
class BatchNormOp(QuantOp):
    """ONNX BatchNormalization (inference): y = scale * (x - mean) / sqrt(var + eps) + bias, per channel (axis 1)."""

    name = "quant.batch_norm"
    ONNX_OP: ClassVar[str] = "BatchNormalization"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    mean = operand_def(TensorType)
    var = operand_def(TensorType)
    epsilon = opt_attr_def(FloatAttr)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, scale: SSAValue, bias: SSAValue, mean: SSAValue, var: SSAValue,
                 result_type: Attribute, *, epsilon: float = 1e-5, node: str | None = None):
        attrs: dict[str, Attribute] = {**node_kw(node), "epsilon": float_attr(epsilon)}
        super().__init__(operands=[x, scale, bias, mean, var], result_types=[result_type], attributes=attrs)

    @property
    def eps(self) -> float:
        return self.epsilon.value.data if self.epsilon is not None else 1e-5

    def affine(self) -> BatchNormAffine | None:
        """y = k * x + s per channel, in float64, when all four parameters are float constants
        and finite (var + eps <= 0 gives NaN/inf, as ONNX does: then None)."""
        params = [float_constant(v) for v in (self.scale, self.bias, self.mean, self.var)]
        if any(p is None for p in params):
            return None
        scale, beta, mean, var = (np.asarray(p, np.float64) for p in params)  # type: ignore[arg-type]
        with np.errstate(all="ignore"):
            k = scale / np.sqrt(var + self.eps)
            s = beta - mean * k
        if not (np.all(np.isfinite(k)) and np.all(np.isfinite(s))):
            return None
        return BatchNormAffine(k, s, beta, np.abs(scale))


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
                         attributes={**node_kw(node), **attrs})

    def verify_(self) -> None:
        self.expect_shape(shape_of(self.input))


class FunctionOp(UnaryOp):
    """An elementwise float function: its `ElementwiseFunction` trait names the numpy function and
    the float attributes it takes; the float executor runs `reference` and the lowering
    tabulates it."""

    def reference(self, x: np.ndarray) -> np.ndarray:
        trait = self.get_trait(ElementwiseFunction)
        assert trait is not None, f"{self.name} declares no ElementwiseFunction"
        return trait.apply(self, x)


@irdl_op_definition
class ReluOp(UnaryOp):
    """y = max(x, 0)."""

    name = "quant.relu"
    ONNX_OP: ClassVar[str] = "Relu"
    traits = traits_def(SharesInputScale())


@irdl_op_definition
class ClipOp(UnaryOp):
    """y = min(max(x, min), max); an absent bound is unbounded. Clip(0, 6) is ReLU6."""

    name = "quant.clip"
    ONNX_OP: ClassVar[str] = "Clip"
    traits = traits_def(DropsNoop("DropUnboundedClip"), SharesInputScale())
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
class LeakyReluOp(FunctionOp):
    """y = x if x >= 0 else alpha * x."""

    name = "quant.leaky_relu"
    ONNX_OP: ClassVar[str] = "LeakyRelu"
    traits = traits_def(ElementwiseFunction("leaky_relu", fn.leaky_relu, ("alpha",)))
    alpha = attr_def(FloatAttr)


@irdl_op_definition
class SigmoidOp(FunctionOp):
    """y = 1 / (1 + exp(-x))."""

    name = "quant.sigmoid"
    ONNX_OP: ClassVar[str] = "Sigmoid"
    traits = traits_def(ElementwiseFunction("sigmoid", fn.sigmoid))


@irdl_op_definition
class TanhOp(FunctionOp):
    """y = tanh(x)."""

    name = "quant.tanh"
    ONNX_OP: ClassVar[str] = "Tanh"
    traits = traits_def(ElementwiseFunction("tanh", np.tanh))


@irdl_op_definition
class HardSigmoidOp(FunctionOp):
    """y = max(0, min(1, alpha * x + beta)) (ONNX defaults alpha 0.2, beta 0.5)."""

    name = "quant.hard_sigmoid"
    ONNX_OP: ClassVar[str] = "HardSigmoid"
    traits = traits_def(ElementwiseFunction("hard_sigmoid", fn.hard_sigmoid, ("alpha", "beta")))
    alpha = attr_def(FloatAttr)
    beta = attr_def(FloatAttr)


@irdl_op_definition
class HardSwishOp(FunctionOp):
    """y = x * max(0, min(1, x / 6 + 1 / 2))."""

    name = "quant.hard_swish"
    ONNX_OP: ClassVar[str] = "HardSwish"
    traits = traits_def(ElementwiseFunction("hard_swish", fn.hard_swish))


@irdl_op_definition
class NegOp(FunctionOp):
    """y = -x (ONNX Neg). Quantized it is a table like the other functions: -qmin saturates."""

    name = "quant.neg"
    ONNX_OP: ClassVar[str] = "Neg"
    traits = traits_def(ElementwiseFunction("neg", np.negative))


@irdl_op_definition
class AbsOp(FunctionOp):
    """y = |x|."""

    name = "quant.abs"
    ONNX_OP: ClassVar[str] = "Abs"
    traits = traits_def(ElementwiseFunction("abs", np.abs))


@irdl_op_definition
class EluOp(FunctionOp):
    """y = x if x >= 0 else alpha * (exp(x) - 1)."""

    name = "quant.elu"
    ONNX_OP: ClassVar[str] = "Elu"
    traits = traits_def(ElementwiseFunction("elu", fn.elu, ("alpha",)))
    alpha = attr_def(FloatAttr)


@irdl_op_definition
class SeluOp(FunctionOp):
    """y = gamma * (x if x > 0 else alpha * (exp(x) - 1))."""

    name = "quant.selu"
    ONNX_OP: ClassVar[str] = "Selu"
    traits = traits_def(ElementwiseFunction("selu", fn.selu, ("alpha", "gamma")))
    alpha = attr_def(FloatAttr)
    gamma = attr_def(FloatAttr)


@irdl_op_definition
class CeluOp(FunctionOp):
    """y = max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    name = "quant.celu"
    ONNX_OP: ClassVar[str] = "Celu"
    traits = traits_def(ElementwiseFunction("celu", fn.celu, ("alpha",)))
    alpha = attr_def(FloatAttr)


@irdl_op_definition
class SoftplusOp(FunctionOp):
    """y = log(1 + exp(x))."""

    name = "quant.softplus"
    ONNX_OP: ClassVar[str] = "Softplus"
    traits = traits_def(ElementwiseFunction("softplus", fn.softplus))


@irdl_op_definition
class SoftsignOp(FunctionOp):
    """y = x / (1 + |x|)."""

    name = "quant.softsign"
    ONNX_OP: ClassVar[str] = "Softsign"
    traits = traits_def(ElementwiseFunction("softsign", fn.softsign))


@irdl_op_definition
class ThresholdedReluOp(FunctionOp):
    """y = x if x > alpha else 0."""

    name = "quant.thresholded_relu"
    ONNX_OP: ClassVar[str] = "ThresholdedRelu"
    traits = traits_def(ElementwiseFunction("thresholded_relu", fn.thresholded_relu, ("alpha",)))
    alpha = attr_def(FloatAttr)


@irdl_op_definition
class MishOp(FunctionOp):
    """y = x * tanh(log(1 + exp(x)))."""

    name = "quant.mish"
    ONNX_OP: ClassVar[str] = "Mish"
    traits = traits_def(ElementwiseFunction("mish", fn.mish))


@irdl_op_definition
class LrnOp(UnaryOp):
    """ONNX LRN across channels (axis 1): y = x / (bias + alpha / size * S)^beta, S the sum of x^2
    over the channels [c - floor((size-1)/2), c + ceil((size-1)/2)] (see `qcomp.numerics.lrn`)."""

    name = "quant.lrn"
    ONNX_OP: ClassVar[str] = "LRN"
    size = attr_def(IntegerAttr[I64])
    alpha = attr_def(FloatAttr)
    beta = attr_def(FloatAttr)
    bias = attr_def(FloatAttr)

    def __init__(self, x: SSAValue, result_type: Attribute | None = None, *, size: int, alpha: float,
                 beta: float, bias: float, node: str | None = None):
        super().__init__(x, result_type, node=node, size=IntegerAttr(size, i64), alpha=float_attr(alpha),
                         beta=float_attr(beta), bias=float_attr(bias))

    size_value = attr_value("size")
    alpha_value = attr_value("alpha")
    beta_value = attr_value("beta")
    bias_value = attr_value("bias")

    def verify_(self) -> None:
        super().verify_()
        if len(shape_of(self.input)) < 2:
            raise self.error("expects an input with a channel axis")
        if self.size_value < 1:
            raise self.error(f"size {self.size_value} must be positive")


@irdl_op_definition
class PReluOp(QuantOp):
    """ONNX PRelu: y = x for x >= 0, slope * x for x < 0; `slope` broadcasts to the input
    (unidirectional numpy broadcasting: [C, 1, 1] per channel of an NCHW input, [1] one value...).
    After pot-scale the slope is a quantized constant (see `shift.prelu` for the integers).
        %y = quant.prelu %x, %s {node = "prelu1"}
            : (tensor<1x8x4x4xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x4x4xf32>
    """

    name = "quant.prelu"
    ONNX_OP: ClassVar[str] = "PRelu"
    traits = traits_def(SlopeProductAccumulator())
    input = operand_def(TensorType)
    slope = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, slope: SSAValue, result_type: Attribute | None = None, *,
                 node: str | None = None):
        super().__init__(operands=[x, slope], result_types=[result_type or x.type], attributes=node_kw(node))

    def slope_axis(self) -> int | None:
        """The axis of `slope` that runs along the input's channels (axis 1) when the slope varies
        along no other axis (its per-channel quantization axis), else None."""
        xs, ss = shape_of(self.input), shape_of(self.slope)
        axis = len(ss) - (len(xs) - 1)
        if len(xs) < 2 or not 0 <= axis < len(ss) or any(d != 1 for i, d in enumerate(ss) if i != axis):
            return None
        return axis

    def verify_(self) -> None:
        xs = shape_of(self.input)
        if broadcast_shapes(self, xs, shape_of(self.slope)) != xs:
            raise self.error(f"slope of shape {list(shape_of(self.slope))} does not broadcast to the input "
                             f"{list(xs)}")
        self.expect_shape(xs)


@irdl_op_definition
class SoftmaxOp(UnaryOp):
    """y = exp(x - max) / sum(exp(x - max)) along `axis` (opset >= 13 semantics: one axis)."""

    name = "quant.softmax"
    ONNX_OP: ClassVar[str] = "Softmax"
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
        super().__init__(operands=[lhs, rhs], result_types=[result_type], attributes=node_kw(node))

    def verify_(self) -> None:
        self.expect_shape(broadcast_shapes(self, shape_of(self.lhs), shape_of(self.rhs)))


@irdl_op_definition
class AddOp(BinaryOp, FusedActivation):
    """y = lhs + rhs, then the fused activation clamp [act_min, act_max] if any."""

    name = "quant.add"
    ONNX_OP: ClassVar[str] = "Add"
    traits = traits_def(DropsNoop("DropNeutralArithmetic"), AlignedSumAccumulator())


@irdl_op_definition
class SubOp(BinaryOp):
    """y = lhs - rhs."""

    name = "quant.sub"
    ONNX_OP: ClassVar[str] = "Sub"
    traits = traits_def(DropsNoop("DropNeutralArithmetic"))


@irdl_op_definition
class MulOp(BinaryOp):
    """y = lhs * rhs."""

    name = "quant.mul"
    ONNX_OP: ClassVar[str] = "Mul"
    traits = traits_def(DropsNoop("DropNeutralArithmetic"), ProductAccumulator())


@irdl_op_definition
class DivOp(BinaryOp):
    """y = lhs / rhs (float division)."""

    name = "quant.div"
    ONNX_OP: ClassVar[str] = "Div"
    traits = traits_def(DropsNoop("DropNeutralArithmetic"))


@irdl_op_definition
class MaxOp(BinaryOp):
    """y = max(lhs, rhs) (ONNX Max of two inputs; n-ary Max is a chain), numpy broadcasting."""

    name = "quant.max"
    ONNX_OP: ClassVar[str] = "Max"
    traits = traits_def(AlignedCompareAccumulator())


@irdl_op_definition
class MinOp(BinaryOp):
    """y = min(lhs, rhs) (ONNX Min of two inputs; n-ary Min is a chain), numpy broadcasting."""

    name = "quant.min"
    ONNX_OP: ClassVar[str] = "Min"
    traits = traits_def(AlignedCompareAccumulator())
