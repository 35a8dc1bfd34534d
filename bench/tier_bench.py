#!/usr/bin/python3
"""hotrun's tier-up benchmark: tier 1 (libtcc), tier 2 (gcc in the
background), gcc -O2 + dlopen, NumPy and numba side by side, in one run.

  /usr/bin/python3 bench/tier_bench.py [--quick] [--skip-f32]

Expects build/hotrun and build/libhotrun.a, Debian's python3 with
numpy (python3-numba for the numba column; without it the column says so),
gcc, and clang for the compiler comparison (skipped when missing).  Arrays:
the 5000 x 5000 float64 demo array (hotrun --demo makes it) and a 10000 x
10000 float32 one (1e8 elements, 400 MB) made once next to it.

Sections (bench/README.md says what each figure means):
  options     the ways to get optimised code: compile times of gcc -c (the
              tier-2 command line, and the same with glibc's headers), a
              bare gcc -O2 -c, gcc -shared (+ dlopen), clang -c
  readiness   reload, then the time until tier 2 is in, against a bare
              gcc -O2 -c of the file
  reload      reload latency with tier 2 on and off
  loops       the seven plain loops of bench/tasks/loops.c: tier 1, tier 2,
              gcc -O2 + dlopen, NumPy, numba (demo array and float32 array)
  kernels     each native kernel against its plain-loop twin in tier 2
              (bench/tasks/twins.c)
  fast math   edit-to-result of a plain-loop sum with #pragma hotrun
              fast_math against the Python trick's reload + arr.sum()
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402  (the suite's drivers and table)

np = B.np
LOOPS = os.path.join(B.TASKS, "loops.c")
TWINS = os.path.join(B.TASKS, "twins.c")
SMALL = os.path.join(B.ROOT, "tests", "fixtures", "crash_null.c")
SEVEN = ["sum", "ema_cross", "hist256", "stencil", "colmeans", "top10",
         "branchy"]
KERNELS = ["sum", "sumsq", "dot", "min", "max", "mean", "var", "histogram",
           "histogram2", "row_sums", "row_means", "row_mins", "row_maxs", "col_sums",
           "col_means", "col_mins", "col_maxs"]
INC = os.path.join(B.ROOT, "include")
# the tier-2 command line (src/tier2_cc.c) without its /dev/fd names
TIER2 = ["-x", "c", "-c", "-pipe", "-w", "-march=native", "-g1", "-fPIC",
         "-fno-plt", "-fno-semantic-interposition",
         "-fno-asynchronous-unwind-tables", "-fno-stack-protector",
         "-fno-reorder-blocks-and-partition", "-fno-reorder-functions",
         "-U_FORTIFY_SOURCE", "-D__builtin_nan(s)=(0.0 / 0.0)",
         "-D__builtin_nanf(s)=(0.0f / 0.0f)", "-O2", "-ffp-contract=off",
         "-I", INC]

FULL = dict(opt_rounds=15, ready_rounds=15, reload_n=600, loop_rounds=5,
            kern_rounds=5, fast_n=15, trick_runs=5)
QUICK = dict(opt_rounds=4, ready_rounds=4, reload_n=200, loop_rounds=2,
             kern_rounds=2, fast_n=5, trick_runs=2)

READY = re.compile(r": tier 2 in ([0-9.]+) ms \(compile and wait "
                   r"([0-9.]+) ms, link ([0-9.]+) ms")


def hotrun(arr, tier):
    """hotrun -q arr with HOTRUN_TIER=tier."""
    old = os.environ.get("HOTRUN_TIER")
    os.environ["HOTRUN_TIER"] = tier
    try:
        return B.Hotrun(arr)
    finally:
        if old is None:
            del os.environ["HOTRUN_TIER"]
        else:
            os.environ["HOTRUN_TIER"] = old


def run_n(h, spec, n):
    """Times of `run -n n spec` as hotrun reports them: (value, min,
    median, tier word)."""
    h.send(f"run -n {n} {spec}\n")
    name = spec.split(":")[-1].split()[0]
    m = h.expect(re.compile(r"^" + re.escape(name) + r" = (\S+)\s+\((.*)\)$"))
    timing = m.group(2)
    if n == 1:
        t = B.ms_of(timing)
        return float(m.group(1)), t, t, timing
    lo = B.ms_of(timing.split("min ", 1)[1])
    mid = B.ms_of(timing.split("median ", 1)[1])
    return float(m.group(1)), lo, mid, timing


def tier_log(h):
    """The (ready, compile, link) ms of each tier-2 compile in the log
    (read up to the status line of `tier`)."""
    h.send("tier -v\ntier\n")
    out = []
    while True:
        line = h.line()
        if re.match(r"^tier (auto|wait|off), ", line):
            break
        m = READY.search(line)
        if m:
            out.append(tuple(float(x) for x in m.groups()))
    return out


def wall(argv):
    t0 = B.now_ms()
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise B.BenchError(" ".join(argv) + " failed:\n" + r.stderr)
    return B.now_ms() - t0


def f32_path():
    return os.path.join(os.path.dirname(B.demo_path()),
                        "f32-10000x10000.npy")


def make_f32(path):
    B.say(f"making the 10000x10000 float32 array {path}")
    rng = np.random.default_rng(12345)
    a = np.empty((10000, 10000), dtype=np.float32)
    for i in range(0, 10000, 1000):
        a[i:i + 1000] = rng.random((1000, 10000), dtype=np.float32)
    np.save(path + ".tmp.npy", a)
    os.rename(path + ".tmp.npy", path)


# ---- compiler options ----

def options_section(cfg, tab, tmp, gcc):
    have_clang = shutil.which("clang") is not None
    obj = os.path.join(tmp, "o.o")
    so = os.path.join(tmp, "o.so")
    files = [("small (crash_null.c, 16 lines)", SMALL),
             ("loops.c (235 lines, 20 functions)", LOOPS)]
    variants = [
        ("bare gcc -O2 -c, glibc headers", lambda f: [
            "gcc", "-O2", "-I", INC, "-c", f, "-o", obj]),
        ("tier 2: gcc -O2 -c -g1 -march=native, prelude", lambda f: [
            "gcc"] + TIER2 + ["-DHOTRUN_PRELUDE", f, "-o", obj]),
        ("  the same with glibc's headers", lambda f: [
            "gcc"] + TIER2 + [f, "-o", obj]),
        ("gcc -O2 -shared -fPIC, prelude", lambda f: [
            "gcc", "-O2", "-shared", "-fPIC", "-DHOTRUN_PRELUDE", "-I", INC,
            f, "-o", so]),
    ]
    if have_clang:
        variants.append(("clang -O2 -c -fPIC -gline-tables-only, prelude",
                         lambda f: ["clang", "-O2", "-c", "-fPIC",
                                    "-gline-tables-only", "-DHOTRUN_PRELUDE",
                                    "-I", INC, f, "-o", obj]))
    times = {(v, f): [] for v, _ in variants for _, f in files}
    dl = {f: [] for _, f in files}
    for r in range(cfg["opt_rounds"]):
        B.say(f"options: round {r + 1}/{cfg['opt_rounds']}")
        for _, f in files:
            for v, argv in variants:
                times[(v, f)].append(wall(argv(f)))
            # gcc -shared + dlopen + dlsym, timed in gccrun.c
            for x in gcc.cmd("compile", 1, so, "ok" if f == SMALL else "sum",
                             "gcc", "-O2", "-shared", "-fPIC",
                             "-DHOTRUN_PRELUDE", "-I", INC, f, "-o", so):
                dl[f].append(float(x.split("+")[1]))
    tab.section(f"tier-2 options: compile wall time ({cfg['opt_rounds']} "
                f"rounds, interleaved)",
                ["variant", "median", "min", "vs bare -c", "", ""])
    for title, f in files:
        ref = B.median(times[(variants[0][0], f)])
        tab.row(title + ":")
        for v, _ in variants:
            xs = times[(v, f)]
            tab.row("  " + v, B.fmt_ms(B.median(xs)), B.fmt_ms(min(xs)),
                    B.ratio(B.median(xs), ref))
        tab.row("  dlopen + dlsym of the .so (gccrun)",
                B.fmt_ms(B.median(dl[f])), B.fmt_ms(min(dl[f])))
    tab.note("Wall time of the compiler process from this script (fork, "
             "exec, compile, exit).  The tier-2 object is then linked "
             "into memory by libtcc: see 'link' under readiness.")
    if not have_clang:
        tab.note("clang is not installed: no clang row.")


# ---- readiness ----

def ready_section(cfg, tab, tmp, demo):
    obj = os.path.join(tmp, "r.o")
    bare = {f: [] for f in (SMALL, LOOPS)}
    ready = {f: [] for f in (SMALL, LOOPS)}
    link = {f: [] for f in (SMALL, LOOPS)}
    waited = {f: [] for f in (SMALL, LOOPS)}
    h = hotrun(demo, "wait")
    try:
        for f in (SMALL, LOOPS):        # warm-up
            h.reload(f)
            run_n(h, "ok" if f == SMALL else "sum_kernel", 1)
        seen = len(tier_log(h))
        for r in range(cfg["ready_rounds"]):
            B.say(f"readiness: round {r + 1}/{cfg['ready_rounds']}")
            for f in (SMALL, LOOPS):
                bare[f].append(wall(["gcc", "-O2", "-I", INC, "-c", f, "-o",
                                     obj]))
                task = "ok" if f == SMALL else "sum_kernel"
                h.reload(f)
                t0 = B.now_ms()
                _, ms, _, timing = run_n(h, task, 1)
                waited[f].append(B.now_ms() - t0 - ms)
                if "optimised" not in timing:
                    raise B.BenchError("tier 2 did not come in: " + timing)
                log = tier_log(h)
                (rd, _, lk), = log[seen:]
                seen = len(log)
                ready[f].append(rd)
                link[f].append(lk)
    finally:
        h.close()
    tab.section(f"tier 2 ready after reload returns ({cfg['ready_rounds']} "
                f"reloads per file, interleaved with bare compiles)",
                ["variant", "median", "min", "vs bare -c", "target",
                 "verdict"])
    res = {}
    for title, f in (("small (crash_null.c)", SMALL), ("loops.c", LOOPS)):
        ref = B.median(bare[f])
        tab.row(title + ":")
        tab.row("  bare gcc -O2 -c of the file", B.fmt_ms(ref),
                B.fmt_ms(min(bare[f])), "1.00x")
        m = B.median(ready[f])
        tab.row("  hotrun: reload returned -> tier 2 in", B.fmt_ms(m),
                B.fmt_ms(min(ready[f])), B.ratio(m, ref), "<= 1.3x",
                B.verdict(m <= 1.3 * ref))
        w = B.median(waited[f])
        tab.row("  the same seen from here (run waits)", B.fmt_ms(w),
                B.fmt_ms(min(waited[f])), B.ratio(w, ref))
        tab.row("  of which link by libtcc", B.fmt_ms(B.median(link[f])),
                B.fmt_ms(min(link[f])))
        res[f] = m / ref
    tab.note("hotrun: the ready time tier -v logs (from the end of the "
             "reload to the object linked and the tasks switched), with "
             "HOTRUN_TIER=wait so that the next run waits for it; 'seen "
             "from here': wall time from the reload's reply to the run's, "
             "less the run.  The compile runs at nice 10.")
    return res


# ---- reload latency ----

def reload_section(cfg, tab, tmp, demo):
    a = os.path.join(B.TASKS, "reload_min.c")
    rep = {"off": [], "auto": []}
    wl = {"off": [], "auto": []}
    e2r = {"off": [], "auto": []}
    d = os.path.join(tmp, "edit")
    os.makedirs(d, exist_ok=True)
    task = os.path.join(d, "demo.c")
    with open(os.path.join(B.ROOT, "tasks", "demo.c")) as f:
        source = f.read()
    hs = {t: hotrun(demo, t) for t in ("off", "auto")}
    try:
        for t, h in hs.items():
            h.reloads(a, 50)
        per = 50
        i = 0
        for r in range(cfg["reload_n"] // per):
            B.say(f"reload: round {r + 1}/{cfg['reload_n'] // per}")
            for t, h in hs.items():
                for _ in range(per):
                    t0 = B.now_ms()
                    rep[t].append(h.reload(a))
                    wl[t].append(B.now_ms() - t0)
                # edit-to-result as bench.py's: rewrite demo.c, reload,
                # run some_task (hr_sum on every core), read the result
                for _ in range(5):
                    i += 1
                    t0 = B.now_ms()
                    with open(task, "w") as f:
                        f.write(source + f"/* edit {i} */\n")
                    h.reload(task)
                    h.run(f"{task}:some_task")
                    e2r[t].append(B.now_ms() - t0)
    finally:
        for h in hs.values():
            h.close()
    tab.section(f"reload latency with tier 2 on and off ({len(rep['off'])} "
                f"reloads of reload_min.c each, interleaved blocks of 50)",
                ["variant", "median", "p90", "vs off", "target", "verdict"])
    ref = B.median(rep["off"])
    for t in ("off", "auto"):
        m = B.median(rep[t])
        tab.row(f"reload reported, tier {t}", B.fmt_ms(m),
                B.fmt_ms(B.p90(rep[t])), B.ratio(m, ref), "<= 0.3 ms",
                B.verdict(m <= 0.3))
    wref = B.median(wl["off"])
    for t in ("off", "auto"):
        m = B.median(wl[t])
        tab.row(f"reload wall (pipe round trip), tier {t}", B.fmt_ms(m),
                B.fmt_ms(B.p90(wl[t])), B.ratio(m, wref))
    eref = B.median(e2r["off"])
    for t in ("off", "auto"):
        m = B.median(e2r[t])
        tab.row(f"edit-to-result demo some_task, tier {t}", B.fmt_ms(m),
                B.fmt_ms(B.p90(e2r[t])), B.ratio(m, eref))
    tab.note("tier auto: every reload also queues a gcc compile for the "
             "starter thread, which starts it 15 ms later unless a newer "
             "reload cancelled it first (back-to-back reloads start no "
             "compiler at all), at nice 10.  "
             "Edit-to-result as in bench.py (rewrite tasks/demo.c, reload, "
             "run some_task = hr_sum on every core, read the result), "
             f"{len(e2r['off'])} edits per variant.")
    return B.median(rep["auto"])


# ---- the seven loops ----

def np_loops():
    """NumPy's equivalents of the seven loops."""
    from scipy.signal import lfilter

    def ema_cross(a, k=0.01):
        x = a.ravel().astype(np.float64)
        e = lfilter([k], [1.0, -(1.0 - k)], x[1:], zi=[(1.0 - k) * x[0]])[0]
        now = x[1:] > e
        return float(int(now[0]) + np.count_nonzero(now[1:] != now[:-1]))

    def hist256(a):
        c = np.bincount((a[(a >= 0) & (a < 1)] * 256).astype(np.int64),
                        minlength=256)
        return float(np.dot(np.arange(256), c))

    def stencil(a):
        x = a.astype(np.float64, copy=False)
        v = 4 * x[1:-1, 1:-1] - x[1:-1, :-2] - x[1:-1, 2:] - x[:-2, 1:-1] \
            - x[2:, 1:-1]
        return float(np.sum(v * v))

    def branchy(a):
        x = a.ravel().astype(np.float64, copy=False)
        hi, mid = x > 0.75, (x > 0.25) & (x <= 0.75)
        return float(np.exp(x[hi]).sum() - np.log(x[mid]).sum() +
                     np.square(x[~(hi | mid)]).sum())

    return {
        "sum": lambda a: float(a.sum(dtype=np.float64)),
        "ema_cross": ema_cross,
        "hist256": hist256,
        "stencil": stencil,
        "colmeans": lambda a: float(a.mean(axis=0, dtype=np.float64).sum()),
        "top10": lambda a: float(np.partition(a.ravel(), -10)[-10:]
                                 .astype(np.float64).sum()),
        "branchy": branchy,
    }


