"""Debug tests build their models on the CPU unless a test asks for the GPU explicitly, so the
CPU assertions hold on GPU machines too (where the default device is the GPU)."""

from __future__ import annotations

import pytest

import cuflow


@pytest.fixture(autouse=True)
def _cpu_by_default():
    with cuflow.device("cpu"):
        yield
