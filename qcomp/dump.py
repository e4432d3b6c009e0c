"""Tensor dumps for bring-up: every intermediate integer tensor of one inference.

    entries = dump_entries(module)            # what is dumped, in execution order (shift level)
    text = manifest_text(entries)             # DIR/manifest.json, byte for byte
    write_dump(dir, executor_tensors(module, inputs))   # `qcomp dump`: the shift executor's values
    diff = compare_dumps(dir_a, dir_b)        # `qcomp compare`

Two producers write the same format: `qcomp dump` (the shift executor, the golden model)
and the generated C built with `-DQC_DUMP` (`$QC_DUMP_DIR`). Both take the list of tensors
from `dump_entries`, the one definition of which shift-level values are dumped, so their
manifests are identical and `qcomp compare` can walk them side by side:

* the graph inputs (as quantized, i.e. the integers `model_forward` receives);
* then, in program order, every result of every op of the function except `shift.constant`
  (no computation) and `shift.reshape` (an alias of its input in the C: no buffer, same data);
* then the graph outputs not listed yet (a reshaped or constant output), in output order.

Format (docs/c-backend.md, "Dumps"): one file per tensor, `NNNN_<node>.bin`, the raw
little-endian storage integers in logical (ONNX, row-major, NCHW) order, batch 1; and
`manifest.json`, a JSON list with one object per tensor in execution order: `index`,
`file`, `node` (ONNX node name; the input name for graph inputs), `op` (the shift op, or
`graph-input`), `tensor` (the ONNX name for graph inputs and outputs, else `<node>:<k>`:
qcomp does not keep the ONNX names of intermediate tensors), `role` (`input`, `activation`
or `output`), `shape`, `ctype` (`int8_t`, `int32_t`, ...), `exp` (real = q * 2^exp; a list
with `axis` for per-axis tensors, null for plain integers), and `fused` (the ONNX nodes
folded into the op) when there are any.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue

from qcomp.dialects import emitc as ec
from qcomp.dialects import shift as sh
from qcomp.dialects.quant import node_of, shape_of
from qcomp.errors import InputDataError, QcompError
from qcomp.target import rounding_of

MANIFEST = "manifest.json"
#: when each entry is written: before the first op, right after its op, after the last op
AT_START, AFTER_OP, AT_END = 0, 1, 2

_NP_TYPES = {"int8_t": "<i1", "uint8_t": "<u1", "int16_t": "<i2", "uint16_t": "<u2",
             "int32_t": "<i4", "uint32_t": "<u4", "int64_t": "<i8", "uint64_t": "<u8"}


@dataclass(frozen=True)
class DumpEntry:
    """One dumped tensor: its manifest fields, and the shift-level value it is (not serialized)."""

    index: int
    file: str
    node: str
    op: str
    tensor: str
    role: str
    shape: tuple[int, ...]
    ctype: str
    exp: int | list[int] | None
    axis: int | None = None
    fused: tuple[str, ...] = ()
    value: SSAValue | None = field(default=None, compare=False, repr=False)
    when: int = field(default=AFTER_OP, compare=False, repr=False)
    output_index: int | None = field(default=None, compare=False, repr=False)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        """The little-endian numpy dtype of the file's elements."""
        return np.dtype(_NP_TYPES[self.ctype])

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"index": self.index, "file": self.file, "node": self.node, "op": self.op,
                             "tensor": self.tensor, "role": self.role, "shape": list(self.shape),
                             "ctype": self.ctype, "exp": self.exp}
        if self.axis is not None:
            d["axis"] = self.axis
        if self.fused:
            d["fused"] = list(self.fused)
        return d

    def describe(self) -> str:
        """`node '/conv1/Conv' (shift.conv2d), tensor '/conv1/Conv:0' [1, 8, 4, 4] int8_t`."""
        return (f"node '{self.node}' ({self.op}), tensor '{self.tensor}' "
                f"[{', '.join(map(str, self.shape))}] {self.ctype}")


# --------------------------------------------------------------------------- the list


def main_function(module: ModuleOp | func.FuncOp) -> func.FuncOp:
    """`@main` or the only function (the rule of the C lowering and of the executors)."""
    if isinstance(module, func.FuncOp):
        return module
    funcs = [o for o in module.ops if isinstance(o, func.FuncOp)]
    mains = [f for f in funcs if f.sym_name.data == "main"] or funcs
    if len(mains) != 1:
        raise QcompError(f"expected one shift-level function to dump, found {[f.sym_name.data for f in funcs]}")
    return mains[0]


