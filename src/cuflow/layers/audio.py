"""Audio preprocessing layers with Keras 3 arguments and semantics: ``MelSpectrogram`` and
``STFTSpectrogram``.

- ``MelSpectrogram``: ``|stft(x)| ** mag_exp`` (centred, reflect-padded frames; ``cuflow.ops.stft``)
  times the HTK mel filterbank of ``tf.signal.linear_to_mel_weight_matrix`` /
  Keras (mel(f) = 1127 ln(1 + f / 700), triangles peaking at 1, the DC bin zeroed), then
  optionally decibels: 10 log10(max(S, min_power)) - 10 log10(max(|ref_power|, min_power)),
  floored at (global max - top_db). Output (..., num_mel_bins, frames).
- ``STFTSpectrogram``: Keras' convolutional STFT: trainable real / imaginary DFT kernels of
  ``frame_length`` taps (windowed and scaled as Keras' STFT initializer) applied with stride
  ``frame_step`` to every channel, then the ``mode`` (log, magnitude, psd, real, imag, angle,
  stft). The frame is zero-padded at its end to the FFT length.

Both go through ``cuflow.ops`` only, so they run (and differentiate) on either device.
"""

from __future__ import annotations

import math

import numpy as np

from .. import config, initializers, ops
from .base import Layer

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


# ---- STFTSpectrogram ----------------------------------------------------------------------------

_WINDOWS = {  # generalised cosine windows: coefficients a_k of cos(2 pi k n / M)
    "hann": (0.5, 0.5), "hamming": (0.54, 0.46), "blackman": (0.42, 0.5, 0.08),
    "boxcar": (1.0,),
}


def get_window(window, length, periodic=False):
    """``scipy.signal.get_window(window, length, fftbins=periodic)`` for the windows above."""
    if window not in _WINDOWS:
        raise ValueError(f"STFTSpectrogram: unknown window {window!r}; expected one of "
                         f"{sorted(_WINDOWS)} or an array of frame_length values")
    if length == 1:
        return np.ones(1)
    m = length if periodic else length - 1
    n = np.arange(length)
    out = np.zeros(length)
    for k, a in enumerate(_WINDOWS[window]):
        out += (-1) ** k * a * np.cos(2 * math.pi * k * n / m)
    return out


def stft_kernel(side, window, scaling, periodic, frame_length, bins, dtype="float64"):
    """Keras' STFT initializer: the (frame_length, 1, bins) real or imaginary DFT kernel."""
    win, scale = None, 1.0
    if window is not None:
        win = get_window(window, frame_length, periodic) if isinstance(window, str) else \
            np.asarray(window, dtype=np.float64)
        if win.ndim != 1 or win.shape[0] != frame_length:
            raise ValueError(f"STFTSpectrogram: the shape of `window` must be ({frame_length},) "
                             f"(frame_length); received window shape {win.shape}")
        if scaling == "density":
            scale = math.sqrt(float(np.sum(win * win)))
        elif scaling == "spectrum":
            scale = float(np.sum(np.abs(win)))
    n_fft = (bins - 1) * 2
    args = -2.0 * math.pi * np.arange(frame_length)[:, None] * np.arange(bins)[None] / n_fft
    kernel = np.cos(args) if side == "real" else np.sin(args)
    if win is not None:
        kernel = kernel * win[:, None] / scale
    return kernel[:, None, :].astype(dtype)


