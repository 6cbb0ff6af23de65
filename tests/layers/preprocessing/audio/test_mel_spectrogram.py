"""MelSpectrogram: values against a float64 NumPy reference (HTK mel filterbank over a centred,
reflect-padded STFT, decibels), shapes, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers

R = np.random.default_rng(11)


def _np_mel_matrix(n_mels, n_bins, sr, lo, hi):
    """tf.signal.linear_to_mel_weight_matrix, written from its documentation (HTK mel)."""
    def mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f, float) / 700.0)
    freqs = np.linspace(0.0, sr / 2.0, n_bins)
    edges = np.linspace(mel(lo), mel(hi), n_mels + 2)
    out = np.zeros((n_bins, n_mels))
    for j in range(n_mels):
        a, c, b = edges[j], edges[j + 1], edges[j + 2]
        for i in range(1, n_bins):  # the DC bin stays 0
            x = mel(freqs[i])
            out[i, j] = max(0.0, min((x - a) / (c - a), (b - x) / (b - c)))
    return out


def _np_stft_power(x, seq_len, stride, n_fft, window):
    half = n_fft // 2
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    k = np.arange(seq_len)
    if window == "hann":
        win = 0.5 - 0.5 * np.cos(2 * np.pi * k / seq_len)
    elif window == "hamming":
        win = 0.54 - 0.46 * np.cos(2 * np.pi * k / seq_len)
    else:
        win = np.ones(seq_len)
    left = (n_fft - seq_len) // 2
    win = np.pad(win, (left, n_fft - seq_len - left))
    count = (xp.shape[-1] - n_fft) // stride + 1
    frames = np.stack([xp[..., i * stride:i * stride + n_fft] for i in range(count)], -2)
    return np.abs(np.fft.rfft(frames * win, axis=-1)) ** 2


@pytest.mark.parametrize("kw", [
    {},
    {"power_to_db": False, "mag_exp": 1.0, "window": "hamming", "sequence_length": 48},
    {"top_db": 20.0, "ref_power": 2.0, "min_freq": 0.0, "max_freq": 3000.0},
])
def test_mel_spectrogram_matches_numpy_reference(kw):
    cfg = {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 12, "sampling_rate": 8000,
           **kw}
    layer = layers.MelSpectrogram(dtype="float64", **cfg)
    x = R.normal(size=(2, 300))
    y = layer(x).numpy()
    seq_len = cfg.get("sequence_length", 64)
    power = _np_stft_power(x, seq_len, 16, 64, cfg.get("window", "hann"))
    spec = power ** (cfg.get("mag_exp", 2.0) / 2.0)
    mel = spec @ _np_mel_matrix(12, 33, 8000, cfg.get("min_freq", 20.0),
                                cfg.get("max_freq", 4000))
    if cfg.get("power_to_db", True):
        db = 10 * np.log10(np.maximum(mel, 1e-10)) - 10 * np.log10(cfg.get("ref_power", 1.0))
        mel = np.maximum(db, db.max() - cfg.get("top_db", 80.0))
    ref = np.swapaxes(mel, -1, -2)
    assert y.shape == ref.shape == layer.compute_output_shape((2, 300))
    np.testing.assert_allclose(y, ref, rtol=1e-7, atol=1e-8)


def test_mel_spectrogram_shapes_config_errors():
    layer = layers.MelSpectrogram(num_mel_bins=64, sampling_rate=8000, sequence_stride=256,
                                  fft_length=2048)
    y = layer(R.uniform(size=(16000,)).astype("float32"))
    assert y.shape == (64, 63) and str(y.dtype) == "float32"  # Keras' documented example
    config = layer.get_config()
    assert config["sequence_length"] == 2048 and config["max_freq"] == 4000
    assert layers.MelSpectrogram.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="`fft_length` must be greater than or equal"):
        layers.MelSpectrogram(fft_length=16, sequence_length=32)
    with pytest.raises(ValueError, match="window must be"):
        layers.MelSpectrogram(window="kaiser")
    with pytest.raises(ValueError, match="num_mel_bins must be a positive int"):
        layers.MelSpectrogram(num_mel_bins=0)


def test_mel_filterbank_helpers():
    from cuflow.layers.preprocessing.audio.mel_spectrogram import (
        hertz_to_mel,
        linear_to_mel_weight_matrix,
    )

    np.testing.assert_allclose(hertz_to_mel(700.0), 1127.0 * np.log(2.0))
    w = linear_to_mel_weight_matrix(4, 17, 8000, 100.0, 3000.0)
    assert w.shape == (17, 4) and not w[0].any()  # the DC row is zero
    np.testing.assert_allclose(w, _np_mel_matrix(4, 17, 8000, 100.0, 3000.0), atol=1e-12)
