"""Live kernel verification: re-run a sampled fraction of custom-kernel calls through the NumPy
twin (inputs copied to the host) and keep the worst error per kernel.

The sampled calls are chosen by a generator seeded once, so the same run checks the same calls.
A mismatch raises ``KernelMismatchError`` naming the kernel, shapes and dtypes, and the path of a
reproduction ``.npz`` holding the inputs and both outputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time

import numpy as np

from ._files import debug_dir, json_array, save_npz_atomic
from ._patch import Patches, kernel_names

#: (rtol, atol) per dtype: float32 kernels may reorder sums; float64 is held tighter
TOLERANCES = {"float16": (1e-2, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-9, 1e-12)}

_last_report = None
_global = None  # the verifier installed by verify_kernels(rate)
_lock = threading.Lock()


class KernelMismatchError(RuntimeError):
    """A kernel disagreed with its NumPy twin beyond tolerance; ``.path`` is the repro file."""

    def __init__(self, message, kernel=None, path=None):
        super().__init__(message)
        self.kernel = kernel
        self.path = path


def _direction(name):
    if name.endswith("_forward_backward"):
        return "forward+backward"
    return "backward" if name.endswith("_backward") else "forward"


class KernelReport:
    """Worst absolute / relative error per kernel (key like ``activation_forward[relu]``)."""

    def __init__(self, rate, seed):
        self.rate = rate
        self.seed = seed
        self.calls = 0
        self.checked = 0
        self.kernels = {}  # key -> {"direction", "checked", "max_abs", "max_rel"}

    def add(self, key, direction, max_abs, max_rel):
        e = self.kernels.setdefault(key, {"direction": direction, "checked": 0, "max_abs": 0.0,
                                          "max_rel": 0.0})
        e["checked"] += 1
        e["max_abs"] = max(e["max_abs"], max_abs)
        e["max_rel"] = max(e["max_rel"], max_rel)

    def worst(self):
        return max((e["max_rel"] for e in self.kernels.values()), default=0.0)

    def __str__(self):
        lines = [f"Kernel verification: {self.checked} of {self.calls} kernel calls checked "
                 f"against the NumPy twin (rate {self.rate:g}, seed {self.seed})"]
        if self.kernels:
            head = f"{'kernel':<48}{'direction':<18}{'checked':>8}{'max abs':>11}{'max rel':>11}"
            lines += [head, "-" * len(head)]
            for k, e in sorted(self.kernels.items()):
                lines.append(f"{k[:47]:<48}{e['direction']:<18}{e['checked']:>8}"
                             f"{e['max_abs']:>11.2e}{e['max_rel']:>11.2e}")
        return "\n".join(lines)

    __repr__ = __str__


def last_kernel_report():
    """The report of the latest verification (a fit with verify_kernels, or the global one)."""
    return _last_report


# ---- comparing ------------------------------------------------------------------------------
def _host(bk, value):
    """Host copies of a kernel argument or result (nested tuples / lists kept)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_host(bk, v) for v in value)
    if hasattr(value, "__cuda_array_interface__") or isinstance(value, np.ndarray):
        return np.array(bk.to_numpy(value), copy=True)
    if isinstance(value, np.generic):
        return np.asarray(value).copy()
    return value


def _flat_arrays(value, prefix):
    if isinstance(value, (tuple, list)):
        out = []
        for i, v in enumerate(value):
            out += _flat_arrays(v, f"{prefix}_{i}")
        return out
    if value is None or isinstance(value, str):
        return []
    return [(prefix, np.asarray(value))]


