"""The `emitc` dialect: C constructs that the C printer (`qcomp.backend.c_emitter`) prints 1:1.

It extends xDSL's `emitc` (its 3 ops `emitc.add`, `emitc.apply`, `emitc.call_opaque` and its
types `!emitc.array`, `!emitc.ptr`, `!emitc.opaque`, ...) with the ops qcomp's C backend needs.
A lowered model is one `builtin.module` holding, in print order:

    emitc.include <"stdint.h">                         // #include <stdint.h>
    emitc.define "MODEL_IN0_SIZE" = "64"               // #define in the header
    emitc.verbatim "static inline ..."                 // helper C text, printed as is
    emitc.global @model_w0 : !emitc.array<72xi8> = dense<...> {node = "conv1"}
    emitc.arena @model_arena size 392 align 16         // the one static activation arena
    emitc.kernel @model_k0_conv1(...) {...}            // a specialised static C function
    emitc.func public @model_forward(%in0 : ..., %out0 : ...) {
      %t0 = emitc.buffer size 392 offset 0 {node = "conv1"} : !emitc.ptr<i8>
      emitc.call @model_k0_conv1(%in0, %t0) : ...
      emitc.dump %t0 {file = "0001_conv1.bin", ...}   // only with -DQC_DUMP
      emitc.dump_manifest @model_dump_manifest "..."
      emitc.return
    }

Kernels (`emitc.kernel`) keep the node name and the name of the `shift` op they implement;
their body is verbatim C text written by a kernel generator (`qcomp.backend.kernels`) at
lowering time, specialised for the op's shapes, layout and constants. The integer
semantics are those of the shift op (bit-exact, checked end to end against the shift
executor); the text form keeps the IR small and lets the generators emit whatever loop
structure is fastest. Activations are `emitc.buffer`s: byte ranges of the arena whose
offsets `plan-memory` assigns. `emitc.dump` / `emitc.dump_manifest` are the bring-up tensor
dump (`qcomp.dump`), code only in builds with `-DQC_DUMP`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from xdsl.dialects import emitc as xdsl_emitc
from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    IntAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Block, Dialect, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from qcomp.dialects.constants import PRINT_OPTIONS, dense_to_numpy, format_dense

ArrayType = xdsl_emitc.EmitC_ArrayType
PointerType = xdsl_emitc.EmitC_PointerType
OpaqueType = xdsl_emitc.EmitC_OpaqueType

_C_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- C types


def c_type(t: Attribute) -> str:
    """The C spelling of an emitc/builtin type: i8 -> int8_t, ptr<T> -> `T *`, opaque<"x"> -> x."""
    if isinstance(t, IntegerType):
        w = t.width.data
        if w == 1:
            return "_Bool"
        if w not in (8, 16, 32, 64):
            raise VerifyException(f"no C type for {t}")
        return f"{'u' if t.signedness.data == Signedness.UNSIGNED else ''}int{w}_t"
    if isinstance(t, Float32Type):
        return "float"
    if isinstance(t, Float64Type):
        return "double"
    if isinstance(t, OpaqueType):
        return t.value.data
    if isinstance(t, PointerType):
        return c_type(t.pointee_type) + " *"
    if isinstance(t, xdsl_emitc.EmitC_SizeT):
        return "size_t"
    raise VerifyException(f"no C type for {t}")


def const_ptr(elt: str) -> PointerType:
    """`!emitc.ptr<!emitc.opaque<"const int8_t">>`: a pointer to read-only elements."""
    return PointerType(OpaqueType(StringAttr(f"const {elt}")))


def _check_ident(kind: str, name: str) -> None:
    if not _C_IDENT.match(name):
        raise VerifyException(f"{kind} '{name}' is not a C identifier")


def _sym(op: IRDLOperation) -> str:
    return op.sym_name.data  # type: ignore[attr-defined]


def _print_attrs_and_pointer(printer: Printer, op: IRDLOperation) -> None:
    """The end of the syntax of an op defining a pointer: ` {attributes} : !emitc.ptr<...>`."""
    printer.print_op_attributes(op.attributes)
    printer.print_string(" : ")
    printer.print_attribute(op.results[0].type)


def _parse_attrs_and_pointer(parser: Parser, op_name: str) -> tuple[dict[str, Attribute], PointerType]:
    """Parse what `_print_attrs_and_pointer` prints: (attributes, pointer type)."""
    attrs = parser.parse_optional_attr_dict()
    parser.parse_punctuation(":")
    t = parser.parse_type()
    if not isinstance(t, PointerType):
        parser.raise_error(f"{op_name}: expected an !emitc.ptr type")
    return attrs, t


# --------------------------------------------------------------------------- file-level ops


@irdl_op_definition
class IncludeOp(IRDLOperation):
    """`#include`: `emitc.include <"stdint.h">` (system header) or `emitc.include "my.h"`.

    Printed at the top of the C file, in IR order. `is_standard_include` selects `<...>`.
    """

    name = "emitc.include"
    include = prop_def(StringAttr)
    is_standard_include = opt_prop_def(UnitAttr)

    def __init__(self, include: str, standard: bool = True):
        props: dict[str, Attribute] = {"include": StringAttr(include)}
        if standard:
            props["is_standard_include"] = UnitAttr()
        super().__init__(properties=props)

    def verify_(self) -> None:
        if not re.match(r"^[A-Za-z0-9_./-]+$", self.include.data):
            raise VerifyException(f"emitc.include: bad header name '{self.include.data}'")

    def print(self, printer: Printer) -> None:
        text = '"' + self.include.data + '"'
        printer.print_string(f" <{text}>" if self.is_standard_include else f" {text}")

    @classmethod
    def parse(cls, parser: Parser) -> IncludeOp:
        if parser.parse_optional_punctuation("<") is not None:
            name = parser.parse_str_literal()
            parser.parse_punctuation(">")
            return cls(name, True)
        return cls(parser.parse_str_literal(), False)


@irdl_op_definition
class DefineOp(IRDLOperation):
    """A macro of the public header: `emitc.define "MODEL_IN0_SIZE" = "64"` -> `#define MODEL_IN0_SIZE 64`.

    `doc`, if present, is printed as a comment after the macro.
    """

    name = "emitc.define"
    macro = prop_def(StringAttr)
    value = prop_def(StringAttr)
    doc = opt_prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$macro `=` $value attr-dict"

    def __init__(self, macro: str, value: str | int, doc: str | None = None):
        props: dict[str, Attribute] = {"macro": StringAttr(macro), "value": StringAttr(str(value))}
        if doc:
            props["doc"] = StringAttr(doc)
        super().__init__(properties=props)

    def verify_(self) -> None:
        _check_ident("emitc.define: macro", self.macro.data)
        if "\n" in self.value.data:
            raise VerifyException(f"emitc.define '{self.macro.data}': value must be one line")


@irdl_op_definition
class VerbatimOp(IRDLOperation):
    """C text printed as is at file scope (helper functions, compile-time checks).

        emitc.verbatim "static inline int8_t qc_sat8(int32_t v) { ... }"
    """

    name = "emitc.verbatim"
    value = prop_def(StringAttr)
    assembly_format = "$value attr-dict"

    def __init__(self, text: str):
        super().__init__(properties={"value": StringAttr(text)})


@irdl_op_definition
class GlobalOp(IRDLOperation):
    """A constant array at file scope: `static const <elt> name[N] = {...};`.

        emitc.global @model_w0 : !emitc.array<72xi8> = dense<...> {node = "conv1"}

    `value` is a bytes-backed dense attribute with the array's element type and element
    count (any shape); it prints as a hex blob when large, or `dense<elided N elements>`
    inside `elided_constants()` (for humans; not parseable). The C array is one-dimensional.
    `guard`, if present, is a preprocessor condition (`defined(__AVX2__)`) around the array:
    constants of a SIMD kernel variant exist only where that variant is compiled.
    """

    name = "emitc.global"
    sym_name = prop_def(StringAttr)
    type = prop_def(ArrayType)
    value = prop_def(DenseIntOrFPElementsAttr)
    node = opt_prop_def(StringAttr)
    guard = opt_prop_def(StringAttr)
    traits = traits_def(SymbolOpInterface())

    def __init__(self, name: str, data: DenseIntOrFPElementsAttr, node: str | None = None,
                 guard: str | None = None):
        count = int(np.prod(data.get_shape(), dtype=np.int64))
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(name),
            "type": ArrayType([count], data.get_element_type()),  # type: ignore[arg-type]
            "value": data,
        }
        if node:
            props["node"] = StringAttr(node)
        if guard:
            props["guard"] = StringAttr(guard)
        super().__init__(properties=props)

    def numpy(self) -> np.ndarray:
        """The elements, flattened (a read-only view of the bytes)."""
        return dense_to_numpy(self.value).reshape(-1)

    @property
    def count(self) -> int:
        return int(np.prod(self.type.get_shape(), dtype=np.int64))

    def verify_(self) -> None:
        _check_ident("emitc.global", _sym(self))
        elt = self.type.get_element_type()
        if self.value.get_element_type() != elt:
            raise VerifyException(f"emitc.global @{_sym(self)}: value element type "
                                  f"{self.value.get_element_type()} differs from the array's {elt}")
        n = int(np.prod(self.value.get_shape(), dtype=np.int64))
        if n != self.count:
            raise VerifyException(f"emitc.global @{_sym(self)}: value has {n} elements, the array {self.count}")
        if self.count < 1:
            raise VerifyException(f"emitc.global @{_sym(self)}: C arrays need at least one element")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(_sym(self))
        printer.print_string(" : ")
        printer.print_attribute(self.type)
        printer.print_string(" = " + format_dense(self.value) + " : ")
        printer.print_attribute(self.value.type)
        extra = {k: v for k, v in (("node", self.node), ("guard", self.guard)) if v is not None}
        if extra:
            printer.print_string(" ")
            printer.print_attr_dict(extra)

    @classmethod
    def parse(cls, parser: Parser) -> GlobalOp:
        name = parser.parse_symbol_name().data
        parser.parse_punctuation(":")
        atype = parser.parse_type()
        parser.parse_punctuation("=")
        ahead = str(parser.lexer.input.content[parser.pos : parser.pos + 16])
        if ahead.replace(" ", "").startswith("dense<elided"):
            parser.raise_error("elided constants cannot be parsed back: print the IR with full constants")
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr):
            parser.raise_error("emitc.global expects a dense elements attribute")
        attrs = parser.parse_optional_attr_dict()
        op = cls(name, value, attrs["node"].data if "node" in attrs else None,  # type: ignore[attr-defined]
                 attrs["guard"].data if "guard" in attrs else None)  # type: ignore[attr-defined]
        if not isinstance(atype, ArrayType):
            parser.raise_error("emitc.global needs an !emitc.array type")
        op.properties["type"] = atype
        return op


@irdl_op_definition
class ArenaOp(IRDLOperation):
    """The static activation arena: `size` bytes, aligned to `alignment` (a power of two).

        emitc.arena @model_arena size 392 align 16

    Printed as `static int32_t model_arena[(size + 3) / 4]` (GNU `aligned` attribute for
    alignments above 4): int8 tensors access it as bytes, which C allows for any object.
    `plan-memory` sets `size`; every `emitc.buffer` lies inside it.
    """

    name = "emitc.arena"
    sym_name = prop_def(SymbolNameConstraint())
    size = prop_def(IntAttr)
    alignment = prop_def(IntAttr)
    traits = traits_def(SymbolOpInterface())

    def __init__(self, name: str, size: int, alignment: int = 16):
        super().__init__(properties={"sym_name": StringAttr(name), "size": IntAttr(size),
                                     "alignment": IntAttr(alignment)})

    def verify_(self) -> None:
        _check_ident("emitc.arena", _sym(self))
        a = self.alignment.data
        if a < 1 or a & (a - 1):
            raise VerifyException(f"emitc.arena @{_sym(self)}: alignment {a} is not a power of two")
        if self.size.data < 0:
            raise VerifyException(f"emitc.arena @{_sym(self)}: negative size {self.size.data}")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(_sym(self))
        printer.print_string(f" size {self.size.data} align {self.alignment.data}")
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> ArenaOp:
        name = parser.parse_symbol_name().data
        parser.parse_keyword("size")
        size = parser.parse_integer(allow_boolean=False)
        parser.parse_keyword("align")
        op = cls(name, size, parser.parse_integer(allow_boolean=False))
        op.attributes.update(parser.parse_optional_attr_dict())
        return op


@irdl_op_definition
class KernelOp(IRDLOperation):
    """A specialised `static void` C function implementing one `shift` op.

        emitc.kernel @model_k0_conv1(x : !emitc.ptr<!emitc.opaque<"const int8_t">>, y : !emitc.ptr<i8>)
            {node = "relu", op = "shift.requant", globals = [@model_w0], macs = 0 : i64, inplace = array<i64: 0>}
            body "..."

    `body` is the function body, verbatim C written by a kernel generator for this op's
    shapes, layouts and constants (`qcomp.backend.kernels`); `prelude`, if present, is C
    printed just before the function (private helpers, e.g. a per-pixel routine or a SIMD
    variant under `#if`). Its integer semantics are exactly those of the shift op `op` of
    ONNX node `node`. Pointer parameters are `restrict` unless `inplace` is set. `globals` lists the
    `emitc.global`s the body reads. `inplace = k`, when present, says the kernel stays
    correct when its output (last parameter) is the same buffer as parameter k, which lets
    `plan-memory` reuse that buffer. `macs` counts multiply-accumulates per inference.
    """

    name = "emitc.kernel"
    sym_name = prop_def(StringAttr)
    param_names = prop_def(ArrayAttr[StringAttr])
    param_types = prop_def(ArrayAttr)
    body = prop_def(StringAttr)
    prelude = opt_prop_def(StringAttr)
    node = prop_def(StringAttr)
    op = prop_def(StringAttr)
    globals = opt_prop_def(ArrayAttr[SymbolRefAttr])
    inplace = opt_prop_def(DenseArrayBase)
    macs = opt_prop_def(IntAttr)
    traits = traits_def(SymbolOpInterface())

    def __init__(self, name: str, params: Sequence[tuple[str, Attribute]], body: str, *, node: str, op: str,
                 globals: Sequence[str] = (), inplace: Sequence[int] | None = None, macs: int | None = None,
                 prelude: str | None = None):
        props: dict[str, Attribute] = {
            "sym_name": StringAttr(name),
            "param_names": ArrayAttr([StringAttr(n) for n, _ in params]),
            "param_types": ArrayAttr([t for _, t in params]),
            "body": StringAttr(body),
            "node": StringAttr(node),
            "op": StringAttr(op),
        }
        if globals:
            props["globals"] = ArrayAttr([SymbolRefAttr(g) for g in globals])
        if inplace:
            props["inplace"] = DenseArrayBase.from_list(i64, [int(i) for i in inplace])
        if macs is not None:
            props["macs"] = IntAttr(macs)
        if prelude:
            props["prelude"] = StringAttr(prelude)
        super().__init__(properties=props)

    @property
    def inplace_inputs(self) -> list[int]:
        """The inputs the output may share its buffer with."""
        return [] if self.inplace is None else [int(v) for v in self.inplace.iter_values()]

    @property
    def params(self) -> list[tuple[str, Attribute]]:
        return [(n.data, t) for n, t in zip(self.param_names.data, self.param_types.data)]

    def verify_(self) -> None:
        where = f"emitc.kernel @{_sym(self)} (node '{self.node.data}')"
        _check_ident("emitc.kernel", _sym(self))
        if len(self.param_names.data) != len(self.param_types.data):
            raise VerifyException(f"{where}: {len(self.param_names.data)} parameter names for "
                                  f"{len(self.param_types.data)} types")
        names = [n.data for n in self.param_names.data]
        if len(set(names)) != len(names):
            raise VerifyException(f"{where}: duplicate parameter names {names}")
        for n, t in zip(names, self.param_types.data):
            _check_ident(f"{where}: parameter", n)
            if not isinstance(t, PointerType):
                raise VerifyException(f"{where}: parameter '{n}' must be a pointer, got {t}")
        for k in self.inplace_inputs:
            if not 0 <= k < len(names) - 1:
                raise VerifyException(f"{where}: inplace index {k} must name an input parameter")
        if not (self.op.data.startswith("shift.") or self.op.data == "relayout"):
            raise VerifyException(f"{where}: op '{self.op.data}' is not a shift op (or `relayout`)")
        module = self.parent_op()
        if module is not None and self.globals is not None:
            from xdsl.traits import SymbolTable

            for g in self.globals.data:
                if not isinstance(SymbolTable.lookup_symbol(self, g), GlobalOp):
                    raise VerifyException(f"{where}: global {g} is not an emitc.global of the module")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(_sym(self))
        printer.print_string("(")
        for i, (n, t) in enumerate(self.params):
            if i:
                printer.print_string(", ")
            printer.print_string(f"{n} : ")
            printer.print_attribute(t)
        printer.print_string(") ")
        elide = PRINT_OPTIONS.elide_above is not None
        attrs = {k: (IntegerAttr(v.data, i64) if isinstance(v, IntAttr) else v)
                 for k in ("node", "op", "globals", "inplace", "macs", "prelude")
                 if (v := self.properties.get(k)) is not None and not (elide and k == "prelude")}
        printer.print_attr_dict(attrs)
        if elide:
            lines = self.body.data.count("\n") + (self.prelude.data.count("\n") if self.prelude else 0) + 1
            printer.print_string(f" body elided<{lines} lines of C>")
            return
        printer.print_string(" body ")
        printer.print_attribute(self.body)

    @classmethod
    def parse(cls, parser: Parser) -> KernelOp:
        name = parser.parse_symbol_name().data

        def param() -> tuple[str, Attribute]:
            n = parser.parse_identifier()
            parser.parse_punctuation(":")
            return n, parser.parse_type()

        params = parser.parse_comma_separated_list(parser.Delimiter.PAREN, param)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_keyword("body")
        if parser.parse_optional_keyword("elided") is not None:
            parser.raise_error("elided kernel bodies cannot be parsed back: print the IR with full constants")
        body = parser.parse_str_literal()
        for key in ("node", "op"):
            if key not in attrs:
                parser.raise_error(f"emitc.kernel needs a `{key}` attribute")
        op = cls(name, params, body, node=attrs.pop("node").data, op=attrs.pop("op").data)  # type: ignore[attr-defined]
        for key in ("globals", "prelude"):
            if key in attrs:
                op.properties[key] = attrs.pop(key)
        if "inplace" in attrs:
            op.properties["inplace"] = attrs.pop("inplace")
        if "macs" in attrs:
            v = attrs.pop("macs")
            op.properties["macs"] = IntAttr(v.value.data) if isinstance(v, IntegerAttr) else v
        if attrs:
            parser.raise_error(f"emitc.kernel: unknown attributes {sorted(attrs)}")
        return op


# --------------------------------------------------------------------------- functions


@irdl_op_definition
class FuncOp(IRDLOperation):
    """A C function returning void, with pointer parameters and a body of emitc ops.

        emitc.func public @model_forward(%in0 : !emitc.ptr<!emitc.opaque<"const int8_t">>,
                                         %out0 : !emitc.ptr<i8>) {
          emitc.call @model_k0_conv1(%in0, %out0) : ...
          emitc.return
        }

    `visibility` is `public` (declared in the header) or `static`. The C parameter names
    are the block arguments' names (`%in0` -> `in0`), so they must be set and be C identifiers.
    """

    name = "emitc.func"
    sym_name = prop_def(StringAttr)
    visibility = prop_def(StringAttr)
    body = region_def("single_block")
    traits = traits_def(SymbolOpInterface(), IsolatedFromAbove())

    def __init__(self, name: str, args: Sequence[tuple[str, Attribute]], visibility: str = "public"):
        block = Block(arg_types=[t for _, t in args])
        for a, (n, _) in zip(block.args, args):
            a.name_hint = n
        super().__init__(properties={"sym_name": StringAttr(name), "visibility": StringAttr(visibility)},
                         regions=[Region(block)])

    @property
    def args(self) -> list[tuple[str, Attribute]]:
        return [(a.name_hint or f"arg{i}", a.type) for i, a in enumerate(self.body.block.args)]

    def verify_(self) -> None:
        where = f"emitc.func @{_sym(self)}"
        _check_ident("emitc.func", _sym(self))
        if self.visibility.data not in ("public", "static"):
            raise VerifyException(f"{where}: visibility must be public or static, got '{self.visibility.data}'")
        seen = set()
        for a in self.body.block.args:
            if not a.name_hint or not _C_IDENT.match(a.name_hint):
                raise VerifyException(f"{where}: every parameter needs a C identifier as its name")
            if a.name_hint in seen:
                raise VerifyException(f"{where}: duplicate parameter name '{a.name_hint}'")
            seen.add(a.name_hint)
            if not isinstance(a.type, PointerType):
                raise VerifyException(f"{where}: parameter '{a.name_hint}' must be a pointer, got {a.type}")
        last = self.body.block.last_op
        if not isinstance(last, ReturnOp):
            raise VerifyException(f"{where}: the body must end with emitc.return")

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.visibility.data} ")
        printer.print_symbol_name(_sym(self))
        printer.print_string("(")
        for i, a in enumerate(self.body.block.args):
            if i:
                printer.print_string(", ")
            printer.print_ssa_value(a)
            printer.print_string(" : ")
            printer.print_attribute(a.type)
        printer.print_string(")")
        if self.attributes:
            printer.print_string(" attributes ")
            printer.print_attr_dict(self.attributes)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)

    @classmethod
    def parse(cls, parser: Parser) -> FuncOp:
        vis = parser.parse_optional_keyword("public") or parser.parse_optional_keyword("static")
        if vis is None:
            parser.raise_error("emitc.func: expected `public` or `static`")
        name = parser.parse_symbol_name().data
        args = parser.parse_comma_separated_list(parser.Delimiter.PAREN,
                                                 lambda: parser.parse_argument(expect_type=True))
        attrs = {}
        if parser.parse_optional_keyword("attributes") is not None:
            attrs = parser.parse_optional_attr_dict()
        region = parser.parse_region(args)
        op = cls.__new__(cls)
        IRDLOperation.__init__(op, properties={"sym_name": StringAttr(name), "visibility": StringAttr(vis)},
                               regions=[region], attributes=attrs)
        return op


@irdl_op_definition
class ReturnOp(IRDLOperation):
    """Ends an `emitc.func` body: `emitc.return` (C functions here return void)."""

    name = "emitc.return"
    traits = traits_def(IsTerminator(), HasParent(FuncOp))
    assembly_format = "attr-dict"


@irdl_op_definition
class BufferOp(IRDLOperation):
    """An activation tensor in the arena: `size` bytes at byte `offset` of `emitc.arena @arena`.

        %t = emitc.buffer size 392 offset 0 {node = "conv1", shape = [1, 8, 7, 7], layout = "nhwc"} : !emitc.ptr<i8>

    The offset is absent until `plan-memory` assigns it; it must be a multiple of the
    element size and the range must lie inside the arena. The result is a pointer to the
    first element, printed as `((int8_t *)model_arena + offset)`. Discardable attributes
    (`node`, `shape`, `layout`) describe the tensor for reports.
    """

    name = "emitc.buffer"
    size = prop_def(IntAttr)
    offset = opt_prop_def(IntAttr)
    result = result_def(PointerType)

    def __init__(self, size: int, ptr_type: PointerType, offset: int | None = None,
                 attributes: dict[str, Attribute] | None = None):
        props: dict[str, Attribute] = {"size": IntAttr(size)}
        if offset is not None:
            props["offset"] = IntAttr(offset)
        super().__init__(properties=props, result_types=[ptr_type], attributes=attributes or {})

    def print(self, printer: Printer) -> None:
        printer.print_string(f" size {self.size.data}")
        if self.offset is not None:
            printer.print_string(f" offset {self.offset.data}")
        _print_attrs_and_pointer(printer, self)

    @classmethod
    def parse(cls, parser: Parser) -> BufferOp:
        parser.parse_keyword("size")
        size = parser.parse_integer(allow_boolean=False)
        offset = None
        if parser.parse_optional_keyword("offset") is not None:
            offset = parser.parse_integer(allow_boolean=False)
        attrs, t = _parse_attrs_and_pointer(parser, "emitc.buffer")
        return cls(size, t, offset, attrs)

    @property
    def elt_bytes(self) -> int:
        p = self.result.type.pointee_type  # type: ignore[attr-defined]
        return max(1, p.width.data // 8) if isinstance(p, IntegerType) else 4

    def verify_(self) -> None:
        if self.size.data < 1:
            raise VerifyException(f"emitc.buffer: size {self.size.data} must be positive")
        p = self.result.type.pointee_type  # type: ignore[attr-defined]
        if not isinstance(p, IntegerType | Float32Type):
            raise VerifyException(f"emitc.buffer: element type {p} must be an integer or f32")
        if self.size.data % self.elt_bytes:
            raise VerifyException(f"emitc.buffer: size {self.size.data} is not a multiple of the element size")
        if self.offset is not None:
            off = self.offset.data
            if off < 0 or off % self.elt_bytes:
                raise VerifyException(f"emitc.buffer: offset {off} is negative or misaligned "
                                      f"for {self.elt_bytes}-byte elements")
            func_op = self.parent_op()
            module = func_op.parent_op() if func_op is not None else None
            if module is not None:
                arenas = [o for o in module.walk() if isinstance(o, ArenaOp)]
                if len(arenas) == 1 and off + self.size.data > arenas[0].size.data:
                    raise VerifyException(f"emitc.buffer: bytes [{off}, {off + self.size.data}) lie outside "
                                          f"the arena @{_sym(arenas[0])} of {arenas[0].size.data} bytes")


@irdl_op_definition
class CallOp(IRDLOperation):
    """Call a kernel with pointer arguments (graph inputs/outputs or arena buffers).

        emitc.call @model_k0_conv1(%in0, %t0) : (!emitc.ptr<...>, !emitc.ptr<i8>)

    The callee must be an `emitc.kernel` (or `emitc.func`) of the module with as many parameters.
    """

    name = "emitc.call"
    callee = prop_def(SymbolRefAttr)
    args = var_operand_def(PointerType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$callee `(` $args `)` attr-dict `:` `(` type($args) `)`"

    def __init__(self, callee: str, args: Sequence[SSAValue]):
        super().__init__(properties={"callee": SymbolRefAttr(callee)}, operands=[list(args)])

    def verify_(self) -> None:
        from xdsl.traits import SymbolTable

        target = SymbolTable.lookup_symbol(self, self.callee)
        if target is None:
            fn = self.parent_op()
            if fn is not None and fn.parent_op() is not None:
                raise VerifyException(f"emitc.call: no kernel or function {self.callee}")
            return
        if isinstance(target, KernelOp):
            n = len(target.param_names.data)
        elif isinstance(target, FuncOp):
            n = len(target.body.block.args)
        else:
            raise VerifyException(f"emitc.call: {self.callee} is not an emitc.kernel or emitc.func")
        if n != len(self.args):
            raise VerifyException(f"emitc.call {self.callee}: {len(self.args)} arguments for {n} parameters")


class _ConvertOp(IRDLOperation):
    """Shared parts of quantize_input / dequantize_output: element `count` and exponent `exp`."""

    count = prop_def(IntegerAttr[I64])
    exp = prop_def(IntegerAttr[I64])

    def num(self, key: str) -> int:
        """The integer value of property `key`."""
        return self.properties[key].value.data  # type: ignore[attr-defined]

    def _check(self, float_v: SSAValue, int_v: SSAValue) -> None:
        if self.num("count") < 1:
            raise VerifyException(f"{self.name}: count {self.num('count')} must be positive")
        ft = float_v.type.pointee_type  # type: ignore[attr-defined]
        it = int_v.type.pointee_type  # type: ignore[attr-defined]
        if not (isinstance(ft, Float32Type) or (isinstance(ft, OpaqueType) and ft.value.data == "const float")):
            raise VerifyException(f"{self.name}: the float operand must point to float, got {ft}")
        if not (isinstance(it, IntegerType) or (isinstance(it, OpaqueType) and "int" in it.value.data)):
            raise VerifyException(f"{self.name}: the integer operand must point to integers, got {it}")


def _i64(v: int) -> IntegerAttr:
    return IntegerAttr(int(v), i64)


@irdl_op_definition
class QuantizeInputOp(_ConvertOp):
    """q[i] = clamp(floor(x[i] * 2^-exp + 1/2), qmin, qmax) for i < count (round half up, saturating;
    ties to even instead when OUT.c defines QC_ROUND_HALF_EVEN).

        emitc.quantize_input %x, %q {count = 64 : i64, exp = -7 : i64, qmin = -128 : i64, qmax = 127 : i64}
            : !emitc.ptr<!emitc.opaque<"const float">>, !emitc.ptr<i8>

    Scaling by 2^-exp is one exact float multiplication; the rounding uses truncation and the
    exact fractional part, so no libm is needed and the result equals the shift executor's
    input quantization for every finite float (NaN gives 0).
    """

    name = "emitc.quantize_input"
    input = operand_def(PointerType)
    output = operand_def(PointerType)
    qmin = prop_def(IntegerAttr[I64])
    qmax = prop_def(IntegerAttr[I64])
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input `,` $output attr-dict `:` type($input) `,` type($output)"

    def __init__(self, x: SSAValue, q: SSAValue, count: int, exp: int, qmin: int = -128, qmax: int = 127):
        super().__init__(operands=[x, q], properties={"count": _i64(count), "exp": _i64(exp),
                                                      "qmin": _i64(qmin), "qmax": _i64(qmax)})

    def verify_(self) -> None:
        self._check(self.input, self.output)
        if self.num("qmin") >= self.num("qmax"):
            raise VerifyException(f"emitc.quantize_input: qmin {self.num('qmin')} must be below "
                                  f"qmax {self.num('qmax')}")
        if abs(self.num("exp")) >= 100:
            raise VerifyException(f"emitc.quantize_input: exponent {self.num('exp')} out of float range")


@irdl_op_definition
class DequantizeOutputOp(_ConvertOp):
    """y[i] = q[i] * 2^exp for i < count (exact in float for |exp| < 100).

        emitc.dequantize_output %q, %y {count = 10 : i64, exp = -3 : i64} : !emitc.ptr<i8>, !emitc.ptr<f32>
    """

    name = "emitc.dequantize_output"
    input = operand_def(PointerType)
    output = operand_def(PointerType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input `,` $output attr-dict `:` type($input) `,` type($output)"

    def __init__(self, q: SSAValue, y: SSAValue, count: int, exp: int):
        super().__init__(operands=[q, y], properties={"count": _i64(count), "exp": _i64(exp)})

    def verify_(self) -> None:
        self._check(self.output, self.input)
        if abs(self.num("exp")) >= 100:
            raise VerifyException(f"emitc.dequantize_output: exponent {self.num('exp')} out of float range")


@irdl_op_definition
class StaticBufferOp(IRDLOperation):
    """A function-private static array, outside the arena (the float wrapper's int8 copies).

        %q = emitc.static_buffer @model_in0_q count 64 : !emitc.ptr<i8>
    """

    name = "emitc.static_buffer"
    sym_name = prop_def(SymbolNameConstraint())
    count = prop_def(IntAttr)
    result = result_def(PointerType)

    def __init__(self, name: str, count: int, ptr_type: PointerType):
        super().__init__(properties={"sym_name": StringAttr(name), "count": IntAttr(count)},
                         result_types=[ptr_type])

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(_sym(self))
        printer.print_string(f" count {self.count.data}")
        _print_attrs_and_pointer(printer, self)

    @classmethod
    def parse(cls, parser: Parser) -> StaticBufferOp:
        name = parser.parse_symbol_name().data
        parser.parse_keyword("count")
        count = parser.parse_integer(allow_boolean=False)
        attrs, t = _parse_attrs_and_pointer(parser, "emitc.static_buffer")
        op = cls(name, count, t)
        op.attributes.update(attrs)
        return op

    def verify_(self) -> None:
        _check_ident("emitc.static_buffer", _sym(self))
        if self.count.data < 1:
            raise VerifyException(f"emitc.static_buffer @{_sym(self)}: count must be positive")
        if not isinstance(self.result.type.pointee_type, IntegerType | Float32Type):  # type: ignore[attr-defined]
            raise VerifyException(f"emitc.static_buffer @{_sym(self)}: element must be an integer or f32")


_DUMP_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
#: the largest rank `emitc.dump` accepts (the C helper's index array)
DUMP_MAX_RANK = 8


def _integer_pointee(t: Attribute) -> bool:
    """Whether `t` points to 8-, 16- or 32-bit integers (what the C dump helper writes)."""
    p = t.pointee_type if isinstance(t, PointerType) else None
    if isinstance(p, IntegerType):
        return p.width.data in (8, 16, 32)
    return isinstance(p, OpaqueType) and re.fullmatch(r"(const )?u?int(8|16|32)_t", p.value.data) is not None


@irdl_op_definition
class DumpOp(IRDLOperation):
    """Write one tensor of a bring-up dump; code only in builds with `-DQC_DUMP`.

        emitc.dump %t {file = "0003_conv1.bin", dims = array<i64: 16, 64>, strides = array<i64: 1, 16>} : !emitc.ptr<i8>

    Writes `tensor[sum_k i_k * strides[k]]` for every multi-index `i` of `dims` in row-major
    order, as raw little-endian integers of the pointee type, to `$QC_DUMP_DIR/<file>`.
    `dims` / `strides` (elements) undo the tensor's memory layout, so that the file holds the
    logical (ONNX row-major, NCHW) order whatever the order in memory (NHWC in the arena).
    Printed as one call of the dump helper inside `#if defined(QC_DUMP)`: without the macro
    it is no code at all. `qcomp.dump.dump_entries` decides which tensors are dumped.
    """

    name = "emitc.dump"
    tensor = operand_def(PointerType)
    file = prop_def(StringAttr)
    dims = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    traits = traits_def(HasParent(FuncOp))
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$tensor attr-dict `:` type($tensor)"

    def __init__(self, tensor: SSAValue, file: str, dims: Sequence[int], strides: Sequence[int]):
        super().__init__(operands=[tensor], properties={
            "file": StringAttr(file),
            "dims": DenseArrayBase.from_list(i64, [int(d) for d in dims]),
            "strides": DenseArrayBase.from_list(i64, [int(s) for s in strides])})

    @property
    def dim_list(self) -> list[int]:
        return [int(v) for v in self.dims.iter_values()]

    @property
    def stride_list(self) -> list[int]:
        return [int(v) for v in self.strides.iter_values()]

    def verify_(self) -> None:
        where = f"emitc.dump '{self.file.data}'"
        if not _DUMP_FILE.match(self.file.data):
            raise VerifyException(f"{where}: the file name may hold letters, digits, '_', '.' and '-' only")
        dims, strides = self.dim_list, self.stride_list
        if not 1 <= len(dims) <= DUMP_MAX_RANK or len(strides) != len(dims):
            raise VerifyException(f"{where}: dims and strides need the same length, 1 to {DUMP_MAX_RANK}")
        if any(d < 1 for d in dims) or any(s < 0 for s in strides):
            raise VerifyException(f"{where}: dims must be positive and strides non-negative")
        if not _integer_pointee(self.tensor.type):
            raise VerifyException(f"{where}: the tensor must point to integers, got {self.tensor.type}")


@irdl_op_definition
class DumpManifestOp(IRDLOperation):
    """Write the manifest of a bring-up dump; code only in builds with `-DQC_DUMP`.

        emitc.dump_manifest @model_dump_manifest "[\0A  {\22index\22: 0, ...}\0A]\0A"

    Writes `text` (the JSON list of `qcomp.dump.manifest_text`, ASCII) to
    `$QC_DUMP_DIR/manifest.json`; the last statement of a function that dumps, so that a
    manifest means a complete dump. The text becomes a file-scope array of string literals
    `static const char *const <sym_name>[]`, one per line (no literal exceeds the length C99
    compilers must support), under `#if defined(QC_DUMP)` like the call.
    Printed `elided<N lines>` inside `elided_constants()` (for humans; not parseable).
    """

    name = "emitc.dump_manifest"
    sym_name = prop_def(SymbolNameConstraint())
    text = prop_def(StringAttr)
    traits = traits_def(HasParent(FuncOp))

    def __init__(self, name: str, text: str):
        super().__init__(properties={"sym_name": StringAttr(name), "text": StringAttr(text)})

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(_sym(self))
        if PRINT_OPTIONS.elide_above is not None:
            printer.print_string(f" elided<{self.text.data.count(chr(10))} lines>")
        else:
            printer.print_string(" ")
            printer.print_attribute(self.text)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> DumpManifestOp:
        name = parser.parse_symbol_name().data
        if parser.parse_optional_keyword("elided") is not None:
            parser.raise_error("an elided dump manifest cannot be parsed back: print the IR with full constants")
        op = cls(name, parser.parse_str_literal())
        op.attributes.update(parser.parse_optional_attr_dict())
        return op

    def verify_(self) -> None:
        import json

        _check_ident("emitc.dump_manifest", _sym(self))
        text = self.text.data
        if not text.isascii():
            raise VerifyException(f"emitc.dump_manifest @{_sym(self)}: the text must be ASCII")
        try:
            ok = isinstance(json.loads(text), list)
        except ValueError:
            ok = False
        if not ok:
            raise VerifyException(f"emitc.dump_manifest @{_sym(self)}: the text is not a JSON list")


@irdl_op_definition
class GetGlobalOp(IRDLOperation):
    """A pointer to the first element of an `emitc.global` (a constant tensor used as an operand).

        %c = emitc.get_global @model_c0 : !emitc.ptr<!emitc.opaque<"const int8_t">>
    """

    name = "emitc.get_global"
    global_name = prop_def(SymbolRefAttr)
    result = result_def(PointerType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$global_name attr-dict `:` type($result)"

    def __init__(self, name: str, ptr_type: PointerType):
        super().__init__(properties={"global_name": SymbolRefAttr(name)}, result_types=[ptr_type])

    def verify_(self) -> None:
        from xdsl.traits import SymbolTable

        fn = self.parent_op()
        if fn is None or fn.parent_op() is None:
            return
        if not isinstance(SymbolTable.lookup_symbol(self, self.global_name), GlobalOp):
            raise VerifyException(f"emitc.get_global: {self.global_name} is not an emitc.global")


EMITC_OPS: list[type[IRDLOperation]] = [IncludeOp, DefineOp, VerbatimOp, GlobalOp, ArenaOp, KernelOp, FuncOp, ReturnOp, BufferOp,
             CallOp, QuantizeInputOp, DequantizeOutputOp, StaticBufferOp, GetGlobalOp, DumpOp, DumpManifestOp]

EmitC = Dialect("emitc", [*xdsl_emitc.EmitC.operations, *EMITC_OPS], [*xdsl_emitc.EmitC.attributes])

__all__ = ["DUMP_MAX_RANK", "EmitC", "c_type", "const_ptr", *[c.__name__ for c in EMITC_OPS]]
