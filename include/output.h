/*
 * output.h - files that appear whole or not at all.
 *
 * Every report is written under a temporary name in its own folder,
 * flushed to disk, checked, and only then renamed over the old one, so a
 * crash, a full disk or a failing writer leaves yesterday's report intact.
 */
#ifndef KV_OUTPUT_H
#define KV_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* mkdir -p; 0 or -1 with errno. */
int make_dirs(const char *path);

typedef struct {
    char final[4096];
    char tmp[4096];
    FILE *f;                    /* open on tmp for stream writers */
} out_file;

/* Create a temporary file beside `path`.  0, or -1 with a message in err. */
int out_begin(out_file *o, const char *path, char *err, size_t errlen);
/* For writers that take a path: close our stream and let them write tmp. */
void out_release_stream(out_file *o);
/* Flush, fsync, verify the size is at least min_size, rename into place and
 * fsync the folder.  On any failure the temporary file is removed and the
 * old file stays. */
int out_commit(out_file *o, size_t min_size, char *err, size_t errlen);
void out_abort(out_file *o);
/* Remove leftovers "<dir>/.*.kvtmp*" of runs that were killed. */
void out_sweep(const char *dir);

#endif
