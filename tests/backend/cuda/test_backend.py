"""The GPU backend (backend/cuda/backend.py): the cuBLAS fallback decided once with one log line,
and on a GPU arrays and transfers, seeding (the counter state reseeded in place, where captured
graphs hold its address), the kernel table, and scatter-add in both determinism modes."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from cuflow.backend.cuda import backend as cuda_backend
from cuflow.backend.cuda import cublas


def test_missing_cublas_falls_back_with_one_warning(monkeypatch, caplog):
    def missing():
        raise cublas.CublasNotFound("libcublas.so.12 not found (searched /nowhere)")

    monkeypatch.setattr(cublas, "_library", missing)
    monkeypatch.setattr(cuda_backend, "_cublas_state", {})
    with caplog.at_level(logging.WARNING, logger="cuflow"):
        assert cuda_backend._cublas_ok() is False
        assert cuda_backend._cublas_ok() is False
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "falls back to cupy.matmul" in lines[0] and "/nowhere" in lines[0]


def test_found_cublas_is_remembered(monkeypatch):
    calls = []
    monkeypatch.setattr(cublas, "_library", lambda: calls.append(1))
    monkeypatch.setattr(cuda_backend, "_cublas_state", {})
    assert cuda_backend._cublas_ok() and cuda_backend._cublas_ok()
    assert calls == [1]


@pytest.mark.gpu
def test_arrays_transfers_and_the_kernel_table():
    import cupy

    from cuflow.backend.cuda import kernels

    bk = cuda_backend.CupyBackend(0)
    a = bk.asarray(np.arange(3.0), dtype="float32")
    assert isinstance(a, cupy.ndarray) and a.dtype == np.float32 and bk.is_native(a)
    assert not bk.is_native(np.arange(3.0))
    np.testing.assert_array_equal(bk.to_numpy(a), [0.0, 1.0, 2.0])
    bk.synchronize()
    assert bk._kernels is kernels and bk.device == "gpu:0"
    np.testing.assert_array_equal(bk.to_numpy(bk.row_argmax(bk.asarray([[1.0, 3.0]]))), [1])


@pytest.mark.gpu
def test_seed_repeats_draws_and_reseeds_the_counter_state_in_place():
    bk = cuda_backend.CupyBackend(0)
    bk.seed(5)
    a = bk.to_numpy(bk.uniform((6,)))
    state = bk.rng_state
    ptr = state.data.ptr
    first = bk.to_numpy(bk.random_uniform_counter((4,), "float32", state))
    bk.seed(5)
    np.testing.assert_array_equal(bk.to_numpy(bk.uniform((6,))), a)
    assert bk.rng_state.data.ptr == ptr
    np.testing.assert_array_equal(bk.to_numpy(bk.random_uniform_counter((4,), "float32", state)),
                                  first)


@pytest.mark.gpu
@pytest.mark.parametrize("deterministic", [False, True])
def test_scatter_add_accumulates_repeated_indices(monkeypatch, deterministic):
    from cuflow.backend import config

    monkeypatch.setattr(config, "op_determinism_enabled", lambda: deterministic)
    bk = cuda_backend.CupyBackend(0)
    target = bk.asarray(np.zeros(4))
    bk.scatter_add(target, bk.asarray(np.array([0, 2, 0])), bk.asarray(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(bk.to_numpy(target), [4.0, 0.0, 2.0, 0.0])
