/* tier2_code.c - a gcc object linked into memory: tasks, code range, lines
 *
 * Why elfutils: libelf reads the object's sections and symbols, and
 * libdwfl reads its DWARF line table.  gcc writes DWARF 5 into a
 * relocatable object whose line program, file names and ranges only make
 * sense once the object's RELA relocations are applied to them; libdwfl
 * does that for ET_REL files (its "offline" mode) and decodes every form
 * gcc uses, which a hand-written reader would have to follow release by
 * release.
 */
#include "tier2_code.h"

#include "coderange.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"

struct func {
    const char *name;           /* into hr_tier2_code.names */
    uint64_t off;               /* in .text */
    uint64_t size;
};

struct hr_tier2_code {
    void *mem;                  /* owned mapping made by hr_jit_link() */
    size_t len;
    uintptr_t text;             /* the object's .text in it */
    uintptr_t text_end;
    char *obj;                  /* owned copy of the object: the lines */
    size_t obj_len;
    struct func *funcs;         /* owned, sorted by offset */
    size_t nfuncs;
    char *names;                /* owned copy of the string table */
    Dwfl *dwfl;                 /* owned, made on the first locate */
    uint64_t dwfl_text;         /* .text's address in dwfl's layout */
    int dwfl_tried;
    int registered;             /* its .text is in coderange.h */
    double link_ms;
};

/* What the object says about itself. */
struct scan {
    Elf *elf;
    size_t text;                /* section index of .text */
    uint64_t text_size;
    struct hr_sym *syms;        /* owned: the bindings handed to libtcc */
    size_t nsyms;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int read_object(int fd, char **out, size_t *len, struct hr_err *err)
{
    struct stat st;
    char *buf = NULL;
    ssize_t n;

    if (fstat(fd, &st) != 0 || st.st_size <= 0) {
        hr_err_set(err, "tier 2: the compiler wrote no object");
        return HR_ECOMPILE;
    }
    buf = malloc((size_t)st.st_size);
    if (buf == NULL)
        return HR_ENOMEM;
    n = hr_fileio_pread_full(fd, buf, (size_t)st.st_size, 0);
    if (n != st.st_size) {
        hr_err_set(err, "tier 2: cannot read the object");
        free(buf);
        return HR_ECOMPILE;
    }
    *out = buf;
    *len = (size_t)n;
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct func *x = a;
    const struct func *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->size < y->size ? -1 : x->size > y->size;
}

/* .text, and no code anywhere else (gcc is told not to split functions
 * into .text.unlikely or .text.startup: one range holds all of it). */
static int find_text(struct scan *sc, struct hr_err *err)
{
    Elf_Scn *scn = NULL;
    size_t shstr;

    if (elf_getshdrstrndx(sc->elf, &shstr) != 0)
        goto bad;
    while ((scn = elf_nextscn(sc->elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *name = NULL;

        if (gelf_getshdr(scn, &sh) == NULL)
            goto bad;
        name = elf_strptr(sc->elf, shstr, sh.sh_name);
        if (name == NULL)
            goto bad;
        if (strcmp(name, ".text") == 0) {
            sc->text = elf_ndxscn(scn);
            sc->text_size = sh.sh_size;
        } else if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_size > 0) {
            hr_err_set(err, "tier 2: code outside .text (section %s)",
                       name);
            return HR_ECOMPILE;
        }
    }
    if (sc->text != 0)
        return 0;
bad:
    hr_err_set(err, "tier 2: not an object with a .text section");
    return HR_ECOMPILE;
}

static int bound(const struct hr_sym *syms, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(syms[i].name, name) == 0)
            return 1;
    }
    return 0;
}

/* The functions of .text into c, and the bindings for libtcc into sc:
 * the host's, then each other undefined name from the process. */
static int scan_symbols(struct scan *sc, struct hr_tier2_code *c,
                        const struct hr_sym *syms, size_t nsyms,
                        struct hr_err *err)
{
    Elf_Scn *scn = NULL;
    Elf_Data *data = NULL;
    GElf_Shdr sh;
    size_t n = 0;
    size_t i;

