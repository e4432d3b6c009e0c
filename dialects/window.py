"""2-D sliding windows, shared by the conv and pooling ops of both dialects.

`kernel`, `strides`, `pads` ([top, left, bottom, right]), `dilations`, `group` and
`ceil_mode` have ONNX's defaults when absent: `window_attrs` leaves out the ones at their
default when an op is built, `Windowed` fills them in when they are read. `ConvWindow` and
`PoolWindow` are the bases of the conv and sliding-window pooling ops: their window
attributes, and the check of the result shape with `window_out`, ONNX's output-size formula
(ceil mode as onnxruntime computes it), from `qcomp.numerics.windows`. `GlobalPoolWindow` is
the base of the global pooling ops, whose window is the whole plane.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import I64, DenseArrayBase, IntegerAttr, TensorType, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import attr_def, operand_def, opt_attr_def, result_def

from qcomp.dialects.node_op import NodeOp, node_kw, shape
from qcomp.numerics.windows import window_out

DEFAULTS: dict[str, tuple[int, ...]] = {"strides": (1, 1), "pads": (0, 0, 0, 0), "dilations": (1, 1)}
"""ONNX's value of an absent `strides`, `pads` or `dilations` (an absent `group` is 1, `ceil_mode` 0)."""


def ints(values: Sequence[int]) -> DenseArrayBase:
    """An `array<i64: ...>` attribute."""
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def int_list(attr: DenseArrayBase | None, default: Sequence[int] = ()) -> list[int]:
    """The values of an `array<i64: ...>` attribute, or `default` when it is absent."""
    return list(default) if attr is None else [int(v) for v in attr.iter_values()]  # type: ignore[misc]


def window_attrs(*, strides: Sequence[int] | None = None, pads: Sequence[int] | None = None,
                 dilations: Sequence[int] | None = None, group: int = 1,
                 ceil_mode: bool | int = False) -> dict[str, Attribute]:
    """The window attributes of an op being built, in this order, without those at ONNX's
    default (None: the default)."""
    attrs: dict[str, Attribute] = {}
    for name, values in (("strides", strides), ("pads", pads), ("dilations", dilations)):
        if values is not None and tuple(values) != DEFAULTS[name]:
            attrs[name] = ints(values)
    if group != 1:
        attrs["group"] = IntegerAttr(group, i64)
    if ceil_mode:
        attrs["ceil_mode"] = IntegerAttr(1, i64)
    return attrs


class Windowed(NodeOp):
    """Base of the conv and sliding-window pooling ops: declares `strides` and `pads`, and reads
    every window attribute with ONNX's default filled in."""

    strides = opt_attr_def(DenseArrayBase)
    pads = opt_attr_def(DenseArrayBase)

    def _ints(self, name: str) -> list[int]:
        attr = self.attributes.get(name)
        return int_list(attr if isinstance(attr, DenseArrayBase) else None, DEFAULTS.get(name, ()))

    def _flag(self, name: str, default: int) -> int:
        attr = self.attributes.get(name)
        return attr.value.data if isinstance(attr, IntegerAttr) else default

    @property
    def kernel_hw(self) -> list[int]:
        return self._ints("kernel")

    @property
    def stride_hw(self) -> list[int]:
        return self._ints("strides")

    @property
    def pad_tlbr(self) -> list[int]:
        return self._ints("pads")

    @property
    def dilation_hw(self) -> list[int]:
        return self._ints("dilations")

    @property
    def groups(self) -> int:
        return self._flag("group", 1)

    @property
    def ceil(self) -> bool:
        return self._flag("ceil_mode", 0) != 0

    def pooled_hw(self, in_shape: Sequence[int]) -> tuple[int, int]:
        """The output (H, W) of this pool on an NCHW input; ValueError names a bad attribute."""
        k, s, p, d = self.kernel_hw, self.stride_hw, self.pad_tlbr, self.dilation_hw
        if len(in_shape) != 4 or len(k) != 2 or len(s) != 2 or len(p) != 4 or len(d) != 2:
            raise ValueError("expects a 4-D input, 2 kernel sizes, 2 strides, 2 dilations and 4 pads")
        if min(k) < 1 or min(s) < 1 or min(p) < 0 or min(d) < 1:
            raise ValueError("kernel, strides and dilations must be positive, pads non-negative")
        if p[0] >= k[0] * d[0] or p[2] >= k[0] * d[0] or p[1] >= k[1] * d[1] or p[3] >= k[1] * d[1]:
            raise ValueError(f"pads {p} must be smaller than the kernel {k}")
        return (window_out(in_shape[2], k[0], s[0], p[0], p[2], d[0], self.ceil),
                window_out(in_shape[3], k[1], s[1], p[1], p[3], d[1], self.ceil))

    def convolved_shape(self, xs: Sequence[int], ws: Sequence[int],
                        bias_shape: Sequence[int] | None) -> tuple[int, int, int, int]:
        """The NCHW output shape of this conv (OIHW weight, I = C / group); ValueError names the problem."""
        if len(xs) != 4 or len(ws) != 4:
            raise ValueError(f"expects 4-D input and weight, got {list(xs)} and {list(ws)}")
        s, p, d, g = self.stride_hw, self.pad_tlbr, self.dilation_hw, self.groups
        if len(s) != 2 or len(d) != 2 or len(p) != 4:
            raise ValueError("strides and dilations need 2 values, pads 4 (top, left, bottom, right)")
        if min(s) < 1 or min(d) < 1 or min(p) < 0 or g < 1:
            raise ValueError("strides, dilations and group must be positive, pads non-negative")
        if xs[1] % g or ws[0] % g or xs[1] // g != ws[1]:
            raise ValueError(f"input channels {xs[1]}, weight {list(ws)} and group {g} disagree")
        if bias_shape is not None and tuple(bias_shape) != (ws[0],):
            raise ValueError(f"bias shape {list(bias_shape)} is not [{ws[0]}]")
        return (xs[0], ws[0], window_out(xs[2], ws[2], s[0], p[0], p[2], d[0]),
                window_out(xs[3], ws[3], s[1], p[1], p[3], d[1]))


