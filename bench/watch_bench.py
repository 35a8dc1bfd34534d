#!/usr/bin/python3
"""Edit-to-result latency of watch mode, beside the Python trick.

  /usr/bin/python3 bench/watch_bench.py PATH_TO_HOTRUN [SAVES]

Starts `hotrun -q DEMO.npy` (the 5000 x 5000 float64 demo array, 200 MB;
made once with `hotrun --demo` when missing) and `watch`es a copy of
tasks/demo.c with some_task.  Then SAVES times (default 60) it saves the
file the way vim and VS Code do (a new file renamed over it; a comment
changes each time so that the content hash does) and measures the wall time
from just after the rename to hotrun printing the result line.  That covers
inotify, the settle wait, reading and hashing, compiling, running the task
and printing.  Prints the median and p95, and hotrun's own compile and run
medians for the breakdown.

The Python side runs ../shared/reference/python_trick.py --bench (beside
the repository) on the same array and prints its reload_run_ms: reloading
the module and running the task, after Enter is pressed.  It needs Debian's
python3-numpy; without it that side is skipped.  Not run by the tests.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(os.path.dirname(ROOT), "shared", "reference")
RESULT = re.compile(r"^some_task = \S+  \((\S+ \S+),")
RELOADED = re.compile(r"^reloaded .*\((\S+ \S+)\)$")
GAP_S = 0.25        # between saves: let the previous one finish settling


def demo_path():
    cache = os.environ.get("XDG_CACHE_HOME", "")
    if not cache.startswith("/"):
        cache = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "hotrun", "demo-5000x5000-f64.npy")


def ms(text):
    """hotrun's "412 us" / "87.3 ms" / "2.31 s" in milliseconds."""
    value, unit = text.split()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def read_until(out, rx):
    """Lines of out until one matches rx; returns (match, lines)."""
    seen = []
    while True:
        line = out.readline()
        if not line:
            raise SystemExit("hotrun ended:\n" + "".join(seen))
        seen.append(line)
        m = rx.search(line.rstrip("\n"))
        if m:
            return m, seen


def bench_hotrun(exe, demo, saves):
    d = tempfile.mkdtemp(prefix="hotrun-bench-")
    task = os.path.join(d, "demo.c")
    tmp = os.path.join(d, ".demo.c.tmp")
    with open(os.path.join(ROOT, "tasks", "demo.c")) as f:
        source = f.read()
    with open(task, "w") as f:
        f.write(source)
    env = dict(os.environ, NO_COLOR="1")
    p = subprocess.Popen([exe, "-q", demo], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, bufsize=1, env=env)
    latency, compile_ms, run_ms = [], [], []
    try:
        p.stdin.write(f"watch {task} some_task\n")
        p.stdin.flush()
        read_until(p.stdout, RESULT)
        for i in range(saves):
            time.sleep(GAP_S)
            with open(tmp, "w") as f:
                f.write(source + f"/* save {i} */\n")
            os.rename(tmp, task)
            t0 = time.perf_counter()
            m, lines = read_until(p.stdout, RESULT)
            latency.append((time.perf_counter() - t0) * 1e3)
            run_ms.append(ms(m.group(1)))
            for line in lines:
                r = RELOADED.search(line.rstrip("\n"))
                if r:
                    compile_ms.append(ms(r.group(1)))
        p.stdin.write("quit\n")
        p.stdin.flush()
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
        shutil.rmtree(d, ignore_errors=True)
    return latency, compile_ms, run_ms


def bench_python(demo, n=30):
    trick = os.path.join(REFERENCE, "python_trick.py")
    tasks = os.path.join(REFERENCE, "tasks.py")
    py = "/usr/bin/python3"
    if not os.path.exists(trick):
        print(f"python trick: {trick} not found; skipped")
        return None
    if subprocess.run([py, "-c", "import numpy"], capture_output=True,
                      cwd="/").returncode != 0:
        print("python trick: numpy is missing (apt install python3-numpy); "
              "skipped")
        return None
    r = subprocess.run([py, trick, "--bench", demo, tasks, "some_task",
                        str(n)], capture_output=True, text=True, cwd="/")
    if r.returncode != 0:
        print("python trick failed:\n" + r.stdout + r.stderr)
        return None
    out = dict(line.split() for line in r.stdout.splitlines()
               if len(line.split()) == 2)
    return {k: float(v) for k, v in out.items()}


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    exe = os.path.abspath(sys.argv[1])
    saves = int(sys.argv[2]) if len(sys.argv) == 3 else 60
    demo = demo_path()
    if not os.path.exists(demo):
        print(f"making the demo array: {demo}")
        subprocess.run([exe, "--demo", "-q", "-c", "quit"],
                       stdin=subprocess.DEVNULL, check=True)
    lat, comp, run = bench_hotrun(exe, demo, saves)
    print(f"hotrun watch, {len(lat)} saves of demo.c (rename over it), "
          f"some_task on the 200 MB demo array:")
    print(f"  save -> result line: median {statistics.median(lat):.1f} ms, "
          f"p95 {p95(lat):.1f} ms (min {min(lat):.1f}, max {max(lat):.1f})")
    print(f"  of which compile median {statistics.median(comp):.2f} ms, "
          f"run median {statistics.median(run):.1f} ms")
    py = bench_python(demo)
    if py is not None and "reload_run_ms" in py:
        ratio = py["reload_run_ms"] / statistics.median(lat)
        print(f"python trick (Enter -> result, importlib.reload + "
              f"some_task), median of 30: reload_run_ms "
              f"{py['reload_run_ms']:.1f} ms "
              f"(reload {py.get('reload_ms', 0):.2f}, run "
              f"{py.get('run_ms', 0):.1f})")
        print(f"  ratio python / hotrun watch: {ratio:.2f}x")


if __name__ == "__main__":
    main()
