"""Errors qcomp reports to users as one line: what is at fault and why."""


class QcompError(Exception):
    """A user-facing error: the CLI prints `qcomp: error: <message>` and exits non-zero."""


class UnsupportedModelError(QcompError):
    """The ONNX model uses an op, attribute or form qcomp cannot compile."""


class InputDataError(QcompError):
    """Calibration or evaluation data of the wrong shape, dtype or format."""


class PipelineError(QcompError):
    """A malformed pipeline file, unknown pass or bad option."""
