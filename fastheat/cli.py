"""Command line: ``fastheat render INPUT -o OUTPUT`` and ``fastheat demo -o OUTPUT``.

Errors print one line, ``fastheat: error: ...``, and exit with status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import zipfile

from .aggregation.fold import REDUCTIONS
from .color.norms import NORMS

INPUTS = (".npy (memory-mapped), .npz (--key), .csv, .tsv, .zarr, .h5:/dataset (HDF5), "
          "and point tables .parquet/.csv with --x --y")


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """Command-line mistakes in one line too (argparse would print the usage
    first); ``--help`` still shows everything."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def load_matrix(path, key=None):
    """Open a matrix file: ``.npy`` memory-mapped (never unpickled), ``.npz``
    member ``key``, or a delimited text file of numbers."""
    import numpy as np

    if not os.path.exists(path):
        raise UsageError(f"input file {path!r} does not exist")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":  # header checked first: object arrays refused, truncation reported
        from .sources.files import open_npy

        try:
            return open_npy(path)
        except (ValueError, OSError) as e:
            raise UsageError(str(e)) from None
    try:
        if ext == ".npz":
            with np.load(path, allow_pickle=False) as z:
                names = list(z.keys())
                if key is None and len(names) != 1:
                    raise UsageError(f"{path!r} holds {len(names)} arrays "
                                     f"({', '.join(names)}); choose one with --key")
                key = names[0] if key is None else key
                if key not in names:
                    raise UsageError(f"--key {key!r} is not in {path!r}; it holds: {', '.join(names)}")
                return z[key]
        if ext in (".csv", ".tsv", ".txt"):
            delimiter = "\t" if ext == ".tsv" else ("," if ext == ".csv" else None)
            try:
                return np.loadtxt(path, delimiter=delimiter, ndmin=2)
            except ValueError:  # a header row
                return np.loadtxt(path, delimiter=delimiter, ndmin=2, skiprows=1)
    except UsageError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise UsageError(f"cannot read {path!r}: {e}") from None
    raise UsageError(f"input {path!r} has an unknown suffix {ext!r}; fastheat reads {INPUTS}")


def _number(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _add_render_options(p):
    g = p.add_argument_group("raster")
    g.add_argument("--width", type=int, help="raster width in pixels (default: from the matrix)")
    g.add_argument("--height", type=int, help="raster height in pixels (default: from the matrix)")
    g.add_argument("--cmap", default="viridis",
                   help="colormap name from the cmap catalogue; '_r' reverses (default: viridis)")
    g.add_argument("--norm", default="linear", choices=NORMS, help="value scaling (default: linear)")
    g.add_argument("--vmin", type=_number, help="value at the low end of the colormap")
    g.add_argument("--vmax", type=_number, help="value at the high end of the colormap")
    g.add_argument("--center", type=_number, help="make the range symmetric around this value")
    g.add_argument("--robust", action="store_true", help="range from the 2nd-98th percentiles")
    g.add_argument("--linthresh", type=_number, help="linear range around 0 for --norm symlog")
    g.add_argument("--gamma", type=_number, help="exponent for --norm power (default 0.5)")
    g.add_argument("--reduce", default="mean", choices=REDUCTIONS,
                   help="how cells combine into a pixel (default: mean)")
    g.add_argument("--origin", default="upper", choices=("upper", "lower"),
                   help="row 0 at the top (upper, default) or bottom (lower)")
    g.add_argument("--bad", help="colour for missing values (default: transparent)")
    g.add_argument("--under", help="colour below --vmin (default: lowest colormap colour)")
    g.add_argument("--over", help="colour above --vmax (default: highest colormap colour)")
    g = p.add_argument_group("output")
    g.add_argument("-o", "--output", required=True,
                   help="image file; format from the suffix: .png .jpg .jpeg .webp .tif .tiff")
    g.add_argument("--format", help="image format when the suffix does not say (png, jpeg, webp, tiff)")
    g.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


_RASTER_KEYS = ("width", "height", "cmap", "norm", "vmin", "vmax", "center", "robust",
                "linthresh", "gamma", "reduce", "origin", "bad", "under", "over")


def _ticks_arg(text):
    low = text.lower()
    if low in ("auto", "all", "none"):
        return {"auto": "auto", "all": True, "none": False}[low]
    try:
        step = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not auto, all, none or an integer step"
                                         ) from None
    if step < 1:
        raise argparse.ArgumentTypeError(f"the step must be >= 1, got {step}")
    return step


