"""`equalize-layers`: cross-layer equalization of conv/gemm pairs (Nagel et al. 2019, "Data-Free
Quantization Through Weight Equalization and Bias Correction", section 4.1).

With per-tensor weights, one layer's exponent is set by its largest output channel, and a
channel whose weights are 100 times smaller keeps 1 or 2 bits. For a producer A (conv2d, depthwise
and grouped included, or gemm) whose result reaches consumers B (conv2d or gemm) only through
positively homogeneous ops (ReLU, LeakyReLU, max/avg pooling, zero padding, an identity conv, a
flatten into a gemm), scaling A's output channel c by 1/s_c and B's input channel c by s_c leaves
the network's function as it was (up to float rounding), since relu(x / s) = relu(x) / s for s > 0. With r1_c the largest |weight| of A's output
channel c and r2_c that of B's input channel c, s_c = sqrt(r1_c / r2_c) gives both the range
sqrt(r1_c r2_c): the channels of A and of B become equally wide. Chains (conv -> depthwise -> conv)
are equalized pair by pair, `iterations` times over.

    qcomp-opt model.mlir -p 'simplify,equalize-layers,fuse,calibrate{data="calib.npy"},pot-scale'

Runs on float quant IR before `calibrate` (it changes the values ranges are measured on; a
module with ranges is refused). Not equalized: A with a fused ReLU6/Clip or any other clamp (not
homogeneous), A's result used by anything else (a residual add, a graph output), consumers other
than conv2d/gemm, constants that are not float or are shared. An equalized producer records
`equalized = f : f64`, the largest factor max_c(s_c) / min_c(s_c) it applied; `bn_stats` (for
data-free calibration) are scaled with its channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, FloatAttr, ModuleOp, f64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import quant as q
from qcomp.dialects.ranges import op_range, set_range
from qcomp.registry import register_pass
from qcomp.rewriting import replace_constant

EQUALIZED_ATTR = "equalized"


@dataclass
class Consumer:
    """A layer reading the producer's channels (a gemm after a flatten reads each `repeat` times)."""

    op: q.Conv2dOp | q.GemmOp
    repeat: int = 1  # gemm after a flatten of C x H x W: feature f reads channel f // repeat


@dataclass
class Pair:
    """A producer, the homogeneous ops its channels pass through, and the layers that read them."""

    producer: q.Conv2dOp | q.GemmOp
    consumers: list[Consumer] = field(default_factory=list)
    path: list[Operation] = field(default_factory=list)  # between them, a flatten included


def weights_of(op: q.Conv2dOp | q.GemmOp) -> np.ndarray | None:
    """The float weights of a conv2d or gemm (float64), if constant and used by it alone."""
    w = q.float_constant(op.operands[1])
    return None if w is None or not op.operands[1].has_one_use() else np.asarray(w, np.float64)


def _channels(op: q.Conv2dOp | q.GemmOp) -> int:
    if isinstance(op, q.Conv2dOp):
        return op.weight.type.get_shape()[0]  # type: ignore[attr-defined]
    return op.output.type.get_shape()[-1]  # type: ignore[attr-defined]


def _homogeneous(op: Operation) -> bool:
    """f(x / s) = f(x) / s per channel for s > 0 (a pad only when it fills zeros; an identity conv,
    which copies each channel, is seen through and left an identity)."""
    if isinstance(op, q.Conv2dOp):
        return op.is_identity()
    if isinstance(op, q.PadOp):
        return op.fill == 0
    if isinstance(op, q.AvgPoolOp | q.MaxPoolOp | q.GlobalAvgPoolOp | q.ReluOp | q.LeakyReluOp):
        return True
    return False


def _producer_ok(op: Operation) -> bool:
    if not isinstance(op, q.Conv2dOp | q.GemmOp) or not q.is_float_tensor(op.results[0].type):
        return False
    if isinstance(op, q.Conv2dOp) and op.is_identity():
        return False
    if isinstance(op, q.GemmOp) and (op.ta or len(op.output.type.get_shape()) != 2):  # type: ignore[attr-defined]
        return False
    if op.has_activation and op.act_bounds != (0.0, float("inf")):
        return False  # ReLU6 / Clip: clip(x / s, 0, 6) is not clip(x, 0, 6) / s
    bias = op.operands[2] if len(op.operands) > 2 else None
    if bias is not None:
        b = q.float_constant(bias)
        if b is None or not bias.has_one_use() or b.size != _channels(op):
            return False  # shared, not constant, or broadcast (one value for every channel)
    return weights_of(op) is not None


def find_pair(a: Operation) -> Pair | None:
    """The consumers of producer `a`'s channels, when every path from `a` ends in one of them."""
    if not _producer_ok(a):
        return None
    v: SSAValue = a.results[0]
    repeat = 1
    pair = Pair(a)  # type: ignore[arg-type]
    while v.has_one_use() and _homogeneous(user := next(iter(v.uses)).operation):
        v = user.results[0]
        pair.path.append(user)
    for use in v.uses:
        user, index = use.operation, use.index
        if isinstance(user, q.FlattenOp | q.ReshapeOp) and user.results[0].has_one_use():
            shape = v.type.get_shape()  # type: ignore[attr-defined]
            out = user.results[0].type.get_shape()  # type: ignore[attr-defined]
            if len(shape) != 4 or shape[0] != 1 or tuple(out) != (1, shape[1] * shape[2] * shape[3]):
                return None  # not the flatten of one sample's C x H x W
            repeat = shape[2] * shape[3]
            pair.path.append(user)
            use = next(iter(user.results[0].uses))
            user, index = use.operation, use.index
        if index != 0 or not isinstance(user, q.Conv2dOp | q.GemmOp) or weights_of(user) is None:
            return None
        if isinstance(user, q.Conv2dOp) and user.is_identity():
            return None  # an identity conv read by several layers: left an identity
        w = weights_of(user)
        assert w is not None
        reads = w.shape[1] * user.groups if isinstance(user, q.Conv2dOp) else w.shape[1 if user.tb else 0]
        if (isinstance(user, q.GemmOp) and user.ta) or reads != _channels(a) * (repeat if isinstance(user, q.GemmOp) else 1):
            return None
        pair.consumers.append(Consumer(user, repeat if isinstance(user, q.GemmOp) else 1))
        repeat = 1
    return pair if pair.consumers else None


