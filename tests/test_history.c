/*
 * test_history.c - the history database opened by several processes at
 * once (the children of a batch with -j N, the first night, when the file
 * is new), and a file that is not a history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "history.h"
#include "kpi_harness.c"

/* Four processes open a new history file at the same moment, a hundred
 * times.  Before the fix about one round in fifteen failed with "database
 * is locked": turning the new file to WAL takes a lock SQLite does not
 * wait for. */
static void test_new_history_opened_at_once(void **state)
{
    (void)state;
    enum { ROUNDS = 100, OPENERS = 4 };
    char dir[256];
    kh_mkdtemp(dir);
    int failed = 0;
    char first_error[600] = "";
    for (int round = 0; round < ROUNDS; round++) {
        char path[300];
        snprintf(path, sizeof path, "%s/h%d.sqlite", dir, round);
        int fds[OPENERS][2];
        for (int c = 0; c < OPENERS; c++) {
            assert_int_equal(pipe(fds[c]), 0);
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                char err[512] = "";
                history *h = history_open(path, err, sizeof err);
                if (h)
                    history_close(h);
                else if (write(fds[c][1], err, strlen(err)) < 0)
                    _exit(2);
                _exit(h ? 0 : 1);
            }
            close(fds[c][1]);
        }
        for (int c = 0; c < OPENERS; c++) {
            char err[512] = "";
            ssize_t n = read(fds[c][0], err, sizeof err - 1);
            close(fds[c][0]);
            if (n > 0 && !first_error[0])
                snprintf(first_error, sizeof first_error, "%.*s", (int)n, err);
        }
        int st;
        while (wait(&st) > 0)
            failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    if (failed)
        fail_msg("%d of %d opens failed, the first: %s", failed, ROUNDS * OPENERS, first_error);
    kh_cleanup(dir);
}

static void test_not_a_history(void **state)
{
    (void)state;
    char dir[256], path[300];
    kh_mkdtemp(dir);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 20; i++)
        fputs("these are somebody's notes, not a database\n", f);
    fclose(f);
    char err[512] = "";
    assert_null(history_open(path, err, sizeof err));
    assert_non_null(strstr(err, "not a kvalrap history"));
    assert_non_null(strstr(err, path));
    kh_cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_new_history_opened_at_once, kh_teardown),
        cmocka_unit_test_teardown(test_not_a_history, kh_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
