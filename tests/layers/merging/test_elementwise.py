"""Add, Subtract, Multiply, Average, Maximum, Minimum: values against NumPy with broadcasting,
gradients, configs, their functional forms and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import check_layer_gradients, round_trip

R = np.random.default_rng(3)


CASES = [
    ("add", lambda: layers.Add(), [(2, 3), (2, 3)]),
    ("subtract", lambda: layers.Subtract(), [(2, 3), (2, 3)]),
    ("multiply", lambda: layers.Multiply(), [(2, 3), (2, 3)]),
    ("average", lambda: layers.Average(), [(2, 3), (2, 3), (2, 3)]),
    ("maximum", lambda: layers.Maximum(), [(2, 3), (2, 3)]),
    ("minimum", lambda: layers.Minimum(), [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


@pytest.mark.parametrize("cls,fn,ref", [
    (layers.Add, layers.add, lambda a, b, c: a + b + c),
    (layers.Multiply, layers.multiply, lambda a, b, c: a * b * c),
    (layers.Average, layers.average, lambda a, b, c: (a + b + c) / 3),
    (layers.Maximum, layers.maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (layers.Minimum, layers.minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
])
def test_elementwise_merges_match_numpy(cls, fn, ref, device):
    a, b, c = R.normal(size=(2, 1, 3)), R.normal(size=(2, 4, 3)), R.normal(size=(2, 4, 1))
    with cf.device(device):
        ts = [cf.Tensor(v) for v in (a, b, c)]
        out = cls(dtype="float64")(ts)
        again = fn(ts, dtype="float64")
    np.testing.assert_allclose(out.numpy(), ref(a, b, c), rtol=1e-12)
    np.testing.assert_allclose(again.numpy(), out.numpy())
    assert cls().compute_output_shape([(None, 1, 3), (None, 4, 3), (None, 4, 1)]) == \
        (None, 4, 3)


def test_subtract_takes_exactly_two(device):
    a, b = R.normal(size=(2, 3)), R.normal(size=(2, 3))
    with cf.device(device):
        out = layers.subtract([cf.Tensor(a), cf.Tensor(b)])
    np.testing.assert_allclose(out.numpy(), a - b, rtol=1e-6)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([np.ones((1, 2))] * 3)


def _masked(values):
    return layers.Masking()(cf.Tensor(np.array(values, dtype="float32")))


X1 = [[[0, 0], [-1, -2], [0, 0], [-3, -4]]]
X2 = [[[0, 0], [0, 0], [-1, -2], [-3, -4]]]


@pytest.mark.parametrize("cls,one_masked,both_masked", [
    # one input masked: a masked-out step takes the other operand (Maximum / Minimum) or counts
    # as 1 (Multiply); both masked: fully masked steps are 0 and the output carries the OR mask
    (layers.Maximum, [[[0, 0], [0, 0], [-1, -2], [-3, -4]]],
     [[[0, 0], [-1, -2], [-1, -2], [-3, -4]]]),
    (layers.Minimum, [[[0, 0], [-1, -2], [-1, -2], [-3, -4]]],
     [[[0, 0], [-1, -2], [-1, -2], [-3, -4]]]),
    (layers.Multiply, [[[0, 0], [0, 0], [-1, -2], [9, 16]]],
     [[[0, 0], [-1, -2], [-1, -2], [9, 16]]]),
])
def test_masked_maximum_minimum_multiply_as_keras(cls, one_masked, both_masked):
    x1 = _masked(X1)
    out = cls()([x1, cf.Tensor(np.array(X2, dtype="float32"))])
    np.testing.assert_allclose(out.numpy(), one_masked)
    assert out._keras_mask is None
    out = cls()([x1, _masked(X2)])
    np.testing.assert_allclose(out.numpy(), both_masked)
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[False, True, True, True]])
