"""SVG and PDF writers: the composed scene (:mod:`fastheat.compose.scene`)
replayed item by item as vectors, as :mod:`fastheat.compose.draw` replays it
onto a canvas.

The raster and the colorbar strip are embedded losslessly (PNG in SVG, Flate
images in PDF: the same pixels the PNG has); text, ticks, frames, gridlines,
cell borders, extend triangles and annotations are vector items in canvas
pixel coordinates. SVG names the font family (``DejaVu Sans`` by default: the
reader's copy draws it); PDF embeds the TrueType file of each font used, with
widths from Pillow, so every reader draws fastheat's glyphs. One canvas pixel
is 0.75 pt in PDF (96 px per inch), one CSS pixel in SVG.

encode is a leaf of the package: items are told apart by their type's name
(the scene's items are plain records), text is measured by its Pillow font,
and the two rules of line pixels (:func:`fastheat.compose.draw.dash_mask`,
:func:`~fastheat.compose.draw.line_span`) come from the caller.
"""
from __future__ import annotations

import base64
import io
import os
import secrets
import zlib
from xml.sax.saxutils import escape, quoteattr

import numpy as np

#: PDF points per canvas pixel (a 96 dpi canvas).
PT_PER_PX = 0.75


# --------------------------------------------------------------------------- shared

class _Bare:
    """The scene of a bare raster: one image covering the canvas."""

    class Image:
        kind = "raster"

        def __init__(self, box, pixels):
            self.box, self.pixels = box, pixels

    def __init__(self, image):
        rgba = np.asarray(image.convert("RGBA"))
        h, w = rgba.shape[:2]
        self.size, self.raster_box, self.background = (w, h), (0, 0, w, h), (0, 0, 0, 0)
        self.items = [self.Image((0, 0, w, h), rgba)]


def _items(composition):
    """The scene of ``composition`` (a bare raster: one image item)."""
    return composition.scene if composition.scene is not None else _Bare(composition.image)


def _kind(item):
    return type(item).__name__


def _pixels(item, channels):
    """The ``(h, w, C)`` uint8 pixels of an image item."""
    if _kind(item) == "RasterImage":
        return np.take(item.table[:, :channels], item.raster.codes, axis=0)
    return np.asarray(item.pixels)


def _png(pixels):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _rgb(color):
    return tuple(int(c) for c in color[:3])


def _alpha(color):
    return (color[3] / 255.0) if len(color) > 3 else 1.0


def _line_rects(item, rules):
    """Filled boxes (x0, y0, x1, y1) of a :class:`Lines` item, dashes split
    into their runs (the spans the raster back-end paints: ``rules`` holds its
    ``dash_mask`` and ``line_span``)."""
    dash_mask, line_span = rules["dash_mask"], rules["line_span"]
    x0, y0, x1, y1 = item.box
    w, h = x1 - x0, y1 - y0
    along, across = (h, w) if item.vertical else (w, h)
    mask = dash_mask(along, item.style, item.width)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    runs = list(zip(edges[::2].tolist(), edges[1::2].tolist()))
    out = []
    for c in np.asarray(item.positions, float).tolist():
        a, b = line_span(c, item.width, across)
        if b <= a:
            continue
        for s, e in runs:
            out.append((x0 + a, y0 + s, x0 + b, y0 + e) if item.vertical else
                       (x0 + s, y0 + a, x0 + e, y0 + b))
    return out


def _baseline_start(item):
    """Where the baseline of a :class:`Text` starts (its ``"ls"`` point)."""
    if item.rotated or item.anchor == "ls":
        return item.xy
    b = item.font.getbbox(item.text, anchor=item.anchor)
    ls = item.font.getbbox(item.text, anchor="ls")
    # the same ink box under both anchors: the offset between them moves the anchor
    return (item.xy[0] + b[0] - ls[0], item.xy[1] + b[1] - ls[1])


def _cell_runs(item):
    """``(label, x, y, rgb)`` baseline starts of every annotation of a
    :class:`CellText`: its ink centred in its tile, on the tile's baseline."""
    bx, by = item.box[:2]
    th, tw = item.tiles.shape[1:]
    starts = []
    for label in item.labels:
        l, _, r, _ = item.font.getbbox(label, anchor="ls")
        starts.append((tw - (r - l)) / 2 - l)
    out = []
    for k in range(len(item.which)):
        i = int(item.which[k])
        out.append((item.labels[i], bx + int(item.x[k]) + starts[i],
                    by + int(item.y[k]) + item.baseline, _rgb(item.colors[int(item.shade[k])])))
    return out


