"""File-format fuzzing through the CLI: valid .npy/.npz/zarr/HDF5/CSV/parquet
files, mutated (truncated, bytes flipped, header fields such as the shape
edited to lie), rendered by ``fastheat render`` in the worker. Each must exit 2
with one line on stderr, or exit 0 with an image (a plain numeric CSV: of every
row), never a traceback, a hang or another exit status.

A mutation is plain data (``(kind, base, args)``), and :func:`reproducer`
writes the script that rebuilds the mutated file and runs the CLI on it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import zipfile

import numpy as np
from hypothesis import strategies as st

BASES = ("npy", "npy_be", "npz", "zarr", "h5", "csv", "csv_labelled", "parquet")
ROWS, COLS = 6, 5


def make_base(kind, folder):
    """Write the valid file ``kind`` into ``folder``; return its path (the CLI input)."""
    data = np.arange(ROWS * COLS, dtype=np.float64).reshape(ROWS, COLS) / 7 - 1
    if kind == "npy":
        path = os.path.join(folder, "m.npy")
        np.save(path, data)
    elif kind == "npy_be":
        path = os.path.join(folder, "m.npy")
        np.save(path, data.astype(">i2"))
    elif kind == "npz":
        path = os.path.join(folder, "m.npz")
        np.savez_compressed(path, m=data)
    elif kind == "zarr":
        import zarr

        path = os.path.join(folder, "m.zarr")
        z = zarr.create_array(store=path, shape=data.shape, chunks=(4, 4), dtype="f8",
                              fill_value=0.0)
        z[:] = data
    elif kind == "h5":
        import h5py

        path = os.path.join(folder, "m.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("m", data=data, chunks=(3, 3))
        path += ":/m"
    elif kind == "csv":
        path = os.path.join(folder, "m.csv")
        with open(path, "w") as f:
            for row in data:
                f.write(",".join(f"{v:.6g}" for v in row) + "\n")
    elif kind == "csv_labelled":
        path = os.path.join(folder, "m.csv")
        with open(path, "w") as f:
            f.write("," + ",".join(f"c{j}" for j in range(COLS)) + "\n")
            for i, row in enumerate(data):
                f.write(f"r{i}," + ",".join(f"{v:.6g}" for v in row) + "\n")
    elif kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = os.path.join(folder, "p.parquet")
        rng = np.random.default_rng(0)
        pq.write_table(pa.table({"x": rng.random(50), "y": rng.random(50),
                                 "v": rng.random(50)}), path)
    else:
        raise ValueError(kind)
    return path


def _file_of(path):
    """The file (or the zarr metadata file) a mutation edits."""
    path = path.split(":/")[0]
    if path.endswith(".zarr"):
        return os.path.join(path, "zarr.json")
    return path


def _zarr_chunk(path):
    for root, _, names in os.walk(os.path.join(path, "c")):
        for n in sorted(names):
            return os.path.join(root, n)
    return None


def apply(mutation, path):
    """Mutate the file at ``path`` in place; return the number of data rows a
    successful read must have (plain CSV only, else None)."""
    kind, base, a = mutation
    target = _file_of(path)
    rows = None
    if kind == "truncate":
        with open(target, "rb+") as f:
            size = f.seek(0, 2)
            f.truncate(int(size * a[0]))
    elif kind == "flip":
        with open(target, "rb+") as f:
            size = f.seek(0, 2)
            for frac, byte in a:
                f.seek(min(size - 1, int(size * frac)))
                f.write(bytes([byte]))
    elif kind == "npy_header":  # edit a field of the .npy header dict, keeping its length
        field, value = a
        with open(target, "rb") as f:
            raw = f.read()
        end = raw.index(b"\n", 10)
        header = raw[:end].decode("latin1")
        head_start = header.index("{")
        text = header[head_start:]
        text = re.sub(rf"'{field}': (\([^)]*\)|'[^']*'|True|False)", f"'{field}': {value}", text)
        text = text.rstrip()
        pad = end - head_start - len(text)
        text = text + " " * max(pad, 0)
        new = raw[:head_start] + text.encode("latin1")
        if pad < 0:  # longer header: fix the length field (version 1: 2 bytes at offset 8)
            n = len(new) - 10 + 1
            new = new[:8] + n.to_bytes(2, "little") + new[10:]
        with open(target, "wb") as f:
            f.write(new + raw[end:])
    elif kind == "npz_member":  # the member's .npy header made to lie
        inner = target + ".member.npy"
        with zipfile.ZipFile(target) as z:
            name = z.namelist()[0]
            with open(inner, "wb") as f:
                f.write(z.read(name))
        apply(("npy_header", base, a), inner)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(inner, name)
        os.remove(inner)
    elif kind == "zarr_meta":
        field, value = a
        with open(target) as f:
            meta = json.load(f)
        if field == "chunk_shape":
            meta["chunk_grid"]["configuration"]["chunk_shape"] = value
        else:
            meta[field] = value
        with open(target, "w") as f:
            json.dump(meta, f)
    elif kind == "zarr_chunk":
        chunk = _zarr_chunk(path)
        if chunk is not None:
            if a[0] == "delete":
                os.remove(chunk)
            else:
                with open(chunk, "rb+") as f:
                    size = f.seek(0, 2)
                    f.seek(size // 2)
                    f.write(b"\xff\x00garbage")
    elif kind == "csv_edit":
        with open(target) as f:
            lines = f.read().splitlines()
        op, row, col, text = a
        labelled = base == "csv_labelled"
        row = min(row, len(lines) - 1)
        fields = lines[row].split(",")
        col = min(col, len(fields) - 1)
        if op == "replace":
            fields[col] = text
        elif op == "delete":
            del fields[col]
        elif op == "insert":
            fields.insert(col, text)
        elif op == "blank line":
            lines.insert(row, "")
        elif op == "duplicate header":
            lines.insert(0, lines[0])
        if op not in ("blank line", "duplicate header"):
            lines[row] = ",".join(fields)
        with open(target, "w") as f:
            f.write("\n".join(lines) + "\n")
        if not labelled and op in ("replace", "delete", "insert"):
            rows = ROWS
    elif kind == "bytes":  # the whole file replaced
        with open(target, "wb") as f:
            f.write(a[0])
    return rows


_npy_fields = st.sampled_from([
    ("shape", "(10000000000, 10000000000)"), ("shape", "(100000, 100000)"), ("shape", "(0,)"),
    ("shape", "(-1, 5)"), ("shape", "(5,)"), ("shape", "(3, 3, 3)"), ("shape", "(7, 5)"),
    ("shape", "(60, 50)"), ("shape", "(1, 1000000000)"), ("shape", "()"), ("shape", "(2**70, 1)"),
    ("descr", "'|O'"), ("descr", "'<c16'"), ("descr", "'<U5'"), ("descr", "'>f8'"),
    ("descr", "'<f2'"), ("descr", "'bogus'"), ("descr", "'<M8[s]'"), ("descr", "'<V8'"),
    ("fortran_order", "True"), ("fortran_order", "'yes'")])
_zarr_fields = st.sampled_from([
    ("shape", [10 ** 10, 10 ** 10]), ("shape", [100000, 100000]), ("shape", [0, 0]),
    ("shape", [-1, 5]), ("shape", [6]), ("shape", [3, 3, 3]), ("shape", [60, 50]),
    ("shape", "x"), ("chunk_shape", [0, 0]), ("chunk_shape", [1, 1]),
    ("chunk_shape", [10 ** 9, 10 ** 9]), ("data_type", "bogus"), ("data_type", "int8"),
    ("data_type", "complex128"), ("data_type", "bool"), ("fill_value", "x"),
    ("fill_value", None), ("fill_value", "NaN"), ("zarr_format", 2), ("node_type", "group"),
    ("codecs", [{"name": "nonexistent"}]), ("codecs", [])])
_csv_texts = st.sampled_from(["1.2x", "", "abc", "nan", "inf", "-inf", "1e999", "0x10", "1,5",
                              '"3"', "1_000", "\x00", "é", "1e-400", "--1", " 4 ", "True",
                              "9" * 400])


@st.composite
def mutations(draw):
    base = draw(st.sampled_from(BASES))
    kinds = ["truncate", "flip", "bytes"]
    if base in ("npy", "npy_be"):
        kinds += ["npy_header"] * 3
    if base == "npz":
        kinds += ["npz_member"] * 3
    if base == "zarr":
        kinds += ["zarr_meta"] * 3 + ["zarr_chunk"]
    if base.startswith("csv"):
        kinds += ["csv_edit"] * 4
    kind = draw(st.sampled_from(kinds))
    if kind == "truncate":
        a = (draw(st.floats(0, 0.999)),)
    elif kind == "flip":
        a = tuple(draw(st.lists(st.tuples(st.floats(0, 0.999), st.integers(0, 255)),
                                min_size=1, max_size=4)))
    elif kind == "bytes":
        a = (draw(st.sampled_from([b"", b"\x93NUMPY", b"PK\x03\x04", b"\x89HDF\r\n\x1a\n",
                                   b"PAR1", b"a,b\n1,2\n", b"\xff\xfe\x00\x00",
                                   b"1,2\n3\n", b"\n\n\n", b"\x93NUMPY\x01\x00\xff\xff{}"])),)
    elif kind in ("npy_header", "npz_member"):
        a = draw(_npy_fields)
    elif kind == "zarr_meta":
        a = draw(_zarr_fields)
    elif kind == "zarr_chunk":
        a = (draw(st.sampled_from(["delete", "corrupt"])),)
    else:
        a = (draw(st.sampled_from(["replace", "delete", "insert", "blank line",
                                   "duplicate header"])),
             draw(st.integers(0, ROWS)), draw(st.integers(0, COLS)), draw(_csv_texts))
    flags = draw(st.sampled_from([[], [], ["--colorbar"], ["--width", "40", "--height", "30"],
                                  ["--norm", "log"], ["--annot"], ["--progress"]]))
    return kind, base, a, flags


def prepare(mutation, folder):
    """Build and mutate the file; return the CLI request (argv and expected rows)."""
    kind, base, a, flags = mutation
    path = make_base(base, folder)
    rows = apply((kind, base, a), path)
    argv = ["render", path, "-o", os.path.join(folder, "out.png"), "-q", *flags]
    if base == "parquet":
        argv += ["--x", "x", "--y", "y"]
    return {"kind": "cli", "argv": argv, "csv_rows": rows}


def reproducer(mutation) -> str:
    kind, base, a, flags = mutation
    return (f"# python -c: rebuild the mutated file and run the CLI on it\n"
            f"import tempfile, subprocess, sys\n"
            f"from tests.fuzz.files import prepare\n"
            f"folder = tempfile.mkdtemp()\n"
            f"req = prepare({(kind, base, a, flags)!r}, folder)\n"
            f"print(req)\n"
            f"subprocess.run([sys.executable, '-m', 'fastheat', *req['argv']])\n")


def cleanup(folder):
    for n in os.listdir(folder):
        p = os.path.join(folder, n)
        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
