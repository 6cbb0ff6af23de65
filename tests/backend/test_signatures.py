"""The NumPy and CuPy backends expose the same public interface with the same signatures."""

from __future__ import annotations

import inspect

from cuflow.backend import base, cupy_backend, numpy_backend


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
    from cuflow.backend import cupy_kernels, numpy_kernels

    names = [n for n in dir(base.Backend) if not n.startswith("_")]
    kernel_fns = [n for n in names if hasattr(numpy_kernels, n)]
    assert len(kernel_fns) >= 13
    for n in kernel_fns:
        assert inspect.signature(getattr(numpy_kernels, n)) == \
            inspect.signature(getattr(cupy_kernels, n)), n
