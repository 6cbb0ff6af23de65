"""cuflow.testing.gradcheck: central differences against closed forms, the autodiff check that
passes a right gradient and names the element of a wrong one, and the helpers layer checks use."""

from __future__ import annotations

import re

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients, flat_outputs, numerical_gradient, weight_slots


def test_numerical_gradient_of_a_closed_form():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    y = np.array([1.5, -0.5])

    def f(a, b):
        return float(np.sum(np.sin(a) * b))

    got = numerical_gradient(f, [x, y], 0)
    np.testing.assert_allclose(got, np.cos(x) * y, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(numerical_gradient(f, [x, y], 1), np.sin(x).sum(0), rtol=1e-8)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(x, [[0.5, -1.0], [2.0, 0.25]])  # inputs restored


def test_a_correct_gradient_passes_with_a_small_error():
    rng = np.random.default_rng(0)
    worst = check_gradients(lambda a, b: ops.tanh(a @ b), [rng.normal(size=(3, 4)),
                                                           rng.normal(size=(4, 2))])
    assert 0.0 <= worst < 1e-5


@ops.custom_gradient
def _doubled_wrongly(x):
    def grad(upstream):
        return upstream * 3.0  # the true derivative of 2x is 2

    return x * 2.0, grad


def test_a_wrong_gradient_is_reported_with_its_input_and_element():
    with pytest.raises(AssertionError, match=r"input 0: gradient mismatch at flat index 0: "
                                             r"autodiff .*, central difference ") as info:
        check_gradients(_doubled_wrongly, [np.array([1.0, 2.0])])
    # the output is reduced with fixed random weights w: autodiff says 3w, the truth is 2w
    got, want = [float(v) for v in re.findall(r"(?:autodiff|difference) (?:np\.float64\()?"
                                              r"([-0-9.e]+)", str(info.value))]
    assert got / want == pytest.approx(1.5, rel=1e-6)


def test_an_unused_input_has_a_zero_gradient():
    worst = check_gradients(lambda a, b: a * 2.0, [np.ones(3), np.ones(2)])
    assert worst < 1e-6


def test_weight_slots_find_every_variable_once_and_its_owner():
    model = cf.models.Sequential([cf.layers.Input((3,)), cf.layers.Dense(2),
                                  cf.layers.Dense(1, use_bias=False)])
    slots = weight_slots(model)
    assert len(slots) == len(model.weights) == 3
    for w in model.weights:
        owner, attr = slots[id(w)]
        assert getattr(owner, attr) is w


def test_flat_outputs_concatenates_per_sample():
    a = cf.Tensor(np.arange(6.0).reshape(2, 3))
    b = cf.Tensor(np.arange(8.0).reshape(2, 2, 2))
    out = flat_outputs([a, b])
    assert out.shape == (2, 7)
    np.testing.assert_array_equal(out.numpy()[1], [3, 4, 5, 4, 5, 6, 7])
    assert flat_outputs(a).shape == (2, 3)
