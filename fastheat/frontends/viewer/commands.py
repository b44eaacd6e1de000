"""``fastheat serve`` and ``fastheat tiles``: the viewer's command-line runs.

:mod:`fastheat.cli` declares their flags, opens the input and calls these with
the matrix and the parsed arguments (nothing here imports the CLI).
"""
from __future__ import annotations

import os
import sys
import time

_COLORING = ("cmap", "norm", "vmin", "vmax")


def _coloring(args):
    return {k: getattr(args, k) for k in _COLORING if getattr(args, k) is not None}


def cache_dir(args):
    if args.cache_dir:
        return args.cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fastheat", "viewer")


def serve(data, args):
    """Serve the viewer of ``data`` until interrupted."""
    from .core import file_identity
    from .server import ViewerServer

    identity = None if args.x else file_identity(args.input)
    try:
        server = ViewerServer(data, host=args.host, port=args.port, reduce=args.reduce,
                              cache_dir=None if args.no_cache else cache_dir(args),
                              identity=identity, quiet=not args.verbose, **_coloring(args))
    except OSError as e:
        raise ValueError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
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


def tiles(data, args):
    """Write the static pyramid of ``data`` and report its time."""
    from .tiles import sequential_read_seconds, write_tiles

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
