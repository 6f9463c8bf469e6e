/*
 * fuzz_date.c - libFuzzer harness for the date patterns, the date parser,
 * the period parser and the calendar arithmetic the periods rest on
 * (src/date.c).
 *
 * Input layout:
 *   byte 0     bits 0-2: pattern  yyyy-mm-dd | dd.mm.yyyy | d.m.yyyy | dd/mm/yyyy |
 *                                 mm/dd/yyyy | yyyymmdd | excel | custom
 *   bytes 1-3  a day: "today" for the relative periods (years 1001-9999) and
 *              the day for the calendar arithmetic (years 1-9999); byte 1 as a
 *              signed number (x 7) also gives a month offset for date_add_months
 *   the rest   custom: the pattern up to the first '\n', then the text;
 *              otherwise all of it is the text.  The text goes to date_parse
 *              as (pointer, length) in a buffer of exactly that size, and, up
 *              to its first NUL, to period_parse.
 *
 * Invariants:
 *   - a compiled pattern is NUL-terminated, shorter than 32 bytes, and holds
 *     "yyyy" (or is "excel");
 *   - a parsed date is a valid calendar day of years 1-9999 that round-trips
 *     through date_to_ymd / date_from_ymd and through date_format_iso and the
 *     ISO pattern; its seconds lie within that day, and are the day's midnight
 *     when no time was given;
 *   - the day written back in the pattern (when the pattern is unambiguous)
 *     parses to the same day;
 *   - a parsed period has start <= end, the right number of months, an id that
 *     parses back to the same period; period_previous keeps the kind and ends
 *     before it starts (the day before, except H8); period_last_year keeps kind
 *     and index, one year earlier;
 *   - date_add_months / date_years_before / date_month_start / date_month_end
 *     (within years 1-9999) give valid days with the expected month and the day
 *     clamped to the month's length.
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <string.h>

#include "date.h"

static const char *const patterns[7] = {
    "yyyy-mm-dd", "dd.mm.yyyy", "d.m.yyyy", "dd/mm/yyyy", "mm/dd/yyyy", "yyyymmdd", "excel",
};

static void check_ymd_day(int32_t day, const char *what)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    FUZZ_CHECK(date_valid_ymd(y, m, d), "%s: day %d is %d-%d-%d", what, (int)day, y, m, d);
    FUZZ_CHECK(date_from_ymd(y, m, d) == day, "%s: day %d does not round-trip", what, (int)day);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/*
 * Write y-m-d in the pattern's own form into buf.  False when the pattern is
 * ambiguous (a one-or-two-digit field followed by a digit or another field),
 * so that what was written need not read back the same.
 */
static bool format_in_pattern(const char *t, int y, int m, int d, char *buf, size_t cap)
{
    size_t k = 0;
    while (*t) {
        int w;
        bool variable = false;
        if (strncmp(t, "yyyy", 4) == 0) { w = snprintf(buf + k, cap - k, "%04d", y); t += 4; }
        else if (strncmp(t, "mm", 2) == 0) { w = snprintf(buf + k, cap - k, "%02d", m); t += 2; }
        else if (strncmp(t, "dd", 2) == 0) { w = snprintf(buf + k, cap - k, "%02d", d); t += 2; }
        else if (*t == 'm') { w = snprintf(buf + k, cap - k, "%d", m); t++; variable = true; }
        else if (*t == 'd') { w = snprintf(buf + k, cap - k, "%d", d); t++; variable = true; }
        else { w = snprintf(buf + k, cap - k, "%c", *t); t++; }
        if (w < 0 || (size_t)w >= cap - k)
            return false;
        k += (size_t)w;
        if (variable && (is_digit(*t) || *t == 'y' || *t == 'm' || *t == 'd'))
            return false;
    }
    return true;
}

