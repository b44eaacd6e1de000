"""The viewer in a real browser: headless Chromium driven by selenium.

Each test loads the viewer (from ``fastheat serve``'s server, from a static
``fastheat tiles`` folder over file://, from the notebook widget's page),
zooms with the mouse wheel onto a known cell until one cell spans many
pixels, hovers it and reads the value the readout shows; the browser's
console must stay free of errors. Skipped, with the reason, where Chromium,
chromedriver or selenium is missing (``.ci/run`` installs them).
"""
import os
import shutil
import tempfile
import time

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "images",
                          "viewer.png")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install selenium; .ci/run does)")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip("Chromium or chromedriver is missing (apt-get install chromium "
                "chromium-driver; .ci/run does)", allow_module_level=True)

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ROWS, COLS = 1000, 700
TARGET = (617, 401)


def matrix():
    """Each cell's value tells where it is: ``row * 1000 + col`` (exact in float32)."""
    r, c = np.mgrid[:ROWS, :COLS]
    return (r * 1000 + c).astype(np.float32)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="fastheat-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 "--window-size=1100,800"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script, timeout=60, what="the page"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: {script}")


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def cell_position(driver, row, col):
    """Where the centre of cell ``(row, col)`` is, in the viewer element's pixels."""
    return driver.execute_script(
        "var v = window.fastheat.viewer;"
        "var p = v.viewport.imageToViewerElementCoordinates("
        "  new OpenSeadragon.Point(arguments[1] + 0.5, arguments[0] + 0.5));"
        "return [p.x, p.y];", row, col)


def zoom_to_cell_and_hover(driver, row, col, px_per_cell=12):
    """Wheel-zoom at cell ``(row, col)`` until a cell spans ``px_per_cell``
    screen pixels, hover it; return the readout element once it names the cell."""
    wait_for(driver, "return window.fastheat && window.fastheat.ready", what="the viewer")
    osd = driver.find_element(By.ID, "fh-osd")
    size = osd.size
    for _ in range(60):
        zoom = driver.execute_script(
            "var v = window.fastheat.viewer;"
            "return v.viewport.viewportToImageZoom(v.viewport.getZoom(true));")
        if zoom >= px_per_cell:
            break
        x, y = cell_position(driver, row, col)
        origin = ScrollOrigin.from_element(osd, int(x - size["width"] / 2),
                                           int(y - size["height"] / 2))
        ActionChains(driver).scroll_from_origin(origin, 0, -200).perform()
        time.sleep(0.15)
    else:
        raise AssertionError(f"the wheel did not zoom in (image zoom {zoom})")
    time.sleep(0.8)  # the zoom animation settles
    x, y = cell_position(driver, row, col)
    assert 0 <= x < size["width"] and 0 <= y < size["height"], (x, y, size)
    ActionChains(driver).move_to_element_with_offset(
        osd, int(x - size["width"] / 2), int(y - size["height"] / 2)).perform()
    wait_for(driver, f"var e = document.getElementById('fh-readout');"
                     f"return e.dataset.row === '{row}' && e.dataset.col === '{col}' && "
                     f"e.dataset.exact === 'true';", what=f"the readout of cell {(row, col)}")
    return driver.find_element(By.ID, "fh-readout")


def wait_tiles_drawn(driver):
    """Every tile in view loaded and drawn."""
    wait_for(driver, "var v = window.fastheat.viewer; return v.world.getItemCount() > 0 && "
                     "v.world.getItemAt(0).getFullyLoaded();", what="the tiles")


