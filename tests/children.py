"""Helpers for tests that signal child processes."""
import signal


def default_signals():
    """``preexec_fn`` of a child: SIGINT, SIGTERM and SIGHUP at their default
    action, as a program started from a terminal has them (nohup, or a test
    runner's worker, may have left them ignored: a disposition children
    inherit)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
