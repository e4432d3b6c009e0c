"""qcomp's numerics core: the integer and window arithmetic every level shares.

The executors, the passes and the C generator all import these functions, so rounding,
saturation, integer ranges, the rounding shift, pooling windows and the lookup-table
functions are written once (numpy only; no IR types here):

* `integer`: storage ranges, the tie rules (half up, half even), the rounding shift `rshift`, exact rounded
  division, saturation, grid integers of reals, dyadic decomposition;
* `windows`: ONNX's sliding-window output size, window geometry, padding and taps;
* `functions`: the float functions of table-lowered activations and the table builder;
* `interp`: those functions of an int16 input, by linear interpolation between knots (`shift.interp`).
"""

from qcomp.numerics.functions import (
    celu,
    elu,
    hard_sigmoid,
    hard_swish,
    leaky_relu,
    lut_table,
    mish,
    selu,
    sigmoid,
    softplus,
    softsign,
    thresholded_relu,
)
from qcomp.numerics.integer import (
    HALF_EVEN,
    HALF_UP,
    ROUNDINGS,
    check_rounding,
    dyadic,
    exponent_array,
    grid_bound,
    grid_integers,
    int_bounds,
    round_half_up,
    round_ties,
    rounded_div,
    rounded_scaled_div,
    rshift,
    saturate,
)
from qcomp.numerics.windows import (
    pad_hw,
    trim_to_windows,
    window_counts,
    window_geometry,
    window_out,
    window_taps,
)

__all__ = [
    "HALF_EVEN", "HALF_UP", "ROUNDINGS", "check_rounding", "round_ties",
    "celu", "elu", "mish", "selu", "softplus", "softsign", "thresholded_relu",
    "dyadic", "exponent_array", "grid_bound", "grid_integers", "hard_sigmoid", "hard_swish", "int_bounds",
    "leaky_relu", "lut_table", "pad_hw", "round_half_up", "rounded_div", "rounded_scaled_div", "rshift",
    "saturate", "sigmoid", "trim_to_windows", "window_counts", "window_geometry", "window_out", "window_taps",
]
