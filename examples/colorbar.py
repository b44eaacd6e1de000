"""A 10 x 10 random matrix with the "hot" colormap and a colorbar, like
matplotlib's ``plt.imshow(data, cmap="hot"); plt.colorbar()``.

    python examples/colorbar.py   ->  examples/images/colorbar.png
"""
import os

import numpy as np

import fastheat

HERE = os.path.dirname(os.path.abspath(__file__))

data = np.random.default_rng(0).random((10, 10))
out = os.path.join(HERE, "images", "colorbar.png")
fastheat.save(data, out, cmap="hot", colorbar=True, compress_level=9)
print("wrote", out)
