/*
 * xlsx_writer.c - the report, and the benchmark of several municipalities,
 * as Excel workbooks; see xlsx_writer.h.
 *
 * The report's sheets, in tab order:
 *
 *   summary         title block, one row per KPI (value, target, status with
 *                   a conditional fill, numerator, denominator, previous
 *                   period, same period last year, definition), and below it
 *                   a line chart per KPI of its twelve-month series
 *   monthly series  one block per KPI (month, value, target): the charts'
 *                   data, kept visible so the numbers behind a line are there
 *   comparison      when KPIs have reference values (county, KKiK, national):
 *                   a row per value as an Excel table, with our value, the
 *                   difference (percentage points for shares and changes)
 *                   and better/worse by the KPI's direction
 *   by <dimension>  one sheet per breakdown dimension (unit, gender, ...):
 *                   a row per key, value/numerator/denominator per KPI
 *   <list>          each KPI list as an Excel table (autofilter, frozen
 *                   header, real dates); its rows are written into the
 *                   finished file (see "streamed lists")
 *   data quality    warnings, the rule file, the input files and the
 *                   rejected rows
 *
 * The benchmark's sheets (xlsx_write_benchmark, at the end of this file):
 * side by side (a table of municipalities x KPIs, values coloured by the
 * status in grouped, hidden columns beside them), ranking (per KPI, with a
 * bar chart), reference values, and notes when the writer has warnings.
 * Both workbooks share the context, the text cleaning, formats, sheet
 * naming, tables and the checked write (xlsx_write).
 *
 * Errors.  Every libxlsxwriter call that can fail goes through xlsx_check(),
 * which keeps the first failure (naming the sheet and cell) in the context.
 * After a failure every later write is skipped, the workbook is freed
 * unwritten and xlsx_write_report returns -1 with that message.
 *
 * Checks.  A workbook counts as written only when libxlsxwriter's writes
 * to its temporary files all succeeded (it does not check them itself:
 * the writer gives it its temporary files, in the workbook's own folder,
 * see "temporary parts") and the finished file reads back whole: every
 * entry of the zip inflates to its size and CRC-32, every XML part starts
 * with its declaration and ends with its root element (xlsx_verify_file,
 * see "verify"); the lists' parts, deflated by the writer itself, read
 * back as the very bytes it deflated.  Else -1, and the file is removed.
 *
 * Text.  Every text that comes from the data goes through xlsx_put_text():
 * written with worksheet_write_string (never as a formula, even "=SUM(A1)"),
 * invalid UTF-8 replaced, cut at Excel's 32,767 characters with a warning on
 * the data-quality sheet.  A list's text gets the same cleaning
 * (xlsx_cell_text) and goes into its cell inline, as a string.
 *
 * History.  A trend value from the run history (a point of the series, the
 * previous period, the same period last year) is written in the twin of
 * its format in italics and XLSX_HIST_COLOUR (xlsx_hist_format), and the
 * sheet says what that means in a line above its table.
 *
 * Reproducibility.  The creation date is the report's `generated` time and
 * libxlsxwriter stamps its zip entries with a fixed date, so the same report
 * gives the same bytes (the lists' rows too, however many threads deflate
 * them).  Numbers are formatted under the C locale whatever the process has
 * set (libxlsxwriter formats them with printf), in the writer's threads too.
 */
#define _GNU_SOURCE                     /* fopencookie, mkostemp (temporary parts) */
#include "xlsx_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zlib.h>

#include "date.h"
#include "util.h"

#define XLSX_LAST_ROW 1048575u          /* last row index of a sheet */
#define XLSX_LAST_COL 16383u            /* last column index */
#define XLSX_MAX_CUT_WARNINGS 200       /* cut-text warnings named one by one */
#define XLSX_CHART_ROWS 16              /* rows a chart and its gap take */
#define XLSX_FIRST_DAY (-25567)         /* 1900-01-01, the first day Excel shows */
#define XLSX_LAST_DAY 2932896           /* 9999-12-31, the last (date_from_ymd) */

typedef struct {
    lxw_format *title, *subtitle, *bold, *head, *head_num, *head_title, *text, *center, *wrap;
    lxw_format *wrap_indent;
    lxw_format *italic, *none, *integer, *int_left, *int_center, *plain_int, *decimal, *percent;
    lxw_format *change, *date, *date_left, *datetime;
    lxw_format *diff_pp, *diff_int, *diff_dec;   /* signed differences */
    lxw_format *right_bold, *right, *indent, *id_small;
    lxw_format *cf[4];                  /* conditional fills, indexed by kpi_status */
    /* Values from the run history (see xlsx_hist_format) and the legend
     * line that says so, itself in that style. */
    lxw_format *hist_percent, *hist_change, *hist_integer, *hist_decimal, *hist_none, *hist_note;
} xlsx_formats;

/* A list's text with escapes: it goes into the shared strings table. */
typedef struct {
    size_t cell;                        /* row * ncols + column in the list */
    uint32_t index;                     /* in the shared strings table */
} xlsx_shared;

/* The texts of one column of a list by address (texts repeat: the same
 * pooled string), the first XLSX_TEXTS_MAX different ones of the column:
 * the cells that hold each and, once it has one, its index in the shared
 * strings table.  A small open-addressing table, so that it stays in the
 * cache: a table of every text of 130,000 rows (their ids) cost more
 * time in cache misses than the smaller XML saved.  Which texts it holds
 * depends only on their order, never on their addresses.  Read only
 * while the rows are written. */
#define XLSX_TEXTS_MAX 4096
#define XLSX_TEXTS_SLOTS (2 * XLSX_TEXTS_MAX)

typedef struct {
    const char *s;                      /* NULL: a free slot */
    uint32_t cells;
    uint32_t sst;                       /* index + 1; 0: the text goes inline */
} xlsx_text_slot;

typedef struct {
    xlsx_text_slot *slots;              /* XLSX_TEXTS_SLOTS of them */
    size_t n;
} xlsx_texts;

/* A KPI list whose rows are written straight into the sheet's XML after
 * libxlsxwriter has written the workbook (see "streamed lists"). */
typedef struct {
    const item_list *il;
    size_t nrows;                       /* rows that fit on the sheet */
    unsigned sheet;                     /* n of xl/worksheets/sheet<n>.xml */
    lxw_row_t first;                    /* row index of the first data row */
    int32_t xf_date, xf_int, xf_text;   /* style indices: dates, numbers, dates as text */
    xlsx_shared *shared;                /* texts with escapes, in cell order */
    size_t nshared;
    xlsx_texts *texts;                  /* per column: its texts, and the repeated ones' indices */
    unsigned char *text;                /* per cell: XLSX_T_ flags of its text */
    /* Once spliced: the CRC-32 and size of the part's deflated bytes as
     * they were written, for the check of the finished file (see "verify"). */
    bool spliced;
    uLong zcrc;
    uint64_t zlen;
} xlsx_stream;

/* What a list's text needs (found once, before the workbook is written). */
enum { XLSX_T_CLEAN = 1, XLSX_T_MARKUP = 2, XLSX_T_SHARED = 4, XLSX_T_REPEATED = 8 };

typedef struct {
    const report *r;                    /* the report, or NULL for a benchmark */
    const benchmark *b;                 /* the benchmark, or NULL for a report */
    const labels *l;
    const char *path;
    lxw_workbook *wb;
    xlsx_formats f;
    arena mem;                          /* cleaned names, warning texts */
    strbuf cell;                        /* scratch: cleaned text of one cell */
    const char **names;                 /* sheet names taken, case-folded */
    size_t nnames;
    const char *sheet;                  /* sheet being written, for messages */
    const char **warnings;              /* the writer's own warnings */
    size_t nwarnings;
    size_t ncut, nbad;                  /* cells cut / with invalid UTF-8 */
    bool noting;                        /* count cuts and bad cells as written */
    bool failed;
    char *err;
    size_t errlen;
    const char *header, *footer;        /* page header and footer codes */
    const char *subtitle;               /* under each sheet's title */
    const char *dates;                  /* a benchmark's as-of and generation dates */
    unsigned nsheets;                   /* worksheets added so far */
    xlsx_stream *streams;               /* lists to write into the finished file */
    size_t nstreams;
    locale_t cloc;                      /* the C locale, for the writer's threads */
} xlsx_ctx;

/* ================================================================ errors */

/* Keeps the first failure as the message of the whole write. */
static void xlsx_fail(xlsx_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xlsx_fail(xlsx_ctx *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    if (!c->err || !c->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
}

/* Turns a libxlsxwriter error about something on the current sheet (what)
 * into the message.  True when all is still well. */
static bool xlsx_ok(xlsx_ctx *c, lxw_error e, const char *what)
{
    if (e != LXW_NO_ERROR)
        xlsx_fail(c, "%s: sheet '%s': %s: %s", c->path, c->sheet ? c->sheet : "", what,
                  lxw_strerror(e));
    return !c->failed;
}

/* The same for an error at a cell: the message names the cell ("C7"). */
static bool xlsx_check(xlsx_ctx *c, lxw_error e, lxw_row_t row, lxw_col_t col)
{
    if (e == LXW_NO_ERROR)
        return !c->failed;
    char ref[LXW_MAX_CELL_NAME_LENGTH];
    lxw_rowcol_to_cell(ref, row, col);
    char what[48];
    snprintf(what, sizeof what, "cell %s", ref);
    return xlsx_ok(c, e, what);
}

/* ================================================================ text */

/* Length of the UTF-8 sequence that lead byte b starts; 0 when none can. */
static size_t xlsx_seq_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if ((b & 0xF0) == 0xE0)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

/* The code point at s[i] of s[0..n) and its length in bytes.  A byte that
 * does not start a valid sequence reads as U+FFFD of length 1 (*bad set), so
 * a caller never cuts inside a character and never passes on a bad byte. */
static size_t xlsx_next(const char *s, size_t n, size_t i, uint32_t *cp, bool *bad)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t len = xlsx_seq_len(u[0]);
    if (len == 0 || len > n - i || utf8_valid_prefix((const char *)u, len) != len) {
        *cp = 0xFFFD;
        *bad = true;
        return 1;
    }
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t v = u[0] & lead_mask[len];
    for (size_t k = 1; k < len; k++)
        v = (v << 6) | (u[k] & 0x3F);
    *cp = v;
    return len;
}

/* True when s[i..n) starts "_xHHHH_": Excel reads that as an escaped
 * character, so a literal one in the data must itself be escaped. */
static bool xlsx_is_escape(const char *s, size_t n, size_t i)
{
    if (n - i < 7 || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_')
        return false;
    for (size_t k = 2; k < 6; k++)
        if (!strchr("0123456789abcdefABCDEF", s[i + k]) || !s[i + k])
            return false;
    return true;
}

typedef struct {
    size_t units;       /* UTF-16 units of the whole text, cut or not */
    size_t chars;       /* its characters (code points) */
    bool cut;           /* the text was longer than allowed */
    bool bad;           /* it held invalid UTF-8 or a non-character */
    bool escape;        /* in a cell, the file holds it with _xHHHH_ escapes
                         * (control characters, a literal "_xHHHH_") */
    bool markup;        /* it has & < or > (set by xlsx_cell_plain only) */
} xlsx_text_info;

/* Appends code point cp (its original bytes s[0..len)) to out as it must
 * appear in the file; see xlsx_clean. */
static void xlsx_emit(strbuf *out, const char *s, size_t len, uint32_t cp, bool bad, bool in_cell,
                      bool esc)
{
    if (bad || cp == 0xFFFE || cp == 0xFFFF)
        strbuf_adds(out, "\xEF\xBF\xBD");
    else if (!in_cell && (cp < 0x20 || cp == 0x7F))
        strbuf_addc(out, ' ');
    else if (esc)
        strbuf_adds(out, "_x005F_");
    else
        strbuf_add(out, s, len);
}

/*
 * Cleans s for the workbook, appending it to out: bytes that are not valid
 * UTF-8 and the non-characters U+FFFE/U+FFFF (not allowed in XML) become
 * U+FFFD.  In a cell (in_cell true) a literal "_xHHHH_" is written as
 * "_x005F_xHHHH_" so Excel shows it as it stands; elsewhere (names, titles)
 * control characters become spaces.  Stops before max UTF-16 units, never
 * inside a character, and then sets info->cut; the string handed on also
 * stays within max code points, the limit libxlsxwriter checks.
 */
static void xlsx_clean(strbuf *out, const char *s, size_t max, bool in_cell, xlsx_text_info *info)
{
    size_t n = strlen(s), i = 0, units = 0, passed = 0;
    *info = (xlsx_text_info){0};
    while (i < n) {
        uint32_t cp;
        bool bad = false;
        size_t len = xlsx_next(s, n, i, &cp, &bad);
        size_t u = cp >= 0x10000 ? 2 : 1;
        bool esc = in_cell && cp == '_' && xlsx_is_escape(s, n, i);
        size_t p = esc ? 7 : 1;
        info->units += u;
        info->chars++;
        info->bad |= bad || cp == 0xFFFE || cp == 0xFFFF;
        info->escape |= in_cell && (esc || (cp < 0x20 && cp != '\t' && cp != '\n'));
        if (!info->cut && (units + u > max || passed + p > max))
            info->cut = true;
        if (!info->cut) {
            xlsx_emit(out, s + i, len, cp, bad, in_cell, esc);
            units += u;
            passed += p;
        }
        i += len;
    }
}

/* True when s (NUL-terminated) starts "_xHHHH_"; reads no further than
 * its NUL, which is neither a hex digit nor '_'. */
static bool xlsx_is_escape_z(const unsigned char *s)
{
    if (s[0] != '_' || s[1] != 'x')
        return false;
    for (size_t k = 2; k < 6; k++)
        if (!((s[k] >= '0' && s[k] <= '9') || ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'f')))
            return false;
    return s[6] == '_';
}

/*
 * True when s needs no change in a cell: valid UTF-8 without U+FFFE,
 * U+FFFF or a literal "_xHHHH_", within XLSX_MAX_CELL_CHARS UTF-16 units;
 * then info is what xlsx_clean would say of it.  One pass, no copy: the
 * case of nearly every cell (names, ids, Nordic and Sámi text).  Reads s
 * only up to its NUL (which is no continuation byte).
 */
static bool xlsx_cell_plain(const char *s, xlsx_text_info *info)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;
    size_t units = 0, chars = 0;
    bool escape = false, markup = false;
    while (*p) {
        if (*p < 0x80) {
            if (*p == '_' && xlsx_is_escape_z(p))
                return false;
            escape |= *p < 0x20 && *p != '\t' && *p != '\n';
            markup |= *p == '&' || *p == '<' || *p == '>';
            p++;
            units++;
        } else {
            size_t len = xlsx_seq_len(*p);
            if (len == 0)
                return false;
            uint32_t cp = *p & lead_mask[len];
            for (size_t k = 1; k < len; k++) {
                if ((p[k] & 0xC0) != 0x80)
                    return false;
                cp = (cp << 6) | (p[k] & 0x3F);
            }
            if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
                cp == 0xFFFE || cp == 0xFFFF)
                return false;
            p += len;
            units += len == 4 ? 2 : 1;
        }
        chars++;
        if (units > XLSX_MAX_CELL_CHARS)
            return false;
    }
    *info = (xlsx_text_info){.units = units, .chars = chars, .escape = escape, .markup = markup};
    return true;
}

/* The text for a cell: s itself when it needs no change (xlsx_cell_plain),
 * else a cleaned copy in c->cell, valid until the next call. */
static const char *xlsx_cell_text(xlsx_ctx *c, const char *s, xlsx_text_info *info)
{
    if (xlsx_cell_plain(s, info))
        return s;
    strbuf_reset(&c->cell);
    xlsx_clean(&c->cell, s, XLSX_MAX_CELL_CHARS, true, info);
    return strbuf_cstr(&c->cell);
}

/* A cleaned copy of s for names and titles (control characters as spaces),
 * at most max characters, ending in "…" when cut.  Lives in the arena. */
static const char *xlsx_plain(xlsx_ctx *c, const char *s, size_t max)
{
    strbuf b = {0};
    xlsx_text_info info;
    xlsx_clean(&b, s ? s : "", max, false, &info);
    if (info.cut) {
        strbuf_reset(&b);
        xlsx_clean(&b, s, max - 1, false, &info);
        strbuf_adds(&b, "\u2026");
    }
    const char *out = arena_strdup(&c->mem, strbuf_cstr(&b));
    strbuf_free(&b);
    return out;
}

/* s with every '&' doubled, for page headers and footers where '&' starts a
 * control code.  Lives in the arena. */
static const char *xlsx_amp(xlsx_ctx *c, const char *s)
{
    strbuf b = {0};
    for (; *s; s++) {
        if (*s == '&')
            strbuf_addc(&b, '&');
        strbuf_addc(&b, *s);
    }
    const char *out = arena_strdup(&c->mem, strbuf_cstr(&b));
    strbuf_free(&b);
    return out;
}

/* Characters (code points) of valid UTF-8 text s, for column widths. */
static size_t xlsx_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* Lines that text s takes when wrapped at per characters a line, word by
 * word as Excel does (a word longer than a line is broken), counting
 * explicit line breaks; at most 20.  An estimate, since neither Excel nor
 * LibreOffice fits row heights to wrapped text when opening a file. */
static size_t xlsx_lines(const char *s, size_t per)
{
    size_t lines = 1, col = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p && lines < 20) {
        if (*p == '\n' || *p == ' ') {
            lines += *p == '\n';
            col = *p == '\n' ? 0 : col + 1;
            p++;
            continue;
        }
        size_t word = 0;
        const unsigned char *q = p;
        for (; *q && *q != ' ' && *q != '\n'; q++)
            word += (*q & 0xC0) != 0x80;
        if (col > 0 && col + word > per) {
            lines++;
            col = 0;
        }
        for (; per && word > per && lines < 20; word -= per)
            lines++;
        col += word;
        p = q;
    }
    return lines < 20 ? lines : 20;
}

/* label(l, key) when the labels have the key, else NULL (label() would
 * give back the key itself). */
static const char *xlsx_label_or_null(const xlsx_ctx *c, const char *key)
{
    const char *t = label(c->l, key);
    return t == key ? NULL : t;
}

/* The label prefix+name ("col." "due"), or fallback when there is none. */
static const char *xlsx_label2(xlsx_ctx *c, const char *prefix, const char *name,
                               const char *fallback)
{
    const char *key = arena_printf(&c->mem, "%s%s", prefix, name ? name : "");
    const char *t = xlsx_label_or_null(c, key);
    return t ? t : fallback;
}

#define L(key) label(c->l, key)

/* ================================================================ warnings */

/* Adds one of the writer's own warnings (shown on the data-quality sheet). */
static void xlsx_warn(xlsx_ctx *c, const char *text)
{
    c->warnings = xrealloc(c->warnings, (c->nwarnings + 1) * sizeof *c->warnings);
    c->warnings[c->nwarnings++] = text;
}

/* Counts a cell whose text was cut or held invalid UTF-8; the first
 * XLSX_MAX_CUT_WARNINGS cuts get a warning naming where (the rest are
 * counted and summed up on the data-quality sheet). */
static void xlsx_note(xlsx_ctx *c, const xlsx_text_info *info, const char *where)
{
    if (!c->noting)
        return;
    c->nbad += info->bad;
    if (!info->cut)
        return;
    if (c->ncut++ < XLSX_MAX_CUT_WARNINGS)
        xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", where, L("xlsx.warning.cut"),
                                  info->chars));
}

/* "Sheet!C7", for warnings about a cell. */
static const char *xlsx_where(xlsx_ctx *c, lxw_row_t row, lxw_col_t col)
{
    char ref[LXW_MAX_CELL_NAME_LENGTH];
    lxw_rowcol_to_cell(ref, row, col);
    return arena_printf(&c->mem, "%s!%s", c->sheet ? c->sheet : "", ref);
}

/* ================================================================ cells */

/* Writes text from the data into a cell, always as a string (never a
 * formula), cleaned and cut to fit; empty text leaves the cell blank. */
static void xlsx_put_text(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                          const char *s, lxw_format *fmt)
{
    if (c->failed || !s || !*s)
        return;
    xlsx_text_info info;
    const char *t = xlsx_cell_text(c, s, &info);
    if (info.cut || info.bad)
        xlsx_note(c, &info, xlsx_where(c, row, col));
    xlsx_check(c, worksheet_write_string(ws, row, col, t, fmt), row, col);
}

/* Writes a number; a NaN or infinity (which libxlsxwriter would write as a
 * broken "nan") becomes the "no value" dash in the format none. */
static void xlsx_put_number_or(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                               double v, lxw_format *fmt, lxw_format *none)
{
    if (c->failed)
        return;
    if (!isfinite(v)) {
        xlsx_put_text(c, ws, row, col, L("none"), none);
        return;
    }
    xlsx_check(c, worksheet_write_number(ws, row, col, v, fmt), row, col);
}

/* Writes a number; a NaN or infinity becomes the "no value" dash. */
static void xlsx_put_number(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                            double v, lxw_format *fmt)
{
    xlsx_put_number_or(c, ws, row, col, v, fmt, c->f.none);
}

/* Writes a number that may be absent: absent shows the "no value" dash. */
static void xlsx_put_maybe(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                           maybe m, lxw_format *fmt)
{
    if (m.present)
        xlsx_put_number(c, ws, row, col, m.v, fmt);
    else
        xlsx_put_text(c, ws, row, col, L("none"), c->f.none);
}

/* Excel's serial number of day (1900-01-01 to 9999-12-31): days since
 * 1899-12-31, plus Excel's phantom 29 February 1900 from March 1900 on:
 * for every day from 1900-01-01 to 9999-12-31 the very number that
 * worksheet_write_datetime stores (lxw_datetime_to_excel_date_epoch),
 * without building a date and converting it per cell. */
static double xlsx_excel_day(int32_t day)
{
    static const int32_t d1899_12_31 = -25568, d1900_03_01 = -25508;   /* date_from_ymd */
    return (double)(day - d1899_12_31 + (day >= d1900_03_01));
}

/* Writes a day number as a real Excel date; days Excel cannot show
 * (before 1900, after 9999) are written as ISO text. */
static void xlsx_put_date(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                          int32_t day, lxw_format *fmt)
{
    if (c->failed || day == DATE_NONE)
        return;
    if (day < XLSX_FIRST_DAY || day > XLSX_LAST_DAY) {
        char iso[16];
        date_format_iso(day, iso);
        xlsx_put_text(c, ws, row, col, iso, c->f.text);
        return;
    }
    xlsx_check(c, worksheet_write_number(ws, row, col, xlsx_excel_day(day), fmt), row, col);
}

/* Sets the width of columns first..last (in characters). */
static void xlsx_width(xlsx_ctx *c, lxw_worksheet *ws, lxw_col_t first, lxw_col_t last,
                       double width)
{
    if (!c->failed)
        xlsx_ok(c, worksheet_set_column(ws, first, last, width, NULL), "column width");
}

/* ================================================================ formats */

enum {
    XF_BOLD = 1, XF_WRAP = 2, XF_ITALIC = 4, XF_RIGHT = 8, XF_CENTER = 16,
    XF_HEAD = 32, XF_TITLE = 64, XF_GREY = 128, XF_LEFT = 256, XF_INDENT = 512,
    XF_HIST = 1024
};

/* The font colour of values from the run history (with italics). */
#define XLSX_HIST_COLOUR 0x2F5597

/* A new cell format with the given number format (or NULL) and XF_ flags;
 * every format aligns to the top so tall wrapped rows read well. */
static lxw_format *xlsx_format(xlsx_ctx *c, const char *num, unsigned flags)
{
    lxw_format *f = c->failed ? NULL : workbook_add_format(c->wb);
    if (!f) {
        xlsx_fail(c, "%s: cannot create a cell format (out of memory?)", c->path);
        return NULL;
    }
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    if (num)
        format_set_num_format(f, num);
    if (flags & (XF_BOLD | XF_HEAD | XF_TITLE))
        format_set_bold(f);
    if (flags & XF_WRAP)
        format_set_text_wrap(f);
    if (flags & XF_ITALIC)
        format_set_italic(f);
    if (flags & XF_RIGHT)
        format_set_align(f, LXW_ALIGN_RIGHT);
    if (flags & XF_CENTER)
        format_set_align(f, LXW_ALIGN_CENTER);
    if (flags & XF_LEFT)
        format_set_align(f, LXW_ALIGN_LEFT);
    if (flags & XF_INDENT)
        format_set_indent(f, 1);
    if (flags & XF_GREY)
        format_set_font_color(f, 0x595959);
    if (flags & XF_HIST) {
        format_set_italic(f);
        format_set_font_color(f, XLSX_HIST_COLOUR);
    }
    if (flags & XF_TITLE)
        format_set_font_size(f, 14);
    if (flags & XF_HEAD) {
        format_set_bg_color(f, 0xDDEBF7);
        format_set_bottom(f, LXW_BORDER_THIN);
        format_set_text_wrap(f);
    }
    return f;
}

/* A fill for the status conditional format: background and font colour. */
static lxw_format *xlsx_fill(xlsx_ctx *c, lxw_color_t bg, lxw_color_t fg)
{
    lxw_format *f = c->failed ? NULL : workbook_add_format(c->wb);
    if (!f) {
        xlsx_fail(c, "%s: cannot create a cell format (out of memory?)", c->path);
        return NULL;
    }
    format_set_bg_color(f, bg);
    format_set_font_color(f, fg);
    return f;
}

/* The formats of the workbook.  Number formats use Excel's own codes ('.'
 * and ',' are shown as the reader's locale has them); nb and sv put a space
 * before the percent sign, as they write it.  Returns false on failure. */
