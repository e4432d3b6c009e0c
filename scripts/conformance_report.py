"""Run the ONNX backend node tests through the importer and the float executor; write the report.

    python scripts/conformance_report.py                 # writes docs/conformance.md
    python scripts/conformance_report.py -o report.md --min-pass-rate 95

Prints the one-line summary; exits 1 when the pass rate is below --min-pass-rate.
See qcomp/frontend/conformance.py for what is in scope and how cases are compared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qcomp.frontend.conformance import run_conformance

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=REPO / "docs" / "conformance.md",
                        help="markdown report to write (default: docs/conformance.md)")
    parser.add_argument("--min-pass-rate", type=float, default=0.0, metavar="PERCENT",
                        help="exit 1 when fewer in-scope cases pass")
    parser.add_argument("--failures", action="store_true", help="also print every failing case")
    args = parser.parse_args(argv)
    report = run_conformance()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.markdown())
    print(report.summary())
    if args.failures:
        for case in report.failures:
            print(f"  FAIL {case.name}: {case.reason}")
    if report.pass_rate < args.min_pass_rate:
        print(f"pass rate {report.pass_rate:.1f}% is below {args.min_pass_rate:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
