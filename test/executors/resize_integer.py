# RUN: %python %s | filecheck %s
"""shift.resize's integer formula (qcomp.numerics.resize.resize_int, what the shift executor runs)
against an independent per-element loop over its docstring, and against the float resize rounded
onto the output grid, within the documented error bound.

For each case: the fixed-point taps (F from `fixed_point_taps`), the integer result equal to the
loop bit for bit, the accumulator within int32, and |int - float/2^e_out| <= 1/2 + bound LSB with
bound = (E_r S_c + S_r E_c) max|q| 2^(e_in - e_out); where the weights are exact at F bits (scale-2
half_pixel, antialias at 1/2) the result is the correctly rounded value (exactly equal to it);
tf_crop_and_resize's extrapolated outputs are the fill integer.
"""

import numpy as np

from qcomp.numerics import round_half_up
from qcomp.numerics.resize import acc_bound, fixed_point_taps, interp_taps, resample_hw, resize_int
from qcomp.testing import verdict

RNG = np.random.default_rng(9)


def loop(q, ri, rw, ci, cw, s, lo, hi, fill):
    """The docstring of shift.resize, one element at a time in Python integers."""
    n, c = q.shape[:2]
    out = np.zeros((n, c, ri.shape[0], ci.shape[0]), np.int64)
    for b, ch, oy, ox in np.ndindex(out.shape):
        if ri[oy, 0] < 0 or ci[ox, 0] < 0:
            out[b, ch, oy, ox] = fill
            continue
        acc = 0
        for i in range(ri.shape[1]):
            for j in range(ci.shape[1]):
                acc += int(rw[oy, i]) * int(cw[ox, j]) * int(q[b, ch, ri[oy, i], ci[ox, j]])
        assert abs(acc) < 1 << 31
        v = (acc + (1 << (s - 1))) >> s if s > 0 else acc << -s
        out[b, ch, oy, ox] = min(max(v, lo), hi)
    return out


CASES = {
    # label: (mode, (h, w), (oh, ow), scales, ctm, kwargs, bits, e_in, e_out, exact weights)
    "linear_half_pixel_x2": ("linear", (3, 4), (6, 8), (2.0, 2.0), "half_pixel", {}, 8, -5, -5, True),
    "linear_align_corners": ("linear", (4, 3), (6, 5), (6 / 4, 5 / 3), "align_corners", {}, 8, -5, -4, False),
    "linear_antialias_half": ("linear", (8, 6), (4, 3), (0.5, 0.5), "half_pixel", dict(antialias=True), 8, -4, -4, True),
    "cubic_asymmetric": ("cubic", (4, 5), (6, 9), (1.5, 1.8), "asymmetric", {}, 8, -5, -4, False),
    "cubic_exclude_outside": ("cubic", (5, 4), (8, 7), (1.6, 1.75), "half_pixel",
                              dict(cubic_a=-0.5, exclude_outside=True), 8, -5, -5, False),
    "linear_16bit_input": ("linear", (3, 3), (5, 7), (5 / 3, 7 / 3), "pytorch_half_pixel", {}, 16, -12, -5, False),
    "cubic_crop_and_resize": ("cubic", (5, 6), (4, 7), (4 / 5, 7 / 6), "tf_crop_and_resize",
                              dict(roi=((-0.3, 0.8), (0.1, 1.4))), 8, -5, -5, False),
}
for label, (mode, (h, w), (oh, ow), (sh, sw), ctm, kw, bits, e_in, e_out, exact) in CASES.items():
    qmax = 1 << (bits - 1)
    rois = kw.pop("roi", ((0.0, 1.0), (0.0, 1.0)))
    (ri, rw), (ci, cw) = (interp_taps(mode, n, o, float(np.float32(s)), ctm, roi=roi, **kw)
                          for n, o, s, roi in ((h, oh, sh, rois[0]), (w, ow, sw, rois[1])))
    f, rq, cq = fixed_point_taps(rw, cw, qmax)
    shift = 2 * f + e_out - e_in
    q = RNG.integers(-qmax, qmax, (2, 3, h, w))
    lo, hi = -128, 127
    fill = -7  # the extrapolation value on the output grid (tf_crop_and_resize)
    got = resize_int(q, (ri, rq), (ci, cq), shift, lo, hi, fill)
    ref = loop(q, ri, rq, ci, cq, shift, lo, hi, fill)
    flt = resample_hw(np.ldexp(q.astype(np.float64), e_in), (ri, rw), (ci, cw), np.ldexp(fill, e_out))
    rounded = np.clip(round_half_up(np.ldexp(flt, -e_out)), lo, hi)
    unrounded = np.ldexp(flt, -e_out)
    e_r = np.abs(np.ldexp(rq.astype(np.float64), -f) - rw).sum(axis=1).max()
    e_c = np.abs(np.ldexp(cq.astype(np.float64), -f) - cw).sum(axis=1).max()
    s_r, s_c = np.abs(rw).sum(axis=1).max(), np.abs(cw).sum(axis=1).max()
    bound = 0.5 + (e_r * s_c + s_r * e_c) * qmax * 2.0 ** (e_in - e_out)
    inside = (unrounded > lo) & (unrounded < hi)  # not saturated
    err = float(np.abs(got - unrounded)[inside].max())
    weights_exact = np.array_equal(np.ldexp(rq.astype(np.float64), -f), rw) and \
        np.array_equal(np.ldexp(cq.astype(np.float64), -f), cw)
    ok = (np.array_equal(got, ref) and acc_bound(rq, cq, qmax) < 1 << 31 and err <= bound
          and weights_exact == exact and (not exact or np.array_equal(got, rounded)))
    print(f"{label} {verdict(ok, label)} F={f} taps={ri.shape[1]}x{ci.shape[1]} err={err:.3f} bound={bound:.3f}"
          f" exact={weights_exact}")

# CHECK: linear_half_pixel_x2 ok F=2 taps=2x2 {{.*}} exact=True
# CHECK: linear_align_corners ok F=11
# CHECK: linear_antialias_half ok F=3 taps=4x4 {{.*}} exact=True
# CHECK: cubic_asymmetric ok
# CHECK: cubic_exclude_outside ok
# CHECK: linear_16bit_input ok F=7
# CHECK: cubic_crop_and_resize ok
# CHECK-NOT: FAIL
