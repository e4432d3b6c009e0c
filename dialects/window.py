"""2-D sliding-window attributes shared by the conv and pooling ops of every dialect.

`kernel`, `strides`, `pads` ([top, left, bottom, right]), `dilations`, `group` and
`ceil_mode` have ONNX's defaults when absent; `window_out` is ONNX's output-size formula
(ceil mode as onnxruntime computes it), from `qcomp.numerics.windows`.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, i64
from xdsl.ir import Attribute

from qcomp.numerics.windows import window_out


def ints(values: Sequence[int]) -> DenseArrayBase:
    """An `array<i64: ...>` attribute."""
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def int_list(attr: DenseArrayBase | None, default: Sequence[int] = ()) -> list[int]:
    """The values of an `array<i64: ...>` attribute, or `default` when it is absent."""
    return list(default) if attr is None else [int(v) for v in attr.iter_values()]  # type: ignore[misc]


class Windowed:
    """Mixin: the window attributes of a conv or pooling op, defaults filled in."""

    def _attr(self, name: str) -> Attribute | None:
        return self.attributes.get(name)  # type: ignore[attr-defined]

    def _ints(self, name: str, default: Sequence[int]) -> list[int]:
        attr = self._attr(name)
        return int_list(attr if isinstance(attr, DenseArrayBase) else None, default)

    def _flag(self, name: str, default: int) -> int:
        attr = self._attr(name)
        return attr.value.data if isinstance(attr, IntegerAttr) else default

    @property
    def kernel_hw(self) -> list[int]:
        return self._ints("kernel", ())

    @property
    def stride_hw(self) -> list[int]:
        return self._ints("strides", (1, 1))

    @property
    def pad_tlbr(self) -> list[int]:
        return self._ints("pads", (0, 0, 0, 0))

    @property
    def dilation_hw(self) -> list[int]:
        return self._ints("dilations", (1, 1))

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
