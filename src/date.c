/*
 * date.c - day numbers, date patterns and report periods.
 *
 * Day numbers use Howard Hinnant's days_from_civil algorithm: exact for the
 * proleptic Gregorian calendar, no tables, no locale, no time zone.
 */
#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int32_t date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_to_ymd(int32_t day, int *y, int *m, int *d)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int date_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool date_valid_ymd(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m);
}

void date_format_iso(int32_t day, char buf[11])
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    /* Digits by hand: the compiler cannot prove snprintf fits 11 bytes. */
    unsigned uy = (unsigned)y % 10000, um = (unsigned)m % 100, ud = (unsigned)d % 100;
    buf[0] = (char)('0' + uy / 1000);
    buf[1] = (char)('0' + uy / 100 % 10);
    buf[2] = (char)('0' + uy / 10 % 10);
    buf[3] = (char)('0' + uy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + um / 10);
    buf[6] = (char)('0' + um % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + ud / 10);
    buf[9] = (char)('0' + ud % 10);
    buf[10] = '\0';
}

int32_t date_add_months(int32_t day, int months)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    m = total % 12 + 1;
    int dim = date_days_in_month(y, m);
    return date_from_ymd(y, m, d > dim ? dim : d);
}

int32_t date_years_before(int32_t day, int n) { return date_add_months(day, -12 * n); }

int32_t date_month_start(int32_t day)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    return date_from_ymd(y, m, 1);
}

int32_t date_month_end(int32_t day)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    return date_from_ymd(y, m, date_days_in_month(y, m));
}

/* ---------------------------------------------------------------- patterns */

bool date_pattern_compile(const char *text, date_pattern *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        text = "yyyy-mm-dd";
    if (strcmp(text, "excel") == 0) {
        out->excel_serial = true;
        strcpy(out->pattern, "excel");
        return true;
    }
    size_t n = strlen(text);
    if (n >= sizeof out->pattern)
        return false;
    /* A usable pattern names each of year, month and day exactly once. */
    int ys = 0, ms = 0, ds = 0;
    for (size_t i = 0; i < n;) {
        if (strncmp(text + i, "yyyy", 4) == 0) { ys++; i += 4; }
        else if (strncmp(text + i, "mm", 2) == 0) { ms++; i += 2; }
        else if (strncmp(text + i, "dd", 2) == 0) { ds++; i += 2; }
        else if (text[i] == 'm') { ms++; i++; }
        else if (text[i] == 'd') { ds++; i++; }
        else if (text[i] == 'y') return false;
        else i++;
    }
    if (ys != 1 || ms != 1 || ds != 1)
        return false;
    memcpy(out->pattern, text, n + 1);
    const char *y = strstr(text, "yyyy"), *m = strstr(text, "mm"), *d = strstr(text, "dd");
    if (m && d && strchr(text, 'm') == m && strrchr(text, 'm') == m + 1 &&
        strchr(text, 'd') == d && strrchr(text, 'd') == d + 1) {
        out->fixed_len = (uint8_t)n;
        out->ypos = (uint8_t)(y - text);
        out->mpos = (uint8_t)(m - text);
        out->dpos = (uint8_t)(d - text);
    }
    return true;
}

static int two_digits(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* The date of a fixed-width pattern, without a time; false when s does not
 * have the pattern's shape (then the general reader decides). */
static bool parse_fixed(const date_pattern *p, const char *s, size_t n, int *y, int *m, int *d)
{
    if (n != p->fixed_len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char t = p->pattern[i];
        bool digit = s[i] >= '0' && s[i] <= '9';
        if ((t == 'y' || t == 'm' || t == 'd') ? !digit : s[i] != t)
            return false;
    }
    *y = two_digits(s + p->ypos) * 100 + two_digits(s + p->ypos + 2);
    *m = two_digits(s + p->mpos);
    *d = two_digits(s + p->dpos);
    return true;
}

/* Read between min and max digits at s[*i]; false if fewer than min. */
static bool read_digits(const char *s, size_t n, size_t *i, int min, int max, int *out)
{
    int v = 0, k = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    *out = v;
    return k >= min;
}

static bool parse_time(const char *s, size_t n, size_t *i, int *secs)
{
    int hh, mm, ss = 0;
    if (!read_digits(s, n, i, 1, 2, &hh) || *i >= n || s[*i] != ':')
        return false;
    (*i)++;
    if (!read_digits(s, n, i, 2, 2, &mm))
        return false;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (!read_digits(s, n, i, 2, 2, &ss))
            return false;
        /* Fractions of a second, as some systems write them, are ignored. */
        if (*i < n && (s[*i] == '.' || s[*i] == ',')) {
            (*i)++;
            int frac;
            if (!read_digits(s, n, i, 1, 9, &frac))
                return false;
        }
    }
    if (hh > 23 || mm > 59 || ss > 59)
        return false;
    *secs = hh * 3600 + mm * 60 + ss;
    return true;
}

