#!/usr/bin/python3
"""End-to-end tests of tier 2 (gcc-optimised code swapped in between runs):
the result line, list, tier, run -n per tier, identical results in both
tiers, crash locations, timeouts, --isolate, arguments, hr_parallel_for,
watch mode, the missing compiler, tier-2-only compile errors, Ctrl-C at
the prompt, and compiles killed with their module or the session.
HOTRUN_CC names the compiler, HOTRUN_TIER=wait|off the mode.

usage: e2e_tier2.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import FIX, HOTRUN, SRC, test, tmp, write  # noqa: E402

TMP, ENV = e2e.setup("hotrun-tier2-", HOTRUN_NO_PROGRESS="1",
                     HOTRUN_CC=None, HOTRUN_TIER=None)


def hotrun(args, stdin="", timeout=120, **env):
    return e2e.hotrun(args, stdin, timeout, dict(ENV, **env))


def results(out):
    """[(name, value text, timing text)] of the result lines."""
    return re.findall(r"^(\w+) = (\S+)  \((.*)\)$", out, re.M)


def slow_cc(seconds, name="slowcc"):
    """A compiler that writes its pid, sleeps, then becomes gcc; a SIGINT
    while it sleeps kills it, as it would kill cc1."""
    path = tmp(name)
    write(path, "#!%s\nimport os, sys, time\n"
          "open(%r, 'w').write(str(os.getpid()))\n"
          "time.sleep(%s)\n"
          "os.execvp('gcc', ['gcc'] + sys.argv[1:])\n"
          % (sys.executable, path + ".pid", seconds))
    os.chmod(path, 0o755)
    return path


def dead(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def running(path):
    """Processes (not zombies) whose command line names path."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if path.encode() not in f.read():
                    continue
            if not dead(int(d)):
                found.append(int(d))
        except OSError:
            pass
    return found


rng = np.random.default_rng(7)
A64 = tmp("a64.npy")
np.save(A64, rng.random((120, 90)))
A32 = tmp("a32.npy")
np.save(A32, rng.random((120, 90)).astype(np.float32))
LOOPS = os.path.join(SRC, "bench", "tasks", "loops.c")
DEMO = os.path.join(SRC, "tasks", "demo.c")
FILTER = os.path.join(SRC, "tasks", "filter.c")
write(tmp("busy.c"), """#include "hotrun.h"
double busy(const struct hr_array *a)
{
    volatile double s = 0;
    int64_t i;
    (void)a;
    for (i = 0; i < 4000000; i++)
        s += 1e-9 * (double)i;
    return 1.0;
}
double spin(const struct hr_array *a)
{
    volatile double x = 0;
    (void)a;
    for (;;)
        x += 1;
    return x;
}
""")


@test
def result_line_list_and_tier_name_the_tier():
    cmds = ("reload %s\ntier wait\nrun sum\nlist\ntier\ntier -v\n" % LOOPS)
    rc, out, err = hotrun(["-q", A64], cmds)
    assert rc == 0, err
    (name, _, timing), = results(out)
    assert timing.endswith(", optimised"), out
    assert re.search(r"loops\.c  \(compiled [\d:]+ in [^;]+; optimised "
                     r"[\d:]+, [\d.]+ (ms|s|us) after the reload\)", out), out
    assert re.search(r"^tier wait, exact math, compiler gcc$", out, re.M), out
    assert re.search(r"loops\.c: optimised [\d:]+", out), out
    assert re.search(r"loops\.c: compiling with \S*gcc", out), out
    assert re.search(r"loops\.c: tier 2 in [\d.]+ ms", out), out
    assert err == "", err


@test
def both_tiers_give_the_same_bits():
    tasks = ["sum", "ema_cross", "hist256", "stencil", "colmeans", "top10",
             "branchy"]
    for arr in (A64, A32):
        cmds = "reload %s\n" % LOOPS + "".join(
            "run %s\n" % t for t in tasks)
        cmds += "reload %s\nrun loop_sum\nrun ema_crossings 0.05\n" % DEMO
        got = {}
        for mode in ("off", "wait"):
            rc, out, err = hotrun(["-q", arr], cmds, HOTRUN_TIER=mode)
            assert rc == 0, err
            res = results(out)
            assert len(res) == len(tasks) + 2, out
            opt = [r for r in res if "optimised" in r[2]]
            assert len(opt) == (len(res) if mode == "wait" else 0), out
            got[mode] = [(n, v) for n, v, _ in res]
        assert got["off"] == got["wait"], (arr, got)


@test
def run_n_reports_each_tier():
    cc = slow_cc(0.3)
    cmds = "reload busy.c\nrun -n 400 busy\n"
    rc, out, err = hotrun(["-q", A64], cmds, HOTRUN_CC=cc)
    assert rc == 0, err
    m = re.search(r"^busy = 1\.0  \(tier 1: min [^;]* over (\d+) runs, "
                  r"[^;]*; optimised: min .* over (\d+) runs, .*\)$", out,
                  re.M)
    assert m, out
    assert int(m.group(1)) + int(m.group(2)) == 400, out


