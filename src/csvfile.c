/* csvfile.c - load CSV/TSV text as a 2-d array: sniff, header, both passes */
#include "csvfile.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "csv_rows.h"
#include "fileio.h"
#include "numparse.h"
#include "pool.h"

#define SMALL ((int64_t)1 << 20)       /* one chunk below this */
#define CHUNK_BYTES ((int64_t)8 << 20)  /* chunk size of big files */
#define MAX_CHUNKS 4096

/* One chunk of the text, between two line starts. */
struct chunk {
    const char *b;
    const char *e;
    struct hr_csv_count cnt[2];     /* pass 1, outside / inside quotes */
    int quoted;                     /* starts inside a quoted field */
    int64_t line0;
    int64_t row0;
    int64_t rows;
    struct hr_csv_fail fail;
};

/* The parallel work: each thread counts chunks (pass 1) and converts
 * those whose place is known (pass 2), so that reading the file (mostly
 * in pass 1) overlaps with converting it.  A chunk's place (first row,
 * first line, whether it starts inside quotes) is known once every chunk
 * before it is counted; the values go into address space reserved for
 * the most rows the text can hold, trimmed to the rows found at the end. */
struct job {
    const struct hr_csv_fmt *f;
    const struct hr_load_opts *opts;
    struct chunk *chunks;
    int64_t n;
    char *out;                  /* the reservation */
    int64_t row_bytes;
    atomic_llong next_count;    /* next chunk to count */
    atomic_llong next_convert;  /* next chunk to convert */
    atomic_llong placed;        /* chunks [0, placed) have their place */
    atomic_llong first_fail;    /* lowest chunk that failed, or n */
    atomic_char *counted;       /* per chunk: pass 1 done */
    pthread_mutex_t lock;       /* placing */
    pthread_cond_t moved;       /* more chunks placed */
    int64_t rows;               /* rows of the placed chunks (lock) */
    int64_t line;               /* line after them (lock) */
    int quoted;                 /* they end inside quotes (lock) */
    atomic_llong done;          /* bytes through pass 1 and 2 */
    int64_t total;
};

/* ---- options and the first lines ---- */

static int csv_dtype(int dtype)
{
    return dtype == HR_FLOAT64 || dtype == HR_FLOAT32 ||
           (dtype >= HR_INT8 && dtype <= HR_UINT64);
}

static int check_opts(const char *path, const struct hr_csv_opts *o,
                      int dtype, struct hr_err *err)
{
    if (!csv_dtype(dtype)) {
        hr_err_set(err, "%s: --dtype %s cannot hold CSV values (float64, "
                   "float32 or an integer type)", path,
                   hr_dtype_name(dtype));
        return HR_EINVAL;
    }
    if (o->lenient && dtype != HR_FLOAT64 && dtype != HR_FLOAT32) {
        hr_err_set(err, "%s: --lenient reads bad cells as NaN, which %s "
                   "cannot hold", path, hr_dtype_name(dtype));
        return HR_EINVAL;
    }
    if (o->delimiter != 0 && (o->delimiter == '"' || o->delimiter == '#' ||
                              o->delimiter == '\n' || o->delimiter == '\r' ||
                              (o->delimiter >= '0' && o->delimiter <= '9') ||
                              o->delimiter == '.' || o->delimiter == '-' ||
                              o->delimiter == '+')) {
        hr_err_set(err, "%s: '%c' cannot be the delimiter", path,
                   o->delimiter);
        return HR_EINVAL;
    }
    return 0;
}

/* ---- the passes ---- */

static void progress(struct job *j, int64_t bytes)
{
    int64_t done = atomic_fetch_add(&j->done, bytes) + bytes;

    if (j->opts->progress != NULL)
        j->opts->progress(j->opts->progress_ud, done, j->total);
}