def _names(f: func.FuncOp, key: str, count: int, default: str) -> list[str]:
    attr = f.attributes.get(key)
    names = [f"{default}{i}" for i in range(count)]
    if isinstance(attr, ArrayAttr) and len(attr.data) == count:
        names = [a.data if isinstance(a, StringAttr) else n for a, n in zip(attr.data, names)]
    return names


def _slug(text: str, limit: int = 48) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return s[-limit:].lstrip("_") or "t"


def _type_fields(t: Attribute, what: str) -> tuple[tuple[int, ...], str, int | list[int] | None, int | None]:
    """(shape, C type, exponent(s), axis) of a shift tensor type."""
    st = sh.storage_type(t)
    if not isinstance(t, TensorType) or st is None:
        raise QcompError(f"{what}: {t} is not an integer tensor: it cannot be dumped")
    ctype = ec.c_type(st)
    if ctype not in _NP_TYPES:
        raise QcompError(f"{what}: no C storage type for {t}")
    pot = sh.pot_exps(t)
    if pot is None:
        return tuple(t.get_shape()), ctype, None, None
    if pot.per_axis:
        return tuple(t.get_shape()), ctype, list(pot.exps), pot.axis.data
    return tuple(t.get_shape()), ctype, pot.exp, None


def dump_entries(module: ModuleOp | func.FuncOp) -> list[DumpEntry]:
    """The tensors a dump holds, in execution order (see the module docstring for the rule).

    The one definition shared by `qcomp dump` (executor) and the C lowering (`emitc.dump`):
    both write exactly these tensors, with this manifest.
    """
    f = main_function(module)
    block = f.body.block
    ret = block.last_op
    if not isinstance(ret, func.ReturnOp):
        raise QcompError(f"@{f.sym_name.data} does not end with func.return")
    args = list(block.args)
    outs = list(ret.operands)
    in_names = _names(f, "input_names", len(args), "input")
    out_names = _names(f, "output_names", len(outs), "output")
    first_out: dict[SSAValue, int] = {}
    for k, o in enumerate(outs):
        first_out.setdefault(o, k)
    entries: list[DumpEntry] = []
    listed: set[SSAValue] = set()
    tensors: set[str] = set()

    def add(value: SSAValue, node: str, op: str, tensor: str, role: str, when: int,
            fused: tuple[str, ...] = (), output_index: int | None = None) -> None:
        shape, ctype, exp, axis = _type_fields(value.type, f"{op} '{node}'")
        name, n = tensor, 2
        while name in tensors:
            name, n = f"{tensor}#{n}", n + 1
        tensors.add(name)
        i = len(entries)
        entries.append(DumpEntry(i, f"{i:04d}_{_slug(node)}.bin", node, op, name, role, shape, ctype, exp,
                                 axis, fused, value, when, output_index))
        listed.add(value)

    for i, a in enumerate(args):
        add(a, in_names[i], "graph-input", in_names[i], "input", AT_START)
    for op in block.ops:
        if op is ret:
            break
        if isinstance(op, sh.ConstantOp | sh.ReshapeOp):
            continue
        node = node_of(op)
        fused_attr = op.attributes.get("fused")
        fused = tuple(s.data for s in fused_attr.data if isinstance(s, StringAttr)) \
            if isinstance(fused_attr, ArrayAttr) else ()
        for j, r in enumerate(op.results):
            if r in listed:
                continue
            out_k = first_out.get(r)
            if out_k is not None:
                add(r, node, op.name, out_names[out_k], "output", AFTER_OP, fused)
            else:
                add(r, node, op.name, f"{node}:{j}", "activation", AFTER_OP, fused)
    for k, o in enumerate(outs):
        if o in listed:
            continue
        owner = o.owner
        node, opname = (node_of(owner), owner.name) if isinstance(owner, Operation) else (out_names[k], "graph-input")
        add(o, node, opname, out_names[k], "output", AT_END, output_index=k)
    return entries


def manifest_text(entries: Sequence[DumpEntry]) -> str:
    """manifest.json: a JSON list, one entry per line (ASCII only, so C can embed it as is)."""
    if not entries:
        return "[]\n"
    lines = [json.dumps(e.to_json(), ensure_ascii=True) for e in entries]
    return "[\n" + ",\n".join("  " + ln for ln in lines) + "\n]\n"


