"""``keras.ops.nn``: activations, dense, dropout and noise, attention, normalization, encodings
and the cross-entropies, one file per topic."""

from . import activations, attention, crossentropy, encoding, linear, noise, normalization, patches
from .activations import *  # noqa: F403
from .attention import *  # noqa: F403
from .crossentropy import *  # noqa: F403
from .encoding import *  # noqa: F403
from .linear import *  # noqa: F403
from .noise import *  # noqa: F403
from .normalization import *  # noqa: F403
from .patches import *  # noqa: F403

__all__ = [name for topic in (activations, attention, crossentropy, encoding, linear, noise,
                              normalization, patches) for name in topic.__all__]
