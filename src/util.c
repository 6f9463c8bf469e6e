/*
 * util.c - allocation, arenas, byte buffers, ASCII and UTF-8 helpers.
 */
#define _GNU_SOURCE             /* mremap */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void out_of_memory(void)
{
    fputs("kvalrap: out of memory\n", stderr);
    exit(71);   /* EX_OSERR */
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static size_t whole_pages(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

void *zeroed_grow(void *p, size_t old, size_t want)
{
    size_t have = p ? whole_pages(old) : 0, need = whole_pages(want ? want : 1);
    if (p && need <= have)
        return p;
    void *q = p ? mremap(p, have, need, MREMAP_MAYMOVE)
                : mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        out_of_memory();
    return q;
}

void zeroed_free(void *p, size_t size)
{
    if (p)
        munmap(p, whole_pages(size ? size : 1));
}

/* ---------------------------------------------------------------- arena */

struct arena_block {
    arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_BLOCK = 64 * 1024 };

/* Room for n bytes at alignment `align` (a power of two) in the current
 * block, or in a new one. */
static unsigned char *arena_take(arena *a, size_t n, size_t align)
{
    arena_block *b = a->head;
    size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
    if (!b || at > b->size || b->size - at < n) {
        /* 64 KiB blocks, doubling every 8 blocks up to 8 MiB: a report's
         * arena stays small, the string pool of ten million ids does not
         * take 150,000 blocks. */
        unsigned shift = a->nblocks / 8 < 7 ? a->nblocks / 8 : 7;
        size_t grown = (size_t)ARENA_BLOCK << shift;
        size_t size = n > grown / 4 ? n : grown;
        b = xmalloc(sizeof *b + size);
        if (size == grown)
            a->nblocks++;
        b->used = 0;
        b->size = size;
        at = 0;
        /* A big private block goes behind the current one, so the current
         * block's free space is not wasted. */
        if (size != grown && a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    b->used = at + n;
    return b->data + at;
}

void *arena_alloc(arena *a, size_t n)
{
    void *p = arena_take(a, n, 16);
    memset(p, 0, n);
    return p;
}

/* Strings need no alignment and no zeroing: the string pool of a million
 * short ids packs them back to back. */
char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = (char *)arena_take(a, n + 1, 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void arena_adopt(arena *dst, arena *src)
{
    arena_block *last = src->head;
    if (!last)
        return;
    while (last->next)
        last = last->next;
    /* Behind dst's current block, so dst goes on filling that one. */
    if (dst->head) {
        last->next = dst->head->next;
        dst->head->next = src->head;
    } else {
        last->next = NULL;
        dst->head = src->head;
    }
    src->head = NULL;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_free(arena *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->nblocks = 0;
}

/* ---------------------------------------------------------------- strbuf */

static void strbuf_grow(strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void strbuf_add(strbuf *b, const void *p, size_t n)
{
    strbuf_grow(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_addc(strbuf *b, char c) { strbuf_add(b, &c, 1); }
void strbuf_adds(strbuf *b, const char *s) { strbuf_add(b, s, strlen(s)); }

void strbuf_vprintf(strbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    strbuf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *strbuf_cstr(strbuf *b)
{
    strbuf_grow(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

void strbuf_reset(strbuf *b) { b->len = 0; }

void strbuf_free(strbuf *b)
{
    free(b->data);
    *b = (strbuf){0};
}

/* ---------------------------------------------------------------- text */

int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z') ca += 32;
        if (cb >= 'A' && cb <= 'Z') cb += 32;
        if (ca != cb || !ca)
            return ca - cb;
    }
}

/* Decode one UTF-8 sequence of s[0..n); returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
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

/* Index of the first byte >= 0x80 in u[i..n), or n: eight bytes a word,
 * and on little-endian GCC/Clang the byte found by ctz, not a byte loop. */
static inline size_t ascii_run(const unsigned char *u, size_t i, size_t n)
{
    for (uint64_t w; n - i >= 8; i += 8) {
        memcpy(&w, u + i, 8);
        if ((w &= 0x8080808080808080u)) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(w) / 8;
#else
            break;
#endif
        }
    }
    while (i < n && u[i] < 0x80)
        i++;
    return i;
}

#if defined(__SSE2__)
/* Skip the 16-byte blocks from u + i that hold only ASCII and whole two-byte
 * letters, with no branch per letter: a block passes when each high byte is
 * a lead C2..DF or a continuation 80..BF, and the continuations are exactly
 * the bytes after a lead.  Returns a letter boundary: everything before it
 * is valid, and the block from there did not pass (or is short). */
static size_t two_byte_blocks(const unsigned char *u, size_t i, size_t n)
{
    /* Signed compares: 80..BF < C0, and C1 < C2..DF < E0. */
    const __m128i c0 = _mm_set1_epi8((char)0xC0), c1 = _mm_set1_epi8((char)0xC1),
                  e0 = _mm_set1_epi8((char)0xE0);
    unsigned carry = 0;     /* the block before ended in a lead */
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        unsigned high = (unsigned)_mm_movemask_epi8(v);
        unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, c0));
        unsigned lead = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, c1), _mm_cmplt_epi8(v, e0)));
        if ((high & ~(lead | cont)) || cont != (((lead << 1) | carry) & 0xFFFF))
            break;
        carry = lead >> 15;
        i += 16;
    }
    return i - carry;
}
#endif

/* Nordic exports are ASCII with an å, ø or é every few dozen bytes.  Two-byte
 * letters (C2..DF, 80..BF: never overlong, a surrogate or too large) are
 * checked inline, or 16 bytes at a time with SSE2; the rest, and the exact
 * place where the input stops being valid, go through utf8_decode. */
size_t utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
#if defined(__SSE2__)
    size_t scalar_until = 0;
#endif
    while (i < n) {
#if defined(__SSE2__)
        /* After a block fails, walk past it here before trying blocks again. */
        if (i >= scalar_until) {
            i = two_byte_blocks(u, i, n);
            scalar_until = i + 16;
            if (i >= n) break;
        }
#endif
        if (u[i] < 0x80) {
            i = ascii_run(u, i, n);
            continue;
        }
        if (u[i] - 0xC2u <= 0xDF - 0xC2 && n - i >= 2 && (u[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(u + i, n - i, &cp);
        if (!len) break;
        i += len;
    }
    return i;
}

size_t count_byte(const char *s, size_t n, char c)
{
    size_t count = 0, i = 0;
#if defined(__SSE2__)
    /* Each match subtracts -1 from its byte lane; the lanes are summed
     * before any can pass 255.  No popcount: it is not in the baseline
     * x86-64 instruction set. */
    const __m128i want = _mm_set1_epi8(c), zero = _mm_setzero_si128();
    while (n - i >= 16) {
        __m128i lanes = zero;
        for (size_t end = n - i >= 255 * 16 ? i + 255 * 16 : i + (n - i) / 16 * 16; i < end; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(v, want));
        }
        __m128i sums = _mm_sad_epu8(lanes, zero);
        count += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
    }
#endif
    for (; i < n; i++)
        count += s[i] == c;
    return count;
}

static uint32_t fold_codepoint(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;      /* Latin-1: Æ Ø Å Ä Ö */
    /* Latin Extended-A pairs upper/lower on neighbouring code points. */
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return (c & 1) ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1) ? c + 1 : c;
    return c;
}

char *utf8_fold(const char *s, size_t n)
{
    strbuf b = {0};
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode(u + i, n - i, &cp);
        if (!len) { strbuf_addc(&b, (char)u[i]); i++; continue; }
        uint32_t f = fold_codepoint(cp);
        if (f == cp) { strbuf_add(&b, u + i, len); }
        else if (f < 0x80) { strbuf_addc(&b, (char)f); }
        else if (f < 0x800) {
            char e[2] = {(char)(0xC0 | (f >> 6)), (char)(0x80 | (f & 0x3F))};
            strbuf_add(&b, e, 2);
        } else {
            char e[3] = {(char)(0xE0 | (f >> 12)), (char)(0x80 | ((f >> 6) & 0x3F)),
                         (char)(0x80 | (f & 0x3F))};
            strbuf_add(&b, e, 3);
        }
        i += len;
    }
    if (!b.data) return xstrdup("");
    return b.data;
}

void fmt_double(char buf[32], double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int str_ptr_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ---------------------------------------------------------------- csv */

void csv_field_append(strbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        strbuf_adds(b, s);
        return;
    }
    strbuf_addc(b, '"');
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        strbuf_add(b, s, (size_t)(q - s) + 1);
        strbuf_addc(b, '"');        /* a quote is written twice */
    }
    strbuf_adds(b, s);
    strbuf_addc(b, '"');
}

void csv_write_field(FILE *f, const char *s)
{
    if (!s)
        return;
    strbuf b = {0};
    csv_field_append(&b, s);
    if (b.len)
        fwrite(b.data, 1, b.len, f);
    strbuf_free(&b);
}

/* ---------------------------------------------------------------- paths */

void path_normalize(char *path)
{
    bool absolute = path[0] == '/';
    char *segs[512];
    size_t n = 0;
    char *save = NULL;
    char *copy = xstrdup(path);
    for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (strcmp(s, ".") == 0)
            continue;
        if (strcmp(s, "..") == 0 && n > 0 && strcmp(segs[n - 1], "..") != 0) {
            n--;
            continue;
        }
        if (strcmp(s, "..") == 0 && n == 0 && absolute)
            continue;
        if (n < sizeof segs / sizeof segs[0])
            segs[n++] = s;
    }
    char *o = path;
    if (absolute)
        *o++ = '/';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(segs[i]);
        memmove(o, segs[i], len);
        o += len;
        if (i + 1 < n)
            *o++ = '/';
    }
    if (o == path)
        *o++ = '.';
    *o = '\0';
    free(copy);
}

