"""Write models/repro/keras_resnet.onnx: a small Keras-ResNet-style model with the export idioms of
Keras' ResNet-50 (keras.applications) that a torch-exported model does not have.

    python scripts/make_keras_resnet.py

Keras writes padding as explicit ZeroPadding2D layers: `conv1_pad` before the stem conv (which has
no pads of its own) and `pool1_pad` between the stem's ReLU and the max pooling (`pool1_pool`,
"valid"), which ONNX converters keep as Pad -> MaxPool. The graph (input 1x3x16x16, NCHW):

    conv1_pad (Pad 1) -> conv1_conv (3x3, 3->8, pads 0) -> conv1_bn -> conv1_relu
    -> pool1_pad (Pad 1) -> pool1_pool (MaxPool 3x3 s2)                          8x8x8
    -> conv2_block1: 1_conv (3x3 s2 pads 1, 8->16) -> 1_bn -> 1_relu -> 2_conv (3x3) -> 2_bn
                     + 0_conv (1x1 s2 shortcut) -> 0_bn;  add -> out (Relu)     16x4x4
    -> avg_pool (GlobalAveragePool) -> flatten -> predictions (Gemm, 10 logits)

Untrained, from `numpy.random.default_rng(SEED)`: the inputs first (N(0, 1), float32:
`keras_calib.npy`, 64 samples, and `keras_test.npy`, 32), then the weights. Convs are
He-initialised (std sqrt(2 / fan_in), bias N(0, 0.05)); each BatchNorm holds the per-channel mean
and variance of its input on the calibration samples, as a trained one would (computed here in
float64 numpy), with gamma U(0.5, 1.5) and beta N(0, 0.1); the `predictions` weights (N(0, 1/16))
are divided by the features' standard deviation and the bias centres the logits. So every
activation is O(1) and the logits vary with the input. Only onnx and numpy; the output is the
same on every run (the script checks the model with onnx.checker, and runs it with onnxruntime
when that is installed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parent.parent / "models" / "repro"
SEED = 17
N_CALIB, N_TEST = 64, 32
INPUT = (1, 3, 16, 16)

Value = tuple[str, np.ndarray]  # an ONNX value name and its value on the calibration samples


def _conv_np(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """NCHW convolution in float64 (einsum without BLAS: the same bytes on every run)."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    oh, ow = (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for ky in range(k):
        for kx in range(k):
            tap = x[:, :, ky : ky + stride * (oh - 1) + 1 : stride, kx : kx + stride * (ow - 1) + 1 : stride]
            y += np.einsum("nchw,oc->nohw", tap, w[:, :, ky, kx], optimize=False)
    return y + b.reshape(1, -1, 1, 1)


