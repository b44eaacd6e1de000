"""Optional libraries, imported on the path that needs them, with an error naming the extra.

``pip install 'fastheat[EXTRA]'`` installs each heavy path's libraries; nothing
in fastheat imports them at import time (``tests/test_imports.py``).
"""
from __future__ import annotations

import importlib

#: ``pip install 'fastheat[EXTRA]'`` for each optional module.
EXTRAS = {"dask": "dask", "distributed": "dask", "datashader": "datashader",
          "pandas": "datashader", "pyarrow": "datashader", "zarr": "zarr", "h5py": "hdf5",
          "xarray": "xarray", "scipy": "sparse", "cooler": "cooler", "anndata": "anndata"}


class MissingExtraError(ImportError):
    """An optional library is not installed; the message names the extra."""


def require(module: str, what: str, extra: str | None = None):
    """Import ``module`` for ``what``, or say which extra installs it
    (``extra``, by default the one of ``module``'s package in :data:`EXTRAS`).

    >>> require("numpy", "arrays").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = extra or EXTRAS.get(module.split(".")[0], "all")
        raise MissingExtraError(
            f"{what} needs {module}, which could not be imported ({e}); install it with: "
            f"pip install 'fastheat[{extra}]'") from None
