"""Unique, Keras-style layer and model names ("dense", "dense_1", ...)."""

from __future__ import annotations

import re
from collections import defaultdict

from ..backend import global_state

# the counters live in the backend's global state: cuflow.backend.clear_session forgets them
_UIDS = "object_name_uids"


def _counts() -> dict:
    return global_state.get_global_attribute(_UIDS, defaultdict(int), set_to_default=True)


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    counts = _counts()
    n = counts[base]
    counts[base] += 1
    return base if n == 0 else f"{base}_{n}"
