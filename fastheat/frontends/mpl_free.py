"""Colorbar ticks for front-ends without matplotlib: fastheat's own colorbar
tick values and labels as positions along the bar (0..1)."""
from __future__ import annotations

import numpy as np


def colorbar_ticks_t(norm, length_px, font_px=12, vertical=True):
    """``(positions 0..1 along the bar, labels)`` of fastheat's colorbar ticks
    for a bar of ``length_px`` pixels (:func:`fastheat.compose.ticks.colorbar_ticks`)."""
    from ..compose.options import ColorbarOptions
    from ..compose.text import load_font
    from ..compose.ticks import colorbar_ticks

    L = max(8, int(round(length_px)))
    ticks = colorbar_ticks(norm, L, load_font(None, font_px), ColorbarOptions(), vertical)
    return (np.array([p for p, _ in ticks], float) / L).tolist(), [s for _, s in ticks]
