"""The README's front-end images (issue 12): the matplotlib artist zoomed,
heatmap(ax=) beside seaborn, save(".svg"/".pdf"), to_plotly, the xarray
accessor beside xarray's own plot.

    python examples/frontends.py   # writes examples/images/frontends/*

The SVG is rendered by headless Chromium and the PDF by pdftoppm, as the
tests do; the plotly figure by Chromium too (plotly.js inlined).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import fastheat  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "images", "frontends")


def field(n=2000):
    y, x = np.mgrid[0:n, 0:n] / n
    rng = np.random.default_rng(0)
    m = np.sin(14 * x) * np.cos(9 * y) + 0.6 * np.exp(-((x - .6) ** 2 + (y - .4) ** 2) * 40)
    return m + rng.normal(0, 0.15, (n, n))


def chromium(url, png, w, h):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    for f in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              f"--user-data-dir={tempfile.mkdtemp()}", "--hide-scrollbars"]:
        o.add_argument(f)
    o.binary_location = shutil.which("chromium")
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)
    try:
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})
        d.get(url)
        d.save_screenshot(png)
    finally:
        d.quit()


def main():
    os.makedirs(OUT, exist_ok=True)
    m = field()
    # 1. the artist: the same matrix, full view and zoomed 40x; eq_hist colorbar
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.4), dpi=100)
    art = fastheat.imshow(a, m, cmap="magma", norm="eq_hist")
    fastheat.imshow(b, m, cmap="magma", norm="eq_hist")
    b.set_xlim(1150, 1200)
    b.set_ylim(830, 780)
    a.set_title("fastheat.imshow(ax, m, norm='eq_hist')")
    b.set_title("zoomed: re-rendered, 50 x 50 cells")
    fig.colorbar(art, ax=[a, b], shrink=0.9)
    fig.savefig(os.path.join(OUT, "mpl-artist.png"))
    plt.close(fig)
    # 2. heatmap(ax=) and seaborn, same call
    import pandas as pd
    import seaborn as sns

    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(12, 10)).cumsum(axis=0) / 4,
                      index=pd.Index([f"gene {i}" for i in range(12)], name="gene"),
                      columns=pd.Index([f"s{i}" for i in range(10)], name="sample"))
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5), dpi=100)
    fastheat.heatmap(df, ax=a, annot=True, fmt=".1f", center=0)
    sns.heatmap(df, ax=b, annot=True, fmt=".1f", center=0)
    a.set_title("fastheat.heatmap(df, ax=ax, annot=True, center=0)")
    b.set_title("sns.heatmap(df, ax=ax, annot=True, center=0)")
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "heatmap-ax.png"))
    plt.close(fig)
    # 3. vector output from fastheat's own scene
    kw = dict(colorbar=True, title="fastheat.save('x.svg' / 'x.pdf')", xlabel="column",
              ylabel="row", annot=True, fmt=".1f", linewidths=1, cmap="vlag", center=0)
    small = df.to_numpy()
    fastheat.save(small, os.path.join(OUT, "vector.svg"), **kw)
    pdf = os.path.join(tempfile.mkdtemp(), "vector.pdf")  # 400 kB: the font is embedded
    fastheat.save(small, pdf, **kw)
    subprocess.run(["pdftoppm", "-r", "96", "-png", "-singlefile", pdf,
                    os.path.join(OUT, "vector-pdf")], check=True)
    # 4. plotly
    fig = fastheat.to_plotly(m, cmap="magma", norm="eq_hist", title="fastheat.to_plotly(m)")
    html = os.path.join(tempfile.mkdtemp(), "p.html")
    fig.write_html(html, include_plotlyjs=True)
    shot = os.path.join(OUT, "plotly.png")
    chromium("file://" + html, shot, 1000, 960)
    from PIL import Image

    im = Image.open(shot).convert("RGB")  # a screenshot: 700 px wide, 256 colours
    im.resize((700, round(im.height * 700 / im.width)), Image.LANCZOS).quantize(256).save(shot)
    accessor_image()
    print("wrote", sorted(os.listdir(OUT)), file=sys.stderr)


def accessor_image():
    """5. ``DataArray.fastheat.plot(ax=)`` beside xarray's own ``.plot(ax=)``:
    the coordinates and names give the axes."""
    import xarray as xr

    rng = np.random.default_rng(2)
    lat, day = np.linspace(-60, 60, 121), np.arange(365)
    t = 25 * np.cos(np.radians(lat))[:, None] - 8 * np.sin(2 * np.pi * day / 365) * \
        np.sign(lat)[:, None] * np.abs(np.sin(np.radians(lat)))[:, None]
    da = xr.DataArray(t + rng.normal(0, 1, t.shape), dims=("lat", "day"),
                      coords={"lat": lat, "day": day}, name="temperature")
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), dpi=100)
    art = da.fastheat.plot(ax=a, cmap="RdBu_r")
    fig.colorbar(art, ax=a, label="temperature")
    da.plot(ax=b, cmap="RdBu_r")
    a.set_title("da.fastheat.plot(ax=ax, cmap='RdBu_r')")
    b.set_title("da.plot(ax=ax, cmap='RdBu_r') (xarray)")
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "accessor.png"))
    plt.close(fig)


if __name__ == "__main__":
    main()
