"""fastheat.sources.chunked: zarr arrays and HDF5 datasets, read in chunk-aligned blocks."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
from fastheat.sources import chunked, open_source

from .helpers import (converted_test, progress_bar_only_when_asked, same_answer_test,
                      same_range_test, write_h5, write_zarr, zarr_major)

zarr = pytest.importorskip("zarr", reason="zarr is in the test extra; needed for zarr stores")
h5py = pytest.importorskip("h5py", reason="h5py is in the test extra; needed for HDF5")

KINDS = ["zarr-v2", "zarr-v3", "zarr-v3-sharded", "hdf5", "hdf5-contiguous"]

test_same_answer_everywhere = same_answer_test(KINDS)
test_same_range_everywhere = same_range_test(KINDS)
test_dtypes_converted_block_by_block = converted_test(["hdf5", "zarr"])


def test_chunked_source_reads_each_block_once(monkeypatch):
    x = np.arange(90.0).reshape(9, 10)
    monkeypatch.setattr(chunked, "BLOCK_BYTES", 2 * 10 * 8)  # two chunk rows per block
    calls = []

    def read(r0, r1, c0, c1):
        calls.append((r0, r1, c0, c1))
        return x[r0:r1, c0:c1]

    src = chunked.ChunkedSource((9, 10), x.dtype, read=read, take=None, chunks=(1, 5))
    assert src.aggregate(3, 2, "max").tolist() == [[24.0, 29.0], [54.0, 59.0], [84.0, 89.0]]
    assert calls == [(0, 2, 0, 10), (2, 4, 0, 10), (4, 6, 0, 10), (6, 8, 0, 10), (8, 9, 0, 10)]
    calls.clear()
    monkeypatch.setattr(chunked, "BLOCK_BYTES", 5 * 8)  # one chunk per block
    assert src.aggregate(3, 2, "min").tolist() == [[0.0, 5.0], [30.0, 35.0], [60.0, 65.0]]
    assert len(calls) == 18 and sorted(calls) == sorted(set(calls))


def test_not_two_dimensional_stores(tmp_path):
    with pytest.raises(ValueError, match=r"zarr array .* is 3-dimensional \(shape \(2, 3, 4\)\)"):
        fastheat.aggregate(write_zarr(tmp_path / "c.zarr", np.zeros((2, 3, 4)), 2, (1, 3, 4)))
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["cube"] = np.zeros((2, 3, 4))
        f["text"] = np.array([[b"a"]])
    with h5py.File(tmp_path / "c.h5", "r") as f:
        with pytest.raises(ValueError, match="HDF5 dataset '/cube' is 3-dimensional"):
            fastheat.aggregate(f["cube"])
        with pytest.raises(TypeError, match="HDF5 dataset '/text' has dtype"):
            fastheat.aggregate(f["text"])
        with pytest.raises(TypeError, match="pass one of its datasets"):
            fastheat.aggregate(f)


@pytest.mark.parametrize("kind", ["zarr-v2", "hdf5"])
def test_progress_bar_only_when_asked(stores, kind, capsys):
    progress_bar_only_when_asked(stores, kind, capsys)


def test_groups_name_their_members(tmp_path):
    if zarr_major() < 3:
        pytest.skip("zarr groups are made with the zarr-python 3 API here")
    zarr.open_group(str(tmp_path / "g.zarr"), mode="w").create_array("a", shape=(2, 3),
                                                                       dtype="f8")
    with pytest.raises(TypeError, match=r"got a zarr Group; pass one of its arrays, e.g. "
                                        r"group\['name'\] \(it holds: a \(2, 3\)\)"):
        fastheat.aggregate(zarr.open(str(tmp_path / "g.zarr"), mode="r"))
    write_h5(tmp_path / "g.h5", np.zeros((2, 3)), name="maps/a", chunks=None)
    with h5py.File(tmp_path / "g.h5", "r") as f:
        with pytest.raises(TypeError, match=r"got an HDF5 Group; .* \(it holds: /a \(2, 3\)\)"):
            open_source(f["maps"])


def test_mask_is_refused_with_the_fix(stores):
    _, out = stores
    with pytest.raises(TypeError, match="mask= works with in-memory and memory-mapped arrays, "
                                        "not ChunkedSource; put NaN in the data"):
        open_source(out["hdf5"]).masked(np.zeros((203, 157), bool))
