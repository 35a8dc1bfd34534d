#!/usr/bin/python3
"""End-to-end tests of the front ends over the one executor: exit status
over every command of a session, the word syntax shared by scripts and
lists, JSON records that are always valid and alone on stdout, the command
line (options anywhere, --watch arguments, -c quit), and compile errors
shown with the source line and a caret.  Each test reproduces a defect of
issue #10.

usage: e2e_frontends.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import FIX, HOTRUN, SRC, test, tmp, write  # noqa: E402

TMP, ENV = e2e.setup("hotrun-fe-")
TASKS = os.path.join(FIX, "core_tasks.c")
BROKEN = os.path.join(FIX, "core_broken.c")


def hotrun(args, stdin=b"", timeout=60):
    return e2e.hotrun(args, stdin, timeout)


def records(out):
    """Every stdout line must be one JSON object."""
    return [json.loads(line) for line in out.splitlines()]


SMALL = tmp("small.npy")
np.save(SMALL, np.arange(12, dtype=np.float64).reshape(3, 4))


@test
def failures_outside_the_list_count():
    # `hotrun -q -t broken.c -c bogus -b list.txt a.npy` exited 0
    lst = write(tmp("good.txt"), f"{TASKS} count\n")
    rc, out, err = hotrun(["-q", "-t", BROKEN, "-c", "bogus", "-b", lst,
                           SMALL])
    assert rc == 2, (rc, err)             # bogus: an unknown command
    assert "bogus: unknown command" in err and "core_broken.c:5" in err, err
    assert "count = 12.0" in out, out
    rc, out, err = hotrun(["-q", "-t", BROKEN, "-b", lst, SMALL])
    assert rc == 1, (rc, err)             # the compile error counts
    rc, out, err = hotrun(["-q", "-t", TASKS, "-b", lst, SMALL])
    assert rc == 0, (rc, err)


@test
def comments_may_hold_apostrophes():
    # examples/batch.txt ended with "unclosed ' quote"; so did a script
    # starting "# don't panic"
    rc, out, err = hotrun([SMALL], b"# don't panic\nchecksum # it's fine\n")
    assert rc == 0 and "small " in out and err == "", (rc, out, err)
    lst = write(tmp("apos.txt"), f"# the list's first line\n{TASKS} count "
                "# the task's name\n")
    rc, out, err = hotrun(["-b", lst, SMALL])
    assert rc == 0 and "count = 12.0" in out, (rc, out, err)
    shipped = os.path.join(SRC, "examples", "batch.txt")
    rc, out, err = hotrun(["-b", shipped, "--json", SMALL])
    assert "quote" not in err, err
    rows = records(out)
    assert len(rows) >= 5 and all(r["ok"] for r in rows), (rows, err)


@test
def json_is_valid_for_every_line():
    lst = write(tmp("odd.txt"),
                b"# header\n"
                + TASKS.encode() + b" args 1 2 \xff\xfe\n"    # not UTF-8
                + TASKS.encode() + b" args 'unclosed\n"       # bad quote
                + TASKS.encode() + b" count\x00 rest\n"       # a NUL byte
                + b"\n"
                + TASKS.encode() + b" args 3 4\n")
    rc, out, err = hotrun(["--batch", lst, "--json", SMALL])
    assert rc == 2, (rc, err)
    rows = records(out)                 # raises if any line is not JSON
    assert [r["line"] for r in rows] == [2, 3, 4, 6], rows
    assert rows[0]["ok"] and rows[0]["args"] == ["1", "2", "\u00ff\u00fe"]
    assert not rows[1]["ok"] and "unclosed" in rows[1]["error"], rows[1]
    assert not rows[2]["ok"] and "NUL" in rows[2]["error"], rows[2]
    assert rows[3]["ok"] and rows[3]["args"] == ["3", "4"], rows[3]
    # two runs of one task with different arguments can be told apart
    assert rows[0]["result"] != rows[3]["result"]
    for r in rows:
        assert r["source"] == lst, r
        for k in ("file", "function", "args", "ok", "result",
                  "compile_ms", "run_ms", "error", "command"):
            assert k in r, (k, r)
    # stdout was valid UTF-8 throughout
    raw = subprocess.run([HOTRUN, "--batch", lst, "--json", SMALL],
                         capture_output=True, env=ENV, cwd=TMP).stdout
    raw.decode("utf-8")


@test
def json_stdout_holds_only_json():
    # with -t or --demo a "reloaded ..." line landed on stdout, so | jq
    # failed; so did what a task prints
    script = b"run prints\nrun count\nlist\nbogus\n"
    rc, out, err = hotrun(["-q", "-t", TASKS, "--json", SMALL], script)
    rows = records(out)
    assert [r["command"] for r in rows] == ["reload", "run", "run", "list",
                                            None], rows
    assert rows[0]["compile_ms"] is not None and rows[0]["ok"]
    assert rows[2]["result"] == 12 and rows[2]["line"] == 2
    assert rows[3]["output"].startswith(TASKS), rows[3]
    assert not rows[4]["ok"] and "unknown command" in rows[4]["error"]
    assert "hello from small" in err, err       # task output: stderr
    assert rc == 2


@test
def batch_of_a_non_file_is_an_input_error():
    d = os.path.join(TMP, "adir")
    os.makedirs(d, exist_ok=True)
    rc, out, err = hotrun(["--batch", d, SMALL])
    assert rc == 2 and "directory" in err and out == "", (rc, out, err)
    fifo = tmp("list.fifo")
    os.mkfifo(fifo)
    rc, out, err = hotrun(["--batch", fifo, SMALL], timeout=10)
    assert rc == 2 and "not a regular file" in err, (rc, err)


@test
def task_paths_with_quotes_and_backslashes():
    d = os.path.join(TMP, 'we"ird\\dir')
    os.makedirs(d, exist_ok=True)
    t = os.path.join(d, "t.c")
    shutil.copy(TASKS, t)
    rc, out, err = hotrun(["-q", "-t", t, "-c", "run count", SMALL])
    assert rc == 0 and "count = 12.0" in out, (rc, out, err)


@test
def options_may_follow_the_files():
    rc, out, err = hotrun(["-q", SMALL, "-t", TASKS, "-c", "run count"])
    assert rc == 0 and "count = 12.0" in out, (rc, out, err)
    rc, out, err = hotrun(["-q", "--", SMALL], b"checksum\n")
    assert rc == 0 and "small " in out, (rc, out, err)


@test
def watch_option_passes_arguments():
    t = tmp("w.c")
    shutil.copy(TASKS, t)
    p = subprocess.Popen([HOTRUN, "-q", "--watch", f"{t}:args 4 5", SMALL],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=ENV, cwd=TMP)
    out, err = p.communicate(b"quit\n", timeout=30)
    assert b"args = 2023.0" in out, (out, err)


@test
def command_quit_on_a_terminal_opens_no_prompt():
    s = e2e.Pty(["-q", "-c", "quit", SMALL], ENV)
    status = s.wait(10)
    s.close()
    assert status is not None, ("still running", s.out)
    assert status == 0 and b"hotrun [" not in s.out, s.out


@test
def compile_errors_show_line_and_caret():
    t = write(tmp("semi.c"), '#include "hotrun.h"\n'
              "double f(const struct hr_array *a)\n{\n"
              "    double s = 0\n    s += a->size;\n    return s;\n}\n")
    rc, out, err = hotrun([SMALL], f"reload {t}\n".encode())
    assert rc == 1, (rc, err)
    lines = err.splitlines()
    # the ';' is missing after "= 0" on line 4, not on line 5
    assert lines[0] == f"{t}:4:17: error: ';' expected (got \"s\")", lines
    assert lines[1] == "    4 |     double s = 0", lines
    assert lines[2] == "      |                 ^", lines
    u = write(tmp("undef.c"), '#include "hotrun.h"\n'
              "double f(const struct hr_array *a)\n{\n"
              "    return helper(a->size);\n}\n")
    rc, out, err = hotrun([SMALL], f"reload {u}\n".encode())
    assert f"{u}:4:12: error: undefined symbol 'helper'" in err, err
    assert "    4 |     return helper(a->size);" in err, err


@test
def make_array_help_makes_no_folder():
    script = os.path.join(SRC, "examples", "make_array.py")
    p = subprocess.run(["/usr/bin/python3", script, "--help"], cwd=TMP,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "usage" in p.stdout.lower(), p
    assert not os.path.exists(os.path.join(TMP, "--help"))


if __name__ == "__main__":
    sys.exit(e2e.main())
