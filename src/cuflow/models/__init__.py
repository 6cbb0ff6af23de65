"""Models: ``Sequential``, functional ``Model(inputs, outputs)``, subclassed ``Model``."""

from .functional import Functional
from .model import Model
from .sequential import Sequential
from .trainer import NotCompiledError


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from .. import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


def clone_model(model, input_tensors=None, clone_function=None):
    from .. import saving

    return saving.clone_model(model, input_tensors=input_tensors, clone_function=clone_function)


def _register():
    import sys

    from ..registration import register_builtin_module

    register_builtin_module(sys.modules[__name__])  # configs may name these classes


_register()
del _register
