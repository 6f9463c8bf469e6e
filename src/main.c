/*
 * main.c - the kvalrap command line: run, check, read.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "history.h"
#include "install_config.h"
#include "labels.h"

#ifndef KV_SYSCONFDIR
#define KV_SYSCONFDIR "/etc/kvalrap"
#endif
#include "ingest.h"
#include "read_export.h"
#include "util.h"

static const char usage_text[] =
    "usage: kvalrap run [options] [RULES.lua ...]\n"
    "       kvalrap check [options] RULES.lua\n"
    "       kvalrap read DATASET FILE [read options]\n"
    "       kvalrap merge [options] [DIR ...]\n"
    "       kvalrap history --history FILE [-m ID] [--kpi ID]\n"
    "       kvalrap --help | --version\n"
    "\n"
    "run    computes the KPIs of every municipality (by default every rule file\n"
    "       in lua/) and writes report.xlsx, report.pdf, kpis.json and rejects.csv\n"
    "       to OUT/<municipality>/<period>/.  Silent on success.\n"
    "check  loads a rule file and its exports, reports every problem found and\n"
    "       the KPIs it would compute; writes nothing.\n"
    "merge  builds the benchmark report (the municipalities side by side) from the\n"
    "       kpis.json files of a period under DIR ... (default: OUT), e.g. after a\n"
    "       sharded run; writes OUT/_benchmark/<period>/.\n"
    "history lists what earlier runs reported (CSV on stdout).\n"
    "read   shows how an export is read: encoding, delimiter, header (stderr),\n"
    "       the rows as canonical CSV (stdout), the rejected rows (stderr).\n"
    "\n"
    "options:\n"
    "  -p, --period P        2026-10, 2026-Q3, 2026-T1, 2026-H8, 2026, or last-month,\n"
    "                        current-month, last-quarter, last-tertial, current-year,\n"
    "                        H8 ... (default: last-month, the last whole month)\n"
    "  -a, --as-of DATE      yyyy-mm-dd (default: the period's last day)\n"
    "  -m, --municipality ID run only this one (repeatable; the rule file's name)\n"
    "  -r, --rules DIR       where the rule files are (default: lua)\n"
    "  -o, --out DIR         where reports go (default: out)\n"
    "  -l, --lang LANG       report language: nb, sv or en (default: the rule file's)\n"
    "  -j, --jobs N          municipalities at once (default: the number of cores)\n"
    "  -t, --timeout SEC     wall-clock limit per municipality (default: 600)\n"
    "      --max-memory MB   address-space limit per municipality (default: 4096)\n"
    "      --lua-memory MB   memory a rule file's Lua state may use (default: 1024)\n"
    "      --lua-instructions N  Lua instructions per evaluation (default: 1000000000)\n"
    "      --history FILE    keep every run's KPI values in this SQLite file; trend\n"
    "                        points use what earlier runs reported where it has them\n"
    "      --log FILE        append a line per municipality (start, end, status)\n"
    "      --syslog          the same lines to syslog\n"
    "      --shard K/N       run only the K-th of N deterministic shards (no benchmark;\n"
    "                        run 'kvalrap merge' when all shards are done)\n"
    "      --config FILE     the installation's configuration (default: $KVALRAP_CONFIG,\n"
    "                        else " KV_SYSCONFDIR "/kvalrap.conf when it exists)\n"
    "  -v, --verbose         a line per municipality on stderr\n"
    "read options:\n"
    "  --encoding E          utf-8, utf-16, windows-1252, iso-8859-1 (default: detect)\n"
    "  --delimiter D         , ; tab (default: detect)\n"
    "  --date-format F       yyyy-mm-dd, dd.mm.yyyy, d.m.yyyy, dd/mm/yyyy, excel ...\n"
    "  --header-line N       physical line of the header (default: 1)\n"
    "  --column FIELD=HEADER map a canonical field to the export's header\n"
    "  --config RULES.lua    take the dataset's mapping from a rule file (or --rules)\n"
    "  --summary             what was detected, the rejects and the counts; no rows\n"
    "\n"
    "exit status: 0 success, 64 usage, 65 an export was refused, 66 an export\n"
    "cannot be opened, 70 internal error, crash or timeout, 71 out of memory,\n"
    "73 a report cannot be created, 74 I/O error, 75 another run is active,\n"
    "78 a rule file is broken, 128+N stopped by signal N.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("kvalrap: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'kvalrap --help'.\n", stderr);
    return KV_USAGE;
}

typedef struct {
    run_options run;
    const char *period_text, *as_of_text, *rules_dir;
    const char **only;
    size_t nonly;
    /* read */
    const char *encoding, *delimiter, *date_format, *config;
    long shard, shards;         /* --shard K/N: run only shard K of N (1-based) */
    const char *kpi;            /* history: only this KPI */
    install_config conf;        /* the installation's file, when there is one */
    char **files;               /* rule files found in rules_dir */
    size_t nfiles;
    int header_line;
    const char **columns;
    size_t ncolumns;
    bool read_summary;
} cli;

