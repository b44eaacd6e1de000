"""The command line: ``fastheat render`` and ``fastheat demo``, run both in a
subprocess (``python -m fastheat``) and in-process (``fastheat.cli.main``)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import cli


#: The environment of ``python -m fastheat``: the fastheat under test first on the
#: path (not another checkout installed in development mode).
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [os.path.dirname(os.path.dirname(fastheat.__file__))]
    + [p for p in [os.environ.get("PYTHONPATH")] if p])}


def run(args, cwd, text=True):
    """``python -m fastheat ARGS`` in ``cwd``: (returncode, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "fastheat", *map(str, args)], cwd=cwd,
                       capture_output=True, text=text, timeout=600, env=ENV)
    return p.returncode, p.stdout, p.stderr


def read_rgba(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


@pytest.fixture
def matrix():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 40)).cumsum(axis=1)
    x[2, 3] = np.nan
    return x


# --- inputs -----------------------------------------------------------------------------


def test_render_npy_subprocess(tmp_path, matrix):
    np.save(tmp_path / "m.npy", matrix)
    code, out, err = run(["render", "m.npy", "-o", "out.png", "--width", 80, "--height", 60,
                          "--cmap", "magma", "--vmin", -3, "--vmax", 4], tmp_path)
    assert (code, err) == (0, "")
    assert "out.png" in out and "30 x 40" in out
    got = read_rgba(tmp_path / "out.png")
    want = fastheat.to_rgba(matrix, width=80, height=60, cmap="magma", vmin=-3, vmax=4)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("order", ["C", "F"])
def test_render_npy_is_memory_mapped(tmp_path, monkeypatch, matrix, order):
    np.save(tmp_path / "m.npy", np.asarray(matrix, order=order))
    seen = {}
    real_save = fastheat.api.save

    def spy(data, path, **options):
        seen["data"] = data
        return real_save(data, path, **options)

    monkeypatch.setattr(fastheat.api, "save", spy)
    assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(tmp_path / "o.png"), "-q"]) == 0
    data = seen["data"]
    assert isinstance(data, np.memmap), type(data)
    assert data.flags.writeable is False and data.flags.owndata is False
    np.testing.assert_array_equal(np.asarray(data), matrix)


def test_render_npz_with_key(tmp_path, matrix):
    np.savez(tmp_path / "m.npz", first=np.zeros((3, 3)), second=matrix)
    assert cli.main(["render", str(tmp_path / "m.npz"), "--key", "second", "-o",
                     str(tmp_path / "o.png"), "--width", "40", "--height", "30", "-q"]) == 0
    np.testing.assert_array_equal(read_rgba(tmp_path / "o.png"),
                                  fastheat.to_rgba(matrix, width=40, height=30))
    # a single array needs no key
    np.savez(tmp_path / "one.npz", only=matrix)
    assert cli.main(["render", str(tmp_path / "one.npz"), "-o", str(tmp_path / "p.png"), "-q"]) == 0
    np.testing.assert_array_equal(read_rgba(tmp_path / "p.png"), fastheat.to_rgba(matrix))


@pytest.mark.parametrize("suffix, sep, header", [(".csv", ",", False), (".csv", ",", True),
                                                 (".tsv", "\t", False), (".tsv", "\t", True)])
def test_render_text(tmp_path, suffix, sep, header):
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    path = tmp_path / ("m" + suffix)
    np.savetxt(path, x, delimiter=sep, header=sep.join("abcd") if header else "", comments="")
    assert cli.main(["render", str(path), "-o", str(tmp_path / "o.png"), "--cmap", "gray",
                     "--width", "4", "--height", "3", "-q"]) == 0
    np.testing.assert_array_equal(read_rgba(tmp_path / "o.png"),
                                  fastheat.to_rgba(x, cmap="gray", width=4, height=3))


@pytest.mark.parametrize("option, value", [("--norm", "log"), ("--reduce", "max"),
                                           ("--origin", "lower"), ("--robust", None),
                                           ("--center", "0"), ("--norm", "eq_hist"),
                                           ("--bad", "red"), ("--cmap", "RdBu_r")])
