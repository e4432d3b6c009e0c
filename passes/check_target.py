"""`check-target`: check a model against a hardware target description and name every violation.

On `quant` IR (float or scaled) it checks what the hardware can run: each op's kind (its ONNX
op type, `QuantOp.ONNX_OP`, plus the activations `fuse` folded into it) is a supported op, its
window (kernel, strides, dilations, pads, groups) matches one of the kind's allowed forms, its
channels and H/W are within the limits, and the ops are covered by the target's fused patterns
(a pattern is a chain of ops where each result feeds only the next op). On `shift` IR it checks
that every requantizing shift is within the target's shift range. All violations are collected
and reported at once, one line each, naming the ONNX node, the rule and the value found against
the allowed ones:

    conv0 (Conv): pads [3,3,3,3] not in allowed [[0,0,0,0],[1,1,1,1]]
    pool1 (GlobalAveragePool): not the tail of any fused pattern (...)

The description is `target` (a shipped name, a YAML file, PIPELINE.yaml#target) or, without it,
the one `set-target{hardware=...}` recorded on the module (a pipeline's `target: NAME`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from qcomp.dialects import shift
from qcomp.dialects.node_op import NodeOp
from qcomp.dialects.quant.base import FusedActivation, QuantOp, node_of
from qcomp.dialects.window import ConvWindow, Windowed
from qcomp.errors import QcompError
from qcomp.hardware import Form, HardwareTarget, load_hardware
from qcomp.registry import register_pass
from qcomp.target import target_of


class TargetViolations(QcompError):
    """The model does not fit the target: `violations` holds one line per violation."""

    def __init__(self, target: str, violations: Sequence[str]):
        self.target = target
        self.violations = list(violations)
        n = len(self.violations)
        super().__init__(f"{n} violation{'s' if n != 1 else ''} of target '{target}':\n"
                         + "\n".join(f"  {v}" for v in self.violations))


# --------------------------------------------------------------------------- what an op is


@dataclass
class Unit:
    """One op as the hardware sees it: its node name and kinds (the op, then its fused activations)."""

    op: Operation
    node: str
    kinds: list[str]

    @property
    def label(self) -> str:
        return f"{self.node} ({' + '.join(self.kinds)})"


def op_kinds(op: Operation) -> list[str]:
    """The ONNX op types `op` computes: its own, then a fused ReLU (act_min 0, no max) or Clip."""
    own = getattr(type(op), "ONNX_OP", None)
    if own is None:
        return []
    kinds = [own]
    if isinstance(op, FusedActivation) and op.has_activation:
        lo, hi = op.act_bounds  # one clamp, however many activations `fuse` folded into it
        kinds.append("Relu" if lo == 0.0 and math.isinf(hi) else "Clip")
    return kinds


def units(module: ModuleOp) -> list[Unit]:
    """The ops of every function with an ONNX kind, in program (topological) order."""
    out = []
    for f in module.ops:
        if isinstance(f, func.FuncOp):
            out += [Unit(op, node_of(op), op_kinds(op)) for op in f.body.walk() if isinstance(op, QuantOp) and op_kinds(op)]
    return out


# --------------------------------------------------------------------------- forms and limits


def _fmt(v: Sequence[int] | str) -> str:
    return v if isinstance(v, str) else "[" + ",".join(str(x) for x in v) + "]"


def _shape(v) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    t = v.type
    return tuple(t.get_shape()) if isinstance(t, TensorType) else ()


def same_pads(in_hw: Sequence[int], k: Sequence[int], s: Sequence[int], d: Sequence[int], upper: bool) -> list[int]:
    """ONNX auto_pad SAME_UPPER / SAME_LOWER as [top, left, bottom, right] for an input of `in_hw`."""
    begin, end = [], []
    for n, kk, ss, dd in zip(in_hw, k, s, d):
        total = max((-(-n // ss) - 1) * ss + (kk - 1) * dd + 1 - n, 0)
        small, big = total // 2, total - total // 2
        begin.append(small if upper else big)
        end.append(big if upper else small)
    return begin + end


@dataclass(frozen=True)
class Found:
    """The window of a conv or pooling op, named like the Form fields it is checked against."""

    kernel_sizes: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads: tuple[int, ...]
    groups: str
    in_hw: tuple[int, ...]


def _window(op: Windowed) -> Found:
    x = _shape(op.operands[0])
    if isinstance(op, ConvWindow):
        k = _shape(op.operands[1])[2:]
        g = op.groups
        group = "1" if g == 1 else "depthwise" if len(x) > 1 and g == x[1] else str(g)
    else:
        k, group = tuple(op.kernel_hw), "1"
    return Found(tuple(k), tuple(op.stride_hw), tuple(op.dilation_hw), tuple(op.pad_tlbr), group, tuple(x[2:4]))


def _allowed_pads(form: Form, found: Found) -> list[tuple[int, ...]]:
    """The form's pads for this op: symbolic ones computed for its input size."""
    out: list[tuple[int, ...]] = []
    for p in form.pads or ():
        if p == "valid":
            out.append((0, 0, 0, 0))
        elif isinstance(p, str):
            out.append(tuple(same_pads(found.in_hw, found.kernel_sizes, found.strides, found.dilations,
                                       p == "same_upper")))
        else:
            out.append(p)
    return out


