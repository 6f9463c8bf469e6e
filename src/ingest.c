/*
 * ingest.c - one CSV export into one table.
 *
 * The file is read whole, turned into UTF-8 (iconv for everything but
 * UTF-8), then fed to libcsv one physical line at a time.  Feeding by line
 * is how we know the physical line on which each record starts: libcsv does
 * not count lines, but its parser state tells whether a line opens a new
 * record or continues a quoted field.
 *
 * Bytes that are invalid in the file's encoding become 0xFF in the UTF-8
 * text (a byte UTF-8 never uses), so the record holding them is found and
 * rejected by the same UTF-8 check that catches bad bytes in UTF-8 files.
 */
#include "ingest.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* libcsv's parser states (libcsv.c); csv.h exposes the field, not names. */
enum { CSV_ROW_NOT_BEGUN = 0, CSV_FIELD_BEGUN = 2 };

enum { EX_DATAERR_ = 65, EX_NOINPUT_ = 66 };

void ingest_config_init(ingest_config *cfg, const char *dataset, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->dataset = dataset;
    cfg->path = path;
    cfg->name = path;
    cfg->header_line = 1;
    date_pattern_compile("yyyy-mm-dd", &cfg->dates);
}

const char *delimiter_name(char d)
{
    switch (d) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "tab";
    case '|': return "pipe";
    }
    return "?";
}

bool delimiter_parse(const char *s, char *out)
{
    static const struct { const char *name; char c; } names[] = {
        {",", ','}, {";", ';'}, {"\t", '\t'}, {"|", '|'}, {"comma", ','},
        {"semicolon", ';'}, {"tab", '\t'}, {"\\t", '\t'}, {"pipe", '|'}, {"auto", 0},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ascii_casecmp(s, names[i].name) == 0) {
            *out = names[i].c;
            return true;
        }
    return false;
}

const char *encoding_canonical(const char *s)
{
    static const struct { const char *alias, *name; } names[] = {
        {"auto", "auto"}, {"utf-8", "utf-8"}, {"utf8", "utf-8"}, {"utf-8-bom", "utf-8"},
        {"utf-16", "utf-16"}, {"utf-16le", "utf-16le"}, {"utf-16be", "utf-16be"},
        {"windows-1252", "windows-1252"}, {"cp1252", "windows-1252"}, {"win1252", "windows-1252"},
        {"iso-8859-1", "iso-8859-1"}, {"latin1", "iso-8859-1"}, {"latin-1", "iso-8859-1"},
        {"iso-8859-15", "iso-8859-15"}, {"latin9", "iso-8859-15"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (s && ascii_casecmp(s, names[i].alias) == 0)
            return names[i].name;
    return NULL;
}

void reject_log_free(reject_log *log)
{
    free(log->v);
    log->v = NULL;
    log->n = log->cap = 0;
}

void ingest_result_free(ingest_result *r)
{
    ingest_hash_wait(r);
    for (size_t i = 0; i < r->nheader; i++)
        free(r->header[i]);
    free(r->header);
    free(r->warnings);
    r->header = NULL;
    r->nheader = 0;
    r->warnings = NULL;
}

static void refuse(ingest_result *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void refuse(ingest_result *out, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    out->status = status;
}

static void warn(ingest_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(ingest_result *out, const char *fmt, ...)
{
    strbuf b = {0};
    if (out->warnings) {
        strbuf_adds(&b, out->warnings);
        strbuf_addc(&b, '\n');
        free(out->warnings);
    }
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    out->warnings = b.data;
}

/* ---------------------------------------------------------------- bytes */

/* The bytes of an export: mapped when it is a regular file (no copy of a
 * 100 MB file), read into memory otherwise (a pipe, /dev/stdin). */
typedef struct {
    char *data;
    size_t len;
    bool mapped;
} file_bytes;

static bool read_bytes(const char *path, file_bytes *fb, int *err)
{
    memset(fb, 0, sizeof *fb);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        *err = EISDIR;
        return false;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
            close(fd);
            *fb = (file_bytes){p, (size_t)st.st_size, true};
            return true;
        }
    }
    strbuf b = {0};
    char chunk[1 << 16];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = errno;
            close(fd);
            strbuf_free(&b);
            return false;
        }
        strbuf_add(&b, chunk, (size_t)n);
    }
    close(fd);
    *fb = (file_bytes){b.data ? b.data : xcalloc(1, 1), b.len, false};
    return true;
}

static void release_bytes(file_bytes *fb)
{
    if (fb->mapped)
        munmap(fb->data, fb->len);
    else
        free(fb->data);
    fb->data = NULL;
}

/* Convert with iconv; every byte sequence invalid in `from` becomes 0xFF. */
static char *to_utf8(const char *from, const char *in, size_t inlen, size_t unit, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = inlen * 2 + 16, used = 0;
    char *out = xmalloc(cap);
    char *ip = (char *)in;
    size_t ileft = inlen;
    while (ileft > 0) {
        char *op = out + used;
        size_t oleft = cap - used - 1;
        size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
        used = (size_t)(op - out);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            cap *= 2;
            out = xrealloc(out, cap);
            continue;
        }
        /* EILSEQ or EINVAL (truncated at the end): mark and step over. */
        if (used + 2 >= cap) {
            cap *= 2;
            out = xrealloc(out, cap);
        }
        out[used++] = (char)0xFF;
        size_t skip = unit < ileft ? unit : ileft;
        ip += skip;
        ileft -= skip;
    }
    iconv_close(cd);
    out[used] = '\0';
    *outlen = used;
    return out;
}

/* UTF-8 when every byte is, or when its valid multi-byte letters outnumber
 * the bytes that are not: one damaged byte in a UTF-8 export should reject
 * one row, not turn every "Ø" of the file into "Ã˜". */
static bool looks_like_utf8(const char *s, size_t n)
{
    size_t valid_multibyte = 0, invalid = 0;
    for (size_t i = 0; i < n;) {
        size_t ok = utf8_valid_prefix(s + i, n - i);
        for (size_t k = i; k < i + ok; k++)
            valid_multibyte += ((unsigned char)s[k] & 0xC0) == 0xC0;
        i += ok;
        if (i < n) {
            invalid++;
            i++;
        }
    }
    return invalid == 0 || valid_multibyte > invalid;
}

/* A file without BOM whose every other byte is NUL is UTF-16. */
static const char *sniff_utf16(const unsigned char *b, size_t n)
{
    size_t even = 0, odd = 0, m = n < 4096 ? n : 4096;
    for (size_t i = 0; i + 1 < m; i += 2) {
        even += b[i] == 0;
        odd += b[i + 1] == 0;
    }
    if (m >= 8 && odd * 10 > m * 4 / 2 * 1 && even == 0)
        return "utf-16le";
    if (m >= 8 && even * 10 > m * 4 / 2 * 1 && odd == 0)
        return "utf-16be";
    return NULL;
}

/*
 * Decide the encoding and produce UTF-8 text without BOM.  `want` is the
 * configured encoding or "auto".  A BOM always wins: it cannot lie.  UTF-8
 * input is used where it lies (*owned false); anything else is converted
 * into a new buffer (*owned true).
 */
static char *decode(const char *raw, size_t n, const char *want, ingest_result *out, size_t *len, bool *owned)
{
    *owned = false;
    const unsigned char *u = (const unsigned char *)raw;
    const char *enc = NULL;
    size_t skip = 0;
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) { enc = "utf-8"; skip = 3; }
    else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) { enc = "utf-16le"; skip = 2; }
    else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) { enc = "utf-16be"; skip = 2; }

    if (enc && strcmp(want, "auto") != 0 && strncmp(enc, want, strlen(want)) != 0)
        warn(out, "the file starts with a %s byte-order mark although %s is configured; read as %s",
             enc, want, enc);
    if (!enc) {
        out->detected_encoding = strcmp(want, "auto") == 0;
        if (strcmp(want, "utf-16") == 0)
            enc = sniff_utf16(u, n) ? sniff_utf16(u, n) : "utf-16le";
        else if (!out->detected_encoding)
            enc = want;
        else if ((enc = sniff_utf16(u, n)) != NULL)
            ;
        else if (looks_like_utf8(raw, n))
            enc = "utf-8";
        else
            enc = "windows-1252";
    }
    snprintf(out->encoding, sizeof out->encoding, "%s", enc);
    if (strcmp(enc, "utf-8") == 0) {
        *len = n - skip;
        return (char *)raw + skip;
    }
    *owned = true;
    const char *iconv_name = strcmp(enc, "utf-16le") == 0   ? "UTF-16LE"
                             : strcmp(enc, "utf-16be") == 0 ? "UTF-16BE"
                             : strcmp(enc, "windows-1252") == 0 ? "WINDOWS-1252"
                             : strcmp(enc, "iso-8859-15") == 0  ? "ISO-8859-15"
                                                                : "ISO-8859-1";
    size_t unit = strncmp(enc, "utf-16", 6) == 0 ? 2 : 1;
    return to_utf8(iconv_name, raw + skip, n - skip, unit, len);
}

/* ---------------------------------------------------------------- lines */

/* Length of the physical line at s (its terminator included): LF, CRLF or CR. */
static size_t line_length(const char *s, size_t n)
{
    /* Mostly LF or CRLF: memchr to the LF, then a CR before it ends the
     * line earlier (CR-only line ends).  The LF is looked for in a window,
     * so a CR-only file is not searched to its end for every line. */
    const char *lf = memchr(s, '\n', n < 4096 ? n : 4096);
    if (lf) {
        size_t len = (size_t)(lf - s) + 1;
        const char *cr = memchr(s, '\r', len);
        return !cr || cr + 1 == lf ? len : (size_t)(cr - s) + 1;
    }
    size_t i = 0;
    /* Eight bytes at a time to the word that holds a CR or LF. */
    for (; i + 8 <= n; i += 8) {
        uint64_t w, lfs, cr;
        memcpy(&w, s + i, 8);
        lfs = w ^ 0x0a0a0a0a0a0a0a0au;
        cr = w ^ 0x0d0d0d0d0d0d0d0du;
        if (((lfs - 0x0101010101010101u) & ~lfs & 0x8080808080808080u) |
            ((cr - 0x0101010101010101u) & ~cr & 0x8080808080808080u))
            break;
    }
    for (; i < n; i++) {
        if (s[i] == '\n')
            return i + 1;
        if (s[i] == '\r')
            return i + 1 < n && s[i + 1] == '\n' ? i + 2 : i + 1;
    }
    return n;
}

