"""``StringLookup``: map strings to vocabulary indices (or back, with ``invert=True``), with
Keras 3 semantics; the index layout is ``IndexLookup``'s."""

from __future__ import annotations

import numpy as np

from . import _categorical_utils as U
from .index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Map strings to integer indices from a vocabulary (``invert=True``: indices to strings).

    As ``keras.layers.StringLookup``: ``max_tokens``, ``num_oov_indices`` (several OOV slots
    are chosen by FarmHash Fingerprint64 of the token, as TensorFlow does), ``mask_token``,
    ``oov_token="[UNK]"``, ``vocabulary``, ``idf_weights``, ``invert``, ``output_mode`` in
    {"int", "one_hot", "multi_hot", "count", "tf_idf"}, ``pad_to_max_tokens``, ``encoding``.
    Inputs are host strings (NumPy arrays of str / bytes / object, or lists). ``invert=True``
    returns a NumPy object array of str (strings cannot live on a device).
    """

    _kind = "token"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding or "utf-8"
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, **kwargs)

    def _check_special(self, token, arg):
        if token is None:
            return None
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        if not isinstance(token, str):
            raise TypeError(f"StringLookup: {arg} must be a string or None; received "
                            f"{type(token).__name__} ({token!r})")
        return token

    def _tokens_from(self, arr, what):
        if self.invert and what == "inputs":
            return arr.tolist()
        if not U.is_string_array(arr):
            raise TypeError(f'layer "{self.name}" (StringLookup) expected string {what} '
                            f"(str / bytes); received an array of dtype {arr.dtype}"
                            + ("; use IntegerLookup for integer tokens"
                               if arr.dtype.kind in "iub" else ""))
        return U.string_array(arr, self, self.encoding).tolist()

    def _oov_bucket(self, token):
        return U.fingerprint64(token.encode(self.encoding)) % self.num_oov_indices

    def _inverted_output(self, values, shape, device):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) if self.invert else super().compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}
