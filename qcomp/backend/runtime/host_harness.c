/* Test harness for qcomp's generated C: run <prefix>_forward on every sample of a file.
 *
 *   cc -std=c99 -I<dir of out.h> -DQC_HEADER='"out.h"' out.c harness.c -o run
 *   ./run inputs.bin outputs.bin
 *
 * inputs.bin: N samples of MODEL_IN0_SIZE values of QC_IN_T (default int8_t: the quantized input, NCHW);
 * outputs.bin: N samples of MODEL_OUT0_SIZE values of QC_OUT_T (default int8_t).
 * One graph input and one graph output; prefix `model` (another one: -DQC_FORWARD=..., -DQC_IN_SIZE=...,
 * -DQC_OUT_SIZE=...; the defaults are in qcomp/backend/runtime/qc_harness.h, shared with the MCU harness).
 */
#include "qc_harness.h" /* QC_HEADER, QC_IN_T, ..., QC_FORWARD */

int main(int argc, char **argv)
{
    static QC_IN_T in[QC_IN_SIZE];
    static QC_OUT_T out[QC_OUT_SIZE];
    FILE *fi, *fo;
    long n = 0;
    if (argc != 3) {
        fprintf(stderr, "usage: %s inputs.bin outputs.bin\n", argv[0]);
        return 2;
    }
    fi = fopen(argv[1], "rb");
    fo = fopen(argv[2], "wb");
    if (fi == NULL || fo == NULL) {
        fprintf(stderr, "cannot open %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    while (fread(in, sizeof in[0], QC_IN_SIZE, fi) == QC_IN_SIZE) {
        QC_FORWARD(in, out);
        if (fwrite(out, sizeof out[0], QC_OUT_SIZE, fo) != QC_OUT_SIZE) {
            fprintf(stderr, "write error\n");
            return 2;
        }
        ++n;
    }
    fclose(fi);
    fclose(fo);
    fprintf(stderr, "harness: %ld samples\n", n);
    return 0;
}
