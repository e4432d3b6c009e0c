"""Per-layer error analysis of a quantized network (`qcomp report`), in PPQ's two views.

    rows = analyse(float_module, quant_module, xs, threshold=0.1)   # one LayerRow per layer
    print(format_table(rows, threshold))

`float_module` is the pipeline's module just before `pot-scale` (float ops, float weights);
`quant_module` the same ops after it (fake quantization at every `!quant.pot` value), so
their non-constant ops pair one to one, in program order. For every layer (an op that
computes; pure data movement such as reshape or slice adds no rounding and gets no row;
the graph inputs get one) and over all samples:

* graphwise: noise energy over signal energy of the quantized network up to this layer
  against the float network up to this layer, sum (q - f)^2 / sum f^2;
* layerwise: the same with only this layer quantized: its float inputs from the float
  network, unquantized, its quantized weights, its output rounded to its grid. Each
  rounding is thus charged to the one layer whose output grid (or weights) it is, so a
  mis-scaled layer shows up at that layer and not at its consumers;
* saturation: the fraction of this layer's layerwise outputs that lie beyond its grid;
* dominance: how far the largest output channel (and, for per-tensor weights, the largest
  weight channel) is above the median channel, which per-channel weights or cross-layer
  equalization would address.

Error ratios are also given as SNR in dB, -10 log10(ratio); 0.1 is 10 dB.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from qcomp.dialects import quant as q
from qcomp.dialects.movement import PadBase, ReshapeBase, SliceBase, TransposeBase
from qcomp.dialects.ranges import arg_ranges, op_range
from qcomp.executors.base import Step, pair_steps
from qcomp.executors.fake_quant import pot_scale
from qcomp.executors.quant import QuantExecutor

#: data movement: the values pass through unchanged, so the op adds no rounding of its own
MOVEMENT = (ReshapeBase, TransposeBase, SliceBase, PadBase, q.FlattenOp)
#: a channel this many times the median channel "dominates" (2^3: three bits of the grid)
DOMINANCE = 8.0
#: more than this fraction of saturated outputs is worth a hint
SATURATION = 0.01
#: a weight operand: (op class, operand index, output-channel axis given the op)
WEIGHTED: tuple[tuple[type[Operation], int, Callable[[Operation], int]], ...] = (
    (q.Conv2dOp, 1, lambda op: 0),
    (q.GemmOp, 1, lambda op: 0 if op.tb else 1),  # type: ignore[attr-defined]
    (q.MatMulOp, 1, lambda op: -1),
)


@dataclass
class LayerRow:
    """One row of the report (the JSON object of one layer)."""

    index: int
    node: str
    op: str
    input_exp: list[int | str]
    weight_exp: int | str | None
    output_exp: int | str | None
    range: list[float] | None
    saturated: float = 0.0
    graphwise: float = 0.0
    layerwise: float = 0.0
    graphwise_db: float | None = None
    layerwise_db: float | None = None
    flagged: bool = False
    hints: list[str] = field(default_factory=list)
    # accumulators (not reported)
    _g: list[float] = field(default_factory=lambda: [0.0, 0.0], repr=False)
    _l: list[float] = field(default_factory=lambda: [0.0, 0.0], repr=False)
    _sat: list[int] = field(default_factory=lambda: [0, 0], repr=False)
    _chan: np.ndarray | None = field(default=None, repr=False)
    _wdom: tuple[float, int] | None = field(default=None, repr=False)

    def as_json(self) -> dict:
        d = asdict(self)
        return {k: v for k, v in d.items() if not k.startswith("_")}


def snr_db(ratio: float) -> float | None:
    """-10 log10(noise/signal); None for an exact layer (ratio 0)."""
    if ratio <= 0.0:
        return None
    return -10.0 * math.log10(ratio) if math.isfinite(ratio) else -math.inf


def _exp_text(t) -> int | str | None:  # type: ignore[no-untyped-def]
    pot = q.pot_of(t)
    if pot is None:
        return None
    if not pot.per_axis:
        return pot.exp
    es = list(pot.exps)
    return f"{min(es)}..{max(es)} (per-channel)"


def _is_constant(op: Operation) -> bool:
    return isinstance(op, q.ConstantOp | arith.ConstantOp)


def _sums(got: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    g = np.asarray(got, np.float64)
    r = np.asarray(ref, np.float64)
    return float(np.sum((g - r) ** 2)), float(np.sum(r * r))


def _channel_absmax(x: np.ndarray, batched_replace: bool) -> np.ndarray | None:
    """Per-channel max |x| of a batched NCHW-like value (channel axis 1), else None."""
    if x.ndim < 3 or not batched_replace:
        return None
    return np.max(np.abs(x), axis=tuple(i for i in range(x.ndim) if i != 1))


def _dominance(absmax: np.ndarray) -> tuple[float, int]:
    """(largest channel / median channel, index of the largest)."""
    med = float(np.median(absmax))
    k = int(np.argmax(absmax))
    return (float(absmax[k]) / med if med > 0 else math.inf), k


def _weight_dominance(op: Operation, fstep: Step, fx: QuantExecutor) -> tuple[float, int] | None:
    """Dominance of the float weights over output channels, when the weights are per-tensor."""
    for cls, index, axis_of in WEIGHTED:
        if isinstance(op, cls) and index < len(op.operands):
            pot = q.pot_of(op.operands[index].type)
            if pot is None or pot.per_axis:
                return None
            w = fx._env0[fstep.ins[index]]
            if w is None or np.ndim(w) < 2:
                return None
            axis = axis_of(op) % np.ndim(w)
            absmax = np.max(np.abs(np.asarray(w, np.float64)), axis=tuple(i for i in range(np.ndim(w)) if i != axis))
            return _dominance(absmax)
    return None


def _new_row(index: int, op: Operation, fstep: Step, fx: QuantExecutor) -> LayerRow:
    weight = None
    for cls, k, _ in WEIGHTED:
        if isinstance(op, cls) and k < len(op.operands) and _is_constant(op.operands[k].owner):  # type: ignore[arg-type]
            weight = _exp_text(op.operands[k].type)
    ins = [_exp_text(v.type) for v, dyn in zip(op.operands, fstep.in_dynamic) if dyn]
    rng = op_range(op)
    row = LayerRow(index, q.node_of(op), op.name, [e if e is not None else "float" for e in ins], weight,
                   _exp_text(op.results[0].type) if op.results else None, list(rng) if rng else None)
    row._wdom = _weight_dominance(op, fstep, fx)
    return row


def analyse(float_module: ModuleOp, quant_module: ModuleOp, xs: Sequence[np.ndarray], *,
            threshold: float = 0.1, chunk: int = 8,
            progress: Callable[[int], None] | None = None) -> list[LayerRow]:
    """The report's rows for samples `xs` (batched, one array per graph input); see the module
    docstring. `progress(k)` is called after every chunk of k samples."""
    fx, qx = QuantExecutor(float_module, chunk_size=chunk), QuantExecutor(quant_module, chunk_size=chunk)
    pairs = pair_steps(fx, qx, "report")
    fslot = {i: i for i in range(len(qx.args))}  # quant slot -> float slot
    for fs, qs in pairs:
        fslot.update(zip(qs.outs, fs.outs))
    rows: list[LayerRow] = []
    arg_rows: list[LayerRow] = []
    ranges = arg_ranges(qx.func)
    pot_args = [k for k, a in enumerate(qx.args) if q.pot_of(a.type) is not None]
    for k in pot_args:
        a = qx.args[k]
        r = ranges[k] if k < len(ranges) else None
        row = LayerRow(len(arg_rows), a.name_hint or f"input{k}", "input", [], None, _exp_text(a.type),
                       list(r) if r else None)
        arg_rows.append(row)
    layer_pairs = [(fs, qs) for fs, qs in pairs
                   if not qs.static and not isinstance(qs.op, MOVEMENT) and qs.op.results
                   and q.pot_of(qs.op.results[0].type) is not None]
    for fs, qs in layer_pairs:
        rows.append(_new_row(len(arg_rows) + len(rows), qs.op, fs, fx))
    run = _ChunkRun(fx, qx, fslot, arg_rows, pot_args, {id(qs.op): (qs, row) for (_, qs), row in zip(layer_pairs, rows)})
    n_total = xs[0].shape[0] if xs else 1
    for start in range(0, n_total, chunk):
        part = [x[start : start + chunk] for x in xs]
        run.n = part[0].shape[0] if part else 1
        run.fvals = {}
        fx.run(part, observer=run.record)
        qx.run(part, observer=run.compare)
        if progress is not None:
            progress(run.n)

    out = arg_rows + rows
    for row in out:
        _finish(row, threshold)
    return out


class _ChunkRun:
    """The two observers of one chunk: `record` keeps the float network's values, `compare`
    measures the quantized network's against them and runs each layer layerwise."""

    def __init__(self, fx: QuantExecutor, qx: QuantExecutor, fslot: dict[int, int], arg_rows: list[LayerRow],
                 pot_args: list[int], layers: dict[int, tuple[Step, LayerRow]]):
        self.fx, self.qx, self.fslot, self.arg_rows, self.pot_args, self.layers = fx, qx, fslot, arg_rows, pot_args, layers
        self.fsteps = {id(s.op): s for s in fx.steps}
        self.fvals: dict[int, np.ndarray] = {}
        self.n = 0

    def record(self, op: Operation | None, results: list[np.ndarray]) -> None:
        slots = range(len(results)) if op is None else self.fsteps[id(op)].outs
        for k, v in zip(slots, results):
            self.fvals[k] = v

    def compare(self, op: Operation | None, results: list[np.ndarray]) -> None:
        if op is None:
            for row, k in zip(self.arg_rows, self.pot_args):
                e, s = _sums(results[k], self.fvals[k])
                for acc in (row._g, row._l):
                    acc[0] += e
                    acc[1] += s
            return
        if id(op) not in self.layers:
            return
        qs, row = self.layers[id(op)]
        ref = [self.fvals[self.fslot[k]] for k in qs.outs]
        for got, want in zip(results, ref):
            e, s = _sums(got, want)
            row._g[0] += e
            row._g[1] += s
        _layerwise(row, qs, self.qx, self.fvals, self.fslot, self.n, ref)


