"""Shared machinery of qcomp's numpy executors: compile a `func.func` once into a flat
schedule, then run it on whole batches of samples.

A dialect executor (`QuantExecutor`, later the shift executor) subclasses `Executor` and
provides a `KernelTable`: op class -> `KernelSpec(factory, batchable)`. At build time:

* every SSA value gets a slot in a flat environment list;
* constants (`constant_value`) and every op that depends on no function argument are
  evaluated once and cached ("static" values, never carrying a sample axis);
* each remaining op gets its kernel `factory(op, batched) -> fn(*operands)`, called with
  numpy arrays and returning an array (one result) or a sequence of arrays;
* `batchable(op, dynamic_operands)` decides, once, whether the op may run on a whole
  batch at once; otherwise the batched schedule runs that op sample by sample.

Batched layout: a dynamic value whose IR shape starts with 1 carries the samples on that
axis ((N, C, H, W) for tensor<1xCxHxW>, "replace" form); any other dynamic value gets an
extra leading sample axis ((N, *shape), "stacked" form). Graph inputs and outputs follow
the same rule. Per-sample ops slice their inputs (x[i:i+1] or x[i]) and concatenate or
stack their results accordingly.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.traits import OpTrait

from qcomp.dialects.quant import ConstantOp, node_of
from qcomp.errors import InputDataError, QcompError
from qcomp.executors.threads import default_threads, parallel_map

Kernel = Callable[..., Any]
KernelFactory = Callable[[Operation, bool], Kernel]
BatchRule = Callable[[Operation, Sequence[bool]], bool]
Observer = Callable[[Operation | None, list[np.ndarray]], None]
Post = Callable[[np.ndarray, int], np.ndarray]

DEFAULT_CHUNK = 64


class ExecutionError(QcompError):
    """An executor cannot build or run a function: names the op and its ONNX node."""


def op_label(op: Operation) -> str:
    """`quant.conv2d 'conv1'`: the op name and the ONNX node it came from."""
    node = node_of(op)
    return op.name if node == op.name else f"{op.name} '{node}'"


def shape(value: SSAValue | Attribute) -> tuple[int, ...]:
    """The static shape of a tensor value or type (() for scalars)."""
    t = value.type if isinstance(value, SSAValue) else value
    return tuple(t.get_shape()) if isinstance(t, TensorType) else ()


def leads_with_one(value: SSAValue) -> bool:
    """Whether `value`'s batched form replaces its leading dim (it is 1) rather than adding one."""
    s = shape(value)
    return len(s) >= 1 and s[0] == 1


# --------------------------------------------------------------------------- batch rules


def leading_axis(op: Operation, dynamic: Sequence[bool]) -> bool:
    """Generic rule for ops that act on every sample independently (elementwise, pooling…):
    each dynamic operand has the result's rank and a leading 1, and each result leads with 1."""
    rank = len(shape(op.results[0])) if op.results else 0
    for v, dyn in zip(op.operands, dynamic):
        if dyn and (len(shape(v)) != rank or not leads_with_one(v)):
            return False
    return all(leads_with_one(r) and len(shape(r)) == rank for r in op.results)


def first_operand(op: Operation, dynamic: Sequence[bool]) -> bool:
    """Only operand 0 (the activation) may be dynamic; weights/params must be static."""
    return not any(dynamic[1:]) and leading_axis(op, dynamic)


def reshape_like(op: Operation, dynamic: Sequence[bool]) -> bool:
    """Reshape/flatten keep the sample axis when input and result both lead with 1."""
    return leads_with_one(op.operands[0]) and leads_with_one(op.results[0])


def never(op: Operation, dynamic: Sequence[bool]) -> bool:
    """The op always runs sample by sample."""
    return False


class KernelSpec(NamedTuple):
    """How to execute one op class: a kernel factory and its whole-batch rule."""

    factory: KernelFactory
    batchable: BatchRule = leading_axis


