"""``IntegerLookup``: map integers to vocabulary indices (or back, with ``invert=True``), with
Keras 3 semantics; the index layout is ``IndexLookup``'s."""

from __future__ import annotations

import numpy as np

from . import _categorical_utils as U
from .index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map integers to contiguous indices from a vocabulary (``invert=True``: back).

    As ``keras.layers.IntegerLookup``: ``max_tokens``, ``num_oov_indices`` (several OOV slots:
    ``token % num_oov_indices`` with ``oov_method="floormod"``, the default, or FarmHash of the
    decimal string with ``"farmhash"``), ``mask_token``, ``oov_token=-1``, ``vocabulary``,
    ``idf_weights``, ``invert``, ``output_mode``, ``pad_to_max_tokens``. Outputs go to the
    device of a Tensor input (else the current device).
    """

    _kind = "value"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 output_mode="int", sparse=False, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, pad_to_max_tokens=False, oov_method="floormod",
                 **kwargs):
        if vocabulary_dtype not in ("int64", "int32"):
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be 'int64' or 'int32'; "
                             f"received {vocabulary_dtype!r}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"IntegerLookup: oov_method must be 'floormod' or 'farmhash'; "
                             f"received {oov_method!r}")
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, **kwargs)

    def _check_special(self, token, arg):
        if token is None:
            return None
        if isinstance(token, bool) or not isinstance(token, (int, np.integer)):
            raise TypeError(f"IntegerLookup: {arg} must be an int or None; received "
                            f"{type(token).__name__} ({token!r})")
        return int(token)

    def _parse_file_lines(self, lines):
        try:
            return [int(v) for v in lines]
        except ValueError as e:
            raise ValueError(f"IntegerLookup.set_vocabulary: the vocabulary file must hold one "
                             f"integer a line: {e}") from None

    def _tokens_from(self, arr, what):
        if arr.dtype.kind not in "iu":
            raise TypeError(f'layer "{self.name}" (IntegerLookup) expected integer {what}; '
                            f"received an array of dtype {arr.dtype}"
                            + ("; use StringLookup for string tokens"
                               if arr.dtype.kind in "USO" else ""))
        return arr.astype(np.int64).tolist()

    def _oov_bucket(self, token):
        if self.oov_method == "farmhash":
            return U.fingerprint64(str(token).encode()) % self.num_oov_indices
        return token % self.num_oov_indices

    def _inverted_output(self, values, shape, device):
        return U.to_device(np.asarray(values, dtype=np.int64).reshape(shape), device)

    def get_config(self):
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype,
                "oov_method": self.oov_method}
