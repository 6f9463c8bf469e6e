/*
 * test_date.c - day numbers, the date patterns of the exports, Excel
 * serials, "N years before", and the periods of spec §2.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "date.h"

static int32_t ymd(int y, int m, int d) { return date_from_ymd(y, m, d); }

static void iso_is(int32_t day, const char *want)
{
    char buf[11];
    date_format_iso(day, buf);
    assert_string_equal(buf, want);
}

/* ---------------------------------------------------------------- day numbers */

static void test_ymd_known_days(void **state)
{
    (void)state;
    assert_int_equal(ymd(1970, 1, 1), 0);
    assert_int_equal(ymd(1970, 1, 2), 1);
    assert_int_equal(ymd(1969, 12, 31), -1);
    assert_int_equal(ymd(2000, 3, 1), 11017);     /* 30 years + 7 leap days + Jan + Feb(29) */
    assert_int_equal(ymd(2024, 2, 29) + 1, ymd(2024, 3, 1));
    assert_int_equal(ymd(2023, 2, 28) + 1, ymd(2023, 3, 1));
    assert_int_equal(ymd(2100, 2, 28) + 1, ymd(2100, 3, 1));   /* 2100 is no leap year */
    assert_int_equal(ymd(2000, 2, 29) + 1, ymd(2000, 3, 1));   /* 2000 is */
    assert_int_equal(ymd(2026, 12, 31) - ymd(2026, 1, 1), 364);
    assert_int_equal(ymd(2028, 12, 31) - ymd(2028, 1, 1), 365);
    iso_is(ymd(2026, 10, 1), "2026-10-01");
    iso_is(ymd(1, 1, 1), "0001-01-01");
    iso_is(ymd(9999, 12, 31), "9999-12-31");
}

static void test_ymd_round_trip(void **state)
{
    (void)state;
    /* every day from 1600-01-01 to 2400-12-31: from -> to -> from */
    int32_t first = ymd(1600, 1, 1), last = ymd(2400, 12, 31);
    int py = 1599, pm = 12, pd = 31;
    for (int32_t day = first; day <= last; day++) {
        int y, m, d;
        date_to_ymd(day, &y, &m, &d);
        assert_true(date_valid_ymd(y, m, d));
        if (ymd(y, m, d) != day)
            fail_msg("day %d -> %04d-%02d-%02d -> %d", day, y, m, d, ymd(y, m, d));
        /* consecutive: the next calendar day of the previous one */
        bool next = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1 && pd == date_days_in_month(py, pm)) ||
                    (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
        if (!next)
            fail_msg("%04d-%02d-%02d does not follow %04d-%02d-%02d", y, m, d, py, pm, pd);
        py = y, pm = m, pd = d;
    }
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2023, 2), 28);
    assert_int_equal(date_days_in_month(1900, 2), 28);
    assert_int_equal(date_days_in_month(2000, 2), 29);
    assert_int_equal(date_days_in_month(2026, 4), 30);
    assert_int_equal(date_days_in_month(2026, 12), 31);
}

/* ---------------------------------------------------------------- date_parse */

typedef struct {
    bool ok;
    int32_t day;
    int64_t secs;
    bool has_time;
} parsed;

static parsed parse(const char *pattern, const char *s)
{
    date_pattern p;
    if (!date_pattern_compile(pattern, &p))
        fail_msg("pattern %s does not compile", pattern);
    parsed r = {0};
    r.ok = date_parse(&p, s, strlen(s), &r.day, &r.secs, &r.has_time);
    return r;
}

static void parses_to(const char *pattern, const char *s, int y, int m, int d)
{
    parsed r = parse(pattern, s);
    if (!r.ok)
        fail_msg("%s with %s: rejected", s, pattern);
    if (r.day != ymd(y, m, d)) {
        char buf[11];
        date_format_iso(r.day, buf);
        fail_msg("%s with %s: %s, expected %04d-%02d-%02d", s, pattern, buf, y, m, d);
    }
    assert_false(r.has_time);
    assert_int_equal(r.secs, (int64_t)r.day * 86400);
}

