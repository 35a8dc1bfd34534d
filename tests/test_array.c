/* test_array.c - loading .npy and raw files, dtypes, shapes, elements */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "sysmem.h"
#include "testdir.h"

#define MIB ((size_t)1 << 20)

static char paths[8][512];     /* in_dir()'s results */
static int next_path;

static int setup(void **state)
{
    return hr_testdir_setup(state, "test_array");
}

static int teardown(void **state)
{
    return hr_testdir_teardown(state);
}

/* A path in the test's directory (valid for the next 7 calls). */
static const char *in_dir(void **state, const char *name)
{
    struct hr_testdir *f = *state;
    char *p = paths[next_path++ % 8];

    snprintf(p, sizeof paths[0], "%s/%s", f->dir, name);
    return p;
}

static void write_bytes(const char *path, const void *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Writes a .npy file: magic, version, header length, hdr (padded with
 * spaces and '\n' to a multiple of 64 when pad), then the data. */
static void write_npy_ex(const char *path, int major, int minor,
                         const char *hdr, size_t hlen, int pad,
                         const void *data, size_t n)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t total = pre + hlen + (pad ? 1 : 0);
    unsigned char *buf;
    size_t len;

    while (pad && total % 64 != 0)
        total++;
    len = total - pre;
    buf = malloc(total + n + 1);
    assert_non_null(buf);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = (unsigned char)minor;
    buf[8] = (unsigned char)(len & 0xff);
    buf[9] = (unsigned char)(len >> 8 & 0xff);
    if (pre == 12) {
        buf[10] = (unsigned char)(len >> 16 & 0xff);
        buf[11] = (unsigned char)(len >> 24 & 0xff);
    }
    memcpy(buf + pre, hdr, hlen);
    if (pad) {
        memset(buf + pre + hlen, ' ', total - pre - hlen);
        buf[total - 1] = '\n';
    }
    if (n > 0)
        memcpy(buf + total, data, n);
    write_bytes(path, buf, total + n);
    free(buf);
}

static void write_npy(const char *path, const char *dict, const void *data,
                      size_t n)
{
    write_npy_ex(path, 1, 0, dict, strlen(dict), 1, data, n);
}

static int load(const char *path, enum hr_load_mode mode,
                struct hr_resident **r, struct hr_err *err)
{
    struct hr_load_opts opts = { .mode = mode };

    err->msg[0] = '\0';
    return hr_array_load(path, NULL, &opts, r, err);
}

/* A failure: the code, one line starting "path: ", containing want. */
static void check_fail(int rc, int code, const struct hr_resident *r,
                       const struct hr_err *err, const char *path,
                       const char *want)
{
    size_t len = strlen(path);

    if (rc != code || strstr(err->msg, want) == NULL)
        print_error("got %d '%s', want %d '%s'\n", rc, err->msg, code, want);
    assert_int_equal(rc, code);
    assert_null(r);
    assert_memory_equal(err->msg, path, len);
    assert_memory_equal(err->msg + len, ": ", 2);
    assert_null(strchr(err->msg, '\n'));
    assert_non_null(strstr(err->msg, want));
}

/* Loads a .npy file with this header (and data) and expects a failure. */
static void expect_npy_fail(void **state, const char *dict,
                            const void *data, size_t n, int code,
                            const char *want)
{
    const char *path = in_dir(state, "bad.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    int rc;

    write_npy(path, dict, data, n);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, code, r, &err, path, want);
    rc = load(path, HR_LOAD_READ, &r, &err);
    check_fail(rc, code, r, &err, path, want);
}

/* ---- element encoding for the test data ---- */

static const char *const codes[HR_NDTYPES] = {
    "b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8",
    "f2", "f4", "f8", "c8", "c16"
};

static const double vals[HR_NDTYPES][6] = {
    [HR_BOOL] = { 0, 1, 1, 0, 1, 0 },
    [HR_INT8] = { 0, 1, -2, 100, -128, 127 },
    [HR_INT16] = { 0, 1, -2, 1000, -32768, 32767 },
    [HR_INT32] = { 0, 1, -2, 100000, -2147483648.0, 2147483647.0 },
    [HR_INT64] = { 0, 1, -2, 1e12, -9007199254740992.0, 0x1p62 },
    [HR_UINT8] = { 0, 1, 2, 100, 200, 255 },
    [HR_UINT16] = { 0, 1, 2, 1000, 40000, 65535 },
    [HR_UINT32] = { 0, 1, 2, 100000, 3e9, 4294967295.0 },
    [HR_UINT64] = { 0, 1, 2, 1e12, 0x1p63, 0x1p64 - 0x1p11 },
    [HR_FLOAT16] = { 0, 1, -2, 100, 7.5, 65504 },
    [HR_FLOAT32] = { 0, 1, -2, 0.5, 0x1p100, -3.25 },
    [HR_FLOAT64] = { 0, 1, -2, 0.1, 1e300, -3.25 },
    [HR_COMPLEX64] = { 0, 1, -2, 0.5, 0x1p100, -3.25 },
    [HR_COMPLEX128] = { 0, 1, -2, 0.1, 1e300, -3.25 },
};

/* Bits of a half that is exactly v (normal numbers and zero only). */
static uint16_t half_bits(double v)
{
    uint16_t sign = v < 0 ? 0x8000 : 0;
    int e;
    double m;

    if (v == 0)
        return sign;
    m = frexp(fabs(v), &e);
    return (uint16_t)(sign | (e - 1 + 15) << 10 |
                      (uint16_t)((m * 2 - 1) * 1024));
}

/* Stores v as dtype at p, in big-endian order when big. */
static void encode(int dtype, double v, int big, unsigned char *p)
{
    int size = hr_dtype_size(dtype);
    int unit = dtype >= HR_COMPLEX64 ? size / 2 : size;
    float f[2] = { (float)v, (float)v + 0.5f };
    double d[2] = { v, v + 0.5 };
    uint16_t h = half_bits(v);
    unsigned char t;
    int k;
    int j;

    switch (dtype) {
    case HR_BOOL: p[0] = v != 0; break;
    case HR_INT8: *(int8_t *)p = (int8_t)v; break;
    case HR_INT16: *(int16_t *)p = (int16_t)v; break;
    case HR_INT32: *(int32_t *)p = (int32_t)v; break;
    case HR_INT64: *(int64_t *)p = (int64_t)v; break;
    case HR_UINT8: *(uint8_t *)p = (uint8_t)v; break;
    case HR_UINT16: *(uint16_t *)p = (uint16_t)v; break;
    case HR_UINT32: *(uint32_t *)p = (uint32_t)v; break;
    case HR_UINT64: *(uint64_t *)p = (uint64_t)v; break;
    case HR_FLOAT16: memcpy(p, &h, 2); break;
    case HR_FLOAT32: memcpy(p, f, 4); break;
    case HR_FLOAT64: memcpy(p, d, 8); break;
    case HR_COMPLEX64: memcpy(p, f, 8); break;
    case HR_COMPLEX128: memcpy(p, d, 16); break;
    }
    for (k = 0; big && k < size; k += unit) {
        for (j = 0; j < unit / 2; j++) {
            t = p[k + j];
            p[k + j] = p[k + unit - 1 - j];
            p[k + unit - 1 - j] = t;
        }
    }
}

static void check_values(const struct hr_resident *r, int dtype,
                         const int *order)
{
    int k;

    for (k = 0; k < 6; k++) {
        if (hr_array_at(&r->view, k) != vals[dtype][order[k]])
            print_error("%s[%d]: got %g want %g\n", hr_dtype_name(dtype), k,
                        hr_array_at(&r->view, k), vals[dtype][order[k]]);
        assert_true(hr_array_at(&r->view, k) == vals[dtype][order[k]]);
    }
}

/* ---- dtypes and shapes ---- */

static void test_array_dtype_names(void **state)
{
    static const char *const names[HR_NDTYPES] = {
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
        "uint32", "uint64", "float16", "float32", "float64", "complex64",
        "complex128"
    };
    static const char *const shorts[HR_NDTYPES] = {
        "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
        "f16", "f32", "f64", "c64", "c128"
    };
    static const int sizes[HR_NDTYPES] = {
        1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 8, 16
    };
    int k;

    (void)state;
    for (k = 0; k < HR_NDTYPES; k++) {
        assert_string_equal(hr_dtype_name(k), names[k]);
        assert_string_equal(hr_dtype_short(k), shorts[k]);
        assert_int_equal(hr_dtype_size(k), sizes[k]);
    }
    assert_string_equal(hr_dtype_name(-1), "unknown");
    assert_string_equal(hr_dtype_name(HR_NDTYPES), "unknown");
    assert_int_equal(hr_dtype_size(HR_NDTYPES), 0);
}

