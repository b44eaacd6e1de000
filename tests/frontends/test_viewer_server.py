"""The viewer's server: token, Host check, path traversal, malformed requests,
bounded renders and caches, and a burst of 1000 malformed + 1000 valid requests."""
import http.client
import json
import socket
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from fastheat.frontends.viewer.core import tile_window
from fastheat.frontends.viewer.server import ViewerServer


@pytest.fixture(scope="module")
def server():
    r, c = np.mgrid[:1000, :700]
    a = (r * 1000 + c).astype(np.float32)
    with ViewerServer(a, build_coarse=False, cache_bytes=4 << 20) as s:
        s.default.wait(timeout=120)
        yield s


def request(server, path, token=True, headers=None, method="GET"):
    """``(status, headers, body)``; ``token=True`` adds the server's token."""
    if token is True:
        path += ("&" if "?" in path else "?") + "token=" + server.token
    elif token:
        path += ("&" if "?" in path else "?") + "token=" + token
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True,
                        skip_host="Host" in (headers or {}))
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def tile(server, level, x, y):
    return f"/api/tile/{server.default.key}/{level}/{x}/{y}.png"


def test_binds_loopback_with_a_random_token(server):
    assert server.host == "127.0.0.1"
    assert len(server.token) >= 32 and server.token in server.url
    other = ViewerServer(np.eye(3), build_coarse=False)
    try:
        assert other.token != server.token
    finally:
        other.close()


@pytest.mark.parametrize("path", ["/", "/static/viewer.js", "/api/status", "/api/preview.png"])
def test_requests_without_the_token_get_403(server, path):
    assert request(server, path, token=False)[0] == 403
    assert request(server, path, token="wrong" * 7)[0] == 403
    assert request(server, path)[0] == 200


def test_the_page_sets_a_cookie_that_carries_the_token(server):
    status, headers, body = request(server, "/")
    assert status == 200 and b"openseadragon.min.js" in body
    cookie = headers["Set-Cookie"]
    assert server.token in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";")[0]
    assert request(server, "/static/viewer.js", token=False, headers={"Cookie": value})[0] == 200
    assert request(server, "/static/viewer.js", token=False,
                   headers={"Cookie": "fastheat_token=nope"})[0] == 403


def test_other_host_names_are_refused(server):
    """A page on another site resolving its name to 127.0.0.1 (DNS rebinding)
    cannot read the viewer even with the token."""
    assert request(server, "/api/status", headers={"Host": f"evil.example:{server.port}"})[0] \
        == 403
    assert request(server, "/api/status", headers={"Host": f"localhost:{server.port}"})[0] == 200


@pytest.mark.parametrize("path", [
    "/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fcore.py",
    "/static//etc/passwd", "/../../../../etc/passwd", "/static/../../../../../etc/passwd",
    "/static/..\\server.py", "/static/index.html", "/static/", "/static/viewer.js/",
    "/etc/passwd", "/api/tile/../../etc/passwd", "//etc/passwd", "/static/%00",
    "/static/VERSION-openseadragon.txt"])
def test_only_listed_assets_are_served(server, path):
    status, _, body = request(server, path)
    assert status == 404, (path, status)
    assert b"root:" not in body and b"import" not in body
    assert json.loads(body) == {"error": "not found"}


BAD_TILES = ["/api/tile/{v}/abc/0/0.png", "/api/tile/{v}/-1/0/0.png", "/api/tile/{v}/7/0/0.png",
             "/api/tile/{v}/11/0/0.png", "/api/tile/{v}/10/3/0.png", "/api/tile/{v}/10/0/4.png",
             "/api/tile/{v}/10/-1/0.png", "/api/tile/{v}/99999999999999/0/0.png",
             "/api/tile/{v}/1e3/0/0.png", "/api/tile/{v}/10/0x1/0.png",
             "/api/tile/{v}/10/1.5/0.png",
             "/api/tile/{v}/10/%ff/0.png", "/api/tile/{v}/10/0/0.jpg",
             "/api/tile/000000000000/10/0/0.png", "/api/tile/{v}/10/0/" + "9" * 30 + ".png",
             "/api/tile/{v}/10/0/99999999999.png"]
