"""`qcomp report` and `qcomp eval`: where a quantized network loses, and how much at each stage.

    qcomp report --pipeline P.yaml MODEL.onnx --calib CALIB.npy [--data X.npy] [-o report]
    qcomp eval --pipeline P.yaml MODEL.onnx --calib CALIB.npy --data X.npy [--labels Y.npy] [--json [FILE]] [--mcu]

`report` prints one row per quantized layer (qcomp.layer_report) and writes PREFIX.json and,
with matplotlib installed, PREFIX.png. `eval` prints one table from float to the compiled C
(qcomp.evaluate); with `--mcu` the table also has the C on a Cortex-M4 under qemu. Both print
one `qcomp: error: ...` line and exit non-zero on bad input, and write nothing then.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from qcomp.cli import _guarded, _OneLineParser, add_pipeline_args, check_output_dir, log, write_atomically
from qcomp.errors import QcompError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", help="float ONNX model (.onnx)")
    add_pipeline_args(p, "", "no progress messages or bars")
    p.add_argument("--limit", type=int, metavar="N", help="use the first N samples of the data only")


def build_report_parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="qcomp report",
        usage="qcomp report --pipeline P.yaml MODEL.onnx --calib CALIB.npy [--data X.npy] [-o report]",
        description="Per-layer quantization error analysis. For every quantized layer (ONNX node, op, input/"
                    "weight/output exponents, calibrated range, fraction of outputs saturated) the error as "
                    "noise energy over signal energy and as SNR in dB, graphwise (the quantized network up to "
                    "the layer against the float one) and layerwise (only this layer quantized, float inputs). "
                    "Layers whose layerwise error is above --threshold are flagged with what would help. "
                    "Prints the table, writes PREFIX.json and, with matplotlib (pip install 'qcomp[plot]'), "
                    "PREFIX.png.")
    _common(p)
    p.add_argument("--data", help="the samples to analyse (default: the calibration samples)")
    p.add_argument("-o", "--output", default="report", metavar="PREFIX",
                   help="write PREFIX.json and PREFIX.png (default: report)")
    p.add_argument("--threshold", type=float, default=0.1,
                   help="flag layers whose layerwise noise/signal is above this (default 0.1, i.e. 10 dB)")
    return p


def build_eval_parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="qcomp eval",
        usage="qcomp eval --pipeline P.yaml MODEL.onnx --calib CALIB.npy --data X.npy [--labels Y.npy] [--json [FILE]] "
              "[--mcu]",
        description="One table from float to C on the same samples: per stage (float in onnxruntime, fake-quant, "
                    "shift executor, the compiled C on the host, with --mcu the same C on a Cortex-M4 under qemu, "
                    "the exported QDQ model in onnxruntime) the top-1 accuracy (with --labels) or the top-1 "
                    "agreement with float, and the output SNR against float.")
    _common(p)
    p.add_argument("--data", help="the evaluation samples: .npy (N, ...) float32, .npz or a directory of NAME.npy")
    p.add_argument("--labels", help="integer class labels (N,) .npy: report accuracy instead of agreement "
                                    "(with --threshold: 0/1 per output value)")
    p.add_argument("--threshold", type=float, metavar="T",
                   help="decisions are output > T, one per output value (a detector's score, a binary logit), "
                        "instead of the top-1 class")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help="also write the numbers as JSON to FILE (to stdout instead of the table without FILE)")
    p.add_argument("--cc", help="C compiler for the C stage (default $CC or cc)")
    p.add_argument("--cflags", default="-O2", help="its flags, one string (default -O2)")
    p.add_argument("--no-c", action="store_true", help="skip the C stage (no compiler needed)")
    p.add_argument("--no-qdq", action="store_true", help="skip the exported QDQ model")
    p.add_argument("--mcu", action="store_true",
                   help="also cross-build the C for a Cortex-M4 and run it under qemu-system-arm -M mps2-an386 "
                        "(needs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm)")
    p.add_argument("--mcu-cc", metavar="CC", help="the cross compiler of the Cortex-M4 stage (default arm-none-eabi-gcc)")
    p.add_argument("--mcu-cflags", default="-O2", help="its flags, one string (default -O2; -mcpu=cortex-m4 -mthumb "
                                                       "are always given)")
    p.add_argument("--mcu-timeout", type=float, default=600, metavar="S",
                   help="seconds qemu may run (default 600)")
    return p


def _check_inputs(args: argparse.Namespace, data: str | None, usage: str) -> None:
    if not args.model:
        raise QcompError(f"no model given: {usage}")
    if not args.pipeline:
        raise QcompError("no pipeline given: use --pipeline FILE.yaml or a shipped name such as int8_fpga")
    if not Path(args.model).exists():
        raise QcompError(f"model '{args.model}' not found")
    if data is not None and not Path(data).exists():
        raise QcompError(f"data '{data}' not found")
    if args.limit is not None and args.limit < 1:
        raise QcompError(f"--limit {args.limit}: give a positive number of samples")


def _bar(args: argparse.Namespace, total: int, desc: str, unit: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, desc=f"qcomp: {desc}", unit=unit, disable=args.quiet, file=sys.stderr,
                leave=False, dynamic_ncols=True)


def report(args: argparse.Namespace) -> None:
    from qcomp.dump import load_batches, main_function
    from qcomp.layer_report import analyse, format_table, report_json
    from qcomp.report_chart import ChartUnavailable, chart_png
    from qcomp.stages import run_stages

    _check_inputs(args, args.data or args.calib, build_report_parser().usage or "")
    data = args.data or args.calib
    if data is None:
        raise QcompError("no data: give --calib CALIB.npy (and optionally --data X.npy to analyse other samples)")
    prefix = Path(args.output)
    json_path, png_path = prefix.with_name(prefix.name + ".json"), prefix.with_name(prefix.name + ".png")
    check_output_dir(json_path)
    st = run_stages(args, lower=False)
    xs = load_batches(data, main_function(st.quant_module), args.limit)
    with _bar(args, xs[0].shape[0], "report", "sample") as bar:
        rows = analyse(st.float_module, st.quant_module, xs, threshold=args.threshold, progress=bar.update)
    print(format_table(rows, args.threshold))
    meta = dict(model=str(args.model), pipeline=str(args.pipeline), data=str(data),
                samples=int(xs[0].shape[0]), threshold=args.threshold)
    files: dict[Path, str | bytes] = {json_path: json.dumps(report_json(rows, **meta), indent=1) + "\n"}
    try:
        files[png_path] = chart_png(rows, args.threshold, f"{Path(args.model).name}: {args.pipeline}, "
                                                          f"{meta['samples']} samples")
    except ChartUnavailable as e:
        print(f"qcomp: note: no {png_path}: {e}", file=sys.stderr)
    write_atomically(files)
    log(args, "wrote " + ", ".join(map(str, files)))


def evaluate(args: argparse.Namespace) -> None:
    import numpy as np

    from qcomp.dump import load_batches, main_function
    from qcomp.evaluate import eval_json, evaluate, format_table
    from qcomp.stages import run_stages

    _check_inputs(args, args.data, build_eval_parser().usage or "")
    if not args.data:
        raise QcompError("no data given: use --data X.npy (the evaluation samples)")
    if args.labels and not Path(args.labels).exists():
        raise QcompError(f"labels '{args.labels}' not found")
    if args.json and args.json != "-":
        check_output_dir(Path(args.json))
    if args.mcu:  # before the pipeline runs: a missing toolchain is known in a second, not after calibration
        from qcomp.backend import mcu

        why = mcu.missing(args.mcu_cc or mcu.CC)
        if why:
            raise QcompError(f"--mcu: {why}; the Cortex-M4 stage needs gcc-arm-none-eabi, "
                             "libnewlib-arm-none-eabi and qemu-system-arm")
    st = run_stages(args)
    xs = load_batches(args.data, main_function(st.quant_module), args.limit)
    labels = None
    if args.labels:
        try:
            labels = np.load(args.labels, allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - numpy raises many kinds for bad files
            raise QcompError(f"cannot read labels '{args.labels}': {e}") from None
        if labels.dtype.kind not in "iu":
            raise QcompError(f"labels '{args.labels}' have dtype {labels.dtype}; need integer class indices")
    n = xs[0].shape[0]
    ort_runs = n * (1 if args.no_qdq else 2)
    with _bar(args, ort_runs, "eval", "run") as bar:
        rows = evaluate(str(args.model), st, xs, labels=labels, cc=args.cc, cflags=args.cflags.split(),
                        c=not args.no_c, qdq=not args.no_qdq, mcu=args.mcu, mcu_cc=args.mcu_cc,
                        mcu_cflags=args.mcu_cflags.split(), mcu_timeout=args.mcu_timeout,
                        progress=lambda s: bar.set_postfix_str(s, refresh=True), tick=bar.update,
                        threshold=args.threshold)
    what = "" if args.threshold is None else f"decision > {args.threshold:g} "  # top-1 unless said
    meta = dict(model=str(args.model), pipeline=str(args.pipeline), data=str(args.data), samples=int(n),
                metric=f"{what}accuracy" if labels is not None else f"{what}agreement with float")
    doc = json.dumps(eval_json(rows, **meta), indent=1) + "\n"
    if args.json == "-":
        sys.stdout.write(doc)
        return
    print(format_table(rows, labels is not None, n, args.threshold))
    if args.json:
        write_atomically({Path(args.json): doc})
        log(args, f"wrote {args.json}")


def report_main(argv: Sequence[str]) -> int:
    args = build_report_parser().parse_intermixed_args(argv)
    return _guarded(args, lambda: report(args))


def eval_main(argv: Sequence[str]) -> int:
    args = build_eval_parser().parse_intermixed_args(argv)
    return _guarded(args, lambda: evaluate(args))
