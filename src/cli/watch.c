/* watch.c - rerun task files when they are saved: the watch list, its
 * commands, and what a save sets off */
#include "watch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canceller.h"
#include "cmd.h"
#include "filewatch.h"
#include "includes.h"
#include "out.h"
#include "report.h"
#include "words.h"
#include "view.h"

/* What `watch FILE [TASK [ARGS...]]` set up. */
struct entry {
    char *path;                 /* owned: as given */
    char *task;                 /* owned, or NULL for every task */
    char **args;                /* owned */
    int nargs;
    struct hr_wfile *file;      /* a reference: the task file */
    struct hr_wfile **hdrs;     /* owned array of references */
    int nhdrs;
    int due;                    /* a file changed: reload and rerun */
    const struct hr_wfile *why; /* borrowed: the header that changed */
};

struct hr_watch {
    struct hr_filewatch fw;
    struct entry **ents;        /* owned */
    int nents;
};

/* A line about watching, dim (stderr under --json). */
static void notice(const struct hr_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notice(const struct hr_cli *cli, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    hr_report_notice(cli, buf);
}

/* ---- noticing saves ---- */

/* Makes the entries that use a changed file due. */
static void mark_due(struct hr_watch *w)
{
    int i, j, k;

    for (i = 0; i < w->fw.nfiles; i++) {
        struct hr_wfile *f = w->fw.files[i];

        if (!f->changed)
            continue;
        f->changed = 0;
        for (j = 0; j < w->nents; j++) {
            struct entry *e = w->ents[j];

            if (e->file == f) {
                e->due = 1;
                e->why = NULL;
            }
            for (k = 0; k < e->nhdrs && !e->due; k++) {
                if (e->hdrs[k] == f) {
                    e->due = 1;
                    e->why = f;
                }
            }
        }
    }
}

static int count_work(const struct hr_watch *w)
{
    int n = w->fw.fallback_note;
    int i;

    for (i = 0; i < w->fw.nfiles; i++)
        n += w->fw.files[i]->gone == 1 || w->fw.files[i]->unreadable;
    for (i = 0; i < w->nents; i++)
        n += w->ents[i]->due;
    return n;
}

int hr_watch_pending(struct hr_cli *cli)
{
    struct hr_watch *w = cli->watch;

    if (w == NULL)
        return 0;
    hr_filewatch_update(&w->fw);
    mark_due(w);
    return count_work(w);
}

/* ---- acting on saves ---- */

/* run REALPATH:TASK ARGS... as if typed, but uncounted (exec.h) */
static void run_task(struct hr_cli *cli, const char *realpath,
                     const char *task, int nargs, char **args)
{
    char **argv = calloc((size_t)nargs + 3, sizeof *argv);
    char *spec = NULL;

    if (argv == NULL || asprintf(&spec, "%s:%s", realpath, task) < 0) {
        free(argv);
        hr_out_error(cli->color, "watch: out of memory");
        return;
    }
    argv[0] = "run";
    argv[1] = spec;
    if (nargs > 0)
        memcpy(argv + 2, args, (size_t)nargs * sizeof *argv);
    hr_exec_argv(cli, nargs + 2, argv, NULL, HR_EXEC_QUIET);
    free(spec);
    free(argv);
}

/* Follows e's #include "..." lines again: they may have changed. */
static void rescan(struct hr_cli *cli, struct hr_watch *w, struct entry *e)
{
    char **found = NULL;
    struct hr_wfile **hdrs = NULL;
    int n = 0, nh = 0;
    int i;

    if (hr_includes_scan(e->path, hr_session_include_dir(cli->s), &found,
                         &n) != 0)
        return;                 /* unreadable now: keep what we had */
    hdrs = calloc((size_t)n + 1, sizeof *hdrs);
    for (i = 0; hdrs != NULL && i < n; i++) {
        hdrs[nh] = hr_filewatch_ref(&w->fw, found[i]);
        found[i] = NULL;        /* taken */
        nh += hdrs[nh] != NULL;
    }
    hr_includes_free(found, n);
    if (hdrs == NULL)
        return;
    /* new references first, so that a header kept keeps its hash */
    for (i = 0; i < e->nhdrs; i++)
        hr_filewatch_unref(&w->fw, e->hdrs[i]);
    free(e->hdrs);
    e->hdrs = hdrs;
    e->nhdrs = nh;
}

/* f's path shown beside e: relative to e's folder when inside it */
static const char *show_path(const struct entry *e, const struct hr_wfile *f)
{
    size_t dlen = (size_t)(e->file->base - e->file->path);

    if (strncmp(f->path, e->file->path, dlen) == 0)
        return f->path + dlen;
    return f->path;
}

/* Reloads e's file and reruns its task (or every task), as a save does;
 * a file that does not compile leaves the last good module loaded. */
static void refresh(struct hr_cli *cli, struct hr_watch *w, struct entry *e)
{
    char *argv[2] = { "reload", e->path };
    struct hr_module_info info;
    int m = -1;
    int i;

    if (hr_exec_argv(cli, 2, argv, NULL, HR_EXEC_QUIET) == HR_CMD_OK)
        m = hr_view_find_module(cli, e->path);
    if (m >= 0 && hr_view_module_info(cli, m, &info) == 0) {
        /* what was compiled is what the next save is compared with */
        e->file->hash = info.hash;
        e->file->known = 1;
        if (e->task != NULL)
            run_task(cli, info.realpath, e->task, e->nargs, e->args);
        for (i = 0; e->task == NULL && i < info.ntasks; i++)
            run_task(cli, info.realpath, hr_view_task_name(cli, m, i),
                     0, NULL);
    }
    rescan(cli, w, e);
}

static void print_notes(struct hr_cli *cli, struct hr_watch *w)
{
    int i;

    if (w->fw.fallback_note) {
        notice(cli, "watch: inotify unavailable (%s); polling every %d ms",
               w->fw.reason, HR_FILEWATCH_POLL_MS);
        w->fw.fallback_note = 0;
    }
    for (i = 0; i < w->fw.nfiles; i++) {
        struct hr_wfile *f = w->fw.files[i];

        if (f->gone == 1) {
            notice(cli, "[watch] %s is gone; waiting for it to come back",
                   f->path);
            f->gone = 2;
        }
        if (f->unreadable) {
            hr_out_error(cli->color, "watch: %s: cannot read it", f->path);
            f->unreadable = 0;
        }
    }
}

int hr_watch_service(struct hr_cli *cli)
{
    struct hr_watch *w = cli->watch;
    int n = 0;
    int i;

    if (w == NULL)
        return 0;
    hr_watch_pending(cli);
    print_notes(cli, w);
    for (i = 0; i < w->nents; i++) {
        struct entry *e = w->ents[i];

        if (!e->due)
            continue;
        if (e->why != NULL)
            notice(cli, "[watch] %s: %s changed", e->path,
                   show_path(e, e->why));
        else
            notice(cli, "[watch] %s changed", e->path);
        e->due = 0;
        e->why = NULL;
        refresh(cli, w, e);
        n++;
    }
    print_notes(cli, w);        /* a new header may have cost inotify */
    return n;
}

/* ---- the watch list ---- */

static void free_entry(struct hr_watch *w, struct entry *e)
{
    int i;

    if (e == NULL)
        return;
    for (i = 0; i < e->nhdrs; i++)
        hr_filewatch_unref(&w->fw, e->hdrs[i]);
    hr_filewatch_unref(&w->fw, e->file);
    hr_words_free(e->nargs, e->args);
    free(e->hdrs);
    free(e->path);
    free(e->task);
    free(e);
}

static struct hr_watch *watch_new(void)
{
    struct hr_watch *w = calloc(1, sizeof *w);
    const char *force = getenv("HOTRUN_WATCH_POLL");

    if (w == NULL)
        return NULL;
    hr_filewatch_init(&w->fw, force != NULL && *force != '\0' &&
                              strcmp(force, "0") != 0);
    return w;
}

static int find_entry(const struct hr_watch *w, const char *path)
{
    char *real = hr_filewatch_canon(path);
    int i;
    int found = -1;

    for (i = 0; w != NULL && i < w->nents && found < 0; i++) {
        if (strcmp(w->ents[i]->path, path) == 0 ||
            (real != NULL && strcmp(w->ents[i]->file->path, real) == 0))
            found = i;
    }
    free(real);
    return found;
}

/* A new entry; takes real (canonical path). */
static struct entry *new_entry(struct hr_watch *w, const char *path,
                               char *real, const char *task, int nargs,
                               char **args)
{
    struct entry *e = calloc(1, sizeof *e);
    int i;

    if (e == NULL) {
        free(real);
        return NULL;
    }
    e->file = hr_filewatch_ref(&w->fw, real);
    e->path = strdup(path);
    e->task = task != NULL ? strdup(task) : NULL;
    e->args = calloc((size_t)nargs + 1, sizeof *e->args);
    if (e->file == NULL || e->path == NULL || e->args == NULL ||
        (task != NULL && e->task == NULL))
        goto fail;
    for (i = 0; i < nargs; i++) {
        e->args[i] = strdup(args[i]);
        if (e->args[i] == NULL)
            goto fail;
        e->nargs++;
    }
    return e;
fail:
    free_entry(w, e);
    return NULL;
}

/* "TASK ARGS..." or "every task" into buf */
static const char *describe(const struct entry *e, char *buf, size_t len)
{
    size_t used = 0;
    int i;

    snprintf(buf, len, "%s", e->task != NULL ? e->task : "every task");
    for (i = 0; i < e->nargs; i++) {
        used = strlen(buf);
        snprintf(buf + used, len - used, " %s", e->args[i]);
    }
    return buf;
}

/* Watches path (replacing an entry for the same file), then reloads and
 * runs it once so that the first result is on screen. */
static int add(struct hr_cli *cli, const char *path, const char *task,
               int nargs, char **args, struct hr_record *rec)
{
    struct hr_watch *w = cli->watch;
    struct entry *e = NULL;
    struct entry **grown = NULL;
    struct stat st;
    char what[256];
    int i;

    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            hr_record_input_error(rec, "watch: %s: no such file", path);
        else
            hr_record_input_error(rec, "watch: %s: %s", path,
                                  strerror(errno));
        return HR_CMD_ERR;
    }
    if (!S_ISREG(st.st_mode)) {
        hr_record_input_error(rec, "watch: %s: not a regular file", path);
        return HR_CMD_ERR;
    }
    if (w == NULL) {
        w = watch_new();
        cli->watch = w;
    }
    if (w != NULL)
        e = new_entry(w, path, realpath(path, NULL), task, nargs, args);
    i = find_entry(w, path);
    if (e != NULL && i < 0) {
        grown = realloc(w->ents, (size_t)(w->nents + 1) * sizeof *grown);
        if (grown == NULL) {
            free_entry(w, e);
            e = NULL;
        } else {
            w->ents = grown;
            i = w->nents++;
        }
    } else if (e != NULL) {
        free_entry(w, w->ents[i]);
    }
    if (e == NULL) {
        if (!hr_watch_active(cli)) {
            hr_watch_free(w);
            cli->watch = NULL;
        }
        hr_record_error(rec, "watch: out of memory");
        return HR_CMD_ERR;
    }
    w->ents[i] = e;
    print_notes(cli, w);
    notice(cli, "[watch] watching %s (%s)", path,
           describe(e, what, sizeof what));
    refresh(cli, w, e);
    print_notes(cli, w);
    return HR_CMD_OK;
}