def _add_overlay_options(p):
    g = p.add_argument_group("overlays (any of them puts the raster on a white canvas "
                             "with ticks)")
    g.add_argument("--colorbar", nargs="?", const="right",
                   choices=("right", "left", "top", "bottom", "none"), metavar="POSITION",
                   help="draw a colorbar: right (the default when no position is given), "
                        "left, top, bottom, or none")
    g.add_argument("--colorbar-label", help="text along the colorbar")
    g.add_argument("--grid", action="store_true", help="gridlines at the tick positions")
    g.add_argument("--grid-color", default="#b0b0b0", help="gridline colour (default: #b0b0b0)")
    g.add_argument("--grid-style", default="solid",
                   choices=("solid", "dashed", "dotted", "dashdot", "-", ":", "-."),
                   help="gridline style: solid (default), dashed, dotted, dashdot")
    g.add_argument("--grid-width", type=_number, default=1.0,
                   help="gridline width in pixels at scale 1 (default: 1)")
    g.add_argument("--title", help="title above the image")
    g.add_argument("--xlabel", help="label under the x axis")
    g.add_argument("--ylabel", help="label beside the y axis")
    g.add_argument("--xticklabels", type=_ticks_arg, metavar="auto|all|none|N",
                   help="column tick labels: auto (thinned so they never overlap; the default "
                        "with overlays), all, none, or every N-th")
    g.add_argument("--yticklabels", type=_ticks_arg, metavar="auto|all|none|N",
                   help="row tick labels: auto, all, none, or every N-th")
    g.add_argument("--annot", action="store_true",
                   help="write each cell's value in it (cells too small are left blank)")
    g.add_argument("--fmt", default=".2g",
                   help="format spec of --annot values, e.g. .2f, d, .1%% (default: .2g)")
    g.add_argument("--linewidths", type=_number, default=0.0,
                   help="width in pixels of borders between cells (default: 0, none)")
    g.add_argument("--linecolor", default="white", help="colour of cell borders (default: white)")
    g.add_argument("--mask", metavar="FILE",
                   help=".npy boolean array of the matrix's shape: True cells are hidden")
    g.add_argument("--font-size", type=_number, default=12.0,
                   help="text size in pixels at scale 1 (default: 12; title 1.25x)")
    g.add_argument("--font", help="TrueType/OpenType font file (default: Pillow's built-in font)")
    g.add_argument("--background",
                   help="canvas colour (default: white with overlays, transparent without); "
                        "'none' for transparent")
    g.add_argument("--scale", type=_number, default=1.0,
                   help="scale everything, raster and text, e.g. 2 for high-DPI (default: 1)")


