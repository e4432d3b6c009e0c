"""Static simplification of an ONNX graph before import: shapes, constant folding, dead code.

`simplify(model)` returns a model in which

* graph inputs have static shapes (a dynamic batch dimension 0 becomes 1; qcomp models
  have batch 1), and every tensor has the shape ONNX shape inference gives it;
* every node whose inputs are all known constants (and `Shape`/`Size` of a tensor whose
  shape is static) is evaluated with numpy and replaced by an initializer, so the
  `Shape -> Gather -> Unsqueeze -> Concat -> Reshape` subgraphs that exporters write for
  `x.view(x.size(0), -1)` become a Reshape with a constant shape;
* nodes that do not contribute to a graph output are gone;
* a ceil-mode MaxPool/AveragePool whose last window would start in the end padding has
  the shape onnxruntime (and quant) compute, one row/column fewer than ONNX shape
  inference says, and the values downstream of it follow (`correct_pool_shapes`).

Folding and shape inference alternate until nothing more folds: a folded shape lets
inference find more static shapes, which lets more `Shape` nodes fold. `onnx` is only
imported inside functions (qcomp-opt must start fast).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from qcomp.dialects.window import window_out
from qcomp.errors import UnsupportedModelError

if TYPE_CHECKING:
    import onnx

Folder = Callable[["onnx.NodeProto", list[Any], int], list[np.ndarray]]
"""A numpy evaluator: (node, input arrays (None for absent optional inputs), opset) -> outputs."""
MAX_ROUNDS = 16


def node_attrs(node: onnx.NodeProto) -> dict[str, Any]:
    """The attributes of `node` as Python values (strings decoded)."""
    from onnx import helper

    out: dict[str, Any] = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def tensor_to_numpy(t: onnx.TensorProto) -> np.ndarray:
    from onnx import numpy_helper

    return np.asarray(numpy_helper.to_array(t))


# --------------------------------------------------------------------------- numpy evaluators


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        q = np.abs(a) // np.maximum(np.abs(b), 1)
        return (np.sign(a) * np.sign(b) * q).astype(np.result_type(a, b))
    return np.asarray(a / b, dtype=np.result_type(a, b))


def _axes(node: onnx.NodeProto, ins: list[np.ndarray], opset: int, since: int) -> list[int] | None:
    """Axes from the attribute (opset < `since`) or the optional second input."""
    if opset < since:
        ax = node_attrs(node).get("axes")
        return None if ax is None else [int(a) for a in ax]
    return [int(a) for a in ins[1].reshape(-1)] if len(ins) > 1 and ins[1] is not None else None


def _unsqueeze(node, ins, opset):
    axes = _axes(node, ins, opset, 13) or []
    rank = ins[0].ndim + len(axes)
    out = ins[0]
    for a in sorted(a % rank for a in axes):
        out = np.expand_dims(out, a)
    return [out]


def _squeeze(node, ins, opset):
    axes = _axes(node, ins, opset, 13)
    x = ins[0]
    if axes is None:
        return [np.squeeze(x)]
    return [np.squeeze(x, axis=tuple(a % x.ndim for a in axes))]


def _shape(node, ins, opset):
    shape = np.array(ins[0].shape, dtype=np.int64)
    a = node_attrs(node)
    start, end = a.get("start", 0), a.get("end", None)
    return [shape[start:end]]


def _gather(node, ins, opset):
    return [np.take(ins[0], ins[1].astype(np.int64), axis=node_attrs(node).get("axis", 0))]


def _slice(node, ins, opset):
    x = ins[0]
    if opset < 10:
        a = node_attrs(node)
        starts, ends = a["starts"], a["ends"]
        axes, steps = a.get("axes", list(range(len(starts)))), [1] * len(starts)
    else:
        starts, ends = list(ins[1]), list(ins[2])
        axes = list(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
        steps = list(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        index[int(ax) % x.ndim] = slice(int(s), int(e), int(st))
    return [x[tuple(index)]]


def _concat(node, ins, opset):
    return [np.concatenate(ins, axis=node_attrs(node)["axis"])]


def _cast(node, ins, opset):
    from onnx import helper

    return [ins[0].astype(helper.tensor_dtype_to_np_dtype(node_attrs(node)["to"]))]


def reshape_target(in_shape: Sequence[int], shape: Sequence[int], allowzero: bool) -> list[int]:
    """ONNX Reshape's output shape: 0 copies the input dim (unless allowzero), -1 is inferred."""
    out = [int(in_shape[i]) if (d == 0 and not allowzero) else int(d) for i, d in enumerate(shape)]
    if -1 in out:
        known = int(np.prod([d for d in out if d != -1]))
        total = int(np.prod(in_shape))
        out[out.index(-1)] = total // known if known else 0
    return out


