"""Last-axis functions on the GPU (backend/cuda/rows.py, ``kernels/rows.cu``) against their
NumPy twins: launch shapes (one thread per short row, one block per long row) checked against the
compiled signatures, the kernels' math compiled for the host, and on a GPU the kernels on random
and extreme rows."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import rows as gk
from cuflow.backend.numpy import rows as nk

from . import _fake_device as fd
from ._gpu import DTYPES, ROW_SHAPES, Dev, assert_twin, values, variants
from ._host import close, ptr, row_case, sfx

RNG = np.random.default_rng(7)


LAUNCH_ROW_SHAPES = [(1, 1), (7, 5), (3, 16), (3, 17), (5, 300), (2, 5000)]


LAUNCH_DTYPES = ["float32", "float64", "float16"]


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", LAUNCH_DTYPES)
@pytest.mark.parametrize("shape", LAUNCH_ROW_SHAPES)
def test_row_launches(checker, dtype, shape):
    x = fd.device_array(_rand(shape, dtype))
    dy = fd.device_array(_rand(shape, dtype, 1))
    gk.softmax_backward(gk.softmax_forward(x), dy)
    gk.log_softmax_backward(gk.log_softmax_forward(x), dy)
    gk.logsumexp(x)
    gk.row_max(x)
    assert str(gk.row_argmax(x).dtype) == "int64"
    assert len(checker.launches) == 7
    want = "cf_thread_r" if shape[-1] <= 16 else "cf_block_r"
    assert all(want in e for e in checker.names())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_ops_host_vs_twin(host_lib, dtype):
    fn = getattr(host_lib, f"cf_host_row_op_{sfx(dtype)}")
    x, _, _, _ = row_case(RNG, dtype)
    rows, n = x.shape

    def run(op, a, b=None):
        o1, o2, io = np.empty(rows, dtype), np.empty((rows, n), dtype), np.empty(rows, np.int64)
        fn(op, ptr(a), ptr(b), None, ptr(o1), ptr(o2), ptr(io), rows, n, 1.0, 0.0)
        return o1, o2, io

    close(run(0, x)[1], nk.softmax_forward(x), dtype)
    close(run(1, x)[1], nk.log_softmax_forward(x), dtype)
    y = nk.softmax_forward(x)
    dy = RNG.normal(size=x.shape).astype(dtype)
    close(run(2, y, dy)[1], nk.softmax_backward(y, dy), dtype)
    ly = nk.log_softmax_forward(x)
    close(run(3, ly, dy)[1], nk.log_softmax_backward(ly, dy), dtype)
    close(run(4, x)[0], nk.logsumexp(x), dtype)
    close(run(5, x)[0], nk.row_max(x), dtype)
    np.testing.assert_array_equal(run(6, x)[2], nk.row_argmax(x))


def test_bad_rows_are_refused_before_any_launch(checker):
    with pytest.raises(ValueError, match="empty last axis"):
        gk.row_max(fd.device_array(np.zeros((3, 0), np.float32)))
    with pytest.raises(ValueError, match="y and dy must have the same shape"):
        gk.softmax_backward(fd.device_array(np.zeros((2, 3), np.float32)),
                            fd.device_array(np.zeros((2, 4), np.float32)))
    with pytest.raises(TypeError, match="y and dy must share a dtype"):
        gk.softmax_backward(fd.device_array(np.zeros((2, 3), np.float32)),
                            fd.device_array(np.zeros((2, 3), np.float64)))
    assert checker.launches == []


# ---- on a GPU --------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROW_SHAPES)
def test_row_kernels(shape, dtype):
    gk = Dev.mod()
    x = values(shape, dtype)
    dy = values(shape, dtype, 1.0, specials=False)
    y, ly = nk.softmax_forward(x), nk.log_softmax_forward(x)
    for _, xd in variants(x):
        assert_twin(Dev.get(gk.softmax_forward(xd)), y, dtype)
        assert_twin(Dev.get(gk.log_softmax_forward(xd)), ly, dtype)
        assert_twin(Dev.get(gk.softmax_backward(Dev.put(y), Dev.strided(dy))),
                    nk.softmax_backward(y, dy), dtype)
        assert_twin(Dev.get(gk.log_softmax_backward(Dev.put(ly), Dev.strided(dy))),
                    nk.log_softmax_backward(ly, dy), dtype)
        assert_twin(Dev.get(gk.logsumexp(xd)), nk.logsumexp(x), dtype)
        assert_twin(Dev.get(gk.row_max(xd)), nk.row_max(x), dtype)
        np.testing.assert_array_equal(Dev.get(gk.row_argmax(xd)), nk.row_argmax(x))


def test_long_rows_launch_1024_threads_on_bounded_kernels(checker):
    # rows longer than 2048 get 1024-thread blocks: the kernel must carry __launch_bounds__(1024)
    # (ptxas gave four float64 block reducers 58-64 registers without it: 1024 x 64 = the SM's
    # whole register file, one more and the launch fails)
    x = fd.device_array(np.random.default_rng(0).normal(size=(2, 3000)))
    gk.log_softmax_forward(x)
    gk.logsumexp(x)
    (_, name, _, block, _), *_ = checker.launches
    assert name.startswith("cf_log_softmax_fwd<double") and block == (1024,)


def test_launch_checker_refuses_1024_threads_without_a_bound(checker):
    kern = checker.get_kernel("activations.cu", "cf_relu_fwd<float>")
    x = fd.device_array(np.zeros(4, np.float32))
    with pytest.raises(fd.LaunchError, match="1024 threads per block, but cf_relu_fwd has no"):
        kern((1,), (1024,), (x, x, np.int64(4), np.float64(0.0)))
