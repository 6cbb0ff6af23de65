"""Shared fixtures: run a test body on every available backend and compare with NumPy."""

from __future__ import annotations

import numpy as np
import pytest


def gpu_available() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


HAS_GPU = gpu_available()
requires_gpu = pytest.mark.skipif(not HAS_GPU, reason="needs a CUDA GPU visible to CuPy")

DEVICES = ["cpu", pytest.param("gpu:0", marks=[pytest.mark.gpu, requires_gpu])]


@pytest.fixture(params=DEVICES)
def device(request):
    """The device string a test body runs on; GPU cases skip with a reason without one."""
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("gpu") and not HAS_GPU:
            item.add_marker(pytest.mark.skip(reason="needs a CUDA GPU visible to CuPy"))
