/* test_lines.c - functions and source lines from TinyCC -g objects */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lines.h"

#ifndef HR_TCC
#define HR_TCC "/usr/bin/tcc"
#endif

#define BASIC HR_FIXTURES "/lines_basic.c"
#define INCL HR_FIXTURES "/lines_incl.c"
#define INCL_UTIL HR_FIXTURES "/lines_incl_util.c"
#define RENAMED "tasks/renamed.c"
#define MAX_MARKS 64

extern char **environ;

struct obj {
    unsigned char *buf;         /* owned */
    size_t len;
};

struct fx {
    char dir[64];
    struct obj basic;           /* lines_basic.c, -g */
    struct obj basic_nog;       /* lines_basic.c, no -g */
    struct obj incl;            /* lines_incl.c, -g */
    struct obj renamed;         /* lines_basic.c after #line 1 "tasks/..." */
};

/* Source lines of path that carry the marker "@name". */
static size_t marks(const char *path, const char *name, int *lines)
{
    char want[128];
    char buf[512];
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int no = 0;

    assert_non_null(f);
    snprintf(want, sizeof want, "/* @%s */", name);
    while (fgets(buf, sizeof buf, f) != NULL) {
        no++;
        if (strstr(buf, want) != NULL && n < MAX_MARKS)
            lines[n++] = no;
    }
    fclose(f);
    return n;
}

static int run_tcc(const char *src, const char *out, int debug)
{
    char *argv[7];
    int i = 0;
    int status = 0;
    pid_t pid;

    argv[i++] = (char *)HR_TCC;
    if (debug)
        argv[i++] = (char *)"-g";
    argv[i++] = (char *)"-c";
    argv[i++] = (char *)src;
    argv[i++] = (char *)"-o";
    argv[i++] = (char *)out;
    argv[i] = NULL;
    if (posix_spawn(&pid, HR_TCC, NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int read_all(const char *path, struct obj *o)
{
    FILE *f = fopen(path, "rb");
    long n;
    int rc = -1;

    if (f == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0)
        goto out;
    n = ftell(f);
    if (n <= 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    o->buf = malloc((size_t)n);
    if (o->buf == NULL)
        goto out;
    o->len = (size_t)n;
    if (fread(o->buf, 1, o->len, f) == o->len)
        rc = 0;
out:
    fclose(f);
    return rc;
}

/* Compiles src with the tcc binary into dir/name and reads the object. */
static int build(struct fx *f, const char *src, const char *name, int debug,
                 struct obj *o)
{
    char out[256];

    snprintf(out, sizeof out, "%s/%s", f->dir, name);
    if (run_tcc(src, out, debug) != 0)
        return -1;
    return read_all(out, o);
}

/* Writes lines_basic.c behind a #line directive, as jit.c compiles it. */
static int write_renamed(const struct fx *f, char *path, size_t size)
{
    FILE *in = fopen(BASIC, "r");
    FILE *out = NULL;
    char buf[512];
    int rc = -1;

    snprintf(path, size, "%s/renamed.c", f->dir);
    out = fopen(path, "w");
    if (in == NULL || out == NULL)
        goto out;
    fprintf(out, "#line 1 \"%s\"\n", RENAMED);
    while (fgets(buf, sizeof buf, in) != NULL)
        fputs(buf, out);
    rc = 0;
out:
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        rc = -1;
    return rc;
}

static void remove_dir(struct fx *f)
{
    const char *names[] = { "basic.o", "basic_nog.o", "incl.o",
                            "renamed.c", "renamed.o" };
    char path[256];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        unlink(path);
    }
    rmdir(f->dir);
}

static int group_teardown(void **state)
{
    struct fx *f = *state;

    if (f == NULL)
        return 0;
    remove_dir(f);
    free(f->basic.buf);
    free(f->basic_nog.buf);
    free(f->incl.buf);
    free(f->renamed.buf);
    free(f);
    return 0;
}

static int group_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char renamed[256];

    *state = f;
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_lines.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    if (build(f, BASIC, "basic.o", 1, &f->basic) != 0
        || build(f, BASIC, "basic_nog.o", 0, &f->basic_nog) != 0
        || build(f, INCL, "incl.o", 1, &f->incl) != 0
        || write_renamed(f, renamed, sizeof renamed) != 0
        || build(f, renamed, "renamed.o", 1, &f->renamed) != 0)
        return -1;
    return 0;
}

static struct hr_lines *parse_ok(const struct obj *o)
{
    struct hr_lines *l = NULL;
    struct hr_err err = { { 0 } };

    assert_int_equal(hr_lines_parse(o->buf, o->len, &l, &err), 0);
    assert_non_null(l);
    return l;
}

static int has(const int *v, size_t n, int x)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i] == x)
            return 1;
    }
    return 0;
}

