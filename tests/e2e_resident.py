#!/usr/bin/python3
"""End-to-end tests of resident data: what --load does by default and on
request, that a file saved over a loaded array changes nothing and cannot
end the session, and that --demo without HOME writes only into a private
folder of the user's own.

usage: e2e_resident.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import FIX, HOTRUN, test, tmp  # noqa: E402

TASKS = os.path.join(FIX, "core_tasks.c")
TMP, ENV = e2e.setup("hotrun-e2e-resident-", HOTRUN_NO_PROGRESS="1")


class Session:
    """One hotrun process driven line by line, as a user's long session."""

    def __init__(self, args):
        self.p = subprocess.Popen([HOTRUN, "-q"] + args,
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  env=ENV, cwd=TMP)

    def ask(self, line, rx):
        """Sends line, returns the first stdout line matching rx."""
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        while True:
            out = self.p.stdout.readline()
            assert out, f"hotrun ended (status {self.p.wait()}): " \
                        f"{self.p.stderr.read()}"
            m = re.search(rx, out)
            if m:
                return m

    def close(self):
        out, err = self.p.communicate("quit\n", timeout=60)
        return self.p.returncode, out, err


def hotrun(args, stdin="", env=None, timeout=120):
    return e2e.hotrun(args, stdin, timeout, env)


@test
def np_save_over_a_loaded_file_changes_nothing():
    """Issue 9.5: with the old default (mmap) the second sum was 2x the
    first, and checksum after the file shrank killed hotrun (SIGBUS)."""
    path = tmp("live.npy")
    a = np.arange(100_000, dtype=np.float64)       # 800 kB: many pages
    np.save(path, a)
    s = Session([path])
    try:
        s.ask(f"reload {TASKS}", r"^reloaded")
        first = float(s.ask("run at_sum", r"^at_sum = (\S+)").group(1))
        check = s.ask("checksum", r"^live ([0-9a-f]{16})$").group(1)
        assert first == float(a.sum()), first
        np.save(path, 2 * a)                # same inode, rewritten
        again = float(s.ask("run at_sum", r"^at_sum = (\S+)").group(1))
        assert again == first, (again, first)
        np.save(path, np.zeros(10))         # same inode, 208 bytes
        assert os.path.getsize(path) < 4096
        assert s.ask("checksum", r"^live ([0-9a-f]{16})$").group(1) == check
        again = float(s.ask("run at_sum", r"^at_sum = (\S+)").group(1))
        assert again == first, (again, first)
    finally:
        rc, out, err = s.close()
    assert rc == 0, (rc, err)


@test
def load_modes_show_in_arrays():
    path = tmp("modes.npy")
    np.save(path, np.arange(12.0).reshape(3, 4))
    for opt, how in [([], "copy"), (["--load=auto"], "copy"),
                     (["--load=copy"], "copy"), (["--load=read"], "copy"),
                     (["--load=mmap"], "mmap")]:
        rc, out, err = hotrun(opt + [path], f"reload {TASKS}\narrays\n"
                              "run at_sum\n")
        assert rc == 0, (opt, err)
        row = [l for l in out.splitlines() if "modes" in l and "3x4" in l]
        assert len(row) == 1 and f" {how} " in row[0], (opt, out)
        assert "at_sum = 66" in out, (opt, out)
    rc, out, err = hotrun(["--load=fast", path], "")
    assert rc == 2 and "--load" in err and "auto, copy or mmap" in err, err


@test
def big_endian_is_copied_even_with_mmap():
    path = tmp("be.npy")
    np.save(path, np.arange(6, dtype=">i4"))
    rc, out, err = hotrun(["--load=mmap", path], f"reload {TASKS}\narrays\n"
                          "run at_sum\n")
    assert rc == 0 and "copy+swap" in out and "at_sum = 15" in out, \
        (out, err)


