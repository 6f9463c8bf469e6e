/*
 * shim.c - fault injection for kvalrap, after curl's torture mode.
 *
 * An LD_PRELOAD library (so it also reaches the allocations and writes of
 * liblua, libcsv, libxlsxwriter, minizip, libharu, sqlite and libc's own
 * stdio), loaded into kvalrap built with AddressSanitizer:
 *
 *   KV_FAIL_ALLOC=N        the Nth allocation of the run fails (NULL, ENOMEM)
 *   KV_FAIL_IO=N           the Nth file operation fails: write, pwrite,
 *                          writev, fsync, fdatasync, close, rename, renameat,
 *                          fflush, fclose, fwrite, fputs, fputc, putc,
 *                          fprintf, vfprintf (and their _chk forms)
 *   KV_FAIL_IO_ERRNO=E     ENOSPC (default), EIO or EDQUOT
 *   KV_FAULT_REPORT=FILE   "allocs A\nio I\n" written here at the end of the
 *                          run: how many were counted (N = 0 fails nothing)
 *   KV_FAULT_LOG=FILE      a line per injected fault and per leak check,
 *                          with the stack of the faulting call
 *   KV_FAULT_SERIAL=1      fork() returns in the parent only once the child
 *                          has ended (it stays waitable: waitid WNOWAIT), so
 *                          processes that would run side by side (the
 *                          workbook's writer beside the PDF's) run one after
 *                          the other and "the Nth" is the same call each time
 *
 * Counting starts when main() starts and is shared by every process of the
 * run (a MAP_SHARED page), so with -j 1 "the Nth" is the same call every
 * time.  Only one operation fails; the ones after it succeed.
 *
 * Operations on stdin, stdout and stderr and on anything that is not a
 * regular file or a folder (pipes, memory streams) are neither counted nor
 * failed: the fault is a full or failing disk, not a closed terminal.
 *
 * Crashes: run with ASAN_OPTIONS=handle_segv=0:handle_sigbus=0 the program
 * dies by the signal as a production build does (so the batch's parent
 * sees it); the shim logs "CRASH" and the stack first.
 *
 * Leaks: with ASAN_OPTIONS=detect_leaks=1:leak_check_at_exit=0 the shim runs
 * LeakSanitizer itself when a process ends, in the children too (they end
 * with _exit, which would skip LeakSanitizer's own check), and notes the
 * result in the log.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* LeakSanitizer's interface, when the program has it. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t n) __attribute__((weak));
void __lsan_disable(void) __attribute__((weak));
void __lsan_enable(void) __attribute__((weak));

typedef struct {
    atomic_long allocs, io;         /* counted so far, all processes */
    atomic_int alloc_failed, io_failed;
    atomic_int leaks;               /* processes whose leak check failed */
} shared_counts;

static shared_counts *sc;
static long fail_alloc, fail_io;
static int fail_errno = ENOSPC;
static int active;                  /* main() has started */
static pid_t top_pid;
static int exit_status = -1;        /* from exit(), when it was called */
static __thread int inside;         /* the shim's own calls are not counted */

/* ---------------------------------------------------------------- the real functions */

/* dlsym may allocate before the real allocator is known: a small static
 * arena serves those calls (never freed, never reused). */
static char boot_buf[8192];
static size_t boot_used;

static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot_buf)
        return NULL;
    void *p = boot_buf + boot_used;
    boot_used += n;
    return p;
}

static int is_boot(const void *p) { return (const char *)p >= boot_buf && (const char *)p < boot_buf + sizeof boot_buf; }

#define REAL(ret, name, args) static ret(*real_##name) args
REAL(void *, malloc, (size_t));
REAL(void *, calloc, (size_t, size_t));
REAL(void *, realloc, (void *, size_t));
REAL(void *, reallocarray, (void *, size_t, size_t));
REAL(void, free, (void *));
REAL(char *, strdup, (const char *));
REAL(char *, strndup, (const char *, size_t));
REAL(int, posix_memalign, (void **, size_t, size_t));
REAL(void *, aligned_alloc, (size_t, size_t));
REAL(ssize_t, write, (int, const void *, size_t));
REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t));
REAL(ssize_t, writev, (int, const struct iovec *, int));
REAL(int, fsync, (int));
REAL(int, fdatasync, (int));
REAL(int, close, (int));
REAL(int, rename, (const char *, const char *));
REAL(int, renameat, (int, const char *, int, const char *));
REAL(int, fflush, (FILE *));
REAL(int, fclose, (FILE *));
REAL(size_t, fwrite, (const void *, size_t, size_t, FILE *));
REAL(int, fputs, (const char *, FILE *));
REAL(int, fputc, (int, FILE *));
REAL(int, putc, (int, FILE *));
REAL(int, vfprintf, (FILE *, const char *, va_list));
REAL(int, __vfprintf_chk, (FILE *, int, const char *, va_list));
REAL(void, exit, (int)) __attribute__((noreturn));
REAL(pid_t, fork, (void));
REAL(void, _exit, (int)) __attribute__((noreturn));

