"""fastheat.frontends.plotly: a figure of fastheat's pixels, hover values and counts."""
import base64
import io

import numpy as np
import pytest

pytest.importorskip("plotly")

import fastheat  # noqa: E402
from fastheat.frontends.plotly import HOVER_SIDE  # noqa: E402


def _image(fig):
    from PIL import Image

    src = fig.data[0].source
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def test_picture_is_fastheats_raster():
    m = np.random.default_rng(0).random((300, 500))
    fig = fastheat.to_plotly(m, cmap="magma", norm="eq_hist", width=250, height=150)
    np.testing.assert_array_equal(_image(fig), fastheat.to_rgba(
        m, cmap="magma", norm="eq_hist", width=250, height=150)[..., :3])


def test_hover_holds_aggregates_and_counts():
    m = np.random.default_rng(1).random((1200, 1600))
    m[:10, :10] = np.nan
    fig = fastheat.to_plotly(m, width=800, height=600)
    heat = fig.data[1]
    z, counts = np.asarray(heat.z), np.asarray(heat.customdata)
    assert z.shape == (300, HOVER_SIDE)
    np.testing.assert_allclose(z, fastheat.aggregate(m, width=400, height=300), rtol=1e-6)
    # 4 x 4 cells a hover pixel; the NaN corner: no valid cell, then half of them
    assert np.isnan(counts[0, 0]) and counts[0, 2] == 8 and np.nanmax(counts) == 16
    assert "cells" in heat.hovertemplate


def test_colorbar_ticks_are_fastheats_and_figure_is_small():
    pytest.importorskip("xarray")
    m = np.random.default_rng(2).random((4000, 4000)).astype(np.float32)
    fig = fastheat.to_plotly(m, norm="log")
    bar = fig.data[2].marker.colorbar
    assert len(bar.tickvals) == len(bar.ticktext) >= 3
    assert all(0 <= t <= 1 for t in bar.tickvals)
    assert len(fig.to_json()) < 5e6  # at screen resolution whatever the matrix size


def test_labels_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.eye(4), index=pd.Index(list("abcd"), name="row"),
                      columns=pd.Index(list("wxyz"), name="col"))
    fig = fastheat.to_plotly(df)
    assert fig.layout.xaxis.title.text == "col" and list(fig.layout.yaxis.ticktext) == list("abcd")


def test_bad_options():
    with pytest.raises(TypeError, match="'annot'"):
        fastheat.to_plotly([[1, 2]], annot=True)


def test_works_in_dash():
    dash = pytest.importorskip("dash")
    from dash import dcc

    fig = fastheat.to_plotly(np.random.default_rng(3).random((500, 700)), cmap="magma")
    app = dash.Dash(__name__)
    app.layout = dcc.Graph(id="heat", figure=fig)
    client = app.server.test_client()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    body = layout.get_json()
    traces = body["props"]["figure"]["data"]
    assert [t["type"] for t in traces] == ["image", "heatmap", "scatter"]
    assert traces[0]["source"].startswith("data:image/png;base64,")
