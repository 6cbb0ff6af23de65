"""Window functions of length ``x`` (an int): bartlett, blackman, hamming, hanning, kaiser.

As ``numpy.bartlett`` ... with Keras' dtype: floatx(). Created on the current device; constants
(no input to differentiate).
"""

from __future__ import annotations

import numpy as np

from .._core import const, current_backend


def _length(op, x):
    from ...tensor import Tensor

    if isinstance(x, Tensor):
        x = x.item()
    if isinstance(x, (bool, np.bool_)) or not float(x).is_integer():
        raise TypeError(f"{op}: the window length must be an int; received {x!r}")
    return int(x)


def _window(op, values):
    from ...backend.config import floatx

    bk = current_backend()
    return const(bk.asarray(np.asarray(values, dtype=np.float64).astype(floatx())), bk)


def bartlett(x):
    """Triangular window of ``x`` points (zero at both ends)."""
    return _window("bartlett", np.bartlett(_length("bartlett", x)))


def blackman(x):
    """Blackman window of ``x`` points."""
    return _window("blackman", np.blackman(_length("blackman", x)))


def hamming(x):
    """Hamming window of ``x`` points: 0.54 - 0.46 cos(2 pi n / (x - 1))."""
    return _window("hamming", np.hamming(_length("hamming", x)))


def hanning(x):
    """Hann window of ``x`` points: 0.5 - 0.5 cos(2 pi n / (x - 1))."""
    return _window("hanning", np.hanning(_length("hanning", x)))


def kaiser(x, beta):
    """Kaiser window of ``x`` points with shape parameter ``beta``."""
    from ...tensor import Tensor

    if isinstance(beta, Tensor):
        beta = beta.item()
    return _window("kaiser", np.kaiser(_length("kaiser", x), float(beta)))


__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]