def _reshape(node, ins, opset):
    allowzero = bool(node_attrs(node).get("allowzero", 0))
    return [ins[0].reshape(reshape_target(ins[0].shape, ins[1].tolist(), allowzero))]


def _constant_of_shape(node, ins, opset):
    value = node_attrs(node).get("value")
    fill = tensor_to_numpy(value).reshape(-1) if value is not None else np.zeros(1, np.float32)
    return [np.full(tuple(int(d) for d in ins[0]), fill[0], dtype=fill.dtype)]


def _range(node, ins, opset):
    return [np.arange(ins[0], ins[1], ins[2]).astype(ins[0].dtype)]


def _transpose(node, ins, opset):
    return [np.transpose(ins[0], node_attrs(node).get("perm"))]


def _flatten(node, ins, opset):
    x = ins[0]
    axis = node_attrs(node).get("axis", 1) % (x.ndim + 1) if x.ndim else 0
    return [x.reshape(int(np.prod(x.shape[:axis])), -1)]


def _constant(node, ins, opset):
    a = node_attrs(node)
    if "value" in a:
        return [tensor_to_numpy(a["value"])]
    if "value_float" in a:
        return [np.array(a["value_float"], dtype=np.float32)]
    if "value_floats" in a:
        return [np.array(a["value_floats"], dtype=np.float32)]
    if "value_int" in a:
        return [np.array(a["value_int"], dtype=np.int64)]
    if "value_ints" in a:
        return [np.array(a["value_ints"], dtype=np.int64)]
    raise ValueError(f"unsupported value attribute {', '.join(sorted(a)) or '(none)'}")


def _elementwise(fn: Callable[..., np.ndarray]) -> Folder:
    def fold(node, ins, opset):
        out = fn(*ins)
        ref = np.result_type(*ins)
        return [np.asarray(out).astype(ref) if out.dtype != np.bool_ else np.asarray(out)]

    return fold


FOLDERS: dict[str, Folder] = {
    "Shape": _shape,
    "Size": lambda n, i, o: [np.array(i[0].size, dtype=np.int64)],
    "Gather": _gather,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": _concat,
    "Cast": _cast,
    "Slice": _slice,
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Transpose": _transpose,
    "ConstantOfShape": _constant_of_shape,
    "Range": _range,
    "Identity": lambda n, i, o: [i[0]],
    "Constant": _constant,
    "Add": _elementwise(np.add),
    "Sub": _elementwise(np.subtract),
    "Mul": _elementwise(np.multiply),
    "Div": _elementwise(_int_div),
    "Neg": _elementwise(np.negative),
    "Abs": _elementwise(np.abs),
    "Floor": _elementwise(np.floor),
    "Ceil": _elementwise(np.ceil),
    "Sqrt": _elementwise(np.sqrt),
    "Min": _elementwise(np.minimum),
    "Max": _elementwise(np.maximum),
    "Equal": _elementwise(np.equal),
    "Less": _elementwise(np.less),
    "Greater": _elementwise(np.greater),
    "Not": _elementwise(np.logical_not),
    "Where": lambda n, i, o: [np.asarray(np.where(i[0], i[1], i[2]))],
    "Expand": lambda n, i, o: [i[0] * np.ones(tuple(int(d) for d in i[1]), dtype=i[0].dtype)],
}
"""Ops evaluated at import time when all their inputs are constants."""


# --------------------------------------------------------------------------- graph passes


def static_dims(value_info: onnx.ValueInfoProto) -> list[int] | None:
    """The shape of a value when every dimension is a known number, else None."""
    t = value_info.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    dims = t.tensor_type.shape.dim
    if any(not d.HasField("dim_value") for d in dims):
        return None
    return [d.dim_value for d in dims]


