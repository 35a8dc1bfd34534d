/* test_load.c - formats told by content, FILE:MEMBER, lists, .npz, HDF5 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "npz.h"
#include "testdir.h"

struct fx {
    char dir[64];
    struct hr_array_list l;
    struct hr_err err;
};

static char paths[8][512];
static int next_path;

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    if (hr_testdir_make(f->dir, sizeof f->dir, "test_load") != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hr_array_list_free(&f->l);
    hr_testdir_remove(f->dir);
    free(f);
    return 0;
}

static const char *in_dir(struct fx *f, const char *name)
{
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

/* Runs a Python snippet (NumPy, h5py) in the test's folder. */
static void python(struct fx *f, const char *code)
{
    char *cmd = NULL;
    const char *script = in_dir(f, "make.py");

    write_bytes(script, code, strlen(code));
    assert_true(asprintf(&cmd, "cd %s && %s %s", f->dir, HR_PYTHON,
                         script) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* Loads in mmap mode: these tests check which formats can be mapped
 * (auto copies small files; test_array.c covers that choice). */
static int load_all(struct fx *f, const char *spec, const char *name)
{
    static const struct hr_load_opts mmap_opts = { .mode = HR_LOAD_MMAP };

    hr_array_list_free(&f->l);
    f->err.msg[0] = '\0';
    return hr_array_load_all(spec, name, &mmap_opts, &f->l, &f->err);
}

static const struct hr_resident *find(const struct fx *f, const char *name)
{
    int i;

    for (i = 0; i < f->l.n; i++) {
        if (strcmp(f->l.items[i]->name, name) == 0)
            return f->l.items[i];
    }
    print_error("no array '%s' loaded\n", name);
    fail();
    return NULL;
}

/* The failure is one line starting with path and holding want. */
static void expect_fail(struct fx *f, int rc, int code, const char *path,
                        const char *want)
{
    if (rc != code || strstr(f->err.msg, want) == NULL)
        print_error("got %d '%s', want %d '%s'\n", rc, f->err.msg, code,
                    want);
    assert_int_equal(rc, code);
    assert_int_equal(f->l.n, 0);
    assert_memory_equal(f->err.msg, path, strlen(path));
    assert_null(strchr(f->err.msg, '\n'));
    assert_non_null(strstr(f->err.msg, want));
}

/* ---- telling formats apart ---- */

static void test_load_tells_format_by_content_not_extension(void **state)
{
    struct fx *f = *state;
    const char *csv = in_dir(f, "data.npy");
    const char *npy = in_dir(f, "data.csv");
    double v[3] = { 1, 2, 3 };

    write_bytes(csv, "1,2\n3,4\n", 8);
    assert_int_equal(hr_npy_write_f64(npy, v, 1, (int64_t[]){ 3 }, &f->err),
                     0);
    assert_int_equal(load_all(f, csv, NULL), 0);
    assert_string_equal(f->l.items[0]->format, "csv");
    assert_int_equal(load_all(f, npy, NULL), 0);
    assert_string_equal(f->l.items[0]->format, "npy");
    assert_string_equal(f->l.items[0]->how, "mmap");
}

static void test_load_unknown_formats_get_a_hint(void **state)
{
    static const struct {
        const char *bytes;
        size_t n;
        int code;
        const char *want;
    } cases[] = {
        { "\x1f\x8b\x08\x00rest", 8, HR_EUNSUPPORTED, "gzip-compressed" },
        { "PAR1\x15\x04", 6, HR_EUNSUPPORTED, "Parquet" },
        { "\x80\x04\x95\x10", 4, HR_EUNSUPPORTED, "Python pickle" },
        { "MATLAB 5.0 MAT-file", 19, HR_EUNSUPPORTED, "MATLAB" },
        { "\xff\xfe" "1\0,\0" "2\0", 8, HR_EUNSUPPORTED, "UTF-16" },
        { "\x00\x01\x02\x03\xff", 5, HR_EFORMAT, "not a format hotrun "
          "knows (hotrun reads .npy, .npz, HDF5 and CSV/TSV text" },
        { "", 0, HR_EFORMAT, "empty file" },
    };
    struct fx *f = *state;
    const char *p = in_dir(f, "x.dat");
    size_t k;

    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        write_bytes(p, cases[k].bytes, cases[k].n);
        expect_fail(f, load_all(f, p, NULL), cases[k].code, p,
                    cases[k].want);
    }
    /* --dtype alone is for text */
    {
        struct hr_csv_opts csv = { 0, HR_FLOAT32, 0 };
        struct hr_load_opts lo = { .csv = &csv };
        double v = 1;

        assert_int_equal(hr_npy_write_f64(p, &v, 0, NULL, &f->err), 0);
        expect_fail(f, hr_array_load_all(p, NULL, &lo, &f->l, &f->err),
                    HR_EINVAL, p, "are for CSV/TSV text, and this is a "
                    ".npy file");
    }
}

static void test_load_member_spec_and_single_loads(void **state)
{
    struct fx *f = *state;
    const char *colon = in_dir(f, "a:b.csv");
    const char *csv = in_dir(f, "p.csv");
    char spec[600];
    struct hr_resident *r = NULL;

    write_bytes(colon, "5,6\n", 4);
    write_bytes(csv, "7,8\n", 4);
    /* a file whose name has a ':' is taken whole */
    assert_int_equal(load_all(f, colon, NULL), 0);
    assert_string_equal(f->l.items[0]->name, "a:b");
    /* a member of a file that has none */
    snprintf(spec, sizeof spec, "%s:x", csv);
    expect_fail(f, load_all(f, spec, NULL), HR_ENOENT, csv,
                ": a CSV/TSV file holds one array: it has no member 'x'");
    python(f, "import numpy as np\n"
              "np.savez('two.npz', a=np.arange(3.0), b=np.ones(2))\n");
    assert_int_equal(hr_array_load(in_dir(f, "two.npz"), NULL, NULL, &r,
                                   &f->err), HR_EAMBIG);
    assert_null(r);
    assert_non_null(strstr(f->err.msg, "holds 2 arrays (a.npy, b.npy); "
                           "load one with"));
    snprintf(spec, sizeof spec, "%s:b", in_dir(f, "two.npz"));
    assert_int_equal(hr_array_load(spec, "bee", NULL, &r, &f->err), 0);
    assert_string_equal(r->name, "bee");
    assert_string_equal(r->origin, "b.npy");
    assert_int_equal(r->view.size, 2);
    hr_array_free(r);
}

/* The list owns its arrays; a caller takes one by clearing its slot. */
static void test_load_list_ownership(void **state)
{
    struct fx *f = *state;
    struct hr_resident *kept = NULL;

    python(f, "import numpy as np\n"
              "np.savez('three.npz', x=np.arange(4.0), y=np.arange(5),\n"
              "         z=np.zeros((2, 2), dtype='>f4'))\n");
    assert_int_equal(load_all(f, in_dir(f, "three.npz"), NULL), 0);
    assert_int_equal(f->l.n, 3);
    kept = f->l.items[1];
    f->l.items[1] = NULL;
    hr_array_list_free(&f->l);
    assert_int_equal(f->l.n, 0);
    assert_null(f->l.items);
    assert_string_equal(kept->name, "three.y");
    assert_int_equal(((const int64_t *)kept->view.data)[4], 4);
    hr_array_free(kept);
    hr_array_list_free(&f->l);      /* an empty list again */
}

/* ---- .npz ---- */

static void test_load_npz_stored_maps_deflated_inflates(void **state)
{
    struct fx *f = *state;
    const struct hr_resident *r;
    struct hr_load_opts lo = { .mode = HR_LOAD_READ };
    int k;

    python(f, "import numpy as np, zipfile\n"
              "a = np.arange(4096.0).reshape(64, 64)\n"
              "with zipfile.ZipFile('m.npz', 'w') as z:\n"
              "    z.writestr('pad.txt', b'x' * 13)\n"
              "    with z.open('a.npy', 'w') as f:\n"
              "        np.lib.format.write_array(f, a)\n"
              "np.savez_compressed('c.npz', a=a, b=a.astype('>i2'),\n"
              "                    f=np.asfortranarray(a))\n");
    assert_int_equal(load_all(f, in_dir(f, "m.npz"), "m"), 0);
    r = find(f, "m.a");
    assert_string_equal(r->format, "npz");
    assert_true(strcmp(r->how, "mmap") == 0 ||
                strcmp(r->how, "copy (unaligned)") == 0);
    for (k = 0; k < 4096; k++)
        assert_true(hr_array_at(&r->view, k) == k);
    hr_array_list_free(&f->l);
    assert_int_equal(hr_array_load_all(in_dir(f, "m.npz"), NULL, &lo, &f->l,
                                       &f->err), 0);
    assert_memory_equal(f->l.items[0]->how, "copy", 4);
    assert_int_equal(load_all(f, in_dir(f, "c.npz"), NULL), 0);
    assert_string_equal(find(f, "c.a")->how, "inflate");
    assert_string_equal(find(f, "c.b")->how, "inflate+swap");
    assert_int_equal(find(f, "c.b")->view.dtype, HR_INT16);
    assert_false(find(f, "c.f")->view.flags & HR_C_CONTIGUOUS);
    for (k = 0; k < 4096; k++) {
        assert_true(hr_array_at(&find(f, "c.a")->view, k) == k);
        assert_true(hr_array_at(&find(f, "c.b")->view, k) == k);
        assert_true(hr_array_at(&find(f, "c.f")->view, k) == k);
    }
}

static void test_load_npz_broken_archives(void **state)
{
    struct fx *f = *state;
    const char *p;

    python(f, "import numpy as np, zipfile\n"
              "np.savez_compressed('ok.npz', a=np.arange(50000.0))\n"
              "d = open('ok.npz', 'rb').read()\n"
              "open('cut.npz', 'wb').write(d[:len(d) // 2])\n"
              "b = bytearray(d); b[len(b) // 2] ^= 0xff\n"
              "open('flip.npz', 'wb').write(bytes(b))\n"
              "with zipfile.ZipFile('txt.npz', 'w') as z:\n"
              "    z.writestr('a.txt', 'no arrays')\n"
              "with zipfile.ZipFile('bz.npz', 'w', zipfile.ZIP_BZIP2) as z:\n"
              "    z.writestr('a.npy', b'x' * 100)\n"
              "with zipfile.ZipFile('tr.npz', 'w') as z:\n"
              "    z.writestr('a.npy', d[:0] + np.lib.format.magic(1, 0) +\n"
              "               b'\\x10\\x00{}')\n");
    p = in_dir(f, "cut.npz");
    expect_fail(f, load_all(f, p, NULL), HR_EFORMAT, p, "malformed .npz "
                "(zip) archive: no readable central directory");
    p = in_dir(f, "flip.npz");
    assert_int_equal(load_all(f, p, NULL), HR_EFORMAT);
    assert_non_null(strstr(f->err.msg, ":a: "));
    assert_true(strstr(f->err.msg, "corrupt") != NULL ||
                strstr(f->err.msg, "crc") != NULL);
    p = in_dir(f, "txt.npz");
    expect_fail(f, load_all(f, p, NULL), HR_EFORMAT, p, "no .npy member");
    p = in_dir(f, "bz.npz");
    expect_fail(f, load_all(f, p, NULL), HR_EUNSUPPORTED, p,
                ":a: compression method 12 is not supported");
    p = in_dir(f, "tr.npz");
    expect_fail(f, load_all(f, p, NULL), HR_EFORMAT, p, ":a: truncated");
}

/* ---- HDF5 ---- */

static void test_load_hdf5_layouts_types_and_attrs(void **state)
{
    struct fx *f = *state;
    const struct hr_resident *r;
    char spec[600];
    int k;

    python(f, "import numpy as np, h5py\n"
              "a = np.arange(600.0).reshape(20, 30)\n"
              "with h5py.File('d.h5', 'w', userblock_size=512) as f:\n"
              "    f['le'] = a\n"
              "    f['g/be'] = a.astype('>i4')\n"
              "    f.create_dataset('g/z', data=a.astype('<f4'),\n"
              "                     chunks=(3, 7), compression='gzip',\n"
              "                     shuffle=True)\n"
              "    f['g/c'] = (a + 1j * a).astype('>c8')\n"
              "    f['g/h'] = a.astype('>f2')\n"
              "    f['g/t'] = a > 300\n"
              "    f['le'].attrs['note'] = 'hello'\n"
              "    f['le'].attrs['k'] = np.int16(-3)\n");
    snprintf(spec, sizeof spec, "%s:/le", in_dir(f, "d.h5"));
    assert_int_equal(load_all(f, spec, NULL), 0);
    r = f->l.items[0];
    assert_string_equal(r->name, "d.le");
    assert_string_equal(r->how, "mmap");
    assert_string_equal(r->origin, "/le");
    assert_int_equal(r->nattrs, 2);
    assert_string_equal(r->attrs[0], "k = -3");
    assert_string_equal(r->attrs[1], "note = \"hello\"");
    for (k = 0; k < 600; k++)
        assert_true(hr_array_at(&r->view, k) == k);
    {
        static const struct {
            const char *member;
            int dtype;
            const char *how;
        } m[] = {
            { "g/be", HR_INT32, "copy+swap" },
            { "/g/z", HR_FLOAT32, "hdf5 read+filters" },
            { "g/c", HR_COMPLEX64, "copy+swap" },
            { "g/h", HR_FLOAT16, "copy+swap" },
            { "g/t", HR_BOOL, "mmap" },
        };
        size_t i;

        for (i = 0; i < sizeof m / sizeof m[0]; i++) {
            snprintf(spec, sizeof spec, "%s:%s", in_dir(f, "d.h5"),
                     m[i].member);
            assert_int_equal(load_all(f, spec, "x"), 0);
            r = f->l.items[0];
            assert_string_equal(r->name, "x");
            assert_int_equal(r->view.dtype, m[i].dtype);
            assert_true(strncmp(r->how, m[i].how, strlen(m[i].how)) == 0 ||
                        strcmp(r->how, "copy (unaligned)") == 0);
            for (k = 0; k < 600; k++)
                assert_true(hr_array_at(&r->view, k) ==
                            (m[i].dtype == HR_BOOL ? k > 300 : k));
        }
    }
}

static void test_load_hdf5_choosing_and_refusing(void **state)
{
    struct fx *f = *state;
    const char *p = in_dir(f, "many.h5");
    char spec[600];
    int rc;

    python(f, "import numpy as np, h5py\n"
              "with h5py.File('many.h5', 'w') as f:\n"
              "    f['a'] = np.zeros((2, 3))\n"
              "    f['s'] = np.array([b'x', b'y'])\n"
              "    f['r'] = np.zeros(2, dtype=[('p', '<f8'), ('q', '<i2')])\n"
              "    f['b/c'] = np.arange(4, dtype='u2')\n"
              "d = open('many.h5', 'rb').read()\n"
              "open('cut.h5', 'wb').write(d[:len(d) // 3])\n");
    rc = load_all(f, p, NULL);
    assert_int_equal(rc, HR_EAMBIG);
    assert_non_null(strstr(f->err.msg, "holds 4 datasets; load one as "));
    assert_non_null(strstr(f->err.msg, "\n  /a  2x3  float64\n"));
    assert_non_null(strstr(f->err.msg, "\n  /b/c  4  uint16\n"));
    assert_non_null(strstr(f->err.msg, "\n  /s  2  (string dataset"));
    snprintf(spec, sizeof spec, "%s:/s", p);
    expect_fail(f, load_all(f, spec, NULL), HR_EUNSUPPORTED, spec,
                ": string dataset: hotrun needs numbers");
    snprintf(spec, sizeof spec, "%s:r", p);
    rc = load_all(f, spec, NULL);
    snprintf(spec, sizeof spec, "%s:/r", p);    /* the path in full */
    expect_fail(f, rc, HR_EUNSUPPORTED, spec,
                "compound dataset (records with fields p, q)");
    snprintf(spec, sizeof spec, "%s:/nope", p);
    assert_int_equal(load_all(f, spec, NULL), HR_ENOENT);
    assert_non_null(strstr(f->err.msg, "no dataset '/nope'; it has:\n"));
    p = in_dir(f, "cut.h5");
    expect_fail(f, load_all(f, p, NULL), HR_EFORMAT, p,
                ": cannot read it as HDF5: truncated file");
}

/* ---- writing .npz ---- */

static void test_load_npz_write_round_trips_through_numpy(void **state)
{
    struct fx *f = *state;
    double d[6] = { 0.5, -1, 2, 1e300, -0.0, 3 };
    int16_t s[5] = { -3, 0, 7, 32767, -32768 };
    struct hr_array a = { 0 };
    struct hr_array b = { 0 };
    const struct hr_array *arrays[2] = { &a, &b };
    const char *names[2] = { "d", "s" };
    char check[1024];
    int compress;

    a.data = d;
    a.dtype = HR_FLOAT64;
    a.ndim = 2;
    a.shape[0] = 2;
    a.shape[1] = 3;
    a.strides[0] = 8;          /* Fortran order */
    a.strides[1] = 16;
    a.size = 6;
    a.itemsize = 8;
    a.nbytes = 48;
    a.flags = HR_F_CONTIGUOUS;
    b.data = s;
    b.dtype = HR_INT16;
    b.ndim = 1;
    b.shape[0] = 5;
    b.strides[0] = 2;
    b.size = 5;
    b.itemsize = 2;
    b.nbytes = 10;
    b.flags = HR_C_CONTIGUOUS | HR_F_CONTIGUOUS;
    for (compress = 0; compress < 2; compress++) {
        assert_int_equal(hr_npz_write(in_dir(f, "out.npz"), arrays, names,
                                      2, compress, &f->err), 0);
        snprintf(check, sizeof check,
                 "import numpy as np\n"
                 "z = np.load('out.npz')\n"
                 "assert sorted(z.files) == ['d', 's'], z.files\n"
                 "d = np.array([0.5, -1, 2, 1e300, -0.0, 3])\n"
                 "assert z['d'].flags.f_contiguous\n"
                 "assert (z['d'] == d.reshape(2, 3, order='F')).all()\n"
                 "assert z['s'].dtype == np.int16\n"
                 "assert list(z['s']) == [-3, 0, 7, 32767, -32768]\n"
                 "import zipfile\n"
                 "m = zipfile.ZipFile('out.npz').infolist()[0]\n"
                 "assert m.compress_type == %d, m.compress_type\n",
                 compress ? 8 : 0);
        python(f, check);
        assert_int_equal(load_all(f, in_dir(f, "out.npz"), NULL), 0);
        assert_int_equal(f->l.n, 2);
        /* C index 2 is (0, 2): Fortran memory index 4 */
        assert_true(signbit(hr_array_at(&find(f, "out.d")->view, 2)));
        assert_true(hr_array_at(&find(f, "out.d")->view, 4) == 1e300);
    }
    assert_int_equal(hr_npz_write(in_dir(f, "no/dir/x.npz"), arrays, names,
                                  2, 0, &f->err), HR_EIO);
    assert_non_null(strstr(f->err.msg, "x.npz: "));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_load_tells_format_by_content_not_extension),
        T(test_load_unknown_formats_get_a_hint),
        T(test_load_member_spec_and_single_loads),
        T(test_load_list_ownership),
        T(test_load_npz_stored_maps_deflated_inflates),
        T(test_load_npz_broken_archives),
        T(test_load_hdf5_layouts_types_and_attrs),
        T(test_load_hdf5_choosing_and_refusing),
        T(test_load_npz_write_round_trips_through_numpy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
