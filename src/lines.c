/* lines.c - function and source-line tables from a TinyCC ELF object
 *
 * The ELF side (header, sections, strings, function symbols), the parse
 * and the lookups; lines_stab.c reads the stabs into the line table.
 */
#include "lines.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "lines_int.h"

#define EHDR_SIZE 64
#define SHDR_SIZE 64

/* Nonzero when [off, off + size) lies inside [0, len). */
static int in_bounds(uint64_t off, uint64_t size, uint64_t len)
{
    return off <= len && size <= len - off;
}

static int read_header(struct obj *o, struct hr_err *err)
{
    const unsigned char *b = o->buf;
    uint64_t shoff;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
    size_t i;

    if (o->len < EHDR_SIZE || memcmp(b, ELFMAG, SELFMAG) != 0)
        return bad(err, "not an elf file");
    if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB)
        return bad(err, "not a little-endian elf64 object");
    if (rd16(b + 16) != ET_REL || rd16(b + 18) != EM_X86_64)
        return bad(err, "not an x86_64 relocatable object");
    shoff = rd64(b + 40);
    shentsize = rd16(b + 58);
    shnum = rd16(b + 60);
    shstrndx = rd16(b + 62);
    if (shnum == 0 || shentsize != SHDR_SIZE)
        return bad(err, "no section header table");
    if (!in_bounds(shoff, (uint64_t)shnum * SHDR_SIZE, o->len))
        return bad(err, "section header table out of bounds");
    if (shstrndx == SHN_UNDEF || shstrndx >= shnum)
        return bad(err, "bad section name table index");
    o->secs = calloc(shnum, sizeof *o->secs);
    if (o->secs == NULL)
        return HR_ENOMEM;
    o->nsecs = shnum;
    o->shstrndx = shstrndx;
    for (i = 0; i < o->nsecs; i++) {
        const unsigned char *p = b + shoff + i * SHDR_SIZE;
        struct sec *s = &o->secs[i];

        s->name = rd32(p);
        s->type = rd32(p + 4);
        s->offset = rd64(p + 24);
        s->size = rd64(p + 32);
        s->link = rd32(p + 40);
        s->info = rd32(p + 44);
        s->entsize = rd64(p + 56);
        if (s->type != SHT_NOBITS && s->type != SHT_NULL
            && !in_bounds(s->offset, s->size, o->len))
            return bad(err, "section out of bounds");
    }
    if (o->secs[shstrndx].type != SHT_STRTAB)
        return bad(err, "bad section name table");
    return 0;
}

/* Index of the first section named name, or 0. */
static size_t find_section(const struct obj *o, const char *name)
{
    const struct sec *names = &o->secs[o->shstrndx];
    const char *tab = (const char *)o->buf + names->offset;
    size_t want = strlen(name) + 1;
    size_t i;

    for (i = 1; i < o->nsecs; i++) {
        uint64_t at = o->secs[i].name;

        if (at < names->size && names->size - at >= want
            && memcmp(tab + at, name, want) == 0)
            return i;
    }
    return 0;
}

/* Finds .text, .symtab with its strings, .stab with its strings and the
 * relocations of .stab; checks their types and sizes. */
static int find_sections(struct obj *o, struct hr_err *err)
{
    size_t i;

    o->text = find_section(o, ".text");
    if (o->text != 0 && o->secs[o->text].type != SHT_PROGBITS)
        return bad(err, "bad .text section");
    for (i = 1; i < o->nsecs && o->symtab == 0; i++) {
        if (o->secs[i].type == SHT_SYMTAB)
            o->symtab = i;
    }
    if (o->symtab != 0) {
        const struct sec *s = &o->secs[o->symtab];

        if (s->entsize != SYM_SIZE || s->link == 0 || s->link >= o->nsecs
            || o->secs[s->link].type != SHT_STRTAB)
            return bad(err, "bad symbol table");
        o->strtab = s->link;
    }
    o->stab = find_section(o, ".stab");
    if (o->stab == 0)
        return 0;
    if (o->secs[o->stab].type != SHT_PROGBITS)
        return bad(err, "bad .stab section");
    i = o->secs[o->stab].link;
    if (i == 0 || i >= o->nsecs || o->secs[i].type != SHT_STRTAB)
        i = find_section(o, ".stabstr");
    if (i == 0 || o->secs[i].type != SHT_STRTAB)
        return bad(err, "no .stabstr section");
    o->stabstr = i;
    for (i = 1; i < o->nsecs && o->rel == 0; i++) {
        const struct sec *s = &o->secs[i];

        if ((s->type == SHT_RELA || s->type == SHT_REL) && s->info == o->stab)
            o->rel = i;
    }
    if (o->rel != 0) {
        const struct sec *s = &o->secs[o->rel];

        if (s->entsize != (s->type == SHT_RELA ? RELA_SIZE : REL_SIZE))
            return bad(err, "bad .stab relocations");
        if (o->symtab == 0 || s->link != o->symtab)
            return bad(err, "bad symbol table of .stab relocations");
    }
    return 0;
}

/* Copies .strtab and .stabstr, each closed by a NUL so that any index
 * inside the section gives a terminated string. */
