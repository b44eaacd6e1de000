"""The command line: ``fastheat render`` and ``fastheat demo``, run both in a
subprocess (``python -m fastheat``) and in-process (``fastheat.cli.main``)."""
from __future__ import annotations

import argparse
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import fastheat
from fastheat import cli


def run(args, cwd):
    """``python -m fastheat ARGS`` in ``cwd``: (returncode, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "fastheat", *map(str, args)], cwd=cwd,
                       capture_output=True, text=True, timeout=600)
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
    (["render", "bad.csv", "-o", "o.png"], r"cannot read 'bad.csv'"),
    (["render", "m.npy", "-o", "o.gif"], r"'.gif' .* is not a supported image format"),
    (["render", "m.npy", "-o", "no/such/dir/o.png"], r"does not exist"),
    (["render", "m.npy", "-o", "o.png", "--cmap", "virdis"], r"cmap='virdis' .* did you mean 'viridis'"),
    (["render", "m.npy", "-o", "o.png", "--vmin", "3", "--vmax", "1"], r"vmin=3.0 is greater than vmax=1.0"),
    (["render", "m.npy", "-o", "o.png", "--width", "0"], r"width must be between 1 and"),
    (["render", "m.npy", "-o", "o.png", "--norm", "log", "--vmin", "-1"], r"vmin=-1.0 must be positive"),
    (["render", "m.npy", "-o", "o.png", "--bad", "nocolour"], r"bad='nocolour' is not a colour"),
    (["demo", "-o", "d.png", "--size", "0"], r"--size must be a positive integer, got 0"),
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
    assert code == 2 and err.count("\n") == 1 and "font='/nope.ttf' does not exist" in err


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
