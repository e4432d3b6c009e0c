"""What an op *is*, declared on the op: xDSL traits and op interfaces the passes query.

Passes ask `op.has_trait(SharesInputScale)` or `op.get_trait(AccumulatorBound)` instead of
keeping their own tables of op classes, so a new op states its properties in one place,
its definition:

* `SharesInputScale`: the result is on the input's grid (ReLU, Clip, MaxPool, the data
  movement ops); `pot-scale` gives it the input's exponent.
* `RangeOfInputs`: every result value is one of the inputs' values or an average of them
  (pooling, data movement); the data-free calibration takes the union of the input ranges.
* `ElementwiseFunction`: a float function of one tensor, element by element: the numpy
  function and the op attributes it takes. The float executor runs it (the op's
  `reference(x)`), and `lower-quant-to-shift` tabulates it into a `shift.lut` when the input
  has at most 8 bits, into the knots of a `shift.interp` (linear interpolation) up to 16.
* `AccumulatorBound`: an op interface for ops that sum integers into an accumulator;
  `check-overflow` calls its `check(op, checker)` (see `passes/check_overflow.py` for the
  checker's methods: `qbound`, `const_q`, `dot`, `fits`, `window`).
* `FusedActivation` (a mixin of the quant dialect, with methods): the op can absorb a
  following clamp (ReLU, ReLU6, Clip) into `act_min` / `act_max`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.ir import Operation
from xdsl.traits import OpTrait
from xdsl.utils.exceptions import VerifyException


@dataclass(frozen=True)
class SharesInputScale(OpTrait):
    """The result holds input values (or clamps of them) on the input's grid: same exponent."""


@dataclass(frozen=True)
class RangeOfInputs(OpTrait):
    """Every result value lies in the hull of the (non-constant) inputs' ranges."""


@dataclass(frozen=True)
class ElementwiseFunction(OpTrait):
    """A float function applied element by element: `fn(x, *params)` with `params` the values of
    the op's float attributes of those names (numpy; `qcomp.numerics.functions`); `fn_name`
    names it in `shift.lut` and in the C. The op's `reference(x)` applies it."""

    fn_name: str
    fn: Callable[..., np.ndarray]
    params: tuple[str, ...] = ()

    def apply(self, op: Operation, x: np.ndarray) -> np.ndarray:
        return self.fn(x, *(op.attributes[p].value.data for p in self.params))  # type: ignore[attr-defined]

    def verify(self, op: Operation) -> None:
        for p in self.params:
            if p not in op.attributes:
                raise VerifyException(f"{op.name}: missing the '{p}' attribute of {self.fn_name}")


class AccumulatorBound(OpTrait):
    """Op interface: the op sums integer products or values into an accumulator."""

    @staticmethod
    @abstractmethod
    def check(op: Operation, checker: Any) -> None:
        """Bound the op's accumulator and report it to `checker` (`fits` / `dot` / `window`)."""


__all__ = ["AccumulatorBound", "ElementwiseFunction", "RangeOfInputs", "SharesInputScale"]
