"""``GlobalMaxPooling1D``, ``GlobalMaxPooling2D``, ``GlobalMaxPooling3D`` (and the
``GlobalMaxPool*`` aliases)."""

from __future__ import annotations

from .base_pooling import _GlobalPooling


class GlobalMaxPooling1D(_GlobalPooling):
    rank, _reduce = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    rank, _reduce = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    rank, _reduce = 3, "max"


# Keras aliases
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
