"""The kernels' own math, compiled for the host with g++, against the NumPy twins.

``kernels/*.cuh`` hold every per-element and per-row formula in ``CF_HD`` functions that also
compile as plain C++. ``host_kernels.cpp`` instantiates them (serial reducer, float and double)
and this test calls them through ctypes, so CI without a GPU exercises the very code the GPU
runs: values agree with the twins to rounding, and NaN/Inf land in the same places.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cuflow.backend import numpy_kernels as nk

HERE = Path(__file__).resolve().parent
KERNELS = HERE.parents[1] / "kernels"
CXX = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")

pytestmark = pytest.mark.skipif(CXX is None, reason="no C++ compiler (g++/c++/clang++) on PATH")

RNG = np.random.default_rng(7)
P = ctypes.c_void_p
LL = ctypes.c_longlong
D = ctypes.c_double


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostk") / "libcf_host.so"
    cmd = [CXX, "-O2", "-shared", "-fPIC", "-std=c++17", "-Wall", "-Werror", f"-I{KERNELS}",
           str(HERE / "host_kernels.cpp"), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    lib = ctypes.CDLL(str(out))
    for sfx in ("f32", "f64"):
        getattr(lib, f"cf_host_act_fwd_{sfx}").argtypes = [ctypes.c_int, P, P, LL, D]
        getattr(lib, f"cf_host_act_bwd_{sfx}").argtypes = [ctypes.c_int, P, P, P, P, LL, D]
        getattr(lib, f"cf_host_elem_loss_{sfx}").argtypes = [ctypes.c_int, P, P, P, P, LL, LL,
                                                             D, D, D]
        getattr(lib, f"cf_host_row_op_{sfx}").argtypes = [ctypes.c_int, P, P, P, P, P, P, LL, LL,
                                                          D, D]
    lib.cf_host_activation_name.restype = ctypes.c_char_p
    lib.cf_host_elem_loss_name.restype = ctypes.c_char_p
    return lib


def _p(a):
    return None if a is None else a.ctypes.data


def _sfx(dtype):
    return "f32" if np.dtype(dtype) == np.float32 else "f64"


def _close(got, want, dtype):
    """Equal NaN placement, equal infinities, values to a few ulps of the dtype."""
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    fin = np.isfinite(want)
    rtol, atol = (2e-5, 1e-6) if np.dtype(dtype) == np.float32 else (1e-12, 1e-14)
    np.testing.assert_allclose(got[fin], want[fin], rtol=rtol, atol=atol)


def _act_inputs(dtype):
    base = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, 6.0, 1000.0, -1000.0,
            88.0, -88.0, 709.0, -745.0, 1e20, -1e20]
    x = np.concatenate([base, RNG.normal(size=300) * 4, RNG.uniform(-40, 40, 100)])
    return x.astype(dtype)


def test_host_lists_match_python(lib):
    names = tuple(lib.cf_host_activation_name(i).decode()
                  for i in range(lib.cf_host_n_activations()))
    assert names == nk.ACTIVATIONS
    loss_names = tuple(lib.cf_host_elem_loss_name(i).decode()
                       for i in range(lib.cf_host_n_elem_losses()))
    from cuflow.backend.kernels import ELEM_LOSS_KERNELS

    assert loss_names == ELEM_LOSS_KERNELS
    assert set(loss_names) == set(nk.ELEMENTWISE_LOSSES) | {"binary_crossentropy_logits"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activations_host_vs_twin(lib, name, dtype):
    idx = nk.ACTIVATIONS.index(name)
    alpha = 0.3 if name in nk.DEFAULT_ALPHA else 0.0
    x = _act_inputs(dtype)
    dy = np.concatenate([[1.0, np.nan], RNG.normal(size=x.size - 2)]).astype(dtype)
    y = np.empty_like(x)
    getattr(lib, f"cf_host_act_fwd_{_sfx(dtype)}")(idx, _p(x), _p(y), x.size, alpha)
    want_y = nk.activation_forward(name, x, alpha)
    _close(y, want_y, dtype)
    dx = np.empty_like(x)
    getattr(lib, f"cf_host_act_bwd_{_sfx(dtype)}")(idx, _p(x), _p(want_y), _p(dy), _p(dx),
                                                   x.size, alpha)
    _close(dx, nk.activation_backward(name, x, want_y, dy, alpha), dtype)


def _loss_data(kernel, shape, dtype):
    t = RNG.uniform(0, 1, shape)
    if kernel in ("hinge", "squared_hinge"):
        t = RNG.choice([-1.0, 1.0], shape)
    p = RNG.uniform(-0.2, 1.2, shape) if "logits" not in kernel else RNG.normal(size=shape) * 5
    if kernel in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh"):
        p = RNG.normal(size=shape) * 3
    # extremes in the first rows: exact 0/1 probabilities, huge values, NaN, infinities
    p.flat[:8] = [0.0, 1.0, 1e30, -1e30, np.nan, np.inf, -np.inf, 1e-7]
    t.flat[8] = np.nan
    return t.astype(dtype), p.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", [*nk.ELEMENTWISE_LOSSES, "binary_crossentropy_logits"])
def test_elementwise_losses_host_vs_twin(lib, kernel, dtype):
    from cuflow.backend.kernels import ELEM_LOSS_KERNELS

    name = kernel.replace("_logits", "")
    from_logits = kernel.endswith("_logits")
    ls = 0.1 if name == "binary_crossentropy" else 0.0
    _, ls_a, ls_b = nk.loss_options(name, from_logits, ls, 7)
    t, p = _loss_data(kernel, (9, 7), dtype)
    per, grad = np.empty(9, dtype), np.empty_like(p)
    fn = getattr(lib, f"cf_host_elem_loss_{_sfx(dtype)}")
    fn(ELEM_LOSS_KERNELS.index(kernel), _p(t), _p(p), _p(per), _p(grad), 9, 7, 0.7, ls_a, ls_b)
    want_per, want_grad = nk.loss_forward_backward(name, t, p, from_logits, ls, delta=0.7)
    _close(per, want_per, dtype)
    _close(grad, want_grad, dtype)


def _row_case(op, dtype, rows=6, n=37):
    """Inputs (a, b, labels) for host row op `op`, with extreme rows mixed in."""
    x = (RNG.normal(size=(rows, n)) * 3)
    x[0, :3] = [-np.inf, 1e4, -1e4]
    x[1, 5] = np.nan
    x[2, :] = -np.inf
    x[3, 4] = np.inf
    x[4, :2] = [3e38, -3e38]
    x = x.astype(dtype)
    labels = RNG.integers(0, n, rows).astype(np.int64)
    probs = RNG.uniform(0, 1, (rows, n))
    probs[0, :2] = [0.0, 1.0]
    probs[1, 3] = np.nan
    t = RNG.dirichlet(np.ones(n), rows)
    t[0, 0] = 0.0
    return x, probs.astype(dtype), t.astype(dtype), labels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_ops_host_vs_twin(lib, dtype):
    fn = getattr(lib, f"cf_host_row_op_{_sfx(dtype)}")
    x, probs, t, labels = _row_case(None, dtype)
    rows, n = x.shape

    def run(op, a, b=None, lab=None, p0=1.0, p1=0.0):
        o1, o2, io = np.empty(rows, dtype), np.empty((rows, n), dtype), np.empty(rows, np.int64)
        fn(op, _p(a), _p(b), _p(lab), _p(o1), _p(o2), _p(io), rows, n, p0, p1)
        return o1, o2, io

    _close(run(0, x)[1], nk.softmax_forward(x), dtype)
    _close(run(1, x)[1], nk.log_softmax_forward(x), dtype)
    y = nk.softmax_forward(x)
    dy = RNG.normal(size=x.shape).astype(dtype)
    _close(run(2, y, dy)[1], nk.softmax_backward(y, dy), dtype)
    ly = nk.log_softmax_forward(x)
    _close(run(3, ly, dy)[1], nk.log_softmax_backward(ly, dy), dtype)
    _close(run(4, x)[0], nk.logsumexp(x), dtype)
    _close(run(5, x)[0], nk.row_max(x), dtype)
    np.testing.assert_array_equal(run(6, x)[2], nk.row_argmax(x))

    ls = 0.1
    _, ls_a, ls_b = nk.loss_options("categorical_crossentropy", False, ls, n)
    for op, pred, logits in ((7, probs, False), (8, x, True)):
        per, grad, _ = run(op, t, pred, p0=ls_a, p1=ls_b)
        want = nk.loss_forward_backward("categorical_crossentropy", t, pred, logits, ls)
        _close(per, want[0], dtype)
        _close(grad, want[1], dtype)
    for op, pred, logits in ((9, np.abs(probs), False), (10, x, True)):
        pred = np.nan_to_num(pred, nan=0.5) if not logits else pred
        per, grad, _ = run(op, None, pred, lab=labels)
        want = nk.loss_forward_backward("sparse_categorical_crossentropy", labels, pred, logits)
        _close(per, want[0], dtype)
        _close(grad, want[1], dtype)
    onehot = np.eye(n, dtype=dtype)[labels]
    for op, name, tt, pred in ((11, "categorical_hinge", onehot, x / 1e3),
                               (12, "cosine_similarity", t, probs)):
        pred = np.where(np.isinf(pred), 0, pred).astype(dtype)
        per, grad, _ = run(op, tt, pred)
        want = nk.loss_forward_backward(name, tt, pred)
        _close(per, want[0], dtype)
        _close(grad, want[1], dtype)


def test_out_of_range_label_is_nan_not_a_crash(lib):
    """The kernel-side guard (used when the Python check is skipped during graph capture)."""
    fn = lib.cf_host_row_op_f64
    x = RNG.normal(size=(2, 4))
    labels = np.array([1, 9], np.int64)
    o1, o2, io = np.empty(2), np.empty((2, 4)), np.empty(2, np.int64)
    for op in (9, 10):
        fn(op, None, _p(np.abs(x)), _p(labels), _p(o1), _p(o2), _p(io), 2, 4, 1.0, 0.0)
        assert np.isfinite(o1[0]) and np.isnan(o1[1]) and np.isnan(o2[1]).all()