static void test_array_dtype_parse_accepts_numpy_spellings(void **state)
{
    static const struct {
        const char *s;
        int dtype;
        int big;
    } cases[] = {
        { "float64", HR_FLOAT64, 0 }, { "f8", HR_FLOAT64, 0 },
        { "<f8", HR_FLOAT64, 0 }, { ">f8", HR_FLOAT64, 1 },
        { "=f8", HR_FLOAT64, 0 }, { "|u1", HR_UINT8, 0 },
        { "double", HR_FLOAT64, 0 }, { "float", HR_FLOAT64, 0 },
        { "float32", HR_FLOAT32, 0 }, { "single", HR_FLOAT32, 0 },
        { "half", HR_FLOAT16, 0 }, { "f2", HR_FLOAT16, 0 },
        { "float16", HR_FLOAT16, 0 }, { ">f2", HR_FLOAT16, 1 },
        { "int", HR_INT64, 0 }, { "int64", HR_INT64, 0 },
        { "i8", HR_INT64, 0 }, { "uint8", HR_UINT8, 0 },
        { "u1", HR_UINT8, 0 }, { "bool", HR_BOOL, 0 },
        { "b1", HR_BOOL, 0 }, { "?", HR_BOOL, 0 }, { "|b1", HR_BOOL, 0 },
        { "complex64", HR_COMPLEX64, 0 }, { "c8", HR_COMPLEX64, 0 },
        { "complex128", HR_COMPLEX128, 0 }, { "c16", HR_COMPLEX128, 0 },
        { ">c16", HR_COMPLEX128, 1 }, { "complex", HR_COMPLEX128, 0 },
        { "int8", HR_INT8, 0 }, { "int16", HR_INT16, 0 },
        { "int32", HR_INT32, 0 }, { "uint16", HR_UINT16, 0 },
        { "uint32", HR_UINT32, 0 }, { "uint64", HR_UINT64, 0 },
        { ">i4", HR_INT32, 1 }, { "<u8", HR_UINT64, 0 },
        { "|i1", HR_INT8, 0 }, { "i2", HR_INT16, 0 }, { "u4", HR_UINT32, 0 },
    };
    size_t k;
    int dtype;
    int big;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        dtype = -1;
        big = -1;
        assert_int_equal(hr_dtype_parse(cases[k].s, &dtype, &big), 0);
        assert_int_equal(dtype, cases[k].dtype);
        assert_int_equal(big, cases[k].big);
    }
}

static void test_array_dtype_parse_rejects_garbage(void **state)
{
    static const char *const bad[] = {
        "", "<", ">", "f3", "float128", "f16", "c32", "<U5", "|O", "O",
        "<M8", "Float64", "f8 ", " f8", "<<f8", "i16", "int128", "abc",
        "|S3", "V8", "c", "uint8x",
    };
    size_t k;
    int dtype = -1;
    int big = -1;

    (void)state;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(hr_dtype_parse(bad[k], &dtype, &big), HR_EINVAL);
    assert_int_equal(hr_dtype_parse(NULL, &dtype, &big), HR_EINVAL);
    assert_int_equal(dtype, -1);
}

static void test_array_shape_parse_accepts_forms(void **state)
{
    static const struct {
        const char *s;
        int ndim;
        int64_t shape[3];
    } cases[] = {
        { "5000x5000", 2, { 5000, 5000 } },
        { "5000,5000", 2, { 5000, 5000 } },
        { "100", 1, { 100 } },
        { "(3, 4)", 2, { 3, 4 } },
        { "(3, 4,)", 2, { 3, 4 } },
        { "(7,)", 1, { 7 } },
        { " 2 x 3 x 4 ", 3, { 2, 3, 4 } },
        { "0x3", 2, { 0, 3 } },
        { "2X3", 2, { 2, 3 } },
        { "()", 0, { 0 } },
        { "9223372036854775807", 1, { INT64_MAX } },
    };
    struct hr_raw_spec spec;
    size_t k;
    int j;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memset(&spec, 0xff, sizeof spec);
        assert_int_equal(hr_shape_parse(cases[k].s, &spec), 0);
        assert_int_equal(spec.ndim, cases[k].ndim);
        for (j = 0; j < cases[k].ndim; j++)
            assert_int_equal(spec.shape[j], cases[k].shape[j]);
    }
}

static void test_array_shape_parse_rejects_bad(void **state)
{
    static const char *const bad[] = {
        "", " ", "-5", "5x-3", "abc", "5x", "x5", "5,,5", "3.5", "1e3",
        "(3, 4", "3, 4)", "5,", "(3x)", "5 5", "+5",
        "9223372036854775808", "99999999999999999999",
        "4294967296x4294967296", "(", ")",
    };
    struct hr_raw_spec spec;
    char many[256];
    size_t k;

    (void)state;
    memset(&spec, 0, sizeof spec);
    spec.ndim = 7;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        if (hr_shape_parse(bad[k], &spec) != HR_EINVAL)
            print_error("accepted '%s'\n", bad[k]);
        assert_int_equal(hr_shape_parse(bad[k], &spec), HR_EINVAL);
    }
    assert_int_equal(hr_shape_parse(NULL, &spec), HR_EINVAL);
    /* 64 dimensions are fine, 65 are not */
    many[0] = '\0';
    for (k = 0; k < HR_MAX_NDIM; k++)
        strcat(many, k > 0 ? "x1" : "1");
    assert_int_equal(hr_shape_parse(many, &spec), 0);
    assert_int_equal(spec.ndim, HR_MAX_NDIM);
    spec.ndim = 7;
    strcat(many, "x1");
    assert_int_equal(hr_shape_parse(many, &spec), HR_EINVAL);
    assert_int_equal(spec.ndim, 7);
}

static void test_array_shape_format(void **state)
{
    struct hr_array a;
    char buf[64];

    (void)state;
    memset(&a, 0, sizeof a);
    a.ndim = 2;
    a.shape[0] = 5000;
    a.shape[1] = 5000;
    hr_shape_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "5000x5000");
    a.ndim = 1;
    a.shape[0] = 100;
    hr_shape_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "100");
    a.ndim = 2;
    a.shape[0] = 0;
    a.shape[1] = 3;
    hr_shape_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "0x3");
    a.ndim = 0;
    hr_shape_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "scalar");
    a.ndim = 2;
    a.shape[0] = 123456;
    a.shape[1] = 7;
    hr_shape_format(&a, buf, 5);
    assert_string_equal(buf, "1234");
    hr_shape_format(&a, buf, 0);
}

/* ---- loading: dtypes, orders, versions ---- */

/* Every dtype, both byte orders (and '|' for one-byte types), both load
 * modes: the values, the view and how it was loaded. */
static void test_array_load_every_dtype_both_endians(void **state)
{
    static const int order[6] = { 0, 1, 2, 3, 4, 5 };
    static const char marks[] = "<>|=";
    unsigned char data[6 * 16];
    char dict[128];
    struct hr_resident *r = NULL;
    struct hr_err err;
    const char *path = in_dir(state, "dt.npy");
    int dtype;
    int m;
    int k;
    int mode;
    int big;
    int size;

    for (dtype = 0; dtype < HR_NDTYPES; dtype++) {
        size = hr_dtype_size(dtype);
        for (m = 0; marks[m] != '\0'; m++) {
            if (marks[m] == '|' && size > 1)
                continue;
            big = marks[m] == '>';
            for (k = 0; k < 6; k++)
                encode(dtype, vals[dtype][k], big, data + k * size);
            snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order':"
                     " False, 'shape': (6,), }", marks[m], codes[dtype]);
            write_npy(path, dict, data, (size_t)(6 * size));
            for (mode = HR_LOAD_AUTO; mode <= HR_LOAD_MMAP; mode++) {
                assert_int_equal(load(path, mode, &r, &err), 0);
                assert_int_equal(r->view.dtype, dtype);
                assert_int_equal(r->view.itemsize, size);
                assert_int_equal(r->view.ndim, 1);
                assert_int_equal(r->view.shape[0], 6);
                assert_int_equal(r->view.strides[0], size);
                assert_int_equal(r->view.size, 6);
                assert_int_equal(r->view.nbytes, 6 * size);
                assert_int_equal(r->view.flags,
                                 HR_C_CONTIGUOUS | HR_F_CONTIGUOUS);
                assert_int_equal(r->npy_version, 1);
                assert_int_equal(r->swapped, big && size > 1);
                if (big && size > 1)
                    assert_string_equal(r->how, "copy+swap");
                else
                    assert_string_equal(r->how, mode == HR_LOAD_MMAP ?
                                        "mmap" : "copy");
                assert_int_equal((uintptr_t)r->view.data % (size_t)
                                 (dtype >= HR_COMPLEX64 ? size / 2 : size),
                                 0);
                check_values(r, dtype, order);
                hr_array_free(r);
            }
        }
    }
}

static void test_array_load_complex_gives_real_part(void **state)
{
    const char *path = in_dir(state, "c.npy");
    double d[4] = { 1.5, -7, -2.25, 99 };
    struct hr_resident *r = NULL;
    struct hr_err err;

    write_npy(path, "{'descr': '<c16', 'fortran_order': False, "
              "'shape': (2,), }", d, sizeof d);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_true(hr_array_at(&r->view, 0) == 1.5);
    assert_true(hr_array_at(&r->view, 1) == -2.25);
    hr_array_free(r);
}

static void test_array_load_versions_1_2_3(void **state)
{
    static const char dict[] = "{'descr': '<f8', 'fortran_order': False, "
                               "'shape': (3,), }";
    const char *path = in_dir(state, "v.npy");
    double d[3] = { 1, 2, 3 };
    struct hr_resident *r = NULL;
    struct hr_err err;
    int v;

    for (v = 1; v <= 3; v++) {
        write_npy_ex(path, v, 0, dict, strlen(dict), 1, d, sizeof d);
        assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
        assert_int_equal(r->npy_version, v);
        assert_string_equal(r->how, "mmap");
        assert_true(hr_array_at(&r->view, 2) == 3);
        hr_array_free(r);
    }
}