# --------------------------------------------------------------------------- the executor's dump


def executor_tensors(module: ModuleOp, inputs: Sequence[np.ndarray]) -> list[tuple[DumpEntry, np.ndarray]]:
    """Run the shift executor once (`inputs`: one storage-integer array per graph input, batch 1)
    and collect every tensor of `dump_entries(module)` through the observer protocol."""
    from qcomp.executors.shift import ShiftExecutor

    entries = dump_entries(module)
    ex = ShiftExecutor(module)
    args = list(ex.func.body.block.args)
    wanted = {e.value for e in entries if e.when == AFTER_OP}
    got: dict[SSAValue, np.ndarray] = {}

    def observer(op: Operation | None, results: list[np.ndarray]) -> None:
        if op is None:
            for a, v in zip(args, results):
                got[a] = np.array(v, copy=True)
            return
        for r, v in zip(op.results, results):
            if r in wanted:
                got[r] = np.array(v, copy=True)

    outs = ex.run(list(inputs), batched=False, observer=observer)
    pairs = []
    for e in entries:
        assert e.value is not None
        v = outs[e.output_index] if e.when == AT_END and e.output_index is not None else got.get(e.value)
        if v is None:
            raise QcompError(f"the shift executor did not report {e.describe()}")
        v = np.asarray(v)
        if tuple(v.shape) != e.shape:
            raise QcompError(f"{e.describe()}: the executor's value has shape {list(v.shape)}")
        pairs.append((e, v))
    return pairs


def check_target(target: str | Path) -> None:
    """Fail early unless a dump can go to `target`: a new directory in a writable one, an empty
    directory, or a previous dump (it is replaced); anything else is refused."""
    target = Path(target)
    parent = target.parent
    if not target.name or target.name in (".", ".."):
        raise QcompError(f"'{target}' cannot be a dump directory: name a new or empty directory")
    if not parent.is_dir():
        raise QcompError(f"output directory '{parent}' does not exist")
    if target.exists() and not target.is_dir():
        raise QcompError(f"'{target}' exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise QcompError(f"'{target}' is not empty and holds no {MANIFEST}: not replacing it")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".qcomp-probe.", dir=parent))
    except OSError as e:
        raise QcompError(f"output directory '{parent}' is not writable: {e.strerror}") from None


def write_dump(target: str | Path, tensors: Sequence[tuple[DumpEntry, np.ndarray]]) -> None:
    """Write a dump directory all or nothing: into a temporary sibling, then renamed to `target`
    (an empty directory or a previous dump there is replaced)."""
    target = Path(target)
    check_target(target)
    tmp: Path | None = None
    old: Path | None = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        for e, v in tensors:
            (tmp / e.file).write_bytes(np.ascontiguousarray(v).astype(e.dtype).tobytes())
        (tmp / MANIFEST).write_text(manifest_text([e for e, _ in tensors]), encoding="ascii")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; a dump gets the usual mode
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "d")
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        if old is not None and not target.exists():
            os.replace(old / "d", target)
        raise QcompError(f"cannot write '{e.filename or target}': {e.strerror}") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- reading and comparing


class BadDumpError(QcompError):
    """A dump directory that cannot be read, or two dumps of different tensor lists."""


def read_manifest(d: str | Path) -> list[dict[str, Any]]:
    """The entries of `d/manifest.json`, checked for the fields `compare` needs."""
    d = Path(d)
    if not d.is_dir():
        raise BadDumpError(f"dump directory '{d}' not found")
    path = d / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadDumpError(f"'{d}' holds no {MANIFEST}: not a qcomp dump") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BadDumpError(f"cannot read '{path}': {e}") from None
    if not isinstance(data, list):
        raise BadDumpError(f"'{path}' is not a list of tensors")
    for i, ent in enumerate(data):
        ok = (isinstance(ent, dict) and all(k in ent for k in ("file", "node", "tensor", "shape", "ctype"))
              and isinstance(ent["shape"], list) and all(isinstance(s, int) and s >= 0 for s in ent["shape"])
              and ent["ctype"] in _NP_TYPES and isinstance(ent["file"], str) and "/" not in ent["file"])
        if not ok:
            raise BadDumpError(f"'{path}': entry {i} is malformed")
    return data


