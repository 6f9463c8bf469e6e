/*
 * gensamples.c - writes the sample exports of samples/, deterministically.
 *
 *   cc -std=c17 -Wall -Wextra -Werror -O2 tools/gensamples.c -o build/gensamples -lm
 *   build/gensamples samples
 *
 * Five municipalities, each in the style of its own quality system:
 * Norwegian headers and dd.mm.yyyy dates for Nordland and Troms, Swedish
 * headers and ISO dates for Norrtälje, Arvika and Huddinge; comma,
 * semicolon and tab delimiters; UTF-8, UTF-8 with BOM, Windows-1252 and
 * UTF-16LE; LF and CRLF line ends.  Data run from 2024-01-01 to the export
 * day 2026-10-31.  A few deliberately bad rows per file give the rejects
 * list something to show; the generator writes samples/README.md itself so
 * that the physical line numbers it lists are always the true ones.
 *
 * Determinism: one splitmix64 stream per data set with a fixed seed, only
 * integer and exactly rounded double arithmetic (no libm, no rand(), no
 * clock, no locale): the same source gives the same bytes everywhere.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ================================================================ basics */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gensamples: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory");
    return q;
}

/* Append to a growable array: PUSH(array, count, capacity, value). */
#define PUSH(arr, n, cap, val)                                          \
    do {                                                                \
        if ((n) == (cap)) {                                             \
            (cap) = (cap) ? 2 * (cap) : 256;                            \
            (arr) = xrealloc((arr), (cap) * sizeof *(arr));             \
        }                                                               \
        (arr)[(n)++] = (val);                                           \
    } while (0)

/* A growable byte string. */
typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_put(b, &c, 1); }

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    char *tmp = xrealloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)n);
    free(tmp);
}

/* ================================================================ random */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, good enough here. */
typedef struct {
    uint64_t s;
} rng;

static rng rng_seed(uint64_t seed) { return (rng){seed * 0x2545f4914f6cdd1dULL + 0x1234567ULL}; }

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 bits. */
static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

/* Uniform integer in [lo, hi]. */
static int rng_int(rng *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool rng_chance(rng *r, double p) { return rng_unit(r) < p; }

/* A count with the given mean: binomial with many trials, close to Poisson
 * and free of libm. */
static int rng_count(rng *r, double mean)
{
    int trials = mean * 6 > 48 ? (int)(mean * 6) : 48;
    double p = mean / trials;
    int n = 0;
    for (int i = 0; i < trials; i++)
        if (rng_unit(r) < p)
            n++;
    return n;
}

/* Geometric number of extra days with roughly the given mean. */
static int rng_geom(rng *r, double mean, int cap)
{
    double q = mean / (mean + 1.0);
    int n = 0;
    while (n < cap && rng_unit(r) < q)
        n++;
    return n;
}

/* Index picked with integer weights. */
static int rng_pick(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = rng_int(r, 0, total - 1);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ================================================================ dates */

typedef int32_t day_t;
#define NODATE INT32_MIN

/* Days since 1970-01-01 (H. Hinnant's civil-from-days algorithms). */
static day_t ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil(day_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* 0 = Monday ... 6 = Sunday. */
static int weekday(day_t z) { return (int)(((z % 7) + 7 + 3) % 7); }

static int year_of(day_t z)
{
    int y, m, d;
    civil(z, &y, &m, &d);
    return y;
}

static void put2(char *p, int v) { p[0] = (char)('0' + v / 10 % 10); p[1] = (char)('0' + v % 10); }
static void put4(char *p, int v)
{
    p[0] = (char)('0' + v / 1000 % 10);
    p[1] = (char)('0' + v / 100 % 10);
    p[2] = (char)('0' + v / 10 % 10);
    p[3] = (char)('0' + v % 10);
}

enum { DF_ISO, DF_DMY };

/* A date as text in buf (at least 11 bytes); "" for NODATE. */
static const char *fdate(char *buf, day_t z, int style)
{
    if (z == NODATE) {
        buf[0] = '\0';
        return buf;
    }
    int y, m, d;
    civil(z, &y, &m, &d);
    if (style == DF_DMY) {
        put2(buf, d); buf[2] = '.'; put2(buf + 3, m); buf[5] = '.'; put4(buf + 6, y);
    } else {
        put4(buf, y); buf[4] = '-'; put2(buf + 5, m); buf[7] = '-'; put2(buf + 8, d);
    }
    buf[10] = '\0';
    return buf;
}

/* An ISO date-time "yyyy-mm-dd hh:mm" (buf at least 17 bytes). */
static const char *fdatetime(char *buf, int64_t minutes)
{
    day_t z = (day_t)(minutes / 1440);
    int mod = (int)(minutes % 1440);
    fdate(buf, z, DF_ISO);
    buf[10] = ' ';
    put2(buf + 11, mod / 60);
    buf[13] = ':';
    put2(buf + 14, mod % 60);
    buf[16] = '\0';
    return buf;
}

/* The data run over [FIRST_DAY, EXPORT_DAY]. */
static day_t FIRST_DAY, EXPORT_DAY;

/* ================================================================ CSV out */

typedef enum { ENC_UTF8, ENC_UTF8_BOM, ENC_CP1252, ENC_UTF16LE } encoding;

static const char *enc_name(encoding e)
{
    switch (e) {
    case ENC_UTF8: return "UTF-8";
    case ENC_UTF8_BOM: return "UTF-8 with BOM";
    case ENC_CP1252: return "Windows-1252";
    case ENC_UTF16LE: return "UTF-16LE with BOM";
    }
    return "?";
}

#define RS '\x1e'   /* record terminator inside the buffer, turned into LF or CRLF */

/* One export file being written: UTF-8 text in memory, encoded on save. */
typedef struct {
    char muni[16], name[48];
    char delim;
    bool quote_all;     /* quote every field, as some document systems do */
    bool crlf;
    encoding enc;
    const char *dates;  /* the date format, for the README */
    int header_line;
    sbuf text;
    long line;          /* physical line the next record starts on */
    long row_line;      /* line of the record being written */
    int row_newlines;   /* embedded newlines in the record being written */
    int nf;             /* fields written in the record */
    long records;       /* data records after the header */
    size_t bytes;       /* size on disk */
} csvf;

typedef struct {
    char file[64];
    long line;
    bool rejected;
    char field[24];
    char why[200];
} badrow;

static badrow g_bad[64];
static int g_nbad;

typedef struct {
    char file[64];
    const char *enc, *delim, *eol, *dates;
    int header_line;
    long records;
    size_t bytes;
} fileinfo;

static fileinfo g_files[40];
static int g_nfiles;

static const char *g_outdir;

static void cf_init(csvf *f, const char *muni, const char *name, char delim, encoding enc,
                    bool crlf, const char *dates)
{
    memset(f, 0, sizeof *f);
    snprintf(f->muni, sizeof f->muni, "%s", muni);
    snprintf(f->name, sizeof f->name, "%s", name);
    f->delim = delim;
    f->enc = enc;
    f->crlf = crlf;
    f->dates = dates;
    f->line = 1;
    f->header_line = 1;
}

/* A line outside the table (a title above the header, a blank line). */
static void cf_line(csvf *f, const char *text)
{
    sb_puts(&f->text, text);
    sb_putc(&f->text, RS);
    f->line++;
}

static void cf_sep(csvf *f)
{
    if (f->nf == 0)
        f->row_line = f->line;
    else
        sb_putc(&f->text, f->delim);
    f->nf++;
}

static void count_newlines(csvf *f, const char *s)
{
    for (; *s; s++)
        if (*s == '\n')
            f->row_newlines++;
}

/* A field, quoted where it must be (delimiter, quote or newline inside). */
static void cf_field(csvf *f, const char *s)
{
    cf_sep(f);
    bool q = f->quote_all || strchr(s, f->delim) || strchr(s, '"') || strchr(s, '\n') ||
             strchr(s, '\r');
    if (!q) {
        sb_puts(&f->text, s);
        return;
    }
    sb_putc(&f->text, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_putc(&f->text, '"');
        sb_putc(&f->text, *p);
    }
    sb_putc(&f->text, '"');
    count_newlines(f, s);
}

/* A field written exactly as given, never quoted (to make broken rows). */
static void cf_raw(csvf *f, const char *s)
{
    cf_sep(f);
    sb_puts(&f->text, s);
    count_newlines(f, s);
}

static void cf_fieldf(csvf *f, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cf_field(f, buf);
}

/* End a record; returns the physical line it started on. */
static long cf_end(csvf *f)
{
    long start = f->nf ? f->row_line : f->line;
    sb_putc(&f->text, RS);
    f->line += 1 + f->row_newlines;
    f->row_newlines = 0;
    f->nf = 0;
    f->records++;
    return start;
}

static void cf_header(csvf *f, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cf_field(f, names[i]);
    f->header_line = (int)cf_end(f);
    f->records = 0;
}

/* Remember a deliberately odd row for the README. */
static void bad(const csvf *f, long line, bool rejected, const char *field, const char *why)
{
    if (g_nbad == (int)COUNT(g_bad))
        die("too many bad rows");
    badrow *b = &g_bad[g_nbad++];
    snprintf(b->file, sizeof b->file, "%s/%s", f->muni, f->name);
    b->line = line;
    b->rejected = rejected;
    snprintf(b->field, sizeof b->field, "%s", field);
    snprintf(b->why, sizeof b->why, "%s", why);
}

/* Decode one UTF-8 sequence at *p; advances *p. */
static uint32_t utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0];
    int n = 0;
    if (c < 0x80) n = 0;
    else if ((c & 0xE0) == 0xC0) { c &= 0x1F; n = 1; }
    else if ((c & 0xF0) == 0xE0) { c &= 0x0F; n = 2; }
    else if ((c & 0xF8) == 0xF0) { c &= 0x07; n = 3; }
    else die("invalid UTF-8 in generator text");
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            die("invalid UTF-8 in generator text");
        c = (c << 6) | (p[i] & 0x3F);
    }
    *pp = p + n + 1;
    return c;
}

/* Unicode to Windows-1252, or -1 when the code page has no such letter. */
static int to_cp1252(uint32_t c)
{
    static const uint16_t hi[32] = {
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    };
    if (c < 0x80 || (c >= 0xA0 && c <= 0xFF))
        return (int)c;
    for (int i = 0; i < 32; i++)
        if (hi[i] && hi[i] == c)
            return 0x80 + i;
    return -1;
}

/* Encode UTF-8 text (with RS record ends) into the file's bytes. */
static void encode(const sbuf *in, encoding enc, bool crlf, sbuf *out)
{
    if (enc == ENC_UTF8_BOM)
        sb_put(out, "\xEF\xBB\xBF", 3);
    if (enc == ENC_UTF16LE)
        sb_put(out, "\xFF\xFE", 2);
    const unsigned char *p = (const unsigned char *)in->p;
    const unsigned char *end = p + in->len;
    while (p < end) {
        const unsigned char *start = p;
        uint32_t c = utf8_next(&p);
        if (c == (uint32_t)RS) {
            if (crlf) {
                if (enc == ENC_UTF16LE) sb_put(out, "\r\0\n\0", 4);
                else sb_put(out, "\r\n", 2);
            } else {
                if (enc == ENC_UTF16LE) sb_put(out, "\n\0", 2);
                else sb_putc(out, '\n');
            }
            continue;
        }
        switch (enc) {
        case ENC_UTF8:
        case ENC_UTF8_BOM:
            sb_put(out, start, (size_t)(p - start));
            break;
        case ENC_CP1252: {
            int b = to_cp1252(c);
            if (b < 0)
                die("U+%04X has no Windows-1252 byte", (unsigned)c);
            sb_putc(out, (char)b);
            break;
        }
        case ENC_UTF16LE: {
            if (c >= 0x10000) {
                uint32_t v = c - 0x10000;
                uint16_t hs = (uint16_t)(0xD800 + (v >> 10)), ls = (uint16_t)(0xDC00 + (v & 0x3FF));
                char u[4] = {(char)(hs & 0xFF), (char)(hs >> 8), (char)(ls & 0xFF), (char)(ls >> 8)};
                sb_put(out, u, 4);
            } else {
                char u[2] = {(char)(c & 0xFF), (char)(c >> 8)};
                sb_put(out, u, 2);
            }
            break;
        }
        }
    }
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        die("cannot create %s: %s", path, strerror(errno));
}

static size_t write_file(const char *muni, const char *name, const char *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_outdir, muni);
    make_dir(path);
    snprintf(path, sizeof path, "%s/%s/%s", g_outdir, muni, name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        die("cannot write %s: %s", path, strerror(errno));
    if (n && fwrite(data, 1, n, fp) != n)
        die("cannot write %s", path);
    if (fclose(fp) != 0)
        die("cannot write %s: %s", path, strerror(errno));
    return n;
}

static const char *delim_name(char d)
{
    switch (d) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "tab";
    }
    return "?";
}

static void cf_save(csvf *f)
{
    sbuf out = {0};
    encode(&f->text, f->enc, f->crlf, &out);
    f->bytes = write_file(f->muni, f->name, out.p, out.len);
    if (g_nfiles == (int)COUNT(g_files))
        die("too many files");
    fileinfo *fi = &g_files[g_nfiles++];
    snprintf(fi->file, sizeof fi->file, "%s/%s", f->muni, f->name);
    fi->enc = enc_name(f->enc);
    fi->delim = delim_name(f->delim);
    fi->eol = f->crlf ? "CRLF" : "LF";
    fi->dates = f->dates;
    fi->header_line = f->header_line;
    fi->records = f->records;
    fi->bytes = f->bytes;
    free(out.p);
    free(f->text.p);
    f->text = (sbuf){0};
}

