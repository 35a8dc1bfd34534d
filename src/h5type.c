/* h5type.c - HDF5 datatypes as hotrun dtypes; attributes as text */
#include "h5.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

_Static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is 64 bits");

#define MAX_ATTRS 64
#define VALUE_TXT 200       /* longest attribute value shown */
#define MAX_VALUES 16       /* numbers shown of an array attribute */

/* ---- datatypes ---- */

static const char *class_word(H5T_class_t c)
{
    switch (c) {
    case H5T_STRING: return "string";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array-typed (each element an array)";
    case H5T_OPAQUE: return "opaque (raw bytes)";
    case H5T_REFERENCE: return "reference";
    case H5T_BITFIELD: return "bitfield";
    case H5T_TIME: return "time";
    case H5T_COMPOUND: return "compound (records with fields)";
    default: return "unknown-typed";
    }
}

static int int_dtype(size_t size, int is_signed)
{
    static const int s[] = { HR_INT8, HR_INT16, -1, HR_INT32, -1, -1, -1,
                             HR_INT64 };
    static const int u[] = { HR_UINT8, HR_UINT16, -1, HR_UINT32, -1, -1, -1,
                             HR_UINT64 };

    if (size < 1 || size > 8)
        return -1;
    return is_signed ? s[size - 1] : u[size - 1];
}

/* An IEEE float of this size (half, single, double), else -1. */
static int float_dtype(hid_t t)
{
    size_t spos, epos, esize, mpos, msize;
    size_t size = H5Tget_size(t);

    if (H5Tget_fields(t, &spos, &epos, &esize, &mpos, &msize) < 0)
        return -1;
    if (size == 2 && spos == 15 && epos == 10 && esize == 5 && mpos == 0 &&
        msize == 10 && H5Tget_ebias(t) == 15)
        return HR_FLOAT16;
    if (size == 4 && spos == 31 && epos == 23 && esize == 8 && mpos == 0 &&
        msize == 23 && H5Tget_ebias(t) == 127)
        return HR_FLOAT32;
    if (size == 8 && spos == 63 && epos == 52 && esize == 11 && mpos == 0 &&
        msize == 52 && H5Tget_ebias(t) == 1023)
        return HR_FLOAT64;
    return -1;
}

/* h5py's bool: an 8-bit enum FALSE = 0, TRUE = 1. */
static int is_bool_enum(hid_t t)
{
    char *n0 = NULL;
    char *n1 = NULL;
    signed char v0 = -1;
    signed char v1 = -1;
    int ok;

    if (H5Tget_nmembers(t) != 2 || H5Tget_size(t) != 1)
        return 0;
    n0 = H5Tget_member_name(t, 0);
    n1 = H5Tget_member_name(t, 1);
    ok = n0 != NULL && n1 != NULL && strcmp(n0, "FALSE") == 0 &&
         strcmp(n1, "TRUE") == 0 && H5Tget_member_value(t, 0, &v0) >= 0 &&
         H5Tget_member_value(t, 1, &v1) >= 0 && v0 == 0 && v1 == 1;
    H5free_memory(n0);
    H5free_memory(n1);
    return ok;
}

/* h5py's complex: a compound {r, i} (or {real, imag}) of two IEEE floats
 * of one size, packed. */
