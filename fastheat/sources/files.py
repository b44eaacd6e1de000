"""Files the CLI is given: ``.npy`` memory-mapped safely, zarr stores, HDF5 files, point tables.

Each opener returns what :func:`fastheat.sources.open_source` reads (a memmap,
a zarr array, an h5py ``Dataset``, a dask DataFrame, an :class:`ArraySource`
with the labels of a text table); ``.npz`` files are the CLI's own.
"""
from __future__ import annotations

import itertools
import math
import os

import numpy as np

from .._extras import require
from .chunked import h5_members, zarr_members


def open_npy(path):
    """Memory-map a ``.npy`` file, refusing what cannot be mapped safely.

    Object arrays are refused (loading them would unpickle, which can run
    code); a file shorter than its header promises gets an error naming both
    sizes instead of a failed mapping.
    """
    path = os.fspath(path)
    fmt = np.lib.format
    with open(path, "rb") as f:
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            else:
                shape = None
        except (ValueError, EOFError) as e:
            raise ValueError(f"{path!r} is not a valid .npy file ({e})") from None
        offset = f.tell()
    if shape is None:  # format 3.0 (utf-8 field names): let numpy read it
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as e:
            raise ValueError(f"cannot memory-map {path!r}: {e}") from None
    if dtype.hasobject:
        raise ValueError(f"{path!r} holds Python objects (dtype {dtype}); fastheat never "
                         f"unpickles data (it can run code): save a numeric array instead")
    expected = offset + math.prod(shape) * dtype.itemsize
    actual = os.path.getsize(path)
    if actual < expected:
        raise ValueError(f"{path!r} is truncated: its header promises a {shape} {dtype} array "
                         f"({expected:,} bytes) but the file has {actual:,} bytes")
    if math.prod(shape) == 0:
        return np.empty(shape, dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape, order="F" if fortran else "C",
                     offset=offset)


#: A compressed ``.npz`` member that is not a C-ordered matrix is read whole,
#: so only up to this many bytes (a C-ordered matrix is streamed band by band).
NPZ_WHOLE_MAX = 1 << 30


def _read_header_3():
    """numpy's reader of format-3.0 headers (utf-8 field names; private)."""
    try:
        from numpy.lib._format_impl import _read_array_header
    except ImportError:
        _read_array_header = getattr(np.lib.format, "_read_array_header", None)
    return _read_array_header


