"""ONNX ConvTranspose (2-D) as zero insertion and an ordinary convolution.

Per spatial axis, with input length n, stride s, kernel k, dilation d, output_padding a and
pads (p_b, p_e), ONNX's output length is

    out = s (n - 1) + a + d (k - 1) + 1 - p_b - p_e.

The same result is computed by

1. `zero_interleave`: s - 1 zeros between neighbouring input pixels (length s (n - 1) + 1),
   then c_b = d (k - 1) - p_b zeros before and c_e = d (k - 1) - p_e + a after (a negative
   count crops that many positions instead): out[i s + c_b] = x[i], zeros elsewhere;
2. a stride-1 convolution with dilation d, no padding, group g and the *equivalent kernel*:
   the ONNX weight [C, M/g, k_h, k_w] transposed per group (input and output channels swap)
   and flipped in both spatial axes, W'[g M/g + m, c, y, x] = W[g C/g + c, m, k_h-1-y, k_w-1-x].

Every output value is then a sum of the same products as ONNX's scatter form, so the float
result agrees with onnxruntime up to summation order, and the integer (shift) form is an
ordinary conv on integers. `split_pads` moves the non-negative part of (c_b, c_e) to the
convolution's own padding, so zero insertion only materialises the strides (and any crop).

`output_shape` (when given) fixes `out` and ONNX derives the pads from it:
total = s (n - 1) + a + d (k - 1) + 1 - out; SAME_UPPER: p_b = floor(total / 2), else
p_b = total - floor(total / 2); p_e = total - p_b. A negative total (an output up to s - 1
longer than the full result; onnxruntime rejects more) puts the extra zero rows after the
full result: p_b = 0, p_e = total, as onnxruntime and the ONNX reference do. auto_pad
SAME_UPPER / SAME_LOWER without output_shape use out = n s; VALID means no pads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def transpose_pads(n: int, k: int, s: int, d: int, a: int, pads: tuple[int, int] | None, auto_pad: str,
                   out: int | None) -> tuple[int, int]:
    """(p_b, p_e) of one axis of a ConvTranspose (see the module docstring)."""
    if out is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = n * s
    if out is not None:
        total = s * (n - 1) + a + d * (k - 1) + 1 - out
        if total < 0:  # a longer output: zeros after the full result (onnxruntime, the ONNX reference)
            return 0, total
        half = total // 2
        pb = half if auto_pad == "SAME_UPPER" else total - half
        return pb, total - pb
    if auto_pad == "VALID" or pads is None:
        return 0, 0
    return pads


def transpose_out(n: int, k: int, s: int, d: int, a: int, pb: int, pe: int) -> int:
    """ONNX ConvTranspose's output length for one axis."""
    return s * (n - 1) + a + d * (k - 1) + 1 - pb - pe


def equivalent_kernel(w: np.ndarray, group: int) -> np.ndarray:
    """The OIHW conv kernel of a ConvTranspose weight [C, M/g, kh, kw]: per group the channel axes
    swap, and both spatial axes are reversed."""
    c, mg, kh, kw = w.shape
    cg = c // group
    per_group = w.reshape(group, cg, mg, kh, kw).transpose(0, 2, 1, 3, 4)[:, :, :, ::-1, ::-1]
    return np.ascontiguousarray(per_group.reshape(group * mg, cg, kh, kw))


def interleave_pads(kernel: Sequence[int], dilations: Sequence[int], pads: Sequence[int],
                    output_padding: Sequence[int]) -> list[int]:
    """[c_t, c_l, c_b, c_r]: the zeros (negative: crops) around the interleaved input."""
    (kh, kw), (dh, dw), (pt, pl, pb, pr), (ah, aw) = kernel, dilations, pads, output_padding
    return [dh * (kh - 1) - pt, dw * (kw - 1) - pl, dh * (kh - 1) - pb + ah, dw * (kw - 1) - pr + aw]


def split_pads(c: Sequence[int]) -> tuple[list[int], list[int]]:
    """(zero_interleave pads, conv pads): the crops (c < 0) stay with the interleave, the zeros
    (c > 0) become the convolution's padding."""
    return [min(v, 0) for v in c], [max(v, 0) for v in c]


def interleaved_size(n: int, s: int, pb: int, pe: int) -> int:
    """Length after zero insertion with stride s and pads (pb, pe) (negative pads crop)."""
    return (n - 1) * s + 1 + pb + pe


def zero_interleave(x: np.ndarray, strides: Sequence[int], pads: Sequence[int]) -> np.ndarray:
    """out[n, c, i sh + pt, j sw + pl] = x[n, c, i, j] where inside the output; zeros elsewhere."""
    n, c, h, w = x.shape
    (sh, sw), (pt, pl, pb, pr) = strides, pads
    oh, ow = interleaved_size(h, sh, pt, pb), interleaved_size(w, sw, pl, pr)
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    rows = np.arange(h) * sh + pt
    cols = np.arange(w) * sw + pl
    ri, ci = (rows >= 0) & (rows < oh), (cols >= 0) & (cols < ow)
    out[:, :, rows[ri][:, None], cols[ci][None, :]] = x[:, :, ri][:, :, :, ci]
    return out