static void check_date(const date_pattern *p, const uint8_t *s, size_t n)
{
    int32_t day = 12345;
    int64_t secs = 0;
    bool has_time = true;
    if (!date_parse(p, (const char *)s, n, &day, &secs, &has_time))
        return;
    check_ymd_day(day, "date_parse");
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    FUZZ_CHECK(y >= 1 && y <= 9999, "date_parse gave year %d", y);
    int64_t within = secs - (int64_t)day * 86400;
#ifdef FUZZ_KNOWN_FINDINGS
    if (p->excel_serial && within == 86400)
        within = 0;             /* finding 1 of fuzz/README.md */
#endif
    FUZZ_CHECK(within >= 0 && within < 86400,
               "pattern %s, text \"%.*s\": seconds %lld are %lld s from the start of day %d (%04d-%02d-%02d)",
               p->pattern, (int)n, (const char *)s, (long long)secs, (long long)within, (int)day, y, m, d);
    FUZZ_CHECK(has_time || within == 0, "pattern %s: seconds past midnight without a time", p->pattern);

    /* Through the ISO form and back. */
    char iso[11];
    date_format_iso(day, iso);
    date_pattern isop;
    FUZZ_CHECK(date_pattern_compile("yyyy-mm-dd", &isop), "ISO pattern refused");
    int32_t day2;
    int64_t secs2;
    bool t2;
    FUZZ_CHECK(date_parse(&isop, iso, strlen(iso), &day2, &secs2, &t2) && day2 == day && !t2,
               "ISO form %s of day %d does not read back", iso, (int)day);

    /* Through the pattern's own form and back. */
    if (!p->excel_serial) {
        char buf[128];
        if (format_in_pattern(p->pattern, y, m, d, buf, sizeof buf)) {
            bool ok = date_parse(p, buf, strlen(buf), &day2, &secs2, &t2);
            FUZZ_CHECK(ok && day2 == day && !t2 && secs2 == (int64_t)day * 86400,
                       "pattern %s: \"%s\" (written from %04d-%02d-%02d) reads back as %s day %d", p->pattern, buf,
                       y, m, d, ok ? "" : "nothing, not", (int)day2);
        }
    }
}

static int months_of(period_kind k)
{
    switch (k) {
    case PERIOD_MONTH: return 1;
    case PERIOD_QUARTER: return 3;
    case PERIOD_TERTIAL: return 4;
    case PERIOD_H8: return 8;
    case PERIOD_YEAR: return 12;
    }
    return -1;
}

static void check_period(const period *p, const char *text)
{
    FUZZ_CHECK(p->kind >= PERIOD_MONTH && p->kind <= PERIOD_YEAR, "\"%s\": kind %d", text, (int)p->kind);
    FUZZ_CHECK(p->start <= p->end, "\"%s\": start %d after end %d", text, (int)p->start, (int)p->end);
    FUZZ_CHECK(memchr(p->id, '\0', sizeof p->id) && p->id[0], "\"%s\": bad id", text);
    FUZZ_CHECK(period_month_count(p) == months_of(p->kind), "\"%s\" (%s): %d months", text, p->id,
               period_month_count(p));
    int y, m, d;
    date_to_ymd(p->start, &y, &m, &d);
    FUZZ_CHECK(d == 1 && y == p->year, "\"%s\" (%s) starts on %d-%d-%d", text, p->id, y, m, d);
    FUZZ_CHECK(date_month_end(p->end) == p->end, "\"%s\" (%s) does not end on a month's end", text, p->id);

    /* The id reads back as the same period (ids of years 1000-9999). */
    if (p->year >= 1000 && p->year <= 9999) {
        period q;
        FUZZ_CHECK(period_parse(p->id, 0, &q), "id %s of \"%s\" does not parse", p->id, text);
        FUZZ_CHECK(q.kind == p->kind && q.year == p->year && q.index == p->index && q.start == p->start &&
                       q.end == p->end && strcmp(q.id, p->id) == 0,
                   "id %s of \"%s\" parses to another period (%s)", p->id, text, q.id);
    }

    period prev = period_previous(p);
    FUZZ_CHECK(prev.kind == p->kind, "previous of %s changes the kind", p->id);
    FUZZ_CHECK(prev.start <= prev.end && prev.end < p->start, "previous of %s is %s, not before it", p->id, prev.id);
    if (p->kind != PERIOD_H8)
        FUZZ_CHECK(prev.end == p->start - 1, "previous of %s (%s) leaves a gap", p->id, prev.id);
    period ly = period_last_year(p);
    FUZZ_CHECK(ly.kind == p->kind && ly.index == p->index && ly.year == p->year - 1,
               "last year of %s is %s", p->id, ly.id);
    FUZZ_CHECK(ly.start == date_years_before(p->start, 1), "last year of %s starts on the wrong day", p->id);
    FUZZ_CHECK(period_month_count(&ly) == months_of(p->kind), "last year of %s has %d months", p->id,
               period_month_count(&ly));
}