def numba_loops():
    """The same loops under numba.njit, or (None, why)."""
    try:
        import numba
    except Exception as e:      # not installed, or broken
        return None, f"numba not available ({e.__class__.__name__}: {e})"
    nj = numba.njit(cache=False)

    @nj
    def s_sum(x):
        s = 0.0
        for v in x:
            s += v
        return s

    @nj
    def s_ema(x, k):
        e = float(x[0])
        cross = 0
        above = False
        for i in range(1, x.size):
            v = float(x[i])
            e += k * (v - e)
            now = v > e
            cross += now != above
            above = now
        return float(cross)

    @nj
    def s_hist(x):
        c = np.zeros(256, np.int64)
        for v in x:
            if v >= 0 and v < 1:
                c[int(v * 256)] += 1
        s = 0
        for i in range(256):
            s += i * c[i]
        return float(s)

    @nj
    def s_stencil(x):
        s = 0.0
        for i in range(1, x.shape[0] - 1):
            for j in range(1, x.shape[1] - 1):
                v = 4.0 * x[i, j] - x[i, j - 1] - x[i, j + 1] - \
                    x[i - 1, j] - x[i + 1, j]
                s += v * v
        return s

    @nj
    def s_colmeans(x):
        m = np.zeros(x.shape[1])
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                m[j] += x[i, j]
        s = 0.0
        for j in range(x.shape[1]):
            s += m[j] / x.shape[0]
        return s

    @nj
    def s_top10(x):
        top = np.full(10, -np.inf)
        for v in x:
            if v > top[9]:
                k = 9
                while k > 0 and top[k - 1] < v:
                    top[k] = top[k - 1]
                    k -= 1
                top[k] = v
        return top.sum()

    @nj
    def s_branchy(x):
        s = 0.0
        for v in x:
            if v > 0.75:
                s += np.exp(v)
            elif v > 0.25:
                s -= np.log(v)
            else:
                s += v * v
        return s

    return {
        "sum": lambda a: s_sum(a.ravel()),
        "ema_cross": lambda a: s_ema(a.ravel(), 0.01),
        "hist256": lambda a: s_hist(a.ravel()),
        "stencil": s_stencil,
        "colmeans": s_colmeans,
        "top10": lambda a: s_top10(a.ravel()),
        "branchy": lambda a: s_branchy(a.ravel()),
    }, numba.__version__


