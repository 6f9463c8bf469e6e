/*
 * memchr_split.c - the floor: a plain single-thread line splitter built on
 * memchr, counting records and fields.
 *
 *   cc -std=c17 -Wall -Wextra -Werror -O2 -o build/bench/memchr_split bench/memchr_split.c
 *   memchr_split [-m] FILE...
 *
 * The file is read with read(2) into a 1 MiB buffer (with -m: mmapped
 * whole; its pages then count in the peak memory); memchr finds each '\n',
 * and memchr finds the delimiters inside the line.  A line holding a '"' is split by a small
 * quote-aware loop instead (RFC 4180: a quoted field may hold the
 * delimiter, doubled quotes and line breaks), so the counts match libcsv's
 * on the generated exports; everything else takes the memchr path.  No
 * trimming, no copies, no types: this is the speed of touching every byte
 * once, the lower bound for any CSV reader on one core.  Blank lines are
 * not records (as in libcsv).
 */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char guess_delim(const char *p, size_t n)
{
    size_t semi = 0, comma = 0, tab = 0;
    for (size_t i = 0; i < n && p[i] != '\n'; i++) {
        semi += p[i] == ';';
        comma += p[i] == ',';
        tab += p[i] == '\t';
    }
    if (tab > semi && tab > comma)
        return '\t';
    return semi >= comma ? ';' : ',';
}

/* Split the record starting at p with quotes honoured; returns the end of
 * the record (after its line break) and adds its fields, or returns NULL
 * when the record does not end before `end` and more input follows. */
static const char *quoted_record(const char *p, const char *end, char delim, int more,
                                 unsigned long long *fields)
{
    int in_quotes = 0;
    unsigned long long f = 1;
    for (; p < end; p++) {
        char c = *p;
        if (in_quotes) {
            if (c == '"') {
                if (p + 1 < end && p[1] == '"')
                    p++;
                else if (p + 1 == end && more)
                    return NULL;       /* "" may straddle the chunk */
                else
                    in_quotes = 0;
            }
        } else if (c == '"') {
            in_quotes = 1;
        } else if (c == delim) {
            f++;
        } else if (c == '\n') {
            *fields += f;
            return p + 1;
        }
    }
    if (more)
        return NULL;
    *fields += f;
    return end;
}

/* Split the complete records of [p, end); returns where the unfinished
 * one begins (end when none is left; with more == 0 everything is done). */
static const char *split(const char *p, const char *end, char delim, int more, unsigned long long *records,
                         unsigned long long *fields)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl && more)
            return p;
        const char *le = nl ? nl : end;
        const char *content_end = le > p && le[-1] == '\r' ? le - 1 : le;
        if (content_end == p) {          /* blank line */
            p = nl ? nl + 1 : end;
            continue;
        }
        if (memchr(p, '"', (size_t)(le - p))) {
            const char *next = quoted_record(p, end, delim, more, fields);
            if (!next)
                return p;
            (*records)++;
            p = next;
            continue;
        }
        (*records)++;
        unsigned long long f = 1;
        for (const char *q = p; (q = memchr(q, delim, (size_t)(le - q))) != NULL; q++)
            f++;
        *fields += f;
        p = nl ? nl + 1 : end;
    }
    return end;
}

#define CHUNK (1u << 20)

int main(int argc, char **argv)
{
    int first = 1, use_mmap = 0;
    if (argc > 1 && strcmp(argv[1], "-m") == 0) {
        use_mmap = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: memchr_split [-m] FILE...\n");
        return 2;
    }
    unsigned long long all_records = 0, all_fields = 0, all_bytes = 0;
    double all_secs = 0;
    size_t cap = CHUNK;
    char *buf = malloc(cap);
    if (!buf)
        return 1;
    for (int a = first; a < argc; a++) {
        int fd = open(argv[a], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            perror(argv[a]);
            return 1;
        }
        size_t n = 0;
        unsigned long long records = 0, fields = 0;
        char delim = 0;
        double t0 = now();
        if (use_mmap) {
            n = (size_t)st.st_size;
            const char *base = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : "";
            if (base == MAP_FAILED) {
                perror("mmap");
                return 1;
            }
            if (n)
                madvise((void *)base, n, MADV_SEQUENTIAL);
            delim = guess_delim(base, n);
            split(base, base + n, delim, 0, &records, &fields);
            if (n)
                munmap((void *)base, n);
        } else {
            size_t have = 0;     /* bytes of an unfinished record kept at buf[0] */
            for (;;) {
                if (have == cap) {   /* one record longer than the buffer */
                    cap *= 2;
                    char *nb = realloc(buf, cap);
                    if (!nb)
                        return 1;
                    buf = nb;
                }
                ssize_t k = read(fd, buf + have, cap - have);
                if (k < 0) {
                    perror(argv[a]);
                    return 1;
                }
                n += (size_t)k;
                size_t len = have + (size_t)k;
                if (!delim && len)
                    delim = guess_delim(buf, len);
                const char *rest = split(buf, buf + len, delim, k > 0, &records, &fields);
                have = (size_t)(buf + len - rest);
                memmove(buf, rest, have);
                if (k == 0)
                    break;
            }
            if (!delim)
                delim = ',';
        }
        close(fd);
        double secs = now() - t0;
        printf("%s: delimiter '%s', %llu records, %llu fields, %zu bytes, %.4f s, %.1f MB/s\n", argv[a],
               delim == '\t' ? "\\t" : (char[]){delim, 0}, records, fields, n, secs,
               secs > 0 ? (double)n / 1e6 / secs : 0.0);
        all_records += records;
        all_fields += fields;
        all_bytes += n;
        all_secs += secs;
    }
    free(buf);
    printf("total: %llu records, %llu fields, %llu bytes, %.4f s, %.1f MB/s\n", all_records, all_fields, all_bytes,
           all_secs, all_secs > 0 ? (double)all_bytes / 1e6 / all_secs : 0.0);
    return 0;
}