/* A file that is not a CSV table (the Kolada JSON). */
static void save_other(const char *muni, const char *name, const sbuf *text, const char *what)
{
    size_t n = write_file(muni, name, text->p, text->len);
    fileinfo *fi = &g_files[g_nfiles++];
    snprintf(fi->file, sizeof fi->file, "%s/%s", muni, name);
    fi->enc = "UTF-8";
    fi->delim = what;
    fi->eol = "LF";
    fi->dates = "-";
    fi->header_line = 0;
    fi->records = -1;
    fi->bytes = n;
}

/* ================================================================ the data */

/* Monthly rhythm: summer holidays and Christmas are quiet. */
static const double SEASON[12] = {1.0, 1.05, 1.05, 1.0, 1.0, 0.9, 0.55, 0.85, 1.05, 1.1, 1.05, 0.85};

typedef struct {
    int seq;
    int unit;
    day_t reported, due, closed;
    int cat, sev, root, gender, age, area, title, person, note;
    char id[48];
} deviation;

typedef struct {
    int nunits;
    const double *rate;        /* mean deviations per unit and month */
    double year_factor[3];     /* 2024, 2025, 2026 */
    double p_no_due;           /* share registered without a deadline */
    int due_min, due_max;      /* deadline = reported + due_min..due_max days */
    double p_on_time;          /* share closed by the deadline */
    double p_abandon[3];       /* share never closed, per year */
} devcfg;

