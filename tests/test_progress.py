"""fastheat._progress: the one progress bar."""
from __future__ import annotations

import io

from fastheat._progress import Progress, byte_bar


def test_progress_class_draws_on_the_given_stream():
    s = io.StringIO()
    with Progress(4, "work", enabled=True, stream=s) as bar:
        for _ in range(4):
            bar.update()
    assert s.getvalue().startswith("\rwork |") and "100% 4/4" in s.getvalue()
    assert s.getvalue().endswith("\n")


def test_byte_bar_picks_its_unit():
    s = io.StringIO()
    with byte_bar(3 << 30, "big", True) as bar:
        bar.stream = s
        bar.update(3 << 30)
    assert " GB " in s.getvalue() and "3.22/3.22 GB" in s.getvalue()
    assert byte_bar(10, "small", False).unit == " MB"
