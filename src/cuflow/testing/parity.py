"""One test body on every available device, compared with its CPU (NumPy) result.

``@on_every_device`` turns a test function into one pytest case per device: the CPU, which is the
NumPy backend and so the reference semantics, and every GPU CuPy sees (without one, a ``gpu:0``
case that skips with the reason). The body runs with that device as cuflow's default and gets it
as its ``device`` argument when it declares one. What the body returns (a Tensor, an array, a
number, or lists / tuples / dicts of them) is, on a GPU, compared with what the same body
returns on the CPU: the same structure, shapes and dtypes, and values within ``rtol`` / ``atol``.
The body keeps asserting against its own NumPy references as well, so the CPU case (all a
machine without a GPU runs) is a real test too.

The CPU rerun gets fresh copies of the body's NumPy generators (the ``rng`` fixture), taken
before the device run draws from them, so both runs see the same inputs.

``pytest`` is imported only when a test module uses these helpers: ``cuflow.testing`` stays
importable without it (``Model.check_gradients`` uses the gradient check).
"""

from __future__ import annotations

import copy
import functools
import inspect

import numpy as np

from .. import tree

NO_GPU = "needs a CUDA GPU visible to CuPy"


def gpu_available() -> bool:
    """True when CuPy imports and sees a CUDA device cuflow can use."""
    from ..backend import gpu_unavailable_reason

    return not gpu_unavailable_reason()


def device_params():
    """pytest parameters for every available device: ``"cpu"``, then ``"gpu:N"`` for each GPU
    (marked ``gpu``); without a GPU, one ``gpu:0`` case that skips with the reason."""
    import pytest

    from ..backend import devices

    gpus = [d for d in devices() if d != "cpu"]
    if not gpus:  # the reason stays short: pytest -ra groups equal reasons into one line
        skip = pytest.mark.skip(reason=NO_GPU)
        return ["cpu", pytest.param("gpu:0", marks=[pytest.mark.gpu, skip])]
    return ["cpu"] + [pytest.param(d, marks=pytest.mark.gpu) for d in gpus]


def on_every_device(test=None, *, rtol=1e-5, atol=1e-6):
    """Decorator: run ``test`` on every available device; on a GPU, compare its return value
    with the CPU run's (see the module docstring). ``@on_every_device`` or
    ``@on_every_device(rtol=..., atol=...)``."""

    def decorate(body):
        import pytest

        sig = inspect.signature(body)
        wants_device = "device" in sig.parameters

        @functools.wraps(body)
        def run(*args, device, **kwargs):
            on_gpu = device != "cpu"
            # copies taken before the device run draws from the generators
            cpu_kwargs = {k: _fresh(v) for k, v in kwargs.items()} if on_gpu else None
            got = _run_on(body, device, wants_device, args, kwargs)
            if on_gpu and got is not None:
                want = _run_on(body, "cpu", wants_device, args, cpu_kwargs)
                assert_same_result(got, want, rtol=rtol, atol=atol,
                                   what=f"{body.__name__} on {device} against the CPU")

        run.__signature__ = _with_device(sig)
        return pytest.mark.parametrize("device", device_params())(run)

    return decorate(test) if test is not None else decorate


def _with_device(sig):
    """``sig`` with a keyword-only ``device`` parameter (what pytest parametrizes)."""
    params = [p for p in sig.parameters.values() if p.name != "device"]
    device = inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY)
    at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD),
              len(params))
    return sig.replace(parameters=params[:at] + [device] + params[at:])


def _fresh(value):
    return copy.deepcopy(value) if isinstance(value, np.random.Generator) else value


def _run_on(body, device, wants_device, args, kwargs):
    from ..backend import device as on_device

    if wants_device:
        kwargs = {**kwargs, "device": device}
    with on_device(device):
        return body(*args, **kwargs)


def _host(leaf):
    """A leaf as a host NumPy array (Tensors and CuPy arrays copied back), or as it is."""
    if hasattr(leaf, "numpy") and callable(leaf.numpy):
        return np.asarray(leaf.numpy())
    if hasattr(leaf, "__cuda_array_interface__"):
        return np.asarray(leaf.get())
    if isinstance(leaf, (np.ndarray, np.generic, bool, int, float)):
        return np.asarray(leaf)
    return leaf


def assert_same_result(got, want, rtol=1e-5, atol=1e-6, what="result"):
    """``got`` and ``want`` have the same structure and, leaf by leaf, the same shape, dtype
    and values (within ``rtol`` / ``atol``; NaN equals NaN). Raises AssertionError naming the
    first leaf that differs."""
    got_leaves, want_leaves = tree.flatten(got), tree.flatten(want)
    if len(got_leaves) != len(want_leaves) or \
            tree.map_structure(lambda _: 0, got) != tree.map_structure(lambda _: 0, want):
        raise AssertionError(f"{what}: structures differ: {_outline(got)} != {_outline(want)}")
    for i, (g, w) in enumerate(zip(got_leaves, want_leaves)):
        g, w = _host(g), _host(w)
        if not isinstance(w, np.ndarray):
            if g != w:
                raise AssertionError(f"{what}: leaf {i}: {g!r} != {w!r}")
            continue
        if not isinstance(g, np.ndarray) or g.shape != w.shape or g.dtype != w.dtype:
            raise AssertionError(f"{what}: leaf {i}: {_describe(g)} != {_describe(w)}")
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=f"{what}: leaf {i}")


def _describe(leaf):
    if isinstance(leaf, np.ndarray):
        return f"array of shape {leaf.shape} and dtype {leaf.dtype}"
    return repr(leaf)


def _outline(x):
    return tree.map_structure(lambda leaf: type(leaf).__name__, x)
