"""The ONNX exports (`qcomp --emit onnx-qdq / onnx-qop`) run by onnxruntime, against the shift executor.

    python bench/export_agreement.py [NAME ...] [--committed] [--light] [--samples N] [--attribute] [--md FILE]

For each model (default: the committed models, then the nine light ImageNet graphs of
`bench/light_models.py`; `--committed` / `--light` pick one group, NAMEs pick models by name),
the `int8_fpga` pipeline runs up to lower-quant-to-shift (the quant IR the exporter reads), then
twice: with the target's `rounding: half-up` and with `rounding: half-even` (as shipped, and
onnxruntime's tie rule); each module is exported in both formats, then lowered to the shift level. On the test
samples (all of a committed model's test split, or `--samples N`; 2 light images by default, at
most the 4 that light_models.py writes unless its folder is rebuilt) it compares onnxruntime
(CPUExecutionProvider, intra_op_num_threads=1, default graph optimizations, `ORT_CONFIG`) with the shift
executor of the same module, the golden model of the C, on the first output:

* top-1: how often the argmax over the flattened output agrees;
* max LSB: the largest difference, in units of the output exponent's LSB;
* differ: the fraction of output values that differ;
* vs even: the largest difference from the half-even module's shift executor (its input
  quantized half to even too). 0 means the export computes exactly what qcomp computes, but for
  the tie-breaking rule;
* default: the largest difference between onnxruntime's default session and the one every other
  column uses (`qcomp.export.ORT_CONFIG`: QDQ int8 kept int8; on x86 without VNNI the default
  rewrites it to uint8 x int8 kernels that saturate, so this is the CPU's own error).

A model whose top-1 agreement is below --min-top1 (default 0.99) is marked "ties" when the
half-even executor agrees with onnxruntime bit for bit (the misses are rounding ties), else
"UNEXPLAINED"; the script exits 1 when any model is UNEXPLAINED or fails to export or run.
`--attribute` localises a miss: for each rounding op kind of the model, the shift executor with
only that kind's ties rounded to even, against the usual one (docs/export.md has the results).
The whole default run takes about 3 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.light_models import NAMES as LIGHT_NAMES  # noqa: E402
from bench.light_models import make_light  # noqa: E402

PIPELINE = "int8_fpga"
KINDS = ("qdq", "qop")
ROUNDINGS = ("half-up", "half-even")  # the target's tie rule, set on a copy of the same quant module
M = ROOT / "models"
DIGITS = (M / "digits" / "calib.npy", M / "digits" / "test_x.npy")
COMMITTED = {
    "lenet": (M / "lenet" / "lenet.onnx", *DIGITS),
    "lenet_dynamo": (M / "lenet" / "lenet_dynamo.onnx", *DIGITS),
    "resnet": (M / "resnet" / "resnet.onnx", *DIGITS),
    "resnet_dynamo": (M / "resnet" / "resnet_dynamo.onnx", *DIGITS),
    "fire_concat": (M / "repro" / "fire_concat.onnx", M / "repro" / "fire_calib.npy", M / "repro" / "fire_test.npy"),
    "norm_pad": (M / "repro" / "norm_pad.onnx", M / "repro" / "norm_calib.npy", M / "repro" / "norm_test.npy"),
    "preact_bn": (M / "repro" / "preact_bn.onnx", M / "repro" / "affine_calib.npy", M / "repro" / "affine_test.npy"),
    "paddle_hswish": (M / "repro" / "paddle_hswish.onnx", M / "repro" / "affine_calib.npy",
                      M / "repro" / "affine_test.npy"),
}


@dataclass
class Case:
    name: str
    model: Path
    calib: Path
    test: Path


def quant_and_shift(model: Path, calib: Path, roundings: tuple[str, ...] = ROUNDINGS,  # type: ignore[no-untyped-def]
                    pipeline: str = PIPELINE):
    """{rounding: (the exported ONNX models by kind, the shift-level module)} for one model: the
    pipeline up to lower-quant-to-shift once (calibration and exponents do not depend on the tie
    rule), then per tie rule a copy with the target's `rounding` set, its exports, and the rest of
    the pipeline but its C stages (`pipeline`: a shipped name or a YAML file)."""
    import dataclasses

    from qcomp.backend.check import C_STAGES
    from qcomp.context import make_context
    from qcomp.export import export_onnx
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.pipeline import configure_calibration, load_pipeline
    from qcomp.target import set_target, target_of

    pipe = load_pipeline(pipeline)
    configure_calibration(pipe, str(calib))
    passes = [p for p in pipe.instantiate() if p.name not in C_STAGES]
    split = [p.name for p in passes].index("lower-quant-to-shift")
    quant = import_onnx_file(str(model))
    ctx = make_context()
    for p in passes[:split]:
        p.apply(ctx, quant)
    out = {}
    for rounding in roundings:
        module = quant.clone()
        set_target(module, dataclasses.replace(target_of(module), rounding=rounding))
        exported = {k: export_onnx(module, k) for k in KINDS}
        for p in passes[split:]:
            p.apply(ctx, module)
        module.verify()
        out[rounding] = exported, module
    return out


@contextlib.contextmanager
def ties_to_even_in(kind: str) -> Iterator[None]:
    """While it lasts, shift executors built on a half-up module round ties to even in the ops
    named `kind` (e.g. "shift.mul") only: localises which ops' ties move an output."""
    import qcomp.executors.shift as shift_ex

    saved = shift_ex.rounding_of
    shift_ex.rounding_of = lambda op: "half-even" if op.name == kind else saved(op)  # type: ignore[assignment]
    try:
        yield
    finally:
        shift_ex.rounding_of = saved