static bool xlsx_make_formats(xlsx_ctx *c)
{
    bool en = strcmp(labels_language(c->l), "en") == 0;
    bool nb = strcmp(labels_language(c->l), "nb") == 0;
    xlsx_formats *f = &c->f;
    f->title = xlsx_format(c, NULL, XF_TITLE);
    f->subtitle = xlsx_format(c, NULL, XF_GREY);
    f->bold = xlsx_format(c, NULL, XF_BOLD);
    f->head = xlsx_format(c, NULL, XF_HEAD);
    f->head_num = xlsx_format(c, NULL, XF_HEAD | XF_RIGHT);
    f->head_title = xlsx_format(c, NULL, XF_HEAD | XF_CENTER);
    f->text = xlsx_format(c, NULL, 0);
    f->center = xlsx_format(c, NULL, XF_CENTER);
    f->wrap = xlsx_format(c, NULL, XF_WRAP);
    f->wrap_indent = xlsx_format(c, NULL, XF_WRAP | XF_INDENT);
    f->italic = xlsx_format(c, NULL, XF_ITALIC | XF_GREY);
    f->none = xlsx_format(c, NULL, XF_RIGHT | XF_GREY);
    f->integer = xlsx_format(c, "#,##0", 0);
    f->int_left = xlsx_format(c, "#,##0", XF_LEFT);
    f->int_center = xlsx_format(c, "0", XF_CENTER);
    f->plain_int = xlsx_format(c, "0", 0);
    f->decimal = xlsx_format(c, "#,##0.00", 0);
    f->percent = xlsx_format(c, en ? "0.0%" : "0.0 %", 0);
    f->change = xlsx_format(c, en ? "+0.0%;-0.0%;0.0%" : "+0.0 %;-0.0 %;0.0 %", 0);
    f->date = xlsx_format(c, nb ? "dd.mm.yyyy" : "yyyy-mm-dd", XF_CENTER);
    f->date_left = xlsx_format(c, nb ? "dd.mm.yyyy" : "yyyy-mm-dd", XF_LEFT);
    f->datetime = xlsx_format(c, nb ? "dd.mm.yyyy hh:mm \"UTC\"" : "yyyy-mm-dd hh:mm \"UTC\"",
                              XF_LEFT);
    /* Percentage points: the unit in quotes (a literal, never scaling). */
    strbuf pp = {0};
    for (const char *p = L("xlsx.unit.pp"); *p; p++)
        if (*p != '"' && *p != '\\')
            strbuf_addc(&pp, *p);
    const char *u = strbuf_cstr(&pp);
    f->diff_pp = xlsx_format(c, arena_printf(&c->mem, "+0.0\" %s\";-0.0\" %s\";0.0\" %s\"", u, u, u), 0);
    strbuf_free(&pp);
    f->diff_int = xlsx_format(c, "+#,##0;-#,##0;0", 0);
    f->diff_dec = xlsx_format(c, "+#,##0.00;-#,##0.00;0.00", 0);
    f->right_bold = xlsx_format(c, NULL, XF_BOLD | XF_RIGHT);
    f->right = xlsx_format(c, NULL, XF_RIGHT);
    f->indent = xlsx_format(c, NULL, XF_INDENT);
    f->id_small = xlsx_format(c, NULL, XF_RIGHT | XF_GREY | XF_WRAP);
    if (f->id_small)
        format_set_font_size(f->id_small, 8);
    /* Twins of the value formats for values from the run history; like
     * every format, written to the file only where a cell uses them. */
    f->hist_percent = xlsx_format(c, en ? "0.0%" : "0.0 %", XF_HIST);
    f->hist_change = xlsx_format(c, en ? "+0.0%;-0.0%;0.0%" : "+0.0 %;-0.0 %;0.0 %", XF_HIST);
    f->hist_integer = xlsx_format(c, "#,##0", XF_HIST);
    f->hist_decimal = xlsx_format(c, "#,##0.00", XF_HIST);
    f->hist_none = xlsx_format(c, NULL, XF_RIGHT | XF_HIST);
    f->hist_note = xlsx_format(c, NULL, XF_HIST);
    f->cf[STATUS_NONE] = xlsx_fill(c, 0xEDEDED, 0x595959);
    f->cf[STATUS_GREEN] = xlsx_fill(c, 0xC6EFCE, 0x006100);
    f->cf[STATUS_YELLOW] = xlsx_fill(c, 0xFFEB9C, 0x9C5700);
    f->cf[STATUS_RED] = xlsx_fill(c, 0xFFC7CE, 0x9C0006);
    return !c->failed;
}

/* The format for a KPI value of the given kind: shares as percent, changes
 * as signed percent, counts as integers (with decimals if they have any). */
static lxw_format *xlsx_value_format(const xlsx_ctx *c, kpi_kind kind, maybe v)
{
    if (kind == KPI_SHARE)
        return c->f.percent;
    if (kind == KPI_CHANGE)
        return c->f.change;
    return v.present && v.v != floor(v.v) ? c->f.decimal : c->f.integer;
}

/* The twin of value format f for a value from the run history: the same
 * number format in italics and the history colour. */
static lxw_format *xlsx_hist_format(const xlsx_ctx *c, lxw_format *f)
{
    const xlsx_formats *x = &c->f;
    return f == x->percent ? x->hist_percent
         : f == x->change ? x->hist_change
         : f == x->integer ? x->hist_integer
         : f == x->decimal ? x->hist_decimal
         : f == x->none ? x->hist_none : f;
}

/* Writes a trend value (previous period, same period last year, a point
 * of a series) in format fmt, or in its history twin when it came from
 * the run history; absent shows the dash, in the history style too. */
static void xlsx_put_trend(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, maybe m,
                           lxw_format *fmt, bool from_history)
{
    lxw_format *none = from_history ? c->f.hist_none : c->f.none;
    if (from_history)
        fmt = xlsx_hist_format(c, fmt);
    if (m.present)
        xlsx_put_number_or(c, ws, row, col, m.v, fmt, none);
    else
        xlsx_put_text(c, ws, row, col, L("none"), none);
}

/* The format for a numerator or denominator: a count. */
static lxw_format *xlsx_count_format(const xlsx_ctx *c, maybe v)
{
    return v.present && v.v != floor(v.v) ? c->f.decimal : c->f.integer;
}

/* ================================================================ sheets */

/* True when the folded name is taken (or reserved by Excel: "History"). */
static bool xlsx_name_taken(const xlsx_ctx *c, const char *folded)
{
    if (strcmp(folded, "history") == 0)
        return true;
    for (size_t i = 0; i < c->nnames; i++)
        if (strcmp(c->names[i], folded) == 0)
            return true;
    return false;
}

/* Appends want, made a valid sheet name of at most room UTF-16 units, to
 * out: none of []:*?/\ (each becomes '-'), no apostrophe (’ instead, as
 * chart references quote names with '), no control characters, no spaces
 * at either end. */
static void xlsx_sheet_base(const char *want, size_t room, strbuf *out)
{
    strbuf tmp = {0};
    xlsx_text_info info;
    xlsx_clean(&tmp, want ? want : "", 256, false, &info);
    const char *s = strbuf_cstr(&tmp);
    while (*s == ' ')
        s++;
    size_t units = 0, start = out->len;
    for (size_t i = 0; s[i];) {
        size_t len = xlsx_seq_len((unsigned char)s[i]);   /* cleaned: valid */
        size_t u = len == 4 ? 2 : 1;
        if (units + u > room)
            break;
        if (len == 1 && strchr("[]:*?/\\", s[i]))
            strbuf_addc(out, '-');
        else if (s[i] == '\'')
            strbuf_adds(out, "\u2019");
        else
            strbuf_add(out, s + i, len);
        units += u;
        i += len;
    }
    while (out->len > start && out->data[out->len - 1] == ' ')
        out->len--;
    strbuf_cstr(out);
    strbuf_free(&tmp);
}

/* A valid sheet name from want, unique in the workbook (Excel compares
 * names without regard to case; so does libxlsxwriter, asked as well):
 * "Name", then "Name (2)", "Name (3)", ... cut so the suffix fits.  Lives
 * in the arena. */
static const char *xlsx_sheet_name(xlsx_ctx *c, const char *want)
{
    for (int k = 1;; k++) {
        char suffix[16] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, " (%d)", k);
        size_t room = XLSX_MAX_SHEET_NAME - strlen(suffix);
        strbuf b = {0};
        xlsx_sheet_base(want, room, &b);
        if (b.len == 0)
            xlsx_sheet_base(L("xlsx.sheet.fallback"), room, &b);
        if (b.len == 0)
            strbuf_adds(&b, "Sheet");
        strbuf_adds(&b, suffix);
        char *folded = utf8_fold(b.data, b.len);
        bool taken = xlsx_name_taken(c, folded) ||
                     workbook_validate_sheet_name(c->wb, b.data) == LXW_ERROR_SHEETNAME_ALREADY_USED;
        if (!taken) {
            c->names = xrealloc(c->names, (c->nnames + 1) * sizeof *c->names);
            c->names[c->nnames++] = arena_strdup(&c->mem, folded);
        }
        const char *name = taken ? NULL : arena_strdup(&c->mem, b.data);
        free(folded);
        strbuf_free(&b);
        if (name)
            return name;
    }
}

/* Print set-up every sheet shares: A4 landscape, fit to one page wide,
 * the municipality and report in the header, sheet and "page x of y" in
 * the footer. */
static void xlsx_page_setup(xlsx_ctx *c, lxw_worksheet *ws)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);         /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.5, 0.5, 0.75, 0.75);
    xlsx_ok(c, worksheet_set_header(ws, c->header), "page header");
    xlsx_ok(c, worksheet_set_footer(ws, c->footer), "page footer");
}

/* Adds a worksheet named after want (made valid and unique) with the
 * shared print set-up; NULL (and the message) on failure. */
static lxw_worksheet *xlsx_add_sheet(xlsx_ctx *c, const char *want)
{
    if (c->failed)
        return NULL;
    const char *name = xlsx_sheet_name(c, want);
    lxw_error e = workbook_validate_sheet_name(c->wb, name);
    if (e != LXW_NO_ERROR) {
        xlsx_fail(c, "%s: sheet name '%s': %s", c->path, name, lxw_strerror(e));
        return NULL;
    }
    lxw_worksheet *ws = workbook_add_worksheet(c->wb, name);
    if (!ws) {
        xlsx_fail(c, "%s: cannot add the sheet '%s'", c->path, name);
        return NULL;
    }
    c->nsheets++;                       /* its part: xl/worksheets/sheet<nsheets>.xml */
    c->sheet = name;
    xlsx_page_setup(c, ws);
    return c->failed ? NULL : ws;
}

/* Writes a row of column headers from first_col on; the first `left` of
 * them align left (text columns), the rest right (number columns). */
static void xlsx_put_heads(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t first_col,
                           const char *const *heads, size_t n, size_t left)
{
    for (size_t i = 0; i < n; i++)
        xlsx_put_text(c, ws, row, first_col + (lxw_col_t)i, heads[i],
                      i < left ? c->f.head : c->f.head_num);
}

/* The sheet's title (row 0) and under it the subtitle: the municipality
 * and period of a report, the number of municipalities and the period of a
 * benchmark. */
static void xlsx_sheet_title(xlsx_ctx *c, lxw_worksheet *ws, const char *title)
{
    xlsx_put_text(c, ws, 0, 0, title, c->f.title);
    xlsx_put_text(c, ws, 1, 0, c->subtitle, c->f.subtitle);
}

/* ================================================================ summary */

enum { S_TITLE, S_ID, S_VALUE, S_DIR, S_TARGET, S_STATUS, S_NUM, S_DEN, S_PREV, S_LAST, S_DEF,
       S_NCOLS };

static const double xlsx_summary_widths[S_NCOLS] = {36, 28, 11, 9, 10, 14, 10, 10, 15, 15, 60};

#define XLSX_SUMMARY_HEAD_ROW 5         /* table header row of the summary */

/* "Forrige periode (2026-09)" when every KPI compares with the same period,
 * else just the label. */
static const char *xlsx_trend_head(xlsx_ctx *c, const char *key, bool last_year)
{
    const report *r = c->r;
    const char *id = NULL;
    for (size_t i = 0; i < r->nkpis; i++) {
        const char *p = last_year ? r->kpis[i].last_year_id : r->kpis[i].previous_id;
        if (!*p || (id && strcmp(id, p) != 0))
            return L(key);
        id = p;
    }
    return id ? arena_printf(&c->mem, "%s (%s)", L(key), id) : L(key);
}

/* The period in words: "oktober 2026 (01.10.2026–31.10.2026)". */
static const char *xlsx_period_text(xlsx_ctx *c, const period *p)
{
    char a[16], b[16];
    labels_fmt_date(c->l, p->start, a);
    labels_fmt_date(c->l, p->end, b);
    if (p->kind == PERIOD_MONTH)
        return arena_printf(&c->mem, "%s %d (%s\u2013%s)", labels_month_name(c->l, p->index),
                            p->year, a, b);
    return arena_printf(&c->mem, "%s (%s\u2013%s)", p->id, a, b);
}

/* The summary's title block: report and municipality, period, as-of date
 * and when the report was generated (UTC). */
static void xlsx_summary_head(xlsx_ctx *c, lxw_worksheet *ws)
{
    const report *r = c->r;
    const char *title = r->title && *r->title ? r->title : L("report.title");
    xlsx_put_text(c, ws, 0, 0, arena_printf(&c->mem, "%s \u2013 %s", title, r->name ? r->name : ""),
                  c->f.title);
    xlsx_put_text(c, ws, 1, 0, L("report.period"), c->f.bold);
    xlsx_put_text(c, ws, 1, 1, xlsx_period_text(c, &r->period), c->f.text);
    xlsx_put_text(c, ws, 2, 0, L("report.as_of"), c->f.bold);
    xlsx_put_date(c, ws, 2, 1, r->as_of, c->f.date_left);
    xlsx_put_text(c, ws, 3, 0, L("report.generated"), c->f.bold);
    struct tm tm;
    time_t t = r->generated;
    if (gmtime_r(&t, &tm) && tm.tm_year + 1900 >= 1900 && tm.tm_year + 1900 <= 9999) {
        lxw_datetime dt = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                           tm.tm_sec};
        xlsx_check(c, worksheet_write_datetime(ws, 3, 1, &dt, c->f.datetime), 3, 1);
    }
}

/* The summary table's header row. */
static void xlsx_summary_heads(xlsx_ctx *c, lxw_worksheet *ws)
{
    const char *heads[S_NCOLS] = {
        L("col.kpi"), L("xlsx.col.kpi_id"), L("col.value"), L("col.direction"),
        L("col.target"), L("col.status"), L("col.numerator"), L("col.denominator"),
        xlsx_trend_head(c, "col.previous", false), xlsx_trend_head(c, "col.last_year", true),
        L("xlsx.col.definition")};
    for (lxw_col_t i = 0; i < S_NCOLS; i++) {
        bool num = i == S_VALUE || i == S_TARGET || i == S_NUM || i == S_DEN || i == S_PREV ||
                   i == S_LAST;
        bool mid = i == S_DIR || i == S_STATUS;
        xlsx_put_text(c, ws, XLSX_SUMMARY_HEAD_ROW, i, heads[i],
                      num ? c->f.head_num : mid ? c->f.head_title : c->f.head);
        xlsx_width(c, ws, i, i, xlsx_summary_widths[i]);
    }
    /* Two lines: the trend headers carry their period. */
    xlsx_check(c, worksheet_set_row(ws, XLSX_SUMMARY_HEAD_ROW, 30, NULL), XLSX_SUMMARY_HEAD_ROW, 0);
}

/* The status text of a value: "–" for a value without a status (no
 * target), else the status's label ("no value" when there is none). */
static const char *xlsx_status_text(xlsx_ctx *c, kpi_status s, maybe value)
{
    if (s == STATUS_NONE && value.present)
        return L("none");
    char key[32];
    snprintf(key, sizeof key, "status.%s", kpi_status_name(s));
    return L(key);
}

/* One KPI's row of the summary. */
static void xlsx_summary_row(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const kpi_result *k)
{
    char key[32];
    lxw_format *vf = xlsx_value_format(c, k->kind, k->value);
    xlsx_put_text(c, ws, row, S_TITLE, k->title, c->f.wrap);
    xlsx_put_text(c, ws, row, S_ID, k->id, c->f.text);
    xlsx_put_maybe(c, ws, row, S_VALUE, k->value, vf);
    snprintf(key, sizeof key, "direction.%s", kpi_direction_name(k->direction));
    xlsx_put_text(c, ws, row, S_DIR, L(key), c->f.center);
    xlsx_put_maybe(c, ws, row, S_TARGET, k->target, xlsx_value_format(c, k->kind, k->target));
    xlsx_put_text(c, ws, row, S_STATUS, xlsx_status_text(c, k->status, k->value), c->f.center);
    xlsx_put_maybe(c, ws, row, S_NUM, k->numerator, xlsx_count_format(c, k->numerator));
    xlsx_put_maybe(c, ws, row, S_DEN, k->denominator, xlsx_count_format(c, k->denominator));
    xlsx_put_trend(c, ws, row, S_PREV, k->previous, xlsx_value_format(c, k->kind, k->previous),
                   k->previous_from_history);
    xlsx_put_trend(c, ws, row, S_LAST, k->last_year, xlsx_value_format(c, k->kind, k->last_year),
                   k->last_year_from_history);
    xlsx_put_text(c, ws, row, S_DEF, k->definition, c->f.wrap_indent);
    size_t a = xlsx_lines(k->title, (size_t)(xlsx_summary_widths[S_TITLE] * 1.25));
    size_t b = xlsx_lines(k->definition, (size_t)(xlsx_summary_widths[S_DEF] * 1.25));
    if (a > 1 || b > 1)
        xlsx_check(c, worksheet_set_row(ws, row, 15.0 * (double)(a > b ? a : b), NULL), row, 0);
}

/* text as a string constant of an Excel formula: in double quotes, with
 * its own double quotes doubled.  Lives in the arena. */
static const char *xlsx_quoted(xlsx_ctx *c, const char *text)
{
    strbuf q = {0};
    strbuf_addc(&q, '"');
    for (const char *p = xlsx_plain(c, text, 200); *p; p++) {
        if (*p == '"')
            strbuf_addc(&q, '"');
        strbuf_addc(&q, *p);
    }
    strbuf_addc(&q, '"');
    const char *out = arena_strdup(&c->mem, strbuf_cstr(&q));
    strbuf_free(&q);
    return out;
}

/* A conditional format over rows first..last, columns col..last_col: the
 * fill fmt where a cell's text equals text. */
static void xlsx_text_colour(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first, lxw_col_t col,
                             lxw_row_t last, lxw_col_t last_col, const char *text, lxw_format *fmt)
{
    lxw_conditional_format cf = {.type = LXW_CONDITIONAL_TYPE_CELL,
                                 .criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO,
                                 .value_string = (char *)xlsx_quoted(c, text), .format = fmt};
    xlsx_check(c, worksheet_conditional_format_range(ws, first, col, last, last_col, &cf), first, col);
}

/* Colours status texts (rows first..last, columns col..last_col): a
 * conditional format per status text, so the fill follows the cell if
 * someone edits it. */
static void xlsx_status_colours(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first, lxw_col_t col,
                                lxw_row_t last, lxw_col_t last_col)
{
    for (int s = STATUS_NONE; s <= STATUS_RED; s++) {
        char key[32];
        snprintf(key, sizeof key, "status.%s", kpi_status_name((kpi_status)s));
        xlsx_text_colour(c, ws, first, col, last, last_col, L(key), c->f.cf[s]);
    }
}

/* Where a KPI's series sits on the series sheet: the month rows (shared by
 * all KPIs), its value column, and its target column when it has one. */
typedef struct {
    bool has;                           /* the KPI has a series */
    bool target;                        /* and a target column */
    lxw_row_t first, last;
    lxw_col_t value_col, target_col;
} xlsx_series_pos;

/* A chart's line: colour, width in points, dash type. */
static lxw_chart_line xlsx_line(lxw_color_t color, float width, uint8_t dash)
{
    lxw_chart_line line = {.color = color, .width = width, .dash_type = dash};
    return line;
}

/* The y axis of a KPI's chart: percent for shares (0 to 100 %), signed
 * percent for changes, whole numbers from 0 for counts. */
static void xlsx_chart_axis(lxw_chart *ch, kpi_kind kind)
{
    if (kind == KPI_SHARE) {
        chart_axis_set_num_format(ch->y_axis, "0%");
        chart_axis_set_min(ch->y_axis, 0);
        chart_axis_set_max(ch->y_axis, 1);
    } else if (kind == KPI_CHANGE) {
        chart_axis_set_num_format(ch->y_axis, "+0%;-0%;0%");
        /* Month names under the plot, not on the zero line mid-chart. */
        chart_axis_set_label_position(ch->x_axis, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    } else {
        chart_axis_set_num_format(ch->y_axis, "#,##0");
        chart_axis_set_min(ch->y_axis, 0);
    }
    lxw_chart_font small = {.size = 8};
    chart_axis_set_num_font(ch->x_axis, &small);
    chart_axis_set_num_font(ch->y_axis, &small);
}

/* A title that libxlsxwriter will not read as a formula ("=..." would be a
 * cell reference there): cleaned, short, and never starting with '='. */
static const char *xlsx_chart_text(xlsx_ctx *c, const char *s)
{
    const char *t = xlsx_plain(c, s, 90);
    return *t == '=' ? arena_printf(&c->mem, " %s", t) : t;
}

/* A line chart of one KPI's monthly series (data on the series sheet),
 * with the target as a dashed second line when there is one. */
static lxw_chart *xlsx_kpi_chart(xlsx_ctx *c, const kpi_result *k, const char *sheet,
                                 const xlsx_series_pos *p)
{
    /* The chart setters return nothing: a failed allocation in one of them
     * leaves only its ENOMEM behind, and the chart without what it set. */
    errno = 0;
    lxw_chart *ch = workbook_add_chart(c->wb, LXW_CHART_LINE);
    lxw_chart_series *s = ch ? chart_add_series(ch, NULL, NULL) : NULL;
    if (!s) {
        xlsx_fail(c, "%s: cannot create the chart of %s", c->path, k->id);
        return NULL;
    }
    chart_series_set_categories(s, sheet, p->first, 0, p->last, 0);
    chart_series_set_values(s, sheet, p->first, p->value_col, p->last, p->value_col);
    chart_series_set_name(s, xlsx_chart_text(c, L("col.value")));
    lxw_chart_line line = xlsx_line(0x1F4E79, 2.25, LXW_CHART_LINE_DASH_SOLID);
    chart_series_set_line(s, &line);
    chart_series_set_marker_type(s, LXW_CHART_MARKER_CIRCLE);
    chart_series_set_marker_size(s, 5);
    if (p->target && (s = chart_add_series(ch, NULL, NULL)) != NULL) {
        chart_series_set_categories(s, sheet, p->first, 0, p->last, 0);
        chart_series_set_values(s, sheet, p->first, p->target_col, p->last, p->target_col);
        chart_series_set_name(s, xlsx_chart_text(c, L("col.target")));
        line = xlsx_line(0xC00000, 1.5, LXW_CHART_LINE_DASH_DASH);
        chart_series_set_line(s, &line);
        chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
    }
    chart_title_set_name(ch, xlsx_chart_text(c, k->title && *k->title ? k->title : k->id));
    lxw_chart_font tf = {.size = 11, .bold = 1};
    chart_title_set_name_font(ch, &tf);
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    chart_show_blanks_as(ch, LXW_CHART_BLANKS_AS_GAP);
    xlsx_chart_axis(ch, k->kind);
    if (errno == ENOMEM) {
        xlsx_fail(c, "%s: out of memory while the chart of %s was made", c->path, k->id);
        return NULL;
    }
    return ch;
}

/* The charts under the summary table, two side by side per band. */
static void xlsx_summary_charts(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const char *sheet,
                                const xlsx_series_pos *pos)
{
    size_t placed = 0;
    for (size_t i = 0; i < c->r->nkpis && !c->failed; i++) {
        if (!pos[i].has)
            continue;
        if (placed == 0)
            xlsx_put_text(c, ws, row, 0, L("xlsx.series.title"), c->f.bold);
        lxw_chart *ch = xlsx_kpi_chart(c, &c->r->kpis[i], sheet, &pos[i]);
        if (!ch)
            return;
        lxw_row_t at = row + 1 + (lxw_row_t)(placed / 2) * XLSX_CHART_ROWS;
        lxw_chart_options o = {.x_offset = placed % 2 ? 530 : 0, .y_offset = 4,
                               .x_scale = 1.05, .y_scale = 1.0};
        xlsx_check(c, worksheet_insert_chart_opt(ws, at, 0, ch, &o), at, 0);
        placed++;
    }
}

/* The summary sheet: title block, a row per KPI with status colours, and
 * the charts of the series whose data pos locates on the series sheet. */
static void xlsx_summary(xlsx_ctx *c, lxw_worksheet *ws, const char *series_sheet,
                         const xlsx_series_pos *pos)
{
    const report *r = c->r;
    c->sheet = ws->name;
    xlsx_summary_head(c, ws);
    bool hist = false;
    for (size_t i = 0; i < r->nkpis; i++)
        hist |= r->kpis[i].previous_from_history || r->kpis[i].last_year_from_history;
    if (hist)
        xlsx_put_text(c, ws, XLSX_SUMMARY_HEAD_ROW - 1, 0, L("xlsx.history.note"), c->f.hist_note);
    xlsx_summary_heads(c, ws);
    lxw_row_t first = XLSX_SUMMARY_HEAD_ROW + 1;
    for (size_t i = 0; i < r->nkpis && !c->failed; i++)
        xlsx_summary_row(c, ws, first + (lxw_row_t)i, &r->kpis[i]);
    if (r->nkpis == 0)
        xlsx_put_text(c, ws, first, 0, L("xlsx.none_kpis"), c->f.italic);
    lxw_row_t last = first + (lxw_row_t)(r->nkpis ? r->nkpis - 1 : 0);
    if (r->nkpis) {
        xlsx_status_colours(c, ws, first, S_STATUS, last, S_STATUS);
        xlsx_ok(c, worksheet_autofilter(ws, XLSX_SUMMARY_HEAD_ROW, 0, last, S_NCOLS - 1),
                "autofilter");
    }
    worksheet_freeze_panes(ws, first, 1);
    xlsx_ok(c, worksheet_repeat_rows(ws, XLSX_SUMMARY_HEAD_ROW, XLSX_SUMMARY_HEAD_ROW),
            "print titles");
    xlsx_summary_charts(c, ws, last + 2, series_sheet, pos);
}

/* ================================================================ series */

/* One format for a whole series (and its target), so a column of counts
 * does not mix "100" with "100.01". */
static lxw_format *xlsx_series_format(const xlsx_ctx *c, const kpi_result *k)
{
    maybe any = k->target;
    for (size_t i = 0; i < k->nseries; i++)
        if (k->series[i].value.present && k->series[i].value.v != floor(k->series[i].value.v))
            any = k->series[i].value;
    return xlsx_value_format(c, k->kind, any);
}

#define XLSX_SERIES_HEAD_ROW 3          /* header row of the series table */
#define XLSX_SERIES_WIDTH 18            /* width of a KPI's column */

/* Orders month ids ("2026-10") as text, which is date order. */
static int xlsx_month_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every month of any KPI's series, oldest first, each once (the rows of the
 * series sheet; the KPIs normally share the same twelve).  Caller frees. */
