/*
 * test_date_more.c - the corners of date.c (issue 8, branch coverage):
 * day numbers before year 1 (date_from_ymd has no range check), patterns
 * that are empty, too long or name a part twice, fractional seconds and
 * broken times, Excel serials at the edges, the period parser's lower-case
 * tags and refusals, and SOURCE_DATE_EPOCH in date_today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "date.h"

static void iso_is(int32_t day, const char *want)
{
    char buf[11];
    date_format_iso(day, buf);
    assert_string_equal(buf, want);
}

typedef struct {
    bool ok, has_time;
    int32_t day;
    int64_t secs;
} parsed;

static parsed parse(const char *pattern, const char *s)
{
    date_pattern p;
    if (!date_pattern_compile(pattern, &p))
        fail_msg("pattern %s refused", pattern);
    parsed r = {0};
    r.ok = date_parse(&p, s, strlen(s), &r.day, &r.secs, &r.has_time);
    return r;
}

static void rejected(const char *pattern, const char *s)
{
    if (parse(pattern, s).ok)
        fail_msg("%s with %s: accepted", s, pattern);
}

/* Proleptic Gregorian before year 1: 0000 is a leap year, 1 BC. */
static void test_days_before_year_one(void **state)
{
    (void)state;
    assert_int_equal(date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(date_from_ymd(1, 1, 1), -719162);
    assert_int_equal(date_from_ymd(0, 3, 1), -719468);
    assert_int_equal(date_from_ymd(0, 2, 29), -719469);
    assert_int_equal(date_from_ymd(0, 1, 1), -719528);
    assert_int_equal(date_from_ymd(-1, 12, 31), -719529);
    assert_int_equal(date_from_ymd(-400, 1, 1), -719528 - 146097);
    int y, m, d;
    date_to_ymd(-719469, &y, &m, &d);
    assert_true(y == 0 && m == 2 && d == 29);
    date_to_ymd(-719529, &y, &m, &d);
    assert_true(y == -1 && m == 12 && d == 31);
    date_to_ymd(-719528 - 146097, &y, &m, &d);
    assert_true(y == -400 && m == 1 && d == 1);
    /* date_valid_ymd: the years 1 to 9999 only */
    assert_true(date_valid_ymd(9999, 12, 31));
    assert_false(date_valid_ymd(10000, 1, 1));
    assert_false(date_valid_ymd(0, 1, 1));
    assert_false(date_valid_ymd(2024, 0, 1));
    assert_false(date_valid_ymd(2024, 13, 1));
    assert_false(date_valid_ymd(2024, 1, 0));
    assert_false(date_valid_ymd(2023, 2, 29));
    /* Round trip over four centuries before year 1. */
    for (int32_t day = -719528 - 146097; day < -719162; day += 7) {
        date_to_ymd(day, &y, &m, &d);
        assert_int_equal(date_from_ymd(y, m, d), day);
    }
}

static void test_patterns(void **state)
{
    (void)state;
    date_pattern p;
    /* empty means the default */
    assert_true(date_pattern_compile("", &p));
    assert_string_equal(p.pattern, "yyyy-mm-dd");
    assert_false(p.excel_serial);
    /* 31 characters fit, 32 do not */
    char text[40];
    memset(text, '_', sizeof text);
    memcpy(text, "yyyy-mm-dd", 10);
    text[31] = '\0';
    assert_true(date_pattern_compile(text, &p));
    assert_string_equal(p.pattern, text);
    text[31] = '_';
    text[32] = '\0';
    assert_false(date_pattern_compile(text, &p));
    assert_string_equal(p.pattern, "");
    /* each of year, month and day exactly once */
    assert_false(date_pattern_compile("mm-dd", &p));            /* no year */
    assert_false(date_pattern_compile("yyyy-dd", &p));          /* no month */
    assert_false(date_pattern_compile("yyyy-mm-dd yyyy", &p));  /* two years */
    assert_false(date_pattern_compile("yyyy-m-mm-dd", &p));     /* two months */
    assert_false(date_pattern_compile("yyyy-mm-d-dd", &p));     /* two days */
    assert_false(date_pattern_compile("yyyyy-mm-dd", &p));      /* a stray y */
    /* Fixed-width patterns: digits where the pattern has y, m and d, the
     * literals elsewhere; anything else is not a date. */
    parsed f = parse("dd.mm.yyyy", "05.03.2024");
    assert_true(f.ok && !f.has_time);
    iso_is(f.day, "2024-03-05");
    assert_int_equal(f.secs, (int64_t)f.day * 86400);
    f = parse("mm/dd/yyyy", "12/31/9999");
    assert_true(f.ok);
    iso_is(f.day, "9999-12-31");
    f = parse("yyyymmdd", "00010101");
    assert_true(f.ok);
    iso_is(f.day, "0001-01-01");
    rejected("yyyy-mm-dd", "2024-0a-05");
    rejected("yyyy-mm-dd", "2024-03-0x");
    rejected("yyyy-mm-dd", "x024-03-05");
    rejected("yyyy-mm-dd", "2024.03.05");
    rejected("yyyy-mm-dd", "2024-02-30");
    rejected("yyyymmdd", "20241301");
    rejected("yyyymmdd", "00000101");
    rejected("dd.mm.yyyy", "5.03.2024 ");
    rejected("yyyy-mm-dd", "2024-03");                /* ends before a literal */
    rejected("d.m.yyyy", "5.3");
    f = parse("dd.mm.yyyy", "05.03.2024 07:08");   /* longer: with a time */
    assert_true(f.ok && f.has_time);
    assert_int_equal(f.secs, (int64_t)f.day * 86400 + 7 * 3600 + 8 * 60);
    assert_true(date_pattern_compile("[yyyy|m|d]", &p));
    parsed r = parse("[yyyy|m|d]", "[2026|7|4]");
    assert_true(r.ok);
    iso_is(r.day, "2026-07-04");
}

static void test_fractional_seconds(void **state)
{
    (void)state;
    int32_t day = date_from_ymd(2024, 3, 5);
    int64_t at = (int64_t)day * 86400 + 14 * 3600 + 30 * 60 + 15;
    parsed r = parse("yyyy-mm-dd", "2024-03-05 14:30:15.123");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, at);                     /* the fraction is dropped */
    r = parse("yyyy-mm-dd", "2024-03-05T14:30:15,5");
    assert_true(r.ok && r.has_time);
    assert_int_equal(r.secs, at);
    r = parse("yyyy-mm-dd", "2024-03-05 14:30:15.123456789");
    assert_true(r.ok);
    assert_int_equal(r.secs, at);
    rejected("yyyy-mm-dd", "2024-03-05 14:30:15.");            /* no digits after the point */
    rejected("yyyy-mm-dd", "2024-03-05 14:30:15.1234567890");  /* ten digits: one left over */
    rejected("yyyy-mm-dd", "2024-03-05 14:30:15:01");
    rejected("yyyy-mm-dd", "2024-03-05 14:30.5");              /* a fraction needs seconds */
    rejected("yyyy-mm-dd", "2024-03-05 14:30:1");              /* seconds are two digits */
    rejected("yyyy-mm-dd", "2024-03-05 14:30:");
    rejected("yyyy-mm-dd", "2024-03-05 :30");                  /* no hour */
    rejected("yyyy-mm-dd", "2024-03-05 ");
    rejected("yyyy-mm-dd", "2024-03-05 14");                   /* hour, then nothing */
    rejected("yyyy-mm-dd", "2024-03-05 14.30");
}