static void list(const struct hr_cli *cli, struct hr_record *rec)
{
    const struct hr_watch *w = cli->watch;
    int i, j;

    if (!hr_watch_active(cli)) {
        hr_record_note(rec, "nothing is watched (watch FILE [TASK "
                       "[ARGS...]])");
        return;
    }
    if (w->fw.polling)
        hr_text_printf(&rec->text, "watching, polling every %d ms (%s):\n",
                       HR_FILEWATCH_POLL_MS, w->fw.reason);
    else
        hr_text_printf(&rec->text, "watching (inotify):\n");
    for (i = 0; i < w->nents; i++) {
        const struct entry *e = w->ents[i];
        char what[256];

        hr_text_printf(&rec->text, "  %s  (%s)\n", e->path,
                       describe(e, what, sizeof what));
        if (e->nhdrs > 0) {
            hr_text_printf(&rec->text, "    and");
            for (j = 0; j < e->nhdrs; j++)
                hr_text_printf(&rec->text, " %s", show_path(e, e->hdrs[j]));
            hr_text_printf(&rec->text, "\n");
        }
    }
}

int hr_cmd_watch(struct hr_cli *cli, int argc, char **argv,
                 struct hr_record *rec)
{
    if (argc == 1) {
        list(cli, rec);
        return HR_CMD_OK;
    }
    return add(cli, argv[1], argc > 2 ? argv[2] : NULL,
               argc > 3 ? argc - 3 : 0, argv + 3, rec);
}

