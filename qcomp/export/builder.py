"""What both ONNX exporters share: the per-op exporter table, the graph under construction, and the
value map that knows each quant value's integer and float ONNX tensors and its scale and zero point.

A quant value with a `!quant.pot<iN, e>` type is, in ONNX, an integer tensor with scale 2^e
(float32, exact) and zero point 0; per-axis types become per-axis scales (`axis`). A uint8 one
(`!quant.pot<ui8, e>`, q in [0, 255]) is an int8 tensor q - 128 with zero point -128: the same
values and saturation, and every tensor stays int8, so onnxruntime's exact int8 x int8 kernels run
it (its uint8 x int8 kernels saturate on x86 CPUs without VNNI) and int8 and uint8 operands
share one QLinear op. The exporters
(`qcomp.export.qdq`, `qcomp.export.qop`) ask this module for the tensor they need:

    ex.float_of(v)   the float tensor q * 2^e (a DequantizeLinear, made once, on demand)
    ex.quant_of(v)   the integer tensor (an initializer for constants)
    ex.qparams(v)    (integer tensor, scale, zero point): the operand triple of the QLinear ops
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.traits import OpTrait

from qcomp.dialects import quant as q
from qcomp.errors import QcompError
from qcomp.numerics import HALF_UP, grid_bound

BASE_OPSET = 13
"""The lowest opset exported: per-axis QuantizeLinear / DequantizeLinear and Softmax over one axis."""
MS_DOMAIN = "com.microsoft"

Exported = list[str] | None
"""What an exporter returns: one ONNX tensor name per op result (None: declined, see `qop`)."""
ExporterFn = Callable[[Operation, "Exporter"], Exported]


# --------------------------------------------------------------------------- the exporter table


class ExporterTable(dict):
    """op class or trait class -> exporter, filled with the `register` decorator; `lookup` follows the
    op's MRO, then its traits (as `qcomp.executors.base.KernelTable` does for kernels), so one
    exporter registered for a trait serves every op that declares it."""

    def register(self, *op_types: type[Operation] | type[OpTrait]) -> Callable[[ExporterFn], ExporterFn]:
        def deco(fn: ExporterFn) -> ExporterFn:
            for t in op_types:
                self[t] = fn
            return fn

        return deco

    def lookup(self, op: Operation) -> ExporterFn | None:
        """The exporter of `op`'s class, its nearest base class, or one of its traits."""
        cls = type(op)
        for base in cls.__mro__:
            fn = self.get(base)
            if fn is not None:
                return fn
        if issubclass(cls, IRDLOperation):
            for trait in cls.traits:
                fn = self.get(type(trait))
                if fn is not None:
                    return fn
        return None


# --------------------------------------------------------------------------- storage types


@dataclass(frozen=True)
class Storage:
    """The ONNX element type that holds a pot type's integers, and the opset its Q/DQ needs: a
    pot integer q is stored as q + offset, and the zero point is the offset."""

    elem: int  # TensorProto element type
    dtype: np.dtype
    opset: int
    offset: int = 0

    def store(self, ints: np.ndarray | int) -> np.ndarray:
        """The stored integers of pot integers `ints`."""
        return (np.asarray(ints, np.int64) + self.offset).astype(self.dtype)


_ACTIVATION_STORAGE = {
    (8, False): Storage(TensorProto.INT8, np.dtype(np.int8), BASE_OPSET),
    (8, True): Storage(TensorProto.INT8, np.dtype(np.int8), BASE_OPSET, offset=-128),
    (16, False): Storage(TensorProto.INT16, np.dtype(np.int16), 21),
    (16, True): Storage(TensorProto.UINT16, np.dtype(np.uint16), 21),
    (4, False): Storage(TensorProto.INT4, np.dtype(np.int8), 21),
    (4, True): Storage(TensorProto.UINT4, np.dtype(np.uint8), 21),
}
_INT32 = Storage(TensorProto.INT32, np.dtype(np.int32), BASE_OPSET)


