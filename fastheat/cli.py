"""Command line: ``fastheat render INPUT -o OUTPUT`` and ``fastheat demo -o OUTPUT``.

Errors print one line, ``fastheat: error: ...``, and exit with status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from .aggregation import REDUCTIONS
from .norms import NORMS

INPUTS = ".npy (memory-mapped), .npz (--key), .csv, .tsv"


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit 2."""


def load_matrix(path, key=None):
    """Open a matrix file: ``.npy`` memory-mapped (never unpickled), ``.npz``
    member ``key``, or a delimited text file of numbers."""
    import numpy as np

    if not os.path.exists(path):
        raise UsageError(f"input file {path!r} does not exist")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False)
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
    except (ValueError, OSError, EOFError) as e:
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


def parser():
    p = argparse.ArgumentParser(prog="fastheat", description="Fast heatmaps of huge matrices.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("render", help="render a matrix file to an image",
                       description=f"Render a matrix file ({INPUTS}) to an image.")
    r.add_argument("input", help=f"matrix file: {INPUTS}")
    r.add_argument("--key", help="array name inside an .npz file")
    _add_render_options(r)
    d = sub.add_parser("demo", help="render a built-in 10,000 x 10,000 synthetic matrix",
                       description="Render a built-in synthetic genome contact map "
                                   "(10,000 x 10,000 float32).")
    d.add_argument("--size", type=int, default=10_000, help="matrix side (default: 10000)")
    _add_render_options(d)
    d.set_defaults(cmap="fire", norm="eq_hist")
    return p


def run(args):
    from . import render

    options = {k: getattr(args, k) for k in _RASTER_KEYS}
    if args.command == "demo":
        from .demo import contact_map

        if args.size < 1:
            raise UsageError(f"--size must be a positive integer, got {args.size}")
        data = contact_map(args.size)
    else:
        data = load_matrix(args.input, args.key)
    t0 = time.perf_counter()
    render.save(data, args.output, format=args.format, **options)
    if not args.quiet:
        shape = " x ".join(map(str, data.shape))
        print(f"wrote {args.output} ({shape} matrix, {time.perf_counter() - t0:.2f} s)")


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        run(args)
    except (UsageError, ValueError, TypeError, OSError) as e:
        print(f"fastheat: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
