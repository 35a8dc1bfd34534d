#!/usr/bin/python3
"""hotrun's benchmark suite: hotrun beside the Python trick, in one run.

  /usr/bin/python3 bench/bench.py [--quick]

Expects build/hotrun and build/libhotrun.a (cmake -S . -B build
-DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j2) and Debian's
python3 with numpy.  It builds nothing of hotrun: it only compiles its own
harness bench/gccrun.c (and gcc builds of bench/tasks/*.c) into a temporary
folder, which it removes at the end.  The 5000 x 5000 float64 demo array is
made once by `hotrun --demo` when missing.  The Python trick is
../shared/reference/python_trick.py (beside the repository) with its
tasks.py.

Sections (bench/README.md says what each figure means):
  reload latency   hotrun `reload` (hotrun.h only; with 4 glibc headers)
                   vs importlib.reload vs gcc -O0/-O2 -shared + dlopen
  edit-to-result   rewrite demo.c, reload, run some_task, read the result
  think gaps       the same after 5-30 s idle, beside back-to-back edits:
                   default load, --load=mmap, the Python trick
                   (think_bench.py)
  bandwidth bound  demo some_task vs a gcc -O3 -march=native read-only pass
  task speed       sum, column means, a sequential filter: libtcc loop,
                   native kernel, hr_parallel_for, gcc -O2, numpy/Python
  resident         hotrun default (copy) / --load=mmap / the old one-thread
                   copy vs np.load and pickle.load
  memory           RSS over the array size; RSS growth over 10,000 reloads

Every figure is a median (with the min or p90) of repeated runs; variants
of a section are interleaved in rounds, since the machine may be noisy.
hotrun runs with HOTRUN_TIER=off (unless set): these are tier-1 (libtcc)
figures; bench/tier_bench.py measures tier 2 beside them.
--quick: fewer repetitions and two think gaps (about 1.5 minutes instead
of about 4).
"""
import importlib.util
import os
import pickle
import platform
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import think_bench

try:
    import numpy as np
except ImportError:
    sys.exit("bench.py needs numpy: run it with Debian's /usr/bin/python3 "
             "(apt install python3-numpy)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
TASKS = os.path.join(BENCH, "tasks")
HOTRUN = os.path.join(ROOT, "build", "hotrun")
CORE = os.path.join(ROOT, "build", "libhotrun.a")


def find_reference():
    """shared/reference beside the repository, or beside a folder above it
    (a git worktree); $HOTRUN_REFERENCE first when set."""
    if os.environ.get("HOTRUN_REFERENCE"):
        return os.environ["HOTRUN_REFERENCE"]
    d = ROOT
    while os.path.dirname(d) != d:
        d = os.path.dirname(d)
        ref = os.path.join(d, "shared", "reference")
        if os.path.exists(os.path.join(ref, "python_trick.py")):
            return ref
    return os.path.join(os.path.dirname(ROOT), "shared", "reference")


REFERENCE = find_reference()
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
TCC_RUNTIME = "/usr/lib/x86_64-linux-gnu/tcc/libtcc1.a"
NOMINAL_BOUND_MS = 4.2      # 200 MB at the 2-core VM's nominal bandwidth

FULL = dict(reload_n=1000, reload_rounds=5, gcc_n=20, trick_runs=10,
            trick_n=30, edit_n=50, speed_rounds=20, speed_k=1, ema_runs=5,
            resident_rounds=15, churn=10000, churn_warmup=200,
            think_gaps=think_bench.FULL_GAPS)
QUICK = dict(reload_n=200, reload_rounds=2, gcc_n=4, trick_runs=4,
             trick_n=10, edit_n=20, speed_rounds=3, speed_k=2, ema_runs=2,
             resident_rounds=3, churn=10000, churn_warmup=200,
             think_gaps=think_bench.QUICK_GAPS)

TIME = re.compile(r"([0-9.]+(?:e[-+]?[0-9]+)?) (ns|us|µs|ms|s)\b")
RELOADED = re.compile(r"^reloaded (.*): .*\((\S+ \S+)\)$")
UNITS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1e3}


class BenchError(Exception):
    pass


