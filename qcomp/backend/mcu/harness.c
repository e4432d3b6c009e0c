/* Cortex-M harness for qcomp's generated C: run <prefix>_forward on every sample of a file.
 *
 * The MCU twin of qcomp/backend/runtime/host_harness.c, built with startup.c and mps2_an386.ld and run
 * under qemu-system-arm -M mps2-an386 with semihosting (file I/O on the host):
 *
 *   ... -kernel app.elf -append "inputs.bin outputs.bin"
 *
 * inputs.bin: N samples of MODEL_IN0_SIZE int8 values; outputs.bin: N samples of
 * MODEL_OUT0_SIZE int8 values (QC_* macros as in the host harness). Times each forward call
 * with the DWT cycle counter and prints on stdout
 *
 *   mcu: N samples, C cycles/sample
 *
 * qemu 7.2 does not model the DWT (CYCCNT stays 0); the harness then sums the ticks of
 * SysTick on the processor clock instead and prints
 *
 *   mcu: N samples, T SysTick ticks (no DWT cycle counter)
 *
 * Under `qemu -icount shift=0` (1 ns per instruction, SysTick at the board's 25 MHz) a tick
 * is 40 instructions: an instruction count, not a cycle count.
 */
#include "../runtime/qc_harness.h" /* QC_HEADER, QC_IN_T, ..., QC_FORWARD */

#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)      /* bit 24 TRCENA */
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)   /* bit 0 CYCCNTENA */
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)    /* ENABLE | CLKSOURCE (processor clock) */
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)    /* 24-bit down counter */

int main(int argc, char **argv)
{
    static QC_IN_T in[QC_IN_SIZE];
    static QC_OUT_T out[QC_OUT_SIZE];
    FILE *fi, *fo;
    long n = 0;
    uint64_t cycles = 0, ticks = 0;
    if (argc != 3) {
        printf("usage: %s inputs.bin outputs.bin\n", argc ? argv[0] : "app");
        return 2;
    }
    fi = fopen(argv[1], "rb");
    fo = fopen(argv[2], "wb");
    if (fi == NULL || fo == NULL) {
        printf("cannot open %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    DEMCR |= 1u << 24;
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u;
    while (fread(in, sizeof in[0], QC_IN_SIZE, fi) == QC_IN_SIZE) {
        uint32_t t0 = DWT_CYCCNT, s0 = SYST_CVR;
        QC_FORWARD(in, out);
        cycles += (uint32_t)(DWT_CYCCNT - t0);
        ticks += (s0 - SYST_CVR) & 0xFFFFFFu;
        if (fwrite(out, sizeof out[0], QC_OUT_SIZE, fo) != QC_OUT_SIZE) {
            printf("write error\n");
            return 2;
        }
        ++n;
    }
    fclose(fi);
    if (fclose(fo) != 0) {
        printf("write error\n");
        return 2;
    }
    if (cycles != 0 && n != 0)
        printf("mcu: %ld samples, %llu cycles/sample\n", n, (unsigned long long)(cycles / (uint64_t)n));
    else
        printf("mcu: %ld samples, %llu SysTick ticks (no DWT cycle counter)\n", n, (unsigned long long)ticks);
    return 0;
}
