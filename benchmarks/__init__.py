"""cuflow's benchmarks: the pytest-benchmark files (``bench_*.py``) and ``harness/``, the measuring
code they share with ``cuflow bench``. Not part of the ``cuflow`` package: the wheel ships only
``harness/``, as the private ``cuflow._benchmarks`` the command imports on use."""