static bool parse_excel_serial(const char *s, size_t n, int32_t *day, int64_t *seconds, bool *has_time)
{
    /* Excel's day 1 is 1900-01-01 and it believes 1900 was a leap year, so
     * serials from 61 on are one day ahead; 60 (1900-02-29) does not exist. */
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (buf[i] == ',')
            buf[i] = '.';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !(v >= 1 && v < 2958466) || (v >= 60 && v < 61))
        return false;
    long whole = (long)v;
    int32_t base = date_from_ymd(1899, 12, 31);
    *day = base + (int32_t)whole - (whole > 60 ? 1 : 0);
    double frac = v - (double)whole;
    int64_t secs = (int64_t)(frac * 86400 + 0.5);
    if (secs >= 86400) {        /* 23:59:59.9 rounds to the next midnight: the next day */
        (*day)++;
        secs = 0;
    }
    *has_time = secs > 0;
    *seconds = (int64_t)*day * 86400 + secs;
    return true;
}

bool date_parse(const date_pattern *p, const char *s, size_t n,
                int32_t *day, int64_t *seconds, bool *has_time)
{
    *has_time = false;
    if (p->excel_serial)
        return parse_excel_serial(s, n, day, seconds, has_time);
    int y = 0, m = 0, d = 0;
    if (p->fixed_len && parse_fixed(p, s, n, &y, &m, &d)) {
        if (!date_valid_ymd(y, m, d))
            return false;
        *day = date_from_ymd(y, m, d);
        *seconds = (int64_t)*day * 86400;
        return true;
    }
    size_t i = 0;
    const char *t = p->pattern;
    while (*t) {
        bool ok;
        /* Character tests, not strncmp: this runs for every date of an export. */
        if (t[0] == 'y' && t[1] == 'y' && t[2] == 'y' && t[3] == 'y') { ok = read_digits(s, n, &i, 4, 4, &y); t += 4; }
        else if (t[0] == 'm' && t[1] == 'm') { ok = read_digits(s, n, &i, 2, 2, &m); t += 2; }
        else if (t[0] == 'd' && t[1] == 'd') { ok = read_digits(s, n, &i, 2, 2, &d); t += 2; }
        else if (*t == 'm') { ok = read_digits(s, n, &i, 1, 2, &m); t++; }
        else if (*t == 'd') { ok = read_digits(s, n, &i, 1, 2, &d); t++; }
        else { ok = i < n && s[i] == *t; i++; t++; }
        if (!ok)
            return false;
    }
    if (!date_valid_ymd(y, m, d))
        return false;
    *day = date_from_ymd(y, m, d);
    int secs = 0;
    if (i < n) {
        if (s[i] != ' ' && s[i] != 'T')
            return false;
        i++;
        if (!parse_time(s, n, &i, &secs) || i != n)
            return false;
        *has_time = true;
    }
    *seconds = (int64_t)*day * 86400 + secs;
    return true;
}

/* ---------------------------------------------------------------- periods */