enum {
    OPT_ENCODING = 256, OPT_DELIMITER, OPT_DATE_FORMAT, OPT_HEADER_LINE, OPT_COLUMN, OPT_CONFIG,
    OPT_MAX_MEMORY, OPT_LOG, OPT_SYSLOG, OPT_LUA_MEMORY, OPT_LUA_INSTRUCTIONS, OPT_SHARD, OPT_HISTORY,
    OPT_KPI, OPT_SUMMARY,
};

static const struct option long_options[] = {
    {"period", required_argument, 0, 'p'}, {"as-of", required_argument, 0, 'a'},
    {"municipality", required_argument, 0, 'm'}, {"rules", required_argument, 0, 'r'},
    {"out", required_argument, 0, 'o'}, {"lang", required_argument, 0, 'l'},
    {"jobs", required_argument, 0, 'j'}, {"timeout", required_argument, 0, 't'},
    {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'},
    {"encoding", required_argument, 0, OPT_ENCODING}, {"delimiter", required_argument, 0, OPT_DELIMITER},
    {"date-format", required_argument, 0, OPT_DATE_FORMAT},
    {"header-line", required_argument, 0, OPT_HEADER_LINE}, {"column", required_argument, 0, OPT_COLUMN},
    {"config", required_argument, 0, OPT_CONFIG}, {"max-memory", required_argument, 0, OPT_MAX_MEMORY},
    {"lua-memory", required_argument, 0, OPT_LUA_MEMORY},
    {"lua-instructions", required_argument, 0, OPT_LUA_INSTRUCTIONS}, {"log", required_argument, 0, OPT_LOG},
    {"shard", required_argument, 0, OPT_SHARD}, {"history", required_argument, 0, OPT_HISTORY},
    {"kpi", required_argument, 0, OPT_KPI}, {"syslog", no_argument, 0, OPT_SYSLOG},
    {"summary", no_argument, 0, OPT_SUMMARY}, {0, 0, 0, 0},
};

static bool parse_count(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_options(int argc, char **argv, cli *c)
{
    long n;
    int opt;
    while ((opt = getopt_long(argc, argv, "p:a:m:r:o:l:j:t:vhV", long_options, NULL)) != -1) {
        switch (opt) {
        case 'p': c->period_text = optarg; break;
        case 'a': c->as_of_text = optarg; break;
        case 'm':
            c->only = xrealloc(c->only, (c->nonly + 1) * sizeof *c->only);
            c->only[c->nonly++] = optarg;
            break;
        case 'r': c->rules_dir = optarg; break;
        case 'o': c->run.out_dir = optarg; break;
        case 'l':
            if (!labels_known_language(optarg))
                return usage_error("--lang: unknown language '%s' (nb, sv or en)", optarg);
            c->run.language = optarg;
            break;
        case 'j':
            if (!parse_count(optarg, 1, 1024, &n))
                return usage_error("--jobs: '%s' is not a number from 1 to 1024", optarg);
            c->run.jobs = (int)n;
            break;
        case 't':
            if (!parse_count(optarg, 0, 86400 * 7, &n))
                return usage_error("--timeout: '%s' is not a number of seconds", optarg);
            c->run.timeout = (unsigned)n;
            break;
        case 'v': c->run.verbose = true; break;
        case 'h': fputs(usage_text, stdout); exit(0);
        case 'V': printf("kvalrap %s\n", KV_VERSION); exit(0);
        case OPT_ENCODING: c->encoding = optarg; break;
        case OPT_DELIMITER: c->delimiter = optarg; break;
        case OPT_DATE_FORMAT: c->date_format = optarg; break;
        case OPT_HEADER_LINE:
            if (!parse_count(optarg, 1, 1000000, &n))
                return usage_error("--header-line: '%s' is not a line number", optarg);
            c->header_line = (int)n;
            break;
        case OPT_COLUMN:
            if (!strchr(optarg, '='))
                return usage_error("--column: '%s' is not FIELD=HEADER", optarg);
            c->columns = xrealloc(c->columns, (c->ncolumns + 1) * sizeof *c->columns);
            c->columns[c->ncolumns++] = optarg;
            break;
        case OPT_CONFIG: c->config = optarg; break;
        case OPT_MAX_MEMORY:
            if (!parse_count(optarg, 0, 1L << 30, &n))
                return usage_error("--max-memory: '%s' is not a number of megabytes", optarg);
            c->run.max_memory = (size_t)n << 20;
            break;
        case OPT_LUA_MEMORY:
            if (!parse_count(optarg, 1, 1L << 20, &n))
                return usage_error("--lua-memory: '%s' is not a number of megabytes", optarg);
            c->run.limits.max_memory = (size_t)n << 20;
            break;
        case OPT_LUA_INSTRUCTIONS:
            if (!parse_count(optarg, 1000, LONG_MAX, &n))
                return usage_error("--lua-instructions: '%s' is not a number (at least 1000)", optarg);
            c->run.limits.max_instructions = n;
            break;
        case OPT_SHARD: {
            char *slash = strchr(optarg, '/');
            long k, total;
            if (!slash)
                return usage_error("--shard: '%s' is not K/N", optarg);
            *slash = '\0';
            bool ok = parse_count(optarg, 1, 100000, &k) && parse_count(slash + 1, 1, 100000, &total) && k <= total;
            *slash = '/';
            if (!ok)
                return usage_error("--shard: '%s' is not K/N with 1 <= K <= N", optarg);
            c->shard = k;
            c->shards = total;
            break;
        }
        case OPT_LOG: c->run.log_path = optarg; break;
        case OPT_HISTORY: c->run.history_path = optarg; break;
        case OPT_KPI: c->kpi = optarg; break;
        case OPT_SYSLOG: c->run.use_syslog = true; break;
        case OPT_SUMMARY: c->read_summary = true; break;
        default: fputs("Try 'kvalrap --help'.\n", stderr); return KV_USAGE;
        }
    }
    return 0;
}

/* Period and as_of from the options; defaults per spec §2. */
static int resolve_period(cli *c)
{
    const char *p = c->period_text ? c->period_text : "last-month";
    if (!period_parse(p, date_today(), &c->run.period))
        return usage_error("--period: '%s' is not a period (2026-10, 2026-Q3, 2026-T1, 2026-H8, 2026, "
                           "last-month, ...)", p);
    c->run.as_of = c->run.period.end;
    if (c->as_of_text) {
        date_pattern iso;
        date_pattern_compile("yyyy-mm-dd", &iso);
        int64_t secs;
        bool has_time;
        if (!date_parse(&iso, c->as_of_text, strlen(c->as_of_text), &c->run.as_of, &secs, &has_time) || has_time)
            return usage_error("--as-of: '%s' is not a date yyyy-mm-dd", c->as_of_text);
    }
    return 0;
}


/* Every *.lua file directly in dir, sorted. */
static char **list_rule_files(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d)
        return NULL;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".lua") != 0)
            continue;
        v = xrealloc(v, (*n + 1) * sizeof *v);
        size_t plen = strlen(dir) + len + 2;
        v[*n] = xmalloc(plen);
        snprintf(v[*n], plen, "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof *v, str_ptr_cmp);
    return v;
}