static int cmp_dev(const void *a, const void *b)
{
    const deviation *x = a, *y = b;
    if (x->reported != y->reported)
        return x->reported < y->reported ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Deviations from 2024-01 to 2026-10, sorted by the day they were reported. */
static deviation *gen_deviations(rng *r, const devcfg *c, int *out_n)
{
    deviation *v = NULL;
    int n = 0, cap = 0, seq = 0;
    for (int y = 2024; y <= 2026; y++) {
        for (int m = 1; m <= 12; m++) {
            day_t first = ymd(y, m, 1);
            if (first > EXPORT_DAY)
                break;
            int dim = days_in_month(y, m);
            for (int u = 0; u < c->nunits; u++) {
                int k = rng_count(r, c->rate[u] * c->year_factor[y - 2024] * SEASON[m - 1]);
                for (int i = 0; i < k; i++) {
                    deviation d;
                    memset(&d, 0, sizeof d);
                    d.seq = seq++;
                    d.unit = u;
                    d.reported = first + rng_int(r, 0, dim - 1);
                    /* fewer registrations at weekends */
                    if (weekday(d.reported) >= 5 && rng_chance(r, 0.6))
                        d.reported -= weekday(d.reported) - 4;
                    if (d.reported < first)
                        d.reported = first;
                    d.due = rng_chance(r, c->p_no_due) ? NODATE
                                                       : d.reported + rng_int(r, c->due_min, c->due_max);
                    if (rng_chance(r, c->p_abandon[y - 2024])) {
                        d.closed = NODATE;
                    } else if (d.due != NODATE) {
                        if (rng_chance(r, c->p_on_time)) {
                            d.closed = rng_chance(r, 0.08) ? d.due : d.reported + rng_int(r, 0, d.due - d.reported);
                        } else {
                            d.closed = d.due + 1 + (rng_chance(r, 0.12) ? 0 : rng_geom(r, 20, 300));
                        }
                    } else {
                        d.closed = d.reported + rng_int(r, 2, 90);
                    }
                    if (d.closed != NODATE && d.closed > EXPORT_DAY)
                        d.closed = NODATE;
                    PUSH(v, n, cap, d);
                }
            }
        }
    }
    qsort(v, (size_t)n, sizeof *v, cmp_dev);
    *out_n = n;
    return v;
}

enum { P_NEW, P_EVALUATING, P_IMPLEMENTED, P_REJECTED };

typedef struct {
    int seq, unit;
    day_t submitted, decided;
    int status, title;
    char id[48];
} proposal;

static int cmp_prop(const void *a, const void *b)
{
    const proposal *x = a, *y = b;
    if (x->submitted != y->submitted)
        return x->submitted < y->submitted ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Improvement proposals; ntitles is the size of the title list. */
static proposal *gen_proposals(rng *r, int nunits, const double *rate, const double yf[3],
                               double p_impl, int ntitles, int *out_n)
{
    proposal *v = NULL;
    int n = 0, cap = 0, seq = 0;
    for (int y = 2024; y <= 2026; y++) {
        for (int m = 1; m <= 12; m++) {
            day_t first = ymd(y, m, 1);
            if (first > EXPORT_DAY)
                break;
            int dim = days_in_month(y, m);
            for (int u = 0; u < nunits; u++) {
                int k = rng_count(r, rate[u] * yf[y - 2024] * (m == 7 ? 0.6 : 1.0));
                for (int i = 0; i < k; i++) {
                    proposal p;
                    memset(&p, 0, sizeof p);
                    p.seq = seq++;
                    p.unit = u;
                    p.submitted = first + rng_int(r, 0, dim - 1);
                    p.title = rng_int(r, 0, ntitles - 1);
                    int delay = 5 + rng_geom(r, 45, 400);
                    bool never = rng_chance(r, 0.05);
                    p.decided = NODATE;
                    if (!never && p.submitted + delay <= EXPORT_DAY) {
                        p.decided = p.submitted + delay;
                        p.status = rng_chance(r, p_impl) ? P_IMPLEMENTED : P_REJECTED;
                    } else if (EXPORT_DAY - p.submitted < 21 && rng_chance(r, 0.7)) {
                        p.status = P_NEW;
                    } else {
                        p.status = P_EVALUATING;
                    }
                    PUSH(v, n, cap, p);
                }
            }
        }
    }
    qsort(v, (size_t)n, sizeof *v, cmp_prop);
    *out_n = n;
    return v;
}

enum { D_PUBLISHED, D_DRAFT, D_ARCHIVED };

typedef struct {
    int unit, title, owner, status, version;
    day_t revised;
    char id[48];
} document;

/* Governing documents: revised dates spread over 2019..2026, some empty.
 * yw: weights for the years 2019..2026. */
static document *gen_documents(rng *r, int nunits, int per_min, int per_max, const int yw[8],
                               int ntitles, int nowners, int *out_n)
{
    document *v = NULL;
    int n = 0, cap = 0;
    for (int u = 0; u < nunits; u++) {
        int k = rng_int(r, per_min, per_max);
        for (int i = 0; i < k; i++) {
            document d;
            memset(&d, 0, sizeof d);
            d.unit = u;
            d.title = rng_int(r, 0, ntitles - 1);
            d.owner = rng_int(r, 0, nowners - 1);
            int s = rng_int(r, 0, 99);
            d.status = s < 9 ? D_ARCHIVED : s < 18 ? D_DRAFT : D_PUBLISHED;
            d.version = rng_int(r, 1, 6);
            int y = 2019 + rng_pick(r, yw, 8);
            day_t a = ymd(y, 1, 1), b = y == 2026 ? EXPORT_DAY : ymd(y, 12, 31);
            d.revised = a + rng_int(r, 0, b - a);
            if (d.status == D_DRAFT ? rng_chance(r, 0.4) : rng_chance(r, 0.025))
                d.revised = NODATE;
            if (d.status == D_ARCHIVED && d.revised != NODATE && d.revised > ymd(2024, 6, 1))
                d.revised -= 900;
            PUSH(v, n, cap, d);
        }
    }
    *out_n = n;
    return v;
}

/* ================================================================ words */

static const char *const NB_FIRST[] = {
    "Kari", "Ola", "Ingrid", "Lars", "Marit", "Jon", "Siri", "Bjørn", "Åse", "Øystein",
    "Håkon", "Solveig", "Tor", "Gunn", "Nils", "Ane", "Elle", "Máret", "Ánde", "Sunniva",
    "Jørgen", "Liv", "Ragnhild", "Terje", "Eirik", "Hege", "Kjersti", "Per", "Sigrid", "Vegard",
    "Inga", "Aslak", "Randi", "Trond", "Mette", "Geir", "Tone", "Kåre", "Berit", "Stian",
};
static const char *const NB_LAST[] = {
    "Johansen", "Hansen", "Olsen", "Pedersen", "Nilsen", "Karlsen", "Andreassen", "Berg",
    "Eriksen", "Jakobsen", "Kristiansen", "Sørensen", "Bakken", "Solbakk", "Labba", "Kuoljok",
    "Påve", "Jåma", "Eira", "Sara", "Hætta", "Somby", "Bæhr", "Strøm", "Lyngstad", "Åsheim",
    "Gaup", "Utsi", "Turi", "Brønnøy", "Aune", "Rødberg", "Sæther", "Mikkelsen", "Fjellheim",
};
/* Northern Sámi names for Troms' UTF-8 exports (letters beyond Windows-1252). */
static const char *const SE_NAMES[] = {
    "Máret Čuđđe", "Ánde Ŋuolga", "Biret Šávža", "Niillas Ŧuorbmá", "Elle Márjá Žiŋŋá",
    "Issát Đahpat", "Sárá Čoarvi", "Ovllá Šuoŋŋa",
};
static const char *const SV_FIRST[] = {
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Åsa", "Björn",
    "Lena", "Mikael", "Sofia", "Per", "Ingrid", "Göran", "Linnéa", "Jörgen", "Märta", "Oskar",
    "Elin", "Håkan", "Sara", "Fredrik", "Ulla", "Ahmed", "Fatima", "Nils", "Emma", "Kjell",
};
static const char *const SV_LAST[] = {
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Lindström", "Sjöberg", "Åberg",
    "Öhman", "Ekström", "Bäckström", "Lundgren", "Håkansson", "Forsberg", "Nordström",
    "Holmqvist", "Sandén", "Ali", "Hassan", "Berglöf",
};

static void person_name(char *buf, size_t n, rng *r, const char *const *first, size_t nf,
                        const char *const *last, size_t nl)
{
    snprintf(buf, n, "%s %s", first[rng_int(r, 0, (int)nf - 1)], last[rng_int(r, 0, (int)nl - 1)]);
}

/* Deviation titles, each with the class of category it belongs to, so a
 * title never lands in an unlikely category.  Norwegian classes: H = HMS,
 * K = Kvalitet, M = Miljø, I = Informasjonssikkerhet, P = Personskade.
 * (Windows-1252 safe: Nordland writes them in CP1252.) */
typedef struct {
    char cls;
    const char *text;
} titled;

static const titled NB_DEV_TITLES[] = {
    {'K', "Manglende tilbakemelding til søker"},
    {'K', "Feil i fakturagrunnlag"},
    {'I', "Brudd på rutine for nøkkelutlevering"},
    {'K', "Sen oppfølging av elevsak"},
    {'H', "Skade på skyssbåt ved kai"},
    {'H', "Glatt gangvei ved inngang"},
    {'I', "Personopplysninger sendt til feil mottaker"},
    {'K', "Mangelfull dokumentasjon i anskaffelse"},
    {'K', "Forsinket utbetaling av tilskudd"},
    {'K', "Avvik fra vedlikeholdsplan"},
    {'H', "Manglende verneutstyr på verksted"},
    {'K', "Feil i timeplan – rom dobbeltbooket"},
    {'H', "Utilstrekkelig opplæring av nyansatte"},
    {'H', "Brannalarm utløst – rømningsvei blokkert"},
    {'K', "Behandling utsatt – manglende innkalling"},
    {'H', "Ventilasjon ute av drift"},
    {'K', "Kjøretøy levert uten EU-kontroll"},
    {'I', "Tilgang til fagsystem ikke avsluttet"},
    {'I', "Passord delt på e-post"},
    {'P', "Fall fra stige under vedlikehold"},
    {'P', "Kutt i hånd i kantine"},
    {'P', "Stikkskade ved tannbehandling"},
    {'P', "Klemskade i dør"},
    {'P', "Elev skadet i kroppsøving"},
    {'M', "Oljesøl ved fylkesvei"},
    {'M', "Feilsortert farlig avfall på verksted"},
    {'M', "Utslipp fra oljeutskiller"},
    {'K', "Forsinket svar på innsynsbegjæring"},
    {'K', "Skolebuss møtte ikke opp"},
};

/* A random title whose class is one of `classes`. */
static int pick_title(rng *r, const titled *t, int n, const char *classes)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += strchr(classes, t[i].cls) != NULL;
    if (k == 0)
        return rng_int(r, 0, n - 1);
    int x = rng_int(r, 0, k - 1);
    for (int i = 0; i < n; i++)
        if (strchr(classes, t[i].cls) && x-- == 0)
            return i;
    return 0;
}

static const char *const NB_PROP_TITLES[] = {
    "Digital signering av kontrakter",
    "Felles mal for møtereferat",
    "Bedre skilting i resepsjonen",
    "Sjekkliste for nyansatte",
    "Automatisk påminnelse om frister",
    "Samkjøring av skyssruter",
    "Elektronisk timebestilling",
    "Kortere saksbehandling for tilskudd",
    "Felles innkjøp av kontorrekvisita",
    "Digital elevmappe",
    "Videomøter i stedet for reiser",
    "Ny rutine for nøkkelutlevering",
    "Gjenbruk av møbler mellom skoler",
    "Kvartalsvis erfaringsdeling",
    "Strømsparing i verkstedhallen",
    "Enklere skjema for reiseregning",
    "Oversettelse av skjema til samisk",
    "Flere ladepunkter for el-bil",
};

static const char *const NB_DOC_TITLES[] = {
    "Rutine for avvikshåndtering",
    "Prosedyre for dokumentstyring",
    "Retningslinje for informasjonssikkerhet",
    "Beredskapsplan",
    "Rutine for ledelsens gjennomgang",
    "HMS-håndbok",
    "Rutine for årsaksanalyse ved alvorlig personskade",
    "Instruks for bruk av tjenestebil",
    "Rutine for varsling av kritikkverdige forhold",
    "Prosedyre for innkjøp og anskaffelser",
    "Rutine for mottak av nyansatte",
    "Plan for internrevisjon",
    "Retningslinje for arkiv og journalføring",
    "Rutine for oppfølging av sykefravær",
    "Sikkerhetsinstruks for verksted",
    "Rutine for behandling av personopplysninger",
    "Delegeringsreglement",
    "Kvalitetspolicy",
};

/* Swedish classes: A = avvikelse, S = synpunkt/klagomål, T = tillbud,
 * W = arbetsskada/arbetsmiljö, I = informationssäkerhet, L = Lex Sarah. */
static const titled SV_DEV_TITLES[] = {
    {'A', "Fel läkemedel givet"},
    {'A', "Utebliven insats i hemtjänsten"},
    {'A', "Brist i dokumentation"},
    {'T', "Fall i samband med förflyttning"},
    {'I', "Personuppgifter skickade till fel mottagare"},
    {'S', "Försenat beslut om bistånd"},
    {'I', "Nyckel borttappad"},
    {'T', "Barn lämnade förskolans område"},
    {'S', "Bristande bemötande vid telefonkontakt"},
    {'T', "Halka vid entré"},
    {'T', "Trasig lyft på avdelningen"},
    {'A', "Fel i fakturaunderlag"},
    {'A', "Kränkande behandling – anmälan till huvudman"},
    {'T', "Brandlarm – blockerad utrymningsväg"},
    {'S', "Försenad skolskjuts"},
    {'A', "Matallergi ej uppmärksammad"},
    {'W', "Hot mot personal i receptionen"},
    {'W', "Ryggskada vid förflyttning av brukare"},
    {'W', "Stickskada vid injektion"},
    {'I', "Behörighet ej avslutad i verksamhetssystem"},
    {'S', "Utebliven återkoppling på synpunkt"},
    {'S', "Långa väntetider i kundtjänst"},
    {'S', "Missnöje med snöröjning"},
    {'T', "Vattenläcka i källarförråd"},
    {'A', "Fel dos i dosett"},
    {'A', "Saknad signering av delegering"},
    {'L', "Brister i omvårdnad – utredning enligt Lex Sarah"},
    {'L', "Missförhållande i bemötande – Lex Sarah-rapport"},
};

static const char *const SV_PROP_TITLES[] = {
    "Digital signering av avtal",
    "Gemensam mall för mötesanteckningar",
    "Bättre skyltning i receptionen",
    "Checklista för nyanställda",
    "SMS-påminnelse inför besök",
    "Öppet på lördagar i biblioteket",
    "Samåkning till utbildningar",
    "E-tjänst för ansökan om färdtjänst",
    "Återbruk av möbler mellan skolor",
    "Kortare väntetid i kundtjänst",
    "Tydligare beslut på lätt svenska",
    "Frukostmöten för erfarenhetsutbyte",
    "Lånecyklar för hemtjänsten",
    "Gemensam kalender för lokalbokning",
    "Minskat matsvinn i skolköket",
    "Digitala nycklar i hemtjänsten",
    "Självservice för lönebesked",
    "Taltidning för synskadade",
};

static const char *const SV_DOC_TITLES[] = {
    "Rutin för avvikelsehantering",
    "Riktlinje för informationssäkerhet",
    "Krisledningsplan",
    "Delegationsordning",
    "Rutin för klagomålshantering",
    "Riktlinje för dokumenthantering",
    "Plan mot kränkande behandling",
    "Rutin för Lex Sarah",
    "Arbetsmiljöpolicy",
    "Rutin för hot och våld",
    "Riktlinje för dokumentation i socialtjänsten",
    "Rutin för introduktion av nyanställda",
    "Policy för ständiga förbättringar",
    "Rutin för synpunkter och förslag",
    "Riktlinje för läkemedelshantering",
    "Plan för systematiskt kvalitetsarbete",
    "Rutin för tillbud och arbetsskador",
    "Riktlinje för barnrättsperspektivet",
};

/* ================================================================ Nordland */
/*
 * Nordland fylkeskommune: the deviation system exports Excel-style
 * semicolon CSV in Windows-1252 with CRLF; the document archive (EK)
 * exports comma CSV with every field quoted, UTF-8 with BOM; the learning
 * platform exports semicolon UTF-8.  Dates dd.mm.yyyy everywhere.
 */

static const char *const NO_UNITS[] = {
    "Fylkesdirektørens stab",
    "Økonomiavdelingen",
    "Samferdselsavdelingen",
    "Utdanningsavdelingen",
    "Kultur, miljø og folkehelse",
    "Næringsavdelingen",
    "Plan og regional utvikling",
    "Eiendomsavdelingen",
    "Tannhelsetjenesten",
    "HR og organisasjon",
    "Bodø videregående skole",
    "Mosjøen videregående skole",
    "Árran julevsáme guovdásj",
};
enum { NO_NUNITS = (int)COUNT(NO_UNITS) };

static void nordland(void)
{
    static const char *const M = "nordland";
    char b1[32], b2[32], b3[32];

    /* ---- avvik.csv */
    static const double rate[NO_NUNITS] = {1.2, 1.6, 4.2, 3.0, 1.8, 1.0, 0.9, 2.6, 3.4, 1.3, 3.6, 3.0, 0.7};
    devcfg c = {NO_NUNITS, rate, {0.95, 1.0, 1.05}, 0.04, 14, 60, 0.80, {0.008, 0.015, 0.03}};
    rng r = rng_seed(1001);
    int n;
    deviation *dv = gen_deviations(&r, &c, &n);
    static const char *const CAT[] = {"HMS", "Kvalitet", "Miljø", "Informasjonssikkerhet", "Personskade"};
    static const int catw[] = {30, 40, 8, 14, 8};
    static const char *const SEV[] = {"Lav", "Middels", "Høy"};
    static const int sevw[] = {50, 38, 12};
    for (int i = 0; i < n; i++) {
        dv[i].cat = rng_pick(&r, catw, 5);
        dv[i].sev = rng_pick(&r, sevw, 3);
        static const char *const cls[] = {"H", "K", "M", "I", "P"};
        dv[i].title = pick_title(&r, NB_DEV_TITLES, (int)COUNT(NB_DEV_TITLES), cls[dv[i].cat]);
        snprintf(dv[i].id, sizeof dv[i].id, "%d", 4101 + i);
    }
    csvf f;
    cf_init(&f, M, "avvik.csv", ';', ENC_CP1252, true, "dd.mm.yyyy");
    static const char *const H[] = {"Avviksnr", "Tittel", "Avdeling", "Kategori", "Alvorlighetsgrad",
                                    "Registrert", "Frist", "Lukket", "Status"};
    cf_header(&f, H, COUNT(H));
    int k_semi = -1, k_apr = -1, k_dup = (n * 5) / 9, k_nl = (n * 3) / 4, k_nounit = (n * 7) / 8;
    for (int i = 0; i < n; i++) {
        if (k_apr < 0 && dv[i].reported >= ymd(2025, 4, 20))
            k_apr = i;
        if (k_semi < 0 && i >= n / 9 && dv[i].unit == 2) /* Samferdselsavdelingen */
            k_semi = i;
    }
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        const char *title = NB_DEV_TITLES[d->title].text;
        const char *unit = NO_UNITS[d->unit];
        const char *rep = fdate(b1, d->reported, DF_DMY);
        if (i == k_semi)
            title = "Feil i skyssrute; båt ventet ikke på buss";
        if (i == k_nl)
            title = "Vannlekkasje i kjeller\nmeldt av vaktmester etter arbeidstid";
        if (i == k_apr)
            rep = "31.04.2025";
        if (i == k_nounit)
            unit = "";
        cf_field(&f, i == k_dup ? dv[i - 7].id : d->id);
        cf_field(&f, title);
        cf_field(&f, unit);
        cf_field(&f, CAT[d->cat]);
        cf_field(&f, SEV[d->sev]);
        cf_field(&f, rep);
        cf_field(&f, fdate(b2, d->due, DF_DMY));
        cf_field(&f, fdate(b3, d->closed, DF_DMY));
        cf_field(&f, d->closed != NODATE ? "Lukket" : d->reported > EXPORT_DAY - 10 ? "Registrert" : "Under behandling");
        long line = cf_end(&f);
        if (i == k_semi)
            bad(&f, line, false, "", "valid: the title holds the delimiter \";\" inside quotes");
        if (i == k_apr)
            bad(&f, line, true, "reported", "Registrert is 31.04.2025, a day that does not exist");
        if (i == k_dup) {
            char w[120];
            snprintf(w, sizeof w, "Avviksnr %s repeats the number of the record 7 rows above", dv[i - 7].id);
            bad(&f, line, true, "id", w);
        }
        if (i == k_nl)
            bad(&f, line, false, "", "valid: the quoted title spans two physical lines (LF inside a CRLF file)");
        if (i == k_nounit)
            bad(&f, line, true, "unit", "Avdeling is empty (a required field)");
    }
    cf_save(&f);
    free(dv);

    /* ---- forbedringsforslag.csv: about half the departments reach 5 a month */
    static const double prate[NO_NUNITS] = {1.6, 8.0, 8.5, 8.0, 7.5, 1.5, 1.2, 1.8, 8.0, 1.4, 8.5, 7.5, 1.0};
    static const double pyf[3] = {0.95, 1.0, 1.0};
    r = rng_seed(1002);
    proposal *pv = gen_proposals(&r, NO_NUNITS, prate, pyf, 0.65, (int)COUNT(NB_PROP_TITLES), &n);
    static const char *const PST[] = {"Ny", "Under vurdering", "Gjennomført", "Avvist"};
    cf_init(&f, M, "forbedringsforslag.csv", ';', ENC_CP1252, true, "dd.mm.yyyy");
    static const char *const HP[] = {"Forslagsnr", "Avdeling", "Innsendt", "Tittel", "Status", "Behandlet"};
    cf_header(&f, HP, COUNT(HP));
    int k_noun = n / 5, k_feb = -1, k_quote = (n * 2) / 3;
    for (int i = 0; i < n; i++)
        if (k_feb < 0 && pv[i].submitted >= ymd(2025, 1, 20) && pv[i].status >= P_IMPLEMENTED)
            k_feb = i;
    for (int i = 0; i < n; i++) {
        proposal *p = &pv[i];
        snprintf(p->id, sizeof p->id, "FF-%d-%04d", year_of(p->submitted), 1 + i);
        cf_field(&f, p->id);
        cf_field(&f, i == k_noun ? "" : NO_UNITS[p->unit]);
        cf_field(&f, fdate(b1, p->submitted, DF_DMY));
        if (i == k_quote)
            cf_raw(&f, "Ny 27\" skjerm på møterom Saltstraumen");
        else
            cf_field(&f, NB_PROP_TITLES[p->title]);
        cf_field(&f, PST[p->status]);
        cf_field(&f, i == k_feb ? "29.02.2025" : fdate(b2, p->decided, DF_DMY));
        long line = cf_end(&f);
        if (i == k_noun)
            bad(&f, line, true, "unit", "Avdeling is empty (a required field)");
        if (i == k_feb)
            bad(&f, line, true, "decided", "Behandlet is 29.02.2025; 2025 is not a leap year");
        if (i == k_quote)
            bad(&f, line, false, "", "valid: an unquoted title with a literal \" (27\" skjerm), kept as text");
    }
    cf_save(&f);
    free(pv);

    /* ---- dokumenter.csv (EK: all fields quoted, UTF-8 with BOM, comma) */
    static const int yw[8] = {5, 6, 7, 9, 11, 16, 24, 22};
    r = rng_seed(1003);
    document *dc = gen_documents(&r, NO_NUNITS, 9, 20, yw, (int)COUNT(NB_DOC_TITLES), 40, &n);
    static const char *const DST[] = {"Publisert", "Utkast", "Arkivert"};
    cf_init(&f, M, "dokumenter.csv", ',', ENC_UTF8_BOM, false, "dd.mm.yyyy");
    f.quote_all = true;
    static const char *const HD[] = {"Dok.nr", "Tittel", "Avdeling", "Dokumentansvarlig", "Versjon", "Revidert", "Status"};
    cf_header(&f, HD, COUNT(HD));
    int k_notitle = n / 4, k_iso = n / 2, k_dnl = (n * 4) / 5;
    for (int i = 0; i < n; i++) {
        document *d = &dc[i];
        char owner[64];
        person_name(owner, sizeof owner, &r, NB_FIRST, COUNT(NB_FIRST), NB_LAST, COUNT(NB_LAST));
        snprintf(d->id, sizeof d->id, "EK-%05d", 10230 + 7 * i);
        cf_field(&f, d->id);
        if (i == k_notitle)
            cf_field(&f, "");
        else if (i == k_dnl)
            cf_field(&f, "Rutine for vakthold\n(gjelder også helg og høytid)");
        else
            cf_field(&f, NB_DOC_TITLES[d->title]);
        cf_field(&f, NO_UNITS[d->unit]);
        cf_field(&f, owner);
        cf_fieldf(&f, "%d.%d", d->version, (d->version * 7) % 4);
        if (i == k_iso) {
            d->revised = ymd(2023, 5, 12);
            cf_field(&f, "2023-05-12");
        } else {
            cf_field(&f, fdate(b1, d->revised, DF_DMY));
        }
        cf_field(&f, DST[d->status]);
        long line = cf_end(&f);
        if (i == k_notitle)
            bad(&f, line, true, "title", "Tittel is empty (a required field)");
        if (i == k_iso)
            bad(&f, line, true, "revised", "Revidert is 2023-05-12, ISO instead of the file's dd.mm.yyyy");
        if (i == k_dnl)
            bad(&f, line, false, "", "valid: the quoted title spans two physical lines");
    }
    cf_save(&f);
    free(dc);

    /* ---- opplaering.csv: one row per person and assigned course */
    r = rng_seed(1004);
    cf_init(&f, M, "opplaering.csv", ';', ENC_UTF8, false, "dd.mm.yyyy");
    static const char *const HT[] = {"Ansattnr", "Navn", "Avdeling", "Rolle", "Kurs", "Tildelt", "Fullført"};
    cf_header(&f, HT, COUNT(HT));
    int emp = 100230, row = 0;
    bool did_nocourse = false, did_june = false, did_blank = false;
    for (int u = 0; u < NO_NUNITS; u++) {
        int leaders = rng_int(&r, 3, 5), staff = rng_int(&r, 18, 34);
        if (u == NO_NUNITS - 1)
            staff = 9;
        for (int pi = 0; pi < leaders + staff; pi++) {
            bool leader = pi < leaders;
            char name[64];
            person_name(name, sizeof name, &r, NB_FIRST, COUNT(NB_FIRST), NB_LAST, COUNT(NB_LAST));
            emp += rng_int(&r, 1, 9);
            /* some were hired after the courses were rolled out */
            day_t hired = rng_chance(&r, 0.05) ? ymd(2024, 1, 1) + rng_int(&r, 0, 900) : NODATE;
            static const char *const LC[] = {"Kvalitetsledelse", "Avvikshåndtering", "Digital opplæringspakke"};
            static const char *const EC[] = {"Kvalitet", "Digital opplæringspakke"};
            int nc = leader ? 3 : 2;
            for (int ci = 0; ci < nc; ci++) {
                const char *course = leader ? LC[ci] : EC[ci];
                day_t assigned, done = NODATE;
                int deadline_year = (!strcmp(course, "Avvikshåndtering") || !strcmp(course, "Kvalitet")) ? 2022 : 2023;
                /* share done by the deadline: most leaders took the quality
                 * management course, fewer the deviation course */
                int on_time = !strcmp(course, "Kvalitetsledelse") ? 96 : !strcmp(course, "Avvikshåndtering") ? 72
                            : !strcmp(course, "Kvalitet") ? 86 : 97;
                if (hired != NODATE) {
                    assigned = hired;
                    if (rng_chance(&r, 0.6))
                        done = hired + rng_int(&r, 10, 200);
                } else {
                    assigned = ymd(2022, 1, 10) + (deadline_year == 2022 ? 0 : rng_int(&r, 0, 1) * 90);
                    int x = rng_int(&r, 0, 99);
                    if (x < on_time - 2) /* on time */
                        done = assigned + rng_int(&r, 5, ymd(deadline_year, 12, 31) - assigned);
                    else if (x < on_time) /* exactly on the deadline */
                        done = ymd(deadline_year, 12, 31);
                    else if (x < on_time + (100 - on_time) / 2) /* late */
                        done = ymd(deadline_year + 1, 1, 1) + rng_int(&r, 0, 500);
                }
                if (done != NODATE && done > EXPORT_DAY)
                    done = NODATE;
                const char *donetext = fdate(b2, done, DF_DMY);
                bool nocourse = !did_nocourse && row > 300 && !leader;
                bool june = !did_june && row > 600 && done != NODATE;
                if (june)
                    donetext = "31.06.2022";
                if (!did_blank && row == 450) {
                    cf_line(&f, "");
                    did_blank = true;
                    bad(&f, f.line - 1, false, "", "valid: a blank line, skipped silently");
                }
                cf_fieldf(&f, "%d", emp);
                cf_field(&f, name);
                cf_field(&f, NO_UNITS[u]);
                cf_field(&f, leader ? "Leder" : "Medarbeider");
                cf_field(&f, nocourse ? "" : course);
                cf_field(&f, fdate(b1, assigned, DF_DMY));
                cf_field(&f, donetext);
                long line = cf_end(&f);
                row++;
                if (nocourse) {
                    did_nocourse = true;
                    bad(&f, line, true, "course", "Kurs is empty (a required field)");
                }
                if (june) {
                    did_june = true;
                    bad(&f, line, true, "completed", "Fullført is 31.06.2022, a day that does not exist");
                }
            }
        }
    }
    cf_save(&f);
}

