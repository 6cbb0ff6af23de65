"""The kernels' own math compiled for the host: ``kernels/*.cuh`` hold every per-element and
per-row formula in ``CF_HD`` functions that also compile as plain C++. ``host_kernels.cpp``
instantiates them (serial reducer, float and double); the tests call them through ctypes, so CI
without a GPU exercises the very code the GPU runs against the NumPy twins."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
KERNELS = HERE.parents[2] / "kernels"
CXX = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")

P = ctypes.c_void_p
LL = ctypes.c_longlong
D = ctypes.c_double


def build(out_dir):
    """Compile ``host_kernels.cpp`` into ``out_dir`` and load it with its argument types."""
    out = Path(out_dir) / "libcf_host.so"
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


def ptr(a):
    return None if a is None else a.ctypes.data


def sfx(dtype):
    return "f32" if np.dtype(dtype) == np.float32 else "f64"


def close(got, want, dtype):
    """Equal NaN placement, equal infinities, values to a few ulps of the dtype."""
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    fin = np.isfinite(want)
    rtol, atol = (2e-5, 1e-6) if np.dtype(dtype) == np.float32 else (1e-12, 1e-14)
    np.testing.assert_allclose(got[fin], want[fin], rtol=rtol, atol=atol)


def row_case(rng, dtype, rows=6, n=37):
    """Row-op inputs ``(x, probs, t, labels)`` with extreme rows mixed in."""
    x = (rng.normal(size=(rows, n)) * 3)
    x[0, :3] = [-np.inf, 1e4, -1e4]
    x[1, 5] = np.nan
    x[2, :] = -np.inf
    x[3, 4] = np.inf
    x[4, :2] = [3e38, -3e38]
    x = x.astype(dtype)
    labels = rng.integers(0, n, rows).astype(np.int64)
    probs = rng.uniform(0, 1, (rows, n))
    probs[0, :2] = [0.0, 1.0]
    probs[1, 3] = np.nan
    t = rng.dirichlet(np.ones(n), rows)
    t[0, 0] = 0.0
    return x, probs.astype(dtype), t.astype(dtype), labels