def _pads_text(form: Form, found: Found) -> str:
    """The allowed pads, symbolic ones with their value for this op (`same_upper = [0,0,1,1]`)."""
    parts = [f"{p} = {_fmt(c)}" if isinstance(p, str) and p != "valid" else _fmt(c)
             for p, c in zip(form.pads or (), _allowed_pads(form, found))]
    return "[" + ",".join(parts) + "]"


def _mismatches(form: Form, found: Found) -> list[str]:
    """The `rule value not in allowed [...]` texts of `found` against one form."""
    out = []
    for key, label in (("kernel_sizes", "kernel"), ("strides", "strides"), ("dilations", "dilations")):
        allowed: tuple[tuple[int, ...], ...] | None = getattr(form, key)
        value: tuple[int, ...] = getattr(found, key)
        if allowed is not None and value not in allowed:
            out.append(f"{label} {_fmt(value)} not in allowed [{','.join(_fmt(a) for a in allowed)}]")
    if form.pads is not None and found.pads not in _allowed_pads(form, found):
        out.append(f"pads {_fmt(found.pads)} not in allowed {_pads_text(form, found)}")
    if form.groups is not None and "any" not in form.groups and found.groups not in form.groups:
        out.append(f"group {found.groups} not in allowed [{','.join(form.groups)}]")
    return out


def _form_violations(u: Unit, forms: Sequence[Form]) -> list[str]:
    """Nothing when one form matches; else what differs from the closest form of the op's kernel."""
    op = u.op
    if not isinstance(op, Windowed) or not forms:
        return []
    found = _window(op)
    if any(not _mismatches(f, found) for f in forms):
        return []
    kernels = [f for f in forms if f.kernel_sizes is None or found.kernel_sizes in f.kernel_sizes]
    if not kernels:
        allowed = sorted({k for f in forms for k in f.kernel_sizes or ()})
        return [f"{u.label}: kernel {_fmt(found.kernel_sizes)} not in allowed [{','.join(_fmt(k) for k in allowed)}]"]
    best = min(kernels, key=lambda f: len(_mismatches(f, found)))
    suffix = f" for kernel {_fmt(found.kernel_sizes)}" if len(forms) > 1 else ""
    return [f"{u.label}: {m}{suffix}" for m in _mismatches(best, found)]


def _limit_violations(u: Unit, hw: HardwareTarget, forms: Sequence[Form]) -> list[str]:
    out = []
    max_c = next((f.max_channels for f in forms if f.max_channels), None) or hw.max_channels
    max_s = next((f.max_spatial for f in forms if f.max_spatial), None) or hw.max_spatial
    shapes = [_shape(v) for v in (*u.op.operands[:1], *u.op.results[:1])]
    if max_c is not None:
        chans = {s[1] for s in shapes if len(s) >= 2}
        if big := sorted(c for c in chans if c > max_c):
            out.append(f"{u.label}: {big[-1]} channels above the maximum {max_c}")
    if max_s is not None:
        hw_sizes = {d for s in shapes if len(s) == 4 for d in s[2:]}
        if big := sorted(d for d in hw_sizes if d > max_s):
            out.append(f"{u.label}: spatial size {big[-1]} above the maximum {max_s}")
    return out


# --------------------------------------------------------------------------- fused patterns


def _sole_user(op: Operation, covered: set[int]) -> Operation | None:
    if len(op.results) != 1 or not op.results[0].has_one_use():
        return None
    user = next(iter(op.results[0].uses)).operation
    return user if isinstance(user, QuantOp) and id(user) not in covered and op_kinds(user) else None


def _match(u: Unit, pattern: tuple[str, ...], covered: set[int]) -> list[Operation] | None:
    """The ops of `pattern` starting at `u` (each result feeding only the next op), or None."""
    ops, rest, op = [], list(pattern), u.op
    while True:
        kinds = op_kinds(op)
        if rest[: len(kinds)] != kinds:
            return None
        ops.append(op)
        rest = rest[len(kinds):]
        if not rest:
            return ops
        nxt = _sole_user(op, covered)
        if nxt is None:
            return None
        op = nxt


