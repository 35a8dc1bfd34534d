/* jit_tcc.h - the sandbox around libtcc: its memory, its files, its exit
 *
 * hotrun links a copy of libtcc.a whose calls to malloc, calloc, realloc,
 * free, open, read and exit are renamed to the hr_tcc_* functions below
 * (objcopy --redefine-syms with src/jit_tcc.syms, see CMakeLists.txt).
 * While a sandbox is open (between hr_tcc_sandbox_begin() and _end(), on
 * the compiler's thread, one at a time) they are the compiler's safe
 * points:
 *  - allocations are counted, and the first one past the memory limit, or
 *    after the compile was asked to stop (hr_guard_deep_stopping()), fails:
 *    libtcc then reports "memory full" and unwinds through its own error
 *    path (setjmp in tcc_compile()), which releases its lock;
 *  - files are opened only when regular (hr_fileio_open_regular()) and no
 *    larger than the file limit, at most max_opens of them; standard input
 *    (#include "-") reads as empty;
 *  - exit() (libtcc's last resort) jumps back to the sandbox's owner.
 * Outside a sandbox they are the plain C library calls.  Only the jit*.c
 * files use this header; it does not include libtcc.h.
 */
#ifndef HR_JIT_TCC_H
#define HR_JIT_TCC_H

#include <setjmp.h>
#include <stddef.h>
#include <sys/types.h>

struct hr_tcc_limits {
    size_t max_mem;         /* bytes libtcc may hold at once */
    off_t max_file;         /* bytes of one file it may open */
    int max_opens;          /* files it may open (successfully) */
};

/* Opens the sandbox on this thread.  exit_to (borrowed until _end()) is
 * where libtcc's exit() lands, with longjmp(*exit_to, 1). */
void hr_tcc_sandbox_begin(const struct hr_tcc_limits *lim,
                          jmp_buf *exit_to);

/* Closes it.  Returns what made it refuse (0: nothing) and copies the
 * reason into note ("used more than 512 MB of memory..."). */
int hr_tcc_sandbox_end(char *note, size_t len);

/* The reason the sandbox refused something so far, or NULL (borrowed
 * until _end()). */
const char *hr_tcc_sandbox_note(void);

/* Blocks libtcc holds now (none between compiles). */
size_t hr_tcc_blocks(void);

/* Frees every block libtcc holds: only when no libtcc state is left
 * (after tcc_delete() of every state), when what is left was abandoned by
 * a longjmp out of libtcc's frames (its own error path leaves some). */
void hr_tcc_reclaim(void);

/* The renamed libtcc calls. */
void *hr_tcc_malloc(size_t n);
void *hr_tcc_calloc(size_t n, size_t size);
void *hr_tcc_realloc(void *p, size_t n);
void hr_tcc_free(void *p);
int hr_tcc_open(const char *path, int flags, ...);
ssize_t hr_tcc_read(int fd, void *buf, size_t n);
void hr_tcc_exit(int status) __attribute__((noreturn));

#endif
