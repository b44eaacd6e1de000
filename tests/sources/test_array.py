"""fastheat.sources.array: in-memory arrays, masked arrays, lists; masks added by masked()."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
from fastheat.sources import ArraySource, Labels, open_source


def test_arrays_and_lists_are_array_sources():
    x = np.arange(6).reshape(2, 3)
    for data in (x, x.tolist(), np.ma.masked_array(x), x[:, ::-1]):
        src = open_source(data)
        assert type(src) is ArraySource and src.shape == (2, 3) and src.labels == Labels()
    assert open_source(x).array is x  # not copied


@pytest.mark.parametrize("reduce", ["mean", "max", "count", "nearest"])
def test_masked_adds_to_the_arrays_own_mask(reduce):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 40))
    own, extra = rng.random(x.shape) < 0.2, rng.random(x.shape) < 0.2
    labels = Labels(name="v")
    src = ArraySource(np.ma.masked_array(x, own), labels=labels).masked(extra)
    assert type(src) is ArraySource and src.labels is labels
    want = fastheat.aggregate(np.ma.masked_array(x, own | extra), width=13, height=9,
                              reduce=reduce)
    np.testing.assert_array_equal(src.aggregate(9, 13, reduce), want)


def test_masked_accepts_integer_masks_and_keeps_the_data():
    x = np.ones((2, 2))
    src = ArraySource(x).masked([[1, 0], [0, 0]])
    assert np.shares_memory(src.array, x) and src.mask.tolist() == [[True, False], [False, False]]
    assert np.isnan(src.aggregate(2, 2, "mean")[0, 0])


@pytest.mark.parametrize("mask, error, match", [
    (np.zeros((2, 2), float), TypeError, r"mask must be a boolean array \(True = hide the "
                                         r"cell\), got dtype float64"),
    (np.zeros((3, 2), bool), ValueError, r"mask has shape \(3, 2\) but the data has shape "
                                         r"\(2, 2\); pass a boolean array of the data's shape"),
])
def test_mask_errors(mask, error, match):
    with pytest.raises(error, match=match):
        ArraySource(np.ones((2, 2))).masked(mask)


def test_nearest_reads_only_the_picked_cells():
    x = np.arange(100 * 80).reshape(100, 80).astype(np.int64) * (1 << 40)
    got = ArraySource(x).aggregate(7, 5, "nearest")
    rows, cols = (2 * np.arange(7) + 1) * 100 // 14, (2 * np.arange(5) + 1) * 80 // 10
    np.testing.assert_array_equal(got, x[np.ix_(rows, cols)].astype(np.float64))
    assert got.dtype == np.float64