/* ================================================================ Troms */
/*
 * Troms fylkeskommune: the deviation system writes a title line and a blank
 * line above the header (header on line 3), comma-separated UTF-8, LF,
 * dd.mm.yyyy; the document handbook (EK) writes semicolons with CRLF; the
 * management reviews and the unit register are semicolon UTF-8.
 */

typedef struct {
    const char *name, *parent, *level;
    double dev_rate, prop_rate;
    int docs;
} tr_unit;

static const tr_unit TR_UNITS[] = {
    {"Fylkesdirektøren", "", "Fylkesdirektør", 0.3, 0.2, 6},
    {"Stab og støtte", "Fylkesdirektøren", "Etat", 0.6, 0.4, 8},
    {"Utdanningsetaten", "Fylkesdirektøren", "Etat", 0.8, 0.4, 10},
    {"Samferdselsetaten", "Fylkesdirektøren", "Etat", 0.8, 0.5, 8},
    {"Tannhelsetjenesten", "Fylkesdirektøren", "Etat", 0.7, 0.3, 9},
    {"Kultur- og næringsetaten", "Fylkesdirektøren", "Etat", 0.5, 0.3, 7},
    {"Økonomi og analyse", "Stab og støtte", "Enhet", 1.0, 0.8, 8},
    {"HR og organisasjon", "Stab og støtte", "Enhet", 1.4, 0.9, 10},
    {"Digitalisering og IKT", "Stab og støtte", "Enhet", 2.4, 1.4, 9},
    {"Tromsdalen videregående skole", "Utdanningsetaten", "Enhet", 4.2, 1.6, 8},
    {"Kongsbakken videregående skole", "Utdanningsetaten", "Enhet", 3.6, 1.2, 7},
    {"Nord-Troms videregående skole", "Utdanningsetaten", "Enhet", 2.6, 0.9, 7},
    {"Senja videregående skole", "Utdanningsetaten", "Enhet", 2.8, 1.0, 7},
    {"Bardufoss videregående skole", "Utdanningsetaten", "Enhet", 2.6, 0.8, 6},
    {"Heggen videregående skole", "Utdanningsetaten", "Enhet", 2.9, 1.1, 7},
    {"Kollektivtrafikk", "Samferdselsetaten", "Enhet", 3.4, 1.2, 8},
    {"Fylkesveger", "Samferdselsetaten", "Enhet", 4.0, 1.0, 9},
    {"Tannklinikken i Tromsø", "Tannhelsetjenesten", "Enhet", 3.2, 0.9, 8},
    {"Tannklinikken i Harstad", "Tannhelsetjenesten", "Enhet", 2.2, 0.7, 6},
    {"Fylkesbiblioteket", "Kultur- og næringsetaten", "Enhet", 0.9, 0.6, 6},
    {"Sámi giellaguovddáš", "Kultur- og næringsetaten", "Enhet", 0.8, 0.6, 6},
    {"Ája sámi guovddáš", "Kultur- og næringsetaten", "Enhet", 0.6, 0.4, 5},
};
enum { TR_NUNITS = (int)COUNT(TR_UNITS) };

static const char *const TR_DOC_EXTRA[] = {
    "Ođđa bargiid vuostáiváldin – rutine for mottak av nyansatte",
    "Dorvvolašvuođa bagadus – sikkerhetsinstruks",
    "Čoahkkinrutiidna – møterutine for Sámi giellaguovddáš",
    "Giellaáŋgiruššan – handlingsplan for samisk språk",
    "Šiehtadus – samarbeidsavtale med Sámediggi",
};

