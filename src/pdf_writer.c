/*
 * pdf_writer.c - the report as an A4 PDF (libharu 2.3.0).  See pdf_writer.h.
 *
 * How it works.  Everything lives in one pdf_ctx: the libharu document, the
 * two fonts, the current page and a cursor (c->y, the top of the free space
 * on it), and every page made so far.  Sections are drawn top to bottom;
 * whatever does not fit on the page starts a new one (pdf_need).  Page
 * furniture (running header, "page x of y") is drawn last, when the number of
 * pages is known, on the kept page handles.
 *
 * Errors.  libharu calls pdf_on_error, which only records (it never jumps);
 * every libharu call is checked with pdf_ok, and the first failure makes the
 * context "failed": every later drawing function returns at once, and
 * pdf_write_report reports the first error.  Nothing is written to the target
 * path unless the whole document was built.
 *
 * Text.  Data text is cleaned first (valid UTF-8 of the Basic Multilingual
 * Plane, controls made spaces, capped in length), then measured glyph by
 * glyph with the font's own widths, wrapped at spaces and cut with "…" where
 * it would not fit.  No text is ever drawn wider than its column.
 *
 * Two documents share all of this: the report of one municipality
 * (pdf_write_report, c->r set) and the benchmark of several
 * (pdf_write_benchmark, c->b set; its section is at the end of the file).
 * The benchmark reuses the report's formats and chart helpers through a
 * kpi_result shell per row (pdf_bench_kpi).
 */
#include "pdf_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <hpdf.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "date.h"
#include "util.h"

/*
 * libharu's HPDF_MemSet and HPDF_MemCpy copy a byte at a time, and every
 * drawing operator clears a 512-byte buffer with HPDF_MemSet: together they
 * were a fifth of the time spent on a report (HPDF_StrLen another 2 %).  libharu calls them through
 * its PLT, so these definitions in the executable take their place (ELF
 * symbol interposition) with the same results, libc doing the work:
 * both return the end of the destination, and a copy onto an overlapping
 * destination above the source repeats bytes forward as the original does.
 */
HPDF_BYTE *HPDF_MemCpy(HPDF_BYTE *out, const HPDF_BYTE *in, HPDF_UINT n);
void *HPDF_MemSet(void *s, HPDF_BYTE c, HPDF_UINT n);

HPDF_BYTE *HPDF_MemCpy(HPDF_BYTE *out, const HPDF_BYTE *in, HPDF_UINT n)
{
    /* NULL comes only after an allocation libharu did not check; it has
     * raised its error already (the report fails with it), and the
     * original would write through NULL. */
    if (!out || !in)
        return out ? out + n : out;
    if (out > in && out < in + n) {
        for (HPDF_UINT i = 0; i < n; i++)
            out[i] = in[i];
    } else if (n) {
        memmove(out, in, n);
    }
    return out + n;
}

void *HPDF_MemSet(void *s, HPDF_BYTE c, HPDF_UINT n)
{
    if (!s)
        return s;               /* as in HPDF_MemCpy */
    if (n)
        memset(s, c, n);
    return (char *)s + n;
}

/* And its strlen, bounded by maxlen (a negative one is no bound); 0 for NULL. */
HPDF_UINT HPDF_StrLen(const char *s, HPDF_INT maxlen);

HPDF_UINT HPDF_StrLen(const char *s, HPDF_INT maxlen)
{
    if (!s || !*s || !maxlen)
        return 0;
    return (HPDF_UINT)strnlen(s, (size_t)(HPDF_UINT)maxlen);
}

/*
 * libharu deflates every stream (the two embedded fonts are most of a
 * small report's bytes) at zlib's default level and offers no other: that
 * was half the instructions of a 20,000-row municipality's report, and
 * with 300 of them in a night the largest item of the batch.  deflateInit
 * is a macro for deflateInit_, reached through the PLT, so this definition
 * asks for level 1 instead: reports 20 % faster, 16 % larger (398 -> 462
 * KB), the same content.  libxlsxwriter's own parts of the workbook go
 * the same way; the workbook's lists choose their level through
 * deflateInit2.
 */
int deflateInit_(z_streamp strm, int level, const char *version, int stream_size)
{
    (void)level;
    return deflateInit2_(strm, 1, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY, version, stream_size);
}

/* ------------------------------------------------------------ constants */

/* A4 portrait in points, and the margins of the text block. */
#define PDF_PAGE_W 595.276f
#define PDF_PAGE_H 841.89f
#define PDF_MARGIN_X 56.0f
#define PDF_TOP (PDF_PAGE_H - 64.0f)
#define PDF_BOTTOM 64.0f
#define PDF_CONTENT_W (PDF_PAGE_W - 2 * PDF_MARGIN_X)

/* Longest text (bytes) the writer measures; longer data text is cut with "…".
 * Nothing on a page can show more, and it keeps a 100,000-character title
 * cheap. */
#define PDF_TEXT_MAX 6000
/* Longest text handed to the document info and the bookmarks (code points). */
#define PDF_META_MAX 200

#define PDF_ELLIPSIS "\u2026"

/* Height of a key-figure tile. */
#define PDF_TILE_H 52.0f

typedef struct {
    float r, g, b;
} pdf_rgb;

/* The palette: status colours as agreed for every output, and a calm
 * slate blue for structure. */
static const pdf_rgb PDF_GREEN = {0x2e / 255.0f, 0x7d / 255.0f, 0x32 / 255.0f};
static const pdf_rgb PDF_YELLOW = {0xf9 / 255.0f, 0xa8 / 255.0f, 0x25 / 255.0f};
static const pdf_rgb PDF_RED = {0xc6 / 255.0f, 0x28 / 255.0f, 0x28 / 255.0f};
static const pdf_rgb PDF_GREY = {0x9e / 255.0f, 0x9e / 255.0f, 0x9e / 255.0f};
static const pdf_rgb PDF_BRAND = {0x1f / 255.0f, 0x3a / 255.0f, 0x5f / 255.0f};
static const pdf_rgb PDF_BRAND_LIGHT = {0x7d / 255.0f, 0x9c / 255.0f, 0xc0 / 255.0f};
static const pdf_rgb PDF_TEXT = {0x21 / 255.0f, 0x21 / 255.0f, 0x21 / 255.0f};
static const pdf_rgb PDF_MUTED = {0x5f / 255.0f, 0x63 / 255.0f, 0x68 / 255.0f};
static const pdf_rgb PDF_RULE = {0xc9 / 255.0f, 0xcf / 255.0f, 0xd6 / 255.0f};
static const pdf_rgb PDF_GRID = {0xe3 / 255.0f, 0xe6 / 255.0f, 0xea / 255.0f};
static const pdf_rgb PDF_HEAD_BG = {0xe8 / 255.0f, 0xed / 255.0f, 0xf3 / 255.0f};
static const pdf_rgb PDF_ZEBRA = {0xf6 / 255.0f, 0xf8 / 255.0f, 0xfa / 255.0f};
static const pdf_rgb PDF_TILE_BG = {0xf2 / 255.0f, 0xf4 / 255.0f, 0xf7 / 255.0f};
static const pdf_rgb PDF_WHITE = {1.0f, 1.0f, 1.0f};
static const pdf_rgb PDF_ON_BRAND = {0xc8 / 255.0f, 0xd6 / 255.0f, 0xe8 / 255.0f};
static const pdf_rgb PDF_TARGET = {0x26 / 255.0f, 0x32 / 255.0f, 0x38 / 255.0f};
static const pdf_rgb PDF_HIGHLIGHT = {0x6a / 255.0f, 0x1b / 255.0f, 0x9a / 255.0f};
static const pdf_rgb PDF_HIGHLIGHT_BG = {0xf1 / 255.0f, 0xe6 / 255.0f, 0xf7 / 255.0f};
static const pdf_rgb PDF_GOOD = {0x2e / 255.0f, 0x7d / 255.0f, 0x32 / 255.0f};
static const pdf_rgb PDF_BAD = {0xb7 / 255.0f, 0x1c / 255.0f, 0x1c / 255.0f};
/* Reference values (county, KKiK, national): a calm violet, apart from the
 * status colours and the slate blue of the municipality's own bars. */
static const pdf_rgb PDF_REF = {0x5e / 255.0f, 0x35 / 255.0f, 0xb1 / 255.0f};
static const pdf_rgb PDF_REF_LIGHT = {0xb3 / 255.0f, 0x9d / 255.0f, 0xdb / 255.0f};

typedef enum { PDF_LEFT, PDF_RIGHT, PDF_CENTER } pdf_align;

/* How a piece of text looks. */
typedef struct {
    bool bold;
    float size;
    pdf_rgb color;
} pdf_style;

/* ------------------------------------------------------------ context */

typedef struct {
    const report *r;            /* the report, or NULL for a benchmark */
    const benchmark *b;         /* the benchmark, or NULL for a report */
    const labels *l;
    time_t generated;           /* when the document was made: r->generated or b->generated */
    int list_limit;             /* < 0: no limit */
    HPDF_Doc doc;
    HPDF_Font font, bold;
    HPDF_Encoder utf8;
    HPDF_Page page;             /* the page being drawn on */
    HPDF_Page *pages;           /* every page, in order, for the furniture */
    size_t npages, cap;
    float y;                    /* top of the free space on the page */
    HPDF_Outline kpi_outline;   /* parent of the per-KPI bookmarks */
    arena mem;                  /* strings that live until the end */
    bool failed;                /* sticky: the first error stops drawing */
    HPDF_STATUS code, detail;   /* what libharu reported first */
    char msg[1024];
    int32_t *widths;            /* advance width + 1 per code point below PDF_WIDTH_CACHE, regular
                                 * then bold; 0 = not asked yet */
} pdf_ctx;

enum { PDF_WIDTH_CACHE = 0x3000 };

/* ------------------------------------------------------------ errors */

/*
 * libharu's error callback.  It records the first error in the context and
 * returns: the failing call then returns an error status, which pdf_ok sees.
 * (libharu's demos longjmp from here; we never do.)
 */
static void pdf_on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    pdf_ctx *c = user_data;
    if (c && c->code == HPDF_OK) {
        c->code = error_no;
        c->detail = detail_no;
    }
}

/* A few libharu error numbers in words; the rest are given as numbers. */
static const char *pdf_error_words(HPDF_STATUS code)
{
    switch (code) {
    case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
    case HPDF_FILE_IO_ERROR: return "file I/O error";
    case HPDF_FILE_OPEN_ERROR: return "cannot open file";
    case HPDF_TTF_INVALID_FOMAT: return "not a TrueType font";
    case HPDF_TTF_CANNOT_EMBEDDING_FONT: return "font may not be embedded";
    case HPDF_STRING_OUT_OF_RANGE: return "string too long";
    case HPDF_INVALID_ENCODER: return "invalid encoder";
    case HPDF_PAGE_INVALID_GMODE: return "drawing call in the wrong mode";
    default: return "libharu error";
    }
}

/*
 * Record a failure (the first one wins) with a message naming what failed.
 * Always returns false so callers can write `return pdf_fail(...)`.
 */
static bool pdf_fail(pdf_ctx *c, const char *what, const char *why)
{
    if (!c->failed) {
        c->failed = true;
        snprintf(c->msg, sizeof c->msg, "%.300s: %.700s", what, why);
    }
    return false;
}

/*
 * Check a libharu status.  True when it is HPDF_OK and nothing failed
 * before; otherwise records "HPDF_Xxx: words (0xNNNN, detail N)".
 */
static bool pdf_ok(pdf_ctx *c, HPDF_STATUS st, const char *what)
{
    if (c->failed)
        return false;
    if (st == HPDF_OK)
        return true;
    HPDF_STATUS code = c->code != HPDF_OK ? c->code : st;
    char why[128];
    snprintf(why, sizeof why, "%s (0x%04X, detail %u)", pdf_error_words(code), (unsigned)code,
             (unsigned)c->detail);
    return pdf_fail(c, what, why);
}

/* Check a libharu call that returns a handle: NULL is a failure. */
static bool pdf_ok_handle(pdf_ctx *c, const void *handle, const char *what)
{
    return pdf_ok(c, handle ? HPDF_OK : (c->code != HPDF_OK ? c->code : HPDF_INVALID_OBJECT),
                  what);
}

/* ------------------------------------------------------------ text */

/*
 * Decode one UTF-8 code point from s (NUL-terminated).  Returns its length
 * in bytes; a malformed, overlong or surrogate sequence gives U+FFFD and
 * length 1, so the caller always advances.
 */
static size_t pdf_utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t min, v;
    size_t n;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xE0) == 0xC0) {
        n = 2, min = 0x80, v = u[0] & 0x1Fu;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3, min = 0x800, v = u[0] & 0x0Fu;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, v = u[0] & 0x07u;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return n;
}

/* Append code point cp to b as UTF-8 (cp is at most U+FFFF here). */
static void pdf_utf8_put(strbuf *b, uint32_t cp)
{
    char o[3];
    if (cp < 0x80) {
        strbuf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        strbuf_add(b, o, 2);
    } else {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        strbuf_add(b, o, 3);
    }
}

/*
 * Text that libharu's UTF-8 encoder and DejaVu can show, as a new arena
 * string: bad bytes and code points beyond U+FFFF become U+FFFD, control
 * characters a space (a newline stays: it is a line break), and anything
 * past PDF_TEXT_MAX bytes is dropped for a "…".  NULL gives "".
 */
static const char *pdf_clean(arena *a, const char *s)
{
    if (!s)
        return "";
    strbuf b = {0};
    for (const char *p = s; *p;) {
        if (b.len >= PDF_TEXT_MAX) {
            strbuf_adds(&b, PDF_ELLIPSIS);
            break;
        }
        uint32_t cp;
        p += pdf_utf8_next(p, &cp);
        if (cp == '\n')
            strbuf_addc(&b, '\n');
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            strbuf_addc(&b, ' ');
        else
            pdf_utf8_put(&b, cp > 0xFFFF ? 0xFFFD : cp);
    }
    const char *out = arena_strdup(a, strbuf_cstr(&b));
    strbuf_free(&b);
    return out;
}

/* The font of a style. */
static HPDF_Font pdf_font(const pdf_ctx *c, bool bold) { return bold ? c->bold : c->font; }

/* Advance width of one code point in points. */
static float pdf_cp_width(const pdf_ctx *c, const pdf_style *st, uint32_t cp)
{
    HPDF_INT w;
    if (cp < PDF_WIDTH_CACHE) {
        /* libharu searches the font's cmap on every call; a document asks
         * for the same few hundred characters over and over.  The first
         * call of each also marks its glyph for embedding, as before. */
        pdf_ctx *mc = (pdf_ctx *)c;
        if (!mc->widths)
            mc->widths = xcalloc(2 * PDF_WIDTH_CACHE, sizeof *mc->widths);
        int32_t *slot = &mc->widths[(st->bold ? PDF_WIDTH_CACHE : 0) + cp];
        if (*slot == 0)
            *slot = (int32_t)HPDF_Font_GetUnicodeWidth(pdf_font(c, st->bold), (HPDF_UNICODE)cp) + 1;
        w = (HPDF_INT)(*slot - 1);
    } else {
        w = HPDF_Font_GetUnicodeWidth(pdf_font(c, st->bold), (HPDF_UNICODE)cp);
    }
    return (float)w * st->size / 1000.0f;
}

/* Width in points of the clean text s[0..n) (n = SIZE_MAX: to the NUL). */
static float pdf_text_width(const pdf_ctx *c, const pdf_style *st, const char *s, size_t n)
{
    float w = 0;
    for (const char *p = s; *p && (size_t)(p - s) < n;) {
        uint32_t cp;
        p += pdf_utf8_next(p, &cp);
        w += pdf_cp_width(c, st, cp);
    }
    return w;
}

/*
 * Find where the line that starts at p ends within width: *end is the end
 * of its text, *next where the following line starts.  Breaks at the last
 * space, or after the last '/', '_' or backslash (paths), that fits; else
 * between characters (a long word or number).  A line always takes at
 * least one character.  A newline ends the line unless single is set, when
 * it counts as a space.
 */
static void pdf_line_break(const pdf_ctx *c, const pdf_style *st, const char *p, float width,
                           bool single, const char **end, const char **next)
{
    const char *q = p, *space = NULL, *after = NULL;
    float w = 0;
    while (*q) {
        uint32_t cp;
        size_t len = pdf_utf8_next(q, &cp);
        if (cp == '\n' && !single) {
            *end = q, *next = q + 1;
            return;
        }
        if (cp == '\n')
            cp = ' ';
        float cw = pdf_cp_width(c, st, cp);
        if (w + cw > width && q > p) {
            if (after) {
                *end = after, *next = after;
            } else if (space) {
                *end = space, *next = space + 1;
            } else {
                *end = q, *next = q;
            }
            return;
        }
        if (cp == ' ')
            space = q, after = NULL;
        w += cw;
        q += len;
        if ((cp == '/' || cp == '_' || cp == '\\') && q - p > 1)
            after = q;
    }
    *end = q, *next = q;
}

/*
 * The line starting at p cut to fit width together with a trailing "…",
 * as an arena string (newlines as spaces; trailing spaces dropped).
 */
static const char *pdf_ellipsize(const pdf_ctx *c, arena *a, const pdf_style *st, const char *p,
                                 float width, bool single)
{
    float room = width - pdf_text_width(c, st, PDF_ELLIPSIS, SIZE_MAX), w = 0;
    const char *q = p;
    while (*q && !(*q == '\n' && !single)) {
        uint32_t cp;
        size_t len = pdf_utf8_next(q, &cp);
        float cw = pdf_cp_width(c, st, cp == '\n' ? ' ' : cp);
        if (w + cw > room)
            break;
        w += cw;
        q += len;
    }
    while (q > p && (q[-1] == ' ' || q[-1] == '\n'))
        q--;
    char *out = arena_printf(a, "%.*s" PDF_ELLIPSIS, (int)(q - p), p);
    for (char *o = out; *o; o++)
        if (*o == '\n')
            *o = ' ';
    return out;
}

/* Lines of wrapped text: arena strings. */
typedef struct {
    const char **line;
    size_t n;
} pdf_lines;

/*
 * Wrap the clean text s into at most max_lines lines no wider than width.
 * When text is left over, the last line ends in "…".  With max_lines 1 the
 * text is kept on one line (newlines read as spaces).
 */
static pdf_lines pdf_wrap(const pdf_ctx *c, arena *a, const pdf_style *st, const char *s,
                          float width, size_t max_lines)
{
    pdf_lines out = {arena_alloc(a, (max_lines ? max_lines : 1) * sizeof *out.line), 0};
    bool single = max_lines <= 1;
    const char *p = s;
    while (*p && out.n < max_lines) {
        if (out.n > 0)
            while (*p == ' ')
                p++;
        const char *end, *next, *rest;
        pdf_line_break(c, st, p, width, single, &end, &next);
        for (rest = next; *rest == ' ' || *rest == '\n'; rest++)
            ;
        if (out.n + 1 == max_lines && *rest) {
            out.line[out.n++] = pdf_ellipsize(c, a, st, p, width, single);
            break;
        }
        while (end > p && end[-1] == ' ')
            end--;
        out.line[out.n++] = arena_strndup(a, p, (size_t)(end - p));
        p = next;
    }
    return out;
}

/* The clean text s on one line of at most width points ("…" if cut). */
static const char *pdf_fit(const pdf_ctx *c, arena *a, const pdf_style *st, const char *s,
                           float width)
{
    pdf_lines one = pdf_wrap(c, a, st, s, width, 1);
    return one.n ? one.line[0] : "";
}

/*
 * Fill a label pattern: "{1}".."{9}" take args[0..8]; "%s" and "%d" take
 * the arguments in order (the common labels use printf style).  No printf
 * ever sees a label, so a stray "%" in a translation cannot misbehave.
 */
static const char *pdf_fill(arena *a, const char *pattern, size_t nargs, const char *const *args)
{
    strbuf b = {0};
    size_t next = 0;
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
            size_t i = (size_t)(p[1] - '1');
            strbuf_adds(&b, i < nargs && args[i] ? args[i] : "");
            p += 2;
        } else if (p[0] == '%' && (p[1] == 's' || p[1] == 'd')) {
            strbuf_adds(&b, next < nargs && args[next] ? args[next] : "");
            next++;
            p++;
        } else {
            strbuf_addc(&b, *p);
        }
    }
    const char *out = arena_strdup(a, strbuf_cstr(&b));
    strbuf_free(&b);
    return out;
}

/* pdf_fill with one, two, three or four arguments. */
#define PDF_FILL(c, key, ...)                                                                  \
    pdf_fill(&(c)->mem, label((c)->l, key), sizeof((const char *[]){__VA_ARGS__}) /             \
                                                sizeof(const char *),                           \
             (const char *[]){__VA_ARGS__})

/* ------------------------------------------------------------ drawing */

/* Draw one line of clean text with its baseline at (x, y). */
static void pdf_show(pdf_ctx *c, const pdf_style *st, float x, float y, const char *text)
{
    if (c->failed || !text || !*text)
        return;
    HPDF_Page p = c->page;
    if (!pdf_ok(c, HPDF_Page_BeginText(p), "HPDF_Page_BeginText"))
        return;
    if (pdf_ok(c, HPDF_Page_SetFontAndSize(p, pdf_font(c, st->bold), st->size),
               "HPDF_Page_SetFontAndSize") &&
        pdf_ok(c, HPDF_Page_SetRGBFill(p, st->color.r, st->color.g, st->color.b),
               "HPDF_Page_SetRGBFill"))
        pdf_ok(c, HPDF_Page_TextOut(p, x, y, text), "HPDF_Page_TextOut");
    pdf_ok(c, HPDF_Page_EndText(p), "HPDF_Page_EndText");
}