def compare(got, want):
    """(max abs error, max rel error, problem or None) between device and twin results."""
    g, w = np.asarray(got), np.asarray(want)
    if g.shape != w.shape:
        return np.inf, np.inf, f"shape {g.shape} vs twin {w.shape}"
    if g.dtype.kind not in "fc" and w.dtype.kind not in "fc":
        bad = int(np.count_nonzero(g != w))
        return float(bad), float(bad), (f"{bad} element(s) differ" if bad else None)
    rtol, atol = TOLERANCES.get(np.result_type(g.dtype, w.dtype).name, TOLERANCES["float32"])
    g64, w64 = g.astype(np.float64), w.astype(np.float64)
    gn, wn = np.isnan(g64), np.isnan(w64)
    if not np.array_equal(gn, wn):
        return np.inf, np.inf, f"NaN placement differs at {int(np.count_nonzero(gn != wn))} " \
                               f"element(s)"
    gi, wi = np.isinf(g64), np.isinf(w64)
    if not np.array_equal(gi, wi) or not np.array_equal(g64[gi], w64[wi]):
        return np.inf, np.inf, "±Inf placement differs"
    ok = ~(gn | gi)
    if not ok.any():
        return 0.0, 0.0, None
    err = np.abs(g64[ok] - w64[ok])
    scale = np.abs(w64[ok])
    max_abs = float(err.max())
    max_rel = float((err / np.maximum(scale, atol / rtol)).max())
    if np.any(err > atol + rtol * scale):
        return max_abs, max_rel, f"max abs error {max_abs:.3g}, max rel error {max_rel:.3g} " \
                                 f"(rtol {rtol:g}, atol {atol:g})"
    return max_abs, max_rel, None


def _describe(args):
    parts = []
    for a in args:
        if isinstance(a, (tuple, list)):
            parts.append("[" + ", ".join(_describe(a)) + "]")
        elif hasattr(a, "shape") and hasattr(a, "dtype"):
            parts.append(f"{a.dtype}{tuple(a.shape)}")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


def _capturing(bk):
    """True while a CUDA graph is being captured: host copies are illegal then, so the
    captured step is verified in eager steps only."""
    if bk.device == "cpu":
        return False
    from ..backend.cuda.common import _capturing

    return _capturing()