/* Walks every byte of function name: each one maps back to name with the
 * right offset, to file and to a marked line; every marked line is seen;
 * the prologue gives the line of the opening brace and the last byte the
 * last marked line (the return). */
static void check_function(const struct hr_lines *l, const char *name,
                           const char *src, const char *file)
{
    int want[MAX_MARKS];
    int seen[MAX_MARKS];
    size_t nwant = marks(src, name, want);
    size_t nseen = 0;
    uint64_t off = 0;
    uint64_t size = 0;
    uint64_t k;
    const char *fn = NULL;
    const char *fl = NULL;
    uint64_t fo = 0;
    int line = 0;

    assert_true(nwant >= 2);
    assert_int_equal(hr_lines_func_offset(l, name, &off, &size), 0);
    assert_true(size > 0);
    for (k = 0; k < size; k++) {
        assert_int_equal(hr_lines_lookup(l, off + k, &fn, &fo, &fl, &line),
                         0);
        assert_string_equal(fn, name);
        assert_int_equal(fo, k);
        assert_non_null(fl);
        assert_string_equal(fl, file);
        if (!has(want, nwant, line))
            fail_msg("%s+%#lx: line %d is not marked @%s", name,
                     (unsigned long)k, line, name);
        if (!has(seen, nseen, line))
            seen[nseen++] = line;
    }
    assert_int_equal(nseen, nwant);
    assert_int_equal(hr_lines_lookup(l, off + 1, NULL, NULL, NULL, &line),
                     0);
    assert_int_equal(line, want[0]);
    assert_int_equal(hr_lines_lookup(l, off + size - 1, NULL, NULL, NULL,
                                     &line), 0);
    assert_int_equal(line, want[nwant - 1]);
}

static void test_lines_parse_finds_global_and_static_functions(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->basic);
    const char *names[] = { "helper", "lines_first", "fill", "lines_second",
                            "lines_crash" };
    uint64_t off = 0;
    uint64_t size = 0;
    uint64_t prev = 0;
    size_t i;

    assert_int_equal(hr_lines_nfuncs(l), 5);
    for (i = 0; i < 5; i++) {
        assert_int_equal(hr_lines_func_offset(l, names[i], &off, &size), 0);
        /* tcc lays functions out in definition order */
        assert_true(i == 0 ? off == 0 : off > prev);
        prev = off;
    }
    assert_int_equal(hr_lines_func_offset(l, "strlen", &off, NULL),
                     HR_ENOENT);
    assert_int_equal(hr_lines_func_offset(l, "nope", &off, NULL), HR_ENOENT);
    hr_lines_free(l);
}

static void test_lines_functions_tile_text(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->basic);
    uint64_t end = 0;
    uint64_t off = 0;
    uint64_t size = 0;
    const char *name = NULL;
    size_t i;

    for (i = 0; i < hr_lines_nfuncs(l); i++) {
        assert_int_equal(hr_lines_func(l, i, &name, &off, &size), 0);
        assert_int_equal(off, end);
        end = off + size;
    }
    assert_int_equal(end, hr_lines_text_size(l));
    assert_int_equal(hr_lines_func(l, i, &name, &off, &size), HR_ENOENT);
    hr_lines_free(l);
}

static void test_lines_lookup_gives_statement_lines(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->basic);

    check_function(l, "helper", BASIC, BASIC);
    check_function(l, "lines_first", BASIC, BASIC);
    check_function(l, "fill", BASIC, BASIC);
    check_function(l, "lines_second", BASIC, BASIC);
    check_function(l, "lines_crash", BASIC, BASIC);
    hr_lines_free(l);
}

static void test_lines_lookup_outside_text_is_enoent(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->basic);
    const char *fn = "unset";
    int line = -1;

    assert_int_equal(hr_lines_lookup(l, hr_lines_text_size(l), &fn, NULL,
                                     NULL, &line), HR_ENOENT);
    assert_int_equal(hr_lines_lookup(l, UINT64_MAX, &fn, NULL, NULL, &line),
                     HR_ENOENT);
    assert_string_equal(fn, "unset");
    assert_int_equal(line, -1);
    hr_lines_free(l);
}