/* FNV-1a of the rule file's name: a municipality stays in its shard when
 * others are added or removed. */
static unsigned long shard_of(const char *path, long shards)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    unsigned long h = 2166136261u;
    for (const char *p = base; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % (unsigned long)shards + 1;
}

static bool wanted(const cli *c, const char *path)
{
    if (!c->nonly)
        return true;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".lua") == 0)
        len -= 4;
    for (size_t i = 0; i < c->nonly; i++)
        if ((strlen(c->only[i]) == len && strncmp(c->only[i], base, len) == 0) || strcmp(c->only[i], path) == 0)
            return true;
    return false;
}

/* The municipalities to run: the arguments, the configuration's list, or
 * every rule file of the rules folder; then --municipality and --shard. */
static batch_item *choose_items(cli *c, int argc, char **argv, size_t *m, int *rc)
{
    size_t n = 0;
    batch_item *all = NULL;
    char **files = NULL;
    if (optind < argc) {
        n = (size_t)(argc - optind);
        all = xcalloc(n, sizeof *all);
        for (size_t i = 0; i < n; i++)
            all[i].rules = argv[optind + (int)i];
    } else if (c->conf.items) {
        n = c->conf.nitems;
        all = xcalloc(n + 1, sizeof *all);
        memcpy(all, c->conf.items, n * sizeof *all);
    } else {
        files = list_rule_files(c->rules_dir, &n);
        if (!n) {
            errorf("%s: no rule files (*.lua) found%s", c->rules_dir,
                   access(c->rules_dir, F_OK) ? ": the folder does not exist" : "");
            *rc = KV_NOINPUT;
            return NULL;
        }
        all = xcalloc(n, sizeof *all);
        for (size_t i = 0; i < n; i++)
            all[i].rules = files[i];
    }
    batch_item *chosen = xcalloc(n + 1, sizeof *chosen);
    *m = 0;
    for (size_t i = 0; i < n; i++)
        if (wanted(c, all[i].rules) && (!c->shards || shard_of(all[i].rules, c->shards) == (unsigned long)c->shard))
            chosen[(*m)++] = all[i];
    for (size_t i = 0; i < c->nonly && !*rc; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found |= wanted(&(cli){.only = &c->only[i], .nonly = 1}, all[k].rules);
        if (!found)
            *rc = usage_error("--municipality: no rule file for '%s'", c->only[i]);
    }
    c->files = files;
    c->nfiles = files ? n : 0;
    free(all);
    return chosen;
}

