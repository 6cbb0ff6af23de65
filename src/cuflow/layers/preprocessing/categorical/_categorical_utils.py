"""Shared pieces of the categorical / text preprocessing layers (``StringLookup``,
``IntegerLookup``, ``Hashing``, ``CategoryEncoding``, ``Discretization``,
``TextVectorization``).

These layers work on host data: strings cannot live on a GPU, and a vocabulary lookup is a
hash-table walk, not array math. Inputs (NumPy arrays of str / object / bytes, Python lists, or
cuflow Tensors of numbers) are brought to the host, looked up with NumPy, and the result comes
back as a cuflow Tensor on the current device, or on the device of a Tensor input.

The two string hashes TensorFlow uses are implemented here bit for bit and checked against
published test vectors (tests/layers/preprocessing/categorical/test_categorical_utils.py):

- ``fingerprint64``: FarmHash ``Fingerprint64`` (farmhashna::Hash64), what
  ``tf.strings.to_hash_bucket_fast`` hashes with (Keras ``Hashing`` without a salt, and the
  OOV buckets of ``StringLookup`` with ``num_oov_indices > 1``);
- ``siphash24``: SipHash-2-4 keyed by two 64-bit words, what ``tf.strings.to_hash_bucket_strong``
  hashes with (Keras ``Hashing(salt=...)``).
"""

from __future__ import annotations

import numpy as np

from ....tensor import Tensor

ENCODINGS = ("one_hot", "multi_hot", "count")

_M64 = (1 << 64) - 1

# ---- FarmHash Fingerprint64 ----------------------------------------------------------------
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _rotr(v, s):
    return ((v >> s) | (v << (64 - s))) & _M64


def _shift_mix(v):
    return v ^ (v >> 47)


def _u64(b, i):
    return int.from_bytes(b[i:i + 8], "little")


def _u32(b, i):
    return int.from_bytes(b[i:i + 4], "little")


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _M64
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M64
    b ^= b >> 47
    return (b * mul) & _M64


def _len0to16(s, n):
    if n >= 8:
        mul = _K2 + n * 2
        a = (_u64(s, 0) + _K2) & _M64
        b = _u64(s, n - 8)
        c = (_rotr(b, 37) * mul + a) & _M64
        d = ((_rotr(a, 25) + b) * mul) & _M64
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        return _hash_len16((n + (_u32(s, 0) << 3)) & _M64, _u32(s, n - 4), mul)
    if n > 0:
        y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M64) * _K2) & _M64
    return _K2