def fix_input_shapes(graph: onnx.GraphProto) -> None:
    """Set a dynamic batch dimension (dim 0) of each graph input to 1; reject other dynamic dims."""
    inits = {t.name for t in graph.initializer}
    for inp in graph.input:
        if inp.name in inits:
            continue
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type") or not tt.HasField("shape"):
            raise UnsupportedModelError(f"graph input '{inp.name}' has no tensor shape; a static shape is required")
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value"):
                continue
            if i == 0:
                d.Clear()
                d.dim_value = 1
                continue
            what = f"'{d.dim_param}'" if d.dim_param else "unknown"
            raise UnsupportedModelError(
                f"graph input '{inp.name}' has a dynamic dimension {i} ({what}); "
                "only the batch dimension 0 may be dynamic")


def fold_constants(graph: onnx.GraphProto, opset: int, shapes: dict[str, list[int]]) -> bool:
    """Evaluate every foldable node in place (it becomes an initializer); True if any folded."""
    from onnx import numpy_helper

    consts = {t.name: tensor_to_numpy(t) for t in graph.initializer}
    keep, folded = [], False
    for node in graph.node:
        ins = [consts.get(n) if n else None for n in node.input]
        known = all(v is not None for n, v in zip(node.input, ins) if n)
        foldable = node.op_type in FOLDERS and node.domain in ("", "ai.onnx")
        if foldable and node.op_type in ("Shape", "Size") and node.input[0] in shapes and not known:
            ins, known = [np.zeros(shapes[node.input[0]], dtype=np.float32)], True
        if not (foldable and known):
            keep.append(node)
            continue
        try:
            outs = FOLDERS[node.op_type](node, ins, opset)
        except Exception as e:  # any numpy failure means a malformed node
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise UnsupportedModelError(
                f"node '{node.name}' (op {node.op_type}): cannot evaluate it on constant inputs: {msg}") from None
        for name, value in zip(node.output, outs):
            if name:
                consts[name] = np.asarray(value)
        folded = True
    if not folded:
        return False
    used = {n for node in keep for n in node.input} | {o.name for o in graph.output}
    initializers = [numpy_helper.from_array(v, name) for name, v in consts.items() if name in used]
    del graph.node[:]
    graph.node.extend(keep)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    return True