/*
 * Draw text (any, cleaned here) on one line in the box [x, x+w] aligned as
 * asked, cut with "…" when it is wider.  Returns the width drawn.
 */
static float pdf_show_in(pdf_ctx *c, const pdf_style *st, float x, float y, float w,
                         pdf_align align, const char *text)
{
    if (c->failed || !text || !*text)
        return 0;
    const char *t = pdf_fit(c, &c->mem, st, pdf_clean(&c->mem, text), w);
    float tw = pdf_text_width(c, st, t, SIZE_MAX);
    float tx = align == PDF_RIGHT ? x + w - tw : align == PDF_CENTER ? x + (w - tw) / 2 : x;
    pdf_show(c, st, tx, y, t);
    return tw;
}

/* Fill the rectangle with lower-left corner (x, y). */
static void pdf_rect(pdf_ctx *c, float x, float y, float w, float h, pdf_rgb col)
{
    if (c->failed || w <= 0 || h <= 0)
        return;
    HPDF_Page p = c->page;
    if (pdf_ok(c, HPDF_Page_SetRGBFill(p, col.r, col.g, col.b), "HPDF_Page_SetRGBFill") &&
        pdf_ok(c, HPDF_Page_Rectangle(p, x, y, w, h), "HPDF_Page_Rectangle"))
        pdf_ok(c, HPDF_Page_Fill(p), "HPDF_Page_Fill");
}

/* Stroke a straight line, solid or dashed (3 on, 2 off). */
static void pdf_line(pdf_ctx *c, float x1, float y1, float x2, float y2, float width,
                     pdf_rgb col, bool dashed)
{
    if (c->failed)
        return;
    static const HPDF_UINT16 dash[] = {3, 2};
    HPDF_Page p = c->page;
    if (!pdf_ok(c, HPDF_Page_SetLineWidth(p, width), "HPDF_Page_SetLineWidth") ||
        !pdf_ok(c, HPDF_Page_SetRGBStroke(p, col.r, col.g, col.b), "HPDF_Page_SetRGBStroke") ||
        !pdf_ok(c, HPDF_Page_SetDash(p, dashed ? dash : NULL, dashed ? 2 : 0, 0),
                "HPDF_Page_SetDash") ||
        !pdf_ok(c, HPDF_Page_MoveTo(p, x1, y1), "HPDF_Page_MoveTo") ||
        !pdf_ok(c, HPDF_Page_LineTo(p, x2, y2), "HPDF_Page_LineTo") ||
        !pdf_ok(c, HPDF_Page_Stroke(p), "HPDF_Page_Stroke"))
        return;
    if (dashed)
        pdf_ok(c, HPDF_Page_SetDash(p, NULL, 0, 0), "HPDF_Page_SetDash");
}

/*
 * A bar that marks a value from the run history: white inside, diagonal
 * hatching in col clipped to the rectangle, an outline in col.  It reads
 * apart from the solid bars also in grey print.
 */
static void pdf_hatched(pdf_ctx *c, float x, float y, float w, float h, pdf_rgb col)
{
    if (c->failed || w <= 0 || h <= 0)
        return;
    HPDF_Page p = c->page;
    pdf_rect(c, x, y, w, h, PDF_WHITE);
    if (!pdf_ok(c, HPDF_Page_GSave(p), "HPDF_Page_GSave"))
        return;
    if (pdf_ok(c, HPDF_Page_Rectangle(p, x, y, w, h), "HPDF_Page_Rectangle") &&
        pdf_ok(c, HPDF_Page_Clip(p), "HPDF_Page_Clip") &&
        pdf_ok(c, HPDF_Page_EndPath(p), "HPDF_Page_EndPath") &&
        pdf_ok(c, HPDF_Page_SetLineWidth(p, 1.0f), "HPDF_Page_SetLineWidth") &&
        pdf_ok(c, HPDF_Page_SetRGBStroke(p, col.r, col.g, col.b), "HPDF_Page_SetRGBStroke") &&
        pdf_ok(c, HPDF_Page_SetDash(p, NULL, 0, 0), "HPDF_Page_SetDash")) {
        /* lines at 45 degrees, 3.5 pt apart, from below-left of the box */
        bool ok = true;
        for (float t = -h; t < w && ok; t += 3.5f)
            ok = pdf_ok(c, HPDF_Page_MoveTo(p, x + t, y), "HPDF_Page_MoveTo") &&
                 pdf_ok(c, HPDF_Page_LineTo(p, x + t + h, y + h), "HPDF_Page_LineTo");
        if (ok)
            pdf_ok(c, HPDF_Page_Stroke(p), "HPDF_Page_Stroke");
    }
    pdf_ok(c, HPDF_Page_GRestore(p), "HPDF_Page_GRestore");
    if (c->failed)
        return;
    /* the outline inside the box, so the bar keeps its size */
    float in = w > 1 && h > 1 ? 0.4f : 0;
    if (pdf_ok(c, HPDF_Page_SetLineWidth(p, 0.8f), "HPDF_Page_SetLineWidth") &&
        pdf_ok(c, HPDF_Page_SetRGBStroke(p, col.r, col.g, col.b), "HPDF_Page_SetRGBStroke") &&
        pdf_ok(c, HPDF_Page_Rectangle(p, x + in, y + in, w - 2 * in, h - 2 * in),
               "HPDF_Page_Rectangle"))
        pdf_ok(c, HPDF_Page_Stroke(p), "HPDF_Page_Stroke");
}

/* ------------------------------------------------------------ pages */

/* Start a new A4 page, remember it for the furniture, put the cursor on top. */
static void pdf_new_page(pdf_ctx *c)
{
    if (c->failed)
        return;
    HPDF_Page p = HPDF_AddPage(c->doc);
    if (!pdf_ok_handle(c, p, "HPDF_AddPage") ||
        !pdf_ok(c, HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT),
                "HPDF_Page_SetSize"))
        return;
    if (c->npages == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->pages = xrealloc(c->pages, c->cap * sizeof *c->pages);
    }
    c->pages[c->npages++] = p;
    c->page = p;
    c->y = PDF_TOP;
}

/* Make sure h points are free below the cursor; else a new page.  True when
 * a page was started (callers repeat a table header or chart axis then). */
static bool pdf_need(pdf_ctx *c, float h)
{
    if (c->y - h >= PDF_BOTTOM)
        return false;
    pdf_new_page(c);
    return true;
}

/*
 * Text for a bookmark or the document info: cleaned, on one line, at most
 * PDF_META_MAX code points (libharu refuses strings over 64 KiB).
 */
static const char *pdf_meta_text(arena *a, const char *s)
{
    const char *t = pdf_clean(a, s);
    const char *p = t;
    size_t n = 0;
    for (; *p && n < PDF_META_MAX; n++) {
        uint32_t cp;
        p += pdf_utf8_next(p, &cp);
    }
    char *out = *p ? arena_printf(a, "%.*s" PDF_ELLIPSIS, (int)(p - t), t) : arena_strdup(a, t);
    for (char *o = out; *o; o++)
        if (*o == '\n')
            *o = ' ';
    return out;
}

/* A bookmark under parent (NULL: top level) pointing at the cursor. */
static HPDF_Outline pdf_bookmark(pdf_ctx *c, HPDF_Outline parent, const char *title)
{
    if (c->failed)
        return NULL;
    HPDF_Outline o = HPDF_CreateOutline(c->doc, parent, pdf_meta_text(&c->mem, title), c->utf8);
    if (!pdf_ok_handle(c, o, "HPDF_CreateOutline"))
        return NULL;
    HPDF_Destination d = HPDF_Page_CreateDestination(c->page);
    if (!pdf_ok_handle(c, d, "HPDF_Page_CreateDestination"))
        return NULL;
    float top = c->y + 24 > PDF_PAGE_H ? PDF_PAGE_H : c->y + 24;
    if (!pdf_ok(c, HPDF_Destination_SetFitH(d, top), "HPDF_Destination_SetFitH") ||
        !pdf_ok(c, HPDF_Outline_SetDestination(o, d), "HPDF_Outline_SetDestination"))
        return NULL;
    return o;
}

/*
 * Flow a paragraph at the cursor across the text width (indent from the
 * left margin), page by page, at most max_lines lines.
 */
static void pdf_paragraph(pdf_ctx *c, const pdf_style *st, float indent, const char *text,
                          size_t max_lines)
{
    if (c->failed || !text || !*text)
        return;
    float lead = st->size * 1.35f;
    pdf_lines ls = pdf_wrap(c, &c->mem, st, pdf_clean(&c->mem, text), PDF_CONTENT_W - indent,
                            max_lines);
    for (size_t i = 0; i < ls.n; i++) {
        pdf_need(c, lead);
        pdf_show(c, st, PDF_MARGIN_X + indent, c->y - st->size, ls.line[i]);
        c->y -= lead;
    }
}

/* A section title (new top-level bookmark) with a rule under it. */
static HPDF_Outline pdf_section(pdf_ctx *c, const char *title)
{
    pdf_need(c, 120);
    HPDF_Outline o = pdf_bookmark(c, NULL, title);
    pdf_style st = {true, 16, PDF_BRAND};
    pdf_show_in(c, &st, PDF_MARGIN_X, c->y - 16, PDF_CONTENT_W, PDF_LEFT, title);
    c->y -= 24;
    pdf_line(c, PDF_MARGIN_X, c->y, PDF_MARGIN_X + PDF_CONTENT_W, c->y, 1.2f, PDF_BRAND, false);
    c->y -= 14;
    return o;
}

/* A sub-heading (11 pt bold) that keeps at least keep points below it;
 * with a parent outline it also gets a bookmark under it. */
static void pdf_subheading(pdf_ctx *c, const char *title, float keep, HPDF_Outline parent)
{
    c->y -= 6;
    pdf_need(c, 20 + keep);
    if (parent)
        pdf_bookmark(c, parent, title);
    pdf_style st = {true, 11, PDF_TEXT};
    pdf_show_in(c, &st, PDF_MARGIN_X, c->y - 11, PDF_CONTENT_W, PDF_LEFT, title);
    c->y -= 19;
}

/* ------------------------------------------------------------ formats */

/* The colour of a status. */
static pdf_rgb pdf_status_color(kpi_status s)
{
    switch (s) {
    case STATUS_GREEN: return PDF_GREEN;
    case STATUS_YELLOW: return PDF_YELLOW;
    case STATUS_RED: return PDF_RED;
    case STATUS_NONE: break;
    }
    return PDF_GREY;
}

/* A KPI's status in words; a value without a target reads "Uten mål"
 * rather than the model's "Ingen verdi". */
static const char *pdf_kpi_status_word(const pdf_ctx *c, const kpi_result *k)
{
    if (k->status == STATUS_NONE && k->value.present && !k->target.present)
        return label(c->l, "pdf.status.no_target");
    char key[32];
    snprintf(key, sizeof key, "status.%s", kpi_status_name(k->status));
    return label(c->l, key);
}

/* The status in words ("Oppfylt"). */
static const char *pdf_status_word(const pdf_ctx *c, kpi_status s)
{
    char key[32];
    snprintf(key, sizeof key, "status.%s", kpi_status_name(s));
    return label(c->l, key);
}

/* A usable number: present and finite. */
static bool pdf_has(maybe m) { return m.present && isfinite(m.v); }

/* True when v is a whole number (up to rounding noise). */
static bool pdf_whole(double v) { return fabs(v - round(v)) < 1e-9; }

/* Largest magnitude shown as a number; beyond it "≥ 1 000 000 000 000 000"
 * (a count that large is a data error, and the label formats keep to 64
 * bytes). */
#define PDF_NUMBER_MAX 1e15

/* labels_fmt_number, bounded: absurd magnitudes read "≥ 10^15" in digits. */
static void pdf_number(const pdf_ctx *c, double v, int decimals, char buf[64])
{
    if (fabs(v) < PDF_NUMBER_MAX) {
        labels_fmt_number(c->l, v, decimals, buf);
        return;
    }
    char n[64];
    labels_fmt_number(c->l, PDF_NUMBER_MAX, 0, n);
    snprintf(buf, 64, "%s%.56s", v > 0 ? "\u2265" : "\u2264\u2212", n);
}

/* labels_fmt_percent, bounded like pdf_number. */
static void pdf_percent(const pdf_ctx *c, double share, int decimals, char buf[64])
{
    if (fabs(share * 100) < PDF_NUMBER_MAX) {
        labels_fmt_percent(c->l, share, decimals, buf);
        return;
    }
    char n[64];
    pdf_number(c, share * 100, decimals, n);
    snprintf(buf, 64, "%.56s\u00a0%%", n);
}

/* A number in the report's language with a "+" in front of positives. */
static const char *pdf_signed(pdf_ctx *c, double v, int decimals)
{
    char buf[64];
    pdf_number(c, v, decimals, buf);
    double unit = pow(10, -decimals) / 2;
    if (fabs(v) < unit)
        return arena_printf(&c->mem, "\u00b1%s", buf);
    return v > 0 ? arena_printf(&c->mem, "+%s", buf) : arena_strdup(&c->mem, buf);
}

/*
 * A KPI value for people: shares as "87,0 %", changes as "+12,5 %",
 * counts as "1 234" (one decimal when not whole).  Absent: the "none" label.
 */
static const char *pdf_fmt_value(pdf_ctx *c, kpi_kind kind, maybe m)
{
    if (!pdf_has(m))
        return label(c->l, "none");
    char buf[64];
    switch (kind) {
    case KPI_SHARE:
        pdf_percent(c, m.v, 1, buf);
        return arena_strdup(&c->mem, buf);
    case KPI_CHANGE: {
        const char *n = pdf_signed(c, m.v * 100, 1);
        return arena_printf(&c->mem, "%s\u00a0%%", n);
    }
    case KPI_COUNT: break;
    }
    pdf_number(c, m.v, pdf_whole(m.v) ? 0 : 1, buf);
    return arena_strdup(&c->mem, buf);
}

/* A target or threshold: like a value, but "100 %" rather than "100,0 %". */
static const char *pdf_fmt_target(pdf_ctx *c, kpi_kind kind, double v)
{
    char buf[64];
    if (kind == KPI_COUNT) {
        pdf_number(c, v, pdf_whole(v) ? 0 : 1, buf);
    } else {
        pdf_percent(c, v, pdf_whole(v * 100) ? 0 : 1, buf);
    }
    return arena_strdup(&c->mem, buf);
}

/* The change from an earlier value: percentage points for shares and
 * changes, the plain difference for counts. */
static const char *pdf_fmt_delta(pdf_ctx *c, kpi_kind kind, maybe now, maybe then)
{
    if (!pdf_has(now) || !pdf_has(then))
        return label(c->l, "none");
    double d = now.v - then.v;
    if (kind == KPI_COUNT)
        return pdf_signed(c, d, pdf_whole(d) ? 0 : 1);
    return arena_printf(&c->mem, "%s\u00a0%s", pdf_signed(c, d * 100, 1), label(c->l, "pdf.pp"));
}

/* The colour of a change: green when it goes the KPI's way, red when not. */
static pdf_rgb pdf_delta_color(const kpi_result *k, maybe now, maybe then)
{
    if (!pdf_has(now) || !pdf_has(then) || fabs(now.v - then.v) < 1e-12)
        return PDF_MUTED;
    bool up = now.v > then.v;
    bool good = k->direction == DIR_AT_MOST ? !up : up;
    return good ? PDF_GOOD : PDF_BAD;
}

/* The target with its direction: "minst 100 %"; no target: "–". */
static const char *pdf_target_words(pdf_ctx *c, const kpi_result *k)
{
    if (!pdf_has(k->target))
        return label(c->l, "none");
    char key[32];
    snprintf(key, sizeof key, "direction.%s", kpi_direction_name(k->direction));
    return arena_printf(&c->mem, "%s %s", label(c->l, key),
                        pdf_fmt_target(c, k->kind, k->target.v));
}

/* The yellow band in words ("gult fra 90 %"), or NULL without one. */
static const char *pdf_yellow_words(pdf_ctx *c, const kpi_result *k)
{
    if (!pdf_has(k->target) || !pdf_has(k->warning))
        return NULL;
    const char *key = k->direction == DIR_AT_MOST ? "pdf.rule.yellow_upto" : "pdf.rule.yellow_from";
    return PDF_FILL(c, key, pdf_fmt_target(c, k->kind, k->warning.v));
}

/* The target rule in words: "mål: minst 100 %; gult fra 90 %". */
static const char *pdf_rule_text(pdf_ctx *c, const kpi_result *k)
{
    if (!pdf_has(k->target))
        return label(c->l, "pdf.rule.no_target");
    char key[32];
    snprintf(key, sizeof key, "direction.%s", kpi_direction_name(k->direction));
    const char *rule = PDF_FILL(c, "pdf.rule.target", label(c->l, key),
                                pdf_fmt_target(c, k->kind, k->target.v));
    const char *yellow = pdf_yellow_words(c, k);
    return yellow ? arena_printf(&c->mem, "%s; %s", rule, yellow) : rule;
}

/* A number as text in the report's language, no decimals. */
static const char *pdf_count(pdf_ctx *c, double v)
{
    char buf[64];
    pdf_number(c, v, 0, buf);
    return arena_strdup(&c->mem, buf);
}

/* A number of things as text. */
static const char *pdf_size(pdf_ctx *c, size_t n)
{
    return arena_printf(&c->mem, "%zu", n);
}

/* "oktober 2026", "3. kvartal 2026", "januar–august 2026", ... */
static const char *pdf_period_words(pdf_ctx *c, const period *p)
{
    char year[16], index[16];
    snprintf(year, sizeof year, "%d", p->year);
    snprintf(index, sizeof index, "%d", p->index);
    switch (p->kind) {
    case PERIOD_MONTH:
        return PDF_FILL(c, "pdf.period.month", labels_month_name(c->l, p->index), year);
    case PERIOD_QUARTER: return PDF_FILL(c, "pdf.period.quarter", index, year);
    case PERIOD_TERTIAL:
        return PDF_FILL(c, "pdf.period.tertial", index, year,
                        labels_month_name(c->l, 4 * p->index - 3),
                        labels_month_name(c->l, 4 * p->index));
    case PERIOD_H8:
        return PDF_FILL(c, "pdf.period.h8", labels_month_name(c->l, 1),
                        labels_month_name(c->l, 8), year);
    case PERIOD_YEAR: return PDF_FILL(c, "pdf.period.year", year);
    }
    return p->id;
}

/* The same with an upper-case first letter, for the cover (ASCII only:
 * every month name of nb, sv and en starts with one). */
static const char *pdf_capitalized(arena *a, const char *s)
{
    char *t = arena_strdup(a, s);
    if (t[0] >= 'a' && t[0] <= 'z')
        t[0] = (char)(t[0] - 'a' + 'A');
    return t;
}

/* A day for people ("31.10.2026"); absent: the "none" label. */
static const char *pdf_date(pdf_ctx *c, int32_t day)
{
    if (day == DATE_NONE)
        return label(c->l, "none");
    char buf[16];
    labels_fmt_date(c->l, day, buf);
    return arena_strdup(&c->mem, buf);
}

/* A time split into the day number and the seconds of that day (UTC). */
static void pdf_generated_split(time_t when, int32_t *day, int *secs)
{
    int64_t t = (int64_t)when;
    int64_t d = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    *day = (int32_t)d;
    *secs = (int)(t - d * 86400);
}

/* "01.11.2026 00:00 UTC": when the report was made. */
static const char *pdf_generated_words(pdf_ctx *c)
{
    int32_t day;
    int secs;
    pdf_generated_split(c->generated, &day, &secs);
    return arena_printf(&c->mem, "%s %02d:%02d UTC", pdf_date(c, day), secs / 3600,
                        secs / 60 % 60);
}

/* A label, or fallback when the labels lack key (label() returns the key). */
static const char *pdf_label_or(const pdf_ctx *c, const char *key, const char *fallback)
{
    const char *t = label(c->l, key);
    return strcmp(t, key) == 0 ? fallback : t;
}

/* ------------------------------------------------------------ scales */

/* A value axis: lo..hi in steps of step. */
typedef struct {
    double lo, hi, step;
} pdf_scale;

/*
 * A "nice" axis over [lo, hi] with about four steps of 1, 2, 2.5 or 5
 * times a power of ten, always including zero.  Counts step by whole
 * numbers and never by 2.5 (ticks would read 2, 5, 8).
 */
static pdf_scale pdf_nice_scale(double lo, double hi, bool whole)
{
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
    if (hi - lo < 1e-12)
        hi = lo + (whole ? 4 : 1);
    double raw = (hi - lo) / 4, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 && !whole ? 2.5 : f <= 5 ? 5 : 10) * mag;
    if (whole && step < 1)
        step = 1;
    pdf_scale s = {floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step, step};
    return s;
}

/* Where v lies on the scale, 0 to 1 (clamped: nothing leaves its chart). */
static float pdf_unit(double v, const pdf_scale *s)
{
    double t = (v - s->lo) / (s->hi - s->lo);
    return !(t > 0) ? 0.0f : t > 1 ? 1.0f : (float)t;
}

/* A scale over lo..hi (and zero) for values of a kind; absurd magnitudes
 * are capped so the ticks stay numbers. */
static pdf_scale pdf_scale_span(kpi_kind kind, double lo, double hi)
{
    double cap = kind == KPI_COUNT ? PDF_NUMBER_MAX : PDF_NUMBER_MAX / 100;
    lo = lo < -cap ? -cap : lo;
    hi = hi > cap ? cap : hi;
    return pdf_nice_scale(lo, hi, kind == KPI_COUNT);
}

/* Widen [*lo, *hi] to take in m when it is a usable number. */
static void pdf_span_add(double *lo, double *hi, maybe m)
{
    if (m.present && isfinite(m.v)) {
        *lo = m.v < *lo ? m.v : *lo;
        *hi = m.v > *hi ? m.v : *hi;
    }
}

