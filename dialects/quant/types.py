"""The power-of-two quantized element type `!quant.pot` and tensor-type helpers."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    ArrayAttr,
    IntAttr,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    irdl_attr_definition,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from qcomp.numerics import int_bounds

# --------------------------------------------------------------------------- types


@irdl_attr_definition
class PotType(ParametrizedAttribute, TypeAttribute):
    """Power-of-two quantized element: value = q * 2^exp, q stored in `storage`.

    Per tensor: `!quant.pot<i8, -5>`. Per axis (one exponent per slice along `axis`):
    `!quant.pot<i8:0, [-7, -6, -8]>`. Storage is a signless (signed) or unsigned integer.
    """

    name = "quant.pot"
    storage: IntegerType
    exponents: ArrayAttr[IntAttr]
    axis: IntAttr  # -1: per tensor

    def __init__(self, storage: IntegerType, exponents: int | Sequence[int], axis: int = -1):
        exps = [exponents] if isinstance(exponents, int) else list(exponents)
        super().__init__(storage, ArrayAttr([IntAttr(int(e)) for e in exps]), IntAttr(axis))

    @property
    def per_axis(self) -> bool:
        return self.axis.data >= 0

    @property
    def exps(self) -> list[int]:
        return [e.data for e in self.exponents.data]

    @property
    def exp(self) -> int:
        """The single exponent of a per-tensor type."""
        if self.per_axis:
            raise ValueError(f"{self} is per-axis: it has no single exponent")
        return self.exponents.data[0].data

    @property
    def bits(self) -> int:
        return self.storage.width.data

    @property
    def unsigned(self) -> bool:
        return self.storage.signedness.data == Signedness.UNSIGNED

    @property
    def qmin(self) -> int:
        return int_bounds(self.bits, self.unsigned)[0]

    @property
    def qmax(self) -> int:
        return int_bounds(self.bits, self.unsigned)[1]

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            storage = parser.parse_type()
            if not isinstance(storage, IntegerType):
                parser.raise_error("quant.pot storage must be an integer type")
            axis = -1
            if parser.parse_optional_punctuation(":") is not None:
                axis = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            if axis >= 0:
                exps = parser.parse_comma_separated_list(
                    parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
                )
            else:
                exps = [parser.parse_integer(allow_boolean=False)]
        return (storage, ArrayAttr([IntAttr(e) for e in exps]), IntAttr(axis))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.storage)
            if self.per_axis:
                printer.print_string(f":{self.axis.data}, [{', '.join(map(str, self.exps))}]")
            else:
                printer.print_string(f", {self.exps[0]}")

    def verify(self) -> None:
        if not self.exponents.data:
            raise VerifyException("quant.pot needs at least one exponent")
        if not self.per_axis and len(self.exponents.data) != 1:
            raise VerifyException("a per-tensor quant.pot has exactly one exponent")
        if not 2 <= self.storage.width.data <= 32:
            raise VerifyException("quant.pot storage must be 2 to 32 bits wide")


def pot_of(t: Attribute) -> PotType | None:
    """The PoT element type of a tensor type, or None for float tensors."""
    if isinstance(t, TensorType) and isinstance(t.element_type, PotType):
        return t.element_type
    return None


def shape_of(value: SSAValue | Attribute) -> tuple[int, ...]:
    t = value.type if isinstance(value, SSAValue) else value
    if not isinstance(t, TensorType):
        raise VerifyException(f"expected a tensor, got {t}")
    return tuple(t.get_shape())
