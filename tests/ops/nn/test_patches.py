"""ops.nn.patches: unfold / fold (im2col / col2im) against a loop reference, their adjointness
and gradients; depth_to_space / space_to_depth against the reshape-transpose definition."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(19)


def unfold_ref(x, k, d, p, s):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], oh, ow))
    for a in range(k[0]):
        for b in range(k[1]):
            for i in range(oh):
                for j in range(ow):
                    out[:, :, a, b, i, j] = xp[:, :, i * s[0] + a * d[0], j * s[1] + b * d[1]]
    return out.reshape(n, c * k[0] * k[1], oh * ow)


@pytest.mark.parametrize("k,d,p,s", [((2, 2), (1, 1), (0, 0), (1, 1)),
                                     ((3, 2), (1, 2), (1, 0), (2, 1)),
                                     ((2, 4), (1, 1), (0, 0), (2, 4))])
def test_unfold_fold(k, d, p, s):
    x = R.normal(size=(2, 3, 6, 8))
    cols = ops.unfold(x, k, dilation=d, padding=p, stride=s)
    ref = unfold_ref(x, k, d, p, s)
    np.testing.assert_allclose(cols.numpy(), ref)
    # fold is unfold's adjoint: <unfold(x), y> == <x, fold(y)>
    y = R.normal(size=ref.shape)
    back = ops.fold(y, (6, 8), k, dilation=d, padding=p, stride=s).numpy()
    np.testing.assert_allclose((ref * y).sum(), (x * back).sum(), rtol=1e-12)
    check_gradients(lambda t: ops.unfold(t, k, dilation=d, padding=p, stride=s),
                    [R.normal(size=(1, 2, 6, 8))])


def test_fold_roundtrip_and_errors():
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    np.testing.assert_array_equal(
        ops.fold(ops.unfold(x, 2, stride=2), (4, 4), 2, stride=2).numpy(), x)
    with pytest.raises(ValueError, match="Input must be a 4D tensor"):
        ops.unfold(np.ones((2, 3, 4)), 2)
    with pytest.raises(ValueError, match="must be divisible by the kernel size product 4"):
        ops.fold(np.ones((1, 5, 4)), (4, 4), 2)
    with pytest.raises(ValueError, match="holds 4 blocks"):
        ops.fold(np.ones((1, 4, 4)), (4, 4), 2)


def test_depth_to_space_and_back():
    x = np.arange(48.0).reshape(1, 2, 2, 12)
    y = ops.depth_to_space(x, 2)
    ref = x.reshape(1, 2, 2, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(1, 4, 4, 3)
    np.testing.assert_array_equal(y.numpy(), ref)
    np.testing.assert_array_equal(ops.space_to_depth(y, 2).numpy(), x)
    xc = np.arange(48.0).reshape(1, 12, 2, 2)
    yc = ops.depth_to_space(xc, 2, data_format="channels_first")
    assert yc.shape == (1, 3, 4, 4)
    np.testing.assert_array_equal(
        ops.space_to_depth(yc, 2, data_format="channels_first").numpy(), xc)
    check_gradients(lambda t: ops.depth_to_space(t, 2) * np.arange(12.0).reshape(1, 2, 2, 3),
                    [R.normal(size=(1, 1, 1, 12))])
    with pytest.raises(ValueError, match="`block_size` must be at least 2"):
        ops.depth_to_space(x, 1)
    with pytest.raises(ValueError, match="must be divisible by block_size=3"):
        ops.space_to_depth(np.ones((1, 4, 4, 1)), 3)
