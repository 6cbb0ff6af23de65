"""Fixtures of the metric tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def skm():
    """scikit-learn's metrics as an independent reference (not a cuflow dependency: the tests
    that compare with it skip where it is not installed; NumPy-formula tests cover the rest)."""
    return pytest.importorskip("sklearn.metrics")