/* Places the chunks counted so far in order. */
static void place(struct job *j)
{
    int64_t i;
    struct chunk *c;

    pthread_mutex_lock(&j->lock);
    for (i = atomic_load(&j->placed); i < j->n && atomic_load(&j->counted[i]);
         i++) {
        c = &j->chunks[i];
        c->quoted = j->quoted;
        c->line0 = j->line;
        c->row0 = j->rows;
        c->rows = c->cnt[j->quoted].records;
        j->rows += c->rows;
        j->line += c->cnt[j->quoted].lines;
        j->quoted = c->cnt[j->quoted].end_quoted;
        atomic_store(&j->placed, i + 1);
    }
    pthread_cond_broadcast(&j->moved);
    pthread_mutex_unlock(&j->lock);
}

static void convert(struct job *j, int64_t i)
{
    struct chunk *c = &j->chunks[i];
    int64_t n;
    long long fail;

    if (i > atomic_load(&j->first_fail))
        return;     /* an earlier chunk failed: its message wins */
    n = hr_csv_rows(j->f, c->b, c->e, c->quoted, c->line0, j->out,
                    c->row0, c->rows, &c->fail);
    if (n >= 0 && n != c->rows) {
        snprintf(c->fail.msg, sizeof c->fail.msg, "%s:%lld: fewer rows "
                 "than the first pass counted (the file changed while "
                 "loading?)", j->f->path, (long long)c->line0);
        c->fail.line = c->line0;
        c->fail.code = HR_EFORMAT;
    }
    if (c->fail.line != 0) {
        fail = atomic_load(&j->first_fail);
        while (i < fail &&
               !atomic_compare_exchange_weak(&j->first_fail, &fail, i))
            continue;
    }
}

/* Waits until a chunk not yet converted is placed (another thread is
 * counting the one before it) or every chunk is. */
static void wait_placed(struct job *j)
{
    pthread_mutex_lock(&j->lock);
    while (atomic_load(&j->next_convert) >= atomic_load(&j->placed) &&
           atomic_load(&j->placed) < j->n)
        pthread_cond_wait(&j->moved, &j->lock);
    pthread_mutex_unlock(&j->lock);
}

/* One thread's share: convert what can be, else count, else wait for the
 * thread still counting an earlier chunk. */
static void work(void *ud, int64_t begin, int64_t end)
{
    struct job *j = ud;
    long long v;
    int64_t k;

    (void)begin;
    (void)end;
    for (;;) {
        v = atomic_load(&j->next_convert);
        if (v >= j->n)
            return;
        if (v < atomic_load(&j->placed)) {
            if (atomic_compare_exchange_weak(&j->next_convert, &v, v + 1)) {
                convert(j, v);
                progress(j, j->chunks[v].e - j->chunks[v].b);
            }
            continue;
        }
        k = atomic_fetch_add(&j->next_count, 1);
        if (k >= j->n) {
            wait_placed(j);
            continue;
        }
        hr_csv_count(j->f, j->chunks[k].b, j->chunks[k].e,
                     j->chunks[k].cnt);
        atomic_store(&j->counted[k], 1);
        progress(j, j->chunks[k].e - j->chunks[k].b);
        place(j);
    }
}

/* Cuts [b, end) into chunks that start at line starts. */
static struct chunk *cut(const char *b, const char *end, int64_t *n)
{
    int64_t size = end - b;
    int64_t k = size < SMALL ? 1 : size / CHUNK_BYTES;
    int64_t threads = hr_pool_nthreads();
    struct chunk *c;
    const char *s;
    int64_t i;

    if (size >= SMALL && k < 4 * threads)
        k = 4 * threads;
    k = k < 1 ? 1 : k > MAX_CHUNKS ? MAX_CHUNKS : k;
    c = calloc((size_t)k, sizeof *c);
    if (c == NULL)
        return NULL;
    c[0].b = b;
    for (i = 1; i < k; i++) {
        s = b + size / k * i;
        if (s[-1] != '\n') {
            s = memchr(s, '\n', (size_t)(end - s));
            s = s != NULL ? s + 1 : end;
        }
        c[i].b = s > c[i - 1].b ? s : c[i - 1].b;
        c[i - 1].e = c[i].b;
    }
    c[k - 1].e = end;
    *n = k;
    return c;
}

