"""``Hashing``, ``CategoryEncoding`` and ``Discretization`` with Keras 3 semantics.

They compute on the host (see ``_categorical_utils``) and return Tensors on the device of a
Tensor input, else on the current device: int64 for ``output_mode="int"``, float32 encodings
otherwise. None has weights; their state (bin boundaries) is in ``get_config()``.
"""

from __future__ import annotations

import numpy as np

from . import _categorical_utils as U
from .base import Layer
from .lookup import _batches

ENCODINGS = ("one_hot", "multi_hot", "count")


class Hashing(Layer):
    """Hash strings or integers into ``num_bins`` buckets (the "hashing trick").

    Bucket assignments equal TensorFlow's / Keras's: without ``salt`` the hash is FarmHash
    ``Fingerprint64`` (``tf.strings.to_hash_bucket_fast``); with ``salt`` (an int, used as
    ``[salt, salt]``, or a pair of ints) it is SipHash-2-4 keyed by the salt
    (``tf.strings.to_hash_bucket_strong``). Integers are hashed as their decimal strings and
    floats are first truncated to int64, as Keras does. With ``mask_value`` set, inputs equal to
    it go to bucket 0 and the rest to ``1 .. num_bins - 1``.

    ``output_mode``: "int" (bucket indices), "one_hot", "multi_hot" or "count" (float32).
    """

    _single_input = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        self.num_bins = U.positive_int("Hashing", "num_bins", num_bins)
        U.check_output_mode("Hashing", output_mode, ("int",) + ENCODINGS)
        U.refuse_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            elif isinstance(salt, (list, tuple)) and len(salt) == 2 and all(
                    isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in salt):
                salt = [int(s) for s in salt]
            else:
                raise ValueError(f"Hashing: salt must be None, an int, or a pair of ints; "
                                 f"received salt={salt!r}")
            if any(not 0 <= s < 2 ** 64 for s in salt):
                raise ValueError(f"Hashing: salt values must be unsigned 64-bit ints; received "
                                 f"salt={salt!r}")
        if isinstance(mask_value, bytes):
            mask_value = mask_value.decode()
        if mask_value is not None and not isinstance(mask_value, (str, int, np.integer)):
            raise TypeError(f"Hashing: mask_value must be a string, an int or None; received "
                            f"{type(mask_value).__name__} ({mask_value!r})")
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = False

    def _hash(self, token_bytes, bins):
        if self.salt is None:
            return U.fingerprint64(token_bytes) % bins
        return U.siphash24(self.salt[0], self.salt[1], token_bytes) % bins

    def call(self, inputs):
        arr, device = U.host(inputs, self)
        if U.is_string_array(arr):
            values = U.string_array(arr, self).reshape(-1).tolist()
            keys = [v.encode("utf-8") for v in values]
        elif arr.dtype.kind in "iuf":
            values = arr.astype(np.int64).reshape(-1).tolist()
            keys = [str(v).encode() for v in values]
        else:
            raise TypeError(f'layer "{self.name}" (Hashing) expected string or integer inputs; '
                            f"received an array of dtype {arr.dtype}")
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = np.fromiter((v == self.mask_value for v in values), dtype=bool,
                                 count=len(values))
        out = np.fromiter((self._hash(k, bins) for k in keys), dtype=np.int64, count=len(keys))
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        out = out.reshape(arr.shape)
        if self.output_mode != "int":
            out = U.encode_categorical(out, self.output_mode, self.num_bins, self)
        return U.to_device(out, device)

    def compute_output_shape(self, input_shape):
        return U.encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        mask = int(self.mask_value) if isinstance(self.mask_value, np.integer) else \
            self.mask_value
        return {**super().get_config(), "num_bins": self.num_bins, "mask_value": mask,
                "salt": self.salt, "output_mode": self.output_mode, "sparse": False}


class CategoryEncoding(Layer):
    """Encode integer categories in ``[0, num_tokens)``: "one_hot" (each element), "multi_hot"
    (1 for each category present in a sample, the last axis), or "count" (occurrences,
    optionally weighted by ``count_weights=`` at call time). Outputs float32."""

    _single_input = True

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        U.check_output_mode("CategoryEncoding", output_mode, ENCODINGS)
        if num_tokens is None:
            raise ValueError("CategoryEncoding: num_tokens must be set (an int >= 1); received "
                             "None. If the number of categories is not known, use "
                             "IntegerLookup")
        self.num_tokens = U.positive_int("CategoryEncoding", "num_tokens", num_tokens)
        U.refuse_sparse("CategoryEncoding", sparse)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs, count_weights=None):
        arr, device = U.host(inputs, self)
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                raise TypeError(f'layer "{self.name}" (CategoryEncoding) expected integer '
                                f"inputs; received non-integral values of dtype {arr.dtype}")
        elif arr.dtype.kind not in "iu":
            raise TypeError(f'layer "{self.name}" (CategoryEncoding) expected integer inputs; '
                            f"received an array of dtype {arr.dtype}")
        idx = arr.astype(np.int64)
        bad = idx[(idx < 0) | (idx >= self.num_tokens)]
        if bad.size:
            raise ValueError(f'layer "{self.name}" (CategoryEncoding) expected inputs in '
                             f"[0, {self.num_tokens}) (num_tokens={self.num_tokens}); received "
                             f"{sorted(set(bad.tolist()))[:10]}")
        weights = None
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f'layer "{self.name}" (CategoryEncoding): count_weights is '
                                 f'only used with output_mode="count"; received output_mode='
                                 f"{self.output_mode!r}")
            weights, _ = U.host(count_weights, self, "count_weights")
            if weights.shape != idx.shape:
                raise ValueError(f'layer "{self.name}" (CategoryEncoding): count_weights must '
                                 f"have the inputs' shape {idx.shape}; received "
                                 f"{weights.shape}")
        out = U.encode_categorical(idx, self.output_mode, self.num_tokens, self, weights)
        return U.to_device(out, device)

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and len(input_shape) == 1:
            return tuple(input_shape) + (self.num_tokens,)
        return U.encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": False}


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
        U.check_output_mode("Discretization", output_mode, ("int",) + ENCODINGS)
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
        for batch, _ in _batches(data, steps):
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
