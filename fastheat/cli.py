"""Command line: ``fastheat render INPUT -o OUTPUT`` and ``fastheat demo -o OUTPUT``.

Errors print one line, ``fastheat: error: ...``, and exit with status 2; an
error of the library that names an option (``format='gif'``) names its flag
instead (``--format 'gif'``).

Flags come from the option records (:mod:`fastheat.options`): a field with
``cli=dict(...)`` metadata is the flag ``--field-name`` (underscores become
dashes), whose value is the keyword. The dict holds ``argparse.add_argument``
settings (``help`` defaults to the first sentence of the field's doc), with
these conventions:

``type=``
    a Python callable, or the name of a value type of :data:`TYPES`:

    - ``"number"``: one float (``--vmin 0.5``);
    - ``"numbers"``: a comma-separated list of floats, given as a list
      (``--hlines 1,5,9``, ``--levels 0,0.5,1``);
    - ``"number_or_text"``: a float if the text is one, else the text
      (``--aspect equal``, ``--aspect 2.5``);
    - ``"mapping"``: a dict, as ``key=value`` pairs separated by commas
      (values that read as JSON, numbers ``true``/``false``/``null``, are
      converted; others stay strings) or a JSON object
      (``--annot-kws size=8,color=white`` or ``--annot-kws '{"size": 8}'``);
    - ``"ticks"``: ``auto``, ``all``, ``none`` or an integer step.
``nargs=N``
    N separate values, given as a tuple (``cli=dict(type="number", nargs=4)``:
    ``--extent X0 X1 Y0 Y1`` is ``extent=(x0, x1, y0, y1)``).
``choices=``
    a tuple, or the name of one in :data:`CHOICES`.
``action="store_true"``
    a switch (``--square`` is ``square=True``).

Each value type has a default ``metavar`` for ``--help``; ``cli={}`` is a flag
taking one string (colours, paths).
"""
from __future__ import annotations

import argparse
import dataclasses
import signal
import io
import json
import os
import re
import sys
import threading
import time
import warnings
import zipfile

from . import options
from .aggregation import REDUCTIONS
from .color.norms import NORMS

