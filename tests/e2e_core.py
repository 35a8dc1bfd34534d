#!/usr/bin/python3
"""End-to-end tests of the core: the built binary in stdin-script and batch
modes, start-up errors and exit codes, and NumPy interop (results equal to
NumPy's within 1e-12 relative for every dtype, byte order and layout).

usage: e2e_core.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import FIX, HOTRUN, hotrun, results, test, tmp  # noqa: E402

TMP, ENV = e2e.setup("hotrun-e2e-")


def close(a, b, rel=1e-12):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


SMALL = tmp("small.npy")
np.save(SMALL, np.arange(12, dtype=np.float64).reshape(3, 4))
TASKS = os.path.join(FIX, "core_tasks.c")


@test
def help_and_version():
    rc, out, _ = hotrun(["--help"])
    assert rc == 0 and "usage: hotrun" in out and "--batch" in out, out
    rc, out, _ = hotrun(["--version"])
    assert rc == 0 and re.match(r"hotrun \d+\.\d+\.\d+", out), out


@test
def bad_option_is_usage_error():
    rc, _, err = hotrun(["--no-such-option"])
    assert rc == 2 and "unknown option" in err, err
    rc, _, err = hotrun(["--timeout", "abc", SMALL])
    assert rc == 2 and "--timeout" in err, err
    rc, _, err = hotrun(["--shape", "3x4", SMALL])
    assert rc == 2 and "--dtype" in err, err
    # --dtype alone is for CSV text: a .npy file says so
    rc, _, err = hotrun(["--dtype", "float64", SMALL])
    assert rc == 2 and "--shape" in err and "CSV" in err, err


@test
def startup_input_errors_exit_2_with_one_line():
    trunc = tmp("trunc.npy")
    with open(SMALL, "rb") as f:
        data = f.read()
    with open(trunc, "wb") as f:
        f.write(data[:-8])
    bad = tmp("bad.npy")
    with open(bad, "wb") as f:
        f.write(b"\x00\x01not an npy file at all, sorry" * 4)
    for path, what in [(tmp("missing.npy"), "no such file"),
                       (trunc, ""), (bad, "not a format hotrun knows")]:
        rc, out, err = hotrun([path], "run count\n")
        assert rc == 2, (path, rc, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(path + ":"), err
        assert what in lines[0], err


@test
def script_runs_and_reports():
    script = f"""# a comment
