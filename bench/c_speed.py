"""Speed of qcomp's generated C against onnxruntime (int8 QDQ and float), batch 1, one thread.

    python bench/c_speed.py [--runs 300] [--no-callgrind] [--models lenet,cifar_resnet] [--quick]

For every committed model and a CIFAR-sized ResNet (3x32x32 input, ~27 MMACs, random
He-scaled weights built with onnx.helper, calibrated on random normal data):

* C: `qcomp --pipeline int8_fpga` -> out.c, built with `cc -O3 -march=native` together with
  a timing main that calls `model_forward` `--runs` times in one process (after a warm-up)
  and reports the median latency; GMAC/s from the kernels' MAC counts;
* instructions per inference of the C with `valgrind --tool=callgrind` (the steady figure:
  (Ir of 10 inferences - Ir of 0) / 10), built `-O3 -march=x86-64-v3` (AVX2, the kernels'
  `__AVX2__` path): valgrind cannot decode the AVX-512 that `-march=native` may emit. When
  valgrind is missing or fails, the column is n/a and a line on stderr says why;
* onnxruntime float and onnxruntime int8 (`quantize_static`, QDQ, int8 activations and
  weights, same calibration data), `intra_op_num_threads=1`, median of `--runs` runs;
* `arm-none-eabi-size` text/data/bss of the Cortex-M4 object (`-mcpu=cortex-m4 -mthumb -O2`).

Prints one table; the ratio columns are C latency / onnxruntime latency (< 1: C faster).
This prints figures; it is not a timed test. `--quick` (for scripts/check_readme.py) runs
two models with few runs: the same code paths in a fraction of the time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "bench" / "build" / "c_speed"
MODELS = ROOT / "models"
TIMING_CFLAGS = ["-std=c99", "-O3", "-march=native"]
CALLGRIND_CFLAGS = ["-std=c99", "-O3", "-march=x86-64-v3"]
"""valgrind decodes AVX2 but not AVX-512 (which -march=native emits on such hosts): callgrind runs an x86-64-v3 build."""
DEFAULT_MODELS = "lenet,lenet_dynamo,resnet,resnet_dynamo,cifar_resnet"
QUICK_MODELS, QUICK_RUNS = "lenet,cifar_resnet", 20

TIMING_MAIN = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "out.h"

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    static int8_t in[MODEL_IN0_SIZE], out[MODEL_OUT0_SIZE];
    const int runs = argc > 1 ? atoi(argv[1]) : 100;
    const int warm = argc > 2 ? atoi(argv[2]) : 10;
    double *t = malloc(sizeof(double) * (size_t)(runs > 0 ? runs : 1));
    int checksum = 0;
    for (int i = 0; i < MODEL_IN0_SIZE; ++i) {
        in[i] = (int8_t)((i * 37) % 200 - 100);
    }
    for (int i = 0; i < warm; ++i) {
        model_forward(in, out);
    }
    for (int r = 0; r < runs; ++r) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        model_forward(in, out);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[r] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
        checksum += out[0];
    }
    if (runs > 0) {
        qsort(t, (size_t)runs, sizeof t[0], cmp);
        printf("median_us %.3f checksum %d\n", t[runs / 2] * 1e6, checksum);
    }
    free(t);
    return 0;
}
"""


# --------------------------------------------------------------------------- the CIFAR-sized model


