"""Activations on the GPU (backend/cuda/activations.py, ``kernels/activations.cu``) against
their NumPy twins: every launch checked against the compiled kernel signatures on the CPU (float4
path, alignment, the Dense epilogue), the kernels' math compiled for the host, and on a GPU the
kernels themselves on random and extreme inputs, contiguous and strided."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.backend.cuda import activations as gk
from cuflow.backend.numpy import activations as nk

from .. import _cases
from . import _fake_device as fd
from ._gpu import DTYPES, SIZES, Dev, assert_twin, values, variants
from ._host import close, ptr, sfx

RNG = np.random.default_rng(7)


LAUNCH_DTYPES = ["float32", "float64", "float16"]


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def epilogue_problem(*args, **kwargs):
    return _cases.epilogue_problem(*args, **kwargs)


# ---- launches, checked on the CPU -------------------------------------------------------------

@pytest.mark.parametrize("dtype", LAUNCH_DTYPES)
@pytest.mark.parametrize("n", [1, 5, (1 << 14) + 3])
def test_activation_launches(checker, dtype, n):
    for name in gk.ACTIVATIONS:
        x = fd.device_array(_rand(n, dtype))
        y = gk.activation_forward(name, x, alpha=0.2 if name == "leaky_relu" else None)
        dy = fd.device_array(_rand(n, dtype, 1))
        gk.activation_backward(name, x, y, dy, alpha=None)
    names = checker.names()
    if dtype == "float32" and n > (1 << 14):
        assert any(e.endswith("_vec4<float>") for e in names)
        assert any(e == "cf_relu_fwd<float>" for e in names)  # the tail of 3
    else:
        assert not any("vec4" in e for e in names)


def test_activation_misaligned_view_takes_the_scalar_path(checker):
    n = (1 << 15)
    x = fd.device_array(_rand(n, "float32"), offset_bytes=4)  # 4-byte aligned only
    gk.activation_forward("relu", x)
    assert checker.names() == ["cf_relu_fwd<float>"]


@pytest.mark.parametrize("dtype", LAUNCH_DTYPES)
@pytest.mark.parametrize("shape", [(1, 4), (5, 3), (64, 32), (3000, 7)])
def test_bias_activation_launches(checker, dtype, shape):
    for name in ("relu", "gelu", "sigmoid", "linear"):
        z = fd.device_array(_rand(shape, dtype))
        b = fd.device_array(_rand(shape[-1:], dtype, 1))
        pre, y = gk.bias_activation_forward(name, z, b)
        dy = fd.device_array(_rand(shape, dtype, 2))
        for need_bias in (True, False):
            dz, db = gk.bias_activation_backward(name, pre, y, dy, need_bias=need_bias)
            assert dz.shape == shape and (db is None) != need_bias
    assert all(s in ("activations.cu", "reductions.cu") for s, *_ in checker.launches)


def test_epilogue_null_pointers_are_typed_not_none(checker):
    # relu keeps only y (no pre), and one chunk writes db directly (no partials): those pointer
    # slots get common.NULL, 8 zero bytes. None there is what crashes CuPy 13 (issue 9046).
    from cuflow.backend.cuda.common import NULL

    z, b = fd.device_array(_rand((5, 3), "float32")), fd.device_array(_rand((3,), "float32", 1))
    pre, y = gk.bias_activation_forward("relu", z, b)
    gk.bias_activation_backward("relu", pre, y, fd.device_array(_rand((5, 3), "float32", 2)))
    (_, fwd, *_, fwd_args), (_, bwd, *_, bwd_args) = checker.launches
    assert fwd == "cf_bias_relu_fwd<float>" and fwd_args[2] is NULL  # pre: not stored
    assert bwd == "cf_bias_relu_bwd<float>" and bwd_args[4] is NULL  # partial: one chunk


def test_launch_checker_refuses_none_for_a_pointer(checker):
    kern = checker.get_kernel("activations.cu", "cf_bias_relu_fwd<float>")
    z = fd.device_array(_rand((2, 2), "float32"))
    b = fd.device_array(_rand((2,), "float32"))
    with pytest.raises(fd.LaunchError, match="None for a pointer: CuPy 13"):
        kern((1,), (32,), (z, b, None, z, np.int64(2), np.int64(2), np.float64(0.0)))


def test_unknown_activation_is_refused_before_any_launch():
    pytest.importorskip("cupy", reason="the CUDA wrappers import CuPy before checking names")
    with pytest.raises(ValueError, match="relu6"):
        gk.activation_forward("relu7", np.zeros(2))
    with pytest.raises(ValueError, match="relu6"):
        gk.bias_activation_forward("relu7", np.zeros((2, 2)), np.zeros(2))


# ---- the kernels' math on the host -----------------------------------------------------------

def _act_inputs(dtype):
    base = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, 6.0, 1000.0, -1000.0,
            88.0, -88.0, 709.0, -745.0, 1e20, -1e20]
    x = np.concatenate([base, RNG.normal(size=300) * 4, RNG.uniform(-40, 40, 100)])
    return x.astype(dtype)


def test_host_library_uses_the_names_table(host_lib):
    names = tuple(host_lib.cf_host_activation_name(i).decode()
                  for i in range(host_lib.cf_host_n_activations()))
    assert names == nk.ACTIVATIONS


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activations_host_vs_twin(host_lib, name, dtype):
    idx = nk.ACTIVATIONS.index(name)
    alpha = 0.3 if name in nk.DEFAULT_ALPHA else 0.0
    x = _act_inputs(dtype)
    dy = np.concatenate([[1.0, np.nan], RNG.normal(size=x.size - 2)]).astype(dtype)
    y = np.empty_like(x)
    getattr(host_lib, f"cf_host_act_fwd_{sfx(dtype)}")(idx, ptr(x), ptr(y), x.size, alpha)
    want_y = nk.activation_forward(name, x, alpha)
    close(y, want_y, dtype)
    dx = np.empty_like(x)
    getattr(host_lib, f"cf_host_act_bwd_{sfx(dtype)}")(idx, ptr(x), ptr(want_y), ptr(dy), ptr(dx),
                                                   x.size, alpha)
    close(dx, nk.activation_backward(name, x, want_y, dy, alpha), dtype)


# ---- on a GPU --------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activation_kernels(name, size, dtype):
    gk = Dev.mod()
    x = values((size,), dtype)
    dy = values((size,), dtype, 1.0, specials=False)
    y = nk.activation_forward(name, x)
    dx = nk.activation_backward(name, x, y, dy)
    for _, xd in variants(x):
        assert_twin(Dev.get(gk.activation_forward(name, xd)), y, dtype)
        got = gk.activation_backward(name, xd, Dev.put(y), Dev.strided(dy))
        assert_twin(Dev.get(got), dx, dtype)


@pytest.mark.gpu
def test_activation_alpha_and_vec4_tail():
    gk = Dev.mod()
    for n in (2**16, 2**16 + 1, 2**16 + 3):
        x = values((n,), np.float32)
        for name in ("leaky_relu", "elu"):
            assert_twin(Dev.get(gk.activation_forward(name, Dev.put(x), 0.37)),
                        nk.activation_forward(name, x, 0.37), np.float32)
    # misaligned start (offset by one float) takes the scalar path
    x = values((2**16 + 1,), np.float32)
    xd = Dev.put(x)[1:]
    assert_twin(Dev.get(gk.activation_forward("gelu", xd)), nk.activation_forward("gelu", x[1:]),
                np.float32)


# (rows, n): empty, tiny, odd widths (scalar path), float4 widths, one chunk, several chunks
EPILOGUE_SHAPES = [(0, 4), (5, 0), (1, 1), (7, 33), (128, 256), (300, 257), (513, 1024)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", EPILOGUE_SHAPES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
@pytest.mark.gpu
def test_gpu_epilogue_equals_twin(name, shape, dtype):
    gk = Dev.mod()
    z, b, dy = epilogue_problem(*shape, dtype, seed=sum(shape))
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
def test_gpu_epilogue_misaligned_and_strided_inputs_take_the_scalar_path():
    import cupy

    gk = Dev.mod()
    z, b, dy = epilogue_problem(64, 128, np.float32)
    zd = cupy.asarray(np.concatenate([[0.0], z.ravel()]).astype(np.float32))[1:].reshape(z.shape)
    bd = Dev.strided(b)  # copied to a contiguous buffer first
    _, y = gk.bias_activation_forward("gelu", zd, bd)
    assert_twin(Dev.get(y), nk.bias_activation_forward("gelu", z.copy(), b)[1], np.float32)
    with pytest.raises(TypeError, match="bias dtype"):
        gk.bias_activation_forward("relu", Dev.put(z), Dev.put(b.astype(np.float64)))


@pytest.mark.gpu
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