_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Spectrogram of (batch, time, channels) signals by convolution with DFT kernels."""

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        name = "STFTSpectrogram"
        frame_length = _positive_int(name, "frame_length", frame_length)
        if frame_step is not None and (not isinstance(frame_step, (int, np.integer)) or
                                       frame_step > frame_length or frame_step < 1):
            raise ValueError(f"STFTSpectrogram: `frame_step` should be a positive integer not "
                             f"greater than `frame_length`; received frame_step={frame_step}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and (not isinstance(fft_length, (int, np.integer)) or
                                       fft_length < frame_length):
            raise ValueError(f"STFTSpectrogram: `fft_length` should be not less than "
                             f"`frame_length`; received fft_length={fft_length}, "
                             f"frame_length={frame_length}")
        if mode not in _MODES:
            raise ValueError(f"STFTSpectrogram: output mode is invalid, it must be one of "
                             f"{', '.join(_MODES)}; received mode={mode!r}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"STFTSpectrogram: scaling is invalid, it must be None, 'density' "
                             f"or 'spectrum'; received scaling={scaling!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"STFTSpectrogram: padding is invalid, it should be 'valid' or "
                             f"'same'; received padding={padding!r}")
        data_format = data_format or config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"STFTSpectrogram: data_format must be 'channels_last' or "
                             f"'channels_first'; received {data_format!r}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name fails here, as Keras
        elif window is not None:
            window = np.asarray(window, dtype=np.float64).tolist()
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2 or 1
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = bool(periodic)
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = bool(expand_dims)
        self.data_format = data_format

    def build(self, input_shape):
        if input_shape is None or len(input_shape) != 3:
            raise ValueError(f'layer "{self.name}" (STFTSpectrogram) expects a 3D input '
                             f"(batch, time, channels); received shape {input_shape}")
        bins = self._fft_length // 2 + 1
        self.real_kernel = self.imag_kernel = None
        for side in ("real", "imag"):
            if self.mode == ("real" if side == "imag" else "imag"):
                continue
            k = stft_kernel(side, self.window, self.scaling, self.periodic, self.frame_length,
                            bins)
            setattr(self, f"{side}_kernel", self.add_weight(
                name=f"{side}_kernel", shape=k.shape, initializer=initializers.Constant(k)))

    def _conv(self, x, kernel):
        """(B, C, T) -> (B, C, frames, bins) with one kernel on every channel."""
        b, c, t = x.shape
        y = ops.conv(ops.reshape(x, (b * c, t, 1)), self.cast_weight(kernel),
                     strides=self._frame_step, padding=self.padding)
        return ops.reshape(y, (b, c) + tuple(y.shape[1:]))

    def _adjust(self, y):
        """(B, C, frames, F) to the layer's output layout."""
        b, c, t, f = y.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(y, (0, 2, 3, 1))
            return ops.reshape(ops.transpose(y, (0, 2, 1, 3)), (b, t, c * f))
        if self.expand_dims:
            return y
        return ops.reshape(ops.transpose(y, (0, 1, 3, 2)), (b, c * f, t))

    def call(self, inputs):
        if str(inputs.dtype) not in ("float16", "float32", "float64"):
            raise TypeError(f"STFTSpectrogram: invalid input type; expected float16, float32 "
                            f"or float64, received {inputs.dtype}")
        if inputs.ndim != 3:
            raise ValueError(f'layer "{self.name}" (STFTSpectrogram) expects a 3D input '
                             f"(batch, time, channels); received shape {inputs.shape}")
        x = ops.transpose(inputs, (0, 2, 1)) if self.data_format == "channels_last" else inputs
        real = None if self.real_kernel is None else self._conv(x, self.real_kernel)
        imag = None if self.imag_kernel is None else self._conv(x, self.imag_kernel)
        if self.mode == "real":
            return self._adjust(real)
        if self.mode == "imag":
            return self._adjust(imag)
        if self.mode == "angle":
            return self._adjust(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust(ops.concatenate([real, imag], axis=-1))
        power = ops.square(real) + ops.square(imag)
        if self.mode == "psd":
            inner = ops.pad(power[..., 1:-1], [[0, 0], [0, 0], [0, 0], [1, 1]])
            return self._adjust(power + inner)
        eps = config.epsilon()
        magnitude = self._adjust(ops.sqrt(ops.maximum(power, eps)))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, eps))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            b, t, c = input_shape
        else:
            b, c, t = input_shape
        f = self._fft_length // 2 + 1
        if self.mode == "stft":
            f *= 2
        if t is None:
            frames = None
        elif self.padding == "same":
            frames = -(-t // self._frame_step)
        else:
            frames = (t - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (b, frames, f, c) if self.data_format == "channels_last" else (b, c, frames, f)
        cf = None if c is None else c * f
        return (b, frames, cf) if self.data_format == "channels_last" else (b, cf, frames)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}