def _font_family(font):
    try:
        return font.getname()[0]
    except Exception:  # Pillow's built-in bitmap font has no FreeType name
        return "DejaVu Sans"


# --------------------------------------------------------------------------- SVG

def to_svg(composition, rules) -> bytes:
    """The SVG document of ``composition`` (a :class:`~fastheat.compose.scene.Composition`)."""
    scene = _items(composition)
    W, H = scene.size
    nch = len(scene.background)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" shape-rendering="crispEdges">']

    def fill(color):
        a = _alpha(color)
        s = 'fill="#%02x%02x%02x"' % _rgb(color)
        return s + (f' fill-opacity="{a:.4g}"' if a < 1 else "")

    def rect(box, color, extra=""):
        x0, y0, x1, y1 = box
        if x1 > x0 and y1 > y0:
            out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
                       f'{fill(color)}{extra}/>')

    if _alpha(scene.background) > 0:
        rect((0, 0, W, H), scene.background)
    for it in scene.items:
        kind = _kind(it)
        if kind in ("RasterImage", "Image"):
            x0, y0, x1, y1 = it.box
            data = base64.b64encode(_png(_pixels(it, nch))).decode("ascii")
            out.append(f'<image x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
                       f'preserveAspectRatio="none" style="image-rendering:pixelated" '
                       f'href="data:image/png;base64,{data}"/>')
        elif kind == "Lines":
            color = tuple(it.color[:3]) + (int(round(it.alpha * 255)),)
            for box in _line_rects(it, rules):
                rect(box, color)
        elif kind == "Rect":
            rect(it.box, it.color)
        elif kind == "Frame":
            for box in it.sides():
                rect(box, it.color)
        elif kind == "Polygon":
            pts = " ".join(f"{x + 0.5:g},{y + 0.5:g}" for x, y in it.points)
            out.append(f'<polygon points="{pts}" {fill(it.fill)} stroke="#%02x%02x%02x" '
                       f'stroke-width="{it.width}" stroke-linejoin="miter" '
                       f'shape-rendering="auto"/>' % _rgb(it.outline))
        elif kind == "Text":
            x, y = _baseline_start(it)
            family = quoteattr(_font_family(it.font))
            turn = f' transform="rotate(-90 {x:g} {y:g})"' if it.rotated else ""
            out.append(f'<text x="{x:g}" y="{y:g}" font-family={family} '
                       f'font-size="{it.font.size}" {fill(it.color)} xml:space="preserve"'
                       f'{turn}>{escape(it.text)}</text>')
        elif kind == "CellText":
            family = quoteattr(_font_family(it.font))
            out.append(f'<g font-family={family} font-size="{it.font.size}">')
            for label, x, y, rgb in _cell_runs(it):
                out.append(f'<text x="{x:g}" y="{y:g}" {fill(rgb)}>{escape(label)}</text>')
            out.append("</g>")
    out.append("</svg>\n")
    return "\n".join(out).encode("utf-8")


# --------------------------------------------------------------------------- PDF

class _Fonts:
    """The TrueType fonts a PDF uses, each a simple font whose 256 codes are
    the printable ASCII characters and, from 128 on, the other characters the
    document uses (named ``uniXXXX`` in its encoding)."""

    def __init__(self):
        self.fonts = {}  # path -> {"name", "chars": {char: code}, "font": FreeTypeFont}

    def key(self, font):
        path = getattr(font, "path", None)
        if not isinstance(path, (str, os.PathLike)):
            raise ValueError("PDF output needs TrueType/OpenType fonts; Pillow's built-in "
                             "bitmap font has no outlines: pass font= a font file")
        path = os.fspath(path)
        if path not in self.fonts:
            from PIL import ImageFont

            self.fonts[path] = {"name": f"F{len(self.fonts) + 1}", "chars": {},
                                "font": ImageFont.truetype(path, 1000)}
        return path

    def encode(self, font, text):
        """``(resource name, PDF string bytes)`` of ``text`` in ``font``."""
        entry = self.fonts[self.key(font)]
        chars, out = entry["chars"], bytearray()
        for ch in text:
            if ch not in chars:
                code = ord(ch) if 32 <= ord(ch) < 127 else 128 + sum(
                    1 for c in chars if not 32 <= ord(c) < 127)
                if code > 255:
                    code = ord("?")  # more than 128 special characters: not representable
                chars[ch] = code
            out.append(chars[ch])
        esc = bytes(out).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        return entry["name"], b"(" + esc + b")"