    while ((scn = elf_nextscn(sc->elf, scn)) != NULL) {
        if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_SYMTAB)
            break;
    }
    data = scn != NULL ? elf_getdata(scn, NULL) : NULL;
    if (data == NULL || sh.sh_entsize == 0) {
        hr_err_set(err, "tier 2: the object has no symbol table");
        return HR_ECOMPILE;
    }
    n = sh.sh_size / sh.sh_entsize;
    c->funcs = calloc(n + 1, sizeof *c->funcs);
    sc->syms = calloc(nsyms + n + 1, sizeof *sc->syms);
    if (c->funcs == NULL || sc->syms == NULL)
        return HR_ENOMEM;
    memcpy(sc->syms, syms, nsyms * sizeof *syms);
    sc->nsyms = nsyms;
    for (i = 1; i < n; i++) {
        GElf_Sym sym;
        const char *name = NULL;
        const void *addr = NULL;

        if (gelf_getsym(data, (int)i, &sym) == NULL)
            continue;
        name = elf_strptr(sc->elf, sh.sh_link, sym.st_name);
        if (name == NULL || name[0] == '\0')
            continue;
        if (GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
            sym.st_shndx == sc->text) {
            c->funcs[c->nfuncs].name = name;
            c->funcs[c->nfuncs].off = sym.st_value;
            c->funcs[c->nfuncs].size = sym.st_size;
            c->nfuncs++;
            continue;
        }
        /* libtcc makes the GOT gcc's -fPIC code names */
        if (sym.st_shndx != SHN_UNDEF ||
            GELF_ST_BIND(sym.st_info) == STB_LOCAL ||
            strcmp(name, "_GLOBAL_OFFSET_TABLE_") == 0 ||
            bound(syms, nsyms, name))
            continue;
        addr = dlsym(RTLD_DEFAULT, name);
        if (addr == NULL && GELF_ST_BIND(sym.st_info) != STB_WEAK) {
            hr_err_set(err, "tier 2: undefined symbol '%s' (not bound by "
                       "the host nor in the process)", name);
            return HR_ECOMPILE;
        }
        sc->syms[sc->nsyms].name = name;
        sc->syms[sc->nsyms].addr = addr;
        sc->nsyms++;
    }
    qsort(c->funcs, c->nfuncs, sizeof *c->funcs, by_offset);
    return 0;
}

/* The function names outlive the Elf handle: point them into a copy of
 * the object's bytes, where elf_strptr() found them. */
static int keep_names(struct hr_tier2_code *c, const char *image,
                      size_t len)
{
    size_t i;

    c->names = malloc(len);
    if (c->names == NULL)
        return HR_ENOMEM;
    memcpy(c->names, image, len);
    for (i = 0; i < c->nfuncs; i++) {
        const char *p = c->funcs[i].name;

        if (p >= image && p < image + len)
            c->funcs[i].name = c->names + (p - image);
        else
            c->funcs[i].name = "?";
    }
    return 0;
}

static const struct func *func_named(const struct hr_tier2_code *c,
                                     const char *name)
{
    size_t i;

    for (i = 0; i < c->nfuncs; i++) {
        if (strcmp(c->funcs[i].name, name) == 0)
            return &c->funcs[i];
    }
    return NULL;
}

/* Each task's address in the block, and .text's place there (the same
 * for every task, or the block is not what the object says). */
static int place_tasks(const struct hr_module *m, struct hr_tier2_code *c,
                       void **addrs, uint64_t text_size, hr_task_fn *fns,
                       struct hr_err *err)
{
    uintptr_t lo = (uintptr_t)c->mem;
    uintptr_t hi = lo + c->len;
    int i;

