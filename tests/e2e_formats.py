#!/usr/bin/python3
"""End-to-end tests of the array formats: .npz written by NumPy, HDF5
written by h5py, CSV/TSV text, loaded by the built binary and compared
bit for bit with what NumPy/h5py read (the `checksum` command is FNV-1a
over the resident bytes, recomputed here from NumPy's array); malformed
files give one clear line and leave the session intact.

usage: e2e_formats.py PATH_TO_HOTRUN [TEST ...]   (run by ctest)
"""
import io
import os
import re
import sys
import zipfile

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "support"))
import e2e  # noqa: E402
from e2e import FIX, results, test, tmp  # noqa: E402

TASKS = os.path.join(FIX, "formats_tasks.c")
e2e.setup("hotrun-formats-")
KINDS = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8",
         "f2", "f4", "f8", "c8", "c16"]


def hotrun(args, stdin="", timeout=120):
    rc, out, err = e2e.hotrun(["-q"] + args, stdin, timeout)
    # errors from script lines name them ("<stdin>:3: "): the tests here
    # look at what follows
    return rc, out, re.sub(r"(?m)^<stdin>:\d+: ", "", err)


def fnv(data):
    """hotrun's checksum: 64-bit FNV-1a of the bytes."""
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def resident_bytes(a):
    """The bytes hotrun keeps for a: native byte order, same memory order."""
    a = np.asarray(a)
    native = a.astype(a.dtype.newbyteorder("="))
    order = "F" if a.ndim > 1 and np.isfortran(a) else "C"
    return native.tobytes(order=order)


def checksums(out):
    return dict(re.findall(r"^(\S+) ([0-9a-f]{16})$", out, re.M))


def sample(kind, shape, rng):
    base = rng.uniform(-100, 100, size=shape)
    if kind == "b1":
        return base > 0
    if kind[0] == "u":
        return np.abs(base).astype(kind)
    if kind[0] == "c":
        return (base + 1j * base[::-1]).astype(kind)
    return base.astype(kind)


def npz_arrays():
    rng = np.random.default_rng(13)
    out = {}
    for k in KINDS:
        for e in "<>":
            for order in "CF":
                a = sample(np.dtype(k).newbyteorder(e).str, (4, 5), rng)
                out[f"{k}{'le' if e == '<' else 'be'}{order}"] = \
                    np.asarray(a, order=order)
    out["zerod"] = np.array(2.5)
    out["empty"] = np.zeros((0, 3))
    out["three"] = rng.uniform(size=(3, 4, 5)).astype(">f4")
    return out


def expect_sums(names_arrays, out):
    got = checksums(out)
    for name, a in names_arrays:
        assert name in got, (name, sorted(got)[:20])
        assert got[name] == fnv(resident_bytes(a)), name


# ---- .npz ----

@test
def npz_every_dtype_order_endianness_stored_and_compressed():
    arrays = npz_arrays()
    for fn, tag in [(np.savez, "st"), (np.savez_compressed, "cz")]:
        p = tmp(f"all_{tag}.npz")
        fn(p, **arrays)
        script = f"load {tag}={p}\n" + "".join(
            f"checksum {tag}.{n}\n" for n in arrays)
        rc, out, err = hotrun([], script + "arrays\n")
        assert rc == 0, err[-2000:]
        expect_sums([(f"{tag}.{n}", a) for n, a in arrays.items()], out)
        if tag == "cz":
            assert "inflate" in out, out
        # the default names: FILE.MEMBER
        rc, out, err = hotrun([p], "checksum all_%s.f8leC\n" % tag)
        assert rc == 0 and fnv(resident_bytes(arrays["f8leC"])) in out, err


@test
def npz_member_versions_and_other_files():
    p = tmp("versions.npz")
    a2 = np.arange(10, dtype=">i2")
    a3 = np.arange(6, dtype="<f8").reshape(2, 3)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for name, a, v in [("v2", a2, (2, 0)), ("v3", a3, (3, 0))]:
            with z.open(name + ".npy", "w") as f:
                np.lib.format.write_array(f, a, version=v)
        z.writestr("README.txt", "not an array")
    rc, out, err = hotrun([p], "checksum versions.v2\nchecksum versions.v3\n"
                          "arrays\n")
    assert rc == 0, err
    expect_sums([("versions.v2", a2), ("versions.v3", a3)], out)
    assert "README" not in out


