"""Source stage: whatever the user passes -> a :class:`Source` that aggregates itself.

One module per input type (:mod:`.array`, :mod:`.frame`, :mod:`.memmap`,
:mod:`.chunked` for zarr and HDF5, :mod:`.dask`, :mod:`.xarray`,
:mod:`.points`, :mod:`.sparse` for scipy.sparse, :mod:`.cooler`, :mod:`.anndata`),
each registering itself in :mod:`.registry`, which
:func:`open_source` asks in turn; :mod:`.files` opens the paths the CLI is
given; :mod:`.coords` puts any matrix on uneven cells. Users add types with
:func:`register_source`. Nothing here reads the data.
"""
from .base import Labels, MatrixSource, Source
from .registry import Registration, open_source, register_source

# public names (their modules register themselves)
from .array import ArraySource
from .points import Points, PointSource

__all__ = ["ArraySource", "Labels", "MatrixSource", "Points", "Registration", "Source",
           "open_source", "register_source"]
