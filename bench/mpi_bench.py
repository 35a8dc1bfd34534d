#!/usr/bin/python3
"""mpi_bench.py - hotrun --ranks N against the single-process session:
job start, reload latency, the run time of a full pass (hr_sum) and the
per-command overhead (a task that does nothing), each measured as the
front end sees it (command sent to record read), by rank count.

usage: /usr/bin/python3 bench/mpi_bench.py [--quick] [--rows R]
The array (R x 2000 float64, default R = 4000: 64 MB) is written to a
temporary folder.  Ranks are oversubscribed on a small machine: with more
ranks than cores the run time shows the scheduling, not the scaling.
"""
import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOTRUN = os.path.join(ROOT, "build", "hotrun")
TASK = os.path.join(ROOT, "bench", "tasks", "mpi_bench.c")
QUICK = "--quick" in sys.argv
ROWS = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv \
    else 4000
ENV = dict(os.environ, NO_COLOR="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


class Session:
    def __init__(self, args):
        t0 = time.perf_counter()
        self.p = subprocess.Popen([HOTRUN, "--json"] + args,
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=ENV, text=True,
                                  bufsize=1)
        self.ask("arrays")
        self.start_s = time.perf_counter() - t0

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        rec = json.loads(self.p.stdout.readline())
        assert rec["ok"], rec
        return rec

    def time(self, line, n):
        ts = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.ask(line)
            ts.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(ts)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def main():
    tmp = tempfile.mkdtemp(prefix="hotrun-mpibench-")
    path = os.path.join(tmp, "a.npy")
    a = np.random.default_rng(1).random((ROWS, 2000))
    np.save(path, a)
    rounds = 3 if QUICK else 10
    n_reload, n_run, n_cmd = (5, 3, 30) if QUICK else (10, 5, 100)
    counts = [0, 1, 2, 4]
    sessions = {}
    for ranks in counts:
        args = (["--ranks", str(ranks)] if ranks else []) + ["a=" + path]
        s = Session(args)
        s.ask("reload " + TASK)
        r = s.ask("run total")
        assert abs(r["result"] - a.sum()) < 1e-6 * a.sum(), r
        sessions[ranks] = s
        print("started %s in %.2f s" % ("the single process" if ranks == 0
                                        else "%d ranks" % ranks, s.start_s),
              file=sys.stderr)
    # side by side: each round measures every session in turn, so that a
    # busy moment of the shared machine hits all of them
    got = {k: ([], [], []) for k in counts}
    for rnd in range(rounds):
        for ranks in counts:
            s = sessions[ranks]
            got[ranks][0].append(s.time("reload " + TASK, n_reload))
            got[ranks][1].append(s.time("run total", n_run))
            got[ranks][2].append(s.time("run nothing", n_cmd))
        print("round %d of %d" % (rnd + 1, rounds), file=sys.stderr)
    for s in sessions.values():
        s.close()
    med = {k: [statistics.median(x) for x in got[k]] for k in counts}
    base = med[0][2]
    print("hotrun --ranks N, %d x 2000 float64 (%.0f MB), %d cores, "
          "launcher %r; median over %d rounds of the median wall time as "
          "the front end sees it" % (ROWS, a.nbytes / 1e6, os.cpu_count(),
                                     os.environ.get("HOTRUN_LAUNCHER",
                                                    "mpirun"), rounds))
    print("%-16s %9s %11s %14s %13s %12s" % ("session", "start", "reload",
                                            "run hr_sum", "empty task",
                                            "overhead"))
    for ranks in counts:
        rel, run, cmd = med[ranks]
        print("%-16s %8.2fs %9.2f ms %11.2f ms %10.3f ms %9.3f ms" % (
            "single process" if ranks == 0 else "--ranks %d" % ranks,
            sessions[ranks].start_s, rel, run, cmd, cmd - base))
    os.remove(path)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
