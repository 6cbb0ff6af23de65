"""The one backend interface. NumPy and CuPy implement it with identical signatures.

A backend owns an array module (``xp``), array creation and transfer, random numbers, GEMM and
the custom-kernel functions (activations, losses, reductions). Everything above this layer goes
through a backend object, never through ``numpy`` or ``cupy`` directly for math.
"""

from __future__ import annotations

import abc


class Backend(abc.ABC):
    #: canonical device string: "cpu" or "gpu:N"
    device: str
    #: the array module (numpy or cupy): the array-generic reference for every op
    xp = None

    def __reduce__(self):
        # one backend per device: pickled by reference (its lazily imported kernel modules
        # cannot be pickled, and a copy would be a second backend for the same device)
        return (_backend_of_device, (self.device,))

    # ---- arrays -------------------------------------------------------------------------
    @abc.abstractmethod
    def asarray(self, data, dtype=None):
        """An array on this backend's device (no copy when it already is one of the right dtype)."""

    @abc.abstractmethod
    def to_numpy(self, array):
        """A host ``numpy.ndarray`` copy (a view for NumPy arrays)."""

    @abc.abstractmethod
    def is_native(self, array) -> bool:
        """True when ``array`` already lives on this backend's device."""

    @abc.abstractmethod
    def synchronize(self) -> None:
        """Wait for queued device work (a no-op on the CPU)."""

    # ---- random -------------------------------------------------------------------------
    @abc.abstractmethod
    def seed(self, seed: int) -> None:
        """Reseed this backend's generator (device-side on the GPU)."""

    @abc.abstractmethod
    def uniform(self, shape, low=0.0, high=1.0, dtype="float32"):
        """Uniform samples in [low, high)."""

    @abc.abstractmethod
    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32"):
        """Normal samples."""

    def random_uniform_counter(self, shape, dtype, state_array):
        """Uniform [0, 1) samples from a counter-based hash of ``(seed, counter + i)`` with
        ``state_array = [seed, counter]`` (int64, on this device); advances the counter by the
        sample count in place. Identical numbers on every backend (``numpy/random.py``), and on the
        GPU the state stays on the device, so a replayed CUDA graph draws fresh numbers."""
        raise NotImplementedError(f"{type(self).__name__} has no counter-based generator")

    # ---- linear algebra -----------------------------------------------------------------
    @abc.abstractmethod
    def matmul(self, a, b):
        """Batched matrix product with NumPy's matmul broadcasting rules."""

    @abc.abstractmethod
    def scatter_add(self, target, index, values) -> None:
        """``target[index] += values`` in place, accumulating repeated indices."""

    # ---- custom kernels -------------------------------------------------------------------
    # The math lives in the family modules of ``numpy/`` (CPU, and the reference semantics) and
    # ``cuda/`` (our CUDA kernels), gathered by name in ``numpy/kernels.py`` and
    # ``cuda/kernels.py`` with the same signatures; a backend names its table in ``_kernels``.
    # Delegating here keeps one signature per function.
    _kernels = None

    def activation_forward(self, name, x, alpha=None):
        """Elementwise activation ``name`` applied to ``x``."""
        return self._kernels.activation_forward(name, x, alpha)

    def activation_backward(self, name, x, y, dy, alpha=None):
        """``dy * f'(x)``; ``y`` is the forward output."""
        return self._kernels.activation_backward(name, x, y, dy, alpha)

    def bias_activation_forward(self, name, z, bias, alpha=None):
        """Dense epilogue ``y = f(z + bias)`` in one pass: ``(pre, y)``, pre None when the
        backward needs only y. ``z`` (a fresh GEMM output) may be overwritten."""
        return self._kernels.bias_activation_forward(name, z, bias, alpha)

    def bias_activation_backward(self, name, x, y, dy, alpha=None, need_bias=True):
        """``(dz, db)``: ``dy * f'(x)`` and its sum over rows, in one pass."""
        return self._kernels.bias_activation_backward(name, x, y, dy, alpha, need_bias)

    def im2col(self, x, ks, strides, dils, pads, outs):
        """Convolution window matrix ``(B * prod(outs), prod(ks) * C)`` of channels_last x."""
        return self._kernels.im2col(x, ks, strides, dils, pads, outs)

    def col2im(self, cols, x_shape, ks, strides, dils, pads, outs):
        """Transpose of ``im2col`` for offset-major cols ``(prod(ks), B * prod(outs), C)``."""
        return self._kernels.col2im(cols, x_shape, ks, strides, dils, pads, outs)

    def max_pool_forward(self, x, ks, strides, pads, outs):
        """Max pooling of channels_last x (NaN-propagating, padding as -inf)."""
        return self._kernels.max_pool_forward(x, ks, strides, pads, outs)

    def max_pool_backward(self, g, x, y, ks, strides, pads, outs):
        """Gradient of max pooling: each window's g to its first maximal offset."""
        return self._kernels.max_pool_backward(g, x, y, ks, strides, pads, outs)

    def softmax_forward(self, x):
        """Softmax over the last axis."""
        return self._kernels.softmax_forward(x)

    def softmax_backward(self, y, dy):
        """Gradient of softmax over the last axis given its output ``y``."""
        return self._kernels.softmax_backward(y, dy)

    def log_softmax_forward(self, x):
        """Log-softmax over the last axis."""
        return self._kernels.log_softmax_forward(x)

    def log_softmax_backward(self, y, dy):
        """Gradient of log-softmax given its output ``y``."""
        return self._kernels.log_softmax_backward(y, dy)

    def loss_forward_backward(self, name, y_true, y_pred, from_logits=False, label_smoothing=0.0,
                              delta=1.0, need_grad=True):
        """Per-sample loss and its gradient with respect to ``y_pred`` in one pass."""
        return self._kernels.loss_forward_backward(
            name, y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing,
            delta=delta, need_grad=need_grad)

    def sparse_softmax_cross_entropy(self, logits, labels, need_grad=True):
        """Fused softmax + cross-entropy with integer labels: (loss per row, d logits)."""
        return self._kernels.sparse_softmax_cross_entropy(logits, labels, need_grad=need_grad)

    def sum_batch(self, x):
        """Sum over axis 0 (bias gradients)."""
        return self._kernels.sum_batch(x)

    def row_max(self, x):
        """Max over the last axis."""
        return self._kernels.row_max(x)

    def row_argmax(self, x):
        """Argmax over the last axis."""
        return self._kernels.row_argmax(x)

    def logsumexp(self, x):
        """Stable log-sum-exp over the last axis."""
        return self._kernels.logsumexp(x)

    def global_l2_norm(self, arrays):
        """sqrt of the sum of squares of every array in ``arrays`` (0-d, stays on the device)."""
        return self._kernels.global_l2_norm(arrays)

    def accuracy_count(self, y_true, y_pred, kind, threshold=0.5):
        """Number of correct predictions (0-d int64, stays on the device)."""
        return self._kernels.accuracy_count(y_true, y_pred, kind, threshold)

    def __repr__(self):
        return f"<{type(self).__name__} device={self.device!r}>"


def _backend_of_device(device):
    from .selection import get_backend

    return get_backend(device)
