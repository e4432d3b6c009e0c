"""`calibrate`: run the float model on calibration samples and record a clipping range per value.

    qcomp-opt model.mlir -p 'calibrate{data="calib.npy" method="mse"}'

Writes (docs/quantization.md, "After calibrate"): `range = array<f64: lo, hi>` on every
op whose result is a float activation (not a `quant.constant`), and
`arg_ranges = [array<f64: lo, hi>, ...]` on the function, one per argument.

Data (`data`): an `.npy` with the samples stacked on the batch axis (shape (N, C, H, W)
for an input tensor<1xCxHxW>, (N, *shape) for an input whose leading dim is not 1), an
`.npz` keyed by input name, or a directory of `NAME.npy` files (multi-input models).
Any floating dtype is accepted (converted to float32); integer or other dtypes, wrong
shapes, NaN/inf and missing inputs are errors that say what was expected.
`max_samples` keeps the first samples only; `batch_size` samples run per executor call.
The samples are streamed: `.npy` files are memory-mapped and `.npz` members read a batch
at a time (`CalibrationData`), so memory does not grow with the sample count (shapes and
dtypes are checked before the first run, NaN/inf batch by batch as the batches are read).

The function run is `@main`, or the module's only function. Input names come from the
function attribute `input_names` (or an `onnx.name` / `name` argument attribute, the SSA
name of the argument, else `arg<i>`).

Methods (`method`), all per tensor:
  * `minmax`: [min, max] over all samples. One pass.
  * `percentile`: the `percentile`-th and (100 - `percentile`)-th percentiles, read from
    a 2048-bin histogram over [min, max] (linear inside a bin). A side that does not
    cross zero (lo of a ReLU output) is kept exact: clipping it buys nothing on a
    symmetric grid. Two passes.
  * `mse`: the clipping threshold that minimises the squared quantization error *on the
    PoT grid*: candidate exponents e = e_max, e_max - 1, ... (e_max = pot-scale's rule
    on [min, max], `MSE_CANDIDATES` of them), threshold qmax * 2^e; for each the total
    squared error sum((fq_e(x) - x)^2) over all calibration values is accumulated exactly
    (for a tensor of over `MSE_SAMPLE` values per batch, over an evenly strided sample of it)
    during the second pass (rounding *and* clipping error, fq_e = round half up and
    saturate, exactly the target arithmetic). That is what a histogram estimates, without
    the binning error, for a few extra fake-quantizations per value and batch. The range
    is [min, max] clipped to [qmin * 2^e, qmax * 2^e], so pot-scale's rule gives back e.
    **What the tensor is for** (`consumer_aware`, on by default): a tensor read only by
    elementwise functions (sigmoid, tanh, hard-sigmoid, hard-swish...) or a softmax, directly
    or through reshape / flatten, is judged by the error *after* them,
    sum((g(fq_e(x)) - g(x))^2) summed over its readers g: the saturated tails of a sigmoid
    cost nothing there, so the grid is spent around the decision boundary instead of on
    logits far from it. A function result gets the same treatment from `outputs`, which
    says what the user does with the model's outputs: `values` (their own squared error),
    `sigmoid` (thresholded logits, e.g. a detector's score: the error after a sigmoid) or
    `softmax` (class logits: the error after a softmax over the last axis; a result that
    is a sigmoid's or softmax's own output keeps its own error). A tensor that
    any other op reads keeps its own squared error, plus its readers' errors when some of
    them are functions.
  * `kl`: TensorRT-style entropy calibration: a 2048-bin histogram of |x| over
    [0, max|x|]; for every candidate threshold bin i >= 128 the reference distribution
    (bins < i, the outliers folded into bin i - 1) is compared with its 128-level
    quantization by KL divergence (bin 0 is set to bin 1's count first, as NVIDIA's
    calibrator does: the spike of exact ReLU zeros would otherwise dominate); the threshold T of the best one gives the range
    [max(min, -T), min(max, T)].

  * `data-free`: no samples (`qcomp` without `--calib`): ranges after a folded BatchNorm
    come from its statistics, the others from synthetic inputs calibrated with
    `synthetic_method`; see `qcomp.passes.data_free`. Ops get `range_source`, the module
    a one-line `qcomp.calibration` summary.

Passes: the second pass (percentile, kl, mse) needs the pass-one ranges to fix the
histogram bins / candidate exponents. When all samples fit in one batch (`batch_size`,
64 by default: e.g. 32 ImageNet images) the ranges are final once that batch has run, so
its statistics are taken from the same values at once: one run of the model. With more
batches the second pass re-runs the model: keeping every activation of every sample would
make memory grow with the sample count. Both give the same ranges (the executor is
deterministic and the per-tensor sums are accumulated in the same batch order).

Progress: a run that takes longer than a second prints progress lines to stderr, only
when stderr is a terminal or QCOMP_PROGRESS=1 (stdout carries the IR and stays clean).
"""

