/*
 * gcov_flush.c - for the coverage build only (tests/coverage.mk): the
 * batch's children end with _exit(), which skips gcov's exit handler, so
 * everything a child ran (ingest, rules, the writers) would be lost.
 * Linked with -Wl,--wrap=_exit: dump the counters, then _exit.
 */
#include <unistd.h>

extern void __gcov_dump(void);
extern void __real__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
    __gcov_dump();
    __real__exit(status);
}
