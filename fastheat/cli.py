"""Command line: ``fastheat render INPUT -o OUTPUT`` and ``fastheat demo -o OUTPUT``.

Errors print one line, ``fastheat: error: ...``, and exit with status 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import zipfile

from . import options
from .aggregation import REDUCTIONS
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


def _aspect_arg(text):
    if text in ("auto", "equal"):
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not auto, equal or a number (cell "
                                         f"height / cell width)") from None


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


#: The records whose fields become flags, with the title of their group in --help.
GROUPS = ((options.Size, "raster size"), (options.Coloring, "colours"),
          (options.Reading, "reading"),
          (options.Points, "out-of-core inputs and point tables"),
          (options.Decor, "overlays (any of them puts the raster on a white canvas with ticks)"),
          (options.Encode, "output"))
_TYPES = {"number": _number, "ticks": _ticks_arg, "aspect": _aspect_arg}
_CHOICES = {"REDUCTIONS": REDUCTIONS, "NORMS": NORMS}
#: Flags for single fields of the colorbar= and grid= option dicts.
SUBFLAGS = {
    "--colorbar-label": ("colorbar", "label", dict(help="text along the colorbar")),
    "--grid-color": ("grid", "color", dict(help="gridline colour (default: #b0b0b0)")),
    "--grid-style": ("grid", "linestyle", dict(
        choices=("solid", "dashed", "dotted", "dashdot", "-", ":", "-."),
        help="gridline style: solid (default), dashed, dotted, dashdot")),
    "--grid-width": ("grid", "linewidth", dict(
        type=_number, help="gridline width in pixels at scale 1 (default: 1)")),
}
#: Fields whose flags the CLI fills in itself (files, terminals).
SPECIAL = {
    "mask": dict(metavar="FILE", help=".npy boolean array of the matrix's shape: True cells "
                                      "are hidden"),
    "progress": dict(action=argparse.BooleanOptionalAction,
                     help="progress bar on stderr (default: when stderr is a terminal)"),
}


def _help(f):
    """A flag's help: its own, else the first sentence of the option's doc, with
    the default spelled out."""
    spec = f.metadata["cli"] or {}
    text = spec.get("help")
    if text is None:
        doc = " ".join(f.metadata["doc"].replace("``", "").split())
        text = doc.split(". ")[0].rstrip(".")
        if text[1:2].islower():  # "Make the ..." -> "make the ...", but "JPEG ..." stays
            text = text[0].lower() + text[1:]
        text = text.replace("%", "%%")
    if f.default not in (None, False) and "default" not in text:
        text += f" (default: {f.default})"
    return text


def _add_option_flags(p, skip=(), skip_fields=()):
    """One flag per option field that has ``cli`` settings, grouped by record
    (but the records in ``skip`` and the fields in ``skip_fields``)."""
    for record, title in GROUPS:
        if record in skip:
            continue
        g = p.add_argument_group(title)
        for f in dataclasses.fields(record):
            if f.name in skip_fields:
                continue
            if f.name in SPECIAL:
                g.add_argument("--" + f.name.replace("_", "-"), **SPECIAL[f.name])
                continue
            if f.metadata["cli"] is None:
                continue
            spec = {k: v for k, v in f.metadata["cli"].items() if k != "help"}
            if isinstance(spec.get("type"), str):
                spec["type"] = _TYPES[spec["type"]]
            if isinstance(spec.get("choices"), str):
                spec["choices"] = _CHOICES[spec["choices"]]
            g.add_argument("--" + f.name.replace("_", "-"), help=_help(f), **spec)
        if record is options.Decor:
            for flag, (_, _, spec) in SUBFLAGS.items():
                g.add_argument(flag, **spec)
    p.add_argument("-o", "--output", required=True,
                   help="image file; format from the suffix: .png .jpg .jpeg .webp .tif .tiff")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def _load_mask(path):
    import numpy as np

    if not os.path.exists(path):
        raise UsageError(f"--mask file {path!r} does not exist")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise UsageError(f"cannot read --mask {path!r}: {e}") from None


def option_values(args):
    """The keyword options of :func:`fastheat.save` given on the command line."""
    names = [f.name for record, _ in GROUPS for f in dataclasses.fields(record)]
    kwargs = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    for flag, (option, key, _) in SUBFLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value not in (None, "") and kwargs.get(option) not in (None, False, "none"):
            given = kwargs[option]
            base = {"position": given} if isinstance(given, str) else \
                (given if isinstance(given, dict) else {})
            kwargs[option] = {**base, key: value}
    if kwargs.get("colorbar") == "none":
        kwargs["colorbar"] = False
    for name in ("x_range", "y_range"):
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    if "mask" in kwargs:
        kwargs["mask"] = _load_mask(kwargs["mask"])
    progress = getattr(args, "progress", False)
    kwargs["progress"] = sys.stderr.isatty() if progress is None else progress
    return kwargs


def open_input(args, kwargs):
    """The data for ``fastheat render``."""
    from .sources import files

    points = any(kwargs.get(k) is not None for k in ("x", "y", "value", "x_range", "y_range"))
    if points and (args.x is None or args.y is None):
        raise UsageError("a point table needs both --x and --y columns")
    try:
        data = files.open_path(args.input, dataset=args.dataset, points=points,
                                   columns=(args.x, args.y, args.value))
    except (ValueError, OSError) as e:
        raise UsageError(str(e)) from None
    if data is None:
        if points:
            raise UsageError(f"--x/--y are for point tables (.parquet, .csv, .tsv), not "
                             f"{args.input!r}")
        data = load_matrix(args.input, args.key)
    return data


def _describe(data, kwargs):
    if "x" in kwargs:
        return "point table"
    return " x ".join(map(str, data.shape)) + " matrix"


def parser():
    p = _Parser(prog="fastheat", description="Fast heatmaps of huge matrices.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("render", help="render a matrix file to an image",
                       description=f"Render a matrix file ({INPUTS}) to an image.")
    r.add_argument("input", help=f"matrix file: {INPUTS}")
    r.add_argument("--key", help="array name inside an .npz file")
    r.add_argument("--dataset", help="array inside a zarr group or HDF5 file "
                                     "(or write INPUT as file.h5:/path/to/dataset)")
    _add_option_flags(r)
    d = sub.add_parser("demo", help="render a built-in 10,000 x 10,000 synthetic matrix",
                       description="Render a built-in synthetic genome contact map "
                                   "(10,000 x 10,000 float32).")
    d.add_argument("--size", type=int, default=10_000, help="matrix side (default: 10000)")
    # the demo matrix is in memory: no point table, nothing to show progress of
    _add_option_flags(d, skip=(options.Points,), skip_fields=("progress",))
    d.set_defaults(cmap="fire", norm="eq_hist", colorbar="right", colorbar_label="contacts",
                   xlabel="genomic bin", ylabel="genomic bin")
    return p


def run(args):
    from . import api

    kwargs = option_values(args)
    if args.command == "demo":
        from .demo import contact_map

        if args.size < 1:
            raise UsageError(f"--size must be a positive integer, got {args.size}")
        kwargs.setdefault("title", f"Synthetic genome contact map, {args.size:,} x {args.size:,}")
        data = contact_map(args.size)
    else:
        data = open_input(args, kwargs)
    t0 = time.perf_counter()
    api.save(data, args.output, **kwargs)
    if not args.quiet:
        print(f"wrote {args.output} ({_describe(data, kwargs)}, "
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