def loops_section(cfg, tab, tmp, arr_path, label, gcc):
    so = os.path.join(tmp, "loops-O2.so")
    B.sh(["gcc", "-O2", "-shared", "-fPIC", "-I", INC, LOOPS, "-o", so])
    gcc.cmd("load", arr_path, "mmap")
    gcc.cmd("open", so)
    arr = np.load(arr_path)
    npf = np_loops()
    nbf, nbver = numba_loops()
    t = {(v, k): [] for v in ("t1", "t2", "gcc", "np", "nb") for k in SEVEN}
    val = {}
    h1 = hotrun(arr_path, "off")
    h2 = hotrun(arr_path, "wait")
    try:
        h1.reload(LOOPS)
        h2.reload(LOOPS)
        for k in SEVEN:                 # warm-up, tier 2 in, numba compiled
            run_n(h1, k, 1)
            if "optimised" not in run_n(h2, k, 1)[3]:
                raise B.BenchError("tier 2 did not come in for loops.c")
            npf[k](arr)
            if nbf is not None:
                nbf[k](arr)
        gcc.send("\t".join(["time", "1"] + SEVEN) + "\n")
        for k in SEVEN:
            gcc.answer()
        for r in range(cfg["loop_rounds"]):
            B.say(f"loops ({label}): round {r + 1}/{cfg['loop_rounds']}")
            for k in SEVEN:
                n1 = 1 if k in ("branchy", "ema_cross") else 2
                v, lo, _, _ = run_n(h1, k, n1)
                t[("t1", k)].append(lo)
                val[("t1", k)] = v
                v, lo, _, tm = run_n(h2, k, 3)
                t[("t2", k)].append(lo)
                val[("t2", k)] = v
                f = gcc.cmd("time", 3, k)
                val[("gcc", k)] = float(f[1])
                t[("gcc", k)].append(min(float(x) for x in f[2:]))
                for which, fn in (("np", npf), ("nb", nbf)):
                    if fn is None:
                        continue
                    best = None
                    for _ in range(2):
                        t0 = B.now_ms()
                        val[(which, k)] = float(fn[k](arr))
                        d = B.now_ms() - t0
                        best = d if best is None else min(best, d)
                    t[(which, k)].append(best)
    finally:
        h1.close()
        h2.close()
    tab.section(f"the seven plain loops, {label} ({cfg['loop_rounds']} "
                f"rounds; best of 1-3 runs per round)",
                ["loop: variant", "median", "min", "vs gcc -O2", "target",
                 "verdict"])
    worst = 0.0
    same = []
    for k in SEVEN:
        g = B.median(t[("gcc", k)])
        tab.row(f"{k}:")
        for v, name in (("t1", "hotrun tier 1 (libtcc)"),
                        ("t2", "hotrun tier 2 (gcc, in the background)"),
                        ("gcc", "gcc -O2 -shared + dlopen"),
                        ("np", "NumPy equivalent"),
                        ("nb", "numba njit")):
            xs = t[(v, k)]
            if not xs:
                tab.row("  " + name, "-", "-", "-", "", nbver)
                continue
            m = B.median(xs)
            if v == "t2":
                worst = max(worst, m / g)
                tab.row("  " + name, B.fmt_ms(m), B.fmt_ms(min(xs)),
                        B.ratio(m, g), "<= 1.15x", B.verdict(m <= 1.15 * g))
            else:
                tab.row("  " + name, B.fmt_ms(m), B.fmt_ms(min(xs)),
                        B.ratio(m, g))
        same.append(val[("t1", k)] == val[("t2", k)] ==
                    val[("gcc", k)])
    tab.note("hotrun: the min hotrun reports for `run -n N` (tier 1 in a "
             "session with HOTRUN_TIER=off, tier 2 in one with wait); gcc: "
             "loops.c built with gcc -O2 -shared -fPIC (glibc headers), run "
             "by gccrun.c, best of 3; NumPy and numba in this process, best "
             "of 2.  Figures are medians over the rounds of those bests.")
    tab.note("Results: tier 1, tier 2 and gcc -O2 identical to the bit: " +
             ", ".join(f"{k} {'yes' if s else 'NO'}"
                       for k, s in zip(SEVEN, same)) + ".")
    if nbf is None:
        tab.note(nbver)
    else:
        tab.note(f"numba {nbver}: njit of the same loops, compile excluded.")
    tab.note("NumPy: a.sum(), scipy.signal.lfilter + crossings, bincount, "
             "slices, mean(axis=0), partition, exp/log on masks.")
    return worst


