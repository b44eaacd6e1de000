"""The CI profile of the fuzz campaign, in the normal ``python -m pytest``.

Every example runs in a persistent worker process (:mod:`.worker`), so a
segfault or a hang (> 30 s) is an outcome, not a dead test run. The examples
are derandomized (the same ones every run); ``python -m tests.fuzz --long``
runs 100,000 random ones outside pytest.
"""
import os

import pytest

from .known import is_known
from .runner import run_api, run_files
from .worker import BAD

pytestmark = pytest.mark.fuzz

CI_API_EXAMPLES = int(os.environ.get("FASTHEAT_FUZZ_EXAMPLES", 1500))
CI_FILE_EXAMPLES = int(os.environ.get("FASTHEAT_FUZZ_FILES", 200))


def _unexpected(campaign, start=0):
    """The kept failures (from the ``start``-th on) that are not known open
    findings, as text."""
    out = []
    for outcome, detail, repro in campaign.failures[start:]:
        if outcome in BAD and not is_known(outcome, detail, repro):
            out.append(f"--- {outcome}: {detail.strip()[:1500]}\n{repro}")
    return out


def test_api_campaign(campaign):
    """heatmap/to_rgba/aggregate/save over hostile inputs and every option:
    only ``ok`` and clean errors (ValueError/TypeError naming the parameter)."""
    start = len(campaign.failures)
    run_api(campaign, CI_API_EXAMPLES, derandomize=True)
    print(campaign.summary())
    bad = _unexpected(campaign, start)
    assert not bad, f"{len(bad)} bad examples:\n" + "\n".join(bad[:10])
    assert campaign.counts["ok"] > CI_API_EXAMPLES // 10  # the campaign reaches the renderers


def test_file_campaign(campaign):
    """Truncated, byte-flipped and lying files through ``fastheat render``:
    exit 2 with one line, or exit 0 with an image; never a traceback or a hang."""
    start = len(campaign.failures)
    run_files(campaign, CI_FILE_EXAMPLES, derandomize=True)
    print(campaign.summary())
    bad = _unexpected(campaign, start)
    assert not bad, f"{len(bad)} bad examples:\n" + "\n".join(bad[:10])
