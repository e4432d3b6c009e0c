#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* QC_ARM_DSP: Arm cores with the DSP and SIMD32 extensions (Cortex-M4/M7/M33/M55, little
   endian) run the conv/fc kernels with SMLAD; -DQC_PORTABLE keeps the portable kernels. */
#if !defined(QC_PORTABLE) && defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32) \
    && defined(__ARM_FEATURE_SAT) && !defined(__ARM_BIG_ENDIAN)
#define QC_ARM_DSP 1
#include <arm_acle.h>
#endif

/* `unused`: clang's -Wunused-function also reports static inline helpers a model does not
   call (gcc does not); the contract is warning-free C with -Wall -Wextra -Werror. */
#if defined(__GNUC__)
#define QC_INLINE inline __attribute__((always_inline, unused))
#else
#define QC_INLINE inline
#endif

/* C99 leaves `>>` of a negative value implementation-defined. qcomp relies on the
   arithmetic (flooring) shift of gcc, clang, arm-none-eabi-gcc, armclang and IAR; this
   declaration stops the build on a compiler that does otherwise. */
typedef char qc_arithmetic_shift_required[((-7 >> 1) == -4) ? 1 : -1];

/* Ties: every rounding below rounds half up (toward +inf) unless OUT.c defines
   QC_ROUND_HALF_EVEN (the target's `rounding: half-even`), which rounds ties to the even
   neighbour, as onnxruntime's QuantizeLinear and QLinear ops do. Both forms cannot overflow. */

/* round(x / 2^s) for 1 <= s <= 62, x = acc (int64). */
static QC_INLINE int64_t qc_rshift64(int64_t acc, int s)
{
#if defined(QC_ROUND_HALF_EVEN)
    const int64_t q = acc >> s;
    const uint64_t rem = (uint64_t)acc & (((uint64_t)1 << s) - 1u);
    return q + (int64_t)(rem + (uint64_t)(q & 1) > ((uint64_t)1 << (s - 1)));
#else
    return (acc >> s) + ((acc >> (s - 1)) & 1);
#endif
}

/* round(x / 2^s) for 1 <= s <= 30 on 32 bits; the DSP kernels saturate it with SSAT/USAT
   when the clamp is a full signed/unsigned bit range. */
static QC_INLINE int32_t qc_rshift(int32_t acc, int s)
{
#if defined(QC_ROUND_HALF_EVEN)
    const int32_t q = acc >> s;
    const uint32_t rem = (uint32_t)acc & ((1u << s) - 1u);
    return q + (int32_t)(rem + (uint32_t)(q & 1) > (1u << (s - 1)));
#else
    return (acc >> s) + ((acc >> (s - 1)) & 1);
#endif
}

#if defined(__AVX2__)
/* qc_rshift on 8 int32 lanes, 1 <= s <= 30. */
static QC_INLINE __m256i qc_rshift_x8(__m256i v, int s)
{
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i q = _mm256_srai_epi32(v, s);
#if defined(QC_ROUND_HALF_EVEN)
    const __m256i rem = _mm256_and_si256(v, _mm256_set1_epi32((int32_t)((1u << s) - 1u)));
    const __m256i up = _mm256_cmpgt_epi32(_mm256_add_epi32(rem, _mm256_and_si256(q, one)),
                                          _mm256_set1_epi32((int32_t)(1u << (s - 1))));
    return _mm256_sub_epi32(q, up); /* up is -1 where the quotient rounds up */
#else
    return _mm256_add_epi32(q, _mm256_and_si256(_mm256_srai_epi32(v, s - 1), one));
#endif
}
#endif

/* num / den rounded for den > 0, given q = floor(num / den) and r = num - q * den (0 <= r < den). */
#define QC_ROUND_QUOTIENT(q, r, den) \
    ((q) + ((2 * (r) + ((q) & 1) > (den)) ? 1 : 0))

