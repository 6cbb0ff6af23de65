"""STFTSpectrogram: every mode against a NumPy reference of Keras' convolutional STFT, trainable
kernels, shapes, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers

R = np.random.default_rng(11)


def _np_stft_conv(x, frame_length, step, n_fft, window, periodic, scaling, padding):
    """Frames (zero-padded at the end to n_fft), windowed and scaled, then NumPy's rfft."""
    t = x.shape[1]
    if padding == "same":
        out_t = -(-t // step)
        total = max((out_t - 1) * step + frame_length - t, 0)
        x = np.pad(x, [(0, 0), (total // 2, total - total // 2), (0, 0)])
    n = np.arange(frame_length)
    m = frame_length if periodic else frame_length - 1
    win = 0.5 - 0.5 * np.cos(2 * np.pi * n / m) if window == "hann" else np.asarray(window)
    scale = np.sqrt(np.sum(win ** 2)) if scaling == "density" else \
        (np.sum(np.abs(win)) if scaling == "spectrum" else 1.0)
    count = (x.shape[1] - frame_length) // step + 1
    frames = np.stack([x[:, i * step:i * step + frame_length] for i in range(count)], 1)
    frames = frames * (win / scale)[None, None, :, None]  # (B, frames, L, C)
    return np.fft.rfft(frames, n=n_fft, axis=2)  # (B, frames, F, C)


@pytest.mark.parametrize("periodic,scaling,padding", [(False, "density", "valid"),
                                                      (True, "spectrum", "same"),
                                                      (False, None, "same")])
def test_stft_spectrogram_modes_match_numpy(periodic, scaling, padding):
    x = R.normal(size=(2, 40, 3))
    z = _np_stft_conv(x, 8, 4, 16, "hann", periodic, scaling, padding)
    b, t, f, c = z.shape
    power = np.abs(z) ** 2
    psd = power.copy()
    psd[:, :, 1:-1] *= 2
    refs = {"real": z.real, "imag": z.imag, "angle": np.angle(z),
            "magnitude": np.sqrt(np.maximum(power, 1e-7)),
            "log": np.log(np.maximum(np.sqrt(np.maximum(power, 1e-7)), 1e-7)), "psd": psd}
    for mode, ref in refs.items():
        layer = layers.STFTSpectrogram(mode, 8, 4, 16, periodic=periodic, scaling=scaling,
                                       padding=padding, dtype="float64")
        got = layer(x).numpy()
        want = np.transpose(ref, (0, 1, 3, 2)).reshape(b, t, c * f)
        assert got.shape == want.shape == layer.compute_output_shape(x.shape), mode
        if mode == "angle":  # +-pi on the real axis (DC / Nyquist bins): compare mod 2 pi
            got = want + np.angle(np.exp(1j * (got - want)))
        np.testing.assert_allclose(got, want, atol=1e-10, err_msg=mode)
    stft = layers.STFTSpectrogram("stft", 8, 4, 16, periodic=periodic, scaling=scaling,
                                  padding=padding, expand_dims=True, dtype="float64")
    np.testing.assert_allclose(stft(x).numpy(), np.concatenate([z.real, z.imag], 2), atol=1e-10)
    first = layers.STFTSpectrogram("real", 8, 4, 16, periodic=periodic, scaling=scaling,
                                   padding=padding, data_format="channels_first",
                                   dtype="float64")
    got = first(np.transpose(x, (0, 2, 1))).numpy()
    np.testing.assert_allclose(got, np.transpose(z.real, (0, 3, 2, 1)).reshape(b, c * f, t),
                               atol=1e-10)


def test_stft_spectrogram_weights_shapes_config_errors():
    layer = layers.STFTSpectrogram(mode="log", frame_length=256, frame_step=128, fft_length=512,
                                   padding="valid", trainable=False)
    y = layer(R.uniform(size=(3, 16000, 1)).astype("float32"))
    assert y.shape == (3, 124, 257)
    assert {w.name.split("/")[-1]: tuple(w.shape) for w in layer.weights} == \
        {"real_kernel": (256, 1, 257), "imag_kernel": (256, 1, 257)}
    assert not layer.trainable_weights
    real_only = layers.STFTSpectrogram("real", 16)
    real_only.build((1, 32, 1))
    assert [w.name.split("/")[-1] for w in real_only.weights] == ["real_kernel"]
    assert real_only._fft_length == 16 and real_only._frame_step == 8
    assert layers.STFTSpectrogram(frame_length=100)._fft_length == 128
    custom = layers.STFTSpectrogram("magnitude", 4, 2, 8, window=[0.5, 1.0, 1.0, 0.5],
                                    padding="same", expand_dims=True)
    config = custom.get_config()
    assert config["window"] == [0.5, 1.0, 1.0, 0.5]
    assert layers.STFTSpectrogram.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="`frame_step` should be a positive integer"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="`fft_length` should be not less than"):
        layers.STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.raises(ValueError, match="output mode is invalid"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="scaling is invalid"):
        layers.STFTSpectrogram(scaling="energy")
    with pytest.raises(ValueError, match="padding is invalid"):
        layers.STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError, match="unknown window"):
        layers.STFTSpectrogram(window="kaiser")
    with pytest.raises(ValueError, match="expects a 3D input"):
        layers.STFTSpectrogram()(np.zeros((2, 300), "float32"))
    with pytest.raises(TypeError, match="invalid input type"):
        layers.STFTSpectrogram(frame_length=8)(np.zeros((1, 16, 1), "int32"))


def test_get_window_matches_the_cosine_window_formulas():
    from cuflow.layers.preprocessing.audio.stft_spectrogram import get_window

    n = np.arange(8)
    np.testing.assert_allclose(get_window("hann", 8), 0.5 - 0.5 * np.cos(2 * np.pi * n / 7),
                               atol=1e-12)
    np.testing.assert_allclose(get_window("hamming", 8, periodic=True),
                               0.54 - 0.46 * np.cos(2 * np.pi * n / 8), atol=1e-12)