static volatile int resolving;

#define RESOLVE(name) (real_##name ? 0 : (resolving++, real_##name = dlsym(RTLD_NEXT, #name), resolving--, 0))

/* ---------------------------------------------------------------- log */

static void log_line(const char *fmt, ...)
{
    const char *path = getenv("KV_FAULT_LOG");
    if (!path)
        return;
    inside++;
    char buf[20000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        RESOLVE(write);
        RESOLVE(close);
        ssize_t w = real_write(fd, buf, (size_t)n);
        (void)w;
        real_close(fd);
    }
    inside--;
}

/* The stack of the faulting call, symbolised by the sanitizer when it can. */
static void log_stack(void)
{
    void *pcs[48];
    inside++;
    int n = backtrace(pcs, 48);
    char out[16384];
    size_t len = 0;
    for (int i = 2; i < n && len < sizeof out - 400; i++) {
        char frame[384] = "";
        if (__sanitizer_symbolize_pc)
            __sanitizer_symbolize_pc((char *)pcs[i] - 1, "%f %L", frame, sizeof frame);
        if (!frame[0]) {
            Dl_info di;
            if (dladdr(pcs[i], &di) && di.dli_fname)
                snprintf(frame, sizeof frame, "%s+%#lx %s", di.dli_fname,
                         (unsigned long)((char *)pcs[i] - (char *)di.dli_fbase), di.dli_sname ? di.dli_sname : "?");
            else
                snprintf(frame, sizeof frame, "%p", pcs[i]);
        }
        len += (size_t)snprintf(out + len, sizeof out - len, "    #%d %s\n", i - 2, frame);
    }
    log_line("%s", out);
    inside--;
}

/* ---------------------------------------------------------------- set-up */

/* A crash: log where, then die by the same signal. */
static void on_crash(int sig)
{
    inside++;
    log_line("CRASH signal %d in pid %ld\n", sig, (long)getpid());
    log_stack();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_crashes(void)
{
    static char stack[64 * 1024];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    struct sigaction old;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            sigaction(sigs[i], &sa, NULL);
}

static long env_long(const char *name)
{
    const char *s = getenv(name);
    return s && *s ? strtol(s, NULL, 10) : 0;
}

__attribute__((constructor)) static void shim_init(void)
{
    sc = mmap(NULL, sizeof *sc, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sc == MAP_FAILED)
        abort();
    memset(sc, 0, sizeof *sc);
    fail_alloc = env_long("KV_FAIL_ALLOC");
    fail_io = env_long("KV_FAIL_IO");
    const char *e = getenv("KV_FAIL_IO_ERRNO");
    if (e && strcmp(e, "EIO") == 0)
        fail_errno = EIO;
    else if (e && strcmp(e, "EDQUOT") == 0)
        fail_errno = EDQUOT;
    top_pid = getpid();
    /* backtrace() loads libgcc_s on first use, which allocates (for the
     * life of the process): do it now, outside LeakSanitizer's view. */
    void *pcs[2];
    inside++;
    if (__lsan_disable)
        __lsan_disable();
    backtrace(pcs, 2);
    if (__lsan_enable)
        __lsan_enable();
    inside--;
}

static void leak_check(int status)
{
    if (!__lsan_do_recoverable_leak_check)
        return;
    inside++;
    int leaked = __lsan_do_recoverable_leak_check();
    inside--;
    if (leaked) {
        atomic_fetch_add(&sc->leaks, 1);
        log_line("LEAK in pid %ld (exit status %d)\n", (long)getpid(), status);
    }
}

static void write_report(void)
{
    const char *path = getenv("KV_FAULT_REPORT");
    if (!path || getpid() != top_pid)
        return;
    char buf[200];
    int n = snprintf(buf, sizeof buf, "allocs %ld\nio %ld\nalloc_failed %d\nio_failed %d\nleaks %d\n",
                     atomic_load(&sc->allocs), atomic_load(&sc->io), atomic_load(&sc->alloc_failed),
                     atomic_load(&sc->io_failed), atomic_load(&sc->leaks));
    inside++;
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        RESOLVE(write);
        RESOLVE(close);
        ssize_t w = real_write(fd, buf, (size_t)n);
        (void)w;
        real_close(fd);
    }
    inside--;
}

