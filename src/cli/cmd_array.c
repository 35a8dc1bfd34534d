/* cmd_array.c - commands on resident arrays: load, arrays, use, checksum */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out.h"

/* The whole array's shape as text ("5000x5000") and its bytes, and
 * how it is split over MPI ranks (", split on axis 0 over 4 ranks"). */
static int64_t whole_shape(const struct hr_array *v, char *buf, size_t len,
                           char *where, size_t wlen)
{
    struct hr_array whole = *v;
    int64_t nbytes = v->itemsize;
    int k;

    memcpy(whole.shape, v->global_shape, sizeof whole.shape);
    if (v->nranks <= 1)
        memcpy(whole.shape, v->shape, sizeof whole.shape);
    for (k = 0; k < v->ndim; k++)
        nbytes *= whole.shape[k];
    hr_shape_format(&whole, buf, len);
    where[0] = '\0';
    if (v->nranks > 1 && v->split_axis >= 0)
        snprintf(where, wlen, ", split on axis %d over %d ranks",
                 v->split_axis, v->nranks);
    return nbytes;
}

/* The load options of argv[1..argc) into args; *spec gets the one
 * argument that is not an option.  Returns 0, or -1 with rec's error. */
static int parse_load(int argc, char **argv, struct hr_load_args *args,
                      const char **spec, struct hr_record *rec)
{
    int have_dtype = 0, have_shape = 0;
    int i;

    *spec = NULL;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc) {
            if (hr_load_args_dtype(args, argv[++i]) != 0) {
                hr_record_input_error(rec, "load: unknown dtype '%s' (try "
                                      "float64, float32, int32, uint8, "
                                      "<f8, >i4...)", argv[i]);
                return -1;
            }
            have_dtype = 1;
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc) {
            if (hr_load_args_shape(args, argv[++i]) != 0) {
                hr_record_input_error(rec, "load: '%s' is not a shape like "
                                      "5000x5000", argv[i]);
                return -1;
            }
            have_shape = 1;
        } else if (strcmp(argv[i], "--order") == 0 && i + 1 < argc) {
            const char *o = argv[++i];

            if (strcmp(o, "C") != 0 && strcmp(o, "c") != 0 &&
                strcmp(o, "F") != 0 && strcmp(o, "f") != 0) {
                hr_record_input_error(rec, "load: --order: '%s' is not C "
                                      "or F", o);
                return -1;
            }
            args->fortran = o[0] == 'F' || o[0] == 'f';
        } else if (strcmp(argv[i], "--delimiter") == 0 && i + 1 < argc) {
            if (hr_load_args_delimiter(args, argv[++i]) != 0) {
                hr_record_input_error(rec, "load: --delimiter wants one "
                                      "character (or tab, space), not '%s'",
                                      argv[i]);
                return -1;
            }
        } else if (strcmp(argv[i], "--lenient") == 0) {
            args->lenient = 1;
        } else if (*spec == NULL && argv[i][0] != '-') {
            *spec = argv[i];
        } else {
            break;
        }
    }
    if (i < argc || *spec == NULL || (have_shape && !have_dtype)) {
        hr_record_input_error(rec, "usage: load [NAME=]FILE[:MEMBER] "
                              "[--dtype T [--shape S [--order C|F]]] "
                              "[--delimiter D] [--lenient]");
        return -1;
    }
    /* --dtype with --shape: a raw file; alone: the type of CSV values */
    args->raw = have_shape;
    args->csv_dtype_set = have_dtype && !have_shape;
    args->csv_dtype = args->dtype;
    return 0;
}

/* "NAME: 3x4 float64, 96 B, read" (the whole array's shape and bytes, and
 * how it is split when it is over MPI ranks) */
static void describe(const struct hr_array_info *a, char *buf, size_t len)
{
    char shape[HR_SHAPE_TXT], size[32], where[64];

    hr_out_format_bytes((double)whole_shape(a->view, shape, sizeof shape,
                                            where, sizeof where),
                        size, sizeof size);
    snprintf(buf, len, "%s: %s %s, %s%s, %s", a->name, shape,
             hr_dtype_name(a->view->dtype), size, where, a->how);
}

int hr_cmd_load(struct hr_cli *cli, int argc, char **argv,
                struct hr_record *rec)
{
    struct hr_load_args args = { 0 };
    struct hr_array_info info;
    struct hr_err err = { { 0 } };
    const char *spec = NULL;
    char what[HR_SHAPE_TXT + 256], t[32];
    int *idx = NULL;
    int n = 0;
    int i;

