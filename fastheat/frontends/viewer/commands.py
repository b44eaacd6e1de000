"""``fastheat serve`` and ``fastheat tiles``: the viewer's command-line runs
(their flags are declared in :mod:`fastheat.cli`)."""
from __future__ import annotations

import os
import sys
import time

from ...cli import UsageError, open_input

_COLORING = ("cmap", "norm", "vmin", "vmax")


def _data(args):
    """The matrix of ``args.input`` (a point table is aggregated to a
    ``--grid`` square first)."""
    kwargs = {k: getattr(args, k) for k in ("x", "y", "value") if getattr(args, k, None)}
    data = open_input(args, kwargs)
    if kwargs:
        from ... import api

        data = api.aggregate(data, width=args.grid, height=args.grid, **kwargs)
    return data


def _coloring(args):
    return {k: getattr(args, k) for k in _COLORING if getattr(args, k) is not None}


def cache_dir(args):
    if args.cache_dir:
        return args.cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fastheat", "viewer")


def run_serve(args):
    from .core import file_identity
    from .server import ViewerServer

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    data = _data(args)
    identity = None if args.x else file_identity(args.input)
    try:
        server = ViewerServer(data, host=args.host, port=args.port, reduce=args.reduce,
                              cache_dir=None if args.no_cache else cache_dir(args),
                              identity=identity, quiet=not args.verbose, **_coloring(args))
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    print(f"fastheat viewer of {args.input} ({server.pyramid.shape[0]:,} x "
          f"{server.pyramid.shape[1]:,}): {server.url}", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


def run_tiles(args):
    from .tiles import sequential_read_seconds, write_tiles

    data = _data(args)
    t0 = time.perf_counter()
    last = [0.0]

    def progress(done, total):
        now = time.perf_counter()
        if args.progress and (now - last[0] > 0.5 or done == total):
            last[0] = now
            sys.stderr.write(f"\rfastheat tiles: {done}/{total} tiles")
            if done == total:
                sys.stderr.write("\n")

    summary = write_tiles(data, args.outdir, reduce=args.reduce, values=not args.no_values,
                          progress=progress, **_coloring(args))
    seconds = time.perf_counter() - t0
    if args.quiet:
        return
    line = (f"wrote {args.outdir}: {summary['tiles']:,} tiles, levels "
            f"{summary['levels'][0]}..{summary['levels'][1]}, "
            f"{summary['bytes'] / 1e6:.1f} MB in {seconds:.2f} s")
    path = args.input.split(".h5:")[0]
    if os.path.isfile(path) and not args.x:
        read = sequential_read_seconds(path)
        ratio = seconds / max(read, 1e-9)
        line += f"; one sequential read of the input: {read:.2f} s ({ratio:.1f}x)"
    print(line)
