#!/usr/bin/python3
"""End-to-end test of watch mode: drives the real hotrun binary.

  /usr/bin/python3 tests/e2e_watch.py PATH_TO_HOTRUN

Starts `hotrun -q ARRAY` with commands on a pipe, `watch`es a small task file
and saves it every way editors and tools do (in place, temp file renamed
over it, vim's backup rename, delete and create, sed -i, cp over it, several
chunks with pauses, a header it includes, a save that does not compile, the
same content again).  Each save changes the task's value, so its result
line identifies it; after it the test waits a little more and checks that
exactly one reload happened.  Then the same with HOTRUN_WATCH_POLL=1 (the
polling fallback), and `--watch FILE:FUNCTION` with stdin closed.  Python
standard library only.  Prints "N passed, M failed"; exits 1 on a failure.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import write  # noqa: E402

SETTLE_S = 0.5      # quiet time after a result: no second reload may come
TIMEOUT_S = 5.0     # longest wait for one result

REPORT = e2e.Report("checks")
check = REPORT.result       # check(ok, what): one ok or FAIL line


def task_src(v, note=""):
    """The task file: f returns v + UTIL (from util.h)."""
    return ('#include "hotrun.h"\n'
            '#include "util.h"\n'
            '\n'
            f'/* {note} */\n'
            'double f(const struct hr_array *a)\n'
            '{\n'
            f'    return {v} + UTIL + 0 * (double)a->size;\n'
            '}\n')


def util_src(u):
    return f"#define UTIL {u}\n"


class Hotrun:
    """hotrun with commands on a pipe and its output collected by a thread."""

    def __init__(self, exe, args, env=None, cwd=None):
        e = dict(os.environ)
        e.pop("HOTRUN_WATCH_POLL", None)
        e["NO_COLOR"] = "1"
        e.update(env or {})
        self.p = subprocess.Popen([exe] + args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  bufsize=1, env=e, cwd=cwd)
        self.lines = []
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def mark(self):
        with self.cv:
            return len(self.lines)

    def since(self, mark):
        with self.cv:
            return list(self.lines[mark:])

    def wait(self, mark, pattern, timeout=TIMEOUT_S):
        """The first line after mark matching pattern, or None."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.lines[mark:]:
                    if rx.search(line):
                        return line
                left = end - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cv.wait(left)

    def count(self, pattern, mark=0):
        rx = re.compile(pattern)
        return sum(1 for line in self.since(mark) if rx.search(line))

    def close(self, timeout=10):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None

    def dump(self, mark=0):
        for line in self.since(mark):
            print("    | " + line)


def result_re(value):
    return r"^f = %s  \(" % re.escape(repr(float(value)))


RELOADED = r"^reloaded "
CHANGED = r"^\[watch\] .* changed$"


def expect_one_reload(h, what, save, value, forbid=None):
    """Runs save(); the result line for value must come, after exactly one
    reload, and no line matching forbid."""
    m = h.mark()
    save()
    got = h.wait(m, result_re(value))
    if got is not None:
        time.sleep(SETTLE_S)
    out = h.since(m)
    n = sum(1 for line in out if re.search(RELOADED, line))
    ok = got is not None and n == 1
    if forbid is not None:
        ok = ok and not any(re.search(forbid, line) for line in out)
    check(ok, f"{what}: result {value}, {n} reload(s)")
    if not ok:
        h.dump(m)


def expect_no_reload(h, what, save):
    m = h.mark()
    save()
    time.sleep(SETTLE_S + 0.3)
    out = h.since(m)
    ok = not any(re.search(RELOADED + "|" + CHANGED, line) for line in out)
    check(ok, f"{what}: no reload")
    if not ok:
        h.dump(m)


def save_patterns(h, d, task, first):
    """Saves task every way; values from first on.  Returns the next."""
    v = first

    def in_place(text):
        def go():
            with open(task, "r+") as f:
                f.seek(0)
                f.truncate()
                f.write(text)
        return go

    def rename_over(text):
        def go():
            tmp = os.path.join(d, ".t.c.tmp~")
            write(tmp, text)
            os.rename(tmp, task)
        return go

    def vim_backup(text):
        # vim's default: move the file aside, write a new one, drop the
        # backup
        def go():
            os.rename(task, task + "~")
            write(task, text)
            os.unlink(task + "~")
        return go

    def delete_create(text):
        def go():
            os.unlink(task)
            time.sleep(0.05)
            write(task, text)
        return go

    def sed_i(old, new):
        def go():
            subprocess.run(["sed", "-i", f"s/return {old} /return {new} /",
                            task], check=True)
        return go

    def cp_over(text):
        def go():
            other = os.path.join(d, "elsewhere", "t.c")
            write(other, text)
            subprocess.run(["cp", other, task], check=True)
        return go

    def chunks(text):
        # three writes 80 ms apart through one open file: no prefix of the
        # file compiles, so a reload before the end would show an error
        def go():
            a = text.index("return")
            b = text.index("+ UTIL")
            with open(task, "w") as f:
                for part in (text[:a], text[a:b], text[b:]):
                    f.write(part)
                    f.flush()
                    time.sleep(0.08)
        return go

    for name, make in (("in-place write", in_place),
                       ("temp file renamed over", rename_over),
                       ("vim backup rename", vim_backup),
                       ("delete and create", delete_create),
                       ("cp over it", cp_over)):
        v += 1
        expect_one_reload(h, name, make(task_src(v)), v)
    v += 1
    expect_one_reload(h, "sed -i", sed_i(v - 1, v), v)
    v += 1
    expect_one_reload(h, "written in chunks", chunks(task_src(v)), v,
                      forbid=r"error")
    return v


