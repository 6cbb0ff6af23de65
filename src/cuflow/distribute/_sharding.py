"""Which rows of each global batch this rank trains on.

The global batch is what ``fit(batch_size=...)`` (or one ``Sequence`` item) holds; rank ``r`` of
``N`` takes a contiguous block of it: ``B // N`` rows, plus one for the first ``B % N`` ranks.
Every rank sees the same global batch because they share the shuffle: the host generator's
state is broadcast from rank 0 right before each epoch's permutation is drawn.
"""

from __future__ import annotations

import numpy as np


def shard_bounds(lo, hi, rank, size):
    """Rows ``[lo, hi)`` of a global batch -> this rank's ``(start, stop)`` (maybe empty)."""
    n = hi - lo
    base, extra = divmod(n, size)
    start = lo + rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class Shard:
    """The sharding hook ``ArrayData`` / ``SequenceData`` call (``data.shard``)."""

    def __init__(self, collective):
        self.collective = collective
        self.rank, self.size = collective.rank, collective.size

    def bounds(self, lo, hi):
        return shard_bounds(lo, hi, self.rank, self.size)

    def sync_host_rng(self):
        """Give every rank rank 0's host generator state (one small broadcast per epoch), so the
        permutation drawn next is the same everywhere and equals a one-process run's."""
        from .. import random as cf_random

        gen = cf_random.host_rng()
        gen.bit_generator.state = self.collective.bcast_obj(gen.bit_generator.state)

    def cut(self, x, y, sw):
        """This rank's rows of one batch from a Sequence / generator (host or device arrays)."""
        from ..tree import flatten as _flatten
        from ..tree import map_structure

        leaves = _flatten(x)
        if not leaves:
            return x, y, sw
        start, stop = self.bounds(0, int(np.shape(leaves[0])[0]))

        def take(a):
            return a[start:stop]

        return (map_structure(take, x), None if y is None else map_structure(take, y),
                None if sw is None else take(sw))
