#!/usr/bin/python3
"""End-to-end crash tests: every fault class a task can commit, run through
the real binary (in-process guard and --isolate, stdin scripts and batch
mode).  After each crash the next run must work and every resident array's
checksum must be unchanged.

usage: e2e_crash.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import FIX, HOTRUN, test, write_npy  # noqa: E402

TMP, ENV = e2e.setup("hotrun-crash-", history=False)


A = os.path.join(TMP, "a.npy")
B = os.path.join(TMP, "b.npy")
write_npy(A, "<f8", (100, 10),
          b"".join(float(i).hex().encode()[:8].ljust(8, b"0")
                   for i in range(1000)))
write_npy(B, "<i4", (1000,), b"".join(i.to_bytes(4, "little", signed=True)
                                      for i in range(1000)))

# class -> what the error line must say
CLASSES = [
    ("null", r"segfault in crash at .*crash_null\.c:\d+.*null pointer"),
    ("wild", r"segfault in crash"),
    ("sigbus", r"bus error in crash"),
    ("divzero", r"division by zero in crash at .*crash_divzero\.c:\d+"),
    ("trap", r"illegal instruction in crash"),
    ("abort", r"abort in crash"),
    ("assert", r"assertion failed in crash: .*crash_assert\.c:\d+"),
    ("recursion", r"stack overflow in crash"),
    ("exit", r"crash called exit\(\d+\)"),
    ("_exit", r"crash called exit\(\d+\)"),
    ("loop", r"timeout: crash ran past 0\.5 s"),
    ("write", r"write into resident array 'a' in crash"),
    ("fail", r"\S"),
    ("malloc", r"malloc returned NULL after \d+ blocks"),
    ("parallel", r"segfault in crash"),
]

def checksums(out):
    return re.findall(r"^([ab]) ([0-9a-f]{16})$", out, re.M)


def run_class(name, want, isolate):
    # Only the endless loop needs a short timeout.  The others must end on
    # their own, and a busy CI machine can stall a forked child for more
    # than a second: a 20 s limit still catches a hang, without flaking.
    limit = "0.5" if name == "loop" else "20"
    script = (("isolate on\n" if isolate else "") + f"timeout {limit}\n"
              "checksum a\nchecksum b\n"
              f"reload {os.path.join(FIX, 'crash_' + name + '.c')}\n"
              "run crash\nrun ok\nrun crash\nrun ok\n"
              "checksum a\nchecksum b\n")
    p = subprocess.run([HOTRUN, A, B], input=script, capture_output=True,
                       text=True, timeout=120, env=ENV, cwd=TMP)
    assert p.returncode == 1, (name, p.returncode, p.stderr)
    # script errors name the script line: "<stdin>:5: run: ..."
    errs = [re.sub(r"^<stdin>:\d+: ", "", l) for l in p.stderr.splitlines()]
    errs = [l for l in errs if l.startswith("run: ")]
    assert len(errs) == 2, (name, p.stderr)
    for e in errs:
        assert re.search(want, e), (name, want, e)
    assert p.stdout.count("ok = 42.0") == 2, (name, p.stdout, p.stderr)
    sums = checksums(p.stdout)
    assert len(sums) == 4 and sums[:2] == sums[2:], (name, sums)


def class_test(name, want, isolate):
    test(lambda: run_class(name, want, isolate),
         f"{name}{'_isolated' if isolate else ''}")


for name, want in CLASSES:
    class_test(name, want, False)
    if name not in ("fail",):
        class_test(name, want, True)


@test
def ctrl_c_stops_an_endless_loop():
    for isolate in (False, True):
        p = subprocess.Popen([HOTRUN, A], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=ENV, cwd=TMP)
        p.stdin.write(("isolate on\n" if isolate else "") +
                      f"reload {os.path.join(FIX, 'crash_loop.c')}\n"
                      "run crash\n")
        p.stdin.flush()
        assert p.stdout.readline().startswith("reloaded")
        time.sleep(0.7)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate("run ok\n", timeout=30)
        assert "ok = 42.0" in out, (out, err)
        assert re.search(r"interrupted .*in crash", err), err


@test
def timeout_option_on_the_command_line():
    p = subprocess.run([HOTRUN, "--timeout", "0.3", A],
                       input=f"reload {os.path.join(FIX, 'crash_loop.c')}\n"
                             "run crash\nrun ok\n",
                       capture_output=True, text=True, timeout=60, env=ENV)
    assert "timeout: crash ran past 0.3 s" in p.stderr, p.stderr
    assert "ok = 42.0" in p.stdout


@test
def batch_records_crashes_and_goes_on():
    lst = os.path.join(TMP, "crashes.txt")
    with open(lst, "w") as f:
        for name in ("null", "divzero", "fail", "exit", "write"):
            f.write(f"{os.path.join(FIX, 'crash_' + name + '.c')} crash\n")
            f.write(f"{os.path.join(FIX, 'crash_' + name + '.c')} ok\n")
    p = subprocess.run([HOTRUN, "--batch", lst, "--json", A],
                       capture_output=True, text=True, timeout=60, env=ENV)
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    assert p.returncode == 1, p.returncode
    assert len(rows) % 2 == 0 and len(rows) >= 6, rows
    for crash, ok in zip(rows[::2], rows[1::2]):
        assert not crash["ok"] and crash["error"], crash
        assert ok["ok"] and ok["result"] == 42.0, ok


@test
def fixing_the_file_after_a_crash():
    t = os.path.join(TMP, "fixme.c")
    with open(t, "w") as f:
        f.write('#include "hotrun.h"\ndouble f(const struct hr_array *a)'
                '\n{ return *(volatile double *)0; }\n')
    p = subprocess.Popen([HOTRUN, A], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=ENV, cwd=TMP)
    p.stdin.write(f"reload {t}\nrun f\nlist\n")
    p.stdin.flush()
    time.sleep(0.5)
    with open(t, "w") as f:
        f.write('#include "hotrun.h"\ndouble f(const struct hr_array *a)'
                '\n{ return a->size; }\n')
    out, err = p.communicate(f"reload {t}\nrun f\n", timeout=30)
    assert "f = 1000.0" in out, (out, err)
    assert "segfault in f" in err, err


if __name__ == "__main__":
    sys.exit(e2e.main("timed", keep_failed=True))
