"""Hash the C of every committed model: proof that a refactor leaves the generated C byte-identical.

    python scripts/c_bytes.py > before.txt      # on the old tree (or an install of it)
    python scripts/c_bytes.py > after.txt       # on the new one
    diff before.txt after.txt                   # empty: the same C bytes

Each line: `<model> <sha256 of OUT.c> <sha256 of OUT.h>` for `qcomp --pipeline int8_fpga
MODEL --calib models/digits/calib.npy -o <tmp>/out.c` (the digit models) and the models of
models/repro with their own calibration data. The output names are fixed, so the include
line is the same in both runs. Uses whatever `qcomp` the running Python imports.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("lenet/lenet.onnx", "digits/calib.npy"), ("lenet/lenet_dynamo.onnx", "digits/calib.npy"),
    ("resnet/resnet.onnx", "digits/calib.npy"), ("resnet/resnet_dynamo.onnx", "digits/calib.npy"),
    ("repro/fire_concat.onnx", "repro/fire_calib.npy"), ("repro/preact_bn.onnx", "repro/affine_calib.npy"),
    ("repro/paddle_hswish.onnx", "repro/affine_calib.npy"), ("repro/norm_pad.onnx", "repro/norm_calib.npy"),
]


def main() -> int:
    from qcomp.cli import main as qcomp

    with tempfile.TemporaryDirectory(prefix="qcomp-bytes-") as tmp:
        out = Path(tmp) / "out.c"
        for model, calib in CASES:
            if not (ROOT / "models" / model).exists():
                print(f"{model} missing")
                continue
            rc = qcomp(["-q", "--pipeline", "int8_fpga", str(ROOT / "models" / model), "--calib",
                        str(ROOT / "models" / calib), "-o", str(out)])
            if rc:
                print(f"{model} failed")
                continue
            hc = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
            hh = hashlib.sha256(out.with_suffix(".h").read_bytes()).hexdigest()[:16]
            print(f"{model} {hc} {hh}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
