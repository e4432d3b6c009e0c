"""Kernel generators: specialised C99 for one shift op (shapes, layouts, constants known), split by target.

* `common`: what every generator returns and shares: `KernelCode`, `GlobalData`, the op
  specs (`ConvSpec`, `FcSpec`), C-emission helpers and the `#if` plumbing of SIMD variants;
* `portable`: the conv, depthwise and fc generators (portable C99), which add the variants
  of the targets below when the op qualifies;
* `cortex_m`: the `QC_ARM_DSP` variants (Arm DSP extension: SMLAD, SXTB16, SSAT);
* `x86`: the `__AVX2__` variant of dense conv;
* `qcomp.backend.kernels_tensor`: the other ops (elementwise, pooling, softmax, data movement);
* `HELPERS`: the C runtime every OUT.c starts with, the real C file
  `qcomp/backend/runtime/qc_runtime.h` (tested as C by test/backend/runtime.test).

Each generator returns a `KernelCode`: the parameters (pointers: inputs, then the output),
the function body, private helpers printed before it (`prelude`), the constant arrays it
reads, whether it may run in place and its MAC count. Semantics follow
`qcomp.dialects.shift` exactly (the shift executor is the golden model):

* rounding right shift `rshift(x, s)` = x / 2^s rounded by the target's tie rule: half up,
  `(x >> s) + ((x >> (s - 1)) & 1)`, which cannot overflow, or half even (`QC_ROUND_HALF_EVEN`,
  qc_runtime.h: also the remainder's compare with half and the floor's parity); left shifts (s < 0) saturate
  exactly like the executor. `>>` of a negative value is arithmetic on every compiler
  qcomp targets; `HELPERS` stops the build on one that is not.
* accumulators are int32 when a static bound (sum |w| * max |x| + |bias|) proves it, else
  int64, so no signed overflow is possible whatever the input.
* average pooling, global average pooling and softmax use one exact floor division
  `floor((2 * num + den) / (2 * den))` (`qc_floordiv`), the executor's single rounding.

Convolution strategy (NHWC activations, weights re-laid out at compile time):
* portable path: per output pixel, per output channel, one dot product per kernel row
  over the contiguous (kx, c) run of the input; the output columns are split into left
  border / interior / right border, so interior pixels run with constant bounds
  (the per-pixel routine is inlined with constants and vectorised by the compiler);
* `__AVX2__` path (x86 hosts, `-march=native`): 4 pixels at a time, their patches gathered
  once as int16, weights pre-packed as int16 pairs [K/2][O][2] so that one `vpmaddwd`
  does 16 exact MACs for 8 output channels; no horizontal sums;
* `QC_ARM_DSP` path (Arm cores with the DSP extension: Cortex-M4/M7/M33/M55, defined by
  `HELPERS` from `__ARM_FEATURE_DSP`; `-DQC_PORTABLE` turns it off): 4 output pixels at a
  time, their patches gathered once as int16 in quad-reordered pairs (a0, a2), (a1, a3); the
  portable int8 weights are read as they are, one word = 4 weights widened by two SXTB16 into
  the matching pairs, so two SMLAD do 4 exact MACs per pixel; 2 output channels x 4 pixels
  of int32 accumulators in registers (int32-bound layers only); fc the same with one pixel;
* depthwise: per pixel, taps outer, channels inner (vectorised across channels); with
  `QC_ARM_DSP`: 4 channels per input word, SMLABB / SMLATT against int16 weight pairs.
"""

from __future__ import annotations

from qcomp.backend.kernels.common import CTYPE_RANGE, ConvSpec, FcSpec, GlobalData, KernelCode, KernelError
from qcomp.backend.kernels.portable import gen_conv2d, gen_fc
from qcomp.backend.runtime import RUNTIME as HELPERS

__all__ = ["CTYPE_RANGE", "HELPERS", "ConvSpec", "FcSpec", "GlobalData", "KernelCode", "KernelError", "gen_conv2d",
           "gen_fc"]
