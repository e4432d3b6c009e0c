"""ONNX frontend: a float ONNX model -> a `builtin.module` with one `func.func @main` of `quant` ops.

    module = import_onnx_file("models/lenet/lenet.onnx")

The model must use the default ONNX domain at an opset in MIN_OPSET..MAX_OPSET. Its nodes
are put in topological order if they are not (`sort_nodes`), and it is simplified statically
(`constant_folding.simplify`: batch 1, inferred static shapes, constant subgraphs folded,
dead nodes dropped); then every remaining node
becomes one or a few `quant` ops carrying `node = "<ONNX node name>"` (unnamed nodes are
named `<op_type>_<index>` from their position in the original graph). Initializers and
folded values become `quant.constant`s (named after the value) only where a real op uses
them. `@main` takes the graph inputs that are not initializers, in ONNX order, and returns
the graph outputs exactly, in order.

Anything that cannot be honoured raises `UnsupportedModelError` with one line naming the
node and its op type. `onnx` is imported lazily: qcomp-opt must start fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from os import PathLike
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, ModuleOp, StringAttr, TensorType, f32, i64
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from qcomp.dialects import quant as q
from qcomp.dialects.constants import dense_from_numpy
from qcomp.dialects.window import window_out
from qcomp.errors import UnsupportedModelError
from qcomp.frontend.constant_folding import (
    FOLDERS,
    explicit_pads,
    node_attrs,
    remove_dead_nodes,
    simplify,
    tensor_to_numpy,
    value_shapes,
)
from qcomp.frontend.resample_import import conv_transpose, resize, upsample

if TYPE_CHECKING:
    import onnx

MIN_OPSET = 9
MAX_OPSET = 25
"""The default-domain (`ai.onnx`) opsets the importer accepts: MIN_OPSET..MAX_OPSET.