static size_t xlsx_months(const report *r, const char ***out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nkpis; i++)
        n += r->kpis[i].nseries;
    const char **m = xcalloc(n + 1, sizeof *m);
    n = 0;
    for (size_t i = 0; i < r->nkpis; i++)
        for (size_t j = 0; j < r->kpis[i].nseries; j++)
            m[n++] = r->kpis[i].series[j].month;
    qsort(m, n, sizeof *m, xlsx_month_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(m[u - 1], m[i]) != 0)
            m[u++] = m[i];
    *out = m;
    return u;
}

/* Places every KPI's columns: a value column per KPI with a series, then a
 * target column per such KPI with a target.  Returns the columns used. */
static lxw_col_t xlsx_series_layout(const report *r, xlsx_series_pos *pos, lxw_row_t first,
                                    lxw_row_t last)
{
    lxw_col_t col = 1;
    for (size_t i = 0; i < r->nkpis; i++) {
        pos[i] = (xlsx_series_pos){.has = r->kpis[i].nseries > 0, .first = first, .last = last};
        if (pos[i].has)
            pos[i].value_col = col++;
    }
    for (size_t i = 0; i < r->nkpis; i++)
        if (pos[i].has && r->kpis[i].target.present) {
            pos[i].target = true;
            pos[i].target_col = col++;
        }
    return col;
}

/* The header row: "Month", the KPI titles, "Target: title" for targets;
 * tall enough for the longest title wrapped in its column. */
static void xlsx_series_heads(xlsx_ctx *c, lxw_worksheet *ws, const xlsx_series_pos *pos)
{
    size_t lines = 1;
    xlsx_put_text(c, ws, XLSX_SERIES_HEAD_ROW, 0, L("col.month"), c->f.head);
    for (size_t i = 0; i < c->r->nkpis; i++) {
        const kpi_result *k = &c->r->kpis[i];
        const char *title = k->title && *k->title ? k->title : k->id;
        const char *target = arena_printf(&c->mem, "%s: %s", L("col.target"), title ? title : "");
        size_t n = xlsx_lines(target, XLSX_SERIES_WIDTH - 2);
        lines = n > lines ? n : lines;
        if (pos[i].has)
            xlsx_put_text(c, ws, XLSX_SERIES_HEAD_ROW, pos[i].value_col, title, c->f.head_num);
        if (pos[i].target)
            xlsx_put_text(c, ws, XLSX_SERIES_HEAD_ROW, pos[i].target_col, target, c->f.head_num);
    }
    lines = lines > 8 ? 8 : lines;
    xlsx_check(c, worksheet_set_row(ws, XLSX_SERIES_HEAD_ROW, 15.0 * (double)lines, NULL),
               XLSX_SERIES_HEAD_ROW, 0);
}

/* One KPI's column (and target column): each point in its month's row, an
 * absent value left empty (a gap in the chart), a point from the run
 * history in italics (the legend above the table says so). */
static void xlsx_series_column(xlsx_ctx *c, lxw_worksheet *ws, const kpi_result *k,
                               const xlsx_series_pos *p, const char **months, size_t nmonths)
{
    lxw_format *vf = xlsx_series_format(c, k);
    for (size_t j = 0; j < k->nseries && !c->failed; j++) {
        const char *key = k->series[j].month;
        const char **hit = bsearch(&key, months, nmonths, sizeof *months, xlsx_month_cmp);
        lxw_row_t row = p->first + (lxw_row_t)(hit - months);
        bool hist = k->series[j].from_history;
        if (k->series[j].value.present)
            xlsx_put_number_or(c, ws, row, p->value_col, k->series[j].value.v,
                               hist ? xlsx_hist_format(c, vf) : vf, hist ? c->f.hist_none : c->f.none);
    }
    for (size_t m = 0; p->target && m < nmonths && !c->failed; m++)
        xlsx_put_number(c, ws, p->first + (lxw_row_t)m, p->target_col, k->target.v, vf);
}

/* The series sheet: a row per month, a column per KPI (then one per target),
 * the data the summary's charts draw. */
static void xlsx_series(xlsx_ctx *c, lxw_worksheet *ws, xlsx_series_pos *pos)
{
    const char **months;
    size_t n = xlsx_months(c->r, &months);
    lxw_row_t first = XLSX_SERIES_HEAD_ROW + 1;
    lxw_col_t cols = xlsx_series_layout(c->r, pos, first, first + (lxw_row_t)n - 1);
    xlsx_sheet_title(c, ws, L("xlsx.sheet.series"));
    bool hist = false;
    for (size_t i = 0; i < c->r->nkpis; i++)
        for (size_t j = 0; j < c->r->kpis[i].nseries; j++)
            hist |= c->r->kpis[i].series[j].from_history && c->r->kpis[i].series[j].value.present;
    if (hist)
        xlsx_put_text(c, ws, XLSX_SERIES_HEAD_ROW - 1, 0, L("xlsx.history.note"), c->f.hist_note);
    xlsx_width(c, ws, 0, 0, 10);
    if (cols > 1)
        xlsx_width(c, ws, 1, cols - 1, XLSX_SERIES_WIDTH);
    xlsx_series_heads(c, ws, pos);
    for (size_t m = 0; m < n && !c->failed; m++)
        xlsx_put_text(c, ws, first + (lxw_row_t)m, 0, months[m], c->f.text);
    for (size_t i = 0; i < c->r->nkpis && !c->failed; i++)
        if (pos[i].has)
            xlsx_series_column(c, ws, &c->r->kpis[i], &pos[i], months, n);
    worksheet_freeze_panes(ws, first, 1);
    free(months);
}

/* ================================================================ breakdowns */

static const char *const xlsx_dims[] = {"unit", "gender", "age_group", "area", "category"};

/* A KPI that has a breakdown by the dimension at hand. */
typedef struct {
    const kpi_result *k;
    const breakdown *b;
    bool ratio;                         /* entries carry numerator/denominator */
    lxw_col_t col;                      /* its first column */
} xlsx_bd_kpi;

/* The breakdown of k by dim, or NULL. */
static const breakdown *xlsx_find_breakdown(const kpi_result *k, const char *dim)
{
    for (size_t i = 0; i < k->nbreakdowns; i++)
        if (k->breakdowns[i].dimension && strcmp(k->breakdowns[i].dimension, dim) == 0)
            return &k->breakdowns[i];
    return NULL;
}

/* True when dim is one of the first n dimensions of list (or of the
 * canonical ones when list is NULL). */
static bool xlsx_dim_in(const char *dim, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], dim) == 0)
            return true;
    return false;
}

/* The dimensions that any KPI is broken down by: the canonical ones in
 * their order, then any others in the order met.  Caller frees *out. */
static size_t xlsx_dimensions(const report *r, const char ***out)
{
    size_t ncanon = sizeof xlsx_dims / sizeof xlsx_dims[0], n = 0;
    const char **dims = xcalloc(ncanon + 1, sizeof *dims);
    for (size_t d = 0; d < ncanon; d++)
        for (size_t i = 0; i < r->nkpis; i++)
            if (xlsx_find_breakdown(&r->kpis[i], xlsx_dims[d]) && !xlsx_dim_in(xlsx_dims[d], dims, n)) {
                dims[n++] = xlsx_dims[d];
                break;
            }
    for (size_t i = 0; i < r->nkpis; i++)
        for (size_t b = 0; b < r->kpis[i].nbreakdowns; b++) {
            const char *dim = r->kpis[i].breakdowns[b].dimension;
            if (dim && !xlsx_dim_in(dim, dims, n)) {
                dims = xrealloc(dims, (n + 1) * sizeof *dims);
                dims[n++] = dim;
            }
        }
    *out = dims;
    return n;
}

/* A key with the place it was first met, for keeping that order. */
typedef struct {
    const char *key;
    size_t seen;
} xlsx_key;

/* Orders keys by text, then by first appearance. */
static int xlsx_key_by_text(const void *a, const void *b)
{
    const xlsx_key *x = a, *y = b;
    int d = strcmp(x->key, y->key);
    return d ? d : (x->seen > y->seen) - (x->seen < y->seen);
}

/* Orders keys by first appearance, the empty key ("unknown") last. */
static int xlsx_key_by_seen(const void *a, const void *b)
{
    const xlsx_key *x = a, *y = b;
    if (!*x->key != !*y->key)
        return !*x->key ? 1 : -1;
    return (x->seen > y->seen) - (x->seen < y->seen);
}

/* The keys of all the breakdowns, each once: in the order the KPIs list
 * them (they come sorted), the empty key last.  Caller frees *out. */
static size_t xlsx_union_keys(const xlsx_bd_kpi *ks, size_t nk, xlsx_key **out)
{
    size_t n = 0;
    for (size_t i = 0; i < nk; i++)
        n += ks[i].b->n;
    xlsx_key *keys = xcalloc(n + 1, sizeof *keys);
    n = 0;
    for (size_t i = 0; i < nk; i++)
        for (size_t e = 0; e < ks[i].b->n; e++, n++)
            keys[n] = (xlsx_key){ks[i].b->entries[e].key ? ks[i].b->entries[e].key : "", n};
    qsort(keys, n, sizeof *keys, xlsx_key_by_text);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(keys[u - 1].key, keys[i].key) != 0)
            keys[u++] = keys[i];
    qsort(keys, u, sizeof *keys, xlsx_key_by_seen);
    *out = keys;
    return u;
}

/* The entry of b for key, or NULL. */
static const breakdown_entry *xlsx_entry(const breakdown *b, const char *key)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->entries[i].key ? b->entries[i].key : "", key) == 0)
            return &b->entries[i];
    return NULL;
}

/* The KPIs broken down by dim, with their columns from column 1 on: value,
 * then numerator and denominator where the entries have them.  Caller
 * frees *out. */
static size_t xlsx_bd_kpis(const report *r, const char *dim, xlsx_bd_kpi **out)
{
    xlsx_bd_kpi *ks = xcalloc(r->nkpis + 1, sizeof *ks);
    size_t n = 0;
    lxw_col_t col = 1;
    for (size_t i = 0; i < r->nkpis; i++) {
        const breakdown *b = xlsx_find_breakdown(&r->kpis[i], dim);
        if (!b)
            continue;
        bool ratio = false;
        for (size_t e = 0; e < b->n; e++)
            ratio |= b->entries[e].numerator.present || b->entries[e].denominator.present;
        ks[n++] = (xlsx_bd_kpi){&r->kpis[i], b, ratio, col};
        col += ratio ? 3 : 1;
    }
    *out = ks;
    return n;
}

/* The two header rows over one KPI's columns: its title (merged over them)
 * and value / numerator / denominator. */
static void xlsx_bd_heads(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const xlsx_bd_kpi *k)
{
    const char *title = k->k->title && *k->k->title ? k->k->title : k->k->id;
    if (k->ratio) {
        xlsx_text_info info;
        const char *t = xlsx_cell_text(c, title ? title : "", &info);
        if (info.cut || info.bad)
            xlsx_note(c, &info, xlsx_where(c, row, k->col));
        xlsx_check(c, worksheet_merge_range(ws, row, k->col, row, k->col + 2, t, c->f.head_title),
                   row, k->col);
    } else {
        xlsx_put_text(c, ws, row, k->col, title, c->f.head_title);
    }
    const char *heads[3] = {L("col.value"), L("col.numerator"), L("col.denominator")};
    xlsx_put_heads(c, ws, row + 1, k->col, heads, k->ratio ? 3 : 1, 0);
    xlsx_width(c, ws, k->col, k->col + (k->ratio ? 2 : 0), k->ratio ? 11 : 16);
}

/* One key's row: the key (or "unknown"), then each KPI's numbers. */
static void xlsx_bd_row(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const char *key,
                        const xlsx_bd_kpi *ks, size_t nk)
{
    if (*key)
        xlsx_put_text(c, ws, row, 0, key, c->f.text);
    else
        xlsx_put_text(c, ws, row, 0, L("unknown"), c->f.italic);
    for (size_t i = 0; i < nk; i++) {
        const breakdown_entry *e = xlsx_entry(ks[i].b, key);
        if (!e)
            continue;
        xlsx_put_maybe(c, ws, row, ks[i].col, e->value, xlsx_value_format(c, ks[i].k->kind, e->value));
        if (!ks[i].ratio)
            continue;
        xlsx_put_maybe(c, ws, row, ks[i].col + 1, e->numerator, xlsx_count_format(c, e->numerator));
        xlsx_put_maybe(c, ws, row, ks[i].col + 2, e->denominator,
                       xlsx_count_format(c, e->denominator));
    }
}

/* Height of the KPI title row: enough lines for the longest title in its
 * merged width (about 1.1 characters per width unit), 2 to 5 lines. */
static double xlsx_bd_title_height(const xlsx_bd_kpi *ks, size_t nk)
{
    size_t lines = 2;
    for (size_t i = 0; i < nk; i++) {
        const char *t = ks[i].k->title ? ks[i].k->title : "";
        size_t per_line = ks[i].ratio ? 33 : 16;
        size_t need = (xlsx_chars(t) + per_line - 1) / per_line;
        lines = need > lines ? need : lines;
    }
    return 15.0 * (double)(lines > 5 ? 5 : lines);
}

/* The width of the key column: the longest key (at most 45), at least 16. */
static double xlsx_key_width(const xlsx_key *keys, size_t n, const char *unknown)
{
    size_t w = xlsx_chars(unknown);
    for (size_t i = 0; i < n; i++) {
        size_t k = xlsx_chars(keys[i].key);
        w = k > w ? k : w;
    }
    w += 2;
    return w < 16 ? 16 : w > 45 ? 45 : (double)w;
}

/* The sheet of one breakdown dimension: a row per key, columns per KPI. */
static void xlsx_breakdown_sheet(xlsx_ctx *c, const char *dim)
{
    xlsx_bd_kpi *ks;
    size_t nk = xlsx_bd_kpis(c->r, dim, &ks);
    const char *dim_name = xlsx_label2(c, "col.", dim, dim);
    const char *title = xlsx_label2(c, "xlsx.sheet.breakdown.", dim,
                                    arena_printf(&c->mem, "%s %s", L("xlsx.sheet.breakdown.other"),
                                                 dim_name));
    lxw_worksheet *ws = xlsx_add_sheet(c, title);
    xlsx_key *keys = NULL;
    size_t nkeys = ws ? xlsx_union_keys(ks, nk, &keys) : 0;
    if (ws) {
        xlsx_sheet_title(c, ws, title);
        xlsx_check(c, worksheet_write_blank(ws, 3, 0, c->f.head_title), 3, 0);
        xlsx_put_text(c, ws, 4, 0, dim_name, c->f.head);
        for (size_t i = 0; i < nk && !c->failed; i++)
            xlsx_bd_heads(c, ws, 3, &ks[i]);
        xlsx_check(c, worksheet_set_row(ws, 3, xlsx_bd_title_height(ks, nk), NULL), 3, 0);
        xlsx_width(c, ws, 0, 0, xlsx_key_width(keys, nkeys, L("unknown")));
        for (size_t i = 0; i < nkeys && !c->failed; i++)
            xlsx_bd_row(c, ws, 5 + (lxw_row_t)i, keys[i].key, ks, nk);
        lxw_col_t last_col = nk ? ks[nk - 1].col + (ks[nk - 1].ratio ? 2 : 0) : 0;
        if (nkeys)
            xlsx_ok(c, worksheet_autofilter(ws, 4, 0, 4 + (lxw_row_t)nkeys, last_col), "autofilter");
        worksheet_freeze_panes(ws, 5, 1);
        xlsx_ok(c, worksheet_repeat_rows(ws, 3, 4), "print titles");
    }
    free(keys);
    free(ks);
}

/* Every breakdown dimension's sheet. */
static void xlsx_breakdowns(xlsx_ctx *c)
{
    const char **dims;
    size_t n = xlsx_dimensions(c->r, &dims);
    for (size_t i = 0; i < n && !c->failed; i++)
        xlsx_breakdown_sheet(c, dims[i]);
    free(dims);
}

/* ================================================================ lists */

#define XLSX_LIST_HEAD_ROW 3            /* the table's header row */

/* Orders case-folded texts. */
static int xlsx_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Table column headers from want[0..n): cleaned, at most 200 characters,
 * never empty (the column's number instead), and unique within the table
 * regardless of case, as Excel requires: a repeated header becomes
 * "Header 2", "Header 3", ...  In the arena. */
static const char **xlsx_unique_heads(xlsx_ctx *c, const char *const *want, size_t n)
{
    const char **heads = arena_alloc(&c->mem, (n + 1) * sizeof *heads);
    char **taken = xcalloc(n + 1, sizeof *taken);         /* folded, sorted */
    for (size_t j = 0; j < n; j++) {
        const char *base = xlsx_plain(c, want[j] ? want[j] : "", 200);
        if (!*base)
            base = arena_printf(&c->mem, "%zu", j + 1);
        const char *h = base;
        char *f = NULL;
        for (int k = 2;; k++) {
            f = utf8_fold(h, strlen(h));
            if (!bsearch(&f, taken, j, sizeof *taken, xlsx_str_cmp))
                break;
            free(f);
            h = arena_printf(&c->mem, "%s %d", base, k);
        }
        heads[j] = h;
        size_t at = j;                  /* insert f in order */
        while (at > 0 && strcmp(taken[at - 1], f) > 0) {
            taken[at] = taken[at - 1];
            at--;
        }
        taken[at] = f;
    }
    for (size_t j = 0; j < n; j++)
        free(taken[j]);
    free(taken);
    return heads;
}

/* Column headers of a list: the labels of the canonical names, made unique
 * within the table and never empty.  In the arena. */
static const char **xlsx_list_heads(xlsx_ctx *c, const item_list *il)
{
    const char **want = arena_alloc(&c->mem, (il->ncols + 1) * sizeof *want);
    for (size_t j = 0; j < il->ncols; j++) {
        const char *name = il->columns && il->columns[j] ? il->columns[j] : "";
        want[j] = xlsx_label2(c, "col.", name, name);
    }
    return xlsx_unique_heads(c, want, il->ncols);
}

/* A small cache keyed by a text's address: the lists' texts are pooled,
 * so a repeated value is the same pointer. */
#define XLSX_MEMO_SLOTS 4096
typedef struct {
    const char *s;
    unsigned char flag;                 /* xlsx_list_stream: the text's flags */
    size_t n;                           /* xlsx_list_widths: its characters */
} xlsx_memo;

static inline size_t xlsx_memo_slot(const char *s)
{
    uint64_t h = (uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 52);           /* 12 bits: XLSX_MEMO_SLOTS */
}

/* The slot of text s: its own, or the free one where it would go (and
 * does not when the table is full).  NULL when the column has no table. */
static xlsx_text_slot *xlsx_texts_slot(const xlsx_texts *t, const char *s)
{
    if (!t->slots)
        return NULL;
    uint64_t h = (uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull;
    for (size_t i = (size_t)(h >> 40) % XLSX_TEXTS_SLOTS;; i = (i + 1) % XLSX_TEXTS_SLOTS)
        if (t->slots[i].s == s || !t->slots[i].s)
            return &t->slots[i];
}

/* Counts one more cell of text s, if it is held or there is room. */
static void xlsx_texts_count(xlsx_texts *t, const char *s)
{
    if (!t->slots)
        t->slots = xcalloc(XLSX_TEXTS_SLOTS, sizeof *t->slots);
    xlsx_text_slot *sl = xlsx_texts_slot(t, s);
    if (!sl->s && t->n == XLSX_TEXTS_MAX)
        return;
    if (!sl->s) {
        sl->s = s;
        t->n++;
    }
    sl->cells++;
}

static void xlsx_texts_free(xlsx_texts *t, size_t ncols)
{
    for (size_t j = 0; t && j < ncols; j++)
        free(t[j].slots);
    free(t);
}

/* Characters of v written in decimal: what snprintf "%lld" would give. */
static size_t xlsx_digits(int64_t v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = v < 0 ? 2 : 1;
    while (u >= 10) {
        u /= 10;
        n++;
    }
    return n;
}

/* Column widths of a list from its contents: dates 12, numbers by their
 * digits, text by its longest value (10 to 60), never narrower than the
 * header plus room for the filter button. */
static void xlsx_list_widths(xlsx_ctx *c, lxw_worksheet *ws, const item_list *il,
                             const char **heads, size_t nrows)
{
    /* Row by row (the cells lie so in memory), every column at once; a
     * column is done once it reaches 60.  The characters of a text are
     * kept by its address, as texts repeat. */
    size_t nc = il->ncols, open = 0;
    size_t *w = xmalloc((nc ? nc : 1) * sizeof *w);
    for (size_t j = 0; j < nc; j++) {
        w[j] = xlsx_chars(heads[j]) + 4;
        open += w[j] < 60;
    }
    xlsx_memo *memo = xcalloc(XLSX_MEMO_SLOTS, sizeof *memo);
    for (size_t i = 0; i < nrows && open; i++) {
        const cell *row = &il->cells[i * nc];
        for (size_t j = 0; j < nc; j++) {
            if (w[j] >= 60)
                continue;
            const cell *e = &row[j];
            size_t cw = 0;
            if (e->kind == CELL_TEXT && e->u.text) {
                size_t slot = xlsx_memo_slot(e->u.text);
                if (memo[slot].s != e->u.text)
                    memo[slot] = (xlsx_memo){e->u.text, 0, xlsx_chars(e->u.text)};
                cw = memo[slot].n + 2;
            } else if (e->kind == CELL_DATE) {
                cw = 12;
            } else if (e->kind == CELL_INT) {
                cw = xlsx_digits(e->u.i) + 3;
            }
            if (cw > w[j]) {
                w[j] = cw;
                open -= cw >= 60;
            }
        }
    }
    free(memo);
    for (size_t j = 0; j < nc && !c->failed; j++)
        xlsx_width(c, ws, (lxw_col_t)j, (lxw_col_t)j, w[j] < 10 ? 10 : w[j] > 60 ? 60 : (double)w[j]);
    free(w);
}

/* True when a list cell has something to write. */
static bool xlsx_list_has(const cell *e)
{
    switch (e->kind) {
    case CELL_TEXT: return e->u.text && *e->u.text;
    case CELL_DATE: return e->u.day != DATE_NONE;
    case CELL_INT: return true;
    case CELL_EMPTY: break;
    }
    return false;
}

/* The index of text t in the shared strings table, added as libxlsxwriter
 * adds a cell's string; false (the context failed) when it cannot be. */
static bool xlsx_sst_index(xlsx_ctx *c, const char *t, uint32_t *index)
{
    struct sst_element *el = lxw_get_sst_index(c->wb->sst, t, LXW_FALSE);
    if (!el) {
        xlsx_fail(c, "%s: cannot add to the shared strings (out of memory?)", c->path);
        return false;
    }
    *index = el->index;
    return true;
}

/*
 * Makes ready a list of nrows rows whose cells are written into the sheet's
 * XML once libxlsxwriter has written the workbook (xlsx_splice): notes the
 * texts that will be cut or had invalid UTF-8, as writing each cell would
 * (so the data-quality sheet's warnings are complete), and fixes the style
 * indices the cells will use.  Each cell is written as xlsx_put_text,
 * xlsx_put_date (format date) and xlsx_put_number (format plain_int) would
 * write it, except that a text of one cell goes inline (<is><t>) instead
 * of into the shared strings table.  A text that repeats in its column (a
 * unit, an owner; one of the column's first XLSX_TEXTS_MAX texts) goes
 * there, as does one with escapes: a unit's name inline in each of
 * 130,000 rows was a quarter of the list's XML.
 */
static void xlsx_list_stream(xlsx_ctx *c, const item_list *il, size_t nrows)
{
    lxw_row_t first = XLSX_LIST_HEAD_ROW + 1;
    bool dates = false, iso = false, ints = false;
    xlsx_shared *shared = NULL;
    size_t nshared = 0, capshared = 0;
    xlsx_texts *texts = xcalloc(il->ncols, sizeof *texts);
    for (size_t k = 0; k < nrows * il->ncols; k++)
        if (il->cells[k].kind == CELL_TEXT && xlsx_list_has(&il->cells[k]))
            xlsx_texts_count(&texts[k % il->ncols], il->cells[k].u.text);
    unsigned char *flags = xcalloc(nrows * il->ncols + 1, 1);
    xlsx_memo *memo = xcalloc(XLSX_MEMO_SLOTS, sizeof *memo);
    for (size_t i = 0; i < nrows && !c->failed; i++)
        for (size_t j = 0; j < il->ncols; j++) {
            const cell *e = &il->cells[i * il->ncols + j];
            if (!xlsx_list_has(e))
                continue;
            if (e->kind == CELL_INT) {
                ints = true;
            } else if (e->kind == CELL_DATE) {
                bool in = e->u.day >= XLSX_FIRST_DAY && e->u.day <= XLSX_LAST_DAY;
                dates |= in;
                iso |= !in;
            } else {
                xlsx_text_info info;
                unsigned char *f = &flags[i * il->ncols + j];
                const char *t = e->u.text;
                bool escape = false;
                /* Texts repeat (units, owners: the same pooled string), so
                 * the verdict on a plain one is kept by its address. */
                size_t slot = xlsx_memo_slot(e->u.text);
                if (memo[slot].s == e->u.text) {
                    *f = memo[slot].flag;
                } else if (xlsx_cell_plain(e->u.text, &info) && !info.escape) {
                    *f = info.markup ? XLSX_T_MARKUP : 0;
                    memo[slot] = (xlsx_memo){e->u.text, *f, 0};
                } else {
                    t = xlsx_cell_text(c, e->u.text, &info);
                    *f = t == e->u.text ? XLSX_T_MARKUP : XLSX_T_CLEAN;
                    if (info.cut || info.bad)
                        xlsx_note(c, &info, xlsx_where(c, first + (lxw_row_t)i, (lxw_col_t)j));
                    escape = info.escape;
                }
                uint32_t index;
                if (escape) {
                    /* Readers such as openpyxl undo _xHHHH_ only in shared
                     * strings: such a text goes there, as libxlsxwriter
                     * would put it (lxw_get_sst_index, of its public
                     * headers). */
                    if (!xlsx_sst_index(c, t, &index))
                        break;
                    if (nshared == capshared) {
                        capshared = capshared ? 2 * capshared : 16;
                        shared = xrealloc(shared, capshared * sizeof *shared);
                    }
                    shared[nshared++] = (xlsx_shared){i * il->ncols + j, index};
                    *f = XLSX_T_SHARED;
                    continue;
                }
                xlsx_text_slot *ts = xlsx_texts_slot(&texts[j], e->u.text);
                if (ts->s != e->u.text || ts->cells < 2)
                    continue;                   /* inline */
                *f = XLSX_T_REPEATED;
                if (ts->sst)
                    c->wb->sst->string_count++; /* as lxw_get_sst_index counts a repeat */
                else if (xlsx_sst_index(c, t, &index))
                    ts->sst = index + 1;
            }
        }
    free(memo);
    if (c->failed) {
        free(shared);
        xlsx_texts_free(texts, il->ncols);
        free(flags);
        return;
    }
    /* Only the formats the cells use get a style (as libxlsxwriter does);
     * asking for the index now gives it its place in the styles. */
    xlsx_stream st = {
        .il = il, .nrows = nrows, .sheet = c->nsheets, .first = first,
        .xf_date = dates ? lxw_format_get_xf_index(c->f.date) : 0,
        .xf_int = ints ? lxw_format_get_xf_index(c->f.plain_int) : 0,
        .xf_text = iso ? lxw_format_get_xf_index(c->f.text) : 0,
        .shared = shared, .nshared = nshared, .texts = texts, .text = flags,
    };
    c->streams = xrealloc(c->streams, (c->nstreams + 1) * sizeof *c->streams);
    c->streams[c->nstreams++] = st;
}

/* An Excel table (header, autofilter, banded rows) named name over rows
 * first (the header, from heads) to last, columns 0 to n-1.  align
 * (NULL: all left) has a letter per column for its header: 'l'eft, 'r'ight
 * (numbers) or 'c'entre.  libxlsxwriter writes the header cells itself. */
static void xlsx_table_at(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                          const char *const *heads, size_t n, const char *align, const char *name)
{
    lxw_table_column *cols = xcalloc(n, sizeof *cols);
    lxw_table_column **colp = xcalloc(n + 1, sizeof *colp);
    for (size_t j = 0; j < n; j++) {
        cols[j].header = (char *)xlsx_plain(c, heads[j], 255);
        char a = align && j < strlen(align) ? align[j] : 'l';
        cols[j].header_format = a == 'r' ? c->f.head_num : a == 'c' ? c->f.head_title : c->f.head;
        colp[j] = &cols[j];
    }
    lxw_table_options o = {.name = (char *)name, .style_type = LXW_TABLE_STYLE_TYPE_LIGHT,
                           .style_type_number = 9, .columns = colp};
    /* worksheet_add_table does not pass on a failure to write a header
     * cell: its ENOMEM does. */
    errno = 0;
    lxw_error e = worksheet_add_table(ws, first, 0, last, (lxw_col_t)n - 1, &o);
    if (e == LXW_NO_ERROR && errno == ENOMEM)
        e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    xlsx_check(c, e, first, 0);
    free(colp);
    free(cols);
}

/* An Excel table with every header aligned left. */
static void xlsx_table(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                       const char *const *heads, size_t n, const char *name)
{
    xlsx_table_at(c, ws, first, last, heads, n, NULL, name);
}

/* The sheet name and title of a list: the workbook's own short name when
 * it has one, else the common label, else the list's canonical name. */
static void xlsx_list_names(xlsx_ctx *c, const item_list *il, const char **sheet, const char **title)
{
    const char *name = il->name ? il->name : "";
    *title = xlsx_label2(c, "list.", name, name);
    *sheet = xlsx_label2(c, "xlsx.sheet.list.", name, *title);
}

/* Rows of a list that fit on a sheet under the header; warns when some
 * do not. */
static size_t xlsx_list_rows(xlsx_ctx *c, const item_list *il)
{
    size_t room = XLSX_LAST_ROW - XLSX_LIST_HEAD_ROW;
    if (il->nrows <= room)
        return il->nrows;
    xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", c->sheet, L("xlsx.warning.rows"),
                              il->nrows - room));
    return room;
}

