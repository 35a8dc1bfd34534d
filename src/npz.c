/* npz.c - load NumPy .npz archives (zip files of .npy members) */
#include "npz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unzip.h>

#include "fileio.h"

#define STEP ((size_t)64 << 20)     /* inflated between progress calls */
#define HEAD_STEP ((size_t)64 << 10)   /* inflated to read a header */
#define NAME_MAX_LEN 4096

/* One member being read. */
struct member {
    const struct hr_load_req *req;
    unzFile uf;
    unz_file_info64 info;
    char fname[NAME_MAX_LEN];   /* as stored: "w.npy" */
    char key[NAME_MAX_LEN];     /* without ".npy": "w" */
    char what[NAME_MAX_LEN + 512];  /* for messages: "a.npz:w" */
};

/* What of a deflated member has been inflated so far (for its header). */
struct inflated {
    unzFile uf;
    unsigned char *buf;
    size_t have;
    size_t cap;
    int64_t total;
    int zerr;           /* unzReadCurrentFile's error, 0 for none */
};

/* ---- reading a deflated member ---- */

static const char *zip_error(int e, char *txt, size_t len)
{
    if (e == UNZ_ERRNO)
        return hr_fileio_errtext(errno, txt, len);
    if (e == Z_DATA_ERROR)
        return "corrupt deflate data";
    if (e == UNZ_CRCERROR)
        return "crc mismatch: the archive is corrupt";
    if (e == UNZ_BADZIPFILE)
        return "malformed local header";
    snprintf(txt, len, "zip error %d", e);
    return txt;
}

/* hr_npy_read_header_from()'s reader: inflates as far as it is asked. */
static ssize_t inflated_read(void *ud, void *dst, size_t n, int64_t off)
{
    struct inflated *in = ud;
    size_t want = (size_t)off + n;
    unsigned char *grown;
    size_t step;
    int got;

    if (off >= in->total)
        return 0;
    if ((int64_t)want > in->total)
        want = (size_t)in->total;
    while (in->have < want) {
        step = (want - in->have + HEAD_STEP - 1) / HEAD_STEP * HEAD_STEP;
        if (in->have + step > (size_t)in->total)
            step = (size_t)in->total - in->have;
        if (in->have + step > in->cap) {
            grown = realloc(in->buf, in->have + step);
            if (grown == NULL) {
                errno = ENOMEM;
                return -1;
            }
            in->buf = grown;
            in->cap = in->have + step;
        }
        got = unzReadCurrentFile(in->uf, in->buf + in->have, (unsigned)step);
        if (got < 0) {
            in->zerr = got;
            errno = EIO;
            return -1;
        }
        if (got == 0)
            break;
        in->have += (size_t)got;
    }
    if (in->have <= (size_t)off)
        return 0;
    n = in->have - (size_t)off < n ? in->have - (size_t)off : n;
    memcpy(dst, in->buf + off, n);
    return (ssize_t)n;
}

/* Inflates the data after the header into r's fresh memory. */
static int inflate_data(struct member *m, struct inflated *in,
                        const struct hr_layout *lay, struct hr_resident *r,
                        struct hr_err *err)
{
    const struct hr_load_opts *opts = m->req->opts;
    size_t total = (size_t)lay->nbytes;
    size_t done = 0;
    size_t step;
    void *buf = NULL;
    unsigned char extra;
    char txt[128];
    int got;
    int rc;

    rc = hr_loader_alloc(m->what, r, &buf, err);
    if (rc != 0)
        return rc;
    if (in->have > (size_t)lay->offset) {
        done = in->have - (size_t)lay->offset;
        done = done < total ? done : total;
        memcpy(buf, in->buf + lay->offset, done);
    }
    while (done < total) {
        step = total - done < STEP ? total - done : STEP;
        got = unzReadCurrentFile(m->uf, (char *)buf + done, (unsigned)step);
        if (got <= 0) {
            hr_err_set(err, "%s: %s", m->what, got == 0 ?
                       "truncated member: the archive ends early" :
                       zip_error(got, txt, sizeof txt));
            return got == UNZ_ERRNO ? HR_EIO : HR_EFORMAT;
        }
        done += (size_t)got;
        if (opts->progress != NULL)
            opts->progress(opts->progress_ud, (int64_t)done, (int64_t)total);
    }
    /* the end of the stream, so that the crc is checked */
    got = unzReadCurrentFile(m->uf, &extra, 1);
    if (got > 0)
        hr_err_set(err, "%s: member is longer than its header says",
                   m->what);
    else if (got < 0)
        hr_err_set(err, "%s: %s", m->what, zip_error(got, txt, sizeof txt));
    if (got != 0)
        return HR_EFORMAT;
    got = unzCloseCurrentFile(m->uf);
    if (got != UNZ_OK) {
        hr_err_set(err, "%s: %s", m->what, zip_error(got, txt, sizeof txt));
        return HR_EFORMAT;
    }
    got = hr_loader_seal(m->what, r, lay->big_endian, err);
    snprintf(r->how, sizeof r->how, "%s",
             r->swapped ? "inflate+swap" : "inflate");
    return got;
}