This pair is the one statement of the supported range (README's "opsets 9-25" is checked
against it by test/frontend/opset-errors.test). 25 is the newest opset that is verified: the
onnx node tests in scope (test/frontend/conformance.py) run at opsets up to 25, and from
opset 22 to 25 every supported op only gained element types (bfloat16, float4/float8,
int2), none of which qcomp computes on. A newer opset may change the meaning of an op
and is rejected rather than guessed at; raise MAX_OPSET after reviewing its changes.
"""
DEFAULT_DOMAINS = ("", "ai.onnx")
FLOAT32 = 1  # onnx.TensorProto.FLOAT
FLOAT_TYPES = (np.float16, np.float32, np.float64)
FLT_MAX = 3.4e38

CONSTANT_INPUTS: dict[str, tuple[int, ...]] = {
    "Clip": (1, 2), "Pad": (1, 2, 3), "Reshape": (1,), "Squeeze": (1,), "Unsqueeze": (1,),
    "ReduceMean": (1,), "ReduceMax": (1,), "Dropout": (1, 2), "PRelu": (1,), "Slice": (1, 2, 3, 4), "Split": (1,),
    "Resize": (1, 2, 3), "Upsample": (1,), "ConvTranspose": (1,),
}
"""Inputs (by position) the importer needs as compile-time constants: shapes, axes, pads, bounds."""


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text or type(e).__name__


# --------------------------------------------------------------------------- public API


def import_onnx_file(path: str | PathLike[str]) -> ModuleOp:
    """Read and import an ONNX file; unreadable or malformed files raise UnsupportedModelError."""
    import onnx

    try:
        model = onnx.load(str(path))
    except Exception as e:  # protobuf and OS errors alike
        raise UnsupportedModelError(f"cannot read ONNX model '{path}': {_one_line(e)}") from None
    return import_model(model, source=str(path))


def import_onnx(stream: IO[bytes]) -> ModuleOp:
    """The `.onnx` frontend of qcomp-opt: import the serialized model read from `stream`."""
    import onnx

    name = getattr(stream, "name", "<stdin>")
    try:
        model = onnx.load_model_from_string(stream.read())
    except Exception as e:
        raise UnsupportedModelError(f"cannot read ONNX model '{name}': {_one_line(e)}") from None
    return import_model(model, source=str(name))


def import_model(model: onnx.ModelProto, source: str | None = None) -> ModuleOp:
    """Import an in-memory ONNX model (it is not modified) into a verified quant module."""
    import onnx

    if not model.HasField("graph") or not model.opset_import:
        where = f"'{source}'" if source else "model"
        raise UnsupportedModelError(f"cannot read ONNX model {where}: it has no graph or no opset import")
    opset = default_opset(model)
    check_opset(opset)
    work = onnx.ModelProto()
    work.CopyFrom(model)
    g = work.graph
    outputs = [o.name for o in g.output]
    name_nodes(g)
    # Shape inference loses shapes of duplicated outputs, and of outputs that are also
    # inputs: simplify a graph whose outputs are unique and produced inside it.
    inputs = {i.name for i in g.input}
    kept: dict[str, onnx.ValueInfoProto] = {}
    for o in g.output:
        if o.name not in inputs:
            kept.setdefault(o.name, o)
    del g.output[:]
    g.output.extend(kept.values())
    remove_dead_nodes(g)
    sort_nodes(g)
    check_domains(work)
    check_op_types(g)
    simplified, note = simplify(work, opset)
    return _Importer(simplified, opset, outputs, note).run()


def check_opset(opset: int) -> None:
    """Reject a default-domain opset outside MIN_OPSET..MAX_OPSET, or newer than the installed onnx knows."""
    import onnx.defs

    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise UnsupportedModelError(
            f"ONNX opset {opset} (domain ai.onnx) is not supported; qcomp supports opsets {MIN_OPSET}-{MAX_OPSET}")
    known = onnx.defs.onnx_opset_version()
    if opset > known:
        raise UnsupportedModelError(
            f"ONNX opset {opset} (domain ai.onnx) is newer than the installed onnx {onnx.__version__} "
            f"knows (up to {known}); upgrade onnx")


def check_domains(model: onnx.ModelProto) -> None:
    """Reject a node in an operator domain other than the default one (custom or ai.onnx.ml ops).

    Run after `remove_dead_nodes`: a domain the model imports only for dead nodes, or for
    no node at all, is harmless and is ignored (exporters often list extra domains).
    """
    imported = {o.domain for o in model.opset_import}
    for node in model.graph.node:
        if node.domain in DEFAULT_DOMAINS:
            continue
        why = "" if node.domain in imported else " (nor declared in the model's opset_import)"
        raise UnsupportedModelError(
            f"node '{node.name}' (op {node.domain}.{node.op_type}): operator domain '{node.domain}' is not "
            f"supported{why}; qcomp supports only the default ONNX domain (ai.onnx, opsets {MIN_OPSET}-{MAX_OPSET})")


def sort_nodes(graph: onnx.GraphProto) -> None:
    """Put the nodes in topological order, in place, keeping the original order where possible.

    ONNX requires topological order and onnx.checker rejects a graph without it, but some
    exporters and hand-edited graphs produce one, and the order carries no meaning: the
    dataflow is the same. So rather than reject such a graph we sort it (silently): this is
    a stable sort (Kahn's algorithm that always takes the earliest ready node of the
    original order), so a graph that is already sorted keeps its order exactly, and node
    names given by position (`name_nodes`) keep referring to the original graph. What
    cannot be sorted is still rejected, naming the node: an input tensor that nothing
    defines, and a cycle.
    """
    import heapq

    nodes = list(graph.node)
    defined = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    producer: dict[str, int] = {}
    for k, node in enumerate(nodes):
        for o in node.output:
            if o:
                producer.setdefault(o, k)
    missing = [[n for n in node.input if n not in defined] for node in nodes]
    for node, names in zip(nodes, missing):
        for name in names:
            if name not in producer:
                raise UnsupportedModelError(
                    f"node '{node.name}' (op {node.op_type}): input tensor '{name}' is not defined (it is "
                    "not a graph input, an initializer or the output of any node)")
    waiting = [len(set(names)) for names in missing]
    users: dict[str, list[int]] = {}
    for k, names in enumerate(missing):
        for name in set(names):
            users.setdefault(name, []).append(k)
    ready = [k for k, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        k = heapq.heappop(ready)
        order.append(k)
        for o in nodes[k].output:
            if o and o not in defined:
                defined.add(o)
                for u in users.get(o, ()):
                    waiting[u] -= 1
                    if waiting[u] == 0:
                        heapq.heappush(ready, u)
    if len(order) < len(nodes):
        raise _cycle_error(nodes, missing, producer, defined)
    if order != sorted(order):
        del graph.node[:]
        graph.node.extend(nodes[k] for k in order)


def _cycle_error(nodes: Sequence[onnx.NodeProto], missing: Sequence[Sequence[str]], producer: dict[str, int],
                 defined: set[str]) -> UnsupportedModelError:
    """Name one cycle among the nodes that could not be ordered: walk back through unmet inputs."""
    start = next(k for k, names in enumerate(missing) if any(n not in defined for n in names))
    path: list[int] = []
    k = start
    while k not in path:
        path.append(k)
        k = producer[next(n for n in missing[k] if n not in defined)]
    cycle = path[path.index(k):]
    first = nodes[cycle[0]]
    tensor = next(n for n in missing[cycle[0]] if n not in defined)
    flow = " -> ".join(f"'{nodes[i].name}'" for i in [cycle[0], *reversed(cycle)])  # in dataflow order
    return UnsupportedModelError(
        f"node '{first.name}' (op {first.op_type}): input tensor '{tensor}' depends on the node's own output "
        f"(the graph has a cycle: {flow})")


def check_op_types(graph: onnx.GraphProto) -> None:
    """Reject ops the importer neither converts nor folds, before shape inference trips on them."""
    for node in graph.node:
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in (*CONVERTERS, *FOLDERS):
            raise unsupported_op(node)


def unsupported_op(node: onnx.NodeProto) -> UnsupportedModelError:
    custom = node.domain not in DEFAULT_DOMAINS
    op = f"{node.domain}.{node.op_type}" if custom else node.op_type
    hint = " (only on constant inputs, which are folded)" if node.op_type in FOLDERS and not custom else ""
    return UnsupportedModelError(
        f"node '{node.name}' (op {op}) is not supported{hint}; supported ops: {', '.join(SUPPORTED_OPS)}")


def default_opset(model: onnx.ModelProto) -> int:
    for o in model.opset_import:
        if o.domain in DEFAULT_DOMAINS:
            return o.version
    raise UnsupportedModelError("the model imports no version of the default ONNX opset")


def name_nodes(graph: onnx.GraphProto) -> None:
    """Give every unnamed node the name `<op_type>_<index>` (its position in the graph)."""
    for i, node in enumerate(graph.node):
        if not node.name:
            node.name = f"{node.op_type}_{i}"


# --------------------------------------------------------------------------- the importer


def _tensor(shape: Sequence[int]) -> TensorType:
    return TensorType(f32, [int(d) for d in shape])


def _ssa_name(name: str) -> str:
    """An SSA name hint for an ONNX value name (`input.1` -> `input.1`, `0` -> `v0`)."""
    clean = re.sub(r"[^A-Za-z0-9_$.]", "_", name)
    return clean if clean and not clean[0].isdigit() else f"v{clean}"


def _normalize(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise ValueError(f"{what} {axis} is out of range for rank {rank}")
    return axis % rank


class _Importer:
    """Walks the simplified graph once, emitting quant ops into the body of @main."""

    def __init__(self, model: onnx.ModelProto, opset: int, outputs: Sequence[str], inference_note: str = ""):
        self.graph = model.graph
        self.outputs = list(outputs)
        self.inference_note = inference_note
        self.opset = opset
        self.shapes = value_shapes(model)
        self.elem = {vi.name: vi.type.tensor_type.elem_type
                     for vi in [*self.graph.input, *self.graph.value_info, *self.graph.output]}
        self.consts: dict[str, np.ndarray] = {t.name: tensor_to_numpy(t) for t in self.graph.initializer}
        self.values: dict[str, SSAValue] = {}
        self.materialized: dict[tuple[str, tuple[int, ...]], SSAValue] = {}
        self.used = {n for nd in self.graph.node for n in nd.input if n} | set(self.outputs)
        self.block = Block()
        self.node: onnx.NodeProto | None = None

    # ----------------------------------------------------------------- driver

    def run(self) -> ModuleOp:
        for inp in self.graph.input:
            if inp.name in self.consts:
                continue
            if inp.type.tensor_type.elem_type != FLOAT32:
                raise UnsupportedModelError(f"graph input '{inp.name}' is not float32; only float32 inputs are supported")
            arg = self.block.insert_arg(_tensor(self.shapes[inp.name]), len(self.block.args))
            arg.name_hint = _ssa_name(inp.name)
            self.values[inp.name] = arg
        for node in self.graph.node:
            self.node = node
            self.convert(node)
        self.node = None
        try:
            results = [self.tensor(name) for name in self.outputs]
        except ValueError as e:
            raise UnsupportedModelError(f"graph output: {_one_line(e)}") from None
        self.block.add_op(func.ReturnOp(*results))
        main = func.FuncOp("main", ([a.type for a in self.block.args], [r.type for r in results]),
                           Region(self.block))
        # The ONNX names of the graph inputs and outputs, in order (data files and the C
        # header are keyed by them).
        main.attributes["input_names"] = ArrayAttr([StringAttr(i.name) for i in self.graph.input
                                                    if i.name not in self.consts])
        main.attributes["output_names"] = ArrayAttr([StringAttr(n) for n in self.outputs])
        module = ModuleOp([main])
        try:
            module.verify()
        except VerifyException as e:
            raise UnsupportedModelError(f"imported module does not verify: {_one_line(e)}") from None
        return module

    def convert(self, node: onnx.NodeProto) -> None:
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in CONVERTERS:
            raise unsupported_op(node)
        try:
            CONVERTERS[node.op_type](self, node, node_attrs(node))
        except UnsupportedModelError:
            raise
        except KeyError as e:  # a required attribute (converters index the attribute dict)
            raise self.error(f"required attribute {e} is missing") from None
        except (ValueError, IndexError, VerifyException) as e:
            raise self.error(_one_line(e)) from None

    # ----------------------------------------------------------------- helpers

    @property
    def name(self) -> str:
        assert self.node is not None
        return self.node.name

    def error(self, msg: str) -> UnsupportedModelError:
        assert self.node is not None
        return UnsupportedModelError(f"node '{self.node.name}' (op {self.node.op_type}): {msg}")

    def emit(self, op: Operation) -> SSAValue:
        """Append `op` after checking it (its verifier names the node) and return its result."""
        self.block.add_op(op)
        op.verify()
        return op.results[0]

    def define(self, index: int, value: SSAValue) -> None:
        assert self.node is not None
        self.values[self.node.output[index]] = value

    def tensor(self, name: str, shape: Sequence[int] | None = None) -> SSAValue:
        """The SSA value of a tensor; constants become a quant.constant (optionally reshaped)."""
        if name in self.values and shape is None:
            return self.values[name]
        if name not in self.consts:
            if name in self.values and shape is not None:  # a runtime tensor that must be reshaped
                return self.emit(q.ReshapeOp(self.values[name], _tensor(shape), node=self.name))
            raise ValueError(f"tensor '{name}' is not defined")
        arr = self.consts[name]
        if arr.dtype.type not in FLOAT_TYPES:
            raise ValueError(f"tensor '{name}' has element type {arr.dtype}; only float32 tensors can be computed on")
        key = (name, tuple(arr.shape if shape is None else shape))
        if key not in self.materialized:
            data = np.ascontiguousarray(arr, dtype=np.float32).reshape(key[1])
            op = q.ConstantOp(dense_from_numpy(data), node=name)
            self.block.add_op(op)
            self.materialized[key] = op.output
        return self.materialized[key]

    def optional_input(self, index: int, shape: Sequence[int] | None = None) -> SSAValue | None:
        """Node input `index` as a tensor, or None when it is absent or empty."""
        assert self.node is not None
        if index >= len(self.node.input) or not self.node.input[index]:
            return None
        return self.tensor(self.node.input[index], shape)

    def input(self, index: int, shape: Sequence[int] | None = None) -> SSAValue:
        """Node input `index` as a tensor (optionally reshaped); it must be present."""
        value = self.optional_input(index, shape)
        if value is None:
            raise ValueError(f"input {index} is missing")
        return value

    def shape(self, index: int = 0) -> list[int]:
        """The static shape of node input `index`."""
        assert self.node is not None
        name = self.node.input[index]
        if name not in self.shapes:
            raise ValueError(f"input '{name}' has no static shape")
        return list(self.shapes[name])

    def const(self, index: int, what: str) -> np.ndarray | None:
        """Node input `index` as a numpy constant (None when absent); it must be constant."""
        assert self.node is not None
        if index >= len(self.node.input) or not self.node.input[index]:
            return None
        name = self.node.input[index]
        if name not in self.consts:
            raise ValueError(f"{what} (input '{name}') must be a constant")
        return self.consts[name]

    def required_const(self, index: int, what: str) -> np.ndarray:
        value = self.const(index, what)
        if value is None:
            raise ValueError(f"{what} (input {index}) is missing")
        return value

    def out_type(self, index: int = 0, fallback: Sequence[int] | None = None) -> TensorType:
        """Result type of node output `index` from the inferred static shape (f32 only)."""
        assert self.node is not None
        name = self.node.output[index]
        elem = self.elem.get(name, FLOAT32)
        if elem != FLOAT32:
            raise ValueError(f"output '{name}' is not float32; only float32 tensors are supported")
        shape = self.shapes.get(name, None if fallback is None else list(fallback))
        if shape is None:
            why = f" (shape inference: {self.inference_note})" if self.inference_note else ""
            raise ValueError(f"cannot infer a static shape for output '{name}'{why}")
        return _tensor(shape)

    def output_used(self, index: int) -> bool:
        assert self.node is not None
        return index < len(self.node.output) and self.node.output[index] in self.used

    def reject_extra_outputs(self, first: int, what: str) -> None:
        assert self.node is not None
        for i in range(first, len(self.node.output)):
            if self.output_used(i):
                raise ValueError(f"its {what} output '{self.node.output[i]}' is used; it is not supported")


# --------------------------------------------------------------------------- converters


class _Window:
    """Kernel, strides, dilations and pads of a conv/pool node, lifted to 2-D for 1-D nodes.

    3-D nodes (pools only, `max_nd=3`) keep their 3-D geometry: see `_pool3d`.
    """

    def __init__(self, imp: _Importer, a: dict[str, Any], kernel: Sequence[int], max_nd: int = 2):
        xs = imp.shape(0)
        self.nd = len(xs) - 2
        if not 1 <= self.nd <= max_nd:
            op = imp.node.op_type if imp.node is not None else "pooling"
            dims = "1-D and 2-D" if max_nd == 2 else "1-D, 2-D and 3-D"
            raise ValueError(f"only {dims} {op} is supported, got {max(self.nd, 0)}-D")
        k = [int(v) for v in kernel]
        s = [int(v) for v in a.get("strides", [1] * self.nd)]
        d = [int(v) for v in a.get("dilations", [1] * self.nd)]
        p = explicit_pads(a, xs[2:], k, s, d)
        if self.nd == 1:  # [N, C, L] runs as [N, C, 1, L]
            k, s, d, p = [1, *k], [1, *s], [1, *d], [0, p[0], 0, p[1]]
        self.kernel, self.strides, self.dilations, self.pads = k, s, d, p
        self.ceil = bool(a.get("ceil_mode", 0))
        self.in_shape = xs

    def lift(self, shape: Sequence[int]) -> list[int]:
        return [*shape[:2], 1, *shape[2:]] if self.nd == 1 else list(shape)


Build = Callable[[SSAValue, TensorType, list[int], list[int], list[int], list[int]], Operation]
"""(input, result type, kernel, strides, pads, dilations) -> a 2-D conv/pool op."""


def _windowed(imp: _Importer, w: _Window, build: Build) -> None:
    """Emit a 2-D conv/pool; 1-D nodes are reshaped to 2-D and back, 3-D pools decomposed."""
    if w.nd == 3:
        _pool3d(imp, w, build)
        return
    x = imp.input(0, w.lift(w.in_shape) if w.nd == 1 else None)
    out = imp.out_type()
    y = imp.emit(build(x, _tensor(w.lift(out.get_shape())), w.kernel, w.strides, w.pads, w.dilations))
    if w.nd == 1:
        y = imp.emit(q.ReshapeOp(y, out, node=imp.name))
    imp.define(0, y)


def _pool3d(imp: _Importer, w: _Window, build: Build) -> None:
    """A 3-D pool as two 2-D pools: over (H, W), then over D.

        [N, C, D, H, W] -> [N, C*D, H, W] -pool (kh, kw)-> [N, C*D, H', W']
                        -> [N, C, D, H'*W'] -pool (kd, 1)-> [N, C, D', H'*W'] -> [N, C, D', H', W']

    Exact for max (separable) and for average: the windows are boxes and every axis has
    its own window_out, and the divisor of a box (its in-bounds taps, or with
    count_include_pad its taps short of the ceil-mode overhang) is the product of the
    per-axis counts, so the mean over D of the (H, W) means is the 3-D mean.
    """
    n, c, d, h, wd = w.in_shape
    (kd, kh, kw), (sd, sh, sw), (dd, dh, dw) = w.kernel, w.strides, w.dilations
    pd0, ph0, pw0, pd1, ph1, pw1 = w.pads
    oh = window_out(h, kh, sh, ph0, ph1, dh, w.ceil)
    ow = window_out(wd, kw, sw, pw0, pw1, dw, w.ceil)
    od = window_out(d, kd, sd, pd0, pd1, dd, w.ceil)
    y = imp.emit(build(imp.input(0, [n, c * d, h, wd]), _tensor([n, c * d, oh, ow]),
                       [kh, kw], [sh, sw], [ph0, pw0, ph1, pw1], [dh, dw]))
    y = imp.emit(q.ReshapeOp(y, _tensor([n, c, d, oh * ow]), node=imp.name))
    y = imp.emit(build(y, _tensor([n, c, od, oh * ow]), [kd, 1], [sd, 1], [pd0, 0, pd1, 0], [dd, 1]))
    imp.define(0, imp.emit(q.ReshapeOp(y, imp.out_type(), node=imp.name)))


def conv(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    ws = imp.shape(1)
    w = _Window(imp, a, a.get("kernel_shape", ws[2:]))
    weight = imp.input(1, w.lift(ws) if w.nd == 1 else None)
    bias = imp.optional_input(2)
    _windowed(imp, w, lambda x, t, k, s, p, d: q.Conv2dOp(
        x, weight, bias, t, strides=s, pads=p, dilations=d, group=int(a.get("group", 1)), node=imp.name))


def max_pool(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    imp.reject_extra_outputs(1, "Indices")
    w = _Window(imp, a, a["kernel_shape"], max_nd=3)
    _windowed(imp, w, lambda x, t, k, s, p, d: q.MaxPoolOp(
        x, t, kernel=k, strides=s, pads=p, dilations=d, ceil_mode=int(w.ceil), node=imp.name))


def average_pool(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    w = _Window(imp, a, a["kernel_shape"], max_nd=3)
    extra = {"count_include_pad": IntegerAttr(1, i64)} if a.get("count_include_pad", 0) else {}
    _windowed(imp, w, lambda x, t, k, s, p, d: q.AvgPoolOp(
        x, t, kernel=k, strides=s, pads=p, dilations=d, ceil_mode=int(w.ceil), node=imp.name, **extra))


def global_average_pool(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    imp.define(0, imp.emit(q.GlobalAvgPoolOp(imp.input(0), imp.out_type(), node=imp.name)))


def gemm(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    imp.define(0, imp.emit(q.GemmOp(
        imp.input(0), imp.input(1), imp.optional_input(2), imp.out_type(), alpha=float(a.get("alpha", 1.0)),
        beta=float(a.get("beta", 1.0)), trans_a=int(a.get("transA", 0)), trans_b=int(a.get("transB", 0)),
        node=imp.name)))


def matmul(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    imp.define(0, imp.emit(q.MatMulOp(imp.input(0), imp.input(1), imp.out_type(), node=imp.name)))


def batch_norm(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    if a.get("training_mode", 0):
        raise ValueError("training_mode=1 is not supported (inference form only)")
    imp.reject_extra_outputs(1, "training")
    x, scale, bias, mean, var = (imp.input(i) for i in range(5))
    imp.define(0, imp.emit(q.BatchNormOp(x, scale, bias, mean, var, imp.out_type(),
                                         epsilon=float(a.get("epsilon", 1e-5)), node=imp.name)))


def _unary(cls: type[q.UnaryOp], **defaults: float) -> Callable[..., None]:
    def convert(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
        attrs = {k: q.float_attr(a.get(k, v)) for k, v in defaults.items()}
        imp.define(0, imp.emit(cls(imp.input(0), imp.out_type(), node=imp.name, **attrs)))

    return convert


def lrn(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """LocalResponseNormalization across channels (axis 1)."""
    if "size" not in a:
        raise ValueError("LRN needs its size attribute")
    size = int(a["size"])
    if size < 1:
        raise ValueError(f"LRN size {size} must be positive")
    if len(imp.shape(0)) < 2:
        raise ValueError("LRN needs an input with a channel axis")
    imp.define(0, imp.emit(q.LrnOp(imp.input(0), imp.out_type(), size=size, alpha=float(a.get("alpha", 1e-4)),
                                   beta=float(a.get("beta", 0.75)), bias=float(a.get("bias", 1.0)),
                                   node=imp.name)))


def clip(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    if imp.opset < 11:
        lo, hi = a.get("min"), a.get("max")
    else:
        bounds = [imp.const(i, f"Clip {w}") for i, w in ((1, "min"), (2, "max"))]
        for b, w in zip(bounds, ("min", "max")):
            if b is not None and b.size != 1:
                raise ValueError(f"Clip {w} must be a scalar, got shape {list(b.shape)}")
        lo, hi = (None if b is None else float(b.reshape(-1)[0]) for b in bounds)
    lo = None if lo is None or lo <= -FLT_MAX else float(lo)
    hi = None if hi is None or hi >= FLT_MAX else float(hi)
    if lo is not None and hi is not None and lo > hi:
        lo = hi  # ONNX: min > max sets every value to max
    attrs = {k: q.float_attr(v) for k, v in (("min", lo), ("max", hi)) if v is not None}
    imp.define(0, imp.emit(q.ClipOp(imp.input(0), imp.out_type(), node=imp.name, **attrs)))


def _binary(cls: type[q.BinaryOp]) -> Callable[..., None]:
    def convert(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
        imp.define(0, imp.emit(cls(imp.input(0), imp.input(1), imp.out_type(), node=imp.name)))

    return convert


def sum_(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Sum of n inputs: a chain of n - 1 quant.add (one input: the input itself)."""
    acc = imp.input(0)
    shape = imp.shape(0)
    for i in range(1, len(node.input)):
        shape = list(np.broadcast_shapes(tuple(shape), tuple(imp.shape(i))))
        t = imp.out_type() if i == len(node.input) - 1 else _tensor(shape)
        acc = imp.emit(q.AddOp(acc, imp.input(i), t, node=imp.name))
    imp.define(0, acc)