static void test_lines_included_code_gets_its_file(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->incl);

    check_function(l, "lines_before", INCL, INCL);
    check_function(l, "util_twice", INCL_UTIL, INCL_UTIL);
    /* back in the including file after the #include */
    check_function(l, "lines_after", INCL, INCL);
    hr_lines_free(l);
}

static void test_lines_line_directive_names_file(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->renamed);
    char file[256];

    /* tcc prepends the directory of the file being read to the #line name
     * (none for jit.c's tcc_compile_string: "<string>"); #line 1 makes the
     * next line 1, so the numbers are the fixture's own */
    snprintf(file, sizeof file, "%s/%s", f->dir, RENAMED);
    check_function(l, "helper", BASIC, file);
    check_function(l, "lines_crash", BASIC, file);
    hr_lines_free(l);
}

static void test_lines_object_without_g_gives_functions_only(void **state)
{
    const struct fx *f = *state;
    struct hr_lines *l = parse_ok(&f->basic_nog);
    struct hr_lines *g = parse_ok(&f->basic);
    const char *fn = NULL;
    const char *file = "unset";
    uint64_t off = 0;
    uint64_t goff = 0;
    uint64_t fo = 0;
    int line = -1;

    assert_int_equal(hr_lines_nfuncs(l), 5);
    assert_int_equal(hr_lines_text_size(l), hr_lines_text_size(g));
    assert_int_equal(hr_lines_func_offset(l, "lines_crash", &off, NULL), 0);
    assert_int_equal(hr_lines_func_offset(g, "lines_crash", &goff, NULL), 0);
    assert_int_equal(off, goff);
    assert_int_equal(hr_lines_lookup(l, off + 3, &fn, &fo, &file, &line), 0);
    assert_string_equal(fn, "lines_crash");
    assert_int_equal(fo, 3);
    assert_null(file);
    assert_int_equal(line, 0);
    hr_lines_free(g);
    hr_lines_free(l);
}

/* Index of the section header named name in o (an object tcc wrote). */
static size_t section(const struct obj *o, const char *name, Elf64_Shdr *sh)
{
    Elf64_Ehdr eh;
    Elf64_Shdr names;
    size_t i;

    memcpy(&eh, o->buf, sizeof eh);
    memcpy(&names, o->buf + eh.e_shoff + eh.e_shstrndx * sizeof names,
           sizeof names);
    for (i = 1; i < eh.e_shnum; i++) {
        memcpy(sh, o->buf + eh.e_shoff + i * sizeof *sh, sizeof *sh);
        if (strcmp((const char *)o->buf + names.sh_offset + sh->sh_name,
                   name) == 0)
            return i;
    }
    fail_msg("no section %s", name);
    return 0;
}

static struct obj copy_obj(const struct obj *o)
{
    struct obj c = { malloc(o->len), o->len };

    assert_non_null(c.buf);
    memcpy(c.buf, o->buf, o->len);
    return c;
}

static void test_lines_uses_stab_relocations(void **state)
{
    const struct fx *f = *state;
    struct obj c = copy_obj(&f->basic);
    struct hr_lines *l = NULL;
    unsigned char *p = NULL;

    /* rename the function in its N_FUN string: only the relocation of
     * the N_FUN value can still place the lines */
    p = memmem(c.buf, c.len, "lines_crash:F", 13);
    assert_non_null(p);
    p[0] = 'X';
    l = parse_ok(&c);
    check_function(l, "lines_crash", BASIC, BASIC);
    check_function(l, "lines_second", BASIC, BASIC);
    hr_lines_free(l);
    free(c.buf);
}

static void test_lines_without_stab_relocations_uses_names(void **state)
{
    const struct fx *f = *state;
    struct obj c = copy_obj(&f->basic);
    struct hr_lines *l = NULL;
    Elf64_Ehdr eh;
    Elf64_Shdr sh;
    size_t i = section(&c, ".rela.stab", &sh);

    /* detach .rela.stab from .stab: N_FUN values stay 0 */
    memcpy(&eh, c.buf, sizeof eh);
    sh.sh_info = 0;
    memcpy(c.buf + eh.e_shoff + i * sizeof sh, &sh, sizeof sh);
    l = parse_ok(&c);
    check_function(l, "helper", BASIC, BASIC);
    check_function(l, "lines_crash", BASIC, BASIC);
    hr_lines_free(l);
    free(c.buf);
}