def ort_run(model, x: np.ndarray, int8: bool = True) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The first output of `model` (an onnx.ModelProto, a path or serialized bytes; batch 1) on every
    sample of x; `int8`: with qcomp.export.ORT_CONFIG (QDQ int8 kept int8), else onnxruntime's
    default session."""
    import onnxruntime as ort

    from qcomp.export import ort_session_options

    so = ort_session_options()
    if not int8:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.log_severity_level = 3
    if not isinstance(model, str | bytes):
        model = model.SerializeToString()
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])


def measure(case: Case, samples: int | None) -> list[dict[str, object]]:
    """One row per tie rule and export format of `case` (see the module docstring for the columns)."""
    from collections import Counter

    from xdsl.dialects import func

    from qcomp.dialects import quant as q
    from qcomp.executors.shift import ShiftExecutor, quantize_input

    t0 = time.perf_counter()
    built = quant_and_shift(case.model, case.calib)
    x = np.load(case.test).astype(np.float32)[:samples]
    n = len(x)
    refs = {}
    for rounding, (_, module) in built.items():
        ex = ShiftExecutor(module)
        refs[rounding] = np.asarray(ex.run([quantize_input(x, ex.args[0].type, ex.rounding)])[0])
        refs[rounding] = refs[rounding].reshape(n, -1).astype(np.int64)
    rows = []
    for rounding, (exported, module) in built.items():
        ref = refs[rounding]
        f = next(o for o in module.walk() if isinstance(o, func.FuncOp))
        out_pot = q.pot_of(f.function_type.outputs.data[0])
        assert out_pot is not None
        for kind, model in exported.items():
            got = ort_run(model, x).reshape(n, -1).astype(np.float64)
            lsb = np.ldexp(got, -out_pot.exp)
            gq = np.rint(lsb).astype(np.int64)
            assert np.all(gq == lsb), "onnxruntime's output is not on the output grid"
            dflt = np.rint(np.ldexp(ort_run(model, x, int8=False).reshape(n, -1).astype(np.float64), -out_pot.exp))
            ops = Counter(nd.op_type for nd in model.graph.node)
            rows.append({
                "model": case.name, "rounding": rounding, "format": f"onnx-{kind}", "samples": n,
                "top1": float(np.mean(gq.argmax(axis=1) == ref.argmax(axis=1))),
                "max_lsb": int(np.abs(gq - ref).max()), "differ": float(np.mean(gq != ref)),
                "vs_even": int(np.abs(gq - refs["half-even"]).max()),
                "default": int(np.abs(dflt - gq).max()),
                "opset": next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                "nodes": sum(ops.values()), "ops": ops, "seconds": time.perf_counter() - t0,
            })
    return rows


ROUNDING_OPS = ("shift.conv2d", "shift.fc", "shift.add", "shift.mul", "shift.max", "shift.min", "shift.prelu",
                "shift.requant", "shift.concat", "shift.avgpool", "shift.global_avgpool", "shift.softmax",
                "shift.resize")
"""The shift ops whose kernels round (a rounding shift or a rounded division)."""


def attribute(case: Case, samples: int | None) -> list[tuple[str, int, float, float]]:
    """Which ops' ties move the output: for every rounding shift op kind of the model, (kind, count,
    top-1 agreement, fraction of output values that differ) of the shift executor with only that
    kind's ties rounded to even, against the half-up one (the graph input rounded to even: first)."""
    from collections import Counter

    from qcomp.executors.shift import ShiftExecutor, quantize_input

    _, module = quant_and_shift(case.model, case.calib, ("half-up",))["half-up"]
    x = np.load(case.test).astype(np.float32)[:samples]
    ex = ShiftExecutor(module)
    xq = quantize_input(x, ex.args[0].type)
    ref = np.asarray(ex.run([xq])[0]).reshape(len(x), -1)
    kinds = Counter(op.name for op in module.walk() if op.name in ROUNDING_OPS)
    got = np.asarray(ex.run([quantize_input(x, ex.args[0].type, "half-even")])[0]).reshape(len(x), -1)
    out = [("input QuantizeLinear", 1, float(np.mean(got.argmax(1) == ref.argmax(1))), float(np.mean(got != ref)))]
    for kind, count in kinds.most_common():
        with ties_to_even_in(kind):
            even_ex = ShiftExecutor(module)
        got = np.asarray(even_ex.run([xq])[0]).reshape(len(x), -1)
        out.append((kind, count, float(np.mean(got.argmax(1) == ref.argmax(1))), float(np.mean(got != ref))))
    return out