def _out_absmax(op: q.Conv2dOp | q.GemmOp, w: np.ndarray) -> np.ndarray:
    """max |w| per output channel of a producer."""
    if isinstance(op, q.Conv2dOp):
        return np.max(np.abs(w), axis=(1, 2, 3))
    return np.max(np.abs(w), axis=1 if op.tb else 0)


def _in_view(c: Consumer, w: np.ndarray) -> np.ndarray:
    """An index array of w's shape: the producer's channel that each weight of the consumer reads."""
    op = c.op
    if isinstance(op, q.Conv2dOp):
        o, cg = w.shape[:2]
        g = op.groups
        cin = (np.arange(o) // (o // g))[:, None] * cg + np.arange(cg)[None, :]
        return np.broadcast_to(cin[:, :, None, None], w.shape)
    k = w.shape[1] if op.tb else w.shape[0]
    feat = np.arange(k) // c.repeat
    return np.broadcast_to(feat[None, :] if op.tb else feat[:, None], w.shape)


def _scale_producer(op: q.Conv2dOp | q.GemmOp, inv: np.ndarray) -> None:
    """Multiply output channel c of `op` (weights, bias, bn_stats) by inv[c]."""
    w = weights_of(op)
    assert w is not None
    if isinstance(op, q.Conv2dOp):
        w = w * inv[:, None, None, None]
    else:
        w = w * (inv[:, None] if op.tb else inv[None, :])
    replace_constant(op, 1, w, "weight")
    if len(op.operands) > 2:
        b = q.float_constant(op.operands[2])
        assert b is not None
        b64 = np.asarray(b, np.float64)
        replace_constant(op, 2, b64 * inv.reshape(b64.shape), "bias")
    stats = op.attributes.get("bn_stats")
    if isinstance(stats, ArrayAttr) and len(stats.data) == 2:
        mean, std = (np.asarray(s.get_values()) for s in stats.data)  # type: ignore[attr-defined]
        op.attributes["bn_stats"] = ArrayAttr([DenseArrayBase.from_list(f64, [float(v) for v in mean * inv]),
                                               DenseArrayBase.from_list(f64, [float(v) for v in std * inv])])


def equalize(pair: Pair) -> np.ndarray:
    """Equalize one pair in place; the factors s applied (A's channel c divided by s[c])."""
    a = pair.producer
    wa = weights_of(a)
    assert wa is not None
    channels = _channels(a)
    r1 = _out_absmax(a, wa)
    r2 = np.zeros(channels)
    for c in pair.consumers:
        w = weights_of(c.op)
        assert w is not None
        r2 = np.maximum(r2, _max_by(_in_view(c, w), np.abs(w), channels))
    ok = (r1 > 0) & (r2 > 0)
    s = np.ones(channels)
    s[ok] = np.sqrt(r1[ok] / r2[ok])
    if np.any(s != 1.0):
        rescale(pair, s)
    return s


def rescale(pair: Pair, s: np.ndarray) -> None:
    """Divide the producer's output channel c by s[c] and multiply what reads it by s[c]
    (weights; the ranges recorded on the producer and the path, when calibrated, by the
    smallest and largest factor, exact for one factor shared by all channels)."""
    _scale_producer(pair.producer, 1.0 / s)
    for c in pair.consumers:
        w = weights_of(c.op)
        assert w is not None
        replace_constant(c.op, 1, w * s[_in_view(c, w)], "weight")
    for o in [pair.producer, *pair.path]:
        if (r := op_range(o)) is not None:
            lo, hi = r
            set_range(o, lo / (s.min() if lo < 0 else s.max()), hi / (s.min() if hi > 0 else s.max()))


def _max_by(idx: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """out[c] = max of values where idx == c."""
    out = np.zeros(n)
    np.maximum.at(out, idx.ravel(), values.ravel())
    return out


@register_pass
@dataclass(frozen=True)
class EqualizeLayersPass(ModulePass):
    """Cross-layer equalization: per-channel rescaling between conv/gemm pairs, function unchanged."""

    name = "equalize-layers"
    levels = ("quant",)

    iterations: int = 4
    """sweeps over all pairs (a chain conv -> depthwise -> conv converges over sweeps)"""

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise ValueError("equalize-layers: iterations must be positive")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if any(op_range(o) is not None for o in op.walk()):
            raise PassFailedException("equalize-layers: the module has calibrated ranges: run it before calibrate")
        total: dict[int, tuple[Operation, np.ndarray]] = {}
        for _ in range(self.iterations):
            for producer in list(op.walk()):
                pair = find_pair(producer)
                if pair is not None and np.any((s := equalize(pair)) != 1.0):
                    total[id(producer)] = (producer, total.get(id(producer), (producer, 1.0))[1] * s)
        for producer, s in total.values():
            producer.attributes[EQUALIZED_ATTR] = FloatAttr(float(np.max(s) / np.min(s)), f64)