def ms_of(text):
    """hotrun's "412 us" / "87.3 ms" / "2.31 s" in milliseconds."""
    m = TIME.search(text)
    if m is None:
        raise BenchError(f"no time in {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def median(xs):
    return statistics.median(xs)


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def now_ms():
    return time.perf_counter() * 1e3


def say(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr,
          flush=True)


# ---- child processes that answer line by line ----

class Proc:
    """A child process driven through stdin, read line by line.

    stdout and stderr are pipes read with select, so that an error on
    stderr is seen at once instead of a wait for a line that never comes."""

    def __init__(self, argv, name):
        env = dict(os.environ, NO_COLOR="1", HOTRUN_NO_PROGRESS="1")
        self.name = name
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=ROOT)
        self.buf = {self.p.stdout.fileno(): b"", self.p.stderr.fileno(): b""}
        self.warnings = []

    def send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def line(self, timeout=120.0):
        """The next stdout line; stderr lines that are warnings are kept,
        any other stderr line raises BenchError."""
        out, err = self.p.stdout.fileno(), self.p.stderr.fileno()
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf[err]:
                raw, self.buf[err] = self.buf[err].split(b"\n", 1)
                text = raw.decode(errors="replace")
                if "warning" in text or "NOTE:" in text:
                    self.warnings.append(text)
                    continue
                time.sleep(0.05)      # let the rest of the message arrive
                more = self.drain(err)
                raise BenchError(f"{self.name}: {text}{more}")
            if b"\n" in self.buf[out]:
                raw, self.buf[out] = self.buf[out].split(b"\n", 1)
                return raw.decode(errors="replace")
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"{self.name}: no answer in {timeout:.0f} s")
            ready, _, _ = select.select([out, err], [], [], left)
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    rest = self.drain(err)
                    raise BenchError(f"{self.name} ended (status "
                                     f"{self.p.wait()}){rest}")
                self.buf[fd] += chunk

    def drain(self, fd):
        data = self.buf[fd]
        self.buf[fd] = b""
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            data += chunk
        text = data.decode(errors="replace").strip()
        return "\n" + text if text else ""

    def expect(self, rx, timeout=120.0):
        """Lines until one matches rx (other lines, e.g. task output, are
        skipped); returns the match."""
        while True:
            m = rx.search(self.line(timeout))
            if m:
                return m

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
                self.p.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()


class Hotrun(Proc):
    exe = HOTRUN        # main() points this at a snapshot of build/hotrun

    def __init__(self, *args):
        super().__init__([Hotrun.exe, "-q", *args], "hotrun")

    def reload(self, path):
        self.send(f"reload {path}\n")
        return ms_of(self.expect(RELOADED).group(2))

    def reloads(self, path, n, chunk=100):
        """n reloads of path sent in chunks; the compile times reported."""
        out = []
        while len(out) < n:
            k = min(chunk, n - len(out))
            self.send(f"reload {path}\n" * k)
            for _ in range(k):
                out.append(ms_of(self.expect(RELOADED).group(2)))
        return out

    def run(self, task, timeout=120.0):
        """(value, ms) of one `run task`."""
        self.send(f"run {task}\n")
        name = task.split(":")[-1].split()[0]
        m = self.expect(re.compile(r"^" + re.escape(name) +
                                   r" = (\S+)\s+\((.*)\)$"), timeout)
        return float(m.group(1)), ms_of(m.group(2))

    def rss(self):
        """VmRSS, RssAnon and RssFile in bytes."""
        out = {}
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    out[key] = int(val.split()[0]) * 1024
        return out


class GccRun(Proc):
    def __init__(self, exe):
        super().__init__([exe], "gccrun")

    def cmd(self, *fields, timeout=600.0):
        self.send("\t".join(str(f) for f in fields) + "\n")
        return self.answer(timeout)

    def answer(self, timeout=600.0):
        line = self.line(timeout)
        if not line.startswith("ok"):
            raise BenchError(f"gccrun: {line}")
        return line.split()[1:]


# ---- set-up ----

def demo_path():
    cache = os.environ.get("XDG_CACHE_HOME", "")
    if not cache.startswith("/"):
        cache = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "hotrun", "demo-5000x5000-f64.npy")


def warm(path):
    """Reads path once so that every variant starts from the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def sh(argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(" ".join(argv) + " failed:\n" + r.stdout + r.stderr)
    return r.stdout


def machine():
    model = "?"
    for line in sh(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) * 1024
    thp = "?"
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            thp = re.search(r"\[(\w+)\]", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    gcc = sh(["gcc", "-dumpfullversion"]).strip()
    try:
        tcc = sh(["tcc", "-v"]).split()[2]
    except (BenchError, OSError, IndexError):
        tcc = "?"
    return (f"{os.cpu_count()} cores ({sh(['nproc']).strip()} online), "
            f"{model}, {mem / 2**30:.1f} GiB RAM, Linux "
            f"{platform.release()}, THP {thp}, gcc {gcc}, tcc {tcc}, "
            f"Python {platform.python_version()}, numpy {np.__version__}")


def build_info(built):
    """Which hotrun was measured: the commit, and the binary's date."""
    try:
        rev = subprocess.run(["git", "-C", ROOT, "describe", "--always",
                              "--dirty"], capture_output=True,
                             text=True).stdout.strip() or "?"
    except OSError:
        rev = "?"
    return f"source tree {rev}, build/hotrun built " + \
        time.strftime("%Y-%m-%d %H:%M", time.localtime(built))


