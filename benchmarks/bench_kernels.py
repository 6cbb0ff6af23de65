"""GPU benchmarks of cuflow's kernels (pytest-benchmark style; skipped without a GPU).

Each activation (forward and backward) and each loss runs on 2**28 float32 elements. Reported
per case, in ``benchmark.extra_info``: achieved GB/s (bytes the kernel must move / time), the
ratio to a device-to-device copy measured in the same run, and the same figures for the
plain-CuPy expression of the math where one is written here. Times come from CUDA events
(median of a few launches after a warm-up). With ``$OUT`` set, a JSON summary is written to
``$OUT/bench_kernels.json``.

Run: ``PYTHONPATH=src python -m pytest benchmarks/bench_kernels.py -p no:cacheprovider``
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from cuflow.backend import names
from cuflow.backend.numpy.activations import Y_BACKWARD
from cuflow.testing import gpu_available

from .harness import write_json

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")]

N = 2**28
CLASSES = 64
REPEATS = 5
RESULTS: dict[str, dict] = {}


def _time(fn, repeats=REPEATS):
    """Median seconds of fn() measured with CUDA events, after one warm-up call."""
    import cupy

    fn()
    times = []
    for _ in range(repeats):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3)
    return float(np.median(times))


@pytest.fixture(scope="module")
def data():
    import cupy

    rng = cupy.random.default_rng(0)
    x = rng.standard_normal(N, dtype=cupy.float32)
    y = cupy.empty_like(x)
    dy = rng.standard_normal(N, dtype=cupy.float32)
    copy_s = _time(lambda: cupy.copyto(y, x))
    copy_gbs = 2 * x.nbytes / copy_s / 1e9
    RESULTS["device_copy"] = {"GB/s": copy_gbs, "seconds": copy_s}
    yield {"x": x, "y": y, "dy": dy, "copy_gbs": copy_gbs}
    out = os.environ.get("OUT")
    if out:
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        summary = {"device": props["name"].decode(), "cupy": cupy.__version__,
                   "elements": N, "results": RESULTS}
        Path(out).mkdir(parents=True, exist_ok=True)
        write_json(summary, Path(out) / "bench_kernels.json")


def _plain_activation(name, x):
    """The same math as one CuPy expression (no custom kernel), or None if none is written."""
    import cupy

    exprs = {
        "relu": lambda: cupy.maximum(x, 0),
        "relu6": lambda: cupy.clip(x, 0, 6),
        "leaky_relu": lambda: cupy.where(x < 0, 0.2 * x, x),
        "elu": lambda: cupy.where(x > 0, x, cupy.expm1(x)),
        "sigmoid": lambda: 1 / (1 + cupy.exp(-x)),
        "tanh": lambda: cupy.tanh(x),
        "softplus": lambda: cupy.logaddexp(x, 0),
        "softsign": lambda: x / (1 + cupy.abs(x)),
        "silu": lambda: x / (1 + cupy.exp(-x)),
        "hard_sigmoid": lambda: cupy.clip(x / 6 + 0.5, 0, 1),
        "exponential": lambda: cupy.exp(x),
        "linear": lambda: x.copy(),
    }
    return exprs.get(name)


def _record(benchmark, key, nbytes, seconds, copy_gbs, plain_seconds=None):
    gbs = nbytes / seconds / 1e9
    info = {"GB/s": gbs, "ratio_to_copy": gbs / copy_gbs, "seconds": seconds}
    if plain_seconds is not None:
        pg = nbytes / plain_seconds / 1e9
        info.update({"plain_cupy_GB/s": pg, "plain_cupy_ratio_to_copy": pg / copy_gbs})
    benchmark.extra_info.update(info)
    RESULTS[key] = info


@pytest.mark.parametrize("name", names.ACTIVATIONS)
def test_activation_forward(benchmark, data, name):
    import cupy

    from cuflow.backend.cuda import kernels as ck

    x = data["x"]
    seconds = _time(lambda: ck.activation_forward(name, x))
    plain = _plain_activation(name, x)
    plain_s = _time(plain) if plain else None
    _record(benchmark, f"{name}_fwd", 2 * x.nbytes, seconds, data["copy_gbs"], plain_s)
    benchmark.pedantic(lambda: (ck.activation_forward(name, x),
                                cupy.cuda.Device().synchronize()), rounds=3, iterations=1)


@pytest.mark.parametrize("name", names.ACTIVATIONS)
def test_activation_backward(benchmark, data, name):
    import cupy

    from cuflow.backend.cuda import kernels as ck

    x, dy = data["x"], data["dy"]
    y = ck.activation_forward(name, x)
    seconds = _time(lambda: ck.activation_backward(name, x, y, dy))
    plain_s = None
    if name == "relu":
        plain_s = _time(lambda: dy * (x > 0))
    elif name == "sigmoid":
        plain_s = _time(lambda: dy * y * (1 - y))
    elif name == "tanh":
        plain_s = _time(lambda: dy * (1 - y * y))
    # Bytes the math needs: x (or y), dy, dx; y-based ones also read x for the NaN rule.
    nbytes = (4 if name in Y_BACKWARD else 3) * x.nbytes
    _record(benchmark, f"{name}_bwd", nbytes, seconds, data["copy_gbs"], plain_s)
    benchmark.pedantic(lambda: (ck.activation_backward(name, x, y, dy),
                                cupy.cuda.Device().synchronize()), rounds=3, iterations=1)


def _loss_inputs(name, x):
    import cupy

    p = x.reshape(-1, CLASSES)
    if name == "sparse_categorical_crossentropy":
        return cupy.random.default_rng(1).integers(0, CLASSES, p.shape[0]), p
    if name in ("binary_crossentropy", "categorical_crossentropy", "kl_divergence", "poisson",
                "mean_squared_logarithmic_error"):
        q = cupy.abs(p) % 1  # probabilities / positive values
        return (cupy.abs(p[::-1]) % 1), q
    return p[::-1].copy(), p


def _plain_loss(name, t, p):
    import cupy

    if name == "mean_squared_error":
        return lambda: (cupy.mean((p - t) ** 2, -1), 2 * (p - t) / p.shape[-1])
    if name == "sparse_categorical_crossentropy":
        def f():
            m = p.max(-1, keepdims=True)
            e = cupy.exp(p - m)
            s = e.sum(-1, keepdims=True)
            loss = cupy.log(s)[:, 0] + m[:, 0] - cupy.take_along_axis(p, t[:, None], -1)[:, 0]
            g = e / s
            g[cupy.arange(p.shape[0]), t] -= 1
            return loss, g
        return f
    return None


@pytest.mark.parametrize("name", names.LOSSES)
def test_loss(benchmark, data, name):
    import cupy

    from cuflow.backend.cuda import kernels as ck

    t, p = _loss_inputs(name, data["x"])
    from_logits = name == "sparse_categorical_crossentropy"
    seconds = _time(lambda: ck.loss_forward_backward(name, t, p, from_logits), repeats=3)
    plain = _plain_loss(name, t, p)
    plain_s = _time(plain, repeats=3) if plain else None
    nbytes = p.nbytes * 2 + (t.nbytes if t.shape == p.shape else t.size * t.itemsize)
    _record(benchmark, f"loss_{name}", nbytes, seconds, data["copy_gbs"], plain_s)
    benchmark.pedantic(lambda: (ck.loss_forward_backward(name, t, p, from_logits),
                                cupy.cuda.Device().synchronize()), rounds=2, iterations=1)