def _pattern_violation(u: Unit, hw: HardwareTarget, by_op: dict[int, Unit]) -> str:
    head = u.kinds[0]
    with_kind = [p for p in hw.patterns if head in p]
    listed = ", ".join("[" + ", ".join(p) + "]" for p in with_kind)
    if not with_kind:
        return f"{u.label}: {head} is in no fused pattern of the target"
    starting = [p for p in with_kind if p[0] == head]
    if not starting:
        src = u.op.operands[0].owner if u.op.operands else None
        came = by_op.get(id(src)) if isinstance(src, Operation) else None
        frm = f"its input comes from {came.label}" if came else "its input is not produced by a hardware op"
        return f"{u.label}: not the tail of any fused pattern ({frm}; patterns with {head}: {listed})"
    user = _sole_user(u.op, set())
    after = f"followed by {by_op[id(user)].label}" if user is not None and id(user) in by_op else \
        "its result feeds several ops or the output" if u.op.results and not u.op.results[0].has_one_use() else "at the end"
    return f"{u.label}: no fused pattern matches here ({after}; patterns starting with {head}: " \
           + ", ".join("[" + ", ".join(p) + "]" for p in starting) + ")"


def _pattern_violations(all_units: list[Unit], hw: HardwareTarget) -> list[str]:
    if not hw.patterns:
        return []
    hardware = [u for u in all_units if u.kinds[0] not in hw.passthrough]
    by_op = {id(u.op): u for u in hardware}
    longest_first = sorted(hw.patterns, key=len, reverse=True)
    covered: set[int] = set()
    out = []
    for u in hardware:
        if id(u.op) in covered:
            continue
        for p in longest_first:
            ops = _match(u, p, covered)
            if ops is not None:
                covered |= {id(o) for o in ops}
                break
        else:
            out.append(_pattern_violation(u, hw, by_op))
            covered.add(id(u.op))
    return out


# --------------------------------------------------------------------------- the checks


def structural_violations(module: ModuleOp, hw: HardwareTarget) -> list[str]:
    """Every violation of `hw` by the quant ops of `module` (see the module docstring)."""
    out: list[str] = []
    all_units = units(module)
    for u in all_units:
        if u.kinds[0] in hw.passthrough:
            continue
        unsupported = [k for k in u.kinds if hw.ops is not None and k not in hw.ops]
        for k in dict.fromkeys(unsupported):
            what = "op" if k == u.kinds[0] else "fused activation"
            out.append(f"{u.label}: {what} {k} is not supported by target '{hw.name}' "
                       f"(supported: {', '.join(hw.ops or ())})")
        if unsupported:
            continue
        forms = hw.forms.get(u.kinds[0], ())
        out += _form_violations(u, forms)
        out += _limit_violations(u, hw, forms)
    out += _pattern_violations([u for u in all_units if not (hw.ops is not None and u.kinds[0] not in hw.ops
                                                             and u.kinds[0] not in hw.passthrough)], hw)
    return out


#: shift ops whose `shift` is a requantizing right shift (negative = left); table ops use it otherwise
REQUANTIZING = (shift.Conv2dOp, shift.FcOp, shift.AddOp, shift.MaxOp, shift.MinOp, shift.MulOp,
                shift.PReluOp, shift.RequantOp)


def shift_violations(module: ModuleOp, hw: HardwareTarget) -> list[str]:
    """Every requantizing shift of the shift ops of `module` outside `hw.shift_range`."""
    if hw.shift_range is None:
        return []
    lo, hi = hw.shift_range
    out = []
    for op in module.walk():
        if not isinstance(op, REQUANTIZING):
            continue
        attr = op.attributes.get("shift")
        values = (attr.get_values() if isinstance(attr, DenseArrayBase) else
                  [attr.value.data] if isinstance(attr, IntegerAttr) else [])
        bad = sorted({int(v) for v in values if not lo <= v <= hi})
        if bad:
            name = op.node_name if isinstance(op, NodeOp) else op.name
            out.append(f"{name} ({op.name}): shift {_fmt(bad) if len(bad) > 1 else bad[0]} not in allowed "
                       f"[{lo}, {hi}]")
    return out


def module_violations(module: ModuleOp, hw: HardwareTarget) -> list[str]:
    """The checks that apply at the module's level: structure on quant IR, shifts on shift IR."""
    has_quant = any(isinstance(op, QuantOp) for op in module.walk())
    return structural_violations(module, hw) if has_quant else shift_violations(module, hw)


def hardware_of(module: ModuleOp, ref: str = "") -> HardwareTarget:
    """The description `ref`, else the one the module's target names; QcompError when there is none."""
    ref = ref or target_of(module).hardware
    if not ref:
        raise QcompError("check-target: no hardware target: give check-target{target=NAME} (a shipped name, "
                         "a YAML file) or a pipeline target naming one (target: NAME)")
    return load_hardware(ref)


@register_pass
@dataclass(frozen=True)
class CheckTargetPass(ModulePass):
    """Fail, naming every violation, when the module does not fit the hardware target."""

    name = "check-target"
    levels = ("quant", "quant-scaled", "shift")

    #: the target description (a shipped name or a YAML file); default: the module's target
    target: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        hw = hardware_of(op, self.target)
        violations = module_violations(op, hw)
        if violations:
            raise TargetViolations(hw.name, violations)
