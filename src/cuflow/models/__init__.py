"""Models: ``Sequential``, functional ``Model(inputs, outputs)``, subclassed ``Model``."""

from ..trainers import seams as _seams
from ..trainers.trainer import NotCompiledError
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    return _seams.saving().load_model(filepath, custom_objects=custom_objects,
                                      compile=compile, safe_mode=safe_mode)


def _register():
    import sys

    from ..registration import register_builtin_module

    register_builtin_module(sys.modules[__name__])  # configs may name these classes


_register()
del _register
