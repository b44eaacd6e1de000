"""``import fastheat`` (and the command line's start-up) loads no heavy library:
they are imported only on the paths that need them (like datashader's
tests/test_imports.py)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("dask", "datashader", "pandas", "xarray", "matplotlib", "seaborn")


def loaded_after(code):
    """Top-level heavy packages in ``sys.modules`` after running ``code`` in a
    fresh interpreter."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({list(HEAVY)!r}))))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_check_itself_sees_imports():
    # the probe must be able to fail: a heavy import is reported
    assert loaded_after("import matplotlib.colors") == ["matplotlib"]


@pytest.mark.parametrize("code", [
    "import fastheat",
    "import fastheat.cli",
    "from fastheat import aggregate, to_rgba, heatmap, save",
])
def test_import_loads_no_heavy_library(code):
    assert loaded_after(code) == []


def test_rendering_an_array_loads_no_heavy_library(tmp_path):
    code = f"""
        import numpy as np, fastheat
        from fastheat import cli
        x = np.random.default_rng(0).normal(size=(300, 200)).astype("float32")
        fastheat.save(x, {str(tmp_path / "a.png")!r}, cmap="magma", norm="eq_hist")
        np.save({str(tmp_path / "m.npy")!r}, x)
        assert cli.main(["render", {str(tmp_path / "m.npy")!r}, "-o", {str(tmp_path / "b.png")!r},
                         "-q"]) == 0
    """
    assert loaded_after(code) == []


@pytest.mark.parametrize("preset,expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_workers_wait_passively_unless_the_user_says(preset, expected):
    import os

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if preset is not None:
        env["OMP_WAIT_POLICY"] = preset
    out = subprocess.run([sys.executable, "-c", "import os, fastheat; "
                          "print(os.environ.get('OMP_WAIT_POLICY'))"],
                         capture_output=True, text=True, check=True, timeout=300, env=env)
    assert out.stdout.strip() == expected