static void complex_type(hid_t t, struct hr_h5_type *out)
{
    hid_t m0 = -1;
    hid_t m1 = -1;
    char *n0 = NULL;
    char *n1 = NULL;
    size_t sz;
    int d0, d1;

    if (H5Tget_nmembers(t) != 2)
        goto refuse;
    n0 = H5Tget_member_name(t, 0);
    n1 = H5Tget_member_name(t, 1);
    if (n0 == NULL || n1 == NULL ||
        !((strcmp(n0, "r") == 0 && strcmp(n1, "i") == 0) ||
          (strcmp(n0, "real") == 0 && strcmp(n1, "imag") == 0)))
        goto refuse;
    m0 = H5Tget_member_type(t, 0);
    m1 = H5Tget_member_type(t, 1);
    if (H5Tget_class(m0) != H5T_FLOAT || H5Tget_class(m1) != H5T_FLOAT)
        goto refuse;
    d0 = float_dtype(m0);
    d1 = float_dtype(m1);
    sz = H5Tget_size(m0);
    if (d0 != d1 || (d0 != HR_FLOAT32 && d0 != HR_FLOAT64))
        goto refuse;
    out->dtype = d0 == HR_FLOAT32 ? HR_COMPLEX64 : HR_COMPLEX128;
    out->big_endian = H5Tget_order(m0) == H5T_ORDER_BE;
    out->packed = H5Tget_member_offset(t, 0) == 0 &&
                  H5Tget_member_offset(t, 1) == sz &&
                  H5Tget_size(t) == 2 * sz &&
                  H5Tget_order(m0) == H5Tget_order(m1);
    goto out;
refuse:
    snprintf(out->why, sizeof out->why, "compound dataset (records with "
             "fields%s%s%s%s): hotrun needs plain numbers",
             n0 != NULL ? " " : "", n0 != NULL ? n0 : "",
             n1 != NULL ? ", " : "", n1 != NULL ? n1 : "");
out:
    if (m0 >= 0)
        H5Tclose(m0);
    if (m1 >= 0)
        H5Tclose(m1);
    H5free_memory(n0);
    H5free_memory(n1);
}

void hr_h5_type(int64_t t, struct hr_h5_type *out)
{
    H5T_class_t c = H5Tget_class(t);
    hid_t base = -1;
    size_t size = H5Tget_size(t);

    memset(out, 0, sizeof *out);
    out->dtype = -1;
    if (c == H5T_INTEGER) {
        out->dtype = int_dtype(size, H5Tget_sign(t) != H5T_SGN_NONE);
        out->big_endian = H5Tget_order(t) == H5T_ORDER_BE;
        out->packed = H5Tget_precision(t) == 8 * size &&
                      H5Tget_offset(t) == 0;
        if (out->dtype < 0)
            snprintf(out->why, sizeof out->why, "%zu-byte integers are not "
                     "a NumPy type", size);
    } else if (c == H5T_FLOAT) {
        out->dtype = float_dtype(t);
        out->big_endian = H5Tget_order(t) == H5T_ORDER_BE;
        out->packed = 1;
        if (out->dtype < 0 && size > 8)
            snprintf(out->why, sizeof out->why, "long double (%zu-byte) "
                     "floats are not supported: store float64", size);
        else if (out->dtype < 0)
            snprintf(out->why, sizeof out->why, "a %zu-byte float that is "
                     "not IEEE half, single or double", size);
    } else if (c == H5T_ENUM) {
        base = H5Tget_super(t);
        out->dtype = is_bool_enum(t) ? HR_BOOL
                     : int_dtype(size, H5Tget_sign(base) != H5T_SGN_NONE);
        out->big_endian = H5Tget_order(base) == H5T_ORDER_BE;
        out->packed = 1;
        if (out->dtype < 0)
            snprintf(out->why, sizeof out->why, "%zu-byte enum", size);
        H5Tclose(base);
    } else if (c == H5T_COMPOUND) {
        complex_type(t, out);
    } else {
        snprintf(out->why, sizeof out->why, "%s dataset: hotrun needs "
                 "numbers", class_word(c));
    }
}

/* An enum like t with little-endian values (H5Tset_order refuses an enum
 * that has members). */