def _len17to32(s, n):
    mul = _K2 + n * 2
    a = (_u64(s, 0) * _K1) & _M64
    b = _u64(s, 8)
    c = (_u64(s, n - 8) * mul) & _M64
    d = (_u64(s, n - 16) * _K2) & _M64
    return _hash_len16((_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64,
                       (a + _rotr((b + _K2) & _M64, 18) + c) & _M64, mul)


def _len33to64(s, n):
    mul = _K2 + n * 2
    a = (_u64(s, 0) * _K2) & _M64
    b = _u64(s, 8)
    c = (_u64(s, n - 8) * mul) & _M64
    d = (_u64(s, n - 16) * _K2) & _M64
    y = (_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64
    z = _hash_len16(y, (a + _rotr((b + _K2) & _M64, 18) + c) & _M64, mul)
    e = (_u64(s, 16) * mul) & _M64
    f = _u64(s, 24)
    g = ((y + _u64(s, n - 32)) * mul) & _M64
    h = ((z + _u64(s, n - 24)) * mul) & _M64
    return _hash_len16((_rotr((e + f) & _M64, 43) + _rotr(g, 30) + h) & _M64,
                       (e + _rotr((f + a) & _M64, 18) + g) & _M64, mul)


def _weak32(s, i, a, b):
    w, x, y, z = _u64(s, i), _u64(s, i + 8), _u64(s, i + 16), _u64(s, i + 24)
    a = (a + w) & _M64
    b = _rotr((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rotr(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def fingerprint64(data: bytes) -> int:
    """FarmHash ``Fingerprint64`` of ``data`` as an unsigned 64-bit int (TensorFlow's
    ``Fingerprint64``, BigQuery's ``FARM_FINGERPRINT`` read unsigned)."""
    s, n = bytes(data), len(data)
    if n <= 16:
        return _len0to16(s, n)
    if n <= 32:
        return _len17to32(s, n)
    if n <= 64:
        return _len33to64(s, n)
    seed = 81
    y = (seed * _K1 + 113) & _M64
    z = (_shift_mix((y * _K2 + 113) & _M64) * _K2) & _M64
    v0 = v1 = w0 = w1 = 0
    x = (seed * _K2 + _u64(s, 0)) & _M64
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    i = 0
    while True:
        x = (_rotr((x + y + v0 + _u64(s, i + 8)) & _M64, 37) * _K1) & _M64
        y = (_rotr((y + v1 + _u64(s, i + 48)) & _M64, 42) * _K1) & _M64
        x ^= w1
        y = (y + v0 + _u64(s, i + 40)) & _M64
        z = (_rotr((z + w0) & _M64, 33) * _K1) & _M64
        v0, v1 = _weak32(s, i, (v1 * _K1) & _M64, (x + w0) & _M64)
        w0, w1 = _weak32(s, i + 32, (z + w1) & _M64, (y + _u64(s, i + 16)) & _M64)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    i = last64
    w0 = (w0 + ((n - 1) & 63)) & _M64
    v0 = (v0 + w0) & _M64
    w0 = (w0 + v0) & _M64
    x = (_rotr((x + y + v0 + _u64(s, i + 8)) & _M64, 37) * mul) & _M64
    y = (_rotr((y + v1 + _u64(s, i + 48)) & _M64, 42) * mul) & _M64
    x ^= (w1 * 9) & _M64
    y = (y + v0 * 9 + _u64(s, i + 40)) & _M64
    z = (_rotr((z + w0) & _M64, 33) * mul) & _M64
    v0, v1 = _weak32(s, i, (v1 * mul) & _M64, (x + w0) & _M64)
    w0, w1 = _weak32(s, i + 32, (z + w1) & _M64, (y + _u64(s, i + 16)) & _M64)
    z, x = x, z
    return _hash_len16((_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _M64,
                       (_hash_len16(v1, w1, mul) + x) & _M64, mul)


# ---- SipHash-2-4 ---------------------------------------------------------------------------
def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 of ``data`` keyed by the 64-bit words ``(k0, k1)`` (unsigned 64-bit int)."""
    v0 = 0x736F6D6570736575 ^ k0
    v1 = 0x646F72616E646F6D ^ k1
    v2 = 0x6C7967656E657261 ^ k0
    v3 = 0x7465646279746573 ^ k1

    def rounds(k, v0, v1, v2, v3):
        for _ in range(k):
            v0 = (v0 + v1) & _M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3

    data = bytes(data)
    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v3 ^= m
        v0, v1, v2, v3 = rounds(2, v0, v1, v2, v3)
        v0 ^= m
    last = ((n & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v3 ^= last
    v0, v1, v2, v3 = rounds(2, v0, v1, v2, v3)
    v0 ^= last
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(4, v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


# ---- host data -----------------------------------------------------------------------------
def is_string_array(arr):
    return isinstance(arr, np.ndarray) and arr.dtype.kind in "USO"


def host(x, layer, what="inputs"):
    """``x`` as a NumPy array on the host, and the device its output should go to."""
    if type(x).__name__ == "KerasTensor":
        raise TypeError(f'layer "{layer.name}" ({type(layer).__name__}): cannot compute on a '
                        f"symbolic input here")
    if isinstance(x, Tensor):
        return x.numpy(), x.device
    if hasattr(x, "__cuda_array_interface__"):
        t = Tensor(x)
        return t.numpy(), t.device
    try:
        arr = np.asarray(x)
    except ValueError as e:
        raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}) could not make an '
                         f"array of its {what}: {e} (ragged inputs are not supported; pad them "
                         f"to one length)") from None
    return arr, None


def to_text(value, encoding="utf-8"):
    """One string token as ``str`` (bytes are decoded)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode(encoding)
    return str(value)


def string_array(arr, layer, encoding="utf-8"):
    """An object array of ``str`` from strings / bytes; anything else is refused."""
    if arr.dtype.kind == "U":
        return arr.astype(object)
    if arr.dtype.kind == "S":
        return np.vectorize(lambda b: b.decode(encoding), otypes=[object])(arr) if arr.size \
            else arr.astype(object)
    if arr.dtype.kind == "O":
        flat = arr.reshape(-1)
        bad = [v for v in flat if not isinstance(v, (str, bytes, np.str_, np.bytes_))]
        if bad:
            raise TypeError(f'layer "{layer.name}" ({type(layer).__name__}) expected string '
                            f"inputs; received an object array holding "
                            f"{type(bad[0]).__name__} ({bad[0]!r})")
        out = np.empty(arr.shape, dtype=object)
        out.reshape(-1)[:] = [to_text(v, encoding) for v in flat]
        return out
    raise TypeError(f'layer "{layer.name}" ({type(layer).__name__}) expected string inputs '
                    f"(str / bytes, as a NumPy array or list); received an array of dtype "
                    f"{arr.dtype}")


def to_device(arr, device):
    """A cuflow Tensor of the host array ``arr`` on ``device`` (None: the current device)."""
    return Tensor(np.ascontiguousarray(arr), device=device)


def encode_categorical(indices, output_mode, depth, layer, count_weights=None):
    """``one_hot`` / ``multi_hot`` / ``count`` of integer ``indices`` (host, float32).

    As Keras: ``one_hot`` encodes every element (a last axis of size 1 is replaced by the
    encoding, otherwise one is appended); ``multi_hot`` and ``count`` treat the last axis as the
    sample. Indices outside ``[0, depth)`` are dropped (the lookups use -1 for the mask token).
    """
    indices = np.asarray(indices, dtype=np.int64)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        out = np.zeros(indices.shape + (depth,), dtype=np.float32)
        valid = (indices >= 0) & (indices < depth)
        idx = np.nonzero(valid)
        out[idx + (indices[valid],)] = 1.0
        return out
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if indices.ndim > 2:
        raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}): output_mode='
                         f'"{output_mode}" supports inputs of rank 1 or 2; received shape '
                         f"{indices.shape}")
    lead = indices.shape[:-1]
    flat = indices.reshape(-1, indices.shape[-1])
    out = np.zeros((flat.shape[0], depth), dtype=np.float32)
    rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
    cols = flat.reshape(-1)
    valid = (cols >= 0) & (cols < depth)
    if output_mode == "multi_hot":
        out[rows[valid], cols[valid]] = 1.0
    else:  # count
        w = np.ones(cols.shape, dtype=np.float32) if count_weights is None else \
            np.asarray(count_weights, dtype=np.float32).reshape(-1)
        np.add.at(out, (rows[valid], cols[valid]), w[valid])
    return out.reshape(lead + (depth,))


def encoded_shape(input_shape, output_mode, depth):
    """Output shape of ``encode_categorical`` for an input shape (None for unknown sizes)."""
    shape = tuple(input_shape)
    if output_mode == "int":
        return shape
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (depth,)
        return shape + (depth,)
    return shape[:-1] + (depth,)


def check_output_mode(layer_name, output_mode, allowed):
    if not isinstance(output_mode, str) or output_mode not in allowed:
        raise ValueError(f"{layer_name}: output_mode must be one of "
                         f"{', '.join(repr(a) for a in allowed)}; received {output_mode!r}")


def refuse_sparse(layer_name, sparse=False, ragged=False):
    if sparse:
        raise ValueError(f"{layer_name}: sparse=True is not supported by cuflow (outputs are "
                         f"dense Tensors); received sparse={sparse!r}, expected sparse=False")
    if ragged:
        raise ValueError(f"{layer_name}: ragged=True is not supported by cuflow (outputs are "
                         f"dense, padded Tensors); received ragged={ragged!r}, expected "
                         f"ragged=False")


def positive_int(layer_name, arg, value, minimum=1, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{layer_name}: {arg} must be an int >= {minimum}"
                         f"{' or None' if allow_none else ''}; received {value!r}")
    return int(value)


def batches(data, steps):
    """(batch, is_the_whole_dataset) pairs: an array / list is one dataset whose 1-D form is
    one token per document; an iterable yields batches (a 1-D batch is one document)."""
    if isinstance(data, (np.ndarray, list, tuple, Tensor, str, bytes)):
        yield data, True
        return
    if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
        n = len(data) if steps is None else min(int(steps), len(data))
        items = (data[i] for i in range(n))
    elif hasattr(data, "__iter__"):
        items = iter(data)
        if steps is not None:
            items = (b for _, b in zip(range(int(steps)), items))
    else:
        yield data, True
        return
    for batch in items:
        if isinstance(batch, tuple):  # (x, y) batches: adapt on x
            batch = batch[0]
        yield batch, False
