"""The NumPy kernel table (backend/numpy/kernels.py): every public function of the family
modules, by name, and nothing else; the objects are the family functions themselves."""

from __future__ import annotations

import inspect

from cuflow.backend import base
from cuflow.backend.numpy import activations, kernels, losses, reductions, rows, windows

FAMILIES = (activations, rows, losses, reductions, windows)


def _kernel_functions(module):
    """Functions defined in ``module`` whose name is a method of the Backend interface."""
    names = {n for n in dir(base.Backend) if not n.startswith("_")}
    return {n: f for n, f in vars(module).items()
            if inspect.isfunction(f) and f.__module__ == module.__name__ and n in names}


def test_table_holds_every_family_kernel_function():
    want = {}
    for module in FAMILIES:
        want.update(_kernel_functions(module))
    assert sorted(kernels.__all__) == sorted(want)
    for name, fn in want.items():
        assert getattr(kernels, name) is fn, name


def test_every_delegating_backend_method_has_a_kernel():
    delegating = [n for n, m in vars(base.Backend).items()
                  if inspect.isfunction(m) and "self._kernels." in inspect.getsource(m)]
    assert len(delegating) >= 20
    assert sorted(delegating) == sorted(kernels.__all__)
