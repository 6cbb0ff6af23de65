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
    products,
    rearranging,
    reductions,
    shape,
    sorting,
    trigonometry,
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
from .products import *  # noqa: F403
from .rearranging import *  # noqa: F403
from .reductions import *  # noqa: F403
from .shape import *  # noqa: F403
from .sorting import *  # noqa: F403
from .trigonometry import *  # noqa: F403

__all__ = [name for topic in (arithmetic, bitwise, complex_parts, counting, creation, functional,
                              indexing, logic, matrix, products, rearranging, reductions, shape,
                              sorting, trigonometry) for name in topic.__all__]