BAD_VALUES = ["level=10&row=1000&col=0", "level=10&row=0&col=700", "level=10&row=-1&col=0",
              "level=abc&row=0&col=0", "level=10&row=0", "level=99&row=0&col=0",
              "level=7&row=0&col=0", "level=10&row=1e3&col=0", "level=10&row=0&col=nan",
              "level=10&row=" + "9" * 40 + "&col=0", "level=10&row=0&col=%00",
              "level=10&row=0&col=" + "&x" * 50]


@pytest.mark.parametrize("path", BAD_TILES)
def test_malformed_tile_requests_get_a_4xx_without_traceback(server, path):
    status, headers, body = request(server, path.format(v=server.default.key))
    assert 400 <= status < 500, (path, status, body)
    assert headers["Content-Type"] == "application/json"
    assert b"Traceback" not in body and "error" in json.loads(body)


@pytest.mark.parametrize("query", BAD_VALUES)
def test_malformed_value_requests_get_a_4xx_without_traceback(server, query):
    status, _, body = request(server, f"/api/value/{server.default.key}?{query}")
    assert 400 <= status < 500, (query, status, body)
    assert b"Traceback" not in body and "error" in json.loads(body)


def test_bad_view_options_are_a_400_naming_them(server):
    status, _, body = request(server, "/api/view?cmap=nosuchmap")
    assert status == 400 and "nosuchmap" in json.loads(body)["error"]
    status, _, body = request(server, "/api/view?vmin=abc")
    assert status == 400 and "vmin" in json.loads(body)["error"]
    status, _, body = request(server, "/api/view?reduce=median")
    assert status == 400 and "median" in json.loads(body)["error"]
    key = server.default.key
    status, _, body = request(server, f"/api/render/{key}.png?r0=5&r1=2&c0=0&c1=3")
    assert status == 400


def test_other_methods_are_405(server):
    for method in ("POST", "PUT", "DELETE"):
        assert request(server, "/api/status", method=method)[0] == 405


def test_raw_garbage_and_oversized_requests_leave_it_answering(server):
    for raw in (b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                b"\x00\xff" * 100 + b"\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 200 + b"\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
            s.sendall(raw)
            reply = s.recv(4096)
            # http.server's own 4xx (an unparseable line is answered as HTTP/0.9: no status line)
            assert any(code in reply[:800] for code in (b"400", b"414", b"431")), reply[:200]
            assert b"Traceback" not in reply
    assert request(server, "/api/status")[0] == 200


def test_tiles_values_and_renders_are_right(server):
    key = server.default.key
    status, headers, body = request(server, tile(server, 10, 1, 3))
    assert status == 200 and headers["Content-Type"] == "image/png" and body[:4] == b"\x89PNG"
    from PIL import Image
    import io

    assert Image.open(io.BytesIO(body)).size == (256, 1000 - 768)
    v = json.loads(request(server, f"/api/value/{key}?level=10&row=617&col=401")[2])
    assert v == {"level": 10, "reduce": "mean", "rows": [617, 618], "cols": [401, 402],
                 "cells": 1, "exact": True, "value": 617401.0}
    v = json.loads(request(server, f"/api/value/{key}?level=8&row=617&col=401")[2])
    # level 8: 4 x 4 cells per pixel; the pixel holds rows 616-619, columns 400-403
    assert (v["rows"], v["cols"], v["cells"], v["exact"]) == ([616, 620], [400, 404], 16, False)
    assert v["value"] == np.mean([[r * 1000 + c for c in range(400, 404)]
                                  for r in range(616, 620)])
    status, headers, body = request(server, f"/api/render/{key}.png?r0=10&r1=30&c0=5&c1=45")
    assert status == 200 and Image.open(io.BytesIO(body)).size == (40, 20)
    assert "attachment" in headers["Content-Disposition"]


def test_a_new_view_has_its_own_norm_and_reduction(server):
    status, _, body = request(server, "/api/view?cmap=gray&vmin=0&vmax=10&reduce=max")
    info = json.loads(body)
    assert status == 200 and (info["vmin"], info["vmax"], info["reduce"]) == (0, 10, "max")
    v = json.loads(request(server, f"/api/value/{info['view']}?level=8&row=617&col=401")[2])
    assert v["reduce"] == "max" and v["value"] == 619403.0


def test_cache_memory_is_bounded(server):
    p = server.pyramid
    for z in range(p.min_level, p.max_level + 1):
        for x, y in p.tiles_of(z):
            request(server, tile(server, z, x, y))
    assert 0 < p._bytes <= p.cache_bytes
    assert sum(v.nbytes for v in p._lru.values()) == p._bytes


def test_renders_are_bounded(server, monkeypatch):
    """At most ``max_renders`` renders run at once, whatever the number of requests."""
    running, peak, lock = [0], [0], threading.Lock()
    pyramid = server.pyramid
    original = type(pyramid).tile_values

    def counting(self, *args):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            import time

            time.sleep(0.02)
            return original(self, *args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(type(pyramid), "tile_values", counting)
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda k: request(server, tile(server, 10, k % 3, k % 4))[0],
                                 range(48)))
    assert set(statuses) == {200}
    assert peak[0] == 2  # max_renders


