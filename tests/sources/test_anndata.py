"""AnnData sources (fastheat/sources/anndata.py): X dense or sparse, layers, backed .h5ad."""
from __future__ import annotations

import numpy as np
import pytest

anndata = pytest.importorskip("anndata", reason="anndata is in the test extra")
sp = pytest.importorskip("scipy.sparse", reason="scipy comes with anndata")

import fastheat  # noqa: E402
from fastheat.sources import anndata as source  # noqa: E402

REDUCTIONS = ("mean", "sum", "min", "max", "std", "count", "nearest")


@pytest.fixture(scope="module")
def adata():
    m = sp.random(300, 120, density=0.1, random_state=1, format="csr", dtype=np.float32)
    m.data *= 10
    return anndata.AnnData(X=m, layers={"dense": m.toarray() * 2})


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(source, "CHUNK_ENTRIES", 500)


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_in_memory_x_and_layer_equal_dense(adata, reduce):
    d = adata.X.toarray()
    np.testing.assert_allclose(fastheat.aggregate(adata, width=50, height=40, reduce=reduce),
                               fastheat.aggregate(d, width=50, height=40, reduce=reduce),
                               rtol=1e-12)
    np.testing.assert_allclose(
        fastheat.aggregate(adata, layer="dense", width=50, height=40, reduce=reduce),
        fastheat.aggregate(d * 2, width=50, height=40, reduce=reduce), rtol=1e-12)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_backed_h5ad_equals_dense(adata, tmp_path, fmt, reduce):
    path = tmp_path / "a.h5ad"
    anndata.AnnData(X=adata.X.asformat(fmt)).write_h5ad(path)
    d = adata.X.toarray()
    np.testing.assert_allclose(fastheat.aggregate(str(path), width=50, height=40, reduce=reduce),
                               fastheat.aggregate(d, width=50, height=40, reduce=reduce),
                               rtol=1e-12)


def test_obs_and_var_names_are_the_labels(adata):
    src = fastheat.sources.open_source(adata)
    assert src.labels.rows[:2] == ["0", "1"] and len(src.labels.cols) == 120
    assert (src.labels.row_name, src.labels.col_name) == ("obs", "var")


def test_errors(adata):
    with pytest.raises(ValueError, match=r"layer='nope' is not a layer of this AnnData; its "
                                         r"layers are: 'dense'"):
        fastheat.aggregate(adata, layer="nope")
    cube = anndata.AnnData(X=np.zeros((4, 3)), obsm={"x": np.zeros((4, 2))})
    cube.layers["cube"] = np.zeros((4, 3))
    cube.layers._data["cube"] = np.zeros((4, 3, 2))  # a 3-D layer, as some tools store
    with pytest.raises(ValueError, match=r"AnnData layer 'cube' is 3-dimensional \(shape "
                                         r"\(4, 3, 2\)\) and must be 2-dimensional"):
        fastheat.aggregate(cube, layer="cube")
    with pytest.raises(ValueError, match="implicit='missing' is for sparse matrices"):
        fastheat.aggregate(adata, layer="dense", implicit="missing")


def test_cli_renders_h5ad_layer(adata, tmp_path):
    from fastheat import cli

    path = tmp_path / "a.h5ad"
    adata.write_h5ad(path)
    assert cli.main(["render", str(path), "--layer", "dense", "-o", str(tmp_path / "a.png"),
                     "-q"]) == 0
    fastheat.save(adata.layers["dense"], tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