static int cmd_run(cli *c, int argc, char **argv)
{
    int rc = resolve_period(c);
    if (rc)
        return rc;
    size_t m = 0;
    batch_item *chosen = choose_items(c, argc, argv, &m, &rc);
    int lock = -1;
    char lock_name[64] = "kvalrap";
    if (c->shards)
        snprintf(lock_name, sizeof lock_name, "kvalrap-shard-%ld-of-%ld", c->shard, c->shards);
    if (!rc)
        rc = batch_lock(c->run.out_dir, lock_name, &lock);
    if (!rc) {
        c->run.progress = isatty(2) && !c->run.verbose;
        rc = batch_run(chosen, m, &c->run);
        /* Several municipalities in one unsharded run: their benchmark too. */
        if (m >= 2 && !c->shards && rc != 128 + SIGTERM && rc != 128 + SIGINT) {
            const char *dirs[1] = {c->run.out_dir};
            int brc = batch_benchmark(dirs, 1, &c->run.period, &c->run, false);
            if (!rc)
                rc = brc;
        }
    }
    if (lock >= 0)
        close(lock);
    free(chosen);
    return rc;
}

/* kvalrap history --history FILE [-m ID] [--kpi ID]: the stored values as CSV. */
static int cmd_history(cli *c, int argc, char **argv)
{
    if (optind != argc)
        return usage_error("history: unexpected argument '%s'", argv[optind]);
    if (!c->run.history_path)
        return usage_error("history: give the database with --history FILE%s", "");
    if (access(c->run.history_path, R_OK) != 0) {
        errorf("%s: %s", c->run.history_path, strerror(errno));
        return KV_NOINPUT;
    }
    char err[1024];
    history *h = history_open(c->run.history_path, err, sizeof err);
    int rc = h ? history_export(h, c->nonly ? c->only[0] : NULL, c->kpi, stdout, err, sizeof err) : -1;
    history_close(h);
    if (rc) {
        errorf("%s", err);
        return KV_IOERR;
    }
    return fflush(stdout) == 0 ? 0 : KV_IOERR;
}

