"""The compose stage's option records (:mod:`fastheat.compose.options`): bad
options get errors that say what arrived and what is allowed, before any
kernel runs; ``mask=`` works on in-memory and memory-mapped arrays."""
from __future__ import annotations

import numpy as np
import pytest

import fastheat

RNG = np.random.default_rng(7)
DATA = RNG.random((10, 10))


@pytest.mark.parametrize("options,error,match", [
    (dict(annot=np.zeros((3, 3))), ValueError, r"annot has shape \(3, 3\).*\(10, 10\)"),
    (dict(annot=True, fmt="q"), ValueError, r"fmt='q' cannot format"),
    (dict(annot=True, fmt=5), TypeError, r"fmt=5 must be a format spec"),
    (dict(annot="yes"), ValueError, r"annot='yes'.*'auto'"),
    (dict(colorbar="middle"), ValueError, r"position='middle'.*'right', 'left', 'top', 'bottom'"),
    (dict(colorbar=dict(side="left")), TypeError, r"unknown option.*'side'.*position"),
    (dict(colorbar=dict(extend="up")), ValueError, r"extend='up'.*'both'"),
    (dict(colorbar=dict(length=2)), ValueError, r"length=2.*0 < length <= 1"),
    (dict(linewidths=-1), ValueError, r"linewidths=-1 must be .*>= 0"),
    (dict(grid=dict(linestyle="~")), ValueError, r"linestyle='~'.*'--'"),
    (dict(grid=dict(linewidth=-2)), ValueError, r"linewidth=-2 must be a positive"),
    (dict(font="/no/such/font.ttf"), ValueError, r"font='/no/such/font.ttf' does not exist"),
    (dict(font_size=0), ValueError, r"font_size=0 must be a positive"),
    (dict(scale=0), ValueError, r"scale=0 must be a number > 0"),
    (dict(xticklabels=["a", "b"]), ValueError, r"xticklabels has 2 labels.*10 columns"),
    (dict(yticklabels=0), ValueError, r"yticklabels=0.*step must be >= 1"),
    (dict(mask=np.zeros((2, 2), bool)), ValueError, r"mask has shape \(2, 2\).*\(10, 10\)"),
    (dict(background="nocolour"), ValueError, r"background='nocolour' is not a colour"),
    (dict(title=3), TypeError, r"title=3 must be a string"),
])
def test_bad_options_get_clear_errors(options, error, match):
    with pytest.raises(error, match=match):
        fastheat.heatmap(DATA, **options)


def test_mask_works_on_memory_mapped_input(tmp_path):
    data = np.random.default_rng(5).random((30, 40)).astype(np.float32)
    np.save(tmp_path / "m.npy", data)
    mask = np.zeros(data.shape, bool)
    mask[3:9, 10:20] = True
    mm = np.load(tmp_path / "m.npy", mmap_mode="r")
    want = np.asarray(fastheat.heatmap(data, mask=mask).convert("RGBA"))
    got = np.asarray(fastheat.heatmap(mm, mask=mask).convert("RGBA"))
    assert np.array_equal(got, want)
    assert (got[..., 3] == 0).any()  # masked cells are bad: transparent on a bare raster