static hid_t le_enum(hid_t t)
{
    hid_t base = H5Tget_super(t);
    hid_t le = base >= 0 ? H5Tcopy(base) : -1;
    hid_t m = -1;
    size_t size = H5Tget_size(t);
    int big = base >= 0 && H5Tget_order(base) == H5T_ORDER_BE;
    unsigned char v[16];
    unsigned char tmp;
    char *name = NULL;
    int n = H5Tget_nmembers(t);
    int ok = le >= 0 && size <= sizeof v && n >= 0 &&
             H5Tset_order(le, H5T_ORDER_LE) >= 0;
    int i;
    size_t k;

    if (ok)
        m = H5Tenum_create(le);
    for (i = 0; ok && m >= 0 && i < n; i++) {
        name = H5Tget_member_name(t, (unsigned)i);
        ok = name != NULL && H5Tget_member_value(t, (unsigned)i, v) >= 0;
        for (k = 0; ok && big && k < size / 2; k++) {
            tmp = v[k];
            v[k] = v[size - 1 - k];
            v[size - 1 - k] = tmp;
        }
        ok = ok && H5Tenum_insert(m, name, v) >= 0;
        H5free_memory(name);
    }
    if (!ok && m >= 0) {
        H5Tclose(m);
        m = -1;
    }
    if (le >= 0)
        H5Tclose(le);
    if (base >= 0)
        H5Tclose(base);
    return m;
}

int64_t hr_h5_memtype(int64_t t, int dtype)
{
    hid_t f = dtype == HR_COMPLEX64 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    size_t sz = dtype == HR_COMPLEX64 ? 4 : 8;
    hid_t m = -1;
    char *n0 = NULL;
    char *n1 = NULL;

    if (H5Tget_class(t) == H5T_ENUM)
        return le_enum(t);
    if (dtype != HR_COMPLEX64 && dtype != HR_COMPLEX128) {
        m = H5Tcopy(t);
        if (m >= 0 && H5Tset_order(m, H5T_ORDER_LE) < 0) {
            H5Tclose(m);
            m = -1;
        }
        return m;
    }
    n0 = H5Tget_member_name(t, 0);
    n1 = H5Tget_member_name(t, 1);
    m = H5Tcreate(H5T_COMPOUND, 2 * sz);
    if (m >= 0 && (n0 == NULL || n1 == NULL ||
                   H5Tinsert(m, n0, 0, f) < 0 || H5Tinsert(m, n1, sz, f) < 0)) {
        H5Tclose(m);
        m = -1;
    }
    H5free_memory(n0);
    H5free_memory(n1);
    return m;
}

/* ---- attributes ---- */

struct attr_list {
    char **items;
    int n;
    int nomem;
};

