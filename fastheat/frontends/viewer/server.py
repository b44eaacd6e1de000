"""The viewer as a local web server (``fastheat serve``, ``fastheat.view`` outside Jupyter).

Standard library only (:class:`http.server.ThreadingHTTPServer`). Bound to
127.0.0.1 by default; every request needs the random token of the URL (as
Jupyter's), given as ``?token=`` or the cookie the first page sets; the
``Host`` header must name the server (no DNS rebinding). It serves the
package's own assets, listed by name (no path from the URL ever reaches the
file system), and tiles, values and renders of the one matrix it was given;
every number in a request is parsed strictly and range-checked (4xx, never a
traceback). Renders run at most ``max_renders`` at a time; tiles sit in an LRU
cache bounded in bytes.
"""
from __future__ import annotations

import collections
import hmac
import http.server
import json
import os
import re
import secrets
import sys
import threading
import traceback
import urllib.parse

from ...aggregation.reductions import reduction
from . import stream
from .core import Pyramid, View, palette_names, preview_png

STATIC = os.path.join(os.path.dirname(__file__), "static")
#: URL name -> (file in static/, content type): all the server ever reads from disk.
ASSETS = {
    "openseadragon.min.js": ("openseadragon.min.js", "text/javascript"),
    "viewer.js": ("viewer.js", "text/javascript"),
    "viewer.css": ("viewer.css", "text/css"),
    "LICENSE-openseadragon.txt": ("LICENSE-openseadragon.txt", "text/plain; charset=utf-8"),
}
_INT = re.compile(r"-?[0-9]{1,12}")
_NUMBER = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")
_TILE = re.compile(r"/api/tile/([0-9a-f]{12})/([^/]{1,20})/([^/]{1,20})/([^/]{1,20})\.png")
_VIEW_PATH = re.compile(r"/api/(value|info|colorbar|render)/([0-9a-f]{12})(?:\.png)?")
COOKIE = "fastheat_token"


class HTTPError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _int(query, name, lo=None, hi=None):
    values = query.get(name)
    if not values:
        raise HTTPError(400, f"{name} is missing")
    text = values[0]
    return _check_int(text, name, lo, hi)


def _check_int(text, name, lo=None, hi=None):
    if not _INT.fullmatch(text):
        raise HTTPError(400, f"{name}={text[:40]!r} is not an integer")
    v = int(text)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise HTTPError(400, f"{name}={v} is out of range {lo}..{hi}")
    return v


def _number(text, name):
    if not _NUMBER.fullmatch(text):
        raise HTTPError(400, f"{name}={text[:40]!r} is not a number")
    return float(text)