static void rejected(const char *pattern, const char *s)
{
    if (parse(pattern, s).ok)
        fail_msg("%s with %s: accepted", s, pattern);
}

static void test_parse_patterns(void **state)
{
    (void)state;
    parses_to("dd.mm.yyyy", "05.03.2024", 2024, 3, 5);
    parses_to("dd.mm.yyyy", "31.12.2026", 2026, 12, 31);
    rejected("dd.mm.yyyy", "5.3.2024");          /* dd and mm are exactly two digits */
    parses_to("d.m.yyyy", "5.3.2024", 2024, 3, 5);
    parses_to("d.m.yyyy", "05.03.2024", 2024, 3, 5);
    parses_to("d.m.yyyy", "15.10.2024", 2024, 10, 15);
    parses_to("yyyy-mm-dd", "2024-03-05", 2024, 3, 5);
    rejected("yyyy-mm-dd", "24-03-05");
    rejected("yyyy-mm-dd", "2024/03/05");        /* literals must match */
    parses_to("dd/mm/yyyy", "05/03/2024", 2024, 3, 5);
    parses_to("mm/dd/yyyy", "03/05/2024", 2024, 3, 5);
    parses_to("yyyymmdd", "20240305", 2024, 3, 5);
    rejected("yyyy-mm-dd", "2024-03-05x");       /* trailing text */
    rejected("yyyy-mm-dd", "");
    /* the default pattern */
    date_pattern p;
    assert_true(date_pattern_compile(NULL, &p));
    assert_string_equal(p.pattern, "yyyy-mm-dd");
    /* patterns that do not name year, month and day once each */
    assert_false(date_pattern_compile("yyyy-mm", &p));
    assert_false(date_pattern_compile("dd.mm.yy", &p));
    assert_false(date_pattern_compile("dd.mm.yyyy.dd", &p));
}

static void test_parse_times(void **state)
{
    (void)state;
    int32_t day = ymd(2024, 3, 5);
    parsed r = parse("dd.mm.yyyy", "05.03.2024 14:30");
    assert_true(r.ok);
    assert_true(r.has_time);
    assert_int_equal(r.day, day);
    assert_int_equal(r.secs, (int64_t)day * 86400 + 14 * 3600 + 30 * 60);
    r = parse("yyyy-mm-dd", "2024-03-05T14:30:15");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, (int64_t)day * 86400 + 14 * 3600 + 30 * 60 + 15);
    r = parse("yyyy-mm-dd", "2024-03-05 00:00");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, (int64_t)day * 86400);
    r = parse("yyyy-mm-dd", "2024-03-05 23:59:59");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, (int64_t)day * 86400 + 86399);
    r = parse("d.m.yyyy", "5.3.2024T08:05");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, (int64_t)day * 86400 + 8 * 3600 + 5 * 60);
    r = parse("dd/mm/yyyy", "05/03/2024 08:05:09");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, (int64_t)day * 86400 + 8 * 3600 + 5 * 60 + 9);
    /* impossible or broken times */
    rejected("yyyy-mm-dd", "2024-03-05 24:00");
    rejected("yyyy-mm-dd", "2024-03-05 23:60");
    rejected("yyyy-mm-dd", "2024-03-05 23:59:60");
    rejected("yyyy-mm-dd", "2024-03-05 12");
    rejected("yyyy-mm-dd", "2024-03-05 12:5");
    rejected("yyyy-mm-dd", "2024-03-05X12:00");
    rejected("yyyy-mm-dd", "2024-03-05 12:00 ");
}

