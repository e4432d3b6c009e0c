"""The importer's converters for the resampling ops: Resize (opsets 10-19+), Upsample and
ConvTranspose (1-D and 2-D).

* Resize / Upsample on 4-D NCHW inputs, resizing H and W only, with constant `scales` or
  `sizes` (and `axes`, opset 18+): nearest becomes `quant.resize_nearest`, linear and cubic
  `quant.resize` (`qcomp.numerics.resize` has the formulas, checked against onnxruntime).
  Upsample and Resize-10 use the asymmetric transform and onnxruntime's `simple` nearest
  rounding; tf_crop_and_resize takes its constant `roi` (H and W only) and `sizes`, and outputs
  mapped outside the cropped input are `extrapolation_value`. Rejected, naming the attribute:
  tf_crop_and_resize with scales, unknown modes, antialias with nearest, scaling or cropping N
  or C, other ranks.
* ConvTranspose with a constant weight: zero insertion (`quant.zero_interleave`, only when a
  stride exceeds 1 or the pads crop) and a `quant.conv2d` with the equivalent kernel
  (`qcomp.numerics.conv_transpose`), so everything downstream (pot-scale, the lowering, the C)
  is the ordinary convolution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects.builtin import TensorType, f32

from qcomp.dialects import quant as q
from qcomp.dialects.constants import dense_from_numpy
from qcomp.numerics.conv_transpose import (
    equivalent_kernel,
    interleave_pads,
    interleaved_size,
    split_pads,
    transpose_out,
    transpose_pads,
)
from qcomp.numerics.resize import COORDINATE_MODES, NEAREST_MODES, is_identity, resized_size

if TYPE_CHECKING:
    import onnx

    from qcomp.frontend.onnx_import import _Importer

F32 = np.float32
KEEP_ASPECT = ("stretch", "not_larger", "not_smaller")


def _tensor(shape: Sequence[int]) -> TensorType:
    return TensorType(f32, [int(d) for d in shape])


def _ints(a: dict[str, Any], name: str, default: Sequence[int]) -> list[int]:
    return [int(v) for v in a.get(name, default)]


def _result(imp: _Importer, shape: Sequence[int]) -> TensorType:
    """The result type `shape`, after checking it against ONNX shape inference's (when it has one)."""
    t = imp.out_type(0, shape)
    if list(t.get_shape()) != list(shape):
        raise ValueError(f"computed output shape {list(shape)} differs from ONNX shape inference's "
                         f"{list(t.get_shape())}")
    return t


# --------------------------------------------------------------------------- Resize / Upsample


def _resize_axes(imp: _Importer, a: dict[str, Any], rank: int) -> list[int]:
    """The axes `scales`, `sizes` and `roi` refer to (opset 18's `axes`, normalised; else all)."""
    if imp.opset < 18 or "axes" not in a:
        return list(range(rank))
    axes = []
    for v in a["axes"]:
        if not -rank <= int(v) < rank:
            raise ValueError(f"axes value {int(v)} is out of range for rank {rank}")
        axes.append(int(v) % rank)
    return axes


def _crop_roi(imp: _Importer, a: dict[str, Any], rank: int) -> list[float]:
    """tf_crop_and_resize's roi of H and W as [h_start, w_start, h_end, w_end] (input 1, constant:
    starts then ends of the `axes`); N and C must keep the whole axis."""
    roi = imp.const(1, "roi")
    axes = _resize_axes(imp, a, rank)
    if roi is None or roi.size != 2 * len(axes):
        raise ValueError(f"tf_crop_and_resize needs a constant roi of {2 * len(axes)} values (starts, then ends)")
    vals = [float(F32(v)) for v in roi.reshape(-1)]
    starts, ends = [0.0] * rank, [1.0] * rank
    for i, ax in enumerate(axes):
        starts[ax], ends[ax] = vals[i], vals[len(axes) + i]
    if starts[:2] != [0.0, 0.0] or ends[:2] != [1.0, 1.0]:
        raise ValueError(f"only H and W can be cropped: roi starts {starts} and ends {ends} (N, C, H, W) crop N or C")
    return [starts[2], starts[3], ends[2], ends[3]]


