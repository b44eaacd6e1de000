"""Test configuration: hypothesis profiles.

``default`` keeps the whole suite at a few minutes on two cores (numba compiles
each dtype once per machine and caches it). ``ci`` and ``thorough`` run more
examples; pick one with ``HYPOTHESIS_PROFILE=thorough pytest``.
"""
import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))  # `import reference` from any test

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow],
               print_blob=True)
settings.register_profile("default", max_examples=40, **_common)
settings.register_profile("ci", max_examples=100, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
