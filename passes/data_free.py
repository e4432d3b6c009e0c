"""Data-free range estimation for `calibrate{method="data-free"}` (no calibration samples).

Two sources, as in data-free quantization (Nagel et al., 2019):

* **BatchNorm statistics.** `fold-batchnorm` records on the conv / gemm it folds a BN into
  `bn_stats = [array<f64: beta_c...>, array<f64: |gamma_c|...>]`: the per-channel mean and
  standard deviation of the value after the BN, as the BN was trained to produce them. Its
  range is then min_c(beta_c - k |gamma_c|) .. max_c(beta_c + k |gamma_c|) (k = `bn_sigmas`),
  clamped by a fused activation, and it propagates to the ops whose range follows from
  their inputs': ReLU / Clip (clipped), max / average / global average pooling, reshape,
  flatten, transpose, pad with zeros (the range plus 0), concat (the union) and add (the
  sum of the bounds, clamped by its fused activation).
* **Synthetic inputs** for every other value: samples drawn uniformly from the input's
  range, pushed through the float executor and calibrated like real samples. The range is
  `input_range` when given, else the one implied by an input normalisation that
  `fold-input-affine` folded (`arg_normalisation` on the function: x' = a x + b with
  mean -b/a: [0, 255] when a mean exceeds 2, else [0, 1]), else [-1, 1].

Every op gets `range_source = "bn-stats" | "synthetic"` beside its `range`, and the module
`qcomp.calibration = "data-free: ..."`, one line the driver prints as its warning.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects.traits import RangeOfInputs

BN_STATS = "bn_stats"
ARG_NORMALISATION = "arg_normalisation"
RANGE_SOURCE = "range_source"



def parse_input_range(text: str) -> tuple[float, float]:
    """'LO,HI' -> (LO, HI); ValueError with a message naming the text when it is not that."""
    parts = [p.strip() for p in text.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"input range '{text}' must be LO,HI (two numbers, e.g. 0,1 or -1,1)") from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise ValueError(f"input range '{text}' must have finite LO < HI")
    return lo, hi


def implied_input_range(f: func.FuncOp, index: int) -> tuple[float, float] | None:
    """The raw input range implied by the normalisation folded for argument `index`, if any."""
    norm = f.attributes.get(ARG_NORMALISATION)
    if not isinstance(norm, DictionaryAttr) or str(index) not in norm.data:
        return None
    a_attr, b_attr = norm.data[str(index)].data  # type: ignore[attr-defined]
    a, b = np.asarray(a_attr.get_values()), np.asarray(b_attr.get_values())
    if np.any(a == 0):
        return None
    mean = -b / a
    return (0.0, 255.0) if float(np.max(mean)) > 2.0 else (0.0, 1.0)


def input_ranges(f: func.FuncOp, given: str) -> list[tuple[float, float, str]]:
    """(lo, hi, how) per argument: the option, a folded normalisation, or the default [-1, 1]."""
    out = []
    fixed = parse_input_range(given) if given else None
    for i in range(len(f.args)):
        if fixed is not None:
            out.append((*fixed, "given"))
        elif (r := implied_input_range(f, i)) is not None:
            out.append((*r, "from the input normalisation"))
        else:
            out.append((-1.0, 1.0, "default: no input normalisation found, give --input-range LO,HI"))
    return out


def synthetic_inputs(f: func.FuncOp, ranges: list[tuple[float, float, str]], samples: int,
                     seed: int) -> list[np.ndarray]:
    """`samples` uniform random inputs per argument, shaped as calibration data would be."""
    rng = np.random.default_rng(seed)
    out = []
    for arg, (lo, hi, _) in zip(f.args, ranges):
        t = arg.type
        if not isinstance(t, TensorType):
            raise PassFailedException(f"calibrate: argument {arg.index} is not a tensor ({t})")
        shape = tuple(t.get_shape())
        full = (samples, *shape[1:]) if shape and shape[0] == 1 else (samples, *shape)
        out.append(rng.uniform(lo, hi, full).astype(np.float32))
    return out


def _float_operands(op: Operation) -> list[SSAValue]:
    return [v for v in op.operands if q.is_float_tensor(v.type) and not isinstance(v.owner, q.ConstantOp)]


def _clamp(op: Operation, lo: float, hi: float) -> tuple[float, float]:
    if isinstance(op, q.FusedActivation) and op.has_activation:
        a, b = op.act_bounds
        lo, hi = min(max(lo, a), b), min(max(hi, a), b)
    return lo, hi


def bn_ranges(f: func.FuncOp, sigmas: float) -> dict[Operation, tuple[float, float]]:
    """The ranges that follow from recorded BatchNorm statistics, by op (see the module doc)."""
    known: dict[SSAValue, tuple[float, float]] = {}
    out: dict[Operation, tuple[float, float]] = {}
    for op in f.body.walk():
        r: tuple[float, float] | None = None
        stats = op.attributes.get(BN_STATS)
        ins = _float_operands(op)
        if isinstance(stats, ArrayAttr) and len(stats.data) == 2:
            mean = np.asarray(stats.data[0].get_values())  # type: ignore[attr-defined]
            std = np.asarray(stats.data[1].get_values())  # type: ignore[attr-defined]
            r = _clamp(op, float(np.min(mean - sigmas * std)), float(np.max(mean + sigmas * std)))
        elif ins and all(v in known for v in ins):
            bounds = [known[v] for v in ins]
            if op.has_trait(RangeOfInputs):
                r = (min(b[0] for b in bounds), max(b[1] for b in bounds))
            elif isinstance(op, q.ReluOp):
                r = (max(bounds[0][0], 0.0), max(bounds[0][1], 0.0))
            elif isinstance(op, q.ClipOp):
                lo, hi = op.lo, op.hi
                r = (min(max(bounds[0][0], lo), hi), min(max(bounds[0][1], lo), hi))
            elif isinstance(op, q.PadOp) and op.fill == 0.0:
                r = (min(bounds[0][0], 0.0), max(bounds[0][1], 0.0))
            elif isinstance(op, q.AddOp) and len(bounds) == 2:
                r = _clamp(op, bounds[0][0] + bounds[1][0], bounds[0][1] + bounds[1][1])
        if r is not None and len(op.results) == 1:
            known[op.results[0]] = r
            out[op] = r
    return out


def summary(n_bn: int, n_synthetic: int, ranges: list[tuple[float, float, str]]) -> str:
    """The one-line account of what was estimated and how (the driver's warning)."""
    inputs = "; ".join(f"[{lo:g}, {hi:g}] ({how})" for lo, hi, how in ranges)
    parts = []
    if n_bn:
        parts.append(f"{n_bn} from BatchNorm statistics")
    if n_synthetic:
        parts.append(f"{n_synthetic} from synthetic inputs in {inputs}")
    return "data-free: activation ranges estimated, " + ", ".join(parts or ["none needed"])


__all__ = ["ARG_NORMALISATION", "BN_STATS", "RANGE_SOURCE", "bn_ranges", "input_ranges", "parse_input_range",
           "summary", "synthetic_inputs"]
