/* session_made.c - what runs make (hr_new) and keep (hr_keep) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bigmem.h"
#include "session.h"

/* ---- kept blocks ---- */

static int find_keep(const struct hr_session *s, const char *key)
{
    int i;

    for (i = 0; i < s->nkeeps; i++) {
        if (strcmp(s->keeps[i].key, key) == 0)
            return i;
    }
    return -1;
}

/* Puts a kept block of nbytes under key, replacing one of another size;
 * from copies its first bytes (NULL: zeroed).  Returns the block or NULL
 * (no memory). */
static void *keep_block(struct hr_session *s, const char *key,
                        size_t nbytes, const void *from)
{
    struct keep *grown = NULL;
    size_t map_len = 0;
    int i = find_keep(s, key);
    /* shared: a forked child (--isolate) writes into it for the session */
    void *p = hr_bigmem_map(nbytes, 1, 0, &map_len);

    if (p == NULL)
        return NULL;
    if (from != NULL)
        memcpy(p, from, nbytes);
    if (i < 0) {
        grown = realloc(s->keeps, (size_t)(s->nkeeps + 1) * sizeof *grown);
        if (grown == NULL) {
            hr_bigmem_free(p, map_len);
            return NULL;
        }
        s->keeps = grown;
        s->keeps[s->nkeeps].key = strdup(key);
        if (s->keeps[s->nkeeps].key == NULL) {
            hr_bigmem_free(p, map_len);
            return NULL;
        }
        i = s->nkeeps++;
    } else {
        hr_session_notice(s, "hr_keep: '%s' is %zu bytes now (was %zu): a fresh "
               "block", key, nbytes, s->keeps[i].nbytes);
        hr_bigmem_free(s->keeps[i].data, s->keeps[i].map_len);
    }
    s->keeps[i].data = p;
    s->keeps[i].nbytes = nbytes;
    s->keeps[i].map_len = map_len;
    return p;
}

void *hr_session_keep_fn(void *ud, const char *key, size_t nbytes,
                         char *why, size_t wlen)
{
    struct hr_session *s = ud;
    struct hr_runout *o = s->ro;
    int i = find_keep(s, key);
    int k;
    void *p = NULL;

    if (i >= 0 && s->keeps[i].nbytes == nbytes)
        return s->keeps[i].data;
    if (!o->isolated) {
        p = keep_block(s, key, nbytes, NULL);
        if (p == NULL)
            snprintf(why, wlen, "no memory for %zu bytes", nbytes);
        return p;
    }
    /* a forked child: a new block goes to the arena, and to the session
     * when the run succeeds */
    for (k = 0; k < o->nkeeps; k++) {
        if (strcmp(o->keeps[k].key, key) == 0 &&
            o->keeps[k].nbytes == nbytes)
            return o->keeps[k].data;
    }
    if (o->nkeeps == HR_RUNOUT_MAX) {
        snprintf(why, wlen, "a run keeps at most %d new blocks",
                 HR_RUNOUT_MAX);
        return NULL;
    }
    p = hr_runout_arena(o, nbytes > 0 ? nbytes : 1);
    if (p == NULL) {
        snprintf(why, wlen, "no memory for %zu bytes", nbytes);
        return NULL;
    }
    snprintf(o->keeps[o->nkeeps].key, HR_RUNOUT_NAME, "%s", key);
    o->keeps[o->nkeeps].data = p;
    o->keeps[o->nkeeps].nbytes = nbytes;
    o->nkeeps++;
    return p;
}

void hr_session_keeps_free(struct hr_session *s)
{
    int i;

    for (i = 0; i < s->nkeeps; i++) {
        free(s->keeps[i].key);
        hr_bigmem_free(s->keeps[i].data, s->keeps[i].map_len);
    }
    free(s->keeps);
    s->keeps = NULL;
    s->nkeeps = 0;
}

int hr_session_nkeeps(const struct hr_session *s)
{
    return s->nkeeps;
}