# ---- kernels against their twins ----

def kernels_section(cfg, tab, arr_path, label):
    h = hotrun(arr_path, "wait")
    t = {}
    try:
        h.reload(TWINS)
        for k in KERNELS:
            run_n(h, f"k_{k}", 1)
            if "optimised" not in run_n(h, f"p_{k}", 1)[3]:
                raise B.BenchError("tier 2 did not come in for twins.c")
        for r in range(cfg["kern_rounds"]):
            B.say(f"kernels ({label}): round {r + 1}/{cfg['kern_rounds']}")
            for k in KERNELS:
                for p in ("k", "p"):
                    _, lo, _, _ = run_n(h, f"{p}_{k}", 3)
                    t.setdefault((p, k), []).append(lo)
    finally:
        h.close()
    tab.section(f"native kernels vs their plain-loop twins in tier 2, "
                f"{label} ({cfg['kern_rounds']} rounds, best of 3)",
                ["kernel", "kernel", "tier-2 loop", "kernel/loop",
                 "target", "verdict"])
    lost = []
    for k in KERNELS:
        a = B.median(t[("k", k)])
        b = B.median(t[("p", k)])
        name = {"histogram": "hr_histogram (0, 1, 256 bins)",
                "histogram2": "hr_histogram (0.05, 0.95, 200 bins)"}.get(
                    k, f"hr_{k}")
        tab.row(name, B.fmt_ms(a), B.fmt_ms(b), B.ratio(a, b), "< 1x",
                B.verdict(a < b))
        if a >= b:
            lost.append(k)
    tab.note(f"kernels on {os.cpu_count()} threads (the pool), the loops on "
             "one, as a user writes them (bench/tasks/twins.c).")
    return lost


