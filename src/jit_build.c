/* jit_build.c - a job's own work with libtcc: a module's code, its lines
 *
 * On the compiler's thread, inside the sandbox that jit.c opens around
 * each job: the task file's text compiled into memory with the signature
 * probes (again with names bound from the C library when only those were
 * missing; again with a probe per task by name when the scan missed some),
 * its tasks, signatures and combines read from the symbols; or the same
 * text compiled with -g into an object whose line table is parsed.
 * jit.c runs the jobs and puts libtcc back in order when one ends early.
 */
#include "jit.h"

#include "coderange.h"
#include "jit_diag.h"
#include "jit_int.h"
#include "jit_tcc.h"
#include "lines.h"
#include "sig.h"

#include <dlfcn.h>
#include <libtcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The name the signature probes are compiled under: an error there is
 * hotrun's, not the file's. */
#define PROBE_FILE "<hotrun signature probes>"

/* Reads each task's HR_COMBINE object and NAME__combine function (they
 * say how a task's per-rank results combine: hotrun.h). */
static void find_combines(TCCState *s, struct hr_module *m)
{
    char buf[512];
    const int *kind = NULL;
    int i;

    for (i = 0; i < m->ntasks; i++) {
        snprintf(buf, sizeof buf, "hr__combine_%s", m->tasks[i].name);
        kind = tcc_get_symbol(s, buf);
        m->tasks[i].combine = kind != NULL ? *kind : 0;
        snprintf(buf, sizeof buf, "%s__combine", m->tasks[i].name);
        m->tasks[i].combine_fn = (hr_combine_fn)tcc_get_symbol(s, buf);
    }
}

/* Reads each task's signature probe (sig.h); -1 when it has none (the
 * scan did not see the function: a macro made it, say). */
static void find_signatures(TCCState *s, struct hr_module *m)
{
    char buf[512];
    const int *code = NULL;
    int i;

    for (i = 0; i < m->ntasks; i++) {
        hr_sig_symbol(m->tasks[i].name, buf, sizeof buf);
        code = tcc_get_symbol(s, buf);
        m->tasks[i].sig = code != NULL ? *code : -1;
    }
}

/* Writes '#line 1 "path"' and a newline into buf (room for twice path's
 * length and 16 more): a '"' or '\\' in the path is escaped as in a C
 * string, so that any file name compiles under its own name. */
static void line_directive(char *buf, const char *path)
{
    char *e = buf + strlen(strcpy(buf, "#line 1 \""));

    for (; *path != '\0'; path++) {
        if (*path == '"' || *path == '\\')
            *e++ = '\\';
        *e++ = *path;
    }
    strcpy(e, "\"\n");
}

/* Compiles m's source text into a new state j->s (output type and options
 * as given) under the file's own name.  Returns 0, HR_ENOMEM or
 * HR_ECOMPILE. */
static int compile_source(struct job *j, const char *tcc_dir,
                          const char *options, int output)
{
    struct hr_module *m = j->m;
    size_t plen = j->probes != NULL ? strlen(j->probes) : 0;
    size_t tlen = strlen(m->path) * 2 + m->source_len + plen + 64;
    int rc = HR_ECOMPILE;

    j->s = tcc_new();
    if (j->s == NULL)
        return HR_ENOMEM;
    tcc_set_error_func(j->s, j->d, hr_jit_diag_on);
    if (tcc_dir != NULL)
        tcc_set_lib_path(j->s, tcc_dir);
    tcc_set_options(j->s, options);
    tcc_set_output_type(j->s, output);
    if (m->include_dir != NULL)
        tcc_add_include_path(j->s, m->include_dir);
    tcc_add_include_path(j->s, m->dir);
    /* the text we read (and hashed), under the file's own name */
    j->text = malloc(tlen);
    if (j->text == NULL)
        return HR_ENOMEM;
    line_directive(j->text, m->path);
    memcpy(j->text + strlen(j->text), m->source, m->source_len + 1);
    if (j->probes != NULL && output == TCC_OUTPUT_MEMORY) {
        strcat(j->text, "\n#line 1 \"" PROBE_FILE "\"\n");
        strcat(j->text, j->probes);
    }
    if (tcc_compile_string(j->s, j->text) == 0)
        rc = 0;
    free(j->text);
    j->text = NULL;
    return rc;
}