static void troms(void)
{
    static const char *const M = "troms";
    char b1[32], b2[32], b3[32];
    double rate[TR_NUNITS], prate[TR_NUNITS];
    for (int u = 0; u < TR_NUNITS; u++) {
        rate[u] = TR_UNITS[u].dev_rate;
        prate[u] = TR_UNITS[u].prop_rate;
    }

    /* ---- avvik.csv: volume grows year on year, as the policy wants */
    devcfg c = {TR_NUNITS, rate, {0.80, 0.97, 1.16}, 0.05, 14, 60, 0.76, {0.01, 0.02, 0.035}};
    rng r = rng_seed(2001);
    int n;
    deviation *dv = gen_deviations(&r, &c, &n);
    static const char *const CAT[] = {"HMS", "Kvalitet", "Miljø", "Personskade", "Informasjonssikkerhet"};
    static const int catw[] = {30, 36, 8, 16, 10};
    static const char *const SEV[] = {"Lav", "Middels", "Alvorlig", "Svært alvorlig"};
    static const int sevw[] = {40, 34, 18, 8};
    static const int sevw_injury[] = {22, 30, 34, 14}; /* personal injuries are more often serious */
    static const char *const NOTES[] = {"Meldt til Arbeidstilsynet", "Fulgt opp i AMU",
                                        "Tiltak innarbeidet i rutine", "Meldt til verneombud",
                                        "Se også tidligere avvik", "Politiet varslet"};
    int year_seq[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        d->cat = rng_pick(&r, catw, 5);
        d->sev = rng_pick(&r, d->cat == 3 ? sevw_injury : sevw, 4);
        bool serious_injury = d->cat == 3 && d->sev >= 2;
        int x = rng_int(&r, 0, 99);
        if (serious_injury)
            d->root = x < 78 ? 1 : x < 92 ? 0 : -1;
        else
            d->root = x < 12 ? 1 : x < 60 ? 0 : -1;
        d->person = rng_chance(&r, 0.12) ? -1 - rng_int(&r, 0, (int)COUNT(SE_NAMES) - 1) : rng_int(&r, 0, 9999);
        d->note = rng_chance(&r, 0.06) ? rng_int(&r, 0, (int)COUNT(NOTES) - 1) : -1;
        int y = year_of(d->reported);
        snprintf(d->id, sizeof d->id, "TFK-%d-%05d", y, ++year_seq[y - 2024]);
    }
    /* October 2026 is the demo month: give it a few serious personal injuries,
     * one of them still without a root-cause analysis. */
    int serious = 0, converted = 0;
    day_t oct1 = ymd(2026, 10, 1);
    for (int i = 0; i < n; i++)
        if (dv[i].reported >= oct1 && dv[i].cat == 3 && dv[i].sev >= 2)
            serious++;
    for (int i = 0; i < n && serious < 5; i++) {
        deviation *d = &dv[i];
        if (d->reported >= oct1 && d->cat != 3 && i % 4 == 0) {
            d->cat = 3;
            d->sev = 2 + converted % 2;
            d->root = converted == 1 ? 0 : 1;
            converted++;
            serious++;
        }
    }
    /* the two-line comment tells of a pupil hurt in the gym: a school */
    int k_nl = -1;
    for (int i = (n * 5) / 6; i < n && k_nl < 0; i++)
        if (strstr(TR_UNITS[dv[i].unit].name, "videregående")) {
            k_nl = i;
            dv[i].cat = 3;
            dv[i].sev = 1;
        }
    static const char *const cls[] = {"H", "K", "M", "P", "I"};
    for (int i = 0; i < n; i++)
        dv[i].title = pick_title(&r, NB_DEV_TITLES, (int)COUNT(NB_DEV_TITLES), cls[dv[i].cat]);
    csvf f;
    cf_init(&f, M, "avvik.csv", ',', ENC_UTF8, false, "dd.mm.yyyy");
    cf_line(&f, "Avviksrapport Troms fylkeskommune – alle avvik 01.01.2024–31.10.2026 (eksportert 01.11.2026 06:00)");
    cf_line(&f, "");
    static const char *const H[] = {"Avviksnr", "Tittel", "Enhet", "Kategori", "Alvorlighetsgrad",
                                    "Meldt dato", "Frist", "Lukket dato", "Årsaksanalyse utført",
                                    "Meldt av", "Kommentar"};
    cf_header(&f, H, COUNT(H));
    int k_feb = -1, k_dup = n / 3, k_maybe = n / 2, k_comma = (n * 2) / 3;
    for (int i = 0; i < n; i++)
        if (k_feb < 0 && dv[i].reported >= ymd(2026, 2, 26))
            k_feb = i;
    rng names = rng_seed(2009);
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        char who[64];
        if (d->person < 0)
            snprintf(who, sizeof who, "%s", SE_NAMES[-1 - d->person]);
        else
            person_name(who, sizeof who, &names, NB_FIRST, COUNT(NB_FIRST), NB_LAST, COUNT(NB_LAST));
        cf_field(&f, i == k_dup ? dv[i - 3].id : d->id);
        cf_field(&f, i == k_nl ? "Elev skadet i kroppsøving" : NB_DEV_TITLES[d->title].text);
        cf_field(&f, TR_UNITS[d->unit].name);
        cf_field(&f, CAT[d->cat]);
        cf_field(&f, SEV[d->sev]);
        cf_field(&f, i == k_feb ? "30.02.2026" : fdate(b1, d->reported, DF_DMY));
        cf_field(&f, fdate(b2, d->due, DF_DMY));
        cf_field(&f, fdate(b3, d->closed, DF_DMY));
        cf_field(&f, i == k_maybe ? "Kanskje" : d->root > 0 ? "Ja" : d->root == 0 ? "Nei" : "");
        cf_field(&f, who);
        if (i == k_comma)
            cf_raw(&f, "Meldt muntlig, registrert i etterkant");
        else if (i == k_nl)
            cf_field(&f, "Elev skadet i gymsal, fulgt til legevakt.\nForeldre varslet samme dag.");
        else
            cf_field(&f, d->note >= 0 ? NOTES[d->note] : "");
        long line = cf_end(&f);
        if (i == k_feb)
            bad(&f, line, true, "reported", "Meldt dato is 30.02.2026, a day that does not exist");
        if (i == k_dup) {
            char w[120];
            snprintf(w, sizeof w, "Avviksnr %s repeats the number of the record 3 rows above", dv[i - 3].id);
            bad(&f, line, true, "id", w);
        }
        if (i == k_maybe)
            bad(&f, line, true, "root_cause", "Årsaksanalyse utført is \"Kanskje\", not a boolean");
        if (i == k_comma)
            bad(&f, line, true, "", "unquoted comma in Kommentar: a non-empty 12th field past the header's 11 columns");
        if (i == k_nl)
            bad(&f, line, false, "", "valid: the quoted Kommentar holds a comma and spans two lines");
    }
    cf_save(&f);
    free(dv);

    /* ---- forbedringsmeldinger.csv: the "forbedringsmelding" button */
    static const double pyf[3] = {0.75, 1.0, 1.2};
    r = rng_seed(2002);
    proposal *pv = gen_proposals(&r, TR_NUNITS, prate, pyf, 0.6, (int)COUNT(NB_PROP_TITLES), &n);
    static const char *const PST[] = {"Ny", "Under vurdering", "Gjennomført", "Avvist"};
    cf_init(&f, M, "forbedringsmeldinger.csv", ',', ENC_UTF8, false, "dd.mm.yyyy");
    static const char *const HP[] = {"Meldingsnr", "Enhet", "Dato", "Forbedringsforslag", "Status", "Behandlet dato"};
    cf_header(&f, HP, COUNT(HP));
    int k_noun = (n * 3) / 5;
    for (int i = 0; i < n; i++) {
        proposal *p = &pv[i];
        snprintf(p->id, sizeof p->id, "FM-%05d", 1 + i);
        cf_field(&f, p->id);
        cf_field(&f, i == k_noun ? "" : TR_UNITS[p->unit].name);
        cf_field(&f, fdate(b1, p->submitted, DF_DMY));
        cf_field(&f, NB_PROP_TITLES[p->title]);
        cf_field(&f, PST[p->status]);
        cf_field(&f, fdate(b2, p->decided, DF_DMY));
        long line = cf_end(&f);
        if (i == k_noun)
            bad(&f, line, true, "unit", "Enhet is empty (a required field)");
    }
    cf_save(&f);
    free(pv);

    /* ---- dokumenter.csv (EK, semicolon, CRLF) */
    r = rng_seed(2003);
    static const char *const DST[] = {"Publisert", "Utkast", "Arkivert"};
    static const int yw[8] = {3, 4, 5, 6, 10, 20, 28, 24};
    cf_init(&f, M, "dokumenter.csv", ';', ENC_UTF8, true, "dd.mm.yyyy");
    static const char *const HD[] = {"Dok.id", "Tittel", "Enhet", "Dokumentansvarlig", "Revidert", "Neste revisjon", "Status"};
    cf_header(&f, HD, COUNT(HD));
    int di = 0;
    int k_zero = 70, k_semi = 120;
    for (int u = 0; u < TR_NUNITS; u++) {
        int k = TR_UNITS[u].docs;
        for (int j = 0; j < k; j++, di++) {
            document d;
            memset(&d, 0, sizeof d);
            int s = rng_int(&r, 0, 99);
            d.status = s < 8 ? D_ARCHIVED : s < 16 ? D_DRAFT : D_PUBLISHED;
            int y = 2019 + rng_pick(&r, yw, 8);
            day_t a = ymd(y, 1, 1), bday = y == 2026 ? EXPORT_DAY : ymd(y, 12, 31);
            d.revised = a + rng_int(&r, 0, bday - a);
            if (d.status == D_DRAFT ? rng_chance(&r, 0.4) : rng_chance(&r, 0.03))
                d.revised = NODATE;
            const char *title = NB_DOC_TITLES[rng_int(&r, 0, (int)COUNT(NB_DOC_TITLES) - 1)];
            if (!strcmp(TR_UNITS[u].name, "Sámi giellaguovddáš") || !strcmp(TR_UNITS[u].name, "Ája sámi guovddáš"))
                title = TR_DOC_EXTRA[j % COUNT(TR_DOC_EXTRA)];
            if (di == k_semi)
                title = "Rutine for skoleskyss; gjelder også båtskyss";
            char owner[64];
            if (rng_chance(&r, 0.1))
                snprintf(owner, sizeof owner, "%s", SE_NAMES[rng_int(&r, 0, (int)COUNT(SE_NAMES) - 1)]);
            else
                person_name(owner, sizeof owner, &r, NB_FIRST, COUNT(NB_FIRST), NB_LAST, COUNT(NB_LAST));
            cf_fieldf(&f, "%d", 3100 + di * 3);
            cf_field(&f, title);
            cf_field(&f, TR_UNITS[u].name);
            cf_field(&f, owner);
            cf_field(&f, di == k_zero ? "00.00.0000" : fdate(b1, d.revised, DF_DMY));
            cf_field(&f, d.revised == NODATE || d.status == D_ARCHIVED ? "" : fdate(b2, d.revised + 3 * 365, DF_DMY));
            cf_field(&f, DST[d.status]);
            long line = cf_end(&f);
            if (di == k_zero)
                bad(&f, line, true, "revised", "Revidert is 00.00.0000 (a placeholder, not a date)");
            if (di == k_semi)
                bad(&f, line, false, "", "valid: the title holds the delimiter \";\" inside quotes");
        }
    }
    cf_save(&f);

    /* ---- enheter.csv: the unit register */
    cf_init(&f, M, "enheter.csv", ';', ENC_UTF8, false, "-");
    static const char *const HU[] = {"Enhetskode", "Enhet", "Overordnet enhet", "Nivå"};
    cf_header(&f, HU, COUNT(HU));
    for (int u = 0; u < TR_NUNITS; u++) {
        cf_fieldf(&f, "TFK%03d", 100 + u * 10);
        cf_field(&f, TR_UNITS[u].name);
        cf_field(&f, TR_UNITS[u].parent);
        cf_field(&f, TR_UNITS[u].level);
        cf_end(&f);
    }
    cf_save(&f);

    /* ---- ledelsens_gjennomgang.csv: annual management review, from the top in 2023 */
    r = rng_seed(2004);
    cf_init(&f, M, "ledelsens_gjennomgang.csv", ';', ENC_UTF8, false, "dd.mm.yyyy");
    static const char *const HR[] = {"Enhet", "Dato", "Nivå", "Antall forbedringsmål", "Internrevisjon vurdert", "Referent"};
    cf_header(&f, HR, COUNT(HR));
    static const int goalw[] = {4, 10, 30, 30, 16, 10}; /* 0..5 goals */
    bool did_word = false, did_nodate = false;
    for (int y = 2023; y <= 2026; y++) {
        for (int u = 0; u < TR_NUNITS; u++) {
            const tr_unit *t = &TR_UNITS[u];
            double p;
            if (y == 2023) p = !strcmp(t->level, "Enhet") ? 0.0 : 0.9;
            else if (y == 2024) p = !strcmp(t->level, "Enhet") ? 0.55 : 1.0;
            else if (y == 2025) p = 0.85;
            else p = 0.72;
            bool force = (y == 2025 && u == 9) || (y == 2024 && u == 12);
            if (!rng_chance(&r, p) && !force)
                continue;
            day_t a = ymd(y, 3, 1);
            day_t when = rng_chance(&r, 0.8) ? a + rng_int(&r, 0, 110) : ymd(y, 9, 1) + rng_int(&r, 0, 60);
            if (when > EXPORT_DAY)
                when = EXPORT_DAY - rng_int(&r, 1, 20);
            int goals = rng_pick(&r, goalw, 6);
            char who[64];
            person_name(who, sizeof who, &r, NB_FIRST, COUNT(NB_FIRST), NB_LAST, COUNT(NB_LAST));
            bool word = !did_word && y == 2025 && u == 9;
            bool nodate = !did_nodate && y == 2024 && u == 12;
            cf_field(&f, t->name);
            cf_field(&f, nodate ? "" : fdate(b1, when, DF_DMY));
            cf_field(&f, t->level);
            if (word) cf_field(&f, "to");
            else cf_fieldf(&f, "%d", goals);
            cf_field(&f, rng_chance(&r, 0.7) ? "Ja" : "Nei");
            cf_field(&f, who);
            long line = cf_end(&f);
            if (word) {
                did_word = true;
                bad(&f, line, true, "improvement_goals", "Antall forbedringsmål is \"to\" (a word, not an integer)");
            }
            if (nodate) {
                did_nodate = true;
                bad(&f, line, true, "date", "Dato is empty (a required field)");
            }
        }
    }
    cf_save(&f);
}

/* ================================================================ Norrtälje */
/*
 * Norrtälje kommun: the deviation system exports "CSV UTF-8 (med BOM)" with
 * semicolons and CRLF, as Swedish Excel does; the case system (ärenden)
 * exports comma CSV with date-times; ISO dates throughout.
 */

static const char *const NT_UNITS[] = {
    "Kommunstyrelsekontoret",
    "Kundcenter",
    "Barn- och skolförvaltningen",
    "Förskolan Älmsta",
    "Rodengymnasiet",
    "Hallstaviks skola",
    "Hemtjänst Rimbo",
    "Äldreboendet Solbacka",
    "Socialkontoret",
    "Bygg- och miljöförvaltningen",
    "Kultur- och fritidsförvaltningen",
    "Tekniska förvaltningen",
};
enum { NT_NUNITS = (int)COUNT(NT_UNITS) };

