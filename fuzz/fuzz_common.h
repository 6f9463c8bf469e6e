/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses: the input as a
 * file (the readers under test take a path), and a check that aborts with
 * a message so libFuzzer records the input as a crash.
 */
#ifndef KV_FUZZ_COMMON_H
#define KV_FUZZ_COMMON_H

#define _GNU_SOURCE   /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* An invariant the code under test must keep; a violation is a finding. */
#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "\nFUZZ INVARIANT BROKEN at %s:%d: %s\n  ",         \
                    __FILE__, __LINE__, #cond);                                 \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

/*
 * The input as a file that fopen() can open: one memfd per process, rewritten
 * for every input, opened by the code under test through /proc/self/fd/N.
 * Nothing touches the disk and nothing is left behind.
 */
static inline const char *fuzz_as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("kvalrap-fuzz", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)w;
    }
    return path;
}

/* The bytes as a NUL-terminated string (cut at the first NUL they hold). */
static inline char *xstrndup_fuzz(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

#endif