/* Keys in any order, whitespace, quotes, trailing commas, 'L' suffixes. */
static void test_array_load_header_variations(void **state)
{
    static const char *const dicts[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}",
        "{ 'fortran_order' :False,'shape':(2,3,),'descr':\"<f8\" , }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }",
        "\t{'descr':u'<f8',\n 'fortran_order':False,\r\n'shape':( 2 ,3 )}",
        "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3)}",
        "{'descr':'f8','fortran_order':False,'shape':(2,3)}",
    };
    static const int order[6] = { 0, 1, 2, 3, 4, 5 };
    const char *path = in_dir(state, "h.npy");
    unsigned char data[48];
    struct hr_resident *r = NULL;
    struct hr_err err;
    size_t k;
    int j;

    for (j = 0; j < 6; j++)
        encode(HR_FLOAT64, vals[HR_FLOAT64][j], 0, data + 8 * j);
    for (k = 0; k < sizeof dicts / sizeof dicts[0]; k++) {
        write_npy(path, dicts[k], data, sizeof data);
        if (load(path, HR_LOAD_MMAP, &r, &err) != 0)
            print_error("%s: %s\n", dicts[k], err.msg);
        assert_non_null(r);
        assert_int_equal(r->view.ndim, 2);
        assert_int_equal(r->view.shape[0], 2);
        assert_int_equal(r->view.shape[1], 3);
        assert_int_equal(r->view.flags, HR_C_CONTIGUOUS);
        check_values(r, HR_FLOAT64, order);
        hr_array_free(r);
    }
    /* no padding, no newline: the data starts wherever the header ends */
    write_npy_ex(path, 1, 0, dicts[1], strlen(dicts[1]), 0, data,
                 sizeof data);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    check_values(r, HR_FLOAT64, order);
    hr_array_free(r);
}

static void test_array_load_shape_forms(void **state)
{
    static const struct {
        const char *shape;
        int ndim;
    } cases[] = {
        { "(6,)", 1 }, { "(6)", 1 }, { "(1, 6)", 2 }, { "(6, 1)", 2 },
        { "(1, 2, 3)", 3 }, { "(3,2,1,)", 3 }, { "(1,1,1,1,1,6)", 6 },
    };
    static const int order[6] = { 0, 1, 2, 3, 4, 5 };
    const char *path = in_dir(state, "s.npy");
    unsigned char data[24];
    char dict[128];
    struct hr_resident *r = NULL;
    struct hr_err err;
    size_t k;
    int j;

    for (j = 0; j < 6; j++)
        encode(HR_INT32, vals[HR_INT32][j], 0, data + 4 * j);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(dict, sizeof dict, "{'descr': '<i4', 'fortran_order': "
                 "False, 'shape': %s, }", cases[k].shape);
        write_npy(path, dict, data, sizeof data);
        assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
        assert_int_equal(r->view.ndim, cases[k].ndim);
        assert_int_equal(r->view.size, 6);
        assert_true(r->view.flags & HR_C_CONTIGUOUS);
        check_values(r, HR_INT32, order);
        hr_array_free(r);
    }
}

/* Fortran order is exposed through strides, and hr_array_at() still
 * counts in C order; for every dtype and both byte orders. */
static void test_array_load_fortran_order(void **state)
{
    static const int order[6] = { 0, 1, 2, 3, 4, 5 };
    const char *path = in_dir(state, "f.npy");
    unsigned char data[6 * 16];
    char dict[128];
    struct hr_resident *r = NULL;
    struct hr_err err;
    int dtype;
    int big;
    int row;
    int col;
    int size;
    int mode;

    for (dtype = 0; dtype < HR_NDTYPES; dtype++) {
        size = hr_dtype_size(dtype);
        for (big = 0; big <= 1; big++) {
            /* C-order element row*3+col goes to column-major col*2+row */
            for (row = 0; row < 2; row++) {
                for (col = 0; col < 3; col++)
                    encode(dtype, vals[dtype][row * 3 + col], big,
                           data + (col * 2 + row) * size);
            }
            snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order':"
                     " True, 'shape': (2, 3), }", big ? '>' : '<',
                     codes[dtype]);
            write_npy(path, dict, data, (size_t)(6 * size));
            for (mode = HR_LOAD_AUTO; mode <= HR_LOAD_MMAP; mode++) {
                assert_int_equal(load(path, mode, &r, &err), 0);
                assert_int_equal(r->view.strides[0], size);
                assert_int_equal(r->view.strides[1], 2 * size);
                assert_int_equal(r->view.flags, HR_F_CONTIGUOUS);
                check_values(r, dtype, order);
                hr_array_free(r);
            }
        }
    }
}

static void test_array_load_fortran_3d(void **state)
{
    const char *path = in_dir(state, "f3.npy");
    double data[24];
    struct hr_resident *r = NULL;
    struct hr_err err;
    int i;
    int j;
    int k;

    /* element [i][j][k] of shape (2, 3, 4) is 100i + 10j + k */
    for (i = 0; i < 2; i++) {
        for (j = 0; j < 3; j++) {
            for (k = 0; k < 4; k++)
                data[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
        }
    }
    write_npy(path, "{'descr': '<f8', 'fortran_order': True, "
              "'shape': (2, 3, 4), }", data, sizeof data);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal(r->view.strides[0], 8);
    assert_int_equal(r->view.strides[1], 16);
    assert_int_equal(r->view.strides[2], 48);
    assert_int_equal(r->view.flags, HR_F_CONTIGUOUS);
    assert_string_equal(r->how, "mmap");
    for (i = 0; i < 24; i++)
        assert_true(hr_array_at(&r->view, i) ==
                    100 * (i / 12) + 10 * (i / 4 % 3) + i % 4);
    hr_array_free(r);
    /* the same in C order has C strides */
    write_npy(path, "{'descr': '<f8', 'fortran_order': False, "
              "'shape': (2, 3, 4), }", data, sizeof data);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal(r->view.strides[0], 96);
    assert_int_equal(r->view.strides[1], 32);
    assert_int_equal(r->view.strides[2], 8);
    assert_int_equal(r->view.flags, HR_C_CONTIGUOUS);
    hr_array_free(r);
}

static void test_array_load_scalar(void **state)
{
    const char *path = in_dir(state, "0d.npy");
    unsigned char data[8];
    struct hr_resident *r = NULL;
    struct hr_err err;
    int mode;
    int big;

    for (big = 0; big <= 1; big++) {
        encode(HR_FLOAT64, 42.5, big, data);
        write_npy(path, big ? "{'descr': '>f8', 'fortran_order': False, "
                  "'shape': (), }" : "{'descr': '<f8', 'fortran_order': "
                  "False, 'shape': (), }", data, 8);
        for (mode = HR_LOAD_AUTO; mode <= HR_LOAD_MMAP; mode++) {
            assert_int_equal(load(path, mode, &r, &err), 0);
            assert_int_equal(r->view.ndim, 0);
            assert_int_equal(r->view.size, 1);
            assert_int_equal(r->view.nbytes, 8);
            assert_int_equal(r->view.flags,
                             HR_C_CONTIGUOUS | HR_F_CONTIGUOUS);
            assert_true(hr_array_at(&r->view, 0) == 42.5);
            hr_array_free(r);
        }
    }
}

static void test_array_load_empty(void **state)
{
    static const char *const dicts[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }",
        "{'descr': '>i4', 'fortran_order': True, 'shape': (3, 0), }",
        "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 0, 5), }",
    };
    const char *path = in_dir(state, "e.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    size_t k;
    int mode;

    for (k = 0; k < sizeof dicts / sizeof dicts[0]; k++) {
        write_npy(path, dicts[k], NULL, 0);
        for (mode = HR_LOAD_AUTO; mode <= HR_LOAD_MMAP; mode++) {
            if (load(path, mode, &r, &err) != 0)
                print_error("%s\n", err.msg);
            assert_non_null(r);
            assert_int_equal(r->view.size, 0);
            assert_int_equal(r->view.nbytes, 0);
            assert_int_equal(r->view.flags,
                             HR_C_CONTIGUOUS | HR_F_CONTIGUOUS);
            assert_false(hr_array_contains(r, (uintptr_t)r->view.data));
            hr_array_free(r);
        }
    }
    /* zero dimensions are not counted in strides, as in NumPy */
    write_npy(path, dicts[1], NULL, 0);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal(r->view.strides[0], 24);
    assert_int_equal(r->view.strides[1], 8);
    hr_array_free(r);
}

/* A data offset that is not a multiple of the item size is copied so
 * that typed pointers stay aligned. */
static void test_array_load_unaligned_offset_is_copied(void **state)
{
    static const char dict[] = "{'descr': '<f8', 'fortran_order': False, "
                               "'shape': (2,)}  ";
    const char *path = in_dir(state, "u.npy");
    double d[2] = { 3.5, -1 };
    struct hr_resident *r = NULL;
    struct hr_err err;

    assert_int_not_equal((10 + strlen(dict)) % 8, 0);
    write_npy_ex(path, 1, 0, dict, strlen(dict), 0, d, sizeof d);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal((uintptr_t)r->view.data % 8, 0);
    assert_non_null(strstr(r->how, "unaligned"));
    assert_true(hr_array_at(&r->view, 0) == 3.5);
    assert_true(hr_array_at(&r->view, 1) == -1);
    hr_array_free(r);
}

static void test_array_load_name(void **state)
{
    double d = 1;
    const char *path = in_dir(state, "demo.npy");
    const char *path2 = in_dir(state, "archive.tar.npy");
    const char *path3 = in_dir(state, "noext");
    struct hr_load_opts opts = { .mode = HR_LOAD_MMAP };
    struct hr_resident *r = NULL;
    struct hr_err err;
    char given[] = "mine";

    write_npy(path, "{'descr': '<f8', 'fortran_order': False, "
              "'shape': (), }", &d, 8);
    write_npy(path2, "{'descr': '<f8', 'fortran_order': False, "
              "'shape': (), }", &d, 8);
    write_npy(path3, "{'descr': '<f8', 'fortran_order': False, "
              "'shape': (), }", &d, 8);
    assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err), 0);
    assert_string_equal(r->name, "demo");
    assert_ptr_equal(r->view.name, r->name);
    assert_string_equal(r->path, path);
    hr_array_free(r);
    assert_int_equal(hr_array_load(path2, NULL, &opts, &r, &err), 0);
    assert_string_equal(r->name, "archive.tar");
    hr_array_free(r);
    assert_int_equal(hr_array_load(path3, NULL, NULL, &r, &err), 0);
    assert_string_equal(r->name, "noext");
    hr_array_free(r);
    assert_int_equal(hr_array_load(path, given, &opts, &r, &err), 0);
    assert_ptr_not_equal(r->name, given);
    given[0] = 'X';
    assert_string_equal(r->name, "mine");
    assert_ptr_equal(r->view.name, r->name);
    hr_array_free(r);
    hr_array_free(NULL);
}

