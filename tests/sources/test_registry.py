"""fastheat.sources: open_source asks the registry; users register their own input types."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastheat
from fastheat.aggregation.fold import Block, fold, pick_nearest
from fastheat.api import rasterize
from fastheat.sources import (ArraySource, Labels, MatrixSource, Points, Source, open_source,
                              register_source)
from fastheat.sources.chunked import ChunkedSource
from fastheat.sources.dask import DaskSource
from fastheat.sources.memmap import MemmapSource


def test_sources_are_the_out_of_core_ones(stores):
    _, out = stores
    kinds = {"memmap": MemmapSource, "zarr-v2": ChunkedSource,
             "hdf5": ChunkedSource, "dask": DaskSource,
             "xarray-dask": DaskSource, "xarray-lazy": ChunkedSource,
             "xarray": ArraySource}
    for kind, cls in kinds.items():
        assert type(open_source(out[kind])) is cls, kind


def test_heavy_libraries_stay_unimported():
    code = textwrap.dedent("""
        import sys, tempfile, os
        import numpy as np, fastheat
        from fastheat import outofcore
        path = os.path.join(tempfile.mkdtemp(), "m.npy")
        np.save(path, np.ones((50, 40)))
        fastheat.to_rgba(np.load(path, mmap_mode="r"), width=10, height=10)
        fastheat.to_rgba(np.ones((5, 5)))
        heavy = ["dask", "distributed", "datashader", "pandas", "xarray", "zarr", "h5py",
                 "pyarrow", "matplotlib"]
        print(",".join(m for m in heavy if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


# --- a source registered from outside the package ------------------------------------


class RowDict:
    """A toy input type: named rows of numbers, one dict entry per row."""

    def __init__(self, rows):
        self.rows = dict(rows)


class RowDictSource(MatrixSource):
    """Reads a :class:`RowDict` through the fold loop, with the row names as
    tick labels."""

    def __init__(self, data, *, progress=False):
        self.data = data
        values = list(data.rows.values())
        self.shape = (len(values), len(values[0]))
        self.dtype = np.result_type(*[np.asarray(v).dtype for v in values])
        self.labels = Labels(rows=list(data.rows), name="toy")
        self.progress = progress

    def fold(self, plan):
        # one block of every row (a larger table would yield a Block per band of rows)
        return fold(plan, [Block(np.array(list(self.data.rows.values())))])

    def pick(self, plan):
        values = list(self.data.rows.values())
        return pick_nearest(plan, lambda rows, cols: np.array([values[r] for r in rows])[:, cols])


def is_row_dict(data):
    return isinstance(data, RowDict)


ROWS = {"a": [1.0, 2.0, 3.0, 4.0], "b": [5.0, np.nan, 7.0, 8.0], "c": [9.0, 10.0, 11.0, 12.0]}


@pytest.mark.parametrize("reduce", ["mean", "sum", "max", "std", "count", "nearest"])
def test_registered_source_renders_like_its_matrix(reduce):
    x = np.array(list(ROWS.values()))
    with register_source(is_row_dict, RowDictSource) as handle:
        assert "RowDictSource" in repr(handle)
        for w, h in ((2, 2), (4, 3), (3, 2), (8, 9)):
            np.testing.assert_array_equal(fastheat.aggregate(RowDict(ROWS), width=w, height=h,
                                                             reduce=reduce),
                                          fastheat.aggregate(x, width=w, height=h, reduce=reduce))
        np.testing.assert_array_equal(fastheat.to_rgba(RowDict(ROWS), reduce=reduce),
                                      fastheat.to_rgba(x, reduce=reduce))
        assert rasterize(RowDict(ROWS)).labels == Labels(rows=["a", "b", "c"], name="toy")
        image = fastheat.heatmap(RowDict(ROWS), colorbar=True, title="t")
        assert image.mode == "RGB" and image.size[0] > 400
    # unregistered on leaving the block: a RowDict is no array
    with pytest.raises(TypeError, match="data has dtype object"):
        fastheat.to_rgba(RowDict(ROWS))


def test_unregister_handle_and_no_leak():
    handle = register_source(is_row_dict, RowDictSource, name="rows")
    try:
        assert type(open_source(RowDict(ROWS))) is RowDictSource
    finally:
        handle.unregister()
    handle.unregister()  # twice: nothing left to remove
    with pytest.raises(TypeError, match="data has dtype object"):
        open_source(RowDict(ROWS))


def test_user_registrations_come_first_the_latest_first():
    x = np.arange(12.0).reshape(3, 4)
    tag = lambda label: (lambda data, *, progress: ArraySource(data, labels=Labels(name=label)))  # noqa: E731
    is_array = lambda data: isinstance(data, np.ndarray)  # noqa: E731
    with register_source(is_array, tag("first")):
        assert open_source(x).labels.name == "first"  # over the built-in array source
        with register_source(is_array, tag("second")):
            assert open_source(x).labels.name == "second"
        assert open_source(x).labels.name == "first"
    assert open_source(x).labels == Labels()


def test_factories_get_progress_and_points_entries_get_the_options():
    calls = []

    def matrix_factory(data, *, progress):
        calls.append(("matrix", progress))
        return ArraySource(np.zeros((2, 2)))

    def table_factory(data, *, points, progress):
        calls.append(("table", points, progress))
        return ArraySource(np.zeros((2, 2)))

    with register_source(is_row_dict, matrix_factory), \
            register_source(is_row_dict, table_factory, points=True):
        open_source(RowDict(ROWS), progress=True)
        open_source(RowDict(ROWS), points=Points(x="a", y="b"))
        open_source(RowDict(ROWS), points=Points())  # all None: no point options
    assert calls == [("matrix", True), ("table", Points(x="a", y="b"), False), ("matrix", False)]


def test_a_source_is_used_as_it_is():
    src = ArraySource(np.ones((2, 2)))
    assert open_source(src) is src and open_source(src, points=Points(x="x", y="y")) is src


def test_point_options_for_a_matrix_say_what_they_are_for():
    with pytest.raises(TypeError, match=r"^x=, y=, value=, x_range= and y_range= are options for "
                                        r"point tables \(a pandas or dask DataFrame\), not for "
                                        r"list$"):
        open_source([[1, 2]], points=Points(value="v"))


def test_every_source_has_labels_and_a_protocol():
    for data in (np.ones((2, 3)), [[1, 2]], np.ma.masked_all((2, 2))):
        src = open_source(data)
        assert isinstance(src, Source) and src.labels == Labels() and src.shape == np.shape(data)
    with pytest.raises(NotImplementedError):
        Source().aggregate(1, 1, "mean")


@pytest.mark.parametrize("accept, factory, what", [(None, lambda d, **k: d, "accept"),
                                                   (lambda d: True, "ArraySource", "factory")])
def test_register_source_refuses_what_it_cannot_call(accept, factory, what):
    with pytest.raises(TypeError, match=f"register_source: {what}=.* must be callable"):
        register_source(accept, factory)
