"""Train and export the small test models that qcomp's tests and benchmarks use.

Everything here is derived from scikit-learn's bundled ``digits`` data set
(``sklearn.datasets.load_digits``: 1797 grayscale 8x8 images, shipped inside the
scikit-learn wheel, so nothing is downloaded).

Outputs (all paths relative to the repository root):

* ``models/digits/{calib,test_x,test_y}.npy`` -- deterministic data splits
  (seed 0): 400 test samples, 256 calibration samples disjoint from the test
  split (and from training), the remaining 1141 samples are used for training.
* ``models/lenet/lenet.onnx``, ``models/resnet/resnet.onnx`` -- trained models
  exported with the TorchScript exporter (opset 13, ``do_constant_folding=False``
  so BatchNormalization nodes and shape subgraphs stay in the file).
* ``models/lenet/lenet_dynamo.onnx``, ``models/resnet/resnet_dynamo.onnx`` -- the
  same weights exported with the dynamo (torch.export) exporter, self-contained.
* ``test/frontend/Inputs/*.onnx`` -- tiny randomly initialised "exporter form"
  probes (Clip from ReLU6 in opsets 13/11/9, ReduceMean pooling, HardSwish &
  friends), each also with a ``_dynamo`` twin where that exporter works.
* ``models/accuracy.json`` and ``models/README.md`` -- float accuracies measured
  with onnxruntime and the op types found in every exported file.

Retraining needs ``pip install torch==2.13.0 onnxscript scikit-learn`` (the
``train`` extra); CI never runs this script, it only consumes its outputs.

Usage::

    python scripts/train_models.py
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import logging
import random
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
DIGITS = MODELS / "digits"
PROBES = ROOT / "test" / "frontend" / "Inputs"

SPLIT_SEED = 0
N_TEST = 400
N_CALIB = 256
TORCHSCRIPT_OPSET = 13
MIN_ACCURACY = 0.95
PROBE_MAX_BYTES = 50 * 1024


# --------------------------------------------------------------------------- data


def make_splits() -> dict[str, np.ndarray]:
    """Load digits, scale to [0, 1], and split deterministically into test/calib/train."""
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    perm = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    test_idx = perm[:N_TEST]
    calib_idx = perm[N_TEST : N_TEST + N_CALIB]
    train_idx = perm[N_TEST + N_CALIB :]
    assert not set(test_idx) & set(calib_idx)
    return {
        "train_x": x[train_idx],
        "train_y": y[train_idx],
        "calib": np.ascontiguousarray(x[calib_idx]),
        "test_x": np.ascontiguousarray(x[test_idx]),
        "test_y": np.ascontiguousarray(y[test_idx]),
    }


# --------------------------------------------------------------------------- models


class LeNet(nn.Module):
    """LeNet-style CNN with BatchNorm for 1x8x8 inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # 8x4x4
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # 16x2x2
        # TorchScript export: (Constant)/Unsqueeze/Concat -> Reshape; with a symbolic batch also Shape/Gather
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class BasicBlock(nn.Module):
    """conv-bn-relu, conv-bn, + shortcut (identity or 1x1 strided projection), relu."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut: nn.Module = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride), nn.BatchNorm2d(cout)
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """Tiny residual CNN: stem, identity block, strided projection block, GAP (ReduceMean), FC."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv3x3(1, 16)
        self.stem_bn = nn.BatchNorm2d(16)
        self.block1 = BasicBlock(16, 16, 1)
        self.block2 = BasicBlock(16, 32, 2)
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem_bn(self.stem(x)))
        x = self.block1(x)
        x = self.block2(x)
        x = x.mean(dim=(2, 3))  # global average pooling -> ReduceMean
        return self.fc(x)


# Probes: tiny random nets whose only purpose is to show which op forms exporters emit.


