"""``set_random_seed``: the tf.keras entry point to cuflow's single seeding point."""

from __future__ import annotations

from .. import random as _random


def set_random_seed(seed):
    """Seed Python, NumPy, the host generator of the initializers and every device backend."""
    _random.set_seed(seed)
