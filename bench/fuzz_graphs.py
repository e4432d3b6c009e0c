"""Random ONNX graphs for the differential C fuzzer (`bench/fuzz_c.py`).

A graph is first a small *spec* (`Graph`: an input shape, a list of `Node`s, the output
nodes), which `to_onnx` turns into an opset-13 model with seeded weights. Weights are
drawn from each node's own seed and from the shapes the spec implies, so the shrinker
(`fuzz_c.py`) may delete nodes, cut outputs, or halve channels and spatial sizes, and
get a valid model back whenever the shapes still agree.

`generate(seed, ...)` builds a network block by block from the op forms the int8_fpga
pipeline compiles end to end (`bench/fuzz_probe.py` lists the forms it rejects, which are
left out): Conv with kernels 1..7 and 11 (also 1xk, kx1 and even sizes), strides 1/2/3/4
(also 1x2), dilations, symmetric, asymmetric, oversized and auto_pad SAME pads, groups and
depthwise (multiplier 1 or 2), + BatchNormalization; Relu, Clip (0..6 and others),
LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish (opset 14), Neg, Elu, Selu, Celu, Softplus,
Softsign, ThresholdedRelu, Abs and the opset-13
`x * HardSigmoid(x)`; LRN after a conv + ReLU (odd sizes 1..9); residual Add and Sum of 3-4; broadcast Mul and Add ((C,1,1) SE
blocks, (1,H,W) spatial attention); per-channel or scalar constant Mul / Add / Sub / Div and
BatchNormalization not after a conv; Concat of 2-4 branches
along C (also with the graph input) and along H or W; channel shuffle
(Reshape-Transpose-Reshape); Max/AveragePool (ceil mode, count_include_pad, dilated max,
also right after a Concat); GlobalAveragePool, ReduceMean over H,W or C, GlobalMaxPool and
ReduceMax (SE / CBAM squeezes, heads); Max / Min of 2-3 activations (also broadcast (C,1,1)),
with scalar constants (ReLU-like gates, Min(Max(x, a), b) clamps) or a per-channel constant;
PRelu with a (C,1,1), scalar or per-feature slope; channel Split into 2-3 parts (equal or
`split` sizes) concatenated back, Split of H or W, Slice crops of C, H or W (negative and
out-of-range bounds, steps 2-3 and negative steps, also as side outputs); Resize (nearest with
asymmetric/floor and other coordinate modes and roundings, linear, cubic; by scales 0.5..3 or to
sizes, also back to a skip connection's size, added or concatenated; tf_crop_and_resize with rois
beyond the input) and ConvTranspose (kernels
1..4, strides 1..3, cropping pads, output_padding, groups, depthwise, dilations, output_shape,
auto_pad SAME; + BN); Pad (zero or not, also of channels); Flatten / Squeeze / Reshape + Gemm (alpha, beta, transB) / MatMul (2-D
and 3-D); Softmax along any axis; Transpose / Reshape / Identity side outputs; several graph
outputs. Blocks are sometimes repeated with the same structure, as real networks stack
them. Channel counts go up to 256 with odd ones (3, 5, 7, 13, 31...), inputs up to 56x56,
batch 1. Activations stay in range: He-scaled weights, and BatchNorm statistics measured on
the calibration images when onnxruntime is installed (`bench/light_models.py`).
"""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from light_models import images  # noqa: E402

INPUT = -1
Shape = tuple[int, ...]  # (C, H, W) for 4-D tensors, (F,) for 2-D ones (batch 1 is implicit)

ACTS = ("relu", "relu", "relu", "clip6", "leaky", "sigmoid", "tanh", "hardsigmoid", "hardswish", "hswish_mul",
        "clip", "neg", "elu", "selu", "celu", "softplus", "softsign", "thresholded_relu", "abs")
ACT_ONNX = {"relu": "Relu", "clip6": "Clip", "clip": "Clip", "leaky": "LeakyRelu", "sigmoid": "Sigmoid",
            "tanh": "Tanh", "hardsigmoid": "HardSigmoid", "hardswish": "HardSwish", "hswish_mul": "HardSigmoid+Mul", "neg": "Neg",
            "elu": "Elu", "selu": "Selu", "celu": "Celu", "softplus": "Softplus", "softsign": "Softsign",
            "thresholded_relu": "ThresholdedRelu", "abs": "Abs"}
CHANNELS = (3, 5, 7, 8, 13, 16, 16, 24, 31, 32, 32, 48, 64, 64, 96, 128, 256)


@dataclass
class Node:
    op: str
    inputs: list[int]
    attrs: dict[str, Any] = field(default_factory=dict)
    wseed: int = 0


@dataclass
class Graph:
    seed: int
    in_shape: Shape
    nodes: list[Node] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)

    def copy(self) -> Graph:
        return copy.deepcopy(self)


class InvalidGraph(ValueError):
    """The spec's shapes do not agree (a shrinking step produced an impossible graph)."""


# --------------------------------------------------------------------------- shapes


