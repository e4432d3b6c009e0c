# REQUIRES: cc
# RUN: %python %s | filecheck %s
"""Every kernel generator on the host, C against the shift executor, bit for bit.

Built twice with the e2e harness: portable `-O2`, and `-O2 -march=native`, which takes the
AVX2 conv path where the host has it. The cases are in Inputs/kernel_cases.py.
"""

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "Inputs"))
from kernel_cases import CT, KernelSuite  # noqa: E402

HARNESS = Path(__file__).parents[2] / "qcomp" / "backend" / "runtime" / "host_harness.c"


class HostSuite(KernelSuite):
    """cc builds, run natively."""

    flag_sets = (("-O2",), ("-O2", "-march=native"))

    def build(self, d, c_file, in_elt, out_elt, flags):
        exe = d / "run"
        r = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", *flags, f"-I{d}",
                            '-DQC_HEADER="out.h"', f"-DQC_IN_T={CT[in_elt]}", f"-DQC_OUT_T={CT[out_elt]}",
                            str(c_file), str(HARNESS), "-o", str(exe)], capture_output=True, text=True)
        return r.stderr if r.returncode else exe

    def run(self, exe, d):
        subprocess.run([str(exe), f"{d}/in.bin", f"{d}/out.bin"], check=True, capture_output=True)


HostSuite().common_cases()

# CHECK: conv_dense_pad ok
# CHECK: conv_stride_asym ok
# CHECK: conv_dilated_grouped ok
# CHECK: conv_pointwise_perchannel ok
# CHECK: conv_depthwise ok
# CHECK: conv_wide_out ok
# CHECK: conv_uint8_in ok
# CHECK: conv_big_kernel_int64 ok
# CHECK: fc_perchannel ok
# CHECK: conv_reshape_fc ok
# CHECK: conv_reshape_out ok
# CHECK: add_inplace ok
# CHECK: add_broadcast ok
# CHECK: mul_broadcast ok
# CHECK: requant_clamp ok
# CHECK: lut ok
# CHECK: softmax ok
# CHECK: maxpool_ceil_pad ok
# CHECK: avgpool_exclude ok
# CHECK: avgpool_include_ceil ok
# CHECK: global_avgpool ok
# CHECK: concat_shifts ok
# CHECK: transpose ok
# CHECK: pad ok

print("all cases run")
# CHECK-NOT: FAIL
# CHECK: all cases run
