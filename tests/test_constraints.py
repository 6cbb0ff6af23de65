"""cuflow.constraints: values against NumPy formulas, convolution kernel axes, configs and
lookup."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import constraints as C
from cuflow.testing import on_every_device

R = np.random.default_rng(3)

W = R.uniform(-2, 2, size=(5, 4))

W[np.abs(W) < 0.05] = 0.1  # keep |x| away from its kink for the gradient checks


def _norms(w, axis):
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


CONS = [
    ("max_norm", C.MaxNorm(1.5), lambda w: w * np.clip(_norms(w, 0), 0, 1.5)
     / (1e-7 + _norms(w, 0))),
    ("max_norm_axis1", C.MaxNorm(2.0, axis=1), lambda w: w * np.clip(_norms(w, 1), 0, 2.0)
     / (1e-7 + _norms(w, 1))),
    ("non_neg", C.NonNeg(), lambda w: w * (w >= 0)),
    ("unit_norm", C.UnitNorm(), lambda w: w / (1e-7 + _norms(w, 0))),
    ("min_max", C.MinMaxNorm(1.0, 2.0, rate=0.5, axis=0),
     lambda w: w * (0.5 * np.clip(_norms(w, 0), 1, 2) + 0.5 * _norms(w, 0))
     / (1e-7 + _norms(w, 0))),
]


@pytest.mark.parametrize("case", CONS, ids=[c[0] for c in CONS])
@on_every_device
def test_constraint_values(device, case):
    _, con, ref = case
    v = cf.Variable(W, device=device)
    out = con(v)
    assert isinstance(out, cf.Tensor) and out.device == v.device and out.shape == W.shape
    assert not out.requires_grad  # computed outside the graph
    np.testing.assert_allclose(out.numpy(), ref(W), rtol=1e-9, atol=1e-12)


@on_every_device
def test_max_norm_conv_kernel_axes(device):
    k = R.normal(size=(3, 3, 4, 6)) * 2
    out = C.MaxNorm(1.0, axis=[0, 1, 2])(cf.Tensor(k, device=device)).numpy()
    norms = np.sqrt((out ** 2).sum(axis=(0, 1, 2)))
    assert np.all(norms <= 1.0 + 1e-6)
    small = C.MaxNorm(100.0, axis=[0, 1, 2])(cf.Tensor(k, device=device)).numpy()
    np.testing.assert_allclose(small, k, rtol=1e-6)  # within the bound: unchanged


def test_constraint_get_and_config():
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg
    assert C.unit_norm is C.UnitNorm and C.min_max_norm is C.MinMaxNorm
    for name, cls in [("max_norm", C.MaxNorm), ("non_neg", C.NonNeg), ("nonneg", C.NonNeg),
                      ("unit_norm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm),
                      ("MaxNorm", C.MaxNorm)]:
        assert type(C.get(name)) is cls
    assert C.get(None) is None
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    for con in (C.MaxNorm(3, axis=1), C.NonNeg(), C.UnitNorm(axis=[0, 1]),
                C.MinMaxNorm(0.5, 1.5, 0.3, 1)):
        back = C.deserialize(C.serialize(con))
        assert type(back) is type(con) and back.get_config() == con.get_config()
    assert C.Constraint()(W) is W
    with pytest.raises(ValueError, match="Unknown constraint 'max'"):
        C.get("max")
    with pytest.raises(ValueError, match="min_value"):
        C.MinMaxNorm(2.0, 1.0)