/* Count the candidate delimiters outside quotes on the header line. */
static char sniff_delimiter(const char *s, size_t n)
{
    size_t counts[3] = {0};
    const char cands[3] = {';', '\t', ','};
    bool quoted = false;
    for (size_t i = 0; i < n && s[i] != '\n' && s[i] != '\r'; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        for (int k = 0; k < 3 && !quoted; k++)
            counts[k] += s[i] == cands[k];
    }
    int best = 2;   /* comma when nothing else is seen */
    for (int k = 0; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return cands[best];
}

/* ---------------------------------------------------------------- records */

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

/* The fields of one record, trimmed (not NUL-terminated: every reader of
 * a field takes its length).  The fields of a line that begins a record,
 * holds no quote and ends in CR or LF are where libcsv found them, in the
 * text being fed; those of any other record are copied back to back into
 * the record's buffer.  A record is never of both kinds: such a line ends
 * its record.  Both are reused from record to record, so reading
 * allocates nothing per field. */
typedef struct {
    const char *s;              /* in the text being fed, or in the buffer */
    size_t len;
} field_span;

typedef struct {
    char *text;
    size_t len, size;
    field_span *field;
    size_t n, cap;
    bool any;                   /* a field is not empty */
} record;

/* memcpy for the short fields of a record, without a call: two
 * overlapping moves from each end cover up to 16 bytes. */
static inline void copy_short(char *d, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8), memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8), memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4), memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4), memcpy(d + n - 4, &b, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* Room for one more field of n bytes: the cold path of record_add and
 * record_point (n = 0). */
static void __attribute__((noinline)) record_grow(record *r, size_t n)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->field = xrealloc(r->field, r->cap * sizeof *r->field);
    }
    if (r->len + n >= r->size) {
        uintptr_t old = (uintptr_t)r->text;
        r->size = (r->len + n + 1) * 2;
        r->text = xrealloc(r->text, r->size);
        for (size_t i = 0; i < r->n; i++)   /* the copies moved with the buffer */
            if ((uintptr_t)r->field[i].s - old <= r->len)
                r->field[i].s = r->text + ((uintptr_t)r->field[i].s - old);
    }
}

/* Room for one more field of n bytes (>=: the buffer exists even for
 * empty fields). */
static inline bool record_has_room(const record *r, size_t n)
{
    return r->n < r->cap && r->len + n < r->size;
}

/* The field s[0..n), trimmed, into the room there is. */
static inline void record_put(record *r, const char *s, size_t n)
{
    copy_short(r->text + r->len, s, n);
    r->field[r->n++] = (field_span){r->text + r->len, n};
    r->len += n;
    r->any |= n != 0;
}

/* Nothing to trim at either end of s[0..n): the usual field. */
static inline bool untrimmed(const char *s, size_t n)
{
    return n == 0 || ((unsigned char)s[0] > ' ' && (unsigned char)s[n - 1] > ' ');
}

static inline void trim_spaces(const char **s, size_t *n)
{
    /* One comparison for the usual byte: nothing above ' ' is a space. */
    while (*n && (unsigned char)**s <= ' ' && is_space((unsigned char)**s)) { (*s)++; (*n)--; }
    while (*n && (unsigned char)(*s)[*n - 1] <= ' ' && is_space((unsigned char)(*s)[*n - 1])) (*n)--;
}

static inline void record_add(record *r, const char *s, size_t n)
{
    trim_spaces(&s, &n);
    if (!record_has_room(r, n))
        record_grow(r, n);
    record_put(r, s, n);
}

/* The field s[0..n), trimmed, where it is: s stays valid until the record
 * is taken.  The cold part of on_field's in-place path (white space to
 * trim, or no room for another field), out of line so that the usual
 * path saves no registers. */
static void __attribute__((noinline)) record_point(record *r, const char *s, size_t n)
{
    trim_spaces(&s, &n);
    if (r->n == r->cap)
        record_grow(r, 0);
    r->field[r->n++] = (field_span){s, n};
    r->any |= n != 0;
}

static void record_clear(record *r)
{
    r->n = r->len = 0;
    r->any = false;
}

static void record_free(record *r)
{
    free(r->text);
    free(r->field);
}

/* a[0..n) == b[0..n) for the short values of a column, without a call:
 * two overlapping loads from each end cover up to 16 bytes. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 16)
        return memcmp(a, b, n) == 0;
    if (n >= 8) {
        uint64_t x1, y1, x2, y2;
        memcpy(&x1, a, 8), memcpy(&y1, b, 8);
        memcpy(&x2, a + n - 8, 8), memcpy(&y2, b + n - 8, 8);
        return x1 == y1 && x2 == y2;
    }
    if (n >= 4) {
        uint32_t x1, y1, x2, y2;
        memcpy(&x1, a, 4), memcpy(&y1, b, 4);
        memcpy(&x2, a + n - 4, 4), memcpy(&y2, b + n - 4, 4);
        return x1 == y1 && x2 == y2;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Field i, trimmed when it was added. */
static const char *field_at(const record *r, size_t i, size_t *n)
{
    *n = r->field[i].len;
    return r->field[i].s;
}

/* The check for repeated ids while the ids are all plain numbers of a
 * narrow span (ids numbered by the system, the usual case): a bit per
 * number instead of a hash of 12 bytes a row.  A parallel read runs it on
 * each chunk as the chunk is moved into place; the rest, and the verdict,
 * come at the end (drop_duplicate_ids). */
typedef struct {
    bool off;                   /* an id that is not such a number: the hash does it all */
    size_t checked;             /* rows [0, checked) are in */
    uint64_t lo, hi;            /* least and greatest id seen */
    uint64_t base;              /* the number of bit 0, a multiple of 64 */
    uint64_t *bits;
    size_t words;
    uint32_t *repeats;          /* rows whose id an earlier row has, in order */
    size_t nrepeats, cap;
} id_numbers;

enum { DATE_MEMO_BITS = 8, DATE_MEMO_SLOTS = 1 << DATE_MEMO_BITS };

typedef struct {
    const ingest_config *cfg;
    const dataset_schema *ds;
    ingest_result *out;
    reject_log *log;
    table *t;
    record rec;
    long line;                  /* physical line being fed */
    long record_line;           /* physical line on which the current record started */
    bool header_done;
    bool unclosed_quote;
    int colmap[SCHEMA_MAX_FIELDS];  /* field -> column in the file, -1 if absent */
    size_t ncols;               /* columns in the header */
    int key;                    /* the key field, or -1 */
    bool clean;                 /* the text being fed has no NUL and no bad byte */
    bool failed;                /* the file was refused while reading */
    const char *name;           /* cfg->name copied into the log's arena */
    struct csv_parser parser;
    /* While libcsv parses a line that begins a record, holds no quote and
     * ends in CR or LF: the line's next field (or the blanks before it).
     * NULL otherwise. */
    const char *src;
    /* A worker of a parallel read: its lines count from its chunk's start. */
    long line_offset;
    /* A worker's: the id of its row r as text, at keys[r], until the rows
     * are placed (the key's column holds its length until then); NULL:
     * into the pool at once.  (One array for all workers: a pool's arrays
     * per worker would be 12 bytes a row of memory touched for the first
     * time, and then again in main's pool.) */
    char **keys;
    /* A reader of a part of a parallel read writes into its share of the
     * table's rows, and stops before a line when it holds row_limit rows
     * (full): the part is then read on after the others.  0: no limit. */
    size_t row_limit;
    bool full;
    id_numbers ids;             /* main's: the repeated-id check so far */
    /* Pages of a mapped file behind the reader are given back as it goes
     * (they read again from the page cache if a reader comes back), so a
     * 1 GB export never makes the resident set 1 GB. */
    const char *release_from;   /* NULL when the text is not a mapping */
    /* The last values of each mapped field and what they map to: mapped
     * fields hold a handful of words, and folding costs two allocations. */
    struct map_memo {
        uint8_t len;            /* 0: unused */
        char raw[47];
        const char *to;         /* NULL: the value maps to itself */
        size_t tolen;
    } memo[SCHEMA_MAX_FIELDS][8];
    unsigned memo_next[SCHEMA_MAX_FIELDS];
    /* Per text column, the pool id last seen for a few bytes' fingerprint
     * of a value: most values of a column repeat, and a hit costs a
     * comparison instead of a hash lookup. */
    uint32_t seen_text[SCHEMA_MAX_FIELDS][256];
    /* Per date column, the dates last read, by a hash of their text: an
     * export's dates fall within a few months of each other, so most are
     * read again and again (a date parsed costs 290 instructions, a hit
     * about 20). */
    struct date_memo {
        uint8_t len;            /* 0: empty slot */
        bool has_time;
        char raw[22];
        int32_t day;
        int64_t secs;
    } dates[SCHEMA_MAX_FIELDS][DATE_MEMO_SLOTS];
    /* The plan of take_row_fast, worked out at the first row: the fields
     * but the key, texts first, then dates, then yes/no fields.  fast is
     * 0 before, 1 with a plan, -1 when a field is of another type or has
     * values mapped (then every row takes the general path). */
    int fast;
    uint8_t nfast[3];
    struct fast_field {
        uint32_t col;           /* (uint32_t)-1: no column */
        uint8_t f;
        bool required;
    } fast_fields[SCHEMA_MAX_FIELDS];
} reader;
_Static_assert(SCHEMA_MAX_FIELDS <= UINT8_MAX, "take_row_fast's plan counts fields in bytes");

