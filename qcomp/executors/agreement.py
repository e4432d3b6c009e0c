"""Agreement check between the quant level (fake quantization) and the shift level (integers).

    from qcomp.executors.agreement import check_agreement
    report = check_agreement(pot_module, calib_x)          # float inputs are quantized first
    for a in report.outputs:
        print(a.name, a.equal, a.total, a.max_abs_diff)     # a.equal == a.total when they agree

docs/quantization.md defines the quant level's pot-typed semantics as "the op computed
exactly, then rounded half up onto the result grid", which is what the shift kernels
compute. So for every output element, quant value * 2^-e must equal the shift integer.
The check lowers a copy of the module with `lower-quant-to-shift`, runs the quant executor
on the dequantized inputs and the shift executor on the integers, and counts the equal
integers per function result (and, with `per_node=True`, per ONNX node: the value each
node finally produces on both levels). Known by-design exceptions: `softmax` (the shift
level uses an exponential table) and table-lowered functions whose float value lands
within float rounding of a tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from qcomp.dialects.quant import PotType, node_of, pot_of
from qcomp.executors.base import find_function
from qcomp.executors.shift import ShiftExecutor, dequantize, quantize_input, storage_dtype
from qcomp.target import rounding_of


@dataclass
class Agreement:
    """How many integers of one value agree between the two levels."""

    name: str
    equal: int
    total: int
    max_abs_diff: int

    @property
    def exact(self) -> bool:
        return self.equal == self.total


@dataclass
class AgreementReport:
    """Per function result (in order), and per ONNX node when asked."""

    outputs: list[Agreement]
    nodes: dict[str, Agreement] = field(default_factory=dict)
    shift_module: ModuleOp | None = None

    @property
    def exact(self) -> bool:
        return all(a.exact for a in self.outputs)

    def counts(self) -> list[tuple[int, int]]:
        """(equal, total) per function result."""
        return [(a.equal, a.total) for a in self.outputs]


def _to_integers(x: np.ndarray, pot: PotType) -> np.ndarray:
    """Quant-level values (multiples of 2^e) as integers q = x * 2^-e (per-tensor `pot`); a value off
    the grid becomes qmax + 1, which no shift integer equals."""
    v = np.ldexp(np.asarray(x, np.float64), -pot.exp)
    integral = np.isfinite(v) & (v == np.round(v))
    return np.where(integral, v, pot.qmax + 1).astype(np.int64)


def _compare(name: str, qv: np.ndarray, sv: np.ndarray, pot: PotType) -> Agreement:
    """Count equal integers between quant values (on `pot`'s grid) and shift integers."""
    a = _to_integers(qv, pot)
    b = np.asarray(sv, np.int64)
    if a.shape != b.shape:
        raise ValueError(f"{name}: quant result shape {a.shape} differs from shift result shape {b.shape}")
    diff = np.abs(a - b)
    return Agreement(name, int(np.count_nonzero(diff == 0)), int(diff.size),
                     int(diff.max()) if diff.size else 0)


class _Recorder:
    """Observer keeping, per ONNX node, the last per-tensor pot value it produces (all chunks)."""

    def __init__(self) -> None:
        self.chunks: dict[str, list[np.ndarray]] = {}
        self.types: dict[str, PotType] = {}
        self._chunk: dict[str, np.ndarray] = {}

    def __call__(self, op: Operation | None, results: list[np.ndarray]) -> None:
        if op is None:  # a new chunk starts: flush the previous one
            self.flush()
            return
        if len(op.results) != 1 or "node" not in op.attributes:
            return
        pot = pot_of(op.results[0].type)
        if pot is None or pot.per_axis or op.name.endswith(".constant"):
            return
        self._chunk[node_of(op)] = results[0]
        self.types[node_of(op)] = pot

    def flush(self) -> None:
        for k, v in self._chunk.items():
            self.chunks.setdefault(k, []).append(np.array(v))
        self._chunk = {}

    def values(self) -> dict[str, np.ndarray]:
        self.flush()
        return {k: np.concatenate(v, axis=0) for k, v in self.chunks.items()}


def check_agreement(module: ModuleOp, inputs: Sequence[np.ndarray], *, per_node: bool = False,
                    func_name: str | None = None, shift_module: ModuleOp | None = None) -> AgreementReport:
    """Run pot-typed quant `module` (fake quant) and its shift lowering on the same quantized inputs.

    `inputs` are batched (leading sample axis); float arrays are quantized onto the
    arguments' grids with `quantize_input`, integer arrays are taken as storage integers.
    `shift_module` may be given (already lowered); otherwise a copy of `module` is lowered.
    Returns per-output (and with `per_node`, per-node) counts of exactly equal integers.
    """
    from qcomp.context import make_context
    from qcomp.executors.quant import QuantExecutor
    from qcomp.passes.lower_quant_to_shift import LowerQuantToShiftPass

    f = find_function(module, func_name)
    arg_types = f.function_type.inputs.data
    rounding = rounding_of(f)
    ints, floats = [], []
    for i, (x, t) in enumerate(zip(inputs, arg_types)):
        pot = pot_of(t)
        if pot is None:
            raise ValueError(f"argument {i} of @{f.sym_name.data} is not pot-typed ({t})")
        x = np.asarray(x)
        qx = x.astype(storage_dtype(t)) if x.dtype.kind in "iu" else quantize_input(x, pot, rounding)
        ints.append(qx)
        floats.append(dequantize(qx, pot, dtype=np.float64).astype(np.float32))
    if shift_module is None:
        shift_module = module.clone()
        LowerQuantToShiftPass().apply(make_context(), shift_module)
    rec_q, rec_s = (_Recorder(), _Recorder()) if per_node else (None, None)
    q_out = QuantExecutor(module, func_name).run(floats, observer=rec_q)
    s_out = ShiftExecutor(shift_module, func_name).run(ints, observer=rec_s)
    outputs = []
    for k, (qv, sv, t) in enumerate(zip(q_out, s_out, f.function_type.outputs.data)):
        pot = pot_of(t)
        if pot is None or pot.per_axis:
            raise ValueError(f"result {k} of @{f.sym_name.data} is not a per-tensor pot type ({t})")
        outputs.append(_compare(f"result {k}", qv, sv, pot))
    nodes: dict[str, Agreement] = {}
    if rec_q is not None and rec_s is not None:
        qvals, svals = rec_q.values(), rec_s.values()
        for name, qv in qvals.items():
            if name in svals and rec_q.types[name] == rec_s.types.get(name):
                nodes[name] = _compare(name, qv, svals[name], rec_q.types[name])
    return AgreementReport(outputs, nodes, shift_module)


def agreement_counts(module: ModuleOp, inputs: Sequence[np.ndarray]) -> list[tuple[int, int]]:
    """(equal integers, total) per function result: see `check_agreement`."""
    return check_agreement(module, inputs).counts()
