"""numpy <-> bytes-backed dense attributes, the printing of large constants, and the base
of the constant ops (`quant.constant`, `shift.constant`).

Weights live in `DenseIntOrFPElementsAttr`s backed by raw little-endian bytes, so
conversion is a zero-copy view; printing writes the hex blob straight from the bytes
(xDSL's generic path unpacks every element into Python), or elides it for humans as
MLIR does: `dense_resource<__elided__> : tensor<...>`, which parses back (the IR keeps its
structure and types) but has no data: reading its values raises `ElidedConstantError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
    f32,
    f64,
    i1,
    i8,
    i16,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation
from xdsl.irdl import attr_def, result_def
from xdsl.parser import Parser
from xdsl.printer import Printer

from qcomp.dialects.node_op import NodeOp, node_kw
from qcomp.errors import QcompError

ELIDED = "__elided__"
"""The resource handle of an elided constant (MLIR's spelling)."""

ConstantValue = DenseIntOrFPElementsAttr | DenseResourceAttr
"""What a constant op's `value` may be: data, or an elided placeholder."""


class ElidedConstantError(QcompError):
    """The IR was printed with its constants elided and parsed back: there are no values."""

_NP_TO_ELT: dict[str, Attribute] = {
    "float32": f32,
    "float64": f64,
    "int8": i8,
    "int16": i16,
    "int32": i32,
    "int64": i64,
    "bool": i1,
    "uint8": IntegerType(8, Signedness.UNSIGNED),
}


def element_dtype(elt: Attribute) -> np.dtype:
    """The little-endian numpy dtype that stores elements of builtin type `elt`."""
    if isinstance(elt, Float32Type):
        return np.dtype("<f4")
    if isinstance(elt, Float64Type):
        return np.dtype("<f8")
    if isinstance(elt, IntegerType):
        width = elt.width.data
        if width == 1:
            return np.dtype("bool")
        unsigned = elt.signedness.data == Signedness.UNSIGNED
        return np.dtype(f"<{'u' if unsigned else 'i'}{max(width, 8) // 8}")
    raise ValueError(f"no numpy storage for element type {elt}")


def dense_from_numpy(array: np.ndarray, elt: Attribute | None = None) -> DenseIntOrFPElementsAttr:
    """A bytes-backed dense attribute holding `array` (element type from its dtype unless given)."""
    if elt is None:
        key = np.dtype(array.dtype).name
        if key not in _NP_TO_ELT:
            raise ValueError(f"unsupported constant dtype {array.dtype}")
        elt = _NP_TO_ELT[key]
    data = np.ascontiguousarray(array, dtype=element_dtype(elt))
    return DenseIntOrFPElementsAttr(TensorType(elt, data.shape), BytesAttr(data.tobytes()))  # type: ignore[arg-type]


def elided_dense(type_: TensorType) -> DenseResourceAttr:
    """The placeholder an elided constant of `type_` parses to."""
    return DenseResourceAttr.from_params(ELIDED, type_)


def dense_to_numpy(attr: DenseIntOrFPElementsAttr | DenseResourceAttr) -> np.ndarray:
    """A read-only numpy view of a dense attribute (splats are expanded)."""
    if isinstance(attr, DenseResourceAttr):
        raise ElidedConstantError(
            f"a constant {attr.type} was elided when the IR was printed ({format_dense(attr)}): "
            "re-emit the IR with full constants (qcomp --emit mlir without --elide-constants, "
            "qcomp-opt without --elide-constants)")
    elt = attr.get_element_type()
    dtype = element_dtype(elt)
    shape = tuple(attr.get_shape())
    flat = np.frombuffer(attr.data.data, dtype=dtype)
    count = int(np.prod(shape, dtype=np.int64))
    if flat.size == 1 and count != 1:
        return np.broadcast_to(flat, shape)
    return flat.reshape(shape)


@dataclass
class ConstantPrintOptions:
    """How `quant.constant` / `shift.constant` print their payload.

    `elide_above`: constants with more elements than this print as
    `dense_resource<__elided__>` (parseable, but without values; for humans). None prints
    everything.
    """

    elide_above: int | None = None


PRINT_OPTIONS = ConstantPrintOptions()


@contextmanager
def elided_constants(limit: int | None = 16) -> Iterator[None]:
    """Within the block, large constants print elided."""
    old = PRINT_OPTIONS.elide_above
    PRINT_OPTIONS.elide_above = limit
    try:
        yield
    finally:
        PRINT_OPTIONS.elide_above = old


def format_dense(attr: DenseIntOrFPElementsAttr | DenseResourceAttr) -> str:
    """`dense<...>` text for `attr`: a list when small, a hex blob when large,
    `dense_resource<__elided__>` when elision is on (or the value was elided already)."""
    if isinstance(attr, DenseResourceAttr):
        return f"dense_resource<{attr.resource_handle.data}>"
    arr = dense_to_numpy(attr)
    limit = PRINT_OPTIONS.elide_above
    if limit is not None and arr.size > limit:
        return f"dense_resource<{ELIDED}>"
    if arr.size > 100 or (arr.dtype.kind == "f" and not np.all(np.isfinite(arr))):
        return 'dense<"0x' + np.ascontiguousarray(arr).tobytes().hex().upper() + '">'
    flat = arr.reshape(-1)
    if arr.size > 1 and np.all(flat == flat[0]):
        return f"dense<{_scalar_text(flat[0])}>"  # type: ignore[arg-type]
    return "dense<" + _nested_text(arr) + ">"


def _scalar_text(v: np.generic) -> str:
    if isinstance(v, np.bool_):
        return "true" if v else "false"
    if isinstance(v, np.floating):
        return repr(float(v)) if np.isfinite(v) else ("0x7F800000" if v > 0 else "0xFF800000")
    return str(int(v))


def _nested_text(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return _scalar_text(arr[()])  # type: ignore[arg-type]
    return "[" + ", ".join(_nested_text(a) for a in arr) + "]"


def print_constant(op: Operation, value: DenseIntOrFPElementsAttr, printer: Printer) -> None:
    """Custom syntax shared by `quant.constant` and `shift.constant`:
    ` dense<...> : <value type> [-> <result type>] [{attrs}]`."""
    printer.print_string(" " + format_dense(value) + " : ")
    printer.print_attribute(value.type)
    if op.results[0].type != value.type:
        printer.print_string(" -> ")
        printer.print_attribute(op.results[0].type)
    extra = {k: v for k, v in op.attributes.items() if k != "value"}
    if extra:
        printer.print_string(" ")
        printer.print_attr_dict(extra)


def parse_constant(parser: Parser, op_name: str) -> tuple[ConstantValue, Attribute, dict[str, Attribute]]:
    """Parse the syntax of `print_constant`: (value, result type, extra attributes)."""
    value = parser.parse_attribute()
    if isinstance(value, DenseResourceAttr) and value.resource_handle.data != ELIDED:
        parser.raise_error(f"{op_name}: only the elided resource `dense_resource<{ELIDED}>` is supported")
    if not isinstance(value, DenseIntOrFPElementsAttr | DenseResourceAttr):
        parser.raise_error(f"{op_name} expects a dense elements attribute")
    rtype: Attribute = value.type
    if parser.parse_optional_punctuation("->") is not None:
        rtype = parser.parse_type()
    return value, rtype, dict(parser.parse_optional_attr_dict())


class ConstantOpBase(NodeOp):
    """Base of `quant.constant` and `shift.constant`: a bytes-backed `value` (see the ops for
    what it may hold), the ONNX `node` name, one tensor result, and the syntax of
    `print_constant` instead of the generic one."""

    value = attr_def(ConstantValue)  # typed Attribute: attr_def of a union (hence the ignores below)
    output = result_def(TensorType)
    assembly_format = None

    def __init__(self, value: ConstantValue, result_type: Attribute | None = None,
                 node: str | None = None):
        super().__init__(result_types=[result_type or value.type],
                         attributes={"value": value, **node_kw(node)})

    def numpy(self) -> np.ndarray:
        """The data as a read-only numpy view (ElidedConstantError for an elided constant)."""
        return dense_to_numpy(self.value)  # type: ignore[arg-type]

    def print(self, printer: Printer) -> None:
        print_constant(self, self.value, printer)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOpBase:
        value, rtype, attrs = parse_constant(parser, cls.name)
        op = cls(value, rtype)
        op.attributes.update(attrs)
        return op
