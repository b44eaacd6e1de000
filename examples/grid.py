"""The same kind of matrix with cmap="cool", dashed grey gridlines and a title,
like matplotlib's ``plt.imshow(data, cmap="cool");
plt.grid(color="gray", linestyle="--", linewidth=0.5); plt.title(...)``.

    python examples/grid.py   ->  examples/images/grid.png

Gridlines run through the tick positions (the cell centres), over the raster.
"""
import os

import numpy as np

import fastheat

HERE = os.path.dirname(os.path.abspath(__file__))

data = np.random.default_rng(0).random((10, 10))
out = os.path.join(HERE, "images", "grid.png")
fastheat.save(data, out, cmap="cool", grid=dict(color="gray", linestyle="--", linewidth=1),
              title="Heatmap with gridlines", compress_level=9)
print("wrote", out)
