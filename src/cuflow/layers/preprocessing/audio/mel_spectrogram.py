"""``MelSpectrogram`` with Keras 3 arguments and semantics: ``|stft(x)| ** mag_exp`` (centred,
reflect-padded frames; ``cuflow.ops.stft``) times the HTK mel filterbank of
``tf.signal.linear_to_mel_weight_matrix`` / Keras (mel(f) = 1127 ln(1 + f / 700), triangles
peaking at 1, the DC bin zeroed), then optionally decibels: 10 log10(max(S, min_power)) -
10 log10(max(|ref_power|, min_power)), floored at (global max - top_db). Output
(..., num_mel_bins, frames).

It goes through ``cuflow.ops`` only, so it runs (and differentiates) on either device.
"""

from __future__ import annotations

import math

import numpy as np

from .... import ops
from ...layer import Layer

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _positive_int(owner, name, v):
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
        raise ValueError(f"{owner}: {name} must be a positive int; received {v!r}")
    return int(v)


def hertz_to_mel(f):
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + np.asarray(f, dtype=np.float64) /
                                          _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0):
    """The (num_spectrogram_bins, num_mel_bins) HTK mel filterbank of Keras / tf.signal, as a
    float64 NumPy array (a constant: no tensor input)."""
    nyquist = sampling_rate / 2.0
    freqs = np.linspace(0.0, nyquist, num_spectrogram_bins)[1:]  # HTK drops the DC bin
    bins_mel = hertz_to_mel(freqs)[:, None]
    edges = np.linspace(hertz_to_mel(lower_edge_hertz), hertz_to_mel(upper_edge_hertz),
                        num_mel_bins + 2)
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(lower_slopes, upper_slopes))
    return np.pad(weights, [[1, 0], [0, 0]])


class MelSpectrogram(Layer):
    """Mel spectrogram of (..., samples) audio: (..., num_mel_bins, frames), as Keras 3."""

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        name = "MelSpectrogram"
        self.fft_length = _positive_int(name, "fft_length", fft_length)
        self.sequence_stride = _positive_int(name, "sequence_stride", sequence_stride)
        self.sequence_length = _positive_int(name, "sequence_length",
                                             sequence_length or fft_length)
        if self.fft_length < self.sequence_length:
            raise ValueError(f"MelSpectrogram: `fft_length` must be greater than or equal to "
                             f"`sequence_length`; received sequence_length="
                             f"{self.sequence_length}, fft_length={self.fft_length}")
        if window is not None and not (isinstance(window, str) and window in ("hann",
                                                                               "hamming")):
            raise ValueError(f'MelSpectrogram: window must be "hann", "hamming" or None; '
                             f"received window={window!r}")
        if not sampling_rate or sampling_rate <= 0:
            raise ValueError(f"MelSpectrogram: sampling_rate must be positive; received "
                             f"{sampling_rate!r}")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = _positive_int(name, "num_mel_bins", num_mel_bins)
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        if not 0 <= float(self.min_freq) < float(self.max_freq):
            raise ValueError(f"MelSpectrogram: need 0 <= min_freq < max_freq; received "
                             f"min_freq={min_freq!r}, max_freq={self.max_freq!r}")
        self.power_to_db = bool(power_to_db)
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def _float_dtype(self):
        return self.compute_dtype if self.compute_dtype in ("float32", "float64") else "float32"

    def mel_matrix(self, dtype="float64"):
        return linear_to_mel_weight_matrix(self.num_mel_bins, self.fft_length // 2 + 1,
                                           self.sampling_rate, self.min_freq,
                                           self.max_freq).astype(dtype)

    def call(self, inputs):
        dtype = self._float_dtype()
        x = ops.cast(inputs, dtype)
        if x.ndim < 1:
            raise ValueError(f'layer "{self.name}" (MelSpectrogram) expects (..., samples) '
                             f"audio; received shape {x.shape}")
        re, im = ops.stft(x, self.sequence_length, self.sequence_stride, self.fft_length,
                          window=self.window, center=True)
        power = ops.square(re) + ops.square(im)  # |X|^2; |X| ** mag_exp without a sqrt
        spec = power if float(self.mag_exp) == 2.0 else ops.power(power, self.mag_exp / 2.0)
        mel = ops.matmul(spec, ops.convert_to_tensor(self.mel_matrix(dtype)))
        if self.power_to_db:
            mel = self._dbscale(mel)
        return ops.cast(ops.swapaxes(mel, -1, -2), self.compute_dtype)

    def _dbscale(self, s):
        log_spec = 10.0 * ops.log10(ops.maximum(s, self.min_power))
        ref = max(abs(float(self.ref_power)), float(self.min_power))
        log_spec = log_spec - 10.0 * math.log10(ref)
        if self.top_db is not None:
            log_spec = ops.maximum(log_spec, ops.max(log_spec) - float(self.top_db))
        return log_spec

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        t = input_shape[-1]
        pad = self.fft_length // 2
        frames = None if t is None else (t + 2 * pad - self.fft_length) // \
            self.sequence_stride + 1
        return input_shape[:-1] + (self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