# ---- fast math: edit-to-result ----

def fast_section(cfg, tab, tmp, demo, trick):
    d = os.path.join(tmp, "fast")
    os.makedirs(d, exist_ok=True)
    task = os.path.join(d, "fastsum.c")
    src = ('#include "hotrun.h"\n#pragma hotrun fast_math\n'
           'double fsum(const struct hr_array *a)\n{\n'
           '    const double *x = hr_f64(a);\n    double s = 0;\n'
           '    int64_t i;\n\n    for (i = 0; i < a->size; i++)\n'
           '        s += x[i];\n    return s;\n}\n')
    rel, run2, total, run1 = [], [], [], []
    h = hotrun(demo, "wait")
    try:
        for i in range(cfg["fast_n"] + 2):
            with open(task, "w") as f:
                f.write(src + f"/* edit {i} */\n")
            t0 = B.now_ms()
            r = h.reload(task)
            v, ms, _, timing = run_n(h, "fsum", 1)
            if "fast math" not in timing:
                raise B.BenchError("no fast-math tier 2: " + timing)
            tot = B.now_ms() - t0
            _, lo, _, _ = run_n(h, "fsum", 3)
            if i >= 2:
                rel.append(r)
                run1.append(ms)
                run2.append(lo)
                total.append(tot)
            if i % max(1, cfg["fast_n"] // cfg["trick_runs"]) == 0:
                trick.run()
    finally:
        h.close()
    py = B.median(trick.values("reload_run_ms"))
    tab.section(f"fast math: edit-to-result of a 200 MB plain-loop sum "
                f"({len(rel)} edits)",
                ["variant", "median", "min", "vs Python", "target",
                 "verdict"])
    once = [a + b for a, b in zip(rel, run2)]
    m = B.median(once)
    tab.row("hotrun, tier 2 in: reload + run (reported)", B.fmt_ms(m),
            B.fmt_ms(min(once)), B.ratio(m, py), "< 1x", B.verdict(m < py))
    tab.row("  of which reload", B.fmt_ms(B.median(rel)),
            B.fmt_ms(min(rel)))
    tab.row("  of which run (tier 2, fast math)", B.fmt_ms(B.median(run2)),
            B.fmt_ms(min(run2)))
    tab.row("hotrun: edit, reload, wait for tier 2, result",
            B.fmt_ms(B.median(total)), B.fmt_ms(min(total)),
            B.ratio(B.median(total), py))
    tab.row("Python trick: reload_run_ms", B.fmt_ms(py), "-", "1.00x")
    tab.row("  of which run_ms (numpy arr.sum())",
            B.fmt_ms(B.median(trick.values("run_ms"))))
    tab.note("'tier 2 in': each edit's reload (compile time hotrun reports) "
             "plus the best of 3 runs once its fast-math tier 2 is in; the "
             "next line is the wall time from the rewrite to the first "
             "result with HOTRUN_TIER=wait (the gcc compile included).")
    return m < py


def main():
    quick = "--quick" in sys.argv[1:]
    skip32 = "--skip-f32" in sys.argv[1:]
    extra = [a for a in sys.argv[1:] if a not in ("--quick", "--skip-f32")]
    if extra:
        sys.exit(__doc__)
    cfg = QUICK if quick else FULL
    for path in (B.HOTRUN, B.CORE):
        if not os.path.exists(path):
            sys.exit(f"tier_bench.py: {path} is missing; build first")
    demo = B.demo_path()
    if not os.path.exists(demo):
        B.say(f"making the demo array {demo}")
        subprocess.run([B.HOTRUN, "--demo", "-q"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, check=True)
    f32 = f32_path()
    if not skip32 and not os.path.exists(f32):
        make_f32(f32)
    t_start = time.monotonic()
    load0 = os.getloadavg()[0]
    tab = B.Table()
    tmp = tempfile.mkdtemp(prefix="hotrun-tier-bench-")
    gcc = None
    built = 0
    try:
        B.say("building bench/gccrun.c")
        B.Hotrun.exe, gccrun, _, built = B.build(tmp)
        B.warm(demo)
        gcc = B.GccRun(gccrun)
        trick = B.Trick(demo, 30)
        options_section(cfg, tab, tmp, gcc)
        ready_section(cfg, tab, tmp, demo)
        reload_section(cfg, tab, tmp, demo)
        loops_section(cfg, tab, tmp, demo, "demo array (5000x5000 float64, "
                      "200 MB)", gcc)
        if not skip32:
            B.warm(f32)
            loops_section(cfg, tab, tmp, f32, "10000x10000 float32 (1e8, "
                          "400 MB)", gcc)
        kernels_section(cfg, tab, demo, "demo array")
        if not skip32:
            kernels_section(cfg, tab, f32, "float32 1e8")
        fast_section(cfg, tab, tmp, demo, trick)
    except B.BenchError as e:
        sys.exit(f"tier_bench.py: {e}")
    finally:
        if gcc is not None:
            gcc.send("quit\n")
            gcc.close()
        shutil.rmtree(tmp, ignore_errors=True)
    load1 = os.getloadavg()[0]
    print(f"hotrun tier bench{' --quick' if quick else ''}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, "
          f"{time.monotonic() - t_start:.0f} s; load average {load0:.2f} "
          f"at start, {load1:.2f} at end")
    print("machine: " + B.machine())
    print("hotrun: " + B.build_info(built))
    print(tab.render())


if __name__ == "__main__":
    main()