def _load_tensor(d: Path, e: dict[str, Any]) -> np.ndarray:
    path = d / e["file"]
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise BadDumpError(f"cannot read '{path}' ({e['node']}): {err.strerror}") from None
    dt = np.dtype(_NP_TYPES[e["ctype"]])
    n = int(np.prod(e["shape"], dtype=np.int64))
    if len(raw) != n * dt.itemsize:
        raise BadDumpError(f"'{path}' has {len(raw)} bytes, expected {n * dt.itemsize} "
                           f"({n} x {e['ctype']}) for tensor '{e['tensor']}'")
    return np.frombuffer(raw, dt).reshape(e["shape"])


@dataclass
class Difference:
    """The first tensor where two dumps differ."""

    position: int  # index in execution order
    entry: dict[str, Any]
    count: int  # elements that differ
    max_lsb: int  # largest |a - b|
    first: tuple[int, ...]  # multi-index of the first differing element (logical shape)
    a: int
    b: int
    tensors_differing: int


def _match(ea: list[dict[str, Any]], eb: list[dict[str, Any]], a: Path, b: Path) -> None:
    """Raise BadDumpError naming the first entry where the two tensor lists disagree."""
    keys = ("tensor", "node", "shape", "ctype", "exp", "file")
    for i, (x, y) in enumerate(zip(ea, eb)):
        for k in keys:
            if x.get(k) != y.get(k):
                raise BadDumpError(
                    f"the dumps hold different tensors: entry {i} has {k} {json.dumps(x.get(k))} in '{a}' "
                    f"but {json.dumps(y.get(k))} in '{b}' (tensor '{x.get('tensor')}' / '{y.get('tensor')}')")
    if len(ea) != len(eb):
        longer, extra = (a, ea[len(eb)]) if len(ea) > len(eb) else (b, eb[len(ea)])
        raise BadDumpError(f"the dumps hold different tensors: '{a}' has {len(ea)}, '{b}' has {len(eb)}; "
                           f"the first extra one is '{extra['tensor']}' (node '{extra['node']}') in '{longer}'")


def compare_dumps(a: str | Path, b: str | Path) -> tuple[int, Difference | None]:
    """(number of tensors, first difference or None). Raises BadDumpError on bad input."""
    a, b = Path(a), Path(b)
    ea, eb = read_manifest(a), read_manifest(b)
    _match(ea, eb, a, b)
    first: Difference | None = None
    for i, e in enumerate(ea):
        x, y = _load_tensor(a, e), _load_tensor(b, e)
        if np.array_equal(x, y):
            continue
        if first is not None:
            first.tensors_differing += 1
            continue
        d = np.abs(x.astype(np.int64) - y.astype(np.int64))
        flat = int(np.flatnonzero(d.reshape(-1))[0])
        idx = tuple(int(v) for v in np.unravel_index(flat, x.shape)) if x.ndim else ()
        first = Difference(i, e, int(np.count_nonzero(d)), int(d.max()), idx,
                           int(x.reshape(-1)[flat]), int(y.reshape(-1)[flat]), 1)
    return len(ea), first


def format_difference(n: int, diff: Difference, a: str | Path, b: str | Path) -> str:
    """The report `qcomp compare` prints for the first differing tensor."""
    e = diff.entry
    size = int(np.prod(e["shape"], dtype=np.int64))
    exp = e.get("exp")
    lsb = f" (1 LSB = 2^{exp})" if isinstance(exp, int) else ""
    others = diff.tensors_differing - 1
    more = f"; {others} later tensor{'s' if others != 1 else ''} differ too" if others else ""
    return (f"first difference at tensor {diff.position} of {n}: node '{e['node']}' ({e.get('op', '?')}), "
            f"tensor '{e['tensor']}' [{', '.join(map(str, e['shape']))}] {e['ctype']}\n"
            f"  {diff.count} of {size} elements differ, largest difference {diff.max_lsb} LSB{lsb}; "
            f"first at [{', '.join(map(str, diff.first))}]: {diff.a} in {a}, {diff.b} in {b}{more}")


# --------------------------------------------------------------------------- data for `qcomp dump`


def load_samples(path: str | Path, f: func.FuncOp, sample: int) -> list[np.ndarray]:
    """Sample `sample` of `path` for every graph input of `f`, float32 with the argument's shape.

    `.npy` (N, ...) for one input (like the calibration data); `.npz` keyed by input name or a
    directory of NAME.npy files for several.
    """
    out = []
    for label, arr, a in _checked_arrays(path, f):
        if not 0 <= sample < arr.shape[0]:
            raise InputDataError(f"--sample {sample} is out of range: data '{label}' has {arr.shape[0]} samples")
        x = np.ascontiguousarray(arr[sample], np.float32).reshape(shape_of(a))
        if not np.all(np.isfinite(x)):
            raise InputDataError(f"sample {sample} of data '{label}' contains NaN or inf")
        out.append(x)
    return out


