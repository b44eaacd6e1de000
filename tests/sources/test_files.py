"""fastheat.sources.files: the files the CLI is given."""
from __future__ import annotations

import numpy as np
import pytest

from fastheat.sources import files


def test_npy_objects_refused_and_truncation_reported(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="holds Python objects .* never unpickles"):
        files.open_npy(tmp_path / "obj.npy")
    np.save(tmp_path / "m.npy", np.ones((100, 100)))
    data = (tmp_path / "m.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:5000])
    with pytest.raises(ValueError, match=r"is truncated: its header promises a \(100, 100\) "
                                         r"float64 array \(80,128 bytes\) but the file has "
                                         r"5,000 bytes"):
        files.open_npy(tmp_path / "t.npy")
    (tmp_path / "h.npy").write_bytes(data[:20])
    with pytest.raises(ValueError, match="is not a valid .npy file"):
        files.open_npy(tmp_path / "h.npy")


def test_split_dataset_only_splits_store_paths(tmp_path):
    assert files.split_dataset("run.h5:/maps/a") == ("run.h5", "/maps/a")
    assert files.split_dataset("store.zarr:grp/a") == ("store.zarr", "grp/a")
    assert files.split_dataset("c:notes.txt") == ("c:notes.txt", None)
    odd = tmp_path / "odd.h5:x"
    odd.write_bytes(b"")
    assert files.split_dataset(odd) == (str(odd), None)  # exists as given: never split
    with pytest.raises(ValueError, match="two dataset paths given"):
        files.split_dataset("run.h5:/a", "/b")


def test_open_path_leaves_other_files_to_the_cli(tmp_path):
    assert files.open_path(tmp_path / "m.npy") is None
    assert files.open_path(tmp_path / "m.csv") is None  # a matrix of numbers
    with pytest.raises(ValueError, match="--dataset is for zarr and HDF5 files"):
        files.open_path(tmp_path / "m.npy", dataset="/a")
    with pytest.raises(ValueError, match="is a table: give the point columns with --x and --y"):
        files.open_path(tmp_path / "p.parquet")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        files.open_path(tmp_path / "missing.h5")
