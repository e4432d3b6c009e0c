"""Synthetic benchmark models built with `onnx.helper` (random weights, fixed seed, no torch).

    from bench.models import make_resnet18
    path = make_resnet18("bench/build/resnet18.onnx")

`make_resnet18` writes a ResNet-18-shaped float model (torchvision layout: 7x7/2 stem conv,
BN, ReLU, 3x3/2 max pool, BasicBlocks [2, 2, 2, 2] of 64-128-256-512 channels with 1x1/2
projection shortcuts, global average pool, flatten, Gemm to 1000 classes; ~11.7M params),
input `input` (1, 3, 224, 224), output `logits` (1, 1000), opset 13. Weights are He-scaled
and BN statistics mild, so activations stay in a realistic range through all 18 layers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

BUILD_DIR = Path(__file__).resolve().parent / "build"


class _Graph:
    """A tiny ONNX graph builder: nodes, initializers and fresh value names."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def name(self, base: str) -> str:
        self.count += 1
        return f"{base}_{self.count}"

    def init(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        from onnx import helper

        out = self.name(name)
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def conv_bn(self, x: str, cin: int, cout: int, k: int, stride: int, name: str, relu: bool) -> str:
        std = np.sqrt(2.0 / (cin * k * k))
        w = self.init(f"{name}.weight", self.rng.standard_normal((cout, cin, k, k)) * std)
        y = self.node("Conv", [x, w], name, kernel_shape=[k, k], strides=[stride, stride],
                      pads=[k // 2] * 4)
        bn = [self.init(f"{name}.bn.{p}", v) for p, v in (
            ("scale", self.rng.uniform(0.5, 1.0, cout)), ("bias", self.rng.normal(0, 0.1, cout)),
            ("mean", self.rng.normal(0, 0.1, cout)), ("var", self.rng.uniform(0.5, 1.5, cout)))]
        y = self.node("BatchNormalization", [y, *bn], f"{name}.bn", epsilon=1e-5)
        return self.node("Relu", [y], f"{name}.relu") if relu else y

    def basic_block(self, x: str, cin: int, cout: int, stride: int, name: str) -> str:
        y = self.conv_bn(x, cin, cout, 3, stride, f"{name}.conv1", relu=True)
        y = self.conv_bn(y, cout, cout, 3, 1, f"{name}.conv2", relu=False)
        short = x if stride == 1 and cin == cout else self.conv_bn(x, cin, cout, 1, stride,
                                                                   f"{name}.downsample", relu=False)
        y = self.node("Add", [y, short], f"{name}.add")
        return self.node("Relu", [y], f"{name}.relu")


def make_resnet18(path: str | os.PathLike[str] | None = None, seed: int = 0, classes: int = 1000) -> Path:
    """Write the ResNet-18-shaped ONNX model to `path` (default bench/build/resnet18.onnx)."""
    import onnx
    from onnx import TensorProto, helper

    path = Path(path) if path is not None else BUILD_DIR / "resnet18.onnx"
    g = _Graph(seed)
    x = g.conv_bn("input", 3, 64, 7, 2, "conv1", relu=True)
    x = g.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, cout in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            x = g.basic_block(x, cin, cout, stride, f"layer{stage}.{block}")
            cin = cout
    x = g.node("GlobalAveragePool", [x], "avgpool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    fw = g.init("fc.weight", g.rng.standard_normal((classes, 512)) / np.sqrt(512))
    fb = g.init("fc.bias", g.rng.normal(0, 0.01, classes))
    g.nodes.append(helper.make_node("Gemm", [x, fw, fb], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        g.nodes, "resnet18",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="qcomp-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    gitignore = path.parent / ".gitignore"
    if path.parent == BUILD_DIR and not gitignore.exists():
        gitignore.write_text("*\n")
    onnx.save(model, str(path))
    return path


def param_count(path: str | os.PathLike[str]) -> int:
    """Number of float parameters (initializer elements) in an ONNX file."""
    import onnx

    model = onnx.load(str(path))
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer)
