"""Temporary instance-attribute patches, undone in reverse order.

Debug tools wrap bound methods on one object (a layer's ``call``, a backend's kernel methods)
by setting an instance attribute that shadows the class method; nothing global changes, and
undoing restores whatever instance attribute was there before, so patches nest.
"""

from __future__ import annotations

_MISSING = object()


class Patches:
    def __init__(self):
        self._undo = []

    def set(self, obj, name, value):
        before = obj.__dict__.get(name, _MISSING)
        setattr(obj, name, value)
        self._undo.append((obj, name, before))

    def undo(self):
        while self._undo:
            obj, name, before = self._undo.pop()
            if before is _MISSING:
                try:
                    delattr(obj, name)
                except AttributeError:
                    pass
            else:
                setattr(obj, name, before)


def kernel_names():
    """The custom-kernel functions every backend exposes (the NumPy twin module's public API)."""
    from ..backend.numpy import kernels as numpy_kernels

    return [n for n in numpy_kernels.__all__ if callable(getattr(numpy_kernels, n))]


def model_backend(model):
    """The backend holding the model's weights (the current device before build)."""
    from ..backend import get_backend, parse_device

    for w in model.weights:
        return w._backend
    return get_backend(parse_device(model.device))
