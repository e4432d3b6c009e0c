"""Verdicts for qcomp's Python lit tests: a failed case fails the test even if no CHECK line names it.

    from qcomp.testing import verdict, fail
    print(f"{label} {verdict(err <= 1e-6)} max_err={err:.1e}")   # prints ok / FAIL
    print(fail("overflow: no error"))                             # always a failure

Each test prints one `<case> ok` / `<case> FAIL ...` line per case and FileCheck matches the
lines it names. A `FAIL` on a line no CHECK names would pass unnoticed; with `verdict` the
script also exits 1 at the end (after all its output) when any case failed, so lit reports
the test as failed whatever its CHECK lines say.
"""

from __future__ import annotations

import atexit
import os
import sys

_failures: list[str] = []


def verdict(ok: object, label: str = "") -> str:
    """'ok' when `ok` is true, else 'FAIL' (and the script will exit 1)."""
    if ok:
        return "ok"
    _failures.append(label or "case")
    return "FAIL"


def fail(message: str) -> str:
    """Record a failure and return `message` prefixed with FAIL (for a print)."""
    _failures.append(message)
    return message if "FAIL" in message else f"FAIL {message}"


def failures() -> list[str]:
    return list(_failures)


@atexit.register
def _exit_on_failure() -> None:
    if _failures:
        sys.stdout.flush()
        print(f"qcomp.testing: {len(_failures)} case(s) failed", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
