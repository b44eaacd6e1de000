"""Front-ends on top of the pipeline: the matplotlib artist (:mod:`.mpl`), plotly
figures (:mod:`.plotly`) and the xarray/pandas accessors (:mod:`.accessors`).

Each imports its library only when used; ``import fastheat`` loads none of them.
"""