from __future__ import annotations

import math
import os
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects.ranges import set_arg_ranges, set_range
from qcomp.dialects.traits import ElementwiseFunction
from qcomp.errors import QcompError
from qcomp.numerics import functions as fn
from qcomp.passes.pot_scale import range_exponent, storage_bounds
from qcomp.registry import register_pass
from qcomp.sample_pass import check_outputs
from qcomp.target import target_of

METHODS = ("minmax", "percentile", "mse", "kl", "data-free")
STAT_METHODS = METHODS[:4]  # the ones that turn samples into ranges
HIST_BINS = 2048
KL_LEVELS = 128  # quantized levels of |x| for int8 (TensorRT uses 128)
# mse: per batch and tensor, at most this many values (evenly strided) enter the error sums;
# smaller activations (every committed model's) are summed exactly.
MSE_SAMPLE = 1 << 18
MSE_CANDIDATES = 12

# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Reader:
    """A function a tensor's error is measured after (mse `consumer_aware`): the float kernels
    of the reader chain on a whole batch, and whether it is elementwise (then a strided sample
    of the values will do; a softmax needs whole samples)."""

    fn: Any
    elementwise: bool


@dataclass
class Stats:
    """Running statistics of one value."""

    lo: float = math.inf
    hi: float = -math.inf
    hist: np.ndarray | None = None  # pass two: histogram (percentile: signed; kl: |x|)
    errs: np.ndarray | None = None  # pass two (mse): squared error per candidate exponent
    exps: list[int] = field(default_factory=list)  # mse candidates
    readers: list[Reader] = field(default_factory=list)  # mse: the functions the error is taken after
    own: bool = True  # mse: the tensor's own squared error counts (an op other than a function reads it)
    nonfinite: bool = False  # an inf or NaN was seen

    def update_minmax(self, x: np.ndarray) -> None:
        if x.size:
            lo, hi = float(np.min(x)), float(np.max(x))
            if not (math.isfinite(lo) and math.isfinite(hi)):
                self.nonfinite = True
                return
            self.lo = min(self.lo, lo)
            self.hi = max(self.hi, hi)

    @property
    def amax(self) -> float:
        return max(abs(self.lo), abs(self.hi))


