#!/usr/bin/python3
"""End-to-end tests of the commands that look at arrays: show prints what
NumPy prints, stats agrees with NumPy, plot draws (and writes SVG), save
writes a file np.load reads bit for bit and never overwrites the file an
array is mapped from.  The engines are tested in depth by test_show,
test_stats, test_plot and test_save; this proves the commands reach them.

usage: e2e_view.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import test, tmp  # noqa: E402

e2e.setup("hotrun-view-")


def hotrun(args, stdin=""):
    return e2e.hotrun(["-q"] + args, stdin)


rng = np.random.default_rng(7)
A = rng.normal(size=(40, 30))
A[3, 4] = np.nan
np.save(tmp("a.npy"), A)
I = np.arange(-5, 7, dtype=np.int64) * (2 ** 55)
np.save(tmp("i.npy"), I)


@test
def show_prints_what_numpy_prints():
    rc, out, err = hotrun([tmp("a.npy"), tmp("i.npy")],
                          "show a\nshow i\nshow a 1\n")
    assert rc == 0, err
    with np.printoptions():
        want_a = str(A)
        want_i = str(I)
    with np.printoptions(edgeitems=1):
        want_a1 = str(A)
    assert want_a in out and want_i in out and want_a1 in out, out
    assert "shape (40, 30) float64" in out


@test
def stats_agree_with_numpy():
    rc, out, err = hotrun([tmp("a.npy")], "stats\n")
    assert rc == 0, err
    fields = dict(re.findall(r"^(\w+) +(.*)$", out, re.M))
    assert int(fields["count"]) == A.size and int(fields["nan"]) == 1
    assert float(fields["min"].split()[0]) == np.nanmin(A)
    assert float(fields["max"].split()[0]) == np.nanmax(A)
    where = np.unravel_index(np.nanargmax(A), A.shape)
    assert fields["max"].endswith(f"at ({where[0]}, {where[1]})"), fields
    assert abs(float(fields["mean"]) - np.nanmean(A)) < 1e-12
    assert abs(float(fields["std"]) - np.nanstd(A)) < 1e-12


@test
def plot_draws_and_writes_svg():
    svg = tmp("p.svg")
    rc, out, err = hotrun([tmp("a.npy")], f"plot --svg {svg}\n"
                          "plot --hist a 20\n")
    assert rc == 0, err
    assert "shape (40, 30) float64" in out and "histogram, 20 bins" in out
    assert f"wrote {svg}" in out
    ET.parse(svg)       # well-formed XML


@test
def save_round_trips_and_refuses_mapped_files():
    out_path = tmp("copy.npy")
    rc, out, err = hotrun([tmp("a.npy"), tmp("i.npy")],
                          f"save a {out_path}\nsave i {tmp('i2.npy')}\n")
    assert rc == 0, err
    b = np.load(out_path)
    assert b.tobytes() == A.tobytes() and b.shape == A.shape
    assert np.load(tmp("i2.npy")).tobytes() == I.tobytes()
    # several arrays into an .npz archive, as np.savez writes it
    rc, out, err = hotrun([tmp("a.npy"), tmp("i.npy")],
                          f"save a i {tmp('both.npz')}\n"
                          f"save a i {tmp('both.npy')}\n")
    assert rc == 2 and "saved 2 arrays" in out, (rc, out, err)
    assert "several arrays go into an .npz file" in err, err
    z = np.load(tmp("both.npz"))
    assert sorted(z.files) == ["a", "i"]
    assert z["a"].tobytes() == A.tobytes() and z["i"].tobytes() == I.tobytes()
    rc, out, err = hotrun(["--load=mmap", tmp("a.npy")],
                          f"save a {tmp('a.npy')}\n")
    assert rc == 2 and "mapped from this file" in err, (rc, err)
    rc, out, err = hotrun([tmp("a.npy")], "save nope x.npy\nshow nope\n")
    assert rc == 2 and "no array named 'nope'" in err, err


if __name__ == "__main__":
    sys.exit(e2e.main())
