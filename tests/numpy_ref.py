#!/usr/bin/python3
"""numpy_ref.py - NumPy's answers for the C unit tests, made at test time.

    numpy_ref.py fltfmt OUT.txt     float formatting cases (test_fltfmt)
    numpy_ref.py show DIR           arrays and their print(arr) (test_show)
    numpy_ref.py stats DIR          arrays and their statistics (test_stats)
    numpy_ref.py save-src DIR       arrays for save to write (test_save)
    numpy_ref.py save-check DIR     checks what save wrote (test_save)
    numpy_ref.py svg-check FILE KIND LABEL...   an SVG plot (test_plot)

Every case is generated from a fixed seed, so a failure is repeatable.
"""
import os
import struct
import sys

import numpy as np

TRIMS = "k.0-"
TYPES = {"f2": (np.float16, np.uint16), "f4": (np.float32, np.uint32),
         "f8": (np.float64, np.uint64)}


# ---- fltfmt ----

def special_values(t):
    info = np.finfo(t)
    vals = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 2 / 3, 0.5, 1e-4, 9.9999e-5,
            123.456, 65504.0, 2049.0, 34016.0, 4100.0, 1e8, 1e16, 1e-7,
            3.0e-5, 1234567.0, 0.3, 2.5, 3.5, 1e300, 5e-324, 1e-320, 1e22,
            1e23, 9007199254740993.0, 2.0 ** 60, 2.0 ** -20, 100.0, 1e15,
            float(info.max), float(info.tiny), float(info.smallest_subnormal),
            float(info.eps), 9.5, 0.05, 0.15, 0.25, 1e-5, 123456789.0]
    out = []
    with np.errstate(over="ignore", under="ignore"):
        for v in vals:
            x = t(v)
            if np.isfinite(x):
                out.append(x)
        for k in range(-30, 31):
            x = t(2.0) ** k if t is not np.float16 or abs(k) < 16 else t(0)
            if np.isfinite(x):
                out.append(t(x))
    return out


def random_values(t, u, n, rng):
    bits = rng.integers(0, np.iinfo(u).max, size=n, dtype=np.uint64,
                        endpoint=True).astype(u)
    vals = bits.view(t)
    return [v for v in vals if np.isfinite(v)]


def option_sets():
    sets = []
    for sci in (0, 1):
        for trim in TRIMS:
            for sign in (0, 1):
                sets.append(dict(sci=sci, unique=1, frac=1, prec=-1, mind=-1,
                                 trim=trim, sign=sign, pl=-1, pr=-1, ed=-1))
    sets += [
        dict(sci=0, unique=1, frac=1, prec=8, mind=-1, trim=".", sign=0,
             pl=4, pr=9, ed=-1),
        dict(sci=0, unique=1, frac=1, prec=3, mind=2, trim="k", sign=0,
             pl=-1, pr=-1, ed=-1),
        dict(sci=0, unique=0, frac=1, prec=5, mind=-1, trim="k", sign=1,
             pl=-1, pr=-1, ed=-1),
        dict(sci=0, unique=1, frac=0, prec=4, mind=-1, trim="-", sign=0,
             pl=-1, pr=6, ed=-1),
        dict(sci=0, unique=1, frac=0, prec=6, mind=3, trim="k", sign=0,
             pl=-1, pr=-1, ed=-1),
        dict(sci=1, unique=1, frac=1, prec=8, mind=-1, trim=".", sign=0,
             pl=-1, pr=-1, ed=-1),
        dict(sci=1, unique=1, frac=1, prec=8, mind=5, trim="k", sign=0,
             pl=3, pr=-1, ed=3),
        dict(sci=1, unique=1, frac=1, prec=12, mind=12, trim="k", sign=1,
             pl=2, pr=-1, ed=1),
        dict(sci=1, unique=0, frac=1, prec=10, mind=-1, trim="k", sign=0,
             pl=-1, pr=-1, ed=-1),
        dict(sci=1, unique=0, frac=1, prec=2, mind=-1, trim="0", sign=0,
             pl=-1, pr=-1, ed=4),
    ]
    return sets