class Relu6Probe(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.act = nn.ReLU6()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


class GapProbe(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv(x))
        x = x.mean(dim=(2, 3), keepdim=True)
        x = torch.flatten(x, 1)
        return self.fc(x)


class ViewProbe(nn.Module):
    """Conv + MaxPool + ``x.view(x.size(0), -1)`` + Linear; exported with a dynamic batch dim.

    With a static input shape the TorchScript exporter folds ``Shape``/``Gather`` of
    ``x.size(0)`` into constants (see lenet.onnx); only a symbolic batch keeps them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv(x)))
        x = x.view(x.size(0), -1)
        return self.fc(x)


class ActivationProbe(nn.Module):
    """Conv stack using Hardswish, Hardsigmoid, Sigmoid, Tanh, LeakyReLU(0.1); Softmax output."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3 if i == 0 else 4, 4, 3, padding=1) for i in range(5)])
        self.acts = nn.ModuleList(
            [nn.Hardswish(), nn.Hardsigmoid(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.1)]
        )
        self.fc = nn.Linear(4 * 8 * 8, 10)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, act in zip(self.convs, self.acts):
            x = act(conv(x))
        x = torch.flatten(x, 1)
        return self.softmax(self.fc(x))


# --------------------------------------------------------------------------- training


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(model: nn.Module, data: dict[str, np.ndarray], seed: int, epochs: int = 40) -> None:
    seed_everything(seed)
    x = torch.from_numpy(data["train_x"])
    y = torch.from_numpy(data["train_y"])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    gen = torch.Generator().manual_seed(seed)
    batch = 32
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()


@torch.no_grad()
def torch_predict(model: nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    logits = model(torch.from_numpy(x)).numpy()
    return logits, logits.argmax(1)


def ort_predict(path: Path, x: np.ndarray) -> np.ndarray:
    """Run an exported (batch-1) model sample by sample; returns stacked outputs."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- export


def _quiet():
    """Silence exporter chatter (warnings / progress prints); errors still propagate."""
    stack = contextlib.ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    return stack


def export_torchscript(
    model: nn.Module, x: torch.Tensor, path: Path, opset: int, dynamic_batch: bool = False
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dynamic_axes = {"input": {0: "N"}, "logits": {0: "N"}} if dynamic_batch else None
    with _quiet():
        torch.onnx.export(
            model,
            (x,),
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=["input"],
            output_names=["logits"],
            do_constant_folding=False,
            dynamic_axes=dynamic_axes,
        )


def export_dynamo(model: nn.Module, x: torch.Tensor, path: Path, dynamic_batch: bool = False) -> None:
    """Export with the torch.export-based exporter at its default opset; force a single file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dynamic_shapes = None
    if dynamic_batch:
        # torch.export specialises size-1 dims, so trace a dynamic batch with a batch-2 example.
        x = torch.cat([x, x])
        dynamic_shapes = ({0: torch.export.Dim("N")},)
    data_file = path.with_name(path.name + ".data")
    with _quiet():
        torch.onnx.export(
            model,
            (x,),
            str(path),
            dynamo=True,
            input_names=["input"],
            output_names=["logits"],
            external_data=False,
            dynamic_shapes=dynamic_shapes,
            verbose=False,
        )
    proto = onnx.load(str(path), load_external_data=True)
    onnx.save(proto, str(path), save_as_external_data=False)
    if data_file.exists():
        data_file.unlink()


def check_file(path: Path) -> onnx.ModelProto:
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    for init in proto.graph.initializer:
        assert init.data_location != onnx.TensorProto.EXTERNAL, f"{path} has external data"
    return proto


def op_counts(proto: onnx.ModelProto) -> dict[str, int]:
    counts = collections.Counter(n.op_type for n in proto.graph.node)
    return dict(sorted(counts.items()))


def opset_of(proto: onnx.ModelProto) -> int:
    return next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))


