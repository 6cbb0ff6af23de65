"""cuflow.regularizers: values against NumPy formulas, gradients against central differences,
devices, configs and lookup (and serialize / deserialize of None and plain functions)."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import constraints as C
from cuflow import regularizers as Rg
from cuflow.backend import parse_device
from cuflow.testing import check_gradients, on_every_device

R = np.random.default_rng(3)

W = R.uniform(-2, 2, size=(5, 4))

W[np.abs(W) < 0.05] = 0.1  # keep |x| away from its kink for the gradient checks


def ref_orthogonal(w, factor, mode):
    m = w if mode == "rows" else w.T
    u = m / np.sqrt(np.sum(m * m, 1, keepdims=True))
    p = u @ u.T
    n = p.shape[0]
    return factor * 0.5 * np.sum(np.abs(p * (1 - np.eye(n)))) / (n * (n - 1) / 2)


REGS = [
    ("l1", Rg.L1(0.3), lambda w: 0.3 * np.abs(w).sum()),
    ("l2", Rg.L2(0.2), lambda w: 0.2 * np.square(w).sum()),
    ("l1l2", Rg.L1L2(l1=0.1, l2=0.05), lambda w: 0.1 * np.abs(w).sum() + 0.05 * (w * w).sum()),
    ("l1l2_only_l2", Rg.L1L2(l2=0.05), lambda w: 0.05 * (w * w).sum()),
    ("l1_default", Rg.L1(), lambda w: 0.01 * np.abs(w).sum()),
    ("l2_default", Rg.l2(), lambda w: 0.01 * (w * w).sum()),
    ("orth_rows", Rg.OrthogonalRegularizer(0.1, "rows"), lambda w: ref_orthogonal(w, 0.1, "rows")),
    ("orth_cols", Rg.OrthogonalRegularizer(0.2, "columns"),
     lambda w: ref_orthogonal(w, 0.2, "columns")),
]


@pytest.mark.parametrize("case", REGS, ids=[c[0] for c in REGS])
@on_every_device
def test_regularizer_values_and_gradients(device, case):
    _, reg, ref = case
    out = reg(cf.Tensor(W, device=device))
    assert out.shape == () and out.device == parse_device(device)
    np.testing.assert_allclose(float(out), ref(W), rtol=1e-9)
    check_gradients(reg, [W], device=device)


@on_every_device
def test_regularizer_on_variable_is_differentiable(device):
    v = cf.Variable(W.astype(np.float32), device=device)
    with cf.GradientTape() as tape:
        penalty = Rg.L2(0.5)(v)
    (g,) = tape.gradient(penalty, [v])
    np.testing.assert_allclose(g.numpy(), W, rtol=1e-6)  # d/dw 0.5 * sum(w^2) = w
    assert penalty.dtype == np.float32


@on_every_device
def test_zero_l1l2_and_base(device):
    out = Rg.L1L2()(cf.Tensor(W.astype(np.float32), device=device))
    assert float(out) == 0.0 and out.dtype == np.float32 and out.device == parse_device(device)
    assert Rg.Regularizer()(W) == 0.0


def test_regularizer_validation():
    with pytest.raises(ValueError, match="Invalid value for argument l1: expected a non-negative"):
        Rg.L1(-0.1)
    with pytest.raises(ValueError, match="argument l2"):
        Rg.L1L2(l2=float("inf"))
    with pytest.raises(ValueError, match="mode must be 'rows' or 'columns'"):
        Rg.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match=r"needs a 2-D weight; received shape \(2, 2, 2\)"):
        Rg.OrthogonalRegularizer()(np.ones((2, 2, 2)))


def test_regularizer_get_and_config():
    assert Rg.l1 is Rg.L1 and Rg.l2 is Rg.L2 and Rg.l1_l2 is Rg.L1L2
    assert Rg.get("l2").get_config() == {"l2": 0.01}
    assert Rg.get("l1").get_config() == {"l1": 0.01}
    assert Rg.get("l1_l2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert type(Rg.get("L1L2")) is Rg.L1L2
    assert Rg.get(None) is None
    inst = Rg.L2(0.3)
    assert Rg.get(inst) is inst
    for reg in (Rg.L1(0.2), Rg.L2(0.4), Rg.L1L2(0.1, 0.2),
                Rg.OrthogonalRegularizer(0.3, "columns")):
        back = Rg.deserialize(Rg.serialize(reg))
        assert type(back) is type(reg) and back.get_config() == reg.get_config()
    with pytest.raises(ValueError, match=r"Unknown regularizer 'l3'; valid names: .*l2"):
        Rg.get("l3")


def test_serialize_none_and_functions():
    def my_penalty(w):
        return cf.ops.sum(w)

    for mod in (Rg, C, cf.initializers):
        assert mod.serialize(None) is None and mod.deserialize(None) is None
        assert mod.serialize(my_penalty) == "my_penalty"
        assert mod.deserialize("my_penalty", custom_objects={"my_penalty": my_penalty}) \
            is my_penalty
    assert cf.losses.serialize(None) is None and cf.losses.deserialize(None) is None
    assert cf.activations.serialize(None) is None
