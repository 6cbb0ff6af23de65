"""ops.image: ``upsample`` (nearest for 1D/2D/3D, bilinear with half-pixel centres as
tf.image.resize) against NumPy references with gradients, and ``psnr``."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.ops.image import upsample
from cuflow.testing import check_gradients

from ._conv_reference import T
from ._conv_reference import close as ref_close
from ._helpers import close, t

R = np.random.default_rng(23)


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
    with pytest.raises(ValueError, match=r"one of \('bilinear', 'bicubic', 'lanczos3', "
                                         r"'lanczos5'\) \(2D\); received 'bilinear' for a 1D"):
        ops.upsample(t(np.ones((1, 4, 2))), 2, interpolation="bilinear")
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.upsample(t(np.ones((4, 2))), 2)


def _kernel_matrix(n_in, factor, kernel):
    """Keras's image.resize weights for an upscale: kernel(|source - j|) over the input
    samples j, each row normalised to 1."""
    src = (np.arange(n_in * factor) + 0.5) / factor - 0.5
    w = np.array([[kernel(abs(s - j)) for j in range(n_in)] for s in src])
    return w / w.sum(axis=1, keepdims=True)


def _keys(t):
    return (1.5 * t - 2.5) * t * t + 1 if t < 1 else \
        ((-0.5 * t + 2.5) * t - 4) * t + 2 if t < 2 else 0.0


def _lanczos(a):
    return lambda t: 1.0 if t == 0 else (np.sinc(t) * np.sinc(t / a) if t < a else 0.0)


@pytest.mark.parametrize("method,kernel", [("bilinear", lambda t: max(0.0, 1 - t)),
                                           ("bicubic", _keys), ("lanczos3", _lanczos(3)),
                                           ("lanczos5", _lanczos(5))])
def test_upsample_resampling_methods_match_keras_resize_weights(method, kernel, device):
    x = R.normal(size=(2, 4, 6, 2))
    want = np.einsum("ih,bhwc,jw->bijc", _kernel_matrix(4, 2, kernel), x,
                     _kernel_matrix(6, 3, kernel))
    close(ops.upsample(t(x, device), (2, 3), interpolation=method), want, rtol=1e-6, atol=1e-12)
    first = np.transpose(x, (0, 3, 1, 2))
    close(ops.upsample(t(first, device), (2, 3), method, "channels_first"),
          np.transpose(want, (0, 3, 1, 2)), rtol=1e-6, atol=1e-12)
    check_gradients(lambda a: ops.upsample(a, 2, interpolation=method), [x[:1, :3, :3]],
                    device=device)


def test_upsample_integer_inputs_as_keras(device):
    # nearest keeps the integer dtype (a repeat); resampling computes in float32, then rounds
    # back, clipped to the input's range (Keras's image.resize on integers)
    x = np.arange(12).reshape(2, 2, 1, 3)
    y = ops.upsample(t(x, device), (1, 2))
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y.numpy(), np.repeat(x, 2, axis=2))
    y1 = ops.upsample(t(x[:, :, 0].astype("int32"), device), 3)
    assert y1.dtype == np.int32
    np.testing.assert_array_equal(y1.numpy(), np.repeat(x[:, :, 0], 3, axis=1))
    img = np.array([[0, 10, 200], [255, 30, 7]], dtype="uint8")[None, :, :, None]
    for method, kernel in [("bilinear", lambda t: max(0.0, 1 - t)), ("bicubic", _keys)]:
        got = ops.upsample(t(img, device), 2, interpolation=method)
        assert got.dtype == np.uint8
        ref = np.einsum("ih,bhwc,jw->bijc", _kernel_matrix(2, 2, kernel), img.astype(float),
                        _kernel_matrix(3, 2, kernel))
        np.testing.assert_array_equal(got.numpy(), np.clip(np.round(ref), 0, 255))


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