static void test_parse_impossible_dates(void **state)
{
    (void)state;
    rejected("dd.mm.yyyy", "31.04.2024");        /* April has 30 days */
    rejected("yyyy-mm-dd", "2023-02-30");
    rejected("dd.mm.yyyy", "29.02.2023");        /* 2023 is no leap year */
    rejected("yyyy-mm-dd", "1900-02-29");        /* nor is 1900 */
    rejected("yyyy-mm-dd", "2024-13-01");
    rejected("yyyy-mm-dd", "2024-00-10");
    rejected("yyyy-mm-dd", "2024-01-00");
    rejected("yyyy-mm-dd", "2024-01-32");
    rejected("yyyy-mm-dd", "0000-01-01");
    parses_to("dd.mm.yyyy", "29.02.2024", 2024, 2, 29);
    parses_to("yyyy-mm-dd", "2000-02-29", 2000, 2, 29);
    parses_to("dd.mm.yyyy", "30.04.2024", 2024, 4, 30);
}

static void test_excel_serial(void **state)
{
    (void)state;
    date_pattern p;
    assert_true(date_pattern_compile("excel", &p));
    assert_true(p.excel_serial);
    parses_to("excel", "45000", 2023, 3, 15);
    parses_to("excel", "1", 1900, 1, 1);
    parses_to("excel", "59", 1900, 2, 28);
    rejected("excel", "60");                     /* Excel's 1900-02-29 never was */
    parses_to("excel", "61", 1900, 3, 1);
    parses_to("excel", "46296", 2026, 10, 1);
    rejected("excel", "0");
    rejected("excel", "-5");
    rejected("excel", "abc");
    rejected("excel", "45000x");
    rejected("excel", "");
    parsed r = parse("excel", "45000.5");        /* noon */
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.day, ymd(2023, 3, 15));
    assert_int_equal(r.secs, (int64_t)r.day * 86400 + 12 * 3600);
    r = parse("excel", "45000,25");              /* decimal comma: 06:00 */
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, (int64_t)r.day * 86400 + 6 * 3600);
}

/* ---------------------------------------------------------------- arithmetic */

static void test_years_before(void **state)
{
    (void)state;
    iso_is(date_years_before(ymd(2028, 2, 29), 2), "2026-02-28");   /* 29 Feb becomes 28 Feb */
    iso_is(date_years_before(ymd(2028, 2, 29), 1), "2027-02-28");
    iso_is(date_years_before(ymd(2028, 2, 29), 3), "2025-02-28");
    iso_is(date_years_before(ymd(2026, 10, 31), 2), "2024-10-31");
    iso_is(date_years_before(ymd(2026, 3, 1), 2), "2024-03-01");
    iso_is(date_years_before(ymd(2025, 2, 28), 1), "2024-02-28");   /* not the 29th */
    iso_is(date_years_before(ymd(2026, 1, 1), 0), "2026-01-01");
    iso_is(date_add_months(ymd(2026, 1, 31), 1), "2026-02-28");
    iso_is(date_add_months(ymd(2024, 3, 31), -1), "2024-02-29");
    iso_is(date_add_months(ymd(2026, 12, 15), 1), "2027-01-15");
    iso_is(date_add_months(ymd(2026, 1, 15), -1), "2025-12-15");
    iso_is(date_add_months(ymd(2026, 1, 15), -13), "2024-12-15");
    iso_is(date_month_start(ymd(2028, 2, 17)), "2028-02-01");
    iso_is(date_month_end(ymd(2028, 2, 17)), "2028-02-29");
    iso_is(date_month_end(ymd(2026, 2, 1)), "2026-02-28");
}

/* ---------------------------------------------------------------- periods */

static void period_is(const period *p, const char *id, const char *start, const char *end)
{
    assert_string_equal(p->id, id);
    iso_is(p->start, start);
    iso_is(p->end, end);
}

static period parse_period(const char *s, int32_t today)
{
    period p;
    memset(&p, 0, sizeof p);
    if (!period_parse(s, today, &p))
        fail_msg("period %s rejected", s);
    return p;
}