/* ------------------------------------------------------------ tables */

/* A table column: header text, width in points, alignment. */
typedef struct {
    const char *title;
    float width;
    pdf_align align;
} pdf_col;

/* A bar drawn in a table cell: the value from zero on the scale, the grid
 * and the target (dashed) across the whole row, so rows read as a chart. */
typedef struct {
    pdf_scale s;
    maybe value;
    pdf_rgb color;
    maybe target;
} pdf_cellbar;

/* One cell: a main text, an optional smaller grey text under it, an
 * optional colour square before it.  Instead of text a cell may hold a
 * bar (pdf_cellbar) or a status tally: four counts (green, yellow, red,
 * none) as one stacked bar. */
typedef struct {
    const char *text;
    const char *sub;
    const pdf_rgb *swatch;
    pdf_rgb color;
    bool bold;
    bool has_color;
    const pdf_cellbar *bar;
    const size_t *tally;
} pdf_cell;

/* A table being drawn: its columns, text size and state across pages. */
typedef struct {
    size_t ncols;
    const pdf_col *cols;
    float size;                 /* main text size; sub text is 1.5 pt smaller */
    size_t max_lines;           /* per text of a cell, then "…" */
    size_t rows;                /* rows drawn: zebra stripes */
    const char *title;          /* repeated above the header on later pages */
    bool headless;              /* no header row (key/value tables) */
    const pdf_scale *axis;      /* tick labels in the header of column axis_col */
    size_t axis_col;
    kpi_kind axis_kind;
    float head_size;            /* header text size; 0: size - 0.5 */
} pdf_table;

#define PDF_CELL_PAD 4.0f
#define PDF_SWATCH 8.0f

/* The wrapped lines of one cell, measured once and drawn from. */
typedef struct {
    pdf_lines main, sub;
    pdf_style st, sub_st;
    float height;
} pdf_cell_layout;

/* Wrap one cell's texts into its column; works out the height it needs. */
static pdf_cell_layout pdf_cell_measure(pdf_ctx *c, arena *a, const pdf_table *t,
                                        const pdf_cell *cl, float width)
{
    pdf_cell_layout lay = {0};
    lay.st = (pdf_style){cl->bold, t->size, cl->has_color ? cl->color : PDF_TEXT};
    lay.sub_st = (pdf_style){false, t->size - 1.5f, PDF_MUTED};
    float w = width - 2 * PDF_CELL_PAD - (cl->swatch ? PDF_SWATCH + 4 : 0);
    lay.main = pdf_wrap(c, a, &lay.st, pdf_clean(a, cl->text), w, t->max_lines);
    if (cl->sub && *cl->sub)
        lay.sub = pdf_wrap(c, a, &lay.sub_st, pdf_clean(a, cl->sub), w, t->max_lines);
    lay.height = (float)lay.main.n * lay.st.size * 1.3f + (float)lay.sub.n * lay.sub_st.size * 1.3f;
    if ((cl->bar || cl->tally) && lay.height < t->size * 1.3f)
        lay.height = t->size * 1.3f;
    return lay;
}

/* Draw wrapped lines from *y down (1.3 line spacing), aligned in [x, x+w]. */
static void pdf_lines_draw(pdf_ctx *c, const pdf_style *st, const pdf_lines *ls, float x, float w,
                           pdf_align align, float *y)
{
    for (size_t i = 0; i < ls->n; i++) {
        float lw = pdf_text_width(c, st, ls->line[i], SIZE_MAX);
        float lx = align == PDF_RIGHT ? x + w - lw : align == PDF_CENTER ? x + (w - lw) / 2 : x;
        pdf_show(c, st, lx, *y - st->size, ls->line[i]);
        *y -= st->size * 1.3f;
    }
}

/* The x of v on the scale s drawn over [x, x+w]. */
static float pdf_scale_x(const pdf_scale *s, float x, float w, double v)
{
    return x + pdf_unit(v, s) * w;
}

/* A cell's bar over [x, x+w] in the row from top down h points: grid
 * lines at the ticks, the bar centred, the target dashed across. */
static void pdf_cellbar_draw(pdf_ctx *c, const pdf_cellbar *b, float x, float w, float top,
                             float h)
{
    for (double v = b->s.lo; v <= b->s.hi + b->s.step / 2; v += b->s.step) {
        float gx = pdf_scale_x(&b->s, x, w, v);
        bool zero = fabs(v) < b->s.step / 1000;
        pdf_line(c, gx, top, gx, top - h, zero ? 0.8f : 0.5f, zero ? PDF_RULE : PDF_GRID, false);
    }
    if (pdf_has(b->value)) {
        float x0 = pdf_scale_x(&b->s, x, w, 0), x1 = pdf_scale_x(&b->s, x, w, b->value.v);
        pdf_rect(c, x0 < x1 ? x0 : x1, top - h / 2 - 4, fabsf(x1 - x0), 8, b->color);
    }
    if (pdf_has(b->target)) {
        float tx = pdf_scale_x(&b->s, x, w, b->target.v);
        pdf_line(c, tx, top, tx, top - h, 1.0f, PDF_TARGET, true);
    }
}

/* A status tally over [x, x+w]: green, yellow, red and grey segments as
 * long as their counts, each count written in it when it fits. */
static void pdf_tally_draw(pdf_ctx *c, const size_t *n, float x, float w, float mid)
{
    static const kpi_status order[] = {STATUS_GREEN, STATUS_YELLOW, STATUS_RED, STATUS_NONE};
    size_t total = n[0] + n[1] + n[2] + n[3];
    if (total == 0)
        return;
    pdf_style st = {true, 6.5f, PDF_WHITE};
    float sx = x;
    for (size_t i = 0; i < 4; i++) {
        if (n[i] == 0)
            continue;
        float sw = w * (float)n[i] / (float)total;
        pdf_rect(c, sx, mid - 5, sw, 10, pdf_status_color(order[i]));
        char num[24];
        snprintf(num, sizeof num, "%zu", n[i]);
        st.color = order[i] == STATUS_YELLOW ? PDF_TEXT : PDF_WHITE;
        if (pdf_text_width(c, &st, num, SIZE_MAX) + 3 <= sw)
            pdf_show_in(c, &st, sx, mid - 2.3f, sw, PDF_CENTER, num);
        sx += sw;
    }
}

/* Draw a measured cell with its top at y in the column starting at x, in
 * a row h points high. */
static void pdf_cell_draw(pdf_ctx *c, const pdf_cell_layout *lay, const pdf_cell *cl, float x,
                          float y, float width, pdf_align align, float h)
{
    float tx = x + PDF_CELL_PAD, w = width - 2 * PDF_CELL_PAD;
    if (cl->bar)
        pdf_cellbar_draw(c, cl->bar, tx, w, y + PDF_CELL_PAD, h);
    if (cl->tally)   /* level with the first line of the row's text */
        pdf_tally_draw(c, cl->tally, tx, w, y - lay->st.size * 0.5f);
    if (cl->swatch) {
        /* left of the text: at the cell's start, or just before right or
         * centred text */
        float sx = tx;
        if (align != PDF_LEFT && lay->main.n > 0) {
            float lw = 0;
            for (size_t i = 0; i < lay->main.n; i++) {
                float x1 = pdf_text_width(c, &lay->st, lay->main.line[i], SIZE_MAX);
                lw = x1 > lw ? x1 : lw;
            }
            float room = w - PDF_SWATCH - 4;
            sx = tx + (align == PDF_RIGHT ? room - lw : (room - lw) / 2);
            sx = sx < tx ? tx : sx;
        }
        pdf_rect(c, sx, y - lay->st.size * 0.95f, PDF_SWATCH, PDF_SWATCH, *cl->swatch);
        tx += PDF_SWATCH + 4, w -= PDF_SWATCH + 4;
    }
    pdf_lines_draw(c, &lay->st, &lay->main, tx, w, align, &y);
    pdf_lines_draw(c, &lay->sub_st, &lay->sub, tx, w, align, &y);
}

/* Tick labels of a value scale drawn over [x, x+w] with their baseline at
 * y: "75 %" for shares and changes, "1 000" for counts; the outer ones
 * kept inside the span. */
static void pdf_axis_labels(pdf_ctx *c, kpi_kind kind, const pdf_scale *s, float x, float w,
                            float y)
{
    pdf_style st = {false, 6.5f, PDF_MUTED};
    for (double v = s->lo; v <= s->hi + s->step / 2; v += s->step) {
        char buf[64];
        if (kind == KPI_COUNT)
            pdf_number(c, v, s->step < 1 ? 1 : 0, buf);
        else
            pdf_percent(c, v, s->step * 100 < 1 ? 1 : 0, buf);
        float tw = pdf_text_width(c, &st, buf, SIZE_MAX);
        float tx = pdf_scale_x(s, x, w, v) - tw / 2;
        tx = tx + tw > x + w ? x + w - tw : tx;
        tx = tx < x ? x : tx;
        pdf_show(c, &st, tx, y, buf);
    }
}

/* Draw the header row of a table at the cursor (titles wrap to 4 lines). */
static void pdf_table_header(pdf_ctx *c, pdf_table *t)
{
    arena tmp = {0};
    pdf_style st = {true, t->head_size > 0 ? t->head_size : t->size - 0.5f, PDF_BRAND};
    float h = 0;
    pdf_lines *ls = arena_alloc(&tmp, t->ncols * sizeof *ls);
    for (size_t i = 0; i < t->ncols; i++) {
        ls[i] = pdf_wrap(c, &tmp, &st, pdf_clean(&tmp, t->cols[i].title),
                         t->cols[i].width - 2 * PDF_CELL_PAD, 4);
        float ch = (float)ls[i].n * st.size * 1.25f;
        h = ch > h ? ch : h;
    }
    h += 2 * PDF_CELL_PAD;
    float x = PDF_MARGIN_X, total = 0;
    for (size_t i = 0; i < t->ncols; i++)
        total += t->cols[i].width;
    pdf_rect(c, x, c->y - h, total, h, PDF_HEAD_BG);
    for (size_t i = 0; i < t->ncols; i++) {
        float ly = c->y - PDF_CELL_PAD;
        for (size_t j = 0; j < ls[i].n; j++) {
            float w = t->cols[i].width - 2 * PDF_CELL_PAD;
            float lw = pdf_text_width(c, &st, ls[i].line[j], SIZE_MAX);
            float lx = t->cols[i].align == PDF_RIGHT    ? x + PDF_CELL_PAD + w - lw
                       : t->cols[i].align == PDF_CENTER ? x + PDF_CELL_PAD + (w - lw) / 2
                                                        : x + PDF_CELL_PAD;
            pdf_show(c, &st, lx, ly - st.size, ls[i].line[j]);
            ly -= st.size * 1.25f;
        }
        if (t->axis && i == t->axis_col)
            pdf_axis_labels(c, t->axis_kind, t->axis, x + PDF_CELL_PAD,
                            t->cols[i].width - 2 * PDF_CELL_PAD, c->y - h + PDF_CELL_PAD + 1);
        x += t->cols[i].width;
    }
    c->y -= h;
    arena_free(&tmp);
}

/* On a new page: the table's title with "(forts.)", then its header. */
static void pdf_table_continue(pdf_ctx *c, pdf_table *t)
{
    if (t->title) {
        pdf_style st = {true, 9, PDF_MUTED};
        const char *s =
            arena_printf(&c->mem, "%s (%s)", t->title, label(c->l, "pdf.continued"));
        pdf_show_in(c, &st, PDF_MARGIN_X, c->y - 9, PDF_CONTENT_W, PDF_LEFT, s);
        c->y -= 16;
    }
    if (!t->headless)
        pdf_table_header(c, t);
}

/*
 * Draw one row: wrap every cell, start a new page (title and header again)
 * when it does not fit, stripe every other row, rule under it.
 */
static void pdf_table_row(pdf_ctx *c, pdf_table *t, const pdf_cell *cells)
{
    if (c->failed)
        return;
    arena tmp = {0};
    pdf_cell_layout *lay = arena_alloc(&tmp, t->ncols * sizeof *lay);
    float h = 0, total = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        lay[i] = pdf_cell_measure(c, &tmp, t, &cells[i], t->cols[i].width);
        h = lay[i].height > h ? lay[i].height : h;
        total += t->cols[i].width;
    }
    h += 2 * PDF_CELL_PAD;
    if (pdf_need(c, h))
        pdf_table_continue(c, t);
    if (t->rows++ % 2 == 1)
        pdf_rect(c, PDF_MARGIN_X, c->y - h, total, h, PDF_ZEBRA);
    float x = PDF_MARGIN_X;
    for (size_t i = 0; i < t->ncols; i++) {
        pdf_cell_draw(c, &lay[i], &cells[i], x, c->y - PDF_CELL_PAD, t->cols[i].width,
                      t->cols[i].align, h);
        x += t->cols[i].width;
    }
    c->y -= h;
    pdf_line(c, PDF_MARGIN_X, c->y, PDF_MARGIN_X + total, c->y, 0.4f, PDF_RULE, false);
    arena_free(&tmp);
}

/* Start a table at the cursor: room for the header and a row or two; on
 * a new page the table's title goes first, so the header is not alone. */
static void pdf_table_begin(pdf_ctx *c, pdf_table *t)
{
    if (pdf_need(c, 64) && t->title) {
        pdf_style st = {true, 9, PDF_MUTED};
        pdf_show_in(c, &st, PDF_MARGIN_X, c->y - 9, PDF_CONTENT_W, PDF_LEFT, t->title);
        c->y -= 16;
    }
    if (!t->headless)
        pdf_table_header(c, t);
}

/* A cell with plain text. */
static pdf_cell pdf_text_cell(const char *text) { return (pdf_cell){.text = text}; }

/* ------------------------------------------------------------ charts */

/* The KPI's values that a chart shows, and its target, widened into a scale. */
static pdf_scale pdf_scale_of(const kpi_result *k, const maybe *vals, size_t n, size_t stride)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++)
        pdf_span_add(&lo, &hi, *(const maybe *)((const char *)vals + i * stride));
    pdf_span_add(&lo, &hi, k->target);
    return pdf_scale_span(k->kind, lo, hi);
}

/* A tick label of the axis: "75 %" for shares and changes, "1 000" for counts. */
static const char *pdf_tick(pdf_ctx *c, const kpi_result *k, const pdf_scale *s, double v)
{
    char buf[64];
    if (k->kind == KPI_COUNT)
        pdf_number(c, v, s->step < 1 ? 1 : 0, buf);
    else
        pdf_percent(c, v, s->step * 100 < 1 ? 1 : 0, buf);
    return arena_strdup(&c->mem, buf);
}

/* The chart title on the left and, when there is a target, its legend
 * (a dashed line and "Mål 100 %") on the right. */
static void pdf_chart_title(pdf_ctx *c, const kpi_result *k, const char *title)
{
    pdf_style st = {true, 9, PDF_TEXT}, small = {false, 7.5f, PDF_MUTED};
    float legend = 0;
    if (pdf_has(k->target)) {
        const char *t = PDF_FILL(c, "pdf.chart.target", pdf_fmt_target(c, k->kind, k->target.v));
        legend = pdf_text_width(c, &small, pdf_clean(&c->mem, t), SIZE_MAX) + 24;
        float x = PDF_MARGIN_X + PDF_CONTENT_W - legend;
        pdf_line(c, x, c->y - 6, x + 18, c->y - 6, 1.2f, PDF_TARGET, true);
        pdf_show_in(c, &small, x + 22, c->y - 8.5f, legend - 22, PDF_LEFT, t);
    }
    pdf_show_in(c, &st, PDF_MARGIN_X, c->y - 9, PDF_CONTENT_W - legend - 8, PDF_LEFT, title);
    c->y -= 18;
}

/* The first three letters of a month's name ("okt"), for axis labels. */
static const char *pdf_month_short(pdf_ctx *c, int month)
{
    const char *name = labels_month_name(c->l, month);
    const char *p = name;
    for (int i = 0; i < 3 && *p; i++) {
        uint32_t cp;
        p += pdf_utf8_next(p, &cp);
    }
    return arena_strndup(&c->mem, name, (size_t)(p - name));
}

/* The geometry of the series chart's plot area. */
typedef struct {
    float x, y, w, h;           /* lower-left corner and size */
    pdf_scale s;
} pdf_plot;

/* The y of value v in the plot. */
static float pdf_plot_y(const pdf_plot *pl, double v)
{
    return pl->y + pdf_unit(v, &pl->s) * pl->h;
}

/* Horizontal grid lines with their tick labels left of the plot. */
static void pdf_plot_grid(pdf_ctx *c, const kpi_result *k, const pdf_plot *pl)
{
    pdf_style st = {false, 7, PDF_MUTED};
    for (double v = pl->s.lo; v <= pl->s.hi + pl->s.step / 2; v += pl->s.step) {
        float y = pdf_plot_y(pl, v);
        bool zero = fabs(v) < pl->s.step / 1000;
        pdf_line(c, pl->x, y, pl->x + pl->w, y, zero ? 0.8f : 0.5f, zero ? PDF_RULE : PDF_GRID,
                 false);
        pdf_show_in(c, &st, pl->x - 46, y - 2.5f, 42, PDF_RIGHT, pdf_tick(c, k, &pl->s, v));
    }
}

/*
 * Baseline of a bar's value label: above the bar (below it when negative);
 * where that would sit on the target line, inside the bar's top when the
 * label fits there (white on the dark bar), else just above the line.
 */
static float pdf_plot_label_y(const pdf_plot *pl, const kpi_result *k, float top, float base,
                              bool fits_inside, pdf_style *st)
{
    float ty = top >= base ? top + 2.5f : top - 8;
    if (!pdf_has(k->target))
        return ty;
    float line = pdf_plot_y(pl, k->target.v);
    if (line < ty - 2 || line > ty + 7)
        return ty;
    if (top - base > 14 && fits_inside) {
        st->color = st->bold ? PDF_WHITE : PDF_TEXT;
        return top - 8.5f;
    }
    return line + 2.5f;
}

/* One month of the series chart: its bar (or "–"), value and month label. */
static void pdf_plot_point(pdf_ctx *c, const kpi_result *k, const pdf_plot *pl, size_t i)
{
    const series_point *pt = &k->series[i];
    float slot = pl->w / (float)k->nseries, cx = pl->x + slot * ((float)i + 0.5f);
    float bw = slot * 0.62f > 26 ? 26 : slot * 0.62f;
    float base = pdf_plot_y(pl, 0);
    pdf_style axis = {false, 7, PDF_MUTED};
    if (pdf_has(pt->value)) {
        float top = pdf_plot_y(pl, pt->value.v);
        bool last = i + 1 == k->nseries;
        pdf_rgb col = last ? PDF_BRAND : PDF_BRAND_LIGHT;
        if (pt->from_history)   /* what an earlier report said: hatched */
            pdf_hatched(c, cx - bw / 2, top < base ? top : base, bw, fabsf(top - base), col);
        else
            pdf_rect(c, cx - bw / 2, top < base ? top : base, bw, fabsf(top - base), col);
        const char *t = pdf_fmt_value(c, k->kind, pt->value);
        pdf_style lab = {last, 6.5f, PDF_TEXT};
        float tw = pdf_text_width(c, &lab, pdf_clean(&c->mem, t), SIZE_MAX);
        /* no white label inside a hatched bar: it would not read */
        float ty = pdf_plot_label_y(pl, k, top, base, tw <= bw - 2 && !pt->from_history, &lab);
        if (tw <= slot - 1)
            pdf_show_in(c, &lab, cx - slot / 2, ty, slot, PDF_CENTER, t);
    } else {
        pdf_show_in(c, &axis, cx - slot / 2, base + 3, slot, PDF_CENTER, label(c->l, "none"));
    }
    int year = 0, month = 0;
    if (sscanf(pt->month, "%4d-%2d", &year, &month) == 2 && month >= 1 && month <= 12) {
        pdf_show_in(c, &axis, cx - slot / 2, pl->y - 10, slot, PDF_CENTER,
                    pdf_month_short(c, month));
        if (i == 0 || month == 1)
            pdf_show_in(c, &axis, cx - slot / 2, pl->y - 19, slot, PDF_CENTER,
                        arena_printf(&c->mem, "%d", year));
    }
}

/* How many of the KPI's series points came from the run history. */
static size_t pdf_series_from_history(const kpi_result *k)
{
    size_t n = 0;
    for (size_t i = 0; k->series && i < k->nseries; i++)
        n += k->series[i].from_history;
    return n;
}

/* Under a chart with points from the run history: a hatched swatch and
 * what it means (up to two lines). */
static void pdf_history_legend(pdf_ctx *c, float x)
{
    pdf_style st = {false, 7.5f, PDF_MUTED};
    float tx = x + 19;
    pdf_lines ls = pdf_wrap(c, &c->mem, &st, pdf_clean(&c->mem, label(c->l, "pdf.history.legend")),
                            PDF_MARGIN_X + PDF_CONTENT_W - tx, 2);
    pdf_hatched(c, x, c->y - 8, 14, 8, PDF_BRAND_LIGHT);
    for (size_t i = 0; i < ls.n; i++) {
        pdf_show(c, &st, tx, c->y - 7, ls.line[i]);
        c->y -= 10;
    }
    c->y -= 4;
}

/*
 * The twelve-month series as bars (this month dark, the others light) with
 * the target as a dashed line across.  Missing months show "–".  Points
 * from the run history are hatched, and a legend line under the chart
 * says so (only when there are any).
 */
