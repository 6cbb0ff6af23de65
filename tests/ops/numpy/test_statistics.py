"""ops.numpy.statistics: inner, corrcoef, trapezoid, vander against NumPy, with gradients."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(18)


def test_values_match_numpy():
    a, b = R.normal(size=(2, 3)), R.normal(size=(4, 3))
    np.testing.assert_allclose(ops.inner(a, b).numpy(), np.inner(a, b), rtol=1e-12)
    np.testing.assert_allclose(ops.inner(a, 2.0).numpy(), np.inner(a, 2.0))
    x = R.normal(size=(3, 6))
    np.testing.assert_allclose(ops.corrcoef(x).numpy(), np.corrcoef(x), rtol=1e-12)
    np.testing.assert_allclose(ops.corrcoef(x[0]).numpy(), np.corrcoef(x[0]))
    assert ops.corrcoef(np.arange(6).reshape(2, 3)).dtype == np.float32
    y, s = R.normal(size=(3, 4, 5)), R.normal(size=(3, 4, 5))
    np.testing.assert_allclose(ops.trapezoid(y).numpy(), np.trapezoid(y), rtol=1e-12)
    np.testing.assert_allclose(ops.trapezoid(y, x=s, axis=1).numpy(),
                               np.trapezoid(y, x=s, axis=1), rtol=1e-12)
    np.testing.assert_allclose(ops.trapezoid(y, x=np.arange(3.0) ** 2, axis=0).numpy(),
                               np.trapezoid(y, x=np.arange(3.0) ** 2, axis=0), rtol=1e-12)
    np.testing.assert_allclose(ops.trapezoid(y, dx=0.5).numpy(), np.trapezoid(y, dx=0.5))
    v = R.normal(size=4)
    for n, inc in ((None, False), (6, True), (0, False)):
        np.testing.assert_allclose(ops.vander(v, n, inc).numpy(), np.vander(v, n, inc),
                                   rtol=1e-12)


def test_errors_and_gradients():
    with pytest.raises(ValueError, match="last dimensions must match"):
        ops.inner(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="vander needs a 1-D tensor"):
        ops.vander(np.ones((2, 2)))
    check_gradients(ops.corrcoef, [R.normal(size=(3, 5))])
    check_gradients(lambda y, x: ops.trapezoid(y, x=x), [R.normal(size=(2, 4)),
                                                          R.normal(size=(2, 4))])
    check_gradients(lambda x: ops.vander(x, 3), [R.normal(size=3)])
