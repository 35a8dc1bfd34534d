/* array_file.c - which file, which version an array came from, and
 * whether that file changed since (hr_array_changed(), hr_array_truncated()) */
#include "array.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "loader.h"

void hr_loader_file_id(const struct stat *st, struct hr_file_id *id)
{
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->mtime = st->st_mtim;
    id->ctime = st->st_ctim;
    id->nlink = st->st_nlink;
}

static int same_file(const struct hr_file_id *id, const struct stat *st)
{
    return id->dev == st->st_dev && id->ino == st->st_ino;
}

/* A write changes size or mtime, and ctime with them; ctime alone means
 * mtime was set back (touch -d) or only the status changed (chmod).
 * A changed link count explains a new ctime (renamed over, removed): the
 * bytes are the same. */
int hr_loader_same_version(const struct hr_file_id *id,
                           const struct stat *st)
{
    return id->size == st->st_size &&
           id->mtime.tv_sec == st->st_mtim.tv_sec &&
           id->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           ((id->ctime.tv_sec == st->st_ctim.tv_sec &&
             id->ctime.tv_nsec == st->st_ctim.tv_nsec) ||
            id->nlink != st->st_nlink);
}

/* What differs between the file at load and st, e.g. "200000128 -> 8128
 * bytes". */
static void describe(const struct hr_file_id *id, const struct stat *st,
                     char *buf, size_t len)
{
    if (id->size != st->st_size)
        snprintf(buf, len, "%lld -> %lld bytes", (long long)id->size,
                 (long long)st->st_size);
    else if (id->mtime.tv_sec != st->st_mtim.tv_sec ||
             id->mtime.tv_nsec != st->st_mtim.tv_nsec)
        snprintf(buf, len, "same size, modified");
    else
        snprintf(buf, len, "same size and time, status changed");
}

int hr_array_changed(const struct hr_resident *r, char *why, size_t len)
{
    struct stat st;
    char what[96];
    char dummy[8];

    if (why == NULL) {
        why = dummy;
        len = sizeof dummy;
    }
    why[0] = '\0';
    if (r == NULL || (r->id.dev == 0 && r->id.ino == 0))
        return HR_ARRAY_SAME;       /* made by a task: no file */
    if (r->mapped && r->fd >= 0 && fstat(r->fd, &st) == 0 &&
        !hr_loader_same_version(&r->id, &st)) {
        describe(&r->id, &st, what, sizeof what);
        snprintf(why, len, "%s: %s was written since it was loaded (%s): "
                 "the mapped data changed%s; load it again", r->name,
                 r->path, what, st.st_size < r->id.size ? ", and reading "
                 "past its new end would fault" : "");
        return HR_ARRAY_CHANGED;
    }
    if (stat(r->path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return HR_ARRAY_SAME;   /* cannot tell: the array is intact */
        snprintf(why, len, "%s: %s is gone since it was loaded; the array "
                 "still holds the data loaded then", r->name, r->path);
        return HR_ARRAY_STALE;
    }
    if (!same_file(&r->id, &st)) {
        snprintf(why, len, "%s: %s was replaced by another file since it "
                 "was loaded; the array still holds the old data (load it "
                 "again for the new)", r->name, r->path);
        return HR_ARRAY_STALE;
    }
    if (!hr_loader_same_version(&r->id, &st)) {
        describe(&r->id, &st, what, sizeof what);
        snprintf(why, len, "%s: %s was rewritten since it was loaded (%s); "
                 "the array still holds the copy made then (load it again "
                 "for the new data)", r->name, r->path, what);
        return HR_ARRAY_STALE;
    }
    return HR_ARRAY_SAME;
}

int hr_array_truncated(const struct hr_resident *r)
{
    struct stat st;

    return r != NULL && r->mapped && r->fd >= 0 && fstat(r->fd, &st) == 0 &&
           st.st_size < r->data_end;
}
