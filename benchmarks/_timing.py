"""Shared by the benchmark scripts: medians of wall times after warm-up."""
import statistics
import time


def wall_times(fn, repeat, warmup=1):
    """The wall times of ``repeat`` runs of ``fn()``, after ``warmup`` runs."""
    return interleaved({"": fn}, repeat, warmup)[""]


def median_time(fn, repeat, warmup=1):
    """Median wall time of ``fn()`` over ``repeat`` runs, after ``warmup`` runs."""
    return statistics.median(wall_times(fn, repeat, warmup))


def interleaved(fns, repeat, warmup=1):
    """All wall times of several functions (name -> fn) timed in turn, round
    after round, after ``warmup`` rounds: name -> list of seconds."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return times


def median_times(fns, repeat, warmup=1):
    """Medians of wall times of several functions (a dict of name -> fn) timed
    in turn, round after round: a slow spell on a shared machine hits them
    all alike, so their ratios hold better than when timed one after another."""
    return {name: statistics.median(ts) for name, ts in interleaved(fns, repeat, warmup).items()}
