/*
 * util.h - small building blocks shared by every stage: an arena that owns
 * the strings of a report, a growable byte buffer, and checked allocation.
 *
 * Ownership: an arena owns everything allocated from it; arena_free releases
 * it all at once.  A strbuf owns its bytes until strbuf_take hands them over.
 */
#ifndef KV_UTIL_H
#define KV_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KV_VERSION "0.1.0"

/* glibc's mmap threshold: blocks of MMAP_THRESHOLD bytes and more get pages
 * of their own, given back when freed (main); the rules stage, which makes
 * and drops many large selections, takes them all from the heap instead
 * and keeps the heap's top while it runs (batch.c).  MMAP_MAX and
 * TRIM_THRESHOLD are glibc's defaults, put back after the stage. */
enum {
    MMAP_THRESHOLD = 256 << 10, RULES_MMAP_THRESHOLD = 32 << 20,
    MMAP_MAX = 65536, TRIM_THRESHOLD = 128 << 10, RULES_TRIM_THRESHOLD = 1 << 30,
};

/* "kvalrap: out of memory" on stderr and exit status 71 (EX_OSERR): what
 * every allocation of kvalrap's own does when memory runs out. */
_Noreturn void out_of_memory(void);
/* Abort with a message when memory runs out: every caller would do the same. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* An array of zero bytes grown from `old` to `want` bytes (p NULL at
 * first): its pages come from the kernel zeroed, and those never written
 * take no memory.  For an array almost all of whose entries stay zero. */
void *zeroed_grow(void *p, size_t old, size_t want);
void zeroed_free(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

typedef struct arena_block arena_block;
typedef struct {
    arena_block *head;
    unsigned nblocks;           /* blocks taken so far: later ones are larger */
} arena;

void *arena_alloc(arena *a, size_t n);            /* zeroed, 16-byte aligned */
char *arena_strdup(arena *a, const char *s);      /* NULL stays NULL */
char *arena_strndup(arena *a, const char *s, size_t n);   /* not aligned */
/* Move every block of src into dst: what was allocated from src now lives
 * as long as dst.  src is left empty. */
void arena_adopt(arena *dst, arena *src);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(arena *a);

typedef struct {
    char *data;
    size_t len, cap;
} strbuf;

void strbuf_add(strbuf *b, const void *p, size_t n);
void strbuf_addc(strbuf *b, char c);
void strbuf_adds(strbuf *b, const char *s);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(strbuf *b, const char *fmt, va_list ap);
const char *strbuf_cstr(strbuf *b);               /* NUL-terminated view */
void strbuf_reset(strbuf *b);
void strbuf_free(strbuf *b);

/* ASCII-only helpers: parsing never depends on the process locale. */
int ascii_casecmp(const char *a, const char *b);
/* Lowercase A-Z plus the Latin-1 and Latin Extended-A letters (Æ Ø Å Ä Ö,
 * Sámi Š Ŋ Ŧ Đ Ž Č) of UTF-8 text, into a new malloc'd string. */
char *utf8_fold(const char *s, size_t n);
/* A 64-bit hash of n bytes (word at a time; not for adversaries: the
 * tables that use it compare the bytes on equal hashes). */
uint64_t hash_bytes(const void *s, size_t n);
/* Length of the longest valid UTF-8 prefix of s[0..n). */
size_t utf8_valid_prefix(const char *s, size_t n);
/* How many bytes of s[0..n) are c (16 at a time with SSE2). */
size_t count_byte(const char *s, size_t n, char c);

/* Shortest decimal text that reads back as the same double ("%.17g" at worst).
 * buf must hold 32 bytes. */
void fmt_double(char buf[32], double v);

/* Lexically tidy a path in place: drop "." segments, fold "dir/.." pairs
 * ("lua/../samples/x.csv" -> "samples/x.csv"), squeeze "//". */
void path_normalize(char *path);

/* "kvalrap: " + message + newline on stderr in one write(2), so lines of
 * child processes running side by side never interleave. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* qsort comparator for an array of C strings (char *). */
int str_ptr_cmp(const void *a, const void *b);

/* One CSV field with RFC 4180 quoting where it needs it (a comma, quote
 * or line break); NULL writes nothing. */
void csv_write_field(FILE *f, const char *s);
/* The same field appended to b (s not NULL). */
void csv_field_append(strbuf *b, const char *s);

/* SHA-256 of a file as 64 hex digits; false (and errno) when unreadable. */
bool sha256_file(const char *path, char hex[65]);
void sha256_bytes(const void *data, size_t n, char hex[65]);
/* The same over pieces given one after the other. */
typedef struct {
    _Alignas(16) unsigned char state[160];
} sha256_stream;
void sha256_begin(sha256_stream *st);
void sha256_more(sha256_stream *st, const void *data, size_t n);
void sha256_end(sha256_stream *st, char hex[65]);

#endif
