"""losses.hinge: hinge (0/1 and -1/1 labels), squared hinge and categorical hinge against
float64 NumPy, with gradients, as functions and as Loss classes."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses
from cuflow.testing import check_gradients

from ._reference import (
    S,
    anyv,
    binary,
    onehot,
    ref_categorical_hinge,
    ref_hinge,
    ref_squared_hinge,
)

# (id, loss function, reference, y_true, y_pred)
CASES = [
    ("hinge_binary", losses.hinge, ref_hinge, binary(S), anyv(S)),
    ("hinge_pm1", losses.hinge, ref_hinge, 2 * binary(S) - 1, anyv(S)),
    ("squared_hinge", losses.squared_hinge, ref_squared_hinge, binary(S), anyv(S)),
    ("categorical_hinge", losses.categorical_hinge, ref_categorical_hinge, onehot(S), anyv(S)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_values(device, case):
    _, fn, ref, t, p = case
    out = fn(cf.Tensor(t, device=device), cf.Tensor(p, device=device))
    assert isinstance(out, cf.Tensor) and out.device == cf.Tensor(p, device=device).device
    assert out.shape == p.shape[:-1]
    np.testing.assert_allclose(out.numpy(), ref(t, p), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_gradients(device, case):
    _, fn, _, t, p = case
    check_gradients(lambda yp: fn(cf.Tensor(t, device=device), yp), [p], device=device)


def test_hinge_classes_reduce_the_functions(device):
    p = anyv(S)
    for cls, ref, truth in ((losses.Hinge, ref_hinge, binary(S)),
                            (losses.SquaredHinge, ref_squared_hinge, binary(S)),
                            (losses.CategoricalHinge, ref_categorical_hinge, onehot(S))):
        got = cls()(cf.Tensor(truth, device=device), cf.Tensor(p, device=device))
        np.testing.assert_allclose(float(got), ref(truth, p).mean(), rtol=1e-6)
        assert cls().name == ref.__name__[4:]
