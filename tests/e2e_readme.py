#!/usr/bin/python3
"""The README's commands run as written.

Every ```sh block of README.md is run with bash from the repository's
folder, in order, with stdin from /dev/null, and must exit with status 0.
A block whose last line ends in "# until Ctrl-C" (watch mode) must print
a result line, and is then stopped with Ctrl-C (SIGINT to its process
group).  tests/run.sh is the command that runs this test, so it is not run
again from here; examples/demo.sh is (it builds nothing new by then and
leaves the prompt at end of input).

usage: e2e_readme.py PATH_TO_HOTRUN [TEST ...]   (run by ctest; the README
itself says build/hotrun, which the normal build makes; a TEST is a block's
first line)
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import SRC, test  # noqa: E402

ENV = dict(os.environ, NO_COLOR="1",
           HOTRUN_HISTORY="/dev/null")
SELF = "tests/run.sh"


def blocks(text):
    return [m.group(1) for m in re.finditer(r"```sh\n(.*?)```", text, re.S)]


def run_block(code):
    if code.rstrip().endswith("# until Ctrl-C"):
        p = subprocess.Popen(["bash", "-euo", "pipefail", "-c", code],
                             cwd=SRC, env=ENV, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        out = b""
        end = time.time() + 120
        os.set_blocking(p.stdout.fileno(), False)
        while time.time() < end and not re.search(rb" = \S+  \(", out):
            chunk = p.stdout.read()
            if chunk:
                out += chunk
            elif p.poll() is not None:
                break
            time.sleep(0.05)
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        assert re.search(rb" = \S+  \(", out), (code, out, p.stderr.read())
        return
    p = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=SRC,
                       env=ENV, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=600)
    assert p.returncode == 0, (code, p.returncode, p.stdout[-2000:],
                               p.stderr[-2000:])


def main():
    with open(os.path.join(SRC, "README.md")) as f:
        found = blocks(f.read())
    assert len(found) >= 5, "the README has its command blocks"
    assert any(SELF in b for b in found), "the README names the test command"
    for code in found:
        if code.strip() != SELF:
            test(lambda code=code: run_block(code),
                 code.strip().splitlines()[0])
    # report every block, then fail
    return e2e.main(detail=lambda e: print("    ", repr(e)[:3000]))


if __name__ == "__main__":
    sys.exit(main())