class KernelTable(dict):
    """op class or trait class -> KernelSpec, filled with the `register` decorator. Lookup follows
    the op's MRO, then its traits: a kernel registered for a trait (e.g. `ElementwiseFunction`,
    which runs the op's own `reference`) serves every op that declares it."""

    def register(self, *op_types: type[Operation] | type[OpTrait], batch: BatchRule = leading_axis):
        def deco(factory: KernelFactory) -> KernelFactory:
            for t in op_types:
                self[t] = KernelSpec(factory, batch)
            return factory

        return deco

    def lookup(self, op: Operation | type[Operation]) -> KernelSpec | None:
        """The spec registered for `op`'s class (or an op class), its nearest base class, or one of its traits."""
        cls = op if isinstance(op, type) else type(op)
        for base in cls.__mro__:
            spec = self.get(base)
            if spec is not None:
                return spec
        if issubclass(cls, IRDLOperation):
            for trait in cls.traits:
                spec = self.get(type(trait))
                if spec is not None:
                    return spec
        return None


# --------------------------------------------------------------------------- schedule


@dataclass
class Step:
    """One op of the schedule: operand/result slots and its kernels."""

    op: Operation
    ins: list[int]
    outs: list[int]
    static: bool  # depends on no argument: folded at build time
    fn: Kernel | None = None  # per-sample / unbatched kernel
    fn_batch: Kernel | None = None  # whole-batch kernel (None: run sample by sample)
    posts: list[Post | None] = field(default_factory=list)
    in_replace: list[bool] = field(default_factory=list)  # operand has "replace" batched form
    in_dynamic: list[bool] = field(default_factory=list)
    out_replace: list[bool] = field(default_factory=list)
    frees: list[int] = field(default_factory=list)  # dynamic slots dead after this step


def find_function(module: ModuleOp | func.FuncOp, name: str | None = None) -> func.FuncOp:
    """`@name` (default `@main`, or the only function) of `module`."""
    if isinstance(module, func.FuncOp):
        return module
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    wanted = name or "main"
    for f in funcs:
        if f.sym_name.data == wanted:
            return f
    if name is None and len(funcs) == 1:
        return funcs[0]
    raise ExecutionError(f"no function @{wanted} in the module (found {[f.sym_name.data for f in funcs]})")


def pair_steps(a: Executor, b: Executor, who: str) -> list[tuple[Step, Step]]:
    """The non-constant steps of two executors of the same network, one to one in program order
    (a float module and its quantized copy: pot-scale only sets types and quantizes constants)."""
    def ops(ex: Executor) -> list[Step]:
        return [s for s in ex.steps if not isinstance(s.op, ConstantOp | arith.ConstantOp)]

    sa, sb = ops(a), ops(b)
    if len(sa) != len(sb) or any(x.op.name != y.op.name for x, y in zip(sa, sb)):
        raise QcompError(f"{who}: the passes between the float and the quantized module changed the ops "
                         "(pot-scale must only set types and quantize constants); cannot pair the layers")
    return list(zip(sa, sb))