static void norrtalje(void)
{
    static const char *const M = "norrtalje";
    char b1[32], b2[32], b3[32];

    /* ---- avvikelser.csv: "Vi älskar avvikelser!" */
    static const double rate[NT_NUNITS] = {1.0, 2.6, 1.4, 2.4, 3.0, 2.2, 5.0, 5.5, 3.6, 2.0, 1.6, 3.2};
    devcfg c = {NT_NUNITS, rate, {0.92, 1.0, 1.06}, 0.03, 14, 45, 0.82, {0.006, 0.012, 0.025}};
    rng r = rng_seed(3001);
    int n;
    deviation *dv = gen_deviations(&r, &c, &n);
    static const char *const CAT[] = {"Avvikelse", "Synpunkt", "Klagomål", "Tillbud", "Arbetsskada"};
    static const int catw[] = {52, 16, 10, 14, 8};
    int year_seq[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        d->cat = rng_pick(&r, catw, 5);
        int g = rng_int(&r, 0, 99);
        d->gender = g < 49 ? 1 : g < 88 ? 2 : 0;
        static const char *const cls[] = {"AI", "S", "S", "T", "W"};
        d->title = pick_title(&r, SV_DEV_TITLES, (int)COUNT(SV_DEV_TITLES), cls[d->cat]);
        int y = year_of(d->reported);
        snprintf(d->id, sizeof d->id, "AVV-%d-%04d", y, ++year_seq[y - 2024]);
    }
    csvf f;
    cf_init(&f, M, "avvikelser.csv", ';', ENC_UTF8_BOM, true, "yyyy-mm-dd");
    static const char *const H[] = {"Ärendenr", "Rubrik", "Enhet", "Kategori", "Registrerad",
                                    "Åtgärdas senast", "Avslutad", "Kön", "Beskrivning"};
    cf_header(&f, H, COUNT(H));
    int k_feb = -1, k_noun = n / 3, k_dup = n / 2, k_text = -1;
    for (int i = 0; i < n; i++) {
        if (k_feb < 0 && dv[i].reported >= ymd(2025, 2, 26))
            k_feb = i;
        if (k_text < 0 && i >= (n * 4) / 5 && (dv[i].unit == 6 || dv[i].unit == 7)) { /* home care, nursing home */
            k_text = i;
            dv[i].cat = 3;
        }
    }
    static const char *const GEN[] = {"", "K", "M"};
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        cf_field(&f, i == k_dup ? dv[i - 4].id : d->id);
        cf_field(&f, i == k_text ? "Fall i duschen" : SV_DEV_TITLES[d->title].text);
        cf_field(&f, i == k_noun ? "" : NT_UNITS[d->unit]);
        cf_field(&f, CAT[d->cat]);
        cf_field(&f, i == k_feb ? "2025-02-29" : fdate(b1, d->reported, DF_ISO));
        cf_field(&f, fdate(b2, d->due, DF_ISO));
        cf_field(&f, fdate(b3, d->closed, DF_ISO));
        cf_field(&f, GEN[d->gender]);
        cf_field(&f, i == k_text ? "Brukaren föll i duschen; personal larmade sjuksköterska.\nAnhöriga informerade."
                                 : "");
        long line = cf_end(&f);
        if (i == k_feb)
            bad(&f, line, true, "reported", "Registrerad is 2025-02-29; 2025 is not a leap year");
        if (i == k_noun)
            bad(&f, line, true, "unit", "Enhet is empty (a required field)");
        if (i == k_dup) {
            char w[120];
            snprintf(w, sizeof w, "Ärendenr %s repeats the number of the record 4 rows above", dv[i - 4].id);
            bad(&f, line, true, "id", w);
        }
        if (i == k_text)
            bad(&f, line, false, "", "valid: the quoted Beskrivning holds \";\" and spans two lines");
    }
    cf_save(&f);
    free(dv);

    /* ---- forbattringsforslag.csv */
    static const double prate[NT_NUNITS] = {0.8, 2.2, 1.0, 1.2, 1.4, 1.0, 1.6, 1.4, 1.0, 1.0, 0.9, 1.2};
    static const double pyf[3] = {0.9, 1.0, 1.1};
    r = rng_seed(3002);
    proposal *pv = gen_proposals(&r, NT_NUNITS, prate, pyf, 0.55, (int)COUNT(SV_PROP_TITLES), &n);
    static const char *const PST[] = {"Ny", "Under utredning", "Genomförd", "Avslagen"};
    cf_init(&f, M, "forbattringsforslag.csv", ',', ENC_UTF8, false, "yyyy-mm-dd");
    static const char *const HP[] = {"Id", "Rubrik", "Enhet", "Inlämnat", "Status", "Beslutsdatum"};
    cf_header(&f, HP, COUNT(HP));
    int k_jun = -1;
    for (int i = 0; i < n; i++)
        if (k_jun < 0 && pv[i].submitted >= ymd(2024, 6, 25))
            k_jun = i;
    for (int i = 0; i < n; i++) {
        proposal *p = &pv[i];
        snprintf(p->id, sizeof p->id, "%d", 5001 + i);
        cf_field(&f, p->id);
        cf_field(&f, SV_PROP_TITLES[p->title]);
        cf_field(&f, NT_UNITS[p->unit]);
        cf_field(&f, i == k_jun ? "2024-06-31" : fdate(b1, p->submitted, DF_ISO));
        cf_field(&f, PST[p->status]);
        cf_field(&f, fdate(b2, p->decided, DF_ISO));
        long line = cf_end(&f);
        if (i == k_jun)
            bad(&f, line, true, "submitted", "Inlämnat is 2024-06-31, a day that does not exist");
    }
    cf_save(&f);
    free(pv);

    /* ---- styrdokument.csv: "Senaste datum för översyn: 3 år efter beslut" */
    static const int yw[8] = {5, 6, 8, 10, 12, 18, 22, 19};
    r = rng_seed(3003);
    document *dc = gen_documents(&r, NT_NUNITS, 8, 18, yw, (int)COUNT(SV_DOC_TITLES), 1, &n);
    static const char *const DST[] = {"Publicerad", "Utkast", "Arkiverad"};
    static const char *const TYP[] = {"Policy", "Riktlinje", "Rutin", "Plan"};
    cf_init(&f, M, "styrdokument.csv", ';', ENC_UTF8, false, "yyyy-mm-dd");
    static const char *const HD[] = {"Dokument-ID", "Titel", "Dokumenttyp", "Enhet", "Dokumentägare", "Senast reviderad", "Status"};
    cf_header(&f, HD, COUNT(HD));
    int k_notitle = n / 3;
    for (int i = 0; i < n; i++) {
        document *d = &dc[i];
        char owner[64];
        person_name(owner, sizeof owner, &r, SV_FIRST, COUNT(SV_FIRST), SV_LAST, COUNT(SV_LAST));
        snprintf(d->id, sizeof d->id, "KS-%d-%03d", 2015 + (i * 7) % 11, 100 + i);
        cf_field(&f, d->id);
        cf_field(&f, i == k_notitle ? "" : SV_DOC_TITLES[d->title]);
        cf_field(&f, TYP[rng_int(&r, 0, 3)]);
        cf_field(&f, NT_UNITS[d->unit]);
        cf_field(&f, owner);
        cf_field(&f, fdate(b1, d->revised, DF_ISO));
        cf_field(&f, DST[d->status]);
        long line = cf_end(&f);
        if (i == k_notitle)
            bad(&f, line, true, "title", "Titel is empty (a required field)");
    }
    cf_save(&f);
    free(dc);

    /* ---- arenden.csv: simple inquiries, answered within two days (48 h) */
    r = rng_seed(3004);
    static const int uw[NT_NUNITS] = {4, 40, 6, 3, 3, 3, 8, 5, 10, 12, 4, 8};
    static const char *const CH[] = {"E-post", "Telefon", "E-tjänst"};
    static const int chw[] = {55, 35, 10};
    static const char *const SUBJ[] = {"Fråga om bygglov", "Felanmälan gatubelysning", "Fråga om avgift",
                                       "Skolplacering", "Sophämtning", "Färdtjänst", "Hemtjänst – ändrad tid",
                                       "Parkeringstillstånd", "Bokning av lokal", "Övrigt"};
    typedef struct { int64_t rec, ans; int unit, ch, gender, subj, seq; bool date_only; } inq;
    inq *iv = NULL;
    int ni = 0, icap = 0, seq = 0;
    for (day_t z = FIRST_DAY; z <= EXPORT_DAY; z++) {
        int y, m, d;
        civil(z, &y, &m, &d);
        int wd = weekday(z);
        double mean = (wd >= 5 ? 0.35 : 2.0) * (y == 2024 ? 0.9 : y == 2025 ? 1.0 : 1.08) * SEASON[m - 1];
        int k = rng_count(&r, mean);
        for (int i = 0; i < k; i++) {
            inq q;
            memset(&q, 0, sizeof q);
            q.seq = seq++;
            q.unit = rng_pick(&r, uw, NT_NUNITS);
            q.ch = rng_pick(&r, chw, 3);
            int g = rng_int(&r, 0, 99);
            q.gender = g < 52 ? 1 : g < 90 ? 2 : 0;
            q.subj = rng_int(&r, 0, (int)COUNT(SUBJ) - 1);
            int minute = wd >= 5 ? rng_int(&r, 8 * 60, 22 * 60) : rng_int(&r, 7 * 60, 17 * 60 + 30);
            q.rec = (int64_t)z * 1440 + minute;
            int x = rng_int(&r, 0, 999);
            int64_t delay;
            if (x < 540) delay = rng_int(&r, 8, 6 * 60);                 /* same working day */
            else if (x < 800) delay = rng_int(&r, 18 * 60, 2 * 1440);    /* next day or two, 48:00 included */
            else if (x < 960) delay = rng_int(&r, 2 * 1440 + 1, 8 * 1440); /* late */
            else delay = -1;                                              /* never answered */
            /* at weekends nobody answers before Monday morning */
            if (delay >= 0 && wd >= 5 && delay < (7 - wd) * 1440)
                delay = (int64_t)(7 - wd) * 1440 - minute + rng_int(&r, 7 * 60 + 30, 16 * 60);
            if (x < 800 && x % 97 == 0)
                delay = 2 * 1440; /* exactly 48 hours */
            q.ans = delay < 0 ? -1 : q.rec + delay;
            if (q.ans >= (int64_t)(EXPORT_DAY + 1) * 1440)
                q.ans = -1;
            q.date_only = q.ch == 1 && q.ans >= 0 && rng_chance(&r, 0.08);
            PUSH(iv, ni, icap, q);
        }
    }
    cf_init(&f, M, "arenden.csv", ',', ENC_UTF8, false, "yyyy-mm-dd hh:mm");
    static const char *const HI[] = {"Ärende-ID", "Enhet", "Kanal", "Ämne", "Inkom", "Besvarad", "Kön"};
    cf_header(&f, HI, COUNT(HI));
    int k_junq = -1, k_norec = ni / 4, k_dupi = (ni * 3) / 5;
    for (int i = 0; i < ni; i++)
        if (k_junq < 0 && iv[i].rec >= (int64_t)ymd(2025, 6, 27) * 1440 && iv[i].ans >= 0)
            k_junq = i;
    char ids[48];
    for (int i = 0; i < ni; i++) {
        inq *q = &iv[i];
        int y = year_of((day_t)(q->rec / 1440));
        if (i == k_dupi)
            snprintf(ids, sizeof ids, "KC-%d-%05d", year_of((day_t)(iv[i - 2].rec / 1440)), 1 + i - 2);
        else
            snprintf(ids, sizeof ids, "KC-%d-%05d", y, 1 + i);
        cf_field(&f, ids);
        cf_field(&f, NT_UNITS[q->unit]);
        cf_field(&f, CH[q->ch]);
        cf_field(&f, SUBJ[q->subj]);
        cf_field(&f, i == k_norec ? "" : fdatetime(b1, q->rec));
        if (i == k_junq)
            cf_field(&f, "2025-06-31 09:12");
        else if (q->ans < 0)
            cf_field(&f, "");
        else if (q->date_only)
            cf_field(&f, fdate(b2, (day_t)(q->ans / 1440), DF_ISO));
        else
            cf_field(&f, fdatetime(b2, q->ans));
        cf_field(&f, GEN[q->gender]);
        long line = cf_end(&f);
        if (i == k_junq)
            bad(&f, line, true, "answered", "Besvarad is 2025-06-31 09:12, a day that does not exist");
        if (i == k_norec)
            bad(&f, line, true, "received", "Inkom is empty (a required field)");
        if (i == k_dupi)
            bad(&f, line, true, "id", "Ärende-ID repeats the id of the record 2 rows above");
    }
    cf_save(&f);
    free(iv);
}

/* ================================================================ Arvika */
/*
 * Arvika kommun: deviations saved from Swedish Excel as "CSV (semikolon-
 * avgränsad)" - Windows-1252, semicolons, CRLF; proposals as tab-separated
 * text; documents as plain comma CSV.  ISO dates.  Reference values from
 * KKiK and the county in referens_kkik.csv and a Kolada-shaped kolada.json.
 */

static const char *const AR_UNITS[] = {
    "Kommunledningsförvaltningen",
    "Kultur- och fritidsförvaltningen",
    "Samhällsbyggnadsförvaltningen",
    "Socialförvaltningen",
    "Barn- och utbildningsförvaltningen",
    "Solbergagymnasiet",
    "Hemtjänst Glava",
    "Förskolan Klässbol",
    "Edane skola",
    "Vård- och omsorgsboendet Ekgården",
    "Överförmyndarenheten",
};
enum { AR_NUNITS = (int)COUNT(AR_UNITS) };

