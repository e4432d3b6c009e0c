"""The calibrated-range annotation, read and written in one place.

`calibrate` records each activation's real range as `range = array<f64: lo, hi>` on the op
that produces it, and the arguments' as `arg_ranges = [array<f64: lo, hi>, ...]` on the
function. `pot-scale` turns them into exponents, `check-overflow` (input_bound=range) into
integer bounds, and the folding passes move them to the op whose result a fold makes the
annotated value. They are annotations, not semantics: dropping them changes no op's meaning.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, f64
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue

RANGE = "range"
ARG_RANGES = "arg_ranges"

Range = tuple[float, float]


def range_attr(lo: float, hi: float) -> DenseArrayBase:
    """`array<f64: lo, hi>`."""
    return DenseArrayBase.from_list(f64, [float(lo), float(hi)])


def _pair(attr: Attribute | None) -> Range | None:
    if isinstance(attr, DenseArrayBase):
        vals = [float(v) for v in attr.iter_values()]  # type: ignore[misc]
        if len(vals) == 2:
            return vals[0], vals[1]
    return None


def op_range(op: Operation) -> Range | None:
    """The `range` recorded on `op` (the range of its result), if any."""
    return _pair(op.attributes.get(RANGE))


def arg_ranges(f: func.FuncOp) -> list[Range | None]:
    """The recorded range of each argument of `f` (None where there is none)."""
    attr = f.attributes.get(ARG_RANGES)
    out: list[Range | None] = [None] * len(f.args)
    if isinstance(attr, ArrayAttr):
        for i, r in enumerate(attr.data[: len(out)]):
            out[i] = _pair(r)
    return out


def value_range(v: SSAValue) -> Range | None:
    """The recorded range of any value: its producer's `range`, or its function's `arg_ranges`."""
    if isinstance(v, BlockArgument):
        f = v.block.parent_op()
        return arg_ranges(f)[v.index] if isinstance(f, func.FuncOp) else None
    return op_range(v.owner) if isinstance(v.owner, Operation) else None


def set_range(op: Operation, lo: float, hi: float) -> None:
    op.attributes[RANGE] = range_attr(lo, hi)


def set_arg_ranges(f: func.FuncOp, ranges: Sequence[Range]) -> None:
    f.attributes[ARG_RANGES] = ArrayAttr([range_attr(lo, hi) for lo, hi in ranges])


def carry_range(src: Operation, dst: Operation | MutableMapping[str, Attribute]) -> None:
    """After a fold that makes `dst`'s result the value `src` produced: `dst` takes `src`'s range
    (or has none, when `src` had none). `dst` is an op or an attribute dict being built."""
    attrs = dst.attributes if isinstance(dst, Operation) else dst
    attrs.pop(RANGE, None)
    if RANGE in src.attributes:
        attrs[RANGE] = src.attributes[RANGE]