def _npy_header(f, where):
    """``(shape, fortran, dtype, header length)`` of the .npy stream ``f``."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        elif version == (3, 0) and _read_header_3():
            shape, fortran, dtype = _read_header_3()(f, version)
        else:
            raise ValueError(f"unknown .npy format version {version}")
    except (ValueError, EOFError, SyntaxError, TypeError, OverflowError) as e:
        raise ValueError(f"{where} is not a valid .npy array ({_one_line(e)})") from None
    if dtype.hasobject:
        raise ValueError(f"{where} holds Python objects (dtype {dtype}); fastheat never "
                         f"unpickles data (it can run code): save a numeric array instead")
    return shape, fortran, dtype, f.tell()


def open_npz(path, key=None):
    """One array of an ``.npz`` file, without decompressing it whole and
    without trusting its header.

    The member's ``.npy`` header must promise exactly the bytes the zip
    directory records for it (a header claiming 80 GB in a 300-byte file is
    refused before anything is allocated). An uncompressed member (``np.savez``)
    is memory-mapped like a ``.npy`` file; a compressed C-ordered matrix
    (``np.savez_compressed``) is decompressed band by band as it is folded
    (about 2 x 32 MB in memory whatever its size: a small "zip bomb" of a
    huge matrix of zeros renders in bounded memory, at the speed of
    decompression); any other compressed member is read whole, up to
    :data:`NPZ_WHOLE_MAX` bytes.
    """
    import zipfile

    path = os.fspath(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValueError(f"{path!r} is not a valid .npz file ({_one_line(e)})") from None
    with zf:
        names = [n[:-4] for n in zf.namelist() if n.endswith(".npy")]
        if key is None and len(names) != 1:
            raise ValueError(f"{path!r} holds {len(names)} arrays ({', '.join(names[:20])}); "
                             f"choose one with --key")
        key = names[0] if key is None else key
        if key not in names:
            raise ValueError(f"--key {key!r} is not in {path!r}; it holds: "
                             f"{', '.join(names[:20])}")
        info = zf.getinfo(key + ".npy")
        where = f"{path!r} member {key!r}"
        try:
            with zf.open(info) as f:
                shape, fortran, dtype, offset = _npy_header(f, where)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
            raise ValueError(f"cannot read {where}: {_one_line(e)}") from None
        claimed = offset + math.prod(shape) * dtype.itemsize
        if claimed != info.file_size:
            raise ValueError(f"{where} is damaged: its header promises a {shape} {dtype} "
                             f"array ({claimed:,} bytes) but the member holds "
                             f"{info.file_size:,} bytes")
        if math.prod(shape) == 0:
            return np.empty(shape, dtype)
        if info.compress_type == zipfile.ZIP_STORED:
            start = _member_data_offset(path, info) + offset
            if start + claimed - offset > os.path.getsize(path):
                raise ValueError(f"{where} is truncated: the file ends before its data does")
            return np.memmap(path, dtype=dtype, mode="r", shape=shape,
                             order="F" if fortran else "C", offset=start)
        if len(shape) != 2 or fortran:
            if claimed > NPZ_WHOLE_MAX:
                raise ValueError(f"{where} is a compressed {shape} {'Fortran-ordered ' if fortran else ''}"
                                 f"array of {claimed:,} bytes; fastheat streams only C-ordered "
                                 f"matrices out of a compressed .npz and reads others whole up "
                                 f"to {NPZ_WHOLE_MAX:,} bytes: save it with np.save (a .npy is "
                                 f"memory-mapped) or with np.savez (not compressed)")
            stream = _MemberStream(path, info.filename, offset, (1, claimed - offset), np.uint8)
            raw = stream.read(0, 1, 0, claimed - offset)
            return raw.view(dtype).reshape(shape, order="F" if fortran else "C")
    from .chunked import ChunkedSource

    stream = _MemberStream(path, info.filename, offset, shape, dtype)
    return ChunkedSource(shape, dtype, read=stream.read, take=stream.take,
                         chunks=(1, shape[1]), what=where)


def _member_data_offset(path, info):
    """Where a stored zip member's bytes start: after its local header."""
    import struct

    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise ValueError(f"{path!r} is not a valid .npz file (bad local header of "
                         f"{info.filename!r})")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return info.header_offset + 30 + name_len + extra_len