@test
def a_file_written_under_a_mapped_array_is_told_once():
    """Issue 9.5 with --load=mmap: the user asked for the live file, so a
    write shows in the data, but hotrun says so before the run; a file
    that shrank is refused by host reads (no SIGBUS), the session lives."""
    import time
    path = tmp("mapped.npy")
    a = np.arange(100_000, dtype=np.float64)
    np.save(path, a)
    s = Session(["--load=mmap", path])
    try:
        s.ask(f"reload {TASKS}", r"^reloaded")
        first = float(s.ask("run at_sum", r"^at_sum = (\S+)").group(1))
        assert first == float(a.sum()), first
        time.sleep(0.05)                    # a new mtime
        np.save(path, 2 * a)                # same inode, same size
        m = s.ask("run at_sum", r"^warning: |^at_sum = ")
        assert m.group(0) == "warning: ", "no warning before the run"
        again = float(s.ask("", r"^at_sum = (\S+)").group(1))
        assert again == 2 * first, (again, first)
        # told once: the next run says nothing more
        s.p.stdin.write("run at_sum\n")
        s.p.stdin.flush()
        line = s.p.stdout.readline()
        assert line.startswith("at_sum = "), line
        np.save(path, np.zeros(10))         # same inode, 208 bytes
        s.ask("checksum\narrays", r"^\* mapped ")
        s.ask("load again=" + path, r"^loaded again")
        s.ask("checksum again", r"^again [0-9a-f]{16}$")
    finally:
        rc, out, err = s.close()
    assert rc == 2, (rc, err)           # a command failed: status 2
    assert "checksum: mapped: " + path + " shrank since it was loaded" in \
        err, err


@test
def a_file_rewritten_under_a_copy_is_a_note():
    import time
    path = tmp("copied.npy")
    np.save(path, np.arange(10.0))
    s = Session([path])
    try:
        s.ask(f"reload {TASKS}", r"^reloaded")
        time.sleep(0.05)
        np.save(path, np.arange(20.0))
        m = s.ask("run at_sum", r"^note: .*|^at_sum = ")
        assert "was rewritten since it was loaded (208 -> 288 bytes)" in \
            m.group(0) and "still holds the copy" in m.group(0), m.group(0)
        assert float(s.ask("", r"^at_sum = (\S+)").group(1)) == 45
        os.unlink(path)
        m = s.ask("arrays", r"^note: .*|^\* copied ")
        assert "is gone since it was loaded" in m.group(0), m.group(0)
    finally:
        rc, out, err = s.close()
    assert rc == 0, (rc, err)


def no_home_env(tmpdir):
    env = {k: v for k, v in ENV.items()
           if k not in ("HOME", "XDG_CACHE_HOME")}
    env["TMPDIR"] = tmpdir
    return env


@test
def demo_without_home_refuses_a_planted_symlink():
    """Issue 9.7: with HOME unset, --demo wrote through a predictable /tmp
    name and followed a symbolic link planted there."""
    base = tmp("tmpdir")
    victim = tmp("victim")
    os.makedirs(base)
    os.makedirs(victim)
    planted = os.path.join(base, f"hotrun-{os.geteuid()}")
    os.symlink(victim, planted)
    rc, out, err = hotrun(["--demo", "-q"], "", env=no_home_env(base))
    assert rc == 2, (rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and planted in lines[0] and \
        "symbolic link" in lines[0], err
    assert os.listdir(victim) == [], os.listdir(victim)
    assert os.path.islink(planted)


@test
def demo_without_home_refuses_a_folder_others_can_write():
    base = tmp("tmpdir2")
    os.makedirs(base)
    shared = os.path.join(base, f"hotrun-{os.geteuid()}")
    os.makedirs(shared)
    os.chmod(shared, 0o777)
    rc, out, err = hotrun(["--demo", "-q"], "", env=no_home_env(base))
    assert rc == 2 and "writable by others" in err, (rc, err)
    assert os.listdir(shared) == []


if __name__ == "__main__":
    sys.exit(e2e.main())