@test
def npz_one_member_by_name():
    p = tmp("pick.npz")
    x = np.arange(12.0).reshape(3, 4)
    np.savez(p, x=x, y=np.zeros(3))
    rc, out, err = hotrun([], f"load w={p}:x\nload {p}:y.npy\narrays\n"
                          "checksum w\nload {p}:nope\nchecksum w\n"
                          .replace("{p}", p))
    assert rc != 0 and "no member 'nope'" in err and "x, y" in err, err
    assert re.search(r"^. w ", out, re.M) and "pick.y" in out, out
    assert "pick.x" not in out, out
    sums = re.findall(r"^w ([0-9a-f]{16})$", out, re.M)
    assert sums == [fnv(resident_bytes(x))] * 2, out


@test
def npz_malformed_archives_one_line_session_intact():
    good = tmp("good.npz")
    np.savez_compressed(good, a=np.arange(100000.0))
    data = open(good, "rb").read()
    trunc = tmp("trunc.npz")
    open(trunc, "wb").write(data[:len(data) // 2])
    corrupt = tmp("corrupt.npz")
    bad = bytearray(data)
    mid = len(bad) // 2
    bad[mid:mid + 64] = bytes(64)
    open(corrupt, "wb").write(bytes(bad))
    nonpy = tmp("nonpy.npz")
    with zipfile.ZipFile(nonpy, "w") as z:
        z.writestr("a.txt", "hello")
    notnpy = tmp("notnpy.npz")
    with zipfile.ZipFile(notnpy, "w") as z:
        z.writestr("a.npy", "hello, not an array")
    small = tmp("small.npy")
    np.save(small, np.arange(4.0))
    for path, what in [(trunc, "malformed .npz"), (corrupt, "corrupt"),
                       (nonpy, "no .npy member"), (notnpy, "bad magic")]:
        rc, out, err = hotrun([small], f"load {path}\nchecksum small\n")
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1, (path, rc, err)
        assert lines[0].startswith(path) and what in lines[0], (what, err)
        assert fnv(resident_bytes(np.arange(4.0))) in out, out


# ---- HDF5 ----

def h5_kinds():
    return [k for k in KINDS]


@test
def hdf5_every_type_layout_and_filter():
    rng = np.random.default_rng(5)
    p = tmp("all.h5")
    expect = []
    with h5py.File(p, "w") as f:
        g = f.create_group("grp")
        for k in h5_kinds():
            for e in "<>":
                a = sample(np.dtype(k).newbyteorder(e).str, (40, 7), rng)
                tag = f"{k}{'le' if e == '<' else 'be'}"
                f[f"c_{tag}"] = a
                g.create_dataset(f"k_{tag}", data=a, chunks=(8, 7))
                g.create_dataset(f"z_{tag}", data=a, chunks=(16, 3),
                                 compression="gzip", shuffle=True)
                for pre in ["c_", "grp/k_", "grp/z_"]:
                    expect.append((pre + tag, a))
        f["scalar"] = np.float64(3.5)
        f["empty"] = np.zeros((0, 4), dtype="<i4")
        f.create_dataset("unwritten", shape=(3, 3), dtype="f8",
                         fillvalue=7.0)
        expect += [("scalar", np.float64(3.5)),
                   ("empty", np.zeros((0, 4), dtype="<i4")),
                   ("unwritten", np.full((3, 3), 7.0))]
    script = ""
    for path, _ in expect:
        name = "h." + path.replace("/", ".")
        script += f"load h={p}:/{path}\nchecksum h\n"
    # mmap: contiguous little-endian datasets are mapped, not copied
    rc, out, err = hotrun(["--load=mmap"], script, timeout=240)
    assert rc == 0, err[-3000:]
    sums = re.findall(r"^h ([0-9a-f]{16})$", out, re.M)
    assert len(sums) == len(expect), (len(sums), err[-2000:])
    for (path, a), s in zip(expect, sums):
        with h5py.File(p, "r") as f:
            want = f[path][()]
        assert s == fnv(resident_bytes(want)), path
    assert "mmap" in out and "hdf5 read+filters" in out, out


@test
def hdf5_user_block_listing_names_and_attributes():
    p = tmp("ub.h5")
    x = np.arange(20.0).reshape(4, 5)
    with h5py.File(p, "w", userblock_size=1024) as f:
        f["x"] = x
        f["x"].attrs["units"] = "m/s"
        f["x"].attrs["scale"] = 0.1
        f["x"].attrs["dims"] = np.arange(3)
        f.create_group("g")["y"] = np.ones(3, dtype=">i8")
    rc, out, err = hotrun([], f"load {p}\n")
    lines = err.strip().splitlines()
    assert rc == 2 and "holds 2 datasets" in lines[0], err
    assert re.search(r"^  /x  4x5  float64$", err, re.M), err
    assert re.search(r"^  /g/y  3  int64$", err, re.M), err
    rc, out, err = hotrun(["--load=mmap"],
                          f"load {p}:/x\nload y={p}:g/y\narrays -v\n"
                          "checksum ub.x\n")
    assert rc == 0, err
    assert "from " + p + ":/x (hdf5)" in out, out
    assert 'attribute units = "m/s"' in out, out
    assert "attribute scale = 0.1" in out, out
    assert "attribute dims = [0, 1, 2]" in out, out
    assert re.search(r"^. y ", out, re.M) and "mmap" in out, out
    assert fnv(resident_bytes(x)) in out, out
    rc, out, err = hotrun([], f"load {p}:/nope\n")
    assert rc == 2 and "no dataset '/nope'" in err and "/g/y" in err, err


@test
def hdf5_refuses_strings_compounds_vlen_and_truncation():
    p = tmp("refuse.h5")
    with h5py.File(p, "w") as f:
        f["s"] = np.array([b"ab", b"cd"])
        f["c"] = np.zeros(3, dtype=[("a", "<f8"), ("b", "<i4")])
        f.create_dataset("v", (2,), dtype=h5py.vlen_dtype(np.float64))
        f["ok"] = np.arange(100000.0)
    for member, what in [("s", "string"), ("c", "compound"),
                         ("v", "variable-length")]:
        rc, out, err = hotrun([], f"load {p}:/{member}\n")
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and what in lines[0], err
    data = open(p, "rb").read()
    cut = tmp("cut.h5")
    open(cut, "wb").write(data[:len(data) // 2])
    small = "small=" + tmp("small2.npy")
    np.save(small[6:], np.arange(3.0))
    rc, out, err = hotrun([small], f"load {cut}:/ok\nchecksum small\n")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith(cut), err
    assert "truncated" in lines[0], err
    assert fnv(resident_bytes(np.arange(3.0))) in out


# ---- CSV ----

HARD = ["0.1", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "9007199254740993", "1e23", "8.98846567431158e307",
        "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "7.2057594037927933e16", "0.30000000000000004", "123456789012345678",
        "3.14159265358979323846264338327950288", "-0.0", "+5", ".5", "5.",
        "1E-5", "1e+300", "1e400", "-inf", "Infinity", "1e-400",
        "6.02214076e23", "0.000001", "1.5e-10"]


def csv_check(text, args=(), name="t", want=None, **kw):
    p = tmp(name + ".csv")
    with open(p, "w", newline="") as f:
        f.write(text)
    if want is None:
        want = np.loadtxt(io.StringIO(text), ndmin=2, quotechar='"', **kw)
    rc, out, err = hotrun(list(args) + [p], f"checksum {name}\narrays -v\n")
    assert rc == 0, err
    assert checksums(out)[name] == fnv(resident_bytes(want)), (out, want)
    return out


@test
def csv_values_equal_numpy_bit_for_bit():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(400):
        vals = rng.standard_normal(6) * 10.0 ** rng.integers(-30, 30, 6)
        cells = [repr(float(v)) for v in vals]
        cells[i % 6] = HARD[i % len(HARD)]
        cells[(i + 3) % 6] = "%.6f" % vals[0]
        rows.append(",".join(cells))
    csv_check("\n".join(rows) + "\n", delimiter=",")
    # the same values through savetxt's default: blank-separated %.18e
    a = rng.uniform(-1e5, 1e5, size=(50, 4))
    buf = io.StringIO()
    np.savetxt(buf, a)
    csv_check(buf.getvalue(), name="blanks")


@test
def csv_header_crlf_bom_comments_quotes_na():
    text = ("\ufeff# exported by a tool\r\n\r\n"
            "id,\"price, usd\",qty,note\r\n"
            "1,2.5,10,3\r\n"
            "# a comment line\r\n"
            "2,,NA,\"4.25\"\r\n"
            "3,  7.5 ,N/A,nan\r\n")
    want = np.array([[1, 2.5, 10, 3], [2, np.nan, np.nan, 4.25],
                     [3, 7.5, np.nan, np.nan]])
    out = csv_check(text, name="hdr", want=want)
    assert "columns id, price, usd, qty, note" in out, out
    rc, out, err = hotrun(["-t", TASKS, tmp("hdr.csv")],
                          'run col "price, usd"\nrun col note\nrun col x\n'
                          "run col_sum qty\n")
    assert [v for _, v in results(out)] == [1, 3, -1, 10], (out, err)


@test
def csv_tsv_semicolon_forced_delimiter_and_dtypes():
    a = np.arange(24, dtype=np.float64).reshape(6, 4) / 7
    tsv = "a\tb\tc\td\n" + "".join(
        "\t".join(repr(float(v)) for v in r) + "\n" for r in a)
    csv_check(tsv, name="tab", want=a)
    semi = "".join(";".join(repr(float(v)) for v in r) + "\n" for r in a)
    csv_check(semi, name="semi", want=a)
    # a comma inside every row, forced to ';'
    forced = "a;b;c;d;e\n" + "".join(";".join(repr(float(v)) for v in r) + ";\"x,y\"\n"
                     for r in a)
    p = tmp("forced.csv")
    open(p, "w").write(forced)
    rc, out, err = hotrun(["--delimiter", ";", p], "")
    assert rc == 2 and "forced.csv:2:" in err and "'x,y'" in err, err
    csv_check(semi, ["--dtype", "float32"], name="f32",
              want=np.loadtxt(io.StringIO(semi), delimiter=";",
                              dtype=np.float32, ndmin=2))
    ints = "".join(",".join(str(int(v * 1000) - 9000) for v in r) + "\n"
                   for r in a)
    csv_check(ints, ["--dtype", "int32"], name="i32",
              want=np.loadtxt(io.StringIO(ints), delimiter=",",
                              dtype=np.int32, ndmin=2))
    p = tmp("big.csv")
    open(p, "w").write("1,300\n")
    rc, out, err = hotrun(["--dtype", "uint8", p], "")
    assert rc == 2 and "big.csv:1:3: '300'" in err and "uint8" in err, err


@test
def csv_errors_name_line_and_column_lenient_gives_nan():
    p = tmp("bad.csv")
    open(p, "w").write("a,b,c\n1,2,3\n4,five,6\n7,8,9\n")
    small = "small=" + tmp("small3.npy")
    np.save(small[6:], np.arange(5.0))
    rc, out, err = hotrun([small], f"load {p}\nchecksum small\n")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"{p}:3:3: 'five'") and "'b'" in lines[0], err
    assert fnv(resident_bytes(np.arange(5.0))) in out
    rc, out, err = hotrun(["--lenient", p], "checksum bad\n")
    want = np.genfromtxt(p, delimiter=",", skip_header=1)
    assert rc == 0 and checksums(out)["bad"] == fnv(resident_bytes(want)), \
        (out, err)
    rag = tmp("ragged.csv")
    open(rag, "w").write("1,2,3\n4,5,6\n7,8\n")
    rc, out, err = hotrun([small], f"load {rag}\n")
    assert rc == 2 and f"{rag}:3: 2 fields, but the first row has 3" in err
    q = tmp("quote.csv")
    open(q, "w").write("1,2\n3,\"4\n")
    rc, out, err = hotrun([small], f"load {q}\n")
    assert rc == 2 and f"{q}:2: malformed quoting" in err, err


@test
def csv_big_file_in_parallel_chunks_with_quoted_newlines():
    rng = np.random.default_rng(11)
    n = 60000
    a = rng.standard_normal((n, 5)) * 1e3
    lines = ["x,y,\"note\nwith newline\",z,w"]
    for i, r in enumerate(a):
        cells = [repr(float(v)) for v in r]
        if i % 997 == 0:
            cells[2] = '"%s"' % cells[2]
        if i % 1499 == 0:
            lines.append("# comment \"with a quote")
        lines.append(",".join(cells))
    text = "\n".join(lines) + "\n"
    assert len(text) > 4 << 20
    csv_check(text, name="par", want=a)
    # quoted fields holding newlines and delimiters across chunk cuts
    rows = []
    for i, r in enumerate(a):
        cells = [repr(float(v)) for v in r]
        rows.append(",".join(cells) + (',"a\nb,c\n""d"""' if i % 3 == 0
                                       else ',"e"'))
    p = tmp("qnl.csv")
    open(p, "w").write("a,b,c,d,e,f\n" + "\n".join(rows) + "\n")
    rc, out, err = hotrun(["--lenient", p], "checksum qnl\n")
    want = np.hstack([a, np.full((n, 1), np.nan)])
    assert rc == 0 and checksums(out)["qnl"] == fnv(resident_bytes(want)), \
        err


if __name__ == "__main__":
    sys.exit(e2e.main())