    if (parse_load(argc, argv, &args, &spec, rec) != 0)
        return HR_CMD_ERR;
    if (hr_session_load(cli->s, spec, &args, &idx, &n, &err) != 0) {
        hr_record_input_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    hr_session_array_info(cli->s, idx[0], &info);
    hr_out_format_ms(info.load_ms, t, sizeof t);
    if (n == 1) {
        describe(&info, what, sizeof what);
        hr_record_note(rec, "loaded %s (%s)", what, t);
    } else {
        hr_record_note(rec, "loaded %d arrays from %s (%s)", n, info.path,
                       t);
        for (i = 0; i < n; i++) {
            hr_session_array_info(cli->s, idx[i], &info);
            describe(&info, what, sizeof what);
            hr_text_printf(&rec->text, "  %s\n", what);
        }
    }
    free(idx);
    return HR_CMD_OK;
}

static int width(int w, const char *s)
{
    return (int)strlen(s) > w ? (int)strlen(s) : w;
}

/* arrays -v: where an array came from, its columns and attributes */
static void details(const struct hr_array_info *a, struct hr_record *rec)
{
    int i;

    hr_text_printf(&rec->text, "    from %s%s%s (%s)\n", a->path,
                   a->origin != NULL ? ":" : "",
                   a->origin != NULL ? a->origin : "", a->format);
    if (a->ncolumns > 0) {
        hr_text_printf(&rec->text, "    columns");
        for (i = 0; i < a->ncolumns; i++)
            hr_text_printf(&rec->text, "%s %s", i > 0 ? "," : "",
                           a->columns[i]);
        hr_text_printf(&rec->text, "\n");
    }
    for (i = 0; i < a->nattrs; i++)
        hr_text_printf(&rec->text, "    attribute %s\n", a->attrs[i]);
    if (a->note != NULL && a->note[0] != '\0')
        hr_text_printf(&rec->text, "    note %s\n", a->note);
}

/* How a came: "copy", "mmap", ..., or "made 14:03:12" (by a task). */
static const char *how(const struct hr_array_info *a, char *buf,
                       size_t len)
{
    struct tm tm;

    if (a->made_by == NULL)
        return a->how;
    localtime_r(&a->made_at.tv_sec, &tm);
    strftime(buf, len, "made %H:%M:%S", &tm);
    return buf;
}

int hr_cmd_arrays(struct hr_cli *cli, int argc, char **argv,
                  struct hr_record *rec)
{
    int wname = 4, wshape = 5, whow = 6;    /* the headings' widths */
    int n = hr_session_narrays(cli->s);
    int verbose = argc == 2 && strcmp(argv[1], "-v") == 0;
    int i;

    if (argc > 2 || (argc == 2 && !verbose)) {
        hr_record_input_error(rec, "usage: arrays [-v]");
        return HR_CMD_ERR;
    }
    if (n == 0) {
        hr_record_note(rec, "no arrays (load [NAME=]FILE)");
        return HR_CMD_OK;
    }
    hr_session_check_arrays(cli->s);    /* files changed since loaded */
    /* columns as wide as their longest entry */
    for (i = 0; i < n; i++) {
        struct hr_array_info a;
        char shape[HR_SHAPE_TXT], where[64];

        char made[32];

        hr_session_array_info(cli->s, i, &a);
        whole_shape(a.view, shape, sizeof shape, where, sizeof where);
        wname = width(wname, a.name);
        wshape = width(wshape, shape);
        whow = width(whow, how(&a, made, sizeof made));
    }
    hr_text_printf(&rec->text, "  %-*s  %-10s  %-*s  %12s  %-*s  %s\n",
                   wname, "name", "dtype", wshape, "shape", "bytes", whow,
                   "loaded", "file");
    for (i = 0; i < n; i++) {
        struct hr_array_info a;
        char shape[HR_SHAPE_TXT], where[64], made[32];
        int64_t nbytes;

        hr_session_array_info(cli->s, i, &a);
        nbytes = whole_shape(a.view, shape, sizeof shape, where,
                             sizeof where);
        hr_text_printf(&rec->text, "%c %-*s  %-10s  %-*s  %12lld  %-*s  "
                       "%s%s%s\n", a.is_default ? '*' : ' ', wname, a.name,
                       hr_dtype_name(a.view->dtype), wshape, shape,
                       (long long)nbytes, whow, how(&a, made, sizeof made),
                       a.path,
                       (a.view->flags & HR_C_CONTIGUOUS) ||
                       a.view->ndim < 2 ? "" : " (fortran order)", where);
        if (verbose)
            details(&a, rec);
    }
    return HR_CMD_OK;
}

int hr_cmd_use(struct hr_cli *cli, int argc, char **argv,
               struct hr_record *rec)
{
    struct hr_err err = { { 0 } };

    (void)argc;
    if (hr_session_use(cli->s, argv[1], &err) != 0) {
        hr_record_input_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}

int hr_cmd_checksum(struct hr_cli *cli, int argc, char **argv,
                    struct hr_record *rec)
{
    struct hr_array_info a;
    struct hr_err err = { { 0 } };
    const char *name = argc > 1 ? argv[1] : NULL;
    uint64_t sum = 0;

    if (argc > 2) {
        hr_record_input_error(rec, "usage: checksum [NAME]");
        return HR_CMD_ERR;
    }
    if (hr_session_checksum(cli->s, name, &sum, &err) != 0) {
        hr_record_input_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    hr_session_array_info(cli->s, hr_session_find_array(cli->s, name), &a);
    hr_text_printf(&rec->text, "%s %016llx\n", a.name,
                   (unsigned long long)sum);
    return HR_CMD_OK;
}

int hr_cmd_keeps(struct hr_cli *cli, int argc, char **argv,
                 struct hr_record *rec)
{
    int n = hr_session_nkeeps(cli->s);
    int i;

    (void)argc;
    (void)argv;
    if (n == 0) {
        hr_record_note(rec, "nothing is kept (a task keeps a block with "
                       "hr_keep(KEY, BYTES))");
        return HR_CMD_OK;
    }
    for (i = 0; i < n; i++) {
        struct hr_keep_info k;
        char size[32];

        hr_session_keep_info(cli->s, i, &k);
        hr_out_format_bytes((double)k.nbytes, size, sizeof size);
        hr_text_printf(&rec->text, "  %-20s %10zu bytes (%s)\n", k.key,
                       k.nbytes, size);
    }
    return HR_CMD_OK;
}

int hr_cmd_forget(struct hr_cli *cli, int argc, char **argv,
                  struct hr_record *rec)
{
    struct hr_err err = { { 0 } };

    (void)argc;
    if (hr_session_forget(cli->s, argv[1], &err) != 0) {
        hr_record_input_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}
