"""The public ``fastheat.heatmap``: :func:`fastheat.api.heatmap`, or with
``ax=`` seaborn's layout drawn into a matplotlib Axes (:mod:`.mpl`)."""
import functools

from .. import api


@functools.wraps(api.heatmap)
def heatmap(data, **kwargs):
    if kwargs.get("ax") is not None:  # sns.heatmap(data, ax=ax): into a matplotlib Axes
        from .mpl import heatmap_on_axes

        return heatmap_on_axes(data, **kwargs)
    kwargs.pop("ax", None)
    return api.heatmap(data, **kwargs)
