"""cuflow.autodiff: the graph engine: no_grad / enable_grad, backward() and run_backward."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf


def test_no_grad_records_nothing_as_context_and_decorator_and_nests():
    from cuflow import autodiff

    x = cf.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with cf.no_grad():
        assert not autodiff.is_grad_enabled()
        y = x * 3.0
        with autodiff.enable_grad():  # GradientTape turns recording back on inside
            assert autodiff.is_grad_enabled()
            z = x * 2.0
        assert not autodiff.is_grad_enabled()
    assert autodiff.is_grad_enabled()
    assert not y.requires_grad and y._node is None
    assert z.requires_grad and z._node.op == "multiply"

    @cf.no_grad()
    def scaled(t):
        return t * 4.0

    assert not scaled(x).requires_grad and autodiff.is_grad_enabled()


def test_backward_accumulates_over_shared_paths_and_calls():
    x = cf.Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    y = x * x + x  # x reaches y twice: d/dx = 2x + 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -3.0, 7.0])
    (x * 2.0).sum().backward()  # a second backward adds to .grad
    np.testing.assert_allclose(x.grad.numpy(), [5.0, -1.0, 9.0])


def test_run_backward_returns_source_gradients_without_touching_grad():
    from cuflow import autodiff

    a = cf.Tensor(np.array([2.0, 3.0]), requires_grad=True)
    b = cf.Tensor(np.array([5.0, 7.0]), requires_grad=True)
    c = cf.Tensor(np.array([1.0, 1.0]), requires_grad=True)  # not part of the graph
    out = a * b
    ga, gb, gc = autodiff.run_backward([out], [np.ones(2)], sources=[a, b, c])
    np.testing.assert_allclose(ga, [5.0, 7.0])
    np.testing.assert_allclose(gb, [2.0, 3.0])
    assert gc is None and a.grad is None and b.grad is None


def test_backward_needs_a_scalar_or_a_gradient_of_the_right_shape():
    x = cf.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="needs a scalar"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match=r"gradient must have the tensor's shape \(2,\)"):
        (x * 2.0).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        cf.Tensor(np.array(1.0)).backward()
