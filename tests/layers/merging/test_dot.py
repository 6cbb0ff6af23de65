"""``Dot``: batched dot products along given axes (cosine with ``normalize``), against NumPy;
gradients, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import check_layer_gradients, round_trip

R = np.random.default_rng(3)


CASES = [
    ("dot", lambda: layers.Dot(axes=1), [(2, 3), (2, 3)]),
    ("dot_norm", lambda: layers.Dot(axes=1, normalize=True), [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_dot_matches_numpy(device):
    a, b = R.normal(size=(2, 3, 4)), R.normal(size=(2, 5, 4))
    with cf.device(device):
        out = layers.dot([cf.Tensor(a), cf.Tensor(b)], axes=(2, 2))
        cos = layers.Dot(axes=1, normalize=True)([cf.Tensor(a[:, 0]), cf.Tensor(b[:, 0])])
    np.testing.assert_allclose(out.numpy(), np.einsum("bik,bjk->bij", a, b), rtol=1e-12)
    na = a[:, 0] / np.linalg.norm(a[:, 0], axis=-1, keepdims=True)
    nb = b[:, 0] / np.linalg.norm(b[:, 0], axis=-1, keepdims=True)
    np.testing.assert_allclose(cos.numpy(), (na * nb).sum(-1, keepdims=True), rtol=1e-12)
    assert layers.Dot(axes=(2, 2)).compute_output_shape([(None, 3, 4), (None, 5, 4)]) == \
        (None, 3, 5)


def test_dot_errors():
    with pytest.raises(ValueError, match=r'"d" \(Dot\): dimension 3 of axis 1 in \(None, 3\) '
                                         r"does not match 4 of axis 1 in \(None, 4\)"):
        layers.Dot(axes=1, name="d")([layers.Input((3,)), layers.Input((4,))])
    with pytest.raises(ValueError, match="must be called on exactly 2 inputs"):
        layers.Dot(axes=1)([np.ones((1, 2))] * 3)