/* Shortest %g that reads back as v. */
static void format_double(double v, char *buf, size_t len)
{
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void append(char *buf, size_t cap, const char *s)
{
    size_t len = strlen(buf);

    snprintf(buf + len, cap - len, "%s", s);
}

/* Numbers: "3", "2.5" or "[1, 2, 3, ...]". */
static void numbers_text(hid_t a, hid_t space, H5T_class_t c, hid_t t,
                         char *buf, size_t cap)
{
    hssize_t n = H5Sget_simple_extent_npoints(space);
    int is_float = c == H5T_FLOAT;
    int is_signed = c == H5T_INTEGER && H5Tget_sign(t) != H5T_SGN_NONE;
    hid_t mt = is_float ? H5T_NATIVE_DOUBLE
               : is_signed ? H5T_NATIVE_LLONG : H5T_NATIVE_ULLONG;
    void *vals = NULL;
    char one[40];
    hssize_t k;

    if (n <= 0 || (vals = calloc((size_t)n, 8)) == NULL ||
        H5Aread(a, mt, vals) < 0) {
        snprintf(buf, cap, "(unreadable)");
        free(vals);
        return;
    }
    buf[0] = '\0';
    if (H5Sget_simple_extent_ndims(space) > 0)
        append(buf, cap, "[");
    for (k = 0; k < n && k < MAX_VALUES; k++) {
        if (is_float)
            format_double(((double *)vals)[k], one, sizeof one);
        else if (is_signed)
            snprintf(one, sizeof one, "%lld", ((long long *)vals)[k]);
        else
            snprintf(one, sizeof one, "%llu",
                     ((unsigned long long *)vals)[k]);
        if (k > 0)
            append(buf, cap, ", ");
        append(buf, cap, one);
    }
    if (n > MAX_VALUES)
        append(buf, cap, ", ...");
    if (H5Sget_simple_extent_ndims(space) > 0)
        append(buf, cap, "]");
    free(vals);
}

/* A string attribute (fixed or variable length; the first of an array). */
static void string_text(hid_t a, hid_t space, hid_t t, char *buf, size_t cap)
{
    hssize_t n = H5Sget_simple_extent_npoints(space);
    size_t size = H5Tget_size(t);
    hid_t mt = H5Tcopy(t);
    char **vl = NULL;
    char *fixed = NULL;

    snprintf(buf, cap, "(unreadable string)");
    if (n < 1 || mt < 0)
        goto out;
    if (H5Tis_variable_str(t) > 0) {
        vl = calloc((size_t)n, sizeof *vl);
        if (vl != NULL && H5Aread(a, mt, vl) >= 0) {
            snprintf(buf, cap, "\"%s\"%s", vl[0] != NULL ? vl[0] : "",
                     n > 1 ? ", ..." : "");
            H5Dvlen_reclaim(mt, space, H5P_DEFAULT, vl);
        }
        goto out;
    }
    fixed = calloc((size_t)n, size + 1);
    if (fixed != NULL && H5Aread(a, mt, fixed) >= 0)
        snprintf(buf, cap, "\"%.*s\"%s", (int)strnlen(fixed, size), fixed,
                 n > 1 ? ", ..." : "");
out:
    free(vl);
    free(fixed);
    if (mt >= 0)
        H5Tclose(mt);
}

static herr_t attr_cb(hid_t loc, const char *name, const H5A_info_t *info,
                      void *ud)
{
    struct attr_list *l = ud;
    char value[VALUE_TXT + 8];
    char **grown = NULL;
    char *line = NULL;
    hid_t a = -1, t = -1, s = -1;
    H5T_class_t c;

    (void)info;
    if (l->n >= MAX_ATTRS)
        return 1;
    a = H5Aopen(loc, name, H5P_DEFAULT);
    t = a >= 0 ? H5Aget_type(a) : -1;
    s = a >= 0 ? H5Aget_space(a) : -1;
    c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (c == H5T_INTEGER || c == H5T_FLOAT)
        numbers_text(a, s, c, t, value, VALUE_TXT);
    else if (c == H5T_STRING)
        string_text(a, s, t, value, VALUE_TXT);
    else
        snprintf(value, VALUE_TXT, "(%s)", class_word(c));
    if (strlen(value) >= VALUE_TXT - 1)
        memcpy(value + VALUE_TXT - 4, "...", 4);
    if (asprintf(&line, "%s = %s", name, value) >= 0)
        grown = realloc(l->items, (size_t)(l->n + 1) * sizeof *grown);
    if (grown == NULL) {
        free(line);
        l->nomem = 1;
    } else {
        l->items = grown;
        l->items[l->n++] = line;
    }
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return l->nomem ? -1 : 0;
}

int hr_h5_attrs(int64_t obj, char ***attrs, int *n)
{
    struct attr_list l = { NULL, 0, 0 };
    hsize_t idx = 0;

    H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_cb, &l);
    if (l.nomem) {
        hr_loader_free_strings(l.items, l.n);
        return HR_ENOMEM;
    }
    *attrs = l.items;
    *n = l.n;
    return 0;
}

/* ---- errors ---- */

static herr_t why_cb(unsigned n, const H5E_error2_t *e, void *ud)
{
    char *buf = ud;

    if (n == 0 && e->desc != NULL)
        snprintf(buf, 256, "%s", e->desc);
    return 0;
}

const char *hr_h5_why(char *buf, size_t len)
{
    char desc[256] = "";
    size_t k;

    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, why_cb, desc);
    snprintf(buf, len, "%s", desc[0] != '\0' ? desc : "hdf5 error");
    for (k = 0; buf[k] != '\0'; k++)
        buf[k] = (char)tolower((unsigned char)buf[k]);
    return buf;
}
