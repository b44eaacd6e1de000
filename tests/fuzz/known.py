"""Findings still open (fixes belong to another branch), tolerated by the CI
profile so that it stays green while each has a strict-xfail regression test
in :mod:`.test_regressions` (an XPASS there fails the suite: delete the entry
and the xfail once the fix is merged). Each entry: a regex matched against
``outcome: detail`` and the regression test's name."""
import re

OPEN = []  # none open: F08, F18 and F22-F26 were fixed on branch f10


def is_known(outcome, detail, reproducer=""):
    """The regression test of the open finding this failure is, or None."""
    text = f"{outcome}: {detail}\n{reproducer}"
    return next((name for pattern, name in OPEN if re.search(pattern, text, re.S)), None)