static void test_lines_rejects_non_elf(void **state)
{
    const struct fx *f = *state;
    const char text[] = "int main(void) { return 0; }\n";
    struct hr_lines *l = NULL;
    struct hr_err err = { { 0 } };
    struct obj c = copy_obj(&f->basic);

    assert_int_equal(hr_lines_parse(text, sizeof text, &l, &err),
                     HR_EFORMAT);
    assert_null(l);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(hr_lines_parse(NULL, 0, &l, NULL), HR_EFORMAT);
    assert_null(l);

    c.buf[EI_CLASS] = ELFCLASS32;
    assert_int_equal(hr_lines_parse(c.buf, c.len, &l, NULL), HR_EFORMAT);
    c.buf[EI_CLASS] = ELFCLASS64;
    c.buf[16] = ET_EXEC;        /* e_type */
    assert_int_equal(hr_lines_parse(c.buf, c.len, &l, NULL), HR_EFORMAT);
    c.buf[16] = ET_REL;
    c.buf[18] = EM_386;         /* e_machine */
    assert_int_equal(hr_lines_parse(c.buf, c.len, &l, NULL), HR_EFORMAT);
    assert_null(l);
    free(c.buf);
}

/* Parses buf[0..len) from an exact-size copy (so that ASan sees any read
 * past the end); a success must give a table that survives lookups. */
static void parse_any(const unsigned char *buf, size_t len)
{
    unsigned char *c = malloc(len > 0 ? len : 1);
    struct hr_lines *l = NULL;
    const char *fn = NULL;
    const char *file = NULL;
    uint64_t fo = 0;
    uint64_t k;
    int line = 0;
    int rc;

    assert_non_null(c);
    memcpy(c, buf, len);
    rc = hr_lines_parse(c, len, &l, NULL);
    if (rc != 0 && rc != HR_EFORMAT)
        fail_msg("parse returned %d", rc);
    free(c);
    if (rc != 0) {
        assert_null(l);
        return;
    }
    for (k = 0; k <= hr_lines_text_size(l) && k < 4096; k++) {
        if (hr_lines_lookup(l, k, &fn, &fo, &file, &line) == 0) {
            assert_non_null(fn);
            assert_true(fo <= k);
        }
    }
    hr_lines_free(l);
}

static void test_lines_survives_truncation(void **state)
{
    const struct fx *f = *state;
    size_t len;

    for (len = 0; len <= f->basic.len; len++)
        parse_any(f->basic.buf, len);
    for (len = 0; len <= f->incl.len; len += 7)
        parse_any(f->incl.buf, len);
}

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64: a fixed seed keeps failures reproducible */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_lines_survives_flipped_bytes(void **state)
{
    const struct fx *f = *state;
    struct obj c = copy_obj(&f->basic);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    size_t i;
    int round;

    for (i = 0; i < c.len; i++) {
        c.buf[i] ^= 0xff;
        parse_any(c.buf, c.len);
        c.buf[i] ^= 0xff;
    }
    for (round = 0; round < 3000; round++) {
        int n = 1 + (int)(next_rand(&seed) % 4);
        int k;

        memcpy(c.buf, f->basic.buf, c.len);
        for (k = 0; k < n; k++) {
            size_t at = (size_t)(next_rand(&seed) % c.len);

            c.buf[at] = (unsigned char)next_rand(&seed);
        }
        parse_any(c.buf, c.len);
    }
    free(c.buf);
}

static void test_lines_free_accepts_null(void **state)
{
    (void)state;
    hr_lines_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_parse_finds_global_and_static_functions),
        cmocka_unit_test(test_lines_functions_tile_text),
        cmocka_unit_test(test_lines_lookup_gives_statement_lines),
        cmocka_unit_test(test_lines_lookup_outside_text_is_enoent),
        cmocka_unit_test(test_lines_included_code_gets_its_file),
        cmocka_unit_test(test_lines_line_directive_names_file),
        cmocka_unit_test(test_lines_object_without_g_gives_functions_only),
        cmocka_unit_test(test_lines_uses_stab_relocations),
        cmocka_unit_test(test_lines_without_stab_relocations_uses_names),
        cmocka_unit_test(test_lines_rejects_non_elf),
        cmocka_unit_test(test_lines_survives_truncation),
        cmocka_unit_test(test_lines_survives_flipped_bytes),
        cmocka_unit_test(test_lines_free_accepts_null),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
