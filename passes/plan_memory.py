"""`plan-memory`: place every activation buffer of `@<prefix>_forward` in one static arena.

    qcomp-opt model.mlir -p 'lower-shift-to-emitc,plan-memory{report=true}'

Liveness follows the schedule (the order of `emitc.call`s): a buffer lives from the call
that writes it to the last call that reads it. A kernel marked `inplace` writes its output
into an input's buffer when that input dies at this call (elementwise ops, requant, lut;
reshapes never had a buffer: they alias). Buffers that share storage form a group.

Offsets: greedy best-fit (each group goes into the smallest free gap of the address ranges
of the groups live at the same time), tried for a few orders (size, start, lifetime,
size x lifetime), keeping the smallest arena. The lower bound is the largest total size
of groups live at one step; the naive figure is the sum of all buffers (no reuse).
Results: `offset` on every `emitc.buffer`, `size` on `emitc.arena`, the value of the
`<PREFIX>_ARENA_SIZE` macro, and the module attributes `qcomp.arena_bytes`,
`qcomp.arena_lower_bound`, `qcomp.arena_naive` (plus one stderr line with `report=true`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import IntAttr, IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.passes import ModulePass
from xdsl.traits import SymbolTable
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects import emitc as ec
from qcomp.registry import register_pass


@dataclass
class Group:
    """Buffers sharing one arena range: their union lifetime [start, end] and the largest size."""

    buffers: list[ec.BufferOp] = field(default_factory=list)
    start: int = 0
    end: int = 0
    size: int = 0
    align: int = 1
    offset: int = 0


def _align_up(v: int, a: int) -> int:
    return (v + a - 1) // a * a


def place(groups: list[Group], order: list[int]) -> tuple[int, list[int]]:
    """Best-fit placement of `groups` in `order`; returns (arena size, offsets)."""
    offsets = [0] * len(groups)
    placed: list[int] = []
    top = 0
    for gi in order:
        g = groups[gi]
        busy = sorted((offsets[p], offsets[p] + groups[p].size) for p in placed
                      if groups[p].start <= g.end and g.start <= groups[p].end)
        best = None  # (gap size, offset)
        cur = 0
        for lo, hi in busy:
            start = _align_up(cur, g.align)
            if lo - start >= g.size and (best is None or lo - start < best[0]):
                best = (lo - start, start)
            cur = max(cur, hi)
        off = best[1] if best is not None else _align_up(cur, g.align)
        offsets[gi] = off
        placed.append(gi)
        top = max(top, off + g.size)
    return top, offsets


def plan(func_op: ec.FuncOp) -> tuple[list[Group], int, int, int]:
    """Groups with offsets, arena size, lower bound and naive sum for one forward function."""
    ops = list(func_op.body.block.ops)
    buffers = [o for o in ops if isinstance(o, ec.BufferOp)]
    calls = [o for o in ops if isinstance(o, ec.CallOp)]
    group_of: dict[ec.BufferOp, Group] = {}
    groups: list[Group] = []
    for b in buffers:
        g = Group([b], size=b.size.data, align=b.elt_bytes, start=len(calls), end=-1)
        group_of[b] = g
        groups.append(g)
    first_def: dict[ec.BufferOp, int] = {}
    last_use: dict[ec.BufferOp, int] = {}
    for i, c in enumerate(calls):
        for j, a in enumerate(c.args):
            owner = a.owner
            if isinstance(owner, ec.BufferOp):
                if j == len(c.args) - 1:
                    first_def.setdefault(owner, i)
                last_use[owner] = i
    for b in buffers:
        g = group_of[b]
        g.start = first_def.get(b, last_use.get(b, 0))
        g.end = last_use.get(b, g.start)
    # in-place: the output joins the group of an input that dies at this call
    for i, c in enumerate(calls):
        out = c.args[-1].owner
        if not isinstance(out, ec.BufferOp) or first_def.get(out) != i:
            continue
        kernel = SymbolTable.lookup_symbol(func_op, c.callee)
        if not isinstance(kernel, ec.KernelOp):
            continue
        for j in kernel.inplace_inputs:
            src = c.args[j].owner
            if not isinstance(src, ec.BufferOp) or src is out:
                continue
            gs, go = group_of[src], group_of[out]
            dies_here = gs.end == i and all(
                not (isinstance(a.owner, ec.BufferOp) and group_of[a.owner] is gs)
                for k, a in enumerate(c.args[:-1]) if k != j)
            if not dies_here or gs is go or src.size.data < out.size.data or gs.align < go.align:
                continue
            for b in go.buffers:
                group_of[b] = gs
            gs.buffers += go.buffers
            gs.end = max(gs.end, go.end)
            gs.size = max(gs.size, go.size)
            groups.remove(go)
            break
    naive = sum(b.size.data for b in buffers)
    steps = max((g.end for g in groups), default=-1) + 1
    lower = 0
    for t in range(steps):
        lower = max(lower, sum(g.size for g in groups if g.start <= t <= g.end))
    n = len(groups)
    orders = [
        sorted(range(n), key=lambda i: (-groups[i].size, groups[i].start)),
        sorted(range(n), key=lambda i: (groups[i].start, -groups[i].size)),
        sorted(range(n), key=lambda i: (-(groups[i].end - groups[i].start), -groups[i].size)),
        sorted(range(n), key=lambda i: (-groups[i].size * (groups[i].end - groups[i].start + 1), groups[i].start)),
    ]
    best_size, best_offsets = None, None
    for order in orders:
        size, offsets = place(groups, order)
        if best_size is None or size < best_size:
            best_size, best_offsets = size, offsets
        if size == lower:
            break
    assert best_offsets is not None and best_size is not None
    for g, off in zip(groups, best_offsets):
        g.offset = off
    return groups, best_size, lower, naive


@register_pass
@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    """Assign arena offsets to every activation buffer (liveness, in-place, best-fit); report the arena size."""

    name = "plan-memory"
    levels = ("emitc",)  # qcomp.levels: where this pass may run

    report: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        arenas = [o for o in op.ops if isinstance(o, ec.ArenaOp)]
        funcs = [o for o in op.ops if isinstance(o, ec.FuncOp) and o.sym_name.data.endswith("_forward")]
        if len(arenas) != 1 or len(funcs) != 1:
            raise PassFailedException("plan-memory: expected one emitc.arena and one <prefix>_forward "
                                      "function (run lower-shift-to-emitc first)")
        groups, size, lower, naive = plan(funcs[0])
        for g in groups:
            for b in g.buffers:
                b.properties["offset"] = IntAttr(g.offset)
        arena = arenas[0]
        arena.properties["size"] = IntAttr(size)
        macro = funcs[0].sym_name.data[: -len("_forward")].upper() + "_ARENA_SIZE"
        for d in op.ops:
            if isinstance(d, ec.DefineOp) and d.macro.data == macro:
                d.properties["value"] = StringAttr(str(size))
        for key, v in (("qcomp.arena_bytes", size), ("qcomp.arena_lower_bound", lower), ("qcomp.arena_naive", naive)):
            op.attributes[key] = IntegerAttr(v, i64)
        if self.report:
            print(f"plan-memory: arena {size} bytes (lower bound {lower}, naive sum {naive}, "
                  f"{len(groups)} storage groups)", file=sys.stderr)
