"""Benchmark: how long `calibrate` takes (issue target: 32 samples of ResNet-18 in < 60 s).

    python bench/calibration_speed.py [--methods minmax,mse] [--quick]

For each committed model: 256 calibration samples (models/digits/calib.npy); for the
ResNet-18-shaped model (bench/build/resnet18.onnx, made by bench.models): 32 random
samples. Each model is imported and simplified/fused as int8_fpga does, then calibrated
with each method; the time of the calibrate pass alone is printed, with the whole
int8_fpga pipeline (to the shift level) once per model for reference. `--quick` (for
scripts/check_readme.py): minmax only (unless --methods is given) and 4 ResNet-18 samples.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.models import make_resnet18  # noqa: E402

MODELS = ["models/lenet/lenet.onnx", "models/resnet/resnet.onnx"]


def prepared(path: Path):
    """The imported model after simplify + fuse (the passes int8_fpga runs before calibrate)."""
    from qcomp.context import make_context
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.registry import get_pass

    module = import_onnx_file(str(path))
    for name in ("simplify", "fuse"):
        get_pass(name)().apply(make_context(), module)
    return module


def time_calibrate(path: Path, data: Path, method: str) -> float:
    from qcomp.context import make_context
    from qcomp.registry import get_pass

    module = prepared(path)
    t0 = time.perf_counter()
    get_pass("calibrate")(data=str(data), method=method).apply(make_context(), module)
    return time.perf_counter() - t0


def time_pipeline(path: Path, data: Path) -> float:
    from qcomp.context import make_context
    from qcomp.frontend.onnx_import import import_onnx_file
    from qcomp.pipeline import load_pipeline

    pipe = load_pipeline("int8_fpga")
    pipe.find("calibrate").options["data"] = str(data)
    t0 = time.perf_counter()
    module = import_onnx_file(str(path))
    for p in pipe.instantiate():
        if p.name not in ("lower-shift-to-emitc", "plan-memory"):  # to the shift level, as before
            p.apply(make_context(), module)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default=None, help="comma-separated (default minmax,percentile,mse,kl)")
    ap.add_argument("--quick", action="store_true", help="a quick run: minmax only, 4 ResNet-18 samples")
    args = ap.parse_args()
    methods = (args.methods or ("minmax" if args.quick else "minmax,percentile,mse,kl")).split(",")
    n_big = 4 if args.quick else 32
    with tempfile.TemporaryDirectory() as tmp:
        big = make_resnet18()
        big_data = Path(tmp) / f"calib{n_big}.npy"
        np.save(big_data, np.random.default_rng(0).standard_normal((n_big, 3, 224, 224)).astype(np.float32))
        cases = [(ROOT / m, ROOT / "models/digits/calib.npy", 256) for m in MODELS]
        cases.append((big, big_data, n_big))
        print(f"| model | samples | {' | '.join(methods)} | int8_fpga end to end |")
        print(f"|---|---|{'---|' * len(methods)}---|")
        for path, data, n in cases:
            times = [time_calibrate(path, data, m) for m in methods]
            total = time_pipeline(path, data)
            print(f"| {path.name} | {n} | {' | '.join(f'{t:.2f} s' for t in times)} | {total:.2f} s |", flush=True)
    print("target: ResNet-18 with 32 samples under 60 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
