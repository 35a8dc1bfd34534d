#!/usr/bin/python3
"""Edit-to-result with think gaps: the first run after the user paused.

  /usr/bin/python3 bench/think_bench.py [--quick]

People do not edit back to back: they read the result, think, change a
line and save 5-30 s later.  This measures that.  Three long-lived
sessions hold the 200 MB demo array side by side:

  hotrun (default load)     `hotrun -q demo.npy`
  hotrun --load=mmap        the file's pages, mapped
  Python trick              ../shared/reference/python_trick.py in its
                            interactive loop (np.load; Enter = reload+run)

For each gap of the schedule all three sit idle, then each in turn (in a
random order) gets one edit: its task file is rewritten (a comment grows),
hotrun gets `reload FILE` + `run some_task`, the trick gets Enter; the
figure is the wall time from before the rewrite to reading the result
line, and the run time each prints.  Right after, each gets three more
edits back to back: the warm figures.  Target: after 30 s idle, hotrun's
default load runs some_task within 1.3x of its warm median.

bench.py runs this as one section; alone it needs the same set-up
(build/hotrun, the demo array, python3-numpy).  --quick: gaps of 5 and
30 s only (about 45 s); the full schedule takes about 3 minutes.
"""
import os
import random
import re
import shutil
import sys
import tempfile
import time

FULL_GAPS = [30, 5, 30, 10, 30, 20, 30]
QUICK_GAPS = [5, 30]
WARM = 3                # back-to-back edits after each gap
TARGET = 1.3
TRICK_LINE = re.compile(r"some_task = (\S+) \(([0-9.]+) ms\)")


class Variant:
    """One long-lived session and the task file it reloads."""

    def __init__(self, lib, name, kind, args, tmp, demo):
        self.lib = lib
        self.name = name
        self.kind = kind
        d = os.path.join(tmp, "think-" + kind + "-" + str(len(args)))
        os.makedirs(d, exist_ok=True)
        if kind == "trick":
            src = os.path.join(lib.REFERENCE, "tasks.py")
            self.task = os.path.join(d, "tasks.py")
            self.proc = lib.Proc([lib.PY, "-u", os.path.join(
                lib.REFERENCE, "python_trick.py"), demo, self.task,
                "some_task"], "python_trick.py")
        else:
            src = os.path.join(lib.ROOT, "tasks", "demo.c")
            self.task = os.path.join(d, "demo.c")
            self.proc = lib.Hotrun(*args, demo)
        with open(src) as f:
            self.source = f.read()
        self.edits = 0
        self.write()
        self.cold = []          # (gap, wall, run, wall/warm, run/warm)
        self.warm = []          # (wall ms, run ms)

    def write(self):
        self.edits += 1
        comment = "#" if self.kind == "trick" else "//"
        with open(self.task, "w") as f:
            # the file grows on every edit: a new size, whatever the clock
            f.write(self.source + f"\n{comment} edit {'e' * self.edits}\n")

    def edit(self):
        """One edit: (wall ms, run ms) from before the rewrite to the
        result line."""
        lib = self.lib
        t0 = lib.now_ms()
        self.write()
        if self.kind == "trick":
            self.proc.send("\n")
            m = self.proc.expect(TRICK_LINE)
            return lib.now_ms() - t0, float(m.group(2))
        self.proc.send(f"reload {self.task}\nrun some_task\n")
        self.proc.expect(lib.RELOADED)
        m = self.proc.expect(re.compile(r"^some_task = (\S+)\s+\((.*)\)$"))
        return lib.now_ms() - t0, lib.ms_of(m.group(2))

    def close(self):
        if self.kind == "trick":
            try:
                self.proc.send("q\n")
            except OSError:
                pass
        self.proc.close()


