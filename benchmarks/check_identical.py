"""Check that two versions of fastheat write byte-identical output.

    python benchmarks/check_identical.py render OUTDIR [--examples DIR] [--readme FILE]
    python benchmarks/check_identical.py compare OLDDIR NEWDIR
    python benchmarks/check_identical.py both OLD_CHECKOUT NEW_CHECKOUT [--keep]

render: renders every case with the fastheat this process imports (choose it with
PYTHONPATH=<checkout>, which wins over the editable install; it is printed and kept
in the manifest) into OUTDIR/<case>.<ext> plus OUTDIR/manifest.json (sha256 per
case). Files are hashed as written; arrays (to_rgba, aggregate) as .npy, heatmap()
images as .bin (mode, size, info, palette, pixels). A case that raises is recorded
as "error: <type>: <message>"; warnings (AnnotationWarning) are caught and listed.
compare: one row per case; exit 1 if any case differs or is missing.
both: render in two child processes, PYTHONPATH set to each checkout, into temp
folders (kept if anything differs, or with --keep), then compare. Both children
run OLD_CHECKOUT's examples and README. Children and the `python -m fastheat` cases
get PYTHONDONTWRITEBYTECODE=1 and (unless set) NUMBA_CACHE_DIR=<tmp>/check_identical-numba,
so the checkouts are not written to.

Cases (public API only: fastheat.save/heatmap/to_rgba/aggregate, python -m fastheat):
- example_<script>.<file>: each examples/*.py, copied into an empty folder with an
  images/ subfolder (the scripts write to dirname(__file__)/images), run with runpy.
- readme<N>.<file or variable>: each ```python block of README.md, in order in one
  namespace (block 2 uses block 1's `data`), in a temp folder holding small stand-ins
  for the files the blocks read: huge.npy (600 x 900), matrix.zarr, run.h5
  (/maps/density), trips.parquet (20,000 points in the README's window). Files the
  block writes and variables assigned from fastheat.*() calls are hashed.
  Skipped: block 4, dask.distributed (needs a scheduler at tcp://scheduler.example.org
  and s3:// data: network). Bash blocks are not run; CASES' cli_* cover the CLI.
- CASES below: the option matrix, on small data from seeded generators.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import PIL.Image

SKIP_README = {"Client(": "needs a dask.distributed scheduler and s3:// data (network)"}


def rng(seed):
    return np.random.default_rng(seed)


SMALL = rng(1).normal(size=(30, 50))  # upsampled x8 to 400 x 240
M10, M75, POS = rng(0).random((10, 10)), rng(2).random((7, 5)), rng(4).lognormal(0, 2, (40, 60))
BIG = rng(3).standard_normal((997, 1503), dtype=np.float32)  # non-integer downsampling
HOLES = np.where(rng(5).random(SMALL.shape) < 0.1, np.nan, SMALL)
CB = dict(label="value", extend="both", ticks=[-2, -1, 0, 1, 2], format=".1f")
REDUCES = ("mean", "sum", "min", "max", "absmax", "std", "count", "nearest")


def make(kind, work):
    """The input a case names "@kind" (its files written in ``work``)."""
    if kind in ("frame", "points"):
        import pandas as pd
        if kind == "points":
            r = rng(6)
            return pd.DataFrame({"x": r.normal(0, 1, 20_000), "y": r.normal(0, 2, 20_000),
                                 "v": r.gamma(2.0, 1.0, 20_000)})
        return pd.DataFrame(M10, index=pd.Index([f"r{i}" for i in range(10)], name="gene"),
                            columns=pd.Index([f"c{j}" for j in range(10)], name="sample"))
    if kind == "xarray":
        import xarray as xr
        return xr.DataArray(SMALL, name="temperature", dims=("lat", "lon"), coords={
            "lat": np.linspace(-60, 60, 30), "lon": np.arange(50) * 7.5})
    if kind == "memmap":
        np.save(work / "m.npy", BIG)
        return np.load(work / "m.npy", mmap_mode="r")
    if kind == "zarr":
        import zarr
        zarr.open_array(str(work / "z.zarr"), mode="w", shape=BIG.shape, chunks=(200, 300),
                        dtype=BIG.dtype)[:] = BIG
        return zarr.open_array(str(work / "z.zarr"), mode="r")
    if kind == "hdf5":
        import h5py
        with h5py.File(work / "d.h5", "w") as f:
            f.create_dataset("maps/density", data=BIG, chunks=(128, 256))
        return h5py.File(work / "d.h5", "r")["maps/density"]
    import dask.array as da
    return da.from_array(BIG, chunks=(250, 400))


def call(fn, data=SMALL, ext=None, **kw):
    """A case: ``fastheat.<fn>(data, **kw)``; with ``ext``, ``fastheat.save`` to ``<case><ext>``."""
    def run(out, work):
        import fastheat
        d = make(data[1:], work) if isinstance(data, str) else data
        if ext is None:
            return getattr(fastheat, fn)(d, **kw)
        fastheat.save(d, out.with_suffix(ext), **kw)
        return out.with_suffix(ext)
    return run


def save(ext=".png", data=SMALL, **kw):
    return call("save", data, ext, **kw)


def cli(*args):
    """A case: ``python -m fastheat ARGS -o <case>.png``, with in.npy/in.csv in the cwd."""
    def run(out, work):
        np.save(work / "in.npy", M10)
        np.savetxt(work / "in.csv", POS, delimiter=",", header="a,b", comments="")
        cmd = [sys.executable, "-m", "fastheat", *args, "-o", str(out.with_suffix(".png"))]
        p = subprocess.run(cmd, cwd=work, env=child_env(), capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError(f"exit {p.returncode}: {p.stderr.strip()}")
        return out.with_suffix(".png")
    return run


CASES = {
    "raster_png": save(), "raster_hot": save(data=M10, cmap="hot"),
    "heatmap_bare": call("heatmap"), "heatmap_decorated": call("heatmap", colorbar=True, title="t"),
    "to_rgba": call("to_rgba"), "to_rgba_big_w311": call("to_rgba", BIG, width=311),
    **{f"aggregate_{r}": call("aggregate", BIG, width=311, height=200, reduce=r) for r in REDUCES},
    **{f"reduce_{r}": save(data=BIG, width=311, reduce=r) for r in REDUCES},
    **{f"norm_{n}": save(data=POS, norm=n) for n in ("linear", "log", "sqrt", "eq_hist")},
    "norm_symlog": save(norm="symlog"), "norm_symlog_linthresh": save(norm="symlog", linthresh=0.5),
    "norm_power": save(data=POS, norm="power", gamma=0.3),
    "center": save(cmap="RdBu_r", center=0.5), "robust": save(data=POS, robust=True),
    "vmin_vmax": save(vmin=-1, vmax=1), "origin_lower": save(origin="lower"),
    "origin_lower_up": save(data=M75, origin="lower", width=33, height=20),
    "bad_under_over": save(data=HOLES, vmin=-1, vmax=1, bad="magenta", under="black",
                           over="#00ff00"),
    "downsample_wh": save(data=BIG, width=311, height=97, cmap="RdBu_r", center=0),
    "upsample_7x5": save(data=M75), "upsample_7x5_wh": save(data=M75, width=33, height=20),
    "int16_fortran": save(data=np.asfortranarray((SMALL * 100).astype(np.int16))),
    "bool_strided": save(data=(BIG > 0)[::3, ::2], width=200),
    "masked_array": save(data=np.ma.masked_greater(SMALL, 1.5), bad="gray"),
    "float16_byteswapped": call("to_rgba", BIG.astype(">f2"), width=311),
    "nested_list": call("to_rgba", M75.tolist(), cmap="gray"),
    **{f"colorbar_{p}": save(colorbar=dict(position=p, **CB), vmin=-1.5, vmax=1.5)
       for p in ("right", "left", "top", "bottom")},
    "colorbar_bad_swatch": save(data=HOLES, colorbar=True, cmap="magma"),
    "colorbar_log": save(data=POS, norm="log", colorbar=dict(label="log", length=0.6, thickness=20)),
    "colorbar_eq_hist": save(data=POS, norm="eq_hist", colorbar="bottom"),
    "grid_dashed": save(data=M10, grid=dict(color="gray", linestyle="--", linewidth=1)),
    "grid_dotted_alpha": save(grid=dict(ls=":", lw=2, c="black", alpha=0.5)),
    "grid_dashdot": save(data=M75, grid=dict(linestyle="-.")),
    "linewidths": save(data=M10, linewidths=2, linecolor="black"),
    "titles": save(title="Title", xlabel="columns", ylabel="rows"),
    "ticklabels_true": save(xticklabels=True, yticklabels=True),
    "ticklabels_int": save(xticklabels=3, yticklabels=4),
    "ticklabels_list": save(data=M10, xticklabels=[f"col {i}" for i in range(10)],
                            yticklabels=list("abcdefghij")),
    "ticklabels_false": save(xticklabels=False, yticklabels=False, title="no ticks"),
    "annot_2f": save(data=M10, annot=True, fmt=".2f", cmap="cool"),
    "annot_strings": save(data=M75, annot=np.array([[f"{chr(65 + i)}{j}" for j in range(5)]
                                                     for i in range(7)])),
    "annot_too_small": save(data=rng(7).random((60, 80)), annot=True),  # AnnotationWarning
    "annot_pct": save(data=M10, annot=True, fmt=".1%", colorbar=True),
    "mask": save(data=M10, mask=M10 > 0.8, annot=True),
    "background_none": save(data=M10, background="none", title="transparent"),
    "background_none_bare": save(data=M10, background="none"),
    "background_dark": save(data=M10, background="#202020", colorbar=True, title="dark"),
    "scale2": save(data=M10, scale=2, colorbar=True, title="x2", annot=True),
    "font_size": save(data=M10, font_size=20, title="big text", xlabel="x"),
    "pandas_frame": save(data="@frame", colorbar=True),
    "pandas_frame_annot": call("heatmap", "@frame", annot=True, cmap="cool"),
    "xarray": call("heatmap", "@xarray", colorbar=True),
    "memmap_npy": call("heatmap", "@memmap", width=311),
    "memmap_colorbar": call("heatmap", "@memmap", width=311, colorbar=True, reduce="max"),
    "zarr": call("heatmap", "@zarr", width=311, reduce="std"),
    "hdf5": call("heatmap", "@hdf5", reduce="absmax"),
    "dask": call("heatmap", "@dask", width=311, norm="eq_hist"),
    "dask_aggregate_std": call("aggregate", "@dask", width=311, reduce="std"),
    "points_mean": call("heatmap", "@points", x="x", y="y", value="v", reduce="mean",
                        width=300, height=200, colorbar=True),
    "points_count": call("heatmap", "@points", x="x", y="y", width=300, height=200,
                         x_range=(-3, 3), y_range=(-5, 5), norm="eq_hist"),
    "jpeg": save(".jpg"), "jpeg_quality": save(".jpg", data=M10, colorbar=True, quality=90),
    "webp": save(".webp"), "webp_lossless": save(".webp", data=M10, lossless=True),
    "tiff": save(".tif"), "tiff_decorated": save(".tiff", data=M10, title="tiff"),
    "png_compress_level": save(".png", data=M10, colorbar=True, compress_level=9),
    "cli_render_overlays": cli("render", "in.npy", "--colorbar", "--grid", "--title", "CLI",
                               "--annot", "--fmt", ".1f", "--cmap", "magma"),
    "cli_render_csv": cli("render", "in.csv", "--norm", "log", "--width", "200", "--origin",
                          "lower", "--colorbar", "bottom", "--colorbar-label", "v",
                          "--grid-style", "dashed", "--grid", "--xlabel", "x"),
    "cli_demo_500": cli("demo", "--size", "500"),
}


def child_env(root=None):
    """Environment for a child that imports the same fastheat as this process."""
    if root is None:
        import fastheat
        root = Path(fastheat.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in
                                         env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "check_identical-numba"))
    return env


def new_files(folder, before):
    """Files under ``folder`` that are new or changed since the snapshot ``before``."""
    now = {p: p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}
    return [p for p, t in now.items() if before.get(p) != t]


@contextlib.contextmanager
def cwd(folder):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def run_example(script):
    """A case: a copy of ``script`` run in a folder of its own with an images/
    subfolder (the examples write to ``dirname(__file__)/images``)."""
    def run(out, work):
        (work / "images").mkdir()
        copy = work / script.name
        shutil.copy(script, copy)
        with cwd(work):
            runpy.run_path(str(copy), run_name="__main__")
        return {p.name: p for p in new_files(work, {copy: copy.stat().st_mtime_ns})}
    return run


def readme_standins(folder):
    import h5py
    import pandas as pd
    import zarr
    data = rng(8).random((600, 900), dtype=np.float32)
    np.save(folder / "huge.npy", data)
    zarr.open_array(str(folder / "matrix.zarr"), mode="w", shape=data.shape, chunks=(128, 256),
                    dtype=data.dtype)[:] = data
    with h5py.File(folder / "run.h5", "w") as f:
        f.create_dataset("maps/density", data=data, chunks=(100, 300))
    r, n = rng(9), 20_000
    pd.DataFrame({"lon": r.uniform(-74.2, -73.6, n), "lat": r.uniform(40.5, 41.0, n),
                  "fare": r.gamma(3.0, 5.0, n)}).to_parquet(folder / "trips.parquet")


def readme_cases(readme):
    """A case per ```python block of ``readme``, run in order in one namespace."""
    blocks = re.findall(r"^```python\n(.*?)^```", readme.read_text(), re.S | re.M)
    namespace, cases = {}, {}

    def block_case(code):
        def run(out, work):
            readme_standins(work)
            before = {p: p.stat().st_mtime_ns for p in work.rglob("*") if p.is_file()}
            names = [t.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Call)
                     and ast.unparse(node.value.func).startswith("fastheat.")
                     for t in node.targets if isinstance(t, ast.Name)]
            with cwd(work):
                exec(compile(code, str(readme), "exec"), namespace)
            return {**{p.name: p for p in new_files(work, before)},
                    **{n: namespace[n] for n in names}}
        return run

    for i, code in enumerate(blocks, 1):
        skip = [why for key, why in SKIP_README.items() if key in code]
        if skip:
            print(f"README block {i} skipped: {skip[0]}")
        else:
            cases[f"readme{i}"] = block_case(code)
    return cases


def record(result, out):
    """Write ``result`` (a file path, an array or a Pillow image) under ``out``;
    return (file name, sha256, description)."""
    if isinstance(result, Path):
        path = out if out.name.endswith(result.suffix) else out.parent / (out.name + result.suffix)
        if result != path:
            shutil.copyfile(result, path)
        info = f"{path.stat().st_size} bytes"
    elif isinstance(result, np.ndarray):
        path = out.parent / (out.name + ".npy")
        np.save(path, np.ascontiguousarray(result))
        info = f"{result.shape} {result.dtype}"
    elif isinstance(result, PIL.Image.Image):
        palette = result.palette.tobytes() if result.mode == "P" else b""
        head = f"mode={result.mode} size={result.size} info={sorted(result.info.items())}\n"
        path = out.parent / (out.name + ".bin")
        path.write_bytes(head.encode() + palette + result.tobytes())
        info = f"{result.mode} {result.size[0]}x{result.size[1]}"
    else:
        raise TypeError(f"case returned {type(result).__name__}, not a file, array or image")
    return path.name, hashlib.sha256(path.read_bytes()).hexdigest(), info


def render(outdir, examples, readme):
    import fastheat
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    print(f"fastheat imported from {fastheat.__file__}")
    cases = {f"example_{s.stem}": run_example(s) for s in sorted(Path(examples).glob("*.py"))}
    cases.update(readme_cases(Path(readme)))
    cases.update(CASES)
    manifest = {"fastheat": fastheat.__file__, "examples": str(examples),
                "readme": str(readme), "cases": {}}
    t_all, entries = time.perf_counter(), manifest["cases"]
    with tempfile.TemporaryDirectory(prefix="check_identical-") as tmp:
        for name, run in cases.items():
            (work := Path(tmp) / name).mkdir()
            t, done = time.perf_counter(), len(entries)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = run(outdir / name, work)
                    for sub, r in (result if isinstance(result, dict) else {"": result}).items():
                        case = f"{name}.{sub}" if sub else name
                        file, sha, info = record(r, outdir / case)
                        entries[case] = {"file": file, "sha256": sha, "info": info}
                except (Exception, SystemExit) as e:  # recorded, so compare shows it
                    msg = f"error: {type(e).__name__}: {' '.join(str(e).split())[:300]}"
                    entries[name] = {"sha256": msg}
                    print(f"{name}: {msg}", file=sys.stderr)
            for entry in list(entries.values())[done:]:
                entry.update(seconds=round(time.perf_counter() - t, 3), warnings=sorted(
                    {f"{w.category.__name__}: {w.message}"[:200] for w in caught}))
    manifest["seconds"] = round(time.perf_counter() - t_all, 1)
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    errors = sum(v["sha256"].startswith("error") for v in manifest["cases"].values())
    print(f"{len(manifest['cases'])} cases ({errors} errors) in {manifest['seconds']} s "
          f"-> {outdir}")


def compare(old, new):
    a, b = (json.loads((Path(d) / "manifest.json").read_text()) for d in (old, new))
    print(f"old: {old}  ({a['fastheat']})\nnew: {new}  ({b['fastheat']})")
    names = list(a["cases"]) + [n for n in b["cases"] if n not in a["cases"]]
    width = max(map(len, names))
    bad = 0

    def show(entry):
        return "MISSING" if entry is None else entry["sha256"][:60 if "error" in entry["sha256"]
                                                               else 16]
    for n in names:
        x, y = a["cases"].get(n), b["cases"].get(n)
        same = x is not None and y is not None and x["sha256"] == y["sha256"]
        bad += not same
        print(f"{n:<{width}}  {show(x):<18} {show(y):<18} {'identical' if same else 'DIFFERENT'}")
    print(f"{len(names) - bad} of {len(names)} cases identical" + (f", {bad} DIFFERENT or "
                                                                  f"missing" if bad else ""))
    return 1 if bad else 0


def both(old, new, keep=False):
    old, new = Path(old).resolve(), Path(new).resolve()
    dirs = []
    for label, checkout in (("old", old), ("new", new)):
        out = Path(tempfile.mkdtemp(prefix=f"check_identical-{label}-"))
        dirs.append(out)
        cmd = [sys.executable, str(Path(__file__).resolve()), "render", str(out),
               "--examples", str(old / "examples"), "--readme", str(old / "README.md")]
        print(f"--- {label}: PYTHONPATH={checkout} {' '.join(cmd[1:])}", flush=True)
        if subprocess.run(cmd, cwd=out, env=child_env(checkout)).returncode:
            sys.exit(f"the {label} render failed; output in {out}")
        imported = json.loads((out / "manifest.json").read_text())["fastheat"]
        print(f"--- {label} child imported {imported}")
        if not Path(imported).resolve().is_relative_to(checkout):
            sys.exit(f"the {label} child imported {imported}, not fastheat from {checkout}")
    status = compare(*dirs)
    if keep or status:
        print("outputs kept in", *dirs)
    else:
        for d in dirs:
            shutil.rmtree(d)
    return status


def main(argv):
    cmd, args = (argv[0] if argv else ""), argv[1:]
    opts = dict(zip(args[1::2], args[2::2])) if cmd == "render" else {}
    if cmd == "render" and len(args) % 2 and set(opts) <= {"--examples", "--readme"}:
        import fastheat
        root = Path(fastheat.__file__).resolve().parents[1]  # its checkout, else this one
        root = root if (root / "examples").is_dir() else Path(__file__).resolve().parents[1]
        render(args[0], opts.get("--examples", root / "examples"),
               opts.get("--readme", root / "README.md"))
        return 0
    if cmd == "compare" and len(args) == 2:
        return compare(*args)
    if cmd == "both" and len(args) in (2, 3) and args[2:] in ([], ["--keep"]):
        return both(*args[:2], keep=args[2:] == ["--keep"])
    sys.exit("usage:\n" + __doc__.split("\n\n")[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
