"""Differential fuzzer of the C backend: random ONNX graphs, C vs the shift executor, bit for bit.

    python bench/fuzz_c.py --seed 1 --count 20                # graphs 1..20, 2 at a time
    python bench/fuzz_c.py --replay bench/build/fuzz/seed-17  # re-check a saved reproducer
    python bench/fuzz_c.py --seed 1 --count 20 --rounding half-up     # the other tie rule
    python bench/fuzz_c.py --seed 1 --count 20 --signed               # int8 activations only (no uint8)
    python bench/fuzz_c.py --seed 1 --count 20 --wide-outputs         # int16 outputs (mixed precision)
    python bench/fuzz_c.py --seed 1 --count 20 --wide-layers          # int16 inner layers, int64 sums where needed
    python bench/fuzz_c.py --seed 1 --count 20 --weights per-channel  # one weight exponent per channel

For every seed, `fuzz_graphs.generate` builds a random opset-13 graph (conv/BN/activation
blocks, residual adds, concats, shuffles, pools, SE multiplies, FC heads, several outputs;
see `bench/fuzz_graphs.py`) under a MAC budget; it is calibrated on `--calib` seeded images
and compiled with the int8_fpga pipeline through the Python API (what `qcomp --pipeline
int8_fpga` runs; C-lowering passes a pipeline lists run in the C emitter, as in
`qcomp.backend.check`). The shift executor (the golden model) runs on `--test` samples (an
image, one scaled beyond the calibrated range, one on a half-step grid); the generated C is
built with a generated harness with `--cc` (default $CC or cc) at each of `--flags`
(default -O0,-O2,-O3,-Os), once with `-O1 -fsanitize=address,undefined
-fno-sanitize-recover=all`, once with `--cc2` (default clang, else `python -m ziglang cc`
when that wheel is installed) at -O2, and once at `-O2 -mavx2` when the host has AVX2 (the
C's AVX2 conv kernel, under `#if defined(__AVX2__)`), all with `-std=c99 -Wall -Wextra
-Werror`. One compile per build serves all samples: the harness runs each through
`model_forward` (every output integer compared with the executor) and
`model_forward_float` (compared exactly with the executor's output times 2^EXP, which
also checks the C's input quantizer), with poisoned output buffers, and fails if the input
was modified.

A failure is a mismatch, a sanitizer report, a build failure (a warning is one), a crash or
non-zero exit, or a compiler crash (a Python exception that is not a clean qcomp
diagnostic). A failing graph is shrunk (outputs cut, nodes bypassed, branches dropped,
channels and spatial size halved, while the same kind of failure persists on the same
builds) and saved under --out (default bench/build/fuzz/) as seed-S/: model.onnx,
calib.npy, test.npy, spec.txt, out.c/out.h/harness.c, original.onnx and a README with the
command that reproduces it. Graphs qcomp rejects with a clean diagnostic are counted by
reason, not failed. `--perturb` (flip one output bit) and `--no-opaque` (remove QC_OPAQUE,
re-exposing the gcc 12.2 miscompile of docs/c-backend.md) are negative controls.

One line per graph (seed, size, MACs, time, result, op forms), then

    fuzz_c: N graphs, M mismatches, K sanitizer reports, B build/run failures, E compiler crashes, R rejected by the compiler (reasons) in T s (cpu ...)

Exit status 1 on any failure (not on rejections).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QCOMP_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fuzz_graphs as fg  # noqa: E402

DEFAULT_OUT = HERE / "build" / "fuzz"
WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
SANITIZE = ["-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=86",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87"}
FAILURES = ("mismatch", "sanitizer", "build", "run", "crash")


@dataclass(frozen=True)
class Build:
    name: str
    cc: tuple[str, ...]
    flags: tuple[str, ...]
    sanitize: bool = False


@dataclass
class Outcome:
    status: str  # ok | rejected | mismatch | sanitizer | build | run | crash
    detail: str = ""
    failing: list[str] = field(default_factory=list)  # names of the builds that failed
    seconds: float = 0.0


class Rejected(Exception):
    """qcomp refused the model with a clean diagnostic."""


class CompilerCrash(Exception):
    """qcomp raised something that is not a diagnostic (an internal error)."""


# --------------------------------------------------------------------------- compiling


def compile_shift(model, calib_path: Path, pipeline: str = "int8_fpga"):
    """The module after `pipeline` (the shift level), as `qcomp --pipeline` builds it; C-lowering
    passes the pipeline lists run later, in `emit_c` (as `qcomp.backend.check` does)."""
    from xdsl.utils.exceptions import DiagnosticException

    from qcomp.backend.check import C_STAGES
    from qcomp.context import make_context
    from qcomp.errors import QcompError
    from qcomp.frontend.onnx_import import import_model
    from qcomp.pipeline import load_pipeline

    try:
        pipe = load_pipeline(pipeline)
        if ROUNDING is not None:
            pipe.target = dataclasses.replace(pipe.target, rounding=ROUNDING)
        if WEIGHTS is not None:
            pipe.target = dataclasses.replace(pipe.target, weight_granularity=WEIGHTS)
        scale = pipe.find("pot-scale")
        if SIGNED and scale is not None:
            scale.options["unsigned"] = False
        if WIDE_OUTPUTS and scale is not None:
            scale.options["wide-outputs"] = True
        if WIDE_LAYERS:  # int16 sums past int32 are summed in int64 (the C picks it per layer)
            pipe.target = dataclasses.replace(pipe.target, accumulator_bits=64)
        entry = pipe.find("calibrate")
        if entry is not None and "data" not in entry.options:
            entry.options["data"] = str(calib_path)
        passes = [p for p in pipe.instantiate() if p.name not in C_STAGES]
        module = import_model(model, source="fuzz")
        ctx = make_context()
        for p in passes:
            if WIDE_LAYERS and p.name == "pot-scale":
                _widen_every_layer(module)
            try:
                p.apply(ctx, module)
                module.verify()
            except DiagnosticException as e:
                msg = _one_line(e)
                raise Rejected(msg if msg.startswith(f"{p.name}:") else f"{p.name}: {msg}") from None
    except Rejected:
        raise
    except QcompError as e:
        raise Rejected(_one_line(e)) from None
    except Exception as e:  # noqa: BLE001 - anything else is a compiler bug
        raise CompilerCrash(f"{type(e).__name__}: {_one_line(e)}\n{traceback.format_exc()}") from None
    return module


def _widen_every_layer(module) -> None:
    """--wide-layers: the `wide` attribute (as widen-layers sets it) on every inner op with its own
    exponent whose readers take 16 bits (softmax and LRN tables read 8; an elementwise function
    reads 16 by interpolation, shift.interp)."""
    from xdsl.dialects.builtin import UnitAttr

    from qcomp.dialects import quant as q
    from qcomp.passes.pot_scale import WIDE_ATTR
    from qcomp.passes.widen_layers import widenable

    for op in list(module.walk()):
        if widenable(op) and not any(isinstance(u.operation, q.SoftmaxOp | q.LrnOp) for u in op.results[0].uses):
            op.attributes[WIDE_ATTR] = UnitAttr()


def emit_c(module, out_c: Path) -> None:
    from qcomp.backend.c_emitter import emit_c_files
    from qcomp.errors import QcompError

    try:
        files = emit_c_files(module, out_c, report=False)
    except QcompError as e:
        raise Rejected(f"C: {_one_line(e)}") from None
    except Exception as e:  # noqa: BLE001
        raise CompilerCrash(f"C: {type(e).__name__}: {_one_line(e)}\n{traceback.format_exc()}") from None
    for p, text in files.items():
        p.write_text(text)


def _one_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else type(e).__name__


# --------------------------------------------------------------------------- harness


PROTO = re.compile(r"void (\w+)_forward(_float)?\((.*)\);")


def parse_header(h_text: str) -> tuple[list[str], list[str], list[int], list[int]]:
    """(C input types, C output types, input sizes, output sizes) of `model_forward`."""
    params = None
    for m in PROTO.finditer(h_text):
        if m.group(2) is None:
            params = [p.strip() for p in m.group(3).split(",")]
    if params is None:
        raise RuntimeError("no model_forward prototype in the header")
    ins = [re.match(r"const (\w+) \*in\d+", p).group(1) for p in params if re.search(r"\*in\d+$", p)]
    outs = [re.match(r"(\w+) \*out\d+", p).group(1) for p in params if re.search(r"\*out\d+$", p)]
    macro = dict(re.findall(r"#define (MODEL_\w+) \(?(-?\d+)\)?", h_text))
    in_sizes = [int(macro[f"MODEL_IN{k}_SIZE"]) for k in range(len(ins))]
    out_sizes = [int(macro[f"MODEL_OUT{k}_SIZE"]) for k in range(len(outs))]
    return ins, outs, in_sizes, out_sizes


def header_exps(h_text: str, n_out: int) -> list[int]:
    macro = dict(re.findall(r"#define (MODEL_\w+) \(?(-?\d+)\)?", h_text))
    return [int(macro[f"MODEL_OUT{k}_EXP"]) for k in range(n_out)]


def harness_c(ins: list[str], outs: list[str]) -> str:
    """A harness for any number of inputs and outputs: for each sample, read the integer
    inputs (in.bin) and float inputs (fin.bin), call model_forward and model_forward_float
    with poisoned output buffers, write integer then float outputs (out.bin)."""
    L = ["#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>",
         '#include "out.h"', "",
         "static void *xalloc(size_t n)", "{", "    void *p = malloc(n ? n : 1);",
         "    if (p == NULL) {", '        fprintf(stderr, "fuzz harness: out of memory\\n");', "        exit(3);",
         "    }", "    return p;", "}", "",
         "int main(int argc, char **argv)", "{", "    FILE *fq, *ff, *fo;", "    long n = 0;"]
    for k, t in enumerate(ins):
        L += [f"    {t} *in{k} = xalloc(MODEL_IN{k}_SIZE * sizeof(*in{k}));",
              f"    {t} *keep{k} = xalloc(MODEL_IN{k}_SIZE * sizeof(*keep{k}));",
              f"    float *fin{k} = xalloc(MODEL_IN{k}_SIZE * sizeof(float));"]
    for k, t in enumerate(outs):
        L += [f"    {t} *out{k} = xalloc(MODEL_OUT{k}_SIZE * sizeof(*out{k}));",
              f"    float *fout{k} = xalloc(MODEL_OUT{k}_SIZE * sizeof(float));"]
    L += ["    if (argc != 4) {", '        fprintf(stderr, "usage: %s in.bin fin.bin out.bin\\n", argv[0]);',
          "        return 2;", "    }",
          '    fq = fopen(argv[1], "rb");', '    ff = fopen(argv[2], "rb");', '    fo = fopen(argv[3], "wb");',
          "    if (fq == NULL || ff == NULL || fo == NULL) {", '        fprintf(stderr, "fuzz harness: cannot open files\\n");',
          "        return 2;", "    }", "    for (;;) {"]
    for k in range(len(ins)):
        L += [f"        if (fread(in{k}, sizeof(*in{k}), MODEL_IN{k}_SIZE, fq) != MODEL_IN{k}_SIZE) break;",
              f"        if (fread(fin{k}, sizeof(float), MODEL_IN{k}_SIZE, ff) != MODEL_IN{k}_SIZE) return 4;",
              f"        memcpy(keep{k}, in{k}, MODEL_IN{k}_SIZE * sizeof(*in{k}));"]
    for k in range(len(outs)):
        L += [f"        memset(out{k}, 0xA5, MODEL_OUT{k}_SIZE * sizeof(*out{k}));",
              f"        memset(fout{k}, 0xA5, MODEL_OUT{k}_SIZE * sizeof(float));"]
    args = ", ".join([f"in{k}" for k in range(len(ins))] + [f"out{k}" for k in range(len(outs))])
    fargs = ", ".join([f"fin{k}" for k in range(len(ins))] + [f"fout{k}" for k in range(len(outs))])
    L += [f"        model_forward({args});", "#ifdef FUZZ_PERTURB", "        out0[0] ^= 1; /* negative control */",
          "#endif"]
    for k in range(len(ins)):
        L += [f"        if (memcmp(keep{k}, in{k}, MODEL_IN{k}_SIZE * sizeof(*in{k})) != 0) {{",
              f'            fprintf(stderr, "fuzz harness: model_forward modified input {k}\\n");',
              "            return 5;", "        }"]
    L += [f"        model_forward_float({fargs});"]
    for k in range(len(outs)):
        L += [f"        fwrite(out{k}, sizeof(*out{k}), MODEL_OUT{k}_SIZE, fo);"]
    for k in range(len(outs)):
        L += [f"        fwrite(fout{k}, sizeof(float), MODEL_OUT{k}_SIZE, fo);"]
    L += ["        ++n;", "    }"]
    for k in range(len(ins)):
        L += [f"    free(in{k});", f"    free(keep{k});", f"    free(fin{k});"]
    for k in range(len(outs)):
        L += [f"    free(out{k});", f"    free(fout{k});"]
    L += ["    fclose(fq);", "    fclose(ff);", '    if (fclose(fo) != 0) {', '        fprintf(stderr, "fuzz harness: write error\\n");',
          "        return 2;", "    }", '    fprintf(stderr, "fuzz harness: %ld samples\\n", n);', "    return 0;", "}", ""]
    return "\n".join(L)


# --------------------------------------------------------------------------- one case


CTYPES = {"int8_t": np.int8, "uint8_t": np.uint8, "int16_t": np.int16, "uint16_t": np.uint16,
          "int32_t": np.int32, "uint32_t": np.uint32}


def _tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[:n])


OPAQUE_ASM = '#define QC_OPAQUE(p) __asm__("" : "+r"(p))'
NO_OPAQUE = False  # --no-opaque: the negative control of docs/c-backend.md's "Compiler bugs avoided"
ROUNDING: str | None = None  # --rounding: replaces the pipeline target's tie rule
SIGNED = False  # --signed: pot-scale{unsigned=false}, no uint8 activations (the shipped pipelines store ReLU outputs as uint8)
WIDE_OUTPUTS = False  # --wide-outputs: pot-scale{wide-outputs=true}, int16 graph outputs (mixed precision)
WIDE_LAYERS = False  # --wide-layers: every inner layer in int16, 64-bit accumulators where needed
WEIGHTS: str | None = None  # --weights: replaces the target's weight granularity


def run_case(model, calib: np.ndarray, test: np.ndarray, work: Path, builds: list[Build],
             stop_at_first: bool = False) -> Outcome:
    """Compile `model`, run the executor and every build on `test`; the first failure kind wins."""
    import onnx

    from qcomp.executors.shift import ShiftExecutor, quantize_input

    t0 = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(work / "model.onnx"))
    np.save(work / "calib.npy", calib)
    np.save(work / "test.npy", test)
    try:
        module = compile_shift(model, work / "calib.npy")
        ex = ShiftExecutor(module)
        if len(ex.args) != 1:
            raise CompilerCrash(f"expected one graph input, got {len(ex.args)}")
        xq = quantize_input(test, ex.args[0].type, ex.rounding)
        try:
            refs = [np.asarray(r).reshape(len(test), -1) for r in ex.run([xq])]
        except Exception as e:  # noqa: BLE001 - check-overflow proved this cannot happen
            raise CompilerCrash(f"shift executor: {type(e).__name__}: {_one_line(e)}") from None
        emit_c(module, work / "out.c")
    except Rejected as e:
        return Outcome("rejected", str(e), seconds=time.perf_counter() - t0)
    except CompilerCrash as e:
        (work / "crash.txt").write_text(str(e))
        return Outcome("crash", str(e).splitlines()[0], seconds=time.perf_counter() - t0)
    if NO_OPAQUE:
        c_text = (work / "out.c").read_text()
        if OPAQUE_ASM not in c_text:
            return Outcome("crash", "--no-opaque: the C has no QC_OPAQUE asm to remove", seconds=time.perf_counter() - t0)
        (work / "out.c").write_text(c_text.replace(OPAQUE_ASM, "#define QC_OPAQUE(p) ((void)(p))"))
    h_text = (work / "out.h").read_text()
    ins, outs, in_sizes, out_sizes = parse_header(h_text)
    exps = header_exps(h_text, len(outs))
    if len(outs) != len(refs) or [r.shape[1] for r in refs] != out_sizes:
        return Outcome("crash", f"C API has outputs {out_sizes}, executor {[r.shape[1] for r in refs]}",
                       seconds=time.perf_counter() - t0)
    (work / "harness.c").write_text(harness_c(ins, outs))
    np.ascontiguousarray(xq.reshape(len(test), -1).astype(CTYPES[ins[0]])).tofile(work / "in.bin")
    np.ascontiguousarray(test.reshape(len(test), -1), np.float32).tofile(work / "fin.bin")
    want_f = [np.ldexp(r.astype(np.float64), e).astype(np.float32) for r, e in zip(refs, exps)]
    n = len(test)
    per_sample = sum(s * np.dtype(CTYPES[t]).itemsize for s, t in zip(out_sizes, outs)) + 4 * sum(out_sizes)
    failures: list[tuple[str, str, str]] = []
    for b in builds:
        exe = work / f"run_{re.sub(r'[^A-Za-z0-9]+', '_', b.name)}"
        cmd = [*b.cc, *WARN, *b.flags, f"-I{work}", str(work / "out.c"), str(work / "harness.c"), "-o", str(exe)]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            failures.append(("build", b.name, "compile timed out"))
            continue
        if r.returncode:
            failures.append(("build", b.name, f"{' '.join(cmd)}: {_tail(r.stderr)}"))
            if stop_at_first:
                break
            continue
        env = {**os.environ, **(SAN_ENV if b.sanitize else {})}
        try:
            r = subprocess.run([str(exe), "in.bin", "fin.bin", f"out_{exe.name}.bin"], cwd=work, capture_output=True,
                               text=True, timeout=120, env=env)
        except subprocess.TimeoutExpired:
            failures.append(("run", b.name, "timed out after 120 s"))
            continue
        finally:
            if exe.exists() and not stop_at_first:
                exe.unlink()
        san = re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:|UndefinedBehaviorSanitizer", r.stderr)
        if san:
            failures.append(("sanitizer", b.name, _tail(r.stderr[san.start():], 4)))
        elif r.returncode:
            failures.append(("run", b.name, f"exit {r.returncode}: {_tail(r.stderr)}"))
        else:
            raw = np.fromfile(work / f"out_{exe.name}.bin", np.uint8)
            (work / f"out_{exe.name}.bin").unlink()
            diff = compare(raw, n, per_sample, outs, out_sizes, refs, want_f)
            if diff:
                failures.append(("mismatch", b.name, diff))
        if failures and stop_at_first:
            break
    dt = time.perf_counter() - t0
    if not failures:
        return Outcome("ok", seconds=dt)
    kinds = [f[0] for f in failures]
    kind = next(k for k in ("mismatch", "sanitizer", "run", "build") if k in kinds)
    first = next(f for f in failures if f[0] == kind)
    names = [f[1] for f in failures if f[0] == kind]
    detail = f"{first[1]}: {first[2]}"
    others = sorted({f"{f[0]} ({f[1]})" for f in failures if f[0] != kind})
    if others:
        detail += "; also " + ", ".join(others)
    return Outcome(kind, detail, names, dt)


def compare(raw: np.ndarray, n: int, per_sample: int, outs: list[str], sizes: list[int],
            refs: list[np.ndarray], want_f: list[np.ndarray]) -> str:
    """'' when the C output file equals the executor's results, else the first difference."""
    if raw.size != n * per_sample:
        return f"the program wrote {raw.size} bytes, expected {n * per_sample}"
    rows = raw.reshape(n, per_sample)
    for s in range(n):
        off = 0
        got_i = []
        for size, t in zip(sizes, outs):
            nb = size * np.dtype(CTYPES[t]).itemsize
            got_i.append(rows[s, off:off + nb].view(CTYPES[t]))
            off += nb
        got_f = []
        for size in sizes:
            got_f.append(rows[s, off:off + 4 * size].view(np.float32))
            off += 4 * size
        for k in range(len(sizes)):
            ref = refs[k][s].astype(np.int64)
            bad = np.flatnonzero(got_i[k].astype(np.int64) != ref)
            if bad.size:
                i = int(bad[0])
                return (f"sample {s} output {k}: {bad.size}/{ref.size} integers differ, first at [{i}]: "
                        f"C {int(got_i[k][i])} != executor {int(ref[i])}")
            badf = np.flatnonzero(got_f[k].view(np.uint32) != want_f[k][s].view(np.uint32))
            if badf.size:
                i = int(badf[0])
                return (f"sample {s} output {k} (model_forward_float): {badf.size}/{ref.size} floats differ, "
                        f"first at [{i}]: C {float(got_f[k][i])!r} != executor {float(want_f[k][s][i])!r}")
    return ""


