"""The NumPy and CuPy backends expose the same public interface with the same signatures, and so
do their kernel tables and each pair of family modules (``numpy/<family>.py`` and
``cuda/<family>.py``)."""

from __future__ import annotations

import inspect

import pytest

from cuflow.backend import base
from cuflow.backend.cuda import backend as cupy_backend
from cuflow.backend.numpy import backend as numpy_backend

FAMILIES = ("activations", "rows", "losses", "reductions", "windows")


def _public(cls):
    return {n: inspect.signature(getattr(cls, n)) for n in dir(cls)
            if not n.startswith("_") and callable(getattr(cls, n))}


def test_backends_implement_every_abstract_method():
    for cls in (numpy_backend.NumpyBackend, cupy_backend.CupyBackend):
        assert not getattr(cls, "__abstractmethods__", None), cls.__abstractmethods__


def test_backend_method_signatures_match():
    ref = _public(base.Backend)
    for cls in (numpy_backend.NumpyBackend, cupy_backend.CupyBackend):
        assert _public(cls) == ref


def test_kernel_modules_export_identical_functions():
    from cuflow.backend.cuda import kernels as cupy_kernels
    from cuflow.backend.numpy import kernels as numpy_kernels

    names = [n for n in dir(base.Backend) if not n.startswith("_")]
    kernel_fns = [n for n in names if hasattr(numpy_kernels, n)]
    assert len(kernel_fns) >= 13
    for n in kernel_fns:
        assert inspect.signature(getattr(numpy_kernels, n)) == \
            inspect.signature(getattr(cupy_kernels, n)), n
    for n in numpy_kernels.__all__:  # every twin function, not only the Backend's methods
        assert inspect.signature(getattr(numpy_kernels, n)) == \
            inspect.signature(getattr(cupy_kernels, n)), n


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_pair_exports_the_same_kernel_functions(family):
    import importlib

    twin = importlib.import_module(f"cuflow.backend.numpy.{family}")
    cuda = importlib.import_module(f"cuflow.backend.cuda.{family}")
    names = [n for n in dir(base.Backend) if not n.startswith("_") and hasattr(twin, n)
             and getattr(twin, n).__module__ == twin.__name__]
    assert names, family
    for n in names:
        assert inspect.signature(getattr(twin, n)) == inspect.signature(getattr(cuda, n)), n
