"""Drive hypothesis over the fuzz strategies, every example in the worker.

The test function given to hypothesis never fails: it counts outcomes (a
campaign's job is the counts and the reproducers of every bad example), so a
long run is not stopped by its first finding. The CI test asserts on the
counts afterwards (:mod:`.test_fuzz`).
"""
from __future__ import annotations

import tempfile

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from . import files
from .campaign import Campaign, api_request, reproducer
from .examples import examples


def _settings(n, derandomize):
    return settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
                    derandomize=derandomize, suppress_health_check=list(HealthCheck),
                    print_blob=False)


def run_api(campaign: Campaign, n: int, *, seed=None, derandomize=False, every=0,
            on_progress=None):
    """``n`` API examples (heatmap, to_rgba, aggregate, save with every option);
    ``on_progress()`` is called every ``every`` examples."""
    start = campaign.total

    def test(src):
        campaign.submit(api_request(src), reproducer(src))
        done = campaign.total - start
        if every and on_progress and done and done % every == 0:
            on_progress()

    if n <= 0:
        return
    fn = _settings(n, derandomize)(given(examples())(test))
    if seed is not None:
        fn = hypothesis_seed(seed)(fn)
    fn()
    campaign.flush()


def run_files(campaign: Campaign, n: int, *, seed=None, derandomize=False, every=0,
              on_progress=None):
    """``n`` mutated input files rendered through the CLI."""
    folder = tempfile.mkdtemp(prefix="fuzz-files-")
    start = campaign.total

    def test(mutation):
        files.cleanup(folder)
        request = files.prepare(mutation, folder)
        campaign.run(request, files.reproducer(mutation))
        done = campaign.total - start
        if every and on_progress and done % every == 0:
            on_progress()

    if n <= 0:
        return
    fn = _settings(n, derandomize)(given(files.mutations())(test))
    if seed is not None:
        fn = hypothesis_seed(seed)(fn)
    fn()
    files.cleanup(folder)
