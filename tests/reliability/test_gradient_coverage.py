"""Gradient coverage registry: every differentiable public op in ``cuflow.ops``, every
activation, every loss and every layer class exported by ``cuflow.layers`` has a float64
central-difference check (eps 1e-6, atol 1e-5, rtol 1e-3), or a justified exclusion.

Adding a public op, activation, loss or layer without adding it to ``grad_cases.py`` /
``grad_layer_cases.py`` fails ``test_registry_is_complete``. Every case runs in CI (about 700
checks on tiny inputs take a few seconds), size-1 and non-contiguous variants included.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import cuflow
from cuflow import activations, losses, ops
from cuflow import layers as L
from cuflow.testing import check_gradients

from . import grad_cases as G
from . import grad_layer_cases as GL

OPS = G.ops_table()
ACTS = G.activations_table()
LOSSES = G.losses_table()
LAYERS = GL.layer_table()


def _public_functions(module, names=None):
    names = names if names is not None else [n for n in dir(module) if not n.startswith("_")]
    return {n: getattr(module, n) for n in names
            if callable(getattr(module, n)) and not inspect.ismodule(getattr(module, n))
            and not isinstance(getattr(module, n), type)}


def _layer_classes():
    return {n: c for n, c in vars(L).items() if isinstance(c, type) and issubclass(c, L.Layer)}


def _uncovered(public, table, excluded):
    """Names whose object (aliases share one) has neither a check nor an exclusion."""
    covered = {id(public[n]) for n in table if n in public}
    covered |= {id(public[n]) for n in excluded if n in public}
    return sorted(n for n, obj in public.items() if id(obj) not in covered)


def _stale(public, table, excluded):
    return sorted(set(table) - set(public)) + sorted(set(excluded) - set(public))


@pytest.mark.parametrize("what", ["ops", "activations", "losses", "layers"])
def test_registry_is_complete(what):
    public, table, excluded = {
        "ops": (_public_functions(ops), OPS, {**G.OPS_EXCLUDED, **G._late_excluded()}),
        "activations": (_public_functions(activations, activations.__all__), ACTS,
                        G.ACTIVATION_EXCLUDED),
        "losses": ({**_public_functions(losses, losses.__all__),
                    **{n: getattr(losses, n) for n in losses.__all__
                       if isinstance(getattr(losses, n), type)}}, LOSSES, G.LOSS_EXCLUDED),
        "layers": (_layer_classes(), LAYERS, GL.LAYER_EXCLUDED),
    }[what]
    missing = _uncovered(public, table, excluded)
    assert not missing, (f"{what} without a float64 gradient check or a justified exclusion: "
                         f"{missing} (add them to tests/reliability/grad_*cases.py)")
    stale = _stale(public, table, excluded)
    assert not stale, f"{what} entries for names that no longer exist: {stale}"
    assert not set(table) & set(excluded), "a name is both checked and excluded"


def _all_params(table):
    return [pytest.param(c, id=f"{name}-{i}")
            for name, cases in sorted(table.items()) for i, c in enumerate(cases)]


def _check(fn, arrays):
    with cuflow.device("cpu"):
        check_gradients(fn, arrays, device="cpu", eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("c", _all_params(OPS))
def test_op_gradient(c):
    _check(*c)


@pytest.mark.parametrize("c", _all_params(ACTS))
def test_activation_gradient(c):
    _check(*c)


@pytest.mark.parametrize("c", _all_params(LOSSES))
def test_loss_gradient(c):
    _check(*c)


@pytest.mark.parametrize("factory", _all_params(LAYERS))
def test_layer_gradient(factory):
    fn, arrays, n_inputs = factory()
    with cuflow.device("cpu"):
        # guard against a vacuous pass: every probed weight must actually reach the output
        base = fn(*[cuflow.Tensor(a) for a in arrays]).numpy()
        inert = getattr(factory, "inert_weights", set())
        for i in range(n_inputs, len(arrays)):
            if i - n_inputs in inert:
                continue
            moved = [a + 0.1 if j == i else a for j, a in enumerate(arrays)]
            # exact equality: a saturated but connected weight still moves the output a little
            assert not np.array_equal(fn(*[cuflow.Tensor(a) for a in moved]).numpy(), base), \
                f"weight {i - n_inputs} does not reach the output"
    _check(fn, arrays)


def test_stop_gradient_blocks():
    x = cuflow.Tensor(np.ones(3), requires_grad=True)
    with cuflow.GradientTape() as tape:
        y = (ops.stop_gradient(x) * x).sum()
    (g,) = tape.gradient(y, [x])
    np.testing.assert_array_equal(g.numpy(), np.ones(3))  # only the unstopped factor counts
