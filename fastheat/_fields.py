"""The option-field helper shared by the option records of every stage
(:mod:`fastheat.options`, :class:`fastheat.sources.points.Points`)."""
from __future__ import annotations

from dataclasses import field


def opt(default, doc, *, type="", cli=None):
    """A field of an option record: ``doc`` is its numpydoc description (fields
    with the very same ``doc`` are documented together), ``type`` the numpydoc
    type, ``cli`` the ``argparse`` settings of its flag (None: not a flag;
    ``help`` defaults to the first sentence of ``doc``)."""
    return field(default=default, metadata={"doc": doc, "type": type, "cli": cli})
