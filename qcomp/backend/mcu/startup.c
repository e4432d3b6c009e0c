/* Bare-metal startup for qemu-system-arm -M mps2-an386 (Cortex-M4), newlib + rdimon semihosting.
 *
 *   arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -O2 --specs=rdimon.specs -T mps2_an386.ld \
 *       startup.c app.c -o app.elf
 *   qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native \
 *       -kernel app.elf -append "arg1 arg2"
 *
 * On reset the core loads SP from word 0 and the reset vector from word 1 of the vector table
 * at 0x00000000 (VTOR resets to 0). Reset_Handler copies .data from its load address in
 * flash to SRAM, zero-fills .bss, enables the FPU when the build uses it, then enters
 * newlib's rdimon crt0 (`_start`), which asks the semihosting host for the heap/stack
 * (SYS_HEAPINFO), reads argv (SYS_GET_CMDLINE), opens stdin/stdout/stderr, runs the
 * constructors, calls main and leaves through exit() -> SYS_EXIT(_EXTENDED), which ends qemu
 * with main's status. Any fault prints one line and exits with status 1, so a crash never
 * hangs the emulator.
 */
#include <stdint.h>

extern uint32_t __stack, __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__;
extern void _start(void);

void Reset_Handler(void);
void Fault_Handler(void);

/* One semihosting call (BKPT 0xAB in Thumb state). */
static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void Reset_Handler(void)
{
    const uint32_t *src = &__data_load__;
    uint32_t *dst;
    for (dst = &__data_start__; dst < &__data_end__;)
        *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;)
        *dst++ = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to CP10/CP11 before the first floating-point instruction. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    _start();
    for (;;) {
    }
}

void Fault_Handler(void)
{
    static const char msg[] = "mcu: fault (hard/mem/bus/usage), exiting\n";
    semihost(0x04, msg);       /* SYS_WRITE0 */
    semihost(0x18, (const void *)0x20023u); /* SYS_EXIT, ADP_Stopped_RunTimeErrorUnknown: status 1 */
    for (;;) {
    }
}

/* The 16 system exception vectors; no peripheral interrupt is enabled. */
typedef union {
    uint32_t *sp;
    void (*handler)(void);
} qc_vector;

__attribute__((section(".isr_vector"), used)) const qc_vector qc_vectors[16] = {
    {.sp = &__stack}, /* initial main stack pointer */
    {.handler = Reset_Handler},
    {.handler = Fault_Handler}, /* NMI */
    {.handler = Fault_Handler}, /* HardFault */
    {.handler = Fault_Handler}, /* MemManage */
    {.handler = Fault_Handler}, /* BusFault */
    {.handler = Fault_Handler}, /* UsageFault */
    {0}, {0}, {0}, {0},
    {.handler = Fault_Handler}, /* SVCall */
    {.handler = Fault_Handler}, /* DebugMonitor */
    {0},
    {.handler = Fault_Handler}, /* PendSV */
    {.handler = Fault_Handler}, /* SysTick */
};
