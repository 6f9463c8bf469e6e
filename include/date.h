/*
 * date.h - calendar arithmetic on day numbers, the date formats of the
 * exports, and the report periods of spec §2.
 *
 * A day is an int32_t counting days since 1970-01-01 (proleptic Gregorian);
 * DATE_NONE marks an absent date.  A date-time is an int64_t of seconds since
 * 1970-01-01T00:00 local wall clock (no time zones), DATETIME_NONE if absent.
 */
#ifndef KV_DATE_H
#define KV_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATE_NONE INT32_MIN
#define DATETIME_NONE INT64_MIN

int32_t date_from_ymd(int y, int m, int d);          /* no range check */
void date_to_ymd(int32_t day, int *y, int *m, int *d);
bool date_valid_ymd(int y, int m, int d);
int date_days_in_month(int y, int m);
/* "yyyy-mm-dd" into buf (11 bytes). */
void date_format_iso(int32_t day, char buf[11]);
/* Same month and day n years earlier; 29 February becomes 28 February. */
int32_t date_years_before(int32_t day, int n);
int32_t date_add_months(int32_t day, int months);    /* clamps the day */
int32_t date_month_start(int32_t day);
int32_t date_month_end(int32_t day);

/*
 * A date pattern: "yyyy-mm-dd", "dd.mm.yyyy", "d.m.yyyy", "dd/mm/yyyy",
 * "mm/dd/yyyy", "yyyymmdd", ...: yyyy four digits, mm/dd exactly two,
 * m/d one or two, anything else a literal.  The date may be followed by a
 * time " hh:mm[:ss]" or "Thh:mm[:ss]".  "excel" reads Excel serial days.
 */
typedef struct {
    char pattern[32];
    bool excel_serial;
    /* Patterns of yyyy, mm, dd and literals only have one width: a date is
     * read straight from those positions (ypos/mpos/dpos) when its length
     * is fixed_len; 0 when the pattern has m or d. */
    uint8_t fixed_len, ypos, mpos, dpos;
} date_pattern;

bool date_pattern_compile(const char *text, date_pattern *out);
/* Parse s[0..n).  *has_time says whether a time was given.  Impossible dates
 * (31.04.2024, 2023-02-30) and times fail; nothing rolls over. */
bool date_parse(const date_pattern *p, const char *s, size_t n,
                int32_t *day, int64_t *seconds, bool *has_time);

typedef enum { PERIOD_MONTH, PERIOD_QUARTER, PERIOD_TERTIAL, PERIOD_H8, PERIOD_YEAR } period_kind;

typedef struct {
    period_kind kind;
    int year, index;           /* index: month 1-12, quarter 1-4, tertial 1-3 */
    int32_t start, end;        /* closed interval of days */
    char id[16];               /* "2026-10", "2026-Q3", "2026-T1", "2026-H8", "2026" */
} period;

/* "2026-10", "2026-Q3", "2026-T1", "2026-H8", "2026", or relative to today:
 * "last-month", "current-month", "last-quarter", "current-quarter",
 * "last-tertial", "current-tertial", "H8" / "current-H8", "last-H8",
 * "current-year", "last-year". */
bool period_parse(const char *s, int32_t today, period *out);
period period_make(period_kind kind, int year, int index);
period period_previous(const period *p);   /* H8: last year's H8 */
period period_last_year(const period *p);
period period_month_of(int32_t day);
/* Months in the period, 1 to 12. */
int period_month_count(const period *p);

int32_t date_today(void);   /* honours SOURCE_DATE_EPOCH */

#endif