def short_error(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    msg = lines[0] if lines else ""
    return f"{type(exc).__name__}: {msg}"[:400]


# --------------------------------------------------------------------------- main


def main() -> int:
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed" noise
    torch.set_num_threads(min(2, torch.get_num_threads()))
    torch.use_deterministic_algorithms(True)

    data = make_splits()
    DIGITS.mkdir(parents=True, exist_ok=True)
    for key in ("calib", "test_x", "test_y"):
        np.save(DIGITS / f"{key}.npy", data[key])
    print(f"splits: train {len(data['train_x'])}, calib {len(data['calib'])}, test {len(data['test_x'])}")

    example = torch.from_numpy(data["calib"][:1])
    test_x, test_y = data["test_x"], data["test_y"]

    files: list[dict] = []  # one record per exported file, for the README
    failures: list[tuple[str, str]] = []
    accuracy: dict[str, float] = {}

    # ---- trained models
    trained = [("lenet", LeNet, 1), ("resnet", ResNet, 2)]
    for name, cls, seed in trained:
        seed_everything(seed)
        model = cls()
        train(model, data, seed)
        logits, pred = torch_predict(model, test_x)
        torch_acc = float((pred == test_y).mean())
        print(f"{name}: torch test accuracy {torch_acc:.4f}, params {param_count(model)}")
        if torch_acc < MIN_ACCURACY:
            raise SystemExit(f"{name} only reached {torch_acc:.4f} < {MIN_ACCURACY}")
        targets = [
            ("torchscript", MODELS / name / f"{name}.onnx",
             lambda p, m=model: export_torchscript(m, example, p, TORCHSCRIPT_OPSET)),
            ("dynamo", MODELS / name / f"{name}_dynamo.onnx",
             lambda p, m=model: export_dynamo(m, example, p)),
        ]  # fmt: skip
        for exporter, path, fn in targets:
            rel = path.relative_to(MODELS).as_posix()
            try:
                fn(path)
            except Exception as exc:  # record and keep going
                traceback.print_exc()
                failures.append((rel, f"{exporter}: {short_error(exc)}"))
                continue
            proto = check_file(path)
            out = ort_predict(path, test_x)
            acc = float((out.argmax(1) == test_y).mean())
            max_diff = float(np.abs(out - logits).max())
            print(f"  {rel}: ort accuracy {acc:.4f}, max |ort - torch| = {max_diff:.2e}")
            if acc != torch_acc or max_diff > 1e-3:
                raise SystemExit(f"{rel}: onnxruntime disagrees with torch ({acc} vs {torch_acc})")
            accuracy[rel] = acc
            files.append(dict(group="trained", model=name, file=f"models/{rel}", exporter=exporter,
                              opset=opset_of(proto), params=param_count(model), accuracy=acc,
                              size=path.stat().st_size, ops=op_counts(proto)))  # fmt: skip

    # ---- exporter-form probes (random init, not trained)
    probe_x = torch.from_numpy(np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32))
    probes = [  # (file stem, module, TorchScript opsets, dynamic batch dim)
        ("relu6_clip", Relu6Probe, [13, 11, 9], False),
        ("gap_reducemean", GapProbe, [13], False),
        ("hardswish", ActivationProbe, [13], False),
        ("view_reshape_dynbatch", ViewProbe, [13], True),
    ]
    for i, (name, cls, opsets, dyn) in enumerate(probes):
        seed_everything(100 + i)
        model = cls().eval()
        with torch.no_grad():
            ref = model(probe_x).numpy()
        targets = []
        for opset in opsets:
            suffix = "" if opset == TORCHSCRIPT_OPSET else f"_op{opset}"
            targets.append((f"torchscript (opset {opset})", PROBES / f"{name}{suffix}.onnx",
                            lambda p, m=model, o=opset, d=dyn: export_torchscript(m, probe_x, p, o, d)))  # fmt: skip
        targets.append(("dynamo", PROBES / f"{name}_dynamo.onnx",
                        lambda p, m=model, d=dyn: export_dynamo(m, probe_x, p, d)))  # fmt: skip
        for exporter, path, fn in targets:
            rel = path.relative_to(ROOT).as_posix()
            try:
                fn(path)
            except Exception as exc:
                traceback.print_exc()
                failures.append((rel, f"{exporter}: {short_error(exc)}"))
                if path.exists():
                    path.unlink()
                continue
            proto = check_file(path)
            out = ort_predict(path, probe_x.numpy())
            max_diff = float(np.abs(out - ref).max())
            if dyn:  # the symbolic batch must really work: run a batch of 2 in one call
                sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
                out2 = sess.run(None, {"input": np.concatenate([probe_x.numpy()] * 2)})[0]
                max_diff = max(max_diff, float(np.abs(out2 - np.concatenate([ref] * 2)).max()))
            size = path.stat().st_size
            print(f"  {rel}: {size} bytes, max |ort - torch| = {max_diff:.2e}")
            if max_diff > 1e-4:
                raise SystemExit(f"{rel}: onnxruntime disagrees with torch (max diff {max_diff})")
            if size > PROBE_MAX_BYTES:
                raise SystemExit(f"{rel}: {size} bytes exceeds {PROBE_MAX_BYTES}")
            files.append(dict(group="probe", model=name, file=rel, exporter=exporter.split(" ")[0],
                              opset=opset_of(proto), params=param_count(model), accuracy=None,
                              size=size, ops=op_counts(proto)))  # fmt: skip

    (MODELS / "accuracy.json").write_text(json.dumps(accuracy, indent=2, sort_keys=True) + "\n")
    write_readme(files, failures, data)

    for rel, err in failures:
        print(f"EXPORT FAILURE {rel}: {err}")
    return 0