class _MemberStream:
    """Row bands of a C-ordered matrix in a compressed zip member, decompressed
    in order; a band behind the current one reopens the member."""

    def __init__(self, path, name, offset, shape, dtype):
        self.path, self.name, self.offset = path, name, offset
        self.shape, self.dtype = shape, np.dtype(dtype)
        self.row_bytes = shape[1] * self.dtype.itemsize
        self.f = self.zip = None
        self.row = 0

    def _read(self, n):
        try:
            data = self.f.read(n)
        except Exception as e:  # zipfile.BadZipFile (CRC), zlib.error, OSError, EOFError
            raise ValueError(f"cannot read {self.path!r} member {self.name!r}: "
                             f"{type(e).__name__}: {_one_line(e)}") from None
        if len(data) != n:
            raise ValueError(f"{self.path!r} member {self.name!r} is truncated")
        return data

    def _seek_row(self, r):
        import zipfile

        if self.f is None or r < self.row:
            self.close()
            self.zip = zipfile.ZipFile(self.path)
            self.f = self.zip.open(self.name)
            self._read(self.offset)
            self.row = 0
        step = max(1, (8 << 20) // max(1, self.row_bytes))
        while self.row < r:  # skipped bands: decompressed and dropped
            k = min(step, r - self.row)
            self._read(k * self.row_bytes)
            self.row += k

    def read(self, r0, r1, c0, c1):
        self._seek_row(r0)
        data = self._read((r1 - r0) * self.row_bytes)
        self.row = r1
        band = np.frombuffer(data, self.dtype).reshape(r1 - r0, self.shape[1])
        return band[:, c0:c1]

    def take(self, rows):
        out = np.empty((len(rows), self.shape[1]), self.dtype)
        for k, r in enumerate(np.asarray(rows).tolist()):
            out[k] = self.read(r, r + 1, 0, self.shape[1])[0]
        return out

    def close(self):
        if self.f is not None:
            self.f.close()
            self.zip.close()
        self.f = self.zip = None


ZARR_SUFFIXES = (".zarr",)
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5", ".nc")
TABLE_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")


def split_dataset(path, dataset=None):
    """``"file.h5:/group/data"`` -> ``("file.h5", "/group/data")``; a path that
    exists as given is never split.

    >>> split_dataset("run.h5:/maps/a")
    ('run.h5', '/maps/a')
    """
    path = os.fspath(path)
    if not os.path.exists(path) and ":" in path:
        head, tail = path.rsplit(":", 1)
        if head.lower().rstrip("/\\").endswith(ZARR_SUFFIXES + HDF5_SUFFIXES) and tail:
            if dataset is not None and dataset != tail:
                raise ValueError(f"two dataset paths given: {tail!r} in {path!r} and "
                                 f"--dataset {dataset!r}; give one")
            return head, tail
    return path, dataset


def open_path(path, *, dataset=None, points=False, columns=()):
    """Open a file the CLI was given, or return None when it is not one of the
    formats handled here (``.npy``, ``.npz`` and text matrices are opened by
    the CLI itself).

    zarr (``file.zarr``, ``--dataset`` for an array inside a group), HDF5
    (``file.h5:/path`` or ``--dataset``), and with ``points`` a parquet or
    CSV/TSV point table read lazily with dask (only ``columns``).
    """
    sparse = _sparse_input(path, dataset, points)
    if sparse is not None:
        return sparse
    path, dataset = split_dataset(path, dataset)
    ext = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if ext not in ZARR_SUFFIXES + HDF5_SUFFIXES + TABLE_SUFFIXES:
        if dataset is not None:
            raise ValueError(f"--dataset is for zarr and HDF5 files, not {path!r}")
        return None
    if ext in TABLE_SUFFIXES and not points:
        if ext in (".csv", ".tsv"):
            return None  # a matrix of numbers: the CLI's text reader
        raise ValueError(f"{path!r} is a table: give the point columns with --x and --y "
                         f"(and --value to aggregate a column)")
    if not os.path.exists(path):
        raise FileNotFoundError(f"input {path!r} does not exist")
    if ext in ZARR_SUFFIXES:
        return _open_zarr(path, dataset)
    if ext in HDF5_SUFFIXES:
        return _open_hdf5(path, dataset)
    return _open_table(path, ext, columns)


#: Sparse inputs: cooler files (``file.mcool::resolutions/N`` too) and AnnData files,
#: read by their sources from the path; scipy.sparse ``.npz`` files (``save_npz``).
SPARSE_SUFFIXES = (".cool", ".mcool", ".h5ad")
_SCIPY_NPZ = {"data", "indices", "indptr", "format", "shape"}
_SCIPY_COO = {"data", "row", "col", "format", "shape"}


def _sparse_input(path, dataset, points):
    """The input for a sparse file (see :data:`SPARSE_SUFFIXES`), or None."""
    path = os.fspath(path)
    file = path.partition("::")[0]
    ext = os.path.splitext(file)[1].lower()
    if ext in SPARSE_SUFFIXES:
        if dataset is not None or points:
            raise ValueError(f"--dataset, --x and --y are not for {path!r}; a cooler file "
                             f"takes --resolution, --balance, --region, an .h5ad file --layer")
        if not os.path.exists(file):
            raise FileNotFoundError(f"input {file!r} does not exist")
        return path
    if ext == ".npz" and os.path.exists(path) and not points:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.keys())
        if names >= _SCIPY_NPZ or names >= _SCIPY_COO:
            sparse = require("scipy.sparse", "reading a scipy.sparse .npz file", extra="sparse")
            return sparse.load_npz(path)
    return None


def _open_zarr(path, dataset):
    zarr = require("zarr", "reading .zarr files")
    try:
        node = zarr.open(path, mode="r")
    except Exception as e:  # zarr raises many types for a bad store
        raise ValueError(f"cannot open {path!r} as zarr: {_one_line(e)}") from None
    if dataset is not None:
        if hasattr(node, "shape"):
            raise ValueError(f"{path!r} is a single zarr array; drop the dataset path {dataset!r}")
        try:
            node = node[dataset.strip("/")]
        except KeyError:
            raise ValueError(f"no array {dataset!r} in {path!r}; it holds: "
                             f"{zarr_members(node)}") from None
    if not hasattr(node, "shape"):
        arrays = list(node.arrays())
        if len(arrays) != 1:
            raise ValueError(f"{path!r} is a zarr group; choose an array with --dataset "
                             f"(it holds: {zarr_members(node)})")
        node = arrays[0][1]
    return node


