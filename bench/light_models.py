"""The light ImageNet graphs of the onnx wheel with seeded random weights, ready to compile.

    python bench/light_models.py [NAME ...] [--out DIR] [--seed S] [--calib N] [--test N]

`onnx/backend/test/data/light/light_<name>.onnx` keeps the real topology of nine ImageNet
networks (opset 9) but replaces every weight by a `ConstantOfShape` of a `__SHAPE`
initializer. `make_light(name)` turns one into a normal float model:

* every such weight becomes an initializer drawn from a seeded generator by its role:
  conv / Gemm weights He-normal over their fan-in, biases small, BatchNorm (and the
  Unsqueeze + Mul + Add "scale layer" form) gamma in [0.5, 1] and beta small;
* BatchNorm statistics are *measured*: in topological order, each BN's mean and variance
  are set to the batch statistics of its input on the calibration images, with every
  earlier BN already normalised, so activations stay in range through the whole network;
* the final Softmax is kept (it is part of the graph users bring).

It writes DIR/<name>/model.onnx, calib.npy (N, 3, 224, 224) and test_x.npy: smooth random
images (low-frequency noise plus a little pixel noise, roughly zero mean, unit variance),
all from the seed. Files are reused when present (delete DIR/<name> to rebuild).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

BUILD_DIR = Path(__file__).resolve().parent / "build" / "light"
NAMES = ("squeezenet", "shufflenet", "resnet50", "vgg19", "densenet121", "inception_v1",
         "inception_v2", "bvlc_alexnet", "zfnet512")


def light_dir() -> Path:
    import onnx

    return Path(onnx.__file__).resolve().parent / "backend" / "test" / "data" / "light"


def images(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> np.ndarray:
    """Smooth random images: 8x8-cell noise upsampled bilinearly-ish, plus pixel noise."""
    _, c, h, w = shape
    coarse = rng.standard_normal((n, c, h // 16 + 2, w // 16 + 2)).astype(np.float32)
    ys = np.linspace(0, coarse.shape[2] - 1.001, h)
    xs = np.linspace(0, coarse.shape[3] - 1.001, w)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    a = coarse[:, :, y0][:, :, :, x0]
    b = coarse[:, :, y0][:, :, :, x0 + 1]
    c_ = coarse[:, :, y0 + 1][:, :, :, x0]
    d = coarse[:, :, y0 + 1][:, :, :, x0 + 1]
    img = (a * (1 - fy) * (1 - fx) + b * (1 - fy) * fx + c_ * fy * (1 - fx) + d * fy * fx)
    img = img + 0.2 * rng.standard_normal(img.shape).astype(np.float32)
    return img.astype(np.float32)


def _consumers(graph) -> dict[str, list[tuple[object, int]]]:
    uses: dict[str, list[tuple[object, int]]] = {}
    for node in graph.node:
        for k, name in enumerate(node.input):
            uses.setdefault(name, []).append((node, k))
    return uses


def _weight(rng: np.random.Generator, shape: list[int], node, k: int, uses) -> np.ndarray:
    """A seeded random value for input `k` of `node` (the consumer of a ConstantOfShape)."""
    op = node.op_type
    if op == "Unsqueeze":  # scale-layer form: Unsqueeze -> Mul (gamma) / Add (beta)
        nxt = uses.get(node.output[0], [(None, 0)])[0][0]
        op = f"Unsqueeze>{nxt.op_type if nxt is not None else ''}"
    if op in ("Conv", "Gemm") and k == 1:
        if op == "Conv":
            fan_in = int(np.prod(shape[1:]))
        else:
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            fan_in = shape[1] if trans_b else shape[0]
        return rng.standard_normal(shape) * np.sqrt(2.0 / max(fan_in, 1))
    if op in ("Conv", "Gemm"):  # bias
        return rng.normal(0.0, 0.05, shape)
    if op == "BatchNormalization":
        return {1: lambda: rng.uniform(0.5, 1.0, shape), 2: lambda: rng.normal(0.0, 0.1, shape),
                3: lambda: np.zeros(shape), 4: lambda: np.ones(shape)}[k]()
    if op == "Unsqueeze>Mul":
        return rng.uniform(0.5, 1.0, shape)
    if op == "Unsqueeze>Add":
        return rng.normal(0.0, 0.1, shape)
    return rng.normal(0.0, 0.1, shape)


def _materialise(model, rng: np.random.Generator) -> None:
    """Replace every ConstantOfShape(<name>__SHAPE) weight by a seeded initializer."""
    from onnx import numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    uses = _consumers(graph)
    keep = []
    for node in graph.node:
        src = node.input[0] if node.op_type == "ConstantOfShape" and node.input else None
        if src is None or src not in inits:
            keep.append(node)
            continue
        shape = [int(v) for v in numpy_helper.to_array(inits[src])]
        user, k = uses.get(node.output[0], [(None, 0)])[0]
        value = _weight(rng, shape, user, k, uses) if user is not None else np.zeros(shape)
        graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), node.output[0]))
    del graph.node[:]
    graph.node.extend(keep)
    used = {name for node in graph.node for name in node.input}
    for init in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(init)
    names = {i.name for i in graph.initializer}
    for inp in [i for i in graph.input if i.name in names or i.name not in used]:
        graph.input.remove(inp)  # initializers listed as inputs (IR 3 style) or unused


def _measure_batchnorm(model, x: np.ndarray) -> None:
    """Set each BN's mean/var to its input's statistics on `x`, in topological order."""
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    graph = model.graph
    bns = [n for n in graph.node if n.op_type == "BatchNormalization"]
    if not bns:
        return
    inits = {i.name: i for i in graph.initializer}
    stats = [(bn.input[3], bn.input[4]) for bn in bns]
    # Mean and variance become graph inputs, so one session serves every step.
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for init in [i for i in probe.graph.initializer if i.name in {s for pair in stats for s in pair}]:
        probe.graph.initializer.remove(init)
    for m, v in stats:
        for name in (m, v):
            dims = list(inits[name].dims)
            probe.graph.input.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, dims))
    del probe.graph.output[:]
    for bn in bns:
        probe.graph.output.append(helper.make_tensor_value_info(bn.input[0], onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    feeds = {name: numpy_helper.to_array(inits[name]).astype(np.float32) for pair in stats for name in pair}
    data = next(i.name for i in graph.input if i.name not in inits)
    order = {bn.input[0]: k for k, bn in enumerate(bns)}
    deps = _bn_ancestors(graph, bns)
    done = 0
    while done < len(bns):
        runs = [sess.run(None, {**feeds, data: x[i : i + 1]}) for i in range(len(x))]  # batch 1 graphs
        outs = [np.concatenate(ts) for ts in zip(*runs)]
        # One run fixes every further BN whose upstream BNs were all normalised before it
        # (at least the next one in topological order).
        ready = set(range(done))
        for k in range(done, len(bns)):
            if not deps[k] <= ready:
                break
            t = outs[order[bns[k].input[0]]]
            axes = (0,) + tuple(range(2, t.ndim))
            feeds[stats[k][0]] = t.mean(axis=axes).astype(np.float32)
            feeds[stats[k][1]] = t.var(axis=axes).astype(np.float32) + 1e-3
            done = k + 1
    for name in {s for pair in stats for s in pair}:
        inits[name].CopyFrom(numpy_helper.from_array(feeds[name], name))


def _bn_ancestors(graph, bns) -> list[set[int]]:
    """For each BN (by index), the indices of the BNs upstream of its input."""
    producer = {o: n for n in graph.node for o in n.output}
    index = {id(bn): k for k, bn in enumerate(bns)}
    memo: dict[str, set[int]] = {}

    def up(name: str) -> set[int]:
        if name in memo:
            return memo[name]
        memo[name] = set()
        node = producer.get(name)
        out: set[int] = set()
        if node is not None:
            if id(node) in index:
                out.add(index[id(node)])
            for i in node.input:
                out |= up(i)
        memo[name] = out
        return out

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    return [up(bn.input[0]) for bn in bns]


def make_light(name: str, out_dir: str | os.PathLike[str] | None = None, seed: int = 0,
               n_calib: int = 8, n_test: int = 4) -> Path:
    """Write DIR/<name>/{model.onnx, calib.npy, test_x.npy}; return DIR/<name>."""
    import onnx

    if name not in NAMES:
        raise SystemExit(f"light_models: unknown graph '{name}' (known: {', '.join(NAMES)})")
    root = Path(out_dir) if out_dir is not None else BUILD_DIR
    folder = root / name
    model_path = folder / "model.onnx"
    if model_path.exists() and (folder / "calib.npy").exists() and (folder / "test_x.npy").exists():
        return folder
    rng = np.random.default_rng(seed)
    model = onnx.load(str(light_dir() / f"light_{name}.onnx"))
    _materialise(model, rng)
    model.ir_version = max(model.ir_version, 4)  # initializers need not be graph inputs
    inits = {i.name for i in model.graph.initializer}
    data = next(i for i in model.graph.input if i.name not in inits)
    shape = tuple(d.dim_value for d in data.type.tensor_type.shape.dim)
    calib = images(rng, n_calib, shape)
    test = images(rng, n_test, shape)
    _measure_batchnorm(model, calib)
    onnx.checker.check_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    if root == BUILD_DIR:
        (BUILD_DIR.parent / ".gitignore").write_text("*\n")
    onnx.save(model, str(model_path))
    np.save(folder / "calib.npy", calib)
    np.save(folder / "test_x.npy", test)
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"graphs to build (default: all of {', '.join(NAMES)})")
    ap.add_argument("--out", help=f"output folder (default {BUILD_DIR})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calib", type=int, default=8, help="calibration images (default 8)")
    ap.add_argument("--test", type=int, default=4, help="test images (default 4)")
    args = ap.parse_args(argv)
    for name in args.names or NAMES:
        print(make_light(name, args.out, args.seed, args.calib, args.test))
    return 0


if __name__ == "__main__":
    sys.exit(main())
