"""Front-ends on top of the pipeline: the matplotlib artist (:mod:`.mpl`), plotly
figures (:mod:`.plotly`), the xarray/pandas accessors (:mod:`.accessors`), the
viewer (:mod:`.viewer`), and :mod:`.entry` (the public ``fastheat.heatmap``:
the pipeline's, or with ``ax=`` seaborn's layout in a matplotlib Axes).

Each imports its library only when used; ``import fastheat`` loads none of them.
"""
