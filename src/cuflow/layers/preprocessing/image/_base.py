"""What the image preprocessing layers share: data_format handling, float casting, seeds."""

from __future__ import annotations

import numpy as np

from .... import ops
from .... import random as cf_random
from ...input_conversion import as_input_tensor
from ...layer import Layer


def check_format(owner, data_format):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: data_format must be 'channels_last' or 'channels_first'; "
                         f"received {data_format!r}")
    return data_format


def check_choice(owner, name, value, choices):
    if value not in choices:
        raise ValueError(f"{owner}: {name} must be one of {choices}; received {value!r}")
    return value


def positive_int(owner, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int; received {value!r}")
    return int(value)


def factor_range(owner, name, factor, lower_bound=None):
    """Keras's factor argument: a number f means (-f, f), a pair means (lower, upper)."""
    if isinstance(factor, (int, float, np.integer, np.floating)) and not isinstance(factor,
                                                                                    bool):
        lo, hi = -abs(float(factor)), abs(float(factor))
    elif isinstance(factor, (list, tuple)) and len(factor) == 2:
        lo, hi = float(factor[0]), float(factor[1])
    else:
        raise ValueError(f"{owner}: {name} must be a number or a pair (lower, upper); received "
                         f"{factor!r}")
    if lo > hi:
        raise ValueError(f"{owner}: {name} lower bound {lo} is above its upper bound {hi}")
    if lower_bound is not None and lo < lower_bound:
        raise ValueError(f"{owner}: {name} must be >= {lower_bound}; received {factor!r}")
    return lo, hi


def is_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def as_float(x):
    x = as_input_tensor(x)
    return x if x.dtype.kind == "f" else ops.cast(x, "float32")


def number_or_list(value):
    arr = np.asarray(value, dtype="float64")
    return float(arr) if arr.ndim == 0 else arr.tolist()



class ImageLayer(Layer):
    """Base: ``call`` sees (B, H, W, C) float tensors whatever the data format or batching."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_format(type(self).__name__, data_format)

    def _to_bhwc(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) expects images of '
                             f"rank 3 (H, W, C) or 4 (B, H, W, C); received shape "
                             f"{tuple(x.shape)}")
        if x.dtype.kind != "f":
            x = ops.cast(x, "float32")
        unbatched = x.ndim == 3
        if unbatched:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        return x, unbatched

    def _from_bhwc(self, x, unbatched):
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        return ops.squeeze(x, 0) if unbatched else x

    def _spatial(self, shape):
        """(H, W) of an input shape in this layer's data format, batched or not."""
        shape = tuple(shape)
        if self.data_format == "channels_first":
            return shape[-2], shape[-1]
        return shape[-3], shape[-2]

    def _with_spatial(self, shape, h, w):
        shape = list(shape)
        if self.data_format == "channels_first":
            shape[-2], shape[-1] = h, w
        else:
            shape[-3], shape[-2] = h, w
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class RandomImageLayer(ImageLayer):
    """Base of the random augmentations: identity unless called with ``training=True``.

    Per-batch parameters are drawn on the host (a few numbers per image) from a generator
    seeded by ``seed``, or from cuflow's host generator so ``set_random_seed`` reproduces them.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"{type(self).__name__}: seed must be a non-negative int or None; "
                             f"received {seed!r}")
        self.seed = seed
        self._rng = None

    @property
    def rng(self):
        if self._rng is None:
            self._rng = np.random.default_rng(
                self.seed if self.seed is not None else cf_random.host_rng().integers(2**63))
        return self._rng

    def call(self, inputs, training=None):
        if not training:
            return inputs
        x, unbatched = self._to_bhwc(inputs)
        return self._from_bhwc(self.augment(x), unbatched)

    def augment(self, x):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
