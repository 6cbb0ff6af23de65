"""The fused Dense epilogue (bias add + activation, activation grad + bias grad): the NumPy twin
against the unfused float64 reference, the CPU fast path against the twin, the dense op's
gradients against central differences, and on a GPU the CUDA kernels against the twin."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.backend import numpy_kernels as nk
from cuflow.backend.numpy_backend import NumpyBackend
from cuflow.testing import check_gradients

from .test_kernels_gpu import Dev, assert_twin, gpu_available

DTYPES = [np.float32, np.float64, np.float16]


def _problem(rows, n, dtype, seed=0, specials=True):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(rows, n)) * 3).astype(dtype)
    b = rng.normal(size=(n,)).astype(dtype)
    dy = rng.normal(size=(rows, n)).astype(dtype)
    if specials and z.size >= 6:
        z.flat[:6] = [np.nan, np.inf, -np.inf, 0.0, 6.0, -1e4]
    return z, b, dy


def _reference(name, z, b, dy):
    """The unfused computation in float64, rounded where the dtype stores."""
    pre = (z + b).astype(z.dtype)  # z += bias in z's dtype
    y = nk.activation_forward(name, pre)
    dz = nk.activation_backward(name, pre, y, dy)
    db = dz.astype(np.float64).sum(axis=0).astype(z.dtype)
    return pre, y, dz, db


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_twin_equals_unfused_reference(name, dtype):
    z, b, dy = _problem(9, 7, dtype)
    pre_ref, y_ref, dz_ref, db_ref = _reference(name, z, b, dy)
    pre, y = nk.bias_activation_forward(name, z.copy(), b)
    assert (pre is None) == (name in nk.Y_ONLY_BACKWARD)
    np.testing.assert_array_equal(y, y_ref)
    assert y.dtype == z.dtype
    if pre is not None:
        np.testing.assert_array_equal(pre, pre_ref)
    dz, db = nk.bias_activation_backward(name, pre, y, dy)
    np.testing.assert_array_equal(dz, dz_ref)  # incl. NaN where x is NaN, inf * 0 = NaN
    np.testing.assert_allclose(db.astype(np.float64), db_ref.astype(np.float64),
                               rtol=1e-3 if dtype == np.float16 else 1e-12, equal_nan=True)
    assert db.dtype == z.dtype and db.shape == (7,)
    dz2, db2 = nk.bias_activation_backward(name, pre, y, dy, need_bias=False)
    np.testing.assert_array_equal(dz2, dz)
    assert db2 is None


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_twin_passes_alpha(name):
    z, b, dy = _problem(4, 5, np.float64, specials=False)
    pre, y = nk.bias_activation_forward(name, z, b, 0.37)
    np.testing.assert_array_equal(y, nk.activation_forward(name, z + b, 0.37))
    dz, _ = nk.bias_activation_backward(name, pre, y, dy, 0.37)
    np.testing.assert_array_equal(dz, nk.activation_backward(name, z + b, y, dy, 0.37))


def test_empty_batch_gives_zero_bias_gradient():
    z, b, dy = _problem(0, 3, np.float32)
    pre, y = nk.bias_activation_forward("tanh", z, b)
    dz, db = nk.bias_activation_backward("tanh", pre, y, dy)
    assert y.shape == dz.shape == (0, 3)
    np.testing.assert_array_equal(db, np.zeros(3, np.float32))


def test_bad_input_is_rejected_with_what_was_received():
    z, b, dy = _problem(4, 5, np.float32)
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\).*received shape \(4,\)"):
        nk.bias_activation_forward("relu", z, b[:4])
    with pytest.raises(TypeError, match="bias dtype must equal z dtype float32, received float64"):
        nk.bias_activation_forward("relu", z, b.astype(np.float64))
    with pytest.raises(ValueError, match=r"z must be 2-D.*received shape \(2, 2, 5\)"):
        nk.bias_activation_forward("relu", z[:4].reshape(2, 2, 5), b)
    with pytest.raises(TypeError, match="received dtype int64"):
        nk.bias_activation_forward("relu", np.ones((4, 5), np.int64), np.ones(5, np.int64))
    with pytest.raises(ValueError, match="unknown activation 'reluu'"):
        nk.bias_activation_forward("reluu", z, b)
    with pytest.raises(ValueError, match=r"needs x \(the pre-activation\)"):
        nk.bias_activation_backward("gelu", None, z, dy)
    with pytest.raises(ValueError, match="same shape"):
        nk.bias_activation_backward("relu", None, z, dy[:3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["relu", "linear", "gelu", "sigmoid"])
def test_cpu_fast_path_equals_twin(name, dtype):
    bk = NumpyBackend()
    z, b, dy = _problem(33, 17, dtype)
    dy.flat[40] = np.nan
    pre_t, y_t = nk.bias_activation_forward(name, z.copy(), b)
    pre, y = bk.bias_activation_forward(name, z.copy(), b)
    np.testing.assert_array_equal(y, y_t)
    assert (pre is None) == (pre_t is None) and y.dtype == y_t.dtype
    for need_bias in (True, False):
        dz_t, db_t = nk.bias_activation_backward(name, pre_t, y_t, dy, None, need_bias)
        dz, db = bk.bias_activation_backward(name, pre, y, dy, None, need_bias)
        np.testing.assert_array_equal(dz, dz_t)
        if need_bias:
            np.testing.assert_array_equal(db, db_t)
        else:
            assert db is None


@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_dense_op_gradients_for_every_activation(name):
    rng = np.random.default_rng(1)
    x, k, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    if name in ("relu", "relu6", "leaky_relu", "hard_sigmoid", "hard_swish", "elu", "selu"):
        # keep pre-activations away from the kinks, where central differences straddle them
        pre = x @ k + b
        b = b + np.where(np.abs(pre).min(axis=0) < 0.05, 0.1, 0.0)
    check_gradients(lambda x, k, b: ops.dense(x, k, b, name), [x, k, b])


def test_dense_op_takes_the_kernel_dtype_for_a_mismatched_bias():
    x = np.ones((2, 3), np.float32)
    k = np.full((3, 2), 0.5, np.float32)
    out = ops.dense(x, k, np.array([1.0, -2.0]), "relu")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [[2.5, 0.0], [2.5, 0.0]])


# ---- on a GPU: the CUDA kernels against the twin ------------------------------------------------

# (rows, n): empty, tiny, odd widths (scalar path), float4 widths, one chunk, several chunks
SHAPES = [(0, 4), (5, 0), (1, 1), (7, 33), (128, 256), (300, 257), (513, 1024)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")
def test_gpu_epilogue_equals_twin(name, shape, dtype):
    gk = Dev.mod()
    z, b, dy = _problem(*shape, dtype, seed=sum(shape))
    pre_t, y_t = nk.bias_activation_forward(name, z.copy(), b)
    dz_t, db_t = nk.bias_activation_backward(name, pre_t, y_t, dy)
    pre, y = gk.bias_activation_forward(name, Dev.put(z), Dev.put(b))
    assert (pre is None) == (pre_t is None)
    assert_twin(Dev.get(y), y_t, dtype)
    if pre is not None:
        assert_twin(Dev.get(pre), pre_t, dtype)
    dz, db = gk.bias_activation_backward(name, pre, y, Dev.strided(dy))
    assert_twin(Dev.get(dz), dz_t, dtype)
    assert_twin(Dev.get(db), db_t, dtype)
    dz2, db2 = gk.bias_activation_backward(name, pre, y, Dev.put(dy), need_bias=False)
    assert db2 is None
    assert_twin(Dev.get(dz2), dz_t, dtype)


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")
def test_gpu_epilogue_misaligned_and_strided_inputs_take_the_scalar_path():
    import cupy

    gk = Dev.mod()
    z, b, dy = _problem(64, 128, np.float32)
    zd = cupy.asarray(np.concatenate([[0.0], z.ravel()]).astype(np.float32))[1:].reshape(z.shape)
    bd = Dev.strided(b)  # copied to a contiguous buffer first
    _, y = gk.bias_activation_forward("gelu", zd, bd)
    assert_twin(Dev.get(y), nk.bias_activation_forward("gelu", z.copy(), b)[1], np.float32)
    with pytest.raises(TypeError, match="bias dtype"):
        gk.bias_activation_forward("relu", Dev.put(z), Dev.put(b.astype(np.float64)))


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")
@pytest.mark.parametrize("name", ["relu", "tanh", "gelu", "linear"])
def test_gpu_dense_layer_matches_cpu(name):
    import cuflow as cf

    rng = np.random.default_rng(3)
    x = rng.normal(size=(96, 40)).astype(np.float32)
    k = rng.normal(size=(40, 24)).astype(np.float32) * 0.2
    b = rng.normal(size=24).astype(np.float32)
    got = {}
    for dev in ("cpu", "gpu:0"):
        ts = [cf.Tensor(a, device=dev, requires_grad=True) for a in (x, k, b)]
        with cf.GradientTape() as tape:
            out = ops.dense(*ts, name)
            total = (out * out).sum()
        got[dev] = [out.numpy()] + [g.numpy() for g in tape.gradient(total, ts)]
    for g, c in zip(got["gpu:0"], got["cpu"]):
        np.testing.assert_allclose(g, c, rtol=2e-4, atol=2e-4)