/* kvalrap merge [DIR ...]: the benchmark of per-shard outputs. */
static int cmd_merge(cli *c, int argc, char **argv)
{
    int rc = resolve_period(c);
    if (rc)
        return rc;
    const char *self[1] = {c->run.out_dir};
    if (optind < argc)
        return batch_benchmark((const char *const *)argv + optind, (size_t)(argc - optind), &c->run.period, &c->run,
                               true);
    return batch_benchmark(self, 1, &c->run.period, &c->run, true);
}

static int cmd_check(cli *c, int argc, char **argv)
{
    if (optind + 1 != argc)
        return usage_error("check: give one rule file%s", "");
    int rc = resolve_period(c);
    return rc ? rc : batch_check(argv[optind], &c->run);
}


static int cmd_read(cli *c, int argc, char **argv)
{
    if (optind + 2 != argc)
        return usage_error("read: give a dataset and a file (kvalrap read deviations avvik.csv)%s", "");
    /* The mapping's rule file: --config RULES.lua, or --rules RULES.lua. */
    const char *mapping = c->config;
    size_t rl = c->rules_dir ? strlen(c->rules_dir) : 0;
    if (!mapping && rl > 4 && strcmp(c->rules_dir + rl - 4, ".lua") == 0)
        mapping = c->rules_dir;
    read_options o = {.config = mapping, .encoding = c->encoding, .delimiter = c->delimiter,
                      .date_format = c->date_format, .header_line = c->header_line, .columns = c->columns,
                      .ncolumns = c->ncolumns, .summary = c->read_summary};
    return read_export(argv[optind], argv[optind + 1], &o);
}

/* The first option of `read` given, or NULL: another command would ignore
 * it without a word. */
static const char *read_option_given(const cli *c)
{
    return c->encoding      ? "--encoding"
           : c->delimiter   ? "--delimiter"
           : c->date_format ? "--date-format"
           : c->header_line ? "--header-line"
           : c->ncolumns    ? "--column"
           : c->read_summary ? "--summary"
                             : NULL;
}

/* Settings: the command line first, then the installation's file, then
 * the built-in defaults. */
