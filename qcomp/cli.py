"""`qcomp`: compile a float ONNX model to integer-only C through a YAML pipeline.

    qcomp --pipeline int8_fpga model.onnx --calib calib.npy -o out.c
    qcomp dump --pipeline int8_fpga model.onnx --calib calib.npy --data x.npy [--sample K] DIR
    qcomp compare DIR_A DIR_B
    qcomp check --target akida_like model.onnx

Writes OUT.c and OUT.h (or the IR with `--emit mlir`); on any failure prints one line
`qcomp: error: ...` naming what is at fault, exits non-zero and writes nothing. The
subcommands (the first argument `dump` or `compare`) have their own parsers: `dump` writes
the shift executor's tensors of one sample (the format of a `-DQC_DUMP` build of the C,
`qcomp.dump`), `compare` reports the first tensor where two dumps differ.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from qcomp.errors import QcompError

EMIT_KINDS = ("c", "main", "mlir", "onnx-qdq", "onnx-qop")
ONNX_KINDS = {"onnx-qdq": "qdq", "onnx-qop": "qop"}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qcomp",
        description="Post-training quantization compiler: float ONNX -> integer-only C (power-of-two scales).",
        epilog="Shipped pipelines: pass a bare name such as 'int8_fpga'. `qcomp --list-passes` lists passes. "
               "Subcommands: `qcomp check --target T MODEL.onnx` checks a model against a hardware target, "
               "`qcomp dump ... DIR` writes every intermediate tensor of one sample, "
               "`qcomp compare DIR_A DIR_B` diffs two dumps (see `qcomp dump --help`, `qcomp compare --help`).",
    )
    p.add_argument("model", nargs="?", help="float ONNX model (.onnx)")
    p.add_argument("--pipeline", "-p", help="pipeline YAML file, or the name of a shipped pipeline")
    p.add_argument("-o", "--output", help="output file: OUT.c (also writes OUT.h) or OUT.mlir")
    p.add_argument("--calib", help="calibration samples: .npy (N, ...) float32, .npz keyed by input name, "
                                   "or a directory of NAME.npy files")
    p.add_argument("--input-range", metavar="LO,HI",
                   help="without --calib: the range of the model's input values the estimated ranges "
                        "start from (default: from an input normalisation in the graph, else -1,1)")
    p.add_argument("--prefix", default="model", help="C symbol prefix (default: model)")
    p.add_argument("--emit", choices=EMIT_KINDS,
                   help="what to write: c (OUT.c + OUT.h), main (also main.c), mlir (the IR after the "
                        "pipeline), onnx-qdq / onnx-qop (the quantized model as ONNX that onnxruntime runs: "
                        "float ops between QuantizeLinear/DequantizeLinear, or QLinear* integer ops; the "
                        "passes before lower-quant-to-shift, see docs/export.md); default from the output "
                        "extension (.c, .mlir; an .onnx output needs --emit onnx-qdq or onnx-qop)")
    p.add_argument("--plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                   help="load user passes from a Python file or module (repeatable)")
    p.add_argument("--full-constants", action="store_true",
                   help="with --print-ir-after-all: print constants in full (--emit mlir always does, "
                        "unless --elide-constants)")
    p.add_argument("--elide-constants", nargs="?", const=16, type=int, default=None, metavar="N",
                   help="with --emit mlir: print constants of more than N (default 16) elements as "
                        "dense_resource<__elided__> (readable, parses back, has no values)")
    p.add_argument("--stop-after", metavar="PASS",
                   help="run the pipeline up to and including PASS (its last occurrence), e.g. "
                        "--stop-after check-overflow --emit mlir for the shift-level IR")
    p.add_argument("--print-ir-after-all", action="store_true", help="print the IR after every pass to stderr")
    p.add_argument("--print-pipeline", action="store_true",
                   help="print the pipeline as a `qcomp-opt -p` string (with --calib filled in) and exit")
    p.add_argument("--list-passes", action="store_true", help="list the registered passes and exit")
    p.add_argument("--list-pipelines", action="store_true", help="list the shipped pipelines and exit")
    p.add_argument("--target", "-t", metavar="T",
                   help="hardware target description (a shipped name, see --list-targets, or a YAML file): "
                        "replaces the pipeline's target; with --list-patterns, the target whose patterns to print")
    p.add_argument("--list-targets", action="store_true", help="list the shipped hardware targets and exit")
    p.add_argument("--list-patterns", action="store_true",
                   help="print the ops and fused patterns of --target (or the pipeline's target) and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    return p


def log(args: argparse.Namespace, msg: str) -> None:
    if not args.quiet:
        print(f"qcomp: {msg}", file=sys.stderr, flush=True)


def emit_kind(args: argparse.Namespace) -> str:
    if args.emit:
        return args.emit
    suffix = Path(args.output).suffix
    if suffix == ".mlir":
        return "mlir"
    if suffix in (".c", ""):
        return "c"
    if suffix == ".onnx":
        raise QcompError(f"output '{args.output}' is ONNX: say which form with --emit onnx-qdq (float ops "
                         "between QuantizeLinear/DequantizeLinear) or --emit onnx-qop (QLinear* integer ops)")
    raise QcompError(f"cannot tell what to write from output '{args.output}': use --emit {{{','.join(EMIT_KINDS)}}}")


def check_output_dir(path: Path) -> None:
    """Fail before compiling when the output cannot be written (a probe file, not os.access:
    root passes every permission check but not a read-only file system)."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise QcompError(f"output directory '{parent}' does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=".qcomp-probe.", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise QcompError(f"output directory '{parent}' is not writable: {e.strerror}") from None