def write_readme(files: list[dict], failures: list[tuple[str, str]], data: dict[str, np.ndarray]) -> None:
    L: list[str] = []
    L += [
        "# Test models",
        "",
        "Small, real, trained float models for qcomp's tests and benchmarks, plus the data",
        "splits they are evaluated on. Everything in this directory (and the exporter probes in",
        "`test/frontend/Inputs/`) is generated by one deterministic script:",
        "",
        "```sh",
        "python scripts/train_models.py",
        "```",
        "",
        f"Retraining needs torch=={torch.__version__.split('+')[0]} (CPU wheel) and onnxscript:",
        "`pip install torch==2.13.0 onnxscript scikit-learn` (or `pip install -e .[train]`).",
        "torch is **never** needed by CI: tests only read the committed `.onnx`/`.npy` files",
        "(onnxruntime is enough to re-check the accuracies below).",
        "",
        f"Generated with torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}.",
        "",
        "## Data (`digits/`)",
        "",
        "scikit-learn's bundled `load_digits` (1797 grayscale 8x8 images, no download), scaled",
        "with `images / 16.0` to [0, 1], float32 NCHW `(N, 1, 8, 8)`; labels int64.",
        f"Split with `numpy.random.default_rng({SPLIT_SEED}).permutation`: first {N_TEST} = test,",
        f"next {N_CALIB} = calibration, remaining {len(data['train_x'])} = training (not saved).",
        "Calibration is disjoint from both test and training.",
        "",
        "| file | shape | dtype |",
        "|---|---|---|",
    ]
    for key in ("calib", "test_x", "test_y"):
        arr = data[key]
        L.append(f"| `digits/{key}.npy` | {tuple(arr.shape)} | {arr.dtype} |")
    L += [
        "",
        "## Trained models",
        "",
        "Batch dimension fixed to 1; input `input` `(1, 1, 8, 8)` float32, output `logits` `(1, 10)`.",
        "Accuracy = float top-1 on `digits/test_x.npy` measured with onnxruntime (it is identical",
        "to the torch accuracy; the script checks that). Also in `accuracy.json`.",
        "",
        "| model | file | exporter | opset | params | test accuracy | size (bytes) |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in files:
        if f["group"] == "trained":
            L.append(f"| {f['model']} | `{f['file']}` | {f['exporter']} | {f['opset']} | {f['params']} "
                     f"| {f['accuracy']:.4f} | {f['size']} |")  # fmt: skip
    L += [
        "",
        "* `lenet`: Conv(1->8,3x3)+BN+ReLU+MaxPool2 -> Conv(8->16)+BN+ReLU+MaxPool2 ->",
        "  `x.view(x.size(0), -1)` -> Linear(64,32)+ReLU -> Linear(32,10).",
        "* `resnet`: stem Conv(1->16)+BN+ReLU; identity block (16); stride-2 block (16->32) with a",
        "  1x1 stride-2 Conv+BN projection shortcut; `x.mean(dim=(2,3))` (ReduceMean) -> Linear(32,10).",
        "",
        f"TorchScript files: `torch.onnx.export(..., dynamo=False, opset_version={TORCHSCRIPT_OPSET},",
        "do_constant_folding=False)`, so BatchNormalization nodes, `Constant` nodes and the",
        "Constant/Unsqueeze/Concat -> Reshape subgraph of `view` stay in the file. Because the",
        "input shape is static, the exporter's shape inference still turns `Shape`+`Gather`",
        "(`x.size(0)`) into a `Constant`; `test/frontend/Inputs/view_reshape_dynbatch.onnx` has",
        "the Shape/Gather form.",
        "Dynamo files: `torch.onnx.export(..., dynamo=True)` at the exporter's default opset",
        "(default `optimize=True`), re-saved without external data.",
        "",
        "Exporter forms worth knowing (torch 2.13.0):",
        "",
        "* dynamo folds every BatchNormalization into the preceding Conv (the weights in the",
        "  file are the folded ones) and emits `view` as a single Reshape (`allowzero=1`) with",
        "  an initializer shape; Clip min/max become scalar initializers.",
        "* TorchScript deduplicates initializers with identical values: in `resnet.onnx` the",
        "  biases of `block2.bn2` and `block2.shortcut.1` are bit-identical (both BNs feed the",
        "  same Add, so they receive identical gradients from identical zero init), so the file",
        "  has an `Identity` node whose input is an initializer.",
        "* TorchScript opset 13 has no HardSwish op: `nn.Hardswish` becomes `HardSigmoid` + `Mul`;",
        "  the dynamo exporter (opset 20) emits `HardSwish`.",
        "",
        "## Exporter-form probes (`test/frontend/Inputs/`)",
        "",
        "Randomly initialised (untrained) nets, input `(1, 3, 8, 8)` (batch 1 unless noted), checked",
        "against torch with onnxruntime. They exist to pin down which op forms each exporter emits.",
        "",
        "* `relu6_clip*`: Conv + `nn.ReLU6` (opsets 13/11: Clip with min/max inputs; opset 9: attributes).",
        "* `gap_reducemean*`: Conv + ReLU + `x.mean(dim=(2,3), keepdim=True)` + `torch.flatten` + Linear.",
        "* `hardswish*`: Conv stack with Hardswish, Hardsigmoid, Sigmoid, Tanh, LeakyReLU(0.1), then",
        "  flatten + Linear + Softmax(dim=1).",
        "* `view_reshape_dynbatch*`: Conv + ReLU + MaxPool + `x.view(x.size(0), -1)` + Linear with a",
        "  **symbolic** batch dim `N` (TorchScript: `dynamic_axes`; dynamo: `dynamic_shapes`). With a",
        "  static batch (as in `lenet.onnx`) the TorchScript exporter folds Shape/Gather into",
        "  Constants even with `do_constant_folding=False`; only a symbolic batch keeps them.",
        "",
        "| probe | file | exporter | opset | size (bytes) |",
        "|---|---|---|---|---|",
    ]
    for f in files:
        if f["group"] == "probe":
            L.append(f"| {f['model']} | `{f['file']}` | {f['exporter']} | {f['opset']} | {f['size']} |")
    L += ["", "## Op types per file", "",
          "`collections.Counter(node.op_type for node in model.graph.node)` (top-level graph):", ""]  # fmt: skip
    for exporter in ("torchscript", "dynamo"):
        L += [f"### {exporter} exporter", "", "| file | opset | op types (count) |", "|---|---|---|"]
        for f in files:
            if f["exporter"] == exporter:
                ops = ", ".join(f"{k}: {v}" for k, v in f["ops"].items())
                L.append(f"| `{f['file']}` | {f['opset']} | {ops} |")
        L.append("")
    L += ["## Exporter failures", ""]
    if failures:
        L += [f"* `{rel}` -- {err}" for rel, err in failures]
    else:
        L.append("None: every requested export succeeded.")
    L.append("")
    (MODELS / "README.md").write_text("\n".join(L))


if __name__ == "__main__":
    sys.exit(main())