static const char *describe_encoding_problem(const reader *rd, const char *s, size_t n)
{
    (void)n;
    (void)s;
    const char *enc = rd->out->encoding;
    if (strcmp(enc, "utf-8") == 0)
        return "the file looks like windows-1252 (set encoding = \"windows-1252\")";
    if (strncmp(enc, "utf-16", 6) == 0)
        return "the file may not be UTF-16 after all";
    return "the file may be in another encoding (try encoding = \"utf-8\")";
}

/* Show a value in rejects.csv as valid UTF-8: bad bytes as \xNN. */
static char *printable(arena *mem, const char *s, size_t n)
{
    strbuf b = {0};
    for (size_t i = 0; i < n;) {
        size_t ok = utf8_valid_prefix(s + i, n - i);
        const char *nul = memchr(s + i, '\0', ok);   /* valid UTF-8, but it would end the string */
        if (nul)
            ok = (size_t)(nul - (s + i));
        strbuf_add(&b, s + i, ok);
        i += ok;
        if (i < n) {
            if (s[i] == '\0')
                strbuf_adds(&b, "\\0");
            else
                strbuf_printf(&b, "\\x%02X", (unsigned char)s[i]);
            i++;
        }
    }
    char *p = arena_strndup(mem, b.data ? b.data : "", b.len);
    strbuf_free(&b);
    return p;
}

/* Room for one more reject at the end of the log. */
static reject *reject_push(reject_log *log)
{
    if (log->n == log->cap) {
        log->cap = log->cap ? log->cap * 2 : 64;
        log->v = xrealloc(log->v, log->cap * sizeof *log->v);
    }
    return &log->v[log->n++];
}

static void add_reject(reader *rd, const char *field, const char *value, size_t vlen, const char *reason)
{
    reject_log *log = rd->log;
    *reject_push(log) = (reject){
        .file = rd->name,
        .line = rd->record_line,
        .field = field ? field : "",
        .value = value ? printable(log->mem, value, vlen) : "",
        .reason = arena_strdup(log->mem, reason),
    };
}

/* Match header cells to fields; refuse the file when the header is unusable. */
static void map_header(reader *rd)
{
    const record *r = &rd->rec;
    ingest_result *out = rd->out;
    out->nheader = r->n;
    out->header = xcalloc(r->n ? r->n : 1, sizeof *out->header);
    char **folded = xcalloc(r->n ? r->n : 1, sizeof *folded);
    for (size_t i = 0; i < r->n; i++) {
        size_t n;
        const char *s = field_at(r, i, &n);
        out->header[i] = xstrndup(s, n);
        folded[i] = utf8_fold(s, n);
    }
    rd->ncols = r->n;
    for (size_t f = 0; f < rd->ds->nfields && !rd->failed; f++) {
        const field_schema *fs = &rd->ds->fields[f];
        const char *want = rd->cfg->columns[f] ? rd->cfg->columns[f] : fs->name;
        size_t wn = strlen(want);
        while (wn && is_space((unsigned char)want[wn - 1])) wn--;
        while (wn && is_space((unsigned char)*want)) { want++; wn--; }
        char *wf = utf8_fold(want, wn);
        rd->colmap[f] = -1;
        for (size_t i = 0; i < r->n; i++) {
            if (strcmp(folded[i], wf) != 0)
                continue;
            if (rd->colmap[f] >= 0) {
                refuse(out, EX_DATAERR_, "%s: the header names column \"%.*s\" (field %s) twice, "
                       "in columns %d and %zu", rd->cfg->name, (int)wn, want, fs->name,
                       rd->colmap[f] + 1, i + 1);
                rd->failed = true;
                break;
            }
            rd->colmap[f] = (int)i;
        }
        if (!rd->failed && rd->colmap[f] < 0 && fs->required) {
            refuse(out, EX_DATAERR_, "%s: line %ld: the header lacks the required column \"%.*s\" "
                   "(field %s)", rd->cfg->name, rd->record_line, (int)wn, want, fs->name);
            rd->failed = true;
        } else if (!rd->failed && rd->colmap[f] < 0 && rd->cfg->columns[f]) {
            warn(out, "%s: the header lacks column \"%s\" (field %s); the field is empty",
                 rd->cfg->name, rd->cfg->columns[f], fs->name);
        }
        rd->t->cols[f].mapped = rd->colmap[f] >= 0;
        free(wf);
    }
    for (size_t i = 0; i < r->n; i++)
        free(folded[i]);
    free(folded);
}

static const char *map_value(const ingest_config *cfg, size_t f, const char *s, size_t *n)
{
    char *b = utf8_fold(s, *n);
    const char *to = NULL;
    for (size_t i = 0; i < cfg->nmaps[f] && !to; i++) {
        const char *from = cfg->maps[f][i].from;
        char *a = utf8_fold(from, strlen(from));
        if (strcmp(a, b) == 0)
            to = cfg->maps[f][i].to;
        free(a);
    }
    free(b);
    if (!to)
        return s;
    *n = strlen(to);
    return to;
}

static const char *map_value_memo(reader *rd, size_t f, const char *s, size_t *n)
{
    struct map_memo *m = rd->memo[f];
    if (*n >= sizeof m->raw)
        return map_value(rd->cfg, f, s, n);
    for (size_t i = 0; i < sizeof rd->memo[f] / sizeof *m; i++)
        if (m[i].len == *n && same_bytes(m[i].raw, s, *n)) {
            if (!m[i].to)
                return s;
            *n = m[i].tolen;
            return m[i].to;
        }
    struct map_memo *slot = &m[rd->memo_next[f]++ % (sizeof rd->memo[f] / sizeof *m)];
    slot->len = (uint8_t)*n;
    memcpy(slot->raw, s, *n);
    const char *to = map_value(rd->cfg, f, s, n);
    slot->to = to == s ? NULL : to;
    slot->tolen = *n;
    return to;
}

static bool parse_bool(const char *s, size_t n, uint8_t *v)
{
    /* Exactly the words of spec §1; empty (absent) is false.  The value,
     * in lower case, packed into one word and compared with each. */
#define W(a, b, c, d, e) ((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24 | \
                          (uint64_t)(e) << 32)
    static const struct { uint64_t word; uint8_t value; } words[] = {
        {W('j', 'a', 0, 0, 0), 1}, {W('y', 'e', 's', 0, 0), 1}, {W('t', 'r', 'u', 'e', 0), 1},
        {W('1', 0, 0, 0, 0), 1},   {W('x', 0, 0, 0, 0), 1},     {W('n', 'e', 'i', 0, 0), 0},
        {W('n', 'e', 'j', 0, 0), 0}, {W('n', 'o', 0, 0, 0), 0}, {W('f', 'a', 'l', 's', 'e'), 0},
        {W('0', 0, 0, 0, 0), 0},
    };
#undef W
    if (n == 0 || n > 5)
        return false;
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!c)
            return false;       /* would read as the end of a shorter word */
        w |= (uint64_t)(c >= 'A' && c <= 'Z' ? c + 32 : c) << (8 * i);
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (words[i].word == w) {
            *v = words[i].value;
            return true;
        }
    return false;
}

/* The slot of a date's text in its column's memo: its first and last
 * eight bytes (overlapping in "dd.mm.yyyy") mixed. */
static unsigned date_slot(const char *s, size_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else {
        memcpy(&a, s, n);
    }
    return (unsigned)(((a ^ (b << 3) ^ n) * 0x9E3779B97F4A7C15u) >> (64 - DATE_MEMO_BITS));
}

static bool parse_int(const char *s, size_t n, int64_t *v)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    int64_t x = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || x > (INT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = neg ? -x : x;
    return true;
}

/* A decimal number, "0.74", "0,74", "-3", "1 234,5" (spaces between
 * thousands); no exponents, no locale. */
static bool parse_number(const char *s, size_t n, double *v)
{
    char buf[64];
    size_t k = 0;
    bool digits = false, point = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (k >= sizeof buf - 1)
            return false;       /* no number we read is 63 characters long */
        if (c == ' ' && digits && !point)
            continue;
        if ((c == '-' || c == '+') && k == 0) { buf[k++] = c; continue; }
        if ((c == '.' || c == ',') && !point) { point = true; buf[k++] = '.'; continue; }
        if (c < '0' || c > '9')
            return false;
        digits = true;
        buf[k++] = c;
    }
    if (!digits)
        return false;
    buf[k] = '\0';
    *v = strtod(buf, NULL);
    return true;
}

/* Field f of the row, typed, into its column; false (nothing stored)
 * when the value is unreadable as its type. */
static inline __attribute__((always_inline)) bool set_value(reader *rd, size_t row, size_t f, field_type type,
                                                          const char *s, size_t n)
{
    column *c = &rd->t->cols[f];
    switch (type) {
    case FT_TEXT: {
        unsigned char a = (unsigned char)s[0], z = (unsigned char)s[n - 1], mid = (unsigned char)s[n / 2];
        uint32_t *seen = &rd->seen_text[f][(n * 37 + a * 11 + mid * 5 + z) & 255];
        const strpool *p = &rd->t->pool;
        if (*seen && p->lens[*seen] == n && same_bytes(p->strs[*seen], s, n))
            c->text[row] = *seen;
        else
            c->text[row] = *seen = strpool_intern(&rd->t->pool, s, n, c->schema->folded);
        return true;
    }
    case FT_DATE:
    case FT_DATETIME: {
        int32_t day;
        int64_t secs;
        bool has_time;
        struct date_memo *m = &rd->dates[f][date_slot(s, n)];
        if (m->len == n && same_bytes(m->raw, s, n)) {
            day = m->day;
            secs = m->secs;
            has_time = m->has_time;
        } else if (date_parse(&rd->cfg->dates, s, n, &day, &secs, &has_time)) {
            if (n < sizeof m->raw) {
                *m = (struct date_memo){.len = (uint8_t)n, .day = day, .secs = secs, .has_time = has_time};
                memcpy(m->raw, s, n);
            }
        } else {
            return false;
        }
        if (day == DATE_NONE)
            return false;
        c->day[row] = day;
        if (type == FT_DATETIME) {
            c->secs[row] = secs;
            c->has_time[row] = has_time;
        }
        return true;
    }
    case FT_BOOL:
        return parse_bool(s, n, &c->flag[row]);
    case FT_INT:
        return parse_int(s, n, &c->num[row]);
    case FT_NUMBER:
        return parse_number(s, n, &c->real[row]);
    }
    return false;
}

