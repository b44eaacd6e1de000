"""A 10 x 10 matrix with every cell's value written in it, like seaborn's
``sns.heatmap(data, annot=True, fmt=".2f", cmap="cool")``.

    python examples/annotated.py   ->  examples/images/annotated.png

Text is dark on light cells and white on dark ones (by relative luminance,
as seaborn does), and the font shrinks to fit the cells.
"""
import os

import numpy as np

import fastheat

HERE = os.path.dirname(os.path.abspath(__file__))

data = np.random.default_rng(0).random((10, 10))
out = os.path.join(HERE, "images", "annotated.png")
fastheat.save(data, out, annot=True, fmt=".2f", cmap="cool", colorbar=True,
              compress_level=9)
print("wrote", out)