def _layerwise(row: LayerRow, qs: Step, qx: QuantExecutor, fvals: dict[int, np.ndarray],
               fslot: dict[int, int], n: int, ref: list[np.ndarray]) -> None:
    """Run the quantized op on the float network's values; accumulate its error and saturation."""
    vals = [fvals[fslot[k]] if dyn else qx._env0[k] for k, dyn in zip(qs.ins, qs.in_dynamic)]
    raw = qx.run_step(qs, vals, n, post=False)
    for j, (r, want) in enumerate(zip(raw, ref)):
        post = qs.posts[j]
        shift = 0 if qs.out_replace[j] else 1
        fq = post(r, shift) if post is not None else r
        e, s = _sums(fq, want)
        row._l[0] += e
        row._l[1] += s
        pot = q.pot_of(qs.op.results[j].type)
        if pot is not None:
            axis = None if not pot.per_axis else pot.axis.data + shift
            half = 0.5 * pot_scale(pot, np.ndim(r), axis, np.float64)
            row._sat[0] += int(np.count_nonzero(np.abs(np.asarray(r, np.float64) - fq) > half * (1 + 1e-9)))
            row._sat[1] += int(np.size(r))
        if j == 0:
            cm = _channel_absmax(np.asarray(want), qs.out_replace[0])
            if cm is not None:
                row._chan = cm if row._chan is None else np.maximum(row._chan, cm)