static void arvika(void)
{
    static const char *const M = "arvika";
    char b1[32], b2[32], b3[32];

    /* ---- avvikelser.csv */
    static const double rate[AR_NUNITS] = {1.0, 1.2, 2.2, 3.8, 1.8, 3.0, 4.0, 2.6, 2.2, 4.5, 0.6};
    devcfg c = {AR_NUNITS, rate, {1.0, 1.02, 1.0}, 0.04, 14, 45, 0.74, {0.01, 0.02, 0.035}};
    rng r = rng_seed(4001);
    int n;
    deviation *dv = gen_deviations(&r, &c, &n);
    static const char *const TYP[] = {"Avvikelse", "Tillbud", "Arbetsskada", "Synpunkt", "Informationssäkerhet"};
    static const int typw[] = {55, 15, 8, 14, 8};
    for (int i = 0; i < n; i++) {
        dv[i].cat = rng_pick(&r, typw, 5);
        static const char *const cls[] = {"AL", "T", "W", "S", "I"};
        dv[i].title = pick_title(&r, SV_DEV_TITLES, (int)COUNT(SV_DEV_TITLES), cls[dv[i].cat]);
        snprintf(dv[i].id, sizeof dv[i].id, "%d", 23800 + i);
    }
    csvf f;
    cf_init(&f, M, "avvikelser.csv", ';', ENC_CP1252, true, "yyyy-mm-dd");
    static const char *const H[] = {"Löpnr", "Rubrik", "Förvaltning/enhet", "Typ", "Registrerad",
                                    "Sista åtgärdsdatum", "Avslutad", "Status"};
    cf_header(&f, H, COUNT(H));
    int k_apr = -1, k_dup = (n * 2) / 5, k_semi = -1;
    for (int i = 0; i < n; i++) {
        if (k_apr < 0 && dv[i].reported >= ymd(2025, 4, 24))
            k_apr = i;
        if (k_semi < 0 && i >= (n * 7) / 10 && (dv[i].unit == 5 || dv[i].unit == 8)) { /* the schools */
            k_semi = i;
            dv[i].cat = 0;
        }
    }
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        cf_field(&f, i == k_dup ? dv[i - 5].id : d->id);
        cf_field(&f, i == k_semi ? "Fel i schema; vikarie saknades – elever utan tillsyn" : SV_DEV_TITLES[d->title].text);
        cf_field(&f, AR_UNITS[d->unit]);
        cf_field(&f, TYP[d->cat]);
        cf_field(&f, i == k_apr ? "2025-04-31" : fdate(b1, d->reported, DF_ISO));
        cf_field(&f, fdate(b2, d->due, DF_ISO));
        cf_field(&f, fdate(b3, d->closed, DF_ISO));
        cf_field(&f, d->closed != NODATE ? "Avslutad" : "Pågående");
        long line = cf_end(&f);
        if (i == k_apr)
            bad(&f, line, true, "reported", "Registrerad is 2025-04-31, a day that does not exist");
        if (i == k_dup) {
            char w[120];
            snprintf(w, sizeof w, "Löpnr %s repeats the number of the record 5 rows above", dv[i - 5].id);
            bad(&f, line, true, "id", w);
        }
        if (i == k_semi)
            bad(&f, line, false, "", "valid: the title holds \";\" inside quotes (and an en dash, byte 0x96)");
    }
    cf_save(&f);
    free(dv);

    /* ---- forbattringsforslag.csv (tab-separated) */
    static const double prate[AR_NUNITS] = {0.8, 1.0, 1.2, 1.6, 1.2, 1.5, 1.8, 1.2, 1.0, 1.8, 0.4};
    static const double pyf[3] = {0.85, 1.0, 1.15};
    r = rng_seed(4002);
    proposal *pv = gen_proposals(&r, AR_NUNITS, prate, pyf, 0.6, (int)COUNT(SV_PROP_TITLES), &n);
    static const char *const PST[] = {"Ny", "Under utredning", "Genomförd", "Avslagen"};
    cf_init(&f, M, "forbattringsforslag.csv", '\t', ENC_UTF8, false, "yyyy-mm-dd");
    static const char *const HP[] = {"Förslag nr", "Enhet", "Inlämnat", "Rubrik", "Status", "Beslutat"};
    cf_header(&f, HP, COUNT(HP));
    int k_nosub = n / 2;
    for (int i = 0; i < n; i++) {
        proposal *p = &pv[i];
        snprintf(p->id, sizeof p->id, "F%d-%03d", year_of(p->submitted) % 100, 1 + i);
        cf_field(&f, p->id);
        cf_field(&f, AR_UNITS[p->unit]);
        cf_field(&f, i == k_nosub ? "" : fdate(b1, p->submitted, DF_ISO));
        cf_field(&f, SV_PROP_TITLES[p->title]);
        cf_field(&f, PST[p->status]);
        cf_field(&f, fdate(b2, p->decided, DF_ISO));
        long line = cf_end(&f);
        if (i == k_nosub)
            bad(&f, line, true, "submitted", "Inlämnat is empty (a required field)");
    }
    cf_save(&f);
    free(pv);

    /* ---- styrdokument.csv */
    static const int yw[8] = {6, 7, 9, 11, 13, 16, 20, 18};
    r = rng_seed(4003);
    document *dc = gen_documents(&r, AR_NUNITS, 8, 16, yw, (int)COUNT(SV_DOC_TITLES), 1, &n);
    static const char *const DST[] = {"Publicerad", "Utkast", "Arkiverad"};
    cf_init(&f, M, "styrdokument.csv", ',', ENC_UTF8, false, "yyyy-mm-dd");
    static const char *const HD[] = {"Id", "Titel", "Ansvarig enhet", "Ansvarig", "Fastställd", "Status"};
    cf_header(&f, HD, COUNT(HD));
    int k_nov = n / 3, k_nl = (n * 3) / 4;
    for (int i = 0; i < n; i++) {
        document *d = &dc[i];
        char owner[64];
        person_name(owner, sizeof owner, &r, SV_FIRST, COUNT(SV_FIRST), SV_LAST, COUNT(SV_LAST));
        snprintf(d->id, sizeof d->id, "SD-%04d", 301 + i);
        cf_field(&f, d->id);
        cf_field(&f, i == k_nl ? "Rutin för krisstöd\n(gäller även helger)" : SV_DOC_TITLES[d->title]);
        cf_field(&f, AR_UNITS[d->unit]);
        cf_field(&f, owner);
        cf_field(&f, i == k_nov ? "2024-11-31" : fdate(b1, d->revised, DF_ISO));
        cf_field(&f, DST[d->status]);
        long line = cf_end(&f);
        if (i == k_nov)
            bad(&f, line, true, "revised", "Fastställd is 2024-11-31, a day that does not exist");
        if (i == k_nl)
            bad(&f, line, false, "", "valid: the quoted title spans two physical lines");
    }
    cf_save(&f);
    free(dc);

    /* ---- referens_kkik.csv: illustrative reference values */
    cf_init(&f, M, "referens_kkik.csv", ',', ENC_UTF8, false, "period ids");
    static const char *const HK[] = {"Nyckeltal", "Källa", "Period", "Värde", "Anmärkning"};
    cf_header(&f, HK, COUNT(HK));
    static const struct { const char *kpi, *src, *period, *value; } REF[] = {
        {"deviations_closed_on_time", "KKiK 2025 riket", "2025", "0.74"},
        {"deviations_closed_on_time", "Länet Värmland", "2025", "0.71"},
        {"deviations_closed_on_time", "Länet Värmland", "2026-T1", "0.72"},
        {"deviations_closed_on_time", "Länet Värmland", "2026-H8", "0.73"},
        {"deviations_closed_on_time", "Länet Värmland", "2026-10", "0.74"},
        {"deviations_closed_on_time", "Kommungruppen mindre stad/tätort", "2025", "0.76"},
        {"documents_revised_within", "KKiK 2025 riket", "2025", "0.62"},
        {"documents_revised_within", "Länet Värmland", "2025", "0.58"},
        {"documents_revised_within", "Länet Värmland", "2026-H8", "0.60"},
        {"deviations_reported_change", "Länet Värmland", "2025", "0.04"},
        {"deviations_reported_change", "Länet Värmland", "2026-H8", "0.03"},
        {"andel_genomforda_forslag", "Länet Värmland", "2025", "0.52"},
        {"andel_genomforda_forslag", "KKiK 2025 riket", "2025", "0.55"},
    };
    for (size_t i = 0; i < COUNT(REF); i++) {
        cf_field(&f, REF[i].kpi);
        cf_field(&f, REF[i].src);
        cf_field(&f, REF[i].period);
        cf_field(&f, REF[i].value);
        cf_field(&f, "Illustrativt värde, påhittat för exemplet – inte officiell statistik");
        cf_end(&f);
    }
    cf_save(&f);

    /* ---- kolada.json: Kolada API v3 data shape, made-up values */
    static const struct { const char *kpi, *muni; int period; const char *t, *k, *m; } KOL[] = {
        {"U00000", "1784", 2024, "61.0", NULL, NULL},
        {"U00000", "1784", 2025, "64.5", NULL, NULL},
        {"U00000", "0017", 2025, "62.0", NULL, NULL},
        {"U00000", "0000", 2025, "63.2", NULL, NULL},
        {"U00001", "1784", 2024, "78.0", "80.0", "75.0"},
        {"U00001", "1784", 2025, "81.0", "83.0", "78.0"},
        {"U00001", "0017", 2025, "79.0", "81.0", "76.0"},
        {"U00002", "1784", 2025, "42.0", NULL, NULL},
        {"U00002", "0000", 2025, "47.0", NULL, NULL},
    };
    sbuf js = {0};
    sb_printf(&js, "{\n  \"count\": %d,\n  \"values\": [\n", (int)COUNT(KOL));
    for (size_t i = 0; i < COUNT(KOL); i++) {
        sb_printf(&js, "    {\"kpi\": \"%s\", \"municipality\": \"%s\", \"period\": %d, \"values\": [",
                  KOL[i].kpi, KOL[i].muni, KOL[i].period);
        sb_printf(&js, "{\"count\": 1, \"gender\": \"T\", \"status\": \"\", \"value\": %s}", KOL[i].t);
        if (KOL[i].k)
            sb_printf(&js, ", {\"count\": 1, \"gender\": \"K\", \"status\": \"\", \"value\": %s}", KOL[i].k);
        if (KOL[i].m)
            sb_printf(&js, ", {\"count\": 1, \"gender\": \"M\", \"status\": \"\", \"value\": %s}", KOL[i].m);
        sb_printf(&js, "]}%s\n", i + 1 < COUNT(KOL) ? "," : "");
    }
    sb_puts(&js, "  ]\n}\n");
    save_other(M, "kolada.json", &js, "JSON");
    free(js.p);
}

/* ================================================================ Huddinge */
/*
 * Huddinge kommun: deviations with gender, age group and district (area),
 * comma CSV in UTF-8; proposals semicolon UTF-8; documents saved from Excel
 * as "Unicode text": UTF-16LE with BOM, tab-separated, CRLF.  ISO dates.
 */

typedef struct {
    const char *name;
    double rate, prop;
    int home_area;
    int agew[3];   /* 0-17, 18-64, 65+ */
} hu_unit;

static const char *const HU_AREAS[] = {
    "Flemingsberg", "Skogås", "Trångsund", "Vårby", "Sjödalen-Fullersta",
    "Stuvsta-Snättringe", "Segeltorp", "Kungens kurva",
};

static const hu_unit HU_UNITS[] = {
    {"Kommunstyrelsens förvaltning", 1.0, 1.0, 4, {5, 85, 10}},
    {"Barn- och utbildningsförvaltningen", 1.6, 1.0, 4, {80, 18, 2}},
    {"Förskolor Flemingsberg", 3.2, 1.2, 0, {96, 4, 0}},
    {"Grundskolor Skogås", 3.6, 1.3, 1, {92, 8, 0}},
    {"Vårbyskolan", 2.6, 0.8, 3, {93, 7, 0}},
    {"Gymnasie- och arbetsmarknadsförvaltningen", 2.0, 0.9, 0, {55, 45, 0}},
    {"Socialförvaltningen", 4.0, 1.2, 4, {40, 50, 10}},
    {"Hemtjänst Stuvsta", 4.4, 1.5, 5, {0, 12, 88}},
    {"Äldreboende Trångsund", 4.2, 1.1, 2, {0, 5, 95}},
    {"Funktionsstöd Segeltorp", 2.4, 0.8, 6, {20, 70, 10}},
    {"Kultur- och fritidsförvaltningen", 1.4, 1.0, 4, {45, 40, 15}},
    {"Natur- och byggnadsförvaltningen", 1.6, 0.9, 7, {10, 70, 20}},
};
enum { HU_NUNITS = (int)COUNT(HU_UNITS) };

static void huddinge(void)
{
    static const char *const M = "huddinge";
    char b1[32], b2[32], b3[32];
    double rate[HU_NUNITS], prate[HU_NUNITS];
    for (int u = 0; u < HU_NUNITS; u++) {
        rate[u] = HU_UNITS[u].rate;
        prate[u] = HU_UNITS[u].prop;
    }

    /* ---- avvikelser.csv */
    devcfg c = {HU_NUNITS, rate, {0.95, 1.0, 1.04}, 0.03, 14, 50, 0.78, {0.008, 0.015, 0.03}};
    rng r = rng_seed(5001);
    int n;
    deviation *dv = gen_deviations(&r, &c, &n);
    static const char *const CAT[] = {"Avvikelse", "Synpunkt", "Klagomål", "Tillbud", "Lex Sarah", "Arbetsmiljö"};
    static const int catw[] = {48, 16, 10, 12, 4, 10};
    static const char *const AGE[] = {"0-17", "18-64", "65+"};
    static const char *const GEN[] = {"", "K", "M"};
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        const hu_unit *u = &HU_UNITS[d->unit];
        d->cat = rng_pick(&r, catw, 6);
        d->sev = rng_int(&r, 1, 4);
        d->age = rng_chance(&r, 0.07) ? -1 : rng_pick(&r, u->agew, 3);
        int g = rng_int(&r, 0, 99);
        d->gender = g < 50 ? 1 : g < 91 ? 2 : 0;
        d->area = rng_chance(&r, 0.72) ? u->home_area : rng_int(&r, 0, (int)COUNT(HU_AREAS) - 1);
        if (rng_chance(&r, 0.03))
            d->area = -1;
        static const char *const cls[] = {"AI", "S", "S", "T", "L", "W"};
        d->title = pick_title(&r, SV_DEV_TITLES, (int)COUNT(SV_DEV_TITLES), cls[d->cat]);
        snprintf(d->id, sizeof d->id, "HK-%02d-%05d", year_of(d->reported) % 100, 1 + i);
    }
    csvf f;
    cf_init(&f, M, "avvikelser.csv", ',', ENC_UTF8, false, "yyyy-mm-dd");
    static const char *const H[] = {"Avvikelse-ID", "Rubrik", "Enhet", "Kategori", "Allvarlighetsgrad",
                                    "Registrerad", "Åtgärd senast", "Avslutad", "Kön", "Åldersgrupp", "Område"};
    cf_header(&f, H, COUNT(H));
    int k_sep = -1, k_dup = n / 4, k_noun = n / 2, k_q = -1;
    for (int i = 0; i < n; i++) {
        if (k_sep < 0 && dv[i].reported >= ymd(2026, 9, 28))
            k_sep = i;
        if (k_q < 0 && i >= (n * 3) / 4 && dv[i].age == 0 && dv[i].unit == 2) { /* a preschool child */
            k_q = i;
            dv[i].cat = 1;
        }
    }
    for (int i = 0; i < n; i++) {
        deviation *d = &dv[i];
        cf_field(&f, i == k_dup ? dv[i - 6].id : d->id);
        cf_field(&f, i == k_q ? "Barnet sa \"nej\", men fick ändå följa med på utflykten" : SV_DEV_TITLES[d->title].text);
        cf_field(&f, i == k_noun ? "" : HU_UNITS[d->unit].name);
        cf_field(&f, CAT[d->cat]);
        cf_fieldf(&f, "%d", d->sev);
        cf_field(&f, i == k_sep ? "2026-09-31" : fdate(b1, d->reported, DF_ISO));
        cf_field(&f, fdate(b2, d->due, DF_ISO));
        cf_field(&f, fdate(b3, d->closed, DF_ISO));
        cf_field(&f, GEN[d->gender]);
        cf_field(&f, d->age < 0 ? "" : AGE[d->age]);
        cf_field(&f, d->area < 0 ? "" : HU_AREAS[d->area]);
        long line = cf_end(&f);
        if (i == k_sep)
            bad(&f, line, true, "reported", "Registrerad is 2026-09-31, a day that does not exist");
        if (i == k_dup) {
            char w[120];
            snprintf(w, sizeof w, "Avvikelse-ID %s repeats the id of the record 6 rows above", dv[i - 6].id);
            bad(&f, line, true, "id", w);
        }
        if (i == k_noun)
            bad(&f, line, true, "unit", "Enhet is empty (a required field)");
        if (i == k_q)
            bad(&f, line, false, "", "valid: the quoted title holds a comma and doubled quotes (\"\"nej\"\")");
    }
    cf_save(&f);
    free(dv);

    /* ---- forbattringsforslag.csv */
    static const double pyf[3] = {0.9, 1.0, 1.05};
    r = rng_seed(5002);
    proposal *pv = gen_proposals(&r, HU_NUNITS, prate, pyf, 0.58, (int)COUNT(SV_PROP_TITLES), &n);
    static const char *const PST[] = {"Ny", "Under utredning", "Genomförd", "Avslagen"};
    cf_init(&f, M, "forbattringsforslag.csv", ';', ENC_UTF8, false, "yyyy-mm-dd");
    static const char *const HP[] = {"Nr", "Enhet", "Inlämnat", "Förslag", "Status", "Beslutsdatum"};
    cf_header(&f, HP, COUNT(HP));
    int k_feb = -1, k_quote = n / 3;
    for (int i = 0; i < n; i++)
        if (k_feb < 0 && pv[i].submitted >= ymd(2025, 2, 27))
            k_feb = i;
    for (int i = 0; i < n; i++) {
        proposal *p = &pv[i];
        snprintf(p->id, sizeof p->id, "%d", 880 + i);
        cf_field(&f, p->id);
        cf_field(&f, HU_UNITS[p->unit].name);
        cf_field(&f, i == k_feb ? "2025-02-30" : fdate(b1, p->submitted, DF_ISO));
        if (i == k_quote)
            cf_raw(&f, "Ny 24\" skärm i receptionen");
        else
            cf_field(&f, SV_PROP_TITLES[p->title]);
        cf_field(&f, PST[p->status]);
        cf_field(&f, fdate(b2, p->decided, DF_ISO));
        long line = cf_end(&f);
        if (i == k_feb)
            bad(&f, line, true, "submitted", "Inlämnat is 2025-02-30, a day that does not exist");
        if (i == k_quote)
            bad(&f, line, false, "", "valid: an unquoted title with a literal \" (24\" skärm), kept as text");
    }
    cf_save(&f);
    free(pv);

    /* ---- styrdokument.csv: Excel "Unicode text" */
    static const int yw[8] = {5, 7, 8, 10, 13, 17, 21, 19};
    r = rng_seed(5003);
    document *dc = gen_documents(&r, HU_NUNITS, 8, 18, yw, (int)COUNT(SV_DOC_TITLES), 1, &n);
    static const char *const DST[] = {"Publicerad", "Utkast", "Arkiverad"};
    cf_init(&f, M, "styrdokument.csv", '\t', ENC_UTF16LE, true, "yyyy-mm-dd");
    static const char *const HD[] = {"Dokument-ID", "Titel", "Enhet", "Ägare", "Senast reviderad", "Status"};
    cf_header(&f, HD, COUNT(HD));
    int k_noid = n / 5, k_nl = n / 2;
    for (int i = 0; i < n; i++) {
        document *d = &dc[i];
        char owner[64];
        person_name(owner, sizeof owner, &r, SV_FIRST, COUNT(SV_FIRST), SV_LAST, COUNT(SV_LAST));
        snprintf(d->id, sizeof d->id, "HUD-%04d", 2100 + i * 3);
        cf_field(&f, i == k_noid ? "" : d->id);
        cf_field(&f, i == k_nl ? "Rutin för barnsamtal\n(bilaga till barnrättsplanen)" : SV_DOC_TITLES[d->title]);
        cf_field(&f, HU_UNITS[d->unit].name);
        cf_field(&f, owner);
        cf_field(&f, fdate(b1, d->revised, DF_ISO));
        cf_field(&f, DST[d->status]);
        long line = cf_end(&f);
        if (i == k_noid)
            bad(&f, line, true, "id", "Dokument-ID is empty (a required field)");
        if (i == k_nl)
            bad(&f, line, false, "", "valid: the quoted title spans two physical lines");
    }
    cf_save(&f);
    free(dc);

    /* ---- lansvarden.csv: illustrative values for Stockholms län */
    cf_init(&f, M, "lansvarden.csv", ';', ENC_UTF8, false, "period ids");
    static const char *const HK[] = {"Nyckeltal", "Källa", "Period", "Värde", "Anmärkning"};
    cf_header(&f, HK, COUNT(HK));
    static const struct { const char *kpi, *period, *value; } REF[] = {
        {"deviations_closed_on_time", "2025", "0.76"},
        {"deviations_closed_on_time", "2026-H8", "0.78"},
        {"deviations_closed_on_time", "2026-10", "0.77"},
        {"documents_revised_within", "2025", "0.64"},
        {"documents_revised_within", "2026-H8", "0.66"},
        {"barn_avslutade_i_tid", "2025", "0.79"},
        {"barn_avslutade_i_tid", "2026-H8", "0.81"},
        {"deviations_reported_change", "2025", "0.05"},
        {"deviations_reported_change", "2026", "0.04"},
    };
    for (size_t i = 0; i < COUNT(REF); i++) {
        cf_field(&f, REF[i].kpi);
        cf_field(&f, "Stockholms län");
        cf_field(&f, REF[i].period);
        cf_field(&f, REF[i].value);
        cf_field(&f, "Illustrativt värde – inte officiell statistik");
        cf_end(&f);
    }
    cf_save(&f);
}

