/* includes.c - find the local files a task file includes */
#include "includes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "libhotrun.h"
#include "filewatch.h"

#define MAX_DEPTH 16            /* #include nesting followed */
#define MAX_FILES 256           /* files listed per task file */

struct list {
    char **v;
    int n;
    int cap;
};

static int list_has(const struct list *l, const char *s)
{
    int i;

    for (i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], s) == 0)
            return 1;
    }
    return 0;
}

/* Appends s (takes it, even on error). */
static int list_push(struct list *l, char *s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);

        if (v == NULL) {
            free(s);
            return HR_ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

/* The NAME of a line `#  include "NAME"`, or NULL; *len gets its length. */
static const char *include_name(const char *line, size_t *len)
{
    const char *p = line + strspn(line, " \t");
    const char *end = NULL;

    if (*p != '#')
        return NULL;
    p += 1 + strspn(p + 1, " \t");
    if (strncmp(p, "include", 7) != 0)
        return NULL;
    p += 7;
    p += strspn(p, " \t");
    if (*p != '"')
        return NULL;
    p++;
    end = strpbrk(p, "\"\n");
    if (end == NULL || *end != '"' || end == p)
        return NULL;
    *len = (size_t)(end - p);
    return p;
}

/* name looked up beside path (as spelled), as the compiler does */
static char *beside(const char *path, const char *name, size_t len)
{
    const char *slash = strrchr(path, '/');
    int dlen = slash != NULL ? (int)(slash - path) + 1 : 0;
    char *out = NULL;

    if (name[0] == '/')
        dlen = 0;
    if (asprintf(&out, "%.*s%.*s", dlen, path, (int)len, name) < 0)
        return NULL;
    return out;
}

static int in_sysdir(const char *sysdir, const char *name, size_t len)
{
    char *p = NULL;
    int found;

    if (sysdir == NULL || name[0] == '/')
        return 0;
    if (asprintf(&p, "%s/%.*s", sysdir, (int)len, name) < 0)
        return 0;
    found = access(p, F_OK) == 0;
    free(p);
    return found;
}

/* Adds one #include "NAME" of the file at path to l, and what it includes
 * when it is new. */
static int add_name(const char *path, const char *name, size_t len,
                    const char *sysdir, int depth, struct list *l);

/* Adds what path includes to l (which holds the root and what was found
 * so far, canonical). */
static int scan(const char *path, const char *sysdir, int depth,
                struct list *l)
{
    struct stat st;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    int fd = hr_fileio_open_regular(path, &st);    /* never a FIFO */

    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? HR_ENOENT : HR_EIO;
    f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
        return HR_ENOMEM;
    }
    while (rc == 0 && l->n <= MAX_FILES && getline(&line, &cap, f) > 0) {
        size_t len = 0;
        const char *name = include_name(line, &len);

        if (name != NULL)
            rc = add_name(path, name, len, sysdir, depth, l);
    }
    free(line);
    fclose(f);
    return rc;
}

static int add_name(const char *path, const char *name, size_t len,
                    const char *sysdir, int depth, struct list *l)
{
    char *spelled = beside(path, name, len);
    char *real = NULL;
    int exists;
    int rc = HR_ENOMEM;

    if (spelled == NULL)
        goto out;
    rc = 0;
    real = hr_filewatch_canon(spelled);
    if (real == NULL || list_has(l, real))
        goto out;               /* no such folder, or seen */
    exists = access(real, F_OK) == 0;
    if (!exists && in_sysdir(sysdir, name, len))
        goto out;
    rc = list_push(l, real);
    real = NULL;
    if (rc == 0 && exists && depth < MAX_DEPTH &&
        scan(spelled, sysdir, depth + 1, l) == HR_ENOMEM)
        rc = HR_ENOMEM;         /* unreadable: it includes nothing more */
out:
    free(spelled);
    free(real);
    return rc;
}

int hr_includes_scan(const char *path, const char *sysdir, char ***out,
                     int *n)
{
    struct list l = { NULL, 0, 0 };
    char *root = hr_filewatch_canon(path);
    int rc;

    if (root == NULL)
        return access(path, F_OK) == 0 ? HR_ENOMEM : HR_ENOENT;
    rc = list_push(&l, root);
    if (rc == 0)
        rc = scan(path, sysdir, 1, &l);
    if (rc != 0) {
        hr_includes_free(l.v, l.n);
        return rc;
    }
    /* the root was there to end loops through it */
    free(l.v[0]);
    memmove(l.v, l.v + 1, (size_t)(l.n - 1) * sizeof *l.v);
    *out = l.v;
    *n = l.n - 1;
    return 0;
}

void hr_includes_free(char **list, int n)
{
    int i;

    if (list == NULL)
        return;
    for (i = 0; i < n; i++)
        free(list[i]);
    free(list);
}
