#!/usr/bin/python3
"""Loading 1 GB of CSV: hotrun beside NumPy's np.loadtxt and beside reading
the file, in one run.

  /usr/bin/python3 bench/csv_bench.py [--quick] [--mb N] [--keep FILE]

Expects build/hotrun (cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
&& cmake --build build -j2) and Debian's python3 with numpy.  It writes a
CSV of about N MB (default 1024: a header and 8 columns of float64, most
cells at full 17-digit precision as repr() writes them, some %.6f) into a
temporary folder and removes it at the end (--keep FILE: use or make FILE
and keep it).

Measured, interleaved in rounds (median and min over the rounds):
  read cold     the file evicted from the page cache (posix_fadvise
                DONTNEED, this file only), then read() in 16 MiB blocks:
                what the disk allows
  read warm     the same read again, from the page cache
  hotrun cold   `load` in one long-lived `hotrun -q` process after the
                same eviction; the time hotrun reports for the load
  hotrun warm   `load` again, the file cached
and once, on the cached file:
  np.loadtxt    np.loadtxt(FILE, delimiter=",", skiprows=1)
Ratios: np.loadtxt / hotrun warm (the target: >= 5; also in CPU time,
which another process on the machine disturbs less: hotrun's from
/proc/PID/stat around the load, NumPy's process time), hotrun cold / read
cold (the target: <= 2), hotrun warm / read warm (for the record).  The
result is checked: shape, and the sum of every value against NumPy's.
The first line gives the load average: above ~1 on 2 cores, another
process was competing and the figures mean less.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOTRUN = os.path.join(ROOT, "build", "hotrun")
BLOCK_ROWS = 100000
COLS = 8
TICK = os.sysconf("SC_CLK_TCK")


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def make_csv(path, mb):
    """A header and rows of 8 float64 columns, about mb MB."""
    rng = np.random.default_rng(2026)
    blocks = []
    for b in range(4):
        a = rng.standard_normal((BLOCK_ROWS, COLS)) * \
            10.0 ** rng.integers(-3, 4, size=(BLOCK_ROWS, COLS))
        lines = []
        for r in a:
            cells = [repr(float(v)) for v in r[:6]] + \
                    ["%.6f" % v for v in r[6:]]
            lines.append(",".join(cells))
        blocks.append(("\n".join(lines) + "\n").encode())
    want = mb << 20
    with open(path, "wb") as f:
        f.write(b"c0,c1,c2,c3,c4,c5,c6,c7\n")
        done = 0
        k = 0
        while done < want:
            f.write(blocks[k % len(blocks)])
            done += len(blocks[k % len(blocks)])
            k += 1
        f.flush()
        os.fsync(f.fileno())


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_file(path):
    buf = bytearray(16 << 20)
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass
    return time.perf_counter() - t0


class Hotrun:
    """One long-lived hotrun reading commands on a pipe."""

    def __init__(self, task):
        env = dict(os.environ, NO_COLOR="1")
        self.p = subprocess.Popen([HOTRUN, "-q", "-t", task],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  env=env)

    def cmd(self, line, until):
        """Sends line; returns the first output line starting with until
        (lines before it are notes, or an error that is raised)."""
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        while True:
            out = self.p.stdout.readline()
            if not out:
                raise RuntimeError("hotrun ended")
            if out.startswith(until):
                return out
            if not out.startswith(("reloaded", "loaded")):
                raise RuntimeError(out)

    def cpu(self):
        """CPU seconds (user + system) the process has used so far."""
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def load(self, path):
        """(wall seconds hotrun reports, CPU seconds, shape)."""
        c0 = self.cpu()
        line = self.cmd(f"load big={path}", "loaded big:")
        cpu = self.cpu() - c0
        m = re.search(r"\(([\d.]+) (us|ms|s)\)$", line.strip())
        scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]
        shape = re.search(r": (\d+)x(\d+) ", line)
        return float(m.group(1)) * scale, cpu, (int(shape.group(1)),
                                                int(shape.group(2)))

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def main():
    quick = "--quick" in sys.argv
    mb = 1024
    keep = None
    if "--mb" in sys.argv:
        mb = int(sys.argv[sys.argv.index("--mb") + 1])
    if "--keep" in sys.argv:
        keep = sys.argv[sys.argv.index("--keep") + 1]
    if not os.access(HOTRUN, os.X_OK):
        sys.exit(f"no {HOTRUN}: build it first (see bench/README.md)")
    rounds = 2 if quick else 5
    tmp = tempfile.mkdtemp(prefix="hotrun-csvbench-")
    path = keep or os.path.join(tmp, "big.csv")
    load0 = os.getloadavg()[0]
    try:
        if not os.path.exists(path):
            say(f"writing {path} (~{mb} MB)")
            make_csv(path, mb)
        size = os.path.getsize(path)
        task = os.path.join(tmp, "sum.c")
        with open(task, "w") as f:
            f.write('#include "hotrun.h"\n'
                    "double total(const struct hr_array *a)\n"
                    "{\n    return hr_sum(a);\n}\n")
        h = Hotrun(task)
        h.load(path)    # first touch of the memory, once
        t = {"read cold": [], "read warm": [], "hotrun cold": [],
             "hotrun warm": []}
        cpu = []
        for r in range(rounds):
            say(f"round {r + 1}/{rounds}")
            evict(path)
            t["read cold"].append(read_file(path))
            t["read warm"].append(read_file(path))
            evict(path)
            sec, _, shape = h.load(path)
            t["hotrun cold"].append(sec)
            sec, c, shape = h.load(path)
            t["hotrun warm"].append(sec)
            cpu.append(c)
        hsum = float(h.cmd("use big\nrun total", "total = ").split()[2])
        h.close()
        say("np.loadtxt (one run, the file cached)")
        read_file(path)
        c0 = time.process_time()
        t0 = time.perf_counter()
        a = np.loadtxt(path, delimiter=",", skiprows=1)
        t_np = time.perf_counter() - t0
        cpu_np = time.process_time() - c0
        nsum = float(a.sum())
        ok = a.shape == shape and abs(hsum - nsum) <= 1e-9 * abs(nsum) + 1e-6
        med = {k: statistics.median(v) for k, v in t.items()}
        low = {k: min(v) for k, v in t.items()}
        print(f"load average {load0:.2f} at the start, "
              f"{os.getloadavg()[0]:.2f} at the end; {os.cpu_count()} cores")
        print(f"file: {size / 1e6:.0f} MB CSV, {shape[0]} x {shape[1]} "
              f"float64 ({shape[0] * shape[1] * 8 / 1e6:.0f} MB), "
              f"{rounds} rounds")
        print(f"{'':14}{'median':>10}{'min':>10}{'MB/s':>10}")
        for k in t:
            print(f"{k:14}{med[k]:>9.3f}s{low[k]:>9.3f}s"
                  f"{size / 1e6 / med[k]:>10.0f}")
        print(f"{'np.loadtxt':14}{t_np:>9.3f}s{'':>10}"
              f"{size / 1e6 / t_np:>10.0f}")
        cpu_h = statistics.median(cpu)
        print(f"CPU seconds: hotrun warm load {cpu_h:.2f} (median), "
              f"np.loadtxt {cpu_np:.2f}")
        print(f"np.loadtxt / hotrun warm   {t_np / med['hotrun warm']:6.1f}x"
              f"   (target >= 5; in CPU time {cpu_np / cpu_h:.1f}x)")
        print(f"hotrun cold / read cold    "
              f"{med['hotrun cold'] / med['read cold']:6.2f}x   "
              f"(target <= 2)")
        print(f"hotrun warm / read warm    "
              f"{med['hotrun warm'] / med['read warm']:6.2f}x")
        print(f"result: shape {'equal' if a.shape == shape else 'DIFFERS'}"
              f", sum {hsum!r} vs NumPy {nsum!r}: "
              f"{'ok' if ok else 'MISMATCH'}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