def test_served_viewer_zooms_hovers_and_reads_exact_values(browser):
    from fastheat.frontends.viewer.server import ViewerServer

    a = matrix()
    with ViewerServer(a, cmap="magma") as server:
        browser.get(server.url)
        browser.get_log("browser")  # start from an empty console
        readout = zoom_to_cell_and_hover(browser, *TARGET)
        expected = float(a[TARGET])
        assert readout.get_attribute("data-value") == repr(expected) or \
            float(readout.get_attribute("data-value")) == expected
        assert readout.text == f"row {TARGET[0]}, col {TARGET[1]}: {int(expected)}"
        wait_tiles_drawn(browser)
        # the colorbar shows the fitted range of the whole matrix
        ticks = browser.find_elements(By.CSS_SELECTOR, "#fh-ticks span")
        expected_ticks = server.default.ticks()
        assert [t.text for t in ticks] == [t["label"] for t in expected_ticks]
        values = [float(t.get_attribute("data-value")) for t in ticks]
        assert len(values) >= 3 and values == sorted(values, reverse=True)
        assert all(0 <= v <= a.max() for v in values)
        step = values[0] - values[1]  # nice numbers: multiples of a 1-2-2.5-5 step
        assert all(abs(v / step - round(v / step)) < 1e-9 for v in values)
        assert float(f"{step:.1e}") == step
        assert browser.execute_script("return document.getElementById('fh-cbar-img')"
                                      ".naturalHeight") == 256
        # crisp blocks: the cell under the cursor is one flat colour over its pixels
        png = browser.find_element(By.ID, "fh-osd").screenshot_as_png
        assert console_errors(browser) == []
        assert browser.execute_script("return window.fastheat.errors") == []
    from PIL import Image
    import io

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert img.std(axis=(0, 1)).max() > 0  # something is drawn


def test_served_viewer_whole_view_screenshot_and_coarse_readout(browser):
    """The first view (whole matrix) hovers aggregates; the screenshot for the README."""
    from fastheat.frontends.viewer.server import ViewerServer

    from fastheat.demo import contact_map

    a = contact_map(4000)
    with ViewerServer(a, cmap="magma", norm="eq_hist") as server:
        browser.get(server.url)
        wait_for(browser, "return window.fastheat && window.fastheat.ready", what="the viewer")
        wait_tiles_drawn(browser)
        wait_for(browser, "return document.querySelectorAll('#fh-ticks span').length >= 3",
                 what="the colorbar")
        osd = browser.find_element(By.ID, "fh-osd")
        x, y = cell_position(browser, 2000, 1500)
        ActionChains(browser).move_to_element_with_offset(
            osd, int(x - osd.size["width"] / 2), int(y - osd.size["height"] / 2)).perform()
        wait_for(browser, "return document.getElementById('fh-readout').dataset.row !== ''",
                 what="the readout")
        text = browser.find_element(By.ID, "fh-readout").text
        time.sleep(0.3)
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        browser.save_screenshot(SCREENSHOT)
        assert console_errors(browser) == []
    # 4000 rows in ~600 px: 16 cells per pixel, the readout says so
    assert text.startswith("rows ") and " mean of " in text and " cells = " in text, text


def test_static_tiles_over_file_url(browser, tmp_path):
    from fastheat.frontends.viewer.tiles import write_tiles

    a = matrix()
    out = tmp_path / "pyramid"
    write_tiles(a, out, cmap="magma")
    browser.get((out / "index.html").as_uri())
    browser.get_log("browser")
    readout = zoom_to_cell_and_hover(browser, *TARGET)
    assert float(readout.get_attribute("data-value")) == float(a[TARGET])
    assert readout.text == f"row {TARGET[0]}, col {TARGET[1]}: {int(a[TARGET])}"
    wait_tiles_drawn(browser)
    assert console_errors(browser) == []


