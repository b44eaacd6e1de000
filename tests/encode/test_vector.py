"""fastheat.encode.vector: save("x.svg") / save("x.pdf") replay the composed
scene as vectors around the raster embedded losslessly; Chromium renders the
SVG and pdftoppm the PDF, both compared with the PNG of the same call.

Tolerance (written down here, asserted below): inside the raster box, where
no overlay lies, the pixels are identical; over the whole canvas, where text
and line edges are antialiased by another rasterizer, the mean channel
difference is below 4 and fewer than 3% of pixels differ by more than 64.
"""
import base64
import io
import re
import shutil
import subprocess
import tempfile

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import api, options

DATA = np.random.default_rng(0).random((30, 40))
DATA[3, 3] = np.nan
CASES = {
    "plain": (np.random.default_rng(1).random((300, 400)), dict(colorbar=True, width=400,
                                                                height=300)),
    "decorated": (DATA, dict(colorbar=True, title="Title \u22121", xlabel="columns",
                             ylabel="rows", width=400, height=300, linewidths=1, vmin=0.1,
                             vmax=0.9)),
    "annotated": (DATA[:8, :10], dict(annot=True, fmt=".1f", colorbar=True, grid=True)),
}


def _png(data, kw, path):
    fastheat.save(data, path, **kw)
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _check(png, other, raster_box, tol=(4, 0.03)):
    assert png.shape == other.shape, (png.shape, other.shape)
    d = np.abs(png - other).max(axis=2)
    assert d.mean() < tol[0] and (d > 64).mean() < tol[1], (d.mean(), (d > 64).mean())
    return d


def _raster_box(data, kw):
    return api._composition(data, options.split("save", dict(kw))).raster_box


def test_svg_structure_raster_is_the_png_pixels(tmp_path):
    data, kw = CASES["decorated"]
    fastheat.save(data, tmp_path / "a.svg", **kw)
    svg = (tmp_path / "a.svg").read_text()
    assert len(re.findall(r'href="data:image/png;base64,', svg)) == 2  # raster + strip only
    assert "<text" in svg and "Title \u22121" in svg and "<polygon" in svg
    data, kw = CASES["plain"]  # no overlay on the raster: the embedded PNG is its pixels
    fastheat.save(data, tmp_path / "b.svg", **kw)
    first = re.search(r'href="data:image/png;base64,([^"]+)"', (tmp_path / "b.svg").read_text())
    raster = np.asarray(Image.open(io.BytesIO(base64.b64decode(first.group(1)))).convert("RGB"))
    png = _png(data, kw, tmp_path / "b.png")
    x0, y0, x1, y1 = _raster_box(data, kw)
    np.testing.assert_array_equal(raster, png[y0:y1, x0:x1])


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
@pytest.mark.parametrize("case", sorted(CASES))
def test_pdf_rendered_by_pdftoppm_matches_the_png(tmp_path, case):
    data, kw = CASES[case]
    png = _png(data, kw, tmp_path / "a.png")
    fastheat.save(data, tmp_path / "a.pdf", **kw)
    pdf = (tmp_path / "a.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.4") and b"/FontFile2" in pdf
    # poppler interpolates images scaled under 4x: render at 4x (1 px = 0.75 pt, so
    # 384 dpi) and take each pixel's centre sample
    subprocess.run(["pdftoppm", "-r", "384", "-png", "-singlefile", str(tmp_path / "a.pdf"),
                    str(tmp_path / "p")], check=True)
    big = np.asarray(Image.open(tmp_path / "p.png").convert("RGB")).astype(int)
    d = _check(png, big[2::4, 2::4], None)
    x0, y0, x1, y1 = _raster_box(data, kw)
    if case == "plain":
        assert d[y0:y1, x0:x1].max() == 0


def _chromium_screenshot(svg_path, png_path, w, h):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={tempfile.mkdtemp()}", "--hide-scrollbars",
                 "--force-device-scale-factor=1"]:
        opts.add_argument(flag)
    opts.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})
        driver.get(f"file://{svg_path}")
        driver.save_screenshot(str(png_path))
    finally:
        driver.quit()


@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("chromedriver") is None,
                    reason="chromium and chromedriver missing")
def test_svg_rendered_by_chromium_matches_the_png(tmp_path):
    for case in ("plain", "decorated"):
        data, kw = CASES[case]
        png = _png(data, kw, tmp_path / f"{case}.png")
        fastheat.save(data, tmp_path / f"{case}.svg", **kw)
        H, W = png.shape[:2]
        _chromium_screenshot(tmp_path / f"{case}.svg", tmp_path / f"{case}-c.png", W, H)
        shot = np.asarray(Image.open(tmp_path / f"{case}-c.png").convert("RGB")).astype(int)
        d = _check(png, shot[:H, :W], None)
        x0, y0, x1, y1 = _raster_box(data, kw)
        assert d[y0 + 1:y1 - 1, x0 + 1:x1 - 1].max() == 0  # the raster, pixel for pixel


def test_bare_raster_and_file_objects(tmp_path):
    buf = io.BytesIO()
    fastheat.save([[1, 2], [3, 4]], buf, format="svg")
    assert buf.getvalue().startswith(b"<svg") and b"<text" not in buf.getvalue()
    fastheat.save([[1, 2], [3, 4]], tmp_path / "b.pdf")
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")


def test_vector_formats_take_no_encoder_options(tmp_path):
    with pytest.raises(TypeError, match="SVG output takes no encoder options, got quality"):
        fastheat.save([[1, 2]], tmp_path / "c.svg", quality=50)
    assert not (tmp_path / "c.svg").exists()