def write_atomically(files: Mapping[Path, str | bytes]) -> None:
    """Write every file (text or bytes) to a temporary name first, then rename them all: all or nothing."""
    temps: list[tuple[str, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
            temps.append((tmp, path))
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual mode
            with os.fdopen(fd, "wb" if isinstance(text, bytes) else "w") as f:
                f.write(text)
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as e:
        raise QcompError(f"cannot write '{e.filename}': {e.strerror}") from None
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def prepare_passes(args: argparse.Namespace) -> list:
    """Load the pipeline (and its plugins) and instantiate its passes; `--calib` feeds `calibrate`."""
    from qcomp.pipeline import configure_calibration, load_pipeline

    pipe = load_pipeline(args.pipeline)
    # The C stages a pipeline lists take the command line's prefix and report settings.
    lower = pipe.find("lower-shift-to-emitc")
    if lower is not None and "prefix" not in lower.options:
        lower.options["prefix"] = getattr(args, "prefix", "model")
    plan = pipe.find("plan-memory")
    if plan is not None and "report" not in plan.options:
        plan.options["report"] = not getattr(args, "quiet", False)
    configure_calibration(pipe, args.calib, getattr(args, "input_range", None))
    if getattr(args, "target", None):
        from qcomp.hardware import load_hardware

        pipe.target = load_hardware(args.target).spec
    return pipe.instantiate()


def warn_data_free(args: argparse.Namespace, module) -> None:  # type: ignore[no-untyped-def]
    """One warning line when ranges were estimated without samples (calibrate{method=data-free})."""
    from xdsl.dialects.builtin import StringAttr

    note = module.attributes.get("qcomp.calibration")
    if isinstance(note, StringAttr):
        print(f"qcomp: warning: {note.data}; give calibration samples with --calib FILE.npy "
              "for measured ranges", file=sys.stderr)


def run_passes(args: argparse.Namespace, passes: list, module) -> None:  # type: ignore[no-untyped-def]
    from xdsl.utils.exceptions import DiagnosticException

    from qcomp.context import make_context

    ctx = make_context()
    for p in passes:
        t0 = time.perf_counter()
        try:
            p.apply(ctx, module)
            module.verify()
        except QcompError:
            raise
        except DiagnosticException as e:
            msg = _one_line(e)
            raise QcompError(msg if msg.startswith(f"{p.name}:") else f"pass '{p.name}': {msg}") from None
        except Exception as e:  # a crash (a user pass's bug, or qcomp's): one line, traceback on request
            if os.environ.get("QCOMP_TRACEBACK"):
                raise
            from qcomp.registry import pass_origin

            raise QcompError(f"pass '{p.name}' ({pass_origin(p.name)}) crashed: {type(e).__name__}: {e} "
                             "(QCOMP_TRACEBACK=1 shows the traceback)") from None
        if args.print_ir_after_all:
            print(f"// -----// IR after {p.name} //----- //", file=sys.stderr)
            from qcomp.dialects.constants import elided_constants

            with elided_constants(None if args.full_constants else 16):
                print(module, file=sys.stderr)
        dt = time.perf_counter() - t0
        if dt > 1.0:
            log(args, f"{p.name} took {dt:.1f} s")


def _one_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else type(e).__name__


def compile_model(args: argparse.Namespace) -> None:
    if not args.model:
        raise QcompError("no model given: qcomp --pipeline P.yaml MODEL.onnx -o OUT.c")
    if not args.pipeline:
        raise QcompError("no pipeline given: use --pipeline FILE.yaml or a shipped name such as int8_fpga")
    if not args.output:
        raise QcompError("no output given: use -o OUT.c (or OUT.mlir)")
    out = Path(args.output)
    kind = emit_kind(args)
    check_output_dir(out)
    if not os.path.exists(args.model):
        raise QcompError(f"model '{args.model}' not found")
    from qcomp.frontend.onnx_import import import_onnx_file

    passes = prepare_passes(args)
    if args.stop_after:
        names = [p.name for p in passes]
        if args.stop_after not in names:
            raise QcompError(f"--stop-after {args.stop_after}: pipeline '{args.pipeline}' has no such pass; "
                             f"its passes: {', '.join(names)}")
        passes = passes[: len(names) - names[::-1].index(args.stop_after)]
    if kind in ONNX_KINDS:  # the quant-level IR after pot-scale: every pass before lower-quant-to-shift
        names = [p.name for p in passes]
        end = names.index("lower-quant-to-shift") if "lower-quant-to-shift" in names else len(names)
        if "pot-scale" not in names[:end]:
            what = (f"--stop-after {args.stop_after} stops before pot-scale" if args.stop_after and
                    "pot-scale" in [p.name for p in prepare_passes(args)] else
                    f"pipeline '{args.pipeline}' has no pot-scale pass before lower-quant-to-shift")
            raise QcompError(f"--emit {kind}: {what}; the ONNX export needs the !quant.pot types pot-scale sets")
        passes = passes[:end]
    module = import_onnx_file(args.model)
    run_passes(args, passes, module)
    warn_data_free(args, module)
    if kind in ONNX_KINDS:
        from qcomp.export import export_onnx

        model = export_onnx(module, ONNX_KINDS[kind])
        write_atomically({out: model.SerializeToString()})
        log(args, f"wrote {out}")
        return
    if kind == "mlir":
        from qcomp.dialects.constants import elided_constants

        with elided_constants(args.elide_constants):  # a file to read back: full unless asked
            text = str(module) + "\n"
        write_atomically({out: text})
        log(args, f"wrote {out}")
        return
    from qcomp.backend.c_emitter import emit_c_files

    files = emit_c_files(module, out, prefix=args.prefix, with_main=(kind == "main"),
                         sample=args.calib, report=not args.quiet)
    write_atomically(files)
    log(args, "wrote " + ", ".join(str(p) for p in files))


def list_passes() -> None:
    from qcomp.registry import all_passes, describe_pass

    for cls in all_passes().values():
        print(describe_pass(cls))


def list_pipelines() -> None:
    from qcomp.pipeline import load_pipeline, shipped_pipelines

    for name, path in shipped_pipelines().items():
        print(f"{name}: {load_pipeline(str(path)).description.strip().splitlines()[0]}")


# --------------------------------------------------------------------------- dump / compare


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as the one line `qcomp: error: ...` (exit 2), like every other qcomp error."""

    def error(self, message: str):  # type: ignore[override]
        print(f"qcomp: error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def build_dump_parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="qcomp dump",
        usage="qcomp dump --pipeline P.yaml MODEL.onnx --calib CALIB.npy --data X.npy [--sample K] DIR",
        description="Run the shift executor (the golden model of the C) on one sample and write every "
                    "intermediate integer tensor to DIR: DIR/manifest.json (the tensors in execution order: "
                    "node, tensor, shape, C type, exponent, file) and one raw little-endian file per tensor in "
                    "logical NCHW order. The generated C built with -DQC_DUMP writes the same files to "
                    "$QC_DUMP_DIR; `qcomp compare` diffs two dumps.",
        epilog="DIR must be new, empty or a previous dump (it is replaced); it is written all or nothing.")
    p.add_argument("model", nargs="?", help="float ONNX model (.onnx)")
    p.add_argument("dir", nargs="?", metavar="DIR", help="the dump directory to write")
    add_pipeline_args(p, "(its C stages, if any, are not run)", "no progress messages")
    p.add_argument("--data", help="the samples to take the dumped one from: .npy (N, ...) float32, or .npz "
                                  "keyed by input name / a directory of NAME.npy files for several inputs")
    p.add_argument("--sample", type=int, default=0, metavar="K", help="index of the sample in --data (default 0)")
    return p


def add_pipeline_args(p: argparse.ArgumentParser, pipeline_note: str, quiet_help: str) -> None:
    """The options of the subcommands that run a pipeline (dump, report, eval): --pipeline, --calib,
    --plugin, -q, and the compile-only settings `prepare_passes` / `run_passes` read, at their defaults."""
    p.add_argument("--pipeline", "-p", help=f"pipeline YAML file, or the name of a shipped pipeline {pipeline_note}".rstrip())
    p.add_argument("--calib", help="calibration samples (as for compiling)")
    p.add_argument("--plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                   help="load user passes from a Python file or module (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help=quiet_help)
    p.set_defaults(print_ir_after_all=False, full_constants=False, elide_constants=None, input_range=None,
                   prefix="model")


def build_compare_parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="qcomp compare",
        usage="qcomp compare DIR_A DIR_B",
        description="Compare two tensor dumps (`qcomp dump`, or the C built with -DQC_DUMP) tensor by tensor "
                    "in execution order. Prints the first tensor that differs (node, tensor, how many "
                    "elements differ, the largest difference in LSBs, the first differing index) and exits "
                    "1, or prints 'N tensors identical' and exits 0. Exits 2 when a dump is missing or "
                    "malformed or the two hold different tensor lists.")
    p.add_argument("a", metavar="DIR_A", help="first dump directory")
    p.add_argument("b", metavar="DIR_B", help="second dump directory")
    return p


def dump_model(args: argparse.Namespace) -> None:
    from qcomp.backend.check import C_STAGES
    from qcomp.dump import (
        check_target,
        executor_tensors,
        load_samples,
        main_function,
        quantized_inputs,
        write_dump,
    )

    usage = "qcomp dump --pipeline P.yaml MODEL.onnx --calib CALIB.npy --data X.npy [--sample K] DIR"
    if not args.model:
        raise QcompError(f"no model given: {usage}")
    if not args.dir:
        raise QcompError(f"no dump directory given: {usage}")
    if not args.pipeline:
        raise QcompError("no pipeline given: use --pipeline FILE.yaml or a shipped name such as int8_fpga")
    if not args.data:
        raise QcompError("no data given: use --data X.npy (the sample to dump is --sample K of it, default 0)")
    if args.sample < 0:
        raise QcompError(f"--sample {args.sample} is negative: give the index of a sample of --data")
    if not os.path.exists(args.model):
        raise QcompError(f"model '{args.model}' not found")
    if not os.path.exists(args.data):
        raise QcompError(f"data '{args.data}' not found")
    check_target(Path(args.dir))
    from qcomp.frontend.onnx_import import import_onnx_file

    passes = [p for p in prepare_passes(args) if p.name not in C_STAGES]
    module = import_onnx_file(args.model)
    xs = load_samples(args.data, main_function(module), args.sample)
    run_passes(args, passes, module)
    f = main_function(module)
    low = sorted({op.name for op in f.body.walk() if not op.name.startswith(("shift.", "func."))})
    if low:
        raise QcompError(f"pipeline '{args.pipeline}' does not lower the model to the shift dialect "
                         f"(left: {', '.join(low[:4])}): add lower-quant-to-shift")
    tensors = executor_tensors(module, quantized_inputs(module, xs))
    write_dump(Path(args.dir), tensors)
    log(args, f"wrote {len(tensors)} tensors of sample {args.sample} to {args.dir}")


def list_targets() -> None:
    from qcomp.hardware import load_hardware, shipped_targets

    for name in shipped_targets():
        print(f"{name}: {load_hardware(name).description}")


def list_patterns(args: argparse.Namespace) -> None:
    """The ops and fused patterns of --target, else of the target --pipeline names."""
    from qcomp.hardware import format_patterns, load_hardware

    ref = args.target
    if not ref and args.pipeline:
        from qcomp.pipeline import load_pipeline

        ref = load_pipeline(args.pipeline).target.hardware
        if not ref:
            raise QcompError(f"pipeline '{args.pipeline}' names no hardware target: give --target T")
    if not ref:
        raise QcompError("--list-patterns needs --target T (a shipped name, see --list-targets, or a YAML file)")
    print("\n".join(format_patterns(load_hardware(ref))))


def _guarded(args: argparse.Namespace, run) -> int:  # type: ignore[no-untyped-def]
    """Load the plugins, run `run()`; a QcompError is one `qcomp: error:` line and exit 1."""
    try:
        for spec in args.plugin:
            from qcomp.registry import load_plugin

            load_plugin(spec)
        run()
    except QcompError as e:
        print(f"qcomp: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qcomp: interrupted", file=sys.stderr)
        return 130
    return 0


def dump_main(argv: Sequence[str]) -> int:
    args = build_dump_parser().parse_intermixed_args(argv)
    return _guarded(args, lambda: dump_model(args))


def compare_main(argv: Sequence[str]) -> int:
    from qcomp.dump import compare_dumps, format_difference

    args = build_compare_parser().parse_args(argv)
    try:
        n, diff = compare_dumps(args.a, args.b)
    except QcompError as e:
        print(f"qcomp: error: {e}", file=sys.stderr)
        return 2
    if diff is None:
        print(f"{n} tensors identical")
        return 0
    print(format_difference(n, diff, args.a, args.b))
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "dump":
        return dump_main(argv[1:])
    if argv and argv[0] == "compare":
        return compare_main(argv[1:])
    if argv and argv[0] == "check":
        from qcomp.cli_check import check_main

        return check_main(argv[1:])
    if argv and argv[0] in ("report", "eval"):
        from qcomp.cli_inspect import eval_main, report_main

        return (report_main if argv[0] == "report" else eval_main)(argv[1:])
    args = build_parser().parse_args(argv)

    def run() -> None:
        if args.print_pipeline:
            if not args.pipeline:
                raise QcompError("--print-pipeline needs --pipeline")
            print(",".join(str(p) for p in prepare_passes(args)))
        elif args.list_passes:
            list_passes()
        elif args.list_pipelines:
            list_pipelines()
        elif args.list_targets:
            list_targets()
        elif args.list_patterns:
            list_patterns(args)
        else:
            compile_model(args)

    return _guarded(args, run)


if __name__ == "__main__":
    sys.exit(main())
