/*
 * rawcsv.c - libcsv's raw parsing speed: the single-thread ceiling that
 * kvalrap's ingest is compared with (issue 3 item 6, issue 7).
 *
 *   cc -std=c17 -Wall -Wextra -Werror -O2 -o build/bench/rawcsv bench/rawcsv.c -lcsv
 *   rawcsv [-m] FILE...
 *
 * One thread, one file after the other, read with read(2) in 1 MiB chunks
 * that go straight to csv_parse (with -m: the file is mmapped and handed to
 * csv_parse in one call; the mapped pages then count in the peak memory),
 * with the parser set up as kvalrap's ingest sets it up (options 0, the
 * file's delimiter, libcsv's own inline test for spaces and tabs -- no
 * space function, which would cost a call per character).  The callbacks only count
 * fields and records -- no copy, no conversion, no allocation -- so this is
 * the fastest libcsv can go on this machine.  The delimiter is the one of
 * ';', ',' and TAB that occurs most often on the first line.
 *
 * Prints, per file and in total: records, fields, bytes and the parse time
 * (CLOCK_MONOTONIC around the reads, csv_parse and csv_fini; for the whole
 * process's wall time and memory, time it from outside, as bench/run.sh
 * does).
 */
#define _DEFAULT_SOURCE
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    unsigned long long fields, records, field_bytes;
} counts;

static void on_field(void *s, size_t len, void *data)
{
    (void)s;
    counts *c = data;
    c->fields++;
    c->field_bytes += len;
}

static void on_record(int term, void *data)
{
    (void)term;
    ((counts *)data)->records++;
}


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

#define CHUNK (1u << 20)

int main(int argc, char **argv)
{
    int first = 1;
    int use_mmap = 0;
    if (argc > 1 && strcmp(argv[1], "-m") == 0) {
        use_mmap = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: rawcsv [-m] FILE...\n");
        return 2;
    }
    static char buf[CHUNK];
    counts total = {0};
    unsigned long long total_bytes = 0;
    double total_secs = 0;
    for (int a = first; a < argc; a++) {
        int fd = open(argv[a], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            perror(argv[a]);
            return 1;
        }
        size_t n = (size_t)st.st_size;
        counts c = {0};
        double t0 = now();
        struct csv_parser parser;
        if (csv_init(&parser, 0) != 0) {
            fprintf(stderr, "rawcsv: csv_init failed\n");
            return 1;
        }
        char delim;
        if (use_mmap) {
            char *p = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
            if (n && p == MAP_FAILED) {
                perror("mmap");
                return 1;
            }
            if (n)
                madvise(p, n, MADV_SEQUENTIAL);
            delim = guess_delim(p, n);
            csv_set_delim(&parser, (unsigned char)delim);
            if (csv_parse(&parser, p, n, on_field, on_record, &c) != n) {
                fprintf(stderr, "rawcsv: %s: %s\n", argv[a], csv_strerror(csv_error(&parser)));
                return 1;
            }
            if (n)
                munmap(p, n);
        } else {
            ssize_t k;
            n = 0;
            delim = 0;
            while ((k = read(fd, buf, sizeof buf)) > 0) {
                if (!delim) {
                    delim = guess_delim(buf, (size_t)k);
                    csv_set_delim(&parser, (unsigned char)delim);
                }
                if (csv_parse(&parser, buf, (size_t)k, on_field, on_record, &c) != (size_t)k) {
                    fprintf(stderr, "rawcsv: %s: %s\n", argv[a], csv_strerror(csv_error(&parser)));
                    return 1;
                }
                n += (size_t)k;
            }
            if (k < 0) {
                perror(argv[a]);
                return 1;
            }
            if (!delim)
                delim = ',';
        }
        close(fd);
        csv_fini(&parser, on_field, on_record, &c);
        csv_free(&parser);
        double secs = now() - t0;
        printf("%s: delimiter '%s', %llu records, %llu fields, %zu bytes, %.4f s, %.1f MB/s\n", argv[a],
               delim == '\t' ? "\\t" : (char[]){delim, 0}, c.records, c.fields, n, secs,
               secs > 0 ? (double)n / 1e6 / secs : 0.0);
        total.fields += c.fields;
        total.records += c.records;
        total_bytes += n;
        total_secs += secs;
    }
    printf("total: %llu records, %llu fields, %llu bytes, %.4f s, %.1f MB/s\n", total.records, total.fields,
           total_bytes, total_secs, total_secs > 0 ? (double)total_bytes / 1e6 / total_secs : 0.0);
    return 0;
}
