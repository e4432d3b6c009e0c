"""shift ops that resample H and W: resize_nearest (a gather), resize (a separable fixed-point
filter) and zero_interleave (ConvTranspose's zero insertion). Their tables come from
`qcomp.numerics.resize`; the ops carry them, so the executor and the C read the same integers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import I64, DenseArrayBase, IntegerAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import attr_def, irdl_op_definition, opt_attr_def, traits_def

from qcomp.dialects.accumulators import ResizeTapsAccumulator
from qcomp.dialects.movement import ZeroInterleaveBase
from qcomp.dialects.node_op import node_kw, shape
from qcomp.dialects.resize import ResizeBase
from qcomp.dialects.shift.base import ShiftOp, _check_shift_range, _i64, int_range
from qcomp.dialects.shift.movement import _CopyOp
from qcomp.dialects.window import int_list, ints
from qcomp.numerics.resize import ACC_MAX, MAX_FRAC_BITS, acc_bound


def _check_index(op: ShiftOp, what: str, idx: Sequence[int], size: int) -> None:
    """Indices in [0, size - 1], or -1 (an extrapolated output: `fill`)."""
    if idx and not -1 <= min(idx) <= max(idx) < size:
        raise op.error(f"{what} [{min(idx)}, {max(idx)}] must lie in [0, {size - 1}] (or be -1: fill)")


class _FillMixin:
    """The optional `fill` (absent: 0) of the extrapolated outputs (tf_crop_and_resize): every
    output whose row or column index is -1."""

    fill = opt_attr_def(IntegerAttr[I64])

    @property
    def fill_value(self) -> int:
        attr = self.fill
        return attr.value.data if attr is not None else 0


def _verify_fill(op: ResizeNearestOp | ResizeOp) -> None:
    lo, hi = int_range(op.storage(op.results[0], "result"))
    if not lo <= op.fill_value <= hi:
        raise op.error(f"fill {op.fill_value} is outside the storage range [{lo}, {hi}]")


@irdl_op_definition
class ResizeNearestOp(_FillMixin, _CopyOp, ResizeBase):
    """Nearest-neighbour resize of H and W: a gather. Same element type in and out.

        out[n, c, oy, ox] = rows[oy] < 0 or cols[ox] < 0 ? fill : in[n, c, rows[oy], cols[ox]]
    (`rows` has one input row per output row, `cols` one input column per output column, -1 for
    the extrapolated ones of tf_crop_and_resize; see `qcomp.numerics.resize.nearest_indices`).
        %y = shift.resize_nearest %x {node = "up", rows = array<i64: 0, 0, 1, 1>, cols = array<i64: 0, 0, 1, 1>}
            : (tensor<1x8x2x2x!quant.pot<i8, -5>>) -> tensor<1x8x4x4x!quant.pot<i8, -5>>
    """

    name = "shift.resize_nearest"
    rows = attr_def(DenseArrayBase)
    cols = attr_def(DenseArrayBase)

    def __init__(self, x: SSAValue, rows: Sequence[int], cols: Sequence[int], result_type: Attribute, *,
                 fill: int = 0, node: str | None = None):
        attrs = {**node_kw(node), "rows": ints(rows), "cols": ints(cols), **({"fill": _i64(fill)} if fill else {})}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    def index_tables(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(int_list(self.rows), np.int64), np.asarray(int_list(self.cols), np.int64)

    def verify_(self) -> None:
        super().verify_()
        (_, _, h, w), (_, _, oh, ow) = self.verify_resize()
        rows, cols = int_list(self.rows), int_list(self.cols)
        if len(rows) != oh or len(cols) != ow:
            raise self.error(f"needs {oh} rows and {ow} cols, got {len(rows)} and {len(cols)}")
        _check_index(self, "rows", rows, h)
        _check_index(self, "cols", cols, w)
        _verify_fill(self)


@irdl_op_definition
class ResizeOp(_FillMixin, ShiftOp, ResizeBase):
    """Linear / cubic resize of H and W with fixed-point weights: a separable filter on integers.

    With T_h, T_w = `taps`, r[oy, i] = rows[oy * T_h + i], R[oy, i] = row_weights[oy * T_h + i] (and
    c, C from cols, col_weights), F = `frac_bits` (every row of R and of C sums to 2^F) and
    s = `shift` = 2F + e_out - e_in:
        acc = sum_{i < T_h} sum_{j < T_w} (R[oy, i] * C[ox, j]) * in[n, c, r[oy, i], c[ox, j]]   (exact)
        out[n, c, oy, ox] = clamp(rshift(acc, s), qmin, qmax)
    except that an output whose row or column indices are -1 (tf_crop_and_resize's extrapolated
    ones: every tap of that row or column) is `fill` (absent: 0). The verifier proves max_oy sum_i |R| * max_ox sum_j |C| * max|q_in| < 2^31 (the int32
    accumulator). The weights are the float weights of ONNX's filter rounded to F bits (exact
    when they are dyadic, e.g. 1/4, 3/4 for scale-2 half_pixel), so out is within
    1/2 + (E_r S_c + S_r E_c) max|q| 2^(e_in - e_out) LSB of the exact resize (E the per-axis
    weight error, <= (taps - 1) 2^-F, S the per-axis sum of |weights|): see `qcomp.numerics.resize`.
        %y = shift.resize %x {node = "up", taps = array<i64: 2, 2>, rows = array<i64: 0, 0, 0, 1, ...>,
               row_weights = array<i64: 4, 0, 3, 1, ...>, cols = ..., col_weights = ...,
               frac_bits = 2 : i64, shift = 4 : i64}
            : (tensor<1x8x2x2x!quant.pot<i8, -5>>) -> tensor<1x8x4x4x!quant.pot<i8, -5>>
    """

    name = "shift.resize"
    traits = traits_def(ResizeTapsAccumulator())
    taps = attr_def(DenseArrayBase)
    rows = attr_def(DenseArrayBase)
    row_weights = attr_def(DenseArrayBase)
    cols = attr_def(DenseArrayBase)
    col_weights = attr_def(DenseArrayBase)
    frac_bits = attr_def(IntegerAttr[I64])
    shift = attr_def(IntegerAttr[I64])

    def __init__(self, x: SSAValue, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray],
                 result_type: Attribute, *, frac_bits: int, shift: int, fill: int = 0, node: str | None = None):
        (ri, rw), (ci, cw) = rows, cols
        attrs: dict[str, Attribute] = {
            **node_kw(node), "taps": ints([ri.shape[1], ci.shape[1]]),
            "rows": ints(ri.reshape(-1)), "row_weights": ints(rw.reshape(-1)),
            "cols": ints(ci.reshape(-1)), "col_weights": ints(cw.reshape(-1)),
            "frac_bits": _i64(frac_bits), "shift": _i64(shift), **({"fill": _i64(fill)} if fill else {})}
        super().__init__(operands=[x], result_types=[result_type], attributes=attrs)

    @property
    def frac(self) -> int:
        return self.frac_bits.value.data

    @property
    def shift_amount(self) -> int:
        return self.shift.value.data

    def tables(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """((rows [OH, T_h], row weights), (cols [OW, T_w], column weights)) as int64 arrays."""
        th, tw = int_list(self.taps)
        oh, ow = shape(self.output)[2:]

        def table(attr: DenseArrayBase, n: int, t: int) -> np.ndarray:
            return np.asarray(int_list(attr), np.int64).reshape(n, t)

        return ((table(self.rows, oh, th), table(self.row_weights, oh, th)),
                (table(self.cols, ow, tw), table(self.col_weights, ow, tw)))

    def verify_(self) -> None:
        (_, _, h, w), (_, _, oh, ow) = self.verify_resize()
        st = self.storage(self.input, "input")
        self.storage(self.output, "result")
        if st.width.data > 16:
            raise self.error(f"input storage {st} is wider than 16 bits")
        taps = int_list(self.taps)
        if len(taps) != 2 or min(taps) < 1:
            raise self.error(f"taps must be 2 positive counts (rows, cols), got {taps}")
        th, tw = taps
        for name, n in (("rows", oh * th), ("row_weights", oh * th), ("cols", ow * tw), ("col_weights", ow * tw)):
            got = len(int_list(self.attributes[name]))  # type: ignore[arg-type]
            if got != n:
                raise self.error(f"{name} needs {n} values, got {got}")
        f = self.frac
        if not 0 <= f <= MAX_FRAC_BITS:
            raise self.error(f"frac_bits {f} must be in [0, {MAX_FRAC_BITS}]")
        (ri, rw), (ci, cw) = self.tables()
        _check_index(self, "rows", ri.reshape(-1).tolist(), h)
        _check_index(self, "cols", ci.reshape(-1).tolist(), w)
        for what, idx in (("rows", ri), ("cols", ci)):
            if np.any((idx < 0).any(axis=1) != (idx < 0).all(axis=1)):
                raise self.error(f"an extrapolated output needs -1 in every tap of {what}")
        _verify_fill(self)
        for what, wt in (("row_weights", rw), ("col_weights", cw)):
            sums = wt.sum(axis=1)
            if np.any(sums != 1 << f):
                bad = int(sums[sums != 1 << f][0])
                raise self.error(f"every row of {what} must sum to 2^frac_bits = {1 << f}, got {bad}")
        lo, hi = int_range(st)
        bound = acc_bound(rw, cw, max(-lo, hi))
        if bound > ACC_MAX:
            raise self.error(f"accumulator bound {bound} does not fit int32")
        _check_shift_range(self, "shift", [self.shift_amount])
        ei, eo = self.exp(self.input, "input"), self.exp(self.output, "result")
        if ei is not None and eo is not None and self.shift_amount != 2 * f + eo - ei:
            raise self.error(f"shift {self.shift_amount} must be 2 * frac_bits + e_out - e_in = {2 * f + eo - ei}")


@irdl_op_definition
class ZeroInterleaveOp(_CopyOp, ZeroInterleaveBase):
    """Zero insertion over H and W (ConvTranspose's strides): see ZeroInterleaveBase. New positions
    hold 0 (the integer of 0.0 on any grid); same element type in and out.
        %z = shift.zero_interleave %x {node = "up", strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>}
            : (tensor<1x8x4x4x!quant.pot<i8, -5>>) -> tensor<1x8x7x7x!quant.pot<i8, -5>>
    """

    name = "shift.zero_interleave"
