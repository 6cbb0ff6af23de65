"""Samples per second of ``Model.fit`` on an MLP beside a hand-written NumPy/CuPy step of the
same model (the reference) and PyTorch eager when importable: ``cuflow bench --fit``."""

from __future__ import annotations

import time

import numpy as np

MLP_SIZES = (784, 256, 128, 10)


def synthetic_classification(n=4096, features=784, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = rng.integers(0, classes, size=n).astype(np.int64)
    return x, y


def rate(fn, samples_per_call, min_time=1.0, warmup=2):
    """Samples per second of ``fn()`` after ``warmup`` calls, over at least ``min_time`` s and
    3 calls."""
    for _ in range(warmup):
        fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and calls >= 3:
            return calls * samples_per_call / elapsed


def cuflow_mlp_rate(batch=128, n=4096, min_time=1.0, device=None):
    """Samples per second of ``Model.fit`` on the MLP (one epoch of ``n`` samples per call)."""
    import contextlib

    import cuflow
    from cuflow.layers import Dense
    from cuflow.models import Sequential

    x, y = synthetic_classification(n)
    ctx = cuflow.device(device) if device else contextlib.nullcontext()
    with ctx:
        model = Sequential([Dense(MLP_SIZES[1], activation="relu", input_shape=(MLP_SIZES[0],)),
                            Dense(MLP_SIZES[2], activation="relu"),
                            Dense(MLP_SIZES[3], activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        xd, yd = cuflow.to_device(x), cuflow.to_device(y)

        def epoch():
            model.fit(xd, yd, batch_size=batch, epochs=1, verbose=0, shuffle=True)
            cuflow.backend.get_backend().synchronize()  # time finished work, not queued work

        return rate(epoch, n, min_time)


def numpy_mlp_rate(batch=128, n=4096, min_time=1.0, xp=np):
    """The same MLP, Adam and loss written by hand on raw arrays: the reference step."""
    x, y = synthetic_classification(n)
    x, y = xp.asarray(x), xp.asarray(y)
    rng = np.random.default_rng(1)
    params = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        lim = np.sqrt(6 / (fan_in + fan_out))
        params += [xp.asarray(rng.uniform(-lim, lim, (fan_in, fan_out)).astype(np.float32)),
                   xp.zeros(fan_out, dtype=np.float32)]
    m = [xp.zeros_like(p) for p in params]
    v = [xp.zeros_like(p) for p in params]
    state = {"t": 0}
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7

    def step(xb, yb):
        w1, c1, w2, c2, w3, c3 = params
        h1 = xb @ w1
        h1 += c1
        xp.maximum(h1, 0, out=h1)
        h2 = h1 @ w2
        h2 += c2
        xp.maximum(h2, 0, out=h2)
        z = h2 @ w3
        z += c3
        z -= z.max(axis=1, keepdims=True)
        e = xp.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        p[xp.arange(len(yb)), yb] -= 1
        p /= len(yb)
        g3 = h2.T @ p
        d2 = p @ w3.T
        d2 *= h2 > 0
        g2 = h1.T @ d2
        d1 = d2 @ w2.T
        d1 *= h1 > 0
        g1 = xb.T @ d1
        grads = [g1, d1.sum(0), g2, d2.sum(0), g3, p.sum(0)]
        state["t"] += 1
        t = state["t"]
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for pa, g, mm, vv in zip(params, grads, m, v):
            mm *= b1
            mm += (1 - b1) * g
            vv *= b2
            vv += (1 - b2) * g * g
            pa -= alpha * mm / (xp.sqrt(vv) + eps)

    def epoch():
        perm = np.random.default_rng().permutation(n)
        perm = xp.asarray(perm)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            step(x[idx], y[idx])
        if xp is not np:
            xp.cuda.get_current_stream().synchronize()

    return rate(epoch, n, min_time)


def mlp_table(device="cpu", batch=128, min_time=1.0):
    """Rows of (name, samples/s, ratio to the hand-written reference)."""
    from .fit_torch import torch_mlp_rate

    xp = np
    if device.startswith("gpu"):
        import cupy as xp  # noqa: F811
    ref = numpy_mlp_rate(batch, min_time=min_time, xp=xp)
    ours = cuflow_mlp_rate(batch, min_time=min_time, device=device)
    rows = [("cuflow fit", ours, ours / ref),
            (f"hand-written {'CuPy' if xp is not np else 'NumPy'} step", ref, 1.0)]
    torch_rate = torch_mlp_rate(batch, min_time=min_time, device=device)
    if torch_rate is not None:
        rows.append(("PyTorch eager", torch_rate, torch_rate / ref))
    return rows


def format_table(title, rows):
    lines = [title, f"{'what':34s} {'samples/s':>12s} {'vs reference':>13s}"]
    for name, samples, ratio in rows:
        lines.append(f"{name:34s} {samples:12,.0f} {ratio:12.2f}x")
    return "\n".join(lines)
