"""``Hashing``: hash values into bins (TensorFlow's FarmHash / SipHash buckets), with Keras 3
semantics.

They compute on the host (see ``_categorical_utils``) and return Tensors on the device of a
Tensor input, else on the current device.
"""

from __future__ import annotations

import numpy as np

from ...layer import Layer
from . import _categorical_utils as U


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
        U.check_output_mode("Hashing", output_mode, ("int",) + U.ENCODINGS)
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
