"""``STFTSpectrogram`` with Keras 3 arguments and semantics: Keras' convolutional STFT: trainable
real / imaginary DFT kernels of ``frame_length`` taps (windowed and scaled as Keras' STFT
initializer) applied with stride ``frame_step`` to every channel, then the ``mode`` (log,
magnitude, psd, real, imag, angle, stft). The frame is zero-padded at its end to the FFT length.

It goes through ``cuflow.ops`` only, so it runs (and differentiates) on either device.
"""

from __future__ import annotations

import math

import numpy as np

from .... import initializers, ops
from ....backend import config
from ...layer import Layer
from .mel_spectrogram import _positive_int

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
