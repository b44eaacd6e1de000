"""``fastheat.render_info``: public access to what a render used."""
from __future__ import annotations

import numpy as np

from .. import api, options


class RenderInfo:
    """What a render used: the fitted range and norm, the colormap and the
    aggregated grid (see :func:`render_info`).

    Attributes
    ----------
    vmin, vmax : float
        The fitted range.
    norm : fastheat.color.norms.Norm
        The fitted norm (``norm.kind``: ``"linear"``, ``"log"``, ``"eq_hist"``...).
    palette : fastheat.color.colormaps.Palette
        The colormap's colours (``palette.lut``) and under/over/bad colours.
    grid : numpy.ndarray
        ``(height, width)`` float64 aggregated value of every pixel.
    raster : fastheat.color.raster.Raster
        Everything else (codes, labels, matrix shape).
    """

    def __init__(self, raster):
        self.raster, self.norm, self.palette = raster, raster.norm, raster.palette
        self.vmin, self.vmax = float(raster.norm.vmin), float(raster.norm.vmax)

    @property
    def grid(self) -> np.ndarray:
        return self.raster.values

    def __repr__(self):
        h, w = self.raster.shape
        return (f"RenderInfo(norm={self.norm.kind!r}, vmin={self.vmin!r}, vmax={self.vmax!r}, "
                f"cmap={self.palette.name!r}, grid={h} x {w})")

    def to_matplotlib(self):
        """An equivalent matplotlib ``(Normalize, Colormap)`` pair:
        ``cmap(norm(grid), bytes=True)`` is the rendered RGBA (eq_hist: a
        ``FuncNorm`` through the fitted CDF). Needs matplotlib."""
        from .mpl import to_matplotlib

        return to_matplotlib(self.norm, self.palette)


@options.public("to_rgba", "data")
def render_info(data, **kwargs) -> RenderInfo:
    """Render ``data`` as :func:`fastheat.to_rgba` does (same options) and say
    what was used: the fitted range, norm and colormap and the aggregated grid.

    Returns
    -------
    RenderInfo

    Examples
    --------
    >>> import fastheat
    >>> info = fastheat.render_info([[1, 2], [3, 4]], width=2, height=2)
    >>> info.vmin, info.vmax, info.norm.kind
    (1.0, 4.0, 'linear')
    """
    return RenderInfo(api.rasterize(data, **kwargs))
