"""Compose stage: a Raster -> the image with colorbar, ticks, labels, gridlines
and annotations around and over the untouched raster (:mod:`.layout` builds a
:mod:`.scene`, :mod:`.draw` paints it). Importing the package loads none of
its modules (``import fastheat`` stays light); they load when an image is
composed.
"""


class AnnotationWarning(UserWarning):
    """Some annotated cells are too small for their text and were left blank."""