period period_make(period_kind kind, int year, int index)
{
    period p = {.kind = kind, .year = year, .index = index};
    switch (kind) {
    case PERIOD_MONTH:
        p.start = date_from_ymd(year, index, 1);
        p.end = date_from_ymd(year, index, date_days_in_month(year, index));
        snprintf(p.id, sizeof p.id, "%04d-%02d", year, index);
        break;
    case PERIOD_QUARTER:
        p.start = date_from_ymd(year, 3 * index - 2, 1);
        p.end = date_month_end(date_from_ymd(year, 3 * index, 1));
        snprintf(p.id, sizeof p.id, "%04d-Q%d", year, index);
        break;
    case PERIOD_TERTIAL:
        p.start = date_from_ymd(year, 4 * index - 3, 1);
        p.end = date_month_end(date_from_ymd(year, 4 * index, 1));
        snprintf(p.id, sizeof p.id, "%04d-T%d", year, index);
        break;
    case PERIOD_H8:
        p.start = date_from_ymd(year, 1, 1);
        p.end = date_from_ymd(year, 8, 31);
        snprintf(p.id, sizeof p.id, "%04d-H8", year);
        break;
    case PERIOD_YEAR:
        p.start = date_from_ymd(year, 1, 1);
        p.end = date_from_ymd(year, 12, 31);
        snprintf(p.id, sizeof p.id, "%04d", year);
        break;
    }
    return p;
}

static period period_containing(period_kind kind, int32_t day)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    switch (kind) {
    case PERIOD_MONTH: return period_make(kind, y, m);
    case PERIOD_QUARTER: return period_make(kind, y, (m - 1) / 3 + 1);
    case PERIOD_TERTIAL: return period_make(kind, y, (m - 1) / 4 + 1);
    default: return period_make(kind, y, 0);
    }
}

period period_previous(const period *p)
{
    switch (p->kind) {
    case PERIOD_H8:
    case PERIOD_YEAR: return period_make(p->kind, p->year - 1, 0);
    default: return period_containing(p->kind, p->start - 1);
    }
}

period period_last_year(const period *p) { return period_make(p->kind, p->year - 1, p->index); }

period period_month_of(int32_t day) { return period_containing(PERIOD_MONTH, day); }

int period_month_count(const period *p)
{
    int y1, m1, d1, y2, m2, d2;
    date_to_ymd(p->start, &y1, &m1, &d1);
    date_to_ymd(p->end, &y2, &m2, &d2);
    return (y2 - y1) * 12 + (m2 - m1) + 1;
}

static bool parse_relative(const char *s, int32_t today, period *out)
{
    static const struct {
        const char *name;
        period_kind kind;
        bool last;
    } names[] = {
        {"last-month", PERIOD_MONTH, true},     {"current-month", PERIOD_MONTH, false},
        {"last-quarter", PERIOD_QUARTER, true}, {"current-quarter", PERIOD_QUARTER, false},
        {"last-tertial", PERIOD_TERTIAL, true}, {"current-tertial", PERIOD_TERTIAL, false},
        {"last-year", PERIOD_YEAR, true},       {"current-year", PERIOD_YEAR, false},
        {"last-H8", PERIOD_H8, true},           {"current-H8", PERIOD_H8, false},
        {"H8", PERIOD_H8, false},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) != 0)
            continue;
        period p = period_containing(names[i].kind, today);
        *out = names[i].last ? period_previous(&p) : p;
        return true;
    }
    return false;
}

bool period_parse(const char *s, int32_t today, period *out)
{
    if (parse_relative(s, today, out))
        return true;
    size_t n = strlen(s);
    size_t i = 0;
    int year;
    if (!read_digits(s, n, &i, 4, 4, &year) || year < 1000)
        return false;
    if (i == n) {
        *out = period_make(PERIOD_YEAR, year, 0);
        return true;
    }
    if (s[i++] != '-' || i >= n)
        return false;
    char tag = s[i];
    int k;
    if (tag >= '0' && tag <= '9') {
        if (!read_digits(s, n, &i, 2, 2, &k) || i != n || k < 1 || k > 12)
            return false;
        *out = period_make(PERIOD_MONTH, year, k);
        return true;
    }
    i++;
    if (!read_digits(s, n, &i, 1, 1, &k) || i != n)
        return false;
    if ((tag == 'Q' || tag == 'q') && k >= 1 && k <= 4)
        *out = period_make(PERIOD_QUARTER, year, k);
    else if ((tag == 'T' || tag == 't') && k >= 1 && k <= 3)
        *out = period_make(PERIOD_TERTIAL, year, k);
    else if ((tag == 'H' || tag == 'h') && k == 8)
        *out = period_make(PERIOD_H8, year, 0);
    else
        return false;
    return true;
}

int32_t date_today(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now;
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        now = *end ? time(NULL) : (time_t)v;
    } else {
        now = time(NULL);
    }
    struct tm tm;
    localtime_r(&now, &tm);
    return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