def test_notebook_widget_in_a_kernel_then_in_the_browser(browser, tmp_path):
    """``fastheat.view`` run in a real IPython kernel (nbclient) returns the
    anywidget; its front-end module, given the model's synced state as
    anywidget would, shows the viewer that the kernel serves."""
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")
    pytest.importorskip("anywidget", reason="anywidget is not installed")
    import json

    code = ("import numpy as np, fastheat\n"
            f"r, c = np.mgrid[:{ROWS}, :{COLS}]\n"
            "w = fastheat.view((r * 1000 + c).astype(np.float32), cmap='magma')\n"
            "w")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     store_widget_state=True)
    with client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        outputs = nb.cells[0].outputs
        assert [o.get("output_type") for o in outputs] == ["execute_result"], outputs
        assert "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]
        model_id = outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        state = client.widget_state[model_id]
        assert state["url"].startswith("http://127.0.0.1:") and "?token=" in state["url"]
        page = tmp_path / "host.html"
        page.write_text(
            "<!DOCTYPE html><html><head><link rel='icon' href='data:,'></head><body>"
            "<div id='el'></div><script type='module'>\n"
            f"const state = {json.dumps({'url': state['url'], 'height': 700})};\n"
            f"const esm = {json.dumps(state['_esm'])};\n"
            "const mod = await import(URL.createObjectURL(new Blob([esm], "
            "{type: 'text/javascript'})));\n"
            "const model = {get: (k) => state[k], on: () => {}};\n"
            "mod.default.render({model, el: document.getElementById('el')});\n"
            "</script></body></html>")
        browser.get(page.as_uri())
        frame = wait_for(browser, "return document.querySelector('iframe.fastheat-viewer')",
                         what="the widget's iframe")
        browser.switch_to.frame(frame)
        try:
            readout = zoom_to_cell_and_hover(browser, *TARGET)
            assert float(readout.get_attribute("data-value")) == TARGET[0] * 1000 + TARGET[1]
            assert browser.execute_script("return window.fastheat.errors") == []
        finally:
            browser.switch_to.default_content()
        assert console_errors(browser) == []


def test_controls_change_the_view_and_save_renders_it(browser):
    """cmap/vmin/vmax/reduce from the page: a new view with its own colour
    scale, the zoom kept; the save link is a full-resolution render of the view."""
    from selenium.webdriver.support.ui import Select

    from fastheat.frontends.viewer.server import ViewerServer

    a = matrix()
    with ViewerServer(a, cmap="magma") as server:
        browser.get(server.url)
        browser.get_log("browser")
        readout = zoom_to_cell_and_hover(browser, *TARGET)
        before = browser.execute_script("return window.fastheat.info().view")
        Select(browser.find_element(By.ID, "fh-cmap")).select_by_value("gray")
        Select(browser.find_element(By.ID, "fh-reduce")).select_by_value("max")
        browser.find_element(By.ID, "fh-vmin").send_keys("0")
        browser.find_element(By.ID, "fh-vmax").send_keys("500000")
        browser.find_element(By.ID, "fh-apply").click()
        wait_for(browser, f"return window.fastheat.info().view !== '{before}'", what="the new view")
        info = browser.execute_script("return window.fastheat.info()")
        assert (info["options"]["cmap"], info["reduce"], info["vmin"], info["vmax"]) == \
            ("gray", "max", 0, 500000)
        wait_for(browser, "return document.querySelector('#fh-ticks span').textContent === "
                          "'500000'", what="the new colorbar")
        wait_tiles_drawn(browser)
        zoom = browser.execute_script("var v = window.fastheat.viewer; return "
                                      "v.viewport.viewportToImageZoom(v.viewport.getZoom(true));")
        assert zoom >= 8  # the zoom was kept
        href = browser.execute_script(
            "var made = null; var orig = HTMLAnchorElement.prototype.click;"
            "HTMLAnchorElement.prototype.click = function () { made = this.href; };"
            "document.getElementById('fh-save').click();"
            "HTMLAnchorElement.prototype.click = orig; return made;")
        assert f"/api/render/{info['view']}.png?token={server.token}&r0=" in href
        import urllib.request
        from PIL import Image
        import io

        with urllib.request.urlopen(href, timeout=60) as r:
            img = Image.open(io.BytesIO(r.read()))
        q = dict(p.split("=") for p in href.split("?")[1].split("&"))
        r0, r1, c0, c1 = (int(q[k]) for k in ("r0", "r1", "c0", "c1"))
        assert r0 <= TARGET[0] < r1 and c0 <= TARGET[1] < c1
        assert img.size == (c1 - c0, r1 - r0)  # one pixel per cell
        assert console_errors(browser) == []
    assert readout is not None
