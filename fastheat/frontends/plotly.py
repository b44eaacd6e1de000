"""The plotly front-end: :func:`to_plotly`, a ``plotly.graph_objects.Figure``
of a matrix of any size at screen resolution.

The picture is fastheat's raster embedded as one PNG (``go.Image``: the
colours are fastheat's, byte for byte); hover values come from a transparent
``go.Heatmap`` over it at a coarser grid (at most :data:`HOVER_SIDE` cells a
side) holding each pixel's aggregate and, where a pixel covers several
cells, how many valid cells it aggregates. The colorbar is fastheat's: its
colour strip and tick labels (a nonlinear norm's too) on an invisible trace.
plotly is imported here only (``pip install 'fastheat[plotly]'``); the figure
works in Dash as any figure does.
"""
from __future__ import annotations

import base64
import io

import numpy as np

from .. import api
from .._extras import require
from ._render import open_matrix, split_render_options

#: Largest side of the hover grid (values and counts sent to the browser).
HOVER_SIDE = 400
#: Default longest side of the picture in pixels.
DEFAULT_SIDE = 800


def _colorscale(palette):
    """A plotly colorscale of the palette's colours as steps (each colour owns
    ``[i/N, (i+1)/N]`` of the bar, as fastheat's strip shows it)."""
    lut, n = palette.lut, palette.N
    if n > 256:  # keep the figure small: 256 steps are indistinguishable
        lut, n = lut[np.linspace(0, n - 1, 256).round().astype(int)], 256
    out = []
    for i, c in enumerate(lut.tolist()):
        rgb = f"rgb({c[0]},{c[1]},{c[2]})"
        out += [[i / n, rgb], [(i + 1) / n, rgb]]
    return out


def _png_uri(rgba):
    from PIL import Image

    buf = io.BytesIO()
    img = Image.fromarray(rgba[..., :3] if (rgba[..., 3] == 255).all() else rgba)
    img.save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def to_plotly(data, *, width=None, height=None, title=None, **options):
    """A plotly ``Figure`` of ``data`` as fastheat renders it.

    Parameters
    ----------
    data : array-like, 2-D
        Anything fastheat reads (ndarray, memmap, zarr, dask, xarray, DataFrame).
    width, height : int, optional
        Picture size in pixels (default: the longest side :data:`DEFAULT_SIDE`
        for a larger matrix, the matrix's own size up to it).
    title : str, optional
    **options
        fastheat's reading and colouring options (``cmap``, ``norm``, ``vmin``...).

    Returns
    -------
    plotly.graph_objects.Figure
        An image trace (the raster), a transparent heatmap trace for hover
        (value, count of cells) and fastheat's colorbar.

    Examples
    --------
    >>> import numpy as np, fastheat
    >>> fig = fastheat.to_plotly(np.arange(12.0).reshape(3, 4))
    >>> [t.type for t in fig.data]
    ['image', 'heatmap', 'scatter']
    """
    go = require("plotly.graph_objects", "fastheat.to_plotly", "plotly")
    options = split_render_options(options, "fastheat.to_plotly")
    data, source = open_matrix(data, "fastheat.to_plotly", "for a point table use "
                               "fastheat.heatmap(table, x=..., y=...)")
    rows, cols = source.shape
    if width is None and height is None:
        scale = min(1.0, DEFAULT_SIDE / max(rows, cols))
        width, height = max(1, round(cols * scale)), max(1, round(rows * scale))
    raster = api.rasterize(data, width=width, height=height, **options)
    h, w = raster.shape
    norm, palette = raster.norm, raster.palette
    # hover grid: the aggregate and its count of valid cells per coarse pixel
    hs = min(1.0, HOVER_SIDE / max(h, w))
    hh, hw = max(1, round(h * hs)), max(1, round(w * hs))
    reading = {k: v for k, v in options.items() if k in ("mask",)}
    reduce = options.get("reduce", "mean")
    values = raster.values if (hh, hw) == (h, w) else \
        api.aggregate(data, width=hw, height=hh, reduce=reduce, **reading)
    counts = api.aggregate(data, width=hw, height=hh, reduce="count", **reading)
    if options.get("origin") == "lower":
        values, counts = values[::-1], counts[::-1]
    labels = source.labels
    dx, dy = cols / w, rows / h
    image = go.Image(source=_png_uri(raster.rgba()), x0=-0.5 + dx / 2, dx=dx,
                     y0=-0.5 + dy / 2, dy=dy, hoverinfo="skip", name="fastheat")
    coarse = max(cols / hw, rows / hh) > 1
    hover = "x %{x:.0f}, y %{y:.0f}<br>value %{z:.4g}" + \
        ("<br>%{customdata:.0f} cells" if coarse else "") + "<extra></extra>"
    heat = go.Heatmap(z=values.astype(np.float32), customdata=counts.astype(np.float32),
                      x0=-0.5 + cols / hw / 2, dx=cols / hw, y0=-0.5 + rows / hh / 2,
                      dy=rows / hh, opacity=0, showscale=False, hovertemplate=hover,
                      hoverongaps=False, name="values")
    # fastheat's colorbar: ticks where fastheat puts them, labels as it writes them
    from .mpl_free import colorbar_ticks_t

    tick_t, tick_text = colorbar_ticks_t(norm, max(h, 200))
    bar = go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                     marker=dict(colorscale=_colorscale(palette), cmin=0, cmax=1,
                                 color=[0], showscale=True,
                                 colorbar=dict(tickvals=tick_t, ticktext=tick_text,
                                               title=dict(text=labels.name or ""),
                                               outlinewidth=1, thickness=16)))
    fig = go.Figure([image, heat, bar])
    xaxis = dict(title=dict(text=str(labels.col_name or "")), showgrid=False,
                 zeroline=False, constrain="domain")
    yaxis = dict(title=dict(text=str(labels.row_name or "")), showgrid=False, zeroline=False,
                 autorange="reversed", scaleanchor="x", constrain="domain")
    for axis, names in ((xaxis, labels.cols), (yaxis, labels.rows)):
        if names is not None and len(names) <= 60:
            axis.update(tickvals=list(range(len(names))), ticktext=[str(n) for n in names])
    fig.update_layout(xaxis=xaxis, yaxis=yaxis, plot_bgcolor="white",
                      title=dict(text=title) if title else None,
                      width=w + 200, height=h + 160, margin=dict(l=60, r=40, t=60, b=60))
    return fig