    for (i = 0; i < m->ntasks; i++) {
        const struct func *f = func_named(c, m->tasks[i].name);
        uintptr_t base = 0;

        if (f == NULL || addrs[i] == NULL) {
            hr_err_set(err, "tier 2: task %s missing from the object",
                       m->tasks[i].name);
            return HR_ECOMPILE;
        }
        base = (uintptr_t)addrs[i] - (uintptr_t)f->off;
        if (i == 0)
            c->text = base;
        if (base != c->text || base < lo || text_size > hi - base) {
            hr_err_set(err, "tier 2: task %s is not where the object "
                       "puts it", m->tasks[i].name);
            return HR_ECOMPILE;
        }
        fns[i] = (hr_task_fn)addrs[i];
    }
    c->text_end = c->text + text_size;
    return 0;
}

int hr_tier2_code_link(const struct hr_module *m, int obj_fd,
                       const struct hr_sym *syms, size_t nsyms,
                       hr_task_fn *fns, struct hr_tier2_code **out,
                       struct hr_err *err)
{
    struct hr_tier2_code *c = calloc(1, sizeof *c);
    struct scan sc = { 0 };
    const char **names = NULL;
    void **addrs = NULL;
    char path[64];
    double t0 = now_ms();
    int i;
    int rc = HR_ENOMEM;

    names = calloc((size_t)m->ntasks + 1, sizeof *names);
    addrs = calloc((size_t)m->ntasks + 1, sizeof *addrs);
    if (c == NULL || names == NULL || addrs == NULL)
        goto out;
    rc = read_object(obj_fd, &c->obj, &c->obj_len, err);
    if (rc != 0)
        goto out;
    elf_version(EV_CURRENT);
    sc.elf = elf_memory(c->obj, c->obj_len);
    rc = HR_ECOMPILE;
    if (sc.elf == NULL || elf_kind(sc.elf) != ELF_K_ELF) {
        hr_err_set(err, "tier 2: the object is not ELF");
        goto out;
    }
    rc = find_text(&sc, err);
    if (rc == 0)
        rc = scan_symbols(&sc, c, syms, nsyms, err);
    if (rc == 0)
        rc = keep_names(c, c->obj, c->obj_len);
    if (rc != 0)
        goto out;
    for (i = 0; i < m->ntasks; i++)
        names[i] = m->tasks[i].name;
    snprintf(path, sizeof path, "/proc/self/fd/%d", obj_fd);
    rc = hr_jit_link(path, sc.syms, sc.nsyms, names, m->ntasks, addrs,
                     &c->mem, &c->len, err);
    if (rc == 0)
        rc = place_tasks(m, c, addrs, sc.text_size, fns, err);
    if (rc != 0)
        goto out;
    /* task code from now on: a stop may jump out of it (coderange.h) */
    hr_coderange_add(c->text, c->text_end);
    c->registered = 1;
    c->link_ms = now_ms() - t0;
    *out = c;
    c = NULL;
out:
    if (sc.elf != NULL)
        elf_end(sc.elf);
    free(sc.syms);
    free(names);
    free(addrs);
    hr_tier2_code_free(c);
    return rc;
}

void hr_tier2_code_free(struct hr_tier2_code *c)
{
    if (c == NULL)
        return;
    if (c->dwfl != NULL)
        dwfl_end(c->dwfl);
    if (c->registered)
        hr_coderange_remove(c->text, c->text_end);
    if (c->mem != NULL)
        munmap(c->mem, c->len);
    free(c->obj);
    free(c->funcs);
    free(c->names);
    free(c);
}

int hr_tier2_code_contains(const struct hr_tier2_code *c, uintptr_t pc)
{
    return c != NULL && pc >= c->text && pc < c->text_end;
}

void hr_tier2_code_range(const struct hr_tier2_code *c, uintptr_t *lo,
                         uintptr_t *hi)
{
    *lo = c->text;
    *hi = c->text_end;
}

double hr_tier2_code_link_ms(const struct hr_tier2_code *c)
{
    return c->link_ms;
}

size_t hr_tier2_code_size(const struct hr_tier2_code *c)
{
    return c->len;
}