def test_a_burst_of_1000_malformed_and_1000_valid_requests(server):
    key = server.default.key
    valid = [tile(server, 10, k % 3, k % 4) if k % 2 else
             f"/api/value/{key}?level=10&row={k % 1000}&col={k % 700}" for k in range(1000)]
    bad = [(BAD_TILES[k % len(BAD_TILES)].format(v=key) if k % 2 else
            f"/api/value/{key}?" + BAD_VALUES[k % len(BAD_VALUES)]) for k in range(1000)]
    paths = [p for pair in zip(bad, valid) for p in pair]

    def one(k):
        status, _, body = request(server, paths[k], token=(k % 7 != 3) or "bad")
        return k, status, body

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(len(paths))))
    for k, status, body in results:
        if k % 7 == 3:
            assert status == 403
        elif k % 2 == 0:
            assert 400 <= status < 500 and b"Traceback" not in body, (paths[k], status)
        else:
            assert status == 200, (paths[k], status, body)
    status, _, body = request(server, f"/api/value/{key}?level=10&row=5&col=6")
    assert status == 200 and json.loads(body)["value"] == 5006.0


def test_query_parsing_is_strict(server):
    assert urllib.parse.quote("é") in "%C3%A9"
    status, _, _ = request(server, f"/api/value/{server.default.key}?level=10&row=%C3%A9&col=0")
    assert status == 400


def test_tile_window_checks_its_arguments():
    with pytest.raises(TypeError, match="tile x must be an integer, got 1.5"):
        tile_window((10, 10), 4, 1.5, 0)
    with pytest.raises(ValueError, match=r"tile level 5 is out of range; levels are 4..4"):
        tile_window((10, 10), 5, 0, 0)


def test_a_reopened_file_paints_first_from_the_disk_cache(tmp_path, monkeypatch):
    from fastheat.frontends.viewer import core

    a = np.random.default_rng(0).random((5000, 300)).astype(np.float32)
    ident = ["a.npy", 1]
    first = ViewerServer(a, cache_dir=tmp_path, identity=ident, build_coarse=False)
    try:
        cold = first.preview()  # nothing cached yet: the strided sample
        first.pyramid.build_coarse()
    finally:
        first.close()

    def no_sample(*args, **kwargs):
        raise AssertionError("the strided sample was read")

    monkeypatch.setattr(core, "preview", no_sample)
    monkeypatch.setattr("fastheat.frontends.viewer.server.preview_png", no_sample)
    again = ViewerServer(a, cache_dir=tmp_path, identity=ident, build_coarse=False)
    try:
        warm = again.preview()
    finally:
        again.close()
    assert warm[:4] == cold[:4] == b"\x89PNG" and warm != cold  # exact, not the sample
