"""The resize ops common to the quant and shift dialects (ONNX Resize / Upsample over H and W of
NCHW tensors): the shape rule, and the ONNX attributes the quant ops carry.

`ResizeBase`: one input, one result, both 4-D, N and C unchanged. `OnnxResize` (quant): the
float32 `scales` of H and W and the `coordinate_transformation_mode` (absent: half_pixel), and
for tf_crop_and_resize the `roi` of H and W ([h_start, w_start, h_end, w_end]) and the
`extrapolation_value` (absent: 0), from which `qcomp.numerics.resize` computes the index and
weight tables; the shift ops carry the tables themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DenseArrayBase, FloatAttr, StringAttr, TensorType, f32
from xdsl.ir import Attribute
from xdsl.irdl import attr_def, operand_def, opt_attr_def, result_def

from qcomp.dialects.node_op import NodeOp, shape
from qcomp.numerics.resize import COORDINATE_MODES


class ResizeBase(NodeOp):
    """A resize of the H and W axes of an NCHW `input`."""

    input = operand_def(TensorType)
    output = result_def(TensorType)

    def verify_resize(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Check the shapes; return (input shape, result shape)."""
        xs, ys = shape(self.input), shape(self.output)
        if len(xs) != 4 or len(ys) != 4:
            raise self.error(f"expects a 4-D NCHW input and result, got {list(xs)} -> {list(ys)}")
        if xs[:2] != ys[:2]:
            raise self.error(f"N and C must be unchanged, got {list(xs)} -> {list(ys)}")
        if min(xs[2:]) < 1 or min(ys[2:]) < 1:
            raise self.error(f"H and W must be positive, got {list(xs)} -> {list(ys)}")
        return xs, ys


def resize_attrs(scales: Sequence[float], ctm: str = "half_pixel", roi: Sequence[float] | None = None,
                 extrapolation_value: float = 0.0, **extra: Attribute) -> dict[str, Attribute]:
    """`scales` (float32 H and W scales), the coordinate mode, and for tf_crop_and_resize the roi
    [h_start, w_start, h_end, w_end] and the extrapolation value (each left out at its default)."""
    attrs: dict[str, Attribute] = {"scales": DenseArrayBase.from_list(f32, [float(s) for s in scales])}
    if ctm != "half_pixel":
        attrs["coordinate_transformation_mode"] = StringAttr(ctm)
    if ctm == "tf_crop_and_resize":
        if roi is not None and [float(v) for v in roi] != [0.0, 0.0, 1.0, 1.0]:
            attrs["roi"] = DenseArrayBase.from_list(f32, [float(v) for v in roi])
        if extrapolation_value != 0.0:
            attrs["extrapolation_value"] = FloatAttr(float(extrapolation_value), f32)
    return {**attrs, **extra}


class OnnxResize(ResizeBase):
    """Base of the quant resize ops: ONNX's `scales` (H, W; float32) and coordinate mode."""

    scales = attr_def(DenseArrayBase)
    coordinate_transformation_mode = opt_attr_def(StringAttr)
    roi = opt_attr_def(DenseArrayBase)
    extrapolation_value = opt_attr_def(FloatAttr)

    @property
    def scale_hw(self) -> tuple[float, float]:
        h, w = (float(v) for v in self.scales.iter_values())  # type: ignore[misc]
        return h, w

    @property
    def coordinate_mode(self) -> str:
        attr = self.coordinate_transformation_mode
        return attr.data if attr is not None else "half_pixel"

    @property
    def roi_hw(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((h_start, h_end), (w_start, w_end)) of tf_crop_and_resize (the whole axes when absent)."""
        if self.roi is None:
            return (0.0, 1.0), (0.0, 1.0)
        hs, ws, he, we = (float(v) for v in self.roi.iter_values())  # type: ignore[misc]
        return (hs, he), (ws, we)

    @property
    def extrapolation(self) -> float:
        return self.extrapolation_value.value.data if self.extrapolation_value is not None else 0.0

    def _string(self, name: str, default: str) -> str:
        attr = self.attributes.get(name)
        return attr.data if isinstance(attr, StringAttr) else default

    def verify_onnx(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        xs, ys = self.verify_resize()
        values = list(self.scales.iter_values())  # type: ignore[misc]
        if len(values) != 2 or min(values) <= 0:  # type: ignore[operator]
            raise self.error(f"scales must be 2 positive values (H, W), got {values}")
        if self.coordinate_mode not in COORDINATE_MODES:
            raise self.error(f"coordinate_transformation_mode '{self.coordinate_mode}' is not one of "
                             f"{', '.join(COORDINATE_MODES)}")
        if self.roi is not None and len(list(self.roi.iter_values())) != 4:  # type: ignore[misc]
            raise self.error("roi must be 4 values (h_start, w_start, h_end, w_end)")
        if (self.roi is not None or self.extrapolation_value is not None) and \
                self.coordinate_mode != "tf_crop_and_resize":
            raise self.error("roi and extrapolation_value are for coordinate_transformation_mode tf_crop_and_resize")
        return xs, ys