def test_render_options_reach_the_renderer(tmp_path, option, value):
    x = np.random.default_rng(1).lognormal(size=(50, 70))
    x[:2, :2] = np.nan  # one whole output pixel
    np.save(tmp_path / "m.npy", x)
    argv = ["render", str(tmp_path / "m.npy"), "-o", str(tmp_path / "o.png"), "-q",
            "--width", "35", "--height", "25", option] + ([value] if value else [])
    assert cli.main(argv) == 0
    key = option.lstrip("-")
    kw = {key: True if value is None else (float(value) if key == "center" else value)}
    want = fastheat.to_rgba(x, width=35, height=25, **kw)
    np.testing.assert_array_equal(read_rgba(tmp_path / "o.png"), want)
    assert not np.array_equal(want, fastheat.to_rgba(x, width=35, height=25))  # the option mattered


@pytest.mark.parametrize("suffix", [".jpg", ".webp", ".tiff"])
def test_render_other_formats(tmp_path, matrix, suffix):
    np.save(tmp_path / "m.npy", matrix)
    assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(tmp_path / ("o" + suffix)),
                     "--width", "20", "--height", "15", "-q"]) == 0
    with Image.open(tmp_path / ("o" + suffix)) as im:
        assert im.size == (20, 15)
        assert im.format == {".jpg": "JPEG", ".webp": "WEBP", ".tiff": "TIFF"}[suffix]
    # --format when the suffix does not say
    assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(tmp_path / "plain"),
                     "--format", "png", "-q"]) == 0
    with Image.open(tmp_path / "plain") as im:
        assert im.format == "PNG"


def test_demo_subprocess(tmp_path):
    code, out, err = run(["demo", "-o", "demo.png", "--size", 500], tmp_path)
    assert (code, err) == (0, "")
    assert "demo.png" in out
    rgba = read_rgba(tmp_path / "demo.png")
    assert min(rgba.shape[:2]) >= 400
    # looks like data, not noise and not flat: many colours, smooth along the diagonal
    assert len(np.unique(rgba.reshape(-1, 4), axis=0)) > 50


def test_demo_matrix_looks_like_data():
    from fastheat.demo import contact_map

    m = contact_map(400)
    assert m.shape == (400, 400) and m.dtype == np.float32 and np.isfinite(m).all()
    assert np.array_equal(m, m.T)
    diag = np.mean(np.diagonal(m))
    far = np.mean(np.diagonal(m, offset=200))
    assert diag > 5 * far  # contacts fall off away from the diagonal
    # neighbouring cells are correlated (structure), unlike white noise
    a, b = np.log(m[:, :-1]).ravel(), np.log(m[:, 1:]).ravel()
    assert np.corrcoef(a, b)[0, 1] > 0.5


def test_demo_in_process_small(tmp_path, capsys):
    assert cli.main(["demo", "-o", str(tmp_path / "d.png"), "--size", "300", "--width", "150",
                     "--cmap", "viridis", "--norm", "linear"]) == 0
    assert "d.png" in capsys.readouterr().out
    with Image.open(tmp_path / "d.png") as im:
        assert im.size[0] >= 150


def test_quiet_prints_nothing(tmp_path, matrix, capsys):
    np.save(tmp_path / "m.npy", matrix)
    assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(tmp_path / "o.png"), "-q"]) == 0
    assert capsys.readouterr() == ("", "")


# --- errors: one line on stderr, exit 2 ----------------------------------------------------


@pytest.fixture
def files(tmp_path, matrix):
    np.save(tmp_path / "m.npy", matrix)
    np.savez(tmp_path / "two.npz", a=matrix, b=matrix)
    (tmp_path / "bad.npy").write_bytes(b"not an npy file")
    (tmp_path / "bad.csv").write_text("1,2\n3,x\n")
    (tmp_path / "m.xyz").write_text("1 2\n")
    np.save(tmp_path / "objects.npy", np.array([[None, 1]], dtype=object), allow_pickle=True)
    return tmp_path


