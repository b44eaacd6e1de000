"""fastheat._extras: an optional library that is missing is named with its extra."""
from __future__ import annotations

import sys

import pytest

import fastheat
from fastheat._extras import MissingExtraError, require

pd = pytest.importorskip("pandas", reason="pandas is in the test extra; needed for point tables")
da = pytest.importorskip("dask.array", reason="dask is in the test extra; needed for dask arrays")


@pytest.mark.parametrize("module, extra, make", [
    ("datashader", "datashader", lambda: pd.DataFrame({"x": [0.0], "y": [0.0]})),
    ("dask", "dask", lambda: da.ones((4, 4), chunks=2)),
])
def test_missing_extra_names_it(monkeypatch, module, extra, make):
    data = make()
    monkeypatch.setitem(sys.modules, module, None)  # import now fails
    opts = dict(x="x", y="y") if module == "datashader" else {}
    with pytest.raises(ImportError, match=rf"pip install 'fastheat\[{extra}\]'"):
        fastheat.aggregate(data, width=2, height=2, **opts)


def test_require_names_the_extra_of_the_package():
    with pytest.raises(MissingExtraError, match=r"reading things needs zarr\.nope, which could not "
                                                r"be imported .*pip install 'fastheat\[zarr\]'"):
        require("zarr.nope", "reading things")
    with pytest.raises(ImportError, match=r"fastheat\[all\]"):
        require("no_such_module_anywhere", "x")