/* Store field f of the current row; false (with a reject) when unreadable. */
static bool store_value(reader *rd, size_t row, size_t f, const char *s, size_t n)
{
    const field_schema *fs = rd->t->cols[f].schema;
    if (set_value(rd, row, f, fs->type, s, n))
        return true;
    char why[160];
    switch (fs->type) {
    case FT_TEXT:
        return true;            /* not reached: set_value reads any text (the case is for -Wswitch) */
    case FT_DATE:
    case FT_DATETIME:
        snprintf(why, sizeof why, "not a valid %s of the form %s", fs->type == FT_DATE ? "date" : "date or date-time",
                 rd->cfg->dates.pattern);
        break;
    case FT_BOOL:
        snprintf(why, sizeof why, "not a yes/no value (ja, nei, nej, yes, no, true, false, 1, 0, x)");
        break;
    case FT_INT:
        snprintf(why, sizeof why, "not a whole number");
        break;
    case FT_NUMBER:
        snprintf(why, sizeof why, "not a number (digits with a decimal point or comma)");
        break;
    }
    add_reject(rd, fs->name, s, n, why);
    return false;
}

/* Name of the field in file column i, or "" when no field maps to it. */
static const char *field_of_column(const reader *rd, size_t i)
{
    for (size_t f = 0; f < rd->ds->nfields; f++)
        if (rd->colmap[f] == (int)i)
            return rd->ds->fields[f].name;
    return "";
}

/* Problems of the row as bytes: NUL, bad encoding, an unclosed quote. */
static bool row_bytes_ok(reader *rd)
{
    const record *r = &rd->rec;
    char why[200];
    if (rd->unclosed_quote) {
        size_t n;
        const char *s = r->n ? field_at(r, r->n - 1, &n) : "";
        if (!r->n) n = 0;
        snprintf(why, sizeof why, "a quote opened in this record is never closed; the rest of the file was read as one field");
        add_reject(rd, "", s, n > 80 ? 80 : n, why);
        return false;
    }
    for (size_t i = 0; i < r->n && !rd->clean; i++) {
        size_t n;
        const char *s = field_at(r, i, &n);
        if (memchr(s, '\0', n)) {
            add_reject(rd, field_of_column(rd, i), s, n,
                       "NUL byte in the field; the file may be UTF-16 without a byte-order mark");
            return false;
        }
        if (utf8_valid_prefix(s, n) != n) {
            /* The line is in the reject's own column (and right even
             * when a worker thread read this part of the file). */
            snprintf(why, sizeof why, "invalid %s; %s",
                     strcmp(rd->out->encoding, "utf-8") == 0 ? "UTF-8" : rd->out->encoding,
                     describe_encoding_problem(rd, s, n));
            add_reject(rd, field_of_column(rd, i), s, n, why);
            return false;
        }
    }
    return true;
}

/* take_row_fast's plan for this reader's file (rd->fast): every field
 * but the key placed by type, and the plan usable when that was all of
 * them (the key a text) and no field has values mapped. */
static void plan_fast(reader *rd)
{
    static const field_type kinds[3] = {FT_TEXT, FT_DATE, FT_BOOL};
    const dataset_schema *ds = rd->ds;
    size_t k = 0;
    for (size_t i = 0; i < 3; i++) {
        rd->nfast[i] = 0;
        for (size_t f = 0; f < ds->nfields; f++)
            if ((int)f != rd->key && ds->fields[f].type == kinds[i]) {
                rd->fast_fields[k++] =
                    (struct fast_field){(uint32_t)rd->colmap[f], (uint8_t)f, ds->fields[f].required};
                rd->nfast[i]++;
            }
    }
    bool usable = k + (rd->key >= 0) == ds->nfields && (rd->key < 0 || ds->fields[rd->key].type == FT_TEXT);
    for (size_t f = 0; f < ds->nfields; f++)
        usable &= !rd->cfg->nmaps[f];
    rd->fast = usable ? 1 : -1;
}

/* Field col of the record, or "" past its end. */
static inline const char *field_or_empty(const record *r, uint32_t col, size_t *n)
{
    *n = 0;
    return col < r->n ? field_at(r, col, n) : "";
}

/* Fields from..to of take_row_fast's plan, all of one type; false at the
 * first problem. */
static inline __attribute__((always_inline)) bool take_typed(reader *rd, size_t row, field_type type, size_t from,
                                                             size_t to)
{
    for (size_t k = from; k < to; k++) {
        const struct fast_field *ff = &rd->fast_fields[k];
        size_t n;
        const char *s = field_or_empty(&rd->rec, ff->col, &n);
        if (n) {
            if (!set_value(rd, row, ff->f, type, s, n))
                return false;
        } else if (ff->required) {
            return false;
        } else {
            table_set_absent(rd->t, ff->f, row);
        }
    }
    return true;
}

/* The usual row: every field readable as its type, none empty that must
 * not be.  Typed a type at a time, without a test of the type per field.
 * False at the first problem: the general path then writes every field
 * of the row again and lists its rejects in the order of the fields. */
static bool take_row_fast(reader *rd, size_t row, const char **key, size_t *keylen)
{
    size_t texts = rd->nfast[0], dates = texts + rd->nfast[1], bools = dates + rd->nfast[2];
    if (!take_typed(rd, row, FT_TEXT, 0, texts) || !take_typed(rd, row, FT_DATE, texts, dates) ||
        !take_typed(rd, row, FT_BOOL, dates, bools))
        return false;
    if (rd->key >= 0) {
        *key = field_or_empty(&rd->rec, (uint32_t)rd->colmap[rd->key], keylen);
        if (!*keylen)
            return false;       /* the general path knows what an empty key means */
        rd->t->cols[rd->key].text[row] = 0;     /* until the row is accepted */
    }
    return true;
}

/* Any row, field by field in the order of the dataset: values mapped,
 * every problem a reject, in that order. */
static void take_row_general(reader *rd, size_t row, const char **key, size_t *keylen)
{
    const record *r = &rd->rec;
    *key = NULL;
    *keylen = 0;
    for (size_t f = 0; f < rd->ds->nfields; f++) {
        size_t n;
        const char *s = field_or_empty(r, (uint32_t)rd->colmap[f], &n);
        if (n && rd->cfg->nmaps[f])
            s = map_value_memo(rd, f, s, &n);
        if (!n) {
            table_set_absent(rd->t, f, row);
            if (rd->ds->fields[f].required)
                add_reject(rd, rd->ds->fields[f].name, "", 0, "required field is empty");
            continue;
        }
        if ((int)f == rd->key) {
            table_set_absent(rd->t, f, row);    /* until the row is accepted */
            *key = s;
            *keylen = n;
        } else {
            store_value(rd, row, f, s, n);
        }
    }
}

static void take_row(reader *rd)
{
    const record *r = &rd->rec;
    if (!r->any && !rd->unclosed_quote)
        return;                 /* blank rows are skipped silently */
    rd->out->records++;
    size_t before = rd->log->n;
    bool ok = row_bytes_ok(rd);
    for (size_t i = rd->ncols; ok && i < r->n; i++) {
        size_t n;
        const char *s = field_at(r, i, &n);
        if (n) {
            char why[120];
            snprintf(why, sizeof why, "a value past the header's last column (column %zu of %zu)", i + 1, rd->ncols);
            add_reject(rd, "", s, n, why);
            ok = false;
            break;
        }
    }
    size_t row = table_add_row_unset(rd->t, (int32_t)rd->record_line);
    const char *key = NULL;
    size_t keylen = 0;
    if (ok && !rd->fast)
        plan_fast(rd);
    if (ok && !(rd->fast > 0 && take_row_fast(rd, row, &key, &keylen)))
        take_row_general(rd, row, &key, &keylen);
    if (rd->log->n != before) {
        table_drop_last_row(rd->t);
        rd->out->rejected++;
        rd->log->rows++;
        return;
    }
    /* Ids are unique by the reading rules: they go into the pool without
     * hashing, and drop_duplicate_ids finds the repeats once all is read. */
    if (key && rd->keys) {
        rd->keys[row] = arena_strndup(&rd->t->pool.mem, key, keylen);
        rd->t->cols[rd->key].text[row] = (uint32_t)keylen;
    } else if (key) {
        rd->t->cols[rd->key].text[row] = strpool_append(&rd->t->pool, key, keylen);
    }
    rd->out->accepted++;
}

static void __attribute__((noinline)) on_field_slow(record *r, const char *s, size_t n)
{
    record_add(r, s ? s : "", s ? n : 0);
}

/* What libcsv skips around an unquoted field: a space or a tab that is
 * not the delimiter.  One comparison for the usual byte. */
static inline bool csv_blank(const reader *rd, char c)
{
    return (unsigned char)c <= ' ' && (c == ' ' || c == '\t') && (unsigned char)c != rd->parser.delim_char;
}

#if defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) || defined(KV_CHECK_FIELDS)
atomic_size_t ingest_fields_in_place;
#endif

/* Runs for every field libcsv hands over.
 *
 * On a line without quotes that begins a record (rd->src), the field is
 * taken where libcsv found it in the line: past the blanks it skipped, n
 * bytes long (it drops the blanks at the end), then blanks and the
 * delimiter.  Reading it there instead of from libcsv's buffer saves a
 * copy, and the stall of loading whole words from bytes libcsv has only
 * just stored one at a time.
 *
 * Elsewhere the usual field (at most 16 bytes, nothing to trim, room in
 * the record) is copied here without a call.  The common paths call
 * nothing, so they save no registers; the rest is a tail call. */
