"""fastheat/options.py: every keyword declared once, in one record; the public
signatures, docstrings, CLI flags and the unknown-keyword error come from it."""
from __future__ import annotations

import dataclasses
import inspect
import io
import re

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import cli, options

PUBLIC = {"aggregate": fastheat.aggregate, "to_rgba": fastheat.to_rgba,
          "heatmap": fastheat.heatmap, "save": fastheat.save}
M = np.arange(12.0).reshape(3, 4)


def call(function, **kwargs):
    if function == "save":
        return fastheat.save(M, io.BytesIO(), **kwargs)
    return PUBLIC[function](M, **kwargs)


# --- unknown keywords ---------------------------------------------------------------------

def test_the_issue_example():
    with pytest.raises(TypeError) as e:
        fastheat.heatmap(M, cbar=True)
    assert str(e.value) == "heatmap() got an unknown option 'cbar'; did you mean 'colorbar'?"


@pytest.mark.parametrize("name", sorted(options.HINTS))
@pytest.mark.parametrize("function", ["heatmap", "save"])
def test_peers_names_get_a_pointed_hint(function, name):
    with pytest.raises(TypeError) as e:
        call(function, **{name: 1})
    assert str(e.value) == f"{function}() got an unknown option {name!r}; {options.HINTS[name]}"


@pytest.mark.parametrize("function, name, takers", [
    ("to_rgba", "colorbar", "heatmap() and save()"),
    ("aggregate", "cmap", "to_rgba(), heatmap() and save()"),
    ("heatmap", "quality", "save()"),
    ("to_rgba", "format", "save()"),
])
def test_an_option_of_another_function_says_whose(function, name, takers):
    with pytest.raises(TypeError, match=rf"^{function}\(\) got an unknown option '{name}'; "
                                        rf"it is an option of {re.escape(takers)}$"):
        call(function, **{name: 1})


@pytest.mark.parametrize("typo, meant", [("titel", "title"), ("colourbar", "colorbar"),
                                         ("vmx", "vmax"), ("xticklabel", "xticklabels")])
def test_a_typo_gets_the_closest_option(typo, meant):
    with pytest.raises(TypeError, match=rf"unknown option '{typo}'; did you mean '{meant}'\?$"):
        call("heatmap", **{typo: 1})


def test_nothing_close_lists_the_options():
    with pytest.raises(TypeError) as e:
        call("aggregate", zzzz=1)
    assert str(e.value).startswith("aggregate() got an unknown option 'zzzz'; its options are ")
    assert "width" in str(e.value) and "reduce" in str(e.value)


def test_unknown_keywords_fail_before_reading_the_data():
    class Exploding:
        shape, dtype = (2, 2), np.dtype(float)

        def __array__(self, *a, **k):
            raise AssertionError("read")

    with pytest.raises(TypeError, match="unknown option 'cbar'"):
        fastheat.heatmap(Exploding(), cbar=True)


# --- one declaration: signatures, docs, CLI -----------------------------------------------

@pytest.mark.parametrize("function", sorted(PUBLIC))
def test_signature_and_docstring_come_from_the_records(function):
    fn = PUBLIC[function]
    params = inspect.signature(fn).parameters
    declared = [f for cls in options.FUNCTIONS[function] for f in dataclasses.fields(cls)]
    assert [p for p in params if params[p].kind == inspect.Parameter.KEYWORD_ONLY] == \
        [f.name for f in declared]
    for f in declared:
        assert params[f.name].default is f.default or params[f.name].default == f.default
        assert f.metadata["doc"] and f.metadata["type"], f.name
        assert f"\n    {f.name}" in fn.__doc__ or f", {f.name}" in fn.__doc__, f.name
    assert "{options}" not in fn.__doc__ and "{data}" not in fn.__doc__
    assert list(params)[0] == "data"


def _textwrap_words(words, width, indent):
    import textwrap

    return textwrap.wrap(" ".join(words), width, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False)


@pytest.mark.parametrize("record", sorted(options.RECORDS))
def test_option_docs_wrap_as_textwrap_would(record):
    # the docstrings' own wrapper (textwrap cost every import ~20 ms) fills as textwrap does
    for f in dataclasses.fields(options.RECORDS[record]):
        words = inspect.cleandoc(f.metadata["doc"]).split()
        assert options.wrap_words(words, 80, " " * 8) == _textwrap_words(words, 80, " " * 8)


