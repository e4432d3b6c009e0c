/* Calls the helpers of qcomp's C runtime (qcomp/backend/runtime/qc_runtime.h; qc_opaque.h is
 * compiled too) on edge and pseudo-random arguments, one line per call: `<helper> <arguments...>
 * <result>`, then `end <number of lines before it>`. runtime_check.py compares every result with
 * the integer reference of the shift executor. The runtime is included as OUT.c includes it:
 * right after <stdint.h> and <string.h>, before anything else.
 *
 *   cc -std=c99 -I<runtime dir> runtime_check.c -o check && ./check [random cases per helper]
 *
 * The arguments stay inside each helper's contract (the bounds qcomp's generators prove):
 * - qc_requant64 / qc_requant: lo <= hi, -62 <= s <= 62 and |acc| <= 2^62 when s > 0 (where
 *   the executor's int64 `(x + 2^(s-1)) >> s` is exact);
 * - qc_floordiv: b > 0; qc_rounded_div: den > 0 and the scaled operands fit int64;
 * - qc_rounded_div32: the generator's bound 2 |num| 2^max(-s,0) + 2 den 2^max(s,0) < 2^31;
 * - qc_rshift: 1 <= s <= 30.
 * With QC_ARM_DSP (Cortex-M builds) also the quad-reordering qc_widen_s8/u8/s16. Built with
 * -DQC_ROUND_HALF_EVEN (a target with `rounding: half-even`) every rounding breaks ties to even.
 */
#include <stdint.h>
#include <string.h>

#include "qc_runtime.h"

#include "qc_opaque.h"

#include <stdio.h>
#include <stdlib.h>

static long lines = 0;
static uint64_t state = 0x243F6A8885A308D3ull;

