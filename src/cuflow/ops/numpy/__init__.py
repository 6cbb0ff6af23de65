"""``keras.ops.numpy``: the NumPy-style API, one file per topic."""

from . import (
    arithmetic,
    bitwise,
    complex_parts,
    counting,
    creation,
    functional,
    indexing,
    logic,
    matrix,
    nan_reductions,
    products,
    rearranging,
    reductions,
    sets,
    shape,
    sorting,
    special,
    splitting,
    statistics,
    trigonometry,
    windows,
)
from .arithmetic import *  # noqa: F403
from .bitwise import *  # noqa: F403
from .complex_parts import *  # noqa: F403
from .counting import *  # noqa: F403
from .creation import *  # noqa: F403
from .functional import *  # noqa: F403
from .indexing import *  # noqa: F403
from .logic import *  # noqa: F403
from .matrix import *  # noqa: F403
from .nan_reductions import *  # noqa: F403
from .products import *  # noqa: F403
from .rearranging import *  # noqa: F403
from .reductions import *  # noqa: F403
from .sets import *  # noqa: F403
from .shape import *  # noqa: F403
from .sorting import *  # noqa: F403
from .special import *  # noqa: F403
from .splitting import *  # noqa: F403
from .statistics import *  # noqa: F403
from .trigonometry import *  # noqa: F403
from .windows import *  # noqa: F403

_TOPICS = (arithmetic, bitwise, complex_parts, counting, creation, functional, indexing, logic,
           matrix, nan_reductions, products, rearranging, reductions, sets, shape, sorting,
           special, splitting, statistics, trigonometry, windows)
__all__ = [name for topic in _TOPICS for name in topic.__all__]