static void pdf_chart_series(pdf_ctx *c, const kpi_result *k)
{
    if (k->nseries == 0 || c->failed)
        return;
    bool history = pdf_series_from_history(k) > 0;
    pdf_need(c, 18 + 10 + 120 + 30 + (history ? 24 : 0));
    pdf_chart_title(c, k, label(c->l, "pdf.chart.series"));
    pdf_plot pl = {PDF_MARGIN_X + 48, 0, PDF_CONTENT_W - 48, 120, {0, 1, 1}};
    pl.s = pdf_scale_of(k, &k->series[0].value, k->nseries, sizeof *k->series);
    pl.y = c->y - 10 - pl.h;
    pdf_plot_grid(c, k, &pl);
    for (size_t i = 0; i < k->nseries; i++)
        pdf_plot_point(c, k, &pl, i);
    if (pdf_has(k->target)) {
        float ty = pdf_plot_y(&pl, k->target.v);
        pdf_line(c, pl.x, ty, pl.x + pl.w, ty, 1.2f, PDF_TARGET, true);
    }
    c->y = pl.y - 30;
    if (history)
        pdf_history_legend(c, pl.x);
}

/* Horizontal bar geometry: label column, bar area, value column. */
typedef struct {
    float label_w, bar_x, bar_w, value_w;
    pdf_scale s;
    const char *title;
    const char *highlight;      /* key to highlight ("0-17"), or NULL */
} pdf_bars;

/* The x of value v in the bar area. */
static float pdf_bars_x(const pdf_bars *b, double v)
{
    return b->bar_x + pdf_unit(v, &b->s) * b->bar_w;
}

/* How a breakdown key reads: "" as "Ukjent", K/M as women/men for gender. */
static const char *pdf_key_words(pdf_ctx *c, const breakdown *b, const char *key)
{
    if (!key || !*key)
        return label(c->l, "unknown");
    if (strcmp(b->dimension, "gender") == 0 && (strcmp(key, "K") == 0 || strcmp(key, "M") == 0))
        return pdf_label_or(c, strcmp(key, "K") == 0 ? "pdf.gender.K" : "pdf.gender.M", key);
    return key;
}

/* The tick labels above the bars. */
static void pdf_bars_axis(pdf_ctx *c, const kpi_result *k, const pdf_bars *b)
{
    pdf_style st = {false, 7, PDF_MUTED};
    for (double v = b->s.lo; v <= b->s.hi + b->s.step / 2; v += b->s.step) {
        float x = pdf_bars_x(b, v);
        pdf_show_in(c, &st, x - 25, c->y - 8, 50, PDF_CENTER, pdf_tick(c, k, &b->s, v));
    }
    c->y -= 12;
}

/* An entry's value for the bar's end: "60,0 % (3 av 5)" for shares. */
static const char *pdf_entry_value(pdf_ctx *c, const kpi_result *k, const breakdown_entry *e)
{
    const char *v = pdf_fmt_value(c, k->kind, e->value);
    if (k->kind == KPI_SHARE && pdf_has(e->numerator) && pdf_has(e->denominator))
        return arena_printf(&c->mem, "%s (%s)", v,
                            PDF_FILL(c, "pdf.of", pdf_count(c, e->numerator.v),
                                     pdf_count(c, e->denominator.v)));
    return v;
}

/* One row of a bar chart: its label (up to three lines) and height. */
typedef struct {
    pdf_lines label;
    pdf_style st;
    bool highlight;
    float height;
} pdf_bar_row;

/* Lay out a row: wrap the key's words into the label column. */
static pdf_bar_row pdf_bars_measure(pdf_ctx *c, arena *a, const breakdown *bd, const pdf_bars *b,
                                    const breakdown_entry *e)
{
    pdf_bar_row row = {0};
    row.highlight = b->highlight && e->key && strcmp(e->key, b->highlight) == 0;
    row.st = (pdf_style){row.highlight, 8, row.highlight ? PDF_HIGHLIGHT : PDF_TEXT};
    row.label = pdf_wrap(c, a, &row.st, pdf_clean(a, pdf_key_words(c, bd, e->key)),
                         b->label_w - 8, 3);
    float h = 5 + 10 * (float)row.label.n;
    row.height = h > 15 ? h : 15;
    return row;
}

/* One bar: label, grid, bar in its status colour, target mark, value;
 * all centred on the row. */
static void pdf_bars_row(pdf_ctx *c, const kpi_result *k, const pdf_bars *b,
                         const breakdown_entry *e, const pdf_bar_row *row)
{
    float h = row->height, mid = c->y - h / 2;
    if (row->highlight)
        pdf_rect(c, PDF_MARGIN_X, c->y - h, PDF_CONTENT_W, h, PDF_HIGHLIGHT_BG);
    float ly = mid + 5 * (float)row->label.n - 8;
    for (size_t i = 0; i < row->label.n; i++, ly -= 10)
        pdf_show(c, &row->st, PDF_MARGIN_X + 2, ly, row->label.line[i]);
    for (double v = b->s.lo; v <= b->s.hi + b->s.step / 2; v += b->s.step)
        pdf_line(c, pdf_bars_x(b, v), c->y, pdf_bars_x(b, v), c->y - h, 0.5f, PDF_GRID, false);
    if (pdf_has(e->value)) {
        kpi_status s = kpi_status_of(e->value, k->target, k->warning, k->direction);
        pdf_rgb col = row->highlight       ? PDF_HIGHLIGHT
                      : pdf_has(k->target) ? pdf_status_color(s)
                                           : PDF_BRAND_LIGHT;
        float x0 = pdf_bars_x(b, 0), x1 = pdf_bars_x(b, e->value.v);
        pdf_rect(c, x0 < x1 ? x0 : x1, mid - 4.5f, fabsf(x1 - x0), 9, col);
    }
    if (pdf_has(k->target)) {
        float tx = pdf_bars_x(b, k->target.v);
        pdf_line(c, tx, c->y, tx, c->y - h, 1.2f, PDF_TARGET, true);
    }
    pdf_show_in(c, &row->st, b->bar_x + b->bar_w + 6, mid - 3, b->value_w - 6, PDF_LEFT,
                pdf_entry_value(c, k, e));
    c->y -= h;
}

/* The chart's title for a dimension: "Fordelt på enhet". */
static const char *pdf_by_title(pdf_ctx *c, const char *dimension)
{
    char key[64];
    snprintf(key, sizeof key, "pdf.by.%s", dimension);
    const char *t = label(c->l, key);
    if (strcmp(t, key) != 0)
        return t;
    return PDF_FILL(c, "pdf.by.other", dimension);
}

/*
 * The label column of a KPI's bar charts: as wide as the widest key of any
 * of its breakdowns (so the charts line up), at most 40 % of the text
 * width; longer keys wrap.
 */
static float pdf_bars_label_width(pdf_ctx *c, const kpi_result *k)
{
    pdf_style st = {true, 8, PDF_TEXT};
    float lw = 60;
    arena tmp = {0};
    for (size_t j = 0; j < k->nbreakdowns; j++) {
        const breakdown *bd = &k->breakdowns[j];
        for (size_t i = 0; i < bd->n; i++) {
            const char *t = pdf_clean(&tmp, pdf_key_words(c, bd, bd->entries[i].key));
            float w = pdf_text_width(c, &st, t, 400) + 12;
            lw = w > lw ? w : lw;
        }
    }
    arena_free(&tmp);
    return lw > PDF_CONTENT_W * 0.4f ? PDF_CONTENT_W * 0.4f : lw;
}

/* Lay out the columns of a bar chart. */
static pdf_bars pdf_bars_layout(pdf_ctx *c, const kpi_result *k, const breakdown *bd)
{
    pdf_bars b = {0};
    b.label_w = pdf_bars_label_width(c, k);
    b.value_w = k->kind == KPI_SHARE ? 96 : 64;
    b.bar_x = PDF_MARGIN_X + b.label_w;
    b.bar_w = PDF_CONTENT_W - b.label_w - b.value_w - 8;
    b.s = pdf_scale_of(k, &bd->entries[0].value, bd->n, sizeof *bd->entries);
    b.title = pdf_by_title(c, bd->dimension);
    b.highlight = strcmp(bd->dimension, "age_group") == 0 ? "0-17" : NULL;
    return b;
}

/*
 * A breakdown as horizontal bars, one row per key, flowing over pages with
 * the title and axis repeated.  Bars take their own status colour when the
 * KPI has a target; for age groups, 0-17 is highlighted.
 */
static void pdf_chart_bars(pdf_ctx *c, const kpi_result *k, const breakdown *bd)
{
    if (bd->n == 0 || c->failed)
        return;
    pdf_bars b = pdf_bars_layout(c, k, bd);
    bool has_children = false;
    for (size_t i = 0; b.highlight && i < bd->n; i++)
        has_children |= bd->entries[i].key && strcmp(bd->entries[i].key, b.highlight) == 0;
    c->y -= 8;
    pdf_need(c, 18 + 12 + 15 * (bd->n < 4 ? (float)bd->n : 4) + (has_children ? 12 : 0));
    pdf_chart_title(c, k, b.title);
    if (has_children) {
        pdf_style note = {false, 7.5f, PDF_HIGHLIGHT};
        pdf_show_in(c, &note, PDF_MARGIN_X, c->y - 6, PDF_CONTENT_W, PDF_LEFT,
                    label(c->l, "pdf.children_note"));
        c->y -= 12;
    }
    pdf_bars_axis(c, k, &b);
    for (size_t i = 0; i < bd->n && !c->failed; i++) {
        arena tmp = {0};
        pdf_bar_row row = pdf_bars_measure(c, &tmp, bd, &b, &bd->entries[i]);
        if (pdf_need(c, row.height)) {
            pdf_chart_title(c, k, arena_printf(&c->mem, "%s (%s)", b.title,
                                               label(c->l, "pdf.continued")));
            pdf_bars_axis(c, k, &b);
        }
        pdf_bars_row(c, k, &b, &bd->entries[i], &row);
        arena_free(&tmp);
    }
    pdf_line(c, PDF_MARGIN_X, c->y, PDF_MARGIN_X + PDF_CONTENT_W, c->y, 0.4f, PDF_RULE, false);
    c->y -= 6;
}

/* ------------------------------------------------------------ cover */

/* Page 1's band: a line on top (the municipality), the title (up to three
 * lines) and the period. */
static void pdf_band(pdf_ctx *c, const char *top, const char *t, const period *p)
{
    pdf_style muni = {true, 12, PDF_ON_BRAND}, title = {true, 24, PDF_WHITE},
              per = {false, 14, PDF_WHITE};
    pdf_lines tl = pdf_wrap(c, &c->mem, &title, pdf_clean(&c->mem, t), PDF_CONTENT_W, 3);
    float h = 34 + 16 + 8 + (float)tl.n * 29 + 6 + 18 + 26;
    float y = PDF_PAGE_H - h;
    pdf_rect(c, 0, y, PDF_PAGE_W, h, PDF_BRAND);
    pdf_rect(c, 0, y, PDF_PAGE_W, 4, PDF_BRAND_LIGHT);
    float ty = PDF_PAGE_H - 34 - 12;
    pdf_show_in(c, &muni, PDF_MARGIN_X, ty, PDF_CONTENT_W, PDF_LEFT, top);
    ty -= 8 + 4;
    for (size_t i = 0; i < tl.n; i++) {
        ty -= 29;
        pdf_show(c, &title, PDF_MARGIN_X, ty + 6, tl.line[i]);
    }
    ty -= 6 + 16;
    const char *pw = pdf_capitalized(&c->mem, pdf_period_words(c, p));
    pdf_show_in(c, &per, PDF_MARGIN_X, ty, PDF_CONTENT_W, PDF_LEFT, pw);
    c->y = y - 22;
}

/* The report's band: municipality, report title, period. */
static void pdf_cover_band(pdf_ctx *c)
{
    const report *r = c->r;
    pdf_band(c, r->name, r->title && *r->title ? r->title : label(c->l, "report.title"),
             &r->period);
}

/* One "caption / value" pair of the cover's facts row. */
static void pdf_fact(pdf_ctx *c, float x, float w, const char *caption, const char *value)
{
    pdf_style cap = {false, 7.5f, PDF_MUTED}, val = {true, 9.5f, PDF_TEXT};
    pdf_show_in(c, &cap, x, c->y - 7.5f, w - 8, PDF_LEFT, caption);
    pdf_show_in(c, &val, x, c->y - 21, w - 8, PDF_LEFT, value);
}

/* The facts under the band: period with its dates, as-of, generated. */
static void pdf_facts(pdf_ctx *c, const period *p, int32_t as_of)
{
    float w1 = PDF_CONTENT_W * 0.42f, w2 = PDF_CONTENT_W * 0.22f, w3 = PDF_CONTENT_W - w1 - w2;
    const char *per = arena_printf(&c->mem, "%s (%s\u2013%s)", p->id, pdf_date(c, p->start),
                                   pdf_date(c, p->end));
    pdf_fact(c, PDF_MARGIN_X, w1, label(c->l, "report.period"), per);
    pdf_fact(c, PDF_MARGIN_X + w1, w2, label(c->l, "report.as_of"), pdf_date(c, as_of));
    pdf_fact(c, PDF_MARGIN_X + w1 + w2, w3, label(c->l, "report.generated"),
             pdf_generated_words(c));
    c->y -= 32;
}

/* The status tally: a colour square and "2 Oppfylt" per status. */
static void pdf_cover_tally(pdf_ctx *c)
{
    static const kpi_status order[] = {STATUS_GREEN, STATUS_YELLOW, STATUS_RED, STATUS_NONE};
    pdf_style st = {false, 9, PDF_TEXT};
    float x = PDF_MARGIN_X, w = PDF_CONTENT_W / 4;
    for (size_t i = 0; i < 4; i++) {
        size_t n = 0;
        for (size_t j = 0; j < c->r->nkpis; j++)
            n += c->r->kpis[j].status == order[i];
        pdf_rect(c, x, c->y - 10, 10, 10, pdf_status_color(order[i]));
        const char *word = order[i] == STATUS_NONE ? label(c->l, "pdf.status.none_tally")
                                                   : pdf_status_word(c, order[i]);
        const char *t = arena_printf(&c->mem, "%zu %s", n, word);
        pdf_show_in(c, &st, x + 15, c->y - 9, w - 20, PDF_LEFT, t);
        x += w;
    }
    c->y -= 24;
}

/* ------------------------------------------------------------ summary */

/* The mark of a value from the run history, explained in a footnote. */
#define PDF_DAGGER "\u2020"

/* An earlier value for people, with the dagger when it came from the run
 * history: "80,0 %†". */
static const char *pdf_fmt_then(pdf_ctx *c, kpi_kind kind, maybe then, bool from_history)
{
    const char *v = pdf_fmt_value(c, kind, then);
    return from_history ? arena_printf(&c->mem, "%s" PDF_DAGGER, v) : v;
}

/* A trend cell: the change in its colour, "fra 80,0 %" under it (with
 * the dagger when the earlier value came from the run history); the
 * earlier period's id too when the column header cannot say it for all. */
static pdf_cell pdf_trend_cell(pdf_ctx *c, const kpi_result *k, maybe then, const char *then_id,
                               bool id_in_header, bool from_history)
{
    pdf_cell tc = {.text = pdf_fmt_delta(c, k->kind, k->value, then)};
    tc.color = pdf_delta_color(k, k->value, then);
    tc.has_color = true;
    if (pdf_has(then))
        tc.sub = PDF_FILL(c, "pdf.was", pdf_fmt_then(c, k->kind, then, from_history));
    else if (from_history)   /* the earlier report had no value either */
        tc.sub = PDF_DAGGER;
    if (!id_in_header)
        tc.sub = tc.sub ? arena_printf(&c->mem, "%s (%s)", tc.sub, then_id) : then_id;
    return tc;
}

/* True when some KPI's previous-period or last-year value came from the
 * run history (the summary then explains the dagger). */
static bool pdf_any_then_from_history(const report *r)
{
    for (size_t i = 0; i < r->nkpis; i++)
        if (r->kpis[i].previous_from_history || r->kpis[i].last_year_from_history)
            return true;
    return false;
}

/* "† Det rapporten for den perioden viste den gang, ...": under a table
 * or the tiles that mark such values. */
static void pdf_history_footnote(pdf_ctx *c)
{
    pdf_paragraph(c, &(pdf_style){false, 7.5f, PDF_MUTED}, 0,
                  arena_printf(&c->mem, PDF_DAGGER " %s", label(c->l, "pdf.history.footnote")),
                  3);
}

/* The earlier period every KPI compares with ("2026-09"), or NULL when
 * they differ.  which: 0 previous, 1 last year. */
static const char *pdf_common_id(const report *r, int which)
{
    const char *id = NULL;
    for (size_t i = 0; i < r->nkpis; i++) {
        const char *k = which ? r->kpis[i].last_year_id : r->kpis[i].previous_id;
        if (!*k)
            continue;
        if (id && strcmp(id, k) != 0)
            return NULL;
        id = k;
    }
    return id;
}

/* A trend column's header: "Forrige periode (2026-09)" when shared. */
static const char *pdf_trend_header(pdf_ctx *c, const char *key, const char *id)
{
    return id ? arena_printf(&c->mem, "%s (%s)", label(c->l, key), id) : label(c->l, key);
}

/* "87 av 100" under a share's value. */
static const char *pdf_fraction(pdf_ctx *c, const kpi_result *k)
{
    if (k->kind != KPI_SHARE || !pdf_has(k->numerator) || !pdf_has(k->denominator))
        return NULL;
    return PDF_FILL(c, "pdf.of", pdf_count(c, k->numerator.v), pdf_count(c, k->denominator.v));
}

/* The reference values of a KPI in brief, for the summary: "Jämförelse:
 * Länet Värmland 3,0 %" or "5 jämförelsevärden: 74,0 %–81,0 %"; NULL
 * without any. */
