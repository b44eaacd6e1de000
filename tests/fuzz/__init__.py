"""The standing fuzz and fault suite (issue 10).

- :mod:`.examples`: hypothesis strategies for hostile inputs (shapes, dtypes,
  layouts, values) and every option of ``heatmap``/``to_rgba``/``aggregate``/
  ``save``, read from :mod:`fastheat.options`'s records; an example is the
  source of its own reproducer.
- :mod:`.files`: valid .npy/.npz/zarr/HDF5/CSV/parquet files, truncated,
  byte-flipped or with lying headers, for ``fastheat render``.
- :mod:`.worker`: the persistent child process that runs examples one at a
  time (30 s = hang; a crash or hang restarts it) and classifies the outcome:
  ok, clean error, vague error, foreign exception, leaked warning, wrong image
  (shape/dtype invariants, C/Fortran/transposed/native-order copies, numpy
  scalar options, the numpy reference of ``aggregate``), hang, crash.
- :mod:`.test_fuzz`: the CI profile (in the normal ``python -m pytest``);
  :mod:`.test_regressions`: every finding as a named test;
  ``python -m tests.fuzz --long``: 100,000 examples outside pytest, counts by
  outcome and every failing example's reproducer in a report file.
"""
