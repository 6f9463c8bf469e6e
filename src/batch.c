/*
 * batch.c - one municipality end to end, and the batch of them.
 */
#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <syslog.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchmark.h"
#include "history.h"
#include "ingest.h"
#include "json_writer.h"
#include "labels.h"
#include "output.h"
#include "reference.h"
#include "pdf_writer.h"
#include "xlsx_writer.h"

static void complain(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void complain(const char *who, const char *fmt, ...)
{
    char msg[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errorf("%s: %s", who, msg);
}

/* SIGTERM or SIGINT: finish the file being written, write no other, exit
 * with 128 + the signal.  Atomic writes keep every finished report whole. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int stopped_status(void) { return 128 + (int)stop_signal; }

/* One log line per event, to the log file (appended in one write) or
 * syslog, when configured. */
static void log_line(const run_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_line(const run_options *o, const char *fmt, ...)
{
    if (!o->log_path && !o->use_syslog)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (o->use_syslog)
        syslog(LOG_INFO, "%s", msg);
    if (o->log_path) {
        char line[1200];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S ", &tm);
        n += (size_t)snprintf(line + n, sizeof line - n, "kvalrap[%ld]: %s\n", (long)getpid(), msg);
        int fd = open(o->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ssize_t w = write(fd, line, n < sizeof line ? n : sizeof line - 1);
            (void)w;
            close(fd);
        }
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* With --verbose: how long each stage took, and the process's peak
 * memory so far, for profiling a slow or large night. */
static void stage_time(const run_options *o, const char *who, const char *stage, double since)
{
    if (o->verbose) {
        struct rusage ru;
        long peak = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024 : 0;
        errorf("%s: %-12s %.3f s, peak %ld MB", who, stage, now_seconds() - since, peak);
    }
}

/* Children end with _exit, which skips LeakSanitizer's check at exit: run
 * it by hand in a sanitizer build, so the tests see children's leaks too. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define __SANITIZE_ADDRESS__ 1      /* clang says it this way */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
static void leak_check_child(void) { __lsan_do_leak_check(); }
#else
static void leak_check_child(void) {}
#endif

/* Everything one municipality's run owns, freed by job_free. */
typedef struct {
    const char *rule_path;
    rules *rules;
    const rules_config *cfg;
    labels *labels;
    table *tables[16];
    report rep;
    reject_log log;
    ingest_result results[16];
    bool writes_pdf;            /* its PDF's document is opened beside the rules */
} job;

static void job_free(job *j)
{
    for (size_t i = 0; i < schema_ndatasets; i++) {
        table_free(j->tables[i]);
        ingest_result_free(&j->results[i]);
    }
    reject_log_free(&j->log);
    report_free(&j->rep);
    labels_free(j->labels);
    rules_close(j->rules);
}

static size_t dataset_index(const char *name)
{
    for (size_t i = 0; i < schema_ndatasets; i++)
        if (strcmp(schema_datasets[i].name, name) == 0)
            return i;
    return 0;
}

static void add_warning(report *rep, const char *text)
{
    const char **w = arena_alloc(&rep->mem, (rep->nwarnings + 1) * sizeof *w);
    memcpy(w, rep->warnings, rep->nwarnings * sizeof *w);
    w[rep->nwarnings++] = arena_strdup(&rep->mem, text);
    rep->warnings = w;
}

/* One export read on a thread of its own, with its own rejects. */
typedef struct {
    ingest_config ic;
    arena mem;
    reject_log log;
    ingest_result res;
    int rc;
    pthread_t thread;
    bool threaded;
} load_task;

static void *load_main(void *arg)
{
    load_task *t = arg;
    t->rc = ingest_file(&t->ic, &t->log, &t->res);
    return NULL;
}

/* Hand a task's rejects to the job, in order, their strings with them. */
static void take_rejects(job *j, load_task *t)
{
    reject_log *log = &j->log;
    if (log->n + t->log.n > log->cap) {
        log->cap = log->n + t->log.n + 64;
        log->v = xrealloc(log->v, log->cap * sizeof *log->v);
    }
    if (t->log.n)   /* t->log.v is NULL when the file had no rejects (UBSan) */
        memcpy(log->v + log->n, t->log.v, t->log.n * sizeof *log->v);
    log->n += t->log.n;
    log->rows += t->log.rows;
    arena_adopt(log->mem, &t->mem);
}

/* Read every configured export.  The exports are read side by side (each
 * large one by several threads besides): what one file spends alone --
 * its header, the check of its ids, its indexes -- overlaps with the
 * parsing of the others.  Returns 0 or the exit status of the first
 * refused file in the order of the rule file (the message printed), as a
 * reading one after the other would. */
static int load_exports(job *j, bool verbose)
{
    const rules_config *c = j->cfg;
    for (size_t i = 0; i < schema_ndatasets; i++) {
        const dataset_schema *ds = &schema_datasets[i];
        bool configured = false;
        for (size_t k = 0; k < c->ndatasets; k++)
            configured |= strcmp(c->datasets[k].dataset, ds->name) == 0;
        if (ds->required && !configured) {
            complain(j->rule_path, "dataset \"%s\" is required; declare it with dataset \"%s\" { file = ... }",
                     ds->name, ds->name);
            return KV_CONFIG;
        }
    }
    j->rep.inputs = arena_alloc(&j->rep.mem, (c->ndatasets + c->nreferences + 1) * sizeof *j->rep.inputs);
    load_task *tasks = xcalloc(c->ndatasets + 1, sizeof *tasks);
    for (size_t k = 0; k < c->ndatasets; k++) {
        load_task *t = &tasks[k];
        t->ic = c->datasets[k].ingest;
        t->ic.hash = HASH_AFTER;    /* it runs beside the rules: take_hashes */
        t->log.mem = &t->mem;
        t->threaded = k + 1 < c->ndatasets && pthread_create(&t->thread, NULL, load_main, t) == 0;
        if (!t->threaded)
            load_main(t);       /* the last one (or no thread to be had): here */
    }
    for (size_t k = 0; k < c->ndatasets; k++)
        if (tasks[k].threaded)
            pthread_join(tasks[k].thread, NULL);
    int failed = 0;
    for (size_t k = 0; k < c->ndatasets; k++) {
        load_task *t = &tasks[k];
        size_t di = dataset_index(t->ic.dataset);
        if (!failed)
            take_rejects(j, t);     /* none of the files after a refused one, as before */
        if (failed || t->rc) {
            if (!failed) {
                complain(c->id, "%s", t->res.message);
                failed = t->rc;
            }
            table_free(t->res.table);
            ingest_result_free(&t->res);
        } else {
            j->results[di] = t->res;
        }
        reject_log_free(&t->log);
        arena_free(&t->mem);
    }
    free(tasks);
    if (failed)
        return failed;
    for (size_t k = 0; k < c->ndatasets; k++) {
        const ingest_config *ic = &c->datasets[k].ingest;
        size_t di = dataset_index(ic->dataset);
        ingest_result *res = &j->results[di];
        j->tables[di] = res->table;
        res->table = NULL;
        /* The line of each row served the rejects; nothing after the
         * reading needs it, and it is 4 bytes a row (40 MB of 10M rows). */
        free(j->tables[di]->line);
        j->tables[di]->line = NULL;
        for (char *w = res->warnings; w && *w;) {
            char *nl = strchr(w, '\n');
            char line[700];
            snprintf(line, sizeof line, "%.*s", (int)(nl ? nl - w : (long)strlen(w)), w);
            add_warning(&j->rep, line);
            if (verbose)
                complain(c->id, "warning: %s", line);
            w = nl ? nl + 1 : NULL;
        }
        input_file *in = &j->rep.inputs[j->rep.ninputs++];
        in->dataset = schema_datasets[di].name;
        in->path = arena_strdup(&j->rep.mem, ic->name);
        in->encoding = arena_strdup(&j->rep.mem, res->encoding);
        in->delimiter_name = delimiter_name(res->delimiter);
        in->size = res->size;
        in->rows = res->records;
        in->accepted = res->accepted;
        in->rejected = res->rejected;
    }
    return 0;
}

/* The hash of each export's bytes ran while the rules ran, on the core
 * they leave idle: wait for it.  The exports are the first inputs, in the
 * order of the rule file. */
static void take_hashes(job *j)
{
    const rules_config *c = j->cfg;
    for (size_t k = 0; k < c->ndatasets; k++) {
        ingest_result *res = &j->results[dataset_index(c->datasets[k].ingest.dataset)];
        ingest_hash_wait(res);
        memcpy(j->rep.inputs[k].sha256, res->sha256, sizeof res->sha256);
    }
}

/* Read the reference files and give each KPI its comparison values. */
static int load_references(job *j)
{
    const rules_config *c = j->cfg;
    ref_list refs = {.mem = &j->rep.mem};
    int rc = 0;
    for (size_t i = 0; i < c->nreferences && !rc; i++) {
        input_file *in = &j->rep.inputs[j->rep.ninputs++];
        char err[700];
        rc = reference_load(&c->references[i], &j->log, &refs, in, err, sizeof err);
        if (rc) {
            complain(c->id, "%s", err);
            break;
        }
    }
    if (!rc)
        reference_attach(&j->rep, &refs);
    ref_list_free(&refs);
    return rc;
}


/* A value a spreadsheet would take for a formula (=, +, @, a tab or CR
 * first, or - before something that is not a number) gets a leading
 * apostrophe, as OWASP advises for CSV files people open in Excel. */
static void write_reject_value(FILE *f, const char *v)
{
    bool formula = strchr("=+@\t\r", v[0]) && v[0] != '\0';
    if (v[0] == '-' && !(v[1] >= '0' && v[1] <= '9') && v[1] != '.')
        formula = true;
    if (!formula) {
        csv_write_field(f, v);
        return;
    }
    char *quoted = xmalloc(strlen(v) + 2);
    quoted[0] = '\'';
    strcpy(quoted + 1, v);
    csv_write_field(f, quoted);
    free(quoted);
}

static int write_rejects(const report *rep, FILE *f)
{
    fputs("file,line,field,value,reason\n", f);
    for (size_t i = 0; i < rep->nrejects; i++) {
        const reject *r = &rep->rejects[i];
        csv_write_field(f, r->file);
        fprintf(f, ",%ld,", r->line);
        csv_write_field(f, r->field);
        fputc(',', f);
        write_reject_value(f, r->value);
        fputc(',', f);
        csv_write_field(f, r->reason);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

typedef enum { W_JSON, W_REJECTS, W_XLSX, W_PDF } writer_kind;

/* In the workbook's process: a file holding what libxlsxwriter printed on
 * stderr, or -1.  Some of its functions return nothing and only print
 * "[ERROR] ... Memory allocation failed." when an allocation fails (a
 * chart title's font, say): the workbook then lacks something, though
 * every part of it is well formed.  Such a workbook must not replace the
 * good one. */
static int xlsx_chatter = -1;

/* The first error libxlsxwriter printed since the workbook was begun, in
 * err; false when there is none. */
static bool xlsx_printed_error(char *err, size_t errlen)
{
    if (xlsx_chatter < 0)
        return false;
    char buf[2048];
    ssize_t n = pread(xlsx_chatter, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *e = strstr(buf, "[ERROR]");
    if (!e)
        return false;
    char *nl = strchr(e, '\n');
    snprintf(err, errlen, "libxlsxwriter reported: %.*s", (int)(nl ? nl - e : (long)strlen(e)), e);
    return true;
}

/* Write one output file atomically.  Returns 0, or an exit status with
 * the reason in msg (the caller prints it: one line per failure). */
static int write_one(const job *j, const char *dir, const char *name, writer_kind kind, char *msg, size_t msglen)
{
    char path[4160], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    out_file o;
    if (out_begin(&o, path, err, sizeof err) != 0) {
        snprintf(msg, msglen, "%s", err);
        return KV_CANTCREAT;
    }
    int rc = 0;
    switch (kind) {
    case W_JSON: rc = json_write_report(&j->rep, o.f); break;
    case W_REJECTS: rc = write_rejects(&j->rep, o.f); break;
    case W_XLSX:
        out_release_stream(&o);
        errno = 0;
        rc = xlsx_write_report(&j->rep, j->labels, o.tmp, err, sizeof err);
        /* Some of libxlsxwriter's setters drop a failed allocation without
         * a word (a chart's title, say): the failed malloc's ENOMEM is
         * all that is left of it. */
        if (rc == 0 && errno == ENOMEM) {
            snprintf(err, sizeof err, "out of memory while the workbook was built");
            rc = -1;
        }
        if (rc == 0 && xlsx_printed_error(err, sizeof err))
            rc = -1;
        break;
    case W_PDF:
        out_release_stream(&o);
        rc = pdf_write_report(&j->rep, j->labels, o.tmp, j->cfg->list_limit, err, sizeof err);
        break;
    }
    if (rc != 0) {
        snprintf(msg, msglen, "%s: %s", path, err[0] ? err : strerror(errno));
        out_abort(&o);
        return KV_IOERR;
    }
    if (out_commit(&o, 1, err, sizeof err) != 0) {
        snprintf(msg, msglen, "%s", err);
        return KV_IOERR;
    }
    return 0;
}

/* In the workbook's own process: write it with libxlsxwriter's chatter on
 * stderr silenced, and hand any failure to the parent through `fd`. */
static void write_workbook_child(const job *j, const run_options *o, const char *dir, int fd)
{
    double t0 = now_seconds();
    char msg[5400] = "";
    /* Its chatter goes to a file of its own: read for errors, never shown. */
    FILE *chatter = tmpfile();
    int saved = dup(2), quiet = chatter ? fileno(chatter) : open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (quiet >= 0)
        dup2(quiet, 2);
    xlsx_chatter = chatter ? 2 : -1;
    int rc = write_one(j, dir, "report.xlsx", W_XLSX, msg, sizeof msg);
    xlsx_chatter = -1;
    if (saved >= 0)
        dup2(saved, 2);
    if (rc) {
        ssize_t w = write(fd, msg, strlen(msg));
        (void)w;
    }
    stage_time(o, j->cfg->id, "report.xlsx", t0);
    fflush(NULL);
    leak_check_child();
    _exit(rc);
}

/* Two rule files of one run must not share a municipality id: they would
 * write the same folder.  The first to claim <out>/<id>/.kvalrap-owner for
 * this run (the parent's pid) keeps it; a later one is refused. */
static int claim_municipality(const job *j, const run_options *o)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/%s", o->out_dir, j->cfg->id);
    if (make_dirs(dir) != 0) {
        complain(j->cfg->id, "cannot create %s: %s", dir, strerror(errno));
        return KV_CANTCREAT;
    }
    snprintf(path, sizeof path, "%s/.kvalrap-owner", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        complain(j->cfg->id, "cannot open %s: %s", path, strerror(errno));
        return KV_CANTCREAT;
    }
    int rc = 0;
    if (flock(fd, LOCK_EX) == 0) {
        char have[4400] = "", mine[4400];
        ssize_t n = pread(fd, have, sizeof have - 1, 0);
        have[n > 0 ? n : 0] = '\0';
        snprintf(mine, sizeof mine, "%ld %s\n", (long)getppid(), j->rule_path);
        long run = strtol(have, NULL, 10);
        const char *other = strchr(have, ' ');
        if (run == (long)getppid() && other && strcmp(have, mine) != 0) {
            char who[4300];
            snprintf(who, sizeof who, "%s", other + 1);
            who[strcspn(who, "\n")] = '\0';
            complain(j->rule_path, "municipality id \"%s\" is already used by %s in this run", j->cfg->id, who);
            rc = KV_CONFIG;
        } else if (ftruncate(fd, 0) != 0 || pwrite(fd, mine, strlen(mine), 0) < 0) {
            complain(j->cfg->id, "cannot write %s: %s", path, strerror(errno));
            rc = KV_CANTCREAT;
        }
    }
    close(fd);
    return rc;
}

static int write_outputs(const job *j, const run_options *o)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s/%s", o->out_dir, j->cfg->id, j->rep.period.id);
    if (make_dirs(dir) != 0) {
        complain(j->cfg->id, "cannot create %s: %s", dir, strerror(errno));
        return KV_CANTCREAT;
    }
    out_sweep(dir);
    /* The workbook is the slowest writer: a second process writes it from
     * the same (copied-on-write) report while this one writes the rest. */
    int pfd[2] = {-1, -1};
    pid_t xlsx = -1;
    if (pipe(pfd) == 0) {
        fflush(NULL);
        xlsx = fork();
        if (xlsx == 0) {
            close(pfd[0]);
            write_workbook_child(j, o, dir, pfd[1]);
        }
        close(pfd[1]);
    }
    static const struct { const char *name; writer_kind kind; } files[] = {
        {"kpis.json", W_JSON}, {"rejects.csv", W_REJECTS}, {"report.pdf", W_PDF}, {"report.xlsx", W_XLSX},
    };
    int rc = 0;
    char msg[5400] = "";
    for (size_t i = 0; i < sizeof files / sizeof files[0] && !rc; i++) {
        if (files[i].kind == W_XLSX) {
            if (xlsx < 0)
                rc = write_one(j, dir, files[i].name, files[i].kind, msg, sizeof msg);   /* no process: here */
            continue;
        }
        if (stop_signal) {
            snprintf(msg, sizeof msg, "stopped by signal %d before %s; the files written before are whole",
                     (int)stop_signal, files[i].name);
            rc = stopped_status();
            break;
        }
        double t0 = now_seconds();
        rc = write_one(j, dir, files[i].name, files[i].kind, msg, sizeof msg);
        stage_time(o, j->cfg->id, files[i].name, t0);
    }
    if (xlsx > 0) {
        char xmsg[5400] = "";
        ssize_t n, got = 0;
        while ((n = read(pfd[0], xmsg + got, sizeof xmsg - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR))
            got += n > 0 ? n : 0;
        xmsg[got] = '\0';
        int st;
        while (waitpid(xlsx, &st, 0) < 0 && errno == EINTR)
            ;
        int xrc = WIFEXITED(st) ? WEXITSTATUS(st) : KV_SOFTWARE;
        if (!WIFEXITED(st))
            snprintf(xmsg, sizeof xmsg, "the workbook writer crashed (%s)", strsignal(WTERMSIG(st)));
        if (!rc && xrc) {
            rc = xrc;
            /* It ended before it could say why: the allocators print (into
             * the silenced stderr) and exit with 71 when memory runs out. */
            if (!xmsg[0])
                snprintf(xmsg, sizeof xmsg, "%s/report.xlsx: %s", dir,
                         xrc == 71 ? "out of memory while the workbook was written" : "the workbook writer failed");
            snprintf(msg, sizeof msg, "%s", xmsg);
        }
    }
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (rc)
        complain(j->cfg->id, "%s", msg);   /* one line, however many writers failed */
    return rc;
}

static time_t generation_time(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v >= 0)
            return (time_t)v;
    }
    return time(NULL);
}

/* Open the rule file and pick the report language. */
static int open_rules(job *j, const char *rule_path, const run_options *o)
{
    char err[1024];
    j->rule_path = rule_path;
    if (access(rule_path, R_OK) != 0) {
        complain(rule_path, "cannot open the rule file: %s", strerror(errno));
        return KV_NOINPUT;
    }
    j->rules = rules_open(rule_path, &o->limits, o->data_dir, err, sizeof err);
    if (!j->rules) {
        /* Every message names the rule file, even those Lua gives none. */
        if (strstr(err, rule_path) == err)
            errorf("%s", err);
        else
            errorf("%s: %s", rule_path, err);
        return KV_CONFIG;
    }
    j->cfg = rules_get_config(j->rules);
    const char *lang = o->language ? o->language : j->cfg->language;
    j->labels = labels_load(lang);
    if (!j->labels) {
        complain(rule_path, "unknown language \"%s\" (nb, sv or en)", lang);
        return KV_CONFIG;
    }
    return 0;
}

static void fill_report_header(job *j, const run_options *o)
{
    report *rep = &j->rep;
    /* Copies: the report outlives the rules and the labels (batch_compute). */
    rep->municipality = arena_strdup(&rep->mem, j->cfg->id);
    rep->name = arena_strdup(&rep->mem, j->cfg->name);
    rep->language = arena_strdup(&rep->mem, labels_language(j->labels));
    rep->title = arena_strdup(&rep->mem, j->cfg->title ? j->cfg->title : label(j->labels, "report.title"));
    rep->period = o->period;
    rep->as_of = o->as_of;
    rep->generated = generation_time();
    rep->rule_file = arena_strdup(&rep->mem, j->rule_path);
    if (!sha256_file(j->rule_path, rep->rule_sha256))
        snprintf(rep->rule_sha256, sizeof rep->rule_sha256, "unreadable");
}

static void print_verbose(const char *line, void *ctx) { errorf("%s: print: %s", (const char *)ctx, line); }

typedef struct {
    const run_options *o;
    const char *rule_path;
} print_to_log;

static void print_log(const char *line, void *ctx)
{
    const print_to_log *p = ctx;
    log_line(p->o, "%s: print: %s", p->rule_path, line);
}

static void print_check(const char *line, void *ctx)
{
    (void)ctx;
    printf("  print: %s\n", line);
}

/* Compute the KPIs: ingest, then the rules.  Returns 0 or an exit status. */
static int compute(job *j, const run_options *o)
{
    fill_report_header(j, o);
    j->log.mem = &j->rep.mem;
    double t0 = now_seconds();
    int rc = load_exports(j, o->verbose);
    if (rc)
        return rc;
    stage_time(o, j->cfg->id, "ingest", t0);
    if (j->writes_pdf)
        pdf_prepare_beside();
    t0 = now_seconds();
    /* The rules make and drop many selections of up to 4 bytes a row.
     * From the heap they reuse pages already touched; above the threshold
     * main() sets, each would be fresh pages, and a page's first touch
     * costs about 3 µs on a virtual machine: a third of the rules stage
     * of 1M rows.  glibc's largest threshold (32 MiB) is less than a
     * selection of 10M rows, so no block gets pages of its own during the
     * stage (M_MMAP_MAX 0), and the heap's top is not given back between
     * one selection and the next (10M rows: 1.6-1.9 -> 0.9-1.0 s back to
     * back).  The heap goes back once the tables are freed. */
    mallopt(M_MMAP_THRESHOLD, RULES_MMAP_THRESHOLD);
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, RULES_TRIM_THRESHOLD);
    char err[1024];
    int erc = rules_evaluate(j->rules, j->tables, &o->period, o->as_of, j->labels, &j->rep, err, sizeof err);
    /* Nothing reads the tables after the rules (the report holds copies of
     * what it shows): the writers, and the workbook's process forked from
     * this one, start without them.  They are freed before the hashes are
     * waited for: a hash still running then overlaps the freeing. */
    for (size_t i = 0; i < schema_ndatasets; i++) {
        table_free(j->tables[i]);
        j->tables[i] = NULL;
    }
    malloc_trim(0);
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    mallopt(M_MMAP_MAX, MMAP_MAX);
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    take_hashes(j);
    /* A rule file's print() goes to the log (capped at 100 lines). */
    if (o->verbose)
        rules_each_print(j->rules, print_verbose, (void *)j->rule_path);
    if (o->log_path || o->use_syslog) {
        print_to_log ctx = {o, j->rule_path};
        rules_each_print(j->rules, print_log, &ctx);
    }
    if (erc != 0) {
        errorf("%s", err);
        return KV_CONFIG;
    }
    stage_time(o, j->cfg->id, "rules", t0);
    rc = load_references(j);
    if (rc)
        return rc;
    /* The report owns its copy, so it can outlive the job. */
    j->rep.nrejects = j->log.n;
    j->rep.rejects = arena_alloc(&j->rep.mem, (j->log.n + 1) * sizeof *j->rep.rejects);
    if (j->log.n)
        memcpy(j->rep.rejects, j->log.v, j->log.n * sizeof *j->rep.rejects);
    j->rep.rejected_rows = j->log.rows;
    return 0;
}

int batch_municipality(const char *rule_path, const run_options *o)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    log_line(o, "%s: start %s", rule_path, o->period.id);
    job j = {.writes_pdf = true};
    int rc = open_rules(&j, rule_path, o);
    if (!rc)
        rc = compute(&j, o);
    history *hist = NULL;
    if (!rc && o->history_path) {
        char err[1024];
        hist = history_open(o->history_path, err, sizeof err);
        if (!hist || history_apply(hist, &j.rep, err, sizeof err) != 0) {
            errorf("%s", err);
            rc = KV_IOERR;
        }
    }
    if (!rc)
        rc = claim_municipality(&j, o);
    if (!rc)
        rc = write_outputs(&j, o);
    if (!rc && hist) {
        char err[1024];
        if (history_record(hist, &j.rep, err, sizeof err) != 0) {
            errorf("%s", err);
            rc = KV_IOERR;
        }
    }
    history_close(hist);
    pdf_prepare_done();
    long rows = 0;
    for (size_t i = 0; i < j.rep.ninputs; i++)
        rows += j.rep.inputs[i].rows;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    log_line(o, "%s: end %s status %d in %.2f s, %ld rows, %ld rejected", rule_path, o->period.id, rc, secs,
             rows, j.rep.rejected_rows);
    if (!rc && o->verbose)
        errorf("%s: %s: %zu KPIs, %ld rows, %ld rejected -> %s/%s/%s/ (%.2f s)", j.cfg->id, o->period.id,
               j.rep.nkpis, rows, j.rep.rejected_rows, o->out_dir, j.cfg->id, o->period.id, secs);
    job_free(&j);
    return rc;
}

/* ---------------------------------------------------------------- the batch */

typedef struct {
    pid_t pid;
    size_t index;
    struct timespec started;
} child;

static double elapsed(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int child_status(const char *path, int status, const run_options *o)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (sig == SIGALRM || sig == SIGXCPU)
        errorf("%s: stopped after the time limit of %u s", path, o->timeout);
    else if (stop_signal)
        return stopped_status();
    else
        errorf("%s: crashed (%s)", path, strsignal(sig));
    return KV_SOFTWARE;
}

/* The bounds a child runs under, whatever its rule file does: a wall-clock
 * alarm, and an address-space cap (not under AddressSanitizer, whose shadow
 * memory needs terabytes of address space). */
static void limit_child(const run_options *o)
{
    if (o->timeout)
        alarm(o->timeout);
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
#if !defined(__SANITIZE_ADDRESS__)
    if (o->max_memory) {
        struct rlimit as = {(rlim_t)o->max_memory, (rlim_t)o->max_memory};
        setrlimit(RLIMIT_AS, &as);
    }
#endif
}

/* Start fn in a child.  The child frees the parent's bookkeeping (`spare`)
 * it inherited, so leak checkers see a clean exit. */
static pid_t start_child(batch_fn fn, const batch_item *item, const run_options *o, void *spare[2])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        free(spare[0]);
        free(spare[1]);
        limit_child(o);
        run_options mine = *o;
        mine.data_dir = item->data_dir;
        int rc = fn(item->rules, &mine);
        fflush(NULL);
        leak_check_child();
        _exit(rc);
    }
    return pid;
}

static void show_progress(const run_options *o, size_t done, size_t n)
{
    if (!o->progress)
        return;
    char line[80];
    int len = snprintf(line, sizeof line, "\rkvalrap: %zu of %zu municipalities done%s", done, n,
                       done == n ? "\n" : "");
    ssize_t w = write(2, line, (size_t)len);
    (void)w;
}

int batch_run_each(batch_fn fn, const batch_item *items, size_t n, const run_options *o)
{
    catch_stop_signals();
    int jobs = o->jobs > 0 ? o->jobs : 1;
    child *running = xcalloc((size_t)jobs, sizeof *running);
    int *status = xcalloc(n ? n : 1, sizeof *status);
    size_t next = 0, active = 0, done = 0;
    while (active > 0 || (next < n && !stop_signal)) {
        while (next < n && active < (size_t)jobs && !stop_signal) {
            int slot = 0;
            while (running[slot].pid)
                slot++;
            clock_gettime(CLOCK_MONOTONIC, &running[slot].started);
            void *spare[2] = {running, status};
            pid_t pid = start_child(fn, &items[next], o, spare);
            if (pid < 0) {
                errorf("%s: cannot start a process: %s", items[next].rules, strerror(errno));
                status[next++] = KV_SOFTWARE;
                continue;
            }
            running[slot].pid = pid;
            running[slot].index = next++;
            active++;
        }
        if (!active)
            break;
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno != EINTR)
                break;
            /* A stop signal: pass it on; each child finishes its current file. */
            for (int k = 0; k < jobs && stop_signal; k++)
                if (running[k].pid)
                    kill(running[k].pid, SIGTERM);
            continue;
        }
        for (int k = 0; k < jobs; k++) {
            if (running[k].pid != pid)
                continue;
            const char *path = items[running[k].index].rules;
            int rc = child_status(path, st, o);
            status[running[k].index] = rc;
            if (rc && !WIFEXITED(st))
                log_line(o, "%s: failed: status %d after %.2f s", path, rc, elapsed(&running[k].started));
            running[k].pid = 0;
            active--;
            show_progress(o, ++done, n);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = status[i];
    if (stop_signal && next < n) {
        errorf("stopped by signal %d; %zu of %zu municipalities were not run", (int)stop_signal, n - next, n);
        rc = stopped_status();
    }
    free(running);
    free(status);
    return rc;
}

int batch_run(const batch_item *items, size_t n, const run_options *o)
{
    /* Each child of a batch inherits an opened PDF document instead of
     * opening one.  One municipality opens its own beside its rules
     * (compute): here it would delay the reading by the 20-30 ms it
     * takes. */
    if (n > 1)
        pdf_prepare();
    int rc = batch_run_each(batch_municipality, items, n, o);
    pdf_prepared_free();
    return rc;
}

int batch_lock(const char *out_dir, const char *name, int *fd_out)
{
    if (make_dirs(out_dir) != 0) {
        errorf("cannot create %s: %s", out_dir, strerror(errno));
        return KV_CANTCREAT;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/.%s.lock", out_dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        errorf("cannot open the lock %s: %s", path, strerror(errno));
        return KV_CANTCREAT;
    }
    /* flock is released by the kernel when its holder dies, so a killed
     * run never leaves a stale lock behind. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t r = read(fd, pid, sizeof pid - 1);
        pid[r > 0 ? r : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        errorf("another kvalrap run is writing to %s (pid %s); not starting", out_dir, pid[0] ? pid : "?");
        close(fd);
        return KV_TEMPFAIL;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0) {
        ssize_t w = write(fd, pid, (size_t)len);
        (void)w;
    }
    *fd_out = fd;
    return 0;
}

/* ---------------------------------------------------------------- check */

static int check_in_process(const char *rule_path, const run_options *o)
{
    job j = {0};
    int rc = open_rules(&j, rule_path, o);
    if (!rc)
        rc = compute(&j, o);
    if (!rc) {
        printf("%s: %s (%s), %zu datasets, %zu KPIs for %s:\n", rule_path, j.cfg->name, j.cfg->id,
               j.rep.ninputs, j.rep.nkpis, o->period.id);
        for (size_t i = 0; i < j.rep.ninputs; i++) {
            const input_file *in = &j.rep.inputs[i];
            printf("  %-11s %s (%s, %s): %ld rows, %ld rejected\n", in->dataset, in->path, in->encoding,
                   in->delimiter_name, in->rows, in->rejected);
        }
        for (size_t i = 0; i < j.rep.nwarnings; i++)
            printf("  warning: %s\n", j.rep.warnings[i]);
        for (size_t i = 0; i < j.rep.ninputs; i++) {
            const input_file *in = &j.rep.inputs[i];
            if (in->rows > 0 && in->rejected * 2 > in->rows)
                printf("  warning: %s: %ld of %ld rows rejected; check the mapping, date_format and encoding\n",
                       in->path, in->rejected, in->rows);
        }
        rules_each_print(j.rules, print_check, NULL);
        for (size_t i = 0; i < j.rep.nkpis; i++) {
            const kpi_result *k = &j.rep.kpis[i];
            printf("  kpi %-34s %s\n", k->id, k->title);
        }
        if (j.log.n)
            printf("  %ld rejected rows; the first: %s:%ld: %s: %s\n", j.log.rows, j.log.v[0].file,
                   j.log.v[0].line, j.log.v[0].field[0] ? j.log.v[0].field : "(row)", j.log.v[0].reason);
    }
    job_free(&j);
    return rc;
}

report *batch_compute(const char *rule_path, const run_options *o, int *status)
{
    job j = {0};
    int rc = open_rules(&j, rule_path, o);
    if (!rc)
        rc = compute(&j, o);
    report *r = NULL;
    if (!rc) {
        r = xmalloc(sizeof *r);
        *r = j.rep;
        j.rep = (report){0};
    }
    job_free(&j);
    *status = rc;
    return r;
}

int batch_check(const char *rule_path, const run_options *o)
{
    batch_item item = {rule_path, o->data_dir};
    run_options quiet = *o;
    quiet.progress = false;
    return batch_run_each(check_in_process, &item, 1, &quiet);
}

/* ---------------------------------------------------------------- benchmark */

/* One file of the benchmark report, written atomically like the reports. */
static int write_benchmark_file(const benchmark *b, const labels *l, const char *dir, const char *name,
                                writer_kind kind)
{
    char path[4300], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    out_file f;
    if (out_begin(&f, path, err, sizeof err) != 0) {
        errorf("benchmark: %s", err);
        return KV_CANTCREAT;
    }
    int rc = 0;
    if (kind == W_JSON) {
        rc = json_write_benchmark(b, f.f);
    } else {
        out_release_stream(&f);
        rc = kind == W_XLSX ? xlsx_write_benchmark(b, l, f.tmp, err, sizeof err)
                            : pdf_write_benchmark(b, l, f.tmp, err, sizeof err);
    }
    if (rc != 0) {
        errorf("benchmark: %s: %s", path, err[0] ? err : strerror(errno));
        out_abort(&f);
        return KV_IOERR;
    }
    if (out_commit(&f, 1, err, sizeof err) != 0) {
        errorf("benchmark: %s", err);
        return KV_IOERR;
    }
    return 0;
}

static const char *majority_language(const benchmark *b)
{
    static const char *const langs[] = {"nb", "sv", "en"};
    size_t best = 2, count[3] = {0};
    for (size_t m = 0; m < b->nmunicipalities; m++)
        for (size_t i = 0; i < 3; i++)
            if (b->municipalities[m].language && strcmp(b->municipalities[m].language, langs[i]) == 0)
                count[i]++;
    for (size_t i = 0; i < 3; i++)
        if (count[i] > count[best])
            best = i;
    return langs[best];
}

int batch_benchmark(const char *const *out_dirs, size_t ndirs, const period *p, const run_options *o,
                    bool required)
{
    char **paths = NULL;
    size_t n = 0;
    for (size_t d = 0; d < ndirs; d++) {
        size_t k;
        char **found = benchmark_find(out_dirs[d], p->id, &k);
        paths = xrealloc(paths, (n + k + 1) * sizeof *paths);
        if (k)      /* found is NULL when there is nothing */
            memcpy(paths + n, found, k * sizeof *paths);
        n += k;
        free(found);
    }
    int rc = 0;
    if (n < 2 && !required)
        rc = -1;                /* a run whose others failed: nothing to compare, nothing to say */
    else if (n < 2) {
        errorf("benchmark: %zu kpis.json for %s under %s; at least two municipalities are needed", n, p->id,
               out_dirs[0]);
        rc = KV_NOINPUT;
    }
    benchmark b;
    char err[1024];
    if (!rc && (rc = benchmark_load(&b, (const char *const *)paths, n, err, sizeof err)) != 0)
        errorf("benchmark: %s", err);
    if (!rc) {
        b.generated = generation_time();
        labels *l = labels_load(o->language ? o->language : majority_language(&b));
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/_benchmark/%s", o->out_dir, p->id);
        if (make_dirs(dir) != 0) {
            errorf("cannot create %s: %s", dir, strerror(errno));
            rc = KV_CANTCREAT;
        }
        out_sweep(dir);
        static const struct { const char *name; writer_kind kind; } files[] = {
            {"benchmark.json", W_JSON}, {"benchmark.xlsx", W_XLSX}, {"benchmark.pdf", W_PDF},
        };
        for (size_t i = 0; i < sizeof files / sizeof files[0] && !rc; i++)
            rc = write_benchmark_file(&b, l, dir, files[i].name, files[i].kind);
        if (!rc && o->verbose)
            errorf("benchmark: %zu municipalities, %zu shared KPIs -> %s/", b.nmunicipalities, b.nrows, dir);
        labels_free(l);
        benchmark_free(&b);
    }
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc < 0 ? 0 : rc;
}