static int settle_options(cli *c, const char *cmd)
{
    const char *path = NULL;
    if (strcmp(cmd, "read") != 0) {
        path = c->config ? c->config : getenv("KVALRAP_CONFIG");
        if (!path && access(KV_SYSCONFDIR "/kvalrap.conf", R_OK) == 0)
            path = KV_SYSCONFDIR "/kvalrap.conf";
    }
    install_config *f = &c->conf;
    if (path) {
        char err[1024];
        int rc = install_config_load(path, f, err, sizeof err);
        if (rc) {
            errorf("%s", err);
            return rc;
        }
    } else {
        memset(f, 0, sizeof *f);
        f->jobs = f->timeout = f->max_memory = f->lua_memory = f->lua_instructions = -1;
    }
    run_options *o = &c->run;
    if (!c->rules_dir) c->rules_dir = f->rules ? f->rules : "lua";
    if (!o->out_dir) o->out_dir = f->out ? f->out : "out";
    if (!c->period_text) c->period_text = f->period;
    if (!o->language) o->language = f->lang;
    if (!o->log_path) o->log_path = f->log;
    if (!o->history_path) o->history_path = f->history;
    if (f->use_syslog > 0) o->use_syslog = true;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (!o->jobs) o->jobs = f->jobs > 0 ? (int)f->jobs : cores > 0 ? (int)cores : 1;
    if (o->timeout == UINT_MAX) o->timeout = f->timeout >= 0 ? (unsigned)f->timeout : 600;
    if (o->max_memory == SIZE_MAX) o->max_memory = (size_t)(f->max_memory >= 0 ? f->max_memory : 4096) << 20;
    if (!o->limits.max_memory)
        o->limits.max_memory = f->lua_memory > 0 ? (size_t)f->lua_memory << 20 : rules_default_limits.max_memory;
    if (!o->limits.max_instructions)
        o->limits.max_instructions = f->lua_instructions > 0 ? f->lua_instructions : rules_default_limits.max_instructions;
    /* The rules' own clock stops a loop with a clear message before the
     * process alarm has to kill the child. */
    o->limits.max_seconds = o->timeout ? o->timeout * 0.8 : rules_default_limits.max_seconds;
    if (o->language && !labels_known_language(o->language))
        return usage_error("lang: unknown language '%s' (nb, sv or en)", o->language);
    return 0;
}

int main(int argc, char **argv)
{
    /* Blocks of 256 KiB and more (columns, buffers) get pages of their own
     * that go back to the system when freed.  glibc would otherwise raise
     * this threshold after the first such free and serve later ones from
     * the heap, which it cannot shrink past a live block: 12 MB of the
     * resident set of a 1M-row run was such holes.  (The rules stage sets
     * its own, see compute() in batch.c.) */
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    if (argc < 2)
        return usage_error("no command given (run, check, read, merge or history)%s", "");
    const char *cmd = argv[1];
    cli c = {0};
    /* "Not given" markers, so the configuration file can fill them in. */
    c.run.timeout = UINT_MAX;
    c.run.max_memory = SIZE_MAX;
    if (cmd[0] == '-') {
        int rc = parse_options(argc, argv, &c);
        return rc ? rc : usage_error("no command given (run, check, read, merge or history)%s", "");
    }
    /* Options come after the command: skip it for getopt. */
    argv[1] = argv[0];
    argc--;
    argv++;
    int rc = parse_options(argc, argv, &c);
    const char *read_only = strcmp(cmd, "read") != 0 ? read_option_given(&c) : NULL;
    if (!rc && read_only)
        rc = usage_error("%s is an option of 'kvalrap read'", read_only);
    if (!rc)
        rc = settle_options(&c, cmd);
    if (!rc) {
        if (strcmp(cmd, "run") == 0)
            rc = cmd_run(&c, argc, argv);
        else if (strcmp(cmd, "check") == 0)
            rc = cmd_check(&c, argc, argv);
        else if (strcmp(cmd, "read") == 0)
            rc = cmd_read(&c, argc, argv);
        else if (strcmp(cmd, "merge") == 0)
            rc = cmd_merge(&c, argc, argv);
        else if (strcmp(cmd, "history") == 0)
            rc = cmd_history(&c, argc, argv);
        else
            rc = usage_error("unknown command '%s' (run, check, read, merge or history)", cmd);
    }
    for (size_t i = 0; i < c.nfiles; i++)
        free(c.files[i]);
    free(c.files);
    install_config_free(&c.conf);
    free(c.only);
    free(c.columns);
    return rc;
}
