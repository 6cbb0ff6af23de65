"""ops.image: ``upsample`` (nearest for 1D/2D/3D, bilinear with half-pixel centres as
tf.image.resize) against NumPy references with gradients, and ``psnr``."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.ops.image import upsample
from cuflow.testing import check_gradients

from ._conv_reference import T
from ._conv_reference import close as ref_close

R = np.random.default_rng(23)


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


def _bilinear_1d(n_in, factor):
    """tf.image.resize's bilinear weights (half-pixel centres), one row per output sample."""
    rows = []
    for i in range(n_in * factor):
        src = min(max((i + 0.5) / factor - 0.5, 0.0), n_in - 1)
        lo = int(np.floor(src))
        hi = min(lo + 1, n_in - 1)
        row = np.zeros(n_in)
        row[lo] += 1 - (src - lo)
        row[hi] += src - lo
        rows.append(row)
    return np.array(rows)


# ---- upsample -----------------------------------------------------------------------------------

def test_upsample_nearest_repeats_every_spatial_axis(device):
    x = R.normal(size=(2, 3, 4, 5))
    close(ops.upsample(t(x, device), (2, 3)), np.repeat(np.repeat(x, 2, axis=1), 3, axis=2))
    x1 = R.normal(size=(2, 3, 4))
    close(ops.upsample(t(x1, device), 2), np.repeat(x1, 2, axis=1))
    first = R.normal(size=(2, 5, 3, 4))  # channels_first: the spatial axes are 2 and 3
    close(ops.upsample(t(first, device), 2, data_format="channels_first"),
          np.repeat(np.repeat(first, 2, axis=2), 2, axis=3))
    check_gradients(lambda a: ops.upsample(a, (2, 3)), [x[:1, :2, :2].copy()], device=device)


def test_upsample_bilinear_matches_half_pixel_reference(device):
    x = R.normal(size=(2, 3, 4, 2))
    want = np.einsum("ih,bhwc,jw->bijc", _bilinear_1d(3, 2), x, _bilinear_1d(4, 3))
    close(ops.upsample(t(x, device), (2, 3), interpolation="bilinear"), want)
    check_gradients(lambda a: ops.upsample(a, 2, interpolation="bilinear"), [x], device=device)


def test_upsample_errors():
    with pytest.raises(ValueError, match=r"'bilinear' \(2D\)"):
        ops.upsample(t(np.ones((1, 4, 2))), 2, interpolation="bilinear")
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.upsample(t(np.ones((4, 2))), 2)


# ---- psnr ---------------------------------------------------------------------------------------

def test_psnr():
    close(ops.psnr(t([[0.1, 0.5]]), t([[0.2, 0.4]]), 1.0), 20.0)
    x, y = R.uniform(size=(3, 4)), R.uniform(size=(3, 4))
    close(ops.psnr(t(x), t(y), 2.0), 20 * np.log10(2.0) - 10 * np.log10(((x - y) ** 2).mean()))
    with pytest.raises(ValueError, match="same shape"):
        ops.psnr(t(np.ones(2)), t(np.ones(3)), 1.0)


R2 = np.random.default_rng(11)


# ---- upsampling ---------------------------------------------------------------------------
def test_upsample_nearest_and_bilinear_from_conv_tests(device):
    x = R2.normal(size=(2, 3, 2, 2))
    ref_close(upsample(T(x, device), (2, 3)), x.repeat(2, axis=1).repeat(3, axis=2))
    # tf.image.resize([0, 1], 4, 'bilinear') == [0, .25, .75, 1] (half-pixel centres)
    col = T(np.array([0.0, 1.0]).reshape(1, 2, 1, 1), device)
    ref_close(upsample(col, (2, 1), "bilinear").numpy().ravel(), np.array([0, .25, .75, 1]))
    y = upsample(T(x, device), 2, "bilinear")
    assert y.shape == (2, 6, 4, 2)
    # bilinear is separable and preserves constants
    ref_close(upsample(T(np.ones((1, 3, 4, 2)), device), (3, 2), "bilinear"), np.ones((1, 9, 8, 2)))


UPSAMPLE_CASES = [
    ("upsample_nearest", lambda x: upsample(x, (2, 3)), [(1, 3, 2, 2)]),
    ("upsample_bilinear", lambda x: upsample(x, 2, "bilinear"), [(1, 3, 2, 2)]),
    ("upsample_nearest_3d_cf", lambda x: upsample(x, 2, "nearest", "channels_first"),
     [(1, 2, 2, 2, 2)]),
]


@pytest.mark.parametrize("name,fn,shapes", UPSAMPLE_CASES, ids=[c[0] for c in UPSAMPLE_CASES])
def test_upsample_gradients(device, name, fn, shapes):
    check_gradients(fn, [R2.normal(size=s) for s in shapes], device=device)
