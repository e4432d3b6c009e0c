"""quant ops that resample H and W: resize_nearest and resize (ONNX Resize / Upsample), and
zero_interleave (the zero insertion of ConvTranspose, which the importer writes as
zero_interleave + conv2d: see `qcomp.numerics.conv_transpose`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import I64, FloatAttr, IntegerAttr, StringAttr, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import attr_def, irdl_op_definition, opt_attr_def, traits_def

from qcomp.dialects.movement import ZeroInterleaveBase
from qcomp.dialects.node_op import node_kw, shape
from qcomp.dialects.quant.base import QuantOp, float_attr
from qcomp.dialects.resize import OnnxResize, resize_attrs
from qcomp.dialects.traits import RangeOfInputs, SharesInputScale
from qcomp.numerics.resize import INTERP_MODES, NEAREST_MODES, interp_taps, nearest_indices


@irdl_op_definition
class ResizeNearestOp(QuantOp, OnnxResize):
    """ONNX Resize / Upsample in nearest mode over H and W: a gather,
    y[n, c, oy, ox] = x[n, c, rows[oy], cols[ox]], with the tables of `qcomp.numerics.resize`
    (`nearest_indices`: the source coordinate of `coordinate_transformation_mode` in float32,
    then `nearest_mode` (absent: round_prefer_floor; `simple` is Upsample's and Resize-10's rule),
    clamped to the input); with tf_crop_and_resize, outputs mapped outside the `roi`-cropped input
    are `extrapolation_value`. The result holds input values: it shares the input's exponent (an
    extrapolation value outside the input's quantized range saturates).
        %y = quant.resize_nearest %x {node = "up", scales = array<f32: 2.0, 2.0>,
               coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"}
            : (tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32>
    """

    name = "quant.resize_nearest"
    ONNX_OP: ClassVar[str] = "Resize"
    traits = traits_def(SharesInputScale(), RangeOfInputs())
    nearest_mode = opt_attr_def(StringAttr)

    def __init__(self, x: SSAValue, result_type: Attribute, *, scales: Sequence[float], ctm: str = "half_pixel",
                 nearest_mode: str = "round_prefer_floor", roi: Sequence[float] | None = None,
                 extrapolation_value: float = 0.0, node: str | None = None):
        extra = {"nearest_mode": StringAttr(nearest_mode)} if nearest_mode != "round_prefer_floor" else {}
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), **resize_attrs(scales, ctm, roi, extrapolation_value, **extra)})

    @property
    def rounding(self) -> str:
        return self._string("nearest_mode", "round_prefer_floor")

    def index_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows [OH], cols [OW]): the input row and column of every output row and column (-1:
        extrapolated, tf_crop_and_resize)."""
        (_, _, h, w), (_, _, oh, ow) = shape(self.input), shape(self.output)
        (sh, sw), (rh, rw) = self.scale_hw, self.roi_hw
        return (nearest_indices(h, oh, sh, self.coordinate_mode, self.rounding, rh),
                nearest_indices(w, ow, sw, self.coordinate_mode, self.rounding, rw))

    def verify_(self) -> None:
        self.verify_onnx()
        if self.rounding not in NEAREST_MODES:
            raise self.error(f"nearest_mode '{self.rounding}' is not one of {', '.join(NEAREST_MODES)}")


@irdl_op_definition
class ResizeOp(QuantOp, OnnxResize):
    """ONNX Resize / Upsample in linear (bilinear) or cubic (bicubic) mode over H and W: a separable
    filter, y[n, c, oy, ox] = sum_i sum_j R[oy, i] C[ox, j] x[n, c, r[oy, i], c[ox, j]], with the taps
    of `qcomp.numerics.resize.interp_taps` (`mode`, `coordinate_transformation_mode`,
    `cubic_coeff_a` (absent: -0.75), `exclude_outside` and `antialias` (absent: 0); `roi` and
    `extrapolation_value` for tf_crop_and_resize). Cubic can overshoot the input range, so the
    result has its own exponent.
        %y = quant.resize %x {node = "up", mode = "linear", scales = array<f32: 2.0, 2.0>}
            : (tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32>
    """

    name = "quant.resize"
    ONNX_OP: ClassVar[str] = "Resize"
    mode = attr_def(StringAttr)
    cubic_coeff_a = opt_attr_def(FloatAttr)
    exclude_outside = opt_attr_def(IntegerAttr[I64])
    antialias = opt_attr_def(IntegerAttr[I64])

    def __init__(self, x: SSAValue, result_type: Attribute, *, mode: str, scales: Sequence[float],
                 ctm: str = "half_pixel", cubic_coeff_a: float = -0.75, exclude_outside: bool = False,
                 antialias: bool = False, roi: Sequence[float] | None = None, extrapolation_value: float = 0.0,
                 node: str | None = None):
        extra: dict[str, Attribute] = {}
        if mode == "cubic" and cubic_coeff_a != -0.75:
            extra["cubic_coeff_a"] = float_attr(cubic_coeff_a)
        if exclude_outside:
            extra["exclude_outside"] = IntegerAttr(1, i64)
        if antialias:
            extra["antialias"] = IntegerAttr(1, i64)
        super().__init__(operands=[x], result_types=[result_type],
                         attributes={**node_kw(node), "mode": StringAttr(mode),
                                     **resize_attrs(scales, ctm, roi, extrapolation_value), **extra})

    @property
    def interpolation(self) -> str:
        return self._string("mode", "linear")

    @property
    def coeff_a(self) -> float:
        return self.cubic_coeff_a.value.data if self.cubic_coeff_a is not None else -0.75

    @property
    def excludes_outside(self) -> bool:
        return self.exclude_outside is not None and self.exclude_outside.value.data != 0

    @property
    def antialiased(self) -> bool:
        return self.antialias is not None and self.antialias.value.data != 0

    def taps(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """((row indices, row weights), (column indices, column weights)), each [out, taps]."""
        (_, _, h, w), (_, _, oh, ow) = shape(self.input), shape(self.output)
        sh, sw = self.scale_hw
        mode, ctm, a, ex, aa = (self.interpolation, self.coordinate_mode, self.coeff_a, self.excludes_outside,
                                self.antialiased)
        rh, rw = self.roi_hw
        return (interp_taps(mode, h, oh, sh, ctm, cubic_a=a, exclude_outside=ex, antialias=aa, roi=rh),
                interp_taps(mode, w, ow, sw, ctm, cubic_a=a, exclude_outside=ex, antialias=aa, roi=rw))

    def verify_(self) -> None:
        self.verify_onnx()
        if self.interpolation not in INTERP_MODES:
            raise self.error(f"mode '{self.interpolation}' is not one of {', '.join(INTERP_MODES)} "
                             f"(nearest is quant.resize_nearest)")


@irdl_op_definition
class ZeroInterleaveOp(QuantOp, ZeroInterleaveBase):
    """Zero insertion over H and W (see ZeroInterleaveBase): the strides of a ConvTranspose, which
    the importer turns into zero_interleave + an ordinary conv2d. Shares the input's exponent.
        %z = quant.zero_interleave %x {node = "up", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
            : (tensor<1x8x4x4xf32>) -> tensor<1x8x7x7xf32>
    """

    name = "quant.zero_interleave"
    ONNX_OP: ClassVar[str] = "ConvTranspose"
    traits = traits_def(SharesInputScale())
