"""What the end-to-end scripts (tests/e2e_*.py) share: the binary, the
source tree, a scratch folder, the list of tests and the runner that
prints one `ok`/`FAIL` line a test and the summary, running hotrun with
a script on stdin, hotrun on a pseudo-terminal, and a .npy file written
without NumPy.

A script puts this folder on sys.path, imports this module, calls setup()
(which makes the scratch folder), marks its tests with @test and ends with
sys.exit(e2e.main()).  It is run as

    /usr/bin/python3 tests/e2e_NAME.py PATH_TO_HOTRUN [TEST ...]

where the names of tests, if given, run only those.  Python standard
library only: some scripts run without NumPy.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback

HOTRUN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
SRC = os.environ.get("HOTRUN_SOURCE_DIR", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
FIX = os.path.join(SRC, "tests", "fixtures")
TMP = None          # the scratch folder, made by setup()
ENV = None          # the environment hotrun runs in, made by setup()
tests = []


def test(fn, name=None):
    """Adds fn to the tests (as a decorator, under its own name)."""
    if name is not None:
        fn.__name__ = name
    tests.append(fn)
    return fn


def setup(prefix, history=True, **env):
    """Makes the scratch folder TMP (main() removes it) and the environment
    ENV: this one with NO_COLOR=1, the prompt's history in TMP unless
    history is False, and env, where None removes a variable.  Returns
    (TMP, ENV)."""
    global TMP, ENV
    if HOTRUN is None:
        sys.exit("usage: %s PATH_TO_HOTRUN [TEST ...]" % sys.argv[0])
    TMP = tempfile.mkdtemp(prefix=prefix)
    ENV = dict(os.environ, NO_COLOR="1")
    if history:
        ENV["HOTRUN_HISTORY"] = tmp("h")
    for k, v in env.items():
        if v is None:
            ENV.pop(k, None)
        else:
            ENV[k] = v
    return TMP, ENV


def tmp(*parts):
    return os.path.join(TMP, *parts)


def write(path, data):
    """Writes text or bytes to path; returns path."""
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def write_npy(path, dtype, shape, data):
    """A .npy file (format 1.0) of dtype (as '<f8') and shape holding the
    bytes data, written without NumPy, its header as NumPy writes it."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (
        dtype, tuple(shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(data)


def hotrun(args, stdin="", timeout=60, env=None):
    """Runs hotrun with args and stdin in TMP: (status, stdout, stderr).
    With stdin as bytes, stdout and stderr are decoded here, any byte that
    is not UTF-8 replaced."""
    binary = isinstance(stdin, bytes)
    p = subprocess.run([HOTRUN] + args, input=stdin, capture_output=True,
                       text=not binary, timeout=timeout,
                       env=ENV if env is None else env, cwd=TMP)
    if binary:
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")
    return p.returncode, p.stdout, p.stderr


def results(out):
    """[(name, value)] of the 'name = value  (...)' lines."""
    return [(m.group(1), float(m.group(2))) for m in
            re.finditer(r"^(\w+) = (\S+)  \(", out, re.M)]


def check_clean(text):
    """No report of AddressSanitizer, LeakSanitizer or UBSan in text."""
    bad = re.search(r"(Address|Leak|Undefined)Sanitizer|runtime error:",
                    text)
    assert not bad, text[bad.start():][:3000]


class Pty:
    """hotrun with args on a pseudo-terminal (of size (rows, cols) if
    given), with env, in the folder cwd if given.  expect() waits up to
    timeout seconds unless told otherwise."""

    def __init__(self, args, env, cwd=None, size=None, timeout=30):
        pid, fd = pty.fork()
        if pid == 0:
            try:
                if size is not None:
                    fcntl.ioctl(0, termios.TIOCSWINSZ,
                                struct.pack("HHHH", size[0], size[1], 0, 0))
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(HOTRUN, [HOTRUN] + args, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.timeout = timeout
        self.out = b""          # all it printed
        self.mark = 0           # expect() matched up to here (in text())
        self.status = None

    def pump(self, timeout):
        """Reads what comes within timeout seconds; False at the end of
        the output."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        self.out += data
        return bool(data)

    def text(self):
        return self.out.decode("utf-8", "replace")

    def expect(self, pattern, timeout=None):
        """The first match of pattern in text() after the last one."""
        rx = re.compile(pattern)
        end = time.time() + (self.timeout if timeout is None else timeout)
        while True:
            m = rx.search(self.text(), self.mark)
            if m:
                self.mark = m.end()
                return m
            left = end - time.time()
            if left <= 0 or not self.pump(min(left, 0.2)):
                m = rx.search(self.text(), self.mark)
                if m:
                    self.mark = m.end()
                    return m
                raise AssertionError("expected %r, got %r" % (
                    pattern, self.text()[self.mark:][-600:]))

    def send(self, s):
        os.write(self.fd, s.encode())

    def wait(self, timeout):
        """The exit status (-N for signal N), reading the output
        meanwhile; None if hotrun still runs after timeout seconds."""
        end = time.time() + timeout
        while time.time() < end:
            self.pump(0.05)
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                self.pid = None
                return self.status
        return None

    def close(self):
        """Kills hotrun if it still runs."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = None
        os.close(self.fd)


# How a script reports: the line before a test, after a pass, after a
# failure (then the traceback), after a test, and the summary, or with
# failures the line "failures" if the style has one.  seconds is the
# test's time, total the run's, names the failed tests.
STYLES = {
    "plain": {"ok": "ok   {name}", "fail": "FAIL {name}",
              "summary": "{passed} passed, {failed} failed"},
    "timed": {"ok": "ok   {name} ({seconds:.1f} s)", "fail": "FAIL {name}",
              "summary": "{passed} passed, {failed} failed"},
    "wide": {"ok": "ok    {name} ({seconds:.1f} s)", "fail": "FAIL  {name}",
             "summary": "{passed} passed, {failed} failed ({total:.1f} s)"},
    "checks": {"ok": "ok   {name}", "fail": "FAIL {name}",
               "summary": "{passed} passed, {failed} failed "
                          "({total:.1f} s)"},
    "mpi": {"start": "== {name}", "end": "   {seconds:.1f} s",
            "summary": "all MPI tests passed", "failures": "FAILED: {names}"},
}


class Report:
    """Counts passes and failures and prints them in a style of STYLES."""

    def __init__(self, style="plain"):
        self.style = STYLES[style]
        self.passed = self.failed = 0
        self.failures = []
        self.t0 = time.time()

    def say(self, what, **fields):
        line = self.style.get(what)
        if line is not None:
            print(line.format(**fields), flush=True)

    def result(self, ok, name, seconds=0.0):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
        self.say("ok" if ok else "fail", name=name, seconds=seconds)

    def summary(self):
        """Prints the summary; returns the exit status, 1 on a failure."""
        self.say("failures" if self.failed and "failures" in self.style
                 else "summary", passed=self.passed, failed=self.failed,
                 total=time.time() - self.t0, names=", ".join(self.failures))
        return 1 if self.failed else 0


def main(style="plain", keep_failed=False, detail=None):
    """Runs the tests (those named after the binary on the command line,
    or all), prints a line each and the summary, removes TMP (kept after a
    failure if keep_failed), and returns the exit status.  detail(error)
    tells about a failure; the default prints its traceback."""
    only = sys.argv[2:]
    unknown = sorted(set(only) - {t.__name__ for t in tests})
    if unknown:
        if TMP is not None:
            shutil.rmtree(TMP, ignore_errors=True)
        sys.exit("no test named " + ", ".join(unknown))
    report = Report(style)
    for fn in tests:
        name = fn.__name__
        if only and name not in only:
            continue
        report.say("start", name=name)
        t0 = time.time()
        try:
            fn()
        except Exception as e:
            report.result(False, name)
            if detail is None:
                traceback.print_exc()
            else:
                detail(e)
        else:
            report.result(True, name, time.time() - t0)
        report.say("end", name=name, seconds=time.time() - t0)
    status = report.summary()
    if TMP is not None:
        if status and keep_failed:
            print("files kept in", TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    return status