class Executor:
    """Base executor: build once from a module, then `run` many times (see module docstring).

    `func_name`: the function to run (default `@main`, or the module's only function).
    `chunk_size`: at most this many samples go through the schedule at once (bounds memory).
    `threads`: chunks run on this many threads when no observer is given (default: the
    usable CPUs, or $QCOMP_THREADS; see `qcomp.executors.threads`).
    `per_sample_ops`: the ops that batched runs execute sample by sample.

    Subclasses set `kernels` and may override `constant_value`, `result_post` and
    `input_dtype`.
    """

    kernels: ClassVar[KernelTable] = KernelTable()

    def __init__(self, module: ModuleOp | func.FuncOp, func_name: str | None = None,
                 chunk_size: int = DEFAULT_CHUNK, threads: int | None = None):
        self.func = find_function(module, func_name)
        self.chunk_size = max(1, int(chunk_size))
        self.threads = default_threads() if threads is None else max(1, int(threads))
        block = self.func.body.block
        self.args = list(block.args)
        slots: dict[SSAValue, int] = {}
        for a in self.args:
            slots[a] = len(slots)
        dynamic: set[SSAValue] = set(self.args)
        self.steps: list[Step] = []
        self.outputs: list[int] = []
        self.output_values: list[SSAValue] = []
        static_env: dict[int, np.ndarray] = {}
        for op in block.ops:
            if isinstance(op, func.ReturnOp):
                self.output_values = list(op.operands)
                self.outputs = [slots[v] for v in op.operands]
                break
            step = self._compile(op, slots, dynamic, static_env)
            self.steps.append(step)
        self.arg_replace = [leads_with_one(a) for a in self.args]
        self.arg_posts = [self.result_post(a.type) for a in self.args]
        self.out_dynamic = [v in dynamic for v in self.output_values]
        self.out_replace = [leads_with_one(v) for v in self.output_values]
        self._env0: list[Any] = [None] * len(slots)
        for k, v in static_env.items():
            v = np.asarray(v)
            if v.flags.writeable:  # shared by every run and shown to observers: keep it intact
                v = v.view()
                v.flags.writeable = False
            self._env0[k] = v
        self._plan_frees()
        self.per_sample_ops = [s.op for s in self.steps if not s.static and s.fn_batch is None]

    # ---- hooks for subclasses

    def constant_value(self, op: Operation) -> np.ndarray | None:
        """The value of a constant op (None: not a constant)."""
        return None

    def result_post(self, t: Attribute) -> Post | None:
        """Post-processing applied to every value of type `t` (e.g. fake quantization):
        `post(x, axis_shift)`, axis_shift = 1 for stacked batched values."""
        return None

    def input_dtype(self, t: Attribute) -> np.dtype:
        """The dtype function arguments of type `t` are converted to."""
        return np.dtype(np.float32)

    # ---- build

    def _compile(self, op: Operation, slots: dict[SSAValue, int], dynamic: set[SSAValue],
                 static_env: dict[int, np.ndarray]) -> Step:
        for v in op.operands:
            if v not in slots:
                raise ExecutionError(f"{op_label(op)}: operand defined outside the function body")
        if op.regions and any(r.blocks for r in op.regions):
            raise ExecutionError(f"{op_label(op)}: ops with regions are not supported by {type(self).__name__}")
        ins = [slots[v] for v in op.operands]
        outs = []
        for r in op.results:
            slots[r] = len(slots)
            outs.append(slots[r])
        in_dyn = [v in dynamic for v in op.operands]
        step = Step(op, ins, outs, static=not any(in_dyn), in_dynamic=in_dyn,
                    in_replace=[leads_with_one(v) for v in op.operands],
                    out_replace=[leads_with_one(r) for r in op.results],
                    posts=[self.result_post(r.type) for r in op.results])
        const = self.constant_value(op)
        if const is not None:
            static_env[outs[0]] = const
            return step
        spec = self.kernels.lookup(op)
        if spec is None:
            raise ExecutionError(f"{type(self).__name__} has no kernel for {op_label(op)}")
        try:
            step.fn = spec.factory(op, False)
            if not step.static and spec.batchable(op, in_dyn):
                step.fn_batch = spec.factory(op, True)
        except QcompError:
            raise
        except Exception as e:
            raise ExecutionError(f"{op_label(op)}: cannot build its kernel: {e}") from e
        if step.static:
            results = self._call(step, step.fn, [static_env[i] for i in ins], 0)
            for k, value in zip(outs, results):
                static_env[k] = value
        else:
            dynamic.update(op.results)
        return step

    def _plan_frees(self) -> None:
        """Drop dynamic values from the environment after their last use (or at once when unused)."""
        keep = set(self.outputs)
        last: dict[int, int] = {}
        for i, s in enumerate(self.steps):
            if s.static:
                continue
            for k in s.outs:
                last[k] = i
            for k, dyn in zip(s.ins, s.in_dynamic):
                if dyn:
                    last[k] = i
        for k, i in last.items():
            if k not in keep:
                self.steps[i].frees.append(k)

    # ---- run

    @staticmethod
    def _call(step: Step, fn: Kernel | None, vals: list[Any], axis_shift: int, post: bool = True) -> list[np.ndarray]:
        assert fn is not None, "a dynamic step always has its kernel"
        try:
            res = fn(*vals)
        except QcompError:
            raise
        except Exception as e:
            raise ExecutionError(f"{op_label(step.op)}: {type(e).__name__}: {e}") from e
        results = [np.asarray(res)] if len(step.outs) == 1 else [np.asarray(r) for r in res]
        for j, p in enumerate(step.posts if post else ()):
            if p is not None:
                results[j] = p(results[j], axis_shift)
        return results

    def run_step(self, step: Step, vals: list[Any], n: int, post: bool = True) -> list[np.ndarray]:
        """Run one dynamic `step` of this executor on batched operand values `vals` (`n` samples,
        static operands unbatched); `post=False` skips its results' post-processing (fake
        quantization): how `qcomp report` runs one layer on another network's values."""
        if step.fn_batch is not None:
            return self._call(step, step.fn_batch, vals, 0, post)
        return self._per_sample(step, vals, n, post)

    def run(self, inputs: Sequence[np.ndarray], batched: bool = True,
            observer: Observer | None = None) -> list[np.ndarray]:
        """Run the function on `inputs` (one array per function argument).

        batched=True: every input carries a leading sample axis (replacing the IR's leading
        dim when it is 1, else added in front); so do the outputs. Samples run in chunks of
        at most `chunk_size`; without an observer the chunks are spread over `threads`
        threads (a batch of N runs as min(threads, N) chunks or more). batched=False: inputs
        have exactly the argument shapes.

        `observer(op, results)` is called after every op, in program order, once per chunk
        (chunks then run one after the other, on the calling thread); first
        `observer(None, args)` with the (converted) arguments. Results of ops that do not
        depend on the arguments (constants, folded shape math) are unbatched and shared: do
        not modify them. Dynamic results are in the batched layout in batched runs.
        """
        arrays = self._check_inputs(inputs, batched)
        if not batched:
            return self._run_chunk(arrays, False, observer, 1)
        n = arrays[0].shape[0] if arrays else 1
        threads = 1 if observer is not None else self.threads
        step = max(1, min(self.chunk_size, -(-n // threads)))
        starts = range(0, max(n, 1), step)
        parts = parallel_map(
            lambda i: self._run_chunk([a[i : i + step] for a in arrays], True, observer, min(step, n - i)),
            starts, threads)
        if len(parts) == 1:
            return parts[0]
        return [np.concatenate(p, axis=0) for p in zip(*parts)]

    def _check_inputs(self, inputs: Sequence[np.ndarray], batched: bool) -> list[np.ndarray]:
        if len(inputs) != len(self.args):
            raise InputDataError(f"@{self.func.sym_name.data} takes {len(self.args)} inputs, got {len(inputs)}")
        arrays, count = [], None
        for i, (x, a) in enumerate(zip(inputs, self.args)):
            x = np.asarray(x, dtype=self.input_dtype(a.type))
            want = shape(a)
            if batched:
                if self.arg_replace[i]:
                    ok, expect = x.ndim == len(want) and x.shape[1:] == want[1:], ("N", *want[1:])
                else:
                    ok, expect = x.shape[1:] == want, ("N", *want)
                if ok and count is not None and x.shape[0] != count:
                    raise InputDataError(f"input {i} has {x.shape[0]} samples, input 0 has {count}")
                if ok:
                    count = x.shape[0]
            else:
                ok, expect = x.shape == want, want
            if not ok:
                raise InputDataError(
                    f"input {i}: expected shape ({', '.join(map(str, expect))}), got {tuple(x.shape)}")
            arrays.append(x)
        return arrays

    def _run_chunk(self, args: list[np.ndarray], batched: bool, observer: Observer | None,
                   n: int) -> list[np.ndarray]:
        if observer is None:
            return _drain(self._schedule(args, batched, n))
        gen = self._schedule(args, batched, n)
        env = next(gen)[1]
        observer(None, list(env[: len(args)]))
        try:
            while True:
                step, env = gen.send(None)
                assert step is not None
                observer(step.op, [env[k] for k in step.outs])
        except StopIteration as stop:
            return stop.value

    def stepwise(self, inputs: Sequence[np.ndarray]) -> Generator[tuple[Step | None, list[Any]], None, list[np.ndarray]]:
        """Run batched `inputs` as one chunk, one op at a time: yields `(None, env)` with the
        arguments in place, then `(step, env)` after every step (static ones included) with its
        results in `env[step.outs]` and its operands not yet freed; returns the outputs. The
        caller may replace entries of `env` between steps, e.g. a step's results after running
        it again with another constant (`run_step`): later steps read what is there."""
        arrays = self._check_inputs(inputs, True)
        return self._schedule(arrays, True, arrays[0].shape[0] if arrays else 1)

    def _schedule(self, args: list[np.ndarray], batched: bool,
                  n: int) -> Generator[tuple[Step | None, list[Any]], None, list[np.ndarray]]:
        env = list(self._env0)
        for k, (x, post) in enumerate(zip(args, self.arg_posts)):
            if post is not None:
                x = post(x, 0 if (not batched or self.arg_replace[k]) else 1)
            env[k] = x
        yield None, env
        for step in self.steps:
            if not step.static:
                vals = [env[k] for k in step.ins]
                if not batched:
                    results = self._call(step, step.fn, vals, 0)
                elif step.fn_batch is not None:
                    results = self._call(step, step.fn_batch, vals, 0)
                else:
                    results = self._per_sample(step, vals, n)
                for k, v in zip(step.outs, results):
                    env[k] = v
            yield step, env
            for k in step.frees:
                env[k] = None
        outs = []
        for k, dyn, rep in zip(self.outputs, self.out_dynamic, self.out_replace):
            v = env[k]
            if not dyn:  # a constant output: fresh array, with a sample axis when batched
                v = (np.repeat(v, n, axis=0) if rep else np.repeat(v[None], n, axis=0)) if batched else v.copy()
            outs.append(v)
        return outs

    def _per_sample(self, step: Step, vals: list[Any], n: int, post: bool = True) -> list[np.ndarray]:
        """Run `step` one sample at a time and reassemble the batched results."""
        per: list[list[np.ndarray]] = []
        for i in range(n):
            sample = [v[i : i + 1] if rep else v[i] if dyn else v
                      for v, dyn, rep in zip(vals, step.in_dynamic, step.in_replace)]
            per.append(self._call(step, step.fn, sample, 0, post))
        return [np.concatenate(rs, axis=0) if rep else np.stack(rs, axis=0)
                for rs, rep in zip(zip(*per), step.out_replace)]


def _drain(gen: Generator[Any, None, list[np.ndarray]]) -> list[np.ndarray]:
    """Run a schedule generator to its end; its return value."""
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


# --------------------------------------------------------------------------- shared data-movement kernels
# The quant and shift levels move data identically (floats or integers alike).


def reshape_kernel(op: Operation, batched: bool) -> Kernel:
    """Reshape to the result's static shape; a batched value keeps its sample axis."""
    out = shape(op.results[0])
    if batched:
        return lambda x: x.reshape((x.shape[0], *out[1:]))
    return lambda x: x.reshape(out)


def transpose_batchable(op: Any, dyn: Sequence[bool]) -> bool:
    """A whole batch only when the leading axis stays in place."""
    return op.permutation[0] == 0 and leading_axis(op, dyn)


def transpose_kernel(op: Any, batched: bool) -> Kernel:
    """A contiguous permuted copy."""
    perm = op.permutation
    return lambda x: np.ascontiguousarray(np.transpose(x, perm))


def slice_kernel(op: Any, batched: bool) -> Kernel:
    """A contiguous copy of the strided slice; a batched value keeps all its samples (the
    batchable rule only batches slices whose leading axis is a kept 1)."""
    index = list(op.index())
    if batched and index:
        index[0] = slice(None)
    key = tuple(index)
    return lambda x: np.ascontiguousarray(x[key])


def pad_kernel(pads: Sequence[int], fill: float | int) -> Kernel:
    """Constant padding: `pads` = [begin_0 .. begin_r-1, end_0 .. end_r-1]."""
    r = len(pads) // 2
    widths = [(pads[i], pads[i + r]) for i in range(r)]
    return lambda x: np.pad(x, widths, mode="constant", constant_values=np.asarray(fill, x.dtype))