static void test_period_parse_absolute(void **state)
{
    (void)state;
    int32_t today = ymd(2026, 11, 22);
    period p = parse_period("2026-10", today);
    assert_int_equal(p.kind, PERIOD_MONTH);
    assert_int_equal(p.year, 2026);
    assert_int_equal(p.index, 10);
    period_is(&p, "2026-10", "2026-10-01", "2026-10-31");
    p = parse_period("2028-02", today);
    period_is(&p, "2028-02", "2028-02-01", "2028-02-29");
    p = parse_period("2026-01", today);
    period_is(&p, "2026-01", "2026-01-01", "2026-01-31");
    p = parse_period("2026-Q1", today);
    assert_int_equal(p.kind, PERIOD_QUARTER);
    period_is(&p, "2026-Q1", "2026-01-01", "2026-03-31");
    p = parse_period("2026-Q3", today);
    period_is(&p, "2026-Q3", "2026-07-01", "2026-09-30");
    p = parse_period("2026-Q4", today);
    period_is(&p, "2026-Q4", "2026-10-01", "2026-12-31");
    p = parse_period("2026-T1", today);
    assert_int_equal(p.kind, PERIOD_TERTIAL);
    period_is(&p, "2026-T1", "2026-01-01", "2026-04-30");
    p = parse_period("2026-T2", today);
    period_is(&p, "2026-T2", "2026-05-01", "2026-08-31");
    p = parse_period("2026-T3", today);
    period_is(&p, "2026-T3", "2026-09-01", "2026-12-31");
    p = parse_period("2026-H8", today);
    assert_int_equal(p.kind, PERIOD_H8);
    period_is(&p, "2026-H8", "2026-01-01", "2026-08-31");
    p = parse_period("2026", today);
    assert_int_equal(p.kind, PERIOD_YEAR);
    period_is(&p, "2026", "2026-01-01", "2026-12-31");

    static const char *const bad[] = {
        "2026-13", "2026-00", "2026-1", "2026-100", "2026-Q0", "2026-Q5", "2026-T0", "2026-T4",
        "2026-H7", "2026-H", "26-10", "2026-", "", "2026-10-01", "abcd", "next-month", "2026-X1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        period q;
        if (period_parse(bad[i], today, &q))
            fail_msg("period \"%s\" accepted as %s", bad[i], q.id);
    }
}

static void test_period_parse_relative(void **state)
{
    (void)state;
    int32_t today = ymd(2026, 1, 15);
    static const struct { const char *in, *id; } jan[] = {
        {"last-month", "2025-12"},     {"current-month", "2026-01"},
        {"last-quarter", "2025-Q4"},   {"current-quarter", "2026-Q1"},
        {"last-tertial", "2025-T3"},   {"current-tertial", "2026-T1"},
        {"H8", "2026-H8"},             {"current-H8", "2026-H8"},
        {"last-H8", "2025-H8"},        {"current-year", "2026"},
        {"last-year", "2025"},
    };
    for (size_t i = 0; i < sizeof jan / sizeof jan[0]; i++) {
        period p = parse_period(jan[i].in, today);
        if (strcmp(p.id, jan[i].id) != 0)
            fail_msg("%s on 2026-01-15: %s, expected %s", jan[i].in, p.id, jan[i].id);
    }
    today = ymd(2026, 5, 1);   /* the first day of T2 and of May */
    static const struct { const char *in, *id; } may[] = {
        {"last-month", "2026-04"},     {"current-month", "2026-05"},
        {"last-quarter", "2026-Q1"},   {"current-quarter", "2026-Q2"},
        {"last-tertial", "2026-T1"},   {"current-tertial", "2026-T2"},
        {"last-year", "2025"},
    };
    for (size_t i = 0; i < sizeof may / sizeof may[0]; i++) {
        period p = parse_period(may[i].in, today);
        if (strcmp(p.id, may[i].id) != 0)
            fail_msg("%s on 2026-05-01: %s, expected %s", may[i].in, p.id, may[i].id);
    }
    period p = parse_period("last-month", ymd(2028, 3, 31));
    period_is(&p, "2028-02", "2028-02-01", "2028-02-29");
}

