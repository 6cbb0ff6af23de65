"""Unique, Keras-style layer and model names ("dense", "dense_1", ...)."""

from __future__ import annotations

import re
from collections import defaultdict

_counts: dict = defaultdict(int)


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    n = _counts[base]
    _counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset() -> None:
    """Forget issued names (``cuflow.backend.clear_session``)."""
    _counts.clear()
