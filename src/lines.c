/* lines.c - function and source-line tables from a TinyCC ELF object */
#include "lines.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

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

#define EHDR_SIZE 64
#define SHDR_SIZE 64
#define SYM_SIZE 24
#define RELA_SIZE 24
#define REL_SIZE 16
#define STAB_SIZE 12

struct sec {
    uint32_t name;
    uint32_t type;
    uint64_t offset;
    uint64_t size;
    uint32_t link;
    uint32_t info;
    uint64_t entsize;
};

struct func {
    const char *name;       /* into hr_lines.strings */
    uint64_t off;
    uint64_t size;
    uint64_t end;           /* off + size, or the next function if size 0 */
};

struct line {
    uint64_t addr;          /* offset in .text */
    const char *file;       /* into hr_lines.strings, or NULL */
    uint32_t seq;           /* index of the stab: the later wins a tie */
    int line;
};

struct hr_lines {
    struct func *funcs;     /* sorted by offset */
    size_t nfuncs;
    struct line *lines;     /* sorted by address, then stab order */
    size_t nlines;
    char *strings;          /* copies of .strtab and .stabstr, each + NUL */
    uint64_t text_size;
};

struct stab {
    uint32_t strx;
    uint8_t type;
    uint16_t desc;
    uint32_t value;
    int relocated;          /* value is a .text offset from a relocation */
};

/* The object being parsed: buf is borrowed, secs owned. */
struct obj {
    const unsigned char *buf;
    size_t len;
    struct sec *secs;
    size_t nsecs;
    size_t shstrndx;
    size_t text;            /* section indexes; 0 when absent */
    size_t symtab;
    size_t strtab;
    size_t stab;
    size_t stabstr;
    size_t rel;
    const char *strtab_copy;    /* into hr_lines.strings */
    const char *stabstr_copy;
};

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Nonzero when [off, off + size) lies inside [0, len). */
static int in_bounds(uint64_t off, uint64_t size, uint64_t len)
{
    return off <= len && size <= len - off;
}

static int bad(struct hr_err *err, const char *what)
{
    hr_err_set(err, "lines: %s", what);
    return HR_EFORMAT;
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

static int load_stabs(struct obj *o, struct hr_lines *l, struct hr_err *err)
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
        rc = load_stabs(&o, l, err);
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