int hr_session_keep_info(const struct hr_session *s, int i,
                         struct hr_keep_info *out)
{
    if (i < 0 || i >= s->nkeeps)
        return HR_ENOENT;
    out->key = s->keeps[i].key;
    out->nbytes = s->keeps[i].nbytes;
    return 0;
}

int hr_session_forget(struct hr_session *s, const char *key,
                      struct hr_err *err)
{
    int i = find_keep(s, key);

    if (i < 0) {
        hr_err_set(err, "forget: nothing is kept under '%s' (see 'keeps')",
                   key);
        return HR_ENOENT;
    }
    free(s->keeps[i].key);
    hr_bigmem_free(s->keeps[i].data, s->keeps[i].map_len);
    memmove(s->keeps + i, s->keeps + i + 1,
            (size_t)(s->nkeeps - i - 1) * sizeof *s->keeps);
    s->nkeeps--;
    return 0;
}

/* ---- arrays made ---- */

static void clear_outputs(struct hr_session *s)
{
    int i;

    for (i = 0; i < s->noutputs; i++)
        free(s->outputs[i]);
    free(s->outputs);
    s->outputs = NULL;
    s->noutputs = 0;
}

/* Makes array a (made by task) resident; in an arena, a copy of it on
 * memory of its own.  Returns 0 or HR_ENOMEM. */
static int adopt(struct hr_session *s, struct hr_runout_array *a,
                 const char *task, const struct timespec *now)
{
    struct hr_resident *r = NULL;
    void *map = a->map;
    size_t map_len = a->map_len;
    int i;

    if (map == NULL) {
        map = hr_bigmem_map((size_t)a->nbytes, 0, 0, &map_len);
        if (map == NULL)
            return HR_ENOMEM;
        memcpy(map, a->data, (size_t)a->nbytes);
    }
    if (hr_array_made(a->name, task, a->dtype, a->ndim, a->shape, map,
                      map_len, &r) != 0) {
        if (map != a->map)
            hr_bigmem_free(map, map_len);
        return HR_ENOMEM;
    }
    a->map = NULL;          /* taken */
    i = hr_session_keep_array(s, r, 0);
    s->arrays[i].made_by = strdup(task);
    s->arrays[i].made_at = *now;
    s->arrays[i].unsettled = s->gather.gather != NULL &&
                             s->shard.nranks > 1;
    return 0;
}

void hr_session_made_end(struct hr_session *s, int rc, const char *task,
                         double *bytes)
{
    struct hr_runout *o = s->ro;
    struct timespec now;
    int n = 0;
    int i;

    clear_outputs(s);
    if (rc == 0) {
        clock_gettime(CLOCK_REALTIME, &now);
        for (i = 0; i < o->nkeeps; i++) {
            if (keep_block(s, o->keeps[i].key, o->keeps[i].nbytes,
                           o->keeps[i].data) == NULL)
                hr_session_notice(s, "hr_keep: '%s': no memory to keep it",
                       o->keeps[i].key);
        }
        s->outputs = calloc((size_t)o->narrays + 1, sizeof *s->outputs);
        if (o->narrays > 0 && (s->outputs == NULL ||
                               hr_session_reserve(s, o->narrays) != 0)) {
            hr_session_notice(s, "%s: no memory to keep the arrays it made", task);
            o->narrays = 0;
        }
        for (i = 0; i < o->narrays; i++) {
            struct hr_runout_array *a = &o->arrays[i];

            if (a->name[0] == '\0' || a->data == NULL)
                continue;
            if (adopt(s, a, task, &now) != 0) {
                hr_session_notice(s, "%s: no memory to keep '%s'", task, a->name);
                continue;
            }
            s->outputs[n] = strdup(a->name);
            n += s->outputs[n] != NULL;
            *bytes += (double)a->nbytes;
        }
        s->noutputs = n;
    } else {
        hr_runout_drop(o);
    }
    hr_runout_end(o);
}
