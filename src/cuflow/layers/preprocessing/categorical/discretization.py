"""``Discretization``: bucket numbers by bin boundaries (given, or adapted as quantiles), with
Keras 3 semantics.

They compute on the host (see ``_categorical_utils``) and return Tensors on the device of a
Tensor input, else on the current device. Its state (the bin boundaries) is in ``get_config()``.
"""

from __future__ import annotations

import numpy as np

from ...layer import Layer
from . import _categorical_utils as U


class Discretization(Layer):
    """Bucket numbers by ``bin_boundaries`` (``x < b[0]`` is bin 0, ``b[i-1] <= x < b[i]`` is
    bin i), or learn ``num_bins`` quantile bins with ``adapt(data)`` (Keras's approximate
    quantile summary, tolerance ``epsilon``). ``output_mode``: "int" (int64 bin indices),
    "one_hot", "multi_hot" or "count" (float32, ``len(bin_boundaries) + 1`` wide)."""

    _single_input = True

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        U.check_output_mode("Discretization", output_mode, ("int",) + U.ENCODINGS)
        U.refuse_sparse("Discretization", sparse)
        if num_bins is not None:
            num_bins = U.positive_int("Discretization", "num_bins", num_bins)
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Discretization: give num_bins (and call adapt) or "
                             f"bin_boundaries, not both; received num_bins={num_bins} and "
                             f"bin_boundaries={bin_boundaries!r}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: give bin_boundaries, or num_bins and call "
                             "adapt(data); received neither")
        if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
            raise ValueError(f"Discretization: epsilon must be in (0, 1); received {epsilon!r}")
        self.bin_boundaries = None if bin_boundaries is None else \
            self._check_boundaries(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = False

    @staticmethod
    def _check_boundaries(bounds):
        arr = np.asarray(bounds.numpy() if hasattr(bounds, "numpy") else bounds)
        if arr.dtype.kind not in "iuf" or arr.ndim != 1:
            raise ValueError(f"Discretization: bin_boundaries must be a 1-D list of numbers; "
                             f"received {bounds!r}")
        if np.any(np.diff(arr) < 0):
            raise ValueError(f"Discretization: bin_boundaries must be sorted in increasing "
                             f"order; received {arr.tolist()}")
        return [float(b) for b in arr]

    def adapt(self, data, batch_size=None, steps=None):
        """Learn ``num_bins`` quantile bins from ``data`` (an array, or an iterable of
        batches), as Keras's Discretization.adapt."""
        if self.num_bins is None:
            raise ValueError("Discretization.adapt: this layer was built with bin_boundaries; "
                             "create it with num_bins to adapt it")
        summary = np.zeros((2, 0), dtype=np.float32)
        seen = False
        for batch, _ in U.batches(data, steps):
            arr, _ = U.host(batch, self, "adapt data")
            if arr.dtype.kind not in "iuf":
                raise TypeError(f"Discretization.adapt expected numeric data; received an "
                                f"array of dtype {arr.dtype}")
            if arr.size == 0:
                continue
            seen = True
            summary = _merge_summaries(_summarize(arr.astype(np.float32), self.epsilon),
                                       summary, self.epsilon)
        if not seen:
            raise ValueError("Discretization.adapt: received no data")
        self.bin_boundaries = [float(b) for b in
                               _compress_summary(summary, 1.0 / self.num_bins)[0, :-1]]

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f'layer "{self.name}" (Discretization) has no bin boundaries yet: '
                             f"pass bin_boundaries=... or call adapt(data) before calling it")
        arr, device = U.host(inputs, self)
        if arr.dtype.kind not in "iufb":
            raise TypeError(f'layer "{self.name}" (Discretization) expected numeric inputs; '
                            f"received an array of dtype {arr.dtype}")
        bounds = np.asarray(self.bin_boundaries, dtype=np.float32)
        out = np.digitize(arr.astype(np.float32), bounds).astype(np.int64)
        if self.output_mode != "int":
            out = U.encode_categorical(out, self.output_mode, len(bounds) + 1, self)
        return U.to_device(out, device)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return U.encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": False}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bounds = config.pop("bin_boundaries")  # an adapted layer: both are set
            layer = cls(**config)
            layer.bin_boundaries = cls._check_boundaries(bounds)
            return layer
        return cls(**config)


# ---- Keras's approximate quantile summary (a 2 x n array: values, weights) ------------------
def _summarize(values, epsilon):
    values = np.sort(values.reshape(-1))
    increment = values.size / (1.0 / epsilon)
    step = max(increment, 1)
    bounds = values[int(increment)::int(step)]
    return np.stack([bounds, np.ones_like(bounds) * step])


def _merge_summaries(prev, nxt, epsilon):
    merged = np.concatenate((prev, nxt), axis=1)
    merged = np.take(merged, np.argsort(merged[0], kind="stable"), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    cum_pct = cum / cum[-1]
    new_bins = np.interp(percents, cum_pct, summary[0])
    cum = np.interp(percents, cum_pct, cum)
    weights = cum - np.concatenate((np.array([0.0]), cum[:-1]))
    return np.stack((new_bins, weights)).astype(np.float32)