def _finish(row: LayerRow, threshold: float) -> None:
    row.graphwise = row._g[0] / row._g[1] if row._g[1] > 0 else (0.0 if row._g[0] == 0 else math.inf)
    row.layerwise = row._l[0] / row._l[1] if row._l[1] > 0 else (0.0 if row._l[0] == 0 else math.inf)
    row.graphwise_db, row.layerwise_db = snr_db(row.graphwise), snr_db(row.layerwise)
    row.saturated = row._sat[0] / row._sat[1] if row._sat[1] else 0.0
    row.flagged = row.layerwise > threshold
    if not row.flagged:
        return
    if row.saturated > SATURATION:
        row.hints.append(f"{100 * row.saturated:.1f}% of the outputs saturate: widen the range "
                         "(another calibrate method, or a larger output exponent)")
    if row._wdom is not None and row._wdom[0] > DOMINANCE:
        row.hints.append(f"weight channel {row._wdom[1]} is {row._wdom[0]:.0f}x the median channel: "
                         "per-channel weights (pot-scale weights=per-channel) or cross-layer equalization")
    if row._chan is not None and row._chan.size > 1:
        dom, k = _dominance(row._chan)
        if dom > DOMINANCE:
            row.hints.append(f"output channel {k} is {dom:.0f}x the median channel: cross-layer equalization")
    if not row.hints:
        row.hints.append("no single cause found: the error is rounding spread over the signal "
                         "(a finer grid, i.e. more bits for this layer or its producer, would help: pot-scale's "
                         "`wide` by node, or widen-layers / the mixed_fpga pipeline to choose by measurement)")


