"""``pad_sequences``: lists of sequences to one padded array, as ``keras.utils.pad_sequences``."""

from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (and truncate) ``sequences`` to a ``(num_samples, maxlen) + sample_shape`` array.

    ``maxlen`` defaults to the longest sequence. ``truncating`` / ``padding`` ("pre" or "post")
    say which end loses or gains entries. The sample shape (trailing dimensions of each step) is
    taken from the first non-empty sequence; every other one must match it. Strings need
    ``dtype=object`` (variable length) or a NumPy string dtype.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)

    Deviation: ``maxlen=0`` gives an all-padding ``(num_samples, 0)`` array (Keras raises a
    broadcasting error there), and no sequences at all give shape ``(0, maxlen or 0)``.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    num_samples = len(sequences)
    lengths = []
    sample_shape = ()
    found = False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: "
                             f"{x!s}") from e
        if not found and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found = True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    elif isinstance(maxlen, bool) or int(maxlen) != maxlen or maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative int or None; received {maxlen!r}")
    maxlen = int(maxlen)
    is_dtype_str = dtype is not object and np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         f"You should set `dtype=object` for variable length strings.")
    out = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for idx, s in enumerate(sequences):
        if not len(s):
            continue  # an empty sequence stays all padding
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if dtype is object:  # keep each element as the object it is (no NumPy coercion)
            items = list(trunc)
            arr = np.empty((len(items),) + sample_shape, dtype=object)
            if sample_shape:
                arr[...] = np.asarray(items, dtype=object).reshape(arr.shape)
            else:
                arr[:] = items
            trunc = arr
        else:
            trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} "
                             f"is different from expected shape {sample_shape}")
        if padding == "post":
            out[idx, :len(trunc)] = trunc
        else:
            out[idx, -len(trunc):] = trunc
    return out
