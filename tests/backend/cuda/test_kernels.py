"""The CUDA kernel table (backend/cuda/kernels.py): every public kernel function of the family
modules, by name, the same names as the NumPy table, each the family function itself."""

from __future__ import annotations

import inspect

from cuflow.backend.cuda import activations, kernels, losses, reductions, rows, windows
from cuflow.backend.numpy import kernels as numpy_kernels

FAMILIES = (activations, rows, losses, reductions, windows)


def test_table_holds_the_twin_names():
    assert sorted(kernels.__all__) == sorted(numpy_kernels.__all__)


def test_every_entry_is_its_family_function():
    owners = {}
    for module in FAMILIES:
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                owners[name] = fn
    for name in kernels.__all__:
        assert getattr(kernels, name) is owners[name], name
