"""One pipeline run, kept at the levels that `qcomp report` and `qcomp eval` compare.

    st = run_stages(args)        # args: pipeline, model, calib, plugins already loaded
    st.float_module              # just before pot-scale (or a pass that changes the float function,
                                 # such as correct-bias): float ops and weights
    st.quant_module              # the quant level after pot-scale (fake quantization)
    st.shift_module              # the shift level (the golden model of the C), None if not lowered
    st.c_passes                  # the pipeline's C stages, to run on a clone of shift_module

The float and quantized modules hold the same ops (pot-scale only sets types and quantizes
constants), which is what lets the report pair their layers one to one.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from xdsl.dialects.builtin import ModuleOp

from qcomp.errors import QcompError

QUANTIZE = "pot-scale"
LOWER = "lower-quant-to-shift"


@dataclass
class Stages:
    float_module: ModuleOp
    quant_module: ModuleOp
    shift_module: ModuleOp | None
    c_passes: list


def run_stages(args: argparse.Namespace, *, lower: bool = True) -> Stages:
    """Import `args.model` and run `args.pipeline`, keeping the module before `pot-scale` (or the
    first pass before it with `CHANGES_FUNCTION`, whose float network is not the model's), after
    the quant-level passes, and (with `lower`) after the shift-level passes."""
    from qcomp.backend.check import C_STAGES
    from qcomp.cli import prepare_passes, run_passes
    from qcomp.frontend.onnx_import import import_onnx_file

    passes = prepare_passes(args)
    names = [p.name for p in passes]
    if QUANTIZE not in names:
        raise QcompError(f"pipeline '{args.pipeline}' has no {QUANTIZE} pass: nothing is quantized to compare")
    i_pot = len(names) - 1 - names[::-1].index(QUANTIZE)
    # the float reference is the network before a pass that corrects its float function
    i_float = next((k for k in range(i_pot) if getattr(passes[k], "CHANGES_FUNCTION", False)), i_pot)
    i_low = names.index(LOWER, i_pot) if LOWER in names[i_pot:] else len(names)
    i_c = min([k for k, n in enumerate(names) if n in C_STAGES and k > i_low] or [len(names)])
    module = import_onnx_file(args.model)
    run_passes(args, passes[:i_float], module)
    float_module = module.clone()
    run_passes(args, passes[i_float:i_low], module)
    quant_module = module.clone()
    shift_module = None
    if lower and i_low < len(names):
        run_passes(args, passes[i_low:i_c], module)
        shift_module = module
    return Stages(float_module, quant_module, shift_module, passes[i_c:])
