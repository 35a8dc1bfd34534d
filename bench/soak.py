#!/usr/bin/python3
"""soak.py - a long session: does hotrun stay as it started?

    /usr/bin/python3 bench/soak.py [--cycles N] [--crashes N]

One hotrun process (build/hotrun) with a 32 MB float64 array resident,
driven through a pipe as a script would:

1. N (10,000) cycles of `reload` + `run` of a small task file that keeps
   a 1 MB block with hr_keep, rewritten every 100 cycles so that the
   module really changes;
2. N (1,000) alternations of a task that crashes (a null pointer, a
   division by zero, hr_fail) and a good run;

and after each block of cycles the process's resident memory (VmRSS),
its open file descriptors and the array's checksum.  Prints a table and
the growth from the first block to the last; the figures to watch are
RSS growth (target: < 1 MB over 10,000 reloads), fd growth (0) and
checksum drift (none).  Not a test: it takes a minute or two.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOTRUN = os.path.join(ROOT, "build", "hotrun")

GOOD = """#include "hotrun.h"
double soak(const struct hr_array *a)
{
    const double *x = hr_f64(a);
    double *cache = hr_keep("cache", 1 << 20);  /* kept across reloads */
    double s = %d;
    int64_t i;

    for (i = 0; i < a->size; i += 4096)
        s += x[i];
    cache[0] += 1;
    return s;
}
"""

BAD = """#include "hotrun.h"
double null(const struct hr_array *a)
{
    volatile double *p = 0;
    (void)a;
    return *p;
}
double divide(const struct hr_array *a)
{
    volatile int z = 0;
    return (int)a->size / z;
}
double failing(const struct hr_array *a)
{
    char *keep = malloc(1 << 20);   /* freed by hotrun: the run failed */
    keep[0] = 1;
    hr_fail("failing on purpose (%d)", (int)a->ndim);
    return 0;
}
double good(const struct hr_array *a)
{
    return hr_sum(a);
}
"""


def status(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss / 1024.0, fds


class Session:
    def __init__(self, array):
        self.p = subprocess.Popen(
            [HOTRUN, "-q", array], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=dict(os.environ, NO_COLOR="1"), text=True, bufsize=1)

    def send(self, lines):
        self.p.stdin.write("".join(l + "\n" for l in lines))
        self.p.stdin.flush()

    def marker(self):
        """Waits until everything sent so far is done; returns the
        checksum line it printed."""
        self.send(["checksum"])
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("hotrun ended")
            m = re.match(r"^\S+ ([0-9a-f]{16})$", line.strip())
            if m:
                return m.group(1)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def block_table(title, rows):
    print(f"\n{title}")
    print(f"  {'after':>8}  {'RSS MB':>8}  {'fds':>4}  {'s/block':>8}  "
          "checksum")
    for n, rss, fds, secs, sum_ in rows:
        print(f"  {n:>8}  {rss:8.2f}  {fds:>4}  {secs:8.2f}  {sum_}")
    first, last = rows[0], rows[-1]
    print(f"  growth from {first[0]} to {last[0]}: RSS "
          f"{last[1] - first[1]:+.3f} MB, fds {last[2] - first[2]:+d}, "
          f"checksum {'unchanged' if first[4] == last[4] else 'CHANGED'}")
    return last[1] - first[1], last[2] - first[2], first[4] == last[4]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--crashes", type=int, default=1000)
    args = ap.parse_args()
    if not os.access(HOTRUN, os.X_OK):
        sys.exit("build/hotrun is missing: cmake --build build first")
    tmp = tempfile.mkdtemp(prefix="hotrun-soak-")
    array = os.path.join(tmp, "soak.npy")
    np.save(array, np.random.default_rng(3).random(4_000_000))
    good = os.path.join(tmp, "good.c")
    bad = os.path.join(tmp, "bad.c")
    with open(bad, "w") as f:
        f.write(BAD)
    s = Session(array)
    print(f"hotrun soak: {HOTRUN}, array {array} (32 MB); "
          f"load {os.getloadavg()[0]:.2f}")

    rows = []
    block = max(1, args.cycles // 10)
    done = 0
    while done < args.cycles:
        t0 = time.time()
        for i in range(block):
            if (done + i) % 100 == 0:
                with open(good, "w") as f:
                    f.write(GOOD % (done + i))
            s.send([f"reload {good}", "run soak"])
        sum_ = s.marker()
        done += block
        rss, fds = status(s.p.pid)
        rows.append((done, rss, fds, time.time() - t0, sum_))
    rss_g, fd_g, same = block_table(
        f"reload + run, {args.cycles} cycles", rows)

    rows = []
    s.send([f"reload {bad}"])
    block = max(1, args.crashes // 5)
    done = 0
    kinds = ["null", "divide", "failing"]
    while done < args.crashes:
        t0 = time.time()
        for i in range(block):
            s.send([f"run {kinds[(done + i) % 3]}", "run good"])
        sum_ = s.marker()
        done += block
        rss, fds = status(s.p.pid)
        rows.append((done, rss, fds, time.time() - t0, sum_))
    rss_c, fd_c, same_c = block_table(
        f"crash + good run, {args.crashes} alternations", rows)
    s.close()
    print(f"\nsummary: RSS growth {rss_g:+.3f} MB over reloads (target < 1 "
          f"MB: {'PASS' if rss_g < 1 else 'MISS'}), {rss_c:+.3f} MB over "
          f"crashes; fd growth {fd_g:+d} / {fd_c:+d}; checksum "
          f"{'unchanged' if same and same_c else 'DRIFTED'}; "
          f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