class _PDF:
    def __init__(self):
        self.objects = []

    def add(self, body: bytes) -> int:
        self.objects.append(body)
        return len(self.objects)

    def stream(self, head: str, data: bytes, compress=True) -> int:
        if compress:
            data = zlib.compress(data, 6)
            head += " /Filter /FlateDecode"
        return self.add(f"<< {head} /Length {len(data)} >>\nstream\n".encode() + data +
                        b"\nendstream")

    def bytes(self, root: int) -> bytes:
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self.objects, 1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += (f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R >>\nstartxref\n"
                f"{xref}\n%%EOF\n").encode()
        return bytes(out)


def _pdf_image(pdf, pixels):
    """An image XObject of ``(h, w, C)`` uint8 pixels (alpha: a soft mask);
    at most 256 colours: an indexed image."""
    h, w, c = pixels.shape
    smask = ""
    if c == 4:
        a = pixels[..., 3]
        if (a != 255).any():
            m = pdf.stream(f"/Type /XObject /Subtype /Image /Width {w} /Height {h} "
                           f"/ColorSpace /DeviceGray /BitsPerComponent 8",
                           np.ascontiguousarray(a).tobytes())
            smask = f" /SMask {m} 0 R"
        pixels = pixels[..., :3]
    flat = np.ascontiguousarray(pixels).reshape(-1, 3)
    packed = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) | flat[:, 2]
    colors, index = np.unique(packed, return_inverse=True)
    if len(colors) <= 256:
        pal = np.stack([(colors >> 16) & 255, (colors >> 8) & 255, colors & 255], 1)
        pal = pal.astype(np.uint8).tobytes()
        space = f"[/Indexed /DeviceRGB {len(colors) - 1} <{pal.hex()}>]"
        data = index.astype(np.uint8).tobytes()
    else:
        space, data = "/DeviceRGB", flat.tobytes()
    return pdf.stream(f"/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace "
                      f"{space} /BitsPerComponent 8 /Interpolate false{smask}", data)


def _font_objects(pdf, entry, path):
    """The font dictionary (and its descriptor and embedded file) of one font."""
    font = entry["font"]
    codes = {code: ch for ch, code in entry["chars"].items()}
    first, last = 32, max([126] + list(codes))
    widths = []
    for code in range(first, last + 1):
        ch = codes.get(code, chr(code) if code < 127 else None)
        widths.append(int(round(font.getlength(ch))) if ch else 0)
    diffs = " ".join(f"{code} /uni{ord(ch):04X}" for code, ch in sorted(codes.items())
                     if code >= 128)
    asc, desc = font.getmetrics()
    with open(path, "rb") as f:
        data = f.read()
    file_obj = pdf.stream(f"/Length1 {len(data)}", data)
    desc_obj = pdf.add((f"<< /Type /FontDescriptor /FontName /{_ps_name(font)} /Flags 32 "
                        f"/FontBBox [-1100 -400 2000 1100] /ItalicAngle 0 /Ascent {asc} "
                        f"/Descent {-desc} /CapHeight {asc} /StemV 80 "
                        f"/FontFile2 {file_obj} 0 R >>").encode())
    enc = f"<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [{diffs}] >>" \
        if diffs else "/WinAnsiEncoding"
    return pdf.add((f"<< /Type /Font /Subtype /TrueType /BaseFont /{_ps_name(font)} "
                    f"/FirstChar {first} /LastChar {last} /Widths [{' '.join(map(str, widths))}] "
                    f"/FontDescriptor {desc_obj} 0 R /Encoding {enc} >>").encode())


def _ps_name(font):
    name = "".join(font.getname()).replace(" ", "")
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_") or "Font"


