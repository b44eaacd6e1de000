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


# --- text matrices: labelled as pandas' to_csv() wrote them -----------------------------

def _frame(index_name="gene"):
    pd = pytest.importorskip("pandas")
    values = np.random.default_rng(3).normal(size=(7, 9)).cumsum(axis=1)
    values[2, 3] = np.nan  # written as an empty field
    frame = pd.DataFrame(values, index=[f"g{i}" for i in range(7)],
                         columns=[f"s{i}" for i in range(9)])
    frame.index.name = index_name
    return frame


def test_text_matrix_labels_and_values(tmp_path):
    frame = _frame()
    frame.to_csv(tmp_path / "m.csv")
    m = files.read_text_matrix(tmp_path / "m.csv")
    np.testing.assert_array_equal(m.array, frame.to_numpy())  # every float exactly, NaN kept
    assert m.labels.rows == list(frame.index) and m.labels.cols == list(frame.columns)
    assert m.labels.row_name == "gene" and m.labels.col_name is None
    # no index: frame.to_csv(index=False) has numbers in its first column
    frame.to_csv(tmp_path / "noindex.csv", index=False)
    m = files.read_text_matrix(tmp_path / "noindex.csv")
    assert m.shape == (7, 9) and m.labels.rows is None and m.labels.cols == list(frame.columns)
    # no header, a label column
    frame.to_csv(tmp_path / "noheader.csv", header=False)
    m = files.read_text_matrix(tmp_path / "noheader.csv")
    assert m.shape == (7, 9) and m.labels.rows == list(frame.index) and m.labels.cols is None


@pytest.mark.parametrize("text, shape, missing", [
    ("1,2,3\n4,5,6\n", (2, 3), 0),             # plain numbers: no header
    (",1.5,2\n3,4,5\n", (2, 3), 1),            # a missing first value is not a header corner
    ("1,2,\n,5,6\n\n", (2, 3), 2),             # empty fields are missing; blank lines skipped
    ("1,NA,nan\nnull,5,N/A\n", (2, 3), 4),     # the markers pandas, R, numpy write
    ("a,b,c\n1,2,3\n", (1, 3), 0),             # a header of names
    ("value\n1\n2\n", (2, 1), 0),              # one column with a name
    ("\ufeffa,b\n1,2\n", (1, 2), 0),           # Excel's byte-order mark
])
def test_text_matrix_never_drops_a_row(tmp_path, text, shape, missing):
    (tmp_path / "m.csv").write_text(text, encoding="utf-8")
    m = files.read_text_matrix(tmp_path / "m.csv")
    assert m.shape == shape and int(np.isnan(m.array).sum()) == missing
    if text.lstrip("\ufeff").startswith("a"):
        assert m.labels.cols == ["a", "b", "c"][:shape[1]]


def test_text_matrix_header_and_index_decide_what_the_rule_cannot(tmp_path):
    pd = pytest.importorskip("pandas")
    days = pd.DataFrame(np.random.default_rng(5).random((5, 7)), columns=list("MTWTFSS"),
                        index=pd.Index(range(1, 6), name="week"))
    days.to_csv(tmp_path / "cal.csv")
    assert files.read_text_matrix(tmp_path / "cal.csv").shape == (5, 8)
    m = files.read_text_matrix(tmp_path / "cal.csv", index=True)
    assert m.shape == (5, 7) and m.labels.rows == ["1", "2", "3", "4", "5"]
    assert m.labels.row_name == "week"
    # labels among which a few are numbers
    (tmp_path / "mixed.csv").write_text("g,a\nx,1\ny,2\n7,3\n")
    m = files.read_text_matrix(tmp_path / "mixed.csv", index=True)
    assert m.labels.rows == ["x", "y", "7"] and m.array.ravel().tolist() == [1, 2, 3]
    # header=False: a first row of numbers the rule takes for pandas' column names
    (tmp_path / "corner.csv").write_text(",0,1\n5,6,7\n")
    assert files.read_text_matrix(tmp_path / "corner.csv").shape == (1, 2)
    m = files.read_text_matrix(tmp_path / "corner.csv", header=False, index=False)
    assert m.shape == (2, 3) and np.isnan(m.array[0, 0]) and m.labels.cols is None
