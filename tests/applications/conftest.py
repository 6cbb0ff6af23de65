"""Fixtures of the application tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def cuflow_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    return tmp_path