/* splitmix64 */
static uint64_t next(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [lo, hi] (hi - lo < 2^63) */
static int64_t uniform(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

/* a value of random magnitude: |v| < 2^b with b uniform in [0, bits], random sign (bits <= 62) */
static int64_t magnitude(int bits)
{
    const int b = (int)uniform(0, bits);
    const int64_t v = (int64_t)(next() & (((uint64_t)1 << b) - 1));
    return (next() & 1) ? -v : v;
}

/* |v| < 2^(bits + 1) (bits <= 62) */
static int64_t wide(int bits)
{
    const int64_t v = magnitude(bits);
    return v * uniform(1, 2);
}

/* any int32 */
static int32_t any32(void)
{
    const int32_t v = (int32_t)magnitude(31);
    return v - (int32_t)(next() & 1);
}

/* in [1, 2^b], b uniform in [0, bits] (bits <= 62) */
static int64_t positive(int bits)
{
    const int b = (int)uniform(0, bits);
    return uniform(1, (int64_t)1 << b);
}

/* a clamp range: a common one, or two random int32 values in order */
static void range(int32_t *lo, int32_t *hi)
{
    static const int32_t common[][2] = {{-128, 127}, {0, 255}, {0, 6}, {-32768, 32767}, {0, 127},
                                        {INT32_MIN, INT32_MAX}};
    if (next() & 1) {
        const int i = (int)uniform(0, sizeof common / sizeof common[0] - 1);
        *lo = common[i][0];
        *hi = common[i][1];
    } else {
        const int32_t a = (int32_t)magnitude(31), b = (int32_t)magnitude(31);
        *lo = a < b ? a : b;
        *hi = a < b ? b : a;
    }
}

static void out(const char *helper, int n, const long long *v)
{
    int i;
    QC_OPAQUE(v); /* qc_opaque.h compiles too */
    printf("%s", helper);
    for (i = 0; i < n; ++i) {
        printf(" %lld", v[i]);
    }
    printf("\n");
    ++lines;
}

static void clamp(int64_t v, int32_t lo, int32_t hi)
{
    const long long a[4] = {v, lo, hi, qc_clamp(v, lo, hi)};
    out("clamp", 4, a);
}

static void requant64(int64_t acc, int s, int32_t lo, int32_t hi)
{
    const long long a[5] = {acc, s, lo, hi, qc_requant64(acc, s, lo, hi)};
    out("requant64", 5, a);
}

static void requant(int32_t acc, int s, int32_t lo, int32_t hi)
{
    const long long a[5] = {acc, s, lo, hi, qc_requant(acc, s, lo, hi)};
    out("requant", 5, a);
}

static void floordiv(int64_t x, int64_t d)
{
    const long long a[3] = {x, d, qc_floordiv(x, d)};
    out("floordiv", 3, a);
}

static void rounded_div(int64_t num, int64_t den, int s)
{
    const long long a[4] = {num, den, s, qc_rounded_div(num, den, s)};
    out("rounded_div", 4, a);
}

/* 2 |num| 2^max(-s,0) + 2 den 2^max(s,0) < 2^31, as the generator checks before calling it */
static int fits32(int64_t num, int64_t den, int s)
{
    const int64_t n = num < 0 ? -num : num;
    return 2 * n * ((int64_t)1 << (s < 0 ? -s : 0)) + 2 * den * ((int64_t)1 << (s > 0 ? s : 0))
           < ((int64_t)1 << 31);
}

static void rounded_div32(int32_t num, int32_t den, int s)
{
    const long long a[4] = {num, den, s, qc_rounded_div32(num, den, s)};
    out("rounded_div32", 4, a);
}

static void rshift(int32_t acc, int s)
{
    const long long a[3] = {acc, s, qc_rshift(acc, s)};
    out("rshift", 3, a);
}

#if defined(QC_ARM_DSP)
/* `widen_<t> n x_0 .. x_{n-1} : p_0 .. p_{m-1}`: the m int16 (m = n rounded up to 4, the slots
   a helper does not write are 0x5A5A) that qc_widen_<t> wrote for the n inputs x */
static void widen(int t, int n)
{
    int8_t s8[16];
    uint8_t u8[16];
    int16_t s16[16], p[16];
    const int m = (n + 3) & ~3;
    int i;
    for (i = 0; i < n; ++i) {
        s16[i] = (int16_t)next();
        s8[i] = (int8_t)s16[i];
        u8[i] = (uint8_t)s16[i];
    }
    for (i = 0; i < 16; ++i) {
        p[i] = 0x5A5A;
    }
    if (t == 0) {
        qc_widen_s8(p, s8, n);
    } else if (t == 1) {
        qc_widen_u8(p, u8, n);
    } else {
        qc_widen_s16(p, s16, n);
    }
    printf("%s %d", t == 0 ? "widen_s8" : (t == 1 ? "widen_u8" : "widen_s16"), n);
    for (i = 0; i < n; ++i) {
        printf(" %d", t == 0 ? s8[i] : (t == 1 ? u8[i] : s16[i]));
    }
    printf(" :");
    for (i = 0; i < m; ++i) {
        printf(" %d", p[i]);
    }
    printf("\n");
    ++lines;
}
#endif

int main(int argc, char **argv)
{
    static const int64_t edge64[] = {0, 1, -1, 2, -2, 3, -3, 127, -128, 128, -129, 255, 256,
                                     INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1,
                                     (int64_t)1 << 40, -((int64_t)1 << 40), ((int64_t)1 << 62) - 1,
                                     (int64_t)1 << 62, -((int64_t)1 << 62), INT64_MAX, INT64_MIN};
    static const int32_t edge32[] = {0, 1, -1, 2, -2, 3, -3, 5, -5, 6, -6, 127, -128, 128, -129,
                                     32767, -32768, 0x3FFFFFFF, -0x40000000, INT32_MAX, INT32_MIN};
    static const int32_t ranges[][2] = {{-128, 127}, {0, 255}, {0, 6}, {INT32_MIN, INT32_MAX},
                                        {3, 100}, {-100, -3}, {5, 5}};
    static const int shifts[] = {-62, -61, -40, -31, -30, -8, -1, 0, 1, 2, 7, 8, 15, 30, 31, 32, 40, 61, 62};
    const int nr = (int)(sizeof ranges / sizeof ranges[0]), ns = (int)(sizeof shifts / sizeof shifts[0]);
    const int n64 = (int)(sizeof edge64 / sizeof edge64[0]), n32 = (int)(sizeof edge32 / sizeof edge32[0]);
    const long nrandom = argc > 1 ? atol(argv[1]) : 2000;
    long k;
    int i, j, r;

    /* edge values */
    for (i = 0; i < n64; ++i) {
        for (r = 0; r < nr; ++r) {
            clamp(edge64[i], ranges[r][0], ranges[r][1]);
            for (j = 0; j < ns; ++j) {
                const int64_t a = edge64[i];
                if (shifts[j] <= 0 || (a <= ((int64_t)1 << 62) && a >= -((int64_t)1 << 62))) {
                    requant64(a, shifts[j], ranges[r][0], ranges[r][1]);
                }
            }
        }
        for (j = 0; j < n64; ++j) {
            if (edge64[j] > 0) {
                floordiv(edge64[i], edge64[j]);
            }
        }
    }
    for (i = 0; i < n32; ++i) {
        for (r = 0; r < nr; ++r) {
            for (j = 0; j < ns; ++j) {
                requant(edge32[i], shifts[j], ranges[r][0], ranges[r][1]);
            }
        }
    }
    /* every tie of the small shifts, both signs, odd and even quotients */
    for (i = -40; i <= 40; ++i) {
        for (j = 1; j <= 5; ++j) {
            rshift(i, j);
            requant(i, j, INT32_MIN, INT32_MAX);
            requant64(i, j, INT32_MIN, INT32_MAX);
        }
    }
    rshift(INT32_MAX, 1);
    rshift(INT32_MIN, 1);
    rshift(INT32_MAX, 30);
    rshift(INT32_MIN, 30);
    /* the rounded divisions at the ties, both signs, and at the limits of the 32-bit variant */
    for (i = -9; i <= 9; ++i) {
        for (j = 1; j <= 4; ++j) {
            for (r = -3; r <= 3; ++r) {
                rounded_div(i, j, r);
                rounded_div32(i, j, r);
            }
        }
    }
    rounded_div(INT64_MAX / 4, INT64_MAX / 4, 0);
    rounded_div(-(INT64_MAX / 4), 1, 0);
    rounded_div(((int64_t)1 << 61) - 1, ((int64_t)1 << 61) - 1, 0);
    for (r = -12; r <= 12; ++r) {
        const int64_t a = (int64_t)1 << (r < 0 ? -r : 0), b = (int64_t)1 << (r > 0 ? r : 0);
        const int64_t maxden = (((int64_t)1 << 31) - 1) / (2 * b);
        const int64_t maxnum = (((int64_t)1 << 31) - 1 - 2 * b) / (2 * a);
        rounded_div32((int32_t)maxnum, 1, r);
        rounded_div32((int32_t)-maxnum, 1, r);
        if (maxden >= 1) {
            rounded_div32(0, (int32_t)maxden, r);
        }
    }

    /* random values (one draw per statement: the same stream whatever the compiler's
       evaluation order of arguments) */
    for (k = 0; k < nrandom; ++k) {
        int32_t lo, hi;
        int64_t a, b;
        int s;
        range(&lo, &hi);
        clamp(wide(62), lo, hi);
        s = (int)uniform(-62, 62);
        a = s > 0 ? magnitude(62) : wide(62); /* |acc| < 2^62 when s > 0 */
        requant64(a, s, lo, hi);
        range(&lo, &hi);
        s = (int)(k & 1 ? uniform(-62, 62) : uniform(-3, 31));
        requant(any32(), s, lo, hi);
        a = wide(62);
        floordiv(a, positive(62));
        a = magnitude(40);
        s = (int)uniform(-20, 20);
        rounded_div(a, uniform(1, (int64_t)1 << 20), s);
        a = magnitude(61);
        rounded_div(a, positive(61), 0);
        do {
            a = magnitude(30);
            b = positive(30);
            s = (int)uniform(-12, 12);
        } while (!fits32(a, b, s));
        rounded_div32((int32_t)a, (int32_t)b, s);
        s = (int)uniform(1, 30);
        rshift(any32(), s);
#if defined(QC_ARM_DSP)
        widen((int)(k % 3), (int)uniform(0, 16));
#endif
    }
    printf("end %ld\n", lines);
    return 0;
}
