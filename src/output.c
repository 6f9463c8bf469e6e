/*
 * output.c - atomic, durable report files.
 */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void split_path(const char *path, char *dir, size_t dn, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash) {
        snprintf(dir, dn, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    } else {
        snprintf(dir, dn, ".");
        *base = path;
    }
}

int out_begin(out_file *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    char dir[4096];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    if (snprintf(o->final, sizeof o->final, "%s", path) >= (int)sizeof o->final ||
        snprintf(o->tmp, sizeof o->tmp, "%s/.%s.kvtmpXXXXXX", dir, base) >= (int)sizeof o->tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(errno));
        return -1;
    }
    /* mkstemp makes 0600; reports follow the umask like any other file. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        return -1;
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 18);   /* fewer write(2)s for large JSON */
    return 0;
}

void out_release_stream(out_file *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
}

void out_abort(out_file *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0])
        unlink(o->tmp);
    o->tmp[0] = '\0';
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int out_commit(out_file *o, size_t min_size, char *err, size_t errlen)
{
    if (o->f) {
        bool bad = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
        int saved = errno;
        bad |= fclose(o->f) != 0;
        o->f = NULL;
        if (bad) {
            snprintf(err, errlen, "%s: write failed: %s", o->final, strerror(saved ? saved : errno));
            out_abort(o);
            return -1;
        }
    } else if (fsync_path(o->tmp, O_RDONLY) != 0) {
        snprintf(err, errlen, "%s: cannot flush to disk: %s", o->final, strerror(errno));
        out_abort(o);
        return -1;
    }
    struct stat st;
    if (stat(o->tmp, &st) != 0 || (size_t)st.st_size < min_size) {
        snprintf(err, errlen, "%s: the writer left an incomplete file (%lld bytes)", o->final,
                 (long long)(stat(o->tmp, &st) == 0 ? st.st_size : -1));
        out_abort(o);
        return -1;
    }
    if (rename(o->tmp, o->final) != 0) {
        snprintf(err, errlen, "%s: cannot rename into place: %s", o->final, strerror(errno));
        out_abort(o);
        return -1;
    }
    o->tmp[0] = '\0';
    char dir[4096];
    const char *base;
    split_path(o->final, dir, sizeof dir, &base);
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
    return 0;
}

void out_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && strstr(e->d_name, ".kvtmp")) {
            char path[4096];
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
                unlink(path);
        }
    }
    closedir(d);
}
