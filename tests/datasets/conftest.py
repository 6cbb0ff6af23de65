"""Every dataset test runs offline against its own cache folder."""

from __future__ import annotations

import pytest

from cuflow.datasets import (
    _cache,
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Point the cache at tmp_path, forbid downloads, and trap any network use."""
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CUFLOW_OFFLINE", "1")

    def no_network(url, timeout):
        raise AssertionError(f"test tried to reach the network: {url}")

    monkeypatch.setattr(_cache, "_urlopen", no_network)
