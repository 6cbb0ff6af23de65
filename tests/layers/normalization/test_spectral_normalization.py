"""``SpectralNormalization``: one power-iteration step against NumPy, convergence of the top
singular value, zero kernels and embeddings, config, save / load and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from .._helpers import f32, round_trip, save_load

R = np.random.default_rng(9)


# ---- SpectralNormalization --------------------------------------------------------------------
def _np_normalize(v):
    return v / max(np.sqrt((v * v).sum()), 1e-6)


def test_spectral_normalization_one_step_matches_numpy():
    sn = L.SpectralNormalization(L.Dense(4), power_iterations=2)
    x = f32(3, 5)
    sn(x)  # build; inference leaves the kernel alone
    w0, u0 = sn.layer.kernel.numpy().copy(), sn.vector_u.numpy().copy()
    np.testing.assert_array_equal(sn(x).numpy(), x @ w0 + sn.layer.bias.numpy())
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), w0)
    y = sn(x, training=True).numpy()
    u = u0
    for _ in range(2):
        v = _np_normalize(u @ w0.T)
        u = _np_normalize(v @ w0)
    sigma = (v @ w0 @ u.T).item()
    np.testing.assert_allclose(sn.vector_u.numpy(), u, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sn.layer.kernel.numpy(), w0 / sigma, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y, x @ (w0 / sigma) + sn.layer.bias.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_spectral_normalization_top_singular_value_converges_to_one():
    conv = L.Conv2D(3, 2, kernel_initializer="random_normal")
    sn = L.SpectralNormalization(conv, power_iterations=1)
    x = f32(1, 4, 4, 2)
    for _ in range(30):
        sn(x, training=True)
    w = sn.layer.kernel.numpy().reshape(-1, 3)
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1.0) < 1e-3
    assert sn.vector_u.shape == (1, 3) and not sn.vector_u.trainable
    assert [v.name.split("/")[-1] for v in sn.weights] == ["vector_u", "kernel", "bias"]
    assert sn.count_params() == 2 * 2 * 2 * 3 + 3 + 3  # Keras counts vector_u as well
    assert len(sn.trainable_weights) == 2


def test_spectral_normalization_zero_kernel_and_embeddings():
    sn = L.SpectralNormalization(L.Dense(2, kernel_initializer="zeros"))
    sn(f32(2, 3), training=True)
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), np.zeros((3, 2)))
    emb = L.SpectralNormalization(L.Embedding(5, 3))
    emb(np.array([[0, 4]]))
    assert emb.vector_u.shape == (1, 3)


def test_spectral_normalization_config_save_and_errors(tmp_path):
    sn = L.SpectralNormalization(L.Dense(3), power_iterations=3)
    clone = round_trip(sn)
    assert clone.power_iterations == 3 and isinstance(clone.layer, L.Dense)
    model = cf.models.Sequential([L.Input((4,)), sn, L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(f32(8, 4), f32(8, 1), epochs=1, verbose=0)
    loaded = save_load(model, f32(2, 4), tmp_path)
    np.testing.assert_array_equal(loaded.layers[0].vector_u.numpy(), sn.vector_u.numpy())
    with pytest.raises(ValueError, match=r"Received: `power_iterations=0`"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="Flatten object has no attribute 'kernel' nor"):
        L.SpectralNormalization(L.Flatten())(f32(2, 3))


def test_mixed_float16_output_takes_the_input_dtype():
    layer = L.SpectralNormalization(L.Dense(2), dtype="mixed_float16")
    out = layer(np.random.default_rng(0).uniform(size=(4, 3)).astype("float32"), training=True)
    assert out.dtype == "float16"