/* One KPI's list on a sheet of its own, as an Excel table. */
static void xlsx_list_sheet(xlsx_ctx *c, const kpi_result *k, int number)
{
    const item_list *il = k->items;
    const char *sheet, *title;
    xlsx_list_names(c, il, &sheet, &title);
    lxw_worksheet *ws = xlsx_add_sheet(c, sheet);
    if (!ws || il->ncols == 0 || il->ncols > XLSX_LAST_COL)
        return;
    size_t nrows = xlsx_list_rows(c, il);
    const char **heads = xlsx_list_heads(c, il);
    xlsx_sheet_title(c, ws, title);
    xlsx_put_text(c, ws, 2, 0, arena_printf(&c->mem, "%s: %s (%s) \u00b7 %zu %s", L("col.kpi"),
                                            k->title ? k->title : "", k->id ? k->id : "",
                                            il->nrows, L("xlsx.rows")), c->f.text);
    xlsx_list_widths(c, ws, il, heads, nrows);
    if (nrows && !c->failed)
        xlsx_list_stream(c, il, nrows);
    if (nrows) {
        char name[32];
        snprintf(name, sizeof name, "List%d", number);
        xlsx_table(c, ws, XLSX_LIST_HEAD_ROW, XLSX_LIST_HEAD_ROW + (lxw_row_t)nrows, heads,
                   il->ncols, name);
    } else {
        xlsx_put_heads(c, ws, XLSX_LIST_HEAD_ROW, 0, heads, il->ncols, il->ncols);
        xlsx_put_text(c, ws, XLSX_LIST_HEAD_ROW + 1, 0, L("xlsx.none_rows"), c->f.italic);
    }
    worksheet_freeze_panes(ws, XLSX_LIST_HEAD_ROW + 1, 0);
    xlsx_ok(c, worksheet_repeat_rows(ws, XLSX_LIST_HEAD_ROW, XLSX_LIST_HEAD_ROW), "print titles");
}

/* Every KPI list's sheet. */
static void xlsx_lists(xlsx_ctx *c)
{
    int number = 0;
    for (size_t i = 0; i < c->r->nkpis && !c->failed; i++)
        if (c->r->kpis[i].items)
            xlsx_list_sheet(c, &c->r->kpis[i], ++number);
}

/* ================================================================ comparison */

/* The columns of the comparison sheet. */
enum { C_TITLE, C_ID, C_VALUE, C_SOURCE, C_PERIOD, C_REF, C_DIFF, C_VERDICT, C_NCOLS };

static const double xlsx_comparison_widths[C_NCOLS] = {36, 26, 12, 34, 10, 16, 14, 14};

#define XLSX_COMPARISON_HEAD_ROW 3      /* the table's header row */

/* ours - ref as the difference column shows it: in percentage points for
 * shares and changes, as it is for counts; rid of float noise (0.68 - 0.74
 * is -0.06000000000000005). */
static double xlsx_difference(kpi_kind kind, double ours, double ref)
{
    double d = (ours - ref) * (kind == KPI_COUNT ? 1.0 : 100.0);
    return fabs(d) < 1e6 ? round(d * 1e9) / 1e9 : d;
}

/* The format of a difference: signed percentage points, or a signed count. */
static lxw_format *xlsx_diff_format(const xlsx_ctx *c, kpi_kind kind, double d)
{
    if (kind != KPI_COUNT)
        return c->f.diff_pp;
    return d != floor(d) ? c->f.diff_dec : c->f.diff_int;
}

/* The labels key of how a value stands against a reference value: better
 * or worse when the KPI has a target (its direction says which way is
 * good), else higher or lower; equal either way.  NULL without a value. */
static const char *xlsx_verdict_key(maybe ours, double ref, bool has_target, kpi_direction dir)
{
    if (!ours.present || !isfinite(ours.v) || !isfinite(ref))
        return NULL;
    double scale = fabs(ref) > 1.0 ? fabs(ref) : 1.0;
    if (fabs(ours.v - ref) <= 1e-9 * scale)
        return "xlsx.compare.equal";
    bool higher = ours.v > ref;
    if (!has_target)
        return higher ? "xlsx.compare.higher" : "xlsx.compare.lower";
    bool good = dir == DIR_AT_MOST ? !higher : higher;
    return good ? "xlsx.compare.better" : "xlsx.compare.worse";
}

/* The difference and verdict cells of a value against a reference. */
static void xlsx_put_against(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, lxw_col_t diff_col,
                             lxw_col_t verdict_col, kpi_kind kind, maybe ours, double ref,
                             bool has_target, kpi_direction dir)
{
    const char *key = xlsx_verdict_key(ours, ref, has_target, dir);
    if (key) {
        double d = xlsx_difference(kind, ours.v, ref);
        xlsx_put_number(c, ws, row, diff_col, d, xlsx_diff_format(c, kind, d));
        xlsx_put_text(c, ws, row, verdict_col, L(key), c->f.center);
    } else {
        xlsx_put_text(c, ws, row, diff_col, L("none"), c->f.none);
        xlsx_put_text(c, ws, row, verdict_col, L("none"), c->f.none);
    }
}

/* Better in green, worse in red (rows first..last of column col). */
static void xlsx_verdict_colours(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                                 lxw_col_t col)
{
    xlsx_text_colour(c, ws, first, col, last, col, L("xlsx.compare.better"), c->f.cf[STATUS_GREEN]);
    xlsx_text_colour(c, ws, first, col, last, col, L("xlsx.compare.worse"), c->f.cf[STATUS_RED]);
}

/* The reference values of all KPIs. */
static size_t xlsx_nreferences(const report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nkpis; i++)
        n += r->kpis[i].nreferences;
    return n;
}

/* One reference value's row: the KPI and our value, the source, its
 * period and value, the difference and whether we do better. */
static void xlsx_comparison_row(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const kpi_result *k,
                                const reference_value *v)
{
    const char *title = k->title && *k->title ? k->title : k->id;
    xlsx_put_text(c, ws, row, C_TITLE, title, c->f.wrap);
    xlsx_put_text(c, ws, row, C_ID, k->id, c->f.text);
    xlsx_put_maybe(c, ws, row, C_VALUE, k->value, xlsx_value_format(c, k->kind, k->value));
    xlsx_put_text(c, ws, row, C_SOURCE, v->source, c->f.wrap_indent);
    xlsx_put_text(c, ws, row, C_PERIOD, v->period, c->f.center);
    xlsx_put_number(c, ws, row, C_REF, v->value, xlsx_value_format(c, k->kind, MAYBE(v->value)));
    xlsx_put_against(c, ws, row, C_DIFF, C_VERDICT, k->kind, k->value, v->value, k->target.present,
                     k->direction);
    size_t a = xlsx_lines(title, (size_t)(xlsx_comparison_widths[C_TITLE] * 1.1));
    size_t b = xlsx_lines(v->source, (size_t)(xlsx_comparison_widths[C_SOURCE] * 1.1));
    if (a > 1 || b > 1)
        xlsx_check(c, worksheet_set_row(ws, row, 15.0 * (double)(a > b ? a : b), NULL), row, 0);
}

/* The comparison sheet: a row per reference value of each KPI, as an
 * Excel table, the better/worse column coloured.  Only when some KPI has
 * reference values. */
static void xlsx_comparison(xlsx_ctx *c)
{
    const report *r = c->r;
    size_t n = xlsx_nreferences(r);
    if (n == 0)
        return;
    lxw_worksheet *ws = xlsx_add_sheet(c, L("xlsx.sheet.comparison"));
    if (!ws)
        return;
    size_t room = XLSX_LAST_ROW - XLSX_COMPARISON_HEAD_ROW;
    if (n > room) {
        xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", c->sheet, L("xlsx.warning.rows"), n - room));
        n = room;
    }
    xlsx_sheet_title(c, ws, L("xlsx.sheet.comparison"));
    xlsx_put_text(c, ws, 2, 0, L("xlsx.comparison.note"), c->f.italic);
    for (lxw_col_t i = 0; i < C_NCOLS; i++)
        xlsx_width(c, ws, i, i, xlsx_comparison_widths[i]);
    lxw_row_t row = XLSX_COMPARISON_HEAD_ROW + 1;
    size_t done = 0;
    for (size_t i = 0; i < r->nkpis && done < n && !c->failed; i++)
        for (size_t j = 0; j < r->kpis[i].nreferences && done < n && !c->failed; j++, done++)
            xlsx_comparison_row(c, ws, row++, &r->kpis[i], &r->kpis[i].references[j]);
    const char *heads[C_NCOLS] = {L("col.kpi"), L("xlsx.col.kpi_id"), L("xlsx.col.our_value"),
                                  L("xlsx.col.source"), L("report.period"), L("xlsx.col.ref_value"),
                                  L("xlsx.col.difference"), L("xlsx.col.compared")};
    lxw_row_t last = XLSX_COMPARISON_HEAD_ROW + (lxw_row_t)n;
    xlsx_table_at(c, ws, XLSX_COMPARISON_HEAD_ROW, last, heads, C_NCOLS, "llrlcrrc", "Comparison");
    xlsx_verdict_colours(c, ws, XLSX_COMPARISON_HEAD_ROW + 1, last, C_VERDICT);
    xlsx_check(c, worksheet_set_row(ws, XLSX_COMPARISON_HEAD_ROW, 30, NULL), XLSX_COMPARISON_HEAD_ROW, 0);
    worksheet_freeze_panes(ws, XLSX_COMPARISON_HEAD_ROW + 1, 1);
    xlsx_ok(c, worksheet_repeat_rows(ws, XLSX_COMPARISON_HEAD_ROW, XLSX_COMPARISON_HEAD_ROW),
            "print titles");
}

/* ================================================================ data quality */

#define XLSX_DQ_REASON_WIDTH 68         /* reasons and SHA-256 sums */

/* Counts the cuts and bad bytes the data-quality sheet's own texts will
 * have, so its warnings (written above them) are complete.  Where names
 * the file and line rather than a cell. */
static void xlsx_dq_prescan(xlsx_ctx *c)
{
    const report *r = c->r;
    xlsx_text_info info;
    for (size_t i = 0; i < r->nrejects; i++) {
        const reject *j = &r->rejects[i];
        const char *texts[4] = {j->file, j->field, j->value, j->reason};
        for (size_t t = 0; t < 4; t++) {
            if (!texts[t])
                continue;
            xlsx_cell_text(c, texts[t], &info);
            if (info.cut || info.bad)
                xlsx_note(c, &info, arena_printf(&c->mem, "%s:%ld", j->file ? j->file : "", j->line));
        }
    }
    for (size_t i = 0; i < r->ninputs; i++) {
        const input_file *f = &r->inputs[i];
        const char *texts[4] = {f->dataset, f->path, f->encoding, f->delimiter_name};
        for (size_t t = 0; t < 4; t++)
            if (texts[t] && (xlsx_cell_text(c, texts[t], &info), info.cut || info.bad))
                xlsx_note(c, &info, f->path ? f->path : "");
    }
}

/* The summing-up warnings: cuts beyond those named, cells with bad UTF-8. */
static void xlsx_dq_totals(xlsx_ctx *c)
{
    if (c->ncut > XLSX_MAX_CUT_WARNINGS)
        xlsx_warn(c, arena_printf(&c->mem, "%s %zu", L("xlsx.warning.more"),
                                  c->ncut - XLSX_MAX_CUT_WARNINGS));
    if (c->nbad)
        xlsx_warn(c, arena_printf(&c->mem, "%s %zu", L("xlsx.warning.utf8"), c->nbad));
}

/* A section title; returns the row after it. */
static lxw_row_t xlsx_section(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const char *title)
{
    xlsx_put_text(c, ws, row, 0, title, c->f.bold);
    return row + 1;
}

/* The warnings: the report's, then the writer's.  Returns the next row. */
static lxw_row_t xlsx_dq_warnings(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row)
{
    const report *r = c->r;
    row = xlsx_section(c, ws, row, L("xlsx.section.warnings"));
    if (r->nwarnings + c->nwarnings == 0)
        xlsx_put_text(c, ws, row++, 0, L("xlsx.none_warnings"), c->f.italic);
    for (size_t i = 0; i < r->nwarnings && row < XLSX_LAST_ROW && !c->failed; i++)
        xlsx_put_text(c, ws, row++, 0, r->warnings[i], c->f.text);
    for (size_t i = 0; i < c->nwarnings && row < XLSX_LAST_ROW && !c->failed; i++)
        xlsx_put_text(c, ws, row++, 0, c->warnings[i], c->f.text);
    return row + 1;
}

/* Rule file, its SHA-256, the program version and the rejected-row count. */
static lxw_row_t xlsx_dq_provenance(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row)
{
    const report *r = c->r;
    xlsx_put_text(c, ws, row, 0, L("xlsx.rule_file"), c->f.bold);
    xlsx_put_text(c, ws, row, 1, r->rule_file, c->f.text);
    xlsx_put_text(c, ws, row + 1, 0, L("xlsx.col.sha256"), c->f.bold);
    xlsx_put_text(c, ws, row + 1, 1, r->rule_sha256, c->f.text);
    xlsx_put_text(c, ws, row + 2, 0, L("xlsx.program"), c->f.bold);
    xlsx_put_text(c, ws, row + 2, 1, "kvalrap " KV_VERSION, c->f.text);
    xlsx_put_text(c, ws, row + 3, 0, L("xlsx.rejected_rows"), c->f.bold);
    xlsx_put_number(c, ws, row + 3, 1, (double)r->rejected_rows, c->f.int_left);
    return row + 5;
}

/* A data-quality table: headers from the labels keys, rows first (the
 * header) to last. */
static void xlsx_dq_table(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                          const char *const *keys, size_t n, const char *name)
{
    const char *heads[16];
    for (size_t i = 0; i < n && i < 16; i++)
        heads[i] = L(keys[i]);
    xlsx_table(c, ws, first, last, heads, n, name);
}

/* The input files: path, dataset, encoding, delimiter, SHA-256 (in the
 * wide column the rejects' reasons use), size, rows read, accepted,
 * rejected.  Returns the next row. */
static lxw_row_t xlsx_dq_inputs(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row)
{
    static const char *const keys[] = {"col.file", "xlsx.col.dataset", "xlsx.col.encoding",
                                       "xlsx.col.delimiter", "xlsx.col.sha256", "xlsx.col.size",
                                       "xlsx.col.rows", "xlsx.col.accepted", "xlsx.col.rejected"};
    const report *r = c->r;
    if (r->ninputs == 0)
        return row;
    row = xlsx_section(c, ws, row, L("xlsx.section.inputs"));
    for (size_t i = 0; i < r->ninputs && !c->failed; i++) {
        const input_file *f = &r->inputs[i];
        lxw_row_t at = row + 1 + (lxw_row_t)i;
        xlsx_put_text(c, ws, at, 0, f->path, c->f.text);
        xlsx_put_text(c, ws, at, 1, f->dataset, c->f.text);
        xlsx_put_text(c, ws, at, 2, f->encoding, c->f.text);
        xlsx_put_text(c, ws, at, 3, f->delimiter_name, c->f.text);
        xlsx_put_text(c, ws, at, 4, f->sha256, c->f.text);
        xlsx_put_number(c, ws, at, 5, (double)f->size, c->f.integer);
        xlsx_put_number(c, ws, at, 6, (double)f->rows, c->f.integer);
        xlsx_put_number(c, ws, at, 7, (double)f->accepted, c->f.integer);
        xlsx_put_number(c, ws, at, 8, (double)f->rejected, c->f.integer);
    }
    xlsx_dq_table(c, ws, row, row + (lxw_row_t)r->ninputs, keys, 9, "Inputs");
    return row + (lxw_row_t)r->ninputs + 2;
}

/* The rejected rows: file, line, field ("whole row" when empty), value,
 * reason, as many as the sheet holds. */
static void xlsx_dq_rejects(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row)
{
    static const char *const keys[] = {"col.file", "col.line", "col.field", "col.value", "col.reason"};
    const report *r = c->r;
    row = xlsx_section(c, ws, row, L("xlsx.section.rejects"));
    if (r->nrejects == 0) {
        xlsx_put_text(c, ws, row, 0, L("xlsx.none_rejects"), c->f.italic);
        return;
    }
    size_t n = r->nrejects < XLSX_LAST_ROW - row ? r->nrejects : XLSX_LAST_ROW - row;
    for (size_t i = 0; i < n && !c->failed; i++) {
        const reject *j = &r->rejects[i];
        lxw_row_t at = row + 1 + (lxw_row_t)i;
        xlsx_put_text(c, ws, at, 0, j->file, c->f.text);
        xlsx_put_number(c, ws, at, 1, (double)j->line, c->f.int_center);
        if (j->field && *j->field)
            xlsx_put_text(c, ws, at, 2, j->field, c->f.text);
        else
            xlsx_put_text(c, ws, at, 2, L("xlsx.whole_row"), c->f.italic);
        xlsx_put_text(c, ws, at, 3, j->value, c->f.text);
        xlsx_put_text(c, ws, at, 4, j->reason, c->f.wrap);
        size_t lines = xlsx_lines(j->reason, (size_t)(XLSX_DQ_REASON_WIDTH * 1.25));
        if (lines > 1)
            xlsx_check(c, worksheet_set_row(ws, at, 15.0 * (double)lines, NULL), at, 0);
    }
    xlsx_dq_table(c, ws, row, row + (lxw_row_t)n, keys, 5, "Rejects");
}

/* Rejected rows that will not fit on the sheet get a warning up front.
 * The rejects' header row follows the layout of xlsx_data_quality: title
 * (rows 0-1), warnings from row 3 (section title, at least one line, a
 * gap), provenance (5 rows), input files (title, header, rows, gap), then
 * the rejects' section title.  The count of warnings includes this one. */
static void xlsx_dq_overflow(xlsx_ctx *c)
{
    size_t warnings = c->r->nwarnings + c->nwarnings + (c->ncut > XLSX_MAX_CUT_WARNINGS) +
                      (c->nbad > 0) + 1;
    size_t inputs = c->r->ninputs ? c->r->ninputs + 3 : 0;
    size_t head = 4 + warnings + 1 + 5 + inputs + 1;
    size_t room = head < XLSX_LAST_ROW ? XLSX_LAST_ROW - head : 0;
    if (c->r->nrejects > room)
        xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", c->sheet, L("xlsx.warning.rows"),
                                  c->r->nrejects - room));
}

/* The data-quality sheet: warnings first (they are what a reader must
 * see), provenance, input files, then the rejected rows. */
static void xlsx_data_quality(xlsx_ctx *c, lxw_worksheet *ws)
{
    c->sheet = ws->name;
    xlsx_dq_prescan(c);
    c->noting = false;
    xlsx_dq_overflow(c);
    xlsx_dq_totals(c);
    xlsx_sheet_title(c, ws, L("xlsx.sheet.data_quality"));
    static const double widths[] = {34, 12, 16, 30, XLSX_DQ_REASON_WIDTH, 14, 12, 11, 11};
    for (lxw_col_t i = 0; i < 9; i++)
        xlsx_width(c, ws, i, i, widths[i]);
    lxw_row_t row = xlsx_dq_warnings(c, ws, 3);
    row = xlsx_dq_provenance(c, ws, row);
    row = xlsx_dq_inputs(c, ws, row);
    xlsx_dq_rejects(c, ws, row);
}

/* ================================================================ workbook */

/* The page header and footer: municipality left, report and period right;
 * sheet name left, "page x of y" in the middle, program right.  '&' in
 * names is doubled; names are shortened until it fits Excel's 255. */
static void xlsx_header_footer(xlsx_ctx *c)
{
    const report *r = c->r;
    const char *title = r->title && *r->title ? r->title : L("report.title");
    for (size_t room = 60;; room -= 10) {
        c->header = arena_printf(&c->mem, "&L%s&R%s %s", xlsx_amp(c, xlsx_plain(c, r->name, room)),
                                 xlsx_amp(c, xlsx_plain(c, title, room)), r->period.id);
        if (strlen(c->header) <= 255 || room <= 10)
            break;
    }
    c->footer = arena_printf(&c->mem, "&L&A&C%s&Rkvalrap %s",
                             xlsx_plain(c, L("xlsx.footer.page"), 100), KV_VERSION);
}

