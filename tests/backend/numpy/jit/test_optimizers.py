"""The compiled Adam step against ``optimizers/adam.py``'s NumPy sequence: bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.numpy.jit import optimizers as jo
from cuflow.optimizers.adam import update_moments


@np.errstate(all="ignore")
def _numpy_step(g, m, v, w, alpha, c1, c2, eps):
    buf = np.empty_like(w)
    update_moments(np, g, m, v, buf, c1, c2)
    np.sqrt(v, out=buf)
    buf += eps
    np.divide(m, buf, out=buf)
    buf *= alpha
    w -= buf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7, 3), (784, 256)])
def test_steps_equal_numpy(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    w = rng.standard_normal(shape).astype(dtype)
    m, v = np.zeros_like(w), np.zeros_like(w)
    w2, m2, v2 = w.copy(), m.copy(), v.copy()
    for t in range(1, 4):
        g = (rng.standard_normal(shape) * 10.0 ** -t).astype(dtype)
        g.reshape(-1)[0] = 0.0
        alpha = 1e-3 * (1 - 0.999 ** t) ** 0.5 / (1 - 0.9 ** t)  # a Python float, as Adam's
        _numpy_step(g, m, v, w, alpha, 0.1, 0.001, 1e-7)
        jo.adam_update(g, m2, v2, w2, alpha, 0.1, 0.001, 1e-7)
        np.testing.assert_array_equal(m2, m)
        np.testing.assert_array_equal(v2, v)
        np.testing.assert_array_equal(w2, w)


def test_nan_gradient_spreads_as_in_numpy():
    g = np.array([np.nan, 1.0, -np.inf], np.float32)
    want = [np.ones(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32)]
    got = [a.copy() for a in want]
    _numpy_step(g, want[1], want[2], want[0], 0.01, 0.1, 0.001, 1e-7)
    jo.adam_update(g, got[1], got[2], got[0], 0.01, 0.1, 0.001, 1e-7)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_compiles_without_a_cache_location(monkeypatch):
    """A read-only install with no writable home: Numba refuses ``cache=True`` at decoration;
    the loop is then compiled in memory instead of failing the first CPU op."""
    import numba

    from cuflow.backend.numpy.jit import _compile

    real = numba.njit

    def njit(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real(**options)

    monkeypatch.setattr(_compile.numba, "njit", njit)
    fn = _compile.compiled(lambda a: a + 1)
    assert fn(2) == 3