def session_inotify(exe, d, npy, task, util):
    h = Hotrun(exe, ["-q", npy])
    m = h.mark()
    h.send(f"watch {task}")
    check(h.wait(m, result_re(100)) is not None, "watch: baseline result")
    time.sleep(0.2)
    check(h.count(RELOADED, m) == 1, "watch: one baseline reload")

    m = h.mark()
    h.send("watch")
    listed = h.wait(m, r"^\s+and util\.h") is not None
    check(listed and h.count(r"inotify", m) == 1 and
          h.count(r"t\.c\s+\(every task\)", m) == 1,
          "watch alone lists the file, its header and inotify")

    v = save_patterns(h, d, task, 100)

    # a header the task includes
    expect_one_reload(h, "save of util.h", lambda: write(util, util_src(5)),
                      v + 5)

    # a save that does not compile: the error, no reload, old module kept
    m = h.mark()
    write(task, task_src(v).replace("return", "return oops +"))
    err = h.wait(m, r"error")
    time.sleep(SETTLE_S)
    check(err is not None and h.count(RELOADED, m) == 0 and
          h.count(CHANGED, m) == 1,
          "save that does not compile: error shown once, no reload")
    m = h.mark()
    h.send("run f")
    check(h.wait(m, result_re(v + 5)) is not None,
          "after a compile error the last good module runs")
    if REPORT.failed:
        h.dump(m)
    v += 1
    expect_one_reload(h, "fixed again", lambda: write(task, task_src(v)),
                      v + 5)

    # the same content again: no reload
    expect_no_reload(h, "same content saved again",
                     lambda: write(task, task_src(v)))
    expect_no_reload(h, "touch", lambda: os.utime(task))

    # a task argument: watch FILE FUNCTION ARGS (replaces the entry)
    m = h.mark()
    h.send(f"watch {task} f 1 2")
    check(h.wait(m, result_re(v + 5)) is not None and
          h.count(r"^\[watch\] watching .*\(f 1 2\)$", m) == 1,
          "watch FILE FUNCTION ARGS replaces the entry")

    # unwatch: saves no longer reload
    h.send(f"unwatch {task}")
    expect_no_reload(h, "after unwatch", lambda: write(task, task_src(7)))
    m = h.mark()
    h.send("watch")
    check(h.wait(m, r"nothing is watched") is not None,
          "watch alone after unwatch: nothing is watched")

    m = h.mark()
    h.send("quit")
    rc = h.close()
    check(rc == 0, f"quit ends hotrun with status 0 (got {rc})")
    if rc != 0:
        h.dump()


def session_polling(exe, d, npy, task, util):
    write(task, task_src(200))
    write(util, util_src(0))
    h = Hotrun(exe, ["-q", npy], env={"HOTRUN_WATCH_POLL": "1"})
    m = h.mark()
    h.send(f"watch {task}")
    check(h.wait(m, result_re(200)) is not None and
          h.count(r"polling every 200 ms", m) == 1,
          "polling: notice and baseline result")
    v = save_patterns(h, d, task, 200)
    expect_one_reload(h, "polling: save of util.h",
                      lambda: write(util, util_src(3)), v + 3)
    expect_no_reload(h, "polling: same content saved again",
                     lambda: write(util, util_src(3)))
    h.send("quit")
    rc = h.close()
    check(rc == 0, f"polling: quit, status 0 (got {rc})")


def session_option(exe, d, npy, task, util):
    write(task, task_src(300))
    write(util, util_src(0))
    h = Hotrun(exe, ["-q", "--watch", task + ":f", npy])
    check(h.wait(0, result_re(300)) is not None,
          "--watch FILE:FUNCTION: baseline result")
    m = h.mark()
    h.send("watch " + os.path.join(d, "nope.c"))
    check(h.wait(m, r"^<stdin>:\d+: watch: .*nope\.c: no such file$") is not None,
          "watch of a missing file: error")
    m = h.mark()
    h.send("unwatch nope.c")
    check(h.wait(m, r"^<stdin>:\d+: unwatch: nope\.c is not watched") is not None,
          "unwatch of a file not watched: error")
    # end of input: hotrun keeps watching, like entr
    h.p.stdin.close()
    time.sleep(0.3)
    check(h.p.poll() is None, "end of input while watching: still running")
    expect_one_reload(h, "save after end of input",
                      lambda: write(task, task_src(301)), 301)
    h.p.send_signal(signal.SIGTERM)
    try:
        rc = h.p.wait(5)
    except subprocess.TimeoutExpired:
        h.p.kill()
        rc = None
    check(rc is not None, "SIGTERM ends a watching hotrun")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    exe = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="hotrun-watch-")
    try:
        os.mkdir(os.path.join(d, "elsewhere"))
        npy = os.path.join(d, "a.npy")
        task = os.path.join(d, "t.c")
        util = os.path.join(d, "util.h")
        e2e.write_npy(npy, "<f8", (10,),
                      struct.pack("<10d", *[float(i) for i in range(10)]))
        write(task, task_src(100))
        write(util, util_src(0))
        session_inotify(exe, d, npy, task, util)
        session_polling(exe, d, npy, task, util)
        session_option(exe, d, npy, task, util)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    sys.exit(REPORT.summary())


if __name__ == "__main__":
    main()
