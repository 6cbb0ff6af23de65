"""The simulated device's own checks bite: the simulated cuBLAS table refuses what cuBLAS would
(or what would read or write outside the buffers), and the CuPy stand-in refuses what CuPy
does (implicit host copies, host arrays in device functions)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cuflow.backend.cuda import cublas

from ._fake_cublas import CublasSimError


def _operands(cp, m=3, k=4, n=5):
    a = cp.asarray(np.arange(m * k, dtype=np.float32).reshape(m, k))
    b = cp.asarray(np.ones((k, n), np.float32))
    plan = cublas.plan_matmul(a.shape, (k, 1), b.shape, (n, 1))
    return a, b, cp.empty(plan.out_shape, np.float32), plan


def test_the_real_plans_run_and_agree(sim_gpu):
    cp = sim_gpu.cupy
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    w = rng.normal(size=(4, 5)).astype(np.float32)
    xd, wd = cp.asarray(x), cp.asarray(w)
    cases = [(xd, wd, x @ w), (xd[0].T, xd[1], x[0].T @ x[1]),  # folded, transposed
             (xd, cp.asarray(x.transpose(0, 2, 1)), x @ x.transpose(0, 2, 1))]  # batched
    for a, b, want in cases:
        np.testing.assert_allclose(cublas.matmul(a, b).get(), want, rtol=1e-5, atol=1e-6)
    assert {c[0] for c in sim_gpu.cublas.calls} == {"cublasGemmEx",
                                                   "cublasGemmStridedBatchedEx"}


@pytest.mark.parametrize(("change", "message"), [
    ({"ld_p": 2}, "ldb = 2 < 4 rows of B|lda = 2 < 5 rows of A"),
    ({"K": 40}, "reads .* bytes past the end"),
    ({"M": 2**31}, "M = 2147483648 does not fit a C int"),
])
def test_the_simulated_table_refuses_a_wrong_call(sim_gpu, change, message):
    a, b, out, plan = _operands(sim_gpu.cupy)
    with pytest.raises(CublasSimError, match=message):
        cublas.run(dataclasses.replace(plan, **change), a, b, out)


def test_a_gemm_needs_the_handle_of_the_current_stream(sim_gpu, monkeypatch):
    cp = sim_gpu.cupy
    a, b, out, plan = _operands(cp)
    other = cp.cuda.Stream(non_blocking=True)
    h = cublas.handle_for(other)
    monkeypatch.setattr(cublas, "handle_for", lambda stream=None: h)
    with pytest.raises(CublasSimError, match="bound to stream .* issued on the legacy null"):
        cublas.run(plan, a, b, out)


def test_the_workspace_must_be_live(sim_gpu):
    a, b, out, plan = _operands(sim_gpu.cupy)
    h = cublas.handle_for()
    h.workspace = None  # dropped: the pool takes the bytes back
    with pytest.raises(CublasSimError, match="no live workspace"):
        cublas.run(plan, a, b, out)


def test_the_stand_in_refuses_what_cupy_refuses(sim_gpu):
    cp = sim_gpu.cupy
    x = cp.ones(3, np.float32)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        np.asarray(x)
    with pytest.raises(TypeError, match="host NumPy array"):
        x + np.ones(3, np.float32)
    with pytest.raises(ValueError, match="Unsupported dtype"):
        cp.asarray(np.array(["a"]))
    assert isinstance(x.sum(), cp.ndarray) and x.sum().shape == ()  # 0-d stays on the device
    assert not isinstance(x, np.ndarray)


def test_one_backend_per_gpu_whatever_the_spelling(sim_gpu):
    """Found here: ``get_backend("gpu")`` made a second backend for gpu:0 and replaced the first
    in the cache, so a model built before it failed "operands are on different devices"."""
    import cuflow as cf
    from cuflow.backend import get_backend

    with cf.device("gpu"):
        w = cf.Tensor(np.ones((2, 2), np.float32))
    assert get_backend("gpu") is get_backend("gpu:0") is w._backend
    assert (cf.ops.matmul(w, w).numpy() == 2).all()