class ConvWindow(Windowed):
    """Base of the conv ops (operands: input, weight, optional bias): also `dilations` and `group`."""

    dilations = opt_attr_def(DenseArrayBase)
    group = opt_attr_def(IntegerAttr[I64])

    def verify_convolved(self) -> tuple[int, int, int, int]:
        """Check that the result has the `convolved_shape` of the operands, and return it."""
        xs, ws, *bias = (shape(v) for v in self.operands)
        try:
            out = self.convolved_shape(xs, ws, bias[0] if bias else None)
        except ValueError as e:
            raise self.error(str(e)) from None
        self.expect_shape(out)
        return out


class PoolWindow(Windowed):
    """Base of the sliding-window pooling ops over an NCHW `input`: also `kernel` and
    `ceil_mode` (and `dilations` in the ops that declare it)."""

    input = operand_def(TensorType)
    kernel = attr_def(DenseArrayBase)
    ceil_mode = opt_attr_def(IntegerAttr[I64])
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, kernel: Sequence[int],
                 strides: Sequence[int] | None = None, pads: Sequence[int] | None = None,
                 dilations: Sequence[int] | None = None, ceil_mode: bool | int = False,
                 node: str | None = None, **extra: Attribute):
        attrs: dict[str, Attribute] = {**node_kw(node), "kernel": ints(kernel), **extra,
                                       **window_attrs(strides=strides, pads=pads, dilations=dilations,
                                                      ceil_mode=ceil_mode)}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    def verify_(self) -> None:
        """The result is the input's N and C and its `pooled_hw`."""
        xs = shape(self.input)
        try:
            oh, ow = self.pooled_hw(xs)
        except ValueError as e:
            raise self.error(str(e)) from None
        self.expect_shape((xs[0], xs[1], oh, ow))


class GlobalPoolWindow(NodeOp):
    """Base of the global pooling ops: over all spatial positions of the `input`
    (NCHW... -> NC11...)."""

    input = operand_def(TensorType)
    output = result_def(TensorType)

    def __init__(self, x: SSAValue, result_type: Attribute, *, node: str | None = None, **extra: Attribute):
        super().__init__(operands=[x], result_types=[result_type], attributes={**node_kw(node), **extra})

    def verify_(self) -> None:
        xs = shape(self.input)
        if len(xs) < 3:
            raise self.error("expects an input with spatial axes")
        self.expect_shape((xs[0], xs[1]) + (1,) * (len(xs) - 2))
