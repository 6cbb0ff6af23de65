"""``GroupNormalization``: statistics per (sample, group) against NumPy in every layout,
central-difference gradients, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.testing import check_gradients

from .._helpers import f64

R = np.random.default_rng(9)


def np_group_norm(x, groups, axis, gamma, beta, eps=1e-3):
    """Channels moved last, split into groups, statistics per (sample, group)."""
    axis = axis % x.ndim
    c = x.shape[axis]
    xs = np.moveaxis(x, axis, -1)
    g = xs.reshape(xs.shape[:-1] + (groups, c // groups))
    red = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = g.mean(red, keepdims=True)
    var = g.var(red, keepdims=True)
    out = ((g - mean) / np.sqrt(var + eps)).reshape(xs.shape) * gamma + beta
    return np.moveaxis(out, -1, axis)


def with_weights(layer, *arrays):
    """Call ``layer`` with its gamma / beta replaced by differentiable tensors."""
    saved = layer.gamma, layer.beta
    object.__setattr__(layer, "gamma", arrays[0] if layer.scale else None)
    object.__setattr__(layer, "beta", arrays[-1] if layer.center else None)
    return saved


GROUPS = [
    ("channels_last", (2, 3, 6), 3, -1),
    ("channels_first", (2, 4, 3, 3), 2, 1),
    ("instance", (2, 5, 4), -1, -1),
    ("single_group", (3, 4), 1, -1),
    ("middle_axis", (2, 6, 2), 2, -2),
]


@pytest.mark.parametrize("name,shape,groups,axis", GROUPS, ids=[g[0] for g in GROUPS])
def test_group_normalization_matches_numpy_and_gradients(name, shape, groups, axis, device):
    x = R.normal(loc=1.0, scale=2.0, size=shape)
    c = shape[axis]
    gamma, beta = R.uniform(0.5, 1.5, c), R.normal(size=c)
    with cf.device(device):
        layer = f64(layers.GroupNormalization(groups=groups, axis=axis))
        layer(cf.Tensor(x))
        assert layer.count_params() == 2 * c
        layer.set_weights([gamma, beta])
        out = layer(cf.Tensor(x))
    want = np_group_norm(x, c if groups == -1 else groups, axis, gamma, beta)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-10)
    assert out.device == device

    def fn(xt, g, b):
        saved = with_weights(layer, g, b)
        try:
            return layer(xt)
        finally:
            object.__setattr__(layer, "gamma", saved[0])
            object.__setattr__(layer, "beta", saved[1])

    check_gradients(fn, [x, gamma, beta], device=device)


def test_group_normalization_without_center_scale_and_config():
    layer = layers.GroupNormalization(groups=2, center=False, scale=False, epsilon=1e-5)
    x = R.normal(size=(2, 4)).astype("float32")
    out = layer(x)
    assert layer.count_params() == 0
    want = np_group_norm(x.astype(np.float64), 2, -1, 1.0, 0.0, 1e-5)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)
    config = layers.GroupNormalization(groups=4, axis=1, gamma_initializer="zeros",
                                       beta_regularizer="l2").get_config()
    clone = layers.GroupNormalization.from_config(config)
    assert clone.get_config() == config and clone.groups == 4 and clone.axis == 1
    assert [w.name.split("/")[-1] for w in _built(clone, (2, 8, 3)).weights] == ["gamma",
                                                                                 "beta"]


def _built(layer, shape):
    layer(np.zeros(shape, "float32"))
    return layer


def test_group_normalization_errors():
    with pytest.raises(ValueError, match=r"Number of groups \(4\) must be a multiple of the "
                                         r"number of channels \(6\)"):
        layers.GroupNormalization(groups=4)(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match=r"cannot be more than the number of channels \(3\)"):
        layers.GroupNormalization(groups=4)(np.zeros((2, 3), "float32"))
    for bad in (0, -2, 1.5, "32"):
        with pytest.raises(ValueError, match="invalid value for argument `groups`"):
            layers.GroupNormalization(groups=bad)
    with pytest.raises(ValueError, match="defined dimension"):
        layers.GroupNormalization(groups=2).build((None, None))
    layer = layers.GroupNormalization(groups=2)
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"axis -1 of size 4.*\(2, 6\)"):
        layer(np.zeros((2, 6), "float32"))


def test_functional_use():
    inp = layers.Input((4, 6))
    out = layers.UnitNormalization()(layers.GroupNormalization(groups=3)(inp))
    assert out.shape == (None, 4, 6)
    model = cf.models.Model(inp, out)
    x = R.normal(size=(2, 4, 6)).astype("float32")
    np.testing.assert_allclose(np.linalg.norm(model(x).numpy(), axis=-1), 1.0, rtol=1e-5)


def test_mixed_float16_large_inputs_do_not_overflow():
    x = np.full((2, 4, 8), 70000.0, "float32")
    out = layers.GroupNormalization(groups=2, dtype="mixed_float16")(x)
    assert out.dtype == "float16" and not np.isnan(out.numpy()).any()