def activation_storage(pot: q.PotType) -> Storage | None:
    """The ONNX type with exactly the pot type's range (saturation must match), or None."""
    return _ACTIVATION_STORAGE.get((pot.bits, pot.unsigned))


def constant_storage(pot: q.PotType) -> Storage:
    """Constants only need a type that holds their values: 8-bit storages keep their ONNX type,
    any other width up to 32 bits is stored as int32 (DequantizeLinear takes int32 at any opset)."""
    exact = _ACTIVATION_STORAGE.get((pot.bits, pot.unsigned))
    if exact is not None and pot.bits == 8:
        return exact
    if pot.bits < 8:
        return _ACTIVATION_STORAGE[(8, pot.unsigned)]
    return _INT32


def same_storage(*values: SSAValue) -> bool:
    """All `values` have one ONNX storage type (int8 and uint8 pot types both are int8): what
    onnxruntime's QLinear ops need, which bind their activation inputs and output to one type
    (QLinearConv, QGemm, QLinearMatMul: x and y; the com.microsoft elementwise, pooling and concat
    ops: all of them). Mixed types (int8 with int16) make the op a float island."""
    kinds = set()
    for v in values:
        p = q.pot_of(v.type)
        st = activation_storage(p) if p is not None else None
        kinds.add(st.elem if st is not None else None)
    return len(kinds) == 1


def is_8bit(*values: SSAValue) -> bool:
    """Every value has an 8-bit (int8 / uint8) pot type: what the QLinear ops take."""
    for v in values:
        p = q.pot_of(v.type)
        if p is None or p.bits != 8:
            return False
    return True


@cache
def first_opset(op_type: str, domain: str = "") -> int | None:
    """The opset that introduced the ONNX op `op_type` (None: ONNX has no such op)."""
    versions = [s.since_version for s in onnx.defs.get_all_schemas_with_history()
                if s.name == op_type and s.domain == domain]
    return min(versions) if versions else None


# --------------------------------------------------------------------------- values


@dataclass
class Tensor:
    """The ONNX tensors of one quant value: `q` its integers, `f` its float value (either made on
    demand), `pot` its type (None: a float value), `output` the graph output name `f` takes."""

    base: str
    pot: q.PotType | None
    shape: tuple[int, ...]
    q: str | None = None
    f: str | None = None
    data: np.ndarray | None = None  # a constant's storage integers (or float data)
    output: str | None = None
    scale: str | None = None
    zero_point: str | None = None


def _shape(v: SSAValue) -> tuple[int, ...]:
    t = v.type
    if not isinstance(t, TensorType):
        raise QcompError(f"export onnx: value of type {t} is not a tensor")
    return tuple(t.get_shape())