def np_format(x, o):
    kw = dict(unique=bool(o["unique"]), trim=o["trim"], sign=bool(o["sign"]))
    for key, name in (("prec", "precision"), ("mind", "min_digits"),
                      ("pl", "pad_left"), ("ed", "exp_digits"),
                      ("pr", "pad_right")):
        if o[key] >= 0:
            kw[name] = o[key]
    if o["sci"]:
        kw.pop("pad_right", None)
        return np.format_float_scientific(x, **kw)
    kw.pop("exp_digits", None)
    return np.format_float_positional(x, fractional=bool(o["frac"]), **kw)


def fltfmt(path):
    rng = np.random.default_rng(20240611)
    lines = []
    for name, (t, u) in TYPES.items():
        vals = special_values(t) + random_values(t, u, 300, rng)
        # values near powers of ten, where the exponent choice can slip
        for k in range(-12, 13):
            for d in (0.999999, 1.0, 1.000001, 9.99999, 9.5, 0.95):
                with np.errstate(over="ignore"):
                    x = t(d * 10.0 ** k)
                if np.isfinite(x) and x != 0:
                    vals.append(x)
        vals += [t(-v) for v in vals[:40]]
        vals += [t(np.inf), t(-np.inf), t(np.nan)]
        for o in option_sets():
            for x in vals:
                if o["sci"] == 0 and np.isfinite(x) and abs(x) > 1e40:
                    continue        # 300-digit integers: tested once below
                bits = int(np.array([x], dtype=t).view(u)[0])
                text = np_format(x, o)
                lines.append("%s %x %d %d %d %d %d %s %d %d %d %d\t%s" % (
                    name, bits, o["sci"], o["unique"], o["frac"], o["prec"],
                    o["mind"], o["trim"], o["sign"], o["pl"], o["pr"],
                    o["ed"], text))
    big = np.float64(1.7976931348623157e308)
    o = option_sets()[0]
    bits = int(np.array([big]).view(np.uint64)[0])
    lines.append("f8 %x 0 1 1 -1 -1 k 0 -1 -1 -1\t%s" % (bits,
                                                         np_format(big, o)))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---- arrays for show, stats and save ----

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "float16", "float32", "float64", "complex64",
          "complex128"]


def float_sets(rng, n):
    """Named value sets that take NumPy's float printing down its paths."""
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    with np.errstate(over="ignore"):
        sets = {
            "normal": rng.normal(0, 10, n),
            "wide": sign * 10.0 ** rng.uniform(-12, 12, n),
            "small": rng.uniform(-1e-5, 1e-5, n),
            "whole": np.round(rng.normal(0, 1000, n)),
            "big": np.round(rng.uniform(1e8, 1e10, n)),
            "third": rng.integers(-50, 50, n) / 3.0,
            "ratio": np.where(rng.random(n) < 0.5, 1.0, 1001.0),
            "unit": rng.random(n),
            "milli": rng.uniform(2e-4, 0.1, n),
        }
    special = rng.normal(0, 1, n)
    for k, v in enumerate([np.nan, np.inf, -np.inf, -0.0, 0.0]):
        special[(k * 7) % n] = v
    sets["special"] = special
    sets["nan"] = np.full(n, np.nan)
    infs = np.where(rng.random(n) < 0.5, np.inf, 1.5)
    sets["inf"] = infs
    return sets