class ViewerServer:
    """The viewer of ``data`` served on ``host:port`` (0: a free port).

    ``coloring`` are the starting view's options (cmap, norm, vmin, vmax);
    ``reduce`` is fixed for the server's tiles. :meth:`start` serves on a
    background thread, :meth:`serve_forever` on this one; :attr:`url` holds
    the token.
    """

    def __init__(self, data, *, host="127.0.0.1", port=0, token=None, reduce="mean",
                 cache_dir=None, identity=None, max_renders=2, max_views=8,
                 cache_bytes=256 << 20, build_coarse=True, quiet=True, **coloring):
        self.pyramid = Pyramid(data, reduce=reduce, cache_bytes=cache_bytes,
                               cache_dir=cache_dir, identity=identity)
        self.pyramids = {self.pyramid.reduce: self.pyramid}  # one per reduction asked for
        self._pyramid_args = dict(cache_bytes=cache_bytes, cache_dir=cache_dir,
                                  identity=identity)
        self.token = token or secrets.token_urlsafe(24)
        self.renders = threading.BoundedSemaphore(max_renders)
        self.max_views = max_views
        self.views = collections.OrderedDict()
        self.views_lock = threading.Lock()
        self.quiet = quiet
        first = View(self.pyramid, **coloring)
        self.views[first.key] = first
        self.default = first
        self.status = {"coarse_done": 0, "coarse_total": None, "error": None}
        self._preview = None
        self._preview_lock = threading.Lock()
        self.httpd = http.server.ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread = None
        threading.Thread(target=self._warm, args=(build_coarse,), daemon=True).start()

    @property
    def url(self):
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}/?token={self.token}"

    def _warm(self, build_coarse):
        """Fit the first view's norm and build the coarse levels: for an
        in-memory or memory-mapped matrix in one pass over it (the whole view
        and every coarse level, :func:`.stream.build`), none when the disk
        cache has them; otherwise the norm first, then tile by tile."""
        p = self.pyramid

        def progress(done, total):
            self.status.update(coarse_done=done, coarse_total=total)

        try:
            self.status["coarse_total"] = sum(len(p.tiles_of(z)) for z in p.coarse_levels()) \
                if build_coarse else None
            with self.renders:
                p.load_whole()
                if build_coarse and stream.supported(p):
                    # the first paint before the pass takes the kernel and the disk
                    self.preview()
                    p.build_coarse(progress, view=True, track=self.default.needs_range())
        except Exception as e:  # reported on /api/status; the server keeps serving
            self.status["error"] = f"{type(e).__name__}: {e}"
        finally:
            with self.renders:
                self.default.fit()
        if not build_coarse or stream.supported(p) or self.status["error"]:
            return
        try:
            for z in reversed(p.coarse_levels()):
                for x, y in p.tiles_of(z):
                    with self.renders:
                        p.tile_values(z, x, y)
                    progress(self.status["coarse_done"] + 1, self.status["coarse_total"])
        except Exception as e:  # reported on /api/status; the server keeps serving
            self.status["error"] = f"{type(e).__name__}: {e}"

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self.httpd.serve_forever()

    def close(self):
        """Stop serving and free the port (idempotent)."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------- views
    def view(self, key):
        with self.views_lock:
            v = self.views.get(key)
            if v is None:
                raise HTTPError(404, "no such view (it may have been dropped; reload the page)")
            self.views.move_to_end(key)
            return v

    def new_view(self, query):
        coloring = {}
        for name in ("cmap", "norm"):
            if query.get(name):
                coloring[name] = query[name][0][:64]
        for name in ("vmin", "vmax"):
            if query.get(name) and query[name][0] != "":
                coloring[name] = _number(query[name][0], name)
        try:
            pyramid = self.pyramid
            if query.get("reduce"):
                name = reduction(query["reduce"][0][:32]).name
                with self.views_lock:
                    pyramid = self.pyramids.get(name)
                    if pyramid is None:
                        if len(self.pyramids) >= 4:  # bounded: each has its own tile cache
                            self.pyramids.pop(next(k for k in self.pyramids
                                                   if k != self.pyramid.reduce))
                        pyramid = self.pyramids[name] = Pyramid(
                            self.pyramid.data, reduce=name, **self._pyramid_args)
            v = View(pyramid, **coloring)
        except (ValueError, TypeError) as e:
            raise HTTPError(400, str(e)) from None
        with self.views_lock:
            v = self.views.setdefault(v.key, v)
            self.views.move_to_end(v.key)
            while len(self.views) > self.max_views:
                self.views.popitem(last=False)
        if not v.ready.is_set():
            self._render(v.fit)
        try:
            v.wait()
        except ValueError as e:
            raise HTTPError(400, str(e)) from None
        return v

    def _render(self, fn, *args):
        """Run a render with at most ``max_renders`` at a time (503 when the
        server stays busy)."""
        if not self.renders.acquire(timeout=60):
            raise HTTPError(503, "the server is busy; try again")
        try:
            return fn(*args)
        finally:
            self.renders.release()

    def preview(self):
        with self._preview_lock:
            if self._preview is None:
                cmap = self.default.options.get("cmap", "viridis")
                p = self.pyramid
                # reopened: the coarsest level from the disk cache (exact, no read of the data)
                cached = p._load_disk((p.min_level, 0, 0)) \
                    if len(p.tiles_of(p.min_level)) == 1 else None
                if cached is not None:
                    from ... import api
                    from .core import png_bytes

                    self._preview = png_bytes(api.heatmap(cached, width=cached.shape[1],
                                                          height=cached.shape[0], cmap=cmap))
                else:
                    self._preview = preview_png(p.data, p.shape, cmap=cmap)[0]
            return self._preview

    # ------------------------------------------------------------- requests
    def handle(self, path, query):
        """``(status, content type, body, headers)`` of a GET of ``path``."""
        if path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", self._index(), \
                [("Set-Cookie", f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/")]
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in ASSETS:
                raise HTTPError(404, "not found")
            file, kind = ASSETS[name]
            with open(os.path.join(STATIC, file), "rb") as f:
                return 200, kind, f.read(), [("Cache-Control", "max-age=3600")]
        m = _TILE.fullmatch(path)
        if m:
            v = self.view(m.group(1))
            level, x, y = (_check_int(t, n, 0) for t, n in zip(m.groups()[1:],
                                                               ("level", "x", "y")))
            try:
                v.wait(timeout=600)  # the norm first, holding no render slot
                body = self._render(v.tile_png, level, x, y)
            except TimeoutError as e:
                raise HTTPError(503, str(e)) from None
            except ValueError as e:
                raise HTTPError(404, str(e)) from None
            return 200, "image/png", body, [("Cache-Control", "max-age=3600")]
        m = _VIEW_PATH.fullmatch(path)
        if m:
            what, v = m.group(1), self.view(m.group(2))
            if what == "info":  # before the norm is fitted: the geometry only
                return self._json(v.info())
            if what == "colorbar":
                return 200, "image/png", v.colorbar_png(), []
            if what == "value":
                level = _int(query, "level", 0, 64)
                row = _int(query, "row", 0)
                col = _int(query, "col", 0)
                try:
                    return self._json(self._render(v.value, level, row, col))
                except ValueError as e:
                    raise HTTPError(400, str(e)) from None
            if what == "render":
                n_rows, n_cols = self.pyramid.shape
                r0, r1 = _int(query, "r0", 0, n_rows), _int(query, "r1", 0, n_rows)
                c0, c1 = _int(query, "c0", 0, n_cols), _int(query, "c1", 0, n_cols)
                size = {k: _int(query, k, 1, 8000) for k in ("width", "height") if k in query}
                try:
                    body = self._render(v.render_png, r0, r1, c0, c1, size.get("width"),
                                        size.get("height"))
                except ValueError as e:
                    raise HTTPError(400, str(e)) from None
                return 200, "image/png", body, [
                    ("Content-Disposition", f'attachment; filename="fastheat_{r0}-{r1}_'
                                            f'{c0}-{c1}.png"')]
        if path == "/api/view":
            return self._json(self.new_view(query).info())
        if path == "/api/status":
            return self._json(self.status)
        if path == "/api/preview.png":
            return 200, "image/png", self._render(self.preview), []
        raise HTTPError(404, "not found")

    def _json(self, obj):
        return 200, "application/json", json.dumps(obj).encode(), [("Cache-Control", "no-store")]

    def _index(self):
        with open(os.path.join(STATIC, "index.html"), encoding="utf-8") as f:
            page = f.read()
        config = {"mode": "server", "view": self.default.key, "base": "",
                  "cmaps": palette_names(), "token": self.token}
        for name in ("viewer.css", "openseadragon.min.js", "viewer.js"):
            # in a notebook's iframe (another site) the SameSite cookie is not sent
            page = page.replace(f'"static/{name}"', f'"static/{name}?token={self.token}"')
        return page.replace("/*CONFIG*/null", json.dumps(config)).encode()

    def allowed(self, headers, query):
        """Whether a request carries the token and names this server as its host."""
        host = (headers.get("Host") or "").lower()
        names = {f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"[::1]:{self.port}",
                 f"{str(self.host).lower()}:{self.port}"}
        if host not in names:
            return False
        given = (query.get("token") or [""])[0]
        if not given:
            for part in (headers.get("Cookie") or "").split(";"):
                k, _, val = part.strip().partition("=")
                if k == COOKIE:
                    given = val
        return hmac.compare_digest(given.encode(), self.token.encode())


def _handler(server: ViewerServer):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "fastheat"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002  (the base class's name)
            if not server.quiet:
                sys.stderr.write("fastheat serve: " + (format % args) + "\n")

        def _send(self, status, kind, body, headers=()):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status, message):
            body = json.dumps({"error": message}).encode()
            self._send(status, "application/json", body, [("Cache-Control", "no-store")])

        def do_GET(self):  # noqa: N802  (http.server's name)
            try:
                try:
                    parts = urllib.parse.urlsplit(self.path)
                    query = urllib.parse.parse_qs(parts.query, max_num_fields=20)
                except ValueError:
                    return self._error(400, "malformed request")
                if not server.allowed(self.headers, query):
                    return self._error(403, "forbidden: open the URL with its token")
                self._send(*server.handle(parts.path, query))
            except HTTPError as e:
                self._error(e.status, str(e))
            except (BrokenPipeError, ConnectionResetError):
                pass
            except Exception:  # never a traceback in a response
                if not server.quiet:
                    traceback.print_exc()
                try:
                    self._error(500, "internal error")
                except OSError:
                    pass

        do_HEAD = do_GET

        def _refuse(self):
            self._error(405, "only GET requests are served")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    return Handler
