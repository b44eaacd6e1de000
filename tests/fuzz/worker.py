"""The fuzz worker: a child process that runs fuzz examples one at a time.

Run as a script (``python tests/fuzz/worker.py``), it reads one JSON request
per line on stdin and answers one JSON line on its original stdout (library
output sent to fd 1 goes to stderr instead, so it cannot break the protocol).
A segfault or a hang is seen by the parent (:class:`Worker`), which restarts it.

Requests:

``{"kind": "api", "source": SRC}``
    ``SRC`` is a self-contained Python snippet (the reproducer) that defines
    ``fn`` (a public fastheat function name), ``args`` and ``kw``; the worker
    calls ``getattr(fastheat, fn)(*args, **kw)`` with every warning recorded,
    then checks the result (:func:`check_result`).
``{"kind": "cli", "argv": [...], "csv_rows": N or null}``
    ``fastheat.cli.main(argv)`` with fds 1 and 2 captured.

Answer: ``{"outcome": ..., "detail": ...}``; outcomes are in :data:`OUTCOMES`.

The parent-side client, :class:`Worker`, only needs the standard library.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time

#: Every outcome, good ones first.
OUTCOMES = ("ok", "clean error", "vague error", "foreign exception", "leaked warning",
            "wrong image", "hang", "crash", "setup error")
BAD = ("vague error", "foreign exception", "leaked warning", "wrong image", "hang", "crash")

HERE = os.path.dirname(os.path.abspath(__file__))
HANG_SECONDS = 30.0
#: Address-space limit of the worker: a runaway allocation is a MemoryError
#: (reported as a foreign exception), never the shared machine's memory.
MEMORY_LIMIT = 6 << 30
#: Largest heatmap canvas the C/Fortran oracle renders a second time.
ORACLE_PIXELS = 1 << 24


# --------------------------------------------------------------------------- parent side

class Worker:
    """A persistent worker process, restarted after a crash or a hang."""

    def __init__(self, timeout=HANG_SECONDS, env=None):
        self.stderr = None
        self.timeout = timeout
        self.env = env
        self.proc = None
        self.restarts = 0

    def start(self, attempts=3):
        """A fresh worker; on a loaded machine its imports and JIT warm-up can
        take minutes, so a start that times out is tried again (a long run
        must not end because one start was slow) before it is an error."""
        for attempt in range(attempts):
            try:
                return self._start()
            except RuntimeError:
                if attempt == attempts - 1:
                    raise

    def _start(self):
        self._release()
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ if self.env is None else self.env)
        # the checkout this suite belongs to, not whichever fastheat is installed
        root = os.path.dirname(os.path.dirname(HERE))
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get(
            "PYTHONPATH", "").split(os.pathsep) if p])
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "worker.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env)
        self.buffer = b""
        line = self._readline(300)  # imports and JIT warm-up (numba caches compile once)
        if line is None or json.loads(line).get("ready") is not True:
            status = "timed out after 300 s" if line is None else f"said {line[:200]!r}"
            self.proc.kill()
            self.proc.wait()
            tail = self._stderr_tail()
            self._release()
            raise RuntimeError(f"fuzz worker did not start ({status}): {tail}")

    def _stderr_tail(self, n=2000):
        try:
            self.stderr.seek(0, 2)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - n))
            return self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # EOF: the worker died
                    return b""
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def run(self, request: dict) -> dict:
        """Run one request; a dead or stuck worker is restarted and the
        example reported as ``crash`` or ``hang``."""
        self.send(request)
        return self.receive()

    def send(self, request: dict):
        """Start one request (answer it with :meth:`receive`)."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        # the stderr of this example only
        self.stderr.seek(0)
        self.stderr.truncate()
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def receive(self) -> dict:
        """The answer to the request sent last."""
        line = self._readline(self.timeout)
        if line:
            return json.loads(line)
        if line is None:
            self.proc.kill()
            self.proc.wait()
            out = {"outcome": "hang", "detail": f"no answer in {self.timeout:.0f} s; stderr: "
                                                f"{self._stderr_tail(500)}"}
        else:
            code = self.proc.wait()
            out = {"outcome": "crash", "detail": f"worker exit status {code}; stderr: "
                                                 f"{self._stderr_tail()}"}
        self._release()
        self.proc = None
        self.restarts += 1
        return out

    def _release(self):
        """Close the pipes and the stderr file of a finished worker."""
        if self.proc is not None:
            for pipe in (self.proc.stdin, self.proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
        if getattr(self, "stderr", None) is not None:
            self.stderr.close()
            self.stderr = None

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._release()
        self.proc = None


# --------------------------------------------------------------------------- child side

#: Words that count as naming the input (data, or save's path) in an error message;
#: any other message must name one of the options given.
DATA_WORDS = ("data", "path", "suffix", "file", "folder")


def classify_error(e, kw, fn=None, path=None):
    """``clean error``, ``vague error`` or ``foreign exception`` for exception ``e``
    of ``fastheat.<fn>`` (``save``: an OSError naming the ``path`` is clean:
    a folder that does not exist is not a bad value)."""
    import fastheat

    t = type(e)
    ours = t.__module__.startswith("fastheat")
    if fn == "save" and isinstance(e, OSError) and isinstance(path, str) and path in str(e):
        return "clean error" if "\n" not in str(e).strip() else "vague error"
    if t not in (ValueError, TypeError) and not (ours and issubclass(t, (ValueError, TypeError))):
        return "foreign exception"
    message = str(e)
    if not message.strip() or "\n" in message.strip():
        return "vague error"
    low = message.lower()
    names = [n for n in kw] + [w.lower() for w in DATA_WORDS]
    if any(n.lower() in low for n in names):
        return "clean error"
    del fastheat
    return "vague error"


def _images_equal(a, b):
    import numpy as np

    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def _variants(data):
    """Copies of an ndarray that must render exactly alike: C and Fortran
    order, transposed twice, native byte order."""
    import numpy as np

    # ndarray.copy keeps the type (a masked array its mask); np.asfortranarray would not
    out = {"C copy": data.copy(order="C"), "Fortran copy": data.copy(order="F"),
           "transposed twice": data.T.copy().T}
    if data.dtype.byteorder not in ("=", "|") and data.dtype.fields is None:
        out["native byte order"] = data.astype(data.dtype.newbyteorder("="))
    return out


def _plain_kw(kw):
    """``kw`` with numpy scalars as the equal Python numbers (None if none is)."""
    import numpy as np

    plain, changed = {}, False
    for k, v in kw.items():
        if isinstance(v, np.generic) and v.dtype.kind in "biuf" and v.dtype.itemsize <= 8:
            plain[k] = v.item()
            changed = True
        else:
            plain[k] = v
    return plain if changed else None


def check_result(fn, args, kw, result, oracle=None):
    """Why ``result`` of ``fastheat.<fn>(*args, **kw)`` is wrong, or None
    (``oracle``: the one copy of :func:`_variants` to compare with; None: all)."""
    import numpy as np

    import fastheat

    data = args[0]
    w, h = kw.get("width"), kw.get("height")
    sized = type(w) is int and type(h) is int
    small = isinstance(data, np.ndarray) and data.ndim == 2 and data.size <= 20000 and \
        data.dtype.kind in "biuf" and (not sized or w * h <= 40000)
    if fn == "aggregate":
        if not isinstance(result, np.ndarray) or result.dtype != np.float64 or result.ndim != 2:
            return f"aggregate returned {type(result).__name__} {getattr(result, 'dtype', '')}"
        if sized and result.shape != (h, w):
            return f"aggregate shape {result.shape}, asked {(h, w)}"
        if small and sized and h * w <= 400 and data.size <= 400 and \
                set(kw) <= {"width", "height", "reduce", "aspect", "square"} and \
                data.dtype.itemsize <= 8:
            import reference

            try:
                reference.assert_matches(result, data, h, w, kw.get("reduce", "mean"))
            except AssertionError as e:
                return f"aggregate differs from the numpy reference: {e}"
        return None
    if fn in ("to_rgba", "rasterize"):
        if fn == "rasterize":
            return None
        if not isinstance(result, np.ndarray) or result.dtype != np.uint8 or result.ndim != 3 \
                or result.shape[2] != 4:
            return f"to_rgba returned {type(result).__name__} {getattr(result, 'shape', '')}"
        if sized and result.shape[:2] != (h, w):
            return f"to_rgba shape {result.shape}, asked {(h, w)}"
        others = {}
        if small and kw.get("mask") is None:
            variants = _variants(data)
            if oracle not in variants:
                oracle = None if oracle is None else "Fortran copy"
            others = {name: (v, kw) for name, v in variants.items()
                      if oracle is None or name == oracle}
        plain = _plain_kw(kw)
        if plain is not None:
            others["numpy scalar options as Python numbers"] = (data, plain)
        for name, (d, k) in others.items():
            again = fastheat.to_rgba(d, *args[1:], **k)
            if not _images_equal(result, again):
                n = int((result != again).any(axis=-1).sum()) if result.shape == again.shape \
                    else "all"
                return f"to_rgba of the {name} differs ({n} pixels)"
        return None
    if fn == "heatmap":
        from PIL import Image

        if not isinstance(result, Image.Image):
            return f"heatmap returned {type(result).__name__}"
        if result.mode not in ("P", "RGBA", "RGB"):
            return f"heatmap mode {result.mode}"
        if max(result.size) > 65535:
            return f"heatmap canvas {result.size} is past the 65,535 px limit"
        # (the oracle renders a second image while the first is held: not for a
        # canvas past ORACLE_PIXELS, which `scale=` makes of a tiny matrix and two
        # of which exceed the worker's MEMORY_LIMIT: 12 x 1 at scale=64 is 365 Mpx)
        if small and kw.get("mask") is None and not kw.get("annot") is True and \
                result.width * result.height <= ORACLE_PIXELS:
            d = data.copy(order="F")
            again = fastheat.heatmap(d, **kw)
            if not _images_equal(np.asarray(result.convert("RGBA")),
                                 np.asarray(again.convert("RGBA"))):
                return "heatmap of the Fortran copy differs"
        return None
    if fn == "save":
        from PIL import Image

        target = args[1]
        try:
            if hasattr(target, "getvalue"):
                import io

                target = io.BytesIO(target.getvalue())
            # Pillow refuses to open images past 179 Mpx (its decompression-bomb
            # guard); fastheat writes up to 2^29 px, so the check lifts it
            bomb, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                with Image.open(target) as im:
                    im.load()
                    if max(im.size) > 65535:
                        return f"saved image {im.size} is past the 65,535 px limit"
            finally:
                Image.MAX_IMAGE_PIXELS = bomb
        except Exception as e:  # noqa: BLE001 - any failure to read back is the finding
            return f"the saved file does not open: {type(e).__name__}: {e}"
        return None
    return None


def _leftovers(tmp):
    return sorted(n for n in os.listdir(tmp) if ".part" in n or n.startswith(".fastheat"))


def run_api(source):
    import copy
    import shutil
    import traceback
    import warnings

    import numpy as np

    import fastheat

    tmp = tempfile.mkdtemp(prefix="fuzz-")
    ns = {"TMP": tmp, "__name__": "__fuzz__"}
    try:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                exec(compile(source, "<example>", "exec"), ns)
            fn, args, kw = ns["fn"], ns["args"], ns["kw"]
            before = copy.deepcopy(args[0]) if isinstance(args[0], np.ndarray) and \
                args[0].size <= 100000 and args[0].dtype.kind != "O" else None
        except Exception as e:  # noqa: BLE001 - a fuzzer bug, reported as such
            return {"outcome": "setup error", "detail": f"{type(e).__name__}: {e}"}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = getattr(fastheat, fn)(*args, **kw)
                error = None
            except Exception as e:  # noqa: BLE001 - classified below
                error = e
                tb = traceback.format_exc(limit=-8)
        leaked = [w for w in caught if not issubclass(w.category, fastheat.AnnotationWarning)]
        if error is not None:
            outcome = classify_error(error, kw, fn, args[1] if len(args) > 1 else None)
            detail = f"{type(error).__name__}: {error}"
            if outcome != "clean error":
                detail += "\n" + tb
            if fn == "save" and _leftovers(tmp):
                return {"outcome": "wrong image", "detail": f"failed save left {_leftovers(tmp)}"
                                                            f" ({detail})"}
            if leaked and outcome == "clean error":
                outcome, detail = "leaked warning", _warning_text(leaked) + f" (then {detail})"
            return {"outcome": outcome, "detail": detail}
        if leaked:
            return {"outcome": "leaked warning", "detail": _warning_text(leaked)}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the oracle's own renders
                wrong = check_result(fn, args, kw, result, ns.get("ORACLE"))
        except Exception as e:  # noqa: BLE001 - the oracle's render failed where the first did not
            wrong = f"re-render for the oracle raised {type(e).__name__}: {e}"
        if wrong is None and before is not None and not (
                before.dtype == args[0].dtype and np.array_equal(before, args[0], equal_nan=True)
                if before.dtype.kind in "fc" else np.array_equal(before, args[0])):
            wrong = "the input array was modified"
        if wrong is None and fn == "save" and _leftovers(tmp):
            wrong = f"save left {_leftovers(tmp)}"
        if wrong is not None:
            return {"outcome": "wrong image", "detail": wrong}
        return {"outcome": "ok", "detail": ""}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _warning_text(caught):
    w = caught[0]
    return f"{w.category.__name__}: {w.message} ({os.path.basename(w.filename)}:{w.lineno})"


PROGRESS_LINE = __import__("re").compile(r"\|[# ]*\|\s+\d+%")


def run_cli(argv, csv_rows=None):
    """``fastheat.cli.main(argv)`` with fds 1 and 2 captured; the outcome
    follows the CLI contract (exit 0 with an image, or exit 2 with one line)."""
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        return _run_cli(argv, csv_rows, out_f, err_f)


def _run_cli(argv, csv_rows, out_f, err_f):
    import traceback

    from fastheat import cli

    saved = os.dup(1), os.dup(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out_f.fileno(), 1)
    os.dup2(err_f.fileno(), 2)
    tb = None
    try:
        try:
            code = cli.main(argv)
        except SystemExit as e:
            code = e.code
        except BaseException:  # noqa: BLE001 - a traceback is the finding
            code = "traceback"
            tb = traceback.format_exc()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    err_f.seek(0)
    err = err_f.read().decode("utf-8", "replace")
    if tb is not None:
        return {"outcome": "foreign exception", "detail": tb[-3000:]}
    # --progress draws its bar on stderr (documented); anything else counts
    lines = [ln for ln in err.strip().splitlines() if not PROGRESS_LINE.search(ln)]
    err = "\n".join(lines)
    if code == 2:
        if len(lines) == 1 and lines[0].startswith("fastheat: error:") and \
                "Traceback" not in err:
            return {"outcome": "clean error", "detail": lines[0]}
        return {"outcome": "vague error", "detail": f"exit 2, stderr {len(lines)} lines: "
                                                    f"{err[-1500:]}"}
    if code != 0:
        return {"outcome": "foreign exception", "detail": f"exit {code!r}: {err[-1500:]}"}
    # a success may warn, each warning one line of fastheat's own (not Python's dump)
    if any(not ln.startswith("fastheat: warning: ") for ln in lines):
        return {"outcome": "leaked warning", "detail": f"exit 0 with stderr: {err[-1500:]}"}
    output = argv[argv.index("-o") + 1]
    try:
        from PIL import Image

        with Image.open(output) as im:
            im.load()
    except Exception as e:  # noqa: BLE001
        return {"outcome": "wrong image", "detail": f"exit 0 but {output} does not open: {e}"}
    if csv_rows is not None:
        import numpy as np

        data = cli.load_matrix(argv[1])
        if np.shape(data)[0] != csv_rows:
            return {"outcome": "wrong image", "detail": f"exit 0 but the CSV of {csv_rows} data "
                                                        f"rows was read as {np.shape(data)}"}
    return {"outcome": "ok", "detail": ""}


WARM_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float16", "float32", "float64", ">f8", ">f4", ">i4", ">u2", ">i8", ">f2")


def _warm_up():
    """Compile (or load from numba's cache) the common kernels before the
    first example, so that the first examples' time limit is not JIT time."""
    import warnings

    import numpy as np

    import fastheat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dt in WARM_DTYPES:
            a = np.ones((7, 5), dt)
            fastheat.to_rgba(a, width=3, height=4)
            fastheat.to_rgba(a, width=9, height=11)
            fastheat.to_rgba(a[::-1], width=3, height=4, norm="log")
            fastheat.to_rgba(np.asfortranarray(a), width=3, height=4)
            for r in ("sum", "min", "max", "absmax", "std", "count", "nearest"):
                fastheat.aggregate(a, width=3, height=4, reduce=r)
        fastheat.heatmap(np.eye(3), colorbar=True, title="t", annot=True, grid=True)


def main():
    import faulthandler
    import resource

    faulthandler.enable()
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ValueError, OSError):
        pass
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the library prints goes to stderr, never into the protocol
    sys.path.insert(0, os.path.dirname(HERE))  # tests/: `import reference`
    _warm_up()
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        if request["kind"] == "api":
            answer = run_api(request["source"])
        else:
            answer = run_cli(request["argv"], request.get("csv_rows"))
        proto.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
