"""Helpers of the GPU tests: device transfers and strided views, random inputs with special
values, and the twin comparison (values to rel 1e-5 (f32) / 1e-12 (f64) / ~1e-3 (f16), NaN and
+-Inf in identical places)."""

from __future__ import annotations

import numpy as np

SIZES = [0, 1, 7, 33, 1023, 2**20 + 3]
ROW_SHAPES = [(0, 5), (1, 1), (1, 7), (7, 33), (33, 1023), (1023, 10), (3, 2**18 + 3),
              (2**20 + 3, 3)]
DTYPES = [np.float32, np.float64, np.float16]
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1000.0, -1000.0, 3.0, -3.0, 6.0, 1e-30]
RNG = np.random.default_rng(2024)


class Dev:
    """Device helpers; a test can swap in NumPy to dry-run the comparison logic on a CPU."""

    @staticmethod
    def mod():
        from cuflow.backend.cuda import kernels

        return kernels

    @staticmethod
    def put(a):
        import cupy

        return cupy.asarray(a)

    @staticmethod
    def get(a):
        import cupy

        return None if a is None else cupy.asnumpy(a)

    @staticmethod
    def strided(a):
        """A non-contiguous device view holding the values of a."""
        import cupy

        big = cupy.empty((2,) + a.shape, dtype=a.dtype)
        big[0] = cupy.asarray(a)
        return big[0] if a.ndim == 0 else cupy.moveaxis(big, 0, -1)[..., 0]


def _tol(dtype):
    return {np.float32: (1e-5, 1e-6), np.float64: (1e-12, 1e-13),
            np.float16: (2e-3, 2e-3)}[np.dtype(dtype).type]


def assert_twin(got, want, dtype):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    fin = np.isfinite(want)
    rtol, atol = _tol(dtype)
    # atol scaled by the magnitude of the result keeps near-zero entries from dominating
    scale = max(1.0, float(np.max(np.abs(want[fin])))) if fin.any() else 1.0
    np.testing.assert_allclose(got[fin].astype(np.float64), want[fin].astype(np.float64),
                               rtol=rtol, atol=atol * scale)


def values(shape, dtype, scale=3.0, specials=True):
    x = RNG.normal(size=shape) * scale
    if specials and x.size:
        k = min(len(SPECIALS), x.size)
        x.flat[:k] = SPECIALS[:k]
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def variants(a):
    yield "contiguous", Dev.put(a)
    yield "strided", Dev.strided(a)