ERRORS = [
    (["render", "missing.npy", "-o", "o.png"], r"input file 'missing.npy' does not exist"),
    (["render", "m.xyz", "-o", "o.png"], r"unknown suffix '.xyz'"),
    (["render", "two.npz", "-o", "o.png"], r"holds 2 arrays \(a, b\); choose one with --key"),
    (["render", "two.npz", "--key", "c", "-o", "o.png"], r"--key 'c' is not in .*it holds: a, b"),
    (["render", "bad.npy", "-o", "o.png"], r"bad.npy"),
    (["render", "objects.npy", "-o", "o.png"], r"objects"),
    (["render", "bad.csv", "-o", "o.png"], r"'bad.csv', line 2, column 2: 'x' is not a number$"),
    (["render", "m.npy", "-o", "o.gif"], r"'.gif' .* is not a supported image format"),
    (["render", "m.npy", "-o", "no/such/dir/o.png"], r"does not exist"),
    (["render", "m.npy", "-o", "o.png", "--cmap", "virdis"], r"--cmap 'virdis' .* did you mean 'viridis'"),
    (["render", "m.npy", "-o", "o.png", "--vmin", "3", "--vmax", "1"], r"--vmin 3.0 is greater than --vmax 1.0"),
    (["render", "m.npy", "-o", "o.png", "--width", "0"], r"width must be between 1 and"),
    (["render", "m.npy", "-o", "o.png", "--norm", "log", "--vmin", "-1"], r"--vmin -1.0 must be positive"),
    (["render", "m.npy", "-o", "o.png", "--bad", "nocolour"], r"--bad 'nocolour' is not a colour"),
    (["demo", "-o", "d.png", "--size", "0"], r"--size must be an integer from 1 to 40,000 .*got 0"),
    (["demo", "-o", "d.png", "--size", "200000"], r"--size must be an integer from 1 to 40,000 .*got 200,000"),
]
USAGE_ERRORS = [
    (["render", "m.npy", "-o", "o.png", "--norm", "cubic"], r"argument --norm: invalid choice: 'cubic'"),
    (["render", "m.npy", "-o", "o.png", "--reduce", "median"], r"argument --reduce: invalid choice"),
    (["render", "m.npy"], r"the following arguments are required: -o/--output"),
    (["render", "m.npy", "-o", "o.png", "--vmin", "abc"], r"argument --vmin: 'abc' is not a number"),
    (["render", "m.npy", "-o", "o.png", "--width", "wide"], r"argument --width: invalid int value"),
    (["render", "m.npy", "-o", "o.png", "--no-such-option"], r"unrecognized arguments: --no-such-option"),
    (["paint", "m.npy"], r"invalid choice: 'paint'"),
    ([], r"the following arguments are required: COMMAND"),
]


def _ids(value):
    return " ".join(value)[:60] if isinstance(value, list) else None


def _one_line(err, match):
    import re

    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fastheat"), lines[0]
    assert "error: " in lines[0] and "Traceback" not in err
    assert re.search(match, lines[0]), lines[0]


@pytest.mark.parametrize("argv, match", ERRORS + USAGE_ERRORS, ids=_ids)
def test_errors_subprocess(files, argv, match):
    code, out, err = run(argv, files)
    assert code == 2, (out, err)
    assert out == ""
    _one_line(err, match)
    assert not (files / "o.png").exists() and not (files / "d.png").exists()


@pytest.mark.parametrize("argv, match", ERRORS, ids=_ids)
def test_errors_in_process(files, argv, match, capsys, monkeypatch):
    monkeypatch.chdir(files)
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _one_line(err, match)


@pytest.mark.parametrize("argv, match", USAGE_ERRORS, ids=_ids)
def test_usage_errors_in_process(files, argv, match, capsys, monkeypatch):
    monkeypatch.chdir(files)
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    _one_line(err, match)


def test_existing_output_survives_a_failed_render(files):
    (files / "o.png").write_bytes(b"precious")
    code, _, err = run(["render", "m.npy", "-o", "o.png", "--cmap", "nope"], files)
    assert code == 2 and (files / "o.png").read_bytes() == b"precious"


# --- help ----------------------------------------------------------------------------------

