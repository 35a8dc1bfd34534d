#!/usr/bin/python3
"""End-to-end tests of stops, through the real binary.

A run stopped by a timeout or Ctrl-C is reported as stopped, whatever the
task does after the stop, and at once (in process, with --isolate, in
hr_parallel_for workers).

usage: e2e_stop.py PATH_TO_HOTRUN      (run by ctest)
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HOTRUN = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="hotrun-stop-")
ENV = dict(os.environ, NO_COLOR="1")


def write_npy(path, dtype, shape, data):
    """A v1.0 .npy file, without numpy."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        dtype, "".join(f"{n}, " for n in shape))
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little"))
        f.write(header.encode())
        f.write(data)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


A = os.path.join(TMP, "a.npy")
write_npy(A, "<i4", (1000,), b"".join(i.to_bytes(4, "little")
                                      for i in range(1000)))
OK = write("ok.c", '#include "hotrun.h"\n'
           "double ok(const struct hr_array *a) { return 42; }\n")
SLEEP = write("sleep.c", '#include "hotrun.h"\n#include <unistd.h>\n'
              "double f(const struct hr_array *a)\n"
              '{ printf("started\\n"); fflush(stdout); sleep(3);'
              " return 7; }\n")
PSLEEP = write("psleep.c", '#include "hotrun.h"\n#include <unistd.h>\n'
               "static void chunk(void *c, int64_t b, int64_t e)"
               " { sleep(3); }\n"
               "double f(const struct hr_array *a)\n"
               '{ printf("started\\n"); fflush(stdout);'
               " hr_parallel_for(8, chunk, 0); return 7; }\n")
# the task ignores the stop and goes on: the run is still stopped
STUBBORN = write("stubborn.c", '#include "hotrun.h"\n#include <unistd.h>\n'
                 "double f(const struct hr_array *a)\n"
                 '{ printf("started\\n"); fflush(stdout);'
                 " for (int i = 0; i < 3; i++) sleep(1); return 7; }\n")

tests = []


def test(fn):
    tests.append(fn)
    return fn


def run_script(script, timeout=60, args=()):
    t0 = time.time()
    p = subprocess.run([HOTRUN, "-q", *args, A], input=script,
                       capture_output=True, text=True, timeout=timeout,
                       env=ENV, cwd=TMP)
    return p, time.time() - t0


def checksum(out):
    m = re.search(r"^a ([0-9a-f]{16})$", out, re.M)
    return m.group(1) if m else None


GOOD_SUM = None


def good_sum():
    global GOOD_SUM
    if GOOD_SUM is None:
        p, _ = run_script("checksum a\n")
        GOOD_SUM = checksum(p.stdout)
        assert GOOD_SUM, p.stdout
    return GOOD_SUM


# ---- stops ----

def expect_timeout(task, isolate):
    p, dt = run_script(("isolate on\n" if isolate else "") +
                       f"reload {task}\ntimeout 0.5\nrun f\nreload {OK}\n"
                       "run ok\n")
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "run: timeout: f ran past 0.5 s" in p.stderr, p.stderr
    assert "f = 7" not in p.stdout, p.stdout
    assert "ok = 42.0" in p.stdout, (p.stdout, p.stderr)
    assert dt < 2.5, dt


@test
def timeout_during_sleep_is_reported_as_timeout():
    expect_timeout(SLEEP, False)


@test
def timeout_during_sleep_is_reported_as_timeout_isolated():
    expect_timeout(SLEEP, True)


@test
def timeout_during_sleep_in_parallel_workers():
    expect_timeout(PSLEEP, False)


@test
def timeout_stops_a_task_that_goes_on_after_it():
    expect_timeout(STUBBORN, False)
    expect_timeout(STUBBORN, True)


def expect_ctrl_c(task, isolate):
    p = subprocess.Popen([HOTRUN, "-q", A], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=ENV, cwd=TMP)
    p.stdin.write(("isolate on\n" if isolate else "") +
                  f"reload {task}\nrun f\n")
    p.stdin.flush()
    for _ in range(5):     # "reloaded ...", then the task's own line
        line = p.stdout.readline()
        if line.startswith("started"):
            break
    assert line.startswith("started"), line
    t0 = time.time()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(f"reload {OK}\nrun ok\n", timeout=30)
    assert time.time() - t0 < 2.5
    assert re.search(r"interrupted \(ctrl-c\) in f", err), err
    assert "f = 7" not in out, out
    assert "ok = 42.0" in out, (out, err)


@test
def ctrl_c_during_sleep_is_reported_as_interrupted():
    expect_ctrl_c(SLEEP, False)
    expect_ctrl_c(SLEEP, True)
    expect_ctrl_c(PSLEEP, False)


def main():
    passed = failed = 0
    for t in tests:
        t0 = time.time()
        try:
            t()
            passed += 1
            print(f"ok   {t.__name__} ({time.time() - t0:.1f} s)")
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
