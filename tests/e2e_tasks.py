#!/usr/bin/python3
"""End-to-end tests of the task contract (issue #11): what a task returns
is checked, never guessed; arrays a task makes become resident only when
the run succeeds (in process and --isolate); blocks kept with hr_keep
survive runs and reloads; arguments a task never read are named; batch
JSON says what a run made.

usage: e2e_tasks.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import HOTRUN, test, tmp  # noqa: E402

TMP, ENV = e2e.setup("hotrun-tasks-")


def write(name, text):
    return e2e.write(tmp(name), text)


def hotrun(args, stdin):
    rc, out, err = e2e.hotrun(["-q"] + args, stdin, 120)
    return rc, out, re.sub(r"(?m)^<stdin>:\d+: ", "", err)


def value(out, name):
    m = re.search(rf"^{name} = (\S+)  \(", out, re.M)
    assert m, (name, out)
    return m.group(1)


A = np.arange(12, dtype=np.float64).reshape(3, 4)
np.save(tmp("a.npy"), A)

SIGS = write("sigs.c", """#include "hotrun.h"
typedef long long myint;
int64_t count(const struct hr_array *a) { return a->size * 1000000000000LL + 7; }
float f32(const struct hr_array *a) { return 2.5f; }
size_t big(void) { return (size_t)-1; }
myint neg(void) { return -12; }
bool flag(const struct hr_array *a) { return a->size > 3; }
unsigned char byte(void) { return 200; }
void hello(const struct hr_array *a) { printf("hello %s\\n", a->name); }
int helper(int x) { return x * 2; }
double uses_helper(const struct hr_array *a) { return helper((int)a->size); }
""")


@test
def return_types_are_checked_not_guessed():
    # int64_t printed 0.0 and float 4.08e+65; int helper(int) was a task
    rc, out, err = hotrun([tmp("a.npy")], f"reload {SIGS}\nrun count\n"
                          "run f32\nrun big\nrun neg\nrun flag\nrun byte\n"
                          "run hello\nrun uses_helper\nlist\n")
    assert rc == 0, err
    assert value(out, "count") == "12000000000007"
    assert value(out, "f32") == "2.5"
    assert value(out, "big") == "18446744073709551615"
    assert value(out, "neg") == "-12"
    assert value(out, "flag") == "1"
    assert value(out, "byte") == "200"
    assert re.search(r"^hello done  \(", out, re.M), out
    assert "hello a" in out
    assert value(out, "uses_helper") == "24.0"
    assert re.search(r"reloaded .*sigs\.c: count f32 big neg flag byte "
                     r"hello uses_helper \(", out), out
    assert not re.search(r"^  helper$", out, re.M), out


@test
def a_function_that_is_not_a_task_says_why():
    rc, out, err = hotrun([tmp("a.npy")], f"reload {SIGS}\nrun helper 3\n")
    assert rc == 1, (rc, err)
    assert ("run: 'helper' is not a task: it is int helper(int x) "
            f"({SIGS}:10)") in err, err
    assert "a task is double, float, an integer type or void" in err
    only = write("only.c", "#include \"hotrun.h\"\n"
                 "int twice(int x) { return 2 * x; }\n")
    rc, out, err = hotrun([tmp("a.npy")], f"reload {only}\n")
    assert rc == 1 and "defines no task: int twice(int x) (line 2) is " \
                       "not one" in err, err


MAKE = write("make.c", """#include "hotrun.h"
double row_stats(const struct hr_array *a)
{
    int64_t n[1] = { hr_rows(a) };
    double *means = hr_new_f64("row_means", 1, n);
    int64_t h[1] = { 4 };
    int64_t *hist = hr_new_i64("hist", 1, h);
    int64_t i;

    hr_row_means(a, means);
    for (i = 0; i < a->size; i++)
        hist[(int64_t)hr_at(a, i) % 4]++;
    return hr_sum(a);
}
double use_means(void)
{
    const struct hr_array *m = hr_array_get("row_means");

    if (m == NULL)
        hr_fail("no row_means yet");
    return hr_sum(m);
}
double crash_after_new(const struct hr_array *a)
{
    double *x = hr_new_f64("ghost", 1, &a->size);
    volatile int *p = 0;

    x[0] = 1;
    return *p;
}
double fail_after_new(const struct hr_array *a)
{
    hr_new_like("row_means", a);
    hr_fail("changed my mind");
    return 0;
}
double twice(void)
{
    int64_t n[1] = { 3 };

    hr_new_f64("t", 1, n);
    hr_new_f64("t", 1, n);
    return 0;
}
double bad_name(void)
{
    int64_t n[1] = { 3 };

    hr_new_f64("no spaces", 1, n);
    return 0;
}
""")


def made_arrays_session(isolate):
    pre = "isolate on\n" if isolate else ""
    return hotrun([tmp("a.npy")], pre + f"reload {MAKE}\n"
                  "run crash_after_new\nrun row_stats\nrun use_means\n"
                  "run fail_after_new\nrun use_means\nrun twice\n"
                  "run bad_name\narrays\n"
                  f"save row_means {tmp('m.npy')}\nsave hist "
                  f"{tmp('h.npy')}\nuse row_means\nrun use_means\n"
                  "stats\n")


@test
def arrays_a_task_makes_become_resident_only_on_success():
    for isolate in (False, True):
        rc, out, err = made_arrays_session(isolate)
        assert rc == 1, (isolate, rc, err)
        assert "segfault in crash_after_new" in err
        assert "ghost" not in out, (isolate, out)     # crashed: none made
        assert "row_stats made row_means, hist" in out
        assert float(value(out, "use_means")) == A.mean(axis=1).sum()
        # the failed run after it left row_means as it was
        assert out.count("use_means = 16.5") == 3, (isolate, out)
        assert "hr_new: t: 't' was made already in this run" in err
        assert "hr_new: 'no spaces' is not an array name" in err
        assert re.search(r"row_means +float64 +3 +24 +made \d\d:\d\d:\d\d +"
                         r"\(made by row_stats\)", out), out
        assert np.load(tmp("m.npy")).tobytes() == \
            A.mean(axis=1).tobytes()
        assert list(np.load(tmp("h.npy"))) == [3, 3, 3, 3]
        assert re.search(r"^count +3$", out, re.M), out    # stats of it


KEEP = """#include "hotrun.h"
static int statics;
double counter(void)
{
    int64_t *n = hr_keep("counter", sizeof *n);

    ++*n;
    ++statics;
    return (double)(*n * 100 + statics);
}
double resize(void)
{
    double *d = hr_keep("counter", 64);

    return d[0];
}
"""


@test
def kept_blocks_survive_runs_and_reloads():
    k = write("keep.c", KEEP)
    for pre in ("", "isolate on\n"):
        rc, out, err = hotrun([tmp("a.npy")], pre + f"reload {k}\n"
                              "run counter\nrun counter\n"
                              f"reload {k}\nrun counter\nkeeps\n"
                              "run resize\nkeeps\nforget counter\n"
                              "run counter\nforget nope\n")
        vals = re.findall(r"^counter = (\S+)", out, re.M)
        if pre == "":
            # the static starts over at the reload; the kept block not
            # (forget starts the block over, not the static)
            assert vals == ["101.0", "202.0", "301.0", "102.0"], out
        else:
            # a forked child's statics never reach the session
            assert vals == ["101.0", "201.0", "301.0", "101.0"], out
        assert re.search(r"^  counter +8 bytes", out, re.M), out
        assert "'counter' is 64 bytes now (was 8): a fresh block" in \
            out + err, (out, err)
        assert re.search(r"^  counter +64 bytes", out, re.M), out
        assert "forget: nothing is kept under 'nope'" in err
        assert rc == 2


@test
def unused_arguments_are_named():
    t = write("args.c", '#include "hotrun.h"\n'
              "double one(void) { return hr_arg_f64(0, 1); }\n"
              "double all(void) { int i; double s = 0;\n"
              "  for (i = 0; i < hr_nargs(); i++) s += hr_arg_f64(i, 0);\n"
              "  return s; }\n")
    rc, out, err = hotrun([tmp("a.npy")], f"reload {t}\nrun one 2 3 x\n"
                          "run all 1 2 3\nrun one 5\n")
    assert rc == 0, err
    assert "run: one did not use the arguments 3 x" in err, err
    assert err.count("did not use") == 1, err


@test
def batch_json_says_what_a_run_made_and_its_type():
    lst = write("list.txt", f"{MAKE} row_stats\n{SIGS} count\n"
                f"{SIGS} hello\n{MAKE} crash_after_new\n")
    p = subprocess.run([HOTRUN, "--batch", lst, "--json", tmp("a.npy")],
                       capture_output=True, text=True, env=ENV, cwd=TMP)
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    assert rows[0]["outputs"] == ["row_means", "hist"], rows[0]
    assert rows[1]["result"] == 12000000000007 and \
        isinstance(rows[1]["result"], int), rows[1]
    assert rows[2]["ok"] and rows[2]["result"] is None, rows[2]
    assert not rows[3]["ok"] and rows[3]["outputs"] == [], rows[3]


@test
def rates_count_the_arrays_a_run_read():
    # the GB/s after a result counted the default array alone
    np.save(tmp("big.npy"), np.zeros(100000))
    np.save(tmp("small.npy"), np.ones(10))
    t = write("rates.c", '#include "hotrun.h"\n'
              "double whole(const struct hr_array *a) { return hr_sum(a); }\n"
              "double other(void) { return hr_sum(hr_array_get(\"small\")); }\n"
              "double both(const struct hr_array *a)\n"
              "{ return hr_sum(a) + hr_sum(hr_array_get(\"small\")); }\n"
              "double makes(void) { int64_t n[1] = { 1000 };\n"
              "  hr_new_f64(\"m\", 1, n); return 0; }\n")
    p = subprocess.run([HOTRUN, "-q", "--json", tmp("big.npy"),
                        tmp("small.npy")],
                       input=f"reload {t}\nrun whole\nrun other\nrun both\n"
                       "run makes\n", capture_output=True, text=True, env=ENV,
                       cwd=TMP)
    rows = [json.loads(l) for l in p.stdout.splitlines()][1:]
    assert [r["bytes"] for r in rows] == [800000, 80, 800080, 8000], rows


if __name__ == "__main__":
    sys.exit(e2e.main())
