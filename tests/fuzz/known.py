"""Findings still open (fixes belong to another branch), tolerated by the CI
profile so that it stays green while each has a strict-xfail regression test
in :mod:`.test_regressions` (an XPASS there fails the suite: delete the entry
and the xfail once the fix is merged). Each entry: a regex matched against
``outcome: detail`` and the regression test's name."""
import re

OPEN = [
    (r"^(hang|slow):(?s:.*)'colorbar'", "test_F01_colorbar_huge_vmin_vmax_does_not_hang"),
    (r"(OverflowError: cannot convert float infinity|overflow encountered|cannot reshape array "
     r"of size 0)(?s:.*)'(hlines|vlines|xticks|yticks)'", "test_F02/F03/F11 (positions near float max)"),
    (r"grid linestyle=(?s:.*)'line_kws'", "test_F04_line_kws_error_names_line_kws"),
    (r"anchor not supported for multiline text", "test_F05_multiline_axis_label"),
    (r"Object visitation failed|h5_members", "test_F06_corrupt_hdf5_is_one_line"),
    (r"zlib\.error", "test_F07_corrupt_npz_member_is_one_line"),
    (r"^leaked warning: exit 0 with stderr: .*AnnotationWarning",
     "test_F08_cli_warning_is_not_a_python_warning_dump"),
    (r"^wrong image: (to_rgba|heatmap) of the (Fortran copy|C copy|transposed twice|native byte "
     r"order) differs", "test_F09/F10 (layout-dependent summation order)"),
    (r"Error setting from dictionary", "test_F12_tiff_nan_dpi_is_clean"),
    (r"ufunc 'isfinite' not supported", "test_F13_python_int_beyond_int64_option_is_clean"),
    (r"SyntaxError(?s:.*)'npy", "test_F14_npy_header_garbled_is_one_line"),
    (r"overflow encountered in scalar multiply \(norms", "test_F17_one_level_on_float_max_data"),
    (r"exceeds the limit of \d+ pixels(?s:.*)'scale'", "test_F18_raster_limit_error_names_scale"),
    (r"^(hang|slow):(?s:.*)'scale': 64", "test_F19_scale_64_colorbar_canvas"),
    (r"rounded value too large to represent", "test_F20_colorbar_of_constant_minus_float_max"),
    (r"overflow encountered in scalar add \(norms", "test_F21_constant_float_max_matrix"),
]


def is_known(outcome, detail, reproducer=""):
    """The regression test of the open finding this failure is, or None."""
    text = f"{outcome}: {detail}\n{reproducer}"
    return next((name for pattern, name in OPEN if re.search(pattern, text, re.S)), None)