static void test_excel_edges(void **state)
{
    (void)state;
    rejected("excel", "60.5");                      /* anywhere in the missing day */
    rejected("excel", "2958466");                   /* after 9999-12-31 */
    parsed r = parse("excel", "2958465");
    assert_true(r.ok && !r.has_time);
    iso_is(r.day, "9999-12-31");
    r = parse("excel", "59.999");                    /* 23:58:33.6 -> 23:58:34 */
    assert_true(r.ok && r.has_time);
    iso_is(r.day, "1900-02-28");
    assert_int_equal(r.secs - (int64_t)r.day * 86400, 86314);
    /* 23:59:59.99 rounds to the next midnight: the next day, no time */
    r = parse("excel", "45000.9999999");
    assert_true(r.ok);
    assert_false(r.has_time);
    iso_is(r.day, "2023-03-16");
    assert_int_equal(r.secs, (int64_t)r.day * 86400);
    /* 31 characters are read, 32 are too many */
    rejected("excel", "45000.000000000000000000000000000");
    r = parse("excel", "45000.0000000000000000000000000");
    assert_true(r.ok);
    iso_is(r.day, "2023-03-15");
}

static void test_period_tags(void **state)
{
    (void)state;
    int32_t today = date_from_ymd(2026, 11, 22);
    period p;
    /* lower-case tags are the same periods, with canonical ids */
    assert_true(period_parse("2026-q3", today, &p));
    assert_string_equal(p.id, "2026-Q3");
    assert_int_equal(p.kind, PERIOD_QUARTER);
    assert_true(period_parse("2026-t2", today, &p));
    assert_string_equal(p.id, "2026-T2");
    assert_true(period_parse("2026-h8", today, &p));
    assert_string_equal(p.id, "2026-H8");
    iso_is(p.end, "2026-08-31");
    assert_true(period_parse("1000", today, &p));
    assert_string_equal(p.id, "1000");
    static const char *const bad[] = {
        "0999", "0999-10", "2026x10", "2026/Q1", "2026-/1", "2026-q5", "2026-t4", "2026-h7", "2026-Q", "2026-Q12",
        "2026-QQ", "2026-H88", "2026-W1", "2026-10x", "20261", "H9", "last-week",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        period q;
        if (period_parse(bad[i], today, &q))
            fail_msg("period \"%s\" accepted as %s", bad[i], q.id);
    }
}

/* date_today: SOURCE_DATE_EPOCH when it is a number, else the clock. */
static void test_today_source_date_epoch(void **state)
{
    (void)state;
    const char *saved = getenv("SOURCE_DATE_EPOCH");
    char *keep = saved ? strdup(saved) : NULL;
    unsetenv("SOURCE_DATE_EPOCH");
    int32_t clock_today = date_today();
    /* Noon UTC: the same day in every time zone within 12 hours. */
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)date_from_ymd(2026, 10, 22) * 86400 + 43200);
    setenv("SOURCE_DATE_EPOCH", v, 1);
    iso_is(date_today(), "2026-10-22");
    setenv("SOURCE_DATE_EPOCH", "0x10", 1);          /* not a decimal number: the clock */
    int32_t t = date_today();
    assert_true(t == clock_today || t == clock_today + 1);
    setenv("SOURCE_DATE_EPOCH", "", 1);               /* empty: the clock */
    t = date_today();
    assert_true(t == clock_today || t == clock_today + 1);
    if (keep) {
        setenv("SOURCE_DATE_EPOCH", keep, 1);
        free(keep);
    } else {
        unsetenv("SOURCE_DATE_EPOCH");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_before_year_one),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_fractional_seconds),
        cmocka_unit_test(test_excel_edges),
        cmocka_unit_test(test_period_tags),
        cmocka_unit_test(test_today_source_date_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
