# RUN: %python %s | filecheck %s
"""Resize, Upsample and ConvTranspose forms the importer cannot honour: one line that names the
node, its op type and the attribute or input at fault (`UnsupportedModelError`, which qcomp and
qcomp-opt print as `error: <message>`, as test/frontend/errors.test checks for other ops)."""

import onnx.parser

from qcomp.errors import UnsupportedModelError
from qcomp.frontend.onnx_import import import_model

MODELS = {
    'crop': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,3,4,4] x) => (float[1,3,8,8] y) { s = Constant<value = float[4] {1, 1, 2, 2}>() r = Constant<value = float[8] {0,0,0,0,1,1,1,1}>() [up] y = Resize<mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize">(x, r, s) }',
    'crop_channels': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,4,4,4] x) => (float[1,4,3,3] y) { s = Constant<value = int64[4] {1, 4, 3, 3}>() r = Constant<value = float[8] {0,0.5,0,0,1,1,1,1}>() [up] y = Resize<mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize">(x, r, , s) }',
    'mode': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,3,4,4] x) => (float[1,3,8,8] y) { s = Constant<value = float[4] {1, 1, 2, 2}>() [up] y = Resize<mode = "area">(x, , s) }',
    'channels': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,3,4,4] x) => (float[1,6,8,8] y) { s = Constant<value = float[4] {1, 2, 2, 2}>() [up] y = Resize<mode = "nearest">(x, , s) }',
    'rank': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,3,4] x) => (float[1,3,8] y) { s = Constant<value = float[3] {1, 1, 2}>() [up] y = Resize<mode = "nearest">(x, , s) }',
    'runtime': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,3,4,4] x, float[4] s) => (float[1,3,8,8] y) { [up] y = Resize<mode = "nearest">(x, , s) }',
    'antialias': '<ir_version: 8, opset_import: ["" : 18]> g (float[1,3,4,4] x) => (float[1,3,2,2] y) { s = Constant<value = float[4] {1, 1, 0.5, 0.5}>() [down] y = Resize<mode = "nearest", antialias = 1>(x, , s) }',
    'nearest_mode': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,3,4,4] x) => (float[1,3,8,8] y) { s = Constant<value = float[4] {1, 1, 2, 2}>() [up] y = Resize<mode = "nearest", nearest_mode = "round">(x, , s) }',
    'policy': '<ir_version: 8, opset_import: ["" : 18]> g (float[1,3,4,4] x) => (float[1,3,8,8] y) { s = Constant<value = int64[2] {8, 8}>() [up] y = Resize<mode = "nearest", axes = [2, 3], keep_aspect_ratio_policy = "fit">(x, , , s) }',
    'upsample': '<ir_version: 8, opset_import: ["" : 9]> g (float[1,3,4,4] x) => (float[1,3,2,8] y) { s = Constant<value = float[4] {1, 1, 0.5, 2}>() [up] y = Upsample<mode = "nearest">(x, s) }',
    'weight': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,2,3,3] x, float[2,1,3,3] w) => (float[1,1,5,5] y) { [deconv] y = ConvTranspose(x, w) }',
    'outpad': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,1,3,3] x) => (float[1,1,8,8] y) { w = Constant<value = float[1,1,2,2] {1,1,1,1}>() [deconv] y = ConvTranspose<strides = [2, 2], output_padding = [2, 2]>(x, w) }',
    'same': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,1,3,3] x) => (float[1,1,9,9] y) { w = Constant<value = float[1,1,1,1] {1}>() [deconv] y = ConvTranspose<strides = [3, 3], auto_pad = "SAME_UPPER">(x, w) }',
    'same_outpad': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,1,5,5] x) => (float[1,1,10,10] y) { w = Constant<value = float[1,1,3,3] {1,1,1,1,1,1,1,1,1}>() [deconv] y = ConvTranspose<strides = [2, 2], output_padding = [1, 1], auto_pad = "SAME_LOWER">(x, w) }',
    'shape': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,1,3,3] x) => (float[1,1,9,9] y) { w = Constant<value = float[1,1,2,2] {1,1,1,1}>() [deconv] y = ConvTranspose<strides = [2, 2], output_shape = [9, 9]>(x, w) }',
    'deconv3d': '<ir_version: 8, opset_import: ["" : 13]> g (float[1,1,2,2,2] x) => (float[1,1,3,3,3] y) { w = Constant<value = float[1,1,2,2,2] {1,1,1,1,1,1,1,1}>() [deconv] y = ConvTranspose(x, w) }',
}
for name, text in MODELS.items():
    try:
        import_model(onnx.parser.parse_model(text))
        print(f"{name}: imported (expected an error)")
    except UnsupportedModelError as e:
        print(f"{name}: {e}")