/* ================================================================ README */

static void readme(void)
{
    sbuf m = {0};
    sb_puts(&m,
        "# Sample exports\n"
        "\n"
        "Written by `tools/gensamples.c` (`make samples`, or `build/gensamples samples`);\n"
        "do not edit by hand: change the generator and run it again.  The generator is\n"
        "deterministic (splitmix64 with fixed seeds, no clock, no locale), so the same\n"
        "source always gives the same bytes, and this file's line numbers are computed\n"
        "while the files are written.\n"
        "\n"
        "The data are invented.  They cover 2024-01-01 to the export day 2026-10-31\n"
        "(training completions go back to 2022, management reviews to 2023), so the\n"
        "demo period 2026-10 and the periods 2026-T1, 2026-H8 and 2026 all have\n"
        "history, a previous period and the same period last year.\n"
        "\n"
        "## Municipalities and their systems\n"
        "\n"
        "**nordland** (Nordland fylkeskommune, Norwegian bokmål).  The deviation system\n"
        "exports Excel-style CSV: Windows-1252, semicolons, CRLF, `dd.mm.yyyy`\n"
        "(`avvik.csv`, `forbedringsforslag.csv`).  About half the 13 departments send\n"
        "five or more improvement proposals a month.  The document archive (EK) quotes\n"
        "every field, comma-separated, UTF-8 with BOM (`dokumenter.csv`).  The learning\n"
        "platform exports one row per person and course (`opplaering.csv`, semicolon\n"
        "UTF-8): leaders have *Kvalitetsledelse* (due 2022-2023), *Avvikshåndtering*\n"
        "(due 2022) and *Digital opplæringspakke*; employees have *Kvalitet* (due 2022)\n"
        "and *Digital opplæringspakke* (due 2022-23); roles `Leder` / `Medarbeider`.\n"
        "Unit names include the Lule Sámi *Árran julevsáme guovdásj* (Windows-1252 can\n"
        "hold its letters).\n"
        "\n"
        "**troms** (Troms fylkeskommune, bokmål).  The deviation export\n"
        "(`avvik.csv`) has a title line and a blank line above the header, which is on\n"
        "physical line 3; comma-separated UTF-8, LF, `dd.mm.yyyy`; categories HMS,\n"
        "Kvalitet, Miljø, Personskade, Informasjonssikkerhet; severity Lav / Middels /\n"
        "Alvorlig / Svært alvorlig; root cause Ja / Nei / empty; volume grows every year.\n"
        "`Meldt av` and the Sámi units' document titles hold Northern Sámi letters\n"
        "beyond Windows-1252 (Č Đ Ŋ Š Ŧ Ž).  `forbedringsmeldinger.csv` comes from the\n"
        "improvement button.  `dokumenter.csv` (EK) is semicolon UTF-8 with CRLF.\n"
        "`ledelsens_gjennomgang.csv` lists management reviews (unit, date, level, number\n"
        "of improvement goals; some with fewer than 2, some units without a 2026\n"
        "review) and `enheter.csv` is the unit register (unit, parent, level) of 22 units.\n"
        "Units include *Sámi giellaguovddáš* and *Ája sámi guovddáš*.\n"
        "\n"
        "**norrtalje** (Norrtälje kommun, Swedish).  `avvikelser.csv` is Swedish Excel's\n"
        "\"CSV UTF-8\": UTF-8 with BOM, semicolons, CRLF, ISO dates, with a `Kön` column\n"
        "(K / M / empty).  `arenden.csv` holds simple inquiries with date-times\n"
        "(`2026-10-03 14:25`): most answered within 48 hours, some late, some never; a\n"
        "few phone answers carry a date only; inquiries received on 30-31 October 2026\n"
        "and still unanswered are pending.  `forbattringsforslag.csv` (comma) and\n"
        "`styrdokument.csv` (semicolon) are plain UTF-8.\n"
        "\n"
        "**arvika** (Arvika kommun, Swedish).  `avvikelser.csv` is saved from Excel as\n"
        "\"CSV (semikolonavgränsad)\": Windows-1252, semicolons, CRLF, ISO dates.\n"
        "`forbattringsforslag.csv` is tab-separated UTF-8; `styrdokument.csv` comma UTF-8.\n"
        "`referens_kkik.csv` holds reference values (KPI id, source such as \"KKiK 2025\n"
        "riket\" or \"Länet Värmland\", period, value with a decimal point) and\n"
        "`kolada.json` is in the shape of the Kolada API v3 `data` answer (municipality\n"
        "1784 = Arvika, 0017 = Värmland county, 0000 = the whole country).  **Every\n"
        "reference value in both files is made up for illustration; none is official\n"
        "statistics, and the Kolada KPI ids U00000-U00002 are placeholders.**\n"
        "\n"
        "**huddinge** (Huddinge kommun, Swedish).  `avvikelser.csv` (comma UTF-8, LF)\n"
        "carries `Kön` (K / M / empty), `Åldersgrupp` (0-17, 18-64, 65+, empty) and\n"
        "`Område` (Flemingsberg, Skogås, Trångsund, Vårby, Sjödalen-Fullersta,\n"
        "Stuvsta-Snättringe, Segeltorp, Kungens kurva) with a numeric\n"
        "`Allvarlighetsgrad` 1-4.  `styrdokument.csv` is Excel's \"Unicode text\":\n"
        "UTF-16LE with BOM, tab-separated, CRLF.  `forbattringsforslag.csv` is semicolon\n"
        "UTF-8.  `lansvarden.csv` holds illustrative (made-up) reference values for\n"
        "Stockholms län.\n"
        "\n"
        "Proposal status words: `Ny`, `Under vurdering`, `Gjennomført`, `Avvist`\n"
        "(nb) and `Ny`, `Under utredning`, `Genomförd`, `Avslagen` (sv).  Document\n"
        "status: `Publisert`, `Utkast`, `Arkivert` / `Publicerad`, `Utkast`,\n"
        "`Arkiverad`.  Embedded newlines inside quoted fields are a single LF, also in\n"
        "CRLF files (as Excel writes them).\n"
        "\n"
        "## Files\n"
        "\n"
        "Records are data records after the header (a record may span lines).\n"
        "\n"
        "| file | records | bytes | encoding | delimiter | line ends | dates | header line |\n"
        "|---|---:|---:|---|---|---|---|---:|\n");
    size_t total = 0;
    for (int i = 0; i < g_nfiles; i++) {
        fileinfo *fi = &g_files[i];
        total += fi->bytes;
        if (fi->records < 0)
            sb_printf(&m, "| %s | - | %zu | %s | %s | %s | - | - |\n", fi->file, fi->bytes, fi->enc, fi->delim, fi->eol);
        else
            sb_printf(&m, "| %s | %ld | %zu | %s | %s | %s | %s | %d |\n", fi->file, fi->records, fi->bytes,
                      fi->enc, fi->delim, fi->eol, fi->dates, fi->header_line);
    }
    sb_printf(&m, "\nAll files together: %zu bytes.\n", total);
    sb_puts(&m,
        "\n"
        "## Deliberately odd rows\n"
        "\n"
        "Real exports are never clean.  Rows marked *rejected* must be left out of every\n"
        "KPI and listed in `rejects.csv` (spec/kpis.md §1, reading rules); rows marked\n"
        "*valid* test the parser and must be read normally.  `line` is the physical line\n"
        "on which the record starts (the first line of the file is 1).  Field is the\n"
        "canonical field, empty for a problem of the whole row.\n"
        "\n"
        "| file | line | outcome | field | why |\n"
        "|---|---:|---|---|---|\n");
    for (int i = 0; i < g_nbad; i++) {
        badrow *b = &g_bad[i];
        sb_printf(&m, "| %s | %ld | %s | %s | ", b->file, b->line, b->rejected ? "rejected" : "valid",
                  b->field);
        const char *why = strncmp(b->why, "valid: ", 7) == 0 ? b->why + 7 : b->why;
        for (const char *p = why; *p; p++) {
            if (*p == '|')
                sb_puts(&m, "\\|");
            else
                sb_putc(&m, *p);
        }
        sb_puts(&m, " |\n");
    }
    int nrej = 0;
    for (int i = 0; i < g_nbad; i++)
        nrej += g_bad[i].rejected;
    sb_printf(&m, "\n%d rows are rejected in all; each rejected row above is rejected for that one reason.\n", nrej);
    write_file(".", "README.md", m.p, m.len);
    free(m.p);
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: gensamples DIR\n"
                        "Writes the deterministic sample exports DIR/<municipality>/*.csv and DIR/README.md.\n");
        return 64;
    }
    g_outdir = argv[1];
    make_dir(g_outdir);
    FIRST_DAY = ymd(2024, 1, 1);
    EXPORT_DAY = ymd(2026, 10, 31);
    nordland();
    troms();
    norrtalje();
    arvika();
    huddinge();
    readme();
    size_t total = 0;
    for (int i = 0; i < g_nfiles; i++) {
        printf("%-40s %7ld records %8zu bytes\n", g_files[i].file, g_files[i].records, g_files[i].bytes);
        total += g_files[i].bytes;
    }
    printf("%-40s %7s         %8zu bytes\n", "total", "", total);
    return 0;
}