static int load_deflated(struct member *m, const char *name,
                         struct hr_resident **out, struct hr_err *err)
{
    struct inflated in = { m->uf, NULL, 0, 0, 0, 0 };
    struct hr_npy_header nh;
    struct hr_layout lay;
    unsigned char magic[6];
    char txt[128];
    int rc;

    in.total = (int64_t)m->info.uncompressed_size;
    if (inflated_read(&in, magic, 6, 0) != 6 ||
        memcmp(magic, "\x93NUMPY", 6) != 0) {
        if (in.zerr != 0)
            hr_err_set(err, "%s: %s", m->what,
                       zip_error(in.zerr, txt, sizeof txt));
        else
            hr_err_set(err, "%s: member is not a .npy array (bad magic)",
                       m->what);
        rc = HR_EFORMAT;
        goto out;
    }
    rc = hr_npy_read_header_from(m->what, inflated_read, &in, in.total, &nh,
                                 err);
    if (rc != 0 && in.zerr != 0) {
        hr_err_set(err, "%s: %s", m->what,
                   zip_error(in.zerr, txt, sizeof txt));
        rc = HR_EFORMAT;
    }
    if (rc == 0)
        rc = hr_layout_header(m->what, &nh, 0, in.total, &lay, err);
    if (rc == 0)
        rc = hr_loader_new(m->req->path, name, &lay, out, err);
    if (rc == 0)
        rc = inflate_data(m, &in, &lay, *out, err);
out:
    free(in.buf);
    return rc;
}

/* ---- a stored member: straight from its offset ---- */

static int load_stored(struct member *m, const char *name,
                       struct hr_resident **out, struct hr_err *err)
{
    const struct hr_load_req *req = m->req;
    int64_t base = (int64_t)unzGetCurrentFileZStreamPos64(m->uf);
    int64_t size = (int64_t)m->info.uncompressed_size;
    unsigned char magic[6];
    struct hr_layout lay;
    int rc;

    if (m->info.compressed_size != m->info.uncompressed_size ||
        base <= 0 || base > req->fsize || size > req->fsize - base) {
        hr_err_set(err, "%s: truncated or malformed member (%lld bytes at "
                   "offset %lld of a %lld-byte archive)", m->what,
                   (long long)size, (long long)base,
                   (long long)req->fsize);
        return HR_EFORMAT;
    }
    if (size < 6 || hr_fileio_pread_full(req->fd, magic, 6, (off_t)base) !=
        6 || memcmp(magic, "\x93NUMPY", 6) != 0) {
        hr_err_set(err, "%s: member is not a .npy array (bad magic)",
                   m->what);
        return HR_EFORMAT;
    }
    memset(&lay, 0, sizeof lay);
    rc = hr_layout_npy(m->what, req->fd, base, size, &lay, err);
    if (rc == 0)
        rc = hr_loader_new(req->path, name, &lay, out, err);
    if (rc == 0)
        rc = hr_loader_data(m->what, req->fd, &lay, req->opts, *out, err);
    return rc;
}

/* ---- the archive ---- */

/* The array's name: NAME for one chosen member, else NAME.KEY. */
static char *member_name(const struct member *m)
{
    const struct hr_load_req *req = m->req;
    char *base = NULL;
    char *s = NULL;

    if (req->member != NULL && req->name != NULL)
        return strdup(req->name);
    base = req->name != NULL ? strdup(req->name)
                             : hr_loader_default_name(req->path);
    if (base != NULL)
        s = hr_loader_join_name(base, m->key);
    free(base);
    return s;
}

static int load_member(struct member *m, struct hr_array_list *out,
                       struct hr_err *err)
{
    struct hr_resident *r = NULL;
    char *name = member_name(m);
    char txt[128];
    int rc = HR_ENOMEM;
    int e;