/* One compile of m into memory; binds extra names found by dlsym. */
static int compile_once(struct job *j, int bind_undef)
{
    struct hr_module *m = j->m;
    const struct hr_jit_opts *opts = j->opts;
    struct hr_jit_symlist sl = { m, opts, 0, 0 };
    size_t i;
    int size;
    int rc = compile_source(j, opts->tcc_dir, "-nostdlib",
                            TCC_OUTPUT_MEMORY);
    void *etext = NULL;

    if (rc != 0)
        goto out;
    rc = HR_ECOMPILE;
    for (i = 0; i < opts->nsyms; i++)
        tcc_add_symbol(j->s, opts->syms[i].name, opts->syms[i].addr);
    for (i = 0; bind_undef && i < (size_t)j->d->nundef; i++)
        tcc_add_symbol(j->s, j->d->undef[i],
                       dlsym(RTLD_DEFAULT, j->d->undef[i]));
    size = tcc_relocate(j->s, NULL);
    if (size < 0)
        goto out;
    j->mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (j->mem == MAP_FAILED) {
        j->mem = NULL;
        rc = HR_ENOMEM;
        goto out;
    }
    j->mem_len = (size_t)size;
    if (tcc_relocate(j->s, j->mem) < 0)
        goto out;
    etext = tcc_get_symbol(j->s, "_etext");
    m->text_end = etext != NULL ? (uintptr_t)etext
                                : (uintptr_t)j->mem + j->mem_len;
    m->code = j->mem;
    m->code_len = j->mem_len;
    j->mem = NULL;
    /* task code from now on: stops may jump out of it */
    hr_coderange_add((uintptr_t)m->code, m->text_end);
    tcc_list_symbols(j->s, &sl, hr_jit_on_symbol);
    if (sl.failed) {
        rc = HR_ENOMEM;
        goto out;
    }
    hr_jit_sort_tasks(m);
    find_combines(j->s, m);
    find_signatures(j->s, m);
    rc = 0;
out:
    if (j->mem != NULL)
        munmap(j->mem, j->mem_len);
    j->mem = NULL;
    if (j->s != NULL)
        tcc_delete(j->s);
    j->s = NULL;
    return rc;
}

/* After a failed link: can every missing name come from the host process
 * (libc, libm, ...)?  Then a second compile binds them. */
static int resolvable(const struct hr_jit_diag *d)
{
    int i;

    if (d->nundef == 0)
        return 0;
    for (i = 0; i < d->nundef; i++) {
        if (dlsym(RTLD_DEFAULT, d->undef[i]) == NULL)
            return 0;
    }
    return 1;
}

static void report_undefined(const struct hr_module *m,
                             const struct hr_jit_diag *d,
                             struct hr_err *err)
{
    int i;

    for (i = 0; i < d->nundef; i++) {
        if (dlsym(RTLD_DEFAULT, d->undef[i]) != NULL)
            continue;
        hr_err_append(err, "%s: error: undefined symbol '%s' (not defined "
                      "in the file, hotrun.h or the C library)", m->path,
                      d->undef[i]);
    }
}

/* Did the last compile fail in the probes rather than in the file? */
static int probes_failed(const struct job *j)
{
    return j->probes != NULL && j->err != NULL &&
           strstr(j->err->msg, PROBE_FILE) != NULL;
}

/* Compiles the file with the probes; when they do not compile (the scan
 * named something that is not a function after preprocessing), without
 * them: the signatures are then asked for by name (sig_again()). */
static int compile_probed(struct job *j, int bind_undef)
{
    int rc = compile_once(j, bind_undef);

    if (rc == HR_ECOMPILE && probes_failed(j)) {
        hr_jit_reset_code(j->m);
        hr_jit_diag_restart(j->d);
        if (j->err != NULL)
            j->err->msg[0] = '\0';
        j->probes = NULL;
        rc = compile_once(j, bind_undef);
    }
    return rc;
}

/* Tasks whose signature is unknown (no probe: the scan missed them, or
 * the probes were dropped): compile once more with a probe for each by
 * name.  Returns 0 or a compile's code. */
