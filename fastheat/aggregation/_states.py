"""The kernel's state kinds, without the kernel: the reductions table
(:mod:`fastheat.aggregation.reductions`) is built from them at import, which
must not load numba (:mod:`fastheat._lazy`); :mod:`._kernels` uses the same names."""

# State kinds (the table's ``code``), their planes in brackets.
MOMENTS = 0  # [sum of w*x, sum of w]              -> mean, sum
MOMENTS2 = 1  # [sum of w*x, sum of w, sum of w*(x - mean)^2] -> std (Chan's merge)
COUNT = 2  # [number of valid cells touching the pixel]
MIN = 3  # [min], NaN until a valid value is seen
MAX = 4  # [max]
ABSMAX = 5  # [value of largest magnitude; ties go to the positive one]
#: Not a mergeable kind: a mean finished in the fold, ``[sum w*x / sum w]``,
#: when one block holds every cell of the output rows it folds (a whole
#: in-memory matrix): no weight plane, no second pass to divide.
MEANS = 6
#: With ``track``, a state has these planes after its own: the smallest, the
#: largest and the smallest positive input value read (NaN: none), merged like
#: MIN, MAX and MIN states. A fold puts the range of the cells it read for an
#: output row at that row's first pixel of the block (elsewhere NaN): only the
#: planes' extremes over the whole grid mean anything (``Reduction.data_range``).
TRACKED = 3