/* Day numbers of 0001-01-01 and 9999-12-31. */
#define DAY_MIN (-719162)
#define DAY_MAX 2932896
#define DAY_1001 (-353920)   /* 1001-01-01 */

static void check_arithmetic(int32_t day, int months)
{
    check_ymd_day(day, "today");
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    if (total >= 12 && total < 10000 * 12) {
        int32_t r = date_add_months(day, months);
        check_ymd_day(r, "date_add_months");
        int ry, rm, rd;
        date_to_ymd(r, &ry, &rm, &rd);
        int dim = date_days_in_month(total / 12, total % 12 + 1);
        FUZZ_CHECK(ry * 12 + rm - 1 == total && rd == (d < dim ? d : dim),
                   "%04d-%02d-%02d + %d months = %04d-%02d-%02d", y, m, d, months, ry, rm, rd);
    }
    if (y >= 2) {
        int32_t r = date_years_before(day, 1);
        int ry, rm, rd;
        date_to_ymd(r, &ry, &rm, &rd);
        FUZZ_CHECK(ry == y - 1 && rm == m && (rd == d || (m == 2 && d == 29 && rd == 28)),
                   "a year before %04d-%02d-%02d is %04d-%02d-%02d", y, m, d, ry, rm, rd);
    }
    int32_t s = date_month_start(day), e = date_month_end(day);
    FUZZ_CHECK(s <= day && day <= e && e - s + 1 == date_days_in_month(y, m), "month of day %d", (int)day);
    int ey, em, ed;
    date_to_ymd(e + 1, &ey, &em, &ed);
    FUZZ_CHECK(ed == 1, "the day after the end of month %04d-%02d is not a first", y, m);
    period pm = period_month_of(day);
    FUZZ_CHECK(pm.kind == PERIOD_MONTH && pm.start == s && pm.end == e, "period_month_of(%d)", (int)day);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    const uint8_t mode = data[0];
    uint32_t t = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16;
    /* Any day of years 1-9999 for the arithmetic; "today" for the relative
     * periods lies in 1001-9999, so that last year's periods still have the
     * four-digit years period ids are made of. */
    int32_t day = DAY_MIN + (int32_t)(t % (uint32_t)(DAY_MAX - DAY_MIN + 1));
    int32_t today = DAY_1001 + (int32_t)(t % (uint32_t)(DAY_MAX - DAY_1001 + 1));
    int months = (int8_t)data[1] * 7;
    data += 4;
    size -= 4;

    date_pattern p;
    int which = mode & 7;
    if (which < 7) {
        FUZZ_CHECK(date_pattern_compile(patterns[which], &p), "pattern %s refused", patterns[which]);
    } else {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t plen = nl ? (size_t)(nl - data) : size;
        char *pt = xstrndup_fuzz(data, plen);
        bool ok = date_pattern_compile(pt, &p);
        free(pt);
        data += nl ? plen + 1 : plen;
        size -= nl ? plen + 1 : plen;
        if (!ok)
            return 0;
    }
    FUZZ_CHECK(memchr(p.pattern, '\0', sizeof p.pattern), "pattern not terminated");
    FUZZ_CHECK(p.excel_serial ? strcmp(p.pattern, "excel") == 0 : strstr(p.pattern, "yyyy") != NULL,
               "pattern \"%s\" compiled without a year", p.pattern);

    /* date_parse gets exactly size bytes: ASan catches any read past them. */
    uint8_t *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    check_date(&p, text, size);

    char *ctext = xstrndup_fuzz(data, size);
    period per;
    memset(&per, 0xA5, sizeof per);
    if (period_parse(ctext, today, &per))
        check_period(&per, ctext);
    free(ctext);
    free(text);

    check_arithmetic(day, months);
    return 0;
}
