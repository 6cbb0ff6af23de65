"""Training steps per second: cuflow eager vs captured (CUDA graph) vs PyTorch eager vs PyTorch
CUDA graph, same models, same run, timed with CUDA events after warm-up.

Models: MLP 784-256-128-10 batch 128 (Adam); MLP 1024-4096-4096-4096-1000 batch 4096 (Adam);
CNN Conv3x3(32)-MaxPool-Conv3x3(64)-MaxPool-Dense128-Dense10 on 32x32x3, batch 64 and 256.

Run: python -m pytest benchmarks/bench_step.py -s    (table printed; JSON in $OUT/bench_step.json)
Skips without a GPU.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest


def _gpu():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _gpu(), reason="needs a CUDA GPU visible to CuPy")

CASES = [
    ("mlp_small", "mlp", (784, 256, 128, 10), 128),
    ("mlp_large", "mlp", (1024, 4096, 4096, 4096, 1000), 4096),
    ("cnn_b64", "cnn", None, 64),
    ("cnn_b256", "cnn", None, 256),
]
WARMUP, STEPS = 5, 30


def _timed(step, n=STEPS, warmup=WARMUP):
    """Steps per second of ``step()`` measured with CUDA events on the current stream."""
    import cupy as cp

    for _ in range(warmup):
        step()
    cp.cuda.Device().synchronize()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    for _ in range(n):
        step()
    end.record()
    end.synchronize()
    return n / (cp.cuda.get_elapsed_time(start, end) / 1e3)


def _data(kind, dims, batch, rng):
    if kind == "mlp":
        x = rng.normal(size=(batch, dims[0])).astype(np.float32)
        y = rng.integers(0, dims[-1], size=batch)
    else:
        x = rng.normal(size=(batch, 32, 32, 3)).astype(np.float32)
        y = rng.integers(0, 10, size=batch)
    return x, y


def _cuflow_model(kind, dims):
    import cuflow as cf
    from cuflow import layers as L

    if kind == "mlp":
        ls = [L.Input(shape=(dims[0],))] + [L.Dense(d, activation="relu") for d in dims[1:-1]]
        ls.append(L.Dense(dims[-1]))
    else:
        ls = [L.Input(shape=(32, 32, 3)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
              L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
              L.Dense(128, activation="relu"), L.Dense(10)]
    m = cf.models.Sequential(ls)
    m.compile(optimizer="adam",
              loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    return m


def _cuflow_rates(kind, dims, batch, rng):
    import cuflow as cf
    from cuflow.models import graph_step
    from cuflow.tensor import Tensor

    out = {}
    x, y = _data(kind, dims, batch, rng)
    for name, jit in (("cuflow eager", False), ("cuflow captured", True)):
        with cf.device("gpu:0"):
            m = _cuflow_model(kind, dims)
            m._jit_compile = jit
            bk = cf.backend.get_backend("gpu:0")
            xb, yb = Tensor._wrap(bk.asarray(x), backend=bk), Tensor._wrap(bk.asarray(y),
                                                                            backend=bk)
            m(xb)  # build
            step = graph_step.train_function(m, None)
            out[name] = _timed(lambda step=step, xb=xb, yb=yb: step(xb, yb, None))
            if jit and getattr(step, "disabled", None):
                out[name + " (fell back: " + step.disabled[:60] + ")"] = out.pop(name)
    return out


def _torch_rates(kind, dims, batch, rng):
    try:
        import torch
    except ImportError:
        return {}
    if not torch.cuda.is_available():
        return {}
    dev = torch.device("cuda")
    x, y = _data(kind, dims, batch, rng)
    if kind == "mlp":
        mods = []
        for a, b in zip(dims[:-2], dims[1:-1]):
            mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        mods.append(torch.nn.Linear(dims[-2], dims[-1]))
        xt = torch.from_numpy(x)
    else:
        mods = [torch.nn.Conv2d(3, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                torch.nn.Flatten(), torch.nn.Linear(64 * 6 * 6, 128), torch.nn.ReLU(),
                torch.nn.Linear(128, 10)]
        xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    xt, yt = xt.to(dev), torch.from_numpy(y).to(dev)
    out = {}
    for name in ("torch eager", "torch cuda graph"):
        model = torch.nn.Sequential(*mods).to(dev)
        graph_mode = name.endswith("graph")
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=graph_mode)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step(opt=opt, model=model, loss_fn=loss_fn):
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(model(xt), yt)
            loss.backward()
            opt.step()

        if not graph_mode:
            import cupy as cp

            with cp.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream):
                out[name] = _timed(step)
            continue
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                step()
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            step()
        import cupy as cp

        with cp.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream):
            out[name] = _timed(g.replay)
    return out


def test_training_steps_per_second(benchmark):
    rng = np.random.default_rng(0)

    def run():
        results = {}
        for name, kind, dims, batch in CASES:
            rates = {}
            try:
                rates.update(_cuflow_rates(kind, dims, batch, rng))
            except Exception as exc:  # report, keep measuring the rest
                rates["cuflow error"] = f"{type(exc).__name__}: {exc}"
            try:
                rates.update(_torch_rates(kind, dims, batch, rng))
            except Exception as exc:
                rates["torch error"] = f"{type(exc).__name__}: {exc}"
            results[name] = rates
        return results

    results = benchmark.pedantic(run, rounds=1, iterations=1)
    lines = [f"{'case':<10} {'variant':<40} {'steps/s':>10} {'vs torch eager':>15}"]
    for case, rates in results.items():
        ref = rates.get("torch eager")
        for variant, rate in rates.items():
            if isinstance(rate, str):
                lines.append(f"{case:<10} {variant:<40} {rate}")
                continue
            ratio = f"{rate / ref:.2f}x" if isinstance(ref, float) and ref else "-"
            lines.append(f"{case:<10} {variant:<40} {rate:>10.1f} {ratio:>15}")
    print("\n" + "\n".join(lines))
    benchmark.extra_info["steps_per_s"] = results
    out = os.environ.get("OUT")
    if out:
        import cupy

        info = {"device": cupy.cuda.runtime.getDeviceProperties(0)["name"].decode(),
                "cupy": cupy.__version__, "results": results}
        with open(os.path.join(out, "bench_step.json"), "w") as f:
            json.dump(info, f, indent=2)