INPUTS = (".npy (memory-mapped), .npz (--key; scipy.sparse save_npz files too), .csv, .tsv, "
          ".zarr, .h5:/dataset (HDF5), .cool/.mcool (--resolution, --balance, --region), .h5ad "
          "(--layer), and point tables .parquet/.csv with --x --y")


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """Command-line mistakes in one line too (argparse would print the usage
    first); ``--help`` still shows everything."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def load_matrix(path, key=None, header=None, index=None):
    """Open a matrix file: ``.npy`` memory-mapped (never unpickled), ``.npz``
    member ``key``, or a delimited text file of numbers, labelled as a pandas
    ``to_csv()`` file (see :func:`fastheat.sources.files.read_text_matrix`)."""
    if not os.path.exists(path):
        raise UsageError(f"input file {path!r} does not exist")
    ext = os.path.splitext(path)[1].lower()
    if (header, index) != (None, None) and ext not in (".csv", ".tsv", ".txt"):
        raise UsageError(f"--header/--index are for text matrices (.csv, .tsv, .txt), not "
                         f"{path!r}")
    if ext == ".npy":  # header checked first: object arrays refused, truncation reported
        from .sources.files import open_npy

        try:
            return open_npy(path)
        except (ValueError, OSError) as e:
            raise UsageError(str(e)) from None
    try:
        if ext == ".npz":  # header checked against the zip; compressed: streamed
            from .sources.files import open_npz

            try:
                return open_npz(path, key)
            except ValueError as e:  # names the file and member
                raise UsageError(str(e)) from None
        if ext in (".csv", ".tsv", ".txt"):
            from .sources.files import read_text_matrix

            try:
                return read_text_matrix(path, {".csv": ",", ".tsv": "\t"}.get(ext),
                                        header=header, index=index)
            except UnicodeDecodeError as e:
                raise UsageError(f"cannot read {path!r}: not a text file ({e.reason})") from None
            except ValueError as e:  # names the file, line and column
                raise UsageError(str(e)) from None
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


def _numbers(text):
    """``"1,5,9"`` -> ``[1.0, 5.0, 9.0]``."""
    from .sources.files import is_number_text

    parts = [t.strip() for t in text.split(",")]
    try:
        return [float(t) for t in parts]
    except ValueError:
        bad = next(t for t in parts if not is_number_text(t))
        raise argparse.ArgumentTypeError(f"{bad!r} in {text!r} is not a number (give numbers "
                                         f"separated by commas, e.g. 1,5,9)") from None


def _number_or_text(text):
    from .sources.files import is_number_text

    return float(text) if is_number_text(text) else text


def _mapping(text):
    """``"size=8,color=white"`` or ``'{"size": 8}'`` -> ``{"size": 8, "color": "white"}``."""
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{text!r} is not a JSON object ({e})") from None
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError(f"{text!r} is not a JSON object")
        return value
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise argparse.ArgumentTypeError(f"{item!r} in {text!r} is not KEY=VALUE (give "
                                             f"pairs separated by commas, e.g. size=8,color=white)")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out


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


def _levels_arg(text):
    """``--levels``: a number of bands (``7``) or comma-separated edges (``0,1,5,10``)."""
    try:
        return int(text) if "," not in text else [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of levels or "
                                         f"comma-separated band edges") from None


#: The records whose fields become flags, with the title of their group in --help.
GROUPS = ((options.Size, "raster size"), (options.Coloring, "colours"),
          (options.Reading, "reading"),
          (options.Points, "out-of-core inputs and point tables"),
          (options.Decor, "overlays (any of them puts the raster on a white canvas with ticks)"),
          (options.Encode, "output"))
#: The value types ``cli=dict(type=NAME)`` can name: (parser, default metavar).
TYPES = {"number": (_number, None), "numbers": (_numbers, "N,N,..."),
         "number_or_text": (_number_or_text, None), "mapping": (_mapping, "KEY=VALUE,..."),
         "ticks": (_ticks_arg, None), "levels": (_levels_arg, "N or V,V,..."),
         "aspect": (_aspect_arg, "auto|equal|N")}
#: The tuples of choices ``cli=dict(choices=NAME)`` can name.
CHOICES = {"REDUCTIONS": REDUCTIONS, "NORMS": NORMS}
#: Flags for single fields of the colorbar= and grid= option dicts; each implies
#: its overlay (``--grid-color red`` draws the grid, ``--colorbar-label`` a
#: colorbar on the right) and is refused with ``--colorbar none``.
SUBFLAGS = {
    "--colorbar-label": ("colorbar", "label", dict(
        help="text along the colorbar (implies --colorbar)")),
    "--grid-color": ("grid", "color", dict(
        help="gridline colour (default: #b0b0b0; implies --grid)")),
    "--grid-style": ("grid", "linestyle", dict(
        choices=("solid", "dashed", "dotted", "dashdot", "-", ":", "-."),
        help="gridline style: solid (default), dashed, dotted, dashdot (implies --grid)")),
    "--grid-width": ("grid", "linewidth", dict(
        type=_number, help="gridline width in pixels at scale 1 (default: 1; implies --grid)")),
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


def flag(name):
    """The flag of option ``name``: ``"x_range"`` -> ``"--x-range"``."""
    return "--" + name.replace("_", "-")


def _flag_settings(f):
    """``add_argument`` settings of field ``f``, with its named type and choices
    resolved."""
    spec = {k: v for k, v in f.metadata["cli"].items() if k != "help"}
    if isinstance(spec.get("type"), str):
        spec["type"], metavar = TYPES[spec["type"]]
        if metavar:
            spec.setdefault("metavar", metavar)
    if isinstance(spec.get("choices"), str):
        spec["choices"] = CHOICES[spec["choices"]]
    return spec


def _add_option_flags(p, groups=GROUPS, skip=(), skip_fields=()):
    """One flag per option field that has ``cli`` settings, grouped by record
    (but the records in ``skip`` and the fields in ``skip_fields``)."""
    for record, title in groups:
        if record in skip:
            continue
        g = p.add_argument_group(title)
        for f in dataclasses.fields(record):
            if f.name in skip_fields:
                continue
            if f.name in SPECIAL:
                g.add_argument(flag(f.name), **SPECIAL[f.name])
            elif f.metadata["cli"] is not None:
                g.add_argument(flag(f.name), help=_help(f), **_flag_settings(f))
        if record is options.Decor:
            for name, (_, _, spec) in SUBFLAGS.items():
                g.add_argument(name, **spec)
    p.set_defaults(_records=tuple(record for record, _ in groups if record not in skip))
    p.add_argument("-o", "--output", required=True,
                   help="image file; format from the suffix: .png .jpg .jpeg .webp .tif .tiff "
                        ".svg .pdf; - writes to stdout (then --format is required)")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def _load_mask(path):
    if not os.path.exists(path):
        raise UsageError(f"--mask file {path!r} does not exist")
    _check_readable(path, "--mask")
    if not path.lower().endswith(".npy"):
        raise UsageError(f"--mask {path!r} must be a .npy file (a boolean array of the "
                         f"matrix's shape)")
    from .sources.files import open_npy

    try:  # memory-mapped; a header promising more than the file holds is refused
        return open_npy(path)
    except (ValueError, OSError) as e:
        raise UsageError(f"cannot read --mask {path!r}: {e}") from None


def _with(given, key, value):
    """A ``colorbar=``/``grid=`` value (None, True, a position, a dict) with
    ``key`` set: always a dict, so the overlay is drawn."""
    base = {"position": given} if isinstance(given, str) else \
        (given if isinstance(given, dict) else {})
    return {**base, key: value}


def option_values(args):
    """The keyword options of :func:`fastheat.save` given on the command line."""
    kwargs = {}
    for record in args._records:
        for f in dataclasses.fields(record):
            value = getattr(args, f.name, None)
            if value is not None:
                nargs = (f.metadata["cli"] or {}).get("nargs")
                kwargs[f.name] = tuple(value) if isinstance(nargs, int) else value
    for name, (option, key, _) in SUBFLAGS.items():
        value = getattr(args, name[2:].replace("-", "_"), None)
        if value in (None, ""):  # an empty --colorbar-label keeps the default label
            continue
        given = kwargs.get(option)
        if given == "none":
            raise UsageError(f"{name} is for the {option}, but {flag(option)} none was given")
        kwargs[option] = _with(given, key, value)  # implies the overlay
    if kwargs.get("colorbar") == "none":
        kwargs["colorbar"] = False
    if "mask" in kwargs:
        kwargs["mask"] = _load_mask(kwargs["mask"])
    progress = getattr(args, "progress", False)
    kwargs["progress"] = sys.stderr.isatty() if progress is None else progress
    return kwargs


def open_input(args, kwargs):
    """The data for ``fastheat render``."""
    from .sources import files

    points = any(kwargs.get(k) is not None for k in ("x", "y", "value", "x_range", "y_range"))
    _check_readable(files.split_dataset(args.input, args.dataset)[0], "input")
    if points and (args.x is None or args.y is None):
        raise UsageError("a point table needs both --x and --y columns")
    try:
        data = files.open_path(args.input, dataset=args.dataset, points=points,
                                   columns=(args.x, args.y, args.value))
    except (ValueError, OSError) as e:
        raise UsageError(str(e)) from None
    if data is not None and getattr(args, "allow_sparse", False) and not points:
        from .sources import chunked

        make = chunked.zarr_source if "zarr" in type(data).__module__ else chunked.hdf5_source
        try:
            data = make(data, allow_sparse=True, progress=kwargs.get("progress", False))
        except (ValueError, TypeError) as e:
            raise UsageError(str(e)) from None
    if data is None:
        if points:
            raise UsageError(f"--x/--y are for point tables (.parquet, .csv, .tsv), not "
                             f"{args.input!r}")
        data = load_matrix(args.input, args.key, args.header, args.index)
    return data


def _describe(data, kwargs):
    if "x" in kwargs:
        return "point table"
    shape = getattr(data, "shape", None)  # None: a cooler or AnnData path
    return os.path.basename(str(data)) if shape is None else \
        " x ".join(map(str, shape)) + " matrix"


def parser():
    # the package's own version; the package is imported before any of its modules
    version = sys.modules[__package__].__version__
    p = _Parser(prog="fastheat", description="Fast heatmaps of huge matrices.")
    p.add_argument("--version", action="version", version=f"fastheat {version}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("render", help="render a matrix file to an image",
                       description=f"Render a matrix file ({INPUTS}) to an image.")
    _add_inputs(r)
    r.add_argument("--key", help="array name inside an .npz file")
    r.add_argument("--dataset", help="array inside a zarr group or HDF5 file "
                                     "(or write INPUT as file.h5:/path/to/dataset)")
    r.add_argument("--header", action=argparse.BooleanOptionalAction,
                   help="text matrix: the first row is column labels (default: when every "
                        "field after the first is a name, or pandas' empty corner starts it)")
    r.add_argument("--index", action=argparse.BooleanOptionalAction,
                   help="text matrix: the first column is row labels (default: when the "
                        "header's first field is empty, or every row starts with a name)")
    r.add_argument("--allow-sparse", action="store_true",
                   help="zarr/HDF5: read a store even when most of its chunks were never "
                        "written (their cells are the fill value); refused by default")
    _add_option_flags(r)
    d = sub.add_parser("demo", help="render a built-in 10,000 x 10,000 synthetic matrix",
                       description="Render a built-in synthetic genome contact map "
                                   "(10,000 x 10,000 float32).")
    d.add_argument("--size", type=int, default=10_000, help="matrix side (default: 10000)")
    # the demo matrix is in memory: no point table, nothing to show progress of
    _add_option_flags(d, skip=(options.Points,), skip_fields=("progress",))
    d.set_defaults(cmap="fire", norm="eq_hist", colorbar="right", xlabel="genomic bin",
                   ylabel="genomic bin")  # and the colorbar's label: run()
    _add_serve_parser(sub)
    _add_tiles_parser(sub)
    return p


def _add_viewer_input(p):
    """The input flags of the viewer's commands (as ``render``'s)."""
    p.add_argument("input", help=f"matrix file: {INPUTS}")
    p.add_argument("--key", help="array name inside an .npz file")
    p.add_argument("--dataset", help="array inside a zarr group or HDF5 file")
    p.add_argument("--header", action=argparse.BooleanOptionalAction,
                   help="text matrix: the first row is column labels")
    p.add_argument("--index", action=argparse.BooleanOptionalAction,
                   help="text matrix: the first column is row labels")
    p.add_argument("--x", help="point table: the x column")
    p.add_argument("--y", help="point table: the y column")
    p.add_argument("--value", help="point table: the column to aggregate (default: count)")
    p.add_argument("--grid", type=int, default=2048,
                   help="point table: side of the grid the points are aggregated to first")
    p.add_argument("--cmap", help="colormap of the first view (default: viridis)")
    p.add_argument("--norm", choices=tuple(NORMS), help="normalization of the first view")
    p.add_argument("--vmin", type=_number, help="value at the bottom of the colormap")
    p.add_argument("--vmax", type=_number, help="value at the top of the colormap")
    p.add_argument("--reduce", choices=tuple(REDUCTIONS), default="mean",
                   help="how cells combine into a pixel (default: mean)")
    p.set_defaults(_records=(), dataset=None)


def _add_serve_parser(sub):
    s = sub.add_parser("serve", help="explore a matrix file in the browser (local server)",
                       description="Serve an interactive viewer of a matrix file on a local "
                                   "web server: zoom, pan, hover values.")
    _add_viewer_input(s)
    s.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--open", action="store_true", help="open the page in the browser")
    s.add_argument("--cache-dir", help="disk cache of the coarse levels (default: "
                                       "~/.cache/fastheat/viewer)")
    s.add_argument("--no-cache", action="store_true", help="no disk cache")
    s.add_argument("--verbose", action="store_true", help="log every request on stderr")
    s.set_defaults(_run=_run_serve)


def _add_tiles_parser(sub):
    t = sub.add_parser("tiles", help="write a static zoomable pyramid (opens from disk)",
                       description="Write a static multi-resolution pyramid of a matrix "
                                   "file: tiles, a manifest and an index.html viewer.")
    _add_viewer_input(t)
    t.add_argument("outdir", help="new folder for the pyramid")
    t.add_argument("--no-values", action="store_true",
                   help="leave out the hover values (a smaller folder)")
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress on stderr (default: when stderr is a terminal)")
    t.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    t.set_defaults(_run=_run_tiles)


def _viewer_data(args):
    """The matrix of ``fastheat serve``/``tiles`` (a point table aggregated to
    a ``--grid`` square first)."""
    kwargs = {k: getattr(args, k) for k in ("x", "y", "value") if getattr(args, k, None)}
    data = open_input(args, kwargs)
    if kwargs:
        from . import api

        data = api.aggregate(data, width=args.grid, height=args.grid, **kwargs)
    return data


def _run_serve(args):
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    from .frontends.viewer import commands

    commands.serve(_viewer_data(args), args)


def _run_tiles(args):
    from .frontends.viewer import commands

    commands.tiles(_viewer_data(args), args)


def _check_stdout(kwargs):
    """``-o -``: the format must be given, and stdout must not be a terminal."""
    from .encode import image_format

    if kwargs.get("format") is None:
        raise UsageError("-o - writes the image to stdout: give its format with --format "
                         "(png, jpeg, webp or tiff)")
    image_format(format=kwargs["format"])
    if sys.stdout.isatty():
        raise UsageError("-o - would write a binary image to the terminal; redirect stdout "
                         "(> out.png, | program) or give a file name")


#: ``fastheat demo --size`` at most: the matrix is made in memory (6 GiB).
DEMO_MAX = 40_000


def same_file(a, b):
    """Whether paths ``a`` and ``b`` name one file: the same inode (hard links,
    symlinks) when both exist, else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _check_readable(path, what):
    """A file or a folder (zarr); a FIFO or device would block or stream forever."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # said by the opener, with the formats it reads
    except OSError as e:
        raise UsageError(f"cannot read {what} {path!r}: {e.strerror}") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise UsageError(f"{what} {path!r} is not a regular file (a device, FIFO or socket); "
                         f"fastheat reads files: {INPUTS}")
    if stat.S_ISDIR(mode) and not path.rstrip("/\\").lower().endswith(".zarr"):
        raise UsageError(f"{what} {path!r} is a folder; fastheat reads files, and folders "
                         f"only as .zarr stores")


def _check_not_input(args):
    """The output never overwrites an input (the matrix file, the mask)."""
    if args.output == "-":
        return
    from .sources.files import split_dataset

    inputs = [("input", split_dataset(args.input)[0]), ("--mask", getattr(args, "mask", None))]
    for what, path in inputs:
        if path and os.path.exists(path) and (
                same_file(path, args.output) or os.path.isdir(path) and
                os.path.realpath(args.output).startswith(os.path.realpath(path) + os.sep)):
            raise UsageError(f"-o {args.output!r} is the {what} file {path!r} (or inside it); "
                             f"writing it would destroy the data: give another output name")


def run(args):
    from . import api

    if getattr(args, "_run", None):  # the viewer's commands (serve, tiles)
        return args._run(args)

    kwargs = option_values(args)
    to_stdout = args.output == "-"
    if to_stdout:  # checked before any data is read
        _check_stdout(kwargs)
    if args.command == "demo":
        from .demo import contact_map

        if not 1 <= args.size <= DEMO_MAX:
            raise UsageError(f"--size must be an integer from 1 to {DEMO_MAX:,} (the demo "
                             f"matrix is built in memory: {DEMO_MAX:,}^2 float32 cells are "
                             f"{DEMO_MAX ** 2 * 4 / 2 ** 30:.1f} GiB), got {args.size:,}")
        kwargs.setdefault("title", f"Synthetic genome contact map, {args.size:,} x {args.size:,}")
        if kwargs["colorbar"] not in (False, "none") and not args.colorbar_label:
            kwargs["colorbar"] = _with(kwargs["colorbar"], "label", "contacts")
        data = contact_map(args.size)
    else:
        _check_not_input(args)
        data = open_input(args, kwargs)
    t0 = time.perf_counter()
    if to_stdout:  # encoded in full first: a failed render writes nothing
        buffer = io.BytesIO()
        api.save(data, buffer, **kwargs)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.buffer.flush()
        return
    api.save(data, args.output, **kwargs)
    if not args.quiet:
        print(f"wrote {args.output} ({_describe(data, kwargs)}, "
              f"{time.perf_counter() - t0:.2f} s)")


def as_flags(message, records):
    """A library message in command-line words: the options of ``records`` that
    have flags read as their flags.

    >>> as_flags("format='gif' is not supported (or pass format=)", [options.Encode])
    "--format 'gif' is not supported (or pass --format)"
    >>> as_flags("grid linestyle='~' is not a line style", [])
    "--grid-style '~' is not a line style"
    """
    names = {f.name: flag(f.name) for record in records for f in dataclasses.fields(record)
             if f.metadata["cli"] is not None or f.name in SPECIAL}
    names.update({f"{option} {key}": name for name, (option, key, _) in SUBFLAGS.items()})

    def replace(m):
        follows = message[m.end():m.end() + 1]
        return names[m.group(1)] + ("" if follows in ("", " ", ")", ",", ";") else " ")

    words = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.sub(rf"(?<![\w.-])({words})=", replace, message)


# --------------------------------------------------------------------------- batch

BATCH_HELP = """\
Several inputs are rendered in one process (no start-up per file), --jobs at
a time: give -o a folder (ending in / or existing: FOLDER/STEM.png) or a
template with {stem} (the input's name without its suffix), {name} (with it)
or {index} (its position, from 0), e.g. -o "out/{stem}.webp". Two inputs
that would write the same file are refused before anything is rendered. A
file that fails is reported on one line and the others are still rendered;
the exit status is then 2 (0 when all were written)."""
TEMPLATE_FIELDS = ("stem", "name", "index")


def _add_inputs(r):
    """``render``'s input files (one or several) and ``--jobs``."""
    r.add_argument("input", nargs="+", metavar="INPUT", help=f"matrix file(s): {INPUTS}")
    r.add_argument("--jobs", "-j", type=_jobs_arg, default=None,
                   help="inputs rendered at once when there are several (default: the "
                        "number of CPU cores, at most 4)")
    r.epilog = BATCH_HELP
    r.formatter_class = argparse.RawDescriptionHelpFormatter


def _jobs_arg(text):
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {jobs}")
    return jobs


def _is_folder(output):
    return output.endswith(("/", os.sep)) or os.path.isdir(output)


def is_batch(args) -> bool:
    """``render`` with several inputs, or with a folder or template as ``-o``."""
    if args.command != "render":
        return False
    return len(args.input) > 1 or args.output != "-" and (
        _is_folder(args.output) or "{" in args.output)


def input_stem(path):
    """The name of an input without folder and suffix: ``data/a.npy`` ->
    ``a``, ``c.zarr/`` -> ``c``, ``f.h5:/g/m`` -> ``f_g_m`` (its dataset joined)."""
    from .sources.files import split_dataset

    file, dataset = split_dataset(path, None)
    stem = os.path.splitext(os.path.basename(file.rstrip("/\\")))[0]
    if dataset:
        stem += "_" + "_".join(filter(None, dataset.split("/")))
    return stem


def batch_outputs(inputs, output):
    """The output path of each input: ``output`` a folder (``FOLDER/STEM.png``)
    or a template (:data:`TEMPLATE_FIELDS`); :class:`UsageError` for a bad
    template or two inputs that would write the same file."""
    import string

    if output == "-":
        raise UsageError(f"-o - writes one image to stdout, but {len(inputs)} inputs were given; "
                         f"give -o a folder (out/) or a template (\"{{stem}}.png\")")
    if _is_folder(output):
        template = os.path.join(output, "{stem}.png")
    else:
        template = output
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as e:
            raise UsageError(f"-o {output!r} is not a valid template ({e}); use {{stem}}, "
                             f"{{name}} or {{index}}") from None
        unknown = fields - set(TEMPLATE_FIELDS)
        if unknown or not fields:
            what = f"has {{{sorted(unknown)[0]}}}" if unknown else "has no field"
            raise UsageError(f"-o {output!r} {what}; with several inputs -o is a folder (out/) "
                             f"or a template with {{stem}}, {{name}} or {{index}} "
                             f"(e.g. \"out/{{stem}}.png\")")
    outputs, seen = [], {}
    for k, path in enumerate(inputs):
        name = os.path.basename(path.rstrip("/\\"))
        try:
            target = template.format(stem=input_stem(path), name=name, index=k)
        except (ValueError, IndexError, KeyError) as e:
            raise UsageError(f"-o {output!r} is not a valid template ({e}); use {{stem}}, "
                             f"{{name}} or {{index}}") from None
        key = os.path.normcase(os.path.abspath(target))
        if key in seen:
            raise UsageError(f"inputs {seen[key]!r} and {path!r} would both be written to "
                             f"{target!r}; use {{index}} or {{name}} in the -o template")
        seen[key] = path
        outputs.append(target)
    if not _is_folder(output):  # a folder -o is made; a template's folders must exist
        for target in outputs:
            folder = os.path.dirname(os.path.abspath(target))
            if not os.path.isdir(folder):
                raise UsageError(f"cannot write {target!r}: folder {folder!r} does not exist "
                                 f"(an -o ending in / is created, a template's folder is not)")
    return outputs


def _render_one(args, kwargs, path, target):
    """Render input ``path`` to ``target`` with the batch's options: ``(line
    to print or None, failed)``; never raises an error of the input's."""
    from . import api

    one = argparse.Namespace(**{**vars(args), "input": path, "output": target})
    t0 = time.perf_counter()
    _rendering.input = path  # (its warnings name it)
    try:
        data = open_input(one, kwargs)
        api.save(data, target, **kwargs)
    except (UsageError, ValueError, TypeError, OSError, ImportError, MemoryError,
            RuntimeError) as e:
        lines = str(e).strip().splitlines() or [type(e).__name__]
        return f"fastheat: error: {path}: {as_flags(lines[0], args._records)}", True
    finally:
        _rendering.input = None
    if args.quiet:
        return None, False
    return (f"wrote {target} ({_describe(data, kwargs)}, "
            f"{time.perf_counter() - t0:.2f} s)"), False


def run_batch(args) -> int:
    """``fastheat render IN1 IN2 ... -o FOLDER/`` (or a template): every input
    rendered with the same options, ``--jobs`` at a time in threads (the
    kernels and the encoder release the GIL); a failed input is reported in
    one line and the rest go on. Exit status 2 when any failed."""
    from concurrent.futures import ThreadPoolExecutor

    t0 = time.perf_counter()
    try:
        outputs = batch_outputs(args.input, args.output)
        folder = args.output if _is_folder(args.output) else None
        if folder is not None and not os.path.isdir(folder):
            os.makedirs(folder, exist_ok=True)
        kwargs = option_values(args)  # a bad option (--mask file) fails once, before any input
    except (UsageError, ValueError, TypeError, OSError) as e:
        lines = str(e).strip().splitlines() or [type(e).__name__]
        print(f"fastheat: error: {as_flags(lines[0], args._records)}", file=sys.stderr)
        return 2
    jobs = args.jobs or min(4, os.cpu_count() or 1)
    failed = 0
    try:
        with ThreadPoolExecutor(min(jobs, len(outputs))) as pool:
            # in input order, each line as soon as its file and those before it are done
            for line, bad in pool.map(lambda io: _render_one(args, kwargs, *io),
                                      zip(args.input, outputs)):
                failed += bad
                if line is not None:
                    print(line, file=sys.stderr if bad else sys.stdout, flush=True)
    except KeyboardInterrupt:
        return 130
    if not args.quiet or failed:
        n, dt = len(outputs), time.perf_counter() - t0
        print(f"{n - failed} of {n} inputs rendered in {dt:.2f} s ({n / dt:.1f} files/s)"
              + (f"; {failed} failed" if failed else ""), file=sys.stderr if failed else sys.stdout)
    return 2 if failed else 0


def _skip_numba_blas_probe():
    """Numba probes for BLAS by importing scipy.linalg (0.1-0.5 s when scipy is
    installed) when it first loads its implementations, i.e. when the first
    jitted function is compiled or loaded from the cache. The command line
    never calls BLAS from jitted code, so in its own process (only there) the
    probe is answered "no" at once, whenever it comes: a render that runs no
    jitted function (a small matrix at its own size) pays for neither."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    if not any(isinstance(f, _NoBlasProbe) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoBlasProbe())


class _NoBlasProbe:
    """A meta path finder that sees ``numba.np.arraymath`` being imported and
    runs it with ``scipy.linalg.cython_blas`` unimportable (None in
    ``sys.modules``: no scipy import at all), then steps aside."""

    def find_spec(self, name, path=None, target=None):
        if name != "numba.np.arraymath":
            return None
        import importlib.machinery

        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            blocked = "scipy.linalg" not in sys.modules and \
                sys.modules.setdefault("scipy.linalg.cython_blas", None) is None
            try:
                run(module)
            finally:
                if blocked and sys.modules.get("scipy.linalg.cython_blas", 0) is None:
                    del sys.modules["scipy.linalg.cython_blas"]

        spec.loader.exec_module = exec_module
        return spec


# --------------------------------------------------------------------------- warnings

#: The input a batch thread is rendering, named in its warnings.
_rendering = threading.local()


def _warnings_as_lines(records):
    """While the command runs, every warning is one line on stderr,
    ``fastheat: warning: MESSAGE`` in command-line words (``--width``, not
    ``width=``), after the input's path in a batch and the category's name
    when it is not one of fastheat's own; not Python's dump, whose location
    would be runpy's (fastheat attributes its warnings to the caller's line).
    fastheat's own are shown for every render (a batch's inputs may each give
    the same one), unless ``-W`` or ``PYTHONWARNINGS`` says otherwise; call
    inside ``warnings.catch_warnings()``."""
    from .compose import AnnotationWarning

    def show(message, category, filename, lineno, file=None, line=None):
        text = (str(message).strip().splitlines() or [category.__name__])[0]
        if not (category.__module__ or "").startswith("fastheat"):
            text = f"{category.__name__}: {text}"
        path = getattr(_rendering, "input", None)
        try:
            print(f"fastheat: warning: {path + ': ' if path else ''}{as_flags(text, records)}",
                  file=sys.stderr, flush=True)
        except (OSError, ValueError):  # stderr closed
            pass

    warnings.showwarning = show
    if not sys.warnoptions:
        warnings.simplefilter("always", AnnotationWarning)


class _Signal(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so that every cleanup
    (the atomic write's temporary file) runs; exit status 128 + the number."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_signal(signum, frame):
    raise _Signal(signum)


def _catch_signals(saved):
    """SIGTERM and SIGHUP raise :class:`_Signal` while the command runs (in the
    main thread); the previous handlers go into ``saved`` one by one, so that a
    signal arriving half-way still restores those already replaced."""
    import threading

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None:
                saved[sig] = signal.signal(sig, _raise_signal)


def main(argv=None):
    """The ``fastheat`` program: 0 on success; 2 and one line on stderr for any
    failure; 130, 143, 129 for SIGINT, SIGTERM, SIGHUP (no output left
    half-written)."""
    saved = {}
    try:  # from the first statement on: a Ctrl-C even while the handlers go in is exit 130
        try:
            _catch_signals(saved)
            return _main(argv)
        finally:  # a signal while the handlers are put back raises here: caught below
            _restore_signals(saved)
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except _Signal as e:
        return 128 + e.signum
    finally:
        _restore_signals(saved)  # again, if a signal cut the first short


def _restore_signals(saved):
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _main(argv):
    """:func:`main` inside its signal handlers."""
    if argv is None:  # run as the program (not called from Python with arguments)
        _skip_numba_blas_probe()
    args = parser().parse_args(argv)
    records = getattr(args, "_records", ())
    with warnings.catch_warnings():  # (restores the filters and showwarning)
        _warnings_as_lines(records)
        if is_batch(args):
            return run_batch(args)
        try:
            if args.command == "render":
                args.input = args.input[0]
            run(args)
        except (UsageError, ValueError, TypeError, OSError, ImportError) as e:
            # one line: messages of third-party libraries can run over several
            _error(as_flags(_first_line(e), records))
            return 2
        except MemoryError as e:
            _error(f"out of memory{': ' + _first_line(e) if str(e).strip() else ''} (try a "
                   f"smaller --width/--height, or a memory-mapped .npy input)")
            return 2
        except RecursionError as e:
            _error(f"internal error: {type(e).__name__}: {_first_line(e)}")
            return 2
        except Exception as e:  # a bug, but still one line and exit 2
            _error(f"internal error: {type(e).__name__}: {_first_line(e)} (please report "
                   f"it with the command that gave it)")
            return 2
    return 0


def _first_line(e):
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _error(message):
    try:
        print(f"fastheat: error: {message}", file=sys.stderr)
    except (OSError, ValueError):  # stderr closed
        pass


if __name__ == "__main__":
    sys.exit(main())