/* The function that holds text offset off, or NULL. */
static const struct func *func_at(const struct hr_tier2_code *c,
                                  uint64_t off)
{
    const struct func *best = NULL;
    size_t i;

    for (i = 0; i < c->nfuncs; i++) {
        const struct func *f = &c->funcs[i];

        if (f->off > off)
            break;
        if (off < f->off + (f->size > 0 ? f->size : 1) ||
            (f->size == 0 && best == NULL))
            best = f;
    }
    return best;
}

/* The object carries its own DWARF: never look for separate files. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata,
                        const char *modname, Dwarf_Addr base,
                        const char *file_name, const char *debuglink_file,
                        GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    (void)mod;
    (void)userdata;
    (void)modname;
    (void)base;
    (void)file_name;
    (void)debuglink_file;
    (void)debuglink_crc;
    (void)debuginfo_file_name;
    return -1;
}

/* libdwfl over the object (offline: it lays out the sections and applies
 * the relocations to the DWARF); .text's address in that layout. */
static void open_lines(struct hr_tier2_code *c)
{
    static const Dwfl_Callbacks cb = {
        .find_debuginfo = no_debuginfo,
        .section_address = dwfl_offline_section_address,
    };
    Dwfl_Module *mod = NULL;
    Elf_Scn *scn = NULL;
    Elf *elf = NULL;
    GElf_Addr bias = 0;
    size_t shstr;

    c->dwfl_tried = 1;
    c->dwfl = dwfl_begin(&cb);
    if (c->dwfl == NULL)
        return;
    dwfl_report_begin(c->dwfl);
    /* libdwfl relocates in place: c->obj is ours and no longer parsed */
    mod = dwfl_report_offline_memory(c->dwfl, "tier2", "tier2", c->obj,
                                     c->obj_len);
    if (mod == NULL || dwfl_report_end(c->dwfl, NULL, NULL) != 0)
        goto fail;
    elf = dwfl_module_getelf(mod, &bias);
    if (elf == NULL || elf_getshdrstrndx(elf, &shstr) != 0)
        goto fail;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *name = NULL;

        if (gelf_getshdr(scn, &sh) == NULL)
            continue;
        name = elf_strptr(elf, shstr, sh.sh_name);
        if (name != NULL && strcmp(name, ".text") == 0) {
            c->dwfl_text = sh.sh_addr + bias;
            return;
        }
    }
fail:
    dwfl_end(c->dwfl);
    c->dwfl = NULL;
}

static void line_of(struct hr_tier2_code *c, uint64_t off,
                    const char **file, int *line)
{
    Dwfl_Module *mod = NULL;
    Dwfl_Line *l = NULL;

    *file = NULL;
    *line = 0;
    if (!c->dwfl_tried)
        open_lines(c);
    if (c->dwfl == NULL)
        return;
    mod = dwfl_addrmodule(c->dwfl, c->dwfl_text + off);
    l = mod != NULL ? dwfl_module_getsrc(mod, c->dwfl_text + off) : NULL;
    if (l != NULL)
        *file = dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
}

int hr_tier2_code_locate(struct hr_tier2_code *c, const char *path,
                         uintptr_t pc, char *buf, size_t len)
{
    const struct func *f = NULL;
    const char *file = NULL;
    uint64_t off;
    int line = 0;

    buf[0] = '\0';
    if (!hr_tier2_code_contains(c, pc))
        return HR_ENOENT;
    off = pc - c->text;
    f = func_at(c, off);
    line_of(c, off, &file, &line);
    if (f == NULL)
        snprintf(buf, len, "%s+0x%llx", path, (unsigned long long)off);
    else if (file != NULL && line > 0)
        snprintf(buf, len, "%s+0x%llx (%s:%d)", f->name,
                 (unsigned long long)(off - f->off), file, line);
    else
        snprintf(buf, len, "%s+0x%llx (%s)", f->name,
                 (unsigned long long)(off - f->off), path);
    return 0;
}