# CHECK: {{^}}crop: node 'up' (op Resize): tf_crop_and_resize needs sizes, not scales (onnxruntime sizes its output without the roi, ONNX with it){{$}}
# CHECK-NEXT: {{^}}crop_channels: node 'up' (op Resize): only H and W can be cropped: roi starts [0.0, 0.5, 0.0, 0.0] and ends [1.0, 1.0, 1.0, 1.0] (N, C, H, W) crop N or C{{$}}
# CHECK-NEXT: {{^}}mode: node 'up' (op Resize): mode 'area' is not supported (nearest, linear, cubic){{$}}
# CHECK-NEXT: {{^}}channels: node 'up' (op Resize): only H and W can be resized: scales [1.0, 2.0, 2.0, 2.0] and sizes [1, 6, 8, 8] (N, C, H, W) change N or C{{$}}
# CHECK-NEXT: {{^}}rank: node 'up' (op Resize): only 4-D (NCHW) inputs are supported, got 3-D{{$}}
# CHECK-NEXT: {{^}}runtime: node 'up' (op Resize): scales (input 's') must be a constant{{$}}
# CHECK-NEXT: {{^}}antialias: node 'down' (op Resize): antialias=1 applies to linear and cubic modes only, not nearest{{$}}
# CHECK-NEXT: {{^}}nearest_mode: node 'up' (op Resize): nearest_mode 'round' is not supported (round_prefer_floor, round_prefer_ceil, floor, ceil){{$}}
# CHECK-NEXT: {{^}}policy: node 'up' (op Resize): keep_aspect_ratio_policy 'fit' is not supported (stretch, not_larger, not_smaller){{$}}
# CHECK-NEXT: {{^}}upsample: node 'up' (op Upsample): scales [1.0, 1.0, 0.5, 2.0] must be >= 1 (Upsample){{$}}
# CHECK-NEXT: {{^}}weight: node 'deconv' (op ConvTranspose): the weight (input 'w') must be a constant{{$}}
# CHECK-NEXT: {{^}}outpad: node 'deconv' (op ConvTranspose): output_padding [2, 2] must be smaller than strides [2, 2]{{$}}
# CHECK-NEXT: {{^}}same: node 'deconv' (op ConvTranspose): auto_pad SAME_UPPER with strides [3, 3] larger than the dilated kernel [1, 1] is not supported (ONNX and onnxruntime disagree on its output size){{$}}
# CHECK-NEXT: {{^}}same_outpad: node 'deconv' (op ConvTranspose): auto_pad SAME_LOWER with output_padding [1, 1] is not supported (ONNX shape inference adds the output_padding to input * strides, onnxruntime does not){{$}}
# CHECK-NEXT: {{^}}shape: node 'deconv' (op ConvTranspose): output_shape [9, 9] is longer than the full output without output_padding plus strides - 1 ([7, 7]), which onnxruntime rejects{{$}}
# CHECK-NEXT: {{^}}deconv3d: node 'deconv' (op ConvTranspose): only 1-D and 2-D ConvTranspose is supported, got 3-D{{$}}
# CHECK-NOT: imported
