"""Process-wide state that ``clear_session`` resets, kept at the bottom of the stack so every
layer above may use it (as Keras keeps it in ``keras/src/backend/common/global_state.py``).

Today it holds the counters behind unique object names ("dense", "dense_1", ...), which
``cuflow.layers`` draws from; ``clear_session`` forgets them, so the next Dense is "dense" again.
"""

from __future__ import annotations

_STATE: dict = {}


def get_global_attribute(name, default=None, set_to_default=False):
    """The value stored under ``name``; ``default`` when there is none (and stored as the value
    when ``set_to_default``, so a mutable default is shared by later calls)."""
    if name in _STATE:
        return _STATE[name]
    if set_to_default:
        _STATE[name] = default
    return default


def set_global_attribute(name, value) -> None:
    _STATE[name] = value


def clear_session() -> None:
    """Forget every global attribute (``keras.backend.clear_session``): issued names among them."""
    _STATE.clear()
