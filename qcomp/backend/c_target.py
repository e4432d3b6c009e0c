"""`qcomp-opt -t c`: print an emitc module as C, like `qcomp -o OUT.c` does after its pipeline.

    qcomp-opt model.mlir -p 'lower-shift-to-emitc{prefix="model"},plan-memory' -t c -o model.c
    qcomp-opt model.mlir -p 'lower-shift-to-emitc{prefix="model"},plan-memory' -t 'c{part="h"}' -o model.h

`part` is "c" (the source, default) or "h" (the header); `header` names the header the
source includes (default "model.h").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from qcomp.errors import QcompError


@dataclass(frozen=True)
class CTarget(Target):
    """The C source (or header) of a module lowered to emitc with planned memory."""

    name = "c"

    part: str = "c"
    header: str = "model.h"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from qcomp.backend.c_emitter import CPrinter

        if self.part not in ("c", "h"):
            raise QcompError(f"target c: part='{self.part}' must be \"c\" or \"h\"")
        c_text, h_text = CPrinter(module, self.header).print()
        output.write(c_text if self.part == "c" else h_text)