    if (name == NULL) {
        hr_err_set(err, "%s: out of memory", m->what);
        goto out;
    }
    if (m->info.flag & 1) {
        hr_err_set(err, "%s: encrypted member: hotrun cannot read it",
                   m->what);
        rc = HR_EUNSUPPORTED;
        goto out;
    }
    if (m->info.compression_method != 0 &&
        m->info.compression_method != Z_DEFLATED) {
        hr_err_set(err, "%s: compression method %lu is not supported "
                   "(NumPy writes stored or deflated members)", m->what,
                   (unsigned long)m->info.compression_method);
        rc = HR_EUNSUPPORTED;
        goto out;
    }
    e = unzOpenCurrentFile(m->uf);
    if (e != UNZ_OK) {
        hr_err_set(err, "%s: %s", m->what, zip_error(e, txt, sizeof txt));
        rc = e == UNZ_ERRNO ? HR_EIO : HR_EFORMAT;
        goto out;
    }
    if (m->info.compression_method == 0)
        rc = load_stored(m, name, &r, err);
    else
        rc = load_deflated(m, name, &r, err);
    unzCloseCurrentFile(m->uf);
    if (rc == 0) {
        r->format = "npz";
        r->origin = strdup(m->fname);
        if (r->origin == NULL) {
            hr_err_set(err, "%s: out of memory", m->what);
            rc = HR_ENOMEM;
        }
    }
    if (rc == 0) {
        rc = hr_array_list_push(out, r);
        r = NULL;
    }
out:
    hr_array_free(r);
    free(name);
    return rc;
}

/* Reads the current entry's name; *is_npy says whether it is a .npy
 * member (directories and other files are not). */
static int entry_info(struct member *m, int *is_npy, struct hr_err *err)
{
    size_t len;
    int e;

    e = unzGetCurrentFileInfo64(m->uf, &m->info, m->fname, sizeof m->fname,
                                NULL, 0, NULL, 0);
    if (e != UNZ_OK) {
        hr_err_set(err, "%s: malformed zip central directory",
                   m->req->path);
        return HR_EFORMAT;
    }
    len = strlen(m->fname);
    *is_npy = len > 4 && strcmp(m->fname + len - 4, ".npy") == 0;
    snprintf(m->key, sizeof m->key, "%.*s", (int)(*is_npy ? len - 4 : len),
             m->fname);
    snprintf(m->what, sizeof m->what, "%s:%s", m->req->path, m->key);
    return 0;
}

/* Appends ", key" to the list of members for a message. */
static void add_key(char *list, size_t cap, const char *key)
{
    size_t len = strlen(list);

    if (len + 8 >= cap)
        return;
    if (len + strlen(key) + 8 >= cap) {
        snprintf(list + len, cap - len, ", ...");
        return;
    }
    snprintf(list + len, cap - len, "%s%s", len > 0 ? ", " : "", key);
}

int hr_npz_load(const struct hr_load_req *req, struct hr_array_list *out,
                struct hr_err *err)
{
    struct member *m = calloc(1, sizeof *m);
    char keys[512] = "";
    int found = 0;
    int is_npy = 0;
    int e;
    int rc = HR_ENOMEM;

    if (m == NULL) {
        hr_err_set(err, "%s: out of memory", req->path);
        return HR_ENOMEM;
    }
    m->req = req;
    m->uf = unzOpen64(req->path);
    if (m->uf == NULL) {
        hr_err_set(err, "%s: malformed .npz (zip) archive: no readable "
                   "central directory (truncated?)", req->path);
        rc = HR_EFORMAT;
        goto out;
    }
    rc = 0;
    for (e = unzGoToFirstFile(m->uf); e == UNZ_OK && rc == 0;
         e = unzGoToNextFile(m->uf)) {
        rc = entry_info(m, &is_npy, err);
        if (rc != 0 || !is_npy)
            continue;
        add_key(keys, sizeof keys, m->key);
        if (req->member != NULL && strcmp(req->member, m->key) != 0 &&
            strcmp(req->member, m->fname) != 0)
            continue;
        found++;
        rc = load_member(m, out, err);
        if (req->member != NULL)
            break;
    }
    if (rc == 0 && e != UNZ_OK && e != UNZ_END_OF_LIST_OF_FILE) {
        hr_err_set(err, "%s: malformed zip central directory", req->path);
        rc = HR_EFORMAT;
    }
    if (rc == 0 && found == 0 && req->member != NULL) {
        hr_err_set(err, "%s: no member '%s' (members: %s)", req->path,
                   req->member, keys[0] != '\0' ? keys : "none");
        rc = HR_ENOENT;
    } else if (rc == 0 && found == 0) {
        hr_err_set(err, "%s: a zip archive with no .npy member: not a "
                   "NumPy .npz file", req->path);
        rc = HR_EFORMAT;
    }
out:
    if (m->uf != NULL)
        unzClose(m->uf);
    free(m);
    return rc;
}