def _extremum(cls: type[q.MaxOp | q.MinOp]) -> Callable[..., None]:
    """Max / Min of n inputs: a chain of n - 1 binary ops (one input: the input itself).

    Constant inputs whose values are all equal and that do not change the result's shape
    combine into one bound and become a quant.clip after the chain (Max(x, 0) is a ReLU,
    Min(Max(x, a), b) a Clip(a, b)), which is exact; other constants stay operands.
    """
    is_max = cls is q.MaxOp

    def convert(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
        present = [i for i in range(len(node.input)) if node.input[i]]
        if not present:
            raise ValueError("needs at least one input")
        runtime = [i for i in present if node.input[i] not in imp.consts] or present[:1]
        shape = imp.shape(runtime[0])
        for i in runtime[1:]:
            shape = list(np.broadcast_shapes(tuple(shape), tuple(imp.shape(i))))
        bound: float | None = None
        operands = list(runtime)
        for i in present:
            if i in runtime:
                continue
            c = np.asarray(imp.consts[node.input[i]], np.float64).reshape(-1)
            cshape = np.shape(imp.consts[node.input[i]])
            splat = c.size > 0 and bool(np.all(c == c[0])) and not np.isnan(c[0])
            if splat and list(np.broadcast_shapes(tuple(shape), cshape)) == shape:
                v = float(c[0])
                bound = v if bound is None else (max(bound, v) if is_max else min(bound, v))
            else:
                operands.append(i)
                shape = list(np.broadcast_shapes(tuple(shape), cshape))
        if bound is not None and (bound <= -FLT_MAX if is_max else bound >= FLT_MAX):
            bound = None  # Max(x, -inf) and Min(x, +inf) are x
        acc = imp.input(operands[0])
        acc_shape = list(q.shape_of(acc))
        for k, i in enumerate(operands[1:], start=1):
            nxt = imp.input(i)
            acc_shape = list(np.broadcast_shapes(tuple(acc_shape), tuple(q.shape_of(nxt))))
            last = k == len(operands) - 1 and bound is None
            acc = imp.emit(cls(acc, nxt, imp.out_type() if last else _tensor(acc_shape), node=imp.name))
        if bound is not None:
            attr = {"min" if is_max else "max": q.float_attr(bound)}
            acc = imp.emit(q.ClipOp(acc, imp.out_type(), node=imp.name, **attr))
        imp.define(0, acc)

    return convert


def prelu(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """PRelu with a constant slope that broadcasts to the input; one slope value for every
    element is a LeakyRelu (a table once quantized)."""
    xs = imp.shape(0)
    slope = imp.required_const(1, "the slope")
    try:
        ok = list(np.broadcast_shapes(tuple(xs), slope.shape)) == list(xs)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"slope of shape {list(slope.shape)} does not broadcast to the input shape {xs}")
    flat = np.asarray(slope, np.float64).reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        imp.define(0, imp.emit(q.LeakyReluOp(imp.input(0), imp.out_type(), node=imp.name,
                                             alpha=q.float_attr(float(flat[0])))))
        return
    imp.define(0, imp.emit(q.PReluOp(imp.input(0), imp.input(1), imp.out_type(), node=imp.name)))


def _emit_slice(imp: _Importer, index: int, starts: list[int], ends: list[int], steps: list[int]) -> None:
    """Define output `index` as input 0 sliced (itself when the slice keeps everything)."""
    xs = imp.shape(0)
    if all(b == 0 and e == d and st == 1 for b, e, st, d in zip(starts, ends, steps, xs)):
        imp.define(index, imp.input(0))
        return
    fallback = [len(range(b, e, st)) for b, e, st in zip(starts, ends, steps)]
    op = q.SliceOp(imp.input(0), starts, ends, steps, imp.out_type(index, fallback), node=imp.name)
    imp.define(index, imp.emit(op))


def slice_(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Slice with constant starts, ends, axes and steps (negative steps reverse), bounds clamped as ONNX does."""
    xs = imp.shape(0)
    rank = len(xs)
    if imp.opset < 10:
        raw_starts, raw_ends = [int(v) for v in a["starts"]], [int(v) for v in a["ends"]]
        raw_axes, raw_steps = a.get("axes"), None
    else:
        raw_starts = [int(v) for v in imp.required_const(1, "starts").reshape(-1)]
        raw_ends = [int(v) for v in imp.required_const(2, "ends").reshape(-1)]
        ax, st = imp.const(3, "axes"), imp.const(4, "steps")
        raw_axes = None if ax is None else [int(v) for v in ax.reshape(-1)]
        raw_steps = None if st is None else [int(v) for v in st.reshape(-1)]
    axes = list(range(len(raw_starts))) if raw_axes is None else [int(v) for v in raw_axes]
    steps = [1] * len(raw_starts) if raw_steps is None else raw_steps
    if not len(raw_starts) == len(raw_ends) == len(axes) == len(steps):
        raise ValueError(f"starts, ends, axes and steps differ in length ({len(raw_starts)}, {len(raw_ends)}, "
                         f"{len(axes)}, {len(steps)})")
    starts, ends, strides = [0] * rank, list(xs), [1] * rank
    seen: set[int] = set()
    for b, e, axis, step in zip(raw_starts, raw_ends, axes, steps):
        d = _normalize(axis, rank)
        if d in seen:
            raise ValueError(f"axis {axis} is repeated in axes {axes}")
        seen.add(d)
        if step == 0:
            raise ValueError(f"step 0 on axis {d}")
        dim = xs[d]
        b, e = (b + dim if b < 0 else b), (e + dim if e < 0 else e)
        if step > 0:
            lo, hi = min(max(b, 0), dim), min(max(e, 0), dim)
        else:
            lo, hi = min(max(b, 0), dim - 1), min(max(e, -1), dim - 1)
        if not len(range(lo, hi, step)):
            lo, hi, step = 0, 0, 1  # an empty axis
        starts[d], ends[d], strides[d] = lo, hi, step
    _emit_slice(imp, 0, starts, ends, strides)


def split(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Split along `axis` into its outputs: one quant.slice per used output. Sizes from `split`
    (attribute before opset 13, input since), else `num_outputs` (opset 18) or the output count:
    equal parts, the last smaller when the axis does not divide (as the ONNX reference)."""
    xs = imp.shape(0)
    rank = len(xs)
    axis = _normalize(int(a.get("axis", 0)), rank)
    dim = xs[axis]
    if imp.opset < 13:
        given = a.get("split")
        sizes = None if given is None else [int(v) for v in given]
    else:
        const = imp.const(1, "split")
        sizes = None if const is None else [int(v) for v in const.reshape(-1)]
    n = len(node.output)
    if sizes is None:
        parts = int(a.get("num_outputs", n)) if imp.opset >= 18 else n
        if parts != n:
            raise ValueError(f"num_outputs {parts} differs from the {n} outputs")
        chunk = dim // parts if dim % parts == 0 else dim // parts + 1
        sizes = [chunk] * parts
        sizes[-1] += dim - sum(sizes)
    if len(sizes) != n or sum(sizes) != dim or min(sizes) < 0:
        raise ValueError(f"split sizes {sizes} do not cut axis {axis} of size {dim} into {n} parts")
    offset = 0
    for i, size in enumerate(sizes):
        if imp.output_used(i):
            starts, ends = [0] * rank, list(xs)
            starts[axis], ends[axis] = offset, offset + size
            _emit_slice(imp, i, starts, ends, [1] * rank)
        offset += size


def concat(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    inputs = [imp.input(i) for i in range(len(node.input)) if node.input[i]]
    axis = _normalize(int(a["axis"]), len(imp.shape(0)))
    imp.define(0, imp.emit(q.ConcatOp(inputs, axis, imp.out_type(), node=imp.name)))


def _reshape_to(imp: _Importer, fallback: Sequence[int] | None) -> None:
    imp.define(0, imp.emit(q.ReshapeOp(imp.input(0), imp.out_type(0, fallback), node=imp.name)))


def reshape(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    from qcomp.frontend.constant_folding import reshape_target

    shape = imp.required_const(1, "the target shape")
    _reshape_to(imp, reshape_target(imp.shape(0), shape.tolist(), bool(a.get("allowzero", 0))))


def _axes(imp: _Importer, a: dict[str, Any], since: int) -> list[int] | None:
    if imp.opset < since:
        return None if "axes" not in a else [int(v) for v in a["axes"]]
    axes = imp.const(1, "axes")
    return None if axes is None else [int(v) for v in axes.reshape(-1)]


def squeeze(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    xs = imp.shape(0)
    axes = _axes(imp, a, 13)
    drop = {i for i, d in enumerate(xs) if d == 1} if axes is None else {_normalize(v, len(xs)) for v in axes}
    _reshape_to(imp, [d for i, d in enumerate(xs) if i not in drop])


def unsqueeze(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    xs = imp.shape(0)
    axes = _axes(imp, a, 13) or []
    rank = len(xs) + len(axes)
    out = list(xs)
    for v in sorted(_normalize(v, rank) for v in axes):
        out.insert(v, 1)
    _reshape_to(imp, out)


def flatten(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    rank = len(imp.shape(0))
    axis = int(a.get("axis", 1))
    if not -rank <= axis <= rank:
        raise ValueError(f"axis {axis} is out of range for rank {rank}")
    axis = axis % rank if axis < 0 else axis
    imp.define(0, imp.emit(q.FlattenOp(imp.input(0), axis, imp.out_type(), node=imp.name)))


def transpose(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    rank = len(imp.shape(0))
    perm = [int(p) for p in a.get("perm", range(rank - 1, -1, -1))]
    imp.define(0, imp.emit(q.TransposeOp(imp.input(0), perm, imp.out_type(), node=imp.name)))


def pad(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    mode = a.get("mode", "constant")
    if mode != "constant":
        raise ValueError(f"mode '{mode}' is not supported (constant only)")
    rank = len(imp.shape(0))
    if imp.opset < 11:
        pads, value = [int(p) for p in a["pads"]], float(a.get("value", 0.0))
    else:
        pads = [int(p) for p in imp.required_const(1, "pads")]
        fill = imp.const(2, "constant_value")
        value = 0.0 if fill is None or fill.size == 0 else float(fill.reshape(-1)[0])
        axes = imp.const(3, "axes")
        if axes is not None:
            full = [0] * (2 * rank)
            for i, ax in enumerate(int(v) for v in axes.reshape(-1)):
                ax = _normalize(ax, rank)
                full[ax], full[ax + rank] = pads[i], pads[i + axes.size]
            pads = full
    if min(pads, default=0) < 0:
        raise ValueError(f"negative pads {pads} (cropping) are not supported")
    imp.define(0, imp.emit(q.PadOp(imp.input(0), pads, imp.out_type(), value=value, node=imp.name)))


def softmax(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Softmax; before opset 13 it coerces to 2-D at `axis`: flatten -> softmax(axis 1) -> reshape."""
    xs = imp.shape(0)
    axis = _normalize(int(a.get("axis", 1 if imp.opset < 13 else -1)), len(xs))
    x, out = imp.input(0), imp.out_type()
    if imp.opset >= 13 or axis == len(xs) - 1:
        imp.define(0, imp.emit(q.SoftmaxOp(x, out, node=imp.name, axis=IntegerAttr(axis, i64))))
        return
    flat = _tensor([int(np.prod(xs[:axis])), int(np.prod(xs[axis:]))])
    y = imp.emit(q.FlattenOp(x, axis, flat, node=imp.name))
    y = imp.emit(q.SoftmaxOp(y, flat, node=imp.name, axis=IntegerAttr(1, i64)))
    imp.define(0, imp.emit(q.ReshapeOp(y, out, node=imp.name)))


def _reduce(imp: _Importer, a: dict[str, Any], pool: Callable[[SSAValue], SSAValue]) -> None:
    """A reduction over constant axes as a global pool: `pool` turns a 4-D value [A, B, H, W]
    into [A, B, 1, 1], reducing over (H, W).

    NCHW over (2, 3) is pooled directly. Other axes: transpose the reduced axes last, reshape
    to [lead, kept, reduced, 1] (lead = dim 0 when it is kept), pool, and reshape to the result.
    """
    xs = imp.shape(0)
    axes = _axes(imp, a, 18)
    x = imp.input(0)
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            imp.define(0, x)
            return
        axes = list(range(len(xs)))
    red = sorted({_normalize(v, len(xs)) for v in axes})
    kept = [i for i in range(len(xs)) if i not in red]
    out = imp.out_type(0, [1 if i in red else d for i, d in enumerate(xs)] if a.get("keepdims", 1)
                       else [xs[i] for i in kept])
    if len(xs) == 4 and red == [2, 3]:
        y = pool(x)
    else:
        perm = kept + red
        if perm != sorted(perm):
            x = imp.emit(q.TransposeOp(x, perm, _tensor([xs[i] for i in perm]), node=imp.name))
        lead = [xs[0]] if kept and kept[0] == 0 else [1]
        rest = kept[1:] if kept and kept[0] == 0 else kept
        four = [*lead, int(np.prod([xs[i] for i in rest])), int(np.prod([xs[i] for i in red])), 1]
        if four != list(q.shape_of(x)):
            x = imp.emit(q.ReshapeOp(x, _tensor(four), node=imp.name))
        y = pool(x)
    if list(q.shape_of(y)) != list(out.get_shape()):
        y = imp.emit(q.ReshapeOp(y, out, node=imp.name))
    imp.define(0, y)


def reduce_mean(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Mean over constant axes as quant.global_avgpool (see `_reduce`)."""
    _reduce(imp, a, lambda x: imp.emit(q.GlobalAvgPoolOp(x, _tensor([*q.shape_of(x)[:2], 1, 1]), node=imp.name)))


def _plane_max(imp: _Importer, x: SSAValue) -> SSAValue:
    """Max over (H, W) of a 4-D value: a quant.maxpool whose window is the whole plane."""
    xs = q.shape_of(x)
    if 0 in xs:
        raise ValueError(f"the input of shape {imp.shape(0)} is empty: empty tensors are not supported")
    return imp.emit(q.MaxPoolOp(x, _tensor([*xs[:2], 1, 1]), kernel=list(xs[2:]), node=imp.name))


def reduce_max(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Max over constant axes as a max pool over the whole (reshaped) plane (see `_reduce`):
    exact, and the result shares the input's exponent. An empty input gives a constant: -inf,
    the max over an empty set (ONNX), or an empty result."""
    noop = not _axes(imp, a, 18) and a.get("noop_with_empty_axes", 0)
    if 0 in imp.shape(0) and not noop:
        out = imp.out_type(0)
        data = np.full(out.get_shape(), -np.inf, np.float32)
        imp.define(0, imp.emit(q.ConstantOp(dense_from_numpy(data), node=imp.name)))
        return
    _reduce(imp, a, lambda x: _plane_max(imp, x))


def global_max_pool(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Max over all spatial axes: a max pool over the whole plane ([N, C, 1, L] for 1-D and 3-D inputs)."""
    xs = imp.shape(0)
    if len(xs) < 3:
        raise ValueError(f"GlobalMaxPool needs an input with spatial axes, got shape {xs}")
    x = imp.input(0) if len(xs) == 4 else imp.input(0, [*xs[:2], 1, int(np.prod(xs[2:]))])
    y = _plane_max(imp, x)
    out = imp.out_type(0, [*xs[:2], *([1] * (len(xs) - 2))])
    imp.define(0, y if list(q.shape_of(y)) == list(out.get_shape()) else imp.emit(q.ReshapeOp(y, out, node=imp.name)))


def identity(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    imp.define(0, imp.input(0))


def dropout(imp: _Importer, node: onnx.NodeProto, a: dict[str, Any]) -> None:
    """Inference Dropout is the identity; a training-mode Dropout with a non-zero ratio is rejected."""
    imp.reject_extra_outputs(1, "mask")
    training = imp.const(2, "training_mode")
    ratio = imp.const(1, "ratio")
    r = float(ratio.reshape(-1)[0]) if ratio is not None else float(a.get("ratio", 0.5))
    if training is not None and bool(training.reshape(-1)[0]) and r != 0.0:
        raise ValueError("training-mode Dropout (training_mode=1, ratio > 0) is not supported")
    imp.define(0, imp.input(0))


CONVERTERS: dict[str, Callable[[_Importer, Any, dict[str, Any]], None]] = {
    "Abs": _unary(q.AbsOp),
    "Celu": _unary(q.CeluOp, alpha=1.0),
    "Elu": _unary(q.EluOp, alpha=1.0),
    "Mish": _unary(q.MishOp),
    "Selu": _unary(q.SeluOp, alpha=1.67326319217681884765625, gamma=1.05070102214813232421875),
    "Softplus": _unary(q.SoftplusOp),
    "Softsign": _unary(q.SoftsignOp),
    "ThresholdedRelu": _unary(q.ThresholdedReluOp, alpha=1.0),
    "Add": _binary(q.AddOp),
    "AveragePool": average_pool,
    "BatchNormalization": batch_norm,
    "Clip": clip,
    "Concat": concat,
    "Conv": conv,
    "ConvTranspose": conv_transpose,
    "Div": _binary(q.DivOp),
    "Dropout": dropout,
    "Flatten": flatten,
    "Gemm": gemm,
    "GlobalAveragePool": global_average_pool,
    "GlobalMaxPool": global_max_pool,
    "HardSigmoid": _unary(q.HardSigmoidOp, alpha=0.2, beta=0.5),
    "HardSwish": _unary(q.HardSwishOp),
    "Identity": identity,
    "LeakyRelu": _unary(q.LeakyReluOp, alpha=0.01),
    "LRN": lrn,
    "MatMul": matmul,
    "Max": _extremum(q.MaxOp),
    "MaxPool": max_pool,
    "Min": _extremum(q.MinOp),
    "Mul": _binary(q.MulOp),
    "Neg": _unary(q.NegOp),
    "Pad": pad,
    "PRelu": prelu,
    "ReduceMax": reduce_max,
    "ReduceMean": reduce_mean,
    "Relu": _unary(q.ReluOp),
    "Reshape": reshape,
    "Resize": resize,
    "Sigmoid": _unary(q.SigmoidOp),
    "Slice": slice_,
    "Softmax": softmax,
    "Split": split,
    "Squeeze": squeeze,
    "Sub": _binary(q.SubOp),
    "Sum": sum_,
    "Tanh": _unary(q.TanhOp),
    "Transpose": transpose,
    "Unsqueeze": unsqueeze,
    "Upsample": upsample,
}
"""ONNX op type -> converter(importer, node, attributes)."""

SUPPORTED_OPS: tuple[str, ...] = tuple(sorted({*CONVERTERS, "Constant"}))
"""Op types the importer accepts (Constant and all-constant subgraphs are folded)."""