static void test_period_previous_last_year(void **state)
{
    (void)state;
    period p = period_make(PERIOD_MONTH, 2026, 1);
    period q = period_previous(&p);
    period_is(&q, "2025-12", "2025-12-01", "2025-12-31");
    q = period_last_year(&p);
    period_is(&q, "2025-01", "2025-01-01", "2025-01-31");
    p = period_make(PERIOD_MONTH, 2025, 2);
    q = period_last_year(&p);           /* February 2025 against February 2024 */
    period_is(&q, "2024-02", "2024-02-01", "2024-02-29");
    p = period_make(PERIOD_MONTH, 2028, 3);
    q = period_previous(&p);
    period_is(&q, "2028-02", "2028-02-01", "2028-02-29");

    p = period_make(PERIOD_QUARTER, 2026, 1);
    q = period_previous(&p);            /* Q1 -> the previous year's Q4 */
    period_is(&q, "2025-Q4", "2025-10-01", "2025-12-31");
    q = period_last_year(&p);
    period_is(&q, "2025-Q1", "2025-01-01", "2025-03-31");
    p = period_make(PERIOD_QUARTER, 2026, 3);
    q = period_previous(&p);
    period_is(&q, "2026-Q2", "2026-04-01", "2026-06-30");

    p = period_make(PERIOD_TERTIAL, 2026, 1);
    q = period_previous(&p);            /* T1 -> the previous year's T3 */
    period_is(&q, "2025-T3", "2025-09-01", "2025-12-31");
    q = period_last_year(&p);
    period_is(&q, "2025-T1", "2025-01-01", "2025-04-30");
    p = period_make(PERIOD_TERTIAL, 2026, 3);
    q = period_previous(&p);
    period_is(&q, "2026-T2", "2026-05-01", "2026-08-31");

    p = period_make(PERIOD_H8, 2026, 0);
    q = period_previous(&p);            /* H8 has none: last year's H8 */
    period_is(&q, "2025-H8", "2025-01-01", "2025-08-31");
    q = period_last_year(&p);
    period_is(&q, "2025-H8", "2025-01-01", "2025-08-31");

    p = period_make(PERIOD_YEAR, 2026, 0);
    q = period_previous(&p);
    period_is(&q, "2025", "2025-01-01", "2025-12-31");
    q = period_last_year(&p);
    period_is(&q, "2025", "2025-01-01", "2025-12-31");

    /* through period_parse too */
    p = parse_period("2026-T1", ymd(2026, 11, 22));
    q = period_previous(&p);
    assert_string_equal(q.id, "2025-T3");
    p = parse_period("2026-H8", ymd(2026, 11, 22));
    q = period_previous(&p);
    assert_string_equal(q.id, "2025-H8");
    q = period_month_of(ymd(2028, 2, 29));
    period_is(&q, "2028-02", "2028-02-01", "2028-02-29");
}

static void test_period_month_count(void **state)
{
    (void)state;
    int32_t today = ymd(2026, 11, 22);
    static const struct { const char *id; int n; } want[] = {
        {"2026-10", 1}, {"2028-02", 1}, {"2026-Q1", 3}, {"2026-Q4", 3}, {"2026-T1", 4},
        {"2026-T3", 4}, {"2026-H8", 8}, {"2026", 12},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        period p = parse_period(want[i].id, today);
        if (period_month_count(&p) != want[i].n)
            fail_msg("%s: %d months, expected %d", want[i].id, period_month_count(&p), want[i].n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ymd_known_days),
        cmocka_unit_test(test_ymd_round_trip),
        cmocka_unit_test(test_parse_patterns),
        cmocka_unit_test(test_parse_times),
        cmocka_unit_test(test_parse_impossible_dates),
        cmocka_unit_test(test_excel_serial),
        cmocka_unit_test(test_years_before),
        cmocka_unit_test(test_period_parse_absolute),
        cmocka_unit_test(test_period_parse_relative),
        cmocka_unit_test(test_period_previous_last_year),
        cmocka_unit_test(test_period_month_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