static void progress_cb(void *ud, int64_t done, int64_t total)
{
    int64_t *calls = ud;

    assert_true(done > calls[1]);
    assert_true(done <= total);
    calls[0]++;
    calls[1] = done;
    calls[2] = total;
}

static void test_array_load_read_matches_mmap(void **state)
{
    const char *path = in_dir(state, "rm.npy");
    struct hr_load_opts opts = { .mode = HR_LOAD_READ };
    struct hr_resident *a = NULL;
    struct hr_resident *b = NULL;
    struct hr_err err;
    int64_t calls[3] = { 0, 0, 0 };
    float data[3000];
    int i;

    for (i = 0; i < 3000; i++)
        data[i] = (float)i * 0.25f - 100;
    write_npy(path, "{'descr': '<f4', 'fortran_order': True, "
              "'shape': (30, 100), }", data, sizeof data);
    assert_int_equal(load(path, HR_LOAD_MMAP, &a, &err), 0);
    opts.progress = progress_cb;
    opts.progress_ud = calls;
    assert_int_equal(hr_array_load(path, NULL, &opts, &b, &err), 0);
    assert_string_equal(a->how, "mmap");
    assert_string_equal(b->how, "copy");
    assert_int_equal(calls[0], 1);
    assert_int_equal(calls[1], (int64_t)sizeof data);
    assert_int_equal(calls[2], (int64_t)sizeof data);
    assert_memory_equal(a->view.data, b->view.data, sizeof data);
    assert_memory_equal(a->view.strides, b->view.strides,
                        sizeof a->view.strides);
    assert_int_equal(a->view.flags, b->view.flags);
    for (i = 0; i < 3000; i++)
        assert_true(hr_array_at(&a->view, i) == hr_array_at(&b->view, i));
    hr_array_free(a);
    hr_array_free(b);
}

/* Many 8 MiB pieces, big-endian: swapped across the piece boundaries,
 * on one thread (progress after each piece) and on three, huge-page
 * aligned. */
static void test_array_load_copy_in_pieces(void **state)
{
    const char *path = in_dir(state, "big.npy");
    struct hr_load_opts opts = { .mode = HR_LOAD_MMAP };
    struct hr_resident *r = NULL;
    struct hr_err err;
    int64_t calls[3] = { 0, 0, 0 };
    size_t n = 35 * MIB;
    uint16_t *data = malloc(n * 2);
    size_t k;
    int threads;

    assert_non_null(data);
    for (k = 0; k < n; k++)
        data[k] = __builtin_bswap16((uint16_t)(int16_t)(k % 60001 - 30000));
    write_npy(path, "{'descr': '>i2', 'fortran_order': False, "
              "'shape': (36700160,), }", data, n * 2);
    free(data);
    opts.progress = progress_cb;
    opts.progress_ud = calls;
    for (threads = 1; threads <= 3; threads += 2) {
        memset(calls, 0, sizeof calls);
        opts.threads = threads;
        assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err), 0);
        assert_string_equal(r->how, "copy+swap");
        assert_int_equal(r->swapped, 1);
        assert_int_equal(r->mapped, 0);
        if (threads == 1)
            assert_int_equal(calls[0], 9);      /* 70 MiB in 8 MiB pieces */
        assert_true(calls[0] >= 1);
        assert_int_equal(calls[1], (int64_t)(n * 2));
        assert_int_equal(calls[2], (int64_t)(n * 2));
        assert_int_equal((uintptr_t)r->view.data % (2 * MIB), 0);
        for (k = 0; k < n; k += 9973)
            assert_true(hr_array_at(&r->view, (int64_t)k) ==
                        (double)(int64_t)(k % 60001) - 30000);
        for (k = 4 * MIB - 3; k < 4 * MIB + 3; k++)     /* a boundary */
            assert_true(hr_array_at(&r->view, (int64_t)k) ==
                        (double)(int64_t)(k % 60001) - 30000);
        assert_true(hr_array_at(&r->view, (int64_t)n - 1) ==
                    (double)(int64_t)((n - 1) % 60001) - 30000);
        hr_array_free(r);
    }
}

/* ---- loading: refusals ---- */

static void test_array_load_rejects_missing_file(void **state)
{
    const char *path = in_dir(state, "nope.npy");
    const char *path2 = in_dir(state, "nodir/x.npy");
    struct hr_resident *r = (struct hr_resident *)1;
    struct hr_err err;
    int rc;

    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_ENOENT, r, &err, path, "no such file");
    rc = load(path2, HR_LOAD_READ, &r, &err);
    check_fail(rc, HR_ENOENT, r, &err, path2, "no such file");
}

static void test_array_load_rejects_directory_and_fifo(void **state)
{
    const char *dir = in_dir(state, "adir.npy");
    const char *fifo = in_dir(state, "fifo.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    int rc;

    assert_int_equal(mkdir(dir, 0755), 0);
    rc = load(dir, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EIO, r, &err, dir, "is a directory");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    rc = load(fifo, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EIO, r, &err, fifo, "not a regular file");
}

static void test_array_load_rejects_permission_denied(void **state)
{
    const char *path = in_dir(state, "secret.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    double d = 1;
    int rc;

    pid_t pid;
    int status = 0;

    write_npy(path, "{'descr': '<f8', 'fortran_order': False, "
              "'shape': (), }", &d, 8);
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) {
        rc = load(path, HR_LOAD_MMAP, &r, &err);
        check_fail(rc, HR_EIO, r, &err, path, "permission denied");
        return;
    }
    /* root reads anything: try as nobody, in a child */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        rc = load(path, HR_LOAD_MMAP, &r, &err);
        _exit(rc == HR_EIO && r == NULL &&
              strncmp(err.msg, path, strlen(path)) == 0 &&
              strstr(err.msg, ": permission denied") != NULL ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_array_load_rejects_bad_magic(void **state)
{
    const char *path = in_dir(state, "bad.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    int rc;

    write_bytes(path, "\x93NUMPX\x01\x00\x10\x00{}", 12);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "not a format hotrun knows");
    assert_non_null(strstr(err.msg, ".npz, HDF5 and CSV"));
    assert_non_null(strstr(err.msg, "--dtype"));
    write_bytes(path, "PK\x03\x04", 4);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "malformed .npz (zip) archive");
    write_bytes(path, "", 0);
    rc = load(path, HR_LOAD_READ, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "empty file");
}

static void test_array_load_rejects_truncated_preamble(void **state)
{
    const char *path = in_dir(state, "short.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    int rc;

    write_bytes(path, "\x93NUMPY\x01\x00", 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "truncated");
    write_bytes(path, "\x93NUMPY\x02\x00\x10\x00", 10);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "truncated");
}

static void test_array_load_rejects_unsupported_version(void **state)
{
    static const char dict[] = "{'descr': '<f8', 'fortran_order': False, "
                               "'shape': (), }";
    static const int versions[][2] = { { 4, 0 }, { 1, 1 }, { 0, 0 },
                                       { 255, 0 } };
    const char *path = in_dir(state, "ver.npy");
    char want[32];
    struct hr_resident *r = NULL;
    struct hr_err err;
    double d = 0;
    size_t k;
    int rc;

    for (k = 0; k < sizeof versions / sizeof versions[0]; k++) {
        write_npy_ex(path, versions[k][0], versions[k][1], dict,
                     strlen(dict), 1, &d, 8);
        rc = load(path, HR_LOAD_MMAP, &r, &err);
        snprintf(want, sizeof want, "version %d.%d", versions[k][0],
                 versions[k][1]);
        check_fail(rc, HR_EUNSUPPORTED, r, &err, path, want);
    }
}

static void test_array_load_rejects_header_longer_than_file(void **state)
{
    const char *path = in_dir(state, "hl.npy");
    unsigned char buf[64];
    struct hr_resident *r = NULL;
    struct hr_err err;
    int rc;

    memset(buf, ' ', sizeof buf);
    memcpy(buf, "\x93NUMPY\x01\x00\xe8\x03{", 11);     /* 1000 bytes */
    write_bytes(path, buf, sizeof buf);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "header length field says "
               "1000 bytes but only 54");
    memcpy(buf, "\x93NUMPY\x02\x00\xff\xff\xff\xff{", 13);
    write_bytes(path, buf, sizeof buf);
    rc = load(path, HR_LOAD_READ, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "4294967295");
}

static void test_array_load_rejects_truncated_data(void **state)
{
    double d[7] = { 0 };

    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (2, 3), }", d, 40, HR_EFORMAT,
                    "truncated: shape 2x3 of float64 needs 48 data bytes "
                    "but the file has 40");
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (2, 3), }", NULL, 0, HR_EFORMAT,
                    "needs 48 data bytes but the file has 0");
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (), }", d, 7, HR_EFORMAT, "truncated");
}

