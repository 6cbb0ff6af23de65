"""ops.conv: convolutions against explicit window sums in NumPy (valid / same padding, strides,
bias and activation), gradients and errors. The full stride/padding/dilation/groups matrix runs in
tests/layers/test_conv_ops.py."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(29)


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


def _conv2d_ref(x, k, stride=1, pad=((0, 0), (0, 0))):
    """Cross-correlation, channels_last, as explicit sums over each window."""
    x = np.pad(x, ((0, 0),) + tuple(pad) + ((0, 0),))
    kh, kw = k.shape[:2]
    ho, wo = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], ho, wo, k.shape[3]))
    for i in range(ho):
        for j in range(wo):
            win = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.einsum("bhwc,hwco->bo", win, k)
    return out


def test_conv2d_valid_same_and_strides(device):
    x, k = R.normal(size=(2, 5, 6, 3)), R.normal(size=(3, 3, 3, 4))
    close(ops.conv(t(x, device), t(k, device)), _conv2d_ref(x, k))
    close(ops.conv(t(x, device), t(k, device), padding="same"),
          _conv2d_ref(x, k, pad=((1, 1), (1, 1))))
    close(ops.conv2d(t(x, device), t(k, device), strides=2), _conv2d_ref(x, k, stride=2))
    b = R.normal(size=4)
    close(ops.conv(t(x, device), t(k, device), bias=t(b, device), activation="tanh"),
          np.tanh(_conv2d_ref(x, k) + b))
    check_gradients(lambda a, w: ops.conv(a, w, padding="same"),
                    [x[:1, :4, :4].copy(), k[..., :2].copy()], device=device)


def test_conv1d_is_conv2d_with_a_unit_axis(device):
    x, k = R.normal(size=(2, 7, 3)), R.normal(size=(3, 3, 2))
    close(ops.conv1d(t(x, device), t(k, device)), _conv2d_ref(x[:, :, None], k[:, None])[:, :, 0])


def test_conv_errors():
    with pytest.raises(ValueError, match="rank-4 input for a rank-4 kernel"):
        ops.conv(t(np.ones((1, 4, 3))), t(np.ones((3, 3, 3, 4))))
    with pytest.raises(ValueError, match="conv2d: kernel must have rank 4"):
        ops.conv2d(t(np.ones((1, 4, 3))), t(np.ones((3, 3, 4))))
    with pytest.raises(TypeError, match="one dtype"):
        ops.conv(t(np.ones((1, 4, 3))), t(np.ones((3, 3, 4), np.float32)))
