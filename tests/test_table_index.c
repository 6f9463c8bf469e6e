/*
 * test_table_index.c - the day index of a date column: built only on the
 * first range query over the whole of a finished table, and a range query
 * gives the same rows with it as without it.
 */
#include <stdlib.h>

#include "testutil.h"
#include "table.h"

enum { ROWS = 20000 };

/* A deviations table: reported spread over 400 days in shuffled order,
 * one row in 7 without a date. */
static table *make_table(void)
{
    table *t = table_new(schema_find("deviations"));
    int rep = table_col(t, "reported");
    for (size_t r = 0; r < ROWS; r++) {
        table_add_row(t, (int32_t)r + 2);
        t->cols[rep].day[r] = r % 7 == 3 ? DATE_NONE : 20000 + (int32_t)((r * 7919) % 400);
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

static void test_index_built_on_first_query(void **state)
{
    (void)state;
    table *t = make_table();
    int rep = table_col(t, "reported"), due = table_col(t, "due");
    assert_between(t, rep, 20010, 20019);       /* not finished: scanned */
    assert_false(t->cols[rep].day_indexed);
    table_finish(t);
    assert_false(t->cols[rep].day_indexed);
    selection all = sel_all(t), half = sel_between(&all, rep, 20000, 20199);
    assert_between(t, rep, 20000, 20399);       /* built, but a wide range is scanned */
    assert_true(t->cols[rep].day_indexed);
    selection part = sel_between(&half, rep, 20010, 20019);    /* not the whole table: a scan */
    assert_true(part.n > 0 && part.n < half.n);
    sel_free(&part);
    sel_free(&half);
    sel_free(&all);
    assert_between(t, rep, 20010, 20019);       /* narrow: through the index */
    assert_non_null(t->cols[rep].by_day);
    assert_int_equal(t->cols[rep].ndated, ROWS - (ROWS + 3) / 7);
    assert_between(t, rep, 20399, 20399);
    assert_between(t, rep, 19000, 19999);
    assert_between(t, rep, 20400, 21000);
    assert_false(t->cols[due].day_indexed);     /* never asked */
    table_free(t);
}

/* Dates spread far (a typo of a year) leave the column unindexed, and
 * the queries still right. */
static void test_far_dates_not_indexed(void **state)
{
    (void)state;
    table *t = make_table();
    int rep = table_col(t, "reported");
    t->cols[rep].day[5] = 20000 + 366 * 2000;
    table_finish(t);
    assert_between(t, rep, 20010, 20019);
    assert_true(t->cols[rep].day_indexed);
    assert_null(t->cols[rep].by_day);
    assert_between(t, rep, 20000 + 366 * 2000, 20000 + 366 * 2000);
    table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_built_on_first_query),
        cmocka_unit_test(test_far_dates_not_indexed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