int hr_cmd_unwatch(struct hr_cli *cli, int argc, char **argv,
                   struct hr_record *rec)
{
    struct hr_watch *w = cli->watch;
    int i;

    if (argc > 2) {
        hr_record_input_error(rec, "usage: unwatch [FILE]");
        return HR_CMD_ERR;
    }
    if (argc == 2) {
        i = find_entry(w, argv[1]);
        if (i < 0) {
            hr_record_input_error(rec, "unwatch: %s is not watched (see "
                                  "'watch')", argv[1]);
            return HR_CMD_ERR;
        }
        free_entry(w, w->ents[i]);
        memmove(w->ents + i, w->ents + i + 1,
                (size_t)(w->nents - i - 1) * sizeof *w->ents);
        w->nents--;
    }
    if (!hr_watch_active(cli) || argc == 1) {
        /* nothing left: let the inotify descriptor go too */
        hr_watch_free(w);
        cli->watch = NULL;
    }
    return HR_CMD_OK;
}

struct hr_canceller *hr_watch_canceller(const struct hr_cli *cli)
{
    const struct hr_watch *w = cli->watch;
    const char **paths = NULL;
    uint64_t *hashes = NULL;
    struct hr_canceller *c = NULL;
    int n = 0;
    int i;

    if (!hr_watch_active(cli) || w->fw.polling)
        return NULL;
    paths = calloc((size_t)w->fw.nfiles + 1, sizeof *paths);
    hashes = calloc((size_t)w->fw.nfiles + 1, sizeof *hashes);
    for (i = 0; paths != NULL && hashes != NULL && i < w->fw.nfiles; i++) {
        const struct hr_wfile *f = w->fw.files[i];

        if (!f->known)
            continue;
        paths[n] = f->path;
        hashes[n++] = f->hash;
    }
    if (paths != NULL && hashes != NULL && n > 0)
        c = hr_canceller_start(paths, hashes, n);
    free(paths);
    free(hashes);
    return c;
}

/* ---- the front ends' side ---- */

int hr_watch_fd(const struct hr_cli *cli)
{
    return hr_watch_active(cli) ? cli->watch->fw.fd : -1;
}

int hr_watch_timeout_ms(const struct hr_cli *cli)
{
    if (!hr_watch_active(cli))
        return -1;
    if (count_work(cli->watch) > 0)
        return 0;
    return hr_filewatch_timeout_ms(&cli->watch->fw);
}

int hr_watch_active(const struct hr_cli *cli)
{
    return cli != NULL && cli->watch != NULL && cli->watch->nents > 0;
}

void hr_watch_free(struct hr_watch *w)
{
    int i;

    if (w == NULL)
        return;
    for (i = 0; i < w->nents; i++)
        free_entry(w, w->ents[i]);
    free(w->ents);
    hr_filewatch_fini(&w->fw);
    free(w);
}