static void test_array_load_rejects_trailing_data(void **state)
{
    double d[7] = { 0 };

    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (2, 3), }", d, 56, HR_EFORMAT,
                    "8 bytes of trailing data: shape 2x3 of float64 needs "
                    "48 data bytes but the file has 56");
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (0,), }", d, 1, HR_EFORMAT, "trailing");
}

static void test_array_load_rejects_malformed_header(void **state)
{
    static const struct {
        const char *dict;
        const char *want;
    } cases[] = {
        { "", "malformed header: expected '{' at its end" },
        { "'descr': '<f8'}", "expected '{'" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), ",
          "expected a quoted string" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,)",
          "expected ',' or '}'" },
        { "{'descr': '<f8' 'fortran_order': False, 'shape': (6,)}",
          "expected ',' or '}'" },
        { "{'descr' '<f8', 'fortran_order': False, 'shape': (6,)}",
          "expected ':'" },
        { "{descr: '<f8', 'fortran_order': False, 'shape': (6,)}",
          "expected a quoted string near \"descr:" },
        { "{'descr': '<f8', 'fortran_order': False}",
          "header has no 'shape' key" },
        { "{'fortran_order': False, 'shape': (6,)}",
          "header has no 'descr' key" },
        { "{'descr': '<f8', 'shape': (6,)}",
          "header has no 'fortran_order' key" },
        { "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (6,)}",
          "expected True or False" },
        { "{'descr': '<f8', 'fortran_order': Truee, 'shape': (6,)}",
          "expected True or False" },
        { "{'descr': '<f8', 'fortran_order': false, 'shape': (6,)}",
          "expected True or False" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), "
          "'extra': 1}", "unexpected key 'extra' in header" },
        { "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
          "'shape': (6,)}", "key 'descr' appears twice" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,)} x",
          "unexpected text after the dict" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,)}}",
          "unexpected text after the dict" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': [6]}",
          "expected a shape tuple" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': 6}",
          "expected a shape tuple" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6 1)}",
          "expected ',' or ')' in shape" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (,)}",
          "expected an integer" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,,)}",
          "expected an integer" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6.0,)}",
          "expected ',' or ')' in shape" },
        { "{'descr': '<f8, 'fortran_order': False, 'shape': (6,)}",
          "malformed header" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (6,)",
          "malformed header" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': "
          "(99999999999999999999,)}", "integer too large" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': "
          "(9223372036854775808,)}", "integer too large" },
        { "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 2)}",
          "negative dimension -3 in shape" },
        { "{'descr': 8, 'fortran_order': False, 'shape': (6,)}",
          "expected a quoted string" },
    };
    size_t k;

    for (k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_npy_fail(state, cases[k].dict, NULL, 0, HR_EFORMAT,
                        cases[k].want);
}

static void test_array_load_rejects_nul_and_non_ascii_header(void **state)
{
    static const char nul[] = "{'descr': '<f8', 'fortran_order': False, "
                              "'shape': (), }\0\n";
    static const char latin1[] = "{'descr': '<f8\xe9', 'fortran_order': "
                                 "False, 'shape': (), }";
    static const char bad_utf8[] = "{'descr': '<f8\xc3\x28', "
                                   "'fortran_order': False, 'shape': (), }";
    static const char good_utf8[] = "{'descr': '<f8\xc3\xa9', "
                                    "'fortran_order': False, 'shape': (), }";
    const char *path = in_dir(state, "enc.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    double d = 0;
    int rc;

    write_npy_ex(path, 1, 0, nul, sizeof nul - 1, 1, &d, 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "malformed header");
    write_npy_ex(path, 1, 0, latin1, strlen(latin1), 1, &d, 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "non-ascii byte 0xe9");
    write_npy_ex(path, 2, 0, latin1, strlen(latin1), 1, &d, 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "non-ascii");
    write_npy_ex(path, 3, 0, latin1, strlen(latin1), 1, &d, 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "not valid utf-8");
    write_npy_ex(path, 3, 0, bad_utf8, strlen(bad_utf8), 1, &d, 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "not valid utf-8");
    /* valid utf-8 in version 3 gets as far as the dtype */
    write_npy_ex(path, 3, 0, good_utf8, strlen(good_utf8), 1, &d, 8);
    rc = load(path, HR_LOAD_MMAP, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "unknown dtype '<f8\xc3\xa9'");
}

static void test_array_load_rejects_too_big_shape(void **state)
{
    char dict[2048];
    size_t k;

    /* 2**62 * 4 elements fits int64 but 2**62 * 4 * 8 bytes does not */
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (4611686018427387904, 4), }", NULL, 0,
                    HR_EFORMAT, "shape 4611686018427387904x4 of float64 is "
                    "too big");
    expect_npy_fail(state, "{'descr': '|u1', 'fortran_order': False, "
                    "'shape': (4294967296, 4294967296), }", NULL, 0,
                    HR_EFORMAT, "too big");
    /* a zero dimension does not hide the overflow (NumPy refuses too) */
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (0, 4611686018427387904, 4), }", NULL, 0,
                    HR_EFORMAT, "too big");
    /* fits: 2**60 float64 would be 2**63 bytes, one too many */
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (1152921504606846976,), }", NULL, 0,
                    HR_EFORMAT, "too big");
    expect_npy_fail(state, "{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (1152921504606846975,), }", NULL, 0,
                    HR_EFORMAT, "truncated");
    /* 65 dimensions */
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, "
             "'shape': (");
    for (k = 0; k <= HR_MAX_NDIM; k++)
        strcat(dict, "1, ");
    strcat(dict, "), }");
    expect_npy_fail(state, dict, NULL, 0, HR_EUNSUPPORTED,
                    "more than 64 dimensions");
}

static void test_array_load_rejects_non_numeric_dtypes(void **state)
{
    static const struct {
        const char *descr;
        const char *want;
    } cases[] = {
        { "'|O'", "object arrays ('|O') hold Python objects, not numbers: "
          "hotrun cannot use them" },
        { "'<U5'", "unicode string arrays ('<U5') hold text" },
        { "'|S3'", "byte string arrays ('|S3')" },
        { "'|a3'", "byte string arrays" },
        { "'<M8[ns]'", "datetime64 arrays ('<M8[ns]')" },
        { "'<m8[s]'", "timedelta64 arrays" },
        { "'|V8'", "void arrays ('|V8')" },
        { "'<f16'", "long double arrays ('<f16')" },
        { "'<g'", "long double arrays" },
        { "'<c32'", "long double complex arrays ('<c32')" },
        { "[('a', '<f8'), ('b', '<i4')]", "structured arrays" },
    };
    char dict[256];
    char data[64] = { 0 };
    size_t k;

    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(dict, sizeof dict, "{'descr': %s, 'fortran_order': False, "
                 "'shape': (2,), }", cases[k].descr);
        expect_npy_fail(state, dict, data, sizeof data, HR_EUNSUPPORTED,
                        cases[k].want);
    }
}

static void test_array_load_rejects_unknown_dtype(void **state)
{
    static const char *const descrs[] = { "<q3", "<f3", "<i16", "", "<",
                                          "x", "<c", "float128" };
    char dict[256];
    char want[64];
    size_t k;

    for (k = 0; k < sizeof descrs / sizeof descrs[0]; k++) {
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': "
                 "False, 'shape': (2,), }", descrs[k]);
        snprintf(want, sizeof want, "unknown dtype '%s'", descrs[k]);
        expect_npy_fail(state, dict, NULL, 0, HR_EFORMAT, want);
    }
}

/* ---- raw files ---- */

static void test_array_load_raw(void **state)
{
    static const int order[6] = { 0, 1, 2, 3, 4, 5 };
    const char *path = in_dir(state, "raw.bin");
    struct hr_raw_spec spec;
    struct hr_load_opts opts = { .mode = HR_LOAD_MMAP, .raw = &spec };
    unsigned char data[6 * 16];
    struct hr_resident *r = NULL;
    struct hr_err err;
    int dtype;
    int big;
    int k;

    memset(&spec, 0, sizeof spec);
    assert_int_equal(hr_shape_parse("2x3", &spec), 0);
    for (dtype = 0; dtype < HR_NDTYPES; dtype++) {
        for (big = 0; big <= 1; big++) {
            for (k = 0; k < 6; k++)
                encode(dtype, vals[dtype][k], big,
                       data + k * hr_dtype_size(dtype));
            write_bytes(path, data, (size_t)(6 * hr_dtype_size(dtype)));
            spec.dtype = dtype;
            spec.big_endian = big;
            assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err), 0);
            assert_int_equal(r->npy_version, 0);
            assert_int_equal(r->view.ndim, 2);
            assert_int_equal(r->view.flags, HR_C_CONTIGUOUS);
            assert_string_equal(r->name, "raw");
            check_values(r, dtype, order);
            hr_array_free(r);
        }
    }
}