def _scales_and_sizes(imp: _Importer, a: dict[str, Any], xs: list[int], scales: np.ndarray | None,
                      sizes: np.ndarray | None) -> tuple[list[float], list[int]]:
    """The float32 scale and output length of every axis (ONNX's and onnxruntime's rules)."""
    rank = len(xs)
    axes = _resize_axes(imp, a, rank)
    given = [v for v in (scales, sizes) if v is not None and v.size > 0]
    if len(given) != 1:
        raise ValueError("needs exactly one of scales and sizes (as constants)")
    full_scale = [1.0] * rank
    out = list(xs)
    if scales is not None and scales.size > 0:
        vals = [float(F32(v)) for v in scales.reshape(-1)]
        if len(vals) != len(axes):
            raise ValueError(f"scales has {len(vals)} values for {len(axes)} axes")
        if min(vals) <= 0:
            raise ValueError(f"scales {vals} must be positive")
        for ax, s in zip(axes, vals):
            full_scale[ax], out[ax] = s, resized_size(xs[ax], s)
        return full_scale, out
    assert sizes is not None
    vals_i = [int(v) for v in sizes.reshape(-1)]
    if len(vals_i) != len(axes):
        raise ValueError(f"sizes has {len(vals_i)} values for {len(axes)} axes")
    if min(vals_i) < 1:
        raise ValueError(f"sizes {vals_i} must be positive")
    for ax, n in zip(axes, vals_i):
        full_scale[ax], out[ax] = float(F32(n) / F32(xs[ax])), n
    policy = a.get("keep_aspect_ratio_policy", "stretch") if imp.opset >= 18 else "stretch"
    if policy not in KEEP_ASPECT:
        raise ValueError(f"keep_aspect_ratio_policy '{policy}' is not supported ({', '.join(KEEP_ASPECT)})")
    if policy != "stretch":
        pick = min if policy == "not_larger" else max
        s = pick(full_scale[ax] for ax in axes)
        for ax in axes:
            full_scale[ax], out[ax] = s, math.floor(float(F32(s) * F32(xs[ax])) + 0.5)  # round half up
    return full_scale, out


def _emit_resize(imp: _Importer, mode: str, ctm: str, nearest_mode: str, full_scale: list[float],
                 out: list[int], crop: dict[str, Any] | None = None, **interp: Any) -> None:
    xs = imp.shape(0)
    if full_scale[:2] != [1.0, 1.0] or out[:2] != xs[:2]:
        raise ValueError(f"only H and W can be resized: scales {full_scale} and sizes {out} (N, C, H, W) "
                         f"change N or C")
    x = imp.input(0)
    t = _result(imp, out)
    crop = crop or {}
    if all(is_identity(xs[d], out[d], full_scale[d]) for d in (2, 3)):
        imp.define(0, x)
        return
    scales = full_scale[2:]
    if mode == "nearest":
        op: q.QuantOp = q.ResizeNearestOp(x, t, scales=scales, ctm=ctm, nearest_mode=nearest_mode, node=imp.name,
                                          **crop)
    else:
        op = q.ResizeOp(x, t, mode=mode, scales=scales, ctm=ctm, node=imp.name, **crop, **interp)
    imp.define(0, imp.emit(op))


def _check_rank(imp: _Importer) -> list[int]:
    xs = imp.shape(0)
    if len(xs) != 4:
        raise ValueError(f"only 4-D (NCHW) inputs are supported, got {len(xs)}-D")
    return xs