def _overlay_options(args):
    """``heatmap``/``save`` keyword arguments from the overlay options."""
    colorbar = args.colorbar not in (None, "none") and args.colorbar
    if colorbar and args.colorbar_label:
        colorbar = {"position": colorbar, "label": args.colorbar_label}
    grid = args.grid and {"color": args.grid_color, "linestyle": args.grid_style,
                          "linewidth": args.grid_width}
    mask = None
    if args.mask:
        import numpy as np

        if not os.path.exists(args.mask):
            raise UsageError(f"--mask file {args.mask!r} does not exist")
        try:
            mask = np.load(args.mask, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise UsageError(f"cannot read --mask {args.mask!r}: {e}") from None
    return dict(colorbar=colorbar, grid=grid, title=args.title, xlabel=args.xlabel,
                ylabel=args.ylabel, xticklabels=args.xticklabels, yticklabels=args.yticklabels,
                annot=args.annot, fmt=args.fmt, linewidths=args.linewidths,
                linecolor=args.linecolor, mask=mask, font_size=args.font_size, font=args.font,
                background=args.background, scale=args.scale)


def _add_input_options(p):
    g = p.add_argument_group("out-of-core inputs and point tables")
    g.add_argument("--dataset", help="array inside a zarr group or HDF5 file "
                                     "(or write INPUT as file.h5:/path/to/dataset)")
    g.add_argument("--x", help="point table (.parquet, .csv, .tsv): column of x coordinates")
    g.add_argument("--y", help="point table: column of y coordinates (y grows upward)")
    g.add_argument("--value", help="point table: column to reduce (default: count points)")
    g.add_argument("--x-range", nargs=2, type=_number, metavar=("LO", "HI"),
                   help="point table: x window (default: the data's extent)")
    g.add_argument("--y-range", nargs=2, type=_number, metavar=("LO", "HI"),
                   help="point table: y window (default: the data's extent)")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")


def open_input(args):
    """The data for ``fastheat render`` and the source options it needs."""
    from .sources import files as outofcore

    point_keys = ("x", "y", "value", "x_range", "y_range")
    points = {k: getattr(args, k) for k in point_keys if getattr(args, k) is not None}
    if points and (args.x is None or args.y is None):
        raise UsageError("a point table needs both --x and --y columns")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        data = outofcore.open_path(args.input, dataset=args.dataset, points=bool(points),
                                   columns=(args.x, args.y, args.value))
    except (ValueError, OSError) as e:
        raise UsageError(str(e)) from None
    if data is None:
        if points:
            raise UsageError(f"--x/--y are for point tables (.parquet, .csv, .tsv), not "
                             f"{args.input!r}")
        data = load_matrix(args.input, args.key)
    return data, {**points, "progress": progress}


def _describe(data, options):
    if "x" in options:
        return "point table"
    return " x ".join(map(str, data.shape)) + " matrix"


def parser():
    p = _Parser(prog="fastheat", description="Fast heatmaps of huge matrices.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("render", help="render a matrix file to an image",
                       description=f"Render a matrix file ({INPUTS}) to an image.")
    r.add_argument("input", help=f"matrix file: {INPUTS}")
    r.add_argument("--key", help="array name inside an .npz file")
    _add_input_options(r)
    _add_render_options(r)
    _add_overlay_options(r)
    d = sub.add_parser("demo", help="render a built-in 10,000 x 10,000 synthetic matrix",
                       description="Render a built-in synthetic genome contact map "
                                   "(10,000 x 10,000 float32).")
    d.add_argument("--size", type=int, default=10_000, help="matrix side (default: 10000)")
    _add_render_options(d)
    _add_overlay_options(d)
    d.set_defaults(cmap="fire", norm="eq_hist", colorbar="right", colorbar_label="contacts",
                   xlabel="genomic bin", ylabel="genomic bin")
    return p


def run(args):
    from . import api as render

    options = {k: getattr(args, k) for k in _RASTER_KEYS}
    options.update(_overlay_options(args))
    if args.command == "demo" and args.title is None:
        options["title"] = f"Synthetic genome contact map, {args.size:,} x {args.size:,}"
    if args.command == "demo":
        from .demo import contact_map

        if args.size < 1:
            raise UsageError(f"--size must be a positive integer, got {args.size}")
        data = contact_map(args.size)
    else:
        data, more = open_input(args)
        options.update(more)
    t0 = time.perf_counter()
    render.save(data, args.output, format=args.format, **options)
    if not args.quiet:
        print(f"wrote {args.output} ({_describe(data, options)}, "
              f"{time.perf_counter() - t0:.2f} s)")


def _skip_numba_blas_probe():
    """Numba's first use probes for BLAS by importing scipy.linalg (0.1 s when
    scipy is installed). The command line never calls BLAS from jitted code,
    so in its own process (only there) the probe is answered "no" at once."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg.cython_blas"] = None  # import -> ImportError, no scipy load
    try:
        import numba.np.arraymath  # noqa: F401  (runs the probe now)
    finally:
        del sys.modules["scipy.linalg.cython_blas"]


def main(argv=None):
    if argv is None:  # run as the program (not called from Python with arguments)
        _skip_numba_blas_probe()
    args = parser().parse_args(argv)
    try:
        run(args)
    except (UsageError, ValueError, TypeError, OSError, ImportError) as e:
        # one line: messages of third-party libraries can run over several
        lines = str(e).strip().splitlines() or [type(e).__name__]
        print(f"fastheat: error: {lines[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
