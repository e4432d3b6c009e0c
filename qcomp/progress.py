"""Progress lines of a long pass on stderr: `WHO: K/N UNIT (T s)` after the first second, only on
a terminal or with QCOMP_PROGRESS=1 (stdout carries the IR and stays clean)."""

from __future__ import annotations

import os
import sys
import time


class StepProgress:
    """Counts steps of a known total; `step()` after each, `close()` at the end."""

    def __init__(self, who: str, unit: str, total: int):
        self.who, self.unit, self.total = who, unit, total
        self.tty = sys.stderr.isatty()
        self.enabled = self.tty or os.environ.get("QCOMP_PROGRESS") == "1"
        self.done, self.start, self.printed = 0, time.monotonic(), False

    def step(self) -> None:
        self.done += 1
        t = time.monotonic() - self.start
        if self.enabled and t >= 1.0:
            msg = f"{self.who}: {self.done}/{self.total} {self.unit} ({t:.1f} s)"
            print(("\r" + msg) if self.tty else msg, end="" if self.tty else "\n", file=sys.stderr, flush=True)
            self.printed = True

    def close(self) -> None:
        if self.printed and self.tty:
            print(file=sys.stderr, flush=True)
