/* What qcomp's two harnesses share: qcomp/backend/runtime/host_harness.c (host) and
 * qcomp/backend/mcu/harness.c (Cortex-M under qemu) both run QC_FORWARD on every sample of
 * inputs.bin and write outputs.bin. Each default can be overridden with -D:
 *
 *   QC_HEADER                 the generated header ("out.h")
 *   QC_IN_T, QC_OUT_T         element types of the graph input and output (int8_t)
 *   QC_IN_SIZE, QC_OUT_SIZE   values per sample (the header's MODEL_IN0_SIZE, MODEL_OUT0_SIZE)
 *   QC_FORWARD                the integer forward function (model_forward)
 */
#ifndef QC_HARNESS_H
#define QC_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef QC_HEADER
#define QC_HEADER "out.h"
#endif
#include QC_HEADER

#ifndef QC_IN_T
#define QC_IN_T int8_t
#endif
#ifndef QC_OUT_T
#define QC_OUT_T int8_t
#endif
#ifndef QC_IN_SIZE
#define QC_IN_SIZE MODEL_IN0_SIZE
#endif
#ifndef QC_OUT_SIZE
#define QC_OUT_SIZE MODEL_OUT0_SIZE
#endif
#ifndef QC_FORWARD
#define QC_FORWARD model_forward
#endif

#endif /* QC_HARNESS_H */