ISSUE_OPTIONS = {
    "render": ["--width", "--height", "--cmap", "--norm", "--vmin", "--vmax", "--reduce",
               "--origin", "--center", "--robust", "--bad", "--under", "--over", "--linthresh",
               "--gamma", "--key", "--output", "--format", "--quiet", "input"],
    "demo": ["--size", "--width", "--height", "--cmap", "--norm", "--output"],
}


def _subparsers():
    parser = cli.parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action.choices


@pytest.mark.parametrize("command", ["render", "demo", None])
def test_help_documents_every_option(tmp_path, command):
    code, out, err = run(["--help"] if command is None else [command, "--help"], tmp_path)
    assert (code, err) == (0, "")
    parser, subs = _subparsers()
    p = parser if command is None else subs[command]
    if command is None:
        assert "render" in out and "demo" in out
    for name in ISSUE_OPTIONS.get(command, []):
        assert name in out, name
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help and action.help != argparse.SUPPRESS, action.option_strings or action.dest
        for opt in action.option_strings or [action.metavar or action.dest]:
            assert opt in out, opt
    # the defaults and choices of the issue's options are spelled out
    if command == "render":
        for word in ("viridis", "linear", "eq_hist", "mean", "nearest", "upper", "lower",
                     ".npy", ".npz", ".csv", ".tsv", ".png", ".jpg", ".webp", ".tif"):
            assert word in out, word


def test_help_in_process(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["render", "--help"])
    assert exc.value.code == 0
    assert "--reduce" in capsys.readouterr().out


OVERLAY_DATA = np.random.default_rng(0).random((10, 10))


# --- overlays from the command line ------------------------------------------------------

def test_cli_overlays(tmp_path):
    src = tmp_path / "m.csv"
    np.savetxt(src, OVERLAY_DATA, delimiter=",")
    out = tmp_path / "m.png"
    assert cli.main(["render", str(src), "-o", str(out), "--colorbar", "bottom", "--title", "T",
                     "--annot", "--fmt", ".1f", "--grid", "--grid-style", "dashed", "--linewidths", "1",
                     "--scale", "1.5", "-q"]) == 0
    with Image.open(out) as img:
        assert img.mode == "RGB" and img.size[0] > 600


def test_cli_bad_overlay_option_is_one_line(tmp_path, capsys):
    src = tmp_path / "m.csv"
    np.savetxt(src, OVERLAY_DATA, delimiter=",")
    code = cli.main(["render", str(src), "-o", str(tmp_path / "x.png"), "--font", "/nope.ttf"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--font '/nope.ttf' does not exist" in err


def test_demo_shows_overlays(tmp_path):
    out = tmp_path / "demo.png"
    assert cli.main(["demo", "--size", "300", "-o", str(out), "-q"]) == 0
    with Image.open(out) as img:
        assert img.mode == "RGB" and img.size[0] > 300  # margins: colorbar, ticks, title


def test_demo_has_no_point_table_or_progress_flags(capsys):
    for flag in ("--x", "--progress"):
        with pytest.raises(SystemExit) as exc:
            cli.main(["demo", "-o", "d.png", flag, "a"] if flag == "--x" else
                     ["demo", "-o", "d.png", flag])
        assert exc.value.code == 2
        err = capsys.readouterr().err  # as before the flags came from the records
        assert "unrecognized arguments" in err or "ambiguous option: --x" in err


def test_an_empty_colorbar_label_keeps_the_default_label(tmp_path):
    np.save(tmp_path / "m.npy", np.arange(12.0).reshape(3, 4))
    outs = []
    for extra in ([], ["--colorbar-label", ""]):
        out = tmp_path / f"o{len(extra)}.png"
        assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(out), "--colorbar", "-q"]
                        + extra) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


# --- pandas to_csv() files: labels as if the DataFrame had been passed ------------------

def _frame(index_name="gene", columns=True):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    values = rng.normal(size=(7, 9)).cumsum(axis=1)
    values[2, 3] = np.nan  # written as an empty field
    frame = pd.DataFrame(values, index=[f"g{i}" for i in range(7)],
                         columns=[f"s{i}" for i in range(9)] if columns else None)
    frame.index.name = index_name
    return frame