def cases(args: argparse.Namespace, prog: str = "export_agreement") -> list[Case]:
    """The models `args` selects (NAMEs, --committed, --light); light folders hold max(--samples, 4)
    test images. An unknown name exits naming `prog`."""
    names = set(args.names)
    known = set(COMMITTED) | set(LIGHT_NAMES)
    if names - known:
        sys.exit(f"{prog}: unknown model(s) {', '.join(sorted(names - known))} "
                 f"(known: {', '.join(list(COMMITTED) + list(LIGHT_NAMES))})")
    both = not args.committed and not args.light
    out = []
    if args.committed or both:
        out += [Case(k, *v) for k, v in COMMITTED.items() if not names or k in names]
    if args.light or both:
        for k in LIGHT_NAMES:
            if not names or k in names:
                folder = make_light(k, n_test=max(args.samples or 2, 4))
                out.append(Case(k, folder / "model.onnx", folder / "calib.npy", folder / "test_x.npy"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="models (default: all of the selected groups)")
    ap.add_argument("--committed", action="store_true", help="the committed models only")
    ap.add_argument("--light", action="store_true", help="the light ImageNet graphs only")
    ap.add_argument("--samples", type=int, help="test samples per model (default: a committed model's whole "
                                                "test split, 2 light images)")
    ap.add_argument("--min-top1", type=float, default=0.99, help="top-1 agreement below this is flagged")
    ap.add_argument("--md", help="also write the table as Markdown to this file")
    ap.add_argument("--attribute", action="store_true",
                    help="for every model below --min-top1 (every model with --attribute-all), which shift ops' "
                         "ties move the output: the shift executor with one op kind rounding half to even")
    ap.add_argument("--attribute-all", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    head = ("model", "rounding", "format", "samples", "top-1", "max LSB", "differ", "vs even", "default", "opset",
            "nodes", "verdict")
    print("  ".join(head), flush=True)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    bad = 0
    for case in cases(args):
        samples = args.samples if args.samples is not None or case.name in COMMITTED else 2
        try:
            rows = measure(case, samples)
        except Exception as e:  # one row naming the failure, then the next model
            bad += 1
            msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
            print(f"{case.name}  FAILED: {msg}", flush=True)
            lines.append(f"| {case.name} | FAILED: {msg} |")
            continue
        for r in rows:
            verdict = "ok"
            if r["top1"] < args.min_top1:  # type: ignore[operator]
                verdict = "ties" if r["vs_even"] == 0 else "UNEXPLAINED"
                bad += verdict == "UNEXPLAINED"
            cells = (str(r["model"]), str(r["rounding"]), str(r["format"]), str(r["samples"]), f"{r['top1']:.4f}", str(r["max_lsb"]),
                     f"{r['differ']:.4f}", str(r["vs_even"]), str(r["default"]), str(r["opset"]), str(r["nodes"]), verdict)
            print("  ".join(cells), flush=True)
            lines.append("| " + " | ".join(cells) + " |")
        if args.attribute_all or (args.attribute and min(r["top1"] for r in rows) < args.min_top1):  # type: ignore[type-var]
            for kind, count, top1, differ in attribute(case, samples):
                print(f"  ties of {kind} (x{count}) alone: top-1 {top1:.4f}, {differ:.4f} of the values differ",
                      flush=True)
    if args.md:
        Path(args.md).write_text("\n".join(lines) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
