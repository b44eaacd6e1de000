"""Old home of the out-of-core sources, kept so that ``fastheat.outofcore.dask_from_npy``
(named in the README and in users' code) still works; the sources now live in
:mod:`fastheat.sources`."""
from .sources.dask import dask_from_npy

__all__ = ["dask_from_npy"]
