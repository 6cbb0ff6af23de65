"""``keras.ops`` Fourier transforms: fft, ifft, fft2, ifft2, rfft, irfft, stft, istft.

cuflow tensors hold no complex numbers; as in Keras, a complex tensor is a ``(real, imag)`` pair
of real tensors of one shape, taken and returned by every transform here. The transforms run on
the operands' ``xp.fft`` (``numpy.fft`` / ``cupy.fft``).

Every transform is linear, so its gradient is its adjoint: for the unnormalised DFT F (``fft``)
that is F^H = n * ifft; for ``rfft`` the zero-padded ``ifft`` of the half spectrum, real part;
for ``irfft`` the ``rfft`` of the cotangent weighted 1/n on the DC (and Nyquist) bin and 2/n on
the others. ``stft`` and ``istft`` are compositions of framing (``math.extract_sequences``),
windowing and these transforms.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._core import check_float, record, same_device, to_tensor
from .math import _check_seq, _overlap_add, _overlap_add_raw, extract_sequences


def _complex_pair(op, x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: input `x` should be a tuple of two tensors - real and imaginary; "
                         f"received {type(x).__name__}")
    re, im = to_tensor(x[0]), to_tensor(x[1])
    bk = same_device(op, re, im)
    if re.shape != im.shape:
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape; "
                         f"received {re.shape} and {im.shape}")
    if re.dtype.kind != "f" or im.dtype.kind != "f":
        raise TypeError(f"{op}: the real and imaginary parts must be floating tensors; received "
                        f"dtypes {re.dtype} and {im.dtype}")
    if re.dtype != im.dtype:
        raise TypeError(f"{op}: the real and imaginary parts must have one dtype; received "
                        f"{re.dtype} and {im.dtype}")
    return bk, re, im


def _split(xp, c, dtype):
    return xp.ascontiguousarray(c.real).astype(dtype), xp.ascontiguousarray(c.imag).astype(dtype)


def _record_complex(op, bk, out, inputs, adjoint, dtype):
    """Record a complex-valued linear map's output as (real, imag) Tensors.

    ``adjoint(G)`` maps a complex cotangent of the output to the complex cotangent of the input
    (the real inner product <G, Y> = Re(sum conj(G) Y)). With a real input (one Tensor in
    ``inputs``) its real part is the gradient; with a (re, im) input both parts are.
    """
    xp = bk.xp
    re, im = _split(xp, out, dtype)

    def make(unit):
        def backward(g):
            gz = adjoint(g * unit)
            if len(inputs) == 1:
                return (xp.ascontiguousarray(gz.real).astype(dtype),)
            return _split(xp, gz, dtype)
        return backward

    return (record(re, inputs, make(1.0), op, bk), record(im, inputs, make(1j), op, bk))


def _check_len(op, n, name="fft_length"):
    if n is not None and (not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1):
        raise ValueError(f"{op}: {name} must be a positive int or None; received {n!r}")


def _fit(xp, a, n):
    """``a`` truncated or zero-padded to length ``n`` on the last axis."""
    cur = a.shape[-1]
    if cur == n:
        return a
    if cur > n:
        return a[..., :n]
    pad = [(0, 0)] * (a.ndim - 1) + [(0, n - cur)]
    return xp.pad(a, pad)


def fft(x):
    """Discrete Fourier transform over the last axis of a (real, imag) pair."""
    bk, re, im = _complex_pair("fft", x)
    if re.ndim < 1:
        raise ValueError(f"fft needs tensors of rank >= 1; received shape {re.shape}")
    xp = bk.xp
    n = re.shape[-1]
    out = xp.fft.fft(re.data + 1j * im.data, axis=-1)
    return _record_complex("fft", bk, out, (re, im), lambda g: n * xp.fft.ifft(g, axis=-1),
                           re.dtype)


def ifft(x):
    """Inverse discrete Fourier transform over the last axis of a (real, imag) pair (NumPy's
    normalisation: 1/n on the inverse). Keras 3 has ``ifft2`` only; this is its 1-D twin."""
    bk, re, im = _complex_pair("ifft", x)
    if re.ndim < 1:
        raise ValueError(f"ifft needs tensors of rank >= 1; received shape {re.shape}")
    xp = bk.xp
    n = re.shape[-1]
    out = xp.fft.ifft(re.data + 1j * im.data, axis=-1)
    return _record_complex("ifft", bk, out, (re, im), lambda g: xp.fft.fft(g, axis=-1) / n,
                           re.dtype)


def fft2(x):
    """2-D discrete Fourier transform over the last two axes of a (real, imag) pair."""
    bk, re, im = _complex_pair("fft2", x)
    if re.ndim < 2:
        raise ValueError(f"fft2 needs tensors of rank >= 2; received shape {re.shape}")
    xp = bk.xp
    n = re.shape[-1] * re.shape[-2]
    out = xp.fft.fft2(re.data + 1j * im.data, axes=(-2, -1))
    return _record_complex("fft2", bk, out, (re, im),
                           lambda g: n * xp.fft.ifft2(g, axes=(-2, -1)), re.dtype)


def ifft2(x):
    """Inverse 2-D discrete Fourier transform over the last two axes of a (real, imag) pair."""
    bk, re, im = _complex_pair("ifft2", x)
    if re.ndim < 2:
        raise ValueError(f"ifft2 needs tensors of rank >= 2; received shape {re.shape}")
    xp = bk.xp
    n = re.shape[-1] * re.shape[-2]
    out = xp.fft.ifft2(re.data + 1j * im.data, axes=(-2, -1))
    return _record_complex("ifft2", bk, out, (re, im),
                           lambda g: xp.fft.fft2(g, axes=(-2, -1)) / n, re.dtype)


def rfft(x, fft_length=None):
    """Real-input DFT over the last axis: (real, imag) of the ``fft_length // 2 + 1`` unique
    bins; the input is truncated or zero-padded to ``fft_length`` (default: its length)."""
    x = to_tensor(x)
    check_float("rfft", x)
    _check_len("rfft", fft_length)
    if x.ndim < 1:
        raise ValueError(f"rfft needs a tensor of rank >= 1; received shape {x.shape}")
    bk, xp = x._backend, x._backend.xp
    n_in = x.shape[-1]
    n = n_in if fft_length is None else int(fft_length)
    out = xp.fft.rfft(x.data, n=n, axis=-1)

    def adjoint(g):
        return _fit(xp, n * xp.fft.ifft(g, n=n, axis=-1), n_in)

    return _record_complex("rfft", bk, out, (x,), adjoint, x.dtype)


def irfft(x, fft_length=None):
    """Inverse of ``rfft``: a real signal of length ``fft_length`` (default 2 * (bins - 1)) from
    a (real, imag) half spectrum. Imaginary parts of the DC (and even-length Nyquist) bins are
    ignored, as NumPy."""
    bk, re, im = _complex_pair("irfft", x)
    _check_len("irfft", fft_length)
    if re.ndim < 1:
        raise ValueError(f"irfft needs tensors of rank >= 1; received shape {re.shape}")
    xp = bk.xp
    m = re.shape[-1]
    n = 2 * (m - 1) if fft_length is None else int(fft_length)
    if n < 1:
        raise ValueError(f"irfft: the output length must be positive; received fft_length="
                         f"{fft_length!r} for {m} bins")
    out = xp.fft.irfft(re.data + 1j * im.data, n=n, axis=-1).astype(re.dtype)
    bins = n // 2 + 1
    weight = np.full(bins, 2.0 / n)
    weight[0] = 1.0 / n
    if n % 2 == 0:
        weight[-1] = 1.0 / n
    weight = bk.asarray(weight)

    def backward(g):
        gz = _fit(xp, xp.fft.rfft(g, axis=-1) * weight, m)
        return _split(xp, gz, re.dtype)

    return record(out, (re, im), backward, "irfft", bk)


# ---- short-time transforms ----------------------------------------------------------------------

def _window(op, window, sequence_length, fft_length, bk, dtype):
    """The analysis window padded (centred) to ``fft_length``, as a backend array; ``window`` is
    "hann" / "hamming" (periodic, as scipy.signal.get_window), an array of ``sequence_length``
    values, or None (ones)."""
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'{op}: If a string is passed to `window`, it must be one of "hann", '
                             f'"hamming"; received window={window!r}')
        k = np.arange(sequence_length)
        a0 = 0.5 if window == "hann" else 0.54
        win = a0 - (1 - a0) * np.cos(2 * math.pi * k / sequence_length)
    elif window is None:
        return bk.xp.ones(fft_length, dtype=dtype), False
    else:
        win = window.numpy() if isinstance(window, Tensor) else np.asarray(window)
        if win.ndim != 1 or win.shape[0] != sequence_length:
            raise ValueError(f"{op}: The shape of `window` must be equal to [sequence_length] = "
                             f"({sequence_length},); received window shape {win.shape}")
    left = (fft_length - sequence_length) // 2
    win = np.pad(np.asarray(win, dtype=np.float64), (left, fft_length - sequence_length - left))
    return bk.asarray(win.astype(dtype)), True


def _check_stft_args(op, sequence_length, sequence_stride, fft_length):
    _check_seq(op, sequence_length, sequence_stride)
    if not isinstance(fft_length, (int, np.integer)) or isinstance(fft_length, bool):
        raise ValueError(f"{op}: fft_length must be an int; received {fft_length!r}")
    if fft_length < sequence_length:
        raise ValueError(f"{op}: `fft_length` must equal or larger than `sequence_length`; "
                         f"received sequence_length={sequence_length}, fft_length={fft_length}")


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform over the last axis: (real, imag), each of shape
    (..., num_sequences, fft_length // 2 + 1), as Keras 3.

    Frames of ``fft_length`` samples every ``sequence_stride`` samples, multiplied by the window
    (``sequence_length`` long, centred in the frame), then ``rfft``. ``center=True`` reflect-pads
    ``fft_length // 2`` samples on both sides first, so frame t is centred at t * stride.
    """
    from .numpy.arithmetic import multiply
    from .numpy.shape import pad

    x = to_tensor(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"stft: invalid input type; expected `float32` or `float64`, received "
                        f"{x.dtype}")
    _check_stft_args("stft", sequence_length, sequence_stride, fft_length)
    if x.ndim < 1:
        raise ValueError(f"stft needs a tensor of rank >= 1; received shape {x.shape}")
    win, _ = _window("stft", window, sequence_length, fft_length, x._backend, x.dtype)
    if center:
        half = fft_length // 2
        if x.shape[-1] <= half:
            raise ValueError(f"stft: with center=True the signal must be longer than "
                             f"fft_length // 2 = {half} samples (reflect padding); received "
                             f"shape {x.shape}")
        x = pad(x, [[0, 0]] * (x.ndim - 1) + [[half, half]], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    frames = multiply(frames, Tensor._wrap(win, backend=x._backend))
    return rfft(frames, fft_length)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse of ``stft`` (Keras 3): ``irfft`` of every frame, windowed and overlap-added,
    divided by the overlap-added squared window where that exceeds 1e-10. With
    ``center=True`` the ``fft_length // 2`` padded samples are dropped at both ends; ``length``
    cuts (or zero-pads) the result to that many samples. With ``window=None`` Keras divides by
    ``sequence_stride`` instead of the window sum; so does this."""
    from .numpy.arithmetic import multiply
    from .numpy.shape import pad

    bk, re, im = _complex_pair("istft", x)
    _check_stft_args("istft", sequence_length, sequence_stride, fft_length)
    if re.ndim < 2:
        raise ValueError(f"istft: input `x` must have at least 2 dimensions; received shape "
                         f"{re.shape}")
    xp = bk.xp
    win, has_window = _window("istft", window, sequence_length, fft_length, bk, re.dtype)
    count = re.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    frames = irfft((re, im), fft_length)
    frames = multiply(frames, Tensor._wrap(win, backend=bk))
    signal = _overlap_add(frames, int(sequence_stride), total)
    norm = _overlap_add_raw(xp, xp.broadcast_to(win * win, (count, fft_length)),
                            int(sequence_stride), total)
    scale = xp.where(norm > 1e-10, 1.0 / xp.where(norm > 1e-10, norm, 1.0), 1.0)
    if not has_window:
        scale = scale * (fft_length / sequence_stride)
    signal = multiply(signal, Tensor._wrap(scale.astype(re.dtype), backend=bk))
    start = fft_length // 2 if center else 0
    if length is not None:
        if not isinstance(length, (int, np.integer)) or isinstance(length, bool) or length < 0:
            raise ValueError(f"istft: length must be a non-negative int or None; received "
                             f"{length!r}")
        end = start + int(length)
    else:
        end = total - fft_length // 2 if center else total
    if end > total:  # pad with zeros as a longer slice of NumPy would not: Keras' output length
        signal = pad(signal, [[0, 0]] * (signal.ndim - 1) + [[0, end - total]])
    return signal[..., start:end]


__all__ = [
    "fft", "fft2", "ifft", "ifft2", "irfft", "istft", "rfft", "stft"
]