def build(tmp):
    """Snapshots build/hotrun and build/libhotrun.a (so that a rebuild
    during the run changes nothing), builds gccrun against the snapshot and
    speed.c with gcc -O2.  Returns (hotrun, gccrun, speed_so, built)."""
    built = os.path.getmtime(HOTRUN)
    hotrun = os.path.join(tmp, "hotrun")
    core = os.path.join(tmp, "libhotrun.a")
    shutil.copy2(HOTRUN, hotrun)
    shutil.copy2(CORE, core)
    gccrun = os.path.join(tmp, "gccrun")
    sh(["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O3", "-march=native",
        "-Wall", "-Wextra", "-I", os.path.join(ROOT, "src"),
        "-I", os.path.join(ROOT, "src", "util"),
        "-I", os.path.join(ROOT, "include"),
        os.path.join(BENCH, "gccrun.c"), "-o", gccrun, "-rdynamic",
        "-Wl,-z,noexecstack", "-Wl,--whole-archive", core,
        "-Wl,--no-whole-archive", "-ltcc", TCC_RUNTIME, "-lreadline"] +
       subprocess.check_output(["pkg-config", "--libs", "hdf5", "minizip",
                                "zlib"], text=True).split() +
       ["-lcsv", "-ldw", "-lelf", "-lstdc++", "-lpthread", "-ldl", "-lm"])
    speed_so = os.path.join(tmp, "speed-O2.so")
    sh(["gcc", "-O2", "-shared", "-fPIC", "-I", os.path.join(ROOT, "include"),
        os.path.join(TASKS, "speed.c"), "-o", speed_so])
    return hotrun, gccrun, speed_so, built


# ---- the Python trick ----

class Trick:
    """Runs of python_trick.py --bench, interleaved with other sections."""

    def __init__(self, demo, n):
        self.argv = [PY, os.path.join(REFERENCE, "python_trick.py"),
                     "--bench", demo, os.path.join(REFERENCE, "tasks.py"),
                     "some_task", str(n)]
        self.runs = []

    def run(self):
        r = subprocess.run(self.argv, capture_output=True, text=True,
                           cwd="/")
        if r.returncode != 0:
            raise BenchError("python_trick.py failed:\n" + r.stdout +
                             r.stderr)
        out = {}
        for line in r.stdout.splitlines():
            f = line.split()
            if len(f) == 2:
                out[f[0]] = float(f[1])
        for key in ("reload_ms", "run_ms", "reload_run_ms", "load_ms"):
            if key not in out:
                raise BenchError(f"python_trick.py printed no {key}:\n" +
                                 r.stdout)
        self.runs.append(out)

    def values(self, key):
        return [r[key] for r in self.runs]


# ---- the table ----

def fmt_ms(x):
    if x is None:
        return "-"
    if x < 1:
        return f"{x:.3f} ms"
    if x < 10:
        return f"{x:.2f} ms"
    if x < 100:
        return f"{x:.1f} ms"
    return f"{x:.0f} ms"


def fmt_mb(x):
    return f"{x / 1e6:.1f} MB" if x is not None else "-"


def ratio(a, b, unit="x"):
    if a is None or not b:
        return "-"
    r = a / b
    return f"{r:.3f}{unit}" if r < 0.1 else f"{r:.2f}{unit}"


def verdict(ok):
    return "PASS" if ok else "MISS"


class Table:
    def __init__(self):
        self.sections = []

    def section(self, title, cols):
        """A new section, made once its figures are in: the load average
        then tells how busy the machine was while they were taken."""
        load = os.getloadavg()[0]
        self.sections.append((f"{title}; load {load:.2f}", cols, [], []))

    def row(self, *cells):
        self.sections[-1][2].append([str(c) for c in cells] +
                                    [""] * (6 - len(cells)))

    def note(self, text):
        self.sections[-1][3].append(text)

    def render(self):
        rows = [cols for _, cols, _, _ in self.sections]
        for _, _, rs, _ in self.sections:
            rows.extend(rs)
        w = [max(len(r[i]) for r in rows) for i in range(6)]
        out = []
        for title, cols, rs, notes in self.sections:
            out.append("")
            out.append(f"== {title} ==")
            for r in [cols] + rs:
                cells = [r[0].ljust(w[0])] + [r[i].rjust(w[i])
                                              for i in range(1, 5)]
                out.append("  ".join(cells + [r[5]]).rstrip())
            for n in notes:
                out.append("  " + n)
        return "\n".join(out)


# ---- sections ----

