"""The backend interface (backend/base.py): abstract methods are enforced, every kernel method
delegates to the backend's kernel table with its arguments unchanged, and the counter-based
generator is optional."""

from __future__ import annotations

import inspect
import types

import pytest

from cuflow.backend import base


class _Minimal(base.Backend):
    device = "test"

    def asarray(self, data, dtype=None):
        return data

    def to_numpy(self, array):
        return array

    def is_native(self, array):
        return True

    def synchronize(self):
        return None

    def seed(self, seed):
        return None

    def uniform(self, shape, low=0.0, high=1.0, dtype="float32"):
        return None

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32"):
        return None

    def matmul(self, a, b):
        return None

    def scatter_add(self, target, index, values):
        return None


def test_abstract_methods_are_enforced():
    class Partial(base.Backend):
        pass

    with pytest.raises(TypeError, match="abstract"):
        Partial()
    assert repr(_Minimal()) == "<_Minimal device='test'>"


def _delegating():
    return [n for n, m in vars(base.Backend).items()
            if inspect.isfunction(m) and "self._kernels." in inspect.getsource(m)]


@pytest.mark.parametrize("name", _delegating())
def test_kernel_methods_pass_their_arguments_through(name):
    calls = []

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        return "result"

    bk = _Minimal()
    bk._kernels = types.SimpleNamespace(**{name: record})
    params = list(inspect.signature(getattr(base.Backend, name)).parameters)[1:]
    args = [f"arg-{p}" for p in params]
    assert getattr(bk, name)(*args) == "result"
    (got_args, got_kwargs), = calls
    assert list(got_args) + list(got_kwargs.values()) == args


def test_counter_generator_is_optional():
    with pytest.raises(NotImplementedError, match="_Minimal has no counter-based generator"):
        _Minimal().random_uniform_counter((2,), "float32", None)


def test_backend_pickles_by_reference_after_its_kernels_are_loaded():
    import pickle

    import numpy as np

    import cuflow as cf
    from cuflow.backend import get_backend

    v = cf.Variable(np.ones(2, np.float32), device="cpu")
    _ = (v * 2.0).numpy()  # loads the CPU kernel module into the backend
    back = pickle.loads(pickle.dumps(v))
    assert back._backend is get_backend("cpu")
    np.testing.assert_array_equal(back.numpy(), [1.0, 1.0])