/* ---------------------------------------------------------------- errors */

#include <unistd.h>

void errorf(const char *fmt, ...)
{
    char buf[2048];
    int n = snprintf(buf, sizeof buf, "kvalrap: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m < sizeof buf - (size_t)n - 1 ? (size_t)m : sizeof buf - (size_t)n - 2);
    buf[len++] = '\n';
    ssize_t w = write(2, buf, len);
    (void)w;
}

/* ---------------------------------------------------------------- sha256 */

#include <nettle/sha2.h>

static void sha256_hex_of(struct sha256_ctx *ctx, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(ctx, sizeof digest, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
}

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(sha256_stream), "sha256_stream too small");

void sha256_begin(sha256_stream *st) { sha256_init((struct sha256_ctx *)st->state); }

void sha256_more(sha256_stream *st, const void *data, size_t n)
{
    sha256_update((struct sha256_ctx *)st->state, n, data);
}

void sha256_end(sha256_stream *st, char hex[65]) { sha256_hex_of((struct sha256_ctx *)st->state, hex); }

void sha256_bytes(const void *data, size_t n, char hex[65])
{
    sha256_stream st;
    sha256_begin(&st);
    sha256_more(&st, data, n);
    sha256_end(&st, hex);
}

bool sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    sha256_stream st;
    sha256_begin(&st);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_more(&st, buf, n);
    bool ok = !ferror(f);
    int saved = errno;
    fclose(f);
    if (!ok) {
        errno = saved;
        return false;
    }
    sha256_end(&st, hex);
    return true;
}

/* ---------------------------------------------------------------- hashing */

static uint64_t hash_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93u;
    h ^= h >> 32;
    return h;
}

uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = hash_mix((h ^ w) * 0xff51afd7ed558ccdu);
    }
    /* The last 1-7 bytes with fixed-size loads (a memcpy of variable
     * length is a call): overlapping ones when there are four or more. */
    uint64_t w;
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (n) {
        w = (uint64_t)s[0] << 16 | (uint64_t)s[n / 2] << 8 | s[n - 1];
    } else {
        return hash_mix(h);
    }
    return hash_mix(hash_mix((h ^ w) * 0xc4ceb9fe1a85ec53u));
}
