/* libhotrun.h - the hotrun engine as a library: its public C API
 *
 * A session keeps arrays resident (loaded once from .npy or raw files) and
 * modules compiled in memory from task files (C, with libtcc), and runs a
 * module's tasks on the arrays under a crash guard.  The engine never
 * prints, never reads the terminal and never exits: every function returns
 * 0 or a negative HR_E* code with a one-line message in a struct hr_err,
 * results come back in structs, and progress and notices go to the
 * callbacks given at open.  The hotrun program (prompt, stdin scripts,
 * batch lists, watch mode) is one client of this API, as lua.c is of
 * liblua; nothing outside the engine sees its structs.
 *
 * Ownership.  The session owns every array and module.  Pointers returned
 * inside info structs (names, paths, views, warnings) are borrowed: an
 * array's until it is replaced or the session closes, a module's until
 * its file is reloaded successfully, unloaded or the session closes.
 *
 * Threads.  One thread drives a session.  The progress callback may be
 * called from any thread while a task runs.
 *
 * Link with -lhotrun (static libhotrun.a or shared libhotrun.so).
 */
#ifndef LIBHOTRUN_H
#define LIBHOTRUN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hotrun.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(HR_BUILDING_LIB) && defined(__GNUC__)
#define HR_API __attribute__((visibility("default")))
#else
#define HR_API
#endif

/* ---- status codes and messages ---- */

enum {
    HR_OK = 0,
    HR_ENOMEM = -1,     /* out of memory */
    HR_ENOENT = -2,     /* no such file, array, module or task */
    HR_EIO = -3,        /* read or map failed */
    HR_EFORMAT = -4,    /* malformed input file */
    HR_EINVAL = -5,     /* bad argument from the user */
    HR_ECOMPILE = -6,   /* task file did not compile or link */
    HR_EAMBIG = -7,     /* a task name defined by two modules */
    HR_ECRASH = -8,     /* task died on a signal */
    HR_EFAIL = -9,      /* task called hr_fail() or failed an assert */
    HR_ETIMEOUT = -10,  /* task ran past its time limit */
    HR_EINTR = -11,     /* task interrupted by the user (Ctrl-C) */
    HR_EEXIT = -12,     /* task called exit() */
    HR_EUNSUPPORTED = -13, /* valid input hotrun does not handle */
    HR_ECANCEL = -14    /* run or compile stopped because the host asked
                           (a save in watch mode, hr_session_cancel()) */
};

#define HR_ERR_MAX 4096

/* A message: "file:line: what" or "command: what", lower case, no period;
 * compile errors may span several lines. */
struct hr_err {
    char msg[HR_ERR_MAX];
};

/* Static name of a status code, e.g. "compile error". */
HR_API const char *hr_strerror(int code);

