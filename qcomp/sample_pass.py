"""The passes besides calibrate that run the calibration samples (search-exponents, correct-bias,
widen-layers): their common options and the checks each of them starts with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qcomp.dialects.ranges import arg_ranges, op_range

#: what a model's outputs are for (calibrate's `outputs`, and the passes that measure the output error)
OUTPUT_USES = ("values", "sigmoid", "softmax")


def check_outputs(who: str, outputs: str) -> None:
    """The `outputs` option of pass `who` names one of OUTPUT_USES (ValueError otherwise)."""
    if outputs not in OUTPUT_USES:
        raise ValueError(f"{who}: outputs='{outputs}' must be one of {', '.join(OUTPUT_USES)}")


@dataclass(frozen=True)
class SamplePass(ModulePass):
    """A pass that runs the calibration samples on the float module with ranges and on copies of it
    quantized by `quantize` (the pot-scale after it in the pipeline)."""

    #: the pipeline loader gives such a pass calibrate's `data` and its own pot-scale (qcomp.pipeline)
    USES_SAMPLES: ClassVar[bool] = True

    data: str = ""
    """the calibration samples (as for calibrate); a pipeline gives it calibrate's (the CLI's --calib)"""
    quantize: str = ""
    """the pot-scale that quantizes the network (the pipeline loader fills in the pipeline's own)"""
    samples: int = 32
    """how many of the samples are run"""

    def start(self, op: ModuleOp, unchanged: str) -> tuple[func.FuncOp, list[np.ndarray], ModulePass] | None:
        """The function, its first `samples` samples and the quantizer; None (after one warning
        line saying `unchanged`) without samples. A module without ranges is an error."""
        from qcomp.passes.calibrate import find_function, load_samples, warn_no_samples
        from qcomp.passes.pot_scale import pot_scale_from_spec

        f = find_function(op, self.name)
        if not self.data:
            warn_no_samples(op, self.name, unchanged)
            return None
        if any(r is None for r in arg_ranges(f)) or not any(op_range(o) is not None for o in f.body.walk()):
            raise PassFailedException(f"{self.name}: the module has no calibrated ranges: run calibrate first")
        xs = load_samples(self.data, f, self.samples, self.name)
        return f, xs, pot_scale_from_spec(self.quantize, self.name)
