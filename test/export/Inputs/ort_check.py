"""Check an exported ONNX model (`qcomp --emit onnx-qdq|onnx-qop`) and run it with onnxruntime.

    ort_check.py OUT.onnx [OUT2.onnx ...] --model MODEL.onnx --pipeline P --calib CALIB.npy --test-x X.npy [--limit N]
                 [--min-top1 0.99]

For each exported file (`== NAME` first when there are several): runs onnx.checker (full_check),
prints the opsets, every node (name: op type) and the op counts, then runs the model with onnxruntime (CPU, one thread, `qcomp.export.ORT_CONFIG`) on the test samples and compares its first
output with the shift executor of the same pipeline (`qcomp.backend.check.shift_module`):

    agreement: top-1 400/400 (1.0000), max 1 LSB, 10.37% of 4000 values differ
    half-even: 0 of 4000 values differ (max 0 LSB)

`half-even` compares with the shift executor of the same quant module lowered with the target's
`rounding: half-even` (onnxruntime's tie rule; bench/export_agreement.py): 0 means onnxruntime
computes what qcomp computes but for ties. A pipeline whose target already rounds half to even
gets the same figures on both lines.
Exits 1 when the top-1 agreement of any file is below --min-top1.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository, for bench/

from bench.export_agreement import quant_and_shift  # noqa: E402
from qcomp.backend.check import shift_module  # noqa: E402
from qcomp.dialects import quant as q  # noqa: E402
from qcomp.export import ort_session_options  # noqa: E402
from qcomp.executors.shift import ShiftExecutor, quantize_input, storage_dtype  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("onnx_files", nargs="+")
ap.add_argument("--model", required=True)
ap.add_argument("--pipeline", default="int8_fpga")
ap.add_argument("--calib", required=True)
ap.add_argument("--test-x", required=True)
ap.add_argument("--limit", type=int)
ap.add_argument("--min-top1", type=float, default=0.99)
args = ap.parse_args()

module = shift_module(args.model, args.pipeline, args.calib)
ex = ShiftExecutor(module)
x = np.load(args.test_x).astype(np.float32)[: args.limit]
n = len(x)
arg_t = ex.args[0].type
ref = np.asarray(ex.run([quantize_input(x, arg_t, ex.rounding)])[0]).reshape(n, -1).astype(np.int64)
even = ShiftExecutor(quant_and_shift(Path(args.model), Path(args.calib), ("half-even",), args.pipeline)["half-even"][1])
ref_even = np.asarray(even.run([quantize_input(x, arg_t, even.rounding)])[0]).reshape(n, -1).astype(np.int64)
ret = next(op for op in module.walk() if op.name == "func.return")
e_out = q.pot_of(ret.operands[0].type).exp

ok = True
for path in args.onnx_files:
    if len(args.onnx_files) > 1:
        print(f"== {Path(path).name}")
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print("checker: ok, opsets " + ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import))
    for node in model.graph.node:
        print(f"node {node.name}: {node.op_type}")
    print("ops: " + " ".join(f"{k}={v}" for k, v in sorted(Counter(nd.op_type for nd in model.graph.node).items())))
    print("inputs: " + ", ".join(f"{i.name} {onnx.helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type)}"
                                 for i in model.graph.input))
    print("outputs: " + ", ".join(f"{o.name} {onnx.helper.tensor_dtype_to_np_dtype(o.type.tensor_type.elem_type)}"
                                  for o in model.graph.output))

    sess = ort.InferenceSession(path, ort_session_options(), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    got = np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(n)]).reshape(n, -1)
    lsb = np.ldexp(got.astype(np.float64), -e_out)
    gq = np.rint(lsb).astype(np.int64)
    assert np.all(gq == lsb), "onnxruntime's output is not on the output grid"
    top = int(np.sum(gq.argmax(axis=1) == ref.argmax(axis=1)))
    print(f"agreement: top-1 {top}/{n} ({top / n:.4f}), max {int(np.abs(gq - ref).max())} LSB, "
          f"{100 * np.mean(gq != ref):.2f}% of {gq.size} values differ")
    print(f"half-even: {int(np.sum(gq != ref_even))} of {gq.size} values differ (max {int(np.abs(gq - ref_even).max())} LSB)")
    ok &= top / n >= args.min_top1
sys.exit(0 if ok else 1)
