"""Findings still open (fixes belong to another branch), tolerated by the CI
profile so that it stays green while each has a strict-xfail regression test
in :mod:`.test_regressions` (an XPASS there fails the suite: delete the entry
and the xfail once the fix is merged). Each entry: a regex matched against
``outcome: detail`` and the regression test's name."""
import re

OPEN = [
    (r"^leaked warning: exit 0 with stderr: .*AnnotationWarning",
     "test_F08_cli_warning_is_not_a_python_warning_dump"),
    (r"overflow encountered in cast \(norms", "test_F22_float32_vmin_with_huge_python_vmax"),
    (r"Iterator operand \d+ dtype could not be cast from dtype\(\[", "test_F23_masked_structured"),
    (r"overflow encountered in (cast|subtract) \(ticks", "test_F24_float16_colorbar_huge_vmax"),
    (r"ValueError: levels=array\(", "test_F25_levels_error_is_one_line"),
    (r"OverflowError(?s:.*)geometry\.py(?s:.*)'aspect'", "test_F26_subnormal_aspect_is_clean"),
    (r"exceeds the limit of \d+ pixels(?s:.*)'scale'", "test_F18_raster_limit_error_names_scale"),
]


def is_known(outcome, detail, reproducer=""):
    """The regression test of the open finding this failure is, or None."""
    text = f"{outcome}: {detail}\n{reproducer}"
    return next((name for pattern, name in OPEN if re.search(pattern, text, re.S)), None)
