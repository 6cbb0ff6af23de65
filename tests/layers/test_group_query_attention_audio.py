"""GroupQueryAttention, MelSpectrogram and STFTSpectrogram: values against float64 NumPy
references written from the documented formulas, Keras weight names / parameter counts, masks,
output shapes, configs and errors. (Gradients: tests/reliability/grad_layer_cases.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

R = np.random.default_rng(11)


def _np_softmax(x, mask=None):
    if mask is not None:
        x = x + (1.0 - mask) * -1e9
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return p if mask is None else p * mask


def _weights(layer):
    return {w.name: w.numpy() for w in layer.weights}


# ---- GroupQueryAttention ------------------------------------------------------------------------

def _gqa_reference(w, q, v, k, heads_q, heads_kv, head_dim, mask=None):
    qp = np.einsum("bqm,muh->bquh", q, w["query/kernel"]) + w["query/bias"]
    kp = np.einsum("bkm,mvh->bkvh", k, w["key/kernel"]) + w["key/bias"]
    vp = np.einsum("bkm,mvh->bkvh", v, w["value/kernel"]) + w["value/bias"]
    rep = heads_q // heads_kv
    kp, vp = np.repeat(kp, rep, axis=2), np.repeat(vp, rep, axis=2)
    scores = np.einsum("bquh,bkuh->buqk", qp / math.sqrt(head_dim), kp)
    m = None if mask is None else mask[:, None].astype(np.float64)
    probs = _np_softmax(scores, m)
    out = np.einsum("buqk,bkuh->bquh", probs, vp)
    return np.einsum("bquh,uhm->bqm", out, w["attention_output/kernel"]) + \
        w["attention_output/bias"], probs


@pytest.mark.parametrize("heads_q,heads_kv", [(4, 2), (4, 1), (3, 3)])
def test_gqa_matches_numpy_reference(heads_q, heads_kv):
    layer = layers.GroupQueryAttention(3, heads_q, heads_kv, bias_initializer="random_normal",
                                       dtype="float64")
    q, v, k = R.normal(size=(2, 4, 5)), R.normal(size=(2, 6, 5)), R.normal(size=(2, 6, 7))
    out, scores = layer(q, v, k, return_attention_scores=True)
    ref, probs = _gqa_reference(_weights(layer), q, v, k, heads_q, heads_kv, 3)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-10)
    np.testing.assert_allclose(scores.numpy(), probs, atol=1e-12)
    assert scores.shape == (2, heads_q, 4, 6)


def test_gqa_weight_names_and_parameter_count():
    m, mk, u, v, h = 8, 6, 4, 2, 5
    layer = layers.GroupQueryAttention(h, u, v)
    layer(np.zeros((1, 3, m), "float32"), np.zeros((1, 2, m), "float32"),
          np.zeros((1, 2, mk), "float32"))
    shapes = {w.name: tuple(w.shape) for w in layer.weights}
    assert shapes == {"query/kernel": (m, u, h), "query/bias": (u, h),
                      "key/kernel": (mk, v, h), "key/bias": (v, h),
                      "value/kernel": (m, v, h), "value/bias": (v, h),
                      "attention_output/kernel": (u, h, m), "attention_output/bias": (m,)}
    expected = (m * u * h + u * h) + (mk * v * h + v * h) + (m * v * h + v * h) + \
        (u * h * m + m)
    assert layer.count_params() == expected
    nobias = layers.GroupQueryAttention(h, u, v, use_bias=False)
    nobias(np.zeros((1, 3, m), "float32"), np.zeros((1, 2, m), "float32"))
    assert nobias.count_params() == m * u * h + 2 * m * v * h + u * h * m


def test_gqa_masks_and_causal():
    layer = layers.GroupQueryAttention(2, 2, 1, dtype="float64")
    q = R.normal(size=(2, 3, 4))
    v = R.normal(size=(2, 3, 4))
    mask = R.random((2, 3, 3)) > 0.3
    mask[:, :, 0] = True
    out, scores = layer(q, v, attention_mask=mask, use_causal_mask=True,
                        return_attention_scores=True)
    full = mask & np.tril(np.ones((3, 3), bool))[None]
    ref, probs = _gqa_reference(_weights(layer), q, v, v, 2, 1, 2, full)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-10)
    np.testing.assert_allclose(scores.numpy(), probs, atol=1e-12)
    assert np.all(scores.numpy()[:, :, 0, 1:] == 0)  # causal: the first query sees key 0 only


def test_gqa_functional_config_round_trip_and_errors():
    qi, vi = cf.layers.Input((3, 4)), cf.layers.Input((5, 4))
    layer = layers.GroupQueryAttention(2, 4, 2, dropout=0.1, seed=3, name="gqa")
    out = layer(qi, vi)
    assert tuple(out.shape) == (None, 3, 4)
    model = cf.models.Model([qi, vi], out)
    q, v = R.normal(size=(2, 3, 4)).astype("float32"), R.normal(size=(2, 5, 4)).astype("float32")
    np.testing.assert_allclose(model([q, v]).numpy(), layer(q, v).numpy(), rtol=1e-6)
    config = layer.get_config()
    clone = layers.GroupQueryAttention.from_config(config)
    assert clone.get_config() == config
    assert config["num_query_heads"] == 4 and config["num_key_value_heads"] == 2
    with pytest.raises(ValueError, match="divisible by `num_key_value_heads`"):
        layers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="head_dim must be a positive int"):
        layers.GroupQueryAttention(0, 2, 2)
    with pytest.raises(ValueError, match="dropout is not supported when flash"):
        layers.GroupQueryAttention(2, 2, 2, dropout=0.5, flash_attention=True)
    with pytest.raises(ValueError, match="returning attention scores is not supported"):
        layers.GroupQueryAttention(2, 2, 2, flash_attention=True)(
            q, q, return_attention_scores=True)
    with pytest.raises(TypeError, match="needs query and value"):
        layers.GroupQueryAttention(2, 2, 2)(q)
    with pytest.raises(ValueError, match=r"expects a query of shape \(batch, seq, features\)"):
        layers.GroupQueryAttention(2, 2, 2)(np.zeros((2, 3), "float32"), np.zeros((2, 3),
                                                                                  "float32"))
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape`"):
        layers.GroupQueryAttention(2, 2, 2).compute_output_shape((1, 3, 4), (1, 5, 6))


# ---- MelSpectrogram -----------------------------------------------------------------------------

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


# ---- STFTSpectrogram ----------------------------------------------------------------------------

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