def window_out(size: int, k: int, s: int, pb: int, pe: int, d: int = 1, ceil: bool = False) -> int:
    """ONNX's output size of a window. Written here on purpose, not imported from
    qcomp.dialects.window: the generator's shapes stay an oracle independent of the compiler's
    (they were checked against onnxruntime on 300 seeds)."""
    span = size + pb + pe - (d * (k - 1) + 1)
    if span < 0:
        return 0
    if ceil:
        out = -(-span // s) + 1
        if (out - 1) * s >= size + pb:
            out -= 1
        return out
    return span // s + 1


def auto_pads(x: Shape, a: dict[str, Any]) -> tuple[int, int, int, int]:
    """Explicit (top, left, bottom, right) pads of auto_pad SAME_UPPER / SAME_LOWER."""
    out = []
    for size, k, s, d in zip(x[1:], a["k"], a["s"], a.get("d", (1, 1))):
        total = max(0, (-(-size // s) - 1) * s + d * (k - 1) + 1 - size)
        small, big = total // 2, total - total // 2
        out.append((small, big) if a["auto_pad"] == "SAME_UPPER" else (big, small))
    (t, b), (left, r) = out
    return (t, left, b, r)


def _onnx_ceil_out(size: int, k: int, s: int, pb: int, pe: int, d: int) -> int:
    """ONNX shape inference's ceil_mode output length (no correction for windows in the padding)."""
    return -(-(size + pb + pe - (d * (k - 1) + 1)) // s) + 1


def _window_shape(x: Shape, a: dict[str, Any], channels: int) -> Shape:
    if len(x) != 3:
        raise InvalidGraph("windowed op on a 2-D tensor")
    (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a.get("d", (1, 1))
    t, left, b, r = auto_pads(x, a) if a.get("auto_pad") else a["pads"]
    if a.get("pool") and (max(t, b) >= kh or max(left, r) >= kw):
        raise InvalidGraph("pool pads must be smaller than the kernel")
    oh = window_out(x[1], kh, sh, t, b, dh, a.get("ceil", False))
    ow = window_out(x[2], kw, sw, left, r, dw, a.get("ceil", False))
    if a.get("ceil") and (oh, ow) != (_onnx_ceil_out(x[1], kh, sh, t, b, dh), _onnx_ceil_out(x[2], kw, sw, left, r, dw)):
        # The last window would start in the right padding: onnxruntime (and qcomp) drop it,
        # ONNX shape inference keeps it, so the model's shapes are ambiguous.
        raise InvalidGraph("ambiguous ceil_mode pool")
    if oh < 1 or ow < 1:
        raise InvalidGraph("empty window output")
    return (channels, oh, ow)


def _broadcast(a: Shape, b: Shape) -> Shape:
    if len(a) != len(b):
        raise InvalidGraph(f"rank mismatch {a} {b}")
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise InvalidGraph(f"cannot broadcast {a} {b}")
        out.append(max(x, y))
    return tuple(out)


def node_shape(n: Node, ins: list[Shape]) -> Shape:
    a, x = n.attrs, ins[0] if ins else ()
    op = n.op
    if op == "conv":
        g = x[0] if a.get("dw") else a.get("group", 1)
        out = x[0] * a["mult"] if a.get("dw") else a["out"]
        if len(x) != 3 or x[0] % g or out % g:
            raise InvalidGraph("bad conv groups")
        return _window_shape(x, a, out)
    if op in ("maxpool", "avgpool"):
        return _window_shape(x, {**a, "pool": True}, x[0])
    if op == "act" or op == "softmax" or op == "affine":
        if op == "softmax" and not -1 <= a.get("axis", -1) <= len(x):
            raise InvalidGraph("softmax axis beyond the rank")
        if op == "affine" and len(x) != 3:
            raise InvalidGraph("per-channel affine on a 2-D tensor")
        return x
    if op == "identity":
        return x
    if op == "resize":
        if len(x) != 3:
            raise InvalidGraph("resize of a 2-D tensor")
        if a.get("like"):  # to the H, W of its second input (a skip connection), by `sizes`
            oh, ow = ins[1][1:]
        elif "sizes" in a:
            oh, ow = a["sizes"]
        else:  # ONNX: floor(in * scale), in float32
            oh, ow = (int(np.floor(np.float32(sc) * np.float32(d))) for sc, d in zip(a["scales"], x[1:]))
        if min(oh, ow) < 1 or oh * ow > 128 * 128:
            raise InvalidGraph("resize to an empty or too large plane")
        return (x[0], oh, ow)
    if op == "deconv":
        if len(x) != 3 or x[0] % a["group"] or a["out"] % a["group"]:
            raise InvalidGraph("bad ConvTranspose groups")
        out = []
        for i in range(2):
            n, k, st, d, op_ = x[1 + i], a["k"][i], a["s"][i], a["d"][i], a["out_pad"][i]
            full = st * (n - 1) + op_ + d * (k - 1) + 1
            if a.get("auto_pad"):  # ONNX: out = n * stride, pads from the total
                if d * (k - 1) + 1 < st or op_:
                    raise InvalidGraph("SAME ConvTranspose with a stride beyond the kernel")
                out.append(n * st)
            elif a.get("output_shape"):
                if not full <= a["output_shape"][i] <= full - op_ + st - 1:
                    raise InvalidGraph("output_shape shorter than the full output or longer than onnxruntime accepts")
                out.append(a["output_shape"][i])
            else:
                out.append(full - a["pads"][i] - a["pads"][2 + i])
        if min(out) < 1 or out[0] * out[1] > 128 * 128:
            raise InvalidGraph("empty or too large ConvTranspose output")
        return (a["out"], out[0], out[1])
    if op == "lrn":
        if len(x) != 3:
            raise InvalidGraph("LRN of a 2-D tensor")
        return x
    if op == "transpose":
        if len(x) != 3:
            raise InvalidGraph("transpose of a 2-D tensor")
        return tuple(x[p - 1] for p in a["perm"][1:])
    if op == "reshape":
        if int(np.prod(a["shape"])) != int(np.prod(x)):
            raise InvalidGraph("reshape size")
        return tuple(a["shape"])
    if op in ("add", "mul"):
        out = ins[0]
        for s in ins[1:]:
            out = _broadcast(out, s)
        if op == "add" and out != ins[0] and out != ins[1]:
            raise InvalidGraph("add broadcasts both ways")
        return out
    if op == "concat":
        ax = a.get("axis", 1) - 1
        if len({len(s) for s in ins}) != 1 or ax >= len(ins[0]):
            raise InvalidGraph("concat ranks")
        if len({s[:ax] + s[ax + 1:] for s in ins}) != 1:
            raise InvalidGraph("concat shapes")
        return (*ins[0][:ax], sum(s[ax] for s in ins), *ins[0][ax + 1:])
    if op == "shuffle":
        if len(x) != 3 or x[0] % a["groups"]:
            raise InvalidGraph("shuffle groups")
        return x
    if op in ("max", "min"):
        out = ins[0]
        for s in ins[1:]:
            out = _broadcast(out, s)
        if out not in ins:
            raise InvalidGraph("max/min broadcasts both ways")
        if any(c.get("shape") == "channel" for c in a.get("consts", ())) and len(out) != 3:
            raise InvalidGraph("per-channel constant of a 2-D tensor")
        return out
    if op == "prelu":
        if a.get("slope") == "channel" and len(x) != 3:
            raise InvalidGraph("per-channel slope of a 2-D tensor")
        return x
    if op == "slice":
        dims = (1, *x)
        out = list(dims)
        for b, e, ax, st in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
            if not 1 <= ax % len(dims) < len(dims):
                raise InvalidGraph("slice of the batch axis or beyond the rank")
            out[ax % len(dims)] = len(range(dims[ax % len(dims)])[slice(b, e, st)])
        if 0 in out:
            raise InvalidGraph("empty slice")
        return tuple(out[1:])
    if op == "split":
        ax = a["axis"] % (len(x) + 1)
        if ax == 0:
            raise InvalidGraph("split of the batch axis or beyond the rank")
        d = x[ax - 1]
        sizes = list(a["sizes"]) if a.get("sizes") else [d // a["parts"]] * a["parts"]
        if sum(sizes) != d or a["index"] >= len(sizes) or sizes[a["index"]] == 0:
            raise InvalidGraph("split sizes do not cut the axis")
        return tuple(sizes[a["index"]] if i == ax - 1 else v for i, v in enumerate(x))
    if op in ("gap", "reducemean", "gmp", "reducemax"):
        if len(x) != 3:
            raise InvalidGraph("pooling a 2-D tensor")
        axes = a.get("axes", (2, 3)) if op in ("reducemean", "reducemax") else (2, 3)
        if a.get("keepdims", 1):
            return tuple(1 if i + 1 in axes else d for i, d in enumerate(x))
        return tuple(d for i, d in enumerate(x) if i + 1 not in axes)
    if op == "squeeze":
        if len(x) != 3 or x[1:] != (1, 1):
            raise InvalidGraph("squeeze of a non-pooled tensor")
        return (x[0],)
    if op == "pad":
        if len(x) != 3:
            raise InvalidGraph("pad of a 2-D tensor")
        t, left, b, r = a["pads"]
        return (x[0] + a.get("c0", 0) + a.get("c1", 0), x[1] + t + b, x[2] + left + r)
    if op == "flatten":
        return (int(np.prod(x)),)
    if op == "gemm":
        if len(x) != 1:
            raise InvalidGraph("gemm on a tensor of rank > 2")
        return (a["out"],)
    if op == "matmul":
        if len(x) not in (1, 2):
            raise InvalidGraph("matmul on a 4-D tensor")
        return (*x[:-1], a["out"])
    raise ValueError(f"unknown op {op}")


def shapes(g: Graph) -> list[Shape]:
    out: list[Shape] = []
    for n in g.nodes:
        ins = [g.in_shape if i == INPUT else out[i] for i in n.inputs]
        out.append(node_shape(n, ins))
    return out


def node_macs(n: Node, ins: list[Shape], y: Shape) -> int:
    if n.op == "conv":
        g = ins[0][0] if n.attrs.get("dw") else n.attrs.get("group", 1)
        kh, kw = n.attrs["k"]
        return int(np.prod(y)) * (ins[0][0] // g) * kh * kw
    if n.op in ("gemm", "matmul"):
        return int(np.prod(y)) * ins[0][-1]
    if n.op == "deconv":  # the equivalent conv runs every tap over the zero-interleaved input
        return int(np.prod(y)) * (ins[0][0] // n.attrs["group"]) * n.attrs["k"][0] * n.attrs["k"][1]
    return 0


def macs(g: Graph, shp: list[Shape] | None = None) -> int:
    shp = shp if shp is not None else shapes(g)
    return sum(node_macs(n, [g.in_shape if i == INPUT else shp[i] for i in n.inputs], shp[k])
               for k, n in enumerate(g.nodes))


def params(g: Graph, shp: list[Shape] | None = None) -> int:
    shp = shp if shp is not None else shapes(g)
    total = 0
    for k, n in enumerate(g.nodes):
        x = g.in_shape if n.inputs[0] == INPUT else shp[n.inputs[0]]
        if n.op == "conv":
            g_ = x[0] if n.attrs.get("dw") else n.attrs.get("group", 1)
            total += shp[k][0] * (x[0] // g_) * n.attrs["k"][0] * n.attrs["k"][1]
        elif n.op in ("gemm", "matmul"):
            total += x[-1] * shp[k][-1]
        elif n.op == "deconv":
            total += x[0] * (n.attrs["out"] // n.attrs["group"]) * n.attrs["k"][0] * n.attrs["k"][1]
    return total


def op_names(g: Graph) -> list[str]:
    """Short names of the op forms a spec uses (for the per-graph line), in first-use order."""
    seen: dict[str, None] = {}
    for n in g.nodes:
        a = n.attrs
        if n.op == "conv":
            kind = "dwConv" if a.get("dw") else ("gConv" if a.get("group", 1) > 1 else "Conv")
            s = a["s"]
            name = (f"{kind}{a['k'][0]}x{a['k'][1]}" + (f"s{s[0]}" if s[0] == s[1] and s[0] > 1 else "")
                    + (f"s{s[0]}{s[1]}" if s[0] != s[1] else "") + ("d" if max(a.get("d", (1, 1))) > 1 else "")
                    + ("A" if a.get("auto_pad") else ""))
            seen[name] = None
            if a.get("bn"):
                seen["BN"] = None
        elif n.op == "act":
            seen[ACT_ONNX[a["kind"]]] = None
        else:
            name = {"add": "Sum" if len(n.inputs) > 2 else "Add", "mul": "Mul", "concat": f"Concat{len(n.inputs)}",
                    "shuffle": "Shuffle", "maxpool": "MaxPool", "avgpool": "AvgPool", "gap": "GAP",
                    "reducemean": "ReduceMean", "pad": "Pad", "flatten": "Flatten", "gemm": "Gemm",
                    "matmul": "MatMul", "softmax": "Softmax", "affine": "ScaleShift", "transpose": "Transpose",
                    "reshape": "Reshape", "squeeze": "Squeeze", "identity": "Identity", "lrn": "LRN",
                    "max": "Max", "min": "Min", "prelu": "PRelu", "gmp": "GMP", "reducemax": "ReduceMax",
                    "slice": "Slice", "split": "Split", "resize": "Resize", "deconv": "ConvT"}[n.op]
            if n.op == "resize":
                name += {"nearest": "Nearest", "linear": "Linear", "cubic": "Cubic"}[a["mode"]]
                name += "" if a.get("ctm", "half_pixel") == "half_pixel" else "-" + a["ctm"]
                name += "-" + a["nearest_mode"] if a.get("nearest_mode") else ""
            if n.op == "deconv":
                name += f"{a['k'][0]}x{a['k'][1]}s{a['s'][0]}{a['s'][1]}" + ("g" if a["group"] > 1 else "") + \
                    ("d" if max(a["d"]) > 1 else "") + ("A" if a.get("auto_pad") else "") + \
                    ("O" if a.get("output_shape") else "") + ("P" if max(a["out_pad"]) else "")
            if n.op in ("max", "min"):
                name += "".join({"scalar": "Scalar", "channel": "Const"}[c["shape"]] for c in a.get("consts", ()))
                name += str(len(n.inputs)) if len(n.inputs) > 2 else ""
            if n.op == "prelu":
                name += {"channel": "", "scalar": "Scalar", "feature": "2D"}[a.get("slope", "channel")]
            if n.op == "slice" and any(st < 0 for st in a["steps"]):
                name += "Rev"
            if n.op == "split":
                name += f"ax{a['axis']}"
            if n.op == "reducemax" and tuple(a.get("axes", (2, 3))) != (2, 3):
                name += "C"
            if n.op == "affine":
                name = {"mul": "ScaleMul", "add": "ShiftAdd", "both": "ScaleShift", "sub": "SubConst",
                        "rsub": "ConstSub", "div": "DivConst", "bn": "BN(alone)"}[a.get("mode", "both")]
            if n.op == "concat" and a.get("axis", 1) != 1:
                name += f"ax{a['axis']}"
            if n.op == "softmax" and len(g.nodes) and a.get("axis", -1) != -1:
                name += f"ax{a['axis']}"
            if n.op == "reducemean" and tuple(a.get("axes", (2, 3))) != (2, 3):
                name += "C"
            if n.op in ("add", "mul") and a.get("bcast"):
                name += "Bcast"
            seen[name] = None
    return list(seen)


# --------------------------------------------------------------------------- random generation


class _Gen:
    """Appends blocks to a Graph under a MAC and parameter budget."""

    def __init__(self, seed: int, max_macs: int, max_params: int):
        self.rng = np.random.default_rng(seed)
        r = self.rng
        c = int(r.choice([1, 3, 3, 3, 4, 5, 7, 8, 13, 16]))
        h = int(r.choice([7, 8, 12, 14, 15, 16, 17, 24, 28, 31, 32, 32, 48, 56]))
        w = h if r.random() < 0.8 else int(r.choice([8, 12, 16, 20, 28, 33]))
        self.g = Graph(seed, (c, h, w))
        self.max_macs, self.max_params = max_macs, max_params
        self.shp: list[Shape] = []

    # -- helpers

    def shape(self, i: int) -> Shape:
        return self.g.in_shape if i == INPUT else self.shp[i]

    def add(self, op: str, inputs: list[int], **attrs: Any) -> int:
        n = Node(op, inputs, attrs, int(self.rng.integers(1 << 31)))
        self.shp.append(node_shape(n, [self.shape(i) for i in inputs]))
        self.g.nodes.append(n)
        return len(self.g.nodes) - 1

    def snapshot(self) -> int:
        return len(self.g.nodes)

    def rollback(self, mark: int) -> None:
        del self.g.nodes[mark:]
        del self.shp[mark:]

    def within_budget(self) -> bool:
        return macs(self.g, self.shp) <= self.max_macs and params(self.g, self.shp) <= self.max_params

    def pick(self, options, p=None):
        if p is not None:
            p = np.asarray(p, float) / np.sum(p)
        return options[int(self.rng.choice(len(options), p=p))]

    def channels(self, lo: int = 1) -> int:
        opts = [c for c in CHANNELS if c >= lo]
        return int(self.pick(opts))

    def act(self, x: int, kinds=None) -> int:
        kind = self.pick(kinds or ACTS)
        attrs: dict[str, Any] = {"kind": kind}
        if kind == "leaky":
            attrs["alpha"] = float(self.pick([0.01, 0.1, 0.2, 0.3]))
        if kind in ("elu", "celu", "thresholded_relu"):
            attrs["alpha"] = float(self.pick([0.1, 0.5, 1.0, 1.5]))
        if kind == "clip":
            attrs["lo"], attrs["hi"] = self.pick([(-1.0, 1.0), (0.0, 1.0), (-2.0, 4.0), (0.0, 3.0), (-0.5, None)])
        return self.add("act", [x], **attrs)

    def conv(self, x: int, out: int | None = None, k: tuple[int, int] | None = None, s: int | None = None,
             group: int | str | None = None, pads: str | None = None, act: bool | None = None,
             bn: bool | None = None, dil: int | None = None) -> int:
        r = self.rng
        c, h, w = self.shape(x)
        free = k is None and s is None
        if k is None:
            kk = int(self.pick([1, 2, 3, 4, 5, 7], [3, 0.3, 5, 0.2, 1.2, 0.6]))
            k = (kk, kk)
            if kk > 1 and r.random() < 0.12:
                k = self.pick([(1, kk), (kk, 1)])
        if s is None:
            s = 2 if min(h, w) >= 8 and r.random() < 0.25 else 1
        stride = (s, s)
        if free and min(h, w) >= 8 and r.random() < 0.05:
            stride = self.pick([(1, 2), (2, 1), (3, 3)])
        if dil is None:
            dil = int(self.pick([2, 3])) if max(k) > 1 and r.random() < 0.12 else 1
        d = (dil, dil)
        if free and dil > 1 and r.random() < 0.2:
            d = self.pick([(1, dil), (dil, 1)])
        eff = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
        pads = pads or self.pick(["same", "same", "same", "valid", "asym", "auto", "big"], [3, 3, 3, 3, 2, 0.6, 0.3])
        if pads == "auto" and max(d) > 1:  # onnxruntime has no dilated auto_pad
            pads = "same"
        attrs: dict[str, Any] = {"k": tuple(k), "s": stride, "d": d, "bias": bool(r.random() < 0.7)}
        if pads == "same":
            p = (eff[0] // 2, eff[1] // 2, (eff[0] - 1) // 2, (eff[1] - 1) // 2)
        elif pads == "valid":
            p = (0, 0, 0, 0)
        elif pads == "big":  # pads beyond the kernel: whole rows of padding only
            p = tuple(int(r.integers(0, e + 2)) for e in (eff[0], eff[1], eff[0], eff[1]))
        else:
            p = tuple(int(r.integers(0, e)) if e > 1 else 0 for e in (eff[0], eff[1], eff[0], eff[1]))
        if pads == "auto":
            attrs["auto_pad"] = self.pick(["SAME_UPPER", "SAME_LOWER"])
            p = auto_pads((c, h, w), attrs)
        attrs["pads"] = p
        if group is None:
            u = r.random()
            group = "dw" if u < 0.12 else ("g" if u < 0.2 else 1)
        if group == "dw":
            attrs["dw"] = True
            attrs["mult"] = 1 if r.random() < 0.85 else 2
        else:
            if group == "g":
                divs = [d_ for d_ in range(2, min(c, 16) + 1) if c % d_ == 0]
                group = int(self.pick(divs)) if divs else 1
            attrs["group"] = int(group)
            if out is None:
                out = self.channels()
                if group > 1:
                    out = max(group, (out // group) * group)
            attrs["out"] = int(out)
        attrs["bn"] = bool(r.random() < 0.5) if bn is None else bn
        y = self.add("conv", [x], **attrs)
        if act is None:
            act = r.random() < 0.75
        if act:
            y = self.act(y)
        return y

    # -- blocks (each returns the new main tensor)

    def b_conv(self, x: int) -> int:
        return self.conv(x)

    def b_residual(self, x: int) -> int:
        c, h, w = self.shape(x)
        stride = 2 if min(h, w) >= 8 and self.rng.random() < 0.3 else 1
        out = c if stride == 1 and self.rng.random() < 0.6 else self.channels()
        y = self.conv(x, out=out, k=(3, 3), s=stride, pads="same", act=True, bn=True, dil=1, group=1)
        y = self.conv(y, out=out, k=(3, 3), s=1, pads="same", act=False, bn=True, dil=1, group=1)
        sc = x
        if out != c or stride != 1:
            sc = self.conv(x, out=out, k=(1, 1), s=stride, pads="valid", act=False, bn=True, dil=1, group=1)
        if self.rng.random() < 0.15:
            zs = [self.conv(x, out=out, k=(1, 1), s=stride, pads="valid", act=False, bn=False, dil=1, group=1)
                  for _ in range(int(self.rng.integers(1, 3)))]
            y = self.add("add", [y, sc, *zs])  # Sum of three or four
        else:
            y = self.add("add", [sc, y] if self.rng.random() < 0.5 else [y, sc])
        return self.act(y, ("relu", "relu", "clip6", "leaky")) if self.rng.random() < 0.8 else y

    def b_inception(self, x: int) -> int:
        r = self.rng
        if r.random() < 0.4:  # fire-style squeeze
            x = self.conv(x, out=self.channels(), k=(1, 1), s=1, pads="valid", act=True, group=1, dil=1)
        branches = []
        for _ in range(int(r.integers(2, 5))):
            kind = self.pick(["c1", "c3", "c5", "c7", "maxpool", "avgpool", "id"], [3, 3, 1, 0.5, 1, 1, 0.5])
            if kind == "id":
                branches.append(x)
            elif kind.startswith("c"):
                kk = int(kind[1])
                y = x
                if kk > 1 and r.random() < 0.5:
                    y = self.conv(y, k=(1, 1), s=1, pads="valid", act=True, group=1, dil=1)
                branches.append(self.conv(y, k=(kk, kk), s=1, pads="same", act=True, dil=1))
            else:
                a = dict(k=(3, 3), s=(1, 1), pads=(1, 1, 1, 1))
                if kind == "avgpool":
                    a["count_include_pad"] = bool(r.random() < 0.5)
                y = self.add(kind, [x], **a)
                if r.random() < 0.6:
                    y = self.conv(y, k=(1, 1), s=1, pads="valid", act=True, group=1, dil=1)
                branches.append(y)
        y = self.add("concat", branches)
        if r.random() < 0.4:
            y = self.b_pool(y)
        return y

    def b_dwsep(self, x: int) -> int:
        r = self.rng
        c, h, w = self.shape(x)
        inp = x
        if r.random() < 0.5:  # inverted residual: expand
            x = self.conv(x, out=min(256, c * int(self.pick([2, 4, 6]))), k=(1, 1), s=1, pads="valid",
                          act=True, group=1, dil=1, bn=True)
        s = 2 if min(h, w) >= 8 and r.random() < 0.3 else 1
        kk = int(self.pick([3, 3, 5, 7]))
        x = self.conv(x, k=(kk, kk), s=s, group="dw", pads="same", act=True)
        out = c if s == 1 and r.random() < 0.5 else self.channels()
        x = self.conv(x, out=out, k=(1, 1), s=1, pads="valid", act=False, group=1, dil=1, bn=True)
        if self.shape(x) == self.shape(inp):
            x = self.add("add", [inp, x])
        return x

    def b_shuffle(self, x: int) -> int:
        c, h, w = self.shape(x)
        divs = [d for d in (2, 3, 4, 8) if c % d == 0]
        if not divs:
            x = self.conv(x, out=int(self.pick([8, 12, 16, 24, 32, 48])), k=(1, 1), s=1, pads="valid",
                          group=1, dil=1)
            c = self.shape(x)[0]
            divs = [d for d in (2, 3, 4, 8) if c % d == 0]
        gr = int(self.pick(divs))
        y = self.conv(x, out=c, k=(1, 1), s=1, pads="valid", group=gr, act=True, dil=1)
        y = self.add("shuffle", [y], groups=gr)
        y = self.conv(y, k=(3, 3), s=1, pads="same", group="dw", act=False, dil=1)
        y = self.conv(y, out=c, k=(1, 1), s=1, pads="valid", group=gr, act=False, dil=1)
        return self.add("add", [x, y]) if self.shape(y) == self.shape(x) else y

    def b_se(self, x: int) -> int:
        c = self.shape(x)[0]
        u = self.rng.random()  # squeeze by mean (SE) or by max (CBAM's channel attention)
        s = (self.add("gap", [x]) if u < 0.55 else self.add("reducemean", [x], keepdims=1) if u < 0.7
             else self.add("gmp", [x]) if u < 0.85 else self.add("reducemax", [x], keepdims=1))
        s = self.conv(s, out=max(1, c // 4), k=(1, 1), s=1, pads="valid", group=1, act=False, dil=1, bn=False)
        s = self.act(s, ("relu",))
        s = self.conv(s, out=c, k=(1, 1), s=1, pads="valid", group=1, act=False, dil=1, bn=False)
        s = self.act(s, ("sigmoid", "hardsigmoid"))
        return self.add("mul", [x, s] if self.rng.random() < 0.7 else [s, x])

    def b_pool(self, x: int) -> int:
        r = self.rng
        c, h, w = self.shape(x)
        op = self.pick(["maxpool", "avgpool"])
        k = int(self.pick([2, 3, 3, 5])) if min(h, w) >= 4 else 2
        s = int(self.pick([1, 2, 2])) if min(h, w) >= 4 else 1
        pads = self.pick([(0, 0, 0, 0), (k // 2,) * 4 if k > 1 else (0, 0, 0, 0),
                          tuple(int(r.integers(0, k)) for _ in range(4))])
        a: dict[str, Any] = {"k": (k, k), "s": (s, s), "pads": tuple(pads), "ceil": bool(r.random() < 0.25)}
        if op == "avgpool":
            a["count_include_pad"] = bool(r.random() < 0.4)
        elif r.random() < 0.1:
            a["d"] = (2, 2)
        return self.add(op, [x], **a)

    def b_pad(self, x: int) -> int:
        r = self.rng
        pads = tuple(int(r.integers(0, 3)) for _ in range(4))
        value = float(self.pick([0.0, 0.0, 0.5, -1.0]))
        extra = {"c0": int(r.integers(0, 3)), "c1": int(r.integers(0, 3))} if r.random() < 0.15 else {}
        y = self.add("pad", [x], pads=pads, value=value, **extra)
        if r.random() < 0.7:
            y = self.conv(y, pads="valid")
        return y

    def b_unary(self, x: int) -> int:
        return self.act(x, ("sigmoid", "tanh", "hardswish", "hswish_mul", "leaky", "hardsigmoid", "clip"))

    def b_lrn(self, x: int) -> int:
        """AlexNet / GoogLeNet: conv, ReLU, LRN (odd sizes: onnxruntime, which measures the BatchNorm
        statistics here, rejects even ones; windows wider than C too)."""
        y = self.conv(x, act=True)
        return self.add("lrn", [y], size=int(self.pick([1, 3, 5, 5, 7, 9])),
                        alpha=float(self.pick([1e-4, 1e-3, 0.01, 0.1])), beta=float(self.pick([0.5, 0.75, 1.0])),
                        bias=float(self.pick([1.0, 1.0, 2.0, 0.5])))

    def b_maxmin(self, x: int) -> int:
        """Max / Min: of two conv branches (other grids; also a third input, a Sum-like n-ary
        node), of x and a broadcast (C,1,1) summary, ReLU-like gates Max(x, 0) and clamps
        Min(Max(x, a), b) with scalar constants, or with a per-channel constant."""
        r = self.rng
        op = self.pick(["max", "min"])
        kind = self.pick(["branches", "bcast", "gate", "clamp", "channel"], [2, 1, 1, 1, 1])
        if kind == "branches":
            c = self.shape(x)[0]
            ys = [self.conv(x, out=c, k=(3, 3), s=1, pads="same", group=1, dil=1, act=bool(r.random() < 0.5))
                  for _ in range(int(self.pick([1, 1, 2])))]
            return self.add(op, [x, *ys] if r.random() < 0.5 else [*ys, x])
        if kind == "bcast":
            g_ = self.add("gap", [x]) if r.random() < 0.5 else self.add("gmp", [x])
            return self.add(op, [x, g_] if r.random() < 0.5 else [g_, x])
        if kind == "gate":
            value = float(self.pick([0.0, 0.0, -0.5, 0.25]))
            return self.add(op, [x], consts=[{"shape": "scalar", "value": value}])
        if kind == "clamp":
            lo, hi = self.pick([(0.0, 6.0), (-1.0, 1.0), (0.0, 1.5), (-0.25, 0.75)])
            y = self.add("max", [x], consts=[{"shape": "scalar", "value": lo}])
            return self.add("min", [y], consts=[{"shape": "scalar", "value": hi}])
        return self.add(op, [x], consts=[{"shape": "channel"}])

    def b_prelu(self, x: int) -> int:
        """Conv (often BN) then PRelu: a (C,1,1) slope (PyTorch's num_parameters=C) or one value."""
        y = self.conv(x, act=False)
        return self.add("prelu", [y], slope=self.pick(["channel", "channel", "scalar"]))

    def b_slice(self, x: int) -> int:
        """Channel split (ShuffleNet v2 / GhostNet style: parts transformed or kept, concatenated
        back), a crop or strided or reversed Slice of H / W / C, or a Split of H or W added back."""
        r = self.rng
        c, h, w = self.shape(x)
        kind = self.pick(["channel_split", "crop", "split_hw"], [2, 2, 1])
        if kind == "channel_split":
            if c < 2:
                x = self.conv(x, out=int(self.pick([8, 12, 16])), k=(1, 1), s=1, pads="valid", group=1, dil=1)
                c = self.shape(x)[0]
            parts = int(self.pick([2, 2, 3])) if c >= 3 else 2
            if c % parts == 0 and r.random() < 0.5:
                sizes: list[int] = []
            else:
                cuts = sorted(int(v) for v in r.choice(np.arange(1, c), parts - 1, replace=False))
                sizes = [b - a_ for a_, b in zip([0, *cuts], [*cuts, c])]
            ys = []
            for i in range(parts):
                y = self.add("split", [x], axis=1, parts=parts, sizes=sizes, index=i)
                if r.random() < 0.6:
                    y = self.conv(y, k=(3, 3) if r.random() < 0.5 else (1, 1), s=1, pads="same", dil=1,
                                  group="dw" if r.random() < 0.3 else 1, act=True)
                ys.append(y)
            if r.random() < 0.15:
                self.g.outputs.append(ys[-1])
            return self.add("concat", ys if r.random() < 0.7 else ys[::-1])
        if kind == "crop":
            ax = int(self.pick([1, 2, 3, -1, -2]))
            d = (c, h, w)[ax % 4 - 1]
            step = int(self.pick([1, 1, 2, 3, -1, -2]))
            if step > 0:
                b = int(self.pick([0, 1, -(d // 2) or 0]))
                e = int(self.pick([d, -1, 1 << 40, max(1, d - 1)]))
            else:
                b = int(self.pick([-1, d - 1, 1 << 40]))
                e = int(self.pick([-(1 << 40), 0, -d - 5]))
            y = self.add("slice", [x], starts=[b], ends=[e], axes=[ax], steps=[step],
                         explicit=bool(r.random() < 0.6))
            if r.random() < 0.4:
                self.g.outputs.append(y)
                return x
            return y
        ax = int(self.pick([2, 3]))
        d = (c, h, w)[ax - 1]
        if d < 2:
            raise InvalidGraph("split of a size-1 axis")
        half = d // 2
        a_ = self.add("split", [x], axis=ax, parts=2, sizes=[half, d - half] if d % 2 else [], index=0)
        b_ = self.add("split", [x], axis=ax, parts=2, sizes=[half, d - half] if d % 2 else [], index=1)
        if d % 2 == 0:
            return self.add("add", [a_, b_])
        return self.add("concat", [b_, a_], axis=ax)

    def _resize_attrs(self) -> dict[str, Any]:
        """A Resize form: nearest (PyTorch's asymmetric + floor most often), linear or cubic, with
        one of the coordinate modes each supports in onnxruntime."""
        mode = self.pick(["nearest", "nearest", "linear", "linear", "cubic"])
        if mode == "nearest":
            ctm, nm = self.pick([("asymmetric", "floor"), ("asymmetric", "floor"), ("half_pixel", "round_prefer_floor"),
                                 ("half_pixel", "round_prefer_ceil"), ("align_corners", "round_prefer_floor"),
                                 ("tf_half_pixel_for_nn", "ceil"), ("pytorch_half_pixel", "floor")])
            return {"mode": mode, "ctm": ctm, "nearest_mode": nm}
        attrs: dict[str, Any] = {"mode": mode, "ctm": self.pick(["half_pixel", "half_pixel", "align_corners",
                                                                   "asymmetric", "pytorch_half_pixel"])}
        if mode == "cubic" and self.rng.random() < 0.3:
            attrs["cubic_a"], attrs["exclude_outside"] = -0.5, bool(self.rng.random() < 0.5)
        return attrs

    def b_upsample(self, x: int) -> int:
        """FPN / U-Net / super-resolution decoders: Resize by scales (x2 mostly, also 3, 1.5, 2x1 and
        downsampling 0.5 or 0.75) or to sizes, then a conv; or a stride-2 conv resized back to the
        skip's size (`sizes`) and added to it or concatenated with it."""
        r = self.rng
        c, h, w = self.shape(x)
        attrs = self._resize_attrs()
        if min(h, w) >= 4 and r.random() < 0.35:
            y = self.conv(x, k=(3, 3), s=2, pads="same", act=True, dil=1)
            y = self.add("resize", [y, x], like=True, **attrs)
            if r.random() < 0.5:
                return self.add("concat", [x, y] if r.random() < 0.5 else [y, x])
            y = self.conv(y, out=c, k=(1, 1), s=1, pads="valid", group=1, dil=1, act=False)
            return self.add("add", [x, y])
        if r.random() < 0.3:
            attrs["sizes"] = (int(r.integers(max(1, h // 2), 2 * h + 2)), int(r.integers(max(1, w // 2), 2 * w + 2)))
            if r.random() < 0.4:  # TF's crop_and_resize: a roi, possibly beyond the input (extrapolation)
                attrs["ctm"] = "tf_crop_and_resize"
                attrs["roi"] = tuple(round(float(v), 2) for v in (r.uniform(-0.2, 0.5), r.uniform(-0.2, 0.5),
                                                                   r.uniform(0.5, 1.2), r.uniform(0.5, 1.2)))
                attrs["extrapolation"] = float(self.pick([0.0, 0.5, -1.0]))
        else:
            attrs["scales"] = self.pick([(2.0, 2.0), (2.0, 2.0), (3.0, 3.0), (1.5, 1.5), (2.0, 1.0), (0.5, 0.5),
                                         (1.25, 0.75)])
        y = self.add("resize", [x], **attrs)
        return self.conv(y, k=(3, 3), s=1, pads="same", dil=1) if r.random() < 0.7 else y

    def b_deconv(self, x: int) -> int:
        """Decoders and segmentation heads: ConvTranspose (kernels 1..4, strides 1..3, pads that
        crop beyond the kernel too, output_padding, groups and depthwise, dilations, output_shape
        or auto_pad SAME), usually + BN and an activation."""
        r = self.rng
        c, h, w = self.shape(x)
        kk = int(self.pick([2, 2, 3, 3, 4, 1]))
        k = (kk, kk) if r.random() < 0.85 else (kk, int(self.pick([1, 2, 3])))
        st = int(self.pick([2, 2, 1, 3]))
        s = (st, st) if r.random() < 0.85 else (st, int(self.pick([1, 2])))
        d = (1, 1) if r.random() < 0.85 else (2, 2)
        u = r.random()
        group = 1 if u < 0.75 else (c if u < 0.9 else int(self.pick([g_ for g_ in (2, 3, 4) if c % g_ == 0] or [1])))
        out = c if group == c else max(group, (self.channels() // group) * group)
        op_ = tuple(int(r.integers(0, s_)) if r.random() < 0.3 else 0 for s_ in s)
        attrs: dict[str, Any] = {"out": int(out), "k": k, "s": s, "d": d, "group": int(group), "out_pad": op_,
                                 "bias": bool(r.random() < 0.7), "bn": bool(r.random() < 0.4), "pads": (0, 0, 0, 0)}
        v = r.random()
        if v < 0.15:  # without output_padding: ONNX shape inference and onnxruntime size it differently
            attrs["auto_pad"] = self.pick(["SAME_UPPER", "SAME_LOWER"])
            attrs["out_pad"] = (0, 0)
        elif v < 0.3:  # the full output or up to stride - 1 longer (ONNX shape inference mis-ranks shorter ones)
            full = [s[i] * ((h, w)[i] - 1) + d[i] * (k[i] - 1) + 1 for i in range(2)]
            attrs["output_shape"] = tuple(int(f + op_[i] + r.integers(0, s[i] - op_[i])) for i, f in enumerate(full))
        else:
            attrs["pads"] = tuple(int(r.integers(0, d[i % 2] * (k[i % 2] - 1) + 2)) for i in range(4))
        y = self.add("deconv", [x], **attrs)
        return self.act(y) if r.random() < 0.75 else y

    def b_dense(self, x: int) -> int:
        y = self.conv(x, k=(3, 3), s=1, pads="same", act=True, dil=1)
        return self.add("concat", [x, y] if self.rng.random() < 0.7 else [y, x])

    def b_softmax_side(self, x: int) -> int:
        """A channel softmax as an extra graph output (the main path continues from x)."""
        y = self.add("softmax", [x], axis=1)
        self.g.outputs.append(y)
        return x

    def b_stem(self, x: int) -> int:
        """An ImageNet-style stem: 7x7/2 (or 11x11/4) conv, BN, ReLU, 3x3/2 max pool."""
        c, h, w = self.shape(x)
        if min(h, w) >= 40 and self.rng.random() < 0.3:
            y = self.conv(x, out=int(self.pick([16, 32, 64])), k=(11, 11), s=4, pads="same", group=1, dil=1,
                          bn=False, act=True)
        else:
            y = self.conv(x, out=int(self.pick([8, 16, 24, 32, 64])), k=(7, 7), s=2, pads="same", group=1, dil=1,
                          bn=True, act=True)
        return self.add("maxpool", [y], k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1) if self.rng.random() < 0.7 else (0, 0, 0, 0),
                        ceil=bool(self.rng.random() < 0.3))

    def b_spatial_attention(self, x: int) -> int:
        """x * sigmoid(mean over channels): a (1, H, W) broadcast Mul."""
        m = self.add("reducemean", [x], axes=(1,), keepdims=1)
        m = self.act(m, ("sigmoid", "hardsigmoid", "tanh"))
        return self.add("mul", [x, m] if self.rng.random() < 0.7 else [m, x], bcast=True)

    def b_affine(self, x: int) -> int:
        """Per-channel affine ops by constants not after a conv: a Caffe 'Scale' layer (Mul, Add),
        Sub / Div by a constant (also constant - x), or a BatchNormalization (DenseNet's
        pre-activation BN), usually followed by a ReLU."""
        r = self.rng
        if x != INPUT and self.g.nodes[x].op == "conv":
            x = self.act(x, ("relu", "leaky"))
        mode = self.pick(["mul", "add", "both", "sub", "rsub", "div", "bn"], [1, 1, 1, 1, 0.5, 1, 1.5])
        y = self.add("affine", [x], mode=mode, positive=bool(r.random() < 0.7),
                     scalar=bool(mode in ("sub", "div") and r.random() < 0.3))
        return self.act(y, ("relu", "relu", "clip6")) if mode == "bn" and r.random() < 0.7 else y

    def b_bcast_add(self, x: int) -> int:
        """x + f(GAP(x)): a (C, 1, 1) broadcast Add."""
        g_ = self.add("gap", [x])
        g_ = self.act(g_, ("relu", "tanh", "sigmoid"))
        return self.add("add", [x, g_], bcast=True)

    def b_concat_spatial(self, x: int) -> int:
        """Concat along H or W of two branches of the same tensor."""
        c, h, w = self.shape(x)
        y = self.conv(x, out=c, k=(3, 3), s=1, pads="same", group=1, dil=1)
        return self.add("concat", [x, y] if self.rng.random() < 0.5 else [y, x], axis=int(self.pick([2, 3])))

    def b_side_output(self, x: int) -> int:
        """A layout-changing extra output: transpose to NHWC, a reshape, a softmax along H or W,
        or the graph input itself."""
        kind = self.pick(["transpose", "reshape", "softmax", "input"], [1, 1, 1, 0.3])
        c, h, w = self.shape(x)
        if kind == "transpose":
            y = self.add("transpose", [x], perm=self.pick([(0, 2, 3, 1), (0, 1, 3, 2), (0, 3, 1, 2)]))
        elif kind == "reshape":
            y = self.add("reshape", [x], shape=self.pick([(c * h, w, 1), (c, h * w), (1, c, h * w)]))
        elif kind == "softmax":
            y = self.add("softmax", [x], axis=int(self.pick([2, 3, -1])))
        else:
            y = self.add("identity", [INPUT])
        self.g.outputs.append(y)
        return x

    # -- heads

    def head(self, x: int) -> int:
        r = self.rng
        c, h, w = self.shape(x)
        kind = self.pick(["none", "gap_fc", "fc", "matmul", "reducemean", "conv_gap", "fc2", "matmul3d", "gmp_fc",
                          "reducemax"], [2, 3, 1.5, 1, 1, 1, 1, 0.5, 0.6, 0.4])
        if kind in ("fc", "matmul", "fc2") and c * h * w > 12544:
            kind = "gap_fc"
        if kind == "none":
            return x
        if kind == "conv_gap":
            y = self.conv(x, out=int(self.pick([10, 13, 100])), k=(1, 1), s=1, pads="valid", group=1, dil=1)
            y = self.add("gap", [y])
            return self.add("flatten", [y]) if r.random() < 0.5 else y
        if kind == "matmul3d":  # [1, C, H*W] @ [H*W, N]
            y = self.add("reshape", [x], shape=(c, h * w))
            y = self.add("matmul", [y], out=int(self.pick([3, 8, 10])), bias=bool(r.random() < 0.5))
            return self.add("softmax", [y], axis=-1) if r.random() < 0.3 else y
        if kind in ("gap_fc", "gmp_fc"):
            y = self.add("gap" if kind == "gap_fc" else "gmp", [x])
            y = self.add("squeeze" if r.random() < 0.25 else "flatten", [y])
        elif kind in ("reducemean", "reducemax"):
            y = self.add(kind, [x], keepdims=0)
        else:
            y = self.add("flatten", [x])
        if kind == "fc2":
            y = self.add("gemm", [y], out=int(self.pick([16, 32, 64, 100])), bias=True, trans_b=bool(r.random() < 0.5))
            if r.random() < 0.15:
                y = self.add("prelu", [y], slope="feature")
            else:
                y = self.act(y, ("relu", "relu", "clip6", "tanh"))
        op = "matmul" if kind == "matmul" else "gemm"
        extra: dict[str, Any] = {}
        if op == "gemm" and r.random() < 0.15:
            extra = {"alpha": float(self.pick([0.5, 2.0, 0.25])), "beta": float(self.pick([1.0, 0.5, 2.0]))}
        y = self.add(op, [y], out=int(self.pick([2, 5, 10, 13, 100])), bias=bool(r.random() < 0.8),
                     trans_b=bool(r.random() < 0.5), **extra)
        if r.random() < 0.35:
            y = self.add("softmax", [y], axis=-1)
        elif r.random() < 0.2:
            y = self.act(y, ("sigmoid", "tanh", "relu"))
        return y


BLOCKS = {"conv": 4.0, "residual": 2.0, "inception": 2.0, "dwsep": 2.0, "shuffle": 1.0, "se": 1.0, "pool": 1.5,
          "pad": 0.8, "unary": 0.8, "dense": 0.8, "softmax_side": 0.3, "spatial_attention": 0.4, "affine": 1.0,
          "bcast_add": 0.3, "concat_spatial": 0.3, "side_output": 0.4, "lrn": 0.5, "maxmin": 0.7, "prelu": 0.5,
          "slice": 0.8, "upsample": 0.8, "deconv": 0.7}


def generate(seed: int, max_macs: int = 30_000_000, max_params: int = 400_000, max_blocks: int = 6) -> Graph:
    """A random graph for `seed`: 1..max_blocks blocks (a block may be repeated) and a head,
    within the MAC and parameter budget."""
    gen = _Gen(seed, max_macs, max_params)
    r = gen.rng
    x = INPUT
    names, weights = list(BLOCKS), np.array(list(BLOCKS.values()))
    n_blocks = int(r.integers(1, max_blocks + 1))
    side: list[int] = []
    if min(gen.g.in_shape[1:]) >= 28 and r.random() < 0.25:
        x = gen.b_stem(x)
        if not gen.within_budget():
            gen.rollback(0)
            x = INPUT
    tries = 0
    while n_blocks and tries < 40:
        tries += 1
        name = names[int(r.choice(len(names), p=weights / weights.sum()))]
        block = getattr(gen, f"b_{name}")
        mark, outs = gen.snapshot(), len(gen.g.outputs)
        state = copy.deepcopy(r.bit_generator.state)
        try:
            y = block(x)
            ok = gen.within_budget()
        except InvalidGraph:
            ok = False
        if not ok:
            gen.rollback(mark)
            del gen.g.outputs[outs:]
            continue
        if x != INPUT and gen.shape(y) == gen.shape(x) and r.random() < 0.3:
            # Real networks stack identical blocks: replay the same decisions on the block's
            # output (new weights), which also gives the C identical weight-free kernels.
            for _ in range(int(r.integers(1, 3))):
                mark2, outs2, after = gen.snapshot(), len(gen.g.outputs), copy.deepcopy(r.bit_generator.state)
                r.bit_generator.state = copy.deepcopy(state)
                try:
                    y2 = block(y)
                    ok = gen.within_budget()
                except InvalidGraph:
                    ok = False
                r.bit_generator.state = after
                if not ok:
                    gen.rollback(mark2)
                    del gen.g.outputs[outs2:]
                    break
                for node in gen.g.nodes[mark2:]:
                    node.wseed = int(r.integers(1 << 31))
                y = y2
        if r.random() < 0.12 and y != INPUT:
            side.append(y)
        x = y
        n_blocks -= 1
    if x == INPUT:  # nothing fitted: one small conv
        x = gen.conv(x, out=8, k=(3, 3), s=1, pads="same", group=1, dil=1)
    mark = gen.snapshot()
    try:
        y = gen.head(x)
        if not gen.within_budget():
            raise InvalidGraph("head over budget")
    except InvalidGraph:
        gen.rollback(mark)
        y = x
    outs = [*gen.g.outputs, *side, y]
    gen.g.outputs = list(dict.fromkeys(o for o in outs))
    return gen.g


# --------------------------------------------------------------------------- ONNX


def _he(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, gain: float = 2.0) -> np.ndarray:
    return (rng.standard_normal(shape) * math.sqrt(gain / max(fan_in, 1))).astype(np.float32)


def to_onnx(g: Graph, opset: int | None = None):
    """The opset-13 ONNX model of spec `g` (opset 14 when it uses HardSwish)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    shp = shapes(g)
    nodes, inits = [], []
    names = {INPUT: "input"}
    splits: dict[tuple, list[str]] = {}  # one Split node serves every part taken of the same tensor
    if opset is None:
        opset = 14 if any(n.op == "act" and n.attrs["kind"] == "hardswish" for n in g.nodes) else 13

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def in_shape(i: int) -> Shape:
        return g.in_shape if i == INPUT else shp[i]

    for k, n in enumerate(g.nodes):
        rng = np.random.default_rng(n.wseed)
        a = n.attrs
        xs = [names[i] for i in n.inputs]
        y = f"t{k}"
        x0 = in_shape(n.inputs[0])
        if n.op == "conv":
            c = x0[0]
            group = c if a.get("dw") else a.get("group", 1)
            out = shp[k][0]
            kh, kw = a["k"]
            fan = (c // group) * kh * kw
            w = const(f"w{k}", _he(rng, (out, c // group, kh, kw), fan))
            ins = [xs[0], w]
            if a.get("bias"):
                ins.append(const(f"b{k}", rng.normal(0, 0.05, out).astype(np.float32)))
            conv_out = f"c{k}" if a.get("bn") else y
            geo: dict[str, Any] = {"kernel_shape": [kh, kw], "strides": list(a["s"]),
                                   "dilations": list(a.get("d", (1, 1))), "group": group}
            if a.get("auto_pad"):
                geo["auto_pad"] = a["auto_pad"]
            else:
                geo["pads"] = list(a["pads"])
            nodes.append(helper.make_node("Conv", ins, [conv_out], name=f"Conv_{k}", **geo))
            if a.get("bn"):
                bn = [const(f"bn{k}_{p}", v.astype(np.float32)) for p, v in (
                    ("scale", rng.uniform(0.5, 1.5, out)), ("bias", rng.normal(0, 0.1, out)),
                    ("mean", rng.normal(0, 0.1, out)), ("var", rng.uniform(0.5, 2.0, out)))]
                nodes.append(helper.make_node("BatchNormalization", [conv_out, *bn], [y], name=f"BatchNormalization_{k}",
                                              epsilon=1e-5))
        elif n.op == "act":
            kind = a["kind"]
            if kind == "relu":
                nodes.append(helper.make_node("Relu", xs, [y], name=f"Relu_{k}"))
            elif kind in ("clip6", "clip"):
                lo, hi = (0.0, 6.0) if kind == "clip6" else (a["lo"], a["hi"])
                bounds = [const(f"lo{k}", np.float32(lo))]
                if hi is not None:
                    bounds.append(const(f"hi{k}", np.float32(hi)))
                nodes.append(helper.make_node("Clip", [xs[0], *bounds], [y], name=f"Clip_{k}"))
            elif kind == "leaky":
                nodes.append(helper.make_node("LeakyRelu", xs, [y], name=f"LeakyRelu_{k}", alpha=a["alpha"]))
            elif kind == "hardsigmoid":
                nodes.append(helper.make_node("HardSigmoid", xs, [y], name=f"HardSigmoid_{k}",
                                              alpha=1 / 6, beta=0.5))
            elif kind == "hswish_mul":
                nodes.append(helper.make_node("HardSigmoid", xs, [f"hs{k}"], name=f"HardSigmoid_{k}",
                                              alpha=1 / 6, beta=0.5))
                nodes.append(helper.make_node("Mul", [xs[0], f"hs{k}"], [y], name=f"Mul_{k}"))
            else:
                op = ACT_ONNX[kind]
                alpha = {"alpha": a["alpha"]} if "alpha" in a else {}
                nodes.append(helper.make_node(op, xs, [y], name=f"{op}_{k}", **alpha))
        elif n.op == "add":
            op = "Sum" if len(xs) > 2 else "Add"
            nodes.append(helper.make_node(op, xs, [y], name=f"{op}_{k}"))
        elif n.op == "mul":
            nodes.append(helper.make_node("Mul", xs, [y], name=f"Mul_{k}"))
        elif n.op == "lrn":
            nodes.append(helper.make_node("LRN", xs, [y], name=f"LRN_{k}", size=a["size"], alpha=a["alpha"],
                                          beta=a["beta"], bias=a["bias"]))
        elif n.op == "concat":
            nodes.append(helper.make_node("Concat", xs, [y], name=f"Concat_{k}", axis=a.get("axis", 1)))
        elif n.op == "affine":
            c = x0[0]
            mode = a.get("mode", "both")
            shape = (1,) if a.get("scalar") else (1, c, 1, 1)
            scale = rng.uniform(0.5, 2.0, shape) * (1 if a.get("positive") else rng.choice([-1, 1], shape))
            shift = rng.normal(0, 0.3, shape)
            if mode == "bn":
                bn = [const(f"bn{k}_{p}", v.astype(np.float32)) for p, v in (
                    ("scale", rng.uniform(0.5, 1.5, c)), ("bias", rng.normal(0, 0.1, c)),
                    ("mean", rng.normal(0, 0.1, c)), ("var", rng.uniform(0.5, 2.0, c)))]
                nodes.append(helper.make_node("BatchNormalization", [xs[0], *bn], [y], name=f"BatchNormalization_{k}",
                                              epsilon=1e-5))
            elif mode in ("sub", "rsub"):
                ins = [xs[0], const(f"a{k}", shift.astype(np.float32))]
                nodes.append(helper.make_node("Sub", ins if mode == "sub" else ins[::-1], [y], name=f"Sub_{k}"))
            elif mode == "div":
                nodes.append(helper.make_node("Div", [xs[0], const(f"s{k}", scale.astype(np.float32))], [y], name=f"Div_{k}"))
            else:
                t = xs[0]
                if mode in ("mul", "both"):
                    nodes.append(helper.make_node("Mul", [t, const(f"s{k}", scale.astype(np.float32))],
                                                  [f"sm{k}" if mode == "both" else y], name=f"Mul_{k}"))
                    t = f"sm{k}"
                if mode in ("add", "both"):
                    nodes.append(helper.make_node("Add", [t, const(f"a{k}", shift.astype(np.float32))], [y],
                                                  name=f"Add_{k}"))
        elif n.op == "transpose":
            nodes.append(helper.make_node("Transpose", xs, [y], name=f"Transpose_{k}", perm=list(a["perm"])))
        elif n.op == "reshape":
            shape = const(f"shape{k}", np.array([1, *a["shape"]], np.int64))
            nodes.append(helper.make_node("Reshape", [xs[0], shape], [y], name=f"Reshape_{k}"))
        elif n.op == "squeeze":
            nodes.append(helper.make_node("Squeeze", [xs[0], const(f"axes{k}", np.array([2, 3], np.int64))], [y],
                                          name=f"Squeeze_{k}"))
        elif n.op == "identity":
            nodes.append(helper.make_node("Identity", xs, [y], name=f"Identity_{k}"))
        elif n.op == "shuffle":
            c, h, w = x0
            gr = a["groups"]
            s1 = const(f"shape{k}a", np.array([1, gr, c // gr, h, w], np.int64))
            s2 = const(f"shape{k}b", np.array([1, c, h, w], np.int64))
            nodes.append(helper.make_node("Reshape", [xs[0], s1], [f"r{k}"], name=f"Reshape_{k}a"))
            nodes.append(helper.make_node("Transpose", [f"r{k}"], [f"p{k}"], name=f"Transpose_{k}",
                                          perm=[0, 2, 1, 3, 4]))
            nodes.append(helper.make_node("Reshape", [f"p{k}", s2], [y], name=f"Reshape_{k}b"))
        elif n.op in ("maxpool", "avgpool"):
            kw_: dict[str, Any] = {"kernel_shape": list(a["k"]), "strides": list(a["s"]), "pads": list(a["pads"]),
                                   "ceil_mode": int(a.get("ceil", False))}
            if n.op == "avgpool":
                kw_["count_include_pad"] = int(a.get("count_include_pad", False))
                op = "AveragePool"
            else:
                op = "MaxPool"
                if max(a.get("d", (1, 1))) > 1:
                    kw_["dilations"] = list(a["d"])
            nodes.append(helper.make_node(op, xs, [y], name=f"{op}_{k}", **kw_))
        elif n.op == "gap":
            nodes.append(helper.make_node("GlobalAveragePool", xs, [y], name=f"GlobalAveragePool_{k}"))
        elif n.op == "gmp":
            nodes.append(helper.make_node("GlobalMaxPool", xs, [y], name=f"GlobalMaxPool_{k}"))
        elif n.op == "reducemax":
            nodes.append(helper.make_node("ReduceMax", xs, [y], name=f"ReduceMax_{k}",
                                          axes=list(a.get("axes", (2, 3))), keepdims=int(a.get("keepdims", 1))))
        elif n.op in ("max", "min"):
            ins = list(xs)
            for j, cst in enumerate(a.get("consts", ())):
                if cst["shape"] == "scalar":
                    ins.append(const(f"m{k}_{j}", np.float32(cst["value"])))
                else:
                    ins.append(const(f"m{k}_{j}", rng.normal(0, 0.5, (x0[0], 1, 1)).astype(np.float32)))
            op = "Max" if n.op == "max" else "Min"
            nodes.append(helper.make_node(op, ins, [y], name=f"{op}_{k}"))
        elif n.op == "prelu":
            kind = a.get("slope", "channel")
            if kind == "scalar":
                slope = np.full((1,), float(rng.choice([0.01, 0.1, 0.25])), np.float32)
            else:
                shape = (x0[0], 1, 1) if kind == "channel" else (x0[0],)
                slope = rng.uniform(-0.2, 0.5, shape).astype(np.float32)
            nodes.append(helper.make_node("PRelu", [xs[0], const(f"slope{k}", slope)], [y], name=f"PRelu_{k}"))
        elif n.op == "slice":
            bounds = [const(f"{p}{k}", np.array(a[key], np.int64))
                      for p, key in (("st", "starts"), ("en", "ends"), ("ax", "axes"), ("sp", "steps"))]
            if not a.get("explicit") and all(st == 1 for st in a["steps"]):
                bounds = bounds[:3]
            nodes.append(helper.make_node("Slice", [xs[0], *bounds], [y], name=f"Slice_{k}"))
        elif n.op == "split":
            key = (xs[0], a["axis"], a["parts"], tuple(a.get("sizes") or ()))
            if key not in splits:
                outs = [f"s{k}_{i}" for i in range(a["parts"])]
                ins = [xs[0], const(f"split{k}", np.array(a["sizes"], np.int64))] if a.get("sizes") else [xs[0]]
                nodes.append(helper.make_node("Split", ins, outs, name=f"Split_{k}", axis=a["axis"]))
                splits[key] = outs
            y = splits[key][a["index"]]
        elif n.op == "reducemean":
            nodes.append(helper.make_node("ReduceMean", xs, [y], name=f"ReduceMean_{k}",
                                          axes=list(a.get("axes", (2, 3))), keepdims=int(a.get("keepdims", 1))))
        elif n.op == "pad":
            t, left, b, r = a["pads"]
            p = const(f"pads{k}", np.array([0, a.get("c0", 0), t, left, 0, a.get("c1", 0), b, r], np.int64))
            v = const(f"value{k}", np.float32(a.get("value", 0.0)))
            nodes.append(helper.make_node("Pad", [xs[0], p, v], [y], name=f"Pad_{k}", mode="constant"))
        elif n.op == "flatten":
            nodes.append(helper.make_node("Flatten", xs, [y], name=f"Flatten_{k}", axis=1))
        elif n.op in ("gemm", "matmul"):
            fin, out = x0[-1], a["out"]
            w = _he(rng, (fin, out), fin, 1.0)
            if n.op == "matmul":
                ins = [xs[0], const(f"w{k}", w)]
                mm_out = f"m{k}" if a.get("bias") else y
                nodes.append(helper.make_node("MatMul", ins, [mm_out], name=f"MatMul_{k}"))
                if a.get("bias"):
                    b = const(f"b{k}", rng.normal(0, 0.05, (1, out)).astype(np.float32))
                    nodes.append(helper.make_node("Add", [mm_out, b], [y], name=f"Add_{k}"))
            else:
                tb = bool(a.get("trans_b"))
                ins = [xs[0], const(f"w{k}", np.ascontiguousarray(w.T) if tb else w)]
                if a.get("bias"):
                    ins.append(const(f"b{k}", rng.normal(0, 0.05, out).astype(np.float32)))
                extra = {key: a[key] for key in ("alpha", "beta") if key in a}
                nodes.append(helper.make_node("Gemm", ins, [y], name=f"Gemm_{k}", transB=int(tb), **extra))
        elif n.op == "resize":
            attrs: dict[str, Any] = {"mode": a["mode"], "coordinate_transformation_mode": a.get("ctm", "half_pixel")}
            if a.get("nearest_mode"):
                attrs["nearest_mode"] = a["nearest_mode"]
            if "cubic_a" in a:
                attrs["cubic_coeff_a"] = a["cubic_a"]
                attrs["exclude_outside"] = int(a.get("exclude_outside", False))
            roi = ""
            if "roi" in a:
                r0h, r0w, r1h, r1w = a["roi"]
                roi = const(f"roi{k}", np.array([0, 0, r0h, r0w, 1, 1, r1h, r1w], np.float32))
                attrs["extrapolation_value"] = a.get("extrapolation", 0.0)
            if "scales" in a and not a.get("like"):
                ins = [xs[0], roi, const(f"scales{k}", np.array([1, 1, *a["scales"]], np.float32))]
            else:
                ins = [xs[0], roi, "", const(f"sizes{k}", np.array([1, *shp[k]], np.int64))]
            nodes.append(helper.make_node("Resize", ins, [y], name=f"Resize_{k}", **attrs))
        elif n.op == "deconv":
            c, out, g_ = x0[0], a["out"], a["group"]
            kh, kw = a["k"]
            w = const(f"w{k}", _he(rng, (c, out // g_, kh, kw), (c // g_) * kh * kw))
            ins = [xs[0], w]
            if a.get("bias"):
                ins.append(const(f"b{k}", rng.normal(0, 0.05, out).astype(np.float32)))
            geo = {"kernel_shape": [kh, kw], "strides": list(a["s"]), "dilations": list(a["d"]), "group": g_}
            if max(a["out_pad"]):
                geo["output_padding"] = list(a["out_pad"])
            if a.get("auto_pad"):
                geo["auto_pad"] = a["auto_pad"]
            elif a.get("output_shape"):
                geo["output_shape"] = list(a["output_shape"])
            else:
                geo["pads"] = list(a["pads"])
            ct_out = f"c{k}" if a.get("bn") else y
            nodes.append(helper.make_node("ConvTranspose", ins, [ct_out], name=f"ConvTranspose_{k}", **geo))
            if a.get("bn"):
                bn = [const(f"bn{k}_{p}", v.astype(np.float32)) for p, v in (
                    ("scale", rng.uniform(0.5, 1.5, out)), ("bias", rng.normal(0, 0.1, out)),
                    ("mean", rng.normal(0, 0.1, out)), ("var", rng.uniform(0.5, 2.0, out)))]
                nodes.append(helper.make_node("BatchNormalization", [ct_out, *bn], [y], name=f"BatchNormalization_{k}",
                                              epsilon=1e-5))
        elif n.op == "softmax":
            nodes.append(helper.make_node("Softmax", xs, [y], name=f"Softmax_{k}", axis=a.get("axis", -1)))
        else:
            raise ValueError(n.op)
        names[k] = y

    def vi(name: str, s: Shape):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, *s])

    graph = helper.make_graph(nodes, f"fuzz_{g.seed}", [vi("input", g.in_shape)],
                              [vi(names[o], shp[o]) for o in g.outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="qcomp-fuzz")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def sample_data(g: Graph, n_calib: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Calibration and test inputs for `g` (seeded by the graph): smooth random images; the
    test set also has a sample scaled beyond the calibrated range (saturation) and a
    uniform-noise one on a 1/64 grid (many values exactly half-way between two integers
    of the input's grid, the rounding case of the input quantizer)."""
    rng = np.random.default_rng([g.seed, 7])
    shape = (1, *g.in_shape)
    calib = images(rng, n_calib, shape)
    test = images(rng, n_test, shape)
    if n_test >= 2:
        test[1] *= 3.0
    if n_test >= 3:
        test[2] = (np.round(rng.uniform(-2.0, 2.0, test[2].shape) * 64) / 64).astype(np.float32)
    return calib.astype(np.float32), test.astype(np.float32)


def measure_batchnorm(model, calib: np.ndarray) -> None:
    """BatchNorm statistics measured on `calib` (bench/light_models.py), when onnxruntime is installed."""
    if not any(n.op_type == "BatchNormalization" for n in model.graph.node):
        return
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return
    from light_models import _measure_batchnorm

    _measure_batchnorm(model, calib)


def prune(g: Graph) -> Graph:
    """Drop the nodes no output depends on and renumber the rest."""
    live: set[int] = set()
    stack = [o for o in g.outputs if o != INPUT]
    while stack:
        k = stack.pop()
        if k in live:
            continue
        live.add(k)
        stack += [i for i in g.nodes[k].inputs if i != INPUT]
    order = sorted(live)
    new_id = {old: new for new, old in enumerate(order)}
    new_id[INPUT] = INPUT
    out = Graph(g.seed, g.in_shape)
    for old in order:
        n = copy.deepcopy(g.nodes[old])
        n.inputs = [new_id[i] for i in n.inputs]
        out.nodes.append(n)
    out.outputs = list(dict.fromkeys(new_id[o] for o in g.outputs if o != INPUT))
    return out


def describe(g: Graph) -> str:
    """A one-line-per-node text of the spec (saved with reproducers)."""
    shp = shapes(g)
    lines = [f"input {g.in_shape}"]
    for k, n in enumerate(g.nodes):
        ins = ", ".join("input" if i == INPUT else f"t{i}" for i in n.inputs)
        lines.append(f"t{k} = {n.op}({ins}) {n.attrs} -> {shp[k]}")
    lines.append("outputs " + ", ".join(f"t{o}" for o in g.outputs))
    return "\n".join(lines)