def _open_hdf5(path, dataset):
    h5py = require("h5py", "reading HDF5 files")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"cannot open {path!r} as HDF5: {_one_line(e)}") from None
    try:
        return _hdf5_dataset(f, path, dataset)
    except BaseException:
        f.close()
        raise


def _hdf5_dataset(f, path, dataset):
    if dataset is None:
        found = []
        f.visititems(lambda name, obj: found.append(obj) if hasattr(obj, "dtype") else None)
        if len(found) != 1:
            raise ValueError(f"{path!r} holds {len(found)} datasets; choose one with "
                             f"{path}:/path or --dataset (it holds: {h5_members(f)})")
        return found[0]
    try:
        node = f[dataset]
    except KeyError:
        raise ValueError(f"no dataset {dataset!r} in {path!r}; it holds: {h5_members(f)}") from None
    if not hasattr(node, "dtype"):
        raise ValueError(f"{dataset!r} in {path!r} is a group, not a dataset; it holds: "
                         f"{h5_members(node)}")
    return node


def _open_table(path, ext, columns):
    columns = [c for c in dict.fromkeys(columns) if c is not None]
    have = _table_columns(path, ext)
    for c in columns:
        if c not in have:
            raise ValueError(f"column {c!r} is not in {path!r}; its columns are: "
                             + ", ".join(map(repr, have[:20])))
    dd = require("dask.dataframe", "reading a point table file", extra="datashader")
    try:
        if ext in (".parquet", ".pq"):
            return dd.read_parquet(path, columns=columns)
        return dd.read_csv(path, sep="\t" if ext == ".tsv" else ",", usecols=columns,
                           blocksize="64MB")
    except (ValueError, OSError) as e:
        raise ValueError(f"cannot read {path!r}: {_one_line(e)}") from None


def _table_columns(path, ext):
    if ext in (".parquet", ".pq"):
        pq = require("pyarrow.parquet", "reading parquet files", extra="datashader")
        try:
            return list(pq.read_schema(path).names)
        except Exception as e:  # pyarrow's ArrowInvalid is not an OSError
            raise ValueError(f"cannot read {path!r} as parquet: {_one_line(e)}") from None
    import csv

    with open(path, newline="") as f:
        header = next(csv.reader(f, delimiter="\t" if ext == ".tsv" else ","), [])
    return [h.strip() for h in header]


#: Text read as a missing value in a text matrix (what pandas and R write for NaN).
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none"})


def read_text_matrix(path, delimiter=",", *, header=None, index=None):
    """A delimited text matrix as an :class:`ArraySource`, labelled the way a
    pandas ``DataFrame.to_csv()`` file was: the result shows as the frame
    itself would.

    Parameters
    ----------
    path : str or os.PathLike
    delimiter : str or None
        Field separator; None: runs of whitespace (no quoting).
    header, index : bool, optional
        Whether the first row holds column labels and the first column row
        labels (the CLI's ``--header``/``--no-header``, ``--index``/``--no-index``);
        None (default): decided as below.

    Notes
    -----
    The first row is a header (column labels) only when it looks like one:
    every field after the first is a name (not a number, not empty) and the
    first is not a number, or the first field is empty and the others are
    pandas' default column names 0, 1, 2, ... (a one-column file: its first
    field is a name). The first column holds row labels when the header's first
    field is empty (where pandas writes an unnamed index) or when every row's
    first field is a name; a named header corner is then the rows' axis title.
    Anything else must be numbers: empty, ``nan``, ``NA``, ``null`` are
    missing values, and any other text (a typo) is an error naming its line
    and column, so no row or column is ever dropped silently. What this rule
    cannot tell (a named index of numbers, as a calendar's ``week`` column, reads
    as a column of data, as ``pandas.read_csv`` reads it), ``header`` and
    ``index`` say.

    The file is parsed by the ``csv`` module and ``float``, the same with or
    without pandas installed, each value exactly as written (``float`` rounds
    correctly), one row held as text at a time: about 2 s per million cells
    on a busy two-core machine, 3-5 times as long as ``pandas.read_csv``.
    Save large matrices as ``.npy`` instead, which is memory-mapped.

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d, "m.csv")
    ...     _ = p.write_text(",a,b\\nx,1,2\\ny,3,\\n")
    ...     m = read_text_matrix(p)
    >>> m.labels.rows, m.labels.cols, m.array.tolist()
    (['x', 'y'], ['a', 'b'], [[1.0, 2.0], [3.0, nan]])
    """
    import csv

    path = os.fspath(path)
    with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a BOM (Excel) is dropped
        if delimiter is None:
            return _parse_rows(path, ((i, line.split()) for i, line in enumerate(f, 1)),
                               header, index)
        reader = csv.reader(f, delimiter=delimiter)
        try:
            return _parse_rows(path, ((reader.line_num, row) for row in reader), header, index)
        except csv.Error as e:  # a NUL byte, an unclosed quote at the end
            raise ValueError(f"{path!r}, line {reader.line_num}: {e}") from None


