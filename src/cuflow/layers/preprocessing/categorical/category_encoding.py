"""``CategoryEncoding``: integer categories as one-hot, multi-hot or count vectors, with Keras 3
semantics.

They compute on the host (see ``_categorical_utils``) and return Tensors on the device of a
Tensor input, else on the current device.
"""

from __future__ import annotations

import numpy as np

from ...layer import Layer
from . import _categorical_utils as U


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
        U.check_output_mode("CategoryEncoding", output_mode, U.ENCODINGS)
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