def make_cifar_resnet(path: Path, seed: int = 0) -> Path:
    """A ResNet-14-style CIFAR model: 3x32x32 -> stem 16 -> 3 stages x 2 basic blocks (16/32/64) -> GAP -> FC 10."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, inits = [], []

    def conv(x: str, cin: int, cout: int, k: int, s: int, name: str, relu: bool = True) -> str:
        w = (rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))).astype(np.float32)
        b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, name + ".w"), numpy_helper.from_array(b, name + ".b")])
        p = k // 2
        nodes.append(helper.make_node("Conv", [x, name + ".w", name + ".b"], [name], name=name,
                                      pads=[p] * 4, strides=[s, s], kernel_shape=[k, k]))
        if relu:
            nodes.append(helper.make_node("Relu", [name], [name + ".relu"], name=name + "_relu"))
            return name + ".relu"
        return name

    x = conv("input", 3, 16, 3, 1, "stem")
    cin = 16
    for si, (c, s) in enumerate([(16, 1), (32, 2), (64, 2)]):
        for bi in range(2):
            st = s if bi == 0 else 1
            n = f"s{si}b{bi}"
            y = conv(x, cin, c, 3, st, n + "c1")
            y = conv(y, c, c, 3, 1, n + "c2", relu=False)
            sc = x if (st == 1 and cin == c) else conv(x, cin, c, 1, st, n + "sc", relu=False)
            nodes.append(helper.make_node("Add", [y, sc], [n + "add"], name=n + "add"))
            nodes.append(helper.make_node("Relu", [n + "add"], [n + "out"], name=n + "relu"))
            x, cin = n + "out", c
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1))
    inits.append(numpy_helper.from_array((rng.standard_normal((10, 64)) * 0.1).astype(np.float32), "fc.w"))
    inits.append(numpy_helper.from_array(np.zeros(10, np.float32), "fc.b"))
    nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(nodes, "cifar_resnet", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                                    [1, 3, 32, 32])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


# --------------------------------------------------------------------------- measurements


def compile_c(model: Path, calib: Path, out_dir: Path) -> tuple[Path, int]:
    """qcomp -> out.c; returns (out.c, MACs per inference)."""
    from qcomp.backend.c_emitter import emit_c_files
    from qcomp.cli import prepare_passes, run_passes
    from qcomp.dialects import emitc as ec
    from qcomp.frontend.onnx_import import import_onnx_file

    out_dir.mkdir(parents=True, exist_ok=True)
    args = argparse.Namespace(pipeline="int8_fpga", calib=str(calib), print_ir_after_all=False,
                              full_constants=False, quiet=True)
    module = import_onnx_file(str(model))
    run_passes(args, prepare_passes(args), module)
    files = emit_c_files(module, out_dir / "out.c")
    for p, text in files.items():
        p.write_text(text)
    macs = sum(k.macs.data for k in module.ops if isinstance(k, ec.KernelOp) and k.macs is not None)
    return out_dir / "out.c", macs


def build_bench(out_c: Path, exe: Path, cflags: list[str]) -> Path:
    """out.c + the timing main -> `exe`."""
    d = out_c.parent
    (d / "bench_main.c").write_text(TIMING_MAIN)
    subprocess.run(["cc", *cflags, f"-I{d}", str(out_c), str(d / "bench_main.c"), "-o", str(exe)], check=True)
    return exe


def c_latency(out_c: Path, runs: int) -> float:
    exe = build_bench(out_c, out_c.parent / "bench", TIMING_CFLAGS)
    r = subprocess.run([str(exe), str(runs), "20"], check=True, capture_output=True, text=True)
    m = re.search(r"median_us ([0-9.]+)", r.stdout)
    if m is None:
        raise RuntimeError(f"{exe} printed no median_us line: {r.stdout!r}")
    return float(m.group(1))


def callgrind_instructions(out_c: Path, name: str) -> float | None:
    """Instructions per inference under callgrind (an x86-64-v3 build); None, said on stderr, if it cannot run."""
    if not shutil.which("valgrind"):
        print(f"{name}: callgrind skipped: valgrind not found (install it, or pass --no-callgrind)",
              file=sys.stderr, flush=True)
        return None
    try:
        exe = build_bench(out_c, out_c.parent / "bench_callgrind", CALLGRIND_CFLAGS)
    except subprocess.CalledProcessError:
        print(f"{name}: callgrind skipped: cc cannot build with {' '.join(CALLGRIND_CFLAGS)}",
              file=sys.stderr, flush=True)
        return None

    def total(runs: int) -> int:
        out = exe.parent / f"callgrind.{runs}.out"
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", str(exe), str(runs), "0"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            why = next((ln for ln in r.stderr.splitlines() if "unhandled instruction" in ln or "SIGILL" in ln),
                       f"exit status {r.returncode}")
            raise RuntimeError(f"valgrind failed: {why.lstrip('=0123456789 ')}")
        for line in out.read_text().splitlines():
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
        raise RuntimeError("valgrind wrote no callgrind summary")

    try:
        return (total(10) - total(0)) / 10
    except RuntimeError as e:
        print(f"{name}: callgrind skipped: {e}", file=sys.stderr, flush=True)
        return None


def ort_latencies(model: Path, calib: np.ndarray, runs: int, work: Path) -> tuple[float | None, float | None]:
    """Median latency (us) of onnxruntime float and static int8 QDQ, one thread."""
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    except ImportError:
        return None, None

    name = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).get_inputs()[0].name

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter([{name: calib[i : i + 1]} for i in range(len(calib))])

        def get_next(self):
            return next(self.it, None)

    qpath = work / "model_int8_qdq.onnx"
    import logging

    logging.getLogger().setLevel(logging.ERROR)
    quantize_static(str(model), str(qpath), Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)

    def median(path: Path) -> float:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        x = {name: calib[:1]}
        for _ in range(20):
            sess.run(None, x)
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter()
            sess.run(None, x)
            ts.append(time.perf_counter() - t0)
        return float(np.median(ts) * 1e6)

    return median(model), median(qpath)


def arm_size(out_c: Path) -> str:
    if not shutil.which("arm-none-eabi-gcc"):
        return "n/a"
    obj = out_c.with_suffix(".m4.o")
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-std=c99", "-c", str(out_c),
                    "-o", str(obj)], check=True)
    r = subprocess.run(["arm-none-eabi-size", str(obj)], check=True, capture_output=True, text=True)
    text, data, bss = r.stdout.splitlines()[1].split()[:3]
    return f"{text}/{data}/{bss}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=None, help="timed runs per model (default 300)")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--models", default=None, help=f"comma-separated (default {DEFAULT_MODELS})")
    ap.add_argument("--quick", action="store_true",
                    help=f"a quick run: --models {QUICK_MODELS} --runs {QUICK_RUNS} unless given")
    args = ap.parse_args(argv)
    args.runs = args.runs if args.runs is not None else QUICK_RUNS if args.quick else 300
    args.models = args.models or (QUICK_MODELS if args.quick else DEFAULT_MODELS)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    digits = np.load(MODELS / "digits" / "calib.npy").astype(np.float32)
    cifar_calib = np.random.default_rng(1).standard_normal((64, 3, 32, 32)).astype(np.float32)
    BUILD.mkdir(parents=True, exist_ok=True)
    np.save(BUILD / "cifar_calib.npy", cifar_calib)
    rows = []
    for name in args.models.split(","):
        if name == "cifar_resnet":
            model = make_cifar_resnet(BUILD / "cifar_resnet.onnx")
            calib_path, calib = BUILD / "cifar_calib.npy", cifar_calib
        else:
            model = MODELS / name.split("_")[0] / f"{name}.onnx"
            calib_path, calib = MODELS / "digits" / "calib.npy", digits
        work = BUILD / name
        out_c, macs = compile_c(model, calib_path, work)
        c_us = c_latency(out_c, args.runs)
        ir = None if args.no_callgrind else callgrind_instructions(out_c, name)
        f_us, q_us = ort_latencies(model, calib, args.runs, work)
        rows.append((name, macs, c_us, ir, f_us, q_us, arm_size(out_c)))
        print(f"{name}: done", file=sys.stderr, flush=True)
    head = (f"{'model':<15}{'MMAC':>8}{'C us':>10}{'GMAC/s':>8}{'C Minstr':>10}{'ORT f32 us':>12}"
            f"{'ORT i8 us':>11}{'C/i8':>7}{'C/f32':>7}  {'M4 text/data/bss':>18}")
    print(head)
    print("-" * len(head))
    for name, macs, c_us, ir, f_us, q_us, size in rows:
        def ratio(v, c_us=c_us):
            return f"{c_us / v:.2f}" if v else "n/a"

        ir_s = f"{ir / 1e6:.3f}" if ir else "n/a"
        f_s = f"{f_us:.1f}" if f_us else "n/a"
        q_s = f"{q_us:.1f}" if q_us else "n/a"
        print(f"{name:<15}{macs / 1e6:>8.3f}{c_us:>10.1f}{macs / c_us / 1e3:>8.2f}{ir_s:>10}{f_s:>12}{q_s:>11}"
              f"{ratio(q_us):>7}{ratio(f_us):>7}  {size:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