/* Sets err->msg from a printf format; err may be NULL. */
HR_API void hr_err_set(struct hr_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a line to err->msg (separated by a newline when not empty). */
HR_API void hr_err_append(struct hr_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- opening a session ---- */

struct hr_session;

/* What the session tells its client while it works.  Every member may be
 * NULL. */
struct hr_session_hooks {
    /* A load or a task made progress: done of total units.  A total of 0
     * or less means the work ended (erase a bar).  label is borrowed for
     * the call (NULL: keep the last one).  Any thread. */
    void (*progress)(void *ud, const char *label, int64_t done,
                     int64_t total);
    /* Something the user should know that is not the answer to a call,
     * one line, e.g. "array 'demo': its file changed on disk". */
    void (*notice)(void *ud, const char *text);
    void *ud;
};

/* Opens an empty session.  hooks is copied (NULL: none).  *out is owned:
 * close it with hr_session_close().  Returns 0 or HR_ENOMEM. */
HR_API int hr_session_open(const struct hr_session_hooks *hooks,
                           struct hr_session **out);

/* Frees the session, its arrays and modules; accepts NULL. */
HR_API void hr_session_close(struct hr_session *s);

/* ---- settings ---- */

/* How a load brings a file into memory.  A copy never changes after the
 * load; a mapping shows later writes to the file (hr_session_check_arrays
 * warns). */
enum hr_load_mode {
    HR_LOAD_AUTO,   /* copy when it fits in half the free memory, else map */
    HR_LOAD_COPY,   /* a private copy on 2 MiB pages */
    HR_LOAD_MMAP,   /* a zero-copy read-only mapping of the file */
    HR_LOAD_READ = HR_LOAD_COPY     /* the old name of copy */
};

/* Stop runs after seconds (0: no limit); values outside [0, 1e9] are
 * refused with HR_EINVAL. */
HR_API int hr_session_set_timeout(struct hr_session *s, double seconds);
HR_API double hr_session_timeout(const struct hr_session *s);

/* Run each task in a forked child (1) or in process (0). */
HR_API void hr_session_set_isolate(struct hr_session *s, int on);
HR_API int hr_session_isolate(const struct hr_session *s);

/* How later loads bring files into memory. */
HR_API void hr_session_set_load_mode(struct hr_session *s,
                                     enum hr_load_mode mode);
HR_API enum hr_load_mode hr_session_load_mode(const struct hr_session *s);

/* ---- arrays ---- */

/* How to read a file.  The format (.npy, .npz, HDF5, CSV/TSV) is found
 * by content; raw binary files need the raw fields; text files take the
 * csv fields.  A zeroed struct (or NULL) means: self-describing file,
 * CSV sniffed into float64. */
struct hr_load_args {
    int raw;                        /* the file is raw: the fields below */
    int dtype;                      /* enum hr_dtype */
    int big_endian;                 /* the file's bytes are big-endian */
    int ndim;
    int64_t shape[HR_MAX_NDIM];
    int fortran;                    /* column-major file */
    /* CSV/TSV */
    int delimiter;                  /* 0: sniffed; ' ': runs of blanks */
    int csv_dtype_set;              /* the values' dtype is csv_dtype */
    int csv_dtype;                  /* enum hr_dtype (else float64) */
    int lenient;                    /* a non-numeric cell becomes NaN */
};

/* Parses a dtype as NumPy spells it ("float64", "f8", "<f8", ">i4", "u1",
 * "bool", ...) into args->dtype and args->big_endian.  Returns 0 or
 * HR_EINVAL. */
HR_API int hr_load_args_dtype(struct hr_load_args *args, const char *s);

/* Parses "5000x5000", "5000,5000" or "100" into args->ndim and
 * args->shape.  Returns 0 or HR_EINVAL. */
HR_API int hr_load_args_shape(struct hr_load_args *args, const char *s);

/* Parses a CSV delimiter ("," ";" "|", "tab", "space", "\t") into
 * args->delimiter.  Returns 0 or HR_EINVAL. */
HR_API int hr_load_args_delimiter(struct hr_load_args *args, const char *s);

/* Loads "[NAME=]FILE[:MEMBER]": every array FILE holds (an .npz archive:
 * each member, named NAME.MEMBER) or the one MEMBER names (an .npz
 * member, an HDF5 dataset "/group/dset").  NAME defaults to the file's
 * base name without its extension.  An array of the same name is
 * replaced only once the new one loaded; the first array loaded becomes
 * the default.  *indexes (may be NULL) gets the new arrays' indexes
 * (owned: free()) and *n (may be NULL) their count.  Returns 0 or the
 * loader's code (HR_ENOENT, HR_EIO, HR_EFORMAT, HR_EUNSUPPORTED,
 * HR_EINVAL, HR_EAMBIG: the file holds several and none was named,
 * HR_ENOMEM); on failure the session is unchanged. */
HR_API int hr_session_load(struct hr_session *s, const char *spec,
                           const struct hr_load_args *args, int **indexes,
                           int *n, struct hr_err *err);

/* A resident array, as hr_session_array_info() describes it. */
struct hr_array_info {
    const char *name;               /* borrowed */
    const char *path;               /* borrowed: the file, as given */
    const char *how;                /* borrowed: "copy", "mmap", ... */
    const struct hr_array *view;    /* borrowed: what tasks see */
    int is_default;
    double load_ms;                 /* how long loading took */
    const char *format;             /* static: "npy", "npz", "hdf5", "csv",
                                       "raw" */
    const char *origin;             /* borrowed or NULL: the .npz member or
                                       HDF5 dataset it came from */
    int ncolumns;                   /* CSV header's column names */
    const char *const *columns;     /* borrowed */
    int nattrs;                     /* HDF5 attributes, "name = value" */
    const char *const *attrs;       /* borrowed */
    const char *made_by;            /* borrowed: the task that made it
                                       (hr_new), or NULL: loaded */
    struct timespec made_at;        /* when (CLOCK_REALTIME) */
    const char *note;               /* borrowed: "" or why it is not what
                                       one may expect (mapped because big,
                                       not on 2 MiB pages) */
};

HR_API int hr_session_narrays(const struct hr_session *s);

/* Index of the array called name (NULL: the default), or -1. */
HR_API int hr_session_find_array(const struct hr_session *s,
                                 const char *name);

/* Fills *out for array i.  Returns 0 or HR_ENOENT. */
HR_API int hr_session_array_info(const struct hr_session *s, int i,
                                 struct hr_array_info *out);

/* Tells hooks.notice about each array whose file changed since it was
 * loaded (or since this last told): "warning: ..." for a mapped array
 * whose data changed with its file, "note: ..." for a file replaced,
 * removed or rewritten under a copy (the array keeps the data loaded).
 * Every run calls it first.  Returns how many mapped arrays changed. */
HR_API int hr_session_check_arrays(struct hr_session *s);

/* Makes name the default array.  Returns 0 or HR_ENOENT. */
HR_API int hr_session_use(struct hr_session *s, const char *name,
                          struct hr_err *err);

/* 64-bit FNV-1a checksum of an array's bytes (name NULL: the default).
 * Returns 0, HR_ENOENT, or HR_EIO / HR_ECRASH when the file a mapped
 * array comes from shrank (err says so; the session is intact). */
HR_API int hr_session_checksum(struct hr_session *s, const char *name,
                               uint64_t *sum, struct hr_err *err);

/* ---- looking at arrays ---- */

/* name NULL: the default array.  Each function returns 0 with *text
 * (owned: free()) or an HR_E* code with err, e.g. HR_ENOENT for no such
 * array, HR_EIO when the file a mapped array comes from shrank; none
 * changes the session. */

/* NumPy's print(arr) of the array, after a line with its shape and dtype;
 * edgeitems (0: NumPy's 3) rows and columns shown at each end of a long
 * axis. */
HR_API int hr_session_show(struct hr_session *s, const char *name,
                           int64_t edgeitems, char **text,
                           struct hr_err *err);

/* Count, NaN and infinity counts, min and max with their positions, mean
 * and standard deviation, one per line. */
HR_API int hr_session_stats(struct hr_session *s, const char *name,
                            char **text, struct hr_err *err);

/* How to draw a plot. */
struct hr_plot_args {
    int width;                      /* characters (at least 16) */
    int height;                     /* lines (at least 6) */
    int hist;                       /* a histogram of the values */
    int64_t bins;                   /* its bins (0: 10, as NumPy) */
    int color;                      /* 0: none (shades), 1: 256 colours,
                                       2: 24-bit colour */
    const char *svg;                /* also write the picture to this SVG
                                       file, or NULL */
};

/* A line plot of a 1-d array (min and max per column: no spike is lost),
 * a heat map of a 2-d array, or a histogram; as text for a terminal. */
HR_API int hr_session_plot(struct hr_session *s, const char *name,
                           const struct hr_plot_args *args, char **text,
                           struct hr_err *err);

/* Writes arrays to path, atomically (a temporary file in the same
 * folder, fsync, rename): a path ending in ".npz" gets an archive of the
 * n arrays named (members NAME.npy, as np.savez writes); any other path
 * gets the one array (n == 1) as an .npy file.  np.load reads either bit
 * for bit.  Refuses to overwrite a file a resident array is mapped
 * from. */
HR_API int hr_session_save(struct hr_session *s, const char *const *names,
                           int n, const char *path, struct hr_err *err);

/* ---- modules ---- */

/* Compiles the task file path in memory.  On success its module replaces
 * the one of the same file (or is added) and *index (may be NULL) gets
 * its index; on failure the previous module stays and err holds the
 * compiler's messages, each with the source line and a caret.  Returns 0,
 * HR_ENOENT, HR_EIO, HR_EINVAL (not a regular file), HR_ECOMPILE or
 * HR_ENOMEM. */
HR_API int hr_session_reload(struct hr_session *s, const char *path,
                             int *index, struct hr_err *err);

/* Forgets the module compiled from path.  Returns 0 or HR_ENOENT. */
HR_API int hr_session_unload(struct hr_session *s, const char *path,
                             struct hr_err *err);

/* ---- tier 2: the same source optimised in the background ----
 *
 * reload compiles with libtcc (tier 1) and the tasks run at once; gcc -O2
 * then compiles the same source in the background (tier 2) and the
 * module's tasks switch to its code between runs, never during one.
 * Results are the same in both tiers (no fast math unless a file says
 * #pragma hotrun fast_math or the session is set fast). */
enum hr_tier_mode {
    HR_TIER_AUTO,                   /* compile in the background, switch when
                                       ready (the default) */
    HR_TIER_WAIT,                   /* the same; a run first waits for it */
    HR_TIER_OFF                     /* tier 1 only */
};

/* Sets the mode; turning it back on starts the compiles that are due. */
HR_API void hr_session_set_tier(struct hr_session *s,
                                enum hr_tier_mode mode);
HR_API enum hr_tier_mode hr_session_tier(const struct hr_session *s);

/* Fast math for every module (on), or as each file says (off); starts
 * the compiles again. */
HR_API void hr_session_set_tier_fast(struct hr_session *s, int on);
HR_API int hr_session_tier_fast(const struct hr_session *s);

/* The optimising compiler's command (HOTRUN_CC, else "gcc"): static. */
HR_API const char *hr_session_tier_cc(const struct hr_session *s);

/* What the tier-2 compiles did, one line each (for `tier -v`): borrowed
 * until the next call into the session; "" when none yet. */
HR_API const char *hr_session_tier_log(const struct hr_session *s);

/* Background work: a descriptor that turns readable when some of it has
 * ended (-1: none), for a front end's poll(); hr_session_service() then
 * takes what is ready (switches modules to tier 2) and returns how many
 * modules switched.  A run does this by itself first. */
HR_API int hr_session_poll_fd(const struct hr_session *s);
HR_API int hr_session_service(struct hr_session *s);

struct hr_module_info {
    const char *path;               /* borrowed: as given to reload */
    const char *realpath;           /* borrowed: canonical */
    int ntasks;
    double compile_ms;
    struct timespec compiled_at;    /* CLOCK_REALTIME */
    uint64_t hash;                  /* of the source text compiled */
    int uses_libc;                  /* names bound from the C library */
    const char *warnings;           /* borrowed; NULL when none */
    int tier;                       /* 1, or 2 (optimised) */
    int tier_fast;                  /* tier 2 with fast math */
    int tier_pending;               /* tier 2 on its way */
    int tier_failed;                /* tier 2 failed (hr_session_tier_log) */
    struct timespec tier_ready_at;  /* tier 2 came in (CLOCK_REALTIME) */
    double tier_ready_ms;           /* that long after the reload */
};

HR_API int hr_session_nmodules(const struct hr_session *s);

/* Index of the module compiled from path, or -1. */
HR_API int hr_session_find_module(const struct hr_session *s,
                                  const char *path);

/* Fills *out for module i.  Returns 0 or HR_ENOENT. */
HR_API int hr_session_module_info(const struct hr_session *s, int i,
                                  struct hr_module_info *out);

/* Name of task t of module m (borrowed), or NULL. */
HR_API const char *hr_session_task_name(const struct hr_session *s, int m,
                                        int t);

/* Where the include files of tasks (hotrun.h) live: borrowed, static. */
HR_API const char *hr_session_include_dir(const struct hr_session *s);

/* Splits "[FILE:]TASK": *file_len gets the length of FILE (0 when there
 * is none) and *task points at TASK inside spec.  FILE is whatever comes
 * before the last ':' that is followed by a C identifier and nothing
 * else; otherwise the whole spec is TASK. */
HR_API void hr_task_spec(const char *spec, size_t *file_len,
                         const char **task);

/* Does the n bytes at file name module m (its path as given, its
 * canonical path, or its base name with or without ".c")? */
HR_API int hr_session_module_matches(const struct hr_session *s, int m,
                                     const char *file, size_t n);

/* Finds the task "[FILE:]TASK" (FILE: the path as given, the canonical
 * path, or the base name with or without ".c").  Sets *m and *t.
 * Returns 0, HR_ENOENT or HR_EAMBIG (err names both files). */
HR_API int hr_session_find_task(const struct hr_session *s,
                                const char *spec, int *m, int *t,
                                struct hr_err *err);

/* ---- blocks kept across runs (hr_keep) ---- */

struct hr_keep_info {
    const char *key;                /* borrowed until forgotten */
    size_t nbytes;
};

HR_API int hr_session_nkeeps(const struct hr_session *s);

/* Fills *out for kept block i.  Returns 0 or HR_ENOENT. */
HR_API int hr_session_keep_info(const struct hr_session *s, int i,
                                struct hr_keep_info *out);

/* Frees the block kept under key.  Returns 0 or HR_ENOENT. */
HR_API int hr_session_forget(struct hr_session *s, const char *key,
                             struct hr_err *err);

/* ---- runs ---- */

/* What a task returned, by its signature. */
enum hr_result_kind {
    HR_RESULT_DOUBLE,               /* double or float: value */
    HR_RESULT_INT,                  /* a signed integer type: ivalue */
    HR_RESULT_UINT,                 /* unsigned or bool: uvalue */
    HR_RESULT_VOID                  /* void: nothing */
};

struct hr_run_result {
    int kind;                       /* enum hr_result_kind */
    double value;                   /* what the task returned (integers
                                       converted; 0 for void) */
    int64_t ivalue;                 /* HR_RESULT_INT, exactly */
    uint64_t uvalue;                /* HR_RESULT_UINT, exactly */
    double ms;                      /* wall time of the run */
    double bytes;                   /* bytes of the arrays it read: the
                                       default one, those it got by name,
                                       those it made */
    int noutputs;                   /* arrays it made (hr_new) */
    const char *const *outputs;     /* their names; borrowed until the
                                       next run */
    int unused_from;                /* the first argument it never read,
                                       or -1 (none, or it asked hr_nargs) */
    int tier;                       /* the code that ran: 1, or 2 */
    int tier_fast;                  /* tier 2 with fast math */
    const char *task;               /* borrowed, like the module */
    int module;                     /* index of its module */
};

/* Runs task "[FILE:]TASK" of a loaded module on the default array with
 * argv[0..argc) as its arguments (hr_arg_*()).  Returns 0 with *res, or
 * HR_ENOENT/HR_EAMBIG (no such task, no array), or the guard's code
 * (HR_ECRASH, HR_EFAIL, HR_ETIMEOUT, HR_EINTR, HR_EEXIT, HR_ENOMEM) with
 * err: the session and its arrays survive whatever the task did. */
HR_API int hr_session_run(struct hr_session *s, const char *spec, int argc,
                          char *const *argv, struct hr_run_result *res,
                          struct hr_err *err);

/* ---- over MPI ranks (hotrun --ranks N) ----
 *
 * The engine knows nothing of MPI: a client that runs one session per
 * rank (src/cli/rank.c) tells each session which shard of the arrays it
 * holds, hands it the task files' text, and combines the results of a
 * run on rank 0 with hr_session_combine(). */

/* Later loads hold rank's slab of each array out of nranks (hotrun.h,
 * struct hr_array) plus halo rows of each neighbour.  Returns 0, or
 * HR_EINVAL for a rank outside [0, nranks) or a negative halo. */
HR_API int hr_session_set_shard(struct hr_session *s, int rank, int nranks,
                                int64_t halo);

/* How the sessions of the ranks reach rank 0: `show`, `stats`, `plot` and
 * `save` of an array split over the ranks need every rank's part.  Every
 * rank calls gather() once per step, in the same order, with its part
 * (len bytes); on rank 0 parts[r] and lens[r] (r = 0 .. nranks - 1, its
 * own included) get each rank's part, owned (free()); other ranks get
 * nothing.  Returns 0 or -1 (the job is broken). */
struct hr_gather {
    int (*gather)(void *ud, const void *part, size_t len, char **parts,
                  size_t *lens);
    /* Rank 0's *buf (*len bytes) to every rank: the others get an owned
     * copy (free()) in *buf and *len.  Returns 0 or -1. */
    int (*bcast)(void *ud, char **buf, size_t *len);
    void *ud;
};

/* Gives the session its ranks' gather (NULL: none).  Without it, or in
 * one process, each session looks at its own slab only. */
HR_API void hr_session_set_gather(struct hr_session *s,
                                  const struct hr_gather *g);

/* Over ranks, at the start of the command after a run: the ranks agree on
 * the arrays that run made.  When the run failed on some rank (failed:
 * here), they are dropped on every rank; an array every rank made with
 * the same dtype and the same shape past axis 0 becomes one array split
 * on axis 0 (rank r's rows after those of the ranks before it); any other
 * stays each rank's own.  Every rank calls it, in step.  Returns 0 or
 * HR_EIO (the job is broken). */
HR_API int hr_session_settle_made(struct hr_session *s, int failed,
                                  struct hr_err *err);

/* A task file's text from elsewhere than the file system. */
struct hr_source {
    const char *text;               /* borrowed for the call */
    size_t len;
    const char *realpath;           /* the module's key (canonical path) */
    const char *dir;                /* where its local headers lie */
};

/* From now on reload asks fn for a file's text first: fn returns 0 and
 * fills *out, or nonzero to let the file be read as usual.  fn NULL: the
 * file system only. */
HR_API void hr_session_set_source(struct hr_session *s,
                                  int (*fn)(void *ud, const char *path,
                                            struct hr_source *out),
                                  void *ud);

/* hr_session_task_combine()'s answer for a task with a NAME__combine. */
#define HR_COMBINE_OWN (-1)

/* How the per-rank results of task t of module m combine: a kind of
 * hotrun.h (HR_SUM, ...), HR_COMBINE_OWN, or 0 when the task says
 * nothing. */
HR_API int hr_session_task_combine(const struct hr_session *s, int m,
                                   int t);

/* Combines n per-rank values of task t of module m in rank order into
 * *out.  weights[r] is the count of elements rank r owns of the array the
 * task ran on: ranks with weight 0 are left out (unless all are), HR_MEAN
 * weighs by it.  A NAME__combine runs under the crash guard.  Returns 0,
 * HR_ENOENT (the task says nothing: err says so), HR_EINVAL (an unknown
 * kind) or the guard's code with err. */
HR_API int hr_session_combine(struct hr_session *s, int m, int t, int n,
                              const double *values, const double *weights,
                              double *out, struct hr_err *err);

/* Elements of a that its rank owns: its size less the halo slabs. */
HR_API int64_t hr_array_owned(const struct hr_array *a);

/* From now on signal sig stops the current run as Ctrl-C does (and
 * between runs makes hr_sigint_fd() readable: call that first, or SIGINT
 * ends the process).  Call it from the thread that drives the session.
 * mpirun forwards SIGUSR1 to every rank: that is how a front end's Ctrl-C
 * reaches them.  Returns 0 or HR_EINVAL (SIGINT, SIGKILL, SIGSTOP or not
 * a signal). */
HR_API int hr_stop_on_signal(int sig);

/* How many such signals came so far. */
HR_API unsigned hr_stop_count(void);

/* Does the n bytes at file name the module loaded from path (as given)
 * with canonical path realpath: either path, or the base name with or
 * without ".c"?  (hr_session_module_matches() for a module's info.) */
HR_API int hr_module_path_matches(const char *path, const char *realpath,
                                  const char *file, size_t n);

/* Asks the run in progress (there is one at a time in a process) to
 * stop: it ends with HR_ECANCEL as soon as its task is in its own code or
 * at its next safe point.  For another thread of the client (watch mode:
 * the file was saved again).  Returns 1 when a run was asked to stop. */
HR_API int hr_session_cancel(void);

/* ---- Ctrl-C between runs ---- */

/* From now on SIGINT (Ctrl-C) does not end the process between runs: each
 * one makes the returned descriptor readable, for a front end's poll();
 * during a run it stops the task.  Returns the descriptor or -1. */
HR_API int hr_sigint_fd(void);

/* Reads what hr_sigint_fd() holds; returns how many Ctrl-Cs came. */
HR_API int hr_sigint_take(void);

/* ---- the demo data set (hotrun --demo) ---- */

#define HR_DEMO_ROWS 5000
#define HR_DEMO_COLS 5000

/* Where the demo array is cached ($XDG_CACHE_HOME/hotrun/..., else
 * ~/.cache/hotrun/...).  Owned by the caller (free()); NULL when no folder
 * can be named. */
HR_API char *hr_demo_path(void);

/* Makes the demo array at path unless it is there already: 5000 x 5000
 * float64, uniform in [0, 1), from a fixed seed, the same bytes on every
 * machine.  *made says whether it was written; progress (may be NULL) is
 * called now and then.  Returns 0 or an HR_E* code with err. */
HR_API int hr_demo_make(const char *path, int *made,
                        void (*progress)(void *ud, int64_t done,
                                         int64_t total),
                        void *ud, struct hr_err *err);

/* ---- helpers ---- */

/* 64-bit FNV-1a hash of a buffer: struct hr_module_info's hash is this
 * hash of the source text compiled. */
HR_API uint64_t hr_hash(const void *buf, size_t len);

/* Room for any shape as text (see hr_shape_format()). */
#define HR_SHAPE_TXT (HR_MAX_NDIM * 21 + 8)

/* Formats a's shape as "5000x5000" ("scalar" for 0-d) into buf. */
HR_API void hr_shape_format(const struct hr_array *a, char *buf,
                            size_t len);

/* Name of a dtype as NumPy spells it ("float64"; also in hotrun.h). */
HR_API const char *hr_dtype_name(int dtype);

/* Short name of a dtype for display: "f64", "i32", "bool", "c128"... */
HR_API const char *hr_dtype_short(int dtype);

#ifdef __cplusplus
}
#endif

#endif /* LIBHOTRUN_H */
