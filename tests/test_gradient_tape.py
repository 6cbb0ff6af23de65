"""cuflow.gradient_tape: TensorFlow-style GradientTape semantics."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.testing import on_every_device


@on_every_device
def test_tape_gradient_list_matches_analytic(device):
    w = cf.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]), device=device)
    b = cf.Variable(np.array([0.5, -0.5]), device=device)
    x = cf.Tensor(np.array([[1.0, 1.0]]), device=device)
    with cf.GradientTape() as tape:
        y = ((x @ w + b) ** 2).sum()
    gw, gb = tape.gradient(y, [w, b])
    z = np.array([[1.0, 1.0]]) @ np.array([[1.0, 2.0], [3.0, 4.0]]) + [0.5, -0.5]
    np.testing.assert_allclose(gb.numpy(), 2 * z[0])
    np.testing.assert_allclose(gw.numpy(), np.ones((2, 1)) @ (2 * z))
    assert w.grad is None  # the tape does not touch .grad


def test_watch_constant_and_single_source():
    x = cf.Tensor(3.0)
    with cf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x)
    assert isinstance(g, cf.Tensor)
    np.testing.assert_allclose(g.numpy(), 6.0)


def test_non_persistent_tape_single_use_and_persistent_reuse():
    x = cf.Variable(2.0)
    with cf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, [x])
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, [x])
    with cf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 4.0)
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), 12.0)


def test_unconnected_sources_none_or_zero():
    a, b = cf.Variable(1.0), cf.Variable(np.ones(2, dtype=np.float32))
    with cf.GradientTape(persistent=True) as tape:
        y = a * 2
    assert tape.gradient(y, [a, b])[1] is None
    np.testing.assert_array_equal(
        tape.gradient(y, [a, b], unconnected_gradients="zero")[1].numpy(), [0, 0])


def test_tape_records_inside_no_grad_and_stop_recording():
    x = cf.Variable(1.0)
    with cf.no_grad():
        with cf.GradientTape() as tape:
            y = x * 5
            with tape.stop_recording():
                z = x * 7
    assert tape.gradient(y, x).numpy() == 5
    assert not z.requires_grad


def test_intermediate_source_and_output_gradients():
    x = cf.Variable(np.array([1.0, 2.0]))
    with cf.GradientTape() as tape:
        h = x * 3
        y = h * h
    gh = tape.gradient(y, h, output_gradients=np.array([1.0, 0.5]))
    np.testing.assert_allclose(gh.numpy(), [6.0, 6.0])
