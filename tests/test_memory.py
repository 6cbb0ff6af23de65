"""cuflow.memory (memory.py): allocation failures become cuflow.OutOfMemoryError naming the
request and a remedy; absurd host requests are refused before allocating; the GPU pool limit is
settable."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import layers, memory, models


def test_translate_numpy_memory_error():
    with pytest.raises(cuflow.OutOfMemoryError, match="batch_size") as info:
        with memory.translate_oom("train_step (batch of 4096)"):
            raise MemoryError("Unable to allocate 4 TiB")
    assert "train_step (batch of 4096)" in str(info.value)
    assert isinstance(info.value.__cause__, MemoryError)


def test_translate_numpy_array_memory_error():
    # the exact class NumPy raises for a failed host allocation (not triggered for real: with
    # Linux overcommit a huge np.empty can succeed and the process die later)
    try:
        from numpy._core._exceptions import _ArrayMemoryError
    except ImportError:  # NumPy 1.x
        from numpy.core._exceptions import _ArrayMemoryError
    with pytest.raises(cuflow.OutOfMemoryError, match="mixed precision"):
        with memory.translate_oom("np.empty of 2**40 floats"):
            raise _ArrayMemoryError((2**40,), np.dtype("float64"))


def test_other_errors_pass_through():
    with pytest.raises(KeyError):
        with memory.translate_oom("x"):
            raise KeyError("k")


def test_check_allocation_refuses_before_allocating():
    with pytest.raises(cuflow.OutOfMemoryError, match=r"shape \(1099511627776, 4\)"):
        memory.check_allocation((2**40, 4), "float32", "Dense kernel")
    assert memory.check_allocation((2, 3), "float64", "small") == 48


def test_cpu_limit_is_recorded_and_used_by_checks():
    try:
        memory.set_memory_limit(1000, "cpu")
        assert memory.get_memory_limit("cpu") == 1000
        with pytest.raises(cuflow.OutOfMemoryError, match="limit 1000 bytes"):
            memory.check_allocation((100, 100), "float32", "a weight")
    finally:
        memory.set_memory_limit(None, "cpu")
    assert memory.get_memory_limit("cpu") is None


@pytest.mark.parametrize("bad", [-1, 1.5, "1GB", True])
def test_bad_limit(bad):
    with pytest.raises(ValueError, match="non-negative"):
        memory.set_memory_limit(bad, "cpu")


def test_format_bytes():
    assert memory.format_bytes(512) == "512 bytes"
    assert memory.format_bytes(3 << 30) == "3.0 GiB"


@pytest.mark.gpu
def test_gpu_batch_too_large_then_smaller_batch_trains():
    """Needs the trainer to wrap train_step in memory.translate_oom (see the issue note)."""
    import cupy

    with cuflow.device("gpu"):
        model = models.Sequential([layers.Input((1024,)), layers.Dense(1024),
                                   layers.Dense(10)])
        model.compile("adam", "mse")
        x = np.ones((4096, 1024), "float32")
        y = np.ones((4096, 10), "float32")
        model.fit(x[:8], y[:8], batch_size=8, epochs=1, verbose=0)  # weights, optimizer built
        pool = cupy.get_default_memory_pool()
        old = pool.get_limit()
        try:
            memory.set_memory_limit(pool.used_bytes() + (20 << 20))  # room for ~one small batch
            with pytest.raises(cuflow.OutOfMemoryError, match="batch_size"):
                model.fit(x, y, batch_size=4096, epochs=1, verbose=0)
            model.fit(x[:64], y[:64], batch_size=8, epochs=1, verbose=0)  # same process
        finally:
            pool.set_limit(size=old)
