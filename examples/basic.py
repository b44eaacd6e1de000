"""The smallest heatmap: a 10 x 10 random matrix with the "hot" colormap.

    python examples/basic.py   ->  examples/images/basic.png

A 10 x 10 matrix grows by a whole factor (here 40x, to 400 x 400 pixels) so
every cell is a crisp square block.
"""
import os

import numpy as np

import fastheat

HERE = os.path.dirname(os.path.abspath(__file__))

data = np.random.default_rng(0).random((10, 10))
out = os.path.join(HERE, "images", "basic.png")
fastheat.save(data, out, cmap="hot")
print("wrote", out, fastheat.heatmap(data, cmap="hot").size)