def med(xs):
    return sorted(xs)[len(xs) // 2] if len(xs) % 2 else \
        sum(sorted(xs)[len(xs) // 2 - 1:len(xs) // 2 + 1]) / 2


def section(cfg, tab, tmp, demo, lib):
    gaps = cfg.get("think_gaps", FULL_GAPS)
    random.seed(9)
    vs = []
    try:
        vs.append(Variant(lib, "hotrun, default load", "default", [], tmp,
                          demo))
        vs.append(Variant(lib, "hotrun --load=mmap", "mmap",
                          ["--load=mmap"], tmp, demo))
        vs.append(Variant(lib, "Python trick (np.load)", "trick", [], tmp,
                          demo))
        for v in vs:                # warm-up, untimed
            for _ in range(WARM):
                v.edit()
        for i, gap in enumerate(gaps):
            lib.say(f"think gaps: {i + 1}/{len(gaps)}: idle {gap} s")
            time.sleep(gap)
            order = list(vs)
            random.shuffle(order)
            cold = {}
            for v in order:
                cold[v.name] = v.edit()
            for v in vs:
                after = [v.edit() for _ in range(WARM)]
                v.warm += after
                wall, run = cold[v.name]
                # paired with the warm edits right after it: a busy
                # machine then weighs on both sides of the ratio
                v.cold.append((gap, wall, run,
                               wall / med([w for w, _ in after]),
                               run / med([r for _, r in after])))
    finally:
        for v in vs:
            v.close()
    py_warm = med([w for w, _ in vs[2].warm])
    py_cold = med([c[1] for c in vs[2].cold])
    tab.section(f"edit-to-result with think gaps: {len(gaps)} pauses of "
                f"{min(gaps)}-{max(gaps)} s, {WARM} back-to-back edits "
                f"after each; demo some_task",
                ["variant", "median", "max", "vs warm", "target",
                 "verdict"])
    for v in vs:
        tab.row(f"{v.name}:")
        for what, k in (("edit to result", 0), ("run", 1)):
            xs = [x[k] for x in v.warm]
            tab.row(f"  back to back: {what}", lib.fmt_ms(med(xs)),
                    lib.fmt_ms(max(xs)), "1.00x")
        for label, only30 in ((f"after {min(gaps)}-{max(gaps)} s idle",
                               False), ("after 30 s idle", True)):
            cs = [c for c in v.cold if c[0] >= 30 or not only30]
            if not cs:
                continue
            for what, k in (("edit to result", 1), ("run", 2)):
                xs = [c[k] for c in cs]
                rs = [c[k + 2] for c in cs]
                target = []
                if v.kind == "default" and what == "run" and only30:
                    target = [f"<= {TARGET}x", lib.verdict(
                        med(rs) <= TARGET)]
                tab.row(f"  {label}: {what} ({len(cs)})",
                        lib.fmt_ms(med(xs)), lib.fmt_ms(max(xs)),
                        f"{med(rs):.2f}x", *target)
    tab.note("'vs warm': the median over the pauses of (the first edit after "
             "the pause) / (the median of the 3 back-to-back edits right "
             "after it), so that a busy machine weighs on both sides.")
    tab.note("run after each pause / warm, in order (" +
             ", ".join(f"{g} s" for g in gaps) + "):")
    for v in vs:
        tab.note(f"  {v.name}: " + " ".join(f"{c[4]:.2f}" for c in v.cold))
    for v in vs[:2]:
        tab.note(f"{v.name} against the Python trick, edit to result: back "
                 f"to back {lib.ratio(med([w for w, _ in v.warm]), py_warm)}"
                 f", after a pause "
                 f"{lib.ratio(med([c[1] for c in v.cold]), py_cold)} (ratio "
                 "of medians).")
    tab.note("Each gap idles all three sessions at once; then one edit each "
             "in a random order, then the back-to-back edits.  The trick's "
             "run time is what it prints (the call only); hotrun's is what "
             "`run` reports.")


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench as lib
    quick = "--quick" in sys.argv[1:]
    if [a for a in sys.argv[1:] if a != "--quick"]:
        sys.exit(__doc__)
    demo = lib.demo_path()
    if not os.path.exists(lib.HOTRUN) or not os.path.exists(demo):
        sys.exit("think_bench.py: needs build/hotrun and the demo array "
                 "(run bench/bench.py once, or hotrun --demo)")
    tmp = tempfile.mkdtemp(prefix="hotrun-think-")
    tab = lib.Table()
    t0 = time.monotonic()
    try:
        lib.Hotrun.exe = os.path.join(tmp, "hotrun")
        shutil.copy2(lib.HOTRUN, lib.Hotrun.exe)
        lib.warm(demo)
        section({"think_gaps": QUICK_GAPS if quick else FULL_GAPS}, tab,
                tmp, demo, lib)
    except lib.BenchError as e:
        sys.exit(f"think_bench.py: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"hotrun think-gap bench{' --quick' if quick else ''}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, "
          f"{time.monotonic() - t0:.0f} s")
    print("machine: " + lib.machine())
    print("hotrun: " + lib.build_info(os.path.getmtime(lib.HOTRUN)))
    print(tab.render())


if __name__ == "__main__":
    main()