@pytest.mark.parametrize("case", ["named index", "unnamed index", "default index and columns",
                                  "tsv", "quoted labels"])
def test_render_pandas_csv_as_the_dataframe(tmp_path, case):
    frame = _frame(index_name=None if case != "named index" else "gene",
                   columns=case != "default index and columns")
    if case == "default index and columns":
        frame = frame.reset_index(drop=True)  # labels 0..6 and 0..8, as pandas writes them
    if case == "quoted labels":
        frame.index = [f"gene {i}, variant" for i in range(7)]
    sep = "\t" if case == "tsv" else ","
    path = tmp_path / ("m.tsv" if case == "tsv" else "m.csv")
    frame.to_csv(path, sep=sep)
    assert cli.main(["render", str(path), "-o", str(tmp_path / "cli.png"), "--colorbar",
                     "-q"]) == 0
    fastheat.save(frame, tmp_path / "lib.png", colorbar=True)
    assert (tmp_path / "cli.png").read_bytes() == (tmp_path / "lib.png").read_bytes()
    # the labels (not the indices) are drawn: the image differs from the bare matrix's,
    # but for pandas' default labels, which are the indices (no index row or column read)
    fastheat.save(frame.to_numpy(), tmp_path / "bare.png", colorbar=True)
    same = (tmp_path / "cli.png").read_bytes() == (tmp_path / "bare.png").read_bytes()
    assert same == (case == "default index and columns")


@pytest.mark.parametrize("text, match", [
    ("1,2,x\n3,4,5\n", r"line 1, column 3: 'x' is not a number \(a header row must name "
                       r"every column"),  # a typo in the first row is not a header
    ("1,2\nx,4\n5,6\n", r"line 2, column 1: 'x' is not a number$"),  # nor a first column
    ("g,a\nx,1\ny,2\n7,3\n", r"line 4, column 1: '7' is a number among row labels \(names "
                            r"in 2 of 3 rows\)"),
    ("a,b\n1,2,3\n", r"line 2 has 3 fields, line 1 has 2"),
    ("a,b\n", r"has a header row but no rows of numbers"),
    ("\n\n", r"is empty"),
])
def test_text_matrix_errors(tmp_path, text, match):
    (tmp_path / "m.csv").write_text(text)
    code, out, err = run(["render", "m.csv", "-o", "o.png"], tmp_path)
    assert code == 2 and out == ""
    _one_line(err, "'m.csv', " + match if "line" in match else match)
    assert not (tmp_path / "o.png").exists()


# --- stdout, --version, flags in errors -----------------------------------------------------

def test_render_to_stdout(tmp_path, matrix):
    np.save(tmp_path / "m.npy", matrix)
    args = ["render", "m.npy", "--width", 40, "--height", 30, "--colorbar"]
    code, out, err = run(args + ["-o", "-", "--format", "png"], tmp_path, text=False)
    assert (code, err) == (0, b"")
    assert run(args + ["-o", "file.png"], tmp_path)[0] == 0
    assert out == (tmp_path / "file.png").read_bytes()  # the image and nothing else
    code, out, _ = run(args + ["-o", "-", "--format", "jpeg"], tmp_path, text=False)
    assert code == 0 and out[:2] == b"\xff\xd8"


@pytest.mark.parametrize("extra, match", [
    ([], r"-o - writes the image to stdout: give its format with --format \(png, jpeg, "),
    (["--format", "gif"], r"--format 'gif' is not a supported image format"),
])
def test_stdout_needs_a_format(files, extra, match):
    code, out, err = run(["render", "m.npy", "-o", "-", *extra], files)
    assert (code, out) == (2, "")
    _one_line(err, match)