class Exporter:
    """The graph being built and the map from quant values to ONNX tensors (see the module docstring).

    `kind` is "qdq" or "qop"; every error is a QcompError `export onnx-KIND: node 'N' (OP): ...`.
    """

    def __init__(self, kind: str, opset: int | None, rounding: str = HALF_UP):
        self.kind = kind
        #: the module's tie rule (qcomp.target): constants rounded onto a grid follow the lowering
        self.rounding = rounding
        self.fixed_opset = opset
        self.opset = max(BASE_OPSET, opset or BASE_OPSET)
        self.reason = ""  # what raised the opset above BASE_OPSET
        self.domains: set[str] = set()
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.used: set[str] = set()
        self.node_names: set[str] = set()
        self.values: dict[SSAValue, Tensor] = {}
        self.current: Operation | None = None
        self._bias_cache: dict[tuple[SSAValue, tuple[int, ...]], str | None] = {}

    # ------------------------------------------------------------------ names, diagnostics, opset

    def fail(self, msg: str, op: Operation | None = None) -> QcompError:
        op = op or self.current
        where = f"node '{q.node_of(op)}' ({op.name}): " if op is not None else ""
        return QcompError(f"export onnx-{self.kind}: {where}{msg}")

    def fresh(self, base: str) -> str:
        """A tensor name not used yet: `base`, else `base_1`, `base_2`, ..."""
        return _unique(base, self.used)

    def node_name(self, base: str) -> str:
        """A node name not used yet, the same way."""
        return _unique(base, self.node_names)

    def require(self, opset: int, why: str) -> None:
        """The model needs at least `opset` (an explicit lower `opset` is an error naming `why`)."""
        if opset <= self.opset:
            return
        if self.fixed_opset is not None:
            raise self.fail(f"{why} needs opset {opset}, but opset {self.fixed_opset} was asked for")
        self.opset = opset
        self.reason = why

    def op_base(self, op: Operation) -> str:
        """The readable base of the tensors an op produces: its ONNX node name."""
        return q.node_of(op)

    # ------------------------------------------------------------------ graph construction

    def initializer(self, array: np.ndarray, name: str, elem: int | None = None) -> str:
        """A new initializer holding `array` (int4 / uint4 when `elem` says so)."""
        name = self.fresh(name)
        arr = np.asarray(array)
        if elem in (TensorProto.INT4, TensorProto.UINT4):
            self.initializers.append(helper.make_tensor(name, elem, arr.shape, arr.reshape(-1).tolist()))
        else:
            self.initializers.append(numpy_helper.from_array(arr.copy(order="C"), name))  # keeps 0-D scalars
        return name

    def node(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str], *, name: str,
             domain: str = "", **attrs: Any) -> list[str]:
        """Append one node (its name made unique); returns its output names."""
        if domain:
            self.domains.add(domain)
        else:
            since = first_opset(op_type)
            if since is None:
                raise self.fail(f"ONNX has no op {op_type}")
            self.require(since, op_type)
        clean = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, list(inputs), list(outputs), name=self.node_name(name),
                                           domain=domain or None, **clean))
        return list(outputs)

    def const_i64(self, values: Sequence[int], name: str) -> str:
        return self.initializer(np.asarray(list(values), np.int64), name)

    def const_f32(self, value: float | np.ndarray, name: str) -> str:
        return self.initializer(np.asarray(value, np.float32), name)

    # ------------------------------------------------------------------ values

    def add_argument(self, v: SSAValue, name: str) -> Tensor:
        t = Tensor(name, q.pot_of(v.type), _shape(v), f=name)
        self.used.add(name)
        self.values[v] = t
        return t

    def add_constant(self, op: q.ConstantOp) -> None:
        v = op.output
        base = q.node_of(op)
        if base == op.name:  # unnamed: after its first user, e.g. "sub_mean_input1"
            use = next(iter(v.uses), None)
            base = f"{q.node_of(use.operation)}_input{use.index}" if use is not None else "constant"
        self.values[v] = Tensor(base, q.pot_of(v.type), _shape(v), data=np.asarray(op.numpy()))

    def tensor(self, v: SSAValue) -> Tensor:
        t = self.values.get(v)
        if t is None:
            raise self.fail(f"operand {v} was not exported before its use")
        return t

    def pot(self, v: SSAValue) -> q.PotType:
        p = self.tensor(v).pot
        if p is None:
            raise self.fail(f"operand of type {v.type} is not quantized (run pot-scale before exporting)")
        return p

    def exps(self, v: SSAValue) -> list[int]:
        return self.pot(v).exps

    def constant_ints(self, v: SSAValue) -> np.ndarray | None:
        """The storage integers of a quantized constant, else None."""
        t = self.tensor(v)
        return t.data if t.data is not None and t.pot is not None else None

    def storage(self, t: Tensor) -> Storage:
        assert t.pot is not None
        if t.data is not None:
            return constant_storage(t.pot)
        st = activation_storage(t.pot)
        if st is None:
            raise self.fail(f"tensor '{t.base}' has {t.pot.storage} storage, which no ONNX quantized type holds "
                            f"exactly (int4/uint4, int8/uint8, int16/uint16): use activation_bits 4, 8 or 16")
        self.require(st.opset, f"{t.pot.storage} QuantizeLinear / DequantizeLinear")
        return st

    def scale_of(self, v: SSAValue) -> str:
        """The scale initializer 2^e of `v` (float32; 1-D per axis)."""
        t = self.tensor(v)
        if t.scale is None:
            pot = self.pot(v)
            if not all(-126 <= e <= 127 for e in pot.exps):
                raise self.fail(f"tensor '{t.base}': scale 2^{min(pot.exps, key=abs)} is not a normal float32")
            t.scale = self.const_f32(np.ldexp(np.float32(1), pot.exps if pot.per_axis else pot.exp),
                                     f"{t.base}_scale")
        return t.scale

    def zero_point_of(self, v: SSAValue) -> str:
        """The zero point initializer (the storage's offset: 0, or -128 for uint8; 1-D per axis)."""
        t = self.tensor(v)
        if t.zero_point is None:
            pot, st = self.pot(v), self.storage(t)
            zp = st.store(np.zeros((len(pot.exps),) if pot.per_axis else (), np.int64))
            t.zero_point = self.initializer(zp, f"{t.base}_zero_point", st.elem)
        return t.zero_point

    def axis_attr(self, pot: q.PotType) -> dict[str, Any]:
        return {"axis": pot.axis.data} if pot.per_axis else {}

    def quant_of(self, v: SSAValue) -> str:
        """The integer tensor of `v` (an initializer for a constant)."""
        t = self.tensor(v)
        if t.q is None:
            pot = self.pot(v)
            st = self.storage(t)
            if t.data is not None:
                t.q = self.initializer(st.store(t.data), f"{t.base}_quantized", st.elem)
            else:
                assert t.f is not None
                t.q = self.fresh(f"{t.base}_quantized")
                self.node("QuantizeLinear", [t.f, self.scale_of(v), self.zero_point_of(v)], [t.q],
                          name=f"{t.base}_QuantizeLinear", **self.axis_attr(pot))
        return t.q

    def float_of(self, v: SSAValue) -> str:
        """The float tensor of `v`: q * 2^e (DequantizeLinear of its integers), or its float value."""
        t = self.tensor(v)
        if t.f is None:
            if t.pot is None:  # a float (or plain integer) constant
                assert t.data is not None
                data = t.data.astype(np.float32) if t.data.dtype.kind == "f" else t.data
                t.f = self.initializer(data, t.base)
            else:
                self.dequantize(v)
        assert t.f is not None
        return t.f

    def dequantize(self, v: SSAValue) -> str:
        t = self.tensor(v)
        pot = self.pot(v)
        qname = self.quant_of(v)
        t.f = t.output or self.fresh(f"{t.base}_dequantized")
        self.node("DequantizeLinear", [qname, self.scale_of(v), self.zero_point_of(v)], [t.f],
                  name=f"{t.base}_DequantizeLinear", **self.axis_attr(pot))
        return t.f

    def qparams(self, v: SSAValue) -> list[str]:
        """[integers, scale, zero point] of `v`: one operand of a QLinear op."""
        return [self.quant_of(v), self.scale_of(v), self.zero_point_of(v)]

    def result(self, op: Operation, i: int = 0) -> Tensor:
        """The (new) Tensor record of result `i` of `op`."""
        v = op.results[i]
        t = self.values.get(v)
        if t is None:
            base = self.op_base(op) + (f"_{i}" if len(op.results) > 1 else "")
            t = Tensor(base, q.pot_of(v.type), _shape(v))
            self.values[v] = t
        return t

    def output_name(self, op: Operation, i: int = 0, suffix: str = "output") -> str:
        """A fresh name for result `i` of `op` (`suffix` "output": float, "output_quantized": integers)."""
        return self.fresh(f"{self.result(op, i).base}_{suffix}")

    def set_float_result(self, op: Operation, i: int, raw: str, *, eager_dequantize: bool) -> None:
        """Result `i` computed in float as `raw`: a pot result gets its QuantizeLinear (and, in the QDQ
        form, its DequantizeLinear right away); a float result is `raw` itself."""
        t = self.result(op, i)
        if t.pot is None:
            t.f = raw
            return
        t.f = raw
        v = op.results[i]
        self.quant_of(v)
        t.f = None
        if eager_dequantize:
            self.dequantize(v)

    def set_quant_result(self, op: Operation, i: int, qname: str) -> None:
        t = self.result(op, i)
        if t.pot is None:
            raise self.fail("an integer exporter produced a float result")
        t.q = qname

    # ------------------------------------------------------------------ shared op pieces

    def acc_exps(self, x: SSAValue, w: SSAValue, count: int) -> list[int] | None:
        """e_in + e_w[o] for `count` output channels (None: an operand is not quantized per tensor)."""
        px, pw = self.tensor(x).pot, self.tensor(w).pot
        if px is None or pw is None or px.per_axis:
            return None
        ew = pw.exps if pw.per_axis else [pw.exp] * count
        if len(ew) != count:
            return None
        return [px.exp + e for e in ew]

    def bias_at(self, b: SSAValue, acc: list[int]) -> str | None:
        """An int32 initializer of the 1-D bias `b` on the accumulator's exponents `acc` (one per
        channel): the bias integers shifted left by e_b - e_acc >= 0, exactly. None when the bias
        is not a 1-D quantized constant, is finer than the accumulator or leaves int32."""
        key = (b, tuple(acc))
        if key in self._bias_cache:
            return self._bias_cache[key]
        name = None
        data, t = self.constant_ints(b), self.tensor(b)
        if data is not None and t.pot is not None:
            shifted = bias_on_grid(data, t.pot.exps if t.pot.per_axis else [t.pot.exp], acc)
            if shifted is not None:
                name = self.initializer(shifted, f"{t.base}_quantized")
        self._bias_cache[key] = name
        return name

    def acc_scale(self, acc: list[int], base: str) -> str:
        """The scale initializer 2^acc (scalar when every channel shares one exponent)."""
        if len(set(acc)) == 1:
            return self.const_f32(math.ldexp(1.0, acc[0]), f"{base}_scale")
        return self.const_f32(np.ldexp(np.float32(1), acc), f"{base}_scale")

    def int_bounds_of(self, v: SSAValue, lo: float, hi: float) -> tuple[int, int] | None:
        """The integer clamp of real bounds [lo, hi] on `v`'s grid (rounded as the lowering
        does), or None when it is the whole storage range."""
        pot = self.pot(v)
        b = (grid_bound(lo, pot.exp, pot.qmin, pot.qmax, self.rounding),
             grid_bound(hi, pot.exp, pot.qmin, pot.qmax, self.rounding))
        return None if b == (pot.qmin, pot.qmax) else b

    def int_clip(self, x: str, v: SSAValue, bounds: tuple[int, int], out: str, name: str) -> str:
        """Clip of the stored integers `x` (of `v`'s storage type) to the pot integers `bounds`: exact."""
        st = self.storage(self.tensor(v))
        pot = self.pot(v)
        lo = "" if bounds[0] == pot.qmin else self.initializer(st.store(bounds[0]), f"{out}_min")
        hi = "" if bounds[1] == pot.qmax else self.initializer(st.store(bounds[1]), f"{out}_max")
        return self.node("Clip", [x, lo, hi], [out], name=name)[0]

    def requantize(self, x: SSAValue, to: SSAValue, qname: str, base: str) -> str:
        """The integers `qname` (on `x`'s grid) moved onto `to`'s grid: DequantizeLinear then
        QuantizeLinear (the float value is exact; the QuantizeLinear rounds it)."""
        if self.tensor(x).pot == self.tensor(to).pot:
            return qname
        f = self.fresh(f"{base}_requant")
        self.node("DequantizeLinear", [qname, self.scale_of(x), self.zero_point_of(x)], [f],
                  name=f"{base}_requant_DequantizeLinear")
        out = self.fresh(f"{base}_output_quantized")
        self.node("QuantizeLinear", [f, self.scale_of(to), self.zero_point_of(to)], [out],
                  name=f"{base}_requant_QuantizeLinear")
        return out


