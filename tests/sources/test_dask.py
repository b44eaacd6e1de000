"""fastheat.sources.dask: dask arrays folded block by block where they live, merged exactly."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat
from fastheat.sources import dask as fdask, open_source

from .helpers import (CHUNKS, assert_same, converted_test, matrix, progress_bar_only_when_asked,
                      same_answer_test, same_range_test)

da = pytest.importorskip("dask.array", reason="dask is in the test extra; needed for dask arrays")

KINDS = ["dask", "dask-irregular", "dask-npy"]

test_same_answer_everywhere = same_answer_test(KINDS)
test_same_range_everywhere = same_range_test(KINDS)
test_dtypes_converted_block_by_block = converted_test(["dask"])


@pytest.mark.parametrize("reduce", ["mean", "max", "count", "nearest"])
def test_masked_dask_blocks(reduce):
    x = matrix(seed=4)
    mask = np.random.default_rng(5).random(x.shape) < 0.2
    want = fastheat.aggregate(np.ma.masked_array(x, mask), width=29, height=37, reduce=reduce)
    xm = da.ma.masked_array(da.from_array(x, chunks=CHUNKS), da.from_array(mask, chunks=CHUNKS))
    assert_same(fastheat.aggregate(xm, width=29, height=37, reduce=reduce), want, reduce)


def test_not_two_dimensional_dask_arrays():
    with pytest.raises(ValueError, match="dask array is 1-dimensional"):
        fastheat.aggregate(da.ones(5, chunks=2))
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        x = da.ones((6, 6), chunks=2)
        fastheat.aggregate(x[x[:, 0] > 0])


def test_progress_bar_only_when_asked(stores, capsys):
    progress_bar_only_when_asked(stores, "dask", capsys)


def test_old_home_of_dask_from_npy(tmp_path):
    from fastheat import outofcore

    np.save(tmp_path / "m.npy", np.arange(6.0).reshape(2, 3))
    assert outofcore.dask_from_npy is fdask.dask_from_npy
    assert outofcore.dask_from_npy(tmp_path / "m.npy").sum().compute() == 15.0


def test_mask_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="not DaskSource; put NaN in the data"):
        open_source(da.ones((4, 4), chunks=2)).masked(np.zeros((4, 4), bool))


# --- distributed --------------------------------------------------------------------


@pytest.mark.slow
def test_distributed_cluster_gives_the_local_image(tmp_path, points):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is in the test "
                                                            "extra; needed for a cluster")
    x = matrix((230, 190), seed=8)
    np.save(tmp_path / "m.npy", x)
    arrays = {"in-graph": da.from_array(x, chunks=(31, 23)),
              "workers-read-file": fdask.dask_from_npy(tmp_path / "m.npy", chunks=(29, 41))}
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is in the test extra")
    df = dd.from_pandas(points[["x", "y", "v"]], npartitions=4)
    popts = dict(x="x", y="y", value="v", width=60, height=45, x_range=(-3, 3),
                 y_range=(-8, 10))
    local = {(k, r): fastheat.to_rgba(a, width=50, height=40, reduce=r)
             for k, a in arrays.items() for r in ("mean", "std", "max")}
    local_points = fastheat.to_rgba(df, **popts)
    local_grid = fastheat.aggregate(df, **popts)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert fdask.active_client(arrays["in-graph"]) is client
        for (k, r), want in local.items():
            got = fastheat.to_rgba(arrays[k], width=50, height=40, reduce=r)
            np.testing.assert_array_equal(got, want, err_msg=f"{k} {r}")
        np.testing.assert_array_equal(fastheat.to_rgba(df, **popts), local_points)
        np.testing.assert_allclose(fastheat.aggregate(df, **popts), local_grid, rtol=1e-12)
    assert fdask.active_client(arrays["in-graph"]) is None