/* Runs when main returns or exit() is called. */
__attribute__((destructor)) static void shim_fini(void)
{
    if (!active)
        return;
    active = 0;
    leak_check(exit_status);
    write_report();
}

void exit(int status)
{
    RESOLVE(exit);
    exit_status = status;
    real_exit(status);
}

/* Children of the batch end with _exit: check their leaks first. */
void _exit(int status)
{
    RESOLVE(_exit);
    if (active) {
        active = 0;
        leak_check(status);
        write_report();
    }
    real__exit(status);
}

/* KV_FAULT_SERIAL: the child first, to its end; the parent then goes on
 * and reaps it as it always does. */
pid_t fork(void)
{
    RESOLVE(fork);
    pid_t pid = real_fork();
    if (pid > 0 && active && getenv("KV_FAULT_SERIAL")) {
        siginfo_t info;
        while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
            ;
    }
    return pid;
}

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int shim_main(int argc, char **argv, char **envp)
{
    catch_crashes();
    active = 1;
    return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *) =
        dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main;
    return real(shim_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* ---------------------------------------------------------------- allocations */

static int alloc_fails(const char *what, size_t n)
{
    if (!active || inside)
        return 0;
    long k = atomic_fetch_add(&sc->allocs, 1) + 1;
    if (k != fail_alloc)
        return 0;
    atomic_store(&sc->alloc_failed, 1);
    log_line("FAIL alloc #%ld: %s(%zu) in pid %ld\n", k, what, n, (long)getpid());
    log_stack();
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n)
{
    if (!real_malloc) {
        if (resolving)
            return boot_alloc(n);
        RESOLVE(malloc);
    }
    if (alloc_fails("malloc", n))
        return NULL;
    return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (!real_calloc) {
        if (resolving) {
            void *p = boot_alloc(n * size);
            if (p)
                memset(p, 0, n * size);
            return p;
        }
        RESOLVE(calloc);
    }
    if (alloc_fails("calloc", n * size))
        return NULL;
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    RESOLVE(realloc);
    if (is_boot(p)) {
        void *q = malloc(n);
        if (q)
            memcpy(q, p, n < sizeof boot_buf ? n : sizeof boot_buf);
        return q;
    }
    /* realloc(p, 0) frees: not an allocation that can fail. */
    if (n && alloc_fails("realloc", n))
        return NULL;
    return real_realloc(p, n);
}

void *reallocarray(void *p, size_t n, size_t size)
{
    RESOLVE(reallocarray);
    if (n && size && alloc_fails("reallocarray", n * size))
        return NULL;
    return real_reallocarray(p, n, size);
}

void free(void *p)
{
    if (is_boot(p))
        return;
    if (!real_free) {
        if (resolving)
            return;             /* dlsym's own error buffer, while resolving */
        RESOLVE(free);
    }
    real_free(p);
}

char *strdup(const char *s)
{
    RESOLVE(strdup);
    if (alloc_fails("strdup", strlen(s) + 1))
        return NULL;
    return real_strdup(s);
}

char *strndup(const char *s, size_t n)
{
    RESOLVE(strndup);
    if (alloc_fails("strndup", n + 1))
        return NULL;
    return real_strndup(s, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    RESOLVE(posix_memalign);
    if (alloc_fails("posix_memalign", n))
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    RESOLVE(aligned_alloc);
    if (alloc_fails("aligned_alloc", n))
        return NULL;
    return real_aligned_alloc(align, n);
}

/* ---------------------------------------------------------------- file operations */

/* A regular file or a folder, not a standard stream. */
static int fd_counts(int fd)
{
    if (fd <= 2)
        return 0;
    struct stat st;
    return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
}

static int stream_counts(FILE *f)
{
    if (!f || f == stdin || f == stdout || f == stderr)
        return 0;
    int saved = errno;          /* fileno/fstat on a memory stream set EBADF */
    int counts = fd_counts(fileno(f));
    errno = saved;
    return counts;
}

static const char *fd_name(int fd, char *buf, size_t n);

/* Count one operation on fd (or on the path detail); 1 when it is the one
 * to fail, errno set. */
static int io_fails(const char *what, int fd, const char *detail)
{
    if (!active || inside)
        return 0;
    long k = atomic_fetch_add(&sc->io, 1) + 1;
    if (k != fail_io)
        return 0;
    char namebuf[512];
    if (!detail)
        detail = fd_name(fd, namebuf, sizeof namebuf);
    atomic_store(&sc->io_failed, 1);
    log_line("FAIL io #%ld: %s %s in pid %ld (%s)\n", k, what, detail, (long)getpid(), strerror(fail_errno));
    log_stack();
    errno = fail_errno;
    return 1;
}

static const char *fd_name(int fd, char *buf, size_t n)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, buf, n - 1);
    buf[len > 0 ? len : 0] = '\0';
    return buf;
}

