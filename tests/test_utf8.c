/*
 * test_utf8.c - utf8_valid_prefix against the byte-at-a-time version it
 * replaced (kept here as the reference): every boundary code point, the
 * overlongs, surrogates and values past U+10FFFF, every two- and three-byte
 * string at every offset of a 16-byte block, truncation at the end, random
 * bytes, and valid text with one bad byte put at every position; and
 * count_byte against a plain loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util.h"

/* ---------------------------------------------------------------- reference */

static size_t ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    size_t len;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0)      { len = 2; c = s[0] & 0x1F; min = 0x80; }
    else if ((s[0] & 0xF0) == 0xE0) { len = 3; c = s[0] & 0x0F; min = 0x800; }
    else if ((s[0] & 0xF8) == 0xF0) { len = 4; c = s[0] & 0x07; min = 0x10000; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return len;
}

static size_t ref_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) {
            uint64_t w[4];
            while (i + 32 <= n && (memcpy(w, u + i, 32), ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080u) == 0))
                i += 32;
            while (i + 8 <= n && (memcpy(w, u + i, 8), (w[0] & 0x8080808080808080u) == 0))
                i += 8;
            while (i < n && u[i] < 0x80)
                i++;
            continue;
        }
        uint32_t cp;
        size_t len = ref_decode(u + i, n - i, &cp);
        if (!len) break;
        i += len;
    }
    return i;
}

/* ---------------------------------------------------------------- helpers */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* Both versions on a copy of exactly n bytes, so ASan sees any read past
 * the end; returns the (shared) result. */
static size_t same(const unsigned char *buf, size_t n)
{
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n)
        memcpy(copy, buf, n);
    size_t want = ref_valid_prefix(copy, n), got = utf8_valid_prefix(copy, n);
    if (got != want) {
        fprintf(stderr, "input (%zu bytes):", n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02X", buf[i]);
        fprintf(stderr, "\n");
        fail_msg("utf8_valid_prefix gave %zu, the reference %zu", got, want);
    }
    free(copy);
    return got;
}

/* Same result for buf[0..n) and for every shorter prefix of it. */
static void same_all_lengths(const unsigned char *buf, size_t n)
{
    for (size_t k = 0; k <= n; k++)
        same(buf, k);
}

static size_t encode(uint32_t c, unsigned char *o)
{
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* ASCII and "ø" in front, so a sequence lands at every position of a block
 * and right after a two-byte letter that crosses a block boundary. */
static size_t filler(unsigned char *o, size_t len)
{
    size_t k = 0;
    while (k < len) {
        if (k + 2 <= len && next() % 3 == 0) {
            o[k++] = 0xC3;
            o[k++] = 0xB8;
        } else {
            o[k++] = (unsigned char)('a' + next() % 26);
        }
    }
    return k;
}

/* seq at offsets 0..40 (after filler), followed by 20 bytes of filler. */
static void at_every_offset(const unsigned char *seq, size_t len)
{
    unsigned char buf[80];
    for (size_t off = 0; off <= 40; off++) {
        size_t n = filler(buf, off);
        memcpy(buf + n, seq, len);
        n += len;
        n += filler(buf + n, 20);
        same_all_lengths(buf, n);
    }
}

/* ---------------------------------------------------------------- tests */

static void test_boundary_code_points(void **state)
{
    (void)state;
    static const uint32_t cps[] = {
        0x0, 0x1, 0x7F, 0x80, 0xC5, 0xE5, 0xF8, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF,
        0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF,
    };
    for (size_t k = 0; k < sizeof cps / sizeof cps[0]; k++) {
        unsigned char seq[4];
        size_t len = encode(cps[k], seq);
        assert_int_equal(same(seq, len), len);
        assert_int_equal(same(seq, len - 1), 0);     /* truncated */
        at_every_offset(seq, len);
    }
}

static void test_invalid_sequences(void **state)
{
    (void)state;
    static const struct { unsigned char b[4]; size_t len; } bad[] = {
        {{0xC0, 0x80}, 2}, {{0xC1, 0xBF}, 2},                           /* overlong 2 */
        {{0xE0, 0x80, 0x80}, 3}, {{0xE0, 0x9F, 0xBF}, 3},               /* overlong 3 */
        {{0xF0, 0x80, 0x80, 0x80}, 4}, {{0xF0, 0x8F, 0xBF, 0xBF}, 4},   /* overlong 4 */
        {{0xED, 0xA0, 0x80}, 3}, {{0xED, 0xBF, 0xBF}, 3},               /* surrogates */
        {{0xF4, 0x90, 0x80, 0x80}, 4}, {{0xF5, 0x80, 0x80, 0x80}, 4},   /* > U+10FFFF */
        {{0xF7, 0xBF, 0xBF, 0xBF}, 4}, {{0xF8, 0x88, 0x80, 0x80}, 4},
        {{0xFF}, 1}, {{0xFE}, 1}, {{0x80}, 1}, {{0xBF}, 1},             /* stray bytes */
        {{0xC3, 0x41}, 2}, {{0xC3, 0xC3}, 2}, {{0xE2, 0x82, 0x41}, 3},  /* short */
        {{0xF0, 0x9F, 0x98, 0x41}, 4}, {{0xC3, 0xB8, 0xB8}, 3},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        if (k != sizeof bad / sizeof bad[0] - 1)    /* "ø" + stray continuation */
            assert_int_equal(same(bad[k].b, bad[k].len), 0);
        at_every_offset(bad[k].b, bad[k].len);
    }
}

/* Every byte pair and every triple that starts with a lead E0..F4, at each
 * position of a block (and across its end). */
static void test_all_short_strings(void **state)
{
    (void)state;
    unsigned char buf[48];
    for (size_t off = 0; off < 18; off++) {
        memset(buf, 'x', sizeof buf);
        for (unsigned a = 0; a < 256; a++)
            for (unsigned b = 0; b < 256; b++) {
                buf[off] = (unsigned char)a;
                buf[off + 1] = (unsigned char)b;
                same(buf, off + 2);
                same(buf, 32);
            }
    }
    static const size_t offs[] = {0, 13, 14, 15, 16};
    for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++) {
        size_t off = offs[o];
        memset(buf, 'x', sizeof buf);
        for (unsigned a = 0xE0; a <= 0xF4; a++)
            for (unsigned b = 0; b < 256; b++)
                for (unsigned c = 0; c < 256; c++) {
                    buf[off] = (unsigned char)a;
                    buf[off + 1] = (unsigned char)b;
                    buf[off + 2] = (unsigned char)c;
                    buf[off + 3] = 0x80;    /* a fourth byte for F0..F4 */
                    same(buf, 32);
                }
    }
}

