#!/usr/bin/python3
"""make_array.py - make arrays for hotrun with NumPy.

    /usr/bin/python3 examples/make_array.py [OUT_DIR]

Writes a few .npy files hotrun loads as they are: C and Fortran order, a
big-endian file, an integer array and a raw binary file (which needs
--dtype/--shape).  Then try:

    build/hotrun prices=OUT/prices.npy grid=OUT/grid_fortran.npy
    build/hotrun --dtype '<i4' --shape 1000x100 OUT/counts.bin
"""
import argparse
import os

import numpy as np

parser = argparse.ArgumentParser(
    description="Write example arrays for hotrun with NumPy: C and Fortran "
                "order, big-endian, integers, and a raw binary file.")
parser.add_argument("out", nargs="?", default=".",
                    help="folder to write them to (default: .)")
out = parser.parse_args().out
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(1)

# a random walk of 10 million prices (float64, 80 MB)
prices = 100 + np.cumsum(rng.normal(0, 0.1, 10_000_000))
np.save(os.path.join(out, "prices.npy"), prices)

# a 2-d grid in Fortran order: hotrun exposes it through strides, no copy
np.save(os.path.join(out, "grid_fortran.npy"),
        np.asfortranarray(rng.uniform(size=(2000, 3000))))

# big-endian float32: converted to native order at load
np.save(os.path.join(out, "big_endian.npy"),
        rng.uniform(size=(1000, 1000)).astype(">f4"))

# raw binary int32 (no header): load with --dtype '<i4' --shape 1000x100
rng.integers(0, 1000, size=(1000, 100), dtype="<i4").tofile(
    os.path.join(out, "counts.bin"))

print(f"wrote prices.npy grid_fortran.npy big_endian.npy counts.bin to {out}")
