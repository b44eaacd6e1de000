"""The front-ends in a real notebook kernel (nbclient): the artist with
``%matplotlib inline`` and the plotly figure, outputs checked."""
import base64
import io
import os
import re

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("plotly")

CELLS = [
    """%matplotlib inline
import matplotlib.pyplot as plt, numpy as np, fastheat
m = np.random.default_rng(0).random((2000, 3000))
fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
art = fastheat.imshow(ax, m, cmap="magma")
fig.colorbar(art)
ax.set_xlim(99.5, 199.5); ax.set_ylim(149.5, 49.5)""",
    "print(art.window, art.rendered.shape)",
    """import plotly.io as pio
pio.renderers.default = "notebook_connected"
fastheat.to_plotly(m[:500, :500], cmap="magma")""",
]


def test_artist_and_plotly_in_a_notebook():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": os.getcwd()}})
    client.execute()
    outs = [c.outputs for c in nb.cells]
    pngs = [o for o in outs[0] if o.output_type == "display_data" and "image/png" in o.data]
    assert len(pngs) == 1
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(base64.b64decode(pngs[0].data["image/png"]))))
    # the inline backend crops to the drawn area (bbox_inches="tight")
    colours = len(np.unique(img.reshape(-1, img.shape[2]), axis=0))
    assert 200 < img.shape[0] <= 300 and 300 < img.shape[1] <= 400 and colours > 100
    assert outs[1][0].text.startswith("(50, 150, 100, 200)")  # the zoomed window drawn
    html = "".join(o.data["text/html"] for o in outs[2] if "text/html" in o.get("data", {}))
    assert "plotly" in html.lower() and "Plotly.newPlot" in html
    assert re.search(r"data:image(/|\\u002f)png;base64", html)  # the figure holds fastheat's raster
