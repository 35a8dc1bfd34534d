/* session_view.c - looking at the session's arrays: show, stats, plot,
 * save */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "npz.h"
#include "plot.h"
#include "save.h"
#include "session.h"
#include "show.h"
#include "stats.h"

/* Puts the array called name (NULL: the default) in *out; returns 0,
 * HR_ENOENT when there is none or HR_EIO when its mapped file shrank
 * (reading it would fault), with err set.  what names the command in the
 * message. */
static int find(const struct hr_session *s, const char *name,
                const char *what, const struct hr_resident **out,
                struct hr_err *err)
{
    int i = hr_session_find_array(s, name);
    int rc;

    *out = NULL;
    if (i >= 0 && hr_session_split(s, &s->arrays[i].r->view)) {
        *out = s->arrays[i].r;          /* session_ranks.c checks it */
        return 0;
    }
    if (i >= 0) {
        rc = hr_session_readable(s->arrays[i].r, what, err);
        if (rc == 0)
            *out = s->arrays[i].r;
        return rc;
    }
    if (name != NULL)
        hr_err_set(err, "%s: no array named '%s' (see 'arrays')", what,
                   name);
    else
        hr_err_set(err, "%s: no array is loaded", what);
    return HR_ENOENT;
}

/* True on a rank other than 0 of a session split over ranks: it looks
 * but writes no file (rank 0 does). */
static int quiet_rank(const struct hr_session *s)
{
    return s->gather.gather != NULL && s->shard.nranks > 1 &&
           s->shard.rank != 0;
}

/* Hands t's text to *text, or fails with HR_ENOMEM. */
static int take(struct hr_text *t, char **text, struct hr_err *err)
{
    if (hr_text_ok(t) != 0 || t->s == NULL) {
        hr_text_free(t);
        hr_err_set(err, "out of memory");
        return HR_ENOMEM;
    }
    *text = t->s;
    t->s = NULL;
    hr_text_free(t);
    return 0;
}

int hr_session_show(struct hr_session *s, const char *name,
                    int64_t edgeitems, char **text, struct hr_err *err)
{
    const struct hr_resident *r = NULL;
    struct hr_text t = HR_TEXT_INIT;
    struct hr_show_opts o;
    int rc;

    *text = NULL;
    rc = find(s, name, "show", &r, err);
    if (rc != 0)
        return rc;
    hr_show_opts_default(&o);
    if (edgeitems < 0) {
        hr_err_set(err, "show: %lld is not a count of rows",
                   (long long)edgeitems);
        return HR_EINVAL;
    }
    if (edgeitems > 0)
        o.edgeitems = edgeitems;
    if (hr_session_split(s, &r->view)) {
        rc = hr_ranks_show(s, r, &o, &t, err);
        if (rc == 0 && t.s == NULL)
            hr_text_puts(&t, "");       /* not rank 0: no text */
        if (rc != 0) {
            hr_text_free(&t);
            return rc;
        }
        return take(&t, text, err);
    }
    hr_show_header(&r->view, &t);
    hr_text_puts(&t, "\n");
    rc = hr_show_format(&r->view, &o, &t);
    if (rc != 0) {
        hr_text_free(&t);
        hr_err_set(err, "show: %s: %s", r->name, hr_strerror(rc));
        return rc;
    }
    return take(&t, text, err);
}

int hr_session_stats(struct hr_session *s, const char *name, char **text,
                     struct hr_err *err)
{
    const struct hr_resident *r = NULL;
    struct hr_text t = HR_TEXT_INIT;
    struct hr_stats st;
    int rc;

    *text = NULL;
    rc = find(s, name, "stats", &r, err);
    if (rc != 0)
        return rc;
    if (hr_session_split(s, &r->view))
        return hr_ranks_stats(s, r, text, err);
    rc = hr_stats_compute(&r->view, &st);
    if (rc == 0)
        rc = hr_stats_format(&r->view, &st, &t);
    if (rc != 0) {
        hr_text_free(&t);
        hr_err_set(err, "stats: %s: %s", r->name, hr_strerror(rc));
        return rc;
    }
    return take(&t, text, err);
}

int hr_session_plot(struct hr_session *s, const char *name,
                    const struct hr_plot_args *args, char **text,
                    struct hr_err *err)
{
    const struct hr_resident *r = NULL;
    const struct hr_array *v = NULL;
    struct hr_text t = HR_TEXT_INIT;
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array whole;
    void *mem = NULL;
    int rc;