def _bin_counts(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Counts of `x` in HIST_BINS equal bins over [lo, hi] (values at hi go to the last bin)."""
    x = np.asarray(x, np.float64).reshape(-1)
    if hi <= lo:
        return np.bincount(np.zeros(x.size, np.int64), minlength=HIST_BINS)
    idx = np.floor((x - lo) * (HIST_BINS / (hi - lo)))
    idx = np.clip(idx, 0, HIST_BINS - 1).astype(np.int64)
    return np.bincount(idx, minlength=HIST_BINS)


def percentile_range(st: Stats, pct: float) -> tuple[float, float]:
    """The (100 - pct) and pct percentiles from the signed histogram over [st.lo, st.hi]."""
    assert st.hist is not None
    total = float(st.hist.sum())
    if st.hi <= st.lo or total == 0:
        return st.lo, st.hi
    edges = np.linspace(st.lo, st.hi, HIST_BINS + 1)
    cum = np.concatenate([[0.0], np.cumsum(st.hist, dtype=np.float64)])

    def quantile(p: float) -> float:
        target = p * total
        i = int(np.searchsorted(cum, target, side="left"))
        i = min(max(i, 1), HIST_BINS)
        c0, c1 = cum[i - 1], cum[i]
        frac = 0.0 if c1 == c0 else (target - c0) / (c1 - c0)
        return float(edges[i - 1] + frac * (edges[i] - edges[i - 1]))

    p = pct / 100.0
    lo, hi = quantile(1.0 - p), quantile(p)
    # Clipping a side towards zero gains nothing on a symmetric grid: keep it exact.
    lo = st.lo if st.lo >= 0 else min(lo, 0.0)
    hi = st.hi if st.hi <= 0 else max(hi, 0.0)
    return lo, hi


def kl_threshold(hist: np.ndarray, amax: float, levels: int = KL_LEVELS) -> float:
    """TensorRT entropy calibration on a histogram of |x| over [0, amax]: the threshold T.

    As NVIDIA's pytorch-quantization calibrator: for each candidate i >= `levels` bins, P =
    bins[:i] with the outliers added to bin i-1, Q = bins[:i] merged into `levels` groups and
    spread back evenly over each group's non-empty bins; a candidate where Q is 0 and P is
    not has infinite divergence. Among (near-)equal minima the widest threshold wins: a
    discrete distribution (input pixels k/16) is represented exactly by many candidates and
    should not be clipped.
    """
    nbins = hist.size
    if amax <= 0 or hist.sum() == 0:
        return amax
    hist = hist.astype(np.float64)
    hist[0] = hist[1]  # as NVIDIA's calibrator: the spike of exact zeros (ReLU) would dominate
    width = amax / nbins
    tail = np.concatenate([np.cumsum(hist[::-1])[::-1], [0.0]])  # tail[i] = sum(hist[i:])
    cands, kls = [], []
    for i in range(levels, nbins + 1):
        ref = hist[:i].copy()
        ref[i - 1] += tail[i]
        sliced = hist[:i]
        nonzero = sliced != 0
        group = (np.arange(i) * levels) // i
        qsum = np.bincount(group, weights=sliced, minlength=levels)
        qcnt = np.bincount(group, weights=nonzero.astype(np.float64), minlength=levels)
        expanded = np.where(nonzero, qsum[group] / np.maximum(qcnt[group], 1.0), 0.0)
        ps, qs = ref.sum(), expanded.sum()
        if ps == 0 or qs == 0:
            continue
        p, qd = ref / ps, expanded / qs
        mask = p > 0
        if np.any(qd[mask] == 0):
            continue  # infinite divergence
        cands.append(i)
        kls.append(float(np.sum(p[mask] * np.log(p[mask] / qd[mask]))))
    if not cands:
        return amax
    kl = np.asarray(kls)
    best = float(kl.min())
    i = max(c for c, k in zip(cands, kl) if k <= best + 1e-9 * max(abs(best), 1e-3))
    return i * width


def _fake_quant_into(v: np.ndarray, e: int, qmin: int, qmax: int, t: np.ndarray, d: np.ndarray) -> None:
    """d = clip(round_half_up(v * 2^-e), qmin, qmax) * 2^e in place (t: scratch), as quantize_to:
    the factors are powers of two (exact products), so the values are the same."""
    np.multiply(v, 2.0 ** -e, out=t)
    np.floor(t, out=d)
    t -= d
    d += t >= 0.5
    np.clip(d, qmin, qmax, out=d)
    d *= 2.0 ** e


# --------------------------------------------------------------------------- data


def _input_names(f: func.FuncOp) -> list[str]:
    names = [f"arg{i}" for i in range(len(f.args))]
    attr = f.attributes.get("input_names")
    if isinstance(attr, ArrayAttr) and len(attr.data) == len(names):
        return [a.data if isinstance(a, StringAttr) else n for a, n in zip(attr.data, names)]
    arg_attrs = f.arg_attrs.data if f.arg_attrs is not None else ()
    for i, arg in enumerate(f.args):
        d = arg_attrs[i] if i < len(arg_attrs) else None
        if isinstance(d, DictionaryAttr):
            for key in ("onnx.name", "name"):
                v = d.data.get(key)
                if isinstance(v, StringAttr):
                    names[i] = v.data
                    break
            else:
                if arg.name_hint:
                    names[i] = arg.name_hint
        elif arg.name_hint:
            names[i] = arg.name_hint
    return names


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def _expected(t: TensorType) -> tuple[str | int, ...]:
    shape = tuple(t.get_shape())
    return ("N", *shape[1:]) if shape and shape[0] == 1 else ("N", *shape)


class NpzArray:
    """One array of an `.npz`, read a range of samples at a time: a zip member cannot be
    memory-mapped, so reading moves forward through the (possibly compressed) member and
    going back reopens it. `shape`, `dtype`, `ndim` and `x[a:b]` (a slice of samples) only."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = path, key
        self._zip: zipfile.ZipFile | None = None
        self._fh: Any = None
        self._pos = 0
        self._open()
        assert self._fh is not None
        version = np.lib.format.read_magic(self._fh)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(self._fh)
        if fortran or dtype.hasobject or not shape:
            raise ValueError("not a C-ordered numeric array with a sample axis")
        self.shape: tuple[int, ...] = tuple(int(d) for d in shape)
        self.dtype: np.dtype = np.dtype(dtype)
        self.ndim: int = len(self.shape)
        self._data: int = self._fh.tell()  # where the elements start in the member
        self._row: int = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize

    def _open(self) -> None:
        self.close()
        self._zip = zipfile.ZipFile(self.path)
        self._fh = self._zip.open(f"{self.key}.npy")
        self._pos = 0

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._zip is not None:
            self._zip.close()
        self._zip = self._fh = None

    def __getitem__(self, rows: slice) -> np.ndarray:
        a, b, _ = rows.indices(self.shape[0])
        b = max(a, b)
        if self._fh is None or a < self._pos:
            self._open()
            assert self._fh is not None
            self._fh.read(self._data)
        if a > self._pos:
            self._fh.read((a - self._pos) * self._row)
        want = (b - a) * self._row
        buf = self._fh.read(want)
        if len(buf) != want:
            raise ValueError(f"'{self.key}' in '{self.path}' is truncated")
        self._pos = b
        return np.frombuffer(buf, self.dtype).reshape((b - a, *self.shape[1:]))


def _npz_member(path: Path, key: str) -> Any:
    """A streamed member of an .npz (NpzArray), or the loaded array when it cannot be streamed."""
    try:
        return NpzArray(path, key)
    except ValueError:  # Fortran order, object arrays, an npy format version it does not know
        with np.load(path, allow_pickle=False) as z:
            return z[key]


def _load_arrays(path: str, names: list[str]) -> list[tuple[str, Any]]:
    """(label, array) per input, in argument order: `.npy` files memory-mapped, `.npz` members
    streamed (NpzArray), so that no more than a batch of samples is ever in memory."""
    p = Path(path)
    if not p.exists():
        raise PassFailedException(f"calibrate: calibration data '{path}' not found")
    try:
        if p.is_dir():
            out = []
            for n in names:
                fp = p / f"{n}.npy"
                if not fp.exists():
                    raise PassFailedException(
                        f"calibrate: calibration directory '{path}' has no '{n}.npy' for input '{n}' "
                        f"(expected files: {', '.join(x + '.npy' for x in names)})")
                out.append((f"{path}/{n}.npy", np.load(fp, mmap_mode="r", allow_pickle=False)))
            return out
        if p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                keys = list(z.keys())
            if len(names) == 1 and len(keys) == 1:
                return [(f"{path}['{keys[0]}']", _npz_member(p, keys[0]))]
            missing = [n for n in names if n not in keys]
            if missing:
                raise PassFailedException(
                    f"calibrate: calibration data '{path}' has arrays {keys} but the model's inputs "
                    f"are {names} (missing {missing})")
            return [(f"{path}['{n}']", _npz_member(p, n)) for n in names]
        arr = np.load(p, mmap_mode="r", allow_pickle=False)
    except PassFailedException:
        raise
    except Exception as e:  # noqa: BLE001 - numpy raises many kinds for bad files
        raise PassFailedException(f"calibrate: cannot read calibration data '{path}': {e}") from None
    if not isinstance(arr, np.ndarray):
        raise PassFailedException(f"calibrate: calibration data '{path}' is not a single array")
    if len(names) != 1:
        raise PassFailedException(
            f"calibrate: the model has {len(names)} inputs ({', '.join(names)}): give an .npz keyed by "
            f"input name or a directory of NAME.npy files, not the single array '{path}'")
    return [(path, arr)]


@dataclass
class CalibrationData:
    """The calibration samples, read a batch at a time: one source per function argument
    (an array, a read-only memory map of an .npy, or an NpzArray), `count` samples each."""

    sources: list[Any]
    labels: list[str]
    count: int

    @classmethod
    def of_arrays(cls, arrays: Sequence[np.ndarray]) -> CalibrationData:
        return cls(list(arrays), [f"input {i}" for i in range(len(arrays))], int(arrays[0].shape[0]))

    def batch(self, start: int, stop: int) -> list[np.ndarray]:
        """Samples [start, stop) of every input as contiguous float32 (NaN/inf: an error)."""
        out = []
        for src, label in zip(self.sources, self.labels):
            x = np.ascontiguousarray(src[start:stop], dtype=np.float32)
            if not np.all(np.isfinite(x)):
                raise PassFailedException(f"calibrate: calibration data '{label}' contains NaN or inf")
            out.append(x)
        return out

    def close(self) -> None:
        for src in self.sources:
            if isinstance(src, NpzArray):
                src.close()


def load_calibration_data(path: str, f: func.FuncOp, max_samples: int | None) -> CalibrationData:
    """The calibration samples for the arguments of `f`, checked against its signature (shapes,
    dtypes, counts); the values themselves (NaN, inf) are checked batch by batch as they are read."""
    names = _input_names(f)
    arrays = _load_arrays(path, names)
    count = None
    for (label, arr), name, arg in zip(arrays, names, f.args):
        t = arg.type
        if not isinstance(t, TensorType):
            raise PassFailedException(f"calibrate: input '{name}' is not a tensor ({t})")
        want = _expected(t)
        need = f"input '{name}' needs {_shape_text(want)} float32"
        if arr.dtype.kind != "f":
            raise PassFailedException(
                f"calibrate: calibration data '{label}' has dtype {arr.dtype} but {need}")
        if arr.ndim != len(want) or tuple(arr.shape[1:]) != tuple(want[1:]):
            raise PassFailedException(
                f"calibrate: calibration data '{label}' has shape {_shape_text(arr.shape)} but {need}")
        n = arr.shape[0] if max_samples is None else min(arr.shape[0], max_samples)
        if n == 0:
            raise PassFailedException(f"calibrate: calibration data '{label}' has no samples")
        if count is not None and n != count:
            raise PassFailedException(
                f"calibrate: calibration data '{label}' has {n} samples, the first input {count}")
        count = n
    assert count is not None
    return CalibrationData([a for _, a in arrays], [label for label, _ in arrays], count)


def warn_no_samples(module: ModuleOp, who: str, what: str) -> None:
    """One warning line from a pass that needs samples and got none, unless the ranges are data-free
    (`qcomp.calibration` on the module): the driver's data-free warning asks for samples already."""
    if "qcomp.calibration" not in module.attributes:
        print(f"qcomp: warning: {who}: no calibration samples: {what}", file=sys.stderr)


def load_samples(path: str, f: func.FuncOp, max_samples: int | None, who: str) -> list[np.ndarray]:
    """The first `max_samples` calibration samples of `path` for `f`, batched, one array per
    argument, for a pass besides calibrate that runs them (`who` names it in errors)."""
    try:
        data = load_calibration_data(path, f, max_samples)
        xs = data.batch(0, data.count)
        data.close()
    except PassFailedException as e:
        raise PassFailedException(str(e).replace("calibrate:", f"{who}:", 1)) from None
    return xs


# --------------------------------------------------------------------------- progress


class Progress:
    """Progress lines on stderr after the first second (tty, or QCOMP_PROGRESS=1 only)."""

    def __init__(self, total: int, passes: int):
        self.enabled = sys.stderr.isatty() or os.environ.get("QCOMP_PROGRESS") == "1"
        self.tty = sys.stderr.isatty()
        self.total, self.passes = total, passes
        self.start = self.last = time.monotonic()
        self.printed = False

    def update(self, pass_no: int, done: int) -> None:
        now = time.monotonic()
        every = 0.5 if self.tty else 2.0  # a log file gets fewer lines than a terminal
        if not self.enabled or now - self.start < 1.0 or (now - self.last < every and done < self.total):
            return
        self.last = now
        msg = (f"calibrate: pass {pass_no}/{self.passes}: {done}/{self.total} samples "
               f"({now - self.start:.1f} s)")
        print(("\r" + msg) if self.tty else msg, end="" if self.tty else "\n", file=sys.stderr, flush=True)
        self.printed = True

    def close(self) -> None:
        if self.printed and self.tty:
            print(file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the pass


def find_function(module: ModuleOp, who: str = "calibrate") -> func.FuncOp:
    """`@main`, or the only function, of the module a calibration-data pass (`who`) runs on."""
    funcs = [o for o in module.ops if isinstance(o, func.FuncOp) and not o.is_declaration]
    for f in funcs:
        if f.sym_name.data == "main":
            return f
    if len(funcs) == 1:
        return funcs[0]
    raise PassFailedException(
        f"{who}: expected a function @main or a single function, found {[f.sym_name.data for f in funcs]}")


def _is_float(v: np.ndarray) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _calibrated(op: Operation) -> bool:
    """Ops whose result gets a `range`: everything but constants, with one float tensor result."""
    if isinstance(op, q.ConstantOp | arith.ConstantOp | func.ReturnOp) or len(op.results) != 1:
        return False
    return isinstance(op.results[0].type, TensorType)




def _softmax_last(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _is_probability(value: SSAValue) -> bool:
    """Whether `value` is a sigmoid's or softmax's output (through reshape / flatten)."""
    owner = value.owner
    while isinstance(owner, q.ReshapeOp | q.FlattenOp):
        owner = owner.operands[0].owner
    return isinstance(owner, q.SigmoidOp | q.SoftmaxOp)


def output_functions(f: func.FuncOp, outputs: str) -> list[Any]:
    """Per result of `f`, the function its error is measured after by `outputs` (None: its own
    error): what search-exponents and widen-layers measure the network's outputs by."""
    ret = f.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    g = {"sigmoid": fn.sigmoid, "softmax": _softmax_last}.get(outputs)
    return [None if g is None or _is_probability(v) else g for v in ret.operands]


def readers_of(value: SSAValue, outputs: str = "values") -> tuple[list[Reader], bool]:
    """What `value`'s mse is measured after (module docstring, "What the tensor is for"): the
    function readers (elementwise functions, softmax, through reshape / flatten; a function
    result by `outputs`), and whether its own squared error counts too (another op reads it)."""
    from qcomp.executors.base import reshape_kernel, reshape_like
    from qcomp.executors.quant import KERNELS

    readers: list[Reader] = []
    own = False
    for use in value.uses:
        user = use.operation
        if isinstance(user, func.ReturnOp):
            if _is_probability(value):
                own = True  # already probabilities: `outputs` describes logits
            elif outputs == "sigmoid":
                readers.append(Reader(fn.sigmoid, True))
            elif outputs == "softmax":
                readers.append(Reader(_softmax_last, False))
            else:
                own = True
        elif isinstance(user, q.ReshapeOp | q.FlattenOp) and reshape_like(user, [True]):
            inner, inner_own = readers_of(user.results[0], outputs)
            own |= inner_own
            k = reshape_kernel(user, True)
            for r in inner:  # an elementwise reader does not care about the shape
                readers.append(r if r.elementwise else Reader(lambda x, k=k, g=r.fn: g(k(x)), False))
        elif (spec := KERNELS.lookup(user)) is not None and (user.has_trait(ElementwiseFunction) or (
                isinstance(user, q.SoftmaxOp) and spec.batchable(user, [True]))):
            readers.append(Reader(spec.factory(user, True), not isinstance(user, q.SoftmaxOp)))
        else:
            own = True
    return readers, own or not readers


@register_pass
@dataclass(frozen=True)
class CalibratePass(ModulePass):
    """Run the float model on calibration data and record `range` on every activation."""

    name = "calibrate"
    levels = ("quant",)  # qcomp.levels: where this pass may run

    data: str = ""
    """.npy (samples on the batch axis), .npz keyed by input name, or a directory of NAME.npy."""
    method: str = "minmax"
    """minmax | percentile | mse | kl"""
    percentile: float = 99.99
    batch_size: int = 64
    max_samples: int | None = None
    input_range: str = ""
    """data-free: LO,HI of the synthetic inputs (default: from a folded input normalisation, else -1,1)."""
    samples: int = 64
    """data-free: synthetic samples per input."""
    seed: int = 0
    """data-free: seed of the synthetic samples."""
    bn_sigmas: float = 3.0
    """data-free: a value after a BatchNorm spans beta +- bn_sigmas * |gamma| per channel."""
    synthetic_method: str = "mse"
    """data-free: how the synthetic samples become ranges (minmax | percentile | mse | kl)."""
    consumer_aware: bool = True
    """mse: judge a tensor read by sigmoid / softmax / other functions by the error after them."""
    outputs: str = "values"
    """mse: what the model's outputs are for: values (own error) | sigmoid (thresholded logits) | softmax."""

    @property
    def stat_method(self) -> str:
        return self.synthetic_method if self.method == "data-free" else self.method

    def __post_init__(self) -> None:
        """Option values are checked when the pass is built, so a pipeline names the line at fault."""
        if self.method not in METHODS:
            raise ValueError(f"calibrate: method='{self.method}' must be one of {', '.join(METHODS)}")
        if not 50.0 < self.percentile <= 100.0:
            raise ValueError(f"calibrate: percentile={self.percentile} must be in (50, 100]")
        if self.batch_size < 1 or (self.max_samples is not None and self.max_samples < 1):
            raise ValueError("calibrate: batch-size and max-samples must be positive")
        if self.synthetic_method not in STAT_METHODS:
            raise ValueError(f"calibrate: synthetic-method='{self.synthetic_method}' must be one of "
                             f"{', '.join(STAT_METHODS)}")
        check_outputs(self.name, self.outputs)
        if self.samples < 1 or not self.bn_sigmas > 0:
            raise ValueError("calibrate: samples and bn-sigmas must be positive")
        if self.input_range:
            from qcomp.passes.data_free import parse_input_range

            try:
                parse_input_range(self.input_range)
            except ValueError as e:
                raise ValueError(f"calibrate: {e}") from None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from qcomp.passes import data_free as df

        f = find_function(op)
        free_inputs: list[tuple[float, float, str]] = []
        if self.method == "data-free":
            try:
                free_inputs = df.input_ranges(f, self.input_range)
            except ValueError as e:
                raise PassFailedException(f"calibrate: {e}") from None
            data = CalibrationData.of_arrays(df.synthetic_inputs(f, free_inputs, self.samples, self.seed))
        elif not self.data:
            raise PassFailedException("calibrate: the `data` option (calibration .npy/.npz) is required, "
                                      "or method=\"data-free\" to estimate ranges without samples")
        else:
            data = load_calibration_data(self.data, f, self.max_samples)
        from qcomp.executors.quant import QuantExecutor  # lazy: keeps qcomp-opt start-up fast

        try:
            ex = QuantExecutor(op, f.sym_name.data, chunk_size=self.batch_size)
        except QcompError as e:
            raise PassFailedException(f"calibrate: {e}") from None
        ops = [o for o in f.body.walk() if _calibrated(o)]
        arg_stats = [Stats() for _ in f.args]
        op_stats: dict[Operation, Stats] = {o: Stats() for o in ops}
        bits = target_of(op).activation_bits
        if self.stat_method == "mse" and self.consumer_aware:
            for st, v in [*zip(arg_stats, f.args), *((op_stats[o], o.results[0]) for o in ops)]:
                st.readers, st.own = readers_of(v, self.outputs)
        try:
            self._collect(ex, data, arg_stats, op_stats, bits)
        finally:
            data.close()

        ranges = []
        for i, st in enumerate(arg_stats):
            if st.lo > st.hi:
                raise PassFailedException(f"calibrate: argument {i} of @{f.sym_name.data} produced no values")
            ranges.append(self._finish(st, bits))
        set_arg_ranges(f, ranges)
        from_bn = df.bn_ranges(f, self.bn_sigmas) if self.method == "data-free" else {}
        n_bn = n_syn = 0
        for o, st in op_stats.items():
            if st.nonfinite:
                raise PassFailedException(
                    f"calibrate: {o.name} '{q.node_of(o)}' produced inf or NaN on the calibration data")
            if st.lo > st.hi:  # not a float value (shape math…) or never produced
                continue
            if o in from_bn:
                set_range(o, *from_bn[o])
                o.attributes[df.RANGE_SOURCE] = StringAttr("bn-stats")
                n_bn += 1
                continue
            set_range(o, *self._finish(st, bits))
            if self.method == "data-free":
                o.attributes[df.RANGE_SOURCE] = StringAttr("synthetic")
                n_syn += 1
        if self.method == "data-free":
            op.attributes["qcomp.calibration"] = StringAttr(df.summary(n_bn, n_syn, free_inputs))

    # ---- passes over the data

    def _collect(self, ex, data: CalibrationData, arg_stats: list[Stats], op_stats: dict[Operation, Stats],
                 bits: int) -> None:
        """Run the model on every batch and fill the statistics (see the module docstring, "Passes")."""
        two_pass = self.stat_method != "minmax"
        # One batch: the ranges are final once it has run, so pass two's sums are taken at once,
        # from the same values a second run would give (with more batches, keeping pass one's
        # values would make memory grow with the sample count: pass two runs the model again).
        fused = two_pass and data.count <= self.batch_size
        progress = Progress(data.count, 2 if two_pass and not fused else 1)

        def each(o: Operation | None, results: list[np.ndarray], fn) -> None:
            if o is None:
                for st, v in zip(arg_stats, results):
                    fn(st, v)
            elif o in op_stats and results and _is_float(results[0]):
                fn(op_stats[o], results[0])

        def first(st: Stats, v: np.ndarray) -> None:
            st.update_minmax(v)
            if fused:
                self._prepare(st, bits)
                self._accumulate(st, v, bits)

        self._run(ex, data, progress, 1, lambda o, r: each(o, r, first))
        if two_pass and not fused:
            for st in [*arg_stats, *op_stats.values()]:
                self._prepare(st, bits)
            self._run(ex, data, progress, 2, lambda o, r: each(o, r, lambda st, v: self._accumulate(st, v, bits)))
        progress.close()

    def _run(self, ex, data: CalibrationData, progress: Progress, pass_no: int, observer) -> None:
        """One pass: the batches read from `data` one at a time, each run through `ex`."""
        n = data.count
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            batch = data.batch(start, stop)
            try:
                ex.run(batch, batched=True, observer=observer)
            except QcompError as e:
                raise PassFailedException(f"calibrate: {e}") from None
            del batch
            progress.update(pass_no, stop)

    @staticmethod
    def _mse_values(x: np.ndarray) -> np.ndarray:
        """The values of one batch of a tensor that enter the mse sums (an evenly strided sample
        of a tensor of more than MSE_SAMPLE values), flat, in x's dtype."""
        v = np.asarray(x).reshape(-1)
        return v[:: -(-v.size // MSE_SAMPLE)] if v.size > MSE_SAMPLE else v

    @staticmethod
    def _mse_samples(x: np.ndarray) -> np.ndarray:
        """The leading samples of one batch of a tensor (at most about MSE_SAMPLE values, at
        least one sample): for a reader that needs whole samples (a softmax)."""
        v = np.asarray(x)
        if v.ndim == 0:
            return v
        per = max(1, v[0].size)
        return v[: max(1, MSE_SAMPLE // per)]

    def _prepare(self, st: Stats, bits: int) -> None:
        if st.lo > st.hi:
            return
        if self.stat_method == "percentile":
            st.hist = np.zeros(HIST_BINS, np.int64)
        elif self.stat_method == "kl":
            st.hist = np.zeros(HIST_BINS, np.int64)
        elif self.stat_method == "mse":
            e_max = range_exponent(st.lo, st.hi, bits)
            st.exps = [e_max - k for k in range(MSE_CANDIDATES)]
            st.errs = np.zeros(len(st.exps), np.float64)

    def _accumulate(self, st: Stats, x: np.ndarray, bits: int) -> None:
        if self.stat_method == "percentile" and st.hist is not None:
            st.hist += _bin_counts(x, st.lo, st.hi)
        elif self.stat_method == "kl" and st.hist is not None:
            st.hist += _bin_counts(np.abs(x), 0.0, st.amax)
        elif self.stat_method == "mse" and st.errs is not None:
            # float64 after striding (the same values as striding the float64 copy, for a
            # fraction of the memory); the candidates' errors, one exact dot each
            qmin, qmax = storage_bounds(bits)
            if st.own:
                v = np.asarray(self._mse_values(x), np.float64)
                t, d = np.empty_like(v), np.empty_like(v)
                for k, e in enumerate(st.exps):
                    _fake_quant_into(v, e, qmin, qmax, t, d)
                    d -= v
                    st.errs[k] += float(np.dot(d, d))
            for r in st.readers:
                # an elementwise reader takes the strided sample, a softmax whole samples
                v = np.asarray(self._mse_values(x) if r.elementwise else self._mse_samples(x), np.float64)
                ref = np.asarray(r.fn(v), np.float64).reshape(-1)
                t, d = np.empty_like(v), np.empty_like(v)
                for k, e in enumerate(st.exps):
                    _fake_quant_into(v, e, qmin, qmax, t, d)
                    g = np.asarray(r.fn(d), np.float64).reshape(-1) - ref
                    st.errs[k] += float(np.dot(g, g))

    def _finish(self, st: Stats, bits: int) -> tuple[float, float]:
        if self.stat_method == "minmax":
            return st.lo, st.hi
        if self.stat_method == "percentile":
            return percentile_range(st, self.percentile) if st.hist is not None else (st.lo, st.hi)
        if self.stat_method == "kl":
            if st.hist is None:
                return st.lo, st.hi
            t = kl_threshold(st.hist, st.amax)
            return max(st.lo, -t), min(st.hi, t)
        if st.errs is None or not st.exps:
            return st.lo, st.hi
        e = st.exps[int(np.argmin(st.errs))]  # first minimum: the widest range among ties
        qmin, qmax = storage_bounds(bits)
        return max(st.lo, math.ldexp(qmin, e)), min(st.hi, math.ldexp(qmax, e))