def make_values(dtype, shape, kind, rng):
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return (rng.random(n) < 0.5).reshape(shape)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if kind == "small":
            lo, hi = max(info.min, -10), min(info.max, 10)
        else:
            lo, hi = info.min, info.max
        v = rng.integers(lo, hi, size=n, dtype=dt, endpoint=True)
        if n >= 2 and kind != "small":
            v[0], v[-1] = info.min, info.max
        return v.reshape(shape)
    sets = float_sets(rng, max(n, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        re = sets[kind][:n]
        if dt.kind == "c":
            other = list(sets)[(list(sets).index(kind) + 3) % len(sets)]
            im = sets[other][:n]
            return (re + 1j * im).astype(dt).reshape(shape)
        return re.astype(dt).reshape(shape)


# (shape, value kind, fortran, view) per dtype; a view is one slice
# (start, stop, step) per axis, applied to the array after loading
SHAPE_CASES = [
    ((), "normal", 0, None), ((0,), "normal", 0, None),
    ((3, 0), "normal", 0, None), ((5,), "normal", 0, None),
    ((3, 4), "normal", 0, None), ((3, 4), "normal", 1, None),
    ((2, 3, 4), "normal", 0, None), ((1, 1, 1, 1), "normal", 0, None),
    ((2, 1, 3, 1, 2), "normal", 1, None), ((40,), "normal", 0, None),
    ((2000,), "normal", 0, None), ((1000,), "normal", 0, None),
    ((1001,), "normal", 0, None), ((40, 40), "normal", 1, None),
    ((11, 12, 13), "normal", 0, None), ((6, 8), "normal", 0,
                                         ((0, 6, 2), (7, None, -1))),
    ((50, 30), "normal", 1, ((1, 50, 3), (None, None, -2))),
    ((4, 5, 6), "normal", 0, ((None, None, -1), (1, 4, 1), (0, 6, 5))),
    ((3000,), "normal", 0, ((5, 2500, 2),)),
]
VALUE_KINDS = ["wide", "small", "whole", "big", "third", "ratio", "special",
               "nan", "inf", "unit", "milli"]

# values at the edges of NumPy's choices: scientific notation (1e-4, 1e8,
# a ratio of 1000), the precision cut, signed zeros, non-finite values
EXPLICIT = [
    [1e-4, 0.1], [1.0, 1000.0], [1.0, 1000.5], [99999999.0, 1e6],
    [1e8, 2e8], [0.0, -0.0], [-0.0], [0.5, -0.0],
    [0.1, 0.2, 0.30000000000000004],
    [123456.789012345, 1.0], [1e-5, 1.00000001e-5], [np.nan],
    [np.inf, -np.inf], [np.nan, 1e10], [65504.0, 2049.0, 34016.0],
    [0.00012, 0.1], [1.5, np.nan, -np.inf], [1e-300, 1e300], [5e-324, 1.0],
    # in float32 max / min rounds to 1000.0: positional there
    [511.5604553222656, 0.5115604400634766],
]
EXPLICIT_COMPLEX = [
    [1 + 1e-5j, 2 - 3j], [complex(np.nan, np.inf), 1 + 0j], [-0.0 - 0.0j],
    [1e10 + 1j, 0.5j], [complex(1, np.nan), complex(-np.inf, 2.5)],
]


def apply_view(a, view):
    if view is None:
        return a, ""
    spec = []
    idx = []
    for k, (start, stop, step) in enumerate(view):
        s = slice(start, stop, step)
        b, _, st = s.indices(a.shape[k])
        n = len(range(*s.indices(a.shape[k])))
        spec.append("%d:%d:%d" % (b, n, st))
        idx.append(s)
    return a[tuple(idx)], " ".join(spec)


def array_cases(rng):
    """Yields (name, array saved, view of it, view spec)."""
    n = 0
    for dtype in DTYPES:
        for shape, kind, fortran, view in SHAPE_CASES:
            a = make_values(dtype, shape, kind, rng)
            a = np.asfortranarray(a) if fortran else np.ascontiguousarray(a)
            v, spec = apply_view(a, view)
            yield "c%03d" % n, a, v, spec
            n += 1
        if np.dtype(dtype).kind in "iu":
            kinds = ["small"]
        elif np.dtype(dtype).kind == "b":
            kinds = []
        else:
            kinds = VALUE_KINDS
        for kind in kinds:
            for shape in ((7,), (3, 5), (2000,)):
                a = make_values(dtype, shape, kind, rng)
                yield "c%03d" % n, a, a, ""
                n += 1
        if np.dtype(dtype).kind in "fc":
            vals = EXPLICIT + (EXPLICIT_COMPLEX
                               if np.dtype(dtype).kind == "c" else [])
            for v in vals:
                with np.errstate(over="ignore", under="ignore"):
                    a = np.array(v).astype(dtype)
                yield "c%03d" % n, a, a, ""
                n += 1
                yield "c%03d" % n, a[0], a[0], ""
                n += 1


def show(out):
    rng = np.random.default_rng(7)
    lines = []
    for name, a, v, spec in array_cases(rng):
        np.save(os.path.join(out, name + ".npy"), a)
        for edge in (3, 1, 5) if v.size > 1000 else (3,):
            with np.printoptions(edgeitems=edge):
                text = str(v)
            with open(os.path.join(out, "%s.%d.txt" % (name, edge)),
                      "w") as f:
                f.write(text + "\n")
            lines.append("%s %d %s" % (name, edge, spec))
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def stats_cases(rng):
    """array_cases plus arrays aimed at the statistics' corner cases."""
    yield from array_cases(rng)
    extra = [
        np.array([2 ** 62 + 1, 2 ** 62, 2 ** 62 + 1, 2 ** 62], np.int64),
        np.array([2 ** 64 - 2, 2 ** 64 - 1, 2 ** 64 - 1, 3], np.uint64),
        np.array([-2 ** 63, 2 ** 63 - 1, -2 ** 63], np.int64),
        np.array([np.nan, np.inf, -np.inf, 1.0]),
        np.array([np.nan, np.nan, 2.0, -0.0, 0.0, -0.0]),
        np.array([0.0, -0.0, 0.0]),
        np.array([1 + 2j, 1 + 1j, 1 + 3j, complex(np.nan, 0), 0 + 5j,
                  0 + 5j, 1 + 3j]),
        np.array([True, True, False, True]),
        np.full((3, 4), np.nan, np.float32),
    ]
    big = rng.normal(0, 1, 300000)
    big[[70000, 250000]] = -9.0
    big[[100, 200000]] = 9.0
    extra.append(big)
    withnan = big.copy()
    withnan[rng.integers(0, big.size, 500)] = np.nan
    extra.append(withnan)
    extra.append(np.asfortranarray(withnan.reshape(600, 500)))
    extra.append(np.asfortranarray(big.reshape(600, 500)).astype(np.float32))
    ints = rng.integers(-1000, 1000, (700, 500)).astype(np.int32)
    ints[[5, 690], [7, 3]] = -5000
    extra.append(np.asfortranarray(ints))
    cbig = (big + 1j * big[::-1]).astype(np.complex64)
    cbig[[3, 123456]] = complex(np.nan, 1)
    extra.append(cbig)
    for k, a in enumerate(extra):
        yield "s%03d" % k, a, a, ""


def first_extreme(v, fn):
    """First C-order index of the nan-ignoring extreme, or -1."""
    flat = v.reshape(-1)
    if flat.size == 0:
        return -1
    if flat.dtype.kind == "c":
        ok = np.flatnonzero(~np.isnan(flat))
        if ok.size == 0:
            return -1
        re, im = flat.real[ok], flat.imag[ok]
        order = np.lexsort((im, re)) if fn == "min" else \
            np.lexsort((-im, -re))
        return int(ok[order[0]])
    if flat.dtype.kind == "f":
        # np.nanargmin replaces NaN by +inf, so [nan, inf] would give 0:
        # the rule is the first extreme among the non-NaN elements
        ok = np.flatnonzero(~np.isnan(flat))
        if ok.size == 0:
            return -1
        sub = flat[ok]
        return int(ok[np.argmin(sub) if fn == "min" else np.argmax(sub)])
    return int(np.argmin(flat) if fn == "min" else np.argmax(flat))


def stats(out):
    rng = np.random.default_rng(11)
    lines = []
    for name, a, v, spec in stats_cases(rng):
        np.save(os.path.join(out, name + ".npy"), a)
        flat = v.reshape(-1)
        with np.errstate(invalid="ignore", over="ignore"):
            if v.dtype.kind == "c":
                x = flat.astype(np.complex128)
                x = x[~np.isnan(x)]
                # the parts' means: np.mean divides a complex sum by n as
                # a complex number, which turns (inf+0j) into (inf+nanj)
                mean = x.real.mean() if x.size else np.nan
                mean_im = x.imag.mean() if x.size else 0.0
                std = x.std() if x.size else np.nan
                nan = int(np.isnan(flat).sum())
                inf = int((np.isinf(flat) & ~np.isnan(flat)).sum())
                neginf = 0
            else:
                x = flat.astype(np.float64)
                x = x[~np.isnan(x)]
                mean = x.mean() if x.size else np.nan
                std = x.std() if x.size else np.nan
                mean_im = 0.0
                nan = int(np.isnan(flat.astype(np.float64)).sum())
                inf = int(np.isinf(flat.astype(np.float64)).sum())
                neginf = int((flat.astype(np.float64) == -np.inf).sum())
        imin = first_extreme(v, "min")
        imax = first_extreme(v, "max")
        lines.append("%s %d %d %d %d %d %d %s %s %r %r %r %s" % (
            name, v.size, nan, inf, neginf, imin, imax,
            str(flat[imin]) if imin >= 0 else "-",
            str(flat[imax]) if imax >= 0 else "-",
            float(mean), float(mean_im), float(std), spec))
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def save_src(out):
    """Arrays for save to write back: every dtype and layout, and raw bit
    patterns (NaN payloads, subnormals) for the float types."""
    rng = np.random.default_rng(5)
    cases = list(array_cases(rng))
    for dtype, utype in (("float16", np.uint16), ("float32", np.uint32),
                         ("float64", np.uint64), ("complex64", np.uint32),
                         ("complex128", np.uint64)):
        bits = rng.integers(0, np.iinfo(utype).max, size=(6, 4),
                            dtype=utype, endpoint=True)
        a = bits.view(dtype)
        cases.append(("r" + dtype, a, a, ""))
        a = np.asfortranarray(a)
        cases.append(("f" + dtype, a, a, ""))
    lines = []
    for name, a, v, spec in cases:
        np.save(os.path.join(out, name + ".npy"), a)
        lines.append("%s %s" % (name, spec))
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def save_check(out):
    """Compares out/saved/NAME.npy with np.save of the same view: the same
    bytes (so the same header, fortran_order included), and np.load gives
    the same dtype, shape and bits."""
    import io
    bad = 0
    n = 0
    with open(os.path.join(out, "cases.txt")) as f:
        cases = [line.split(" ", 1) for line in f.read().splitlines()]
    for name, spec in cases:
        a = np.load(os.path.join(out, name + ".npy"))
        idx = []
        for k, part in enumerate(spec.split()):
            b, n_, st = map(int, part.split(":"))
            stop = b + n_ * st
            idx.append(slice(b, stop if stop >= 0 else None, st))
        v = a[tuple(idx)] if idx else a
        path = os.path.join(out, "saved", name + ".npy")
        got = np.load(path)
        want = io.BytesIO()
        np.save(want, v)
        raw = open(path, "rb").read()
        n += 1
        problems = []
        if raw != want.getvalue():
            problems.append("bytes differ from np.save's")
        if got.dtype != v.dtype or got.shape != v.shape:
            problems.append("dtype/shape %s %s" % (got.dtype, got.shape))
        elif np.ascontiguousarray(got).tobytes() != \
                np.ascontiguousarray(v).tobytes():
            problems.append("data bits differ")
        if problems:
            bad += 1
            print("%s (%s %s): %s" % (name, v.dtype, v.shape,
                                      ", ".join(problems)))
    print("%d files read back with numpy, %d differ" % (n, bad))
    sys.exit(1 if bad or n < 300 else 0)


def svg_check(path, kind, labels):
    """The SVG parses as XML and holds the picture's elements: a polyline
    (line), rectangles (hist, heat), the axis and the given labels."""
    import xml.etree.ElementTree as ET
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(path).getroot()
    problems = []
    if root.tag != ns + "svg":
        problems.append("root is %s" % root.tag)
    data = [e for e in root.iter() if e.get("class") == "data"]
    tags = {e.tag[len(ns):] for e in data}
    want = {"line": "polyline", "hist": "rect", "heat": "rect"}[kind]
    if tags != {want}:
        problems.append("data elements %s, want %s" % (tags, want))
    if kind == "line":
        for e in data:
            pts = [tuple(map(float, p.split(","))) for p in
                   e.get("points").split()]
            if len(pts) < 2:
                problems.append("a polyline of %d points" % len(pts))
    if not [e for e in root.iter(ns + "path") if e.get("class") == "axis"]:
        problems.append("no axis")
    texts = [e.text for e in root.iter(ns + "text")]
    for lab in labels:
        if lab not in texts:
            problems.append("no label %r in %s" % (lab, texts))
    if root.find(ns + "title") is None:
        problems.append("no title")
    for p in problems:
        print("%s: %s" % (path, p))
    print("%s: %d data elements" % (path, len(data)))
    sys.exit(1 if problems else 0)


def main():
    cmd, out = sys.argv[1], sys.argv[2]
    if cmd == "fltfmt":
        fltfmt(out)
    elif cmd == "show":
        show(out)
    elif cmd == "stats":
        stats(out)
    elif cmd == "save-src":
        save_src(out)
    elif cmd == "save-check":
        save_check(out)
    elif cmd == "svg-check":
        svg_check(out, sys.argv[3], sys.argv[4:])
    else:
        sys.exit("numpy_ref.py: unknown command %s" % cmd)


if __name__ == "__main__":
    main()