/* Document properties (title, subject, author and company = municipality,
 * keywords, comments with the kvalrap version and rule file) and a fixed
 * creation date, the report's `generated`, so output is reproducible.
 * libxlsxwriter takes 0 to mean "now", so the epoch itself becomes 1 s. */
static void xlsx_properties(xlsx_ctx *c)
{
    const report *r = c->r;
    const char *title = r->title && *r->title ? r->title : L("report.title");
    const char *name = xlsx_plain(c, r->name, 250);
    lxw_doc_properties p = {
        .title = (char *)xlsx_plain(c, arena_printf(&c->mem, "%s \u2013 %s \u2013 %s", title,
                                                    r->name ? r->name : "", r->period.id), 250),
        .subject = (char *)xlsx_plain(c, arena_printf(&c->mem, "%s %s", L("xlsx.props.subject"),
                                                      xlsx_period_text(c, &r->period)), 250),
        .author = (char *)name,
        .company = (char *)name,
        .keywords = (char *)xlsx_plain(c, arena_printf(&c->mem, "%s, %s, %s", L("xlsx.props.keywords"),
                                                       r->municipality ? r->municipality : "",
                                                       r->period.id), 250),
        .comments = (char *)xlsx_plain(c, arena_printf(&c->mem, "kvalrap %s; %s %s (SHA-256 %s)",
                                                       KV_VERSION, L("xlsx.rule_file"),
                                                       r->rule_file ? r->rule_file : "",
                                                       r->rule_sha256), 250),
        .created = r->generated > 0 ? r->generated : 1,
    };
    c->sheet = NULL;
    xlsx_ok(c, workbook_set_properties(c->wb, &p), "document properties");
    xlsx_ok(c, workbook_set_custom_property_string(c->wb, "kvalrap_version", KV_VERSION),
            "document properties");
    xlsx_ok(c, workbook_set_custom_property_string(c->wb, "period", r->period.id),
            "document properties");
}

/* Builds every sheet in tab order.  The summary comes first but is filled
 * after the series sheet, whose rows its charts refer to. */
static void xlsx_build(xlsx_ctx *c)
{
    c->subtitle = arena_printf(&c->mem, "%s \u00b7 %s", c->r->name ? c->r->name : "",
                               c->r->period.id);
    xlsx_header_footer(c);
    if (!xlsx_make_formats(c))
        return;
    xlsx_properties(c);
    lxw_worksheet *summary = xlsx_add_sheet(c, L("xlsx.sheet.summary"));
    lxw_worksheet *series = xlsx_add_sheet(c, L("xlsx.sheet.series"));
    if (!summary || !series)
        return;
    xlsx_series_pos *pos = xcalloc(c->r->nkpis + 1, sizeof *pos);
    c->sheet = series->name;
    xlsx_series(c, series, pos);
    xlsx_summary(c, summary, series->name, pos);
    free(pos);
    xlsx_comparison(c);
    xlsx_breakdowns(c);
    xlsx_lists(c);
    lxw_worksheet *dq = xlsx_add_sheet(c, L("xlsx.sheet.data_quality"));
    if (dq)
        xlsx_data_quality(c, dq);
    worksheet_activate(summary);
}

/* ================================================================ CRC-32 */

/*
 * zlib's CRC-32 runs at about 2 GB/s; the workbook's CRC-32s (of the lists'
 * XML as it is deflated, and again as the finished file is verified) go
 * over some 90 MB for a list of 130,000 rows.  With the carry-less multiply
 * of x86-64 the 64-byte blocks of a buffer are folded into 128 bits (the
 * folding constants of Intel's "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ", for the reflected polynomial 0xEDB88320),
 * whose CRC zlib then finishes with the bytes left: five times as fast,
 * the same value.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("pclmul,sse2"))) static uLong xlsx_crc32_clmul(uLong crc, const unsigned char *p,
                                                                    size_t n)
{
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    __m128i x0 = _mm_loadu_si128((const __m128i *)p), x1 = _mm_loadu_si128((const __m128i *)(p + 16)),
            x2 = _mm_loadu_si128((const __m128i *)(p + 32)), x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    /* The CRC so far goes into the first four bytes (the CRC is linear). */
    x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)(uint32_t)~crc));
    p += 64;
    n -= 64;
#define XLSX_FOLD(x, k, d) \
    _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128((x), (k), 0x00), _mm_clmulepi64_si128((x), (k), 0x11)), (d))
    for (; n >= 64; p += 64, n -= 64) {
        x0 = XLSX_FOLD(x0, k1k2, _mm_loadu_si128((const __m128i *)p));
        x1 = XLSX_FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = XLSX_FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = XLSX_FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(p + 48)));
    }
    x0 = XLSX_FOLD(x0, k3k4, x1);
    x0 = XLSX_FOLD(x0, k3k4, x2);
    x0 = XLSX_FOLD(x0, k3k4, x3);
#undef XLSX_FOLD
    /* The 128 bits left have the residue of all that was folded: their
     * CRC from a zero register (zlib's ~0) is the CRC so far. */
    unsigned char r[16];
    _mm_storeu_si128((__m128i *)r, x0);
    crc = crc32_z(0xFFFFFFFFUL, r, 16);
    return n ? crc32_z(crc, p, n) : crc;
}
#endif

/* crc32_z(crc, p, n), faster on large buffers where the processor can. */
static uLong xlsx_crc32(uLong crc, const unsigned char *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (n >= 256 && __builtin_cpu_supports("pclmul"))
        return xlsx_crc32_clmul(crc, p, n);
#endif
    return crc32_z(crc, p, n);
}

/* ================================================================ streamed lists */

/*
 * libxlsxwriter keeps every cell in memory (some 100 bytes each), puts
 * every string in its shared strings table (a tree), prints each cell with
 * fprintf into a temporary file and deflates the whole package on one
 * core: for a list of 130,000 rows nearly all the time and memory the
 * workbook takes.  So the rows of a KPI list do not go through it.  It
 * writes the list's sheet with the title, the header and the table over
 * the rows to come (xlsx_list_stream), and once it has written the file,
 * xlsx_splice rewrites that file: every part is copied as it is except
 * the list's sheet, whose XML gets the rows in <sheetData> (text inline,
 * <is><t>, escaped as libxlsxwriter escapes its shared strings) and its
 * <dimension> widened to them.  That part is deflated in chunks of rows,
 * a few threads at a time; each chunk ends on a byte boundary (a sync
 * flush), so the chunks joined are one deflate stream, the same whatever
 * the number of threads.
 */

#define XLSX_CHUNK_ROWS 4096            /* rows deflated as one piece */
#define XLSX_DEFLATE_LEVEL 2            /* as fast as 1 on this XML, 12 % smaller */
#define XLSX_MAX_THREADS 4

/* A growing byte buffer for XML (no NUL kept). */
typedef struct {
    char *p;
    size_t len, cap;
} xlsx_buf;

/* Room for n more bytes. */
static void xlsx_buf_grow(xlsx_buf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + n)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static inline void xlsx_buf_need(xlsx_buf *b, size_t n)
{
    if (b->len + n > b->cap)
        xlsx_buf_grow(b, n);
}

static inline void xlsx_buf_add(xlsx_buf *b, const void *s, size_t n)
{
    xlsx_buf_need(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

#define XLSX_LIT(b, s) xlsx_buf_add((b), (s), sizeof(s) - 1)

/* v in decimal at d; returns its length (at most 20). */
static size_t xlsx_utoa(char *d, uint64_t v)
{
    char t[24];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        d[i] = t[n - 1 - i];
    return n;
}

/* v as libxlsxwriter writes a number ("%.16G"): whole numbers below 1e15
 * digit by digit, anything else through printf (under the C locale). */
static size_t xlsx_number_text(char *d, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        if (v < 0) {
            d[0] = '-';
            return 1 + xlsx_utoa(d + 1, (uint64_t)-v);
        }
        return xlsx_utoa(d, (uint64_t)v);
    }
    int n = snprintf(d, 32, "%.16G", v);
    return n > 0 && n < 32 ? (size_t)n : 0;
}

/* The letters of column col ("A", "AB", "XFD") at d, NUL-terminated. */
static void xlsx_col_letters(lxw_col_t col, char d[4])
{
    char t[4];
    size_t n = 0;
    for (unsigned v = (unsigned)col + 1; v > 0 && n < 3; v = (v - 1) / 26)
        t[n++] = (char)('A' + (v - 1) % 26);
    for (size_t i = 0; i < n; i++)
        d[i] = t[n - 1 - i];
    d[n] = '\0';
}

/* XML whitespace as isspace() sees it after the control characters are
 * escaped: only these three remain. */
static bool xlsx_xml_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n';
}

/* The <is><t>...</t></is> of cell text t (already cleaned): control
 * characters other than tab and newline as _xHHHH_, & < > as entities,
 * xml:space="preserve" when it starts or ends with white space: what
 * libxlsxwriter writes for a string in its shared strings table. */
static void xlsx_inline_text(xlsx_buf *b, const char *t)
{
    size_t n = strlen(t);
    if (xlsx_xml_space(t[0]) || xlsx_xml_space(t[n - 1]))
        XLSX_LIT(b, "<is><t xml:space=\"preserve\">");
    else
        XLSX_LIT(b, "<is><t>");
    xlsx_buf_need(b, 7 * n + 16);
    char *o = b->p + b->len;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        unsigned char ch = *p;
        if (ch >= 0x20 && ch != '&' && ch != '<' && ch != '>') {
            *o++ = (char)ch;
        } else if (ch == '&') {
            memcpy(o, "&amp;", 5);
            o += 5;
        } else if (ch == '<' || ch == '>') {
            memcpy(o, ch == '<' ? "&lt;" : "&gt;", 4);
            o += 4;
        } else if (ch == '\t' || ch == '\n') {
            *o++ = (char)ch;
        } else {
            static const char hex[] = "0123456789ABCDEF";
            memcpy(o, "_x00", 4);
            o[4] = hex[ch >> 4];
            o[5] = hex[ch & 15];
            o[6] = '_';
            o += 7;
        }
    }
    b->len = (size_t)(o - b->p);
    XLSX_LIT(b, "</t></is>");
}

/* What the rows of a stream need while their XML is made: the column
 * letters.  (The rows have no spans="first:last", which libxlsxwriter
 * writes on its own rows: the attribute is optional, a hint for a reader,
 * and was a twentieth of a list's XML.) */
typedef struct {
    const xlsx_stream *st;
    char (*letters)[4];
} xlsx_rows;

/* Appends the XML of rows a..b-1 of the stream to out; scratch holds the
 * cleaned text of a cell that needs cleaning. */
static void xlsx_rows_xml(const xlsx_rows *x, size_t a, size_t b, xlsx_buf *out, strbuf *scratch)
{
    const xlsx_stream *st = x->st;
    const item_list *il = st->il;
    size_t sh = 0, lo_sh = 0, hi_sh = st->nshared;     /* the first shared text from row a on */
    while (lo_sh < hi_sh) {
        size_t mid = lo_sh + (hi_sh - lo_sh) / 2;
        if (st->shared[mid].cell < a * il->ncols)
            lo_sh = mid + 1;
        else
            hi_sh = mid;
    }
    sh = lo_sh;
    char num[32];
    for (size_t i = a; i < b; i++) {
        const cell *row = &il->cells[i * il->ncols];
        size_t j = 0;
        while (j < il->ncols && !xlsx_list_has(&row[j]))
            j++;
        if (j == il->ncols)
            continue;                   /* no cell: libxlsxwriter writes no row */
        lxw_row_t r = st->first + (lxw_row_t)i;
        char rn[24];
        size_t rn_len = xlsx_utoa(rn, (uint64_t)r + 1);
        XLSX_LIT(out, "<row r=\"");
        xlsx_buf_add(out, rn, rn_len);
        XLSX_LIT(out, "\">");
        for (; j < il->ncols; j++) {
            const cell *e = &row[j];
            if (!xlsx_list_has(e))
                continue;
            const char *text = NULL;
            int32_t xf = 0;
            size_t nlen = 0;
            bool in_sst = false;
            size_t at = i * il->ncols + j;
            while (sh < st->nshared && st->shared[sh].cell < at)
                sh++;
            unsigned tf = e->kind == CELL_TEXT ? st->text[at] : 0;
            if (tf & XLSX_T_SHARED) {
                if (sh >= st->nshared || st->shared[sh].cell != at)
                    abort();            /* the flags and the list disagree */
                nlen = xlsx_utoa(num, st->shared[sh].index);
                in_sst = true;
            } else if (tf & XLSX_T_REPEATED) {
                const xlsx_text_slot *ts = xlsx_texts_slot(&st->texts[j], e->u.text);
                if (!ts || ts->s != e->u.text || !ts->sst)
                    abort();            /* the flags and the texts disagree */
                nlen = xlsx_utoa(num, ts->sst - 1);
                in_sst = true;
            } else if (e->kind == CELL_TEXT) {
                xlsx_text_info info;
                text = e->u.text;
                if (tf & XLSX_T_CLEAN) {
                    strbuf_reset(scratch);
                    xlsx_clean(scratch, text, XLSX_MAX_CELL_CHARS, true, &info);
                    text = strbuf_cstr(scratch);
                }
            } else if (e->kind == CELL_DATE && (e->u.day < XLSX_FIRST_DAY || e->u.day > XLSX_LAST_DAY)) {
                date_format_iso(e->u.day, num);
                text = num;
                xf = st->xf_text;
            } else if (e->kind == CELL_DATE) {
                nlen = xlsx_number_text(num, xlsx_excel_day(e->u.day));
                xf = st->xf_date;
            } else {
                nlen = xlsx_number_text(num, (double)e->u.i);
                xf = st->xf_int;
            }
            XLSX_LIT(out, "<c r=\"");
            xlsx_buf_add(out, x->letters[j], strlen(x->letters[j]));
            xlsx_buf_add(out, rn, rn_len);
            if (xf > 0) {
                char s[16];
                XLSX_LIT(out, "\" s=\"");
                xlsx_buf_add(out, s, xlsx_utoa(s, (uint64_t)xf));
            }
            if (in_sst) {
                XLSX_LIT(out, "\" t=\"s\"><v>");
                xlsx_buf_add(out, num, nlen);
                XLSX_LIT(out, "</v></c>");
            } else if (text && !tf) {
                /* Plain text: nothing to escape, copied as it is. */
                size_t n = strlen(text);
                bool keep = xlsx_xml_space(text[0]) || xlsx_xml_space(text[n - 1]);
                xlsx_buf_need(out, n + 64);
                char *o = out->p + out->len;
                if (keep) {
                    static const char k[] = "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">";
                    memcpy(o, k, sizeof k - 1);
                    o += sizeof k - 1;
                } else {
                    static const char k[] = "\" t=\"inlineStr\"><is><t>";
                    memcpy(o, k, sizeof k - 1);
                    o += sizeof k - 1;
                }
                memcpy(o, text, n);
                o += n;
                memcpy(o, "</t></is></c>", 13);
                out->len = (size_t)(o + 13 - out->p);
            } else if (text) {
                XLSX_LIT(out, "\" t=\"inlineStr\">");
                xlsx_inline_text(out, text);
                XLSX_LIT(out, "</c>");
            } else {
                XLSX_LIT(out, "\"><v>");
                xlsx_buf_add(out, num, nlen);
                XLSX_LIT(out, "</v></c>");
            }
        }
        XLSX_LIT(out, "</row>");
    }
}

/* ---------------------------------------------------------------- chunks */

/* One chunk of a part, deflated. */
typedef struct {
    unsigned char *data;
    size_t len, ulen;                   /* compressed, uncompressed */
    uLong crc;                          /* CRC-32 of the uncompressed bytes */
    size_t k;                           /* its number */
    bool done, failed;
} xlsx_piece;

/* The deflating of one part: the XML before the rows (head), the rows in
 * chunks of XLSX_CHUNK_ROWS, the XML after them (tail).  Workers take the
 * next chunk while fewer than `window` wait to be written. */
typedef struct {
    const xlsx_rows *rows;
    const char *head, *tail;
    size_t head_len, tail_len;
    size_t nchunks, window;
    locale_t cloc;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next, written;
    bool stop;
    xlsx_piece *slots;                  /* window of them, chunk k in slot k % window */
} xlsx_job;

/* Feeds the len bytes at in to the chunk's stream with `flush`, its
 * output appended to p->data (grown as needed).  False on a failure. */
static bool xlsx_piece_deflate(xlsx_piece *p, size_t *cap, z_stream *zs, const char *in, size_t len,
                               int flush)
{
    if (len > UINT32_MAX)
        return false;
    zs->next_in = (Bytef *)in;
    zs->avail_in = (uInt)len;
    for (;;) {
        if (!p->data || p->len == *cap) {
            *cap = p->data ? 2 * *cap : *cap;
            p->data = xrealloc(p->data, *cap);
        }
        zs->next_out = p->data + p->len;
        zs->avail_out = (uInt)(*cap - p->len);
        int rc = deflate(zs, flush);
        p->len = (size_t)(zs->next_out - p->data);
        if (rc == Z_STREAM_ERROR)
            return false;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : zs->avail_in == 0 && zs->avail_out > 0)
            return true;
        if (flush == Z_FINISH && rc != Z_OK && rc != Z_BUF_ERROR)
            return false;
    }
}

/* Rows whose XML is made and deflated at a time within a chunk: the
 * chunk's output is the same as from its whole XML at once (deflate's
 * output does not depend on how its input is cut; the chunk's end, a
 * sync flush, does), without a buffer of the chunk's XML (1.4 MB of
 * 4096 rows) in every thread. */
#define XLSX_PIECE_ROWS 256

/* Makes chunk k: its XML (with the head before the first, the tail after
 * the last), its CRC, and its deflated bytes ending on a byte boundary
 * (the last chunk ends the stream). */
static xlsx_piece xlsx_make_piece(const xlsx_job *j, size_t k, z_stream *zs, xlsx_buf *xml,
                                  strbuf *scratch)
{
    xlsx_piece p = {.k = k, .done = true, .crc = xlsx_crc32(0, NULL, 0)};
    if (deflateReset(zs) != Z_OK) {
        p.failed = true;
        return p;
    }
    size_t a = k * XLSX_CHUNK_ROWS, b = a + XLSX_CHUNK_ROWS;
    b = b < j->rows->st->nrows ? b : j->rows->st->nrows;
    bool last = k + 1 == j->nchunks;
    size_t cap = 1 << 16;
    for (size_t from = a;;) {
        size_t to = b - from > XLSX_PIECE_ROWS ? from + XLSX_PIECE_ROWS : b;
        xml->len = 0;
        if (k == 0 && from == a)
            xlsx_buf_add(xml, j->head, j->head_len);
        xlsx_rows_xml(j->rows, from, to, xml, scratch);
        if (last && to == b)
            xlsx_buf_add(xml, j->tail, j->tail_len);
        p.ulen += xml->len;
        p.crc = xlsx_crc32(p.crc, (const unsigned char *)xml->p, xml->len);
        int flush = to < b ? Z_NO_FLUSH : last ? Z_FINISH : Z_SYNC_FLUSH;
        if ((xml->len || flush != Z_NO_FLUSH) && !xlsx_piece_deflate(&p, &cap, zs, xml->p, xml->len, flush)) {
            p.failed = true;
            return p;
        }
        if (to == b)
            break;
        from = to;
    }
    return p;
}

