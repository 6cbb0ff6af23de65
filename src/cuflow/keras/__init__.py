"""``cuflow.keras``: the same API under the path TensorFlow programs use, so that
``import tensorflow as tf; tf.keras.layers.Dense`` ports as ``import cuflow as tf`` and
``from tensorflow.keras.layers import Dense`` as ``from cuflow.keras.layers import Dense``.

``cuflow.keras.X.Y`` *is* the module ``cuflow.X.Y``: a small import hook hands back the real
module object, so classes are identical whichever path imported them.
"""

import importlib
import importlib.abc
import importlib.util
import sys

_PREFIX = __name__ + "."


class _AliasImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_PREFIX):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        # the real module; the import system keeps its own __name__ / __spec__ / __path__
        return importlib.import_module("cuflow." + spec.name[len(_PREFIX):])

    def exec_module(self, module):
        return None


if not any(isinstance(f, _AliasImporter) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasImporter())


def __getattr__(name):
    if name in ("Input", "Model", "Sequential", "version", "__version__"):
        import cuflow

        return getattr(cuflow, name)
    try:
        return importlib.import_module(f"cuflow.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'cuflow.keras' has no attribute {name!r}") from None
