"""The interactive viewer: ``fastheat.view``, ``fastheat serve``, ``fastheat tiles``.

A deep-zoom pyramid over any source (:mod:`.core`), shown by OpenSeadragon
(vendored in ``static/``, no CDN) from a local server (:mod:`.server`), a
notebook widget (:mod:`.widget`) or static files (:mod:`.tiles`).
"""
from __future__ import annotations

import sys


def view(data, *, open_browser: bool | None = None, height: int = 600, **options):
    """Explore ``data`` interactively: zoom from the whole matrix to single
    cells, pan, read the value under the pointer.

    In Jupyter (and VS Code notebooks) returns a widget that shows the viewer;
    in a plain interpreter starts a local server (127.0.0.1, a random token in
    its URL), prints the URL and opens it in the browser when the session is
    interactive (``open_browser``), and returns the running
    :class:`~fastheat.frontends.viewer.server.ViewerServer` (``.url``,
    ``.close()``).

    Parameters
    ----------
    data : array-like, 2-D
        Anything :func:`fastheat.heatmap` reads as a matrix (ndarray, memmap,
        zarr, h5py, dask, xarray, DataFrame).
    open_browser : bool, optional
        Open the page (default: in an interactive session outside Jupyter).
    height : int
        The widget's height in pixels (notebooks).
    **options
        ``cmap``, ``norm``, ``vmin``, ``vmax`` (the first view; the page can
        change them), ``reduce``, ``cache_dir``, ``port``, ``host``.

    Examples
    --------
    >>> import numpy as np, fastheat, urllib.request
    >>> server = fastheat.view(np.eye(300), open_browser=False)  # doctest: +ELLIPSIS
    fastheat viewer: http://127.0.0.1:...
    >>> urllib.request.urlopen(server.url).status
    200
    >>> server.close()
    """
    from .widget import in_notebook

    if in_notebook():
        from .widget import viewer_widget

        return viewer_widget(data, height=height, **options)
    from .server import ViewerServer

    server = ViewerServer(data, **options).start()
    print(f"fastheat viewer: {server.url}")
    if open_browser is None:
        open_browser = hasattr(sys, "ps1") or bool(sys.flags.interactive)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    return server
