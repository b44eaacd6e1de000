"""The fuzz harness itself: each outcome is seen as what it is (a harness
that calls everything ``ok`` would make the campaign worthless)."""
import pytest

from .campaign import Campaign, api_request
from .examples import PRELUDE

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def quick():
    c = Campaign(timeout=8)
    yield c
    c.close()


CASES = {
    "ok": "fn = 'to_rgba'\nargs = (np.eye(3),)\nkw = {'width': 3, 'height': 3}\n",
    "clean error": "fn = 'heatmap'\nargs = (np.eye(3),)\nkw = {'cmap': 'nonexistent'}\n",
    "vague error": "_orig = fastheat.aggregate\n"
                   "def _boom(*a, **k):\n    fastheat.aggregate = _orig\n"
                   "    raise ValueError('cannot reshape array')\n"
                   "fastheat.aggregate = _boom\n"
                   "fn = 'aggregate'\nargs = (np.eye(3),)\nkw = {'width': 2}\n",
    # (a patched function restores itself: the worker process lives on)
    "foreign exception": "_orig = fastheat.to_rgba\n"
                         "def _div(*a, **k):\n    fastheat.to_rgba = _orig\n    return 1 / 0\n"
                         "fastheat.to_rgba = _div\nfn = 'to_rgba'\nargs = (np.eye(3),)\nkw = {}\n",
    "leaked warning": "import warnings\n_orig = fastheat.to_rgba\n"
                      "def _warn(*a, **k):\n    fastheat.to_rgba = _orig\n"
                      "    warnings.warn('leak', RuntimeWarning)\n    return _orig(*a, **k)\n"
                      "fastheat.to_rgba = _warn\nfn = 'to_rgba'\nargs = (np.eye(3),)\nkw = {}\n",
    "crash": "import os\nos.kill(os.getpid(), 11)\nfn = 'to_rgba'\nargs = ()\nkw = {}\n",
    "hang": "import time\ntime.sleep(3600)\nfn = 'to_rgba'\nargs = ()\nkw = {}\n",
    "setup error": "raise KeyError('fuzzer bug')\n",
}


@pytest.mark.parametrize("expected", list(CASES))
def test_outcome_is_classified(quick, expected):
    answer = quick.run(api_request(PRELUDE + CASES[expected]), CASES[expected])
    assert answer["outcome"] == expected, answer
    # the worker is usable again after a crash or a hang
    assert quick.run(api_request(PRELUDE + CASES["ok"]), "")["outcome"] == "ok"


def test_wrong_image_is_seen(quick):
    """An implementation whose result depends on memory layout is caught by
    the C/Fortran oracle."""
    body = ("_orig = fastheat.to_rgba\n_calls = []\n"
            "def _layout(d, *a, **k):\n    _calls.append(1)\n"
            "    if len(_calls) == 2:\n        fastheat.to_rgba = _orig\n"
            "    out = _orig(d, *a, **k)\n"
            "    if np.asarray(d).flags.f_contiguous and not np.asarray(d).flags.c_contiguous:\n"
            "        out = out.copy(); out[0, 0, 0] ^= 1\n    return out\n"
            "fastheat.to_rgba = _layout\n"
            "data = np.arange(12.0).reshape(3, 4)\nfn = 'to_rgba'\nargs = (data,)\n"
            "kw = {'width': 4, 'height': 3}\nORACLE = 'Fortran copy'\n")
    answer = quick.run(api_request(PRELUDE + body), body)
    assert answer["outcome"] == "wrong image" and "Fortran" in answer["detail"], answer


@pytest.mark.parametrize("text, expected", [
    (b"fastheat: warning: annot: the cells are 1 x 1 px\n", "ok"),
    (b"fastheat: warning: m.npy: annot: the cells are 1 x 1 px\n"
     b"fastheat: warning: UserWarning: other\n", "ok"),
    (b"<frozen runpy>:88: AnnotationWarning: annot: the cells are 1 x 1 px\n", "leaked warning"),
    (b"fastheat: warning: annot: first line\nsecond line\n", "leaked warning"),
])
def test_cli_success_with_warnings_is_classified(tmp_path, monkeypatch, text, expected):
    """Exit 0 may come with warnings of fastheat's one-line form, nothing else
    (F08: Python's dump of a warning on a successful render)."""
    import os

    import numpy as np

    from fastheat import cli

    from . import worker

    np.save(tmp_path / "m.npy", np.eye(3))
    real = cli.run

    def run(args):
        real(args)
        os.write(2, text)

    monkeypatch.setattr(cli, "run", run)
    answer = worker.run_cli(["render", str(tmp_path / "m.npy"), "-o", str(tmp_path / "o.png"),
                             "-q"])
    assert answer["outcome"] == expected, answer
