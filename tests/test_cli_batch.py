"""``fastheat render IN1 IN2 ... -o FOLDER/`` (or a ``{stem}`` template):
many inputs in one process (fastheat/cli.py, run_batch). The command line is
run in a subprocess with PYTHONPATH set to this checkout."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fastheat(*argv, cwd=None):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "fastheat", *map(str, argv)], capture_output=True,
                          text=True, timeout=600, env=env, cwd=cwd)


@pytest.fixture
def inputs(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for k, shape in enumerate([(30, 40), (50, 20), (64, 64)]):
        p = tmp_path / "in" / f"m{k}.npy"
        p.parent.mkdir(exist_ok=True)
        np.save(p, rng.normal(size=shape))
        paths.append(p)
    return paths


def pixels(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


def test_a_folder_gets_one_png_per_input_equal_to_single_renders(tmp_path, inputs):
    out = tmp_path / "out"
    r = fastheat("render", *inputs, "-o", str(out) + "/", "--cmap", "magma", "--jobs", "2")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == ["m0.png", "m1.png", "m2.png"]
    assert r.stdout.count("wrote ") == 3 and "3 of 3 inputs rendered" in r.stdout
    # each the same image as rendering that input alone
    single = fastheat("render", inputs[1], "-o", tmp_path / "single.png", "--cmap", "magma", "-q")
    assert single.returncode == 0, single.stderr
    np.testing.assert_array_equal(pixels(out / "m1.png"), pixels(tmp_path / "single.png"))
    assert pixels(out / "m0.png").shape[:2] != pixels(out / "m1.png").shape[:2]


def test_a_template_names_the_outputs(tmp_path, inputs):
    r = fastheat("render", *inputs[:2], "-o", str(tmp_path / "{index}-{stem}.webp"), "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith(".webp")) == \
        ["0-m0.webp", "1-m1.webp"]
    with Image.open(tmp_path / "0-m0.webp") as im:
        assert im.format == "WEBP"


def test_one_bad_input_is_reported_in_one_line_and_the_rest_rendered(tmp_path, inputs):
    bad = tmp_path / "in" / "broken.npy"
    bad.write_bytes(b"not an npy file")
    missing = tmp_path / "in" / "missing.npy"
    out = tmp_path / "out"
    r = fastheat("render", inputs[0], bad, missing, inputs[2], "-o", str(out) + "/", "-q")
    assert r.returncode == 2
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 3, r.stderr  # two inputs, one line each, and the summary
    assert errors[0].startswith(f"fastheat: error: {bad}: ")
    assert errors[1] == f"fastheat: error: {missing}: input file {str(missing)!r} does not exist"
    assert errors[2].startswith("2 of 4 inputs rendered") and errors[2].endswith("; 2 failed")
    assert sorted(os.listdir(out)) == ["m0.png", "m2.png"]


def test_inputs_with_the_same_stem_are_refused_before_rendering(tmp_path, inputs):
    other = tmp_path / "other"
    other.mkdir()
    twin = other / "m0.npy"
    np.save(twin, np.ones((5, 5)))
    out = tmp_path / "out"
    r = fastheat("render", inputs[0], inputs[1], twin, "-o", str(out) + "/")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"fastheat: error: inputs {str(inputs[0])!r} and {str(twin)!r} "
                                f"would both be written to {os.path.join(str(out) + '/', 'm0.png')!r}; "
                                f"use {{index}} or {{name}} in the -o template")
    assert not out.exists() or os.listdir(out) == []  # nothing rendered


@pytest.mark.parametrize("output,message", [
    ("plain.png", "-o 'plain.png' has no field; with several inputs -o is a folder"),
    ("{stem}-{size}.png", "-o '{stem}-{size}.png' has {size}; with several inputs"),
    ("{stem.png", "-o '{stem.png' is not a valid template"),
    ("-", "-o - writes one image to stdout, but 2 inputs were given"),
])
def test_bad_outputs_for_several_inputs(tmp_path, inputs, output, message):
    r = fastheat("render", *inputs[:2], "-o", output, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("fastheat: error: " + message), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.png"))


def test_a_template_into_a_missing_folder_fails_once_before_rendering(tmp_path, inputs):
    r = fastheat("render", *inputs, "-o", str(tmp_path / "nope" / "{stem}.png"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"fastheat: error: cannot write {str(tmp_path / 'nope' / 'm0.png')!r}: folder "
        f"{str(tmp_path / 'nope')!r} does not exist (an -o ending in / is created, a "
        f"template's folder is not)"]


def test_one_input_into_a_new_folder(tmp_path, inputs):
    out = tmp_path / "new" / "folder"
    r = fastheat("render", inputs[2], "-o", str(out) + "/", "-q")
    assert r.returncode == 0, r.stderr
    assert os.listdir(out) == ["m2.png"]


def test_a_bad_option_fails_once_before_any_input(tmp_path, inputs):
    r = fastheat("render", *inputs, "-o", str(tmp_path / "out") + "/", "--mask",
                 tmp_path / "nope.npy")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"fastheat: error: --mask file {str(tmp_path / 'nope.npy')!r} does not exist"]


def test_help_states_the_batch_exit_status():
    r = fastheat("render", "--help")
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    assert "INPUT [INPUT ...]" in text
    assert "the exit status is then 2 (0 when all were written)" in text
    assert "--jobs" in text


@pytest.mark.parametrize("jobs", ["0", "two"])
def test_bad_jobs(tmp_path, inputs, jobs):
    r = fastheat("render", *inputs, "-o", str(tmp_path) + "/", "--jobs", jobs)
    assert r.returncode == 2 and "--jobs" in r.stderr and len(r.stderr.splitlines()) == 1


def test_input_stems():
    from fastheat.cli import input_stem

    assert input_stem("data/a.b.npy") == "a.b"
    assert input_stem("c.zarr/") == "c"
    assert input_stem("runs/f.h5:/maps/m1") == "f_maps_m1"