    *text = NULL;
    rc = find(s, name, "plot", &r, err);
    if (rc != 0)
        return rc;
    hr_plot_opts_default(&o);
    if (args->width > 0)
        o.width = args->width;
    if (args->height > 0)
        o.height = args->height;
    o.hist = args->hist;
    o.bins = args->bins;
    o.color = args->color == 2 ? HR_PLOT_RGB
            : args->color == 1 ? HR_PLOT_256 : HR_PLOT_MONO;
    v = &r->view;
    if (hr_session_split(s, v)) {
        rc = hr_ranks_gather_whole(s, r, "plot", &whole, &mem, err);
        if (rc != 0 || mem == NULL) {
            *text = rc == 0 ? strdup("") : NULL;  /* rank 0 draws */
            return rc == 0 && *text == NULL ? HR_ENOMEM : rc;
        }
        v = &whole;
    }
    rc = hr_plot_build(v, &o, &p, err);
    if (rc == 0)
        rc = hr_plot_text(p, &t);
    if (rc == 0 && args->svg != NULL && !quiet_rank(s))
        rc = hr_plot_svg_save(p, args->svg, err);
    hr_plot_free(p);
    free(mem);
    if (rc != 0) {
        hr_text_free(&t);
        return rc;
    }
    return take(&t, text, err);
}

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);

    return n >= m && strcmp(s + n - m, end) == 0;
}

/* The files resident arrays are mapped from (owned: free()). */
static struct hr_save_guard *mapped_files(const struct hr_session *s,
                                          int *n)
{
    struct hr_save_guard *g = calloc((size_t)s->narrays + 1, sizeof *g);
    int i;

    *n = 0;
    for (i = 0; g != NULL && i < s->narrays; i++) {
        const struct hr_resident *o = s->arrays[i].r;

        if (hr_array_mapped_file(o, &g[*n].dev, &g[*n].ino)) {
            g[*n].name = o->name;
            (*n)++;
        }
    }
    return g;
}

int hr_session_save(struct hr_session *s, const char *const *names, int n,
                    const char *path, struct hr_err *err)
{
    const struct hr_array **views = NULL;
    struct hr_save_guard *guards = NULL;
    struct hr_array *wholes = NULL;
    void **mems = NULL;
    struct stat st;
    struct hr_err later = { { 0 } };
    int npz = ends_with(path, ".npz");
    int failed = 0;
    int ng = 0;
    int i;
    int rc = HR_ENOMEM;

    if (n < 1 || (n > 1 && !ends_with(path, ".npz"))) {
        hr_err_set(err, "save: several arrays go into an .npz file, not "
                   "'%s'", path);
        return HR_EINVAL;
    }
    views = calloc((size_t)n, sizeof *views);
    wholes = calloc((size_t)n, sizeof *wholes);
    mems = calloc((size_t)n, sizeof *mems);
    guards = mapped_files(s, &ng);
    if (views == NULL || wholes == NULL || mems == NULL || guards == NULL)
        goto out;
    for (i = 0; i < n; i++) {
        const struct hr_resident *r = NULL;

        rc = find(s, names[i], "save", &r, err);
        if (rc != 0)
            goto out;
        views[i] = &r->view;
        if (!hr_session_split(s, views[i]))
            continue;
        if (!npz) {
            rc = hr_ranks_save_npy(s, r, path, guards, ng, err);
            goto out;
        }
        /* an .npz: the whole array on rank 0; after a failure the ranks
         * still gather the others, to stay in step */
        rc = hr_ranks_gather_whole(s, r, "save", &wholes[i], &mems[i],
                                   failed == 0 ? err : &later);
        if (failed == 0)
            failed = rc;
        views[i] = &wholes[i];
    }
    rc = failed;
    if (rc != 0)
        goto out;
    if (quiet_rank(s)) {
        rc = 0;                 /* rank 0 writes the file */
        goto out;
    }
    if (!npz) {
        rc = hr_save_npy(views[0], path, guards, ng, err);
        goto out;
    }
    rc = HR_EINVAL;
    for (i = 0; stat(path, &st) == 0 && i < ng; i++) {
        if (guards[i].dev == st.st_dev && guards[i].ino == st.st_ino) {
            hr_err_set(err, "%s: array '%s' is mapped from this file; save "
                       "to another name", path, guards[i].name);
            goto out;
        }
    }
    rc = hr_npz_write(path, views, names, n, 0, err);
out:
    for (i = 0; mems != NULL && i < n; i++)
        free(mems[i]);
    free(mems);
    free(wholes);
    free(views);
    free(guards);
    return rc;
}