static void test_array_load_raw_fortran_and_scalar(void **state)
{
    const char *path = in_dir(state, "rawf.bin");
    struct hr_raw_spec spec;
    struct hr_load_opts opts = { .mode = HR_LOAD_READ, .raw = &spec };
    struct hr_resident *r = NULL;
    struct hr_err err;
    int32_t d[6] = { 1, 4, 2, 5, 3, 6 };    /* [[1, 2, 3], [4, 5, 6]] */
    int k;

    memset(&spec, 0, sizeof spec);
    spec.dtype = HR_INT32;
    spec.fortran = 1;
    assert_int_equal(hr_shape_parse("(2, 3)", &spec), 0);
    write_bytes(path, d, sizeof d);
    assert_int_equal(hr_array_load(path, "f", &opts, &r, &err), 0);
    assert_int_equal(r->view.flags, HR_F_CONTIGUOUS);
    for (k = 0; k < 6; k++)
        assert_true(hr_array_at(&r->view, k) == k + 1);
    hr_array_free(r);
    spec.ndim = 0;
    spec.fortran = 0;
    write_bytes(path, d, 4);
    assert_int_equal(hr_array_load(path, "s", &opts, &r, &err), 0);
    assert_int_equal(r->view.size, 1);
    assert_true(hr_array_at(&r->view, 0) == 1);
    hr_array_free(r);
    /* an empty raw file is an empty array */
    assert_int_equal(hr_shape_parse("0x3", &spec), 0);
    write_bytes(path, d, 0);
    opts.mode = HR_LOAD_MMAP;
    assert_int_equal(hr_array_load(path, "e", &opts, &r, &err), 0);
    assert_int_equal(r->view.size, 0);
    hr_array_free(r);
}

static void test_array_load_raw_rejects_size_mismatch(void **state)
{
    const char *path = in_dir(state, "raws.bin");
    struct hr_raw_spec spec;
    struct hr_load_opts opts = { .mode = HR_LOAD_MMAP, .raw = &spec };
    struct hr_resident *r = NULL;
    struct hr_err err;
    char data[208] = { 0 };
    int rc;

    memset(&spec, 0, sizeof spec);
    spec.dtype = HR_FLOAT64;
    assert_int_equal(hr_shape_parse("5x5", &spec), 0);
    write_bytes(path, data, 100);
    rc = hr_array_load(path, NULL, &opts, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "file is 100 bytes but shape "
               "5x5 of float64 needs 200");
    write_bytes(path, data, 201);
    rc = hr_array_load(path, NULL, &opts, &r, &err);
    check_fail(rc, HR_EFORMAT, r, &err, path, "file is 201 bytes");
    /* the byte size overflows: the user's --shape is at fault */
    assert_int_equal(hr_shape_parse("1152921504606846976x4", &spec), 0);
    rc = hr_array_load(path, NULL, &opts, &r, &err);
    check_fail(rc, HR_EINVAL, r, &err, path, "too big");
    spec.ndim = 1;
    spec.shape[0] = -1;
    rc = hr_array_load(path, NULL, &opts, &r, &err);
    check_fail(rc, HR_EINVAL, r, &err, path, "negative dimension");
    spec.shape[0] = 1;
    spec.dtype = HR_NDTYPES;
    rc = hr_array_load(path, NULL, &opts, &r, &err);
    check_fail(rc, HR_EINVAL, r, &err, path, "bad raw layout");
}

/* ---- the data is read-only ---- */

/* The permissions of the mapping that holds addr, from /proc/self/maps. */
static void map_perms(const void *addr, char perms[5])
{
    FILE *fp = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long lo;
    unsigned long hi;

    assert_non_null(fp);
    perms[0] = '\0';
    while (fgets(line, sizeof line, fp) != NULL) {
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
            (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
            break;
        perms[0] = '\0';
    }
    fclose(fp);
    assert_int_equal(strlen(perms), 4);
}

/* A child that writes to the data dies of SIGSEGV. */
static void assert_write_faults(const void *data)
{
    volatile char *p = (volatile char *)(uintptr_t)data;
    pid_t pid;
    int status = 0;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        p[0] = 1;
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
}

static void test_array_load_data_is_not_writable(void **state)
{
    static const char *const dicts[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (600,), }",
        "{'descr': '>f8', 'fortran_order': False, 'shape': (600,), }",
    };
    const char *path = in_dir(state, "ro.npy");
    double data[600] = { 0 };
    struct hr_resident *r = NULL;
    struct hr_err err;
    char perms[5];
    size_t k;
    int mode;

    for (k = 0; k < 2; k++) {
        write_npy(path, dicts[k], data, sizeof data);
        for (mode = HR_LOAD_AUTO; mode <= HR_LOAD_MMAP; mode++) {
            assert_int_equal(load(path, mode, &r, &err), 0);
            map_perms(r->view.data, perms);
            assert_int_equal(perms[0], 'r');
            assert_int_equal(perms[1], '-');
            map_perms((const char *)r->view.data + r->view.nbytes - 1,
                      perms);
            assert_int_equal(perms[1], '-');
            assert_write_faults(r->view.data);
            assert_write_faults((const char *)r->view.data +
                                r->view.nbytes - 1);
            hr_array_free(r);
        }
    }
}

static void test_array_contains(void **state)
{
    const char *path = in_dir(state, "in.npy");
    double data[10] = { 0 };
    struct hr_resident *r = NULL;
    struct hr_err err;
    uintptr_t base;

    write_npy(path, "{'descr': '<f8', 'fortran_order': False, "
              "'shape': (10,), }", data, sizeof data);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    base = (uintptr_t)r->view.data;
    assert_true(hr_array_contains(r, base));
    assert_true(hr_array_contains(r, base + 79));
    assert_false(hr_array_contains(r, base + 80));
    assert_false(hr_array_contains(r, base - 1));
    assert_false(hr_array_contains(r, 0));
    assert_false(hr_array_contains(NULL, base));
    hr_array_free(r);
}

/* ---- elements ---- */

/* Every one of the 65536 halves against a reference built with ldexp. */
static void test_array_float16_is_exact(void **state)
{
    const char *path = in_dir(state, "half.npy");
    static uint16_t bits[65536];
    struct hr_resident *r = NULL;
    struct hr_err err;
    double got;
    double want;
    int sign;
    int exp;
    int man;
    int k;

    for (k = 0; k < 65536; k++)
        bits[k] = (uint16_t)k;
    write_npy(path, "{'descr': '<f2', 'fortran_order': False, "
              "'shape': (65536,), }", bits, sizeof bits);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    for (k = 0; k < 65536; k++) {
        sign = k >> 15;
        exp = k >> 10 & 0x1f;
        man = k & 0x3ff;
        if (exp == 31)
            want = man != 0 ? NAN : INFINITY;
        else if (exp == 0)
            want = ldexp(man, -24);
        else
            want = ldexp(man + 1024, exp - 25);
        want = sign ? -want : want;
        got = hr_array_at(&r->view, k);
        if (isnan(want)) {
            assert_true(isnan(got));
            continue;
        }
        assert_true(got == want);
        assert_int_equal(!!signbit(got), sign);
    }
    assert_true(hr_array_at(&r->view, 0x3c00) == 1.0);
    assert_true(hr_array_at(&r->view, 0x7bff) == 65504.0);
    assert_true(hr_array_at(&r->view, 0x0001) == 0x1p-24);
    assert_true(hr_array_at(&r->view, 0x03ff) == 0x3ffp-24);
    assert_true(hr_array_at(&r->view, 0x0400) == 0x1p-14);
    assert_true(hr_array_at(&r->view, 0x3555) == 0x1.554p-2);
    assert_true(isinf(hr_array_at(&r->view, 0x7c00)));
    assert_true(hr_array_at(&r->view, 0xfc00) < 0);
    assert_true(isnan(hr_array_at(&r->view, 0x7e00)));
    assert_true(isnan(hr_array_at(&r->view, 0xfc01)));
    assert_true(signbit(hr_array_at(&r->view, 0x8000)));
    hr_array_free(r);
}

static void test_array_at_bool_is_zero_or_one(void **state)
{
    const char *path = in_dir(state, "b.npy");
    unsigned char data[4] = { 0, 1, 0, 1 };
    struct hr_resident *r = NULL;
    struct hr_err err;

    write_npy(path, "{'descr': '|b1', 'fortran_order': True, "
              "'shape': (2, 2), }", data, sizeof data);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_true(hr_array_at(&r->view, 0) == 0);
    assert_true(hr_array_at(&r->view, 1) == 0);
    assert_true(hr_array_at(&r->view, 2) == 1);
    assert_true(hr_array_at(&r->view, 3) == 1);
    hr_array_free(r);
}

/* ---- writing ---- */

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    for (e = readdir(d); e != NULL; e = readdir(d))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void check_written(const char *path, const char *shape_txt)
{
    unsigned char buf[256];
    FILE *fp = fopen(path, "rb");
    char want[128];
    size_t hlen;

    assert_non_null(fp);
    assert_int_equal(fread(buf, 1, sizeof buf, fp) >= 64, 1);
    fclose(fp);
    assert_memory_equal(buf, "\x93NUMPY\x01\x00", 8);
    hlen = buf[8] | (size_t)buf[9] << 8;
    assert_int_equal((10 + hlen) % 64, 0);
    assert_int_equal(buf[10 + hlen - 1], '\n');
    snprintf(want, sizeof want, "{'descr': '<f8', 'fortran_order': False, "
             "'shape': %s, }", shape_txt);
    assert_memory_equal(buf + 10, want, strlen(want));
    assert_int_equal(buf[10 + strlen(want)], ' ');
}