def bias_on_grid(data: np.ndarray, exps: Sequence[int], acc: Sequence[int]) -> np.ndarray | None:
    """The 1-D bias integers `data` (exponents `exps`: one, or one per channel) on the accumulator's
    exponents `acc` as int32: shifted left by e_b - e_acc, exactly; None when the bias is not 1-D,
    is finer than the accumulator (a right shift would round) or leaves int32."""
    if data.ndim != 1 or data.shape[0] not in (1, len(acc)) or len(exps) not in (1, len(acc)):
        return None
    shift = np.asarray(exps, np.int64) - np.asarray(acc, np.int64)
    if shift.min() < 0 or shift.max() >= 32:
        return None
    shifted = np.broadcast_to(data.astype(np.int64), (len(acc),)) << shift
    if shifted.min() < -(1 << 31) or shifted.max() >= (1 << 31):
        return None
    return shifted.astype(np.int32)


def fused_bounds(op: Operation) -> tuple[float, float] | None:
    """The fused activation clamp [act_min, act_max] of `op`, or None."""
    if isinstance(op, q.FusedActivation) and op.has_activation:
        return op.act_bounds
    return None


def float_activation(ex: Exporter, op: Operation, op_type: str, inputs: Sequence[str], *,
                     domain: str = "", **attrs: Any) -> str:
    """The node `op_type` for `op`, then its fused activation as Relu / Clip: the raw float result."""
    base = ex.op_base(op)
    bounds = fused_bounds(op)
    out = ex.output_name(op)
    if bounds is None:
        return ex.node(op_type, inputs, [out], name=base, domain=domain, **attrs)[0]
    pre = ex.fresh(f"{base}_preact")
    ex.node(op_type, inputs, [pre], name=base, domain=domain, **attrs)
    lo, hi = bounds
    if lo == 0.0 and hi == math.inf:
        return ex.node("Relu", [pre], [out], name=f"{base}/Relu")[0]
    lo_name = ex.const_f32(lo, f"{out}_min") if lo > -math.inf else ""
    hi_name = ex.const_f32(hi, f"{out}_max") if hi < math.inf else ""
    return ex.node("Clip", [pre, lo_name, hi_name], [out], name=f"{base}/Clip")[0]