def _parse_rows(path, lines, header, index):
    """``(line number, fields)`` pairs -> ArraySource; one row in memory at a time
    as text (the values go to float arrays row by row)."""
    from .array import ArraySource
    from .base import Labels

    lines = ((n, row) for n, row in lines if any(t.strip() for t in row))
    line0, first = next(lines, (0, None))
    if first is None:
        raise ValueError(f"{path!r} is empty: no rows of numbers")
    first = [t.strip() for t in first]
    header = _is_header(first) if header is None else header
    width = len(first)
    firsts, where, values = [], [], []  # column 1 as text (labels?), its lines; the rest
    for n, row in itertools.chain([] if header else [(line0, first)], lines):
        if len(row) != width:
            raise ValueError(f"{path!r}, line {n} has {len(row)} fields, line {line0} has "
                             f"{width}")
        firsts.append(row[0].strip())
        where.append(n)
        values.append(np.array(_numbers(row[1:], 2, path, n, n == line0), np.float64))
    if not values:
        raise ValueError(f"{path!r} has a header row but no rows of numbers")
    if index is None:
        index = (header and first[0] == "") or all(map(_is_name, firsts))
    matrix = np.array(values).reshape(len(values), width - 1)
    if not index:  # the first column is numbers too
        _mixed_labels(path, firsts, where)
        column = [_numbers([t], 1, path, n, n == line0)[0] for t, n in zip(firsts, where)]
        matrix = np.column_stack([np.array(column, np.float64), matrix])
    cols = first[1:] if index else first
    return ArraySource(matrix, labels=Labels(
        rows=firsts if index else None, cols=cols if header else None,
        row_name=(first[0] or None) if header and index else None))


def _mixed_labels(path, firsts, where):
    """A first column of names but for some numbers is row labels gone wrong,
    not numbers with typos: say so."""
    names = [_is_name(t) for t in firsts]
    if sum(names) > len(names) / 2:
        n, text = next((n, t) for n, t, name in zip(where, firsts, names) if not name)
        raise ValueError(f"{path!r}, line {n}, column 1: {text!r} is a number among row "
                         f"labels (names in {sum(names)} of {len(names)} rows); give --index "
                         f"if column 1 is row labels, --no-index if it is numbers")


def is_number_text(text):
    """Whether ``float(text)`` reads ``text``."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_name(text):
    return text.lower() not in MISSING and not is_number_text(text)


def _is_header(first):
    rest = first[1:]
    if not rest:  # one column: a name above numbers
        return _is_name(first[0])
    if all(_is_name(t) for t in rest) and not is_number_text(first[0]):
        return True
    return first[0] == "" and rest == [str(i) for i in range(len(rest))]


def _numbers(fields, column, path, line, first_line):
    """The floats of ``fields`` (the first is column ``column``, counted from 1)."""
    try:
        return [float(t) for t in fields]
    except ValueError:
        pass
    out = []
    for column, text in enumerate(fields, column):
        text = text.strip()
        if text.lower() in MISSING:
            out.append(math.nan)
            continue
        try:
            out.append(float(text))
        except ValueError:
            hint = " (a header row must name every column, with no numbers; or give " \
                "--header)" if first_line else ""
            raise ValueError(f"{path!r}, line {line}, column {column}: {text!r} is not a "
                             f"number{hint}") from None
    return out


def _one_line(e):
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
