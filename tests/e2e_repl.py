#!/usr/bin/python3
"""End-to-end tests of the interactive prompt: the built binary driven
through a pseudo-terminal (completion, history across sessions, help,
Ctrl-C, Ctrl-D, Enter repeating reload + run, colours and NO_COLOR, output
ordering, banner and -q).  Python standard library only.

usage: e2e_repl.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import fcntl
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import HOTRUN, check_clean, test, tmp, write  # noqa: E402

TMP = e2e.setup("hotrun-repl-")[0]
TIMEOUT = 15            # per expectation: the machine may be busy
CSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
PROMPT = r"hotrun \[[^\]\n]*\] > "


def save_npy(path, rows, cols):
    """A C-order float64 .npy holding 0, 1, 2, ..."""
    e2e.write_npy(path, "<f8", (rows, cols),
                  struct.pack("<%dd" % (rows * cols), *range(rows * cols)))


save_npy(tmp("small.npy"), 3, 4)         # sum 66
save_npy(tmp("other.npy"), 2, 2)         # sum 6
write(tmp("sums.c"), """#include "hotrun.h"
double sum_all(const struct hr_array *a)
{
    const double *x = hr_f64(a);
    double s = 0;
    for (int64_t i = 0; i < a->size; i++)
        s += x[i];
    return s;
}
double sum_twice(const struct hr_array *a) { return 2 * sum_all(a); }
double chatty(const struct hr_array *a)
{
    (void)a;
    printf("no newline here");
    return 1;
}
double spin(const struct hr_array *a)
{
    volatile double x = 0;
    (void)a;
    printf("spinning\n");
    fflush(stdout);
    for (;;)
        x += 1;
    return x;
}
""")
write(tmp("inputrc"), "")


def base_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "HOTRUN_HISTORY", "XDG_STATE_HOME")}
    env.update(HOME=tmp("home"), XDG_STATE_HOME=tmp("state"),
               TERM="xterm-256color", INPUTRC=tmp("inputrc"),
               HOTRUN_NO_PROGRESS="1")
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


class Session(e2e.Pty):
    """hotrun on a pseudo-terminal of rows x cols."""

    def __init__(self, args, env=None, rows=30, cols=100):
        super().__init__(args, env or base_env(), cwd=TMP, size=(rows, cols),
                         timeout=TIMEOUT)

    def text(self):
        """What was printed, without colour and cursor sequences and with
        plain \\n line ends."""
        t = CSI.sub("", self.out.decode("utf-8", "replace"))
        return re.sub(r"\r*\n\r*", "\n", t)

    def prompt(self, timeout=TIMEOUT):
        return self.expect(PROMPT, timeout)

    def line(self, s):
        self.send(s + "\r")

    def settle(self, t=0.3):
        end = time.time() + t
        while time.time() < end and self.pump(end - time.time()):
            pass

    def alive(self):
        return os.waitpid(self.pid, os.WNOHANG)[0] == 0

    def wait(self, timeout=TIMEOUT):
        status = super().wait(timeout)
        if status is None:
            raise AssertionError("hotrun did not exit: %r"
                                 % self.text()[-400:])
        return status

    def close(self):
        super().close()
        check_clean(self.text())


def session(*args, **env):
    return Session(list(args), base_env(**env))


# ---- tests ----

@test
def banner_is_one_line_and_q_silences_it():
    s = session("small.npy", NO_COLOR="1")
    try:
        s.prompt()
        before = s.text().split("hotrun [")[0]
        lines = [l for l in before.split("\n") if l.strip()]
        assert len(lines) == 1, lines
        assert re.match(r"hotrun \d+\.\d+\.\d+: 1 array resident .* in \d+ ms",
                        lines[0]), lines
    finally:
        s.close()
    s = session("-q", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        assert s.text().startswith("hotrun [small 3x4 f64] > "), s.text()
    finally:
        s.close()


@test
def prompt_shows_array_and_modules():
    s = session("-q", "small.npy", "prices=other.npy", NO_COLOR="1")
    try:
        s.expect(r"hotrun \[small 3x4 f64\] > ")
        s.line("reload sums.c")
        s.expect(r"hotrun \[small 3x4 f64 \| 1 module\] > ")
        s.line("use prices")
        s.expect(r"hotrun \[prices 2x2 f64 \| 1 module\] > ")
        s.line("load again=small.npy")
        s.expect(r"hotrun \[prices 2x2 f64 \| 1 module\] > ")
        s.line("run sum_all")
        s.expect(r"sum_all = 6\.0  \(")
    finally:
        s.close()


@test
def help_lists_commands_and_shows_usage():
    s = session("-q", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.line("help")
        m = s.prompt()
        out = s.text()[:m.start()]
        for name in ("reload", "run", "load", "use", "watch", "quit"):
            assert re.search(r"^  %s +\S" % name, out, re.M), (name, out)
        assert all(len(l) <= 80 for l in out.split("\n")), out
        s.line("help run")
        s.expect(r"usage: run \[-n N\] \[FILE:\]TASK")
        s.expect(r"example:\n  run ")
        s.prompt()
        s.line("rn sum_all")
        s.expect(r"rn: unknown command \(did you mean run\?\)\n" + PROMPT)
        s.line("help relaod")
        s.expect(r"did you mean reload\?")
    finally:
        s.close()


@test
def tab_completes_by_context():
    s = session("-q", "-t", "sums.c", "small.npy", "prices=other.npy",
                NO_COLOR="1")
    try:
        s.prompt()
        s.send("ru\tsum_tw\t\r")                      # command, task
        s.expect(r"sum_twice = 132\.0  \(")
        s.prompt()
        s.send("run -n 2 sum_a\t\r")                  # task after -n N
        s.expect(r"sum_all = 66\.0  \(min ")
        s.prompt()
        s.send("run sums.c:sum_t\t\r")                # FILE:NAME
        s.expect(r"sum_twice = 132\.0")
        s.prompt()
        s.send("run sums\t")                          # FILE: form
        s.expect(r"run sums\.c:")
        s.send("sum_a\t\r")
        s.expect(r"sum_all = 66\.0")
        s.prompt()
        s.send("help relo\t\r")                       # command names
        s.expect(r"usage: reload FILE")
        s.prompt()
        s.send("reload sum\t\r")                      # file names
        s.expect(r"reloaded sums\.c: sum_all")
        s.prompt()
        s.send("use \t\t")                            # array names
        s.expect(r"prices +small")
        s.send("pr\t\r")
        s.expect(r"hotrun \[prices 2x2 f64")
        s.send("watch sums.c cha\t")                  # task of FILE
        s.expect(r"watch sums\.c chatty")
        s.send("\x15")
        s.send("isolate o\t\t")
        s.expect(r"off +on")
        s.send("\x15quit\r")
        assert s.wait() == 0
    finally:
        s.close()


@test
def completion_with_nothing_loaded():
    s = session("-q", NO_COLOR="1")
    try:
        s.expect(r"hotrun \[no array\] > ")
        for line in ("run \t\t", "use \t\t", "run x:\t\t", "watch f \t\t",
                     "checksum \t\t", "unload \t"):
            s.send("\x15" + line)
            s.settle(0.2)
        s.send("\x15\t\t")
        s.expect(r"arrays +\S+[^\n]*\nchecksum +")
        s.send("\x15list\r")
        s.expect(r"no modules")
        s.prompt()
        s.send("\x04")
        assert s.wait() == 0
    finally:
        s.close()


def history_file():
    return tmp("state", "hotrun", "history")


@test
def history_across_sessions():
    shutil.rmtree(tmp("state"), ignore_errors=True)
    s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.line("run sum_twice")
        s.prompt()
        s.line("list")
        s.prompt()
        s.line("list")
        s.prompt()
        s.send("\x04")
        assert s.wait() == 0
    finally:
        s.close()
    path = history_file()
    assert os.stat(path).st_mode & 0o777 == 0o600, oct(os.stat(path).st_mode)
    assert os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700
    with open(path) as f:
        assert f.read().split("\n")[-3:] == ["run sum_twice", "list", ""]
    s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.send("\x1b[A\x1b[A\r")                     # Up, Up, Enter
        s.expect(r"sum_twice = 132\.0")
        s.prompt()
        s.send("\x12sum_tw")                          # Ctrl-R
        s.expect(r"reverse-i-search")
        s.send("\r")
        s.expect(r"sum_twice = 132\.0")
        s.prompt()
        s.send("\x04")
        s.wait()
    finally:
        s.close()
    with open(path) as f:
        assert f.read().split("\n")[-4:] == ["run sum_twice", "list",
                                             "run sum_twice", ""]


@test
def history_override_and_home_default():
    own = tmp("own-history")
    s = session("-q", "small.npy", NO_COLOR="1", HOTRUN_HISTORY=own)
    try:
        s.prompt()
        s.line("arrays")
        s.prompt()
        s.send("\x04")
        s.wait()
    finally:
        s.close()
    with open(own) as f:
        assert f.read() == "arrays\n"
    assert os.stat(own).st_mode & 0o777 == 0o600
    s = session("-q", "small.npy", NO_COLOR="1", XDG_STATE_HOME=None)
    try:
        s.prompt()
        s.line("arrays")
        s.prompt()
        s.send("\x04")
        s.wait()
    finally:
        s.close()
    path = tmp("home", ".local", "state", "hotrun", "history")
    assert os.stat(path).st_mode & 0o777 == 0o600


@test
def no_history_without_a_terminal():
    home = tmp("home-pipe")
    env = base_env(HOME=home, XDG_STATE_HOME=None, NO_COLOR="1")
    p = subprocess.run([HOTRUN, tmp("small.npy")], input="arrays\n",
                       capture_output=True, text=True, env=env, cwd=TMP,
                       timeout=TIMEOUT)
    assert p.returncode == 0 and "small" in p.stdout, p
    assert "hotrun [" not in p.stdout, p.stdout
    assert not os.path.exists(home), "history written without a terminal"


@test
def ctrl_c_right_after_typing_is_never_lost():
    """A Ctrl-C makes the terminal drop what was typed and not yet read;
    readline then waited in its read for a key that never came, and the
    Ctrl-C did nothing until the next key (about 1 time in 10)."""
    for i in range(40):             # right after start-up, as it was seen
        s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
        try:
            s.prompt()
            s.send("\x12s")
            s.send("um")
            s.send("\x03")
            s.expect(r"\^C\n" + PROMPT, timeout=5)
            s.line("help run")                        # nothing left over
            s.expect(r"usage: run")
            assert s.alive()
        finally:
            s.close()


@test
def ctrl_c_clears_the_line():
    s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.send("half typed")
        s.expect("half typed")      # echoed: readline has read it
        s.settle()
        s.send("\x03")
        s.expect(r"\^C\n" + PROMPT)
        s.send("\x03")
        s.expect(r"\^C\n" + PROMPT)
        s.send("\x12sum")                             # Ctrl-C in a search
        s.expect("reverse-i-search")
        s.send("\x03")
        s.prompt()
        s.line("help run")                            # nothing left over
        s.expect(r"usage: run")
        s.prompt()
        assert s.alive()
        s.line("run spin")                            # a long run
        s.expect("spinning")        # the task is running now
        time.sleep(0.2)
        s.send("\x03")
        s.expect(r"\^C\nrun: interrupted[^\n]*spin[^\n]*\n" + PROMPT)
        s.line("run sum_all")
        s.expect(r"sum_all = 66\.0")
        s.prompt()
        s.send("\x04")
        assert s.wait() == 0
    finally:
        s.close()


@test
def ctrl_d_status_follows_last_command():
    s = session("-q", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.line("nonsense")
        s.prompt()
        s.send("\x04")
        assert s.wait() == 2        # an unknown command: a usage error
    finally:
        s.close()
    s = session("-q", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.send("\x04")
        assert s.wait() == 0
    finally:
        s.close()


@test
def enter_repeats_reload_and_run():
    task = tmp("val.c")
    write(task, '#include "hotrun.h"\n'
          'double val(const struct hr_array *a) { (void)a; return 1; }\n')
    s = session("-q", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.line("reload val.c")
        s.prompt()
        s.line("run val")
        s.expect(r"val = 1\.0")
        s.prompt()
        write(task, '#include "hotrun.h"\n'
              'double val(const struct hr_array *a) { (void)a; return 2; }\n')
        s.line("")
        s.expect(r"reloaded val\.c: val")
        s.expect(r"val = 2\.0")
        s.prompt()
        s.line("   ")
        s.expect(r"val = 2\.0")
        s.prompt()
        s.send("\x04")
        assert s.wait() == 0
    finally:
        s.close()
    with open(history_file()) as f:
        assert f.read().split("\n")[-2:] == ["run val", ""]


@test
def pasted_lines_run_one_by_one():
    s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.send("\x1b[200~run sum_all\nrun sum_twice\n\x1b[201~")
        s.settle()
        s.send("\r")
        s.expect(r"sum_all = 66\.0  \([^)]*\)\nsum_twice = 132\.0")
        s.prompt()
        s.send("\x04")
        assert s.wait() == 0
    finally:
        s.close()


@test
def task_output_never_shares_a_line():
    s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.line("run chatty")
        s.expect(r"\nno newline here\nchatty = 1\.0  \([^)]*\)\n" + PROMPT)
        s.line("isolate on")                          # in a forked child
        s.prompt()
        s.line("run chatty")
        s.expect(r"\nno newline here\nchatty = 1\.0  \([^)]*\)\n" + PROMPT)
        s.line("run sum_all")                         # no blank line
        s.expect(r"run sum_all\nsum_all = 66\.0")
    finally:
        s.close()


@test
def colours_on_a_terminal_only():
    s = session("-q", "-t", "sums.c", "small.npy")
    try:
        s.prompt()
        s.line("run sum_all")
        s.expect("sum_all")
        s.prompt()
        s.line("rn")
        s.prompt()
        raw = s.out.decode()
        assert "\x1b[31mrn: unknown command" in raw, raw
        assert re.search(r"\x1b\[[0-9;]*msum_all\x1b\[0m = 66\.0", raw), raw
    finally:
        s.close()
    for term in ("xterm-256color", "dumb"):
        s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1",
                    TERM=term)
        try:
            s.prompt()
            s.line("run sum_all")
            s.expect("sum_all = 66")
            s.prompt()
            s.line("rn")
            s.expect("did you mean")
            s.prompt()
            s.send("\x12sum")
            s.settle()
            s.send("\x03")
            s.prompt()
            raw = s.out.decode()
            assert not re.search(r"\x1b\[[0-9;]*m", raw), raw
            if term == "dumb":
                assert "\x1b" not in raw, raw
        finally:
            s.close()


@test
def no_colour_when_stdout_is_not_a_terminal():
    master, slave = os.openpty()
    env = base_env(HOTRUN_HISTORY=tmp("pipe-history"))
    p = subprocess.Popen([HOTRUN, "-t", "sums.c", "small.npy"], stdin=slave,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, cwd=TMP, start_new_session=True)
    os.close(slave)
    try:
        os.write(master, b"run sum_all\rrn\rquit\r")
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        os.close(master)
    assert b"sum_all = 66.0" in out and b"did you mean" in err, (out, err)
    assert not re.search(rb"\x1b\[[0-9;]*m", out + err), (out, err)


@test
def resize_and_long_lines():
    s = session("-q", "-t", "sums.c", "small.npy", NO_COLOR="1")
    try:
        s.prompt()
        s.send("run" + " " * 150)
        s.settle(0.2)
        fcntl.ioctl(s.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 50,
                                                          0, 0))
        os.kill(s.pid, signal.SIGWINCH)
        s.send(" " * 30 + "sum_all\r")
        s.expect(r"sum_all = 66\.0")
        s.prompt()
        s.line("list")
        s.expect(r"sums\.c  \(compiled")
        assert s.alive()
    finally:
        s.close()


if __name__ == "__main__":
    sys.exit(e2e.main("wide", keep_failed=True))