/* A deflate stream as libxlsxwriter's zip library sets one up. */
static bool xlsx_deflate_init(z_stream *zs)
{
    *zs = (z_stream){0};
    return deflateInit2(zs, XLSX_DEFLATE_LEVEL, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

static void *xlsx_worker(void *arg)
{
    xlsx_job *j = arg;
    if (j->cloc)
        uselocale(j->cloc);
    z_stream zs;
    bool ok = xlsx_deflate_init(&zs);
    xlsx_buf xml = {0};
    strbuf scratch = {0};
    for (;;) {
        pthread_mutex_lock(&j->mu);
        while (!j->stop && j->next < j->nchunks && j->next >= j->written + j->window)
            pthread_cond_wait(&j->cv, &j->mu);
        if (j->stop || j->next >= j->nchunks) {
            pthread_mutex_unlock(&j->mu);
            break;
        }
        size_t k = j->next++;
        pthread_mutex_unlock(&j->mu);
        xlsx_piece p = ok ? xlsx_make_piece(j, k, &zs, &xml, &scratch)
                          : (xlsx_piece){.k = k, .done = true, .failed = true};
        pthread_mutex_lock(&j->mu);
        j->slots[k % j->window] = p;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    if (ok)
        deflateEnd(&zs);
    free(xml.p);
    strbuf_free(&scratch);
    return NULL;
}

/* Threads to deflate with: $KV_XLSX_THREADS (for tests), else the online
 * cores, at most XLSX_MAX_THREADS; 1 means none besides the caller's. */
static size_t xlsx_threads(void)
{
    const char *env = getenv("KV_XLSX_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > XLSX_MAX_THREADS ? XLSX_MAX_THREADS : (size_t)n;
}

/* Writes the deflated part (head, the stream's rows, tail) to f; its CRC
 * and sizes in *crc, *clen, *ulen, and the CRC of the deflated bytes in
 * *zcrc.  False on a write error (errno set) or a deflate failure (errno 0). */
static bool xlsx_write_part(xlsx_ctx *c, const xlsx_rows *rows, const char *head, size_t head_len,
                            const char *tail, size_t tail_len, FILE *f, uLong *crc, uint64_t *clen,
                            uint64_t *ulen, uLong *zcrc)
{
    size_t nrows = rows->st->nrows;
    xlsx_job j = {.rows = rows, .head = head, .tail = tail, .head_len = head_len,
                  .tail_len = tail_len, .cloc = c->cloc};
    j.nchunks = nrows ? (nrows + XLSX_CHUNK_ROWS - 1) / XLSX_CHUNK_ROWS : 1;
    size_t want = xlsx_threads();
    want = want > j.nchunks ? j.nchunks : want;
    pthread_t tid[XLSX_MAX_THREADS];
    size_t nthreads = 0;
    j.window = 2 * want;
    j.slots = xcalloc(j.window, sizeof *j.slots);
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    if (want > 1)
        while (nthreads < want && pthread_create(&tid[nthreads], NULL, xlsx_worker, &j) == 0)
            nthreads++;
    /* Without threads this one makes each chunk itself. */
    z_stream zs;
    bool zs_ok = nthreads == 0 && xlsx_deflate_init(&zs);
    xlsx_buf xml = {0};
    strbuf scratch = {0};
    bool ok = nthreads > 0 || zs_ok;
    *crc = *zcrc = crc32(0, NULL, 0);
    *clen = *ulen = 0;
    errno = 0;
    for (size_t k = 0; ok && k < j.nchunks; k++) {
        xlsx_piece p;
        if (nthreads == 0) {
            p = xlsx_make_piece(&j, k, &zs, &xml, &scratch);
        } else {
            pthread_mutex_lock(&j.mu);
            xlsx_piece *s = &j.slots[k % j.window];
            while (!(s->done && s->k == k))
                pthread_cond_wait(&j.cv, &j.mu);
            p = *s;
            *s = (xlsx_piece){0};
            j.written++;
            pthread_cond_broadcast(&j.cv);
            pthread_mutex_unlock(&j.mu);
        }
        ok = !p.failed && fwrite(p.data, 1, p.len, f) == p.len;
        *zcrc = xlsx_crc32(*zcrc, p.data, p.len);
        *crc = crc32_combine(*crc, p.crc, (z_off_t)p.ulen);
        *clen += p.len;
        *ulen += p.ulen;
        free(p.data);
    }
    pthread_mutex_lock(&j.mu);
    j.stop = true;
    pthread_cond_broadcast(&j.cv);
    pthread_mutex_unlock(&j.mu);
    for (size_t t = 0; t < nthreads; t++)
        pthread_join(tid[t], NULL);
    for (size_t s = 0; s < j.window; s++)
        free(j.slots[s].data);
    free(j.slots);
    pthread_cond_destroy(&j.cv);
    pthread_mutex_destroy(&j.mu);
    if (zs_ok)
        deflateEnd(&zs);
    free(xml.p);
    strbuf_free(&scratch);
    return ok;
}

/* ---------------------------------------------------------------- zip */

static unsigned xlsx_rd16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t xlsx_rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void xlsx_wr16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void xlsx_wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* One entry of the archive as the central directory gives it. */
typedef struct {
    const unsigned char *cd;            /* its central directory record */
    size_t cd_len;
    const unsigned char *local;         /* its local header */
    size_t local_len;                   /* header, name and extra field */
    const unsigned char *data;
    uint32_t clen, ulen;
    char name[64];                      /* "" when longer */
    xlsx_stream *stream;                /* the list to put into it, or NULL */
} xlsx_zent;

/* The name of the entry whose central directory record is at cd (avail
 * bytes readable there), for a message: printable ASCII, anything else as
 * '?', cut to fit out (n > 0 bytes). */
static const char *xlsx_zent_name(const unsigned char *cd, size_t avail, char *out, size_t n)
{
    size_t nl = avail >= 46 ? xlsx_rd16(cd + 28) : 0, k = 0;
    if (avail >= 46 && nl > avail - 46)
        nl = avail - 46;
    for (size_t i = 0; i < nl && k + 1 < n; i++) {
        unsigned char ch = cd[46 + i];
        out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    out[k] = '\0';
    return k ? out : "(unnamed entry)";
}

/* Reads the archive in buf[0..n): its entries (caller frees) and where
 * the end-of-central-directory record starts; NULL when it is not the
 * plain archive libxlsxwriter writes (no zip64, no data descriptors), with
 * the reason in why (whylen bytes; why may be NULL). */
static xlsx_zent *xlsx_zip_entries(const unsigned char *buf, size_t n, size_t *count,
                                    size_t *eocd, char *why, size_t whylen)
{
    char name[96];
    size_t e = n >= 22 ? n - 22 : 0;
    while (e > 0 && xlsx_rd32(buf + e) != 0x06054b50 && n - e < 22 + 65535)
        e--;
    if (n < 22 || xlsx_rd32(buf + e) != 0x06054b50) {
        if (why)
            snprintf(why, whylen, "the file is not a complete zip archive (%zu bytes)", n);
        return NULL;
    }
    size_t total = xlsx_rd16(buf + e + 10), cd_size = xlsx_rd32(buf + e + 12),
           cd_off = xlsx_rd32(buf + e + 16);
    if (cd_off > e || cd_size > e - cd_off || total == 0xFFFF) {
        if (why)
            snprintf(why, whylen, "the zip archive's central directory is not where its end "
                                  "record says (%zu bytes)", n);
        return NULL;
    }
    xlsx_zent *es = xcalloc(total + 1, sizeof *es);
    size_t at = cd_off;
    for (size_t i = 0; i < total; i++) {
        const unsigned char *p = buf + at;
        if (at + 46 > cd_off + cd_size || xlsx_rd32(p) != 0x02014b50) {
            if (why)
                snprintf(why, whylen, "the zip archive's central directory ends after %zu of "
                                      "%zu entries", i, total);
            goto bad;
        }
        size_t nl = xlsx_rd16(p + 28), xl = xlsx_rd16(p + 30), kl = xlsx_rd16(p + 32);
        xlsx_zent *x = &es[i];
        x->cd = p;
        x->cd_len = 46 + nl + xl + kl;
        x->clen = xlsx_rd32(p + 20);
        x->ulen = xlsx_rd32(p + 24);
        uint32_t off = xlsx_rd32(p + 42);
        const char *what = NULL;
        if (at + x->cd_len > cd_off + cd_size)
            what = "its central directory record runs past the directory";
        else if ((xlsx_rd16(p + 8) & 8) || x->clen == 0xFFFFFFFF || x->ulen == 0xFFFFFFFF ||
                 off == 0xFFFFFFFF)
            what = "zip64 or a data descriptor, which libxlsxwriter does not write";
        else if ((size_t)off + 30 > cd_off || xlsx_rd32(buf + off) != 0x04034b50)
            what = "no local header where the central directory says";
        if (!what) {
            const unsigned char *l = buf + off;
            x->local = l;
            x->local_len = 30 + (size_t)xlsx_rd16(l + 26) + xlsx_rd16(l + 28);
            if (off + x->local_len + x->clen > cd_off)
                what = "its data runs into the central directory";
        }
        if (what) {
            if (why)
                snprintf(why, whylen, "%s: %s",
                         xlsx_zent_name(p, cd_off + cd_size - at, name, sizeof name), what);
            goto bad;
        }
        x->data = x->local + x->local_len;
        if (nl < sizeof x->name) {
            memcpy(x->name, p + 46, nl);
            x->name[nl] = '\0';
        }
        at += x->cd_len;
    }
    *count = total;
    *eocd = e;
    return es;
bad:
    free(es);
    return NULL;
}

/* The XML of a stored or deflated entry (caller frees), or NULL. */
static char *xlsx_entry_xml(const xlsx_zent *x)
{
    unsigned method = xlsx_rd16(x->cd + 10);
    char *out = xmalloc((size_t)x->ulen + 1);
    bool ok = false;
    if (method == 0) {
        ok = x->clen == x->ulen;
        if (ok)
            memcpy(out, x->data, x->ulen);
    } else if (method == 8) {
        z_stream zs = {0};
        if (inflateInit2(&zs, -MAX_WBITS) == Z_OK) {
            zs.next_in = (Bytef *)x->data;
            zs.avail_in = x->clen;
            zs.next_out = (Bytef *)out;
            zs.avail_out = x->ulen;
            ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == x->ulen;
            inflateEnd(&zs);
        }
    }
    ok = ok && xlsx_crc32(0, (const unsigned char *)out, x->ulen) == xlsx_rd32(x->cd + 16);
    if (!ok) {
        free(out);
        return NULL;
    }
    out[x->ulen] = '\0';
    return out;
}

/* Reads the cell reference ("E4") at s into *row, *col (0-based); returns
 * the characters read, 0 when there is none. */
static size_t xlsx_parse_ref(const char *s, uint32_t *row, uint32_t *col)
{
    size_t i = 0;
    uint32_t c = 0, r = 0;
    while (s[i] >= 'A' && s[i] <= 'Z' && i < 3)
        c = c * 26 + (uint32_t)(s[i++] - 'A' + 1);
    size_t d = i;
    while (s[i] >= '0' && s[i] <= '9' && i - d < 7)
        r = r * 10 + (uint32_t)(s[i++] - '0');
    if (d == 0 || i == d || r == 0)
        return 0;
    *row = r - 1;
    *col = c - 1;
    return i;
}

/* The rows and columns the stream's cells take: false when none. */
static bool xlsx_stream_extent(const xlsx_stream *st, uint32_t *r0, uint32_t *c0, uint32_t *r1,
                               uint32_t *c1)
{
    const item_list *il = st->il;
    bool any = false;
    for (size_t i = 0; i < st->nrows; i++)
        for (size_t j = 0; j < il->ncols; j++)
            if (xlsx_list_has(&il->cells[i * il->ncols + j])) {
                uint32_t r = st->first + (uint32_t)i, cc = (uint32_t)j;
                *r0 = any && *r0 < r ? *r0 : r;
                *r1 = any && *r1 > r ? *r1 : r;
                *c0 = any && *c0 < cc ? *c0 : cc;
                *c1 = any && *c1 > cc ? *c1 : cc;
                any = true;
            }
    return any;
}

/* Splits the sheet XML at where the rows go: head (with the dimension
 * widened to the rows and <sheetData> open) and tail (from </sheetData>
 * on), both in the arena.  False when the XML is not as libxlsxwriter
 * writes it or already has rows from the first data row on. */
static bool xlsx_split_sheet(xlsx_ctx *c, const char *xml, const xlsx_stream *st, const char **head,
                             const char **tail)
{
    const char *dim = strstr(xml, "<dimension ref=\"");
    const char *end = strstr(xml, "</sheetData>"), *empty = strstr(xml, "<sheetData/>");
    const char *at = end ? end : empty;
    if (!dim || !at || dim > at)
        return false;
    const char *ref = dim + strlen("<dimension ref=\"");
    uint32_t r0, c0, r1, c1;
    size_t n = xlsx_parse_ref(ref, &r0, &c0);
    if (!n)
        return false;
    r1 = r0;
    c1 = c0;
    if (ref[n] == ':') {
        size_t m = xlsx_parse_ref(ref + n + 1, &r1, &c1);
        if (!m)
            return false;
        n += 1 + m;
    }
    if (ref[n] != '"')
        return false;
    /* The last row libxlsxwriter wrote must come before the list's. */
    const char *last = NULL;
    for (const char *p = strstr(xml, "<row r=\""); p && p < at; p = strstr(p + 1, "<row r=\""))
        last = p;
    if (last && strtoul(last + strlen("<row r=\""), NULL, 10) > st->first)
        return false;
    uint32_t s0, s1, d0, d1;
    if (xlsx_stream_extent(st, &s0, &d0, &s1, &d1)) {
        r0 = r0 < s0 ? r0 : s0;
        c0 = c0 < d0 ? c0 : d0;
        r1 = r1 > s1 ? r1 : s1;
        c1 = c1 > d1 ? c1 : d1;
    }
    char a[LXW_MAX_CELL_NAME_LENGTH], b[LXW_MAX_CELL_NAME_LENGTH];
    lxw_rowcol_to_cell(a, r0, (lxw_col_t)c0);
    lxw_rowcol_to_cell(b, r1, (lxw_col_t)c1);
    const char *range = r0 == r1 && c0 == c1 ? a : arena_printf(&c->mem, "%s:%s", a, b);
    *head = arena_printf(&c->mem, "%.*s%s%.*s%s", (int)(ref - xml), xml, range, (int)(at - ref - n),
                         ref + n, end ? "" : "<sheetData>");
    *tail = end ? arena_strdup(&c->mem, end)
                : arena_printf(&c->mem, "</sheetData>%s", empty + strlen("<sheetData/>"));
    return true;
}

/* The whole of the file at path (caller frees), its size in *n; NULL with
 * errno on failure. */
static unsigned char *xlsx_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (cap - len < 65536) {
            cap = cap ? 2 * cap : 1 << 20;
            buf = xrealloc(buf, cap);
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    int saved = errno;
    bool ok = !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    *n = len;
    return buf;
}

/* The general-purpose flags of a deflated entry at our level, as zlib's
 * minizip sets them (bits 1-2: 6 for level 1). */
static unsigned xlsx_level_flags(unsigned flags)
{
    flags &= ~6u;
    return flags | (XLSX_DEFLATE_LEVEL == 1 ? 6u : XLSX_DEFLATE_LEVEL == 2 ? 4u
                    : XLSX_DEFLATE_LEVEL >= 8 ? 2u : 0u);
}

/* The list whose rows go into entry x (an xl/worksheets/sheet<n>.xml),
 * or NULL. */
static xlsx_stream *xlsx_stream_of(xlsx_stream *streams, size_t n, const xlsx_zent *x)
{
    for (size_t s = 0; s < n; s++) {
        char name[64];
        snprintf(name, sizeof name, "xl/worksheets/sheet%u.xml", streams[s].sheet);
        if (strcmp(x->name, name) == 0)
            return &streams[s];
    }
    return NULL;
}

static const char *xlsx_part_frame(const char *head, const char *tail);

/* Writes entries es[0..n) to f: each as it was, except those with a
 * stream, whose XML gets the rows.  Updates each central directory record
 * in cds (a copy of the directory) with the new offsets, CRCs and sizes.
 * False with the reason in c on failure. */
static bool xlsx_write_entries(xlsx_ctx *c, FILE *f, xlsx_zent *es, size_t n, unsigned char *cds)
{
    size_t cd_at = 0;
    for (size_t i = 0; i < n; i++, cd_at += es[i - 1].cd_len) {
        xlsx_zent *x = &es[i];
        unsigned char *cd = cds + cd_at;
        off_t off = ftello(f);
        if (off < 0 || off > (off_t)0xFFFFFFF0) {
            xlsx_fail(c, "%s: the workbook is too large for a zip archive without zip64", c->path);
            return false;
        }
        xlsx_wr32(cd + 42, (uint32_t)off);
        if (!x->stream) {
            if (fwrite(x->local, 1, x->local_len + x->clen, f) != x->local_len + x->clen)
                goto io;
            continue;
        }
        char *xml = xlsx_entry_xml(x);
        const char *head, *tail;
        bool split = xml && xlsx_split_sheet(c, xml, x->stream, &head, &tail);
        free(xml);
        /* The part's frame is checked here, where its ends are known:
         * the check of the finished file does not inflate it again. */
        const char *frame = split ? xlsx_part_frame(head, tail) : "is not as libxlsxwriter writes a sheet";
        if (frame) {
            xlsx_fail(c, "%s: %s %s", c->path, x->name, frame);
            return false;
        }
        unsigned char lh[30];
        memcpy(lh, x->local, 30);
        unsigned flags = xlsx_level_flags(xlsx_rd16(lh + 6));
        xlsx_wr16(lh + 6, flags);
        xlsx_wr16(lh + 8, 8);
        if (fwrite(lh, 1, 30, f) != 30 ||
            fwrite(x->local + 30, 1, x->local_len - 30, f) != x->local_len - 30)
            goto io;
        xlsx_rows rows = {.st = x->stream};
        rows.letters = xcalloc(x->stream->il->ncols + 1, sizeof *rows.letters);
        for (size_t j = 0; j < x->stream->il->ncols; j++)
            xlsx_col_letters((lxw_col_t)j, rows.letters[j]);
        uLong crc, zcrc;
        uint64_t clen, ulen;
        bool ok = xlsx_write_part(c, &rows, head, strlen(head), tail, strlen(tail), f, &crc, &clen,
                                  &ulen, &zcrc);
        int saved = errno;
        free(rows.letters);
        if (!ok && !saved) {
            xlsx_fail(c, "%s: cannot compress the sheet %s", c->path, x->name);
            return false;
        }
        errno = saved;
        if (!ok)
            goto io;
        if (clen > 0xFFFFFFF0u || ulen > 0xFFFFFFF0u) {
            xlsx_fail(c, "%s: the sheet %s is too large for a zip archive without zip64", c->path,
                      x->name);
            return false;
        }
        xlsx_wr32(lh + 14, (uint32_t)crc);
        xlsx_wr32(lh + 18, (uint32_t)clen);
        xlsx_wr32(lh + 22, (uint32_t)ulen);
        off_t after = ftello(f);
        if (after < 0 || fseeko(f, off, SEEK_SET) != 0 || fwrite(lh, 1, 30, f) != 30 ||
            fseeko(f, after, SEEK_SET) != 0)
            goto io;
        xlsx_wr16(cd + 8, flags);
        xlsx_wr16(cd + 10, 8);
        xlsx_wr32(cd + 16, (uint32_t)crc);
        xlsx_wr32(cd + 20, (uint32_t)clen);
        xlsx_wr32(cd + 24, (uint32_t)ulen);
        x->stream->spliced = true;
        x->stream->zcrc = zcrc;
        x->stream->zlen = clen;
    }
    return true;
io:
    xlsx_fail(c, "%s: cannot write the workbook: %s", c->path, strerror(errno ? errno : EIO));
    return false;
}

/* Puts the rows of the streamed lists into the file libxlsxwriter wrote
 * at c->path (see "streamed lists").  False with the reason in c. */
static bool xlsx_splice(xlsx_ctx *c)
{
    size_t n, count, eocd;
    unsigned char *buf = xlsx_slurp(c->path, &n);
    if (!buf) {
        xlsx_fail(c, "%s: cannot read the workbook back: %s", c->path, strerror(errno));
        return false;
    }
    xlsx_zent *es = xlsx_zip_entries(buf, n, &count, &eocd, NULL, 0);
    if (!es) {
        free(buf);
        xlsx_fail(c, "%s: the workbook libxlsxwriter wrote is not a plain zip archive", c->path);
        return false;
    }
    size_t found = 0;
    for (size_t i = 0; i < count; i++)
        if ((es[i].stream = xlsx_stream_of(c->streams, c->nstreams, &es[i])) != NULL)
            found++;
    bool ok = found == c->nstreams;
    if (!ok)
        xlsx_fail(c, "%s: a list's sheet is missing from the workbook", c->path);
    size_t cd_size = 0;
    for (size_t i = 0; i < count; i++)
        cd_size += es[i].cd_len;
    unsigned char *tailrec = NULL;
    size_t tail_len = n - eocd;
    FILE *f = ok ? fopen(c->path, "wb") : NULL;
    if (ok && !f) {
        xlsx_fail(c, "%s: cannot write the workbook: %s", c->path, strerror(errno));
        ok = false;
    }
    if (ok) {
        /* The directory, then the end record, copied and brought up to date. */
        unsigned char *cds = xmalloc(cd_size + 1);
        size_t at = 0;
        for (size_t i = 0; i < count; i++, at += es[i - 1].cd_len)
            memcpy(cds + at, es[i].cd, es[i].cd_len);
        tailrec = xmalloc(tail_len);
        memcpy(tailrec, buf + eocd, tail_len);
        ok = xlsx_write_entries(c, f, es, count, cds);
        off_t cd_off = ok ? ftello(f) : -1;
        if (ok && (cd_off < 0 || cd_off > (off_t)0xFFFFFFF0)) {
            xlsx_fail(c, "%s: the workbook is too large for a zip archive without zip64", c->path);
            ok = false;
        }
        if (ok) {
            xlsx_wr32(tailrec + 12, (uint32_t)cd_size);
            xlsx_wr32(tailrec + 16, (uint32_t)cd_off);
            errno = 0;
            ok = fwrite(cds, 1, cd_size, f) == cd_size && fwrite(tailrec, 1, tail_len, f) == tail_len &&
                 fflush(f) == 0;
            if (!ok)
                xlsx_fail(c, "%s: cannot write the workbook: %s", c->path, strerror(errno ? errno : EIO));
        }
        free(cds);
    }
    if (f && fclose(f) != 0 && ok) {
        xlsx_fail(c, "%s: cannot write the workbook: %s", c->path, strerror(errno));
        ok = false;
    }
    free(tailrec);
    free(es);
    free(buf);
    return ok;
}

/* ---------------------------------------------------------------- verify */

#define XLSX_VERIFY_CHUNK ((size_t)256 << 10)  /* inflated at a time (stays in cache) */

/* What the check of one entry keeps while its bytes go by: their CRC and
 * count, the first bytes (the XML declaration and the root's start tag)
 * and the last ones (the root's end tag). */
typedef struct {
    uLong crc;
    uint64_t len;
    unsigned char head[1024], tail[256];
    size_t hlen, tlen;
} xlsx_vpart;

static void xlsx_vfeed(xlsx_vpart *v, const unsigned char *p, size_t n)
{
    v->crc = xlsx_crc32(v->crc, p, n);
    v->len += n;
    size_t h = n < sizeof v->head - v->hlen ? n : sizeof v->head - v->hlen;
    memcpy(v->head + v->hlen, p, h);
    v->hlen += h;
    if (n >= sizeof v->tail) {
        memcpy(v->tail, p + n - sizeof v->tail, sizeof v->tail);
        v->tlen = sizeof v->tail;
    } else {
        size_t keep = v->tlen < sizeof v->tail - n ? v->tlen : sizeof v->tail - n;
        memmove(v->tail, v->tail + v->tlen - keep, keep);
        memcpy(v->tail + keep, p, n);
        v->tlen = keep + n;
    }
}

/* True when the entry (central directory record cd) is an XML part:
 * its name ends in ".xml" or ".rels". */
static bool xlsx_is_xml_part(const unsigned char *cd)
{
    size_t nl = xlsx_rd16(cd + 28);
    const char *name = (const char *)cd + 46;
    return (nl >= 4 && memcmp(name + nl - 4, ".xml", 4) == 0) ||
           (nl >= 5 && memcmp(name + nl - 5, ".rels", 5) == 0);
}

/* What is wrong with the XML part whose first and last bytes v kept, or
 * NULL: it must start with the XML declaration, and end with the end tag
 * of the root element that follows it (or with the root's "/>").  A part
 * that lost its start or was cut short (libxlsxwriter does not check its
 * writes) fails here even when its CRC is right. */
static const char *xlsx_xml_frame(const xlsx_vpart *v)
{
    const char *h = (const char *)v->head, *he = h + v->hlen;
    if (v->hlen < 5 || memcmp(h, "<?xml", 5) != 0)
        return "does not start with an XML declaration";
    const char *q = h + 5;
    while (q + 1 < he && !(q[0] == '?' && q[1] == '>'))
        q++;
    if (q + 1 >= he)
        return "has no root element after its XML declaration";
    for (q += 2; q < he && xlsx_xml_space(*q); q++)
        ;
    if (q >= he || *q != '<')
        return "has no root element after its XML declaration";
    const char *name = ++q;
    while (q < he && !xlsx_xml_space(*q) && *q != '>' && *q != '/' && *q != '<')
        q++;
    size_t nlen = (size_t)(q - name);
    char quote = 0;
    for (; q < he && (quote || (*q != '>' && *q != '<')); q++)
        if (*q == '"' || *q == '\'')
            quote = quote == *q ? 0 : quote ? quote : *q;
    if (nlen == 0 || q >= he || *q != '>')
        return "has no root element after its XML declaration";
    bool empty = q[-1] == '/';
    /* The end, without trailing white space. */
    const char *t = (const char *)v->tail;
    size_t tl = v->tlen;
    while (tl > 0 && xlsx_xml_space(t[tl - 1]))
        tl--;
    if (empty)
        return tl >= 2 && memcmp(t + tl - 2, "/>", 2) == 0 ? NULL
                                                           : "ends after its empty root element";
    if (tl < nlen + 3 || memcmp(t + tl - nlen - 3, "</", 2) != 0 ||
        memcmp(t + tl - nlen - 1, name, nlen) != 0 || t[tl - 1] != '>')
        return "ends before its root element is closed";
    return NULL;
}

/* xlsx_xml_frame of a part made of head, rows and tail, told from its ends. */
static const char *xlsx_part_frame(const char *head, const char *tail)
{
    xlsx_vpart v = {0};
    xlsx_vfeed(&v, (const unsigned char *)head, strlen(head));
    xlsx_vfeed(&v, (const unsigned char *)tail, strlen(tail));
    return xlsx_xml_frame(&v);
}

/* Inflates the entry x's data through v in chunks of out.  NULL, or what
 * is wrong with the data. */
static const char *xlsx_vinflate(const xlsx_zent *x, z_stream *zs, unsigned char *out,
                                 xlsx_vpart *v)
{
    if (inflateReset(zs) != Z_OK)
        return "cannot inflate it";
    zs->next_in = (Bytef *)x->data;
    zs->avail_in = x->clen;
    for (;;) {
        zs->next_out = out;
        zs->avail_out = (uInt)XLSX_VERIFY_CHUNK;
        int r = inflate(zs, Z_NO_FLUSH);
        xlsx_vfeed(v, out, XLSX_VERIFY_CHUNK - zs->avail_out);
        if (v->len > x->ulen)
            return "inflates to more bytes than the central directory says";
        if (r == Z_STREAM_END)
            return zs->avail_in ? "has bytes after the end of its compressed data" : NULL;
        if (r == Z_DATA_ERROR || r == Z_NEED_DICT)
            return "its compressed data is damaged";
        if (r == Z_MEM_ERROR)
            return "out of memory while inflating it";
        if (r != Z_OK || (zs->avail_in == 0 && zs->avail_out != 0))
            return "its compressed data ends early";
    }
}

/*
 * A large part in parallel.  The lists' rows are deflated in independent
 * pieces, each ending with a sync flush (an empty stored block: the bytes
 * 00 00 FF FF), so the compressed data can be cut after such bytes and
 * the segments inflated at once, each from an empty window.  That gives
 * the same bytes as one inflate from the start exactly when each segment
 * but the last ends at a block boundary (no final block, nothing left
 * over: inflate's data_type) and no segment refers back past its start
 * (which an empty window refuses).  A segment that does not meet that
 * (another writer's file, a cut that hit those bytes by chance, damage)
 * sends the part to the plain inflate, which has the last word.
 */
#define XLSX_VERIFY_PARALLEL ((size_t)1 << 20)   /* compressed bytes worth a thread */

typedef struct {
    const unsigned char *in;
    size_t inlen;
    bool last;                          /* the stream ends in this segment */
    uint32_t limit;                     /* the part's size: no segment inflates to more */
    xlsx_vpart v;                       /* CRC-32 and size of this segment's bytes */
    bool ok;
} xlsx_vseg;

static void xlsx_vseg_run(xlsx_vseg *g)
{
    g->v.crc = crc32(0, NULL, 0);
    z_stream zs = {0};
    unsigned char *out = malloc(XLSX_VERIFY_CHUNK);
    if (!out || inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
        free(out);
        return;
    }
    zs.next_in = (Bytef *)g->in;
    zs.avail_in = (uInt)g->inlen;
    for (;;) {
        zs.next_out = out;
        zs.avail_out = (uInt)XLSX_VERIFY_CHUNK;
        int r = inflate(&zs, Z_NO_FLUSH);
        xlsx_vfeed(&g->v, out, XLSX_VERIFY_CHUNK - zs.avail_out);
        if (g->v.len > g->limit)
            break;
        if (r == Z_STREAM_END) {
            g->ok = g->last && zs.avail_in == 0;
            break;
        }
        if (r != Z_OK)
            break;
        if (zs.avail_in == 0 && zs.avail_out != 0) {
            /* At a block boundary (128), not in the final block (64), no bits left. */
            g->ok = !g->last && (zs.data_type & 0xC7) == 128;
            break;
        }
    }
    inflateEnd(&zs);
    free(out);
}

static void *xlsx_vseg_thread(void *arg)
{
    xlsx_vseg_run(arg);
    return NULL;
}

/* The check of xlsx_vinflate, in segments at once when x is large and
 * cuts are found; false when it cannot be done so (then xlsx_vinflate
 * decides), true with v filled when every segment checked out. */
static bool xlsx_vinflate_parallel(const xlsx_zent *x, xlsx_vpart *v)
{
    size_t want = xlsx_threads(), clen = x->clen;
    if (want < 2 || clen < 2 * XLSX_VERIFY_PARALLEL)
        return false;
    if (want > clen / XLSX_VERIFY_PARALLEL)
        want = clen / XLSX_VERIFY_PARALLEL;
    xlsx_vseg g[XLSX_MAX_THREADS];
    size_t n = 0, from = 0;
    for (size_t k = 1; k < want; k++) {
        size_t at = k * clen / want;
        if (at <= from)
            continue;
        const unsigned char *m = memmem(x->data + at, clen - at, "\0\0\377\377", 4);
        if (!m || (size_t)(m + 4 - x->data) >= clen)
            break;
        size_t cut = (size_t)(m + 4 - x->data);
        g[n++] = (xlsx_vseg){.in = x->data + from, .inlen = cut - from, .limit = x->ulen};
        from = cut;
    }
    if (n == 0)
        return false;
    g[n++] = (xlsx_vseg){.in = x->data + from, .inlen = clen - from, .last = true, .limit = x->ulen};
    pthread_t tid[XLSX_MAX_THREADS];
    bool started[XLSX_MAX_THREADS] = {false};
    for (size_t k = 1; k < n; k++)
        started[k] = pthread_create(&tid[k], NULL, xlsx_vseg_thread, &g[k]) == 0;
    xlsx_vseg_run(&g[0]);
    for (size_t k = 1; k < n; k++)
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            xlsx_vseg_run(&g[k]);
    bool ok = g[0].v.len >= sizeof v->head && g[n - 1].v.len >= sizeof v->tail;
    uLong crc = g[0].v.crc;
    uint64_t len = g[0].v.len;
    for (size_t k = 0; k < n && ok; k++) {
        ok = g[k].ok;
        if (k > 0) {
            crc = crc32_combine(crc, g[k].v.crc, (z_off_t)g[k].v.len);
            len += g[k].v.len;
        }
    }
    if (!ok)
        return false;
    memcpy(v->head, g[0].v.head, sizeof v->head);
    v->hlen = sizeof v->head;
    memcpy(v->tail, g[n - 1].v.tail, sizeof v->tail);
    v->tlen = sizeof v->tail;
    v->crc = crc;
    v->len = len;
    return true;
}

/* True when buf[0..n) is a whole zip archive as libxlsxwriter and the
 * splice write it: the end record at the end, the central directory right
 * before it, the entries one after the other from offset 0, each local
 * header agreeing with the directory, and every entry inflating to its
 * size and CRC-32; every XML part framed by its declaration and its root
 * element (xlsx_xml_frame).  Else false with the reason in why.
 *
 * The parts of the lists spliced in by this process (streams[0..nstreams)
 * with `spliced` set) are not inflated again: they were deflated here from
 * XML whose CRC-32 and frame were taken as it was made, so what is left
 * to check is that the bytes that read back are the ones deflated (their
 * CRC-32 and size).  That is the check that matters for the disk, and it
 * takes 9 ms where inflating the lists of 1M rows took 60. */
static bool xlsx_verify_buf(const unsigned char *buf, size_t n, xlsx_stream *streams, size_t nstreams,
                            char *why, size_t whylen)
{
    size_t count, eocd;
    xlsx_zent *es = xlsx_zip_entries(buf, n, &count, &eocd, why, whylen);
    if (!es)
        return false;
    size_t cd_size = xlsx_rd32(buf + eocd + 12), cd_off = xlsx_rd32(buf + eocd + 16), cd_sum = 0;
    for (size_t i = 0; i < count; i++)
        cd_sum += es[i].cd_len;
    const char *whole = NULL;
    if (eocd + 22 + xlsx_rd16(buf + eocd + 20) != n)
        whole = "there are bytes after the zip archive's end record";
    else if (xlsx_rd16(buf + eocd + 4) != 0 || xlsx_rd16(buf + eocd + 6) != 0 ||
             xlsx_rd16(buf + eocd + 8) != count)
        whole = "the zip archive claims to span several disks";
    else if (count == 0)
        whole = "the zip archive has no entries";
    else if (cd_off + cd_size != eocd || cd_sum != cd_size)
        whole = "the zip archive's central directory does not end at its end record";
    if (whole) {
        snprintf(why, whylen, "%s", whole);
        free(es);
        return false;
    }
    unsigned char *out = xmalloc(XLSX_VERIFY_CHUNK);
    z_stream zs = {0};
    bool zs_ok = inflateInit2(&zs, -MAX_WBITS) == Z_OK;
    const char *what = zs_ok ? NULL : "cannot start inflating";
    size_t next = 0, i;
    for (i = 0; !what && i < count; i++) {
        const xlsx_zent *x = &es[i];
        const unsigned char *cd = x->cd, *l = x->local;
        size_t nl = xlsx_rd16(cd + 28);
        if ((size_t)(l - buf) != next) {
            what = next < (size_t)(l - buf) ? "there is a gap before it in the zip archive"
                                            : "it overlaps the entry before it";
            break;
        }
        next += x->local_len + x->clen;
        if (xlsx_rd16(l + 6) != xlsx_rd16(cd + 8) || xlsx_rd16(l + 8) != xlsx_rd16(cd + 10) ||
            xlsx_rd32(l + 14) != xlsx_rd32(cd + 16) || xlsx_rd32(l + 18) != x->clen ||
            xlsx_rd32(l + 22) != x->ulen || xlsx_rd16(l + 26) != nl ||
            memcmp(l + 30, cd + 46, nl) != 0) {
            what = "its local header does not match the central directory";
            break;
        }
        xlsx_vpart v = {.crc = crc32(0, NULL, 0)};
        unsigned method = xlsx_rd16(cd + 10);
        const xlsx_stream *made = method == 8 ? xlsx_stream_of(streams, nstreams, x) : NULL;
        made = made && made->spliced ? made : NULL;
        if (made) {
            if (x->clen != made->zlen || xlsx_crc32(crc32(0, NULL, 0), x->data, x->clen) != made->zcrc) {
                what = "its compressed bytes are not the ones written";
            } else {
                v.len = x->ulen;
                v.crc = xlsx_rd32(cd + 16);
            }
        } else if (method == 0) {
            if (x->clen != x->ulen)
                what = "stored, but its sizes differ";
            else
                xlsx_vfeed(&v, x->data, x->clen);
        } else if (method == 8) {
            if (!xlsx_vinflate_parallel(x, &v)) {
                v = (xlsx_vpart){.crc = crc32(0, NULL, 0)};
                what = xlsx_vinflate(x, &zs, out, &v);
            }
        } else {
            what = "a compression method libxlsxwriter does not use";
        }
        if (!what && v.len != x->ulen)
            what = "inflates to fewer bytes than the central directory says";
        if (!what && v.crc != xlsx_rd32(cd + 16))
            what = "CRC-32 mismatch: its bytes are not the ones written";
        if (!what && xlsx_is_xml_part(cd) && !made)
            what = xlsx_xml_frame(&v);
        if (what)
            break;
    }
    if (what) {
        char name[96];
        snprintf(why, whylen, "%s: %s", xlsx_zent_name(es[i].cd, es[i].cd_len, name, sizeof name),
                 what);
    } else if (next != cd_off) {
        what = "the entries do not end where the central directory starts";
        snprintf(why, whylen, "%s", what);
    }
    if (zs_ok)
        inflateEnd(&zs);
    free(out);
    free(es);
    return !what;
}

/* xlsx_verify_file, with the reason alone in why. */
static bool xlsx_verify_path(const char *path, xlsx_stream *streams, size_t nstreams, char *why,
                             size_t whylen)
{
    unsigned char *buf = NULL;
    bool ok = false;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0)
        snprintf(why, whylen, "cannot read the workbook back: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        snprintf(why, whylen, "not a regular file");
    else if ((uintmax_t)st.st_size > SIZE_MAX - 1)
        snprintf(why, whylen, "too large to read back");
    else {
        size_t n = (size_t)st.st_size, got = 0;
        buf = xmalloc(n + 1);
        ssize_t r = 1;
        while (got < n && (r = read(fd, buf + got, n - got)) != 0)
            if (r > 0)
                got += (size_t)r;
            else if (errno != EINTR)
                break;
        if (got < n)
            snprintf(why, whylen, "cannot read the workbook back: %s",
                     r < 0 ? strerror(errno) : "it got shorter");
        else
            ok = xlsx_verify_buf(buf, n, streams, nstreams, why, whylen);
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return ok;
}

int xlsx_verify_file(const char *path, char *err, size_t errlen)
{
    char why[320] = "";
    if (xlsx_verify_path(path, NULL, 0, why, sizeof why))
        return 0;
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, why);
    return -1;
}

/* ---------------------------------------------------------------- temporary parts */

/*
 * libxlsxwriter 1.1.4 writes each part's XML to a temporary file, then
 * copies that into the zip archive, and never checks the writes to the
 * temporary file: on a full or failing disk a part loses some of its
 * bytes (its declaration, an attribute, a row), the CRC is taken over
 * what is left, and workbook_close() reports success.  No check of the
 * finished file can see every such loss.  So kvalrap gives libxlsxwriter
 * its temporary files itself: lxw_tmpfile() (public in utility.h, called
 * by the library through its PLT) is replaced by this one, which makes
 * the file in the workbook's own folder (the tmpdir option, see
 * xlsx_write), unlinks it at once, and wraps it in a stream whose every
 * failed write or read is noted for the workbook that is being closed in
 * this thread (xlsx_tmp_errors).  A workbook with such a note fails.
 */
typedef struct {
    int err;                            /* first errno of a failed write or read, else 0 */
} xlsx_tmp_note;

static _Thread_local xlsx_tmp_note *xlsx_tmp_errors;

typedef struct {
    int fd;
    xlsx_tmp_note *note;                /* NULL: outside xlsx_finish */
} xlsx_tmp_file;

static void xlsx_tmp_failed(xlsx_tmp_file *t, int e)
{
    if (t->note && !t->note->err)
        t->note->err = e ? e : EIO;
}

static ssize_t xlsx_tmp_read(void *cookie, char *buf, size_t n)
{
    xlsx_tmp_file *t = cookie;
    ssize_t r;
    while ((r = read(t->fd, buf, n)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        xlsx_tmp_failed(t, errno);
    return r;
}

/* All of it or, noted, 0 (stdio's "error" for a cookie's write). */
static ssize_t xlsx_tmp_write(void *cookie, const char *buf, size_t n)
{
    xlsx_tmp_file *t = cookie;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(t->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            xlsx_tmp_failed(t, w < 0 ? errno : ENOSPC);
            return 0;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int xlsx_tmp_seek(void *cookie, off64_t *off, int whence)
{
    xlsx_tmp_file *t = cookie;
    off64_t r = lseek64(t->fd, *off, whence);
    if (r < 0)
        return -1;
    *off = r;
    return 0;
}

/* The part was read back (and its errors noted) before libxlsxwriter
 * closes the file; an error of close itself loses nothing. */
static int xlsx_tmp_close(void *cookie)
{
    xlsx_tmp_file *t = cookie;
    close(t->fd);
    free(t);
    return 0;
}

FILE *lxw_tmpfile(char *tmpdir)
{
    const char *dir = tmpdir && *tmpdir ? tmpdir : getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t len = strlen(dir) + sizeof "/.xlsx-part.kvtmpXXXXXX";
    char *name = malloc(len);
    if (!name)
        return NULL;
    snprintf(name, len, "%s/.xlsx-part.kvtmpXXXXXX", dir);
    int fd = mkostemp(name, O_CLOEXEC);
    if (fd < 0) {
        free(name);
        return NULL;
    }
    unlink(name);
    free(name);
    xlsx_tmp_file *t = malloc(sizeof *t);
    FILE *f = NULL;
    if (t) {
        *t = (xlsx_tmp_file){.fd = fd, .note = xlsx_tmp_errors};
        f = fopencookie(t, "w+", (cookie_io_functions_t){.read = xlsx_tmp_read, .write = xlsx_tmp_write,
                                                          .seek = xlsx_tmp_seek, .close = xlsx_tmp_close});
    }
    if (!f) {
        int e = errno;
        free(t);
        close(fd);
        errno = e;
        return NULL;
    }
    return f;
}

/* Removes what libxlsxwriter left at path after a failure, if it is a
 * regular file (never a device such as /dev/full). */
static void xlsx_remove_partial(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        unlink(path);
}

/* Closes (writes) the workbook and checks the file it left. */
static void xlsx_finish(xlsx_ctx *c)
{
    if (c->failed) {
        lxw_workbook_free(c->wb);
        return;
    }
    /* libxlsxwriter 1.1.4 stamps the document's date with gmtime(), whose
     * result is shared by the whole process: two workbooks written at once
     * (from two threads) take turns here. */
    static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;
    xlsx_tmp_note note = {0};
    pthread_mutex_lock(&close_lock);
    xlsx_tmp_errors = &note;
    errno = 0;
    lxw_error e = workbook_close(c->wb);
    int close_errno = errno;
    xlsx_tmp_errors = NULL;
    pthread_mutex_unlock(&close_lock);
    errno = close_errno;
    /* workbook_close fills the charts' caches and drops a failed
     * allocation there without a word: only its ENOMEM tells. */
    if (e == LXW_NO_ERROR && close_errno == ENOMEM)
        e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    if (e != LXW_NO_ERROR) {
        int saved = errno;
        xlsx_fail(c, "%s: cannot write the workbook: %s%s%s", c->path, lxw_strerror(e),
                  saved ? ": " : "", saved ? strerror(saved) : "");
        xlsx_remove_partial(c->path);
        return;
    }
    if (note.err) {
        xlsx_fail(c, "%s: cannot write the workbook: a temporary file of libxlsxwriter's: %s",
                  c->path, strerror(note.err));
        xlsx_remove_partial(c->path);
        return;
    }
    if (c->nstreams && !xlsx_splice(c)) {
        xlsx_remove_partial(c->path);
        return;
    }
    char why[320];
    if (!xlsx_verify_path(c->path, c->streams, c->nstreams, why, sizeof why)) {
        xlsx_fail(c, "%s: the workbook was not written completely: %s", c->path, why);
        xlsx_remove_partial(c->path);
    }
}

/* Frees what the context owns (not the workbook). */
static void xlsx_ctx_free(xlsx_ctx *c)
{
    free(c->names);
    free(c->warnings);
    for (size_t i = 0; i < c->nstreams; i++) {
        free(c->streams[i].shared);
        xlsx_texts_free(c->streams[i].texts, c->streams[i].il->ncols);
        free(c->streams[i].text);
    }
    free(c->streams);
    strbuf_free(&c->cell);
    arena_free(&c->mem);
}

/* The folder of c->path (in the arena), or NULL when c->path is there
 * and not a regular file (/dev/full). */
static char *xlsx_folder(xlsx_ctx *c)
{
    struct stat st;
    if (lstat(c->path, &st) == 0 && !S_ISREG(st.st_mode))
        return NULL;
    const char *slash = strrchr(c->path, '/');
    if (!slash)
        return arena_strdup(&c->mem, ".");
    return arena_printf(&c->mem, "%.*s", slash == c->path ? 1 : (int)(slash - c->path), c->path);
}

/* Builds a workbook with build and writes it: 0, or -1 with the message
 * in c->err.  Frees what the context owns. */
static int xlsx_write(xlsx_ctx *c, void (*build)(xlsx_ctx *))
{
    if (c->err && c->errlen)
        c->err[0] = '\0';
    c->noting = true;
    /* libxlsxwriter formats numbers with printf: under a locale with a
     * decimal comma it would write "3,25" and break the file.  Work under
     * the C locale in this thread, whatever the process has set. */
    locale_t cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = cloc ? uselocale(cloc) : (locale_t)0;
    c->cloc = cloc;
    /* libxlsxwriter's temporary files go beside the workbook (see
     * "temporary parts"): a full /tmp does not matter, and a full disk
     * fails them as it fails the workbook.  Not beside a device. */
    lxw_workbook_options opt = {.constant_memory = 0,   /* tables need the full model */
                                .tmpdir = xlsx_folder(c)};
    c->wb = workbook_new_opt(c->path, &opt);
    if (!c->wb)
        xlsx_fail(c, "%s: cannot start a workbook", c->path);
    else {
        build(c);
        xlsx_finish(c);
    }
    if (cloc) {
        uselocale(old);
        freelocale(cloc);
    }
    xlsx_ctx_free(c);
    return c->failed ? -1 : 0;
}

int xlsx_write_report(const report *r, const labels *l, const char *path, char *err, size_t errlen)
{
    xlsx_ctx c = {.r = r, .l = l, .path = path, .err = err, .errlen = errlen};
    return xlsx_write(&c, xlsx_build);
}

/* ================================================================ benchmark */

#define XLSX_BENCH_HEAD_ROW 7           /* the side-by-side table's header row */
#define XLSX_BENCH_WIDTH 18             /* width of a KPI's columns there */
#define XLSX_BENCH_MAX_KPIS 4095        /* KPIs that fit: 2 + 4 columns each */
#define XLSX_BENCH_BAR_PX 22            /* a bar's share of a chart's height */
#define XLSX_ROW_PX 20                  /* a default row, in pixels */

/* A shared KPI's columns on the side-by-side sheet: its value among the
 * values, its status among the statuses (as far right of the value as
 * there are KPIs), and its numerator and denominator when any has them. */
typedef struct {
    const bench_row *row;
    lxw_format *vf;                     /* the number format of its values */
    bool counts;                        /* some municipality has a numerator or denominator */
    lxw_col_t value_col, status_col, count_col;
} xlsx_bench_col;

/* The name a municipality is shown by: its name, else its id. */
static const char *xlsx_bench_name(const bench_municipality *m)
{
    return m->name && *m->name ? m->name : m->id ? m->id : "";
}

/* The municipality with the id, or NULL. */
static const bench_municipality *xlsx_bench_find(const benchmark *b, const char *id)
{
    for (size_t m = 0; id && m < b->nmunicipalities; m++)
        if (b->municipalities[m].id && strcmp(b->municipalities[m].id, id) == 0)
            return &b->municipalities[m];
    return NULL;
}

/* The index of municipality p in the benchmark. */
static size_t xlsx_bench_index(const benchmark *b, const bench_municipality *p)
{
    return (size_t)(p - b->municipalities);
}

/* A KPI's title, or its id when it has none. */
static const char *xlsx_bench_title(const bench_row *row)
{
    return row->title && *row->title ? row->title : row->kpi ? row->kpi : "";
}

/* Places the KPIs' columns (see xlsx_bench_col); *ncols the columns in
 * all.  At most XLSX_BENCH_MAX_KPIS, with a warning for the rest.  Returns
 * the KPIs placed; caller frees *out. */
static size_t xlsx_bench_layout(xlsx_ctx *c, xlsx_bench_col **out, lxw_col_t *ncols)
{
    const benchmark *b = c->b;
    size_t k = b->nrows;
    if (k > XLSX_BENCH_MAX_KPIS) {
        xlsx_warn(c, arena_printf(&c->mem, "%s %zu", L("xlsx.bench.warning.kpis"),
                                  k - XLSX_BENCH_MAX_KPIS));
        k = XLSX_BENCH_MAX_KPIS;
    }
    xlsx_bench_col *cols = xcalloc(k + 1, sizeof *cols);
    lxw_col_t col = 2 + 2 * (lxw_col_t)k;
    for (size_t i = 0; i < k; i++) {
        const bench_row *row = &b->rows[i];
        maybe any = row->target;
        bool counts = false;
        for (size_t m = 0; m < b->nmunicipalities; m++) {
            const bench_cell *e = &row->cells[m];
            if (e->value.present && e->value.v != floor(e->value.v))
                any = e->value;
            counts |= e->numerator.present || e->denominator.present;
        }
        cols[i] = (xlsx_bench_col){row, xlsx_value_format(c, row->kind, any), counts,
                                   2 + (lxw_col_t)i, 2 + (lxw_col_t)(k + i), counts ? col : 0};
        col += counts ? 2 : 0;
    }
    *ncols = col;
    *out = cols;
    return k;
}

/* A value in words with the language's number format: "100 %", "+5 %",
 * "1 234".  Lives in the arena. */
static const char *xlsx_value_words(xlsx_ctx *c, kpi_kind kind, double v)
{
    char buf[64];
    if (kind == KPI_COUNT) {
        labels_fmt_number(c->l, v, v == floor(v) ? 0 : 2, buf);
        return arena_strdup(&c->mem, buf);
    }
    double pct = v * 100.0;
    labels_fmt_percent(c->l, v, fabs(pct - round(pct)) < 1e-9 ? 0 : 1, buf);
    return arena_printf(&c->mem, "%s%s", kind == KPI_CHANGE && v > 0 ? "+" : "", buf);
}

/* "Target: at least 100 %", or that there is no common target. */
static const char *xlsx_bench_target_words(xlsx_ctx *c, const bench_row *row)
{
    if (!row->target.present || !isfinite(row->target.v))
        return L("xlsx.bench.no_common_target");
    char key[32];
    snprintf(key, sizeof key, "direction.%s", kpi_direction_name(row->direction));
    return arena_printf(&c->mem, "%s %s %s", L("xlsx.bench.target"), L(key),
                        xlsx_value_words(c, row->kind, row->target.v));
}

/* The width of the name column: the longest name (16 to 40). */
static double xlsx_bench_name_width(const benchmark *b)
{
    size_t w = 16;
    for (size_t m = 0; m < b->nmunicipalities; m++) {
        size_t n = xlsx_chars(xlsx_bench_name(&b->municipalities[m])) + 2;
        w = n > w ? n : w;
    }
    return w > 40 ? 40 : (double)w;
}

/* The width of the id column: the longest id (8 to 20). */
static double xlsx_bench_id_width(const benchmark *b)
{
    size_t w = 8;
    for (size_t m = 0; m < b->nmunicipalities; m++) {
        size_t n = xlsx_chars(b->municipalities[m].id ? b->municipalities[m].id : "") + 2;
        w = n > w ? n : w;
    }
    return w > 20 ? 20 : (double)w;
}

/* The header rows above the side-by-side table: each KPI's id, the common
 * target and its direction over the KPI's value column. */
static void xlsx_bench_kpi_heads(xlsx_ctx *c, lxw_worksheet *ws, const xlsx_bench_col *cols,
                                 size_t k)
{
    lxw_row_t r0 = XLSX_BENCH_HEAD_ROW - 3;
    xlsx_put_text(c, ws, r0, 1, L("xlsx.col.kpi_id"), c->f.right_bold);
    xlsx_put_text(c, ws, r0 + 1, 1, L("xlsx.bench.row.target"), c->f.right_bold);
    xlsx_put_text(c, ws, r0 + 2, 1, L("col.direction"), c->f.right_bold);
    for (size_t i = 0; i < k && !c->failed; i++) {
        const bench_row *row = cols[i].row;
        lxw_col_t col = cols[i].value_col;
        xlsx_put_text(c, ws, r0, col, row->kpi, c->f.id_small);
        if (row->target.present) {
            char key[32];
            snprintf(key, sizeof key, "direction.%s", kpi_direction_name(row->direction));
            xlsx_put_number(c, ws, r0 + 1, col, row->target.v,
                            xlsx_value_format(c, row->kind, row->target));
            xlsx_put_text(c, ws, r0 + 2, col, L(key), c->f.right);
        } else {
            xlsx_put_text(c, ws, r0 + 1, col, L("none"), c->f.none);
            xlsx_put_text(c, ws, r0 + 2, col, L("none"), c->f.none);
        }
    }
}

/* The table's column headers: municipality, id, the KPI titles, then
 * "title – Status" and "title – Numerator" / "– Denominator", unique.
 * Sets the header row's height for the longest title.  In the arena. */
static const char **xlsx_bench_heads(xlsx_ctx *c, lxw_worksheet *ws, const xlsx_bench_col *cols,
                                     size_t k, lxw_col_t ncols)
{
    const char **want = arena_alloc(&c->mem, ((size_t)ncols + 1) * sizeof *want);
    want[0] = L("xlsx.bench.col.municipality");
    want[1] = L("xlsx.col.kpi_id");
    size_t lines = 2;
    for (size_t i = 0; i < k; i++) {
        const char *t = xlsx_plain(c, xlsx_bench_title(cols[i].row), 150);
        want[cols[i].value_col] = t;
        want[cols[i].status_col] = arena_printf(&c->mem, "%s \u2013 %s", t, L("col.status"));
        if (cols[i].counts) {
            want[cols[i].count_col] = arena_printf(&c->mem, "%s \u2013 %s", t, L("col.numerator"));
            want[cols[i].count_col + 1] = arena_printf(&c->mem, "%s \u2013 %s", t,
                                                       L("col.denominator"));
        }
        size_t n = xlsx_lines(t, XLSX_BENCH_WIDTH - 3);
        lines = n > lines ? n : lines;
    }
    lines = lines > 8 ? 8 : lines;
    xlsx_check(c, worksheet_set_row(ws, XLSX_BENCH_HEAD_ROW, 15.0 * (double)lines, NULL),
               XLSX_BENCH_HEAD_ROW, 0);
    return xlsx_unique_heads(c, want, ncols);
}

/* One municipality's row: name, id, the values, the statuses, the counts. */
static void xlsx_bench_row(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, size_t m,
                           const xlsx_bench_col *cols, size_t k)
{
    const bench_municipality *mu = &c->b->municipalities[m];
    xlsx_put_text(c, ws, row, 0, xlsx_bench_name(mu), c->f.text);
    xlsx_put_text(c, ws, row, 1, mu->id, c->f.text);
    for (size_t i = 0; i < k && !c->failed; i++) {
        const bench_cell *e = &cols[i].row->cells[m];
        xlsx_put_maybe(c, ws, row, cols[i].value_col, e->value, cols[i].vf);
        xlsx_put_text(c, ws, row, cols[i].status_col, xlsx_status_text(c, e->status, e->value),
                      c->f.center);
        if (!cols[i].counts)
            continue;
        xlsx_put_maybe(c, ws, row, cols[i].count_col, e->numerator, xlsx_count_format(c, e->numerator));
        xlsx_put_maybe(c, ws, row, cols[i].count_col + 1, e->denominator,
                       xlsx_count_format(c, e->denominator));
    }
}

/* Colours the values by the status beside them (k columns to the right):
 * a formula rule per colour, relative to the first value cell, so the
 * colour follows its row when the table is sorted. */
static void xlsx_bench_value_colours(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t first,
                                     lxw_row_t last, size_t k)
{
    char ref[LXW_MAX_CELL_NAME_LENGTH];
    lxw_rowcol_to_cell(ref, first, 2 + (lxw_col_t)k);
    for (int s = STATUS_GREEN; s <= STATUS_RED; s++) {
        char key[32];
        snprintf(key, sizeof key, "status.%s", kpi_status_name((kpi_status)s));
        const char *formula = arena_printf(&c->mem, "=%s=%s", ref, xlsx_quoted(c, L(key)));
        lxw_conditional_format cf = {.type = LXW_CONDITIONAL_TYPE_FORMULA,
                                     .value_string = (char *)formula, .format = c->f.cf[s]};
        xlsx_check(c, worksheet_conditional_format_range(ws, first, 2, last, 1 + (lxw_col_t)k, &cf),
                   first, 2);
    }
}

/* Hides the status and count columns (from first on) in one collapsed
 * outline group: the sheet shows the values; + shows the rest. */
static void xlsx_bench_group(xlsx_ctx *c, lxw_worksheet *ws, lxw_col_t first, lxw_col_t ncols)
{
    if (first >= ncols)
        return;
    lxw_row_col_options hide = {.hidden = 1, .level = 1};
    xlsx_ok(c, worksheet_set_column_opt(ws, first, ncols - 1, XLSX_BENCH_WIDTH, NULL, &hide),
            "column group");
    if (ncols <= XLSX_LAST_COL) {
        lxw_row_col_options mark = {.collapsed = 1};
        xlsx_ok(c, worksheet_set_column_opt(ws, ncols, ncols, 9, NULL, &mark), "column group");
    }
}

/* Municipalities that fit under the header (all but in theory). */
static size_t xlsx_bench_rows(xlsx_ctx *c, lxw_row_t head)
{
    size_t n = c->b->nmunicipalities, room = XLSX_LAST_ROW - head;
    if (n <= room)
        return n;
    xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", c->sheet, L("xlsx.warning.rows"), n - room));
    return room;
}

/* The side-by-side sheet: title block, the KPIs' ids, common targets and
 * directions, then the table of municipalities. */
static void xlsx_bench_overview(xlsx_ctx *c, lxw_worksheet *ws, const xlsx_bench_col *cols,
                                size_t k, lxw_col_t ncols)
{
    const benchmark *b = c->b;
    xlsx_sheet_title(c, ws, L("xlsx.bench.title"));
    xlsx_put_text(c, ws, 2, 0, c->dates, c->f.subtitle);
    if (k)
        xlsx_put_text(c, ws, 3, 0, L("xlsx.bench.note"), c->f.italic);
    else
        xlsx_put_text(c, ws, 3, 0, L("xlsx.bench.none_kpis"), c->f.italic);
    xlsx_width(c, ws, 0, 0, xlsx_bench_name_width(b));
    xlsx_width(c, ws, 1, 1, xlsx_bench_id_width(b));
    if (k)
        xlsx_width(c, ws, 2, 1 + (lxw_col_t)k, XLSX_BENCH_WIDTH);
    xlsx_bench_group(c, ws, 2 + (lxw_col_t)k, ncols);
    if (k) {
        xlsx_bench_kpi_heads(c, ws, cols, k);
        xlsx_check(c, worksheet_set_row(ws, XLSX_BENCH_HEAD_ROW - 3, 22, NULL), XLSX_BENCH_HEAD_ROW - 3, 0);
    }
    const char **heads = xlsx_bench_heads(c, ws, cols, k, ncols);
    size_t n = xlsx_bench_rows(c, XLSX_BENCH_HEAD_ROW);
    lxw_row_t first = XLSX_BENCH_HEAD_ROW + 1, last = XLSX_BENCH_HEAD_ROW + (lxw_row_t)n;
    for (size_t m = 0; m < n && !c->failed; m++)
        xlsx_bench_row(c, ws, first + (lxw_row_t)m, m, cols, k);
    if (n) {
        char *align = arena_alloc(&c->mem, (size_t)ncols + 1);
        for (lxw_col_t j = 0; j < ncols; j++)
            align[j] = j < 2 ? 'l' : j < 2 + (lxw_col_t)k || j >= 2 + 2 * (lxw_col_t)k ? 'r' : 'c';
        xlsx_table_at(c, ws, XLSX_BENCH_HEAD_ROW, last, heads, (size_t)ncols, align, "Benchmark");
        if (k) {
            xlsx_bench_value_colours(c, ws, first, last, k);
            xlsx_status_colours(c, ws, first, 2 + (lxw_col_t)k, last, 1 + 2 * (lxw_col_t)k);
        }
    } else {
        xlsx_put_heads(c, ws, XLSX_BENCH_HEAD_ROW, 0, heads, (size_t)ncols, 2);
    }
    worksheet_freeze_panes(ws, first, 1);
    xlsx_ok(c, worksheet_repeat_rows(ws, XLSX_BENCH_HEAD_ROW - 3, XLSX_BENCH_HEAD_ROW), "print titles");
    xlsx_ok(c, worksheet_repeat_columns(ws, 0, 0), "print titles");
}

/* ---------------------------------------------------------------- ranking */

/* A municipality in a KPI's ranking. */
typedef struct {
    size_t m;                           /* its index */
    double v;
} xlsx_ranked;

/* Highest first; equal values in the benchmark's order. */
static int xlsx_rank_high(const void *a, const void *b)
{
    const xlsx_ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return (x->m > y->m) - (x->m < y->m);
}

/* Lowest first; equal values in the benchmark's order. */
static int xlsx_rank_low(const void *a, const void *b)
{
    const xlsx_ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->m > y->m) - (x->m < y->m);
}

/* The municipalities with a value of the KPI, best first by its direction
 * (lowest first for "at most"); *nv of them.  Then those without, in the
 * benchmark's order.  Caller frees. */
static xlsx_ranked *xlsx_ranking(const benchmark *b, const bench_row *row, size_t *nv)
{
    xlsx_ranked *r = xcalloc(b->nmunicipalities + 1, sizeof *r);
    size_t n = 0;
    for (size_t m = 0; m < b->nmunicipalities; m++)
        if (row->cells[m].value.present && isfinite(row->cells[m].value.v))
            r[n++] = (xlsx_ranked){m, row->cells[m].value.v};
    qsort(r, n, sizeof *r, row->direction == DIR_AT_MOST ? xlsx_rank_low : xlsx_rank_high);
    *nv = n;
    for (size_t m = 0; m < b->nmunicipalities; m++)
        if (!row->cells[m].value.present || !isfinite(row->cells[m].value.v))
            r[n++] = (xlsx_ranked){m, 0};
    return r;
}

/* The colour of a bar: the status, a muted blue without one. */
static lxw_color_t xlsx_bar_colour(kpi_status s)
{
    switch (s) {
    case STATUS_GREEN: return 0x2E7D32;
    case STATUS_YELLOW: return 0xF9A825;
    case STATUS_RED: return 0xC62828;
    case STATUS_NONE: break;
    }
    return 0x5B7FA6;
}

/* The value axis of a chart of changes: from 0 or below the lowest to 0
 * or above the highest, in steps of 10 %, with a fifth of the range to
 * spare on each side that has bars, so the values at the bars' ends stay
 * clear of the names. */
static void xlsx_change_axis(lxw_chart_axis *axis, const xlsx_ranked *r, size_t nv)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < nv; i++) {
        lo = r[i].v < lo ? r[i].v : lo;
        hi = r[i].v > hi ? r[i].v : hi;
    }
    double pad = (hi - lo) * 0.2;
    if (!(pad > 0) || !isfinite(pad))
        return;
    if (lo < 0)
        chart_axis_set_min(axis, floor((lo - pad) * 10.0) / 10.0);
    if (hi > 0)
        chart_axis_set_max(axis, ceil((hi + pad) * 10.0) / 10.0);
}

/* A horizontal bar chart of a KPI's ranking (rows first..last of the
 * ranking sheet: names in column B, values in C), best at the top, each
 * bar in its municipality's status colour, the value at its end. */
static lxw_chart *xlsx_bench_chart(xlsx_ctx *c, const xlsx_bench_col *col, const char *sheet,
                                   lxw_row_t first, const xlsx_ranked *r, size_t nv)
{
    lxw_chart *ch = workbook_add_chart(c->wb, LXW_CHART_BAR);
    lxw_chart_series *s = ch ? chart_add_series(ch, NULL, NULL) : NULL;
    if (!s) {
        xlsx_fail(c, "%s: cannot create the chart of %s", c->path, col->row->kpi);
        return NULL;
    }
    lxw_row_t last = first + (lxw_row_t)nv - 1;
    chart_series_set_categories(s, sheet, first, 1, last, 1);
    chart_series_set_values(s, sheet, first, 2, last, 2);
    chart_series_set_name(s, xlsx_chart_text(c, L("col.value")));
    /* The points live in the arena: libxlsxwriter copies them, but only
     * as far as it must. */
    lxw_chart_fill *fills = arena_alloc(&c->mem, nv * sizeof *fills);
    lxw_chart_point *points = arena_alloc(&c->mem, nv * sizeof *points);
    lxw_chart_point **pp = arena_alloc(&c->mem, (nv + 1) * sizeof *pp);
    for (size_t i = 0; i < nv; i++) {
        fills[i] = (lxw_chart_fill){.color = xlsx_bar_colour(col->row->cells[r[i].m].status)};
        points[i] = (lxw_chart_point){.fill = &fills[i]};
        pp[i] = &points[i];
    }
    xlsx_ok(c, chart_series_set_points(s, pp), "chart");
    chart_set_series_gap(ch, 40);
    chart_series_set_labels(s);
    chart_series_set_labels_position(s, LXW_CHART_LABEL_POSITION_OUTSIDE_END);
    chart_series_set_labels_num_format(s, col->vf->num_format);
    lxw_chart_font small = {.size = 8};
    chart_series_set_labels_font(s, &small);
    chart_title_set_name(ch, xlsx_chart_text(c, xlsx_bench_title(col->row)));
    lxw_chart_font tf = {.size = 10, .bold = 1};
    chart_title_set_name_font(ch, &tf);
    chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
    /* In libxlsxwriter a bar chart's y axis is the vertical one, of the
     * names: reversed so the first (the best) is at the top.  Its x axis
     * holds the values. */
    lxw_chart_axis *names = ch->y_axis, *values = ch->x_axis;
    chart_axis_set_reverse(names);
    chart_axis_set_crossing_max(names);         /* the values' axis stays at the bottom */
    chart_axis_set_num_font(names, &small);
    chart_axis_set_num_font(values, &small);
    if (col->row->kind == KPI_SHARE) {
        chart_axis_set_num_format(values, "0%");
        chart_axis_set_min(values, 0);
        chart_axis_set_max(values, 1);
    } else if (col->row->kind == KPI_CHANGE) {
        chart_axis_set_num_format(values, "+0%;-0%;0%");
        chart_axis_set_label_position(names, LXW_CHART_AXIS_LABEL_POSITION_LOW);
        xlsx_change_axis(values, r, nv);
    } else {
        chart_axis_set_num_format(values, "#,##0");
        chart_axis_set_min(values, 0);
    }
    return ch;
}

/* One KPI's block on the ranking sheet from row on: the title, the target
 * (and why there is no chart, if there is none), the ranking and its chart
 * beside it.  Returns the row after the block. */
static lxw_row_t xlsx_bench_rank_block(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row,
                                       const xlsx_bench_col *col)
{
    const benchmark *b = c->b;
    size_t nv;
    xlsx_ranked *r = xlsx_ranking(b, col->row, &nv);
    const char *title = xlsx_bench_title(col->row);
    bool chart = nv >= 2 && nv <= XLSX_BENCH_MAX_CHART;
    const char *info = xlsx_bench_target_words(c, col->row);
    if (nv > XLSX_BENCH_MAX_CHART) {
        const char *why = arena_printf(&c->mem, "%s %zu", L("xlsx.bench.chart_skipped"), nv);
        info = arena_printf(&c->mem, "%s \u00b7 %s", info, why);
        xlsx_warn(c, arena_printf(&c->mem, "%s: %s", xlsx_plain(c, title, 100), why));
    }
    xlsx_put_text(c, ws, row, 0, title, c->f.bold);
    xlsx_put_text(c, ws, row + 1, 0, info, c->f.subtitle);
    const char *heads[4] = {L("xlsx.bench.col.rank"), L("xlsx.bench.col.municipality"),
                            L("col.value"), L("col.status")};
    xlsx_put_text(c, ws, row + 2, 0, heads[0], c->f.head_title);
    xlsx_put_text(c, ws, row + 2, 1, heads[1], c->f.head);
    xlsx_put_text(c, ws, row + 2, 2, heads[2], c->f.head_num);
    xlsx_put_text(c, ws, row + 2, 3, heads[3], c->f.head_title);
    lxw_row_t first = row + 3;
    size_t rank = 0;
    for (size_t i = 0; i < b->nmunicipalities && !c->failed; i++) {
        lxw_row_t at = first + (lxw_row_t)i;
        const bench_cell *e = &col->row->cells[r[i].m];
        if (i < nv) {
            rank = i > 0 && r[i].v == r[i - 1].v ? rank : i + 1;
            xlsx_put_number(c, ws, at, 0, (double)rank, c->f.int_center);
        }
        xlsx_put_text(c, ws, at, 1, xlsx_bench_name(&b->municipalities[r[i].m]), c->f.text);
        xlsx_put_maybe(c, ws, at, 2, e->value, col->vf);
        xlsx_put_text(c, ws, at, 3, xlsx_status_text(c, e->status, e->value), c->f.center);
    }
    size_t rows = 3 + b->nmunicipalities;
    if (chart) {
        lxw_chart *ch = xlsx_bench_chart(c, col, ws->name, first, r, nv);
        double px = 80.0 + XLSX_BENCH_BAR_PX * (double)nv;
        px = px < 240 ? 240 : px;
        lxw_chart_options o = {.x_offset = 8, .y_offset = 0, .x_scale = 640.0 / 480.0,
                               .y_scale = px / 288.0};
        if (ch)
            xlsx_check(c, worksheet_insert_chart_opt(ws, row + 2, 5, ch, &o), row + 2, 5);
        size_t chart_rows = 2 + (size_t)ceil(px / XLSX_ROW_PX);
        rows = chart_rows > rows ? chart_rows : rows;
    }
    free(r);
    return row + (lxw_row_t)rows + 2;
}

/* The ranking sheet: a block per KPI, as long as the sheet holds them. */
static void xlsx_bench_ranking(xlsx_ctx *c, lxw_worksheet *ws, const xlsx_bench_col *cols, size_t k)
{
    xlsx_sheet_title(c, ws, L("xlsx.bench.sheet.ranking"));
    xlsx_width(c, ws, 0, 0, 7);
    xlsx_width(c, ws, 1, 1, xlsx_bench_name_width(c->b));
    xlsx_width(c, ws, 2, 3, 14);
    xlsx_width(c, ws, 4, 4, 3);
    lxw_row_t row = 3;
    size_t block = c->b->nmunicipalities + 3 + (size_t)ceil((80.0 + XLSX_BENCH_BAR_PX *
                                                             XLSX_BENCH_MAX_CHART) / XLSX_ROW_PX) + 4;
    size_t i = 0;
    for (; i < k && !c->failed && row + block < XLSX_LAST_ROW; i++)
        row = xlsx_bench_rank_block(c, ws, row, &cols[i]);
    if (i < k)
        xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", c->sheet, L("xlsx.warning.rows"), k - i));
    if (row > 3) {
        xlsx_status_colours(c, ws, 3, 3, row, 3);
        /* The tables and charts, not a long title running off to the right. */
        xlsx_ok(c, worksheet_print_area(ws, 0, 0, row - 1, 15), "print area");
    }
    worksheet_freeze_panes(ws, 3, 0);
}

/* ---------------------------------------------------------------- references */

enum { R_TITLE, R_ID, R_SOURCE, R_PERIOD, R_VALUE, R_BY, R_THEIRS, R_DIFF, R_VERDICT, R_NCOLS };

static const double xlsx_references_widths[R_NCOLS] = {34, 26, 32, 10, 16, 24, 16, 14, 14};

#define XLSX_REFERENCES_HEAD_ROW 3

/* One reference value's row: the KPI, the source, period and value, who
 * loaded it, their value, the difference and whether they do better. */
static void xlsx_bench_reference(xlsx_ctx *c, lxw_worksheet *ws, lxw_row_t row, const bench_row *k,
                                 const bench_reference *v)
{
    const bench_municipality *mu = xlsx_bench_find(c->b, v->municipality);
    maybe theirs = mu ? k->cells[xlsx_bench_index(c->b, mu)].value : MAYBE_NONE;
    const char *title = xlsx_bench_title(k);
    xlsx_put_text(c, ws, row, R_TITLE, title, c->f.wrap);
    xlsx_put_text(c, ws, row, R_ID, k->kpi, c->f.text);
    xlsx_put_text(c, ws, row, R_SOURCE, v->source, c->f.wrap);
    xlsx_put_text(c, ws, row, R_PERIOD, v->period, c->f.center);
    xlsx_put_number(c, ws, row, R_VALUE, v->value, xlsx_value_format(c, k->kind, MAYBE(v->value)));
    xlsx_put_text(c, ws, row, R_BY, mu ? xlsx_bench_name(mu) : v->municipality, c->f.indent);
    xlsx_put_maybe(c, ws, row, R_THEIRS, theirs, xlsx_value_format(c, k->kind, theirs));
    xlsx_put_against(c, ws, row, R_DIFF, R_VERDICT, k->kind, theirs, v->value, k->target.present,
                     k->direction);
    size_t a = xlsx_lines(title, (size_t)(xlsx_references_widths[R_TITLE] * 1.1));
    size_t b = xlsx_lines(v->source, (size_t)(xlsx_references_widths[R_SOURCE] * 1.1));
    if (a > 1 || b > 1)
        xlsx_check(c, worksheet_set_row(ws, row, 15.0 * (double)(a > b ? a : b), NULL), row, 0);
}

/* The references sheet: every reference value of the shared KPIs, by
 * KPI, as an Excel table. */
static void xlsx_bench_references(xlsx_ctx *c, lxw_worksheet *ws, const xlsx_bench_col *cols,
                                  size_t k)
{
    xlsx_sheet_title(c, ws, L("xlsx.bench.sheet.references"));
    for (lxw_col_t i = 0; i < R_NCOLS; i++)
        xlsx_width(c, ws, i, i, xlsx_references_widths[i]);
    const char *heads[R_NCOLS] = {L("col.kpi"), L("xlsx.col.kpi_id"), L("xlsx.col.source"),
                                  L("report.period"), L("xlsx.col.ref_value"),
                                  L("xlsx.bench.col.loaded_by"), L("xlsx.bench.col.their_value"),
                                  L("xlsx.col.difference"), L("xlsx.col.compared")};
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        n += cols[i].row->nreferences;
    if (n == 0) {
        xlsx_put_text(c, ws, 2, 0, L("xlsx.bench.none_references"), c->f.italic);
        return;
    }
    size_t room = XLSX_LAST_ROW - XLSX_REFERENCES_HEAD_ROW;
    if (n > room) {
        xlsx_warn(c, arena_printf(&c->mem, "%s: %s %zu", c->sheet, L("xlsx.warning.rows"), n - room));
        n = room;
    }
    xlsx_put_text(c, ws, 2, 0, L("xlsx.bench.references.note"), c->f.italic);
    lxw_row_t row = XLSX_REFERENCES_HEAD_ROW + 1;
    size_t done = 0;
    for (size_t i = 0; i < k && done < n && !c->failed; i++)
        for (size_t j = 0; j < cols[i].row->nreferences && done < n && !c->failed; j++, done++)
            xlsx_bench_reference(c, ws, row++, cols[i].row, &cols[i].row->references[j]);
    lxw_row_t last = XLSX_REFERENCES_HEAD_ROW + (lxw_row_t)n;
    xlsx_table_at(c, ws, XLSX_REFERENCES_HEAD_ROW, last, heads, R_NCOLS, "lllcrlrrc", "References");
    xlsx_verdict_colours(c, ws, XLSX_REFERENCES_HEAD_ROW + 1, last, R_VERDICT);
    xlsx_check(c, worksheet_set_row(ws, XLSX_REFERENCES_HEAD_ROW, 30, NULL), XLSX_REFERENCES_HEAD_ROW, 0);
    worksheet_freeze_panes(ws, XLSX_REFERENCES_HEAD_ROW + 1, 1);
    xlsx_ok(c, worksheet_repeat_rows(ws, XLSX_REFERENCES_HEAD_ROW, XLSX_REFERENCES_HEAD_ROW),
            "print titles");
}

/* ---------------------------------------------------------------- workbook */

/* The notes sheet: the writer's warnings (text cut, charts left out). */
static void xlsx_bench_notes(xlsx_ctx *c, lxw_worksheet *ws)
{
    xlsx_sheet_title(c, ws, L("xlsx.bench.sheet.notes"));
    xlsx_width(c, ws, 0, 0, 140);
    c->noting = false;
    lxw_row_t row = xlsx_section(c, ws, 3, L("xlsx.section.warnings"));
    for (size_t i = 0; i < c->nwarnings && row < XLSX_LAST_ROW && !c->failed; i++)
        xlsx_put_text(c, ws, row++, 0, c->warnings[i], c->f.wrap);
}

/* The page header (the title left, the period right) and footer. */
static void xlsx_bench_header_footer(xlsx_ctx *c)
{
    c->header = arena_printf(&c->mem, "&L%s&R%s",
                             xlsx_amp(c, xlsx_plain(c, L("xlsx.bench.title"), 100)), c->b->period.id);
    c->footer = arena_printf(&c->mem, "&L&A&C%s&Rkvalrap %s",
                             xlsx_plain(c, L("xlsx.footer.page"), 100), KV_VERSION);
}

/* Document properties: title, subject, keywords, comments with the
 * municipalities, and the fixed creation date b->generated. */
static void xlsx_bench_properties(xlsx_ctx *c)
{
    const benchmark *b = c->b;
    strbuf ids = {0};
    for (size_t m = 0; m < b->nmunicipalities && ids.len < 300; m++)
        strbuf_printf(&ids, "%s%s", m ? ", " : "", b->municipalities[m].id ? b->municipalities[m].id : "");
    lxw_doc_properties p = {
        .title = (char *)xlsx_plain(c, arena_printf(&c->mem, "%s \u2013 %s", L("xlsx.bench.title"),
                                                    b->period.id), 250),
        .subject = (char *)xlsx_plain(c, arena_printf(&c->mem, "%s, %s",
                                                      L("xlsx.bench.props.subject"),
                                                      xlsx_period_text(c, &b->period)), 250),
        .author = "kvalrap",
        .keywords = (char *)xlsx_plain(c, arena_printf(&c->mem, "%s, %s",
                                                       L("xlsx.bench.props.keywords"),
                                                       b->period.id), 250),
        .comments = (char *)xlsx_plain(c, arena_printf(&c->mem, "kvalrap %s; %zu %s: %s", KV_VERSION,
                                                       b->nmunicipalities,
                                                       L("xlsx.bench.municipalities"),
                                                       strbuf_cstr(&ids)), 250),
        .created = b->generated > 0 ? b->generated : 1,
    };
    c->sheet = NULL;
    xlsx_ok(c, workbook_set_properties(c->wb, &p), "document properties");
    xlsx_ok(c, workbook_set_custom_property_string(c->wb, "kvalrap_version", KV_VERSION),
            "document properties");
    xlsx_ok(c, workbook_set_custom_property_string(c->wb, "period", b->period.id),
            "document properties");
    xlsx_ok(c, workbook_set_custom_property_integer(c->wb, "municipalities",
                                                    (int32_t)(b->nmunicipalities < INT32_MAX ?
                                                              b->nmunicipalities : INT32_MAX)),
            "document properties");
    strbuf_free(&ids);
}

/* "As of 31.10.2026 · Generated 01.11.2026 00:00 UTC". */
static const char *xlsx_bench_dates(xlsx_ctx *c)
{
    char as_of[16] = "", gen[16] = "";
    labels_fmt_date(c->l, c->b->as_of, as_of);
    struct tm tm;
    time_t t = c->b->generated;
    if (!gmtime_r(&t, &tm))
        return arena_printf(&c->mem, "%s %s", L("report.as_of"), as_of);
    labels_fmt_date(c->l, date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), gen);
    return arena_printf(&c->mem, "%s %s \u00b7 %s %s %02d:%02d UTC", L("report.as_of"), as_of,
                        L("report.generated"), gen, tm.tm_hour, tm.tm_min);
}

/* Builds every sheet of the benchmark in tab order. */
static void xlsx_bench_build(xlsx_ctx *c)
{
    const benchmark *b = c->b;
    c->subtitle = arena_printf(&c->mem, "%zu %s \u00b7 %s", b->nmunicipalities,
                               L("xlsx.bench.municipalities"), xlsx_period_text(c, &b->period));
    c->dates = xlsx_bench_dates(c);
    xlsx_bench_header_footer(c);
    if (!xlsx_make_formats(c))
        return;
    xlsx_bench_properties(c);
    xlsx_bench_col *cols;
    lxw_col_t ncols;
    size_t k = xlsx_bench_layout(c, &cols, &ncols);
    lxw_worksheet *overview = xlsx_add_sheet(c, L("xlsx.bench.sheet.overview"));
    if (overview)
        xlsx_bench_overview(c, overview, cols, k, ncols);
    lxw_worksheet *ws = k && b->nmunicipalities ? xlsx_add_sheet(c, L("xlsx.bench.sheet.ranking")) : NULL;
    if (ws)
        xlsx_bench_ranking(c, ws, cols, k);
    ws = xlsx_add_sheet(c, L("xlsx.bench.sheet.references"));
    if (ws)
        xlsx_bench_references(c, ws, cols, k);
    xlsx_dq_totals(c);
    ws = c->nwarnings ? xlsx_add_sheet(c, L("xlsx.bench.sheet.notes")) : NULL;
    if (ws)
        xlsx_bench_notes(c, ws);
    if (overview && !c->failed)
        worksheet_activate(overview);
    free(cols);
}

int xlsx_write_benchmark(const benchmark *b, const labels *l, const char *path, char *err, size_t errlen)
{
    xlsx_ctx c = {.b = b, .l = l, .path = path, .err = err, .errlen = errlen};
    return xlsx_write(&c, xlsx_bench_build);
}