def explicit_pads(a: dict[str, Any], spatial: Sequence[int], k: Sequence[int], s: Sequence[int],
                  d: Sequence[int]) -> list[int]:
    """ONNX `pads` ([begins..., ends...]) of a conv/pool node with auto_pad resolved."""
    nd = len(spatial)
    mode = a.get("auto_pad", "NOTSET") or "NOTSET"
    if mode == "NOTSET":
        return [int(p) for p in a.get("pads", [0] * 2 * nd)]
    if mode == "VALID":
        return [0] * 2 * nd
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"auto_pad '{mode}' is not supported")
    begins, ends = [], []
    for i in range(nd):
        out = -(-spatial[i] // s[i])
        total = max((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - spatial[i], 0)
        small, big = total // 2, total - total // 2
        begins.append(small if mode == "SAME_UPPER" else big)
        ends.append(big if mode == "SAME_UPPER" else small)
    return begins + ends


def pool_shape(node: onnx.NodeProto, in_shape: Sequence[int]) -> list[int] | None:
    """The result shape of a MaxPool/AveragePool as onnxruntime computes it (None if malformed)."""
    a = node_attrs(node)
    nd = len(in_shape) - 2
    try:
        k = [int(v) for v in a["kernel_shape"]]
        s = [int(v) for v in a.get("strides", [1] * nd)]
        d = [int(v) for v in a.get("dilations", [1] * nd)]
        p = explicit_pads(a, in_shape[2:], k, s, d)
        ceil = bool(a.get("ceil_mode", 0))
        return [*in_shape[:2], *(window_out(in_shape[2 + i], k[i], s[i], p[i], p[nd + i], d[i], ceil)
                                 for i in range(nd))]
    except (KeyError, ValueError, IndexError):
        return None  # the importer reports it


def correct_pool_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """Give every MaxPool/AveragePool result the shape onnxruntime computes, and re-infer downstream.

    In ceil mode ONNX shape inference keeps a last window that would start in the end
    padding; onnxruntime, onnx.reference and window_out drop it. A wrong result shape
    is written into the graph (value_info, or the graph output) and inference is re-run
    leniently, which keeps it, so the values computed from it get the right shapes too.
    """
    from onnx import helper, shape_inference

    g = model.graph
    fixed: dict[str, list[int]] = {}
    for _ in range(len(g.node)):  # each correction can change the input shape of a later pool
        shapes = value_shapes(model)
        wrong = next(((n.output[0], want) for n in g.node
                      if n.op_type in ("MaxPool", "AveragePool") and n.input[0] in shapes
                      and n.output[0] in shapes
                      and (want := pool_shape(n, shapes[n.input[0]])) not in (None, shapes[n.output[0]])), None)
        if wrong is None:
            break
        fixed[wrong[0]] = wrong[1]
        elem = {vi.name: vi.type.tensor_type.elem_type for vi in [*g.value_info, *g.output]}
        outputs = {o.name for o in g.output}
        del g.value_info[:]
        g.value_info.extend(helper.make_tensor_value_info(name, elem[name], shape)
                            for name, shape in fixed.items() if name not in outputs)
        for o in g.output:  # forget the inferred output shapes, keeping the corrected ones
            if o.type.HasField("tensor_type"):
                o.type.CopyFrom(helper.make_tensor_type_proto(o.type.tensor_type.elem_type, fixed.get(o.name)))
        model = shape_inference.infer_shapes(model, data_prop=True)
        g = model.graph
    return model


def remove_dead_nodes(graph: onnx.GraphProto) -> None:
    """Drop nodes none of whose outputs reach a graph output; the others keep their order.

    The walk follows producers, not positions, so it also works on a graph that is not in
    topological order (the importer sorts it afterwards).
    """
    producers: dict[str, list[int]] = {}
    for k, node in enumerate(graph.node):
        for o in node.output:
            if o:
                producers.setdefault(o, []).append(k)
    live_nodes: set[int] = set()
    todo = [o.name for o in graph.output]
    seen = set(todo)
    while todo:
        for k in producers.get(todo.pop(), ()):
            if k in live_nodes:
                continue
            live_nodes.add(k)
            for n in graph.node[k].input:
                if n and n not in seen:
                    seen.add(n)
                    todo.append(n)
    if len(live_nodes) == len(graph.node):
        return
    keep = [node for k, node in enumerate(graph.node) if k in live_nodes]
    del graph.node[:]
    graph.node.extend(keep)


def infer_shapes(model: onnx.ModelProto) -> tuple[onnx.ModelProto, str]:
    """ONNX shape inference (with data propagation), strict when the model allows it.

    Returns the inferred model and, when strict inference failed and the lenient one was
    used, the strict error (one line): it explains any shape that stays unknown.
    """
    from onnx import shape_inference

    try:
        return shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True), ""
    except Exception as strict_error:  # onnx raises several exception types
        note = " ".join(str(strict_error).split()) or type(strict_error).__name__
        try:
            return shape_inference.infer_shapes(model, data_prop=True), note
        except Exception:
            raise UnsupportedModelError(f"ONNX shape inference failed: {note}") from None


def value_shapes(model: onnx.ModelProto) -> dict[str, list[int]]:
    """Static shapes of every value that has one (inputs, inferred values, outputs, initializers)."""
    g = model.graph
    out = {t.name: list(t.dims) for t in g.initializer}
    for vi in [*g.input, *g.value_info, *g.output]:
        dims = static_dims(vi)
        if dims is not None:
            out.setdefault(vi.name, dims)
    return out


def simplify(model: onnx.ModelProto, opset: int) -> tuple[onnx.ModelProto, str]:
    """Static shapes, folded constants and no dead nodes (see the module docstring).

    Edits `model` in place (pass a copy) and returns the final, shape-inferred model, with
    the strict shape-inference error if only lenient inference succeeded ('' otherwise).
    """
    g = model.graph
    fix_input_shapes(g)
    del g.value_info[:]  # exporters write symbolic shapes; inference recomputes them statically
    remove_dead_nodes(g)
    note = ""
    for _ in range(MAX_ROUNDS):
        model, note = infer_shapes(model)
        model = correct_pool_shapes(model)
        if not fold_constants(model.graph, opset, value_shapes(model)):
            break
        remove_dead_nodes(model.graph)
        del model.graph.value_info[:]
    return model, note
