# REQUIRES: onnxruntime
# RUN: %python %s %repo | filecheck %s
"""The float executor agrees with onnxruntime on every committed model, on every test sample.

For each models/*/*.onnx: import with `qcomp.frontend.onnx_import.import_model`, run
`QuantExecutor` batched on the whole digits test split, run onnxruntime sample by sample
(the models have a fixed batch of 1), and compare per sample:

    rel_err(i) = max|y_i - ort_i| / max|ort_i|        (y_i: all outputs of sample i)

Every sample must have rel_err <= 1e-4. The line per model also gives the top-1 agreement
and whether any op fell back to per-sample execution.
"""

import glob
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

from qcomp.executors.quant import QuantExecutor
from qcomp.frontend.onnx_import import import_model
from qcomp.testing import fail, verdict

TOL = 1e-4
repo = sys.argv[1]
x = np.load(os.path.join(repo, "models", "digits", "test_x.npy"))
paths = sorted(glob.glob(os.path.join(repo, "models", "lenet", "*.onnx")) + glob.glob(os.path.join(repo, "models", "resnet", "*.onnx")))  # the digit models
print(f"{len(paths)} models, {len(x)} samples")
failed = 0
for path in paths:
    name = os.path.relpath(path, os.path.join(repo, "models"))
    model = onnx.load(path)
    t0 = time.perf_counter()
    ex = QuantExecutor(import_model(model))
    t1 = time.perf_counter()
    ours = ex.run([x])
    t2 = time.perf_counter()
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = sess.get_inputs()[0].name
    refs = [sess.run(None, {feed: x[i : i + 1]}) for i in range(len(x))]
    t3 = time.perf_counter()
    errs = []
    for i, ref in enumerate(refs):
        num = max(float(np.max(np.abs(o[i : i + 1] - r))) for o, r in zip(ours, ref))
        den = max(float(np.max(np.abs(r))) for r in ref)
        errs.append(num / den if den > 0 else num)
    errs = np.array(errs)
    top1 = float(np.mean(np.argmax(ours[0], 1) == np.concatenate([r[0] for r in refs]).argmax(1)))
    ok = bool(np.all(errs <= TOL)) and ours[0].shape[0] == len(x)
    failed += not ok
    fallback = ",".join(op.name for op in ex.per_sample_ops) or "none"
    print(f"{name}: {verdict(ok)} max_rel_err={errs.max():.2e} mean_rel_err={errs.mean():.2e} "
          f"worst_sample={int(errs.argmax())} top1_agree={top1:.4f} per_sample_ops={fallback} "
          f"build={t1 - t0:.2f}s run={t2 - t1:.3f}s ort={t3 - t2:.3f}s")
print("all ok" if failed == 0 and paths else fail(f"FAILED: {failed} of {len(paths)} models"))
# (models print in sorted path order; "all ok" only when no model failed)
# CHECK: models, 400 samples
# CHECK: lenet/lenet.onnx: ok
# CHECK: lenet/lenet_dynamo.onnx: ok
# CHECK: resnet/resnet.onnx: ok
# CHECK: resnet/resnet_dynamo.onnx: ok
# CHECK: all ok