static void test_array_npy_write_round_trip(void **state)
{
    struct hr_testdir *f = *state;
    const char *path = in_dir(state, "w.npy");
    double d[12];
    int64_t shape[2] = { 3, 4 };
    int64_t one[1] = { 12 };
    struct hr_resident *r = NULL;
    struct hr_err err;
    int k;

    for (k = 0; k < 12; k++)
        d[k] = k * 1.5 - 3;
    assert_int_equal(hr_npy_write_f64(path, d, 2, shape, &err), 0);
    check_written(path, "(3, 4)");
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal(r->view.dtype, HR_FLOAT64);
    assert_int_equal(r->view.ndim, 2);
    assert_int_equal(r->view.shape[0], 3);
    assert_int_equal(r->view.shape[1], 4);
    assert_string_equal(r->how, "mmap");
    assert_memory_equal(r->view.data, d, sizeof d);
    hr_array_free(r);
    /* overwriting replaces the file; no temporary file is left */
    assert_int_equal(hr_npy_write_f64(path, d, 1, one, &err), 0);
    check_written(path, "(12,)");
    assert_int_equal(load(path, HR_LOAD_READ, &r, &err), 0);
    assert_int_equal(r->view.ndim, 1);
    assert_true(hr_array_at(&r->view, 11) == d[11]);
    hr_array_free(r);
    assert_int_equal(hr_npy_write_f64(path, d, 0, NULL, &err), 0);
    check_written(path, "()");
    assert_int_equal(load(path, HR_LOAD_READ, &r, &err), 0);
    assert_int_equal(r->view.ndim, 0);
    assert_true(hr_array_at(&r->view, 0) == d[0]);
    hr_array_free(r);
    one[0] = 0;
    assert_int_equal(hr_npy_write_f64(path, NULL, 1, one, &err), 0);
    check_written(path, "(0,)");
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal(r->view.size, 0);
    hr_array_free(r);
    assert_int_equal(count_entries(f->dir), 1);
}

static void test_array_npy_write_large(void **state)
{
    const char *path = in_dir(state, "wl.npy");
    int64_t shape[2] = { 1024, 2048 };
    size_t n = 1024 * 2048;
    double *d = malloc(n * sizeof *d);
    struct hr_resident *r = NULL;
    struct hr_err err;
    size_t k;

    assert_non_null(d);
    for (k = 0; k < n; k++)
        d[k] = (double)k / 7;
    assert_int_equal(hr_npy_write_f64(path, d, 2, shape, &err), 0);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_int_equal(r->view.nbytes, (int64_t)(n * sizeof *d));
    assert_memory_equal(r->view.data, d, n * sizeof *d);
    hr_array_free(r);
    free(d);
}

static void test_array_npy_write_reports_errors(void **state)
{
    const char *path = in_dir(state, "nodir/w.npy");
    const char *path2 = in_dir(state, "w2.npy");
    int64_t shape[2] = { -1, 2 };
    struct hr_err err;
    double d = 0;
    int rc;

    rc = hr_npy_write_f64(path, &d, 0, NULL, &err);
    assert_int_equal(rc, HR_EIO);
    assert_memory_equal(err.msg, path, strlen(path));
    assert_memory_equal(err.msg + strlen(path), ": ", 2);
    rc = hr_npy_write_f64(path2, &d, 2, shape, &err);
    assert_int_equal(rc, HR_EINVAL);
    assert_memory_equal(err.msg, path2, strlen(path2));
    rc = hr_npy_write_f64(path2, &d, HR_MAX_NDIM + 1, shape, &err);
    assert_int_equal(rc, HR_EINVAL);
    assert_int_equal(access(path2, F_OK), -1);
}

/* Issue 9.7: the writer went through a predictable "path.tmp.PID" name
 * without O_EXCL, following a link planted there; and a link at path
 * itself is replaced, never written through. */
static void test_array_npy_write_never_follows_planted_links(void **state)
{
    const char *path = in_dir(state, "w.npy");
    const char *victim = in_dir(state, "victim");
    const char *victim2 = in_dir(state, "victim2");
    int64_t shape[1] = { 3 };
    double d[3] = { 1, 2, 3 };
    char planted[600];
    struct hr_resident *r = NULL;
    struct hr_err err;
    struct stat st;
    DIR *dir;
    struct dirent *e;
    int n = 0;

    write_bytes(victim, "keep", 4);
    write_bytes(victim2, "keep", 4);
    snprintf(planted, sizeof planted, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(symlink(victim, planted), 0);
    assert_int_equal(symlink(victim2, path), 0);
    assert_int_equal(hr_npy_write_f64(path, d, 1, shape, &err), 0);
    assert_int_equal(stat(victim, &st), 0);
    assert_int_equal(st.st_size, 4);
    assert_int_equal(stat(victim2, &st), 0);
    assert_int_equal(st.st_size, 4);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(load(path, HR_LOAD_AUTO, &r, &err), 0);
    assert_true(hr_array_at(&r->view, 2) == 3);
    hr_array_free(r);
    /* no temporary file left behind */
    dir = opendir(((struct hr_testdir *)*state)->dir);
    assert_non_null(dir);
    for (e = readdir(dir); e != NULL; e = readdir(dir))
        n += strstr(e->d_name, "w.npy.") != NULL;
    closedir(dir);
    assert_int_equal(n, 1);     /* the planted link, untouched */
}

/* ---- resident means resident: copies, huge pages, file changes ---- */

/* A 1-d float64 .npy of n elements, x[i] = i * scale, written over path
 * in place (same inode, truncated first: what np.save does). */
static void write_f64(const char *path, size_t n, double scale)
{
    char dict[128];
    double *d = malloc((n > 0 ? n : 1) * sizeof *d);
    size_t i;

    assert_non_null(d);
    for (i = 0; i < n; i++)
        d[i] = (double)i * scale;
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, "
             "'shape': (%zu,), }", n);
    write_npy(path, dict, d, n * sizeof *d);
    free(d);
}

/* Sums r's data in a child, so that a fault cannot take the test down:
 * 0 when the sum is want, 1 when not, 2 + the signal when it died. */
