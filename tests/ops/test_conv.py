"""cuflow.ops.conv: forward against nested-loop references for every stride / padding /
dilation / groups / data_format combination, the fused bias + activation epilogue, float64
gradient checks and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.ops.conv import (
    conv,
    conv1d,
    conv2d,
    conv_transpose,
    depthwise_conv2d,
    separable_conv2d,
)
from cuflow.testing import check_gradients

from . import _conv_reference as ref
from ._conv_reference import T, close, to_first

R = np.random.default_rng(11)


# ---- convolution forward ------------------------------------------------------------------
@pytest.mark.parametrize("strides", [1, 2, (2, 1)])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("dilation", [1, 2, (1, 2)])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d_matches_loops(device, strides, padding, dilation, groups):
    x = R.normal(size=(2, 7, 6, 4))
    w = R.normal(size=(3, 2, 4 // groups, 6))
    s2 = strides if isinstance(strides, tuple) else (strides,) * 2
    d2 = dilation if isinstance(dilation, tuple) else (dilation,) * 2
    want = ref.conv(x, w, s2, padding, d2, groups)
    close(conv(T(x, device), T(w, device), strides, padding, dilation, groups), want)
    got = conv(T(to_first(x), device), T(w, device), strides, padding, dilation, groups,
               data_format="channels_first")
    close(got, to_first(want))


@pytest.mark.parametrize("strides", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv1d_matches_loops(device, strides, padding, dilation):
    x, w = R.normal(size=(2, 9, 3)), R.normal(size=(3, 3, 5))
    want = ref.conv(x, w, (strides,), padding, (dilation,))
    close(conv1d(T(x, device), T(w, device), strides, padding, dilation), want)


@pytest.mark.parametrize("strides,padding,dilation,groups",
                         [(1, "valid", 1, 1), (2, "same", 1, 1), (1, "same", 2, 2),
                          ((1, 2, 1), "valid", 1, 2)])
def test_conv3d_matches_loops(device, strides, padding, dilation, groups):
    x, w = R.normal(size=(1, 5, 4, 5, 2)), R.normal(size=(2, 3, 2, 2 // groups, 4))
    s3 = strides if isinstance(strides, tuple) else (strides,) * 3
    want = ref.conv(x, w, s3, padding, (dilation,) * 3, groups)
    close(conv(T(x, device), T(w, device), strides, padding, dilation, groups), want)
    got = conv(T(to_first(x), device), T(w, device), strides, padding, dilation, groups,
               data_format="channels_first")
    close(got, to_first(want))


def test_conv_bias_and_float32(device):
    x, w, b = (R.normal(size=s).astype(np.float32) for s in [(2, 6, 6, 3), (3, 3, 3, 4), (4,)])
    y = conv2d(T(x, device), T(w, device), 1, "same", bias=T(b, device))
    assert y.dtype == np.float32
    want = ref.conv(x.astype(np.float64), w.astype(np.float64), (1, 1), "same", (1, 1)) + b
    close(y, want, tol=1e-4)


def test_depthwise_and_separable_match_loops(device):
    x, dw, pw = R.normal(size=(2, 6, 5, 3)), R.normal(size=(3, 3, 3, 2)), R.normal(
        size=(1, 1, 6, 4))
    for strides, padding, dilation in [(1, "valid", 1), (2, "same", 1), (1, "same", 2)]:
        want = np.concatenate(
            [ref.conv(x[..., c:c + 1], dw[:, :, c:c + 1, j:j + 1], (strides,) * 2, padding,
                      (dilation,) * 2) for c in range(3) for j in range(2)], axis=-1)
        close(depthwise_conv2d(T(x, device), T(dw, device), strides, padding, dilation), want)
        sep = separable_conv2d(T(x, device), T(dw, device), T(pw, device), strides, padding,
                               dilation)
        close(sep, ref.conv(want, pw, (1, 1), "valid", (1, 1)))


# ---- transposed convolution ---------------------------------------------------------------
def keras_transpose_geometry(n, k, s, padding, opad):
    """Keras's deconv_output_length and TF's placement of it (dilation 1)."""
    if opad is None:
        out = n * s + max(k - s, 0) if padding == "valid" else n * s
    else:
        out = (n - 1) * s + k - 2 * (k // 2 if padding == "same" else 0) + opad
    before = max((n - 1) * s + k - out, 0) // 2 if padding == "same" else 0
    return out, before


@pytest.mark.parametrize("strides", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("opad", [None, 0, 1])
def test_conv2d_transpose_matches_scatter(device, strides, padding, opad):
    if opad is not None and opad >= strides:
        pytest.skip("output_padding must be smaller than strides")
    x, w = R.normal(size=(2, 3, 4, 3)), R.normal(size=(3, 2, 5, 3))
    geo = [keras_transpose_geometry(n, k, strides, padding, opad) for n, k in [(3, 3), (4, 2)]]
    want = ref.conv_transpose(x, w, (strides,) * 2, [g[0] for g in geo], [g[1] for g in geo])
    close(conv_transpose(T(x, device), T(w, device), strides, padding, opad), want)
    got = conv_transpose(T(to_first(x), device), T(w, device), strides, padding, opad,
                         data_format="channels_first")
    close(got, to_first(want))


@pytest.mark.parametrize("rank,strides,padding,dilation",
                         [(1, 2, "same", 1), (1, 1, "valid", 2), (2, 2, "valid", 1),
                          (2, 1, "same", 2), (3, 2, "same", 1)])
def test_conv_transpose_is_adjoint_of_conv(device, rank, strides, padding, dilation):
    # <conv_transpose(x, w), z> == <x, conv(z, w)>: TF defines conv_transpose this way
    x = R.normal(size=(2,) + (3,) * rank + (3,))
    w = R.normal(size=(3,) * rank + (4, 3))
    y = conv_transpose(T(x, device), T(w, device), strides, padding, None, dilation)
    z = R.normal(size=y.shape)
    back = conv(T(z, device), T(w, device), strides, padding, dilation)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(y.numpy() * z), np.sum(x * back.numpy()), rtol=1e-10)


def _rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("act", ["relu", "tanh", "gelu", "sigmoid", "linear"])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_op_activation_equals_separate_activation(act, groups):
    rng = _rng()
    x = rng.normal(size=(2, 7, 6, 4))
    k = rng.normal(size=(3, 3, 4 // groups, 6)) * 0.5
    b = rng.normal(size=6)
    fused = ops.conv(x, k, 1, "same", 1, groups, bias=b, activation=act).numpy()
    plain = ops.conv(x, k, 1, "same", 1, groups, bias=b).numpy()
    want = ops.activation(plain, act).numpy() if act != "linear" else plain
    np.testing.assert_allclose(fused, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("act", ["tanh", "elu", "softplus"])
def test_conv_op_activation_gradients(act):
    rng = _rng()
    x, k, b = rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    check_gradients(lambda x, k, b: ops.conv(x, k, 2, "same", bias=b, activation=act), [x, k, b])
    # without a bias the activation is still fused into the node
    check_gradients(lambda x, k: ops.conv(x, k, 1, "valid", activation=act), [x, k])


def test_conv_op_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'rellu'"):
        ops.conv(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), activation="rellu")


# ---- gradients (float64 central differences) ----------------------------------------------
GRAD_CASES = [
    ("conv2d_same_s2_g2_bias", lambda x, w, b: conv(x, w, 2, "same", 1, 2, bias=b),
     [(1, 5, 4, 4), (3, 2, 2, 4), (4,)]),
    ("conv2d_valid_dil", lambda x, w: conv(x, w, 1, "valid", (2, 1)), [(2, 5, 4, 2),
                                                                      (2, 2, 2, 3)]),
    ("conv2d_channels_first", lambda x, w: conv(x, w, (1, 2), "same", 1,
                                                data_format="channels_first"),
     [(1, 2, 4, 5), (3, 3, 2, 2)]),
    ("conv1d_causal_dil", lambda x, w: conv(x, w, 1, "causal", 2), [(2, 6, 2), (3, 2, 3)]),
    ("conv1d_s3", lambda x, w: conv(x, w, 3, "same"), [(1, 8, 2), (2, 2, 2)]),
    ("conv3d", lambda x, w: conv(x, w, (1, 2, 1), "same"), [(1, 3, 4, 3, 2), (2, 2, 2, 2, 2)]),
    ("conv2d_transpose_s2_same", lambda x, w, b: conv_transpose(x, w, 2, "same", bias=b),
     [(1, 3, 2, 2), (3, 3, 3, 2), (3,)]),
    ("conv2d_transpose_opad_dil", lambda x, w: conv_transpose(x, w, 2, "valid", 1),
     [(1, 2, 3, 2), (2, 3, 2, 2)]),
    ("conv2d_transpose_dil", lambda x, w: conv_transpose(x, w, 1, "same", None, 2),
     [(1, 3, 3, 2), (2, 2, 2, 2)]),
    ("conv1d_transpose", lambda x, w: conv_transpose(x, w, 3, "same"), [(2, 3, 2), (2, 2, 2)]),
    ("conv3d_transpose", lambda x, w: conv_transpose(x, w, 2, "valid"),
     [(1, 2, 2, 2, 1), (2, 2, 2, 2, 1)]),
    ("depthwise", lambda x, w: depthwise_conv2d(x, w, 2, "same"), [(1, 5, 4, 3), (3, 3, 3, 2)]),
    ("separable", lambda x, d, p, b: separable_conv2d(x, d, p, 1, "valid", bias=b),
     [(1, 4, 4, 2), (2, 2, 2, 2), (1, 1, 4, 3), (3,)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients(device, name, fn, shapes):
    check_gradients(fn, [R.normal(size=s) for s in shapes], device=device)


# ---- errors -------------------------------------------------------------------------------
def test_errors(device):
    x = T(R.normal(size=(1, 4, 4, 3)), device)
    with pytest.raises(ValueError, match=r"larger than the padded input"):
        conv(x, T(R.normal(size=(5, 5, 3, 2)), device))
    with pytest.raises(ValueError, match=r"rank-4 input"):
        conv(T(R.normal(size=(4, 4, 3)), device), T(R.normal(size=(3, 3, 3, 2)), device))
    with pytest.raises(ValueError, match=r"3 channels"):
        conv(x, T(R.normal(size=(3, 3, 2, 4)), device), groups=1)
    with pytest.raises(TypeError, match=r"one dtype"):
        conv(x, T(R.normal(size=(3, 3, 3, 2)).astype(np.float32), device))
    with pytest.raises(ValueError, match=r"padding must be one of"):
        conv(x, T(R.normal(size=(3, 3, 3, 2)), device), padding="full")
    with pytest.raises(ValueError, match=r"causal"):
        conv(x, T(R.normal(size=(3, 3, 3, 2)), device), padding="causal")
    with pytest.raises(ValueError, match=r"output_padding"):
        conv_transpose(x, T(R.normal(size=(3, 3, 2, 3)), device), 2, "valid", 2)


@pytest.mark.parametrize("ks,strides,dils", [((3, 3), (1, 1), (1, 1)), ((2, 3), (2, 1), (1, 1)),
                                             ((3,), (1,), (2,)), ((2, 2, 2), (1, 2, 1), (1, 1, 1))])
def test_offset_major_col2im_equals_col2im(ks, strides, dils):
    from cuflow.ops._im2col import col2im_offsets, col2im_windows, out_sizes

    rng = np.random.default_rng(3)
    sizes, C, B = (7, 6, 5)[:len(ks)], 3, 2
    outs = out_sizes(sizes, ks, strides, dils, [(0, 0)] * len(ks))
    cols = rng.normal(size=(B,) + outs + ks + (C,))
    want = col2im_windows(np, cols, (B,) + sizes + (C,), ks, strides, dils, outs)
    kp, m = int(np.prod(ks)), B * int(np.prod(outs))
    offset_major = np.moveaxis(cols.reshape((m, kp, C)), 1, 0)
    got = col2im_offsets(np, offset_major, (B,) + sizes + (C,), ks, strides, dils, outs)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
