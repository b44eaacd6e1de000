"""fastheat.sources.frame: pandas DataFrames as matrices, index and columns as labels."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
from fastheat.sources import ArraySource, Labels, open_source

pd = pytest.importorskip("pandas", reason="pandas is in the test extra")


def test_index_and_columns_become_the_labels():
    frame = pd.DataFrame(np.arange(6.0).reshape(2, 3), index=pd.Index(["r0", "r1"], name="row"),
                         columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)],
                                                           names=["k", None]))
    src = open_source(frame)
    assert type(src) is ArraySource
    assert src.labels == Labels(rows=["r0", "r1"], cols=["a-1", "a-2", "b-1"], row_name="row",
                                col_name="k")
    np.testing.assert_array_equal(src.array, frame.to_numpy())


def test_nullable_columns_are_missing_values():
    frame = pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [0.5, 1.5]})
    got = fastheat.aggregate(frame, width=2, height=2)
    assert np.isnan(got[1, 0]) and got[0].tolist() == [1.0, 0.5]


def test_non_numeric_columns_say_how_to_drop_them():
    with pytest.raises(TypeError, match=r"the DataFrame has non-numeric columns \(dtypes: .*\); "
                                        r"pass only numeric columns, e\.g\. "
                                        r"frame\.select_dtypes\('number'\)"):
        open_source(pd.DataFrame({"a": [1, 2], "s": ["x", "y"]}))