static QC_INLINE int32_t qc_clamp(int64_t v, int32_t lo, int32_t hi)
{
    return (int32_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* clamp(rshift(acc, s), lo, hi) on 64 bits, -62 <= s <= 62 (shift dialect semantics). */
static QC_INLINE int32_t qc_requant64(int64_t acc, int s, int32_t lo, int32_t hi)
{
    if (s > 0) {
        return qc_clamp(qc_rshift64(acc, s), lo, hi);
    }
    if (s < 0) {
        const int k = -s;
        if (acc > 0 && (hi < 0 || acc > ((int64_t)hi >> k))) {
            return hi;
        }
        if (acc < 0 && (lo > 0 || acc < -((-(int64_t)lo) >> k))) {
            return lo;
        }
        return qc_clamp(acc * ((int64_t)1 << k), lo, hi);
    }
    return qc_clamp(acc, lo, hi);
}

/* clamp(rshift(acc, s), lo, hi) for an int32 accumulator. */
static QC_INLINE int32_t qc_requant(int32_t acc, int s, int32_t lo, int32_t hi)
{
    if (s > 0 && s < 31) {
        const int32_t v = qc_rshift(acc, s);
        return v < lo ? lo : (v > hi ? hi : v);
    }
    return qc_requant64(acc, s, lo, hi);
}

/* floor(a / b) for b > 0 (C division truncates toward zero). */
static QC_INLINE int64_t qc_floordiv(int64_t a, int64_t b)
{
    const int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* round(num / (den * 2^s)) on 32 bits, den > 0, when the generator proved that
   2 * |num| * 2^max(-s, 0) + den * 2^max(s, 0) < 2^31 (no 64-bit division on small MCUs). */
static QC_INLINE int32_t qc_rounded_div32(int32_t num, int32_t den, int s)
{
    int32_t a, b, q;
    if (s >= 0) {
        den *= (int32_t)1 << s;
    } else {
        num *= (int32_t)1 << -s;
    }
#if defined(QC_ROUND_HALF_EVEN)
    q = num / den;
    a = num % den;
    if (a < 0) {
        q -= 1;
        a += den;
    }
    b = den;
    return QC_ROUND_QUOTIENT(q, a, b);
#else
    a = 2 * num + den;
    b = 2 * den;
    q = a / b;
    return (a % b < 0) ? q - 1 : q;
#endif
}

/* round(num / (den * 2^s)): the single rounding of avgpool and softmax. */
static QC_INLINE int64_t qc_rounded_div(int64_t num, int64_t den, int s)
{
    if (s >= 0) {
        den *= (int64_t)1 << s;
    } else {
        num *= (int64_t)1 << -s;
    }
#if defined(QC_ROUND_HALF_EVEN)
    {
        const int64_t q = qc_floordiv(num, den);
        return QC_ROUND_QUOTIENT(q, num - q * den, den);
    }
#else
    return qc_floordiv(2 * num + den, 2 * den);
#endif
}

#if defined(QC_ARM_DSP)
/* Word access at any address (LDR/STR: Armv7E-M allows unaligned words; memcpy keeps the
   C free of aliasing and alignment assumptions). */
static QC_INLINE int32_t qc_ld32(const void *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static QC_INLINE void qc_st32(void *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static QC_INLINE void qc_st16(void *p, int32_t v)
{
    const int16_t h = (int16_t)v;
    memcpy(p, &h, sizeof h);
}

/* v rotated right by 8: __sxtb16(qc_ror8(v)) sign-extends bytes 1 and 3 of v. */
static QC_INLINE int32_t qc_ror8(int32_t v)
{
    const uint32_t u = (uint32_t)v;
    return (int32_t)((u >> 8) | (u << 24));
}

/* The DSP kernels read the int8 weights as they are (4 consecutive k per word w): __sxtb16(w)
   = (w0, w2) and __sxtb16(qc_ror8(w)) = (w1, w3). Their int16 patches (im2col, fc rows) are
   stored quad-reordered to match, (a0, a2, a1, a3) for every 4 elements, in 32-bit words, so
   one SMLAD per word does 2 exact MACs. Element i of a patch is at int16 position
   qc_quad_pos(i); `dst` is a byte address. */
static QC_INLINE int qc_quad_pos(int i)
{
    return (i & ~3) | ((i & 1) << 1) | ((i & 2) >> 1);
}

static QC_INLINE void qc_widen_s8(void *restrict dst, const int8_t *restrict a, int n)
{
    char *q = (char *)dst;
    const int n4 = n & ~3;
    int i;
    for (i = 0; i < n4; i += 4) {
        const int32_t v = qc_ld32(a + i);
        qc_st32(q + 2 * i, (uint32_t)__sxtb16(v));
        qc_st32(q + 2 * i + 4, (uint32_t)__sxtb16(qc_ror8(v)));
    }
    for (i = n4; i < n; ++i) {
        qc_st16(q + 2 * qc_quad_pos(i), a[i]);
    }
}

static QC_INLINE void qc_widen_u8(void *restrict dst, const uint8_t *restrict a, int n)
{
    char *q = (char *)dst;
    const int n4 = n & ~3;
    int i;
    for (i = 0; i < n4; i += 4) {
        const int32_t v = qc_ld32(a + i);
        qc_st32(q + 2 * i, __uxtb16((uint32_t)v));
        qc_st32(q + 2 * i + 4, __uxtb16((uint32_t)qc_ror8(v)));
    }
    for (i = n4; i < n; ++i) {
        qc_st16(q + 2 * qc_quad_pos(i), a[i]);
    }
}

static QC_INLINE void qc_widen_s16(void *restrict dst, const int16_t *restrict a, int n)
{
    char *q = (char *)dst;
    const int n4 = n & ~3;
    int i;
    for (i = 0; i < n4; i += 4) {
        const uint32_t v01 = (uint32_t)qc_ld32(a + i), v23 = (uint32_t)qc_ld32(a + i + 2);
        qc_st32(q + 2 * i, (v01 & 0xFFFFu) | (v23 << 16));
        qc_st32(q + 2 * i + 4, (v23 & 0xFFFF0000u) | (v01 >> 16));
    }
    for (i = n4; i < n; ++i) {
        qc_st16(q + 2 * qc_quad_pos(i), a[i]);
    }
}
#endif
