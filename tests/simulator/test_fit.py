"""smoke"""
from __future__ import annotations

import numpy as np
import pytest

from ._fake_gpu import simulated_gpu


@pytest.fixture
def gpu(monkeypatch, sim_build_dir):
    with simulated_gpu(monkeypatch, sim_build_dir) as g:
        yield g


def test_smoke(gpu):
    import cuflow as cf
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    with cf.device("gpu"):
        t = cf.Tensor(x)
        w = cf.Tensor(np.ones((3, 4), "float32"))
        y = cf.ops.relu(cf.ops.matmul(t, w))
        print(type(y.data), y.numpy())
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ np.ones((3, 4)), 0), rtol=1e-6)


def _mlp(device, jit):
    import cuflow as cf
    from cuflow.layers import Dense, Input
    from cuflow.models import Sequential

    with cf.device(device):
        m = Sequential([Input(shape=(6,)), Dense(8, activation="relu"), Dense(3)])
        m.compile(optimizer=cf.optimizers.Adam(0.01),
                  loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], jit_compile=jit)
    return m


@pytest.fixture
def steps(monkeypatch):
    from cuflow.trainers import captured_step as cs

    made = []

    class Recorded(cs.CapturedTrainStep):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    monkeypatch.setattr(cs, "CapturedTrainStep", Recorded)
    return made


@pytest.mark.parametrize("jit", [False, True])
def test_mlp(gpu, jit, steps):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(28, 6)).astype("float32")
    y = rng.integers(0, 3, 28)
    cpu = _mlp("cpu", False)
    dev = _mlp("gpu", jit)
    dev.set_weights(cpu.get_weights())
    h1 = cpu.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = dev.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for s in steps:
        print("STEP", s.eager_steps, s.captures, s.replays, s.disabled)
    print(h1.history, h2.history, gpu.cublas.calls[:3], len(gpu.kernels()))
    for a, b in zip(cpu.get_weights(), dev.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