/* Both passes over the data from b, into a new resident *out. */
static int passes(const struct hr_csv_fmt *f, const struct hr_load_req *req,
                  const char *b, int64_t line, const char *name,
                  struct hr_resident **out, struct hr_err *err)
{
    struct job j;
    struct hr_layout lay;
    size_t map_len = 0;
    int64_t i;
    int rc = HR_ENOMEM;

    memset(&j, 0, sizeof j);
    memset(&lay, 0, sizeof lay);
    j.f = f;
    j.opts = req->opts;
    j.line = line;
    j.total = 2 * (f->end - b);
    j.row_bytes = (int64_t)f->ncols * hr_dtype_size(f->dtype);
    j.chunks = cut(b, f->end, &j.n);
    j.counted = calloc((size_t)j.n + 1, sizeof *j.counted);
    if (j.chunks == NULL || j.counted == NULL) {
        hr_err_set(err, "%s: out of memory", f->path);
        goto out;
    }
    /* a record takes a character and a newline at least */
    j.out = hr_loader_reserve(f->path, (size_t)((f->end - b) / 2 + 1) *
                              (size_t)j.row_bytes, &map_len, err);
    if (j.out == NULL)
        goto out;
    atomic_init(&j.first_fail, j.n);
    pthread_mutex_init(&j.lock, NULL);
    pthread_cond_init(&j.moved, NULL);
    hr_pool_for(hr_pool_nthreads(), 1, work, &j);
    pthread_cond_destroy(&j.moved);
    pthread_mutex_destroy(&j.lock);
    rc = 0;
    for (i = 0; i < j.n && rc == 0; i++) {
        if (j.chunks[i].fail.line != 0) {
            hr_err_set(err, "%s", j.chunks[i].fail.msg);
            rc = j.chunks[i].fail.code != 0 ? j.chunks[i].fail.code
                                            : HR_EFORMAT;
        }
    }
    if (rc == 0 && j.rows == 0) {
        hr_err_set(err, "%s: a header row and no data rows (is it a "
                   "table of numbers?)", f->path);
        rc = HR_EFORMAT;
    }
    if (rc != 0)
        goto out;
    lay.dtype = f->dtype;
    lay.ndim = 2;
    lay.shape[0] = j.rows;
    lay.shape[1] = f->ncols;
    hr_shape_bytes(2, lay.shape, hr_dtype_size(f->dtype), &lay.size,
                   &lay.nbytes);
    rc = hr_loader_new(req->path, name, &lay, out, err);
    if (rc == 0) {
        rc = hr_loader_adopt(f->path, *out, j.out, map_len, err);
        j.out = NULL;
    }
out:
    hr_loader_unreserve(j.out, map_len);
    free(j.counted);
    free(j.chunks);
    return rc;
}

/* ---- the file ---- */

/* Skips blank and comment lines from p; *line counts them. */
static const char *skip_preamble(const struct hr_csv_fmt *f, const char *p,
                                 int64_t *line)
{
    const char *nl;

    while (p < f->end && !hr_csv_record_at(f, p)) {
        nl = memchr(p, '\n', (size_t)(f->end - p));
        p = nl != NULL ? nl + 1 : f->end;
        (*line)++;
    }
    return p;
}

/* Sets up f from the first record at p: delimiter, header, columns.  On
 * success *data is where the values start (on line *line). */
static int first_record(struct hr_csv_fmt *f, const struct hr_csv_opts *o,
                        const char *p, const char **data, int64_t *line,
                        struct hr_err *err)
{
    char **cells = NULL;
    const char *next = NULL;
    const char *s;
    char msg[256];
    int header = 0;
    int n = 0;
    int i;
    int rc;