def reload_section(cfg, tab, tmp, demo, gcc, trick):
    a = os.path.join(TASKS, "reload_min.c")
    b = os.path.join(TASKS, "reload_libc.c")
    so = os.path.join(tmp, "reload.so")
    inc = os.path.join(ROOT, "include")
    rounds = cfg["reload_rounds"]
    per = cfg["reload_n"] // rounds
    gper = max(1, cfg["gcc_n"] // rounds)
    gcc_cfgs = [(opt, src) for src in (a, b) for opt in ("-O0", "-O2")]
    times = {"a": [], "b": []}
    gtimes = {c: [] for c in gcc_cfgs}
    gparts = {c: [] for c in gcc_cfgs}
    h = Hotrun(demo)
    try:
        h.reloads(a, 20)
        h.reloads(b, 20)
        for (opt, src) in gcc_cfgs:
            gcc.cmd("compile", 1, so, "some_task", "gcc", opt, "-shared",
                    "-fPIC", "-I", inc, src, "-o", so)
        for r in range(rounds):
            say(f"reload: round {r + 1}/{rounds}")
            times["a"] += h.reloads(a, per)
            times["b"] += h.reloads(b, per)
            for c in gcc_cfgs:
                opt, src = c
                for f in gcc.cmd("compile", gper, so, "some_task", "gcc",
                                 opt, "-shared", "-fPIC", "-I", inc, src,
                                 "-o", so):
                    g, d = (float(x) for x in f.split("+"))
                    gtimes[c].append(g + d)
                    gparts[c].append(d)
            trick.run()
        warnings = h.warnings
    finally:
        h.close()
    py = median(trick.values("reload_ms"))
    tab.section(f"reload latency ({len(times['a'])} reloads per hotrun "
                f"variant, {len(gtimes[gcc_cfgs[0]])} per gcc variant)",
                ["variant", "median", "p90", "vs Python", "target",
                 "verdict"])
    ma = median(times["a"])
    tab.row("hotrun reload, hotrun.h only", fmt_ms(ma),
            fmt_ms(p90(times["a"])), ratio(ma, py), "<= 0.5 ms",
            verdict(ma <= 0.5))
    mb = median(times["b"])
    tab.row("hotrun reload, + 4 glibc headers", fmt_ms(mb),
            fmt_ms(p90(times["b"])), ratio(mb, py))
    tab.row("Python trick: importlib.reload", fmt_ms(py), "-", "1.00x")
    for c in gcc_cfgs:
        opt, src = c
        what = "hotrun.h only" if src == a else "+ 4 glibc headers"
        m = median(gtimes[c])
        tab.row(f"gcc {opt} -shared + dlopen, {what}", fmt_ms(m),
                fmt_ms(p90(gtimes[c])), ratio(m, py))
    tab.note("hotrun: the compile time `reload` reports (read, compile in "
             "memory with libtcc, relocate, bind; replaces the old module).")
    tab.note("Python: median of the reload_ms medians of "
             f"{len(trick.runs)} python_trick.py --bench runs (it prints "
             "medians only), interleaved with the hotrun and gcc rounds.")
    tab.note("gcc: posix_spawn gcc + dlopen + dlsym, timed in gccrun.c; "
             "the dlopen share is "
             + ", ".join(f"{median(gparts[c]):.2f} ms ({c[0]}, "
                         f"{'h' if c[1] == a else 'libc'})"
                         for c in gcc_cfgs[:2]) +
             ".  gcc parses glibc headers in both files (hotrun.h includes "
             "them outside libtcc).")
    if warnings:
        tab.note("hotrun warnings: " + "; ".join(sorted(set(warnings))))
    return ma


def edit_section(cfg, tab, tmp, demo, trick):
    d = os.path.join(tmp, "edit")
    os.makedirs(d, exist_ok=True)
    task = os.path.join(d, "demo.c")
    with open(os.path.join(ROOT, "tasks", "demo.c")) as f:
        source = f.read()
    with open(task, "w") as f:
        f.write(source)
    result = re.compile(r"^some_task = (\S+)\s+\((.*)\)$")
    wall, comp, runs = [], [], []
    rounds = max(1, cfg["trick_runs"] - len(trick.runs))
    per = max(1, cfg["edit_n"] // rounds)
    h = Hotrun(demo)
    try:
        for i in range(3):      # warm-up: faults the array's pages in
            h.reload(task)
            h.run("some_task")
        i = 0
        for r in range(rounds):
            say(f"edit-to-result: round {r + 1}/{rounds}")
            for _ in range(per):
                i += 1
                t0 = now_ms()
                with open(task, "w") as f:
                    f.write(source + f"/* edit {i} */\n")
                h.send(f"reload {task}\nrun some_task\n")
                comp.append(ms_of(h.expect(RELOADED).group(2)))
                m = h.expect(result)
                wall.append(now_ms() - t0)
                runs.append(ms_of(m.group(2)))
            trick.run()
    finally:
        h.close()
    py = median(trick.values("reload_run_ms"))
    tab.section(f"edit-to-result: demo some_task on the 5000x5000 demo "
                f"array ({len(wall)} edits)",
                ["variant", "median", "p90", "vs Python", "target",
                 "verdict"])
    m = median(wall)
    tab.row("hotrun: rewrite, reload, run, result line", fmt_ms(m),
            fmt_ms(p90(wall)), ratio(m, py), "<= 0.5x",
            verdict(m <= 0.5 * py))
    tab.row("  of which reload (reported)", fmt_ms(median(comp)),
            fmt_ms(p90(comp)))
    tab.row("  of which run some_task (reported)", fmt_ms(median(runs)),
            fmt_ms(p90(runs)))
    tab.row("Python trick: reload_run_ms", fmt_ms(py), "-", "1.00x")
    tab.row("  of which run_ms (numpy arr.sum())",
            fmt_ms(median(trick.values("run_ms"))))
    tab.note("hotrun: wall time in this script from before rewriting the "
             "copy of tasks/demo.c to reading the result line from the "
             "pipe.")
    tab.note(f"Python: median of the reload_run_ms medians of "
             f"{len(trick.runs)} python_trick.py --bench runs (reload + "
             "call, in-process; no file write, no I/O).")


def speed_section(cfg, tab, demo, gcc, speed_so):
    hot_tasks = ["sum_loop", "sum_kernel", "sum_parallel", "colmeans_loop",
                 "colmeans_kernel", "colmeans_parallel", "ema_filter",
                 "ema_rows_parallel", "some_task"]
    gcc_tasks = ["sum_loop", "sum_parallel", "colmeans_loop",
                 "colmeans_parallel", "ema_filter", "ema_rows_parallel"]
    ht = {t: [] for t in hot_tasks}
    hv = {}
    gt = {t: [] for t in gcc_tasks}
    gv = {}
    bound = {}
    npt = {"sum": [], "colmeans": []}
    npv = {}
    ema = []
    k = cfg["speed_k"]
    spec = importlib.util.spec_from_file_location(
        "_trick_tasks", os.path.join(REFERENCE, "tasks.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    arr = np.load(demo)
    piece = arr.ravel()[:1_000_000]
    nthreads = os.cpu_count() or 1
    gcc.cmd("load", demo, "auto")      # as hotrun loads it by default
    gcc.cmd("open", speed_so)
    h = Hotrun(demo)
    try:
        h.reload(os.path.join(TASKS, "speed.c"))
        h.reload(os.path.join(ROOT, "tasks", "demo.c"))
        # warm-up round: every variant once, untimed
        for t in hot_tasks:
            h.run(t)
        gcc.send("\t".join(["time", "1"] + gcc_tasks) + "\n")
        for t in gcc_tasks:
            gcc.answer()
        gcc.cmd("bound", 1, nthreads)
        arr.sum()
        arr.mean(axis=0)
        rounds = cfg["speed_rounds"]
        ema_every = max(1, rounds // cfg["ema_runs"])
        for r in range(rounds):
            say(f"task speed: round {r + 1}/{rounds}")
            for t in hot_tasks:
                for _ in range(k):
                    v, ms = h.run(t)
                    ht[t].append(ms)
                    hv[t] = v
            gcc.send("\t".join(["time", str(k)] + gcc_tasks) + "\n")
            for t in gcc_tasks:
                f = gcc.answer()
                gv[f[0]] = float(f[1])
                gt[f[0]] += [float(x) for x in f[2:]]
            for n in (nthreads, 1):
                bound.setdefault(n, []).extend(
                    float(x) for x in gcc.cmd("bound", k, n))
            for _ in range(k):
                t0 = now_ms()
                npv["sum"] = float(arr.sum())
                npt["sum"].append(now_ms() - t0)
                t0 = now_ms()
                npv["colmeans"] = float(arr.mean(axis=0).sum())
                npt["colmeans"].append(now_ms() - t0)
            if r % ema_every == 0 and len(ema) < cfg["ema_runs"]:
                t0 = now_ms()
                mod.ema_crossings(piece)
                ema.append((now_ms() - t0) * arr.size / piece.size)
    finally:
        h.close()
    del arr, piece

    nbytes = os.path.getsize(demo) - 128
    bmed = median(bound[nthreads])
    tab.section(f"bandwidth bound: demo some_task vs a read-only pass over "
                f"the same 200 MB ({len(ht['some_task'])} runs each)",
                ["variant", "median", "min", "vs bound", "target",
                 "verdict"])
    tab.row(f"bound: read-only pass, {nthreads} threads", fmt_ms(bmed),
            fmt_ms(min(bound[nthreads])), "1.00x")
    b1 = median(bound[1])
    tab.row("read-only pass, 1 thread", fmt_ms(b1), fmt_ms(min(bound[1])),
            ratio(b1, bmed))
    st = median(ht["some_task"])
    tab.row("hotrun demo some_task (hr_sum)", fmt_ms(st),
            fmt_ms(min(ht["some_task"])), ratio(st, bmed), "<= 1.25x",
            verdict(st <= 1.25 * bmed))
    tab.row(f"  the same vs the nominal {NOMINAL_BOUND_MS} ms bound",
            fmt_ms(st), fmt_ms(min(ht["some_task"])),
            ratio(st, NOMINAL_BOUND_MS), "<= 1.25x",
            verdict(st <= 1.25 * NOMINAL_BOUND_MS))
    tab.note("The bound: XOR of every 64-bit word of the array (gcc -O3 "
             "-march=native, 1 MiB chunks shared out), in gccrun.c on the "
             "array loaded as hotrun loads it by default (hr_array_load, "
             "auto: a copy on 2 MiB pages), interleaved with the hotrun "
             "runs.")
    bmin, smin = min(bound[nthreads]), min(ht["some_task"])
    tab.note(f"GB/s, median (best): bound {nbytes / bmed / 1e6:.1f} "
             f"({nbytes / bmin / 1e6:.1f}) on {nthreads} threads, "
             f"{nbytes / b1 / 1e6:.1f} ({nbytes / min(bound[1]) / 1e6:.1f}) "
             f"on 1; some_task {nbytes / st / 1e6:.1f} "
             f"({nbytes / smin / 1e6:.1f}).  Best against best: some_task "
             f"{ratio(smin, bmin)} the bound.")

    rows = [
        ("sum of 25M float64", "sum", [
            ("hotrun plain loop (libtcc)", ht["sum_loop"], hv["sum_loop"]),
            ("hotrun native kernel hr_sum", ht["sum_kernel"],
             hv["sum_kernel"]),
            ("hotrun hr_parallel_for loop", ht["sum_parallel"],
             hv["sum_parallel"]),
            ("gcc -O2 plain loop", gt["sum_loop"], gv["sum_loop"]),
            ("gcc -O2 hr_parallel_for loop", gt["sum_parallel"],
             gv["sum_parallel"]),
            ("numpy arr.sum()", npt["sum"], npv["sum"])]),
        ("column means of 5000x5000", "colmeans", [
            ("hotrun plain loop (libtcc)", ht["colmeans_loop"],
             hv["colmeans_loop"]),
            ("hotrun native kernel hr_col_means", ht["colmeans_kernel"],
             hv["colmeans_kernel"]),
            ("hotrun hr_parallel_for loop", ht["colmeans_parallel"],
             hv["colmeans_parallel"]),
            ("gcc -O2 plain loop", gt["colmeans_loop"],
             gv["colmeans_loop"]),
            ("gcc -O2 hr_parallel_for loop", gt["colmeans_parallel"],
             gv["colmeans_parallel"]),
            ("numpy arr.mean(axis=0)", npt["colmeans"], npv["colmeans"])]),
        ("sequential filter: EMA crossings", "ema", [
            ("hotrun plain loop (libtcc)", ht["ema_filter"],
             hv["ema_filter"]),
            ("hotrun hr_parallel_for, per row *", ht["ema_rows_parallel"],
             hv["ema_rows_parallel"]),
            ("gcc -O2 plain loop", gt["ema_filter"], gv["ema_filter"]),
            ("gcc -O2 hr_parallel_for, per row *", gt["ema_rows_parallel"],
             gv["ema_rows_parallel"]),
            ("Python loop (tasks.py) **", ema, None)]),
    ]
    tab.section(f"task speed on the demo array ({len(ht['sum_loop'])} runs "
                f"per variant; numpy/Python is the Python trick)",
                ["variant", "median", "min", "vs Python", "target",
                 "verdict"])
    bad = []
    for title, key, variants in rows:
        ref = median(variants[-1][1])
        tab.row(f"{title}:")
        for name, xs, v in variants:
            m = median(xs)
            tab.row("  " + name, fmt_ms(m), fmt_ms(min(xs)), ratio(m, ref))
        vals = [v for name, _, v in variants
                if v is not None and "per row" not in name]
        if any(abs(v - vals[0]) > 1e-9 * max(1.0, abs(vals[0]))
               for v in vals):
            bad.append(f"{title}: " + ", ".join(f"{v!r}" for v in vals))
    tab.note("No native kernel exists for the filter: each value depends on "
             "the previous one.")
    tab.note("* per row: the filter restarted on each of the 5000 rows, rows "
             "in parallel: a different count, the same work.")
    tab.note(f"** pure Python (numpy cannot vectorise it) on the first "
             f"1,000,000 elements, times 25 (extrapolated linearly), "
             f"{len(ema)} runs.")
    if bad:
        tab.note("RESULTS DISAGREE: " + "; ".join(bad))
    else:
        tab.note("Results agree across the variants of each job (relative "
                 "1e-9).")


def spawn_to_result(args, res, task):
    """ms from spawning hotrun to reading the result of `run task`."""
    t0 = now_ms()
    h = Hotrun(*args)
    try:
        h.send(f"reload {res}\nrun {task}\n")
        h.expect(re.compile(r"^" + task + r" = "))
        return now_ms() - t0
    finally:
        h.close()


def resident_section(cfg, tab, tmp, demo, gcc):
    tiny = os.path.join(tmp, "tiny.npy")
    np.save(tiny, np.zeros((1, 1)))
    pkl = os.path.join(tmp, "demo.pkl")
    a = np.load(demo)
    with open(pkl, "wb") as f:
        pickle.dump(a, f, protocol=pickle.HIGHEST_PROTOCOL)
    del a
    for p in (demo, pkl, tiny):
        warm(p)
    res = os.path.join(TASKS, "resident.c")
    # start-up: the default load (auto: a copy on 2 MiB pages) and mmap
    keys = ["auto", "mmap"]
    # in-process hr_array_load: auto (copy, one thread a core), the copy on
    # one thread (what --load=read did before auto), mmap
    loads = [("auto", "0"), ("copy", "1"), ("mmap", "0")]
    start = {(m, t): [] for m in keys for t in ("count", "full_sum")}
    inproc = {m: [] for m in loads}
    hows = {}
    base = {"count": [], "full_sum": []}
    npl = {"np.load": [], "pickle.load": [], "np.load+sum": [],
           "pickle.load+sum": []}

    def np_load():
        return np.load(demo)

    def pk_load():
        with open(pkl, "rb") as f:
            return pickle.load(f)

    rounds = cfg["resident_rounds"]
    random.seed(1)
    for r in range(rounds + 1):     # round 0 is a warm-up
        say(f"resident: round {r}/{rounds}")
        for task in ("count", "full_sum"):
            order = [None] + keys
            random.shuffle(order)
            got = {}
            for m in order:
                args = [tiny] if m is None else [f"--load={m}", demo]
                got[m] = spawn_to_result(args, res, task)
            if r:
                base[task].append(got[None])
                for m in keys:
                    start[(m, task)].append(got[m] - got[None])
        order = list(loads)
        random.shuffle(order)
        for m in order:
            f = gcc.cmd("load", demo, *m)
            hows[m] = " ".join(f[1:])
            if r:
                inproc[m].append(float(f[0]))
        for name, fn in (("np.load", np_load), ("pickle.load", pk_load)):
            t0 = now_ms()
            x = fn()
            t1 = now_ms()
            x.sum()
            t2 = now_ms()
            del x
            if r:
                npl[name].append(t1 - t0)
                npl[name + "+sum"].append(t2 - t0)
    gcc.cmd("load", demo, "auto")
    ref = median(npl["np.load"])
    ref2 = median(npl["np.load+sum"])
    diff = {k: (median(xs), min(xs)) for k, xs in start.items()}
    tab.section(f"making the 200 MB array resident (warm page cache, "
                f"{rounds} runs each)",
                ["variant", "median", "min", "vs np.load", "target",
                 "verdict"])
    tab.row("ready (array usable, no task run yet):")
    for m in keys:
        med, low = diff[(m, "count")]
        tab.row(f"  hotrun --load={m} start-up *", fmt_ms(med),
                fmt_ms(low), ratio(med, ref))
    what = {("auto", "0"): "auto (default)",
            ("copy", "1"): "copy on 1 thread (the old --load=read)",
            ("mmap", "0"): "mmap"}
    for m in loads:
        xs = inproc[m]
        tab.row(f"  hr_array_load {what[m]} **", fmt_ms(median(xs)),
                fmt_ms(min(xs)), ratio(median(xs), ref))
    for name in ("np.load", "pickle.load"):
        xs = npl[name]
        tab.row(f"  {name}" + (" of a .pkl copy" if "pickle" in name else
                               " (the Python trick)"),
                fmt_ms(median(xs)), fmt_ms(min(xs)), ratio(median(xs), ref))
    tab.row("ready + the first full pass (ratios vs np.load + sum):")
    for m in keys:
        med, low = diff[(m, "full_sum")]
        tab.row(f"  hotrun --load={m} start-up + first hr_sum *",
                fmt_ms(med), fmt_ms(low), ratio(med, ref2))
    for name in ("np.load", "pickle.load"):
        xs = npl[name + "+sum"]
        tab.row(f"  {name} + first arr.sum()", fmt_ms(median(xs)),
                fmt_ms(min(xs)), ratio(median(xs), ref2))
    tab.note("Files read once before: the page cache is warm.")
    tab.note("* wall time from spawning `hotrun -q ARRAY` to reading the "
             "result of `run count` (`run full_sum`), less the same with a "
             "1-element array in the same round (median "
             + ", ".join(f"{fmt_ms(median(base[t]))} for {t}"
                         for t in ("count", "full_sum")) +
             "), in random order; within the noise of a process start "
             "(about 1 ms), a difference may be negative.  hotrun prints "
             "no load time in script mode.")
    tab.note("** hr_array_load() timed in gccrun.c, the three in random "
             "order each round; how they loaded: "
             + "; ".join(f"{what[m]}: {hows.get(m, '?')}" for m in loads)
             + ".  The second group adds the first full pass over the "
             "data, which costs more than later ones (first touch of a new "
             "mapping).")


def memory_section(cfg, tab, demo):
    res = os.path.join(TASKS, "resident.c")
    small = os.path.join(TASKS, "reload_min.c")
    nbytes = os.path.getsize(demo)
    out = {}
    h = Hotrun(demo)
    try:
        h.reload(res)
        h.run("count")
        out["load"] = h.rss()
        h.run("full_sum")
        out["pass"] = h.rss()
        say(f"memory: {cfg['churn_warmup']} + {cfg['churn']} reloads")
        h.reloads(small, cfg["churn_warmup"])
        out["warm"] = h.rss()
        churn = h.reloads(small, cfg["churn"])
        h.run("count")
        out["churn"] = h.rss()
    finally:
        h.close()
    h = Hotrun("--load=mmap", demo)
    try:
        h.reload(res)
        h.run("count")
        out["mmap"] = h.rss()
        h.run("full_sum")
        out["mmap_pass"] = h.rss()
    finally:
        h.close()
    tab.section("memory (MB = 10^6 bytes; the array file is "
                f"{nbytes / 1e6:.1f} MB)",
                ["variant", "VmRSS", "minus array", "vs array", "target",
                 "verdict"])
    for key, what in (("load", "default (copy), after load"),
                      ("pass", "default (copy), after a full pass"),
                      ("mmap", "--load=mmap, after load"),
                      ("mmap_pass", "--load=mmap, after a full pass")):
        v = out[key]["VmRSS"]
        tab.row(f"hotrun {what}", fmt_mb(v), fmt_mb(v - nbytes)
                if v > nbytes else "-", ratio(v, nbytes))
    v = out["mmap_pass"]["RssAnon"]
    tab.row("hotrun --load=mmap, RssAnon (its own memory)",
            fmt_mb(v), "-", ratio(v, nbytes))
    v = out["pass"]["RssAnon"]
    tab.row("hotrun default, RssAnon (the copy is its own)",
            fmt_mb(v), "-", ratio(v, nbytes))
    g = out["churn"]["VmRSS"] - out["warm"]["VmRSS"]
    ga = out["churn"]["RssAnon"] - out["warm"]["RssAnon"]
    tab.row(f"VmRSS growth over {cfg['churn']:,} reloads",
            f"{g / 1e6:.3f} MB", "-", "-", "<= 1 MB", verdict(g <= 1e6))
    tab.row(f"RssAnon growth over {cfg['churn']:,} reloads",
            f"{ga / 1e6:.3f} MB")
    tab.note(f"Reloads of bench/tasks/reload_min.c after {cfg['churn_warmup']}"
             f" warm-up reloads; their compile time: median "
             f"{fmt_ms(median(churn))}, p90 {fmt_ms(p90(churn))}, first "
             f"1000 {fmt_ms(median(churn[:1000]))}, last 1000 "
             f"{fmt_ms(median(churn[-1000:]))}.")


# ---- main ----

def main():
    quick = "--quick" in sys.argv[1:]
    extra = [a for a in sys.argv[1:] if a != "--quick"]
    if extra:
        sys.exit(__doc__)
    cfg = QUICK if quick else FULL
    # tier 1 (libtcc) figures: tier 2 has bench/tier_bench.py
    os.environ.setdefault("HOTRUN_TIER", "off")
    for path, what in ((HOTRUN, "build/hotrun"),
                       (CORE, "build/libhotrun.a")):
        if not os.path.exists(path):
            sys.exit(f"bench.py: {what} is missing; build first:\n  cmake -S "
                     ". -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake "
                     "--build build -j2")
    if not os.path.exists(os.path.join(REFERENCE, "python_trick.py")):
        sys.exit(f"bench.py: the Python trick is missing: {REFERENCE}")
    demo = demo_path()
    if not os.path.exists(demo):
        say(f"making the demo array {demo}")
        subprocess.run([HOTRUN, "--demo", "-q"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, check=True)
    t_start = time.monotonic()
    load0 = os.getloadavg()[0]
    tab = Table()
    tmp = tempfile.mkdtemp(prefix="hotrun-bench-")
    gcc = None
    built = 0
    try:
        say("building bench/gccrun.c and the gcc -O2 build of speed.c")
        Hotrun.exe, gccrun, speed_so, built = build(tmp)
        warm(demo)
        gcc = GccRun(gccrun)
        trick = Trick(demo, cfg["trick_n"])
        reload_section(cfg, tab, tmp, demo, gcc, trick)
        edit_section(cfg, tab, tmp, demo, trick)
        think_bench.section(cfg, tab, tmp, demo, sys.modules[__name__])
        speed_section(cfg, tab, demo, gcc, speed_so)
        resident_section(cfg, tab, tmp, demo, gcc)
        memory_section(cfg, tab, demo)
    except BenchError as e:
        sys.exit(f"bench.py: {e}")
    finally:
        if gcc is not None:
            gcc.send("quit\n")
            gcc.close()
        shutil.rmtree(tmp, ignore_errors=True)
    load1 = os.getloadavg()[0]
    print(f"hotrun bench{' --quick' if quick else ''}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, "
          f"{time.monotonic() - t_start:.0f} s; load average {load0:.2f} "
          f"at start, {load1:.2f} at end")
    print("machine: " + machine())
    print("hotrun: " + build_info(built))
    print(tab.render())


if __name__ == "__main__":
    main()