# ---- the verifier -----------------------------------------------------------------------------
class KernelVerifier:
    """Wraps the kernel methods of backends; ``with KernelVerifier(0.01): ...``.

    ``reference`` is the twin module (default ``cuflow.backend.numpy.kernels``); ``backends``
    default to every backend created so far plus the current device's.
    """

    def __init__(self, rate, seed=0, backends=None, reference=None, print_fn=None):
        rate = float(rate)
        if not 0.0 < rate <= 1.0:
            raise ValueError(f"verify_kernels rate must be in (0, 1]; received {rate!r}")
        if reference is None:
            from ..backend.numpy import kernels as reference
        self.reference = reference
        self.rate = rate
        self.seed = int(seed)
        self._rng = np.random.default_rng(self.seed)
        self._backends = backends
        self._patches = Patches()
        self._busy = threading.local()
        self.report = KernelReport(rate, self.seed)
        self.print_fn = print_fn

    def __enter__(self):
        global _last_report
        backends = self._backends
        if backends is None:
            from ..backend import get_backend, selection

            get_backend()
            backends = list(selection._backends.values())
        for bk in {id(b): b for b in backends}.values():
            for name in kernel_names():
                self._patches.set(bk, name, self._wrap(bk, name, getattr(bk, name)))
        _last_report = self.report
        return self

    def __exit__(self, *exc):
        self._patches.undo()
        if self.print_fn is not None and self.report.calls:
            self.print_fn(str(self.report))
        return False

    def _sample(self):
        with _lock:
            return self._rng.random() < self.rate

    def _wrap(self, bk, name, inner):
        twin = getattr(self.reference, name)

        def call(*args, **kwargs):
            self.report.calls += 1
            if getattr(self._busy, "on", False) or _capturing(bk) or not self._sample():
                return inner(*args, **kwargs)
            host_args = _host(bk, args)  # before the call: a kernel must not see them change
            host_kwargs = {k: _host(bk, v) for k, v in kwargs.items()}
            out = inner(*args, **kwargs)
            self._busy.on = True  # the twin may call other kernels: do not re-verify those
            try:
                with np.errstate(all="ignore"):
                    want = twin(*host_args, **host_kwargs)
            finally:
                self._busy.on = False
            self._check(bk, name, host_args, host_kwargs, _host(bk, out), want)
            return out

        return call

    def _check(self, bk, name, args, kwargs, got, want):
        key = f"{name}[{args[0]}]" if args and isinstance(args[0], str) else name
        got_flat, want_flat = _flat_arrays(got, "device_out"), _flat_arrays(want, "twin_out")
        worst_abs = worst_rel = 0.0
        problem = None
        if len(got_flat) != len(want_flat):
            problem = f"{len(got_flat)} outputs vs twin {len(want_flat)}"
        else:
            for (gk, g), (_, w) in zip(got_flat, want_flat):
                a, r, p = compare(g, w)
                worst_abs, worst_rel = max(worst_abs, a), max(worst_rel, r)
                problem = problem or (p and f"{gk}: {p}")
        self.report.checked += 1
        self.report.add(key, _direction(name), worst_abs, worst_rel)
        if problem:
            path = self._save_repro(bk, key, args, kwargs, got_flat, want_flat, problem)
            raise KernelMismatchError(
                f"kernel {key} on {bk.device} disagrees with its NumPy twin: {problem}; inputs "
                f"({_describe(args)}{', ' if kwargs else ''}"
                f"{', '.join(f'{k}={v!r}' for k, v in kwargs.items() if not hasattr(v, 'shape'))}"
                f"); reproduction saved to {path}", kernel=key, path=path)

    def _save_repro(self, bk, key, args, kwargs, got_flat, want_flat, problem):
        arrays = {}
        scalars = {}
        for i, a in enumerate(args):
            flat = _flat_arrays(a, f"arg_{i}") if not isinstance(a, (str, int, float, bool)) \
                else []
            if flat:
                arrays.update(flat)
            else:
                scalars[f"arg_{i}"] = a
        for k, v in kwargs.items():
            if hasattr(v, "shape"):
                arrays[f"kwarg_{k}"] = v
            else:
                scalars[f"kwarg_{k}"] = v
        arrays.update(got_flat)
        arrays.update(want_flat)
        arrays["meta"] = json_array({"kernel": key, "device": bk.device, "problem": problem,
                                     "scalars": scalars, "time": time.time()})
        stamp = time.strftime("%Y%m%d-%H%M%S")
        safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in key)
        path = os.path.join(debug_dir(), f"kernel-mismatch-{safe}-{stamp}-{os.getpid()}.npz")
        return save_npz_atomic(path, arrays)


def load_repro(path):
    """(meta dict, arrays dict) of a reproduction file, read without pickles."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "meta"}
        meta = json.loads(str(z["meta"][()]))
    return meta, arrays


def _default_seed():
    from .. import random as cf_random

    return cf_random._seed if cf_random._seed is not None else 0


@contextlib.contextmanager
def fit_verifier(rate, model, print_fn=print):
    """The context ``fit(verify_kernels=rate)`` runs its loop in; prints the report at the end."""
    from ._patch import model_backend

    backends = [model_backend(model)]
    with KernelVerifier(rate, seed=_default_seed(), backends=backends,
                        print_fn=print_fn) as verifier:
        yield verifier


def verify_kernels(rate, seed=None):
    """Verify a sampled fraction ``rate`` of kernel calls from now on, on every backend created so
    far and the current device's (``rate`` 0 or None turns it off). Returns the report."""
    global _global, _last_report
    if _global is not None:
        _global.__exit__(None, None, None)
        _last_report = _global.report
        _global = None
    if not rate:
        return _last_report
    _global = KernelVerifier(rate, seed=_default_seed() if seed is None else seed)
    _global.__enter__()
    return _global.report