reload {TASKS}
run count
run args 2 3 hello
arrays
list
"""
    rc, out, err = hotrun([SMALL], script)
    assert rc == 0, (rc, err)
    r = dict(results(out))
    assert r["count"] == 12 and r["args"] == 3011.0, out
    assert "small" in out and "float64" in out and "3x4" in out, out
    assert "hotrun [" not in out, "no prompt noise in script mode"


@test
def script_exit_codes():
    rc, _, _ = hotrun([SMALL], f"reload {TASKS}\nrun fails\n")
    assert rc == 1
    rc, _, err = hotrun([SMALL], f"reload {TASKS}\nrn count\n")
    assert rc == 2 and "did you mean run" in err, err
    rc, _, err = hotrun([SMALL], f"reload {os.path.join(FIX, 'core_broken.c')}\n")
    assert rc == 1 and "core_broken.c:5:" in err, err


@test
def hr_fail_message_and_session_goes_on():
    rc, out, err = hotrun([SMALL], f"reload {TASKS}\nrun fails\nrun count\n")
    assert "bad input 3 in small" in err, err
    assert dict(results(out))["count"] == 12


@test
def reload_keeps_last_good_module():
    t = tmp("edit.c")
    shutil.copy(TASKS, t)
    script = f"reload {t}\nrun count\n"
    with open(t, "a") as f:
        f.write("\nthis is not C;\n")
    rc, out, err = hotrun([SMALL], f"reload {t}\nrun count\n")
    assert rc == 1 and "edit.c:" in err  # compile error shown
    shutil.copy(TASKS, t)
    rc, out, err = hotrun(["-t", t, SMALL],
                          f"run count\n!break\nreload {t}\nrun count\n"
                          .replace("!break\n", ""))
    assert [v for n, v in results(out)] == [12, 12]
    # now break it between two runs of the same session
    p = subprocess.Popen([HOTRUN, SMALL], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=ENV)
    p.stdin.write(f"reload {t}\nrun count\n")
    p.stdin.flush()
    assert p.stdout.readline().startswith("reloaded")
    assert p.stdout.readline().startswith("count = 12.0")
    with open(t, "w") as f:
        f.write('#include "hotrun.h"\ndouble count(const struct hr_array *a)'
                '\n{ return a->size +; }\n')
    out, err = p.communicate(f"reload {t}\nrun count\n", timeout=30)
    assert "count = 12.0" in out, out
    assert "last good version stays loaded" in err, err


@test
def tasks_with_glibc_headers_and_libc_names():
    rc, out, err = hotrun([SMALL], f"reload {os.path.join(FIX, 'core_syshdr.c')}\n"
                          f"run sys_sum\nreload {TASKS}\nrun libc_extra\n"
                          "run uses_helper\n")
    assert rc == 0, err
    r = dict(results(out))
    assert r["sys_sum"] == 66 and r["libc_extra"] == 5 and r["uses_helper"] == 4


@test
def undefined_symbol_is_a_clear_error():
    rc, out, err = hotrun([SMALL], f"reload {os.path.join(FIX, 'core_nolink.c')}\n")
    assert rc == 1 and "undefined symbol 'no_such_function'" in err, err


@test
def same_name_in_two_files_is_ambiguous():
    dup = os.path.join(FIX, "core_dup.c")
    rc, out, err = hotrun([SMALL], f"reload {TASKS}\nreload {dup}\nrun count\n"
                          "run core_dup:count\nrun core_tasks.c:count\n")
    assert "core_tasks.c" in err and "core_dup.c" in err and "both" in err, err
    assert [v for n, v in results(out)] == [-12, 12], out


@test
def load_errors_at_prompt_keep_session():
    rc, out, err = hotrun([SMALL], f"reload {TASKS}\nload {tmp('nope.npy')}\n"
                          "run count\nload x=/dev/null\nrun count\narrays\n")
    assert "nope.npy" in err
    assert [v for n, v in results(out)] == [12, 12], out


@test
def arrays_table_columns_line_up():
    long = tmp("a_rather_long_array_name.npy")
    np.save(long, np.zeros((1000, 20000), dtype=np.int8))
    rc, out, err = hotrun([SMALL, long], "arrays\n")
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 3, out
    cols = [l.index("dtype") if i == 0 else l.index(w)
            for i, (l, w) in enumerate(zip(lines, ["", "float64", "int8"]))]
    assert len(set(cols)) == 1, out
    assert len(set(l.index("copy") if "copy" in l else l.index("loaded")
                   for l in lines)) == 1, out


@test
def several_arrays_use_and_get():
    second = tmp("second.npy")
    np.save(second, np.full(5, 2.5))
    rc, out, err = hotrun([SMALL, second], f"reload {TASKS}\nrun other\n"
                          "use second\nrun count\nuse nothere\n")
    r = results(out)
    assert r == [("other", 12.5), ("count", 5)], out
    assert "nothere" in err
    assert rc == 2 or rc == 1


@test
def run_repeat_prints_min_median_max():
    rc, out, err = hotrun([SMALL], f"reload {TASKS}\nrun -n 5 count\n")
    assert rc == 0 and "min" in out and "median" in out and "max" in out \
        and "5 runs" in out, out


@test
def raw_binary_files():
    raw = tmp("raw.bin")
    x = np.arange(20, dtype=">i4").reshape(4, 5)
    x.tofile(raw)
    rc, out, err = hotrun(["--dtype", ">i4", "--shape", "4x5", raw],
                          f"reload {TASKS}\nrun at_sum\nrun weighted\n")
    r = dict(results(out))
    w = float(sum((i % 7) * v for i, v in enumerate(x.ravel().astype(float))))
    assert r["at_sum"] == 190 and r["weighted"] == w, (out, err)
    rc, out, err = hotrun(["--dtype", "f8", "--shape", "4x5", raw], "")
    assert rc == 2 and "raw.bin" in err, err


def interop_arrays():
    rng = np.random.default_rng(7)
    base = rng.uniform(-100, 100, size=(6, 7))
    kinds = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8",
             "f2", "f4", "f8", "c8", "c16"]
    out = []
    for k in kinds:
        for endian in "<>":
            dt = np.dtype(k).newbyteorder(endian)
            if k == "b1":
                a = base > 0
            elif k[0] in "iu":
                a = np.abs(base) if k[0] == "u" else base
                a = a.astype(dt)
            elif k[0] == "c":
                a = (base + 1j * base[::-1]).astype(dt)
            else:
                a = base.astype(dt)
            for order in "CF":
                out.append((f"{k}{'le' if endian == '<' else 'be'}{order}",
                            np.asarray(a, order=order)))
    out.append(("zerod", np.array(3.25)))
    out.append(("empty", np.zeros((0, 3))))
    out.append(("threed", rng.uniform(size=(3, 4, 5)).astype("<f4")))
    out.append(("threedF", np.asfortranarray(rng.uniform(size=(3, 4, 5)))))
    return out


@test
def numpy_interop_every_dtype_order_endianness():
    arrays = interop_arrays()
    script = [f"reload {TASKS}"]
    args = []
    for name, a in arrays:
        for version in [(1, 0)]:
            p = tmp(name + ".npy")
            np.save(p, a)
            args.append(f"{name}={p}")
        script += [f"use {name}", "run at_sum", "run weighted", "run kern_sum"]
    rc, out, err = hotrun(args, "\n".join(script) + "\n", timeout=120)
    assert rc == 0, (rc, err[-2000:])
    r = results(out)
    assert len(r) == 3 * len(arrays), (len(r), err[-2000:])
    for i, (name, a) in enumerate(arrays):
        x = a.real if np.iscomplexobj(a) else a
        flat = np.ascontiguousarray(x).ravel().astype(np.float64)
        want_sum = float(flat.sum())
        want_w = float(((np.arange(flat.size) % 7) * flat).sum())
        got = [v for _, v in r[3 * i:3 * i + 3]]
        assert close(got[0], want_sum), (name, got[0], want_sum)
        assert close(got[1], want_w), (name, got[1], want_w)
        assert close(got[2], want_sum), (name, "kernel", got[2], want_sum)


@test
def npy_versions_2_and_3():
    a = np.arange(10, dtype=np.int16)
    for v in [(2, 0), (3, 0)]:
        p = tmp(f"v{v[0]}.npy")
        with open(p, "wb") as f:
            np.lib.format.write_array(f, a, version=v)
        rc, out, err = hotrun([p], f"reload {TASKS}\nrun at_sum\n")
        assert rc == 0 and dict(results(out))["at_sum"] == 45, (v, err)


@test
def object_and_structured_dtypes_refused():
    o = tmp("obj.npy")
    np.save(o, np.array([1, "a", None], dtype=object), allow_pickle=True)
    s = tmp("struct.npy")
    np.save(s, np.zeros(3, dtype=[("x", "<f8"), ("y", "<i4")]))
    for p, what in [(o, "object"), (s, "structured")]:
        rc, out, err = hotrun([p], "")
        assert rc == 2 and p in err and what in err.lower(), err


@test
def batch_list_json_and_relative_paths():
    d = tmp("batch")
    os.makedirs(d, exist_ok=True)
    shutil.copy(TASKS, os.path.join(d, "t.c"))
    shutil.copy(os.path.join(FIX, "core_broken.c"), os.path.join(d, "b.c"))
    lst = os.path.join(d, "list.txt")
    with open(lst, "w") as f:
        f.write("# runs\n\nt.c count\nb.c\nt.c args 4 5 xy\nt.c fails\n"
                "t.c nosuch\nt.c count\n")
    rc, out, err = hotrun(["--batch", lst, "--json", SMALL])
    assert rc == 1, (rc, err)
    rows = [json.loads(l) for l in out.splitlines()]
    assert len(rows) == 6, out
    keys = {"source", "line", "command", "file", "function", "args", "ok",
            "result", "outputs", "bytes", "tier", "compile_ms", "run_ms",
            "error"}
    assert all(set(r) == keys for r in rows), rows
    assert rows[0]["ok"] and rows[0]["result"] == 12 and rows[0]["function"] == "count"
    assert rows[0]["file"].endswith("batch/t.c")
    assert [r["line"] for r in rows] == [3, 4, 5, 6, 7, 8], rows
    assert rows[2]["args"] == ["4", "5", "xy"] and rows[0]["args"] == []
    assert not rows[1]["ok"] and "b.c:5" in rows[1]["error"]
    assert rows[2]["ok"] and rows[2]["result"] == 4 * 5 + 2 + 3000
    assert not rows[3]["ok"] and "bad input 3" in rows[3]["error"]
    assert not rows[4]["ok"] and "nosuch" in rows[4]["error"]
    assert rows[5]["ok"] and rows[5]["result"] == 12
    with open(lst, "w") as f:
        f.write("t.c count\nt.c\n")
    rc, out, err = hotrun(["--batch", lst, SMALL])
    assert rc == 1  # t.c alone runs every task, and `fails` fails
    with open(lst, "w") as f:
        f.write("t.c count\nt.c at_sum\n")
    rc, out, err = hotrun(["--batch", lst, "--json", SMALL])
    assert rc == 0 and len(out.splitlines()) == 2, (rc, out, err)
    rc, out, err = hotrun(["--batch", tmp("no-list.txt"), SMALL])
    assert rc == 2 and "no-list.txt" in err


@test
def batch_every_task_of_a_file():
    lst = tmp("all.txt")
    with open(lst, "w") as f:
        f.write(f"{os.path.join(FIX, 'core_syshdr.c')}\n")
    rc, out, err = hotrun(["--batch", lst, "--json", SMALL])
    rows = [json.loads(l) for l in out.splitlines()]
    assert rc == 0 and [r["function"] for r in rows] == ["sys_sum"], out


@test
def command_option_and_task_option():
    rc, out, err = hotrun(["-t", TASKS, "-c", "run count", SMALL], "")
    assert rc == 0 and dict(results(out))["count"] == 12, (out, err)


@test
def checksum_command():
    rc, out, err = hotrun([SMALL], "checksum\nchecksum small\n")
    lines = out.split()
    assert rc == 0 and lines[1] == lines[3] and len(lines[1]) == 16, out


if __name__ == "__main__":
    sys.exit(e2e.main())
