// fastheat viewer glue: OpenSeadragon shows fastheat's tiles; the readout,
// colorbar and controls talk to fastheat (server mode) or read the files
// `fastheat tiles` wrote (static mode, works over file://).
(function () {
  "use strict";
  var cfg = window.FASTHEAT_CONFIG || {};
  var $ = function (id) { return document.getElementById(id); };
  var info = null, viewer = null, hoverSeq = 0, lastHover = null;
  window.fastheat = { ready: false, errors: [] };

  function q(params) {
    var parts = [];
    if (cfg.token) parts.push("token=" + encodeURIComponent(cfg.token));
    for (var k in params) if (params[k] !== undefined && params[k] !== null && params[k] !== "")
      parts.push(k + "=" + encodeURIComponent(params[k]));
    return parts.length ? "?" + parts.join("&") : "";
  }
  function api(path, params) { return (cfg.base || "") + path + q(params || {}); }
  function getJSON(url) {
    return fetch(url).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
        return body;
      });
    });
  }
  function fmt(v) {
    if (v === null || v === undefined) return "NaN (missing)";
    if (typeof v === "string") return v;
    if (Number.isInteger(v)) return String(v);
    var a = Math.abs(v);
    return (a !== 0 && (a < 1e-3 || a >= 1e6)) ? v.toExponential(6) : String(+v.toPrecision(7));
  }
  function status(text) { $("fh-status").textContent = text || ""; }

  // ------------------------------------------------------------ static mode values
  var valueTiles = {}, valueWaiters = {};
  window.fastheatValues = function (key, b64, dtype, h, w) {
    var bin = atob(b64), buf = new ArrayBuffer(bin.length), u8 = new Uint8Array(buf);
    for (var i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    var arr = dtype === "float64" ? new Float64Array(buf) : new Float32Array(buf);
    valueTiles[key] = { values: arr, h: h, w: w };
    (valueWaiters[key] || []).forEach(function (f) { f(valueTiles[key]); });
    delete valueWaiters[key];
  };
  function staticTile(level, x, y) {
    var key = level + "/" + x + "_" + y;
    if (valueTiles[key]) return Promise.resolve(valueTiles[key]);
    return new Promise(function (resolve, reject) {
      var first = !valueWaiters[key];
      (valueWaiters[key] = valueWaiters[key] || []).push(resolve);
      if (first) {
        var s = document.createElement("script");
        s.src = "values/" + key + ".js";
        s.onerror = function () { reject(new Error("no values for tile " + key)); };
        document.head.appendChild(s);
      }
    });
  }
  function pixelCells(lo, hi, n, i) {
    var span = hi - lo;
    return [lo + Math.floor(i * span / n), lo + Math.ceil((i + 1) * span / n)];
  }
  function staticValue(level, row, col) {
    var f = Math.pow(2, info.max_level - level), span = info.tile * f;
    var x = Math.floor(col / span), y = Math.floor(row / span);
    var r0 = y * span, c0 = x * span;
    var r1 = Math.min(r0 + span, info.rows), c1 = Math.min(c0 + span, info.cols);
    return staticTile(level, x, y).then(function (t) {
      var i = Math.floor((row - r0) * t.h / (r1 - r0)), j = Math.floor((col - c0) * t.w / (c1 - c0));
      var v = t.values[i * t.w + j];
      var rr = pixelCells(r0, r1, t.h, i), cc = pixelCells(c0, c1, t.w, j);
      var out = { level: level, reduce: info.reduce, rows: rr, cols: cc,
                  cells: (rr[1] - rr[0]) * (cc[1] - cc[0]), exact: f === 1,
                  value: isNaN(v) ? null : (isFinite(v) ? v : (v > 0 ? "inf" : "-inf")) };
      if (info.row_labels) out.row_label = info.row_labels[row];
      if (info.col_labels) out.col_label = info.col_labels[col];
      return out;
    });
  }

  // ------------------------------------------------------------ tiles and readout
  function tileSource() {
    var view = info.view;
    return {
      width: info.cols, height: info.rows, tileSize: info.tile, tileOverlap: 0,
      minLevel: info.min_level, maxLevel: info.max_level,
      getTileUrl: function (level, x, y) {
        if (cfg.mode === "static") return "tiles/" + level + "/" + x + "_" + y + ".png";
        return api("/api/tile/" + view + "/" + level + "/" + x + "/" + y + ".png");
      }
    };
  }
  function hoverLevel() {
    var zoom = viewer.viewport.viewportToImageZoom(viewer.viewport.getZoom(true));
    var perPx = 1 / (zoom * (window.devicePixelRatio || 1));
    var level = info.max_level - Math.max(0, Math.floor(Math.log2(Math.max(1, perPx))));
    return Math.max(info.min_level, Math.min(info.max_level, level));
  }
  function showValue(v) {
    var el = $("fh-readout"), r = v.rows, c = v.cols, text;
    var rl = v.row_label !== undefined ? " (" + v.row_label + ")" : "";
    var cl = v.col_label !== undefined ? " (" + v.col_label + ")" : "";
    if (v.exact) text = "row " + r[0] + rl + ", col " + c[0] + cl + ": " + fmt(v.value);
    else text = "rows " + r[0] + "\u2013" + (r[1] - 1) + ", cols " + c[0] + "\u2013" + (c[1] - 1) +
      ": " + v.reduce + " of " + v.cells.toLocaleString("en") + " cells = " + fmt(v.value);
    el.textContent = text;
    el.dataset.row = r[0]; el.dataset.col = c[0]; el.dataset.exact = v.exact;
    el.dataset.value = v.value === null ? "NaN" : String(v.value);
  }
  function hover(ev) {
    if (!info) return;
    var rect = viewer.element.getBoundingClientRect();
    var p = viewer.viewport.viewerElementToImageCoordinates(
      new OpenSeadragon.Point(ev.clientX - rect.left, ev.clientY - rect.top));
    var row = Math.floor(p.y), col = Math.floor(p.x);
    if (row < 0 || col < 0 || row >= info.rows || col >= info.cols) {
      $("fh-readout").textContent = "outside the matrix"; return;
    }
    var level = hoverLevel(), key = level + ":" + row + ":" + col;
    if (key === lastHover) return;
    lastHover = key;
    var seq = ++hoverSeq;
    var pending = cfg.mode === "static" ? staticValue(level, row, col) :
      getJSON(api("/api/value/" + info.view, { level: level, row: row, col: col }));
    pending.then(function (v) { if (seq === hoverSeq) showValue(v); })
      .catch(function (e) { status(String(e.message || e)); });
  }

  // ------------------------------------------------------------ colorbar and controls
  function colorbar() {
    $("fh-cbar-img").src = cfg.mode === "static" ? "colorbar.png" :
      api("/api/colorbar/" + info.view + ".png");
    $("fh-cbar-name").textContent = info.name || "";
    var ticks = $("fh-ticks"); ticks.innerHTML = "";
    (info.ticks || []).forEach(function (t) {  // fastheat's nice values and labels
      var s = document.createElement("span");
      s.style.top = (100 * t.pos) + "%";
      s.textContent = t.label;
      s.dataset.value = t.value === null ? "NaN" : String(t.value);
      ticks.appendChild(s);
    });
  }
  function options(select, values, current) {
    select.innerHTML = "";
    values.forEach(function (v) {
      var o = document.createElement("option"); o.value = o.textContent = v;
      if (v === current) o.selected = true;
      select.appendChild(o);
    });
  }
  function controls() {
    var opts = info.options || {};
    var cmaps = (cfg.cmaps || []).slice();
    var cmap = opts.cmap || "viridis";
    if (cmaps.indexOf(cmap) < 0) cmaps.unshift(cmap);
    options($("fh-cmap"), cmaps, cmap);
    options($("fh-norm"), info.choices.norm, info.norm || opts.norm || "linear");
    options($("fh-reduce"), info.choices.reduce, info.reduce);
    $("fh-vmin").value = opts.vmin !== undefined ? opts.vmin : "";
    $("fh-vmax").value = opts.vmax !== undefined ? opts.vmax : "";
    var fixed = cfg.mode === "static";
    ["fh-cmap", "fh-norm", "fh-vmin", "fh-vmax", "fh-reduce", "fh-apply", "fh-save"].forEach(
      function (id) { $(id).disabled = fixed; });
  }
  function apply() {
    status("computing the colour scale\u2026");
    getJSON(api("/api/view", { cmap: $("fh-cmap").value, norm: $("fh-norm").value,
                               vmin: $("fh-vmin").value, vmax: $("fh-vmax").value,
                               reduce: $("fh-reduce").value }))
      .then(function (next) {
        var bounds = viewer.viewport.getBounds(true);
        info = next; lastHover = null;
        viewer.addOnceHandler("open", function () { viewer.viewport.fitBounds(bounds, true); });
        viewer.open(tileSource());
        colorbar(); controls(); status("");
      }).catch(function (e) { status(String(e.message || e)); });
  }
  function save() {
    var b = viewer.viewport.viewportToImageRectangle(viewer.viewport.getBounds(true));
    var r0 = Math.max(0, Math.floor(b.y)), c0 = Math.max(0, Math.floor(b.x));
    var r1 = Math.min(info.rows, Math.ceil(b.y + b.height)), c1 = Math.min(info.cols, Math.ceil(b.x + b.width));
    if (r1 <= r0 || c1 <= c0) { status("the view is outside the matrix"); return; }
    var a = document.createElement("a");
    a.href = api("/api/render/" + info.view + ".png", { r0: r0, r1: r1, c0: c0, c1: c1 });
    a.download = "fastheat.png"; document.body.appendChild(a); a.click(); a.remove();
  }
  function pollInfo() {  // the exact whole view fits the norm: colorbar once it is there
    getJSON(api("/api/info/" + info.view)).then(function (next) {
      if (next.vmin === undefined && next.ticks === undefined) { setTimeout(pollInfo, 200); return; }
      info = next; colorbar(); controls();
    }).catch(function (e) { status(String(e.message || e)); });
  }
  function pollStatus() {
    getJSON(api("/api/status")).then(function (s) {
      if (s.error) { status("coarse levels: " + s.error); return; }
      if (s.coarse_total && s.coarse_done < s.coarse_total) {
        status("building coarse levels: " + s.coarse_done + " / " + s.coarse_total + " tiles");
        setTimeout(pollStatus, 500);
      } else status("");
    }).catch(function () {});
  }

  function start(first) {
    info = first;
    viewer = OpenSeadragon({
      element: $("fh-osd"), tileSources: tileSource(), prefixUrl: "",
      showNavigationControl: false, drawer: "canvas", imageSmoothingEnabled: false,
      maxZoomPixelRatio: 64, minZoomImageRatio: 0.5, visibilityRatio: 0.2,
      animationTime: 0.3, springStiffness: 10, immediateRender: false,
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
      crossOriginPolicy: false, loadTilesWithAjax: false
    });
    window.fastheat.viewer = viewer;
    viewer.addHandler("open-failed", function (e) { window.fastheat.errors.push(String(e.message)); });
    viewer.addHandler("tile-load-failed", function (e) { window.fastheat.errors.push(String(e.message)); });
    var tilesDrawn = 0;
    viewer.addHandler("tile-loaded", function () {
      tilesDrawn++;
      if (tilesDrawn === 1) { $("fh-preview").hidden = true; $("fh-preview-note").hidden = true; }
    });
    viewer.addHandler("open", function () { window.fastheat.ready = true; });
    viewer.element.addEventListener("mousemove", hover);
    $("fh-apply").addEventListener("click", apply);
    $("fh-save").addEventListener("click", save);
    controls();
    if (info.ticks) colorbar(); else pollInfo();
    if (cfg.mode !== "static") pollStatus();
  }

  if (cfg.mode === "static") {
    start(cfg.info);
  } else {
    var pre = $("fh-preview");
    pre.onload = function () { $("fh-preview-note").hidden = pre.hidden; };
    pre.src = api("/api/preview.png"); pre.hidden = false;
    window.fastheat.previewRequested = performance.now();
    getJSON(api("/api/info/" + cfg.view)).then(start)
      .catch(function (e) { status(String(e.message || e)); window.fastheat.errors.push(String(e)); });
  }
  window.fastheat.info = function () { return info; };
})();
