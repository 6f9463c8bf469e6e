/*
 * timeit.c - run a command several times; print its median wall time and
 * peak memory.  The benchmark's stopwatch (bench/run.sh).
 *
 *   timeit [-n RUNS] [-w WARMUPS] [-o OUT] [-e ERRPREFIX] [-c PATH]... -- COMMAND [ARG...]
 *
 * Each run is fork + execvp; the wall time is CLOCK_MONOTONIC from before
 * the fork to the return of wait4(), and the peak memory is the ru_maxrss
 * that wait4() returns: the largest resident set of the command or of any
 * of its descendants it waited for -- the same figure as GNU time's
 * "Maximum resident set size" (/usr/bin/time -v uses wait4 as well).
 * stdout goes to OUT (default /dev/null); stderr of run i to ERRPREFIX.i
 * (default /dev/null), so that bench/run.sh can read the per-stage lines of
 * `kvalrap run --verbose`.  Warm-up runs (default 1) are not counted.
 * Before each run, every file at or under each -c PATH is read through,
 * untimed: some machines (virtual ones with a memory balloon) drop files
 * from the page cache within a minute or two, and a run that reads part of
 * its input from the disk measures the disk.
 *
 * Prints one line:
 *   median=S min=S max=S rss_kb=K rss_max_kb=K user=S sys=S runs=N
 * (median over the runs for every figure but min, max and rss_max_kb).
 * Exits 1 when a run fails (its status and the stderr file are named).
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double tv(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

static void redirect(int fd, const char *path)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (f < 0) {
        fprintf(stderr, "timeit: cannot open %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    if (dup2(f, fd) < 0)
        _exit(127);
    close(f);
}

/* nftw's visit: read a regular file through, into the page cache. */
static int read_through(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type != FTW_F)
        return 0;
    static char buf[1 << 20];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "timeit: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        ;
    if (n < 0)
        fprintf(stderr, "timeit: cannot read %s: %s\n", path, strerror(errno));
    close(fd);
    return n < 0;
}

/* One run; returns 0 and fills wall/rusage, or the failing status. */
static int run_once(char **cmd, const char *out, const char *err, double *wall, struct rusage *ru)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("timeit: fork");
        exit(1);
    }
    if (pid == 0) {
        redirect(1, out);
        redirect(2, err);
        execvp(cmd[0], cmd);
        fprintf(stderr, "timeit: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (wait4(pid, &status, 0, ru) < 0) {
        if (errno != EINTR) {
            perror("timeit: wait4");
            exit(1);
        }
    }
    *wall = now() - t0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv)
{
    int runs = 5, warm = 1, opt;
    const char *out = "/dev/null", *errp = NULL, *cache[64];
    int ncache = 0;
    while ((opt = getopt(argc, argv, "+n:w:o:e:c:")) != -1) {
        switch (opt) {
        case 'n': runs = atoi(optarg); break;
        case 'w': warm = atoi(optarg); break;
        case 'o': out = optarg; break;
        case 'e': errp = optarg; break;
        case 'c':
            if (ncache == (int)(sizeof cache / sizeof cache[0]))
                goto usage;
            cache[ncache++] = optarg;
            break;
        default: goto usage;
        }
    }
    if (optind >= argc || runs < 1 || warm < 0)
        goto usage;
    char **cmd = argv + optind;
    double *wall = calloc((size_t)runs, sizeof *wall), *user = calloc((size_t)runs, sizeof *user);
    double *sys = calloc((size_t)runs, sizeof *sys), *rss = calloc((size_t)runs, sizeof *rss);
    if (!wall || !user || !sys || !rss)
        return 1;
    double lo = 1e300, hi = 0, rss_max = 0;
    for (int i = -warm; i < runs; i++) {
        char errfile[4096];
        if (errp)
            snprintf(errfile, sizeof errfile, "%s.%d", errp, i < 0 ? 0 : i);
        else
            snprintf(errfile, sizeof errfile, "/dev/null");
        for (int k = 0; k < ncache; k++)
            switch (nftw(cache[k], read_through, 16, FTW_PHYS)) {
            case 0: break;
            case -1: fprintf(stderr, "timeit: -c %s: %s\n", cache[k], strerror(errno)); return 1;
            default: return 1;  /* read_through said which file */
            }
        struct rusage ru;
        double w;
        int rc = run_once(cmd, out, errfile, &w, &ru);
        if (rc != 0) {
            fprintf(stderr, "timeit: %s exited with status %d (stderr: %s)\n", cmd[0], rc, errfile);
            return 1;
        }
        if (i < 0)
            continue;
        wall[i] = w;
        user[i] = tv(ru.ru_utime);
        sys[i] = tv(ru.ru_stime);
        rss[i] = (double)ru.ru_maxrss;
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
        rss_max = rss[i] > rss_max ? rss[i] : rss_max;
    }
    printf("median=%.4f min=%.4f max=%.4f rss_kb=%.0f rss_max_kb=%.0f user=%.4f sys=%.4f runs=%d\n",
           median(wall, runs), lo, hi, median(rss, runs), rss_max, median(user, runs), median(sys, runs), runs);
    return 0;
usage:
    fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUPS] [-o OUT] [-e ERRPREFIX] [-c PATH]... -- COMMAND [ARG...]\n");
    return 2;
}