    f->delim = o->delimiter != 0 ? o->delimiter : hr_csv_sniff(f, p);
    f->quote = f->delim == ' ' ? 0 : '"';
    rc = hr_csv_split(f, p, &cells, &n, &next, msg, sizeof msg);
    if (rc != 0) {
        if (rc == HR_ENOMEM)
            hr_err_set(err, "%s: out of memory", f->path);
        else
            hr_err_set(err, "%s:%lld: %s", f->path, (long long)*line, msg);
        return rc;
    }
    for (i = 0; i < n && !header; i++)
        header = hr_csv_is_name(cells[i]);
    f->ncols = n;
    *data = p;
    if (header) {
        hr_csv_trim(cells, n);
        f->columns = cells;
        for (s = p; s < next; s++)
            *line += *s == '\n';
        *data = next;
    } else {
        hr_loader_free_strings(cells, n);
    }
    return 0;
}

int hr_csv_load(const struct hr_load_req *req, struct hr_array_list *out,
                struct hr_err *err)
{
    static const struct hr_csv_opts defaults = { 0, -1, 0 };
    const struct hr_csv_opts *o = req->opts->csv != NULL ? req->opts->csv
                                                         : &defaults;
    struct hr_csv_fmt f;
    struct hr_resident *r = NULL;
    const char *data = NULL;
    const char *p;
    char *map = NULL;
    char *name = NULL;
    char txt[128];
    int64_t line = 1;
    int rc;

    memset(&f, 0, sizeof f);
    f.path = req->path;
    f.dtype = o->dtype < 0 ? HR_FLOAT64 : o->dtype;
    f.lenient = o->lenient;
    rc = check_opts(req->path, o, f.dtype, err);
    if (rc != 0)
        return rc;
    map = mmap(NULL, (size_t)req->fsize, PROT_READ, MAP_PRIVATE, req->fd, 0);
    if (map == MAP_FAILED) {
        hr_err_set(err, "%s: cannot map %lld bytes: %s", req->path,
                   (long long)req->fsize,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return errno == ENOMEM ? HR_ENOMEM : HR_EIO;
    }
    madvise(map, (size_t)req->fsize, MADV_WILLNEED);
    f.text = map;
    f.end = map + req->fsize;
    p = map;
    if (req->fsize >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;     /* a byte-order mark: columns count after it */
    p = skip_preamble(&f, p, &line);
    if (p == f.end) {
        hr_err_set(err, "%s: no rows: the file has only blank and comment "
                   "lines", req->path);
        rc = HR_EFORMAT;
        goto out;
    }
    rc = first_record(&f, o, p, &data, &line, err);
    if (rc != 0)
        goto out;
    name = req->name != NULL ? strdup(req->name)
                             : hr_loader_default_name(req->path);
    rc = name != NULL ? passes(&f, req, data, line, name, &r, err)
                      : HR_ENOMEM;
    if (rc == HR_ENOMEM && name == NULL)
        hr_err_set(err, "%s: out of memory", req->path);
    if (rc == 0) {
        r->format = "csv";
        snprintf(r->how, sizeof r->how, "parse");
        r->columns = f.columns;
        r->ncolumns = f.columns != NULL ? f.ncols : 0;
        f.columns = NULL;
        rc = hr_array_list_push(out, r);
        r = NULL;
    }
out:
    hr_array_free(r);
    hr_loader_free_strings(f.columns, f.ncols);
    free(name);
    munmap(map, (size_t)req->fsize);
    return rc;
}

int hr_csv_parse_delimiter(const char *s, int *out)
{
    static const struct {
        const char *word;
        int c;
    } words[] = {
        { "tab", '\t' }, { "\\t", '\t' }, { "space", ' ' }, { "comma", ',' },
        { "semicolon", ';' }, { "pipe", '|' },
    };
    size_t k;

    for (k = 0; k < sizeof words / sizeof words[0]; k++) {
        if (strcmp(s, words[k].word) == 0) {
            *out = words[k].c;
            return 0;
        }
    }
    if (strlen(s) != 1 || (unsigned char)s[0] >= 0x80)
        return HR_EINVAL;
    *out = s[0];
    return 0;
}
