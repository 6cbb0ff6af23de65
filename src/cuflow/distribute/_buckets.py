"""One contiguous buffer per dtype for many arrays: one collective call instead of one per
array (latency, not bandwidth, dominates small all-reduces).

The layout (dtype groups in sorted dtype-name order, arrays in list order within a group) is a
pure function of the arrays' dtypes and shapes, so every rank builds the same layout from the
same model without talking to the others.
"""

from __future__ import annotations

import numpy as np


def layout(arrays):
    """``[(dtype_name, [(index, shape, offset, size), ...], total), ...]`` for the non-None
    entries of ``arrays``; offsets count elements within the dtype's buffer."""
    groups = {}
    for i, a in enumerate(arrays):
        if a is None:
            continue
        groups.setdefault(np.dtype(a.dtype).name, []).append(i)
    out = []
    for name in sorted(groups):
        entries, offset = [], 0
        for i in groups[name]:
            shape = tuple(int(s) for s in arrays[i].shape)
            size = int(np.prod(shape, dtype=np.int64))
            entries.append((i, shape, offset, size))
            offset += size
        out.append((name, entries, offset))
    return out


def pack(xp, arrays, entries, buf, scale=None):
    """Copy (times ``scale``) each array of ``entries`` into its slice of ``buf``."""
    for i, _shape, offset, size in entries:
        dst = buf[offset:offset + size]
        src = arrays[i].reshape(-1)
        if scale is None:
            dst[...] = src
        else:
            xp.multiply(src, scale, out=dst)
    return buf


def unpack(buf, entries, out):
    """Views of ``buf`` shaped like the packed arrays, written into the list ``out``."""
    for i, shape, offset, size in entries:
        out[i] = buf[offset:offset + size].reshape(shape)
    return out