def load_batches(path: str | Path, f: func.FuncOp, limit: int | None = None) -> list[np.ndarray]:
    """The first `limit` (default all) samples of `path` for every graph input of `f`, float32,
    in the executors' batched layout (N, ...); the files as for `load_samples`."""
    checked = _checked_arrays(path, f)
    counts = {arr.shape[0] for _, arr, _ in checked}
    if len(counts) > 1:
        raise InputDataError(f"data '{path}': the inputs have different sample counts {sorted(counts)}")
    out = []
    for label, arr, _ in checked:
        x = np.ascontiguousarray(arr[:limit], np.float32)
        if x.shape[0] == 0:
            raise InputDataError(f"data '{label}' has no samples")
        if not np.all(np.isfinite(x)):
            raise InputDataError(f"data '{label}' contains NaN or inf")
        out.append(x)
    return out


def _checked_arrays(path: str | Path, f: func.FuncOp) -> list[tuple[str, np.ndarray, BlockArgument]]:
    """(label, array, argument) per graph input: the arrays of `path`, their shapes checked."""
    p = Path(path)
    args = list(f.body.block.args)
    names = _names(f, "input_names", len(args), "input")
    arrays: list[tuple[str, np.ndarray]] = []
    try:
        if p.is_dir():
            for n in names:
                if not (p / f"{n}.npy").is_file():
                    raise InputDataError(f"data directory '{p}' has no '{n}.npy' for input '{n}'")
                arrays.append((str(p / f"{n}.npy"), np.load(p / f"{n}.npy", allow_pickle=False)))
        elif p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                keys = list(z.keys())
                if len(names) == 1 and len(keys) == 1:
                    arrays.append((f"{p}['{keys[0]}']", z[keys[0]]))
                else:
                    missing = [n for n in names if n not in keys]
                    if missing:
                        raise InputDataError(f"data '{p}' has arrays {keys} but the model's inputs are {names}")
                    arrays = [(f"{p}['{n}']", z[n]) for n in names]
        else:
            arr = np.load(p, allow_pickle=False)
            if not isinstance(arr, np.ndarray):
                raise InputDataError(f"data '{p}' is not a single array")
            if len(names) != 1:
                raise InputDataError(f"the model has {len(names)} inputs ({', '.join(names)}): give an .npz "
                                     f"keyed by input name or a directory of NAME.npy files")
            arrays.append((str(p), arr))
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError(f"data '{p}' not found") from None
    except Exception as e:  # noqa: BLE001 - numpy raises many kinds for bad files
        raise InputDataError(f"cannot read data '{p}': {e}") from None
    out = []
    for (label, arr), name, a in zip(arrays, names, args):
        t = a.type
        assert isinstance(t, TensorType)
        shape = tuple(t.get_shape())
        per = shape[1:] if shape and shape[0] == 1 else shape
        want = "(N, " + ", ".join(map(str, per)) + ")"
        if arr.dtype.kind != "f":
            raise InputDataError(f"data '{label}' has dtype {arr.dtype}; input '{name}' needs {want} float32")
        if arr.ndim != len(per) + 1 or tuple(arr.shape[1:]) != per:
            raise InputDataError(f"data '{label}' has shape {tuple(arr.shape)}; input '{name}' needs {want}")
        out.append((label, arr, a))
    return out


def quantized_inputs(module: ModuleOp, xs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The storage integers of float inputs `xs` (the executor's `quantize_input`)."""
    from qcomp.executors.shift import quantize_input

    f = main_function(module)
    rounding = rounding_of(f)
    out = []
    for x, a in zip(xs, f.body.block.args):
        if sh.pot_exps(a.type) is None:
            raise InputDataError(f"graph input '{a.name_hint}' is not quantized ({a.type})")
        out.append(quantize_input(x, a.type, rounding))
    return out


__all__ = ["MANIFEST", "BadDumpError", "DumpEntry", "Difference", "check_target", "compare_dumps", "dump_entries", "main_function",
           "executor_tensors", "format_difference", "load_batches", "load_samples", "manifest_text", "quantized_inputs",
           "read_manifest", "write_dump"]