def to_pdf(composition, rules) -> bytes:
    """The one-page PDF document of ``composition``."""
    scene = _items(composition)
    W, H = scene.size
    nch = len(scene.background)
    pdf, fonts = _PDF(), _Fonts()
    images, ops, alphas = {}, [], {}
    ops.append(f"{PT_PER_PX:g} 0 0 {-PT_PER_PX:g} 0 {H * PT_PER_PX:g} cm")  # canvas pixels, y down

    def gs(a):
        if a >= 1:
            return ""
        name = alphas.setdefault(round(a, 4), f"A{len(alphas) + 1}")
        return f"/{name} gs "

    def color(c, op="rg"):
        r, g, b = _rgb(c)
        return f"{r / 255:.4g} {g / 255:.4g} {b / 255:.4g} {op}"

    def rects(boxes, c):
        boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
        if boxes:
            body = " ".join(f"{x0} {y0} {x1 - x0} {y1 - y0} re" for x0, y0, x1, y1 in boxes)
            ops.append(f"q {gs(_alpha(c))}{color(c)} {body} f Q")

    if _alpha(scene.background) > 0:
        rects([(0, 0, W, H)], scene.background)

    def text(font, s, x, y, c, rotated=False):
        name, data = fonts.encode(font, s)
        m = f"0 -1 -1 0 {x:g} {y:g}" if rotated else f"1 0 0 -1 {x:g} {y:g}"
        ops.append(f"BT {color(c)} /{name} {font.size} Tf {m} Tm ".encode("latin-1") + data +
                   b" Tj ET")

    for it in scene.items:
        kind = _kind(it)
        if kind in ("RasterImage", "Image"):
            x0, y0, x1, y1 = it.box
            name = f"Im{len(images) + 1}"
            images[name] = _pdf_image(pdf, _pixels(it, nch))
            ops.append(f"q {x1 - x0} 0 0 {-(y1 - y0)} {x0} {y1} cm /{name} Do Q")
        elif kind == "Lines":
            rects(_line_rects(it, rules), tuple(it.color[:3]) + (int(round(it.alpha * 255)),))
        elif kind == "Rect":
            rects([it.box], it.color)
        elif kind == "Frame":
            rects(it.sides(), it.color)
        elif kind == "Polygon":
            pts = [(x + 0.5, y + 0.5) for x, y in it.points]
            path = f"{pts[0][0]:g} {pts[0][1]:g} m " + " ".join(
                f"{x:g} {y:g} l" for x, y in pts[1:]) + " h"
            ops.append(f"q {gs(_alpha(it.fill))}{color(it.fill)} {color(it.outline, 'RG')} "
                       f"{it.width} w 0 j {path} B Q")
        elif kind == "Text":
            x, y = _baseline_start(it)
            text(it.font, it.text, x, y, it.color, it.rotated)
        elif kind == "CellText":
            for label, x, y, rgb in _cell_runs(it):
                text(it.font, label, x, y, rgb)
    content = "\n".join(o if isinstance(o, str) else o.decode("latin-1") for o in ops)
    stream = pdf.stream("", content.encode("latin-1"))
    font_refs = " ".join(f"/{e['name']} {_font_objects(pdf, e, path)} 0 R"
                         for path, e in fonts.fonts.items())
    xobj = " ".join(f"/{n} {ref} 0 R" for n, ref in images.items())
    ext = " ".join(f"/{n} << /Type /ExtGState /ca {a:g} /CA {a:g} >>" for a, n in alphas.items())
    resources = f"<< /Font << {font_refs} >> /XObject << {xobj} >> /ExtGState << {ext} >> >>"
    pages = len(pdf.objects) + 2
    page = pdf.add((f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {W * PT_PER_PX:g} "
                    f"{H * PT_PER_PX:g}] /Contents {stream} 0 R /Resources {resources} >>"
                    ).encode())
    assert pdf.add(f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>".encode()) == pages
    root = pdf.add(f"<< /Type /Catalog /Pages {pages} 0 R >>".encode())
    return pdf.bytes(root)


WRITERS = {"SVG": to_svg, "PDF": to_pdf}


def write(composition, target, fmt, *, rules, **params):
    """Write ``composition`` as ``fmt`` (``"SVG"`` or ``"PDF"``) to ``target``
    (a path, atomically, or a binary file object); ``rules``: the raster
    back-end's ``dash_mask`` and ``line_span``, so lines cover its pixels."""
    if params:
        raise TypeError(f"{fmt} output takes no encoder options, got "
                        f"{', '.join(sorted(params))}")
    data = WRITERS[fmt](composition, rules)
    if not isinstance(target, (str, os.PathLike)):
        target.write(data)
        return
    path = os.path.abspath(os.fspath(target))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {os.fspath(target)!r}: folder {folder!r} "
                                f"does not exist")
    tmp = os.path.join(folder, f".fastheat-{secrets.token_hex(8)}.part")  # atomic, as encode.write
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