static void on_field(void *s, size_t n, void *data)
{
    reader *rd = data;
    record *r = &rd->rec;
    const char *at = rd->src;
    if (at) {
        while (csv_blank(rd, *at))
            at++;
        const char *end = at + n;
        while (csv_blank(rd, *end))
            end++;
#if defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) || defined(KV_CHECK_FIELDS)
        /* libcsv read this field differently: other bytes, or not up to
         * the delimiter or the line's end. */
        if ((n && memcmp(at, s, n) != 0) ||
            ((unsigned char)*end != rd->parser.delim_char && *end != '\r' && *end != '\n'))
            abort();
        atomic_fetch_add_explicit(&ingest_fields_in_place, 1, memory_order_relaxed);
#endif
        rd->src = end + 1;
        if (r->n < r->cap && untrimmed(at, n)) {
            r->field[r->n++] = (field_span){at, n};
            r->any |= n != 0;
        } else {
            record_point(r, at, n);
        }
        return;
    }
    if (s && n <= 16 && untrimmed(s, n) && record_has_room(r, n))
        record_put(r, s, n);
    else
        on_field_slow(r, s, n);
}

static void on_record(int c, void *data)
{
    reader *rd = data;
    (void)c;
    if (rd->failed) {
        record_clear(&rd->rec);
        return;
    }
    if (rd->record_line >= rd->cfg->header_line || rd->header_done) {
        if (!rd->header_done) {
            rd->header_done = true;
            map_header(rd);
        } else {
            take_row(rd);
        }
    }
    record_clear(&rd->rec);
}

static void parser_open(reader *rd, char delim)
{
    /* libcsv's own test for spaces (space or tab, never the delimiter:
     * it tests the delimiter first) is inline, a space function is a call
     * per character.  on_field's in-place path relies on these defaults:
     * no space or terminator function, no options. */
    csv_init(&rd->parser, 0);
    csv_set_delim(&rd->parser, (unsigned char)delim);
}

/* No NUL and valid UTF-8 (text from iconv carries 0xFF where the source
 * had a bad byte): then no record of it needs the check field by field. */
static bool text_clean(const char *s, size_t n)
{
    return !memchr(s, '\0', n) && utf8_valid_prefix(s, n) == n;
}


/* Give back the whole pages that lie in [from, to): of a mapping, or of
 * memory no longer needed (they read as zeros if touched again). */