/* Every code point once, in runs long enough for the block path. */
static void test_every_code_point(void **state)
{
    (void)state;
    enum { RUN = 64 };
    unsigned char buf[RUN * 4];
    for (uint32_t c = 0; c <= 0x10FFFF; c += RUN) {
        size_t n = 0;
        for (uint32_t k = c; k < c + RUN; k++)
            if (k < 0xD800 || k > 0xDFFF)
                n += encode(k, buf + n);
        assert_int_equal(same(buf, n), n);
    }
}

/* Random bytes, mostly the ones that matter to a decoder. */
static void test_random_bytes(void **state)
{
    (void)state;
    static const unsigned char pick[] = {
        'a', ';', '\n', 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xA5, 0xB8, 0xBF,
        0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4,
        0xF5, 0xF8, 0xFF,
    };
    unsigned char buf[96];
    for (int round = 0; round < 200000; round++) {
        size_t n = next() % sizeof buf;
        unsigned mode = next() % 4;
        for (size_t k = 0; k < n; k++) {
            uint32_t r = next();
            if (mode == 0)
                buf[k] = (unsigned char)r;
            else if (mode == 1 || r % 8 == 0)
                buf[k] = pick[(r >> 8) % sizeof pick];
            else if (r % 8 < 5)
                buf[k] = (unsigned char)('a' + (r >> 8) % 26);
            else
                buf[k] = (unsigned char)(0x80 | (r >> 8) % 64);   /* continuations */
        }
        same(buf, n);
    }
}

/* Valid text (Nordic-heavy, some three- and four-byte letters) with one byte
 * replaced at every position, and cut at every length. */
static void test_valid_text_one_bad_byte(void **state)
{
    (void)state;
    static const uint32_t letters[] = {
        0xE5, 0xF8, 0xE6, 0xE4, 0xF6, 0xE9, 0xC5, 0xD8, 0xC6, 0x10D, 0x14B, 0x20AC, 0xFEFF, 0x1F600,
    };
    static const unsigned char bad[] = {0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xF4, 0xF5, 0xFF, 'a'};
    unsigned char text[300];
    for (int round = 0; round < 40; round++) {
        size_t n = 0;
        while (n + 4 <= sizeof text - 4) {
            uint32_t r = next();
            if (r % 7 == 0)
                n += encode(letters[(r >> 8) % (sizeof letters / sizeof letters[0])], text + n);
            else
                text[n++] = (unsigned char)(' ' + (r >> 8) % 95);
        }
        assert_int_equal(same(text, n), n);
        same_all_lengths(text, n);
        for (size_t pos = 0; pos < n; pos++)
            for (size_t b = 0; b < sizeof bad; b++) {
                unsigned char keep = text[pos];
                text[pos] = bad[b];
                same(text, n);
                text[pos] = keep;
            }
    }
}

/* A long buffer: the block path over many blocks, then a stop far in. */
static void test_long_input(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    unsigned char *big = malloc(n);
    assert_non_null(big);
    filler(big, n);
    assert_int_equal(same(big, n), n);
    for (size_t pos = n - 100; pos < n; pos++) {
        unsigned char keep = big[pos];
        big[pos] = 0xFF;
        same(big, n);
        big[pos] = keep;
    }
    free(big);
}

/* count_byte against a plain loop: every length up to 300 from every
 * alignment of a buffer where the byte is dense, rare or absent, and the
 * bytes around it differ by one bit (0x0A against 0x0B, 0x8A, 0x0E). */
static void test_count_byte(void **state)
{
    (void)state;
    enum { N = 300 + 64 };
    static const char near[] = {'\n', '\v', (char)0x8A, '\x0e', 'a', '\r'};
    char buf[N];
    unsigned seed = 7;
    for (int density = 0; density < 3; density++) {
        for (size_t i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 100;
            buf[i] = density == 0 ? near[1 + r % 5] : density == 1 && r >= 5 ? near[1 + r % 5] : near[r % 6];
        }
        for (size_t from = 0; from < 64; from++)
            for (size_t n = 0; from + n <= N && n <= 300; n++) {
                size_t want = 0;
                for (size_t i = 0; i < n; i++)
                    want += buf[from + i] == '\n';
                if (count_byte(buf + from, n, '\n') != want)
                    fail_msg("density %d from %zu length %zu: %zu, want %zu", density, from, n,
                             count_byte(buf + from, n, '\n'), want);
            }
    }
    /* Bytes above 0x7F are counted as themselves (no sign trouble). */
    assert_int_equal(count_byte("\xff\xfe\xff", 3, (char)0xFF), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary_code_points),
        cmocka_unit_test(test_invalid_sequences),
        cmocka_unit_test(test_all_short_strings),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_valid_text_one_bad_byte),
        cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_count_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
