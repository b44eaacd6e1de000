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
    # set before numba (and its OpenMP) loads, which is when a kernel first runs
    code = ("import os, sys, numpy as np, fastheat; "
            "fastheat.aggregate(np.ones((8, 8)), width=4, height=4); "
            "print('numba' in sys.modules, os.environ.get('OMP_WAIT_POLICY'))")
    out = subprocess.run([sys.executable, "-c", code],
                         capture_output=True, text=True, check=True, timeout=300, env=env)
    assert out.stdout.strip() == f"True {expected}"


def modules_after(code, names):
    """Which of the modules ``names`` are in ``sys.modules`` after ``code``."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps([m for m in {list(names)!r} if m in sys.modules]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_fastheat_loads_nothing_until_a_name_is_used():
    # lazy public names (PEP 562): not even numpy, numba or scipy
    assert modules_after("import fastheat", ["numpy", "numba", "scipy", "PIL"]) == []
    assert modules_after("import fastheat; fastheat.__version__", ["numpy", "numba"]) == []
    assert modules_after("import fastheat; fastheat.save", ["numpy", "fastheat.api"]) == \
        ["numpy", "fastheat.api"]


def test_public_names_and_submodules_resolve_lazily():
    import fastheat

    assert set(fastheat.__all__) <= set(dir(fastheat))
    for name in fastheat.__all__:
        assert getattr(fastheat, name).__name__ == name
    assert fastheat.options.__name__ == "fastheat.options"  # submodules as attributes, as before
    with pytest.raises(AttributeError, match="has no attribute 'savefig'"):
        fastheat.savefig


RENDER = """
    import sys, numpy as np
    np.save({path!r}, np.random.default_rng(0).normal(size={shape!r}))
    from fastheat import cli
    sys.argv = ["fastheat", "render", {path!r}, "-o", {out!r}, "-q"{extra}]
    assert cli.main() == 0  # as the program: argv from sys.argv
"""


def test_a_small_render_at_its_own_size_runs_no_jitted_function(tmp_path):
    # numba's per-process registry load (0.2-0.4 s) is not paid for a few ms of numpy
    code = RENDER.format(path=str(tmp_path / "m.npy"), shape=(300, 500),
                         out=str(tmp_path / "a.png"), extra="")
    assert modules_after(code, ["numba.np.arraymath", "scipy.linalg"]) == []


def test_the_command_line_skips_numba_blas_probe_when_numba_loads(tmp_path):
    # downsampled: the aggregation kernel runs, numba loads its registries; the
    # BLAS probe must not import scipy.linalg (0.1-0.5 s), and the import hook is gone
    code = RENDER.format(path=str(tmp_path / "m.npy"), shape=(900, 700),
                         out=str(tmp_path / "a.png"), extra=', "--width", "70"') + """
    from numba.np import arraymath
    assert arraymath._HAVE_BLAS is False
    assert not any(type(f).__name__ == "_NoBlasProbe" for f in sys.meta_path)
    assert "scipy.linalg.cython_blas" not in sys.modules
"""
    assert modules_after(code, ["numba.np.arraymath", "scipy.linalg"]) == ["numba.np.arraymath"]


def test_the_probe_check_can_fail(tmp_path):
    # without the command line's hook numba's probe does import scipy.linalg
    code = "import numpy as np, fastheat; fastheat.aggregate(np.ones((8, 8)), width=4)"
    pytest.importorskip("scipy", reason="numba probes BLAS through scipy only when installed")
    assert modules_after(code, ["scipy.linalg"]) == ["scipy.linalg"]
