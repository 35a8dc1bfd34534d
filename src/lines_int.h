/* lines_int.h - what lines.c and lines_stab.c share
 *
 * Private to the lines*.c files: the layout of the table (struct
 * hr_lines), the object being parsed (struct obj: its buffer borrowed for
 * the parse, its section table owned by hr_lines_parse()), the ELF sizes
 * and little-endian readers both sides need.  Nothing here is for other
 * modules.
 */
#ifndef HR_LINES_INT_H
#define HR_LINES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "lines.h"

#define SYM_SIZE 24
#define RELA_SIZE 24
#define REL_SIZE 16

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

/* little-endian reads of any alignment */
static inline uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Sets err to "lines: what"; returns HR_EFORMAT. */
static inline int bad(struct hr_err *err, const char *what)
{
    hr_err_set(err, "lines: %s", what);
    return HR_EFORMAT;
}

/* Reads the stabs of o (when it has a .stab section) into l's line table,
 * sorted by address; l's functions are loaded already.  Returns 0,
 * HR_EFORMAT (err set) or HR_ENOMEM. */
int hr_lines_load_stabs(struct obj *o, struct hr_lines *l,
                        struct hr_err *err);

#endif