class Builder:
    """Nodes and initializers of the graph, Keras layer names on every node; every method also
    computes its value on the calibration samples (float64), so that the BatchNorm statistics are
    those of the data, as after training."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def pad(self, x: Value, p: int, name: str) -> Value:
        pads = self.const(f"{name}/pads", np.array([0, 0, p, p, 0, 0, p, p], np.int64))
        self.nodes.append(helper.make_node("Pad", [x[0], pads], [name], name=name, mode="constant"))
        return name, np.pad(x[1], ((0, 0), (0, 0), (p, p), (p, p)))

    def conv(self, x: Value, cout: int, k: int, name: str, stride: int = 1, pad: int = 0) -> Value:
        cin = x[1].shape[1]
        w = (self.rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))).astype(np.float32)
        b = self.rng.normal(0.0, 0.05, cout).astype(np.float32)
        inputs = [x[0], self.const(f"{name}/kernel", w), self.const(f"{name}/bias", b)]
        self.nodes.append(helper.make_node("Conv", inputs, [name], name=name, kernel_shape=[k, k],
                                           strides=[stride, stride], pads=[pad] * 4))
        return name, _conv_np(x[1], w.astype(np.float64), b.astype(np.float64), stride, pad)

    def bn(self, x: Value, name: str, eps: float = 1.001e-5) -> Value:
        c = x[1].shape[1]
        gamma = np.asarray(self.rng.uniform(0.5, 1.5, c), np.float32)
        beta = np.asarray(self.rng.normal(0.0, 0.1, c), np.float32)
        mean = np.asarray(x[1].mean(axis=(0, 2, 3)), np.float32)
        var = np.asarray(x[1].var(axis=(0, 2, 3)), np.float32)
        inputs = [x[0]] + [self.const(f"{name}/{k}", v) for k, v in
                           (("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var))]
        self.nodes.append(helper.make_node("BatchNormalization", inputs, [name], name=name, epsilon=eps))
        shape = (1, c, 1, 1)
        y = (x[1] - mean.reshape(shape)) / np.sqrt(var.reshape(shape).astype(np.float64) + eps)
        return name, y * gamma.reshape(shape) + beta.reshape(shape)

    def op(self, op_type: str, inputs: list[tuple[str, np.ndarray | None]], name: str, value: np.ndarray,
           **attrs) -> Value:
        self.nodes.append(helper.make_node(op_type, [v[0] for v in inputs], [name], name=name, **attrs))
        return name, value


def _maxpool3s2(x: np.ndarray) -> np.ndarray:
    oh, ow = (x.shape[2] - 3) // 2 + 1, (x.shape[3] - 3) // 2 + 1
    taps = [x[:, :, ky : ky + 2 * oh - 1 : 2, kx : kx + 2 * ow - 1 : 2] for ky in range(3) for kx in range(3)]
    return np.max(taps, axis=0)


def build(rng: np.random.Generator, calib: np.ndarray) -> onnx.ModelProto:
    g = Builder(rng)
    relu = lambda v, name: g.op("Relu", [v], name, np.maximum(v[1], 0.0))  # noqa: E731
    y = g.pad(("input_1", calib.astype(np.float64)), 1, "conv1_pad")
    y = relu(g.bn(g.conv(y, 8, 3, "conv1_conv"), "conv1_bn"), "conv1_relu")
    y = g.pad(y, 1, "pool1_pad")
    y = g.op("MaxPool", [y], "pool1_pool", _maxpool3s2(y[1]), kernel_shape=[3, 3], strides=[2, 2])
    a = relu(g.bn(g.conv(y, 16, 3, "conv2_block1_1_conv", stride=2, pad=1), "conv2_block1_1_bn"),
             "conv2_block1_1_relu")
    a = g.bn(g.conv(a, 16, 3, "conv2_block1_2_conv", pad=1), "conv2_block1_2_bn")
    s = g.bn(g.conv(y, 16, 1, "conv2_block1_0_conv", stride=2), "conv2_block1_0_bn")
    y = relu(g.op("Add", [s, a], "conv2_block1_add", s[1] + a[1]), "conv2_block1_out")
    y = g.op("GlobalAveragePool", [y], "avg_pool", y[1].mean(axis=(2, 3), keepdims=True))
    y = g.op("Flatten", [y], "flatten", y[1].reshape(len(calib), -1), axis=1)
    feats = y[1]
    w = rng.standard_normal((16, 10)) * np.sqrt(1.0 / 16)
    # centre and scale the logits on the calibration data (a trained head's logits are O(1) and
    # vary with the input): standardise the features, fold that into W and b
    mu, sd = feats.mean(axis=0), feats.std(axis=0) + 1e-3
    w = w / sd[:, None]
    b = -mu @ w + rng.normal(0.0, 0.05, 10)
    g.op("Gemm", [y, (g.const("predictions/kernel", w.astype(np.float32)), None),
                  (g.const("predictions/bias", b.astype(np.float32)), None)], "predictions", feats @ w + b)
    graph = helper.make_graph(g.nodes, "keras_resnet",
                              [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, list(INPUT))],
                              [helper.make_tensor_value_info("predictions", TensorProto.FLOAT, [1, 10])],
                              initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="qcomp-repro")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def _ort_check(path: Path, x: np.ndarray) -> None:
    """The logits are finite and O(1) (onnxruntime, when installed)."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not installed: skipped the run check")
        return
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y = np.concatenate([sess.run(None, {"input_1": x[i : i + 1]})[0] for i in range(len(x))])
    assert np.all(np.isfinite(y))
    print(f"logits on the test split: std {y.std():.3f}, max |y| {np.abs(y).max():.3f}, "
          f"classes predicted {len(set(y.argmax(1).tolist()))}/10")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default: models/repro)")
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    data = rng.standard_normal((N_CALIB + N_TEST, *INPUT[1:])).astype(np.float32)
    model = build(rng, data[:N_CALIB])
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "keras_resnet.onnx"
    onnx.save(model, str(path))
    np.save(args.out / "keras_calib.npy", data[:N_CALIB])
    np.save(args.out / "keras_test.npy", data[N_CALIB:])
    print(f"wrote {path} ({path.stat().st_size} bytes), keras_calib.npy {data[:N_CALIB].shape}, "
          f"keras_test.npy {data[N_CALIB:].shape}")
    _ort_check(path, data[N_CALIB:])


if __name__ == "__main__":
    main()
