"""Sample-parallel execution: run independent pieces of a batch on a few threads.

numpy releases the GIL in its copies, ufuncs and BLAS calls, so pieces of a batch run
truly in parallel. BLAS is limited to one thread meanwhile (via `threadpoolctl`, when
installed) so the two levels of parallelism do not fight; without `threadpoolctl`,
pieces run one after the other and BLAS keeps its own threads.

The thread count defaults to the CPUs this process may use, and can be forced with the
environment variable QCOMP_THREADS (1 disables the thread pool).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}
_controller: Any = None
_PREFIX = "qcomp-exec"


def default_threads() -> int:
    """QCOMP_THREADS if set, else the number of CPUs available to this process."""
    env = os.environ.get("QCOMP_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _blas_single_thread() -> AbstractContextManager | None:
    """A context limiting BLAS to one thread, or None when threadpoolctl is unavailable."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    with _lock:
        if _controller is None:
            _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def _pool(threads: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix=_PREFIX)
        return pool


def parallel_map(fn: Callable[[Any], Any], items: Sequence[Any], threads: int) -> list[Any]:
    """[fn(item) for item in items], on up to `threads` threads with single-threaded BLAS.

    Runs sequentially when called from one of the pool's own threads (no nested waits)."""
    if threads <= 1 or len(items) <= 1 or threading.current_thread().name.startswith(_PREFIX):
        return [fn(item) for item in items]
    limit = _blas_single_thread()
    if limit is None:
        return [fn(item) for item in items]
    with limit:
        return list(_pool(threads).map(fn, items))
