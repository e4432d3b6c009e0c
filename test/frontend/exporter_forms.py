# RUN: %python %s %repo | filecheck %s
"""Every committed ONNX file imports: the exporter probes and the trained models.

Imports each `test/frontend/Inputs/*.onnx` and `models/*/*.onnx` (TorchScript and dynamo
exporters, several opsets) and prints its @main signature and non-constant ops, one per
line, without their operand types; the checks pin the exporter forms that matter: Clip
bounds from attributes (opset 9) and from constant inputs (opset >= 11), ReduceMean over
H, W as quant.global_avgpool, HardSwish as one op or as HardSigmoid * x, and the dynamic
batch `view` as one static quant.reshape. A file that fails to import fails the test.
"""

import glob
import os
import re
import sys

from xdsl.dialects.func import FuncOp

from qcomp.dialects.constants import elided_constants
from qcomp.errors import QcompError
from qcomp.frontend.onnx_import import import_onnx_file

repo = sys.argv[1]
paths = sorted(glob.glob(os.path.join(repo, "test", "frontend", "Inputs", "*.onnx")))
paths += sorted(glob.glob(os.path.join(repo, "models", "*", "*.onnx")))
failed = 0
for path in paths:
    rel = os.path.relpath(path, repo)
    try:
        module = import_onnx_file(path)
    except QcompError as e:
        print(f"FAILED {rel}: {e}")
        failed += 1
        continue
    with elided_constants(0):
        lines = str(module).splitlines()
    print(f"== {rel}: {next(op for op in module.walk() if isinstance(op, FuncOp)).function_type}")
    for line in lines:
        if re.match(r"\s*%\S+ = quant\.(?!constant)", line):
            print("  " + re.sub(r" : \(.*$", "", line.strip()))
print(f"imported {len(paths) - failed} of {len(paths)} files")
sys.exit(1 if failed or not paths else 0)

# CHECK-NOT: FAILED
# CHECK-LABEL: == test/frontend/Inputs/gap_reducemean.onnx: (tensor<1x3x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.global_avgpool %{{.*}} {node = "/ReduceMean"}
# CHECK-NEXT:    quant.flatten
# CHECK-LABEL: == test/frontend/Inputs/gap_reducemean_dynamo.onnx:
# CHECK:         quant.global_avgpool %{{.*}} {node = "node_mean"}
# CHECK-NEXT:    quant.reshape
# CHECK-LABEL: == test/frontend/Inputs/hardswish.onnx:
# CHECK:         %[[C:.*]] = quant.conv2d
# CHECK-NEXT:    %[[H:.*]] = quant.hard_sigmoid %[[C]] {node = "/acts.0/HardSigmoid", alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32}
# CHECK-NEXT:    quant.mul %[[C]], %[[H]]
# CHECK-LABEL: == test/frontend/Inputs/hardswish_dynamo.onnx:
# CHECK:         quant.hard_swish
# CHECK-LABEL: == test/frontend/Inputs/relu6_clip.onnx:
# CHECK:         quant.clip %{{.*}} {node = "/act/Clip", min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
# CHECK-LABEL: == test/frontend/Inputs/relu6_clip_dynamo.onnx:
# CHECK:         quant.clip %{{.*}} {node = "{{.*}}", min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
# CHECK-LABEL: == test/frontend/Inputs/relu6_clip_op11.onnx:
# CHECK:         quant.clip %{{.*}} {node = "/act/Clip", min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
# CHECK-LABEL: == test/frontend/Inputs/relu6_clip_op9.onnx:
# CHECK:         quant.clip %{{.*}} {node = "/act/Clip", min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
# CHECK-LABEL: == test/frontend/Inputs/view_reshape_dynbatch.onnx: (tensor<1x3x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.maxpool
# CHECK-NEXT:    quant.reshape %{{.*}} {node = "/Reshape"}
# CHECK-NEXT:    quant.gemm
# CHECK-LABEL: == test/frontend/Inputs/view_reshape_dynbatch_dynamo.onnx: (tensor<1x3x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.maxpool
# CHECK-NEXT:    quant.reshape
# CHECK-NEXT:    quant.gemm
# CHECK-LABEL: == models/lenet/lenet.onnx: (tensor<1x1x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.conv2d %{{.*}} {node = "/conv1/Conv", pads = array<i64: 1, 1, 1, 1>}
# CHECK-NEXT:    quant.batch_norm
# CHECK:         quant.reshape %{{.*}} {node = "/Reshape"}
# CHECK-NEXT:    quant.gemm %{{.*}} {node = "/fc1/Gemm", trans_b = 1 : i64}
# CHECK-LABEL: == models/lenet/lenet_dynamo.onnx: (tensor<1x1x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.reshape
# CHECK-NEXT:    quant.gemm
# CHECK-LABEL: == models/resnet/resnet.onnx: (tensor<1x1x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.add
# CHECK:         quant.global_avgpool %{{.*}} {node = "/ReduceMean"}
# CHECK-NEXT:    quant.reshape %{{.*}} {node = "/ReduceMean"}
# CHECK-LABEL: == models/resnet/resnet_dynamo.onnx: (tensor<1x1x8x8xf32>) -> tensor<1x10xf32>
# CHECK:         quant.global_avgpool
# CHECK:       imported [[N:[0-9]+]] of [[N]] files