def test_stdout_refuses_a_terminal(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.main(["render", "m.npy", "-o", "-", "--format", "png"]) == 2
    _one_line(capsys.readouterr().err, r"would write a binary image to the terminal")


def test_version(tmp_path):
    code, out, err = run(["--version"], tmp_path)
    assert (code, out, err) == (0, f"fastheat {fastheat.__version__}\n", "")


@pytest.mark.parametrize("message, want", [
    ("format='gif' is not supported (or pass format=)", "--format 'gif' is not supported "
                                                        "(or pass --format)"),
    ("path 'x' has no suffix, and no format= was given;", "path 'x' has no suffix, and no "
                                                          "--format was given;"),
    ("vmin=3.0 is greater than vmax=1.0", "--vmin 3.0 is greater than --vmax 1.0"),
    ("x_range=(1, 0) must grow", "--x-range (1, 0) must grow"),
    ("grid color='nope' is not a colour", "--grid-color 'nope' is not a colour"),
    ("subsampling=3 is wrong; dpi=7 too", "subsampling=3 is wrong; dpi=7 too"),  # no flags
    ("xvmin=3 and cmap.name=x are not options", "xvmin=3 and cmap.name=x are not options"),
])
def test_errors_name_flags(message, want):
    from fastheat.sources.points import Points

    records = [r for r, _ in cli.GROUPS]
    assert Points in records
    assert cli.as_flags(message, records) == want


# --- --colorbar-label and --grid-* imply their overlay --------------------------------------

@pytest.mark.parametrize("implied, explicit", [
    (["--grid-color", "red"], ["--grid", "--grid-color", "red"]),
    (["--grid-style", "dashed", "--grid-width", "2"],
     ["--grid", "--grid-style", "dashed", "--grid-width", "2"]),
    (["--colorbar-label", "counts"], ["--colorbar", "--colorbar-label", "counts"]),
    (["--colorbar-label", "counts", "--colorbar", "left"], ["--colorbar", "left",
                                                           "--colorbar-label", "counts"]),
])
def test_sub_flags_imply_their_overlay(tmp_path, implied, explicit):
    np.save(tmp_path / "m.npy", np.arange(20.0).reshape(4, 5))
    outs = []
    for i, extra in enumerate((implied, explicit, [])):
        out = tmp_path / f"o{i}.png"
        assert cli.main(["render", str(tmp_path / "m.npy"), "-o", str(out), "-q",
                         "--width", "100"] + extra) == 0
        outs.append(read_rgba(out))
    np.testing.assert_array_equal(outs[0], outs[1])
    assert outs[0].shape != outs[2].shape or not np.array_equal(outs[0], outs[2])


def test_colorbar_label_with_colorbar_none_is_refused(files):
    code, out, err = run(["render", "m.npy", "-o", "o.png", "--colorbar", "none",
                          "--colorbar-label", "x"], files)
    assert (code, out) == (2, "")
    _one_line(err, r"--colorbar-label is for the colorbar, but --colorbar none was given")


# --- the flag generator's value types (what issue 9's new options use) ---------------------

def _stub_parser():
    from dataclasses import dataclass

    from fastheat._fields import opt

    @dataclass(frozen=True)
    class Stub:
        extent: tuple | None = opt(None, "Data coordinates of the edges.", cli=dict(
            type="number", nargs=4, metavar=("X0", "X1", "Y0", "Y1")))
        hlines: list | None = opt(None, "Rows to draw lines at.", cli=dict(type="numbers"))
        annot_kws: dict | None = opt(None, "Annotation text style.", cli=dict(type="mapping"))
        aspect: object = opt("auto", "Cell aspect: equal, auto or a number.", cli=dict(
            type="number_or_text"))
        square: bool = opt(False, "Square cells.", cli=dict(action="store_true"))
        levels: list | None = opt(None, "Band edges.", cli=dict(type="numbers"))
        hidden: object = opt(None, "Not a flag.")

    p = cli._Parser(prog="fastheat")
    cli._add_option_flags(p, groups=((Stub, "stub"),))
    return p


def test_flag_types_for_new_options():
    p = _stub_parser()
    args = p.parse_args(["-o", "x.png", "--extent", "0", "10", "-5", "5.5", "--hlines", "1,5, 9",
                         "--annot-kws", "size=8,color=white,weight=bold,alpha=0.5,bold=true",
                         "--aspect", "equal", "--square"])
    kw = cli.option_values(args)
    assert kw["extent"] == (0.0, 10.0, -5.0, 5.5) and isinstance(kw["extent"], tuple)
    assert kw["hlines"] == [1.0, 5.0, 9.0]
    assert kw["annot_kws"] == {"size": 8, "color": "white", "weight": "bold", "alpha": 0.5,
                               "bold": True}
    assert kw["aspect"] == "equal" and kw["square"] is True
    assert "levels" not in kw and "hidden" not in kw  # not given / not a flag
    kw = cli.option_values(p.parse_args(["-o", "x.png", "--aspect", "2.5", "--annot-kws",
                                         '{"size": 8, "color": [1, 0, 0]}']))
    assert kw["aspect"] == 2.5 and kw["annot_kws"] == {"size": 8, "color": [1, 0, 0]}
    assert "--hidden" not in p.format_help()
    for shown in ("X0 X1 Y0 Y1", "--hlines N,N,...", "--annot-kws KEY=VALUE,..."):
        assert shown in p.format_help(), shown


@pytest.mark.parametrize("argv, match", [
    (["--hlines", "1,x,3"], r"argument --hlines: 'x' in '1,x,3' is not a number \(give numbers "
                            r"separated by commas, e.g. 1,5,9\)"),
    (["--extent", "0", "1", "2"], r"argument --extent: expected 4 arguments"),
    (["--extent", "0", "1", "2", "y"], r"argument --extent: 'y' is not a number"),
    (["--annot-kws", "size"], r"argument --annot-kws: 'size' in 'size' is not KEY=VALUE"),
    (["--annot-kws", "{size: 8}"], r"argument --annot-kws: '\{size: 8\}' is not a JSON object"),
    (["--annot-kws", "[1, 2]"], r"argument --annot-kws: '\[1' in '\[1, 2\]' is not KEY=VALUE"),
])
def test_flag_type_errors_are_one_line(capsys, argv, match):
    with pytest.raises(SystemExit) as exc:
        _stub_parser().parse_args(["-o", "x.png", *argv])
    assert exc.value.code == 2
    _one_line(capsys.readouterr().err, match)


def test_header_and_index_flags_decide_what_the_rule_cannot(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(5)
    # a calendar: a named index of numbers reads as data unless --index says otherwise
    days = pd.DataFrame(rng.random((5, 7)), columns=list("MTWTFSS"),
                        index=pd.Index(range(1, 6), name="week"))
    days.to_csv(tmp_path / "cal.csv")
    args = ["render", str(tmp_path / "cal.csv"), "--colorbar", "-q"]
    assert cli.main(args + ["-o", str(tmp_path / "auto.png")]) == 0
    assert cli.main(args + ["--index", "-o", str(tmp_path / "index.png")]) == 0
    fastheat.save(days, tmp_path / "lib.png", colorbar=True)
    assert (tmp_path / "index.png").read_bytes() == (tmp_path / "lib.png").read_bytes()
    a, b = read_rgba(tmp_path / "auto.png"), read_rgba(tmp_path / "lib.png")
    assert a.shape != b.shape or not np.array_equal(a, b)  # 8 columns, week among them


def test_header_flags_are_for_text_files(files):
    code, out, err = run(["render", "m.npy", "-o", "o.png", "--index"], files)
    assert (code, out) == (2, "")
    _one_line(err, r"--header/--index are for text matrices \(.csv, .tsv, .txt\), not 'm.npy'")


def test_demo_colorbar_label_and_none(tmp_path):
    outs = {}
    for name, extra in (("default", []), ("label", ["--colorbar-label", "contacts"]),
                        ("none", ["--colorbar", "none"]), ("other", ["--colorbar-label", "x"])):
        out = tmp_path / f"{name}.png"
        assert cli.main(["demo", "--size", "200", "-o", str(out), "-q"] + extra) == 0
        outs[name] = read_rgba(out)
    np.testing.assert_array_equal(outs["default"], outs["label"])  # the demo's own label
    assert outs["none"].shape[1] < outs["default"].shape[1]  # no colorbar beside the map
    assert not np.array_equal(outs["other"], outs["default"])