static int child_sum_is(const struct hr_resident *r, double want)
{
    pid_t pid = fork();
    int status = 0;
    int64_t i;
    double s = 0;

    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        for (i = 0; i < r->view.size; i++)
            s += hr_array_at(&r->view, i);
        _exit(s == want ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 2 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* The default load copies into memory of its own on 2 MiB pages, and says
 * so when the kernel gave 4 KiB pages instead. */
static void test_array_load_default_copies_on_huge_pages(void **state)
{
    const char *path = in_dir(state, "hp.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    size_t n = 600000;      /* 4.8 MB: three huge pages */
    int64_t huge;

    write_f64(path, n, 1);
    assert_int_equal(hr_array_load(path, NULL, NULL, &r, &err), 0);
    assert_int_equal(r->mapped, 0);
    assert_int_equal(r->fd, -1);
    assert_ptr_equal(r->view.data, r->map);
    assert_int_equal((uintptr_t)r->map % (2 * MIB), 0);
    assert_int_equal(r->map_len, 6 * MIB);
    huge = hr_sysmem_huge_bytes(r->map, r->map_len);
    if (r->huge == 1) {
        assert_string_equal(r->how, "copy");
        assert_string_equal(r->note, "");
        assert_int_equal(huge, (int64_t)r->map_len);
    } else {
        /* a kernel without them here: the load must say so and why */
        print_message("no huge pages here: %s\n", r->note);
        assert_int_equal(r->huge, 0);
        assert_true(huge < (int64_t)r->map_len);
        assert_non_null(strstr(r->how, "pages"));
        assert_memory_equal(r->note, "hp: ", 4);
        assert_non_null(strstr(r->note, "2 MiB pages"));
    }
    assert_true(hr_array_at(&r->view, (int64_t)n - 1) == (double)(n - 1));
    assert_int_equal(hr_array_changed(r, NULL, 0), HR_ARRAY_SAME);
    hr_array_free(r);
}

/* With huge pages disabled for the process, the load still works, how
 * says "4 KiB pages" and note says why. */
static void test_array_load_says_when_no_huge_pages(void **state)
{
    const char *path = in_dir(state, "nohp.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    pid_t pid;
    int status = 0;
    int code;

    write_f64(path, 600000, 1);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        code = prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0 ? 10 :
               hr_array_load(path, NULL, NULL, &r, &err) != 0 ? 11 :
               r->huge != 0 ? 12 :
               strcmp(r->how, "copy, 4 KiB pages") != 0 ? 13 :
               strstr(r->note, "nohp: copied on 4 KiB pages") != r->note ?
               14 : strstr(r->note, "disabled for this process") == NULL ?
               15 : hr_array_at(&r->view, 599999) != 599999 ? 16 : 0;
        if (code != 0 && r != NULL)
            fprintf(stderr, "how '%s' note '%s'\n", r->how, r->note);
        _exit(code);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Issue 9.5: np.save over a loaded file must change nothing, and a file
 * that shrinks must not fault; hr_array_changed() says the file is newer
 * than the array. */
static void test_array_copy_survives_rewrite_and_shrink(void **state)
{
    const char *path = in_dir(state, "live.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    char why[512];
    size_t n = 100000;      /* 800 kB: many pages */
    double want = (double)n * (double)(n - 1) / 2;

    write_f64(path, n, 1);
    assert_int_equal(hr_array_load(path, NULL, NULL, &r, &err), 0);
    assert_int_equal(child_sum_is(r, want), 0);
    write_f64(path, n, 2);                  /* same inode, new values */
    assert_int_equal(child_sum_is(r, want), 0);
    write_f64(path, 10, 1);                 /* same inode, 80 bytes */
    assert_int_equal(child_sum_is(r, want), 0);
    assert_int_equal(hr_array_changed(r, why, sizeof why), HR_ARRAY_STALE);
    assert_memory_equal(why, "live: ", 6);
    assert_non_null(strstr(why, "rewritten"));
    assert_non_null(strstr(why, "800128 -> 208 bytes"));
    assert_null(strchr(why, '\n'));
    hr_array_free(r);
}

/* A mapped array's file written in place is noticed (the data changed
 * under it); one that shrank is said to fault; freeing closes the file. */
static void test_array_mmap_change_is_noticed(void **state)
{
    const char *path = in_dir(state, "mapped.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    struct timespec old[2];
    char why[512];
    int fds = open_fds();

    write_f64(path, 100000, 1);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    assert_string_equal(r->how, "mmap");
    assert_int_equal(r->mapped, 1);
    assert_true(r->fd >= 0);
    assert_int_equal(open_fds(), fds + 1);
    assert_int_equal(hr_array_changed(r, why, sizeof why), HR_ARRAY_SAME);
    assert_string_equal(why, "");
    /* same size, new values, an mtime set apart from the load's (a write
     * in the same clock tick as the load could not be told apart) */
    write_f64(path, 100000, 2);
    old[0] = r->id.mtime;
    old[1] = r->id.mtime;
    old[1].tv_sec -= 5;
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    assert_true(hr_array_at(&r->view, 7) == 14);    /* what mmap means */
    assert_int_equal(hr_array_changed(r, why, sizeof why),
                     HR_ARRAY_CHANGED);
    assert_memory_equal(why, "mapped: ", 8);
    assert_non_null(strstr(why, "same size, modified"));
    assert_non_null(strstr(why, "the mapped data changed"));
    assert_null(strstr(why, "fault"));
    write_f64(path, 10, 1);
    assert_int_equal(hr_array_changed(r, why, sizeof why),
                     HR_ARRAY_CHANGED);
    assert_non_null(strstr(why, "800128 -> 208 bytes"));
    assert_non_null(strstr(why, "fault"));
    assert_int_equal(hr_array_changed(r, NULL, 0), HR_ARRAY_CHANGED);
    hr_array_free(r);
    assert_int_equal(open_fds(), fds);
}

/* A mapped file replaced by rename, or removed: the array keeps the old
 * data, and is only stale. */
static void test_array_mmap_replaced_is_stale(void **state)
{
    const char *path = in_dir(state, "repl.npy");
    const char *other = in_dir(state, "other.npy");
    struct hr_resident *r = NULL;
    struct hr_err err;
    char why[512];

    write_f64(path, 1000, 1);
    assert_int_equal(load(path, HR_LOAD_MMAP, &r, &err), 0);
    write_f64(other, 1000, 3);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(hr_array_changed(r, why, sizeof why), HR_ARRAY_STALE);
    assert_non_null(strstr(why, "replaced"));
    assert_true(hr_array_at(&r->view, 999) == 999);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(hr_array_changed(r, why, sizeof why), HR_ARRAY_STALE);
    assert_non_null(strstr(why, "is gone"));
    assert_true(hr_array_at(&r->view, 999) == 999);
    hr_array_free(r);
}

/* Auto copies up to half of the memory available, and maps above it with
 * a note; an explicit copy is refused only beyond all of it. */
static void test_array_load_auto_threshold(void **state)
{
    const char *path = in_dir(state, "thr.npy");
    const char *big = in_dir(state, "thr_be.npy");
    struct hr_load_opts opts = { .mode = HR_LOAD_AUTO };
    struct hr_resident *r = NULL;
    struct hr_err err;
    double d[1000] = { 0 };
    int64_t nbytes = 8000;

    write_f64(path, 1000, 1);
    opts.mem_available = 2 * nbytes;
    assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err), 0);
    assert_int_equal(r->mapped, 0);
    assert_string_equal(r->note, "");
    hr_array_free(r);
    opts.mem_available = 2 * nbytes - 1;
    assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err), 0);
    assert_int_equal(r->mapped, 1);
    assert_string_equal(r->how, "mmap");
    assert_memory_equal(r->note, "thr: mapped, not copied", 23);
    assert_non_null(strstr(r->note, "8.0 kB"));
    hr_array_free(r);
    opts.mode = HR_LOAD_COPY;
    assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err), 0);
    assert_int_equal(r->mapped, 0);
    hr_array_free(r);
    opts.mem_available = nbytes - 1;
    r = NULL;
    assert_int_equal(hr_array_load(path, NULL, &opts, &r, &err),
                     HR_ENOMEM);
    assert_null(r);
    assert_memory_equal(err.msg, path, strlen(path));
    assert_non_null(strstr(err.msg, "--load=mmap"));
    /* big-endian data cannot be mapped: auto copies it above half too */
    write_npy(big, "{'descr': '>f8', 'fortran_order': False, "
              "'shape': (1000,), }", d, sizeof d);
    opts.mode = HR_LOAD_AUTO;
    opts.mem_available = 2 * nbytes - 1;
    assert_int_equal(hr_array_load(big, NULL, &opts, &r, &err), 0);
    assert_string_equal(r->how, "copy+swap");
    hr_array_free(r);
    opts.mem_available = nbytes - 1;
    assert_int_equal(hr_array_load(big, NULL, &opts, &r, &err), HR_ENOMEM);
    assert_non_null(strstr(err.msg, "native order"));
}

static void grow_file(void *ud, int64_t done, int64_t total)
{
    FILE *f = fopen(ud, "ab");

    (void)done;
    (void)total;
    assert_non_null(f);
    fputc(0, f);
    fclose(f);
}

/* A file written while it is being copied is refused, not half-loaded. */
/* A mapped array whose file shrank below its data is told (host reads
 * refuse it instead of faulting); a copy never is; growth is harmless. */
static void test_array_truncated_only_when_mapped_data_is_cut(void **state)
{
    const char *path = in_dir(state, "cut.npy");
    struct hr_load_opts mm = { .mode = HR_LOAD_MMAP };
    struct hr_load_opts cp = { .mode = HR_LOAD_COPY };
    struct hr_resident *m = NULL;
    struct hr_resident *c = NULL;
    struct hr_err err;

    write_f64(path, 4096, 1);
    assert_int_equal(hr_array_load(path, NULL, &mm, &m, &err), 0);
    assert_int_equal(hr_array_load(path, NULL, &cp, &c, &err), 0);
    assert_int_equal(m->mapped, 1);
    assert_false(hr_array_truncated(m));
    assert_int_equal(truncate(path, 128 + 4096 * 8 + 100), 0);
    assert_false(hr_array_truncated(m));
    assert_int_equal(truncate(path, 4000), 0);
    assert_true(hr_array_truncated(m));
    assert_false(hr_array_truncated(c));
    assert_false(hr_array_truncated(NULL));
    hr_array_free(m);
    hr_array_free(c);
}

static void test_array_load_refuses_file_changed_while_copying(void **state)
{
    const char *path = in_dir(state, "moving.npy");
    struct hr_load_opts opts = { .mode = HR_LOAD_COPY };
    struct hr_resident *r = NULL;
    struct hr_err err;
    int rc;

    write_f64(path, 1000, 1);
    opts.progress = grow_file;
    opts.progress_ud = (void *)path;
    rc = hr_array_load(path, NULL, &opts, &r, &err);
    check_fail(rc, HR_EIO, r, &err, path, "changed while it was being "
               "loaded");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_array_dtype_names),
        T(test_array_dtype_parse_accepts_numpy_spellings),
        T(test_array_dtype_parse_rejects_garbage),
        T(test_array_shape_parse_accepts_forms),
        T(test_array_shape_parse_rejects_bad),
        T(test_array_shape_format),
        T(test_array_load_every_dtype_both_endians),
        T(test_array_load_complex_gives_real_part),
        T(test_array_load_versions_1_2_3),
        T(test_array_load_header_variations),
        T(test_array_load_shape_forms),
        T(test_array_load_fortran_order),
        T(test_array_load_fortran_3d),
        T(test_array_load_scalar),
        T(test_array_load_empty),
        T(test_array_load_unaligned_offset_is_copied),
        T(test_array_load_name),
        T(test_array_load_read_matches_mmap),
        T(test_array_load_copy_in_pieces),
        T(test_array_load_rejects_missing_file),
        T(test_array_load_rejects_directory_and_fifo),
        T(test_array_load_rejects_permission_denied),
        T(test_array_load_rejects_bad_magic),
        T(test_array_load_rejects_truncated_preamble),
        T(test_array_load_rejects_unsupported_version),
        T(test_array_load_rejects_header_longer_than_file),
        T(test_array_load_rejects_truncated_data),
        T(test_array_load_rejects_trailing_data),
        T(test_array_load_rejects_malformed_header),
        T(test_array_load_rejects_nul_and_non_ascii_header),
        T(test_array_load_rejects_too_big_shape),
        T(test_array_load_rejects_non_numeric_dtypes),
        T(test_array_load_rejects_unknown_dtype),
        T(test_array_load_raw),
        T(test_array_load_raw_fortran_and_scalar),
        T(test_array_load_raw_rejects_size_mismatch),
        T(test_array_load_data_is_not_writable),
        T(test_array_contains),
        T(test_array_float16_is_exact),
        T(test_array_at_bool_is_zero_or_one),
        T(test_array_npy_write_round_trip),
        T(test_array_npy_write_large),
        T(test_array_npy_write_reports_errors),
        T(test_array_npy_write_never_follows_planted_links),
        T(test_array_load_default_copies_on_huge_pages),
        T(test_array_load_says_when_no_huge_pages),
        T(test_array_copy_survives_rewrite_and_shrink),
        T(test_array_mmap_change_is_noticed),
        T(test_array_mmap_replaced_is_stale),
        T(test_array_load_auto_threshold),
        T(test_array_load_refuses_file_changed_while_copying),
        T(test_array_truncated_only_when_mapped_data_is_cut),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
