"""Fixtures of the callback tests."""

from ._fakes import clock  # noqa: F401  (the progress bars' fake clock)
