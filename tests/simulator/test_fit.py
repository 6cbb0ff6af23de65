"""Whole ``fit`` runs on the simulated GPU (``_fake_gpu.py``): the CuPy backend's own Python code
on the NumPy-backed CuPy stand-in, our kernels in the simulator, GEMMs through cublas.py's real
plans on the simulated cuBLAS table. An MLP and a small CNN, eagerly and through the captured
step (warm-up, capture with its safety checks, replays of the recorded device work), end with
the CPU's weights, losses and metrics; so do evaluate and predict."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from cuflow.models import Sequential

# GEMMs and reductions sum in other orders than NumPy's on the CPU, and a ReLU whose input is
# within rounding of 0 can go either way; a missing, repeated or stale step of Adam (lr 0.01)
# moves weights by ~1e-3 or more, a hundred times these tolerances
TOL = {"rtol": 1e-4, "atol": 1e-5}


def mlp():
    return [Input(shape=(6,)), Dense(8, activation="relu"), Dense(3)]


def cnn():
    return [Input(shape=(6, 6, 2)), Conv2D(3, 3, padding="same", activation="relu"),
            MaxPooling2D(2), Conv2D(4, 3, activation="relu"), Flatten(), Dense(3)]


def build(layers, device, jit):
    with cf.device(device):
        m = Sequential(layers())
        m.compile(optimizer=cf.optimizers.Adam(0.01),
                  loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], jit_compile=jit)
    return m


def data(n, shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)).astype("float32"), rng.integers(0, 3, n)


def fit_both(layers, jit, x, y, batch, epochs=2, **kw):
    """The same fit on the CPU and on the simulated GPU from the same initial weights."""
    cf.utils.set_random_seed(0)
    cpu, dev = build(layers, "cpu", False), build(layers, "gpu", jit)
    dev.set_weights(cpu.get_weights())
    runs = [m.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0, **kw)
            for m in (cpu, dev)]
    for a, b in zip(cpu.get_weights(), dev.get_weights()):
        np.testing.assert_allclose(b, a, **TOL)
    for key, values in runs[0].history.items():
        np.testing.assert_allclose(runs[1].history[key], values, rtol=1e-4, err_msg=key)
    return cpu, dev


# 28 rows in batches of 8: three full batches and a partial one of 4 per epoch
@pytest.mark.parametrize("jit", [False, True], ids=["eager", "captured"])
def test_mlp_fit_matches_the_cpu(sim_gpu, captured_steps, jit):
    x, y = data(28, (6,))
    xv, yv = data(36, (6,), seed=1)  # five batches: captured evaluation too
    cpu, dev = fit_both(mlp, jit, x, y, 8, validation_data=(xv, yv))
    assert dev.weights[0].data.__class__ is sim_gpu.cupy.ndarray  # it trained on the fake device
    assert {"cf_bias_relu_fwd_vec4<float>", "cf_fused_adam<float>"} <= set(sim_gpu.kernels())
    assert sim_gpu.cublas.calls  # every GEMM went through the simulated cuBLAS table
    np.testing.assert_allclose(dev.predict(x, batch_size=8, verbose=0),
                               cpu.predict(x, batch_size=8, verbose=0), **TOL)
    if not jit:
        assert not captured_steps
        return
    (train,) = captured_steps["training"]
    assert train.disabled is None, train.disabled
    assert (train.captures, train.replays) == (1, 4)  # steps 3 and 5-7 of the 8 (step 4, 8:
    assert train.eager_steps == 4  # the partial batches; 1, 2: the warm-up)
    for kind in ("evaluation", "prediction"):
        assert all(s.disabled is None and s.replays for s in captured_steps[kind]), kind


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "captured"])
def test_cnn_fit_matches_the_cpu(sim_gpu, captured_steps, jit):
    x, y = data(14, (6, 6, 2))  # batches of 4, 4, 4 and 2
    fit_both(cnn, jit, x, y, 4)
    names = set(sim_gpu.kernels())
    assert {"cf_im2col_2d<float>", "cf_col2im_2d<float>", "cf_max_pool_2d_fwd<float>",
            "cf_max_pool_2d_bwd<float>"} <= names
    if jit:
        (train,) = captured_steps["training"]
        assert train.disabled is None, train.disabled
        assert (train.captures, train.replays, train.eager_steps) == (1, 4, 4)


def test_a_replay_runs_recorded_device_work_not_python(sim_gpu, captured_steps, monkeypatch):
    """Between replays the layers' Python never runs: the graph replays what the capture
    recorded (kernel launches, GEMMs, the stand-in's array ops) on the same memory."""
    calls = []
    real = Dense.call
    monkeypatch.setattr(Dense, "call", lambda self, *a, **k: calls.append(1) or real(self, *a,
                                                                                       **k))
    x, y = data(32, (6,))
    fit_both(mlp, True, x, y, 8)
    (train,) = captured_steps["training"]
    assert (train.captures, train.replays, train.eager_steps) == (1, 6, 2)
    assert len(calls) == 2 * (8 + 3)  # 2 Dense: the CPU's 8 steps, the GPU's warm-up + capture
    graph = train._graph
    assert graph.launches == 6
    ops = graph.names()
    assert any("cf_fused_adam" in o for o in ops) and "cublasGemmEx" in ops


def test_dropout_replays_draw_the_eager_masks(sim_gpu, captured_steps):
    """Dropout draws from the device counter (``backend/cuda/random.py``): a replayed step draws
    fresh masks, the same ones the eager steps draw (the CPU's masks differ by design: each
    backend has its own seed), so captured and eager fits on the GPU end equal."""
    from cuflow.backend import get_backend
    from cuflow.layers import Dropout

    def layers():
        return [Input(shape=(6,)), Dense(8, activation="relu"), Dropout(0.3), Dense(3)]

    x, y = data(28, (6,))
    cf.utils.set_random_seed(0)
    eager, captured = build(layers, "gpu", False), build(layers, "gpu", True)
    captured.set_weights(eager.get_weights())
    bk = get_backend("gpu:0")
    start = bk.rng_state.get()
    for m in (eager, captured):
        bk.rng_state[...] = sim_gpu.cupy.asarray(start)
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    (train,) = captured_steps["training"]
    assert (train.disabled, train.captures, train.replays) == (None, 1, 4)
    for a, b in zip(eager.get_weights(), captured.get_weights()):
        np.testing.assert_allclose(b, a, **TOL)
    assert "cf_uniform_counter<float>" in sim_gpu.kernels()