static const char *pdf_ref_brief(pdf_ctx *c, const kpi_result *k)
{
    if (k->nreferences == 0 || !k->references)
        return NULL;
    if (k->nreferences == 1)
        return PDF_FILL(c, "pdf.ref.brief_one", k->references[0].source,
                        pdf_fmt_value(c, k->kind, MAYBE(k->references[0].value)));
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < k->nreferences; i++) {
        double v = k->references[i].value;
        if (isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    char n[24];
    snprintf(n, sizeof n, "%zu", k->nreferences);
    if (!(lo <= hi))
        return PDF_FILL(c, "pdf.ref.brief_many", n, label(c->l, "none"));
    const char *low = pdf_fmt_value(c, k->kind, MAYBE(lo));
    const char *span = fabs(hi - lo) < 1e-12
                           ? low
                           : arena_printf(&c->mem, "%s\u2013%s", low,
                                          pdf_fmt_value(c, k->kind, MAYBE(hi)));
    return PDF_FILL(c, "pdf.ref.brief_many", n, span);
}

/* The executive summary: one row per KPI with status, value, rule, trends. */
static void pdf_summary(pdf_ctx *c)
{
    c->y -= 4;
    pdf_section(c, label(c->l, "section.summary"));
    pdf_style intro = {false, 8.5f, PDF_MUTED};
    const char *words = PDF_FILL(c, "pdf.summary.intro", pdf_period_words(c, &c->r->period));
    size_t with_refs = 0;
    for (size_t i = 0; i < c->r->nkpis; i++)
        with_refs += c->r->kpis[i].nreferences > 0;
    if (with_refs) {
        char n[24], total[24];
        snprintf(n, sizeof n, "%zu", with_refs);
        snprintf(total, sizeof total, "%zu", c->r->nkpis);
        words = arena_printf(&c->mem, "%s %s", words, PDF_FILL(c, "pdf.summary.refs", n, total));
    }
    pdf_paragraph(c, &intro, 0, words, 5);
    c->y -= 6;
    const char *prev_id = pdf_common_id(c->r, 0), *ly_id = pdf_common_id(c->r, 1);
    const pdf_col cols[] = {
        {label(c->l, "col.kpi"), 116, PDF_LEFT},
        {label(c->l, "col.status"), 70, PDF_LEFT},
        {label(c->l, "col.value"), 60, PDF_RIGHT},
        {label(c->l, "pdf.col.rule"), 100, PDF_LEFT},
        {pdf_trend_header(c, "col.previous", prev_id), 68, PDF_RIGHT},
        {pdf_trend_header(c, "col.last_year", ly_id), PDF_CONTENT_W - 414, PDF_RIGHT},
    };
    pdf_table t = {.ncols = 6, .cols = cols, .size = 8.5f, .max_lines = 4,
                   .title = label(c->l, "section.summary")};
    pdf_table_begin(c, &t);
    for (size_t i = 0; i < c->r->nkpis; i++) {
        const kpi_result *k = &c->r->kpis[i];
        pdf_rgb *sw = arena_alloc(&c->mem, sizeof *sw);
        *sw = pdf_status_color(k->status);
        pdf_cell cells[6] = {
            {.text = k->title, .sub = pdf_ref_brief(c, k), .bold = true},
            {.text = pdf_kpi_status_word(c, k), .swatch = sw},
            {.text = pdf_fmt_value(c, k->kind, k->value), .sub = pdf_fraction(c, k), .bold = true},
            pdf_text_cell(pdf_rule_text(c, k)),
            pdf_trend_cell(c, k, k->previous, k->previous_id, prev_id != NULL,
                           k->previous_from_history),
            pdf_trend_cell(c, k, k->last_year, k->last_year_id, ly_id != NULL,
                           k->last_year_from_history),
        };
        pdf_table_row(c, &t, cells);
    }
    if (pdf_any_then_from_history(c->r)) {
        c->y -= 4;
        pdf_history_footnote(c);
    }
}

/* ------------------------------------------------------------ KPI pages */

/* One key-figure tile: caption, big value, small line; a coloured edge.
 * With mark, a small raised dagger after the value: it came from the run
 * history. */
static void pdf_tile(pdf_ctx *c, float x, float w, pdf_rgb edge, const char *caption,
                     const char *value, bool mark, const char *sub)
{
    const float h = PDF_TILE_H;
    pdf_rect(c, x, c->y - h, w, h, PDF_TILE_BG);
    pdf_rect(c, x, c->y - h, 3, h, edge);
    pdf_style cap = {false, 7.5f, PDF_MUTED}, big = {true, 14, PDF_TEXT},
              small = {false, 7.5f, PDF_MUTED}, dagger = {true, 9, PDF_MUTED};
    float dw = mark ? pdf_text_width(c, &dagger, PDF_DAGGER, SIZE_MAX) + 1 : 0;
    /* a value wider than the tile ("at least 100 %") gets smaller, down
     * to 10 pt, before it is cut */
    float vw0 = pdf_text_width(c, &big, pdf_clean(&c->mem, value), SIZE_MAX);
    if (vw0 > w - 16 - dw) {
        float fit = big.size * (w - 16 - dw) / vw0;
        big.size = fit < 10 ? 10 : floorf(fit * 4) / 4;
    }
    pdf_show_in(c, &cap, x + 10, c->y - 13, w - 16, PDF_LEFT, caption);
    float vw = pdf_show_in(c, &big, x + 10, c->y - 31, w - 16 - dw, PDF_LEFT, value);
    if (mark)
        pdf_show(c, &dagger, x + 10 + vw + 1, c->y - 27, PDF_DAGGER);
    pdf_show_in(c, &small, x + 10, c->y - 44, w - 16, PDF_LEFT, sub);
}

/* "2026-09 · +7,0 %-poeng": an earlier period and the change since. */
static const char *pdf_since(pdf_ctx *c, const kpi_result *k, const char *id, maybe then)
{
    if (!pdf_has(then) || !pdf_has(k->value))
        return id;
    const char *d = pdf_fmt_delta(c, k->kind, k->value, then);
    return *id ? arena_printf(&c->mem, "%s \u00b7 %s", id, d) : d;
}

/* The four tiles of a KPI: value, target, previous period, last year. */
static void pdf_kpi_tiles(pdf_ctx *c, const kpi_result *k)
{
    const float gap = 8, w = (PDF_CONTENT_W - 3 * gap) / 4;
    float x = PDF_MARGIN_X;
    const char *frac = pdf_fraction(c, k), *yellow = pdf_yellow_words(c, k);
    pdf_tile(c, x, w, pdf_status_color(k->status),
             arena_printf(&c->mem, "%s %s", label(c->l, "col.value"), c->r->period.id),
             pdf_fmt_value(c, k->kind, k->value), false,
             frac ? frac : pdf_kpi_status_word(c, k));
    x += w + gap;
    pdf_tile(c, x, w, PDF_TARGET, label(c->l, "col.target"), pdf_target_words(c, k), false,
             yellow ? yellow : pdf_has(k->target) ? "" : label(c->l, "pdf.rule.no_target"));
    x += w + gap;
    pdf_tile(c, x, w, pdf_delta_color(k, k->value, k->previous), label(c->l, "col.previous"),
             pdf_fmt_value(c, k->kind, k->previous), k->previous_from_history,
             pdf_since(c, k, k->previous_id, k->previous));
    x += w + gap;
    pdf_tile(c, x, w, pdf_delta_color(k, k->value, k->last_year), label(c->l, "col.last_year"),
             pdf_fmt_value(c, k->kind, k->last_year), k->last_year_from_history,
             pdf_since(c, k, k->last_year_id, k->last_year));
    c->y -= PDF_TILE_H + 12;
    if (k->previous_from_history || k->last_year_from_history) {
        c->y += 6;
        pdf_history_footnote(c);
        c->y -= 6;
    }
}

/* The KPI's heading: number and title (up to two lines), status pill. */
static void pdf_kpi_heading(pdf_ctx *c, const kpi_result *k, size_t index)
{
    pdf_style pill = {true, 8, k->status == STATUS_YELLOW ? PDF_TEXT : PDF_WHITE},
              head = {true, 13, PDF_BRAND};
    const char *word = pdf_clean(&c->mem, pdf_kpi_status_word(c, k));
    float pw = pdf_text_width(c, &pill, word, SIZE_MAX) + 18;
    pw = pw > 140 ? 140 : pw;
    pdf_rect(c, PDF_MARGIN_X + PDF_CONTENT_W - pw, c->y - 16, pw, 16, pdf_status_color(k->status));
    pdf_show_in(c, &pill, PDF_MARGIN_X + PDF_CONTENT_W - pw + 8, c->y - 11, pw - 16 + 1,
                PDF_CENTER, word);
    const char *t = arena_printf(&c->mem, "%zu. %s", index + 1, pdf_clean(&c->mem, k->title));
    pdf_lines ls = pdf_wrap(c, &c->mem, &head, pdf_clean(&c->mem, t), PDF_CONTENT_W - pw - 12, 2);
    for (size_t i = 0; i < ls.n; i++) {
        pdf_show(c, &head, PDF_MARGIN_X, c->y - 13, ls.line[i]);
        c->y -= 17;
    }
    c->y -= 6;
}

/*
 * A KPI's reference values (county, KKiK, national) against its own value:
 * a table of source, period, value and difference whose last column is a
 * bar chart on one scale, the municipality first in its status colour,
 * the references in violet, the target dashed across.
 */
static void pdf_kpi_references(pdf_ctx *c, const kpi_result *k)
{
    if (k->nreferences == 0 || !k->references || c->failed)
        return;
    const report *r = c->r;
    size_t n = k->nreferences;
    c->y -= 2;
    pdf_need(c, 18 + 20 + 10 + 15 * (float)(n + 1 < 6 ? n + 1 : 6) + 16);
    pdf_chart_title(c, k, label(c->l, "pdf.ref.title"));
    double lo = 0, hi = 0;
    pdf_span_add(&lo, &hi, k->value);
    pdf_span_add(&lo, &hi, k->target);
    for (size_t i = 0; i < n; i++)
        pdf_span_add(&lo, &hi, MAYBE(k->references[i].value));
    const float wsrc = 148, wper = 56, wval = 62, wdiff = 70;
    const float wbar = PDF_CONTENT_W - wsrc - wper - wval - wdiff;
    pdf_cellbar *bars = arena_alloc(&c->mem, (n + 1) * sizeof *bars);
    pdf_scale s = pdf_scale_span(k->kind, lo, hi);
    const pdf_col cols[] = {
        {label(c->l, "pdf.ref.source"), wsrc, PDF_LEFT},
        {label(c->l, "pdf.ref.period"), wper, PDF_LEFT},
        {label(c->l, "col.value"), wval, PDF_RIGHT},
        {label(c->l, "pdf.ref.diff"), wdiff, PDF_RIGHT},
        {"", wbar, PDF_LEFT},
    };
    pdf_table t = {.ncols = 5, .cols = cols, .size = 8, .max_lines = 2,
                   .title = label(c->l, "pdf.ref.title"), .axis = &s, .axis_col = 4,
                   .axis_kind = k->kind};
    pdf_table_begin(c, &t);
    bars[0] = (pdf_cellbar){s, k->value, pdf_has(k->target) ? pdf_status_color(k->status)
                                                            : PDF_BRAND, k->target};
    pdf_cell own[5] = {
        {.text = r->name, .bold = true},
        {.text = r->period.id, .bold = true},
        {.text = pdf_fmt_value(c, k->kind, k->value), .bold = true},
        pdf_text_cell(""),
        {.bar = &bars[0]},
    };
    pdf_table_row(c, &t, own);
    for (size_t i = 0; i < n && !c->failed; i++) {
        const reference_value *ref = &k->references[i];
        maybe v = isfinite(ref->value) ? MAYBE(ref->value) : MAYBE_NONE;
        bars[i + 1] = (pdf_cellbar){s, v, PDF_REF_LIGHT, k->target};
        pdf_cell cells[5] = {
            pdf_text_cell(ref->source && *ref->source ? ref->source : label(c->l, "unknown")),
            pdf_text_cell(ref->period && *ref->period ? ref->period : label(c->l, "none")),
            pdf_text_cell(pdf_fmt_value(c, k->kind, v)),
            {.text = pdf_fmt_delta(c, k->kind, k->value, v),
             .color = pdf_delta_color(k, k->value, v), .has_color = true},
            {.bar = &bars[i + 1]},
        };
        pdf_table_row(c, &t, cells);
    }
    c->y -= 3;
    pdf_paragraph(c, &(pdf_style){false, 7.5f, PDF_MUTED}, 0,
                  PDF_FILL(c, "pdf.ref.note", r->name ? r->name : ""), 3);
    c->y -= 12;
}

/* A rough height of a KPI section, to decide whether it starts a page. */
static float pdf_kpi_height(const kpi_result *k)
{
    float h = 40 + 64 + 36 + (k->nseries ? 178 : 0);
    if (k->previous_from_history || k->last_year_from_history)
        h += 12;
    if (pdf_series_from_history(k))
        h += 24;
    if (k->nreferences)
        h += 70 + 15 * (float)k->nreferences;
    for (size_t i = 0; i < k->nbreakdowns; i++)
        h += 44 + 15 * (float)k->breakdowns[i].n;
    return h;
}

/*
 * One KPI: heading, tiles, definition, the series chart and a bar chart
 * per breakdown (unit first, as the rules give them).  A KPI starts a new
 * page unless it fits under the one before.
 */
static void pdf_kpi_section(pdf_ctx *c, const kpi_result *k, size_t index)
{
    float h = pdf_kpi_height(k);
    if (c->y - h < PDF_BOTTOM || index == 0)
        pdf_new_page(c);
    else
        pdf_line(c, PDF_MARGIN_X, c->y + 6, PDF_MARGIN_X + PDF_CONTENT_W, c->y + 6, 0.6f, PDF_RULE,
                 false);
    if (index == 0) {
        HPDF_Outline o = pdf_section(c, label(c->l, "pdf.section.kpis"));
        c->kpi_outline = o;
    }
    pdf_bookmark(c, c->kpi_outline, k->title);
    pdf_kpi_heading(c, k, index);
    pdf_kpi_tiles(c, k);
    if (k->definition && *k->definition) {
        pdf_style def = {false, 8.5f, PDF_MUTED};
        pdf_paragraph(c, &def, 0,
                      arena_printf(&c->mem, "%s: %s", label(c->l, "pdf.definition"), k->definition),
                      6);
        c->y -= 8;
    }
    pdf_kpi_references(c, k);
    pdf_chart_series(c, k);
    for (size_t i = 0; i < k->nbreakdowns; i++)
        if (strcmp(k->breakdowns[i].dimension, "unit") == 0)
            pdf_chart_bars(c, k, &k->breakdowns[i]);
    for (size_t i = 0; i < k->nbreakdowns; i++)
        if (strcmp(k->breakdowns[i].dimension, "unit") != 0)
            pdf_chart_bars(c, k, &k->breakdowns[i]);
    c->y -= 18;
}

/* ------------------------------------------------------------ lists */

/* A list cell for people: text as is, dates and numbers in the language. */
static const char *pdf_cell_text(pdf_ctx *c, const cell *x)
{
    switch (x->kind) {
    case CELL_TEXT: return x->u.text ? x->u.text : "";
    case CELL_DATE: return pdf_date(c, x->u.day);
    case CELL_INT: return pdf_count(c, (double)x->u.i);
    case CELL_EMPTY: break;
    }
    return label(c->l, "none");
}

/* Rows of a list the PDF shows: all, or list_limit. */
static size_t pdf_shown(const pdf_ctx *c, size_t n)
{
    return c->list_limit >= 0 && (size_t)c->list_limit < n ? (size_t)c->list_limit : n;
}

/*
 * Column widths of a list: each column as wide as its widest text (header
 * or shown cell, up to 220 pt), then text columns stretched or squeezed so
 * the table fills the text width.  Numbers and dates keep their width.
 */
static pdf_col *pdf_list_columns(pdf_ctx *c, const item_list *il)
{
    pdf_col *cols = arena_alloc(&c->mem, il->ncols * sizeof *cols);
    pdf_style hs = {true, 7.5f, PDF_TEXT}, cs = {false, 8, PDF_TEXT};
    size_t shown = pdf_shown(c, il->nrows), scan = shown < 300 ? shown : 300;
    float fixed = 0, flex = 0;
    bool *stretch = arena_alloc(&c->mem, il->ncols * sizeof *stretch);
    arena tmp = {0};
    for (size_t j = 0; j < il->ncols; j++) {
        char key[64];
        snprintf(key, sizeof key, "col.%s", il->columns[j]);
        cols[j].title = pdf_label_or(c, key, il->columns[j]);
        float w = pdf_text_width(c, &hs, pdf_clean(&c->mem, cols[j].title), SIZE_MAX);
        cols[j].align = PDF_LEFT;
        stretch[j] = true;
        for (size_t i = 0; i < scan; i++) {
            const cell *x = &il->cells[i * il->ncols + j];
            if (x->kind == CELL_INT)
                cols[j].align = PDF_RIGHT;
            if (x->kind == CELL_INT || x->kind == CELL_DATE)
                stretch[j] = false;
            float cw = pdf_text_width(c, &cs, pdf_clean(&tmp, pdf_cell_text(c, x)), 400);
            w = cw > w ? cw : w;
        }
        w += 2 * PDF_CELL_PAD + 2;
        cols[j].width = w > 220 ? 220 : w < 36 ? 36 : w;
        if (stretch[j])
            flex += cols[j].width;
        else
            fixed += cols[j].width;
    }
    arena_free(&tmp);
    float room = PDF_CONTENT_W - fixed;
    for (size_t j = 0; j < il->ncols; j++)
        if (stretch[j] && flex > 0)
            cols[j].width *= room / flex;
    return cols;
}

/* A list's title: its label ("Åpne avvik over frist"), else its name. */
static const char *pdf_list_title(const pdf_ctx *c, const kpi_result *k)
{
    const char *name = k->items->name && *k->items->name ? k->items->name : NULL;
    if (!name)
        return k->title;
    char key[96];
    snprintf(key, sizeof key, "list.%s", name);
    return pdf_label_or(c, key, name);
}

/* The list's heading, bookmark and a line saying whose list it is. */
static void pdf_list_heading(pdf_ctx *c, HPDF_Outline parent, const kpi_result *k)
{
    const item_list *il = k->items;
    pdf_subheading(c, pdf_list_title(c, k), 100, parent);
    pdf_style st = {false, 8.5f, PDF_MUTED};
    const char *line = arena_printf(&c->mem, "%s · %s",
                                    PDF_FILL(c, "pdf.list.count", pdf_count(c, (double)il->nrows)),
                                    PDF_FILL(c, "pdf.list.kpi", k->title));
    pdf_paragraph(c, &st, 0, line, 2);
    c->y -= 4;
}

/* "3 950 til er ikke vist her; ... alle 4 000." under a cut list. */
static void pdf_more_line(pdf_ctx *c, const char *key, size_t shown, size_t total)
{
    if (shown >= total)
        return;
    pdf_style st = {true, 8.5f, PDF_TEXT};
    c->y -= 6;
    pdf_paragraph(c, &st, 0,
                  PDF_FILL(c, key, pdf_count(c, (double)(total - shown)),
                           pdf_count(c, (double)total)),
                  3);
}

/* One KPI's list as a table flowing over pages, at most list_limit rows. */
static void pdf_list(pdf_ctx *c, HPDF_Outline parent, const kpi_result *k)
{
    const item_list *il = k->items;
    pdf_list_heading(c, parent, k);
    if (il->nrows == 0 || il->ncols == 0) {
        pdf_paragraph(c, &(pdf_style){false, 9, PDF_TEXT}, 0, label(c->l, "pdf.list.empty"), 1);
        c->y -= 10;
        return;
    }
    pdf_col *cols = pdf_list_columns(c, il);
    pdf_table t = {.ncols = il->ncols, .cols = cols, .size = 8, .max_lines = 3,
                   .title = pdf_list_title(c, k)};
    pdf_table_begin(c, &t);
    size_t shown = pdf_shown(c, il->nrows);
    for (size_t i = 0; i < shown && !c->failed; i++) {
        arena tmp = {0};
        pdf_cell *cells = arena_alloc(&tmp, il->ncols * sizeof *cells);
        for (size_t j = 0; j < il->ncols; j++)
            cells[j] = pdf_text_cell(pdf_cell_text(c, &il->cells[i * il->ncols + j]));
        pdf_table_row(c, &t, cells);
        arena_free(&tmp);
    }
    pdf_more_line(c, "pdf.list.more", shown, il->nrows);
    c->y -= 14;
}

/* The lists section: every KPI's list in turn. */
static void pdf_lists(pdf_ctx *c)
{
    pdf_new_page(c);
    HPDF_Outline o = pdf_section(c, label(c->l, "section.lists"));
    bool any = false;
    for (size_t i = 0; i < c->r->nkpis; i++) {
        if (!c->r->kpis[i].items)
            continue;
        pdf_list(c, o, &c->r->kpis[i]);
        any = true;
    }
    if (!any)
        pdf_paragraph(c, &(pdf_style){false, 9, PDF_TEXT}, 0, label(c->l, "pdf.lists.none"), 2);
}

/* ------------------------------------------------------------ data quality */

/* Rows read, accepted and rejected over all input files. */
static void pdf_dq_summary(pdf_ctx *c)
{
    long rows = 0, accepted = 0, rejected = 0;
    for (size_t i = 0; i < c->r->ninputs; i++) {
        rows += c->r->inputs[i].rows;
        accepted += c->r->inputs[i].accepted;
        rejected += c->r->inputs[i].rejected;
    }
    pdf_style st = {false, 9.5f, PDF_TEXT};
    pdf_paragraph(c, &st, 0,
                  PDF_FILL(c, "pdf.dq.summary", pdf_count(c, (double)rows),
                           pdf_count(c, (double)accepted), pdf_count(c, (double)rejected)),
                  3);
    c->y -= 8;
}

/* The rejects table: file, line, field, value, reason; list_limit rows. */
static void pdf_dq_rejects(pdf_ctx *c)
{
    const report *r = c->r;
    if (r->nrejects == 0) {
        pdf_paragraph(c, &(pdf_style){false, 9, PDF_TEXT}, 0, label(c->l, "pdf.dq.none"), 1);
        return;
    }
    pdf_subheading(c, label(c->l, "pdf.dq.problems"), 84, NULL);
    const pdf_col cols[] = {
        {label(c->l, "col.file"), 132, PDF_LEFT},  {label(c->l, "col.line"), 40, PDF_RIGHT},
        {label(c->l, "col.field"), 66, PDF_LEFT},  {label(c->l, "col.value"), 84, PDF_LEFT},
        {label(c->l, "col.reason"), PDF_CONTENT_W - 322, PDF_LEFT},
    };
    pdf_table t = {.ncols = 5, .cols = cols, .size = 8, .max_lines = 3,
                   .title = label(c->l, "pdf.dq.problems")};
    pdf_table_begin(c, &t);
    size_t shown = pdf_shown(c, r->nrejects);
    for (size_t i = 0; i < shown && !c->failed; i++) {
        const reject *x = &r->rejects[i];
        pdf_cell cells[5] = {
            pdf_text_cell(x->file),
            pdf_text_cell(pdf_count(c, (double)x->line)),
            pdf_text_cell(x->field && *x->field ? x->field : label(c->l, "pdf.dq.whole_row")),
            pdf_text_cell(x->value),
            pdf_text_cell(x->reason),
        };
        pdf_table_row(c, &t, cells);
    }
    pdf_more_line(c, "pdf.dq.more", shown, r->nrejects);
}

/* Things the reader should know (text cut in the workbook, ...). */
static void pdf_dq_warnings(pdf_ctx *c)
{
    if (c->r->nwarnings == 0)
        return;
    pdf_subheading(c, label(c->l, "pdf.dq.warnings"), 30, NULL);
    pdf_style st = {false, 8.5f, PDF_TEXT};
    for (size_t i = 0; i < c->r->nwarnings; i++) {
        pdf_need(c, 12);
        pdf_show(c, &st, PDF_MARGIN_X + 2, c->y - 8.5f, "\u2022");
        pdf_paragraph(c, &st, 12, c->r->warnings[i], 4);
    }
}

/* The data-quality section: totals, rejects, warnings. */
static void pdf_data_quality(pdf_ctx *c)
{
    c->y -= 18;
    pdf_section(c, label(c->l, "section.data_quality"));
    pdf_dq_summary(c);
    pdf_dq_rejects(c);
    pdf_dq_warnings(c);
}

/* ------------------------------------------------------------ provenance */

/* Whether the run history gave any value, and how many: the points of
 * the twelve-month charts and the previous-period and last-year values
 * (each out of all of them). */
static const char *pdf_history_words(pdf_ctx *c)
{
    const report *r = c->r;
    size_t points = 0, from_points = 0, thens = 0, from_thens = 0;
    for (size_t i = 0; i < r->nkpis; i++) {
        const kpi_result *k = &r->kpis[i];
        points += k->series ? k->nseries : 0;
        from_points += pdf_series_from_history(k);
        thens += 2;
        from_thens += (size_t)k->previous_from_history + (size_t)k->last_year_from_history;
    }
    if (from_points == 0 && from_thens == 0)
        return label(c->l, "pdf.prov.history_none");
    return PDF_FILL(c, "pdf.prov.history_used", pdf_size(c, from_points), pdf_size(c, points),
                    pdf_size(c, from_thens), pdf_size(c, thens));
}

/* The run's facts as a two-column table. */
static void pdf_prov_run(pdf_ctx *c)
{
    const report *r = c->r;
    pdf_subheading(c, label(c->l, "pdf.prov.run"), 84, NULL);
    const pdf_col cols[] = {{"", 130, PDF_LEFT}, {"", PDF_CONTENT_W - 130, PDF_LEFT}};
    pdf_table t = {.ncols = 2, .cols = cols, .size = 8.5f, .max_lines = 4,
                   .title = label(c->l, "pdf.prov.run"), .headless = true};
    const char *org = arena_printf(&c->mem, "%s (%s)", r->name ? r->name : "",
                                   r->municipality ? r->municipality : "");
    const char *per = arena_printf(&c->mem, "%s · %s · %s\u2013%s", r->period.id,
                                   pdf_period_words(c, &r->period), pdf_date(c, r->period.start),
                                   pdf_date(c, r->period.end));
    pdf_cell rows[][2] = {
        {{.text = label(c->l, "pdf.prov.organisation"), .bold = true}, pdf_text_cell(org)},
        {{.text = label(c->l, "report.period"), .bold = true}, pdf_text_cell(per)},
        {{.text = label(c->l, "report.as_of"), .bold = true}, pdf_text_cell(pdf_date(c, r->as_of))},
        {{.text = label(c->l, "report.generated"), .bold = true},
         pdf_text_cell(pdf_generated_words(c))},
        {{.text = label(c->l, "pdf.prov.version"), .bold = true},
         pdf_text_cell("kvalrap " KV_VERSION)},
        {{.text = label(c->l, "pdf.prov.rule_file"), .bold = true},
         {.text = r->rule_file ? r->rule_file : label(c->l, "none"),
          .sub = arena_printf(&c->mem, "SHA-256 %s", r->rule_sha256)}},
        {{.text = label(c->l, "pdf.prov.history"), .bold = true},
         pdf_text_cell(pdf_history_words(c))},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        pdf_table_row(c, &t, rows[i]);
}

/* Each input file: dataset, path, size, rows, rejects and SHA-256. */
static void pdf_prov_inputs(pdf_ctx *c)
{
    const report *r = c->r;
    pdf_subheading(c, label(c->l, "pdf.prov.inputs"), 84, NULL);
    const pdf_col cols[] = {{label(c->l, "pdf.prov.dataset"), 110, PDF_LEFT},
                            {label(c->l, "pdf.prov.file"), PDF_CONTENT_W - 110, PDF_LEFT}};
    pdf_table t = {.ncols = 2, .cols = cols, .size = 8.5f, .max_lines = 4,
                   .title = label(c->l, "pdf.prov.inputs")};
    pdf_table_begin(c, &t);
    for (size_t i = 0; i < r->ninputs; i++) {
        const input_file *f = &r->inputs[i];
        const char *stats =
            PDF_FILL(c, "pdf.prov.file_stats", pdf_count(c, (double)f->size),
                     pdf_count(c, (double)f->rows), pdf_count(c, (double)f->accepted),
                     pdf_count(c, (double)f->rejected));
        const char *how = arena_printf(&c->mem, "%s%s%s", f->encoding ? f->encoding : "",
                                       f->encoding && f->delimiter_name ? " · " : "",
                                       f->delimiter_name ? f->delimiter_name : "");
        pdf_cell cells[2] = {
            {.text = f->dataset, .sub = how, .bold = true},
            {.text = f->path, .sub = arena_printf(&c->mem, "%s\nSHA-256 %s", stats, f->sha256)},
        };
        pdf_table_row(c, &t, cells);
    }
}

/* Each KPI's definition in words, with its kind, rule and parameters. */
static void pdf_prov_definitions(pdf_ctx *c)
{
    const report *r = c->r;
    pdf_subheading(c, label(c->l, "pdf.prov.definitions"), 84, NULL);
    const pdf_col cols[] = {{label(c->l, "col.kpi"), 150, PDF_LEFT},
                            {label(c->l, "pdf.prov.definition"), PDF_CONTENT_W - 150, PDF_LEFT}};
    pdf_table t = {.ncols = 2, .cols = cols, .size = 8.5f, .max_lines = 14,
                   .title = label(c->l, "pdf.prov.definitions")};
    pdf_table_begin(c, &t);
    for (size_t i = 0; i < r->nkpis; i++) {
        const kpi_result *k = &r->kpis[i];
        char key[32];
        snprintf(key, sizeof key, "pdf.kind.%s", kpi_kind_name(k->kind));
        const char *facts = arena_printf(&c->mem, "%s: %s · %s", label(c->l, "pdf.prov.kind"),
                                         label(c->l, key), pdf_rule_text(c, k));
        if (k->params_json)
            facts = arena_printf(&c->mem, "%s · %s: %s", facts, label(c->l, "pdf.prov.params"),
                                 k->params_json);
        pdf_cell cells[2] = {
            {.text = k->title, .sub = k->id, .bold = true},
            {.text = k->definition && *k->definition ? k->definition : label(c->l, "none"),
             .sub = facts},
        };
        pdf_table_row(c, &t, cells);
    }
}

/* The provenance appendix for the auditor. */
static void pdf_provenance(pdf_ctx *c)
{
    pdf_new_page(c);
    pdf_section(c, arena_printf(&c->mem, "%s: %s", label(c->l, "pdf.appendix"),
                                label(c->l, "section.provenance")));
    pdf_paragraph(c, &(pdf_style){false, 8.5f, PDF_MUTED}, 0, label(c->l, "pdf.prov.intro"), 4);
    c->y -= 4;
    pdf_prov_run(c);
    c->y -= 10;
    pdf_prov_inputs(c);
    c->y -= 10;
    pdf_prov_definitions(c);
}

/* ------------------------------------------------------------ furniture */

/* The texts every page repeats, cleaned and fitted once. */
typedef struct {
    const char *who;            /* "Nordland fylkeskommune — Kvalitetsrapport" */
    const char *period;         /* "oktober 2026" */
    const char *left;           /* "kvalrap 0.1.0 · nordland · 2026-10" */
    float period_w;
} pdf_furniture_text;

/* Prepare the furniture's texts (a 100,000-character title is cut here,
 * once, not on every page): "who — title" and the period words in the
 * header, "kvalrap 0.1.0 · what · period id" left in the footer. */
static pdf_furniture_text pdf_furniture_make(pdf_ctx *c, const char *who, const char *title,
                                             const period *p, const char *what)
{
    pdf_style st = {false, 7.5f, PDF_MUTED};
    pdf_furniture_text f;
    f.period = pdf_clean(&c->mem, pdf_period_words(c, p));
    f.period_w = pdf_text_width(c, &st, f.period, SIZE_MAX);
    const char *line = who && *who ? arena_printf(&c->mem, "%s \u2014 %s", pdf_clean(&c->mem, who),
                                                  pdf_clean(&c->mem, title))
                                   : pdf_clean(&c->mem, title);
    f.who = pdf_fit(c, &c->mem, &st, line, PDF_CONTENT_W - f.period_w - 20);
    f.left = arena_printf(&c->mem, "kvalrap %s \u00b7 %s \u00b7 %s", KV_VERSION,
                          pdf_clean(&c->mem, what), p->id);
    return f;
}

/* The report's furniture texts. */
static pdf_furniture_text pdf_furniture_prepare(pdf_ctx *c)
{
    const report *r = c->r;
    return pdf_furniture_make(c, r->name ? r->name : "",
                              r->title && *r->title ? r->title : label(c->l, "report.title"),
                              &r->period, r->municipality ? r->municipality : "");
}

/* Running header (pages after the first): who, what and which period. */
static void pdf_running_header(pdf_ctx *c, const pdf_furniture_text *f)
{
    pdf_style st = {false, 7.5f, PDF_MUTED};
    pdf_show(c, &st, PDF_MARGIN_X, PDF_PAGE_H - 38, f->who);
    pdf_show(c, &st, PDF_MARGIN_X + PDF_CONTENT_W - f->period_w, PDF_PAGE_H - 38, f->period);
    pdf_line(c, PDF_MARGIN_X, PDF_PAGE_H - 44, PDF_MARGIN_X + PDF_CONTENT_W, PDF_PAGE_H - 44, 0.5f,
             PDF_RULE, false);
}

/* Footer: program and period on the left, "Side x av y" on the right. */
static void pdf_footer(pdf_ctx *c, const pdf_furniture_text *f, size_t page_no)
{
    pdf_style st = {false, 7.5f, PDF_MUTED}, num = {true, 7.5f, PDF_TEXT};
    pdf_line(c, PDF_MARGIN_X, 44, PDF_MARGIN_X + PDF_CONTENT_W, 44, 0.5f, PDF_RULE, false);
    char x[24], y[24];
    snprintf(x, sizeof x, "%zu", page_no);
    snprintf(y, sizeof y, "%zu", c->npages);
    const char *page = PDF_FILL(c, "report.page", x, y);
    float w = pdf_show_in(c, &num, PDF_MARGIN_X, 32, PDF_CONTENT_W, PDF_RIGHT, page);
    pdf_show_in(c, &st, PDF_MARGIN_X, 32, PDF_CONTENT_W - w - 20, PDF_LEFT, f->left);
}

/* Draw header and footer on every page, now that the page count is known. */
static void pdf_furniture(pdf_ctx *c, const pdf_furniture_text *f)
{
    for (size_t i = 0; i < c->npages && !c->failed; i++) {
        c->page = c->pages[i];
        if (i > 0)
            pdf_running_header(c, f);
        pdf_footer(c, f, i + 1);
    }
}

/* ------------------------------------------------------------ document */

/* The document info: title, author, subject, keywords; the creator and
 * the dates (from c->generated, never the clock). */
static void pdf_info_set(pdf_ctx *c, const char *title, const char *author, const char *subject,
                         const char *keywords)
{
    struct {
        HPDF_InfoType type;
        const char *text;
    } items[] = {
        {HPDF_INFO_TITLE, title},
        {HPDF_INFO_AUTHOR, author},
        {HPDF_INFO_SUBJECT, subject},
        {HPDF_INFO_KEYWORDS, keywords},
        {HPDF_INFO_CREATOR, "kvalrap " KV_VERSION},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        pdf_ok(c, HPDF_SetInfoAttr(c->doc, items[i].type, pdf_meta_text(&c->mem, items[i].text)),
               "HPDF_SetInfoAttr");
    int32_t day;
    int secs, y, m, d;
    pdf_generated_split(c->generated, &day, &secs);
    date_to_ymd(day, &y, &m, &d);
    HPDF_Date when = {y, m, d, secs / 3600, secs / 60 % 60, secs % 60, 'Z', 0, 0};
    pdf_ok(c, HPDF_SetInfoDateAttr(c->doc, HPDF_INFO_CREATION_DATE, when), "HPDF_SetInfoDateAttr");
    pdf_ok(c, HPDF_SetInfoDateAttr(c->doc, HPDF_INFO_MOD_DATE, when), "HPDF_SetInfoDateAttr");
}

/* The report's document info: "title – municipality – period", author =
 * the municipality. */
static void pdf_info(pdf_ctx *c)
{
    const report *r = c->r;
    const char *title = r->title && *r->title ? r->title : label(c->l, "report.title");
    const char *per = pdf_period_words(c, &r->period);
    const char *full = arena_printf(&c->mem, "%s \u2013 %s \u2013 %s",
                                    pdf_meta_text(&c->mem, title), r->name ? r->name : "", per);
    const char *kw = arena_printf(&c->mem, "%s, %s, %s", label(c->l, "pdf.keywords"),
                                  r->municipality ? r->municipality : "", r->period.id);
    pdf_info_set(c, full, r->name ? r->name : "", PDF_FILL(c, "pdf.subject", per), kw);
}

/*
 * A ToUnicode CMap for libharu's UTF-8 fonts, where every character code
 * is the character's own Unicode value (Identity-H with a CIDToGIDMap).
 * libharu 2.3.0 writes a "cidrange" CMap there instead, which is not a
 * ToUnicode CMap: poppler warns and guesses right, other readers may not
 * let people copy or search the text.  Ranges never cross a high byte, as
 * the CMap rules require; surrogates are left out.
 */
static bool pdf_write_tounicode(pdf_ctx *c, HPDF_Stream s)
{
    static const char head[] =
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
    static const char tail[] = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    strbuf b = {0};
    strbuf_adds(&b, head);
    size_t in_block = 0;
    for (unsigned hi = 0; hi < 256; hi++) {
        if (hi >= 0xD8 && hi <= 0xDF)
            continue;
        if (in_block == 0)
            strbuf_printf(&b, "%u beginbfrange\n", hi < 0xC8 ? 100u : hi < 0xD8 ? 0xD8 - hi : 256 - hi);
        strbuf_printf(&b, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
        if (++in_block == 100 || hi == 0xD7 || hi == 0xFF) {
            strbuf_adds(&b, "endbfrange\n");
            in_block = 0;
        }
    }
    strbuf_adds(&b, tail);
    bool ok = pdf_ok(c, HPDF_Stream_WriteStr(s, strbuf_cstr(&b)), "HPDF_Stream_WriteStr");
    strbuf_free(&b);
    return ok;
}

/* Give a UTF-8 font a proper ToUnicode CMap (see pdf_write_tounicode).
 * libharu's own stream stays in the file, unreferenced. */
static void pdf_fix_tounicode(pdf_ctx *c, HPDF_Font f)
{
    if (c->failed)
        return;
    HPDF_Dict s = HPDF_DictStream_New(c->doc->mmgr, c->doc->xref);
    if (!pdf_ok_handle(c, s, "HPDF_DictStream_New"))
        return;
    s->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    if (pdf_write_tounicode(c, s->stream))
        pdf_ok(c, HPDF_Dict_Add(f, "ToUnicode", s), "HPDF_Dict_Add");
}

/* Load one DejaVu face with its UTF-8 encoder; the file must exist. */
static HPDF_Font pdf_load_font(pdf_ctx *c, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PDF_FONT_DIR, file);
    if (access(path, R_OK) != 0) {
        char why[700];
        snprintf(why, sizeof why, "%.511s: %.80s (install the Debian package fonts-dejavu-core)",
                 path, strerror(errno));
        pdf_fail(c, "font", why);
        return NULL;
    }
    const char *name = HPDF_LoadTTFontFromFile(c->doc, path, HPDF_TRUE);
    if (!pdf_ok_handle(c, name, "HPDF_LoadTTFontFromFile"))
        return NULL;
    HPDF_Font f = HPDF_GetFont(c->doc, name, "UTF-8");
    if (pdf_ok_handle(c, f, "HPDF_GetFont"))
        pdf_fix_tounicode(c, f);
    return f;
}

/* A new document: compression, UTF-8, the fonts, outlines shown. */
static bool pdf_open(pdf_ctx *c)
{
    c->doc = HPDF_New(pdf_on_error, c);
    if (!c->doc)
        return pdf_fail(c, "HPDF_New", "out of memory");
    if (!pdf_ok(c, HPDF_SetCompressionMode(c->doc, HPDF_COMP_ALL), "HPDF_SetCompressionMode") ||
        !pdf_ok(c, HPDF_UseUTFEncodings(c->doc), "HPDF_UseUTFEncodings") ||
        !pdf_ok(c, HPDF_SetCurrentEncoder(c->doc, "UTF-8"), "HPDF_SetCurrentEncoder") ||
        !pdf_ok(c, HPDF_SetPageMode(c->doc, HPDF_PAGE_MODE_USE_OUTLINE), "HPDF_SetPageMode"))
        return false;
    c->utf8 = HPDF_GetEncoder(c->doc, "UTF-8");
    if (!pdf_ok_handle(c, c->utf8, "HPDF_GetEncoder"))
        return false;
    c->font = pdf_load_font(c, "DejaVuSans.ttf");
    c->bold = pdf_load_font(c, "DejaVuSans-Bold.ttf");
    return !c->failed;
}

/* Write n bytes to f, or record why not. */
static bool pdf_fwrite(pdf_ctx *c, FILE *f, const void *buf, size_t n, const char *path)
{
    if (n == 0 || fwrite(buf, 1, n, f) == n)
        return true;
    return pdf_fail(c, path, strerror(errno ? errno : EIO));
}

/* Copy libharu's finished stream into the open file f. Returns bytes copied. */
static uint64_t pdf_copy_stream(pdf_ctx *c, FILE *f, const char *path)
{
    uint64_t total = 0;
    for (;;) {
        HPDF_BYTE buf[16384];
        HPDF_UINT32 n = sizeof buf;
        HPDF_STATUS st = HPDF_ReadFromStream(c->doc, buf, &n);
        if (st != HPDF_OK && st != HPDF_STREAM_EOF) {
            pdf_ok(c, st, "HPDF_ReadFromStream");
            break;
        }
        if (!pdf_fwrite(c, f, buf, n, path))
            break;
        total += n;
        if (st == HPDF_STREAM_EOF || n == 0)
            break;
    }
    return total;
}

/*
 * Render to libharu's memory stream and write it to path ourselves, so
 * every step is checked (HPDF_SaveToFile can report success on a full disk):
 * write, flush, fsync, close, then compare the file's size with the
 * stream's.  On failure a partial regular file is removed (a device such
 * as /dev/full is left alone).
 */
static bool pdf_save(pdf_ctx *c, const char *path)
{
    if (!pdf_ok(c, HPDF_SaveToStream(c->doc), "HPDF_SaveToStream") ||
        !pdf_ok(c, HPDF_ResetStream(c->doc), "HPDF_ResetStream"))
        return false;
    uint64_t want = HPDF_GetStreamSize(c->doc);
    FILE *f = fopen(path, "wb");
    if (!f)
        return pdf_fail(c, path, strerror(errno));
    errno = 0;
    uint64_t got = pdf_copy_stream(c, f, path);
    if (!c->failed && fflush(f) != 0)
        pdf_fail(c, path, strerror(errno));
    if (!c->failed && fsync(fileno(f)) != 0)
        pdf_fail(c, path, strerror(errno));
    if (fclose(f) != 0)
        pdf_fail(c, path, strerror(errno));
    struct stat sb;
    if (!c->failed && (got != want || stat(path, &sb) != 0 || (uint64_t)sb.st_size != want))
        pdf_fail(c, path, "short write: the file is not as long as the PDF");
    if (c->failed && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        unlink(path);
    return !c->failed;
}

/* Lay out the whole report: cover and summary, KPIs, lists, quality,
 * provenance; then the furniture and the info. */
static void pdf_build(pdf_ctx *c)
{
    pdf_new_page(c);
    pdf_cover_band(c);
    pdf_facts(c, &c->r->period, c->r->as_of);
    pdf_cover_tally(c);
    pdf_summary(c);
    for (size_t i = 0; i < c->r->nkpis && !c->failed; i++)
        pdf_kpi_section(c, &c->r->kpis[i], i);
    pdf_lists(c);
    pdf_data_quality(c);
    pdf_provenance(c);
    if (!c->failed) {
        pdf_furniture_text f = pdf_furniture_prepare(c);
        pdf_furniture(c, &f);
    }
    pdf_info(c);
}

/*
 * Opening a document costs more than a third of a small report: libharu
 * parses both DejaVu faces and maps all 65,536 code points of each to
 * glyphs.  pdf_prepare does it ahead of time, in a batch's parent before
 * it forks the municipalities' children; each child then takes its copy of
 * the opened document for its report instead of opening one.  The same
 * calls in the same order: the same bytes.
 */
static pdf_ctx *prepared;       /* an opened document nobody has used */
static pdf_ctx *stale;          /* one that could not be taken over (kept, never freed) */

void pdf_prepare(void)
{
    if (prepared)
        return;
    pdf_ctx *c = xcalloc(1, sizeof *c);
    if (pdf_open(c)) {
        prepared = c;
        return;
    }
    /* The report will open its own and say what failed. */
    if (c->doc)
        HPDF_Free(c->doc);
    free(c);
}

/* pdf_prepare on a thread of its own, for a process that has a core to
 * spare before its report is written (see pdf_writer.h). */
static pthread_t preparer;
static bool preparing;          /* the thread runs or has not been joined */
static bool beside;             /* this process prepared its document itself */

static void *prepare_main(void *arg)
{
    (void)arg;
    pdf_prepare();
    return NULL;
}

/* The preparation started beside, if any, is done.  Also run before every
 * fork (pthread_atfork): a child forked while the thread is inside
 * libharu, or holds a lock, would inherit that half-done state. */
static void pdf_prepare_wait(void)
{
    if (preparing)
        pthread_join(preparer, NULL);
    preparing = false;
}

void pdf_prepare_beside(void)
{
    static bool waits_at_fork;
    if (!waits_at_fork)
        waits_at_fork = pthread_atfork(pdf_prepare_wait, NULL, NULL) == 0;
    if (!prepared && !preparing && waits_at_fork)
        beside = preparing = pthread_create(&preparer, NULL, prepare_main, NULL) == 0;
}

void pdf_prepared_free(void)
{
    pdf_prepare_wait();
    if (!prepared)
        return;
    HPDF_Free(prepared->doc);
    free(prepared);
    prepared = NULL;
}

void pdf_prepare_done(void)
{
    if (beside)
        pdf_prepared_free();
    beside = false;
}

/* libharu keeps each embedded font's file open and reads it again when the
 * document is saved.  Processes forked after pdf_prepare share those open
 * files, and with them the file offsets: give this process its own open
 * file under the same descriptor, at the same offset.  False when it cannot. */
static bool pdf_own_font_files(pdf_ctx *c)
{
    HPDF_List defs = c->doc->fontdef_list;
    for (HPDF_UINT i = 0; defs && i < defs->count; i++) {
        HPDF_FontDef def = HPDF_List_ItemAt(defs, i);
        if (!def || def->type != HPDF_FONTDEF_TYPE_TRUETYPE || !def->attr)
            continue;
        HPDF_Stream s = ((HPDF_TTFontDefAttr)def->attr)->stream;
        if (!s || s->type != HPDF_STREAM_FILE || !s->attr)
            continue;
        int fd = fileno((FILE *)s->attr);
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        off_t pos = lseek(fd, 0, SEEK_CUR);
        int own = pos < 0 ? -1 : open(proc, O_RDONLY);
        bool ok = own >= 0 && lseek(own, pos, SEEK_SET) == pos && dup2(own, fd) == fd;
        if (own >= 0)
            close(own);
        if (!ok)
            return false;
    }
    return true;
}

/* A context for one document: the prepared one when there is one. */
static pdf_ctx *pdf_ctx_new(void)
{
    pdf_prepare_wait();
    pdf_ctx *c = prepared;
    prepared = NULL;
    if (c && !pdf_own_font_files(c)) {
        /* Freeing it would close files other processes read: keep it. */
        stale = c;
        c = NULL;
    }
    return c ? c : xcalloc(1, sizeof *c);
}

/*
 * Open a document in the context c (report or benchmark set), build it with
 * build, save it to path; free everything.  0, or -1 with err.
 */
static int pdf_run(pdf_ctx *c, void (*build)(pdf_ctx *), const char *path, char *err,
                   size_t errlen)
{
    if (c->doc ? !c->failed : pdf_open(c))
        build(c);
    if (!c->failed)
        pdf_save(c, path);
    int rc = c->failed ? -1 : 0;
    if (rc != 0 && err && errlen)
        snprintf(err, errlen, "%s: %s", path, c->msg);
    if (c->doc)
        HPDF_Free(c->doc);
    free(c->pages);
    free(c->widths);
    arena_free(&c->mem);
    free(c);
    return rc;
}

int pdf_write_report(const report *r, const labels *l, const char *path, int list_limit,
                     char *err, size_t errlen)
{
    if (!r || !l || !path) {
        if (err && errlen)
            snprintf(err, errlen, "pdf: no report, labels or path");
        return -1;
    }
    pdf_ctx *c = pdf_ctx_new();
    c->r = r, c->l = l, c->list_limit = list_limit, c->generated = r->generated;
    return pdf_run(c, pdf_build, path, err, errlen);
}

/* ------------------------------------------------------------ benchmark */

/* Municipality columns side by side at most; with more, the table turns:
 * municipality rows, the KPIs split into parts of PDF_BENCH_PART columns. */
#define PDF_BENCH_WIDE 6
#define PDF_BENCH_PART 5

/* A municipality's name for people: its name, else its id. */
static const char *pdf_bench_name(const benchmark *b, size_t m)
{
    const bench_municipality *mu = &b->municipalities[m];
    return mu->name && *mu->name ? mu->name : mu->id ? mu->id : "";
}

/* The name of the municipality with this id (the id when unknown). */
static const char *pdf_bench_name_of(const benchmark *b, const char *id)
{
    for (size_t m = 0; id && m < b->nmunicipalities; m++)
        if (b->municipalities[m].id && strcmp(b->municipalities[m].id, id) == 0)
            return pdf_bench_name(b, m);
    return id ? id : "";
}

/* A row's KPI as a kpi_result shell (title, kind, target, direction), so
 * the report's formats and chart helpers serve the benchmark too. */
static kpi_result pdf_bench_kpi(const bench_row *row)
{
    kpi_result k = {0};
    k.id = row->kpi ? row->kpi : "";
    k.title = row->title && *row->title ? row->title : k.id;
    k.kind = row->kind;
    k.target = row->target;
    k.direction = row->direction;
    return k;
}

/* "3. Avvikelser åtgärdade i tid": the KPI's number and title. */
static const char *pdf_bench_title(pdf_ctx *c, size_t i)
{
    kpi_result k = pdf_bench_kpi(&c->b->rows[i]);
    return arena_printf(&c->mem, "%zu. %s", i + 1, pdf_clean(&c->mem, k.title));
}

/* The common target in words ("mål: minst 100 %"), or that there is none. */
static const char *pdf_bench_target_words(pdf_ctx *c, const bench_row *row)
{
    kpi_result k = pdf_bench_kpi(row);
    return pdf_has(k.target) ? pdf_rule_text(c, &k) : label(c->l, "pdf.bench.no_target");
}

/* "4 av 5": how many municipalities have a value. */
static size_t pdf_bench_with_value(const benchmark *b, const bench_row *row)
{
    size_t n = 0;
    for (size_t m = 0; m < b->nmunicipalities; m++)
        n += pdf_has(row->cells[m].value);
    return n;
}

/* One reference value as the chart and the appendix show it: the same
 * source, period and value loaded by several municipalities is one. */
typedef struct {
    const char *source, *period;
    double value;
    size_t nwho;
    const char **who;           /* names of the municipalities that loaded it */
} pdf_ref_group;

typedef struct {
    size_t n;
    pdf_ref_group *g;
} pdf_ref_groups;

/* Reference groups by value (lowest first, so the chart's letters read
 * left to right), then source and period: the same order every run. */
static int pdf_ref_group_cmp(const void *a, const void *b)
{
    const pdf_ref_group *x = a, *y = b;
    bool xn = !isfinite(x->value), yn = !isfinite(y->value);
    if (xn != yn)
        return xn ? 1 : -1;
    if (!xn && x->value != y->value)
        return x->value < y->value ? -1 : 1;
    int d = strcmp(x->source, y->source);
    return d ? d : strcmp(x->period, y->period);
}

/* The row's reference values, merged where source, period and value
 * agree, sorted by pdf_ref_group_cmp. */
static pdf_ref_groups pdf_bench_refs(pdf_ctx *c, const bench_row *row)
{
    size_t n = row->references ? row->nreferences : 0;
    pdf_ref_groups out = {0, arena_alloc(&c->mem, (n + 1) * sizeof *out.g)};
    for (size_t i = 0; i < n; i++) {
        const bench_reference *ref = &row->references[i];
        const char *src = ref->source ? ref->source : "", *per = ref->period ? ref->period : "";
        pdf_ref_group *g = NULL;
        for (size_t j = 0; j < out.n && !g; j++)
            if (strcmp(out.g[j].source, src) == 0 && strcmp(out.g[j].period, per) == 0 &&
                (out.g[j].value == ref->value || (isnan(out.g[j].value) && isnan(ref->value))))
                g = &out.g[j];
        if (!g) {
            g = &out.g[out.n++];
            *g = (pdf_ref_group){src, per, ref->value, 0, arena_alloc(&c->mem, n * sizeof *g->who)};
        }
        const char *who = pdf_bench_name_of(c->b, ref->municipality);
        bool seen = false;
        for (size_t j = 0; j < g->nwho && !seen; j++)
            seen = strcmp(g->who[j], who) == 0;
        if (!seen)
            g->who[g->nwho++] = who;
    }
    if (out.n > 1)
        qsort(out.g, out.n, sizeof *out.g, pdf_ref_group_cmp);
    return out;
}

/* "A".."Z", then "27", "28", ...: a reference's marker in its chart. */
static const char *pdf_ref_mark(pdf_ctx *c, size_t i)
{
    return i < 26 ? arena_printf(&c->mem, "%c", (char)('A' + i)) : pdf_size(c, i + 1);
}

/* At most max names joined with ", ", then "och 12 till". */
static const char *pdf_names(pdf_ctx *c, const char *const *names, size_t n, size_t max)
{
    strbuf b = {0};
    for (size_t i = 0; i < n && i < max; i++) {
        if (i)
            strbuf_adds(&b, ", ");
        strbuf_adds(&b, pdf_meta_text(&c->mem, names[i]));
    }
    const char *out = arena_strdup(&c->mem, strbuf_cstr(&b));
    strbuf_free(&b);
    if (n > max)
        out = PDF_FILL(c, "pdf.bench.and_more", out, pdf_size(c, n - max));
    return out;
}

/* A value cell: the value with its status swatch ("17 av 25" under a
 * share when fraction is set). */
static pdf_cell pdf_bench_cell(pdf_ctx *c, const bench_row *row, const bench_cell *x,
                               bool fraction)
{
    pdf_cell cl = {.text = pdf_fmt_value(c, row->kind, x->value)};
    if (pdf_has(x->value)) {
        pdf_rgb *sw = arena_alloc(&c->mem, sizeof *sw);
        *sw = pdf_status_color(x->status);
        cl.swatch = sw;
    } else {
        cl.color = PDF_MUTED, cl.has_color = true;
    }
    if (fraction && row->kind == KPI_SHARE && pdf_has(x->numerator) && pdf_has(x->denominator))
        cl.sub = PDF_FILL(c, "pdf.of", pdf_count(c, x->numerator.v),
                          pdf_count(c, x->denominator.v));
    return cl;
}

/* ---------------------------------------------------- benchmark: cover */

/* The municipalities by name on a grid that flows over pages: three
 * columns of name and id, or four of names only when there are many. */
static void pdf_bench_municipalities(pdf_ctx *c)
{
    const benchmark *b = c->b;
    pdf_section(c, label(c->l, "pdf.bench.municipalities"));
    bool compact = b->nmunicipalities > 24;
    size_t ncols = compact ? 4 : 3;
    float cw = PDF_CONTENT_W / (float)ncols, h = compact ? 11 : 24;
    pdf_style name = {!compact, compact ? 8 : 9, PDF_TEXT}, id = {false, 7, PDF_MUTED};
    for (size_t m = 0; m < b->nmunicipalities && !c->failed; m += ncols) {
        pdf_need(c, h);
        for (size_t j = 0; j < ncols && m + j < b->nmunicipalities; j++) {
            float x = PDF_MARGIN_X + cw * (float)j;
            pdf_show_in(c, &name, x, c->y - name.size, cw - 10, PDF_LEFT, pdf_bench_name(b, m + j));
            if (!compact)
                pdf_show_in(c, &id, x, c->y - name.size - 10, cw - 10, PDF_LEFT,
                            b->municipalities[m + j].id);
        }
        c->y -= h;
    }
    c->y -= 6;
}

/* ---------------------------------------------------- benchmark: overview */

/* Lowest, median and highest of the present values of a row. */
static void pdf_bench_spread(const benchmark *b, const bench_row *row, maybe *lo, maybe *med,
                             maybe *hi)
{
    double *v = xcalloc(b->nmunicipalities + 1, sizeof *v);
    size_t n = 0;
    for (size_t m = 0; m < b->nmunicipalities; m++)
        if (pdf_has(row->cells[m].value))
            v[n++] = row->cells[m].value.v;
    for (size_t i = 1; i < n; i++)     /* insertion sort: n is small, and stable */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
    *lo = *med = *hi = MAYBE_NONE;
    if (n) {
        *lo = MAYBE(v[0]);
        *hi = MAYBE(v[n - 1]);
        *med = MAYBE(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
    }
    free(v);
}

/* What the colours mean: a square and the status word for each. */
static void pdf_bench_legend_line(pdf_ctx *c)
{
    static const kpi_status order[] = {STATUS_GREEN, STATUS_YELLOW, STATUS_RED, STATUS_NONE};
    pdf_style st = {false, 7.5f, PDF_MUTED};
    pdf_need(c, 14);
    float x = PDF_MARGIN_X;
    for (size_t i = 0; i < 4; i++) {
        const char *word = order[i] == STATUS_NONE ? label(c->l, "pdf.status.no_target")
                                                   : pdf_status_word(c, order[i]);
        pdf_rect(c, x, c->y - 8, 7, 7, pdf_status_color(order[i]));
        x += 10 + pdf_show_in(c, &st, x + 10, c->y - 7.5f, 120, PDF_LEFT, word) + 14;
    }
    c->y -= 14;
}

/* Each shared KPI in one row: its common target, how many have a value,
 * lowest, median and highest, and the statuses as one stacked bar. */
static void pdf_bench_overview(pdf_ctx *c)
{
    const benchmark *b = c->b;
    c->y -= 4;
    pdf_section(c, label(c->l, "pdf.bench.overview"));
    if (b->nrows == 0) {
        pdf_paragraph(c, &(pdf_style){false, 9, PDF_TEXT}, 0, label(c->l, "pdf.bench.no_rows"), 3);
        return;
    }
    pdf_paragraph(c, &(pdf_style){false, 8.5f, PDF_MUTED}, 0,
                  label(c->l, "pdf.bench.overview_intro"), 4);
    c->y -= 6;
    const float wk = 168, wn = 50, wv = 56, wt = PDF_CONTENT_W - wk - wn - 3 * wv;
    const pdf_col cols[] = {
        {label(c->l, "col.kpi"), wk, PDF_LEFT},
        {label(c->l, "pdf.bench.with_value"), wn, PDF_RIGHT},
        {label(c->l, "pdf.bench.lowest"), wv, PDF_RIGHT},
        {label(c->l, "pdf.bench.median"), wv, PDF_RIGHT},
        {label(c->l, "pdf.bench.highest"), wv, PDF_RIGHT},
        {label(c->l, "col.status"), wt, PDF_LEFT},
    };
    pdf_table t = {.ncols = 6, .cols = cols, .size = 8.5f, .max_lines = 3,
                   .title = label(c->l, "pdf.bench.overview")};
    pdf_table_begin(c, &t);
    for (size_t i = 0; i < b->nrows && !c->failed; i++) {
        const bench_row *row = &b->rows[i];
        maybe lo, med, hi;
        pdf_bench_spread(b, row, &lo, &med, &hi);
        size_t *tally = arena_alloc(&c->mem, 4 * sizeof *tally);
        for (size_t m = 0; m < b->nmunicipalities; m++) {
            const bench_cell *x = &row->cells[m];
            if (!pdf_has(x->value))
                continue;
            tally[x->status == STATUS_GREEN ? 0 : x->status == STATUS_YELLOW ? 1
                  : x->status == STATUS_RED ? 2 : 3]++;
        }
        pdf_cell cells[6] = {
            {.text = pdf_bench_title(c, i), .sub = pdf_bench_target_words(c, row), .bold = true},
            pdf_text_cell(PDF_FILL(c, "pdf.of", pdf_size(c, pdf_bench_with_value(b, row)),
                                   pdf_size(c, b->nmunicipalities))),
            pdf_text_cell(pdf_fmt_value(c, row->kind, lo)),
            {.text = pdf_fmt_value(c, row->kind, med), .bold = true},
            pdf_text_cell(pdf_fmt_value(c, row->kind, hi)),
            {.tally = tally},
        };
        pdf_table_row(c, &t, cells);
    }
    c->y -= 4;
    pdf_bench_legend_line(c);
}

/* ---------------------------------------------------- benchmark: side by side */

/* Up to PDF_BENCH_WIDE municipalities: KPI rows, a column per
 * municipality; shares with "17 av 25" under the value. */
static void pdf_bench_wide(pdf_ctx *c)
{
    const benchmark *b = c->b;
    size_t n = b->nmunicipalities;
    /* municipality columns at least as wide as the longest word of a name
     * in the header ("fylkeskommune"), the KPI column not under 120 pt */
    pdf_style hs = {true, 8, PDF_BRAND};
    float word = 0;
    for (size_t m = 0; m < n; m++) {
        const char *t = pdf_clean(&c->mem, pdf_bench_name(b, m));
        for (const char *p = t; *p;) {
            size_t len = strcspn(p, " ");
            float w = pdf_text_width(c, &hs, p, len);
            word = w > word ? w : word;
            p += len;
            p += *p == ' ';
        }
    }
    float wk = n <= 3 ? 190 : 150, wm = (PDF_CONTENT_W - wk) / (float)n;
    float need = word + 2 * PDF_CELL_PAD + 1, head = 8;
    if (wm < need) {
        wm = need < (PDF_CONTENT_W - 120) / (float)n ? need : (PDF_CONTENT_W - 120) / (float)n;
        wk = PDF_CONTENT_W - wm * (float)n;
        /* still too narrow: a smaller header, down to 6.5 pt */
        float fit = 8 * (wm - 2 * PDF_CELL_PAD - 1) / word;
        head = fit < 8 ? (fit > 6.5f ? fit : 6.5f) : 8;
    }
    pdf_col *cols = arena_alloc(&c->mem, (n + 1) * sizeof *cols);
    cols[0] = (pdf_col){label(c->l, "col.kpi"), wk, PDF_LEFT};
    for (size_t m = 0; m < n; m++)
        cols[m + 1] = (pdf_col){pdf_bench_name(b, m), wm, PDF_RIGHT};
    pdf_table t = {.ncols = n + 1, .cols = cols, .size = 8.5f, .max_lines = 4,
                   .title = label(c->l, "pdf.bench.side"), .head_size = head};
    pdf_table_begin(c, &t);
    for (size_t i = 0; i < b->nrows && !c->failed; i++) {
        const bench_row *row = &b->rows[i];
        pdf_cell *cells = arena_alloc(&c->mem, (n + 1) * sizeof *cells);
        cells[0] = (pdf_cell){.text = pdf_bench_title(c, i),
                              .sub = pdf_bench_target_words(c, row), .bold = true};
        for (size_t m = 0; m < n; m++)
            cells[m + 1] = pdf_bench_cell(c, row, &row->cells[m], true);
        pdf_table_row(c, &t, cells);
    }
}

/* More municipalities: a municipality per row, the KPIs in parts of at
 * most PDF_BENCH_PART columns (as even as can be: 6 KPIs are 3 + 3), each
 * part a table that flows over pages with its header; the first row gives
 * each KPI's common target. */
static void pdf_bench_tall(pdf_ctx *c)
{
    const benchmark *b = c->b;
    size_t nparts = (b->nrows + PDF_BENCH_PART - 1) / PDF_BENCH_PART;
    size_t per = (b->nrows + nparts - 1) / nparts;
    pdf_style ns = {false, 8, PDF_TEXT};
    float wm = 110;
    for (size_t m = 0; m < b->nmunicipalities; m++) {
        float w = pdf_text_width(c, &ns, pdf_clean(&c->mem, pdf_bench_name(b, m)), 400) +
                  2 * PDF_CELL_PAD + 2;
        wm = w > wm ? w : wm;
    }
    wm = wm > 170 ? 170 : wm;
    for (size_t p = 0; p < nparts && !c->failed; p++) {
        size_t first = p * per, k = b->nrows - first;
        k = k > per ? per : k;
        const char *title = label(c->l, "pdf.bench.side");
        if (nparts > 1) {
            title = PDF_FILL(c, "pdf.bench.part", pdf_size(c, p + 1), pdf_size(c, nparts),
                             pdf_size(c, first + 1), pdf_size(c, first + k));
            if (p > 0)
                pdf_new_page(c);
            pdf_subheading(c, title, 120, NULL);
        }
        float wk = (PDF_CONTENT_W - wm) / (float)k;
        wk = wk > 110 ? 110 : wk;
        pdf_col *cols = arena_alloc(&c->mem, (k + 1) * sizeof *cols);
        cols[0] = (pdf_col){label(c->l, "pdf.bench.municipality"), wm, PDF_LEFT};
        for (size_t j = 0; j < k; j++)
            cols[j + 1] = (pdf_col){pdf_bench_title(c, first + j), wk, PDF_RIGHT};
        pdf_table t = {.ncols = k + 1, .cols = cols, .size = 8, .max_lines = 2, .title = title,
                       .head_size = 7.5f};
        pdf_table_begin(c, &t);
        pdf_cell *cells = arena_alloc(&c->mem, (k + 1) * sizeof *cells);
        cells[0] = (pdf_cell){.text = label(c->l, "col.target"), .bold = true,
                              .color = PDF_MUTED, .has_color = true};
        for (size_t j = 0; j < k; j++) {
            const bench_row *row = &b->rows[first + j];
            kpi_result kk = pdf_bench_kpi(row);
            cells[j + 1] = (pdf_cell){.text = pdf_target_words(c, &kk), .color = PDF_MUTED,
                                      .has_color = true};
        }
        pdf_table_row(c, &t, cells);
        for (size_t m = 0; m < b->nmunicipalities && !c->failed; m++) {
            arena tmp = {0};
            pdf_cell *row_cells = arena_alloc(&tmp, (k + 1) * sizeof *row_cells);
            row_cells[0] = pdf_text_cell(pdf_bench_name(b, m));
            for (size_t j = 0; j < k; j++)
                row_cells[j + 1] = pdf_bench_cell(c, &b->rows[first + j],
                                                  &b->rows[first + j].cells[m], false);
            pdf_table_row(c, &t, row_cells);
            arena_free(&tmp);
        }
        c->y -= 10;
    }
}

/* The KPIs side by side: columns per municipality, or rows when many. */
static void pdf_bench_side(pdf_ctx *c)
{
    const benchmark *b = c->b;
    if (b->nrows == 0)
        return;
    pdf_new_page(c);
    pdf_section(c, label(c->l, "pdf.bench.side"));
    pdf_paragraph(c, &(pdf_style){false, 8.5f, PDF_MUTED}, 0,
                  label(c->l, b->nmunicipalities <= PDF_BENCH_WIDE ? "pdf.bench.side_intro"
                                                                   : "pdf.bench.side_intro_tall"),
                  4);
    c->y -= 2;
    pdf_bench_legend_line(c);
    c->y -= 4;
    if (b->nmunicipalities <= PDF_BENCH_WIDE)
        pdf_bench_wide(c);
    else
        pdf_bench_tall(c);
}

/* ---------------------------------------------------- benchmark: charts */

/* A chart's geometry: name column, bar area, value column, row height. */
typedef struct {
    float label_w, bar_x, bar_w, value_w, row_h, size;
    bool fraction;              /* "(17 av 25)" after a share */
    pdf_scale s;
    size_t levels;              /* rows of reference markers */
    float *mark_x;              /* per reference group: x of its line */
    float *mark_pos;            /* ... and the centre of its lettered marker */
    float *mark_w;
    size_t *mark_level;         /* ... on which row of markers */
} pdf_bench_geo;

#define PDF_MARK_ROW 11.0f      /* height of a row of reference markers */
#define PDF_MARK_GAP 2.0f       /* least space between two markers */

/*
 * Spread the markers of one row (the groups i with mark_level[i] == level,
 * already in x order) so none overlaps: neighbours that would collide are
 * merged into a cluster centred on their lines, until no two clusters
 * touch; clusters stay within [lo, hi].
 */
static void pdf_marks_spread(pdf_bench_geo *g, size_t n, size_t level, float lo, float hi)
{
    size_t *idx = xcalloc(n + 1, sizeof *idx), k = 0;
    for (size_t i = 0; i < n; i++)
        if (g->mark_level[i] == level)
            idx[k++] = i;
    /* cluster j holds idx[start[j] .. start[j+1]) */
    size_t *start = xcalloc(k + 2, sizeof *start), nc = k;
    float *left = xcalloc(k + 1, sizeof *left), *width = xcalloc(k + 1, sizeof *width);
    for (size_t j = 0; j <= k; j++)
        start[j] = j;
    for (bool merged = true; merged;) {
        merged = false;
        for (size_t j = 0; j < nc; j++) {
            float w = 0, sum = 0;
            for (size_t i = start[j]; i < start[j + 1]; i++) {
                w += g->mark_w[idx[i]] + (i > start[j] ? PDF_MARK_GAP : 0);
                sum += g->mark_x[idx[i]];
            }
            float centre = sum / (float)(start[j + 1] - start[j]);
            float l = centre - w / 2;
            l = l + w > hi ? hi - w : l;
            left[j] = l < lo ? lo : l;
            width[j] = w;
        }
        for (size_t j = 0; j + 1 < nc && !merged; j++) {
            if (left[j] + width[j] + PDF_MARK_GAP > left[j + 1]) {
                memmove(&start[j + 1], &start[j + 2], (nc - j - 1) * sizeof *start);
                nc--;
                merged = true;
            }
        }
    }
    for (size_t j = 0; j < nc; j++) {
        float x = left[j];
        for (size_t i = start[j]; i < start[j + 1]; i++) {
            g->mark_pos[idx[i]] = x + g->mark_w[idx[i]] / 2;
            x += g->mark_w[idx[i]] + PDF_MARK_GAP;
        }
    }
    free(idx);
    free(start);
    free(left);
    free(width);
}

/* A municipality's place in a chart: its value, for sorting. */
typedef struct {
    size_t m;
    bool has;
    double v;
} pdf_bench_order;

/* Highest value first, no value last, then benchmark order: stable. */
static int pdf_bench_order_cmp(const void *a, const void *b)
{
    const pdf_bench_order *x = a, *y = b;
    if (x->has != y->has)
        return x->has ? -1 : 1;
    if (x->has && x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->m < y->m ? -1 : x->m > y->m;
}

/* Lay out a row's chart: sizes by the number of municipalities, the
 * scale over values, target and references, the markers' rows. */
static pdf_bench_geo pdf_bench_layout(pdf_ctx *c, const bench_row *row, const pdf_ref_groups *rg)
{
    const benchmark *b = c->b;
    size_t n = b->nmunicipalities;
    pdf_bench_geo g = {0};
    g.row_h = n <= 12 ? 16 : n <= 40 ? 12.5f : 10;
    g.size = n <= 12 ? 8 : n <= 40 ? 7.5f : 6.5f;
    g.fraction = row->kind == KPI_SHARE && n <= 40;
    pdf_style st = {true, g.size, PDF_TEXT};
    float lw = 80;
    for (size_t m = 0; m < n; m++) {
        float w = pdf_text_width(c, &st, pdf_clean(&c->mem, pdf_bench_name(b, m)), 400) + 12;
        lw = w > lw ? w : lw;
    }
    g.label_w = lw > PDF_CONTENT_W * 0.35f ? PDF_CONTENT_W * 0.35f : lw;
    g.value_w = g.fraction ? 96 : 64;
    g.bar_x = PDF_MARGIN_X + g.label_w;
    g.bar_w = PDF_CONTENT_W - g.label_w - g.value_w - 8;
    double lo = 0, hi = 0;
    for (size_t m = 0; m < n; m++)
        pdf_span_add(&lo, &hi, row->cells[m].value);
    pdf_span_add(&lo, &hi, row->target);
    for (size_t i = 0; i < rg->n; i++)
        pdf_span_add(&lo, &hi, MAYBE(rg->g[i].value));
    g.s = pdf_scale_span(row->kind, lo, hi);
    /* markers: lettered boxes over the chart, as many rows as their widths
     * need (the groups dealt to the rows in turn), spread on each row so
     * none hides another; a leader joins each to its line */
    size_t n1 = rg->n + 1;
    g.mark_x = arena_alloc(&c->mem, n1 * sizeof *g.mark_x);
    g.mark_pos = arena_alloc(&c->mem, n1 * sizeof *g.mark_pos);
    g.mark_w = arena_alloc(&c->mem, n1 * sizeof *g.mark_w);
    g.mark_level = arena_alloc(&c->mem, n1 * sizeof *g.mark_level);
    pdf_style mst = {true, 6, PDF_WHITE};
    float lo_x = g.bar_x - 6, hi_x = PDF_MARGIN_X + PDF_CONTENT_W, total = 0;
    for (size_t i = 0; i < rg->n; i++) {
        g.mark_x[i] = pdf_scale_x(&g.s, g.bar_x, g.bar_w, rg->g[i].value);
        float w = pdf_text_width(c, &mst, pdf_ref_mark(c, i), SIZE_MAX) + 4;
        g.mark_w[i] = w < 9 ? 9 : w;
        total += g.mark_w[i] + PDF_MARK_GAP;
    }
    g.levels = rg->n ? (size_t)ceilf(total / (hi_x - lo_x) * 1.25f) : 0;
    g.levels = rg->n && g.levels < 1 ? 1 : g.levels;
    for (size_t i = 0; i < rg->n; i++)
        g.mark_level[i] = i % g.levels;
    for (size_t level = 0; level < g.levels; level++)
        pdf_marks_spread(&g, rg->n, level, lo_x, hi_x);
    return g;
}

/* The chart's title (up to two lines) with its legend on the right: the
 * target's dashed line, and a violet line for the reference values. */
static void pdf_bench_chart_title(pdf_ctx *c, const bench_row *row, const pdf_ref_groups *rg,
                                  const char *title)
{
    pdf_style st = {true, 10, PDF_BRAND}, small = {false, 7.5f, PDF_MUTED};
    float x = PDF_MARGIN_X + PDF_CONTENT_W;
    if (rg->n) {
        const char *t = pdf_clean(&c->mem, label(c->l, "pdf.bench.reference"));
        x -= pdf_text_width(c, &small, t, SIZE_MAX);
        pdf_show(c, &small, x, c->y - 8.5f, t);
        x -= 22;
        pdf_line(c, x, c->y - 6, x + 18, c->y - 6, 1.2f, PDF_REF, false);
        x -= 12;
    }
    if (pdf_has(row->target)) {
        const char *t = pdf_clean(&c->mem, PDF_FILL(c, "pdf.chart.target",
                                                    pdf_fmt_target(c, row->kind, row->target.v)));
        x -= pdf_text_width(c, &small, t, SIZE_MAX);
        pdf_show(c, &small, x, c->y - 8.5f, t);
        x -= 22;
        pdf_line(c, x, c->y - 6, x + 18, c->y - 6, 1.2f, PDF_TARGET, true);
        x -= 12;
    }
    pdf_lines ls = pdf_wrap(c, &c->mem, &st, pdf_clean(&c->mem, title), x - PDF_MARGIN_X, 2);
    for (size_t i = 0; i < ls.n; i++) {
        pdf_show(c, &st, PDF_MARGIN_X, c->y - 10, ls.line[i]);
        c->y -= 13;
    }
    c->y -= 4;
}

/* The head of a chart (again on each page it flows to): title and
 * legend, the note (first time only), tick labels, the reference markers
 * with their letters and leaders. */
static void pdf_bench_chart_head(pdf_ctx *c, const bench_row *row, const pdf_ref_groups *rg,
                                 const pdf_bench_geo *g, const char *title, const char *note)
{
    pdf_bench_chart_title(c, row, rg, title);
    if (note) {
        pdf_style ns = {false, 7.5f, PDF_MUTED};
        pdf_show_in(c, &ns, PDF_MARGIN_X, c->y - 6, PDF_CONTENT_W, PDF_LEFT, note);
        c->y -= 13;
    }
    pdf_axis_labels(c, row->kind, &g->s, g->bar_x, g->bar_w, c->y - 7);
    c->y -= 11;
    if (rg->n == 0)
        return;
    pdf_style st = {true, 6, PDF_WHITE};
    float top = c->y, bottom = top - PDF_MARK_ROW * (float)g->levels - 6;
    for (size_t i = 0; i < rg->n; i++) {
        float my = top - PDF_MARK_ROW * (float)g->mark_level[i], w = g->mark_w[i];
        pdf_line(c, g->mark_pos[i], my - 9, g->mark_x[i], bottom + 2, 0.6f, PDF_REF, false);
        pdf_line(c, g->mark_x[i], bottom + 2, g->mark_x[i], bottom, 0.8f, PDF_REF, false);
        pdf_rect(c, g->mark_pos[i] - w / 2, my - 9, w, 9, PDF_REF);
        pdf_show_in(c, &st, g->mark_pos[i] - w / 2, my - 6.8f, w, PDF_CENTER,
                    pdf_ref_mark(c, i));
    }
    c->y = bottom;
}

/* One municipality's bar: name, grid, bar in its status colour, the
 * reference lines and the target across, the value at the end. */
static void pdf_bench_bar(pdf_ctx *c, const bench_row *row, const pdf_ref_groups *rg,
                          const pdf_bench_geo *g, size_t m, size_t rank)
{
    const bench_cell *x = &row->cells[m];
    float h = g->row_h, mid = c->y - h / 2;
    if (rank % 2 == 1)
        pdf_rect(c, PDF_MARGIN_X, c->y - h, PDF_CONTENT_W, h, PDF_ZEBRA);
    pdf_style name = {false, g->size, PDF_TEXT};
    pdf_show_in(c, &name, PDF_MARGIN_X + 2, mid - g->size * 0.35f, g->label_w - 8, PDF_LEFT,
                pdf_bench_name(c->b, m));
    for (double v = g->s.lo; v <= g->s.hi + g->s.step / 2; v += g->s.step) {
        float gx = pdf_scale_x(&g->s, g->bar_x, g->bar_w, v);
        bool zero = fabs(v) < g->s.step / 1000;
        pdf_line(c, gx, c->y, gx, c->y - h, zero ? 0.8f : 0.5f, zero ? PDF_RULE : PDF_GRID, false);
    }
    if (pdf_has(x->value)) {
        pdf_rgb col = pdf_has(row->target) || x->status != STATUS_NONE ? pdf_status_color(x->status)
                                                                        : PDF_BRAND_LIGHT;
        float x0 = pdf_scale_x(&g->s, g->bar_x, g->bar_w, 0);
        float x1 = pdf_scale_x(&g->s, g->bar_x, g->bar_w, x->value.v);
        float bh = h * 0.56f;
        pdf_rect(c, x0 < x1 ? x0 : x1, mid - bh / 2, fabsf(x1 - x0), bh, col);
    }
    for (size_t i = 0; i < rg->n; i++)
        pdf_line(c, g->mark_x[i], c->y, g->mark_x[i], c->y - h, 0.8f, PDF_REF, false);
    if (pdf_has(row->target)) {
        float tx = pdf_scale_x(&g->s, g->bar_x, g->bar_w, row->target.v);
        pdf_line(c, tx, c->y, tx, c->y - h, 1.2f, PDF_TARGET, true);
    }
    const char *v = pdf_fmt_value(c, row->kind, x->value);
    if (g->fraction && pdf_has(x->numerator) && pdf_has(x->denominator))
        v = arena_printf(&c->mem, "%s (%s)", v,
                         PDF_FILL(c, "pdf.of", pdf_count(c, x->numerator.v),
                                  pdf_count(c, x->denominator.v)));
    pdf_style vs = {false, g->size, pdf_has(x->value) ? PDF_TEXT : PDF_MUTED};
    pdf_show_in(c, &vs, g->bar_x + g->bar_w + 6, mid - g->size * 0.35f, g->value_w - 6,
                PDF_LEFT, v);
    c->y -= h;
}

/* The reference values of a chart: marker, source, period, value and the
 * municipalities that loaded it. */
static void pdf_bench_chart_refs(pdf_ctx *c, const bench_row *row, const pdf_ref_groups *rg)
{
    if (rg->n == 0)
        return;
    c->y -= 6;
    const pdf_col cols[] = {
        {"", 22, PDF_CENTER},
        {label(c->l, "pdf.ref.source"), 150, PDF_LEFT},
        {label(c->l, "pdf.ref.period"), 58, PDF_LEFT},
        {label(c->l, "col.value"), 58, PDF_RIGHT},
        {label(c->l, "pdf.bench.loaded_by"), PDF_CONTENT_W - 288, PDF_LEFT},
    };
    pdf_table t = {.ncols = 5, .cols = cols, .size = 7.5f, .max_lines = 4,
                   .title = label(c->l, "pdf.bench.references")};
    pdf_table_begin(c, &t);
    for (size_t i = 0; i < rg->n && !c->failed; i++) {
        const pdf_ref_group *gr = &rg->g[i];
        pdf_cell cells[5] = {
            {.text = pdf_ref_mark(c, i), .bold = true, .color = PDF_REF, .has_color = true},
            pdf_text_cell(*gr->source ? gr->source : label(c->l, "unknown")),
            pdf_text_cell(*gr->period ? gr->period : label(c->l, "none")),
            pdf_text_cell(pdf_fmt_value(c, row->kind,
                                        isfinite(gr->value) ? MAYBE(gr->value) : MAYBE_NONE)),
            pdf_text_cell(pdf_names(c, gr->who, gr->nwho, 3)),
        };
        pdf_table_row(c, &t, cells);
    }
}

/* One shared KPI as bars, a municipality per bar, highest first; the
 * reference values as lettered violet lines, explained under the chart. */
static void pdf_bench_chart(pdf_ctx *c, HPDF_Outline parent, size_t index)
{
    const benchmark *b = c->b;
    const bench_row *row = &b->rows[index];
    size_t n = b->nmunicipalities;
    pdf_ref_groups rg = pdf_bench_refs(c, row);
    pdf_bench_geo g = pdf_bench_layout(c, row, &rg);
    pdf_bench_order *order = arena_alloc(&c->mem, (n + 1) * sizeof *order);
    for (size_t m = 0; m < n; m++)
        order[m] = (pdf_bench_order){m, pdf_has(row->cells[m].value),
                                     pdf_has(row->cells[m].value) ? row->cells[m].value.v : 0};
    qsort(order, n, sizeof *order, pdf_bench_order_cmp);
    const char *title = pdf_bench_title(c, index);
    const char *note =
        PDF_FILL(c, "pdf.bench.chart_note", pdf_size(c, pdf_bench_with_value(b, row)),
                 pdf_size(c, n), pdf_bench_target_words(c, row));
    float head = 30 + 13 + 11 + (rg.n ? PDF_MARK_ROW * (float)g.levels + 6 : 0);
    c->y -= 10;
    pdf_need(c, head + g.row_h * (float)(n < 6 ? n : 6) + (rg.n ? 40 : 0));
    pdf_bookmark(c, parent, title);
    pdf_bench_chart_head(c, row, &rg, &g, title, note);
    for (size_t i = 0; i < n && !c->failed; i++) {
        if (pdf_need(c, g.row_h)) {
            const char *more =
                arena_printf(&c->mem, "%s (%s)", title, label(c->l, "pdf.continued"));
            pdf_bench_chart_head(c, row, &rg, &g, more, NULL);
        }
        pdf_bench_bar(c, row, &rg, &g, order[i].m, i);
    }
    pdf_line(c, PDF_MARGIN_X, c->y, PDF_MARGIN_X + PDF_CONTENT_W, c->y, 0.4f, PDF_RULE, false);
    pdf_bench_chart_refs(c, row, &rg);
    c->y -= 8;
}

/* The charts section: one chart per shared KPI. */
static void pdf_bench_charts(pdf_ctx *c)
{
    const benchmark *b = c->b;
    if (b->nrows == 0)
        return;
    pdf_new_page(c);
    HPDF_Outline o = pdf_section(c, label(c->l, "pdf.bench.charts"));
    pdf_paragraph(c, &(pdf_style){false, 8.5f, PDF_MUTED}, 0,
                  label(c->l, "pdf.bench.charts_intro"), 4);
    for (size_t i = 0; i < b->nrows && !c->failed; i++)
        pdf_bench_chart(c, o, i);
}

/* ---------------------------------------------------- benchmark: appendix */

/* Every reference value with its source, period, value and the
 * municipalities that loaded it, KPI by KPI: a heading and a table each. */
static void pdf_bench_appendix(pdf_ctx *c)
{
    const benchmark *b = c->b;
    pdf_new_page(c);
    pdf_section(c, arena_printf(&c->mem, "%s: %s", label(c->l, "pdf.appendix"),
                                label(c->l, "pdf.bench.references")));
    size_t total = 0;
    for (size_t i = 0; i < b->nrows; i++)
        total += b->rows[i].references ? b->rows[i].nreferences : 0;
    if (total == 0) {
        pdf_paragraph(c, &(pdf_style){false, 9, PDF_TEXT}, 0, label(c->l, "pdf.bench.no_refs"), 3);
        return;
    }
    pdf_paragraph(c, &(pdf_style){false, 8.5f, PDF_MUTED}, 0,
                  label(c->l, "pdf.bench.references_intro"), 5);
    const pdf_col cols[] = {
        {label(c->l, "pdf.ref.source"), 170, PDF_LEFT},
        {label(c->l, "pdf.ref.period"), 60, PDF_LEFT},
        {label(c->l, "col.value"), 60, PDF_RIGHT},
        {label(c->l, "pdf.bench.loaded_by"), PDF_CONTENT_W - 290, PDF_LEFT},
    };
    for (size_t i = 0; i < b->nrows && !c->failed; i++) {
        const bench_row *row = &b->rows[i];
        pdf_ref_groups rg = pdf_bench_refs(c, row);
        if (rg.n == 0)
            continue;
        const char *title = pdf_bench_title(c, i);
        c->y -= 4;
        pdf_subheading(c, title, 60, NULL);
        pdf_table t = {.ncols = 4, .cols = cols, .size = 8, .max_lines = 10, .title = title};
        pdf_table_begin(c, &t);
        for (size_t j = 0; j < rg.n && !c->failed; j++) {
            const pdf_ref_group *gr = &rg.g[j];
            pdf_cell cells[4] = {
                pdf_text_cell(*gr->source ? gr->source : label(c->l, "unknown")),
                pdf_text_cell(*gr->period ? gr->period : label(c->l, "none")),
                pdf_text_cell(pdf_fmt_value(c, row->kind,
                                            isfinite(gr->value) ? MAYBE(gr->value) : MAYBE_NONE)),
                pdf_text_cell(pdf_names(c, gr->who, gr->nwho, 10)),
            };
            pdf_table_row(c, &t, cells);
        }
    }
}

/* ---------------------------------------------------- benchmark: document */

/* The names of all municipalities, for the document's author. */
static const char *pdf_bench_all_names(pdf_ctx *c)
{
    const benchmark *b = c->b;
    const char **names = arena_alloc(&c->mem, (b->nmunicipalities + 1) * sizeof *names);
    for (size_t m = 0; m < b->nmunicipalities; m++)
        names[m] = pdf_bench_name(b, m);
    return pdf_names(c, names, b->nmunicipalities, 8);
}

/* Cover, municipalities, overview, side by side, charts, appendix; then
 * the furniture and the info. */
static void pdf_bench_build(pdf_ctx *c)
{
    const benchmark *b = c->b;
    const char *n = pdf_size(c, b->nmunicipalities);
    const char *title = label(c->l, "pdf.bench.title");
    pdf_new_page(c);
    pdf_band(c, PDF_FILL(c, "pdf.bench.kicker", n), title, &b->period);
    pdf_facts(c, &b->period, b->as_of);
    pdf_paragraph(c, &(pdf_style){false, 9, PDF_TEXT}, 0,
                  PDF_FILL(c, "pdf.bench.intro", n, pdf_size(c, b->nrows)), 6);
    c->y -= 10;
    pdf_bench_municipalities(c);
    pdf_bench_overview(c);
    pdf_bench_side(c);
    pdf_bench_charts(c);
    pdf_bench_appendix(c);
    if (!c->failed) {
        pdf_furniture_text f =
            pdf_furniture_make(c, "", title, &b->period, label(c->l, "pdf.bench.short"));
        pdf_furniture(c, &f);
    }
    const char *per = pdf_period_words(c, &b->period);
    pdf_info_set(c, arena_printf(&c->mem, "%s \u2013 %s", title, per), pdf_bench_all_names(c),
                 PDF_FILL(c, "pdf.bench.subject", n, per),
                 arena_printf(&c->mem, "%s, %s", label(c->l, "pdf.bench.keywords"), b->period.id));
}

int pdf_write_benchmark(const benchmark *b, const labels *l, const char *path, char *err,
                        size_t errlen)
{
    if (!b || !l || !path || b->nmunicipalities == 0 || !b->municipalities ||
        (b->nrows && !b->rows)) {
        if (err && errlen)
            snprintf(err, errlen, "pdf: no benchmark (or no municipalities), labels or path");
        return -1;
    }
    for (size_t i = 0; i < b->nrows; i++)
        if (!b->rows[i].cells) {
            if (err && errlen)
                snprintf(err, errlen, "pdf: benchmark row %zu has no cells", i);
            return -1;
        }
    pdf_ctx *c = pdf_ctx_new();
    c->b = b, c->l = l, c->list_limit = -1, c->generated = b->generated;
    return pdf_run(c, pdf_bench_build, path, err, errlen);
}