# --------------------------------------------------------------------------- graphs, shrinking


def materialise(g: fg.Graph, n_calib: int, n_test: int):
    calib, test = fg.sample_data(g, n_calib, n_test)
    model = fg.to_onnx(g)
    fg.measure_batchnorm(model, calib)
    return model, calib, test


def check_graph(g: fg.Graph, work: Path, builds: list[Build], n_calib: int, n_test: int,
                stop_at_first: bool = False) -> Outcome:
    model, calib, test = materialise(g, n_calib, n_test)
    return run_case(model, calib, test, work, builds, stop_at_first)


def _candidates(g: fg.Graph):
    """Smaller variants of g, most aggressive first (each may be invalid)."""
    n = len(g.nodes)
    if len(g.outputs) > 1:
        for o in g.outputs:
            yield "one output", _with(g, outputs=[o])
    for k in range(n):  # cut at an earlier tensor
        if k not in g.outputs:
            yield f"cut at t{k}", _with(g, outputs=[k])
    for k in reversed(range(n)):  # bypass a node
        for j in dict.fromkeys(g.nodes[k].inputs):
            yield f"bypass t{k}", _bypass(g, k, j)
    for k, node in enumerate(g.nodes):  # drop one input of a concat / sum
        if node.op in ("concat", "add") and len(node.inputs) > 2:
            for i in range(len(node.inputs)):
                h = g.copy()
                del h.nodes[k].inputs[i]
                yield f"drop input {i} of t{k}", h
    for k, node in enumerate(g.nodes):
        for key, off in (("bn", False), ("bias", False), ("ceil", False), ("count_include_pad", False)):
            if node.attrs.get(key):
                h = g.copy()
                h.nodes[k].attrs[key] = off
                yield f"{key} off at t{k}", h
        if node.op == "conv" and max(node.attrs.get("d", (1, 1))) > 1:
            h = g.copy()
            h.nodes[k].attrs["d"] = (1, 1)
            yield f"no dilation at t{k}", h
    yield "halve channels", _scale_channels(g)
    c, h, w = g.in_shape
    if h > 1 or w > 1:
        yield "halve H and W", _with(g, in_shape=(c, max(1, (h + 1) // 2), max(1, (w + 1) // 2)))
    if h > 1:
        yield "halve H", _with(g, in_shape=(c, max(1, (h + 1) // 2), w))
    if w > 1:
        yield "halve W", _with(g, in_shape=(c, h, max(1, (w + 1) // 2)))
    if h > 1 and w > 1:
        yield "H and W - 1", _with(g, in_shape=(c, h - 1, w - 1))


def _with(g: fg.Graph, **kw) -> fg.Graph:
    h = g.copy()
    for k, v in kw.items():
        setattr(h, k, v)
    return fg.prune(h)


def _bypass(g: fg.Graph, k: int, j: int) -> fg.Graph:
    h = g.copy()
    for node in h.nodes[k + 1:]:
        node.inputs = [j if i == k else i for i in node.inputs]
    h.outputs = list(dict.fromkeys(j if o == k else o for o in h.outputs))
    h.outputs = [o for o in h.outputs if o != fg.INPUT] or ([j] if j != fg.INPUT else [])
    return fg.prune(h)


def _scale_channels(g: fg.Graph) -> fg.Graph:
    h = g.copy()
    c, hh, w = h.in_shape
    h.in_shape = (max(1, (c + 1) // 2), hh, w)
    for node in h.nodes:
        if node.op in ("conv", "gemm", "matmul") and "out" in node.attrs:
            node.attrs["out"] = max(1, (node.attrs["out"] + 1) // 2)
            gr = node.attrs.get("group", 1)
            if gr > 1 and node.attrs["out"] % gr:
                node.attrs["out"] = max(gr, -(-node.attrs["out"] // gr) * gr)
    return h


def _valid(g: fg.Graph) -> bool:
    if not g.nodes or not g.outputs:
        return False
    try:
        fg.shapes(g)
    except fg.InvalidGraph:
        return False
    return True


def _size(g: fg.Graph) -> tuple[int, int, int, int]:
    """What the shrinker minimises, in this order: nodes, edges, work, optional features."""
    features = sum(bool(n.attrs.get(k)) for n in g.nodes for k in ("bn", "bias", "ceil", "count_include_pad"))
    features += sum(max(n.attrs.get("d", (1, 1))) > 1 for n in g.nodes)
    return (len(g.nodes), sum(len(n.inputs) for n in g.nodes), fg.macs(g) + int(np.prod(g.in_shape)), features)


def shrink(g: fg.Graph, kind: str, failing: list[str], builds: list[Build], work: Path, n_calib: int,
           n_test: int, budget: float, log=None) -> tuple[fg.Graph, Outcome, int]:
    """Greedy reduction of g while the same kind of failure shows on one of the `failing` builds."""
    sub = [] if kind == "crash" else ([b for b in builds if b.name in failing] or builds)  # a crash needs no C
    t_end = time.perf_counter() + budget
    best, best_out, steps = g, None, 0
    seen: set[str] = set()
    progress = True
    while progress and time.perf_counter() < t_end:
        progress = False
        for why, cand in _candidates(best):
            if time.perf_counter() >= t_end:
                break
            if not _valid(cand) or _size(cand) >= _size(best):
                continue
            key = fg.describe(cand)
            if key in seen:
                continue
            seen.add(key)
            try:
                out = check_graph(cand, work / "shrink", sub, n_calib, n_test, stop_at_first=True)
            except Exception:  # noqa: BLE001 - e.g. an ONNX checker complaint about a variant
                continue
            if out.status == kind:
                best, best_out, steps = cand, out, steps + 1
                if log:
                    log(f"  shrink: {why}: {len(best.nodes)} nodes, {fg.macs(best)} MACs, input {best.in_shape}")
                progress = True
                break
    return best, best_out, steps


# --------------------------------------------------------------------------- driver


def default_builds(args) -> list[Build]:
    cc = tuple((args.cc or os.environ.get("CC", "cc")).split())
    builds = [Build(f"{cc[-1]} {f}", cc, tuple(f.split())) for f in args.flags.split(",") if f.strip()]
    if not args.no_sanitize:
        builds.append(Build(f"{cc[-1]} -O1 asan+ubsan", cc, tuple(SANITIZE), sanitize=True))
    cc2 = resolve_cc2(args.cc2)
    if cc2:
        builds.append(Build(f"{'zig cc' if 'ziglang' in cc2 else cc2[-1]} -O2", cc2, ("-O2",)))
    if not args.no_avx2 and host_has_avx2():
        builds.append(Build(f"{cc[-1]} -O2 -mavx2", cc, ("-O2", "-mavx2")))
    if args.perturb:
        builds = [Build(b.name, b.cc, (*b.flags, "-DFUZZ_PERTURB"), b.sanitize) for b in builds]
    return builds


def resolve_cc2(spec: str) -> tuple[str, ...] | None:
    if spec == "none":
        return None
    if spec in ("auto", "clang") and shutil.which("clang"):
        return ("clang",)
    if spec in ("auto", "zig"):
        try:
            import ziglang  # noqa: F401

            return (sys.executable, "-m", "ziglang", "cc")
        except ImportError:
            return None
    if spec not in ("auto", "clang", "zig") and shutil.which(spec.split()[0]):
        return tuple(spec.split())
    return None


def host_has_avx2() -> bool:
    try:
        return " avx2 " in Path("/proc/cpuinfo").read_text().replace("\n", " ")
    except OSError:
        return False


def fuzz_one(seed: int, args, builds: list[Build]) -> dict:
    """Generate, check and (on failure) shrink and save graph `seed`; returns a report row."""
    global NO_OPAQUE, ROUNDING, SIGNED, WEIGHTS, WIDE_OUTPUTS, WIDE_LAYERS
    NO_OPAQUE, ROUNDING, SIGNED, WEIGHTS = args.no_opaque, args.rounding, args.signed, args.weights
    WIDE_OUTPUTS, WIDE_LAYERS = args.wide_outputs, args.wide_layers
    t0, cpu0 = time.perf_counter(), _cpu()
    g = fg.generate(seed, args.max_macs, args.max_params, args.max_blocks)
    ops, mac = fg.op_names(g), fg.macs(g)
    tmp = Path(tempfile.mkdtemp(prefix=f"fuzz-{seed}-", dir=args.tmp))
    work = tmp / "case"
    notes: list[str] = []
    try:
        saved = ""
        try:
            out = check_graph(g, work, builds, args.calib, args.test)
        except Exception as e:  # noqa: BLE001 - a bug of the fuzzer (graph or data), not of qcomp
            out = Outcome("fuzzer", f"{type(e).__name__}: {_one_line(e)}")
            notes.append("  " + traceback.format_exc().strip().replace("\n", "\n  "))
        if out.status in FAILURES:
            saved = save_failure(seed, g, out, builds, tmp, args, notes)
        elif args.keep:
            dest = Path(args.out) / f"seed-{seed}"
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(work, dest)
            (dest / "spec.txt").write_text(fg.describe(g) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"seed": seed, "ops": ops, "macs": mac, "nodes": len(g.nodes), "outputs": len(g.outputs),
            "status": out.status, "detail": out.detail, "saved": saved, "notes": notes,
            "seconds": time.perf_counter() - t0, "cpu": _cpu() - cpu0, "in_shape": g.in_shape}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the compilers and programs)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def save_failure(seed: int, g: fg.Graph, out: Outcome, builds: list[Build], tmp: Path, args, notes) -> str:
    dest = Path(args.out) / f"seed-{seed}"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy(tmp / "case" / "model.onnx", dest / "original.onnx")
    (dest / "original_spec.txt").write_text(fg.describe(g) + "\n")
    small, s_out, steps = shrink(g, out.status, out.failing, builds, tmp, args.calib, args.test,
                                 args.shrink_budget, log=notes.append)
    small_out = s_out or out
    notes.append(f"  shrunk in {steps} steps to {len(small.nodes)} nodes, {fg.macs(small)} MACs, "
                 f"input {small.in_shape}")
    final = dest / "case"
    res = check_graph(small, final, [] if out.status == "crash" else
                      ([b for b in builds if b.name in small_out.failing] or builds), args.calib, args.test)
    for name in ("model.onnx", "calib.npy", "test.npy", "out.c", "out.h", "harness.c", "crash.txt"):
        if (final / name).exists():
            shutil.copy(final / name, dest / name)
    shutil.rmtree(final, ignore_errors=True)
    (dest / "spec.txt").write_text(fg.describe(small) + "\n")
    flags = ",".join(b.flags[0] if len(b.flags) == 1 else " ".join(b.flags) for b in builds
                     if b.name in small_out.failing)
    opts = "".join(f" {o}" for o, on in (("--perturb", args.perturb), ("--no-opaque", args.no_opaque)) if on)
    opts += f" --rounding {args.rounding}" if args.rounding else ""
    opts += " --signed" if args.signed else ""
    opts += f" --weights {args.weights}" if args.weights else ""
    gen_opts = opts + "".join(f" --{k.replace('_', '-')} {getattr(args, k)}" for k, d in
                              (("max_macs", 30_000_000), ("max_params", 400_000), ("max_blocks", 6),
                               ("calib", 4), ("test", 3)) if getattr(args, k) != d)
    (dest / "README").write_text(
        f"fuzz_c seed {seed}: {out.status}: {out.detail}\n"
        f"minimal reproducer ({res.status}: {res.detail}):\n"
        f"  python bench/fuzz_c.py --replay {dest}{opts}\n"
        f"  # or: qcomp --pipeline int8_fpga {dest}/model.onnx --calib {dest}/calib.npy -o out.c\n"
        + (f"failing builds: {', '.join(small_out.failing)} ({flags})\n" if small_out.failing else
           "qcomp itself fails (no C build involved)\n")
        + f"original graph: original.onnx, original_spec.txt; regenerate with "
        f"python bench/fuzz_c.py --seed {seed} --count 1{gen_opts}\n")
    return str(dest)


def line_for(row: dict) -> str:
    ops = ",".join(row["ops"])
    res = row["status"] if row["status"] == "ok" else f"{row['status'].upper()}: {row['detail']}"
    if row["status"] == "rejected":
        res = f"rejected: {row['detail']}"
    text = (f"seed {row['seed']}: {row['nodes']} nodes, {row['outputs']} out, input {'x'.join(map(str, row['in_shape']))}, "
            f"{row['macs'] / 1e6:.2f}M MACs, {row['seconds']:.1f} s (cpu {row['cpu']:.1f} s): {res} [{ops}]")
    if row["notes"]:
        text += "\n" + "\n".join(row["notes"])
    if row["saved"]:
        text += f"\n  saved {row['saved']} (README: the command that reproduces it)"
    return text


def reason_key(detail: str) -> str:
    """A rejection message with names and numbers blanked, for counting by reason."""
    op = re.search(r"'([A-Za-z]+)_\d+[a-z]?'", detail)
    text = re.sub(r"'[^']*'", "'*'", detail)
    text = re.sub(r"-?\d+(\.\d+)?", "N", text)
    return f"{op.group(1) + ': ' if op else ''}{text[:110]}"


def summary(rows: list[dict], seconds: float) -> str:
    c = Counter(r["status"] for r in rows)
    reasons = Counter(reason_key(r["detail"]) for r in rows if r["status"] == "rejected")
    why = "; ".join(f"{n}x {k}" for k, n in reasons.most_common(6))
    cpu = sum(r["cpu"] for r in rows)
    fuzzer = f", {c['fuzzer']} fuzzer errors" if c["fuzzer"] else ""
    return (f"fuzz_c: {len(rows)} graphs, {c['mismatch']} mismatches, {c['sanitizer']} sanitizer reports, "
            f"{c['build'] + c['run']} build/run failures, {c['crash']} compiler crashes, "
            f"{c['rejected']} rejected by the compiler{f' ({why})' if why else ''}{fuzzer} in {seconds:.1f} s "
            f"(cpu {cpu:.0f} s, {cpu / max(len(rows), 1):.1f} s per graph)")


def replay(args, builds: list[Build]) -> int:
    import onnx

    d = Path(args.replay)
    model = onnx.load(str(d / "model.onnx"))
    calib, test = np.load(d / "calib.npy"), np.load(d / "test.npy")
    work = Path(tempfile.mkdtemp(prefix="fuzz-replay-", dir=args.tmp))
    out = run_case(model, calib, test, work, builds)
    print(f"replay {d}: {out.status}{': ' + out.detail if out.detail else ''} ({out.seconds:.1f} s)")
    if out.failing:
        print(f"  failing builds: {', '.join(out.failing)}")
    if args.keep:
        print(f"  work files kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if out.status in FAILURES else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1, help="first graph seed (default 1)")
    ap.add_argument("--count", type=int, default=10, help="number of graphs: seeds SEED..SEED+COUNT-1")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help=f"where failures are saved (default {DEFAULT_OUT})")
    ap.add_argument("--keep", action="store_true", help="also save passing cases (model, data, C) under --out")
    ap.add_argument("--flags", default="-O0,-O2,-O3,-Os",
                    help="comma-separated optimisation flags for --cc (default -O0,-O2,-O3,-Os)")
    ap.add_argument("--cc", help="host compiler (default $CC or cc)")
    ap.add_argument("--cc2", default="auto",
                    help="second compiler at -O2: clang, zig (python -m ziglang cc), a command, or none "
                         "(default auto: clang, else zig)")
    ap.add_argument("--no-sanitize", action="store_true", help="skip the ASan+UBSan build")
    ap.add_argument("--no-avx2", action="store_true", help="skip the -O2 -mavx2 build (run only on AVX2 hosts)")
    ap.add_argument("--jobs", "-j", type=int, default=min(2, os.cpu_count() or 1), help="graphs in parallel (default 2)")
    ap.add_argument("--time-budget", type=float, help="start no new graph after this many seconds")
    ap.add_argument("--max-macs", type=int, default=30_000_000, help="MAC bound per graph (default 30M)")
    ap.add_argument("--max-params", type=int, default=400_000, help="weight bound per graph (default 400k)")
    ap.add_argument("--max-blocks", type=int, default=6,
                    help="at most this many blocks before the head, each possibly repeated (default 6)")
    ap.add_argument("--calib", type=int, default=4, help="calibration samples per graph (default 4)")
    ap.add_argument("--test", type=int, default=3, help="test samples per graph (default 3)")
    ap.add_argument("--shrink-budget", type=float, default=600, help="seconds to shrink one failure (default 600)")
    ap.add_argument("--replay", metavar="DIR", help="check DIR/model.onnx on DIR/calib.npy, DIR/test.npy")
    ap.add_argument("--tmp", help="folder for temporary work files (default the system's)")
    ap.add_argument("--quiet", "-q", action="store_true", help="print only failures and the summary")
    ap.add_argument("--perturb", action="store_true",
                    help="negative control: flip one bit of output 0 in the harness (every graph must fail)")
    ap.add_argument("--rounding", choices=("half-up", "half-even"),
                    help="the target's tie rule (default the pipeline's own: half-up)")
    ap.add_argument("--weights", choices=("per-tensor", "per-channel"),
                    help="the target's weight granularity (default the pipeline's own: per-tensor)")
    ap.add_argument("--signed", action="store_true",
                    help="signed int8 activations only (pot-scale{unsigned=false}; the shipped pipelines store "
                         "non-negative activations as uint8)")
    ap.add_argument("--wide-outputs", action="store_true",
                    help="mixed precision: int16 graph outputs, int8 elsewhere (pot-scale{wide-outputs=true})")
    ap.add_argument("--wide-layers", action="store_true",
                    help="mixed precision: every inner layer's result in int16 (the `wide` attribute widen-layers "
                         "sets), int64 accumulators where int32 does not do (target accumulator_bits 64)")
    ap.add_argument("--no-opaque", action="store_true",
                    help="negative control: define QC_OPAQUE(p) as nothing, re-exposing the gcc 12.2 IPA-CP "
                         "miscompile the backend avoids (docs/c-backend.md)")
    args = ap.parse_args(argv)
    global NO_OPAQUE, ROUNDING, SIGNED, WEIGHTS, WIDE_OUTPUTS, WIDE_LAYERS
    NO_OPAQUE, ROUNDING, SIGNED, WEIGHTS = args.no_opaque, args.rounding, args.signed, args.weights
    WIDE_OUTPUTS, WIDE_LAYERS = args.wide_outputs, args.wide_layers
    builds = default_builds(args)
    if args.replay:
        return replay(args, builds)
    t0 = time.perf_counter()
    import qcomp

    print(f"fuzz_c: seeds {args.seed}..{args.seed + args.count - 1}, qcomp from {Path(qcomp.__file__).parent}, "
          f"builds: {'; '.join(b.name for b in builds)}", flush=True)
    seeds = list(range(args.seed, args.seed + args.count))
    rows: list[dict] = []

    def report(row: dict) -> None:
        rows.append(row)
        if not args.quiet or row["status"] != "ok":
            print(line_for(row), flush=True)

    def out_of_time() -> bool:
        return args.time_budget is not None and time.perf_counter() - t0 > args.time_budget

    def on_term(signum, frame):  # a campaign stopped with kill still prints its summary
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        if args.jobs <= 1:
            for s in seeds:
                if out_of_time():
                    break
                report(fuzz_one(s, args, builds))
        else:
            with ProcessPoolExecutor(args.jobs) as pool:
                pending: dict = {}
                done: dict[int, dict] = {}
                nxt = 0
                it = iter(seeds)
                while True:
                    while len(pending) < args.jobs and not out_of_time():
                        s = next(it, None)
                        if s is None:
                            break
                        pending[pool.submit(fuzz_one, s, args, builds)] = s
                    if not pending:
                        break
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        done[pending.pop(f)] = f.result()
                    while nxt < len(seeds) and seeds[nxt] in done:  # print in seed order
                        report(done.pop(seeds[nxt]))
                        nxt += 1
                for s in sorted(done):
                    report(done[s])
    except KeyboardInterrupt:
        print("fuzz_c: interrupted", flush=True)
    print(summary(rows, time.perf_counter() - t0), flush=True)
    return 1 if any(r["status"] in (*FAILURES, "fuzzer") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
