/* lines_stab.c - the line table from a TinyCC object's stabs
 *
 * Reads .stab (relocated through .rela.stab or .rel.stab) into the sorted
 * table of lines that hr_lines_lookup() searches; lines.c reads the ELF
 * object around it.
 */
#include "lines.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "lines_int.h"

/* Stab types (GNU stabs manual).  TinyCC 0.9.27 writes, in order: N_SO
 * with the compile directory ("/dir/") and N_SO with the file name, both at
 * .text offset 0; N_BINCL/N_EINCL around each #include (not needed here:
 * TinyCC puts an N_SOL with the file name and its .text offset before the
 * first code after any change of file, #line included); per function an
 * N_FUN "name:F1" (static "name:f1"), value 0 relocated against the
 * function's symbol, then N_SLINE entries, line in n_desc and offset from
 * the function start in n_value, one per change of line (several may share
 * an offset); an empty N_SO at the end of .text. */
enum {
    N_FUN = 0x24,
    N_SLINE = 0x44,
    N_SO = 0x64,
    N_SOL = 0x84
};

#define STAB_SIZE 12

struct stab {
    uint32_t strx;
    uint8_t type;
    uint16_t desc;
    uint32_t value;
    int relocated;          /* value is a .text offset from a relocation */
};

/* Applies the relocations of .stab that target an n_value: TinyCC writes
 * the value in place and R_X86_64_32S against the function symbol or the
 * .text section symbol with addend 0, and its own linker adds the two
 * (add32le), so the value is in-place + symbol + addend.  Only symbols of
 * .text give text offsets; the rest (static variables) are left alone. */
static int relocate_stabs(struct obj *o, struct stab *st, size_t n,
                          struct hr_err *err)
{
    const struct sec *r = NULL;
    const struct sec *syms = NULL;
    size_t esize;
    size_t nrel;
    size_t i;

    if (o->rel == 0)
        return 0;
    r = &o->secs[o->rel];
    syms = &o->secs[o->symtab];
    esize = r->type == SHT_RELA ? RELA_SIZE : REL_SIZE;
    nrel = (size_t)(r->size / esize);
    for (i = 0; i < nrel; i++) {
        const unsigned char *p = o->buf + r->offset + i * esize;
        uint64_t off = rd64(p);
        uint64_t info = rd64(p + 8);
        int64_t addend = esize == RELA_SIZE ? (int64_t)rd64(p + 16) : 0;
        uint32_t type = (uint32_t)ELF64_R_TYPE(info);
        uint64_t sym = ELF64_R_SYM(info);
        const unsigned char *sp = NULL;
        struct stab *e = NULL;

        if (type != R_X86_64_32 && type != R_X86_64_32S
            && type != R_X86_64_64)
            continue;
        if (off % STAB_SIZE != 8 || off / STAB_SIZE >= n)
            continue;
        if (sym == 0 || sym >= syms->size / SYM_SIZE)
            return bad(err, "bad symbol in .stab relocation");
        sp = o->buf + syms->offset + sym * SYM_SIZE;
        if (rd16(sp + 6) != o->text)
            continue;
        e = &st[off / STAB_SIZE];
        e->value = (uint32_t)(e->value + rd64(sp + 8) + (uint64_t)addend);
        e->relocated = 1;
    }
    return 0;
}

/* The start of the function whose N_FUN string is s ("name:F1"), found by
 * name when the N_FUN value was not relocated. */
static int func_start(const struct hr_lines *l, const char *s, uint64_t *off)
{
    const char *colon = strchr(s, ':');
    size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
    size_t i;

    for (i = 0; i < l->nfuncs; i++) {
        if (strncmp(l->funcs[i].name, s, n) == 0
            && l->funcs[i].name[n] == '\0') {
            *off = l->funcs[i].off;
            return 0;
        }
    }
    return HR_ENOENT;
}

static int by_address(const void *a, const void *b)
{
    const struct line *x = a;
    const struct line *y = b;

    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Walks the stabs in order: N_SO and N_SOL set the current file, N_FUN the
 * current function, and each N_SLINE becomes a line at function + value
 * (or at its relocated value: TinyCC's assembler writes absolute ones). */
static int walk_stabs(struct obj *o, struct hr_lines *l, struct stab *st,
                      size_t n, struct hr_err *err)
{
    uint64_t strsize = o->secs[o->stabstr].size;
    const char *file = NULL;
    uint64_t start = 0;
    int in_func = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        const struct stab *e = &st[i];
        const char *s = NULL;
        struct line *ln = NULL;

        if (e->strx > 0 && e->strx >= strsize)
            return bad(err, "stab string out of bounds");
        s = o->stabstr_copy + e->strx;
        switch (e->type) {
        case N_SO:
            if (s[0] == '\0') {
                in_func = 0;        /* end of the compilation unit */
                file = NULL;
            } else if (s[strlen(s) - 1] != '/') {
                file = s;           /* not the compile directory */
            }
            break;
        case N_SOL:
            if (s[0] != '\0')
                file = s;
            break;
        case N_FUN:
            if (s[0] == '\0') {
                in_func = 0;        /* end of function (gcc style) */
            } else if (e->relocated) {
                start = e->value;
                in_func = 1;
            } else {
                in_func = func_start(l, s, &start) == 0;
            }
            break;
        case N_SLINE:
            if (!e->relocated && !in_func)
                break;
            ln = &l->lines[l->nlines++];
            ln->addr = e->relocated ? e->value : start + e->value;
            ln->file = file;
            ln->seq = (uint32_t)i;
            ln->line = e->desc;
            break;
        default:
            break;
        }
    }
    qsort(l->lines, l->nlines, sizeof *l->lines, by_address);
    return 0;
}

int hr_lines_load_stabs(struct obj *o, struct hr_lines *l,
                        struct hr_err *err)
{
    const struct sec *s = NULL;
    struct stab *st = NULL;
    size_t n;
    size_t i;
    int rc = HR_ENOMEM;

    if (o->stab == 0)
        return 0;
    s = &o->secs[o->stab];
    n = (size_t)(s->size / STAB_SIZE);
    st = calloc(n > 0 ? n : 1, sizeof *st);
    l->lines = calloc(n > 0 ? n : 1, sizeof *l->lines);
    if (st == NULL || l->lines == NULL)
        goto out;
    for (i = 0; i < n; i++) {
        const unsigned char *p = o->buf + s->offset + i * STAB_SIZE;

        st[i].strx = rd32(p);
        st[i].type = p[4];
        st[i].desc = rd16(p + 6);
        st[i].value = rd32(p + 8);
    }
    rc = relocate_stabs(o, st, n, err);
    if (rc == 0)
        rc = walk_stabs(o, l, st, n, err);
out:
    free(st);
    return rc;
}