@pytest.mark.parametrize("words", [[], ["a"], ["x" * 90], ["ab", "x" * 90, "cd"],
                                   ["word"] * 40, ["a-b-c"] * 30, ["x" * 71, "y"], ["x" * 72, "y"]])
def test_wrap_words_edges(words):
    assert options.wrap_words(words, 80, " " * 8) == _textwrap_words(words, 80, " " * 8)


def test_each_option_belongs_to_one_record():
    names = [f.name for cls in options.RECORDS.values() for f in dataclasses.fields(cls)]
    assert len(names) == len(set(names))


def test_every_cli_flag_is_an_option_field_and_back():
    parser, subs = cli.parser(), None
    for action in parser._actions:
        if hasattr(action, "choices") and isinstance(action.choices, dict):
            subs = action.choices
    render = subs["render"]
    dests = {a.dest for a in render._actions}
    for cls, _ in cli.GROUPS:
        for f in dataclasses.fields(cls):
            flagged = f.metadata["cli"] is not None or f.name in cli.SPECIAL
            assert (f.name in dests) == flagged, f.name
    own = {"help", "input", "key", "dataset", "header", "index", "output", "quiet", "jobs",
           "allow_sparse"} | \
        {flag[2:].replace("-", "_") for flag in cli.SUBFLAGS}
    assert dests - set(options.OWNER) == own


# --- encoder options pass through ----------------------------------------------------------

def _encoded(fmt, **params):
    buffer = io.BytesIO()
    fastheat.save(np.random.default_rng(0).normal(size=(60, 80)), buffer, format=fmt, **params)
    return buffer.getvalue()


def test_jpeg_quality_and_subsampling_reach_the_encoder():
    low, high = _encoded("jpeg", quality=10), _encoded("jpeg", quality=95)
    assert len(low) < len(high)
    assert Image.open(io.BytesIO(high)).format == "JPEG"
    assert _encoded("jpeg", quality=90, subsampling=0) != _encoded("jpeg", quality=90,
                                                                    subsampling=2)


def test_webp_lossless_keeps_the_pixels():
    x = np.random.default_rng(0).normal(size=(60, 80))
    got = np.asarray(Image.open(io.BytesIO(_encoded("webp", lossless=True))).convert("RGBA"))
    np.testing.assert_array_equal(got, fastheat.to_rgba(x))


def test_tiff_compression_and_png_level_reach_the_encoder():
    assert len(_encoded("tiff", compression="raw")) > len(_encoded("tiff"))
    x = np.random.default_rng(0).normal(size=(60, 80))
    for level in (0, 9):
        img = Image.open(io.BytesIO(_encoded("png", compress_level=level))).convert("RGBA")
        np.testing.assert_array_equal(np.asarray(img), fastheat.to_rgba(x))
    assert len(_encoded("png", compress_level=0)) > len(_encoded("png", compress_level=9))


def test_cli_quality(tmp_path):
    np.save(tmp_path / "m.npy", np.random.default_rng(0).normal(size=(60, 80)))
    sizes = []
    for q in ("10", "95"):
        out = tmp_path / f"o{q}.jpg"
        assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(out), "--quality", q,
                         "-q"]) == 0
        sizes.append(out.stat().st_size)
    assert sizes[0] < sizes[1]


# --- the Decor record ----------------------------------------------------------------------

def test_decor_keeps_its_attribute_interface():
    """What compose reads from the record (fastheat/compose/*.py)."""
    from fastheat.compose.options import ColorbarOptions, GridOptions
    from fastheat.options import Decor

    d = Decor(colorbar="left", grid=dict(ls="--"), linewidths=1.5, linecolor="#ff000080",
              title="t", xlabel="x", ylabel="y", xticklabels=2, yticklabels=False, annot=True,
              fmt=".1f", font_size=10, background="none", scale=2)
    assert d.colorbar == ColorbarOptions(position="left")
    assert d.grid == GridOptions(linestyle="--")
    assert (d.linewidths, d.title, d.xlabel, d.ylabel) == (1.5, "t", "x", "y")
    assert d.linecolor.dtype == np.uint8 and d.linecolor.tolist() == [255, 0, 0, 128]
    assert (d.xticklabels, d.yticklabels, d.annot, d.fmt) == (2, False, True, ".1f")
    assert (d.font_size, d.font, d.scale) == (10.0, None, 2.0)
    assert d.background.tolist() == [0, 0, 0, 0]
    assert d.px(3) == 6 and d.decorated and d.active
    bare = Decor()
    assert not bare.decorated and not bare.active and bare.px(0.1) == 1
