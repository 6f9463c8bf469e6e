/*
 * kpi_harness.c - see kpi_harness.h.  Included by the tests that use it.
 */
#include "kpi_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

void kh_assert_maybe(maybe m, bool present, double x, const char *what, const char *file, int line)
{
    if (!present && m.present) {
        print_error("%s is %.17g, expected null\n", what, m.v);
        _fail(file, line);
    }
    if (present && !m.present) {
        print_error("%s is null, expected %.17g\n", what, x);
        _fail(file, line);
    }
    if (present && fabs(m.v - x) > 1e-12) {
        print_error("%s is %.17g, expected %.17g\n", what, m.v, x);
        _fail(file, line);
    }
}

char *kh_path(char *buf, const char *dir, const char *name)
{
    if (snprintf(buf, 256, "%s/%s", dir, name) >= 256)
        fail_msg("path too long: %s/%s", dir, name);
    return buf;
}

/* Folders made and not yet removed, for kh_teardown after a failed test. */
static char kh_made[32][256];

void kh_mkdtemp(char *dir)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, 256, "%s/kvtest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        fail_msg("mkdtemp %s failed", dir);
    for (size_t i = 0; i < sizeof kh_made / sizeof kh_made[0]; i++)
        if (!kh_made[i][0]) {
            snprintf(kh_made[i], sizeof kh_made[i], "%s", dir);
            break;
        }
}

void kh_write_n(const char *dir, const char *name, const void *text, size_t n)
{
    char path[256];
    FILE *f = fopen(kh_path(path, dir, name), "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    if (n == (size_t)-1)
        n = strlen(text);
    if (n && fwrite(text, 1, n, f) != n)
        fail_msg("cannot write %s", path);
    fclose(f);
}

void kh_write(const char *dir, const char *name, const char *text) { kh_write_n(dir, name, text, (size_t)-1); }

void kh_new(char *dir)
{
    kh_mkdtemp(dir);
    kh_write(dir, "dev.csv", KH_DEV_HEADER);
    kh_write(dir, "prop.csv", KH_PROP_HEADER);
    kh_write(dir, "doc.csv", KH_DOC_HEADER);
}

int32_t kh_day(const char *iso)
{
    date_pattern p;
    date_pattern_compile("yyyy-mm-dd", &p);
    int32_t day;
    int64_t secs;
    bool has_time;
    if (!date_parse(&p, iso, strlen(iso), &day, &secs, &has_time))
        fail_msg("not a date: %s", iso);
    return day;
}

report *kh_run(const char *dir, const char *script, const char *period_id, const char *as_of, int *status)
{
    char path[256];
    kh_write(dir, "rules.lua", script);
    run_options o = {0};
    if (!period_parse(period_id, date_today(), &o.period))
        fail_msg("bad period %s", period_id);
    o.as_of = as_of ? kh_day(as_of) : o.period.end;
    o.out_dir = dir;
    o.language = "en";
    o.jobs = 1;
    o.limits = rules_default_limits;
    return batch_compute(kh_path(path, dir, "rules.lua"), &o, status);
}

/* Reports not yet freed, for kh_teardown after a failed test. */
static report *kh_live[16];

report *kh_run_ok(const char *dir, const char *script, const char *period_id, const char *as_of)
{
    int status = -1;
    report *r = kh_run(dir, script, period_id, as_of, &status);
    if (!r || status != 0)
        fail_msg("batch_compute failed with status %d (see stderr)", status);
    for (size_t i = 0; i < sizeof kh_live / sizeof kh_live[0]; i++)
        if (!kh_live[i]) {
            kh_live[i] = r;
            break;
        }
    return r;
}

const char *kh_run_fail(const char *dir, const char *script, int want_status)
{
    static char text[4000];
    char log[300];
    snprintf(log, sizeof log, "%s/stderr.txt", dir);
    /* kvalrap writes its one error line straight to fd 2: catch it there. */
    fflush(stderr);
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    int status = 0;
    report *r = kh_run(dir, script, "2026-10", NULL, &status);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(log, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    if (r) {
        kh_free(r);
        fail_msg("the rule file was expected to fail: %s", script);
    }
    assert_int_equal(status, want_status);
    return text;
}

rules *kh_open_rules(char *dir, const char *script, const rules_limits *lim, const char *data_dir, char *err,
                     size_t errlen)
{
    kh_new(dir);
    kh_write(dir, "rules.lua", script);
    char path[256];
    return rules_open(kh_path(path, dir, "rules.lua"), lim, data_dir, err, errlen);
}

void kh_collect(const char *line, void *ctx)
{
    kh_printed *p = ctx;
    if (p->n < sizeof p->lines / sizeof p->lines[0])
        snprintf(p->lines[p->n++], sizeof p->lines[0], "%s", line);
}

void kh_free(report *r)
{
    for (size_t i = 0; i < sizeof kh_live / sizeof kh_live[0]; i++)
        if (kh_live[i] == r)
            kh_live[i] = NULL;
    report_free(r);
    free(r);
}

static void kh_remove_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 4)
            kh_remove_tree(path, depth + 1);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void kh_cleanup(const char *dir)
{
    if (!dir || !*dir)
        return;
    for (size_t i = 0; i < sizeof kh_made / sizeof kh_made[0]; i++)
        if (strcmp(kh_made[i], dir) == 0)
            kh_made[i][0] = '\0';
    kh_remove_tree(dir, 0);
}

int kh_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof kh_live / sizeof kh_live[0]; i++)
        if (kh_live[i])
            kh_free(kh_live[i]);
    for (size_t i = 0; i < sizeof kh_made / sizeof kh_made[0]; i++)
        if (kh_made[i][0]) {
            kh_remove_tree(kh_made[i], 0);
            kh_made[i][0] = '\0';
        }
    return 0;
}

const kpi_result *kh_kpi(const report *r, const char *id)
{
    for (size_t i = 0; r && i < r->nkpis; i++)
        if (r->kpis[i].id && strcmp(r->kpis[i].id, id) == 0)
            return &r->kpis[i];
    return NULL;
}

const breakdown *kh_breakdown(const kpi_result *k, const char *dimension)
{
    for (size_t i = 0; k && i < k->nbreakdowns; i++)
        if (k->breakdowns[i].dimension && strcmp(k->breakdowns[i].dimension, dimension) == 0)
            return &k->breakdowns[i];
    return NULL;
}

const breakdown_entry *kh_entry(const kpi_result *k, const char *dimension, const char *key)
{
    const breakdown *b = kh_breakdown(k, dimension);
    for (size_t i = 0; b && i < b->n; i++)
        if (strcmp(b->entries[i].key, key) == 0)
            return &b->entries[i];
    return NULL;
}

const series_point *kh_series(const kpi_result *k, const char *month)
{
    for (size_t i = 0; k && i < k->nseries; i++)
        if (strcmp(k->series[i].month, month) == 0)
            return &k->series[i];
    return NULL;
}

int kh_item_col(const kpi_result *k, const char *colname)
{
    for (size_t c = 0; k && k->items && c < k->items->ncols; c++)
        if (strcmp(k->items->columns[c], colname) == 0)
            return (int)c;
    return -1;
}

const cell *kh_item(const kpi_result *k, size_t row, const char *colname)
{
    int c = kh_item_col(k, colname);
    if (c < 0 || row >= k->items->nrows)
        return NULL;
    return &k->items->cells[row * k->items->ncols + (size_t)c];
}
