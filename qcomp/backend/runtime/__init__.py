"""qcomp's C runtime as real C files here (tested as C by test/backend/runtime.test), embedded in OUT.c."""

from __future__ import annotations

from importlib.resources import files


def source(name: str) -> str:
    """The text of the C file `name` of this folder (LF line ends whatever the checkout)."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


# qc_runtime.h: QC_INLINE, the QC_ARM_DSP / AVX2 feature detection and the exact integer helpers
# (requant, rounding shift, floor division, saturation); OUT.c has it verbatim right after its
# includes of <stdint.h> and <string.h> (`qcomp.backend.kernels.HELPERS`).
RUNTIME = source("qc_runtime.h")
# qc_opaque.h: QC_OPAQUE(p), see qcomp.backend.c_emitter and docs/c-backend.md, "Compiler bugs avoided".
OPAQUE = source("qc_opaque.h")