@test
def crash_in_tier2_names_function_and_line():
    crash = os.path.join(FIX, "crash_null.c")
    cmds = "reload %s\ntier wait\nrun ok\nchecksum\nrun crash\nchecksum\n" \
           "run ok\n" % crash
    rc, out, err = hotrun(["-q", A64], cmds)
    sums = re.findall(r"^a64 ([0-9a-f]{16})$", out, re.M)
    assert len(sums) == 2 and sums[0] == sums[1], out
    assert re.search(r"segfault in crash at crash\+0x[0-9a-f]+ \(\S*"
                     r"crash_null\.c:9\)", err), err
    assert [r[2].endswith("optimised") for r in results(out)] == [True,
                                                                  True], out
    assert rc == 1


@test
def timeout_and_isolate_in_tier2():
    crash = os.path.join(FIX, "crash_null.c")
    cmds = ("reload busy.c\nreload %s\ntier wait\ntimeout 0.3\nrun spin\n"
            "timeout 20\nisolate on\nrun crash\nrun ok\nrun busy\n" % crash)
    rc, out, err = hotrun(["-q", A64], cmds)
    assert re.search(r"^(<stdin>:\d+: )?run: timeout: spin ran past 0\.3 s$", err, re.M), err
    assert re.search(r"segfault in crash at crash\+0x[0-9a-f]+ \(", err), err
    res = results(out)
    assert [(n, v) for n, v, _ in res] == [("ok", "42.0"), ("busy", "1.0")]
    assert all(t.endswith("optimised") for _, _, t in res), out
    assert rc == 1


@test
def arguments_progress_and_parallel_for_in_tier2():
    cmds = ("reload %s\nrun ema_rows 0.05\nrun ema_last 0.2\n"
            "run longest_run 0.5\nrun max_drawdown\n" % FILTER)
    got = {}
    for mode in ("off", "wait"):
        rc, out, err = hotrun(["-q", A64], cmds, HOTRUN_TIER=mode)
        assert rc == 0, err
        res = results(out)
        assert len(res) == 4, out
        assert all(("optimised" in t) == (mode == "wait")
                   for _, _, t in res), out
        got[mode] = [(n, v) for n, v, _ in res]
    assert got["off"] == got["wait"], got


@test
def watch_mode_runs_tier2():
    task = write(tmp("w.c"), '#include "hotrun.h"\n'
                 'double f(const struct hr_array *a) { return 1 + 0 * '
                 'a->size; }\n')
    p = subprocess.Popen([HOTRUN, "-q", A64], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, bufsize=1, cwd=TMP,
                         env=dict(ENV, HOTRUN_TIER="wait"))
    try:
        p.stdin.write("watch %s f\n" % task)
        p.stdin.flush()
        line = p.stdout.readline()
        while not line.startswith("f = "):
            line = p.stdout.readline()
            assert line, "no first result"
        assert line.strip() == "f = 1.0" or "optimised" in line, line
        assert "optimised" in line, line
        time.sleep(0.3)
        write(task, '#include "hotrun.h"\n'
              'double f(const struct hr_array *a) { return 2 + 0 * '
              'a->size; }\n')
        line = p.stdout.readline()
        while not line.startswith("f = "):
            line = p.stdout.readline()
            assert line, "no second result"
        assert line.startswith("f = 2.0") and "optimised" in line, line
    finally:
        p.stdin.close()
        p.kill()
        p.wait()


@test
def missing_compiler_is_said_once():
    cmds = "reload busy.c\nrun busy\nreload busy.c\nrun busy\ntier\n"
    rc, out, err = hotrun(["-q", A64], cmds,
                          HOTRUN_CC="/nonexistent/hotrun-cc")
    assert rc == 0, err
    notes = re.findall(r"^tier 2: cannot run the compiler "
                       r"'/nonexistent/hotrun-cc' .*tier 1 only.*$", out,
                       re.M)
    assert len(notes) == 1, out
    assert [v for _, v, _ in results(out)] == ["1.0", "1.0"], out
    assert "busy.c: tier 1" in out, out
    # tier wait does not hang without a compiler
    rc, out, err = hotrun(["-q", A64], "tier wait\nreload busy.c\nrun busy\n",
                          HOTRUN_CC="/nonexistent/hotrun-cc")
    assert rc == 0 and "optimised" not in results(out)[0][2], out + err


@test
def tier2_only_compile_error_stays_out_of_the_way():
    task = write(tmp("only1.c"), '#include "hotrun.h"\n'
                 '#ifndef __TINYC__\n#error not for gcc\n#endif\n'
                 'double g(const struct hr_array *a) { return 3 + 0 * '
                 'a->size; }\n')
    cmds = "reload %s\ntier wait\nrun g\ntier -v\nlist\n" % task
    rc, out, err = hotrun(["-q", A64], cmds)
    assert rc == 0 and err == "", err
    (n, v, t), = results(out)
    assert v == "3.0" and "optimised" not in t, out
    assert "compile failed" in out and "not for gcc" in out, out
    assert "only1.c  (compiled" in out and \
        "tier 1 (tier 2 failed: tier -v says why))" in out, out


