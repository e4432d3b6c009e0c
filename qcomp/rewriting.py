"""Helpers for user passes that rewrite quant / shift ops.

    from qcomp.rewriting import rebuild
    new = rebuild(conv, operands=[x, w3, b], attributes={"pads": ints([1, 1, 1, 1])})
    rewriter.replace_op(conv, new)

`erase_dead` removes the producers a rewrite left without uses (the walker does not).
`replace_constant` gives an op a new float constant operand in place (outside a rewrite walk).

`rebuild` makes a new op of the same class as `op` that keeps *every* attribute and
property of it (the ONNX node name, a fused activation's `act_min`/`act_max`, `fused`,
calibrated `range`, ...) unless overridden; an op's own constructor only sets the
attributes it takes as arguments, so building a replacement with it silently drops the
others (a fused ReLU would be lost).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xdsl.dialects.builtin import ArrayAttr, StringAttr
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter


def rebuild(op: Operation, *, operands: Sequence[SSAValue] | None = None,
            result_types: Sequence[Attribute] | None = None,
            attributes: Mapping[str, Attribute | None] | None = None) -> Operation:
    """A copy of `op` (not inserted) with new operands / result types / attributes.

    `attributes` overrides or adds entries; a value of None removes that attribute.
    """
    attrs = dict(op.attributes)
    for key, value in (attributes or {}).items():
        if value is None:
            attrs.pop(key, None)
        else:
            attrs[key] = value
    return type(op).create(
        operands=list(op.operands if operands is None else operands),
        result_types=[r.type for r in op.results] if result_types is None else list(result_types),
        attributes=attrs,
        properties=dict(op.properties),
        successors=list(op.successors),
    )


def fused_names(keeper: Operation, absorbed: Sequence[Operation]) -> ArrayAttr | None:
    """The `fused` list of an op that absorbs `absorbed` (a folded BatchNorm, a pad, an input
    normalisation): `keeper`'s own names, then each absorbed op's `fused` and its node name, so
    reports still name every ONNX node; None when there are none."""
    names: list[Attribute] = []
    for o in (keeper, *absorbed):
        if isinstance(f := o.attributes.get("fused"), ArrayAttr):
            names += f.data
        if o is not keeper and isinstance(node := o.attributes.get("node"), StringAttr):
            names.append(node)
    return ArrayAttr(names) if names else None


def erase_dead(rewriter: PatternRewriter, values: Sequence[SSAValue | None]) -> None:
    """Erase the defining ops of `values` that the rewrite left without uses, in order (list a
    producer after its consumers to erase a whole dead chain)."""
    seen: set[int] = set()
    for v in values:
        if v is None or not isinstance(op := v.owner, Operation) or id(op) in seen:
            continue
        seen.add(id(op))
        if op.parent is not None and all(not r.uses for r in op.results):
            rewriter.erase_op(op)


def replace_constant(op: Operation, index: int, values, role: str) -> None:  # type: ignore[no-untyped-def]
    """Operand `index` of `op` becomes a new float `quant.constant` holding `values` (in the old
    constant's dtype, named like it, else `<node>.<role>`), inserted before `op`; the old constant
    is erased when nothing else reads it."""
    from xdsl.rewriter import InsertPoint, Rewriter

    from qcomp.dialects import quant

    old = op.operands[index]
    data = quant.float_constant(old)
    assert data is not None, "replace_constant replaces float constants"
    new = quant.replacement_constant(values, old, data.dtype, f"{quant.node_of(op)}.{role}")
    Rewriter.insert_op(new, InsertPoint.before(op))
    op.operands[index] = new.output
    owner = old.owner
    if isinstance(owner, Operation) and not owner.results[0].uses:
        owner.detach()
        owner.erase()
