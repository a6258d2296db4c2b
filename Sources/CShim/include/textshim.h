// Byte-search primitives for the text applets (grep, wc, head, tail, sort)
// that Swift's Glibc module does not expose without _GNU_SOURCE (memmem,
// memrchr, REG_STARTEND), and a newline counter over SSE2 (x86-64's
// baseline, so no run-time CPU check). Header-only.
#ifndef TOOLBOX_TEXTSHIM_H
#define TOOLBOX_TEXTSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <regex.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

void *memmem(const void *, size_t, const void *, size_t);
void *memrchr(const void *, int, size_t);

/// memmem(3): the first occurrence of `needle` in `hay`, or NULL.
static inline const uint8_t *cshim_memmem(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
    return (const uint8_t *)memmem(hay, n, needle, m);
}

/// memrchr(3): the last `c` in the `n` bytes at `p`, or NULL.
static inline const uint8_t *cshim_memrchr(const uint8_t *p, int c, size_t n) {
    return (const uint8_t *)memrchr(p, c, n);
}

/// snprintf(3) of one double with `format` (one %f-style conversion): the C
/// library's rounding without Swift's per-call CVarArg boxing (top's rows).
static inline int cshim_format_double(char *buf, size_t n, const char *format, double v) {
    return snprintf(buf, n, format, v);
}

/// regexec's REG_STARTEND (glibc): pmatch[0] gives the bounds, NULs allowed.
#define CSHIM_REG_STARTEND 4

/// Number of bytes equal to `c` in the `n` bytes at `p`.
static inline size_t cshim_count_byte(const uint8_t *p, size_t n, uint8_t c) {
    size_t count = 0;
#if defined(__x86_64__)
    const __m128i needle = _mm_set1_epi8((char)c);
    const __m128i zero = _mm_setzero_si128();
    while (n >= 16) {
        // Up to 255 blocks of 16 bytes accumulate in byte counters
        // (each compare gives 0xFF = -1), then SAD sums them.
        size_t blocks = n / 16;
        if (blocks > 255) blocks = 255;
        __m128i acc = _mm_setzero_si128();
        for (size_t i = 0; i < blocks; i++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i * 16));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, needle));
        }
        __m128i sums = _mm_sad_epu8(acc, zero);
        count += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
        p += blocks * 16;
        n -= blocks * 16;
    }
#endif
    for (size_t i = 0; i < n; i++) count += p[i] == c;
    return count;
}

/// The position of the `k`-th (1-based) byte equal to `c` at or after `p`
/// within `n` bytes, or NULL when there are fewer than k.
static inline const uint8_t *cshim_nth_byte(const uint8_t *p, size_t n, uint8_t c, size_t k) {
    const uint8_t *end = p + n;
    while (k > 0 && p < end) {
        const uint8_t *q = (const uint8_t *)memchr(p, c, (size_t)(end - p));
        if (!q) return NULL;
        if (--k == 0) return q;
        p = q + 1;
    }
    return NULL;
}

#endif
