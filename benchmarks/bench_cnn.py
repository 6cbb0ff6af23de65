"""One training step of a small CNN (Conv2D 3x3 32 relu, MaxPool 2, Conv2D 3x3 64 relu,
MaxPool 2, Flatten, Dense 128 relu, Dense 10; Adam; sparse CE from logits; 32x32x3 input) at
batch 64 and 256 through ``model.train_on_batch``, beside the same model in PyTorch eager on the
same device when ``import torch`` works. Reports ms/step and the cuflow/torch ratio.

Run: python -m pytest benchmarks/bench_cnn.py -s   (figures also land in $OUT/bench_cnn.json)
Rounds: CUFLOW_BENCH_ROUNDS (default 3 on the CPU, 20 on the GPU).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

import cuflow as cf
from cuflow.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from cuflow.models import Sequential
from cuflow.testing import gpu_available

from .harness import write_json

DEVICES = ["cpu"] + (["gpu:0"] if gpu_available() else [])

_RESULTS = {}


def _rounds(device):
    return int(os.environ.get("CUFLOW_BENCH_ROUNDS", "3" if device == "cpu" else "20"))


def _data(batch):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(batch, 32, 32, 3)).astype(np.float32),
            rng.integers(0, 10, size=batch).astype(np.int64))


def _cuflow_model():
    model = Sequential([Input((32, 32, 3)), Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
                        Conv2D(64, 3, activation="relu"), MaxPooling2D(2), Flatten(),
                        Dense(128, activation="relu"), Dense(10)])
    model.compile(optimizer=cf.optimizers.Adam(1e-3),
                  loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _torch_ms(device, batch, steps):
    """ms/step of the same model and step in PyTorch eager; None when torch is unavailable."""
    try:
        import torch
    except ImportError:
        return None
    dev = "cuda" if device.startswith("gpu") and torch.cuda.is_available() else "cpu"
    if device.startswith("gpu") and dev == "cpu":
        return None
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 6 * 6, 128),
                          nn.ReLU(), nn.Linear(128, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = _data(batch)
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(dev)
    yt = torch.from_numpy(y).to(dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()  # a host read, as train_on_batch's returned loss

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1e3


@pytest.mark.parametrize("batch", [64, 256])
@pytest.mark.parametrize("device", DEVICES)
def test_cnn_train_step(benchmark, device, batch):
    with cf.device(device):
        model = _cuflow_model()
        x, y = _data(batch)
        xs, ys = cf.Tensor(x), cf.Tensor(y)  # already on the device: time the step, not copies

        def step():
            return model.train_on_batch(xs, ys)

        rounds = _rounds(device)
        loss = benchmark.pedantic(step, rounds=rounds, iterations=1, warmup_rounds=2)
    assert np.isfinite(loss)
    ms = benchmark.stats.stats.mean * 1e3
    torch_ms = _torch_ms(device, batch, rounds)
    info = {"device": device, "batch": batch, "cuflow_ms_per_step": ms,
            "torch_ms_per_step": torch_ms,
            "ratio_cuflow_over_torch": None if torch_ms is None else ms / torch_ms}
    benchmark.extra_info.update(info)
    print(f"\nCNN train step, batch {batch}, {device}: cuflow {ms:.1f} ms/step"
          + ("" if torch_ms is None else f", torch {torch_ms:.1f} ms/step, "
             f"ratio {ms / torch_ms:.2f}"))
    _RESULTS[f"{device}/batch{batch}"] = info
    out = os.environ.get("OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        write_json({"model": "conv32-pool-conv64-pool-dense128-dense10, Adam, 32x32x3",
                    "results": _RESULTS}, os.path.join(out, "bench_cnn.json"))