def resize(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """ONNX Resize (opset 10: X, scales; 11+: X, roi, scales, sizes)."""
    xs = _check_rank(imp)
    mode = a.get("mode", "nearest")
    modes = ("nearest", "linear") if imp.opset < 11 else ("nearest", "linear", "cubic")
    if mode not in modes:
        raise ValueError(f"mode '{mode}' is not supported ({', '.join(modes)})")
    scales: np.ndarray | None
    sizes: np.ndarray | None
    if imp.opset < 11:
        ctm, nearest_mode = "asymmetric", "simple"
        scales, sizes = imp.required_const(1, "scales"), None
    else:
        ctm = a.get("coordinate_transformation_mode", "half_pixel")
        if ctm not in COORDINATE_MODES:
            raise ValueError(f"coordinate_transformation_mode '{ctm}' is not supported "
                             f"({', '.join(COORDINATE_MODES)})")
        nearest_mode = a.get("nearest_mode", "round_prefer_floor")
        if mode == "nearest" and nearest_mode not in NEAREST_MODES[:4]:
            raise ValueError(f"nearest_mode '{nearest_mode}' is not supported ({', '.join(NEAREST_MODES[:4])})")
        scales, sizes = imp.const(2, "scales"), imp.const(3, "sizes")
    antialias = bool(a.get("antialias", 0)) if imp.opset >= 18 else False
    if antialias and mode == "nearest":
        raise ValueError("antialias=1 applies to linear and cubic modes only, not nearest")
    full_scale, out = _scales_and_sizes(imp, a, xs, None if scales is None else np.asarray(scales),
                                        None if sizes is None else np.asarray(sizes))
    crop: dict[str, Any] = {}
    if ctm == "tf_crop_and_resize":
        if sizes is None or np.asarray(sizes).size == 0:
            raise ValueError("tf_crop_and_resize needs sizes, not scales (onnxruntime sizes its output without "
                             "the roi, ONNX with it)")
        crop = {"roi": _crop_roi(imp, a, len(xs)), "extrapolation_value": float(F32(a.get("extrapolation_value", 0.0)))}
    interp: dict[str, Any] = {}
    if mode != "nearest":
        interp = {"exclude_outside": bool(a.get("exclude_outside", 0)), "antialias": antialias}
        if mode == "cubic":
            interp["cubic_coeff_a"] = float(F32(a.get("cubic_coeff_a", -0.75)))
    _emit_resize(imp, mode, ctm, nearest_mode, full_scale, out, crop, **interp)


def upsample(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """ONNX Upsample (opset 7: `scales` attribute; 9: `scales` input): nearest or linear, asymmetric."""
    xs = _check_rank(imp)
    mode = a.get("mode", "nearest")
    if mode not in ("nearest", "linear"):
        raise ValueError(f"mode '{mode}' is not supported (nearest, linear)")
    scales = np.asarray(a["scales"], np.float32) if "scales" in a else imp.required_const(1, "scales")
    if np.asarray(scales).size and float(np.min(scales)) < 1:
        raise ValueError(f"scales {[float(v) for v in np.asarray(scales).reshape(-1)]} must be >= 1 (Upsample)")
    full_scale, out = _scales_and_sizes(imp, {}, xs, np.asarray(scales), None)
    interp: dict[str, Any] = {} if mode == "nearest" else {"exclude_outside": False, "antialias": False}
    _emit_resize(imp, mode, "asymmetric", "simple", full_scale, out, None, **interp)


# --------------------------------------------------------------------------- ConvTranspose


def conv_transpose(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """ONNX ConvTranspose (1-D and 2-D, constant weight [C, M/group, k...]) as zero insertion and a conv."""
    xs = imp.shape(0)
    nd = len(xs) - 2
    if nd not in (1, 2):
        raise ValueError(f"only 1-D and 2-D ConvTranspose is supported, got {max(nd, 0)}-D")
    w = np.asarray(imp.required_const(1, "the weight"), np.float32)
    if w.ndim != nd + 2:
        raise ValueError(f"weight shape {list(w.shape)} does not match the {nd}-D input")
    g = int(a.get("group", 1))
    if g < 1 or xs[1] % g or w.shape[0] != xs[1]:
        raise ValueError(f"input channels {xs[1]}, weight {list(w.shape)} and group {g} disagree")
    k = list(w.shape[2:])
    if "kernel_shape" in a and _ints(a, "kernel_shape", k) != k:
        raise ValueError(f"kernel_shape {_ints(a, 'kernel_shape', k)} differs from the weight's {k}")
    s = _ints(a, "strides", [1] * nd)
    d = _ints(a, "dilations", [1] * nd)
    op_ = _ints(a, "output_padding", [0] * nd)
    pads = _ints(a, "pads", [0] * 2 * nd)
    auto_pad = a.get("auto_pad", "NOTSET") or "NOTSET"
    out_shape = a.get("output_shape")
    for name, v in (("strides", s), ("dilations", d), ("output_padding", op_)):
        if len(v) != nd:
            raise ValueError(f"{name} needs {nd} values, got {v}")
    if len(pads) != 2 * nd:
        raise ValueError(f"pads needs {2 * nd} values, got {pads}")
    if min(s) < 1 or min(d) < 1 or min(op_) < 0:
        raise ValueError(f"strides {s} and dilations {d} must be positive, output_padding {op_} non-negative")
    if any(o >= st for o, st in zip(op_, s)):
        raise ValueError(f"output_padding {op_} must be smaller than strides {s}")
    if auto_pad not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"auto_pad '{auto_pad}' is not supported")
    if out_shape is not None:
        out_shape = [int(v) for v in out_shape][-nd:]
        if len(out_shape) != nd:
            raise ValueError(f"output_shape {list(a['output_shape'])} needs {nd} spatial values")
    if out_shape is None and auto_pad.startswith("SAME") and max(op_):
        raise ValueError(f"auto_pad {auto_pad} with output_padding {op_} is not supported (ONNX shape inference "
                         f"adds the output_padding to input * strides, onnxruntime does not)")
    begins, ends = [], []
    for i in range(nd):
        if out_shape is None and auto_pad.startswith("SAME") and d[i] * (k[i] - 1) + 1 + op_[i] < s[i]:
            extent = [d[j] * (k[j] - 1) + 1 for j in range(nd)]
            raise ValueError(f"auto_pad {auto_pad} with strides {s} larger than the dilated kernel {extent} "
                             f"is not supported (ONNX and onnxruntime disagree on its output size)")
        if out_shape is not None and out_shape[i] > transpose_out(xs[2 + i], k[i], s[i], d[i], 0, 0, 0) + s[i] - 1:
            longest = [transpose_out(xs[2 + j], k[j], s[j], d[j], 0, 0, 0) + s[j] - 1 for j in range(nd)]
            raise ValueError(f"output_shape {out_shape} is longer than the full output without output_padding "
                             f"plus strides - 1 ({longest}), which onnxruntime rejects")
        pb, pe = transpose_pads(xs[2 + i], k[i], s[i], d[i], op_[i], (pads[i], pads[nd + i]), auto_pad,
                                None if out_shape is None else out_shape[i])
        if transpose_out(xs[2 + i], k[i], s[i], d[i], op_[i], pb, pe) < 1:
            raise ValueError(f"the output would be empty (pads {pads}, strides {s}, kernel {k})")
        begins.append(pb)
        ends.append(pe)
    out = [xs[0], w.shape[1] * g] + [transpose_out(xs[2 + i], k[i], s[i], d[i], op_[i], begins[i], ends[i])
                                      for i in range(nd)]
    t = _result(imp, out)
    if nd == 1:  # [N, C, L] runs as [N, C, 1, L]
        lift = [1]
        k, s, d, op_, begins, ends = lift + k, lift + s, lift + d, [0] + op_, [0] + begins, [0] + ends
        w = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
    x = imp.input(0, [xs[0], xs[1], 1, xs[2]] if nd == 1 else None)
    h_in, w_in = (1, xs[2]) if nd == 1 else (xs[2], xs[3])
    zero_pads, conv_pads = split_pads(interleave_pads(k, d, [begins[0], begins[1], ends[0], ends[1]], op_))
    if s != [1, 1] or any(zero_pads):
        zt = _tensor([xs[0], xs[1], interleaved_size(h_in, s[0], zero_pads[0], zero_pads[2]),
                      interleaved_size(w_in, s[1], zero_pads[1], zero_pads[3])])
        x = imp.emit(q.ZeroInterleaveOp(x, s, zero_pads, zt, node=imp.name))
    weight = imp.emit(q.ConstantOp(dense_from_numpy(equivalent_kernel(w, g)), node=node.input[1]))
    bias = imp.optional_input(2)
    out4 = out if nd == 2 else [out[0], out[1], 1, out[2]]
    y = imp.emit(q.Conv2dOp(x, weight, bias, _tensor(out4), pads=conv_pads, dilations=d, group=g, node=imp.name))
    if nd == 1:
        y = imp.emit(q.ReshapeOp(y, t, node=imp.name))
    imp.define(0, y)