# --------------------------------------------------------------------------- formatting


def _fmt_db(db: float | None) -> str:
    if db is None:
        return "exact"
    return f"{db:.1f}" if math.isfinite(db) else "-inf"


def _bar(ratio: float, width: int = 10) -> str:
    """A text bar of noise/signal on a log scale: empty at 50 dB or better, full at 0 dB or worse."""
    db = snr_db(ratio)
    filled = 0 if db is None else width if not math.isfinite(db) else int(round(width * min(max((50 - db) / 50, 0), 1)))
    return "|" + "#" * filled + " " * (width - filled) + "|"


def format_table(rows: Sequence[LayerRow], threshold: float) -> str:
    """The report as a readable text table (one line per layer), then the flagged layers' hints."""
    head = ["#", "node", "op", "in exp", "w exp", "out exp", "range", "sat %",
            "graphwise N/S", "dB", "", "layerwise N/S", "dB", ""]
    lines = []
    for r in rows:
        rng = f"[{r.range[0]:.3g}, {r.range[1]:.3g}]" if r.range else "-"
        lines.append([str(r.index), r.node, r.op.removeprefix("quant."),
                      ",".join(map(str, r.input_exp)) or "-",
                      "-" if r.weight_exp is None else str(r.weight_exp),
                      "-" if r.output_exp is None else str(r.output_exp), rng, f"{100 * r.saturated:.2f}",
                      f"{r.graphwise:.4f}", _fmt_db(r.graphwise_db), _bar(r.graphwise),
                      f"{r.layerwise:.4f}", _fmt_db(r.layerwise_db), "FLAG" if r.flagged else ""])
    widths = [max(len(h), *(len(ln[i]) for ln in lines)) if lines else len(h) for i, h in enumerate(head)]
    right = {0, 7, 8, 9, 11, 12}

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [fmt(head), fmt(["-" * w for w in widths])] + [fmt(ln) for ln in lines]
    flagged = [r for r in rows if r.flagged]
    out.append("")
    if flagged:
        out.append(f"{len(flagged)} layer(s) above the layerwise threshold {threshold:g} "
                   f"({_fmt_db(snr_db(threshold))} dB):")
        for r in flagged:
            out.append(f"  {r.node} ({r.op.removeprefix('quant.')}): layerwise {r.layerwise:.4f} "
                       f"({_fmt_db(r.layerwise_db)} dB): " + "; ".join(r.hints))
    else:
        out.append(f"no layer above the layerwise threshold {threshold:g} ({_fmt_db(snr_db(threshold))} dB)")
    return "\n".join(out)


def report_json(rows: Sequence[LayerRow], **meta) -> dict:
    """The report as one JSON object: `meta` (model, pipeline, samples, threshold) and the layers."""
    def finite(v):  # type: ignore[no-untyped-def]
        return v if not isinstance(v, float) or math.isfinite(v) else None  # JSON has no inf

    layers = [{k: finite(v) for k, v in r.as_json().items()} for r in rows]
    return {**meta, "layers": layers, "flagged": [r.node for r in rows if r.flagged]}