def int_activation(ex: Exporter, op: Operation, op_type: str, inputs: Sequence[str], *,
                   domain: str = "", **attrs: Any) -> str:
    """The QLinear node `op_type` for `op`, then its fused activation as a Clip of the integers
    (bounds rounded onto the result grid: exact, since rounding commutes with clamping)."""
    base = ex.op_base(op)
    bounds = fused_bounds(op)
    ibounds = ex.int_bounds_of(op.results[0], *bounds) if bounds is not None else None
    out = ex.output_name(op, 0, "output_quantized")
    if ibounds is None:
        return ex.node(op_type, inputs, [out], name=base, domain=domain, **attrs)[0]
    pre = ex.fresh(f"{base}_preact_quantized")
    ex.node(op_type, inputs, [pre], name=base, domain=domain, **attrs)
    return ex.int_clip(pre, op.results[0], ibounds, out, f"{base}/Clip")


def func_of(module: Operation) -> func.FuncOp:
    """The function to export: @main, or the module's only function."""
    funcs = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    for f in funcs:
        if f.sym_name.data == "main":
            return f
    if len(funcs) == 1:
        return funcs[0]
    raise QcompError(f"export onnx: no function @main in the module (found {[f.sym_name.data for f in funcs]})")


def io_names(f: func.FuncOp, attr: str, count: int, prefix: str) -> list[str]:
    """The ONNX graph input / output names recorded on the function (or prefix0, prefix1, ...)."""
    names = f.attributes.get(attr)
    got = [a.data for a in names.data if isinstance(a, StringAttr)] if names is not None else []  # type: ignore[attr-defined]
    return got if len(got) == count else [f"{prefix}{k}" for k in range(count)]


def _unique(base: str, taken: set[str]) -> str:
    """`base`, else `base_1`, `base_2`, ...: the first not in `taken`, which it joins."""
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name