static int copy_strings(struct obj *o, struct hr_lines *l)
{
    uint64_t n1 = o->strtab ? o->secs[o->strtab].size : 0;
    uint64_t n2 = o->stabstr ? o->secs[o->stabstr].size : 0;
    char *p = NULL;

    /* both lie inside buf, so n1 + n2 + 2 cannot overflow */
    p = malloc((size_t)(n1 + n2 + 2));
    if (p == NULL)
        return HR_ENOMEM;
    if (n1 > 0)
        memcpy(p, o->buf + o->secs[o->strtab].offset, (size_t)n1);
    p[n1] = '\0';
    if (n2 > 0)
        memcpy(p + n1 + 1, o->buf + o->secs[o->stabstr].offset, (size_t)n2);
    p[n1 + 1 + n2] = '\0';
    l->strings = p;
    o->strtab_copy = p;
    o->stabstr_copy = p + n1 + 1;
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct func *x = a;
    const struct func *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Collects the STT_FUNC symbols defined in .text. */
static int load_funcs(struct obj *o, struct hr_lines *l, struct hr_err *err)
{
    const struct sec *s = NULL;
    uint64_t strsize;
    size_t n;
    size_t i;
    size_t j;

    if (o->symtab == 0 || o->text == 0)
        return 0;
    s = &o->secs[o->symtab];
    strsize = o->secs[o->strtab].size;
    n = (size_t)(s->size / SYM_SIZE);
    l->funcs = calloc(n > 0 ? n : 1, sizeof *l->funcs);
    if (l->funcs == NULL)
        return HR_ENOMEM;
    for (i = 1; i < n; i++) {
        const unsigned char *p = o->buf + s->offset + i * SYM_SIZE;
        uint32_t name = rd32(p);
        unsigned char info = p[4];
        uint16_t shndx = rd16(p + 6);
        uint64_t value = rd64(p + 8);
        uint64_t size = rd64(p + 16);
        struct func *f = &l->funcs[l->nfuncs];

        if (ELF64_ST_TYPE(info) != STT_FUNC || shndx != o->text)
            continue;
        if (name >= strsize)
            return bad(err, "symbol name out of bounds");
        if (!in_bounds(value, size, l->text_size))
            return bad(err, "function outside .text");
        f->name = o->strtab_copy + name;
        f->off = value;
        f->size = size;
        l->nfuncs++;
    }
    qsort(l->funcs, l->nfuncs, sizeof *l->funcs, by_offset);
    for (i = 0; i < l->nfuncs; i++) {
        struct func *f = &l->funcs[i];

        f->end = f->off + f->size;
        if (f->size > 0)
            continue;
        f->end = l->text_size;
        for (j = i + 1; j < l->nfuncs; j++) {
            if (l->funcs[j].off > f->off) {
                f->end = l->funcs[j].off;
                break;
            }
        }
    }
    return 0;
}

int hr_lines_parse(const void *buf, size_t len, struct hr_lines **out,
                   struct hr_err *err)
{
    struct obj o = { 0 };
    struct hr_lines *l = NULL;
    int rc = HR_ENOMEM;

    *out = NULL;
    o.buf = buf;
    o.len = buf != NULL ? len : 0;
    l = calloc(1, sizeof *l);
    if (l == NULL)
        goto out;
    rc = read_header(&o, err);
    if (rc == 0)
        rc = find_sections(&o, err);
    if (rc == 0) {
        l->text_size = o.text ? o.secs[o.text].size : 0;
        rc = copy_strings(&o, l);
    }
    if (rc == 0)
        rc = load_funcs(&o, l, err);
    if (rc == 0)
        rc = hr_lines_load_stabs(&o, l, err);
    if (rc == 0) {
        *out = l;
        l = NULL;
    }
out:
    if (rc == HR_ENOMEM)
        hr_err_set(err, "lines: out of memory");
    free(o.secs);
    hr_lines_free(l);
    return rc;
}

void hr_lines_free(struct hr_lines *l)
{
    if (l == NULL)
        return;
    free(l->funcs);
    free(l->lines);
    free(l->strings);
    free(l);
}

int hr_lines_lookup(const struct hr_lines *l, uint64_t text_off,
                    const char **func, uint64_t *func_off, const char **file,
                    int *line)
{
    const struct func *f = NULL;
    const struct line *ln = NULL;
    size_t lo = 0;
    size_t hi = l->nfuncs;

    /* the last function that starts at or before text_off */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (l->funcs[mid].off <= text_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || text_off >= l->funcs[lo - 1].end)
        return HR_ENOENT;
    f = &l->funcs[lo - 1];

    /* the last line entry at or before text_off, if inside f */
    lo = 0;
    hi = l->nlines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (l->lines[mid].addr <= text_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && l->lines[lo - 1].addr >= f->off)
        ln = &l->lines[lo - 1];

    if (func != NULL)
        *func = f->name;
    if (func_off != NULL)
        *func_off = text_off - f->off;
    if (file != NULL)
        *file = ln != NULL ? ln->file : NULL;
    if (line != NULL)
        *line = ln != NULL ? ln->line : 0;
    return 0;
}

int hr_lines_func_offset(const struct hr_lines *l, const char *name,
                         uint64_t *off, uint64_t *size)
{
    size_t i;

    for (i = 0; i < l->nfuncs; i++) {
        if (strcmp(l->funcs[i].name, name) == 0) {
            *off = l->funcs[i].off;
            if (size != NULL)
                *size = l->funcs[i].size;
            return 0;
        }
    }
    return HR_ENOENT;
}

size_t hr_lines_nfuncs(const struct hr_lines *l)
{
    return l->nfuncs;
}

int hr_lines_func(const struct hr_lines *l, size_t i, const char **name,
                  uint64_t *off, uint64_t *size)
{
    if (i >= l->nfuncs)
        return HR_ENOENT;
    if (name != NULL)
        *name = l->funcs[i].name;
    if (off != NULL)
        *off = l->funcs[i].off;
    if (size != NULL)
        *size = l->funcs[i].size;
    return 0;
}

uint64_t hr_lines_text_size(const struct hr_lines *l)
{
    return l->text_size;
}
