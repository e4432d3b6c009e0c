"""`qcomp check`: does a model fit a hardware target? Every violation at once, one line each.

    qcomp check --target akida_like MODEL.onnx [--pipeline P] [--calib CALIB.npy] [--plugin FILE]

The model goes through the pipeline (default int8_fpga, with its target replaced by --target):
its float rewrites (simplify, user passes, fuse) up to `calibrate`, where `check-target`'s
structural checks run (supported ops, kernel/stride/pad forms, channel and size limits, fused
patterns); then, when the target limits its shifts and the pipeline lowers to the shift dialect,
the rest up to `lower-quant-to-shift` (calibrating with --calib, else data-free) and the shift
check. Prints the violations on stdout and exits 1, or one line saying the model fits and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from qcomp.cli import _guarded, _OneLineParser, add_pipeline_args, log
from qcomp.errors import QcompError

#: passes after which the model is no longer the float graph the hardware checks look at
QUANTIZING = ("calibrate", "pot-scale", "lower-quant-to-shift")


def build_check_parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="qcomp check",
        usage="qcomp check --target T MODEL.onnx [--pipeline P] [--calib CALIB.npy]",
        description="Check a model against a hardware target description (targets/<name>.yaml or a YAML "
                    "file): supported ops, kernel sizes, strides, dilations, pads and groups per op, channel "
                    "and spatial limits, the fused patterns the hardware runs, and the requantizing shift "
                    "range. Prints every violation, one line each naming the ONNX node, the rule and the "
                    "value found against the allowed ones, and exits 1; exits 0 when the model fits. "
                    "`qcomp --list-patterns --target T` prints a target's patterns.")
    p.add_argument("model", nargs="?", help="float ONNX model (.onnx)")
    p.add_argument("--target", "-t", help="the hardware target: a shipped name (qcomp --list-targets) or a YAML file "
                                          "(default: the one the pipeline's target names)")
    add_pipeline_args(p, "whose float rewrites run first (default int8_fpga)", "no progress messages")
    return p


def check_model(args: argparse.Namespace) -> int:
    from qcomp.cli import prepare_passes, run_passes
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.passes.check_target import hardware_of, shift_violations, structural_violations, units

    if not args.model:
        raise QcompError("no model given: qcomp check --target T MODEL.onnx")
    if not Path(args.model).exists():
        raise QcompError(f"model '{args.model}' not found")
    args.pipeline = args.pipeline or "int8_fpga"
    passes = [p for p in prepare_passes(args) if p.name != "check-target"]
    module = import_onnx_file(args.model)
    cut = next((k for k, p in enumerate(passes) if p.name in QUANTIZING), len(passes))
    run_passes(args, passes[:cut], module)
    hw = hardware_of(module)
    violations = structural_violations(module, hw)
    n_ops = len(units(module))
    lowered = next((k for k, p in enumerate(passes) if p.name == "lower-quant-to-shift"), None)
    if hw.shift_range is not None and lowered is not None:
        log(args, "quantizing to check the shifts" + ("" if args.calib else " (data-free ranges: no --calib)"))
        try:
            run_passes(args, passes[cut:lowered + 1], module)
            violations += shift_violations(module, hw)
        except QcompError as e:
            print(f"qcomp: error: could not check the shifts of target '{hw.name}': {e}", file=sys.stderr)
            for v in violations:
                print(v)
            return 1
    for v in violations:
        print(v)
    if violations:
        n = len(violations)
        print(f"qcomp: error: {n} violation{'s' if n != 1 else ''} of target '{hw.name}' in {args.model}",
              file=sys.stderr)
        return 1
    patterns = f", {len(hw.patterns)} fused patterns" if hw.patterns else ""
    print(f"{args.model} fits target '{hw.name}' ({n_ops} ops checked{patterns})")
    return 0


def check_main(argv: Sequence[str]) -> int:
    args = build_check_parser().parse_intermixed_args(argv)
    status = [0]

    def run() -> None:
        status[0] = check_model(args)

    rc = _guarded(args, run)
    return rc or status[0]