static int sig_again(struct job *j, int bind_undef)
{
    struct hr_module *m = j->m;
    struct hr_sig_fn *fns = NULL;
    char *probes = NULL;
    int n = 0;
    int i;
    int rc = 0;

    for (i = 0; i < m->ntasks; i++)
        n += m->tasks[i].sig < 0;
    if (n == 0)
        return 0;
    fns = calloc((size_t)n, sizeof *fns);
    if (fns == NULL)
        return HR_ENOMEM;
    for (i = 0, n = 0; i < m->ntasks; i++) {
        if (m->tasks[i].sig < 0)
            fns[n++].name = m->tasks[i].name;     /* borrowed */
    }
    probes = hr_sig_probes(fns, n);
    free(fns);
    if (probes == NULL)
        return HR_ENOMEM;
    hr_jit_reset_code(m);
    hr_jit_diag_restart(j->d);
    /* the job owns them: an abandoned compile frees them (release()) */
    free(j->probe_text);
    j->probe_text = probes;
    j->probes = probes;
    rc = compile_once(j, bind_undef);
    if (rc == HR_ECOMPILE && probes_failed(j)) {
        /* cannot be asked: take them for double NAME(const struct
         * hr_array *), as hotrun always did */
        hr_jit_reset_code(m);
        hr_jit_diag_restart(j->d);
        if (j->err != NULL)
            j->err->msg[0] = '\0';
        j->probes = NULL;
        rc = compile_once(j, bind_undef);
        for (i = 0; rc == 0 && i < m->ntasks; i++)
            m->tasks[i].sig = HR_SIG_CODE(HR_RET_DOUBLE, 1);
    }
    j->probes = NULL;
    return rc;
}

void hr_jit_job_free_probes(struct job *j)
{
    free(j->probe_text);
    j->probe_text = NULL;
    hr_sig_free(j->fns, j->nfns);
    j->fns = NULL;
    j->nfns = 0;
    j->probes = NULL;
}

void hr_jit_job_compile(struct job *j)
{
    struct hr_module *m = j->m;
    int bind = 0;
    int rc;

    if (hr_sig_scan(m->source, m->source_len, &j->fns, &j->nfns) == 0)
        j->probe_text = hr_sig_probes(j->fns, j->nfns);
    j->probes = j->probe_text;
    rc = compile_probed(j, 0);

    if (rc == HR_ECOMPILE && hr_tcc_sandbox_note() == NULL &&
        j->d->nerrors == j->d->nundef && resolvable(j->d)) {
        /* only names outside hotrun.h's subset were missing: bind them
         * from the host process, as a libc-linked task would get them */
        hr_jit_reset_code(m);
        hr_jit_diag_restart(j->d);
        m->uses_libc_fallback = 1;
        bind = 1;
        j->probes = j->probe_text;
        rc = compile_probed(j, 1);
    }
    if (rc == 0)
        rc = sig_again(j, bind);
    if (rc == 0)
        rc = hr_jit_sort_out(m, j->fns, j->nfns);
    if (rc == HR_ECOMPILE)
        report_undefined(m, j->d, j->err);
    hr_jit_job_free_probes(j);
    j->rc = rc;
}

/* The line table of m: its source recompiled with -g into an object in
 * an anonymous memory file, then parsed. */
void hr_jit_job_lines(struct job *j)
{
    struct hr_module *m = j->m;
    struct stat st;
    char path[64];
    void *obj = MAP_FAILED;

    j->rc = HR_EIO;
    j->fd = memfd_create("hotrun-debug", MFD_CLOEXEC);
    if (j->fd < 0)
        return;
    /* the same options as the in-memory compile (-D__TCC_RUN__ is what
     * memory output predefines), so that the code has the same layout */
    if (compile_source(j, NULL, "-nostdlib -g -D__TCC_RUN__",
                       TCC_OUTPUT_OBJ) != 0)
        goto out;
    snprintf(path, sizeof path, "/proc/self/fd/%d", j->fd);
    if (tcc_output_file(j->s, path) != 0 || fstat(j->fd, &st) != 0 ||
        st.st_size <= 0)
        goto out;
    obj = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, j->fd, 0);
    if (obj == MAP_FAILED)
        goto out;
    if (hr_lines_parse(obj, (size_t)st.st_size, &m->lines, NULL) == 0)
        j->rc = 0;
    else
        m->lines = NULL;
out:
    if (obj != MAP_FAILED)
        munmap(obj, (size_t)st.st_size);
    if (j->s != NULL)
        tcc_delete(j->s);
    j->s = NULL;
    close(j->fd);
    j->fd = -1;
}
