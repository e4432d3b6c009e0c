"""`qcomp-opt`: xdsl-opt with qcomp's dialects, passes, ONNX frontend and user plugins.

    qcomp-opt in.mlir -p 'fold-batchnorm,pot-scale{weights="per-channel"}'
    qcomp-opt model.onnx --plugin my_passes.py -p my-pass
    qcomp-opt model.mlir -p 'lower-shift-to-emitc,plan-memory' -t c -o model.c   # the C (qcomp.backend.c_target)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from xdsl.xdsl_opt_main import xDSLOptMain

from qcomp.context import available_dialects, dialect_factory


class QcompOptMain(xDSLOptMain):
    """xDSLOptMain plus qcomp's dialects, passes (the registry), `.onnx` frontend and C target."""

    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        for name in available_dialects():
            if name == "emitc":
                continue  # xDSL ships an emitc dialect; qcomp's extends it (see qcomp.dialects.emitc)
            self.ctx.register_dialect(name, dialect_factory(name))
        if "emitc" in available_dialects():
            self.ctx._registered_dialects.pop("emitc", None)  # noqa: SLF001 - replace xDSL's own emitc
            self.ctx.register_dialect("emitc", dialect_factory("emitc"))

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def import_onnx(stream):  # lazy: onnx is heavy
            from qcomp.frontend.onnx_import import import_onnx as imp

            return imp(stream)

        self.available_frontends["onnx"] = import_onnx

    def register_all_targets(self) -> None:
        super().register_all_targets()

        def c_target():  # lazy: the C printer is only needed with -t c
            from qcomp.backend.c_target import CTarget

            return CTarget

        self.available_targets["c"] = c_target

    def register_all_passes(self) -> None:
        super().register_all_passes()
        from qcomp.registry import pass_factories

        for name, factory in pass_factories().items():
            self.register_pass(name, factory)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument("--plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                                help="load user passes from a Python file or module (repeatable)")
        arg_parser.add_argument("--elide-constants", nargs="?", const=16, type=int, default=None,
                                metavar="N", help="print constants with more than N elements elided")

    def output_resulting_program(self, prog):  # type: ignore[no-untyped-def]
        from qcomp.dialects.constants import elided_constants

        with elided_constants(self.args.elide_constants):
            return super().output_resulting_program(prog)


def _preload_plugins(argv: Sequence[str]) -> None:
    """Plugins must be registered before the pipeline is parsed, so load them first."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--plugin", action="append", default=[])
    known, _ = pre.parse_known_args(argv)
    if known.plugin:
        from qcomp.registry import load_plugin

        for spec in known.plugin:
            load_plugin(spec)


def main(argv: Sequence[str] | None = None) -> None:
    from xdsl.utils.arg_spec import ArgSpecParseError
    from xdsl.utils.exceptions import DiagnosticException, ParseError

    from qcomp.errors import QcompError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _preload_plugins(args)
        try:
            tool = QcompOptMain(description="qcomp-opt: run qcomp passes on quant/shift/emitc IR or an ONNX model",
                                args=args)
        except (ValueError, ArgSpecParseError) as e:  # unknown pass or option in -p
            raise QcompError(str(e).strip().splitlines()[-1]) from None
        tool.run()
    except QcompError as e:
        print(f"qcomp-opt: error: {e}", file=sys.stderr)
        sys.exit(1)
    except (ParseError, DiagnosticException) as e:
        print(f"qcomp-opt: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