#define FD_FAILS(what, fd) (active && !inside && fd_counts(fd) && io_fails(what, fd, NULL))
#define STREAM_FAILS(what, f) (active && !inside && stream_counts(f) && io_fails(what, fileno(f), NULL))

/* glibc's stream error flag (_IO_ERR_SEEN), so ferror() tells the truth. */
static void stream_error(FILE *f) { f->_flags |= 0x0020; }

ssize_t write(int fd, const void *buf, size_t n)
{
    RESOLVE(write);
    if (FD_FAILS("write", fd))
        return -1;
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    RESOLVE(pwrite);
    if (FD_FAILS("pwrite", fd))
        return -1;
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    RESOLVE(pwrite64);
    if (FD_FAILS("pwrite64", fd))
        return -1;
    return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    RESOLVE(writev);
    if (FD_FAILS("writev", fd))
        return -1;
    return real_writev(fd, iov, n);
}

int fsync(int fd)
{
    RESOLVE(fsync);
    if (FD_FAILS("fsync", fd))
        return -1;
    return real_fsync(fd);
}

int fdatasync(int fd)
{
    RESOLVE(fdatasync);
    if (FD_FAILS("fdatasync", fd))
        return -1;
    return real_fdatasync(fd);
}

/* Linux closes the descriptor even when close reports an error. */
int close(int fd)
{
    RESOLVE(close);
    if (FD_FAILS("close", fd)) {
        int e = errno;
        real_close(fd);
        errno = e;
        return -1;
    }
    return real_close(fd);
}

int rename(const char *from, const char *to)
{
    RESOLVE(rename);
    if (active && !inside && io_fails("rename", -1, to))
        return -1;
    return real_rename(from, to);
}

int renameat(int dfrom, const char *from, int dto, const char *to)
{
    RESOLVE(renameat);
    if (active && !inside && io_fails("renameat", -1, to))
        return -1;
    return real_renameat(dfrom, from, dto, to);
}

int fflush(FILE *f)
{
    RESOLVE(fflush);
    if (STREAM_FAILS("fflush", f)) {
        stream_error(f);
        return EOF;
    }
    return real_fflush(f);
}

/* The stream is closed and freed as fclose always does; only the result
 * says the last data did not reach the disk. */
int fclose(FILE *f)
{
    RESOLVE(fclose);
    if (STREAM_FAILS("fclose", f)) {
        int e = errno;
        real_fclose(f);
        errno = e;
        return EOF;
    }
    return real_fclose(f);
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    RESOLVE(fwrite);
    if (size && n && STREAM_FAILS("fwrite", f)) {
        stream_error(f);
        return 0;
    }
    return real_fwrite(p, size, n, f);
}

size_t (fwrite_unlocked)(const void *p, size_t size, size_t n, FILE *f) { return fwrite(p, size, n, f); }

int fputs(const char *s, FILE *f)
{
    RESOLVE(fputs);
    if (STREAM_FAILS("fputs", f)) {
        stream_error(f);
        return EOF;
    }
    return real_fputs(s, f);
}

int (fputs_unlocked)(const char *s, FILE *f) { return fputs(s, f); }

int (fputc)(int c, FILE *f)
{
    RESOLVE(fputc);
    if (STREAM_FAILS("fputc", f)) {
        stream_error(f);
        return EOF;
    }
    return real_fputc(c, f);
}

int (putc)(int c, FILE *f)
{
    RESOLVE(putc);
    if (STREAM_FAILS("putc", f)) {
        stream_error(f);
        return EOF;
    }
    return real_putc(c, f);
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    RESOLVE(vfprintf);
    if (STREAM_FAILS("fprintf", f)) {
        stream_error(f);
        return -1;
    }
    return real_vfprintf(f, fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
    RESOLVE(__vfprintf_chk);
    if (STREAM_FAILS("fprintf", f)) {
        stream_error(f);
        return -1;
    }
    return real___vfprintf_chk(f, flag, fmt, ap);
}

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vfprintf_chk(f, flag, fmt, ap);
    va_end(ap);
    return n;
}
