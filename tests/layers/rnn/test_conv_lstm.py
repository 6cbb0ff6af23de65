"""ConvLSTM1D/2D/3D: values against Keras's four per-gate convolutions in NumPy, Keras weight
shapes and counts, data formats, forget bias, masks, config, save / load and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from .._helpers import f32, round_trip, save_load


# ---- ConvLSTM ---------------------------------------------------------------------------------
def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _np_conv_lstm(x, kernel, rkernel, bias, strides, padding):
    """Keras's four per-gate convolutions, gate order i, f, c, o; channels_last."""
    from ...ops._conv_reference import conv

    n = kernel.ndim - 2
    ones = (1,) * n
    f = kernel.shape[-1] // 4
    h = c = None
    outs = []
    for t in range(x.shape[1]):
        xs = [conv(x[:, t], kernel[..., k * f:(k + 1) * f], strides, padding, ones)
              + bias[k * f:(k + 1) * f] for k in range(4)]
        if h is None:
            h = c = np.zeros_like(xs[0])
        hs = [conv(h, rkernel[..., k * f:(k + 1) * f], ones, "same", ones) for k in range(4)]
        i, fg = _sigmoid(xs[0] + hs[0]), _sigmoid(xs[1] + hs[1])
        c = fg * c + i * np.tanh(xs[2] + hs[2])
        h = _sigmoid(xs[3] + hs[3]) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1), h, c


@pytest.mark.parametrize("cls,shape,kwargs", [
    (L.ConvLSTM2D, (2, 3, 5, 4, 2), {"padding": "same"}),
    (L.ConvLSTM2D, (1, 2, 6, 6, 1), {"strides": 2}),
    (L.ConvLSTM1D, (2, 3, 5, 2), {}),
    (L.ConvLSTM3D, (1, 2, 3, 3, 3, 1), {"padding": "same"}),
])
def test_conv_lstm_matches_numpy_reference(cls, shape, kwargs):
    layer = cls(3, 2, return_sequences=True, return_state=True,
                bias_initializer="random_normal", **kwargs)
    x = f32(*shape)
    seq, h, c = layer(x)
    k = layer.cell.kernel.numpy().astype("float64")
    rk = layer.cell.recurrent_kernel.numpy().astype("float64")
    b = layer.cell.bias.numpy().astype("float64")
    n = len(shape) - 3
    # Keras shapes: (*k, in, 4 filters), (*k, filters, 4 filters), (4 filters,)
    assert k.shape == (2,) * n + (shape[-1], 12) and rk.shape == (2,) * n + (3, 12)
    assert b.shape == (12,)
    assert layer.count_params() == 2 ** n * shape[-1] * 12 + 2 ** n * 3 * 12 + 12
    want_seq, want_h, want_c = _np_conv_lstm(x.astype("float64"), k, rk, b,
                                             layer.cell.strides, layer.cell.padding)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None,) + shape[1:]) == [
        (None,) + seq.shape[1:], (None,) + h.shape[1:], (None,) + c.shape[1:]]


def test_conv_lstm_channels_first_equals_channels_last():
    x = f32(2, 3, 4, 4, 2)
    last = L.ConvLSTM2D(2, 3, padding="same")
    first = L.ConvLSTM2D(2, 3, padding="same", data_format="channels_first")
    want = last(x).numpy()
    first(np.transpose(x, (0, 1, 4, 2, 3)))
    first.set_weights(last.get_weights())
    got = first(np.transpose(x, (0, 1, 4, 2, 3))).numpy()
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, rtol=1e-5, atol=1e-6)


def test_conv_lstm_forget_bias_mask_config_save(tmp_path):
    layer = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    x = f32(2, 4, 5, 5, 1)
    layer(x)
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    out = layer(x, mask=mask).numpy()
    np.testing.assert_array_equal(out[0, 2], out[0, 1])  # masked step repeats the output
    config = round_trip(layer).get_config()
    assert config["filters"] == 2 and config["kernel_size"] == [3, 3] and "rank" not in config
    assert layer.filters == 2 and layer.kernel_size == (3, 3)
    model = cf.models.Sequential([L.Input((3, 6, 6, 1)), L.ConvLSTM2D(2, 3, dropout=0.2),
                                  L.Flatten(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(f32(4, 3, 6, 6, 1), f32(4, 1), epochs=1, verbose=0)
    save_load(model, f32(2, 3, 6, 6, 1), tmp_path)


def test_conv_lstm_errors():
    with pytest.raises(ValueError, match=r"expected ndim=5 .*found ndim=4"):
        L.ConvLSTM2D(2, 3)(f32(2, 3, 5, 5))
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same'; received "
                                         "'causal'"):
        L.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3\) .* larger than the input's "
                                         r"spatial size \(2, 2\)"):
        L.ConvLSTM2D(2, 3)(f32(1, 2, 2, 2, 1))
    with pytest.raises(ValueError,
                       match="ConvLSTM2D: filters must be a positive integer; received 0"):
        L.ConvLSTM2D(0, 3)