static void give_back_pages(const char *from, const char *to)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)from + page - 1) & ~(page - 1);
    uintptr_t b = (uintptr_t)to & ~(page - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Give back the pages of a mapped file the reader has passed. */
static void release_pages(reader *rd, const char *upto)
{
    give_back_pages(rd->release_from, upto);
    rd->release_from = upto;
}

/* Feed text[from..to) to libcsv line by line, tracking record starts.
 * Stops early, at a line end, once the header is read when
 * stop_after_header is set; returns the position reached. */
static size_t feed(reader *rd, const char *text, size_t from, size_t to, bool stop_after_header)
{
    size_t pos = from, checked_to = from;
    size_t quote_at = from;     /* no quote in [pos, quote_at) */
    if (stop_after_header)
        rd->clean = false;      /* the header and the lines above it: field by field */
    if (rd->release_from)
        rd->release_from = text + from;
    while (pos < to && !rd->failed) {
        if (rd->row_limit && rd->t->nrows >= rd->row_limit) {
            rd->full = true;    /* a line ends at most one record: stop before it */
            break;
        }
        if (rd->release_from && text + pos - rd->release_from >= INGEST_STEP)
            release_pages(rd, text + pos);
        /* The text is checked a window at a time just ahead of the parser,
         * not all at once: a check of the whole part would make every page
         * of a mapped file resident before the parser gives any back.  A
         * window ends after an LF, and no line fed runs past an LF, so the
         * windows meet exactly at line starts.  A record that began before
         * the window keeps its earlier verdict. */
        if (pos >= checked_to && !stop_after_header) {
            size_t end = to - pos > INGEST_STEP ? pos + INGEST_STEP : to;
            const char *lf = end < to ? memchr(text + end, '\n', to - end) : NULL;
            checked_to = lf ? (size_t)(lf - text) + 1 : to;
            bool was_clean = rd->clean || rd->parser.pstate == CSV_ROW_NOT_BEGUN;
            rd->clean = was_clean && text_clean(text + pos, checked_to - pos);
        }

        if (stop_after_header && rd->header_done && rd->parser.pstate == CSV_ROW_NOT_BEGUN)
            break;
        size_t n = line_length(text + pos, to - pos);
        if (quote_at <= pos) {
            /* To the end of the window (windows end at line ends), or of
             * this line above the header. */
            size_t end = checked_to > pos ? checked_to : pos + n;
            const char *q = memchr(text + pos, rd->parser.quote_char, end - pos);
            quote_at = q ? (size_t)(q - text) : end;
        }
        rd->line++;
        if (rd->parser.pstate == CSV_ROW_NOT_BEGUN)
            rd->record_line = rd->line;
        /* A line that begins a record, has no quote and ends in CR or LF
         * holds the whole record: its fields can be read where they are. */
        bool whole = rd->parser.pstate == CSV_ROW_NOT_BEGUN && pos + n <= quote_at &&
                     (text[pos + n - 1] == '\n' || text[pos + n - 1] == '\r');
        rd->src = whole ? text + pos : NULL;
        size_t parsed = csv_parse(&rd->parser, text + pos, n, on_field, on_record, rd);
        rd->src = NULL;
        if (parsed != n) {
            refuse(rd->out, EX_DATAERR_, "%s: line %ld: %s", rd->cfg->name, rd->line + rd->line_offset,
                   csv_strerror(csv_error(&rd->parser)));
            rd->failed = true;
        }
        pos += n;
    }
    if (rd->release_from && !stop_after_header)
        release_pages(rd, text + pos);
    return pos;
}

/* The end of the file: a record still inside quotes is reported as such. */
static void finish(reader *rd)
{
    if (!rd->failed) {
        rd->unclosed_quote = rd->parser.pstate == CSV_FIELD_BEGUN && rd->parser.quoted;
        csv_fini(&rd->parser, on_field, on_record, rd);
    }
}

/* ---------------------------------------------------------------- parallel reading
 *
 * A large file is cut into chunks at line starts, more chunks than
 * threads, and the threads take the chunks in order as they come free,
 * each chunk with its own libcsv parser, pool and rejects.  The LFs of
 * every chunk are counted first, so the table is allocated once for the
 * whole file and every chunk's reader writes its rows straight into its
 * own share of it (table_view).  Moving the rows into place then only
 * closes the small gaps between the shares, and it is done chunk by chunk
 * while the other chunks are still being read.
 *
 * A cut is only right if no quoted field spans it; that is known once the
 * chunk before it has been parsed: its parser must stand between records
 * there.  If it does not, or a chunk held more records than LFs (CR-only
 * line ends), the reading goes on sequentially from there and the later
 * chunks' results are thrown away, so the outcome is always exactly that
 * of one sequential pass.
 */

enum { THREADS_MAX = 8, CHUNKS_MAX = 64 };

static void check_numbers(reader *rd, size_t to);

/* Bytes per chunk at least; KVALRAP_INGEST_CHUNK lowers it so tests can
 * cut small files into many chunks (and through quoted fields). */
static size_t chunk_bytes(void)
{
    const char *env = getenv("KVALRAP_INGEST_CHUNK");
    long v = env && *env ? strtol(env, NULL, 10) : 0;
    return v > 0 ? (size_t)v : (size_t)4 << 20;
}

typedef struct {
    reader rd;
    ingest_result out;
    reject_log log;
    arena mem;
    size_t row0;                /* its share of the table starts at this row */
} worker;

/* Rows a file read in one pass holds, from the length of its first lines:
 * room reserved once instead of columns grown and copied. */
static size_t estimate_rows(const char *text, size_t from, size_t to)
{
    size_t n = to - from, sample = n < 65536 ? n : 65536, lines = 0;
    for (const char *p = text + from, *end = p + sample; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        lines++;
    if (lines < 2)
        return 1024;
    return (size_t)((double)n / ((double)sample / (double)lines) * 1.05) + 64;
}

/* The LFs of each chunk, counted before the reading: the chunk's share of
 * the table's rows is its LFs and two (the last line may lack an LF, and
 * one row is spare for the record finish() ends), so no share ever fills
 * but in a CR-only file, which is then read on in one pass.  Threads take
 * the chunks as for the reading; a mapping's pages are given back behind
 * the count (the parser reads them again from the page cache). */
typedef struct {
    const char *text;
    const size_t *cuts;
    size_t *lines;
    size_t n;
    bool mapped;
    atomic_size_t next;
} line_count;

static void *count_chunks(void *arg)
{
    line_count *lc = arg;
    for (size_t k; (k = atomic_fetch_add(&lc->next, 1)) < lc->n;) {
        size_t lines = 0;
        for (size_t at = lc->cuts[k]; at < lc->cuts[k + 1]; at += INGEST_STEP) {
            size_t len = lc->cuts[k + 1] - at < INGEST_STEP ? lc->cuts[k + 1] - at : INGEST_STEP;
            lines += count_byte(lc->text + at, len, '\n');
            if (lc->mapped)
                give_back_pages(lc->text + at, lc->text + at + len);
        }
        lc->lines[k] = lines;
    }
    return NULL;
}

/* fn(arg) on `threads` threads, this one included, until it returns on
 * all: fn takes its work from arg until none is left, so fewer threads
 * (none to be had) only take longer. */
static void run_on_threads(void *(*fn)(void *), void *arg, int threads)
{
    pthread_t tid[THREADS_MAX];
    int started = 0;
    while (started < threads - 1 && pthread_create(&tid[started], NULL, fn, arg) == 0)
        started++;
    fn(arg);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
}

static void count_lines(const char *text, const size_t *cuts, size_t n, bool mapped, int threads, size_t *lines)
{
    line_count lc = {.text = text, .cuts = cuts, .lines = lines, .n = n, .mapped = mapped};
    run_on_threads(count_chunks, &lc, threads);
}

/* The reader of chunk k (k >= 1), after the header has been read by main.
 * w comes zeroed (xcalloc), and only what is not zero is written: most of
 * a reader's 150 KB are memos, and pages never written cost nothing,
 * where twenty-odd readers written whole cost 900 page faults before the
 * threads start. */
static void worker_init(worker *w, const reader *main, char delim, const char *text, size_t row0, size_t rows,
                        char **keys)
{
    w->log.mem = &w->mem;
    snprintf(w->out.encoding, sizeof w->out.encoding, "%s", main->out->encoding);
    reader *rd = &w->rd;
    rd->cfg = main->cfg;
    rd->ds = main->ds;
    rd->out = &w->out;
    rd->log = &w->log;
    rd->t = table_view(main->t, row0, rows);
    rd->header_done = true;
    rd->ncols = main->ncols;
    rd->key = main->key;
    rd->release_from = main->release_from ? text : NULL;
    rd->name = arena_strdup(&w->mem, main->cfg->name);
    rd->row_limit = rows - 1;
    rd->keys = keys ? keys + row0 : NULL;
    memcpy(rd->colmap, main->colmap, sizeof main->colmap);
    parser_open(rd, delim);
    w->row0 = row0;
}

static void worker_free(worker *w)
{
    csv_free(&w->rd.parser);
    record_free(&w->rd.rec);
    table_free(w->rd.t);
    ingest_result_free(&w->out);
    reject_log_free(&w->log);
    arena_free(&w->mem);
}

/* Move the rows of a worker that is done down to the end of main's rows:
 * texts re-interned once per distinct value, ids taken over with their
 * bytes from from->keys (the worker's arenas move into main's), lines
 * shifted.  Then its rejects and counts.  Rows only ever move down, so
 * the moves go front to back within the same arrays. */
static void place_rows(reader *main, worker *w)
{
    reader *from = &w->rd;
    table *dst = main->t, *src = from->t;
    size_t add = src->nrows, at = dst->nrows, row0 = w->row0;
    for (size_t r = 0; r < add; r++)
        dst->line[at + r] = (int32_t)(dst->line[row0 + r] + from->line_offset);
    uint32_t *remap = xcalloc(src->pool.n, sizeof *remap);   /* 0: not interned yet */
    for (size_t f = 0; f < main->ds->nfields; f++) {
        column *c = &dst->cols[f];
        switch (c->schema->type) {
        case FT_TEXT:
            if ((int)f == main->key) {
                strpool_append_kept(&dst->pool, from->keys, c->text + row0, c->text + at, add);
                /* Its share of the array is done with: the pages go back
                 * now, not when the last chunk is placed. */
                give_back_pages((const char *)from->keys, (const char *)(from->keys + add));
                break;
            }
            for (size_t r = 0; r < add; r++) {
                uint32_t id = c->text[row0 + r];
                if (id && !remap[id])
                    id = remap[id] = strpool_intern(&dst->pool, src->pool.strs[id], src->pool.lens[id],
                                                    src->pool.fold[id] != STRPOOL_NOFOLD);
                else
                    id = remap[id];
                c->text[at + r] = id;
            }
            break;
        case FT_DATE: memmove(c->day + at, c->day + row0, add * sizeof *c->day); break;
        case FT_DATETIME:
            memmove(c->day + at, c->day + row0, add * sizeof *c->day);
            memmove(c->secs + at, c->secs + row0, add * sizeof *c->secs);
            memmove(c->has_time + at, c->has_time + row0, add * sizeof *c->has_time);
            break;
        case FT_BOOL: memmove(c->flag + at, c->flag + row0, add * sizeof *c->flag); break;
        case FT_INT: memmove(c->num + at, c->num + row0, add * sizeof *c->num); break;
        case FT_NUMBER: memmove(c->real + at, c->real + row0, add * sizeof *c->real); break;
        }
    }
    dst->nrows = at + add;
    free(remap);
    arena_adopt(&dst->pool.mem, &src->pool.mem);
    strpool_free(&src->pool);   /* its texts are main's now: the arrays go at once */
    for (size_t i = 0; i < from->log->n; i++) {
        reject *rj = reject_push(main->log);
        *rj = from->log->v[i];
        rj->file = main->name;
        rj->line += from->line_offset;
    }
    arena_adopt(main->log->mem, from->log->mem);
    main->log->rows += from->log->rows;
    main->out->records += from->out->records;
    main->out->accepted += from->out->accepted;
    main->out->rejected += from->out->rejected;
}

/* Main's reader goes on where the (placed) worker stopped, with its parser
 * in the middle of whatever it was reading. */
static void take_over(reader *main, reader *from)
{
    struct csv_parser p = main->parser;
    main->parser = from->parser;
    from->parser = p;
    record rec = main->rec;
    main->rec = from->rec;
    from->rec = rec;
    main->line = from->line + from->line_offset;
    main->record_line = from->record_line + from->line_offset;
    main->clean = from->clean;
}

/* May the rows of `next`, the reader of the chunk after prev's, be taken:
 * prev stopped between two records at the end of its chunk, and next read
 * all of its own. */
static bool chunk_follows(const reader *prev, const reader *next)
{
    return !prev->failed && !prev->full && prev->parser.pstate == CSV_ROW_NOT_BEGUN && !next->failed &&
           !next->full;
}

/* A parallel read in progress.  Chunk 0 is main's own; the threads take
 * the others in order.  Whichever thread finishes a chunk also moves the
 * chunks that are ready into place, in order, while the others go on
 * reading: only the last chunk is left for the end. */
typedef struct {
    reader *main;
    worker *w;                  /* w[1..n) */
    size_t n;
    atomic_size_t next;         /* the next chunk to take */
    pthread_mutex_t lock;       /* guards what follows */
    bool *done;                 /* chunk k's reader has stopped */
    bool placing;               /* a thread is moving chunks into place */
    bool broken;                /* chunk `placed` does not follow: the rest is read in one pass */
    size_t placed;              /* chunks [0, placed) are in the table */
    long lines_before;          /* physical lines of those chunks */
    const char *text;           /* chunk k is text[cuts[k], cuts[k + 1]) */
    const size_t *cuts;
    size_t stop[CHUNKS_MAX];    /* where chunk k's reader stopped: cuts[k + 1] unless full */
} parallel_read;

/* The reader of chunk k: main's for chunk 0. */
static reader *chunk_reader(const parallel_read *pr, size_t k)
{
    return k == 0 ? pr->main : &pr->w[k].rd;
}

static void place_ready(parallel_read *pr)
{
    while (!pr->broken && pr->placed + 1 < pr->n && pr->done[pr->placed]) {
        size_t k = pr->placed;
        if (k > 0) {
            reader *prev = chunk_reader(pr, k - 1), *next = chunk_reader(pr, k);
            if (!chunk_follows(prev, next)) {
                pr->broken = true;
                break;
            }
            next->line_offset = pr->lines_before;
        }
        pthread_mutex_unlock(&pr->lock);
        if (k > 0)
            place_rows(pr->main, &pr->w[k]);
        check_numbers(pr->main, pr->main->t->nrows);
        pthread_mutex_lock(&pr->lock);
        const reader *r = chunk_reader(pr, k);
        pr->lines_before = r->line + r->line_offset;
        pr->placed = k + 1;
    }
}

static void chunk_done(parallel_read *pr, size_t k)
{
    pthread_mutex_lock(&pr->lock);
    pr->done[k] = true;
    if (!pr->placing) {
        pr->placing = true;
        place_ready(pr);
        pr->placing = false;
    }
    pthread_mutex_unlock(&pr->lock);
}

/* The threads take the chunks in order; chunk 0 is read by main's reader
 * on whichever thread takes it. */
static void *take_chunks(void *arg)
{
    parallel_read *pr = arg;
    for (size_t k; (k = atomic_fetch_add(&pr->next, 1)) < pr->n;) {
        pr->stop[k] = feed(chunk_reader(pr, k), pr->text, pr->cuts[k], pr->cuts[k + 1], false);
        chunk_done(pr, k);
    }
    return NULL;
}


/* ---------------------------------------------------------------- duplicate ids */

typedef struct {
    const strpool *pool;
    const uint32_t *keys;
    uint32_t *hash;
    size_t from, to;
} id_hashing;

/* The pool's own hash of the ids of rows [from, to). */
static void *hash_ids(void *arg)
{
    const id_hashing *h = arg;
    for (size_t r = h->from; r < h->to; r++) {
        uint32_t k = h->keys[r];
        h->hash[r] = k ? (uint32_t)hash_bytes(h->pool->strs[k], h->pool->lens[k]) : 0;
    }
    return NULL;
}

/* The row whose id is s[0..n) among the rows in the slots, or -1. */
static long id_row(const uint32_t *slot, size_t nslots, const uint32_t *hash, const uint32_t *keys,
                   const strpool *pool, const char *s, uint32_t n, uint32_t h)
{
    for (size_t i = h & (nslots - 1); slot[i]; i = (i + 1) & (nslots - 1)) {
        size_t o = slot[i] - 1;
        if (hash[o] == h && pool->lens[keys[o]] == n && memcmp(pool->strs[keys[o]], s, n) == 0)
            return (long)o;
    }
    return -1;
}

/* A repeated id: its row dropped, a reject at its line. */
static void repeated_id(reader *rd, uint8_t **drop, size_t *ndrop, size_t r, const char *s, size_t len)
{
    if (!*drop)
        *drop = xcalloc(rd->t->nrows, 1);
    (*drop)[r] = 1;
    (*ndrop)++;
    long saved = rd->record_line;
    rd->record_line = rd->t->line[r];
    add_reject(rd, rd->ds->key, s, len, "duplicate id: an earlier row of this file has it");
    rd->record_line = saved;
}

/* The repeats among ids of any text: a hash of every id. */
static void find_repeated_ids(reader *rd, uint8_t **drop, size_t *ndrop)
{
    table *t = rd->t;
    uint32_t *keys = t->cols[rd->key].text;
    const strpool *pool = &t->pool;
    size_t nslots = 16;
    while (nslots * 3 < t->nrows * 4)      /* at most 3/4 full */
        nslots *= 2;
    uint32_t *slot = xmalloc(nslots * sizeof *slot);     /* row + 1, 0 = free */
    memset(slot, 0, nslots * sizeof *slot);
    uint32_t *hash = xmalloc(t->nrows * sizeof *hash);  /* the pool's own hash of each id */
    /* This runs alone at the end of the reading: half the hashing on a
     * thread of its own. */
    id_hashing half[2] = {{pool, keys, hash, 0, t->nrows / 2}, {pool, keys, hash, t->nrows / 2, t->nrows}};
    pthread_t helper;
    bool threaded = t->nrows >= 65536 && pthread_create(&helper, NULL, hash_ids, &half[1]) == 0;
    hash_ids(&half[0]);
    if (threaded)
        pthread_join(helper, NULL);
    else
        hash_ids(&half[1]);
    /* The slots are touched in no order: fetch ahead so that the misses
     * overlap instead of queueing. */
    enum { AHEAD = 16 };
    for (size_t r = 0; r < t->nrows; r++) {
        if (r + AHEAD < t->nrows)
            __builtin_prefetch(&slot[hash[r + AHEAD] & (nslots - 1)], 1);
        if (!keys[r])
            continue;           /* no id: nothing to repeat */
        const char *s = pool->strs[keys[r]];
        uint32_t len = pool->lens[keys[r]];
        uint32_t h = hash[r];
        for (size_t i = h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
            if (!slot[i]) {
                slot[i] = (uint32_t)r + 1;
                break;
            }
            size_t o = slot[i] - 1;
            if (hash[o] == h && pool->lens[keys[o]] == len && memcmp(pool->strs[keys[o]], s, len) == 0) {
                repeated_id(rd, drop, ndrop, r, s, len);
                break;
            }
        }
    }
    /* An id equal to a text of another column takes that text's pool id.
     * Those texts are few (units, categories): each is looked up among
     * the ids, not each id among them. */
    for (uint32_t i = 0; i < pool->nslots; i++) {
        const strpool_slot *sl = &pool->slots[i];
        if (!sl->id)
            continue;
        long r = id_row(slot, nslots, hash, keys, pool, pool->strs[sl->id], pool->lens[sl->id], sl->hash);
        if (r >= 0)
            keys[r] = sl->id;
    }
    free(hash);
    free(slot);
}

/* s[0..n) as a whole number written plainly: digits only, no leading zero,
 * at most 18 of them (so that equal numbers are equal texts). */
static bool plain_number(const char *s, uint32_t n, uint64_t *v)
{
    if (n == 0 || n > 18 || (s[0] == '0' && n > 1))
        return false;
    uint64_t x = 0;
    for (uint32_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

enum { NUMBER_TWINS_MAX = 8 };

/* Bits for the numbers [lo, hi] and half as much again on each side, so
 * that ids coming in rising (or falling) order rarely move the bits.
 * False when that is more than the span find_repeated_numbers accepts
 * allows (64 numbers a row of the table's room): the hash then does it. */
static bool numbers_reach(id_numbers *in, uint64_t lo, uint64_t hi, size_t rows)
{
    uint64_t extra = (hi - lo) / 2 + 4096;
    uint64_t base = (lo > extra ? lo - extra : 0) & ~(uint64_t)63;
    uint64_t end = hi > UINT64_MAX - extra ? UINT64_MAX : hi + extra;
    if (in->words && end < in->base + 64 * (uint64_t)in->words)
        end = in->base + 64 * (uint64_t)in->words;
    uint64_t words = (end - base) / 64 + 1;
    if (words > 2 * (uint64_t)rows + 320)
        return false;
    uint64_t *bits = xcalloc((size_t)words, sizeof *bits);
    if (in->words) {
        memcpy(bits + (in->base - base) / 64, in->bits, in->words * sizeof *bits);
        free(in->bits);
    }
    in->bits = bits;
    in->base = base;
    in->words = (size_t)words;
    return true;
}

/* Rows [checked, to) into the check. */
static void check_numbers(reader *rd, size_t to)
{
    id_numbers *in = &rd->ids;
    const table *t = rd->t;
    if (rd->key < 0 || in->off) {
        in->checked = to;
        return;
    }
    const uint32_t *keys = t->cols[rd->key].text;
    const strpool *pool = &t->pool;
    for (size_t r = in->checked; r < to; r++) {
        uint64_t v;
        if (!keys[r])
            continue;
        if (!plain_number(pool->strs[keys[r]], pool->lens[keys[r]], &v)) {
            in->off = true;
            break;
        }
        if (!in->words) {
            in->lo = in->hi = v;
        } else {
            in->lo = v < in->lo ? v : in->lo;
            in->hi = v > in->hi ? v : in->hi;
        }
        if (!in->words || v < in->base || v - in->base >= 64 * (uint64_t)in->words) {
            if (!numbers_reach(in, in->lo, in->hi, t->cap > t->nrows ? t->cap : t->nrows)) {
                in->off = true;
                break;
            }
        }
        uint64_t bit = v - in->base;
        if (in->bits[bit / 64] >> (bit % 64) & 1) {
            if (in->nrepeats == in->cap) {
                in->cap = in->cap ? in->cap * 2 : 64;
                in->repeats = xrealloc(in->repeats, in->cap * sizeof *in->repeats);
            }
            in->repeats[in->nrepeats++] = (uint32_t)r;
        } else {
            in->bits[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    }
    in->checked = to;
}

static void numbers_free(id_numbers *in)
{
    free(in->bits);
    free(in->repeats);
    memset(in, 0, sizeof *in);
}

/* The verdict of the check: the repeats rejected and true, or false with
 * nothing done when the ids were not plain numbers of a span of at most
 * 64 per row, or too many texts of other columns are such numbers. */
static bool find_repeated_numbers(reader *rd, uint8_t **drop, size_t *ndrop)
{
    table *t = rd->t;
    check_numbers(rd, t->nrows);
    id_numbers *in = &rd->ids;
    if (in->off || !in->words || in->hi - in->lo > 64 * (uint64_t)t->nrows + 4096)
        return false;
    uint64_t lo = in->lo, hi = in->hi, v;
    uint32_t *keys = t->cols[rd->key].text;
    const strpool *pool = &t->pool;
    /* Texts of other columns that are numbers of the span: an id equal to
     * one takes its pool id.  Each is found by a scan of the ids, so only
     * a few are taken this way (a column of numbers goes to the hash). */
    uint32_t twins[NUMBER_TWINS_MAX];
    size_t ntwins = 0;
    for (uint32_t i = 0; i < pool->nslots; i++) {
        uint32_t id = pool->slots[i].id;
        if (!id || !plain_number(pool->strs[id], pool->lens[id], &v) || v < lo || v > hi)
            continue;
        if (ntwins == NUMBER_TWINS_MAX)
            return false;
        twins[ntwins++] = id;
    }
    for (size_t k = 0; k < in->nrepeats; k++) {
        uint32_t r = in->repeats[k];
        repeated_id(rd, drop, ndrop, r, pool->strs[keys[r]], pool->lens[keys[r]]);
    }
    for (size_t k = 0; k < ntwins; k++) {
        const char *s = pool->strs[twins[k]];
        uint32_t n = pool->lens[twins[k]];
        for (size_t r = 0; r < t->nrows; r++)
            if (keys[r] && pool->lens[keys[r]] == n && memcmp(pool->strs[keys[r]], s, n) == 0) {
                keys[r] = twins[k];     /* the first row with it: the one kept */
                break;
            }
    }
    return true;
}

/*
 * The first row with an id keeps it; every later accepted row with the
 * same id is rejected, as in one pass through the file.  One pass over
 * all ids once the (possibly parallel) reading is done, instead of a
 * lookup in the string pool per row while reading.
 *
 * An id whose text some other column also has takes that text's pool id,
 * so that equal text is an equal id across the table.
 */
static void drop_duplicate_ids(reader *rd)
{
    table *t = rd->t;
    if (rd->key < 0 || t->nrows == 0)
        return;
    uint8_t *drop = NULL;
    size_t ndrop = 0;
    bool numbered = find_repeated_numbers(rd, &drop, &ndrop);
    numbers_free(&rd->ids);
    if (!numbered)
        find_repeated_ids(rd, &drop, &ndrop);
    if (drop) {
        table_drop_rows(t, drop);
        free(drop);
        rd->out->accepted -= (long)ndrop;
        rd->out->rejected += (long)ndrop;
        rd->log->rows += (long)ndrop;
    }
}

static int reject_line_cmp(const void *a, const void *b)
{
    const reject *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Chunk boundaries at line starts, none empty.  The chunks shrink from
 * twice the mean size to a small one (the k-th of `max` ends at
 * 1 - (1 - k/max)^2 of the text): the threads take them in order, and
 * the one that finishes last has at most a small chunk to go while the
 * other waits (with equal chunks, half a chunk on average: 4 MiB of 1M
 * rows, 15 MiB of 10M). */
static size_t cut_chunks(const char *text, size_t from, size_t len, size_t *cuts, size_t max)
{
    size_t n = 0;
    cuts[n++] = from;
    for (size_t k = 1; k < max; k++) {
        double left = 1.0 - (double)k / (double)max;
        size_t at = from + (size_t)((double)(len - from) * (1.0 - left * left));
        const char *nl = memchr(text + at, '\n', len - at);
        if (!nl)
            break;
        at = (size_t)(nl - text) + 1;
        if (at <= cuts[n - 1] + chunk_bytes() / 8 || at >= len)
            continue;
        cuts[n++] = at;
    }
    cuts[n] = len;
    return n;
}

static int parallel_threads(size_t bytes)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("KVALRAP_INGEST_THREADS");
    if (env && *env)
        cores = strtol(env, NULL, 10);
    size_t by_size = bytes / chunk_bytes();
    long n = cores < (long)by_size ? cores : (long)by_size;
    return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (int)n;
}

/* Chunks for a parallel read: one per chunk_bytes, at least one per
 * thread, so that a thread slowed by others finds less left to do. */
static size_t parallel_chunks(size_t bytes, int threads)
{
    size_t n = bytes / chunk_bytes();
    n = n < (size_t)threads ? (size_t)threads : n;
    return n > CHUNKS_MAX ? CHUNKS_MAX : n;
}

/* Read text[from, len) sequentially: the whole body of a small file, or
 * what is left of a parallel read that could not go on in parallel. */
static void feed_to_end(reader *rd, const char *text, size_t from, size_t len)
{
    rd->row_limit = 0;
    rd->full = false;
    feed(rd, text, from, len, false);
}

/* The end of a parallel read, once every chunk's reader has stopped: the
 * threads placed chunks [0, placed); the last chunk is taken too if it
 * follows, else the reading goes on in one pass from where the last good
 * reader stopped (a cut inside a quoted field, or a chunk with more
 * records than LFs).  Then the end of the file, and main's line count. */
static void end_chunks(const parallel_read *pr, size_t len)
{
    reader *rd = pr->main;
    size_t k = pr->placed, last = k - 1;    /* the chunk whose reader stands at cut k */
    reader *cur = chunk_reader(pr, last);
    worker *unplaced = NULL;
    if (!pr->broken && k + 1 == pr->n && chunk_follows(cur, chunk_reader(pr, k))) {
        unplaced = &pr->w[k];
        unplaced->rd.line_offset = pr->lines_before;
        cur = &unplaced->rd;
        k++;
    }
    if (k < pr->n && !rd->failed) {
        if (cur != rd)
            take_over(rd, cur);
        feed_to_end(rd, pr->text, pr->stop[last], len);
        cur = rd;
    }
    finish(cur);
    if (unplaced) {
        place_rows(rd, unplaced);
        if (cur->failed && !rd->failed) {
            rd->failed = true;
            snprintf(rd->out->message, sizeof rd->out->message, "%s", cur->out->message);
            rd->out->status = cur->out->status;
        }
        rd->line = cur->line + cur->line_offset;
    }
}

/* Read the records after the header (text[cuts[0], len)) in nchunks
 * chunks by `threads` threads, into shares of rd's table. */
static void read_in_chunks(reader *rd, const char *text, size_t len, char delim, const size_t *cuts,
                           size_t nchunks, int threads)
{
    size_t lines[CHUNKS_MAX], row0[CHUNKS_MAX + 1];
    count_lines(text, cuts, nchunks, rd->release_from != NULL, threads, lines);
    row0[0] = 0;
    for (size_t k = 0; k < nchunks; k++)
        row0[k + 1] = row0[k] + lines[k] + 2;
    table_reserve(rd->t, row0[nchunks]);
    char **keys = NULL;
    if (rd->key >= 0) {
        strpool_reserve(&rd->t->pool, row0[nchunks]);
        keys = xmalloc(row0[nchunks] * sizeof *keys);
    }
    rd->row_limit = row0[1] - 1;   /* one row spare for the record finish() ends */
    worker *w = xcalloc(nchunks, sizeof *w);
    for (size_t k = 1; k < nchunks; k++)
        worker_init(&w[k], rd, delim, text, row0[k], row0[k + 1] - row0[k], keys);
    parallel_read pr = {.main = rd, .w = w, .n = nchunks, .next = 0, .done = xcalloc(nchunks, sizeof *pr.done),
                        .text = text, .cuts = cuts};
    pthread_mutex_init(&pr.lock, NULL);
    run_on_threads(take_chunks, &pr, threads);
    pthread_mutex_destroy(&pr.lock);
    free(pr.done);
    end_chunks(&pr, len);
    for (size_t k = 1; k < nchunks; k++)
        worker_free(&w[k]);
    free(w);
    free(keys);
}

/* Parse the whole text: the header first, then the records, in parallel
 * chunks when the file is large. */
static void parse_text(reader *rd, const char *text, size_t len, char delim)
{
    parser_open(rd, delim);
    size_t pos = feed(rd, text, 0, len, true);
    int threads = rd->failed || !rd->header_done ? 1 : parallel_threads(len - pos);
    size_t cuts[CHUNKS_MAX + 1];
    size_t nchunks = threads > 1 ? cut_chunks(text, pos, len, cuts, parallel_chunks(len - pos, threads)) : 1;
    if (nchunks < 2) {
        table_reserve(rd->t, estimate_rows(text, pos, len));
        feed_to_end(rd, text, pos, len);
        finish(rd);
    } else {
        read_in_chunks(rd, text, len, delim, cuts, nchunks, threads);
    }
    csv_free(&rd->parser);
}

enum { SHA_THREAD_MIN = 1 << 20 };

/* The SHA-256 of the bytes read, for the provenance appendix.  It runs
 * beside the parsing, or, with HASH_AFTER, once the parsing is done: the
 * batch then has it run while the rules run on one core and the other is
 * idle, and the bytes are the hash's to release. */
struct ingest_hash {
    file_bytes raw;
    bool owns_bytes;
    char hex[65];
    pthread_t thread;
    bool threaded;              /* else it ran in the caller */
};

/* A mapped file is hashed through the mapping, a piece at a time, each
 * piece's pages given back once hashed: the readers give theirs back
 * behind them too, and a hash running ahead of them must not make the
 * whole file resident again.  (A page given back and read again comes
 * from the page cache; copying the file with read(2) instead costs more.) */
static void *hash_main(void *arg)
{
    struct ingest_hash *h = arg;
    if (!h->raw.mapped) {
        sha256_bytes(h->raw.data, h->raw.len, h->hex);
    } else {
        sha256_stream st;
        sha256_begin(&st);
        for (size_t at = 0; at < h->raw.len; at += INGEST_STEP) {
            size_t n = h->raw.len - at < INGEST_STEP ? h->raw.len - at : INGEST_STEP;
            sha256_more(&st, h->raw.data + at, n);
            give_back_pages(h->raw.data + at, h->raw.data + at + n);
        }
        sha256_end(&st, h->hex);
    }
    if (h->owns_bytes)
        release_bytes(&h->raw);
    return NULL;
}

static void hash_start(struct ingest_hash *h)
{
    h->threaded = h->raw.len >= SHA_THREAD_MIN && pthread_create(&h->thread, NULL, hash_main, h) == 0;
    if (!h->threaded)
        hash_main(h);
}

static void hash_join(struct ingest_hash *h)
{
    if (h->threaded)
        pthread_join(h->thread, NULL);
    h->threaded = false;
}

/* The reading is done with the bytes: the hash that ran beside it is
 * joined and the bytes released, or (HASH_AFTER) the hash starts now and
 * takes the bytes with it. */
static void bytes_done(const ingest_config *cfg, ingest_result *out, struct ingest_hash *h)
{
    if (cfg->hash == HASH_NONE) {
        release_bytes(&h->raw);
        return;
    }
    if (cfg->hash == HASH_BESIDE) {
        hash_join(h);
        memcpy(out->sha256, h->hex, sizeof out->sha256);
        release_bytes(&h->raw);
        return;
    }
    struct ingest_hash *later = xmalloc(sizeof *later);
    *later = *h;
    later->owns_bytes = true;
    out->hash = later;
    hash_start(later);
}

void ingest_hash_wait(ingest_result *r)
{
    if (!r->hash)
        return;
    hash_join(r->hash);
    memcpy(r->sha256, r->hash->hex, sizeof r->sha256);
    free(r->hash);
    r->hash = NULL;
}

int ingest_file(const ingest_config *cfg, reject_log *log, ingest_result *out)
{
    memset(out, 0, sizeof *out);
    const dataset_schema *ds = schema_find(cfg->dataset);
    if (!ds) {
        refuse(out, EX_DATAERR_, "%s: unknown dataset \"%s\"", cfg->name, cfg->dataset);
        return out->status;
    }
    const char *want = cfg->encoding ? encoding_canonical(cfg->encoding) : "auto";
    if (!want) {
        refuse(out, EX_DATAERR_, "%s: unsupported encoding \"%s\" (use utf-8, utf-16, windows-1252 "
               "or iso-8859-1)", cfg->name, cfg->encoding);
        return out->status;
    }
    file_bytes raw;
    int err = 0;
    if (!read_bytes(cfg->path, &raw, &err)) {
        refuse(out, EX_NOINPUT_, "%s: cannot open: %s", cfg->name, strerror(err));
        return out->status;
    }
    out->size = raw.len;
    struct ingest_hash hash = {.raw = raw};
    if (cfg->hash == HASH_BESIDE)
        hash_start(&hash);
    size_t len;
    bool owned;
    char *text = decode(raw.data, raw.len, want, out, &len, &owned);
    if (!text) {
        bytes_done(cfg, out, &hash);
        refuse(out, EX_DATAERR_, "%s: cannot convert from %s", cfg->name, out->encoding);
        return out->status;
    }
    /* Skip to the header line to look at its delimiters. */
    size_t pos = 0;
    for (int l = 1; l < (cfg->header_line > 0 ? cfg->header_line : 1) && pos < len; l++)
        pos += line_length(text + pos, len - pos);
    char delim = cfg->delimiter;
    if (!delim) {
        delim = sniff_delimiter(text + pos, len - pos);
        out->detected_delimiter = true;
    }
    out->delimiter = delim;

    reader rd = {.cfg = cfg, .ds = ds, .out = out, .log = log, .t = table_new(ds),
                 .key = ds->key ? schema_field_index(ds, ds->key) : -1,
                 .release_from = raw.mapped && !owned ? text : NULL,
                 .name = arena_strdup(log->mem, cfg->name)};
    size_t first_reject = log->n;
    parse_text(&rd, text, len, delim);
    if (owned)
        free(text);
    bytes_done(cfg, out, &hash);
    if (!rd.failed && !rd.header_done) {
        refuse(out, EX_DATAERR_, "%s: the file is empty (no header line%s)", cfg->name,
               cfg->header_line > 1 ? " at or after the configured header_line" : "");
        rd.failed = true;
    }
    record_free(&rd.rec);
    if (rd.failed) {
        numbers_free(&rd.ids);
        table_free(rd.t);
        return out->status;
    }
    drop_duplicate_ids(&rd);
    /* Rejects in file order, as one pass would have listed them. */
    if (log->n > first_reject)
        qsort(log->v + first_reject, log->n - first_reject, sizeof *log->v, reject_line_cmp);
    table_shrink(rd.t);
    table_finish(rd.t);
    out->table = rd.t;
    return 0;
}