@test
def batch_list_and_json_with_tier_wait():
    lst = write(tmp("list.txt"), "%s sum\n%s loop_sum\n" % (LOOPS, DEMO))
    rc, out, err = hotrun(["-q", "--batch", lst, "--json", A64], "",
                          HOTRUN_TIER="wait")
    assert rc == 0, err
    assert out.count('"ok": true') == 2, out
    # every record says which code ran; --tier=wait does what the
    # variable does, --tier=off keeps tier 1
    assert [json.loads(l)["tier"] for l in out.splitlines()] == [2, 2], out
    rc, out, err = hotrun(["-q", "--tier=wait", "--batch", lst, "--json",
                           A64], "")
    assert [json.loads(l)["tier"] for l in out.splitlines()] == [2, 2], out
    rc, out, err = hotrun(["-q", "--tier=off", "--batch", lst, "--json",
                           A64], "")
    assert [json.loads(l)["tier"] for l in out.splitlines()] == [1, 1], out
    rc, out, err = hotrun(["-q", "--tier=soon", A64], "")
    assert rc == 2 and "--tier: 'soon' is not auto, wait or off" in err


@test
def fast_math_setting_and_pragma():
    task = write(tmp("fast.c"), '#include "hotrun.h"\n'
                 '#pragma hotrun fast_math\n'
                 'double s(const struct hr_array *a) { const double *x = '
                 'hr_f64(a); double t = 0; int64_t i;\n'
                 '    for (i = 0; i < a->size; i++) t += x[i];\n'
                 '    return t; }\n')
    cmds = "reload %s\ntier wait\nrun s\nreload busy.c\ntier fast\nrun busy\n" \
           "tier\ntier exact\nrun busy\n" % task
    rc, out, err = hotrun(["-q", A64], cmds)
    assert rc == 0, err
    res = results(out)
    assert res[0][2].endswith("optimised, fast math"), out
    assert abs(float(res[0][1]) - np.load(A64).sum()) < 1e-6, out
    assert res[1][2].endswith("optimised, fast math"), out
    assert "tier wait, fast math" in out, out
    assert res[2][2].endswith(", optimised"), out


@test
def tier_off_keeps_tier1():
    cmds = "tier off\nreload busy.c\nrun busy\ntier\n"
    rc, out, err = hotrun(["-q", A64], cmds)
    assert rc == 0, err
    assert "optimised" not in results(out)[0][2], out
    assert "tier off" in out and "busy.c: tier 1" in out, out
    rc, out, err = hotrun(["-q", A64], "tier sideways\n")
    assert rc != 0 and "tier: 'sideways' is not" in err, err


@test
def quit_and_reload_kill_compiles():
    cc = slow_cc(60)
    p = subprocess.Popen([HOTRUN, "-q", A64], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=TMP, env=dict(ENV, HOTRUN_CC=cc))
    p.stdin.write("reload busy.c\nrun busy\n")
    p.stdin.flush()
    t0 = time.time()
    while not os.path.exists(cc + ".pid") and time.time() - t0 < 20:
        time.sleep(0.02)        # the compile has started (after its delay)
    time.sleep(0.1)
    out, err = p.communicate("quit\n", timeout=30)
    assert p.returncode == 0, err
    pid = int(open(cc + ".pid").read())
    t0 = time.time()
    while not dead(pid) and time.time() - t0 < 10:
        time.sleep(0.05)
    assert dead(pid), "the compile outlived hotrun"
    cc2 = slow_cc(60, "slowcc2")
    rc, out, err = hotrun(["-q", A64], "reload busy.c\nreload busy.c\n"
                          "tier -v\n", HOTRUN_CC=cc2, timeout=30)
    assert rc == 0 and out.count("cancelled (the module was") == 1, out
    t0 = time.time()
    while running(cc2) and time.time() - t0 < 10:
        time.sleep(0.05)
    assert not running(cc2), "a compile outlived hotrun"


@test
def ctrl_c_at_the_prompt_spares_the_compile():
    cc = slow_cc(1.0, "slowcc3")
    env = dict(ENV, HOTRUN_CC=cc, HOTRUN_TIER="wait", TERM="dumb", HOME=TMP)
    s = e2e.Pty(["-q", A64], env, cwd=TMP)
    try:
        s.expect(r"> $")
        os.write(s.fd, b"reload busy.c\r")
        s.expect(r"reloaded [^\n]*busy")
        time.sleep(0.3)
        os.write(s.fd, b"\x03")
        time.sleep(0.2)
        os.write(s.fd, b"\x03")
        time.sleep(0.2)
        os.write(s.fd, b"run busy\r")
        s.expect(r"busy = 1\.0  \([^)]*optimised\)")
    finally:
        s.close()


if __name__ == "__main__":
    sys.exit(e2e.main("wide", keep_failed=True))
