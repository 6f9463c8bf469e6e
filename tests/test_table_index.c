/*
 * test_table_index.c - the zones of a date column (the least and greatest
 * day of each block of rows): made only on the first range query over the
 * whole of a finished table, and a range query gives the same rows with
 * them as a plain scan, whatever the order of the dates.
 */
#include <stdlib.h>

#include "testutil.h"
#include "table.h"

enum { ROWS = 20000 };

/* A deviations table: reported in date order or shuffled over 400 days;
 * in the first half one row in 7 without a date, a block of rows with
 * none at all, and in the second half every row with one (blocks that a
 * range can hold whole). */
static table *make_table(bool sorted)
{
    table *t = table_new(schema_find("deviations"));
    int rep = table_col(t, "reported");
    for (size_t r = 0; r < ROWS; r++) {
        table_add_row(t, (int32_t)r + 2);
        int32_t day = 20000 + (int32_t)(sorted ? r * 400 / ROWS : (r * 7919) % 400);
        bool none = (r % 7 == 3 && r < ROWS / 2) || (r >= 3 * ZONE_ROWS && r < 4 * ZONE_ROWS);
        t->cols[rep].day[r] = none ? DATE_NONE : day;
    }
    return t;
}

/* The rows in [lo, hi] by a plain scan, compared with sel_between. */
static void assert_between(const table *t, int col, int32_t lo, int32_t hi)
{
    selection all = sel_all(t), got = sel_between(&all, col, lo, hi);
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        int32_t d = t->cols[col].day[r];
        if (d == DATE_NONE || d < lo || d > hi)
            continue;
        assert_true(n < got.n);
        assert_int_equal(got.rows[n], r);
        n++;
    }
    assert_int_equal(got.n, n);
    sel_free(&got);
    sel_free(&all);
}

static void check_ranges(const table *t, int col)
{
    assert_between(t, col, 20010, 20019);
    assert_between(t, col, 20250, 20330);   /* sorted: whole blocks and two parts */
    assert_between(t, col, 20000, 20399);
    assert_between(t, col, 20399, 20399);
    assert_between(t, col, 20000, 20000);
    assert_between(t, col, 19000, 19999);
    assert_between(t, col, 20400, 21000);
    assert_between(t, col, INT32_MIN + 1, INT32_MAX);
}

static void test_zones_made_on_first_query(void **state)
{
    (void)state;
    for (int sorted = 0; sorted < 2; sorted++) {
        table *t = make_table(sorted);
        int rep = table_col(t, "reported"), due = table_col(t, "due");
        assert_between(t, rep, 20010, 20019);       /* not finished: a plain scan */
        assert_null(t->cols[rep].zones);
        table_finish(t);
        assert_null(t->cols[rep].zones);
        selection all = sel_all(t), half = sel_between(&all, rep, 20000, 20199);
        assert_non_null(t->cols[rep].zones);
        assert_int_equal(t->cols[rep].zones[3].lo, INT32_MAX);     /* the block without dates */
        assert_int_equal(t->cols[rep].zones[3].hi, INT32_MIN);
        assert_false(t->cols[rep].zones[3].all_dated);
        assert_false(t->cols[rep].zones[0].all_dated);             /* one row in 7 without */
        assert_true(t->cols[rep].zones[ROWS / ZONE_ROWS - 1].all_dated);
        selection part = sel_between(&half, rep, 20010, 20019);    /* not the whole table */
        assert_true(part.n > 0 && part.n < half.n);
        sel_free(&part);
        sel_free(&half);
        sel_free(&all);
        check_ranges(t, rep);
        assert_null(t->cols[due].zones);            /* never asked */
        table_drop_indexes(t);
        assert_null(t->cols[rep].zones);
        check_ranges(t, rep);                       /* made again */
        assert_non_null(t->cols[rep].zones);
        table_free(t);
    }
}

/* A row set of every row without a row array (rows NULL) is the whole
 * table as well. */
static void test_whole_without_rows(void **state)
{
    (void)state;
    table *t = make_table(true);
    table_finish(t);
    int rep = table_col(t, "reported");
    selection whole = {t, NULL, t->nrows}, all = sel_all(t);
    selection a = sel_between(&whole, rep, 20100, 20150), b = sel_between(&all, rep, 20100, 20150);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        assert_int_equal(a.rows[i], b.rows[i]);
    sel_free(&a);
    sel_free(&b);
    sel_free(&all);
    table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zones_made_on_first_query),
        cmocka_unit_test(test_whole_without_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
