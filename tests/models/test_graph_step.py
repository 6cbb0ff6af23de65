"""train_function: eager on the CPU / with jit_compile=False; the CapturedTrainStep's warm-up,
replay bookkeeping and fallbacks driven by a fake capture runner on the CPU (a "replay" re-runs
the captured step on the static buffers without its host side effects, as a CUDA graph does);
on a GPU the real capture against eager execution."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import cuflow as cf
from cuflow.layers import Dense, Dropout, Input
from cuflow.models import Sequential, graph_step
from cuflow.testing import gpu_available

requires_gpu = pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")


def _data(n=70, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype("float32"), rng.integers(0, k, size=n)


def _model(opt, dropout=0.0, reg=None, seed=0):
    cf.utils.set_random_seed(seed)
    layers = [Input(shape=(6,)), Dense(8, activation="relu", kernel_regularizer=reg)]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(3))
    m = Sequential(layers)
    m.compile(optimizer=opt, loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    return m


class FakeRunner:
    """Stands in for CudaGraphRunner on the CPU."""

    def __init__(self, fail=None):
        self.fail = fail
        self.captures = self.launches = 0
        self.private_runs = 0

    def run(self, fn, private=False):
        self.private_runs += bool(private)
        return fn()

    def capture(self, fn):
        if self.fail:
            raise RuntimeError(self.fail)
        self.captures += 1
        # the host side of the step runs once while capturing, but nothing executes on the
        # device: undo the CPU's effects on weights, optimizer slots and the dropout counter
        from cuflow.backend import get_backend

        model, opt = self._model, self._opt
        weights = model.get_weights()
        slots = [v.data.copy() for v in opt.variables]
        rng = get_backend("cpu").rng_state.copy()
        fn()
        model.set_weights(weights)
        for v, old in zip(opt.variables, slots):
            v.data[...] = old
        get_backend("cpu").rng_state[...] = rng
        return fn

    def launch(self, graph, before):
        before()
        self.launches += 1
        opt = self._opt
        it = int(opt.iterations.data)
        graph()  # the device work of the step, on the static buffers
        opt.iterations.data[...] = it  # a replay has no host side effects


def _captured(model, runner):
    runner._opt, runner._model = model.optimizer, model
    step = graph_step.CapturedTrainStep(model, runner)
    return step


@pytest.fixture
def capturable(monkeypatch):
    """On the CPU the optimizer has no fused path: pretend it has (replays re-run apply)."""
    monkeypatch.setattr(graph_step, "capture_blockers", lambda model: None)
    monkeypatch.setattr(cf.optimizers.Optimizer, "_fused_prepare_replay",
                        lambda self: setattr(self, "_prepared", getattr(self, "_prepared", 0) + 1))
    monkeypatch.setattr(graph_step, "optimizer_replayable", lambda opt: True)


def _fit_steps(model, step, x, y, batch=16, epochs=2):
    from cuflow.models.data import make_data

    data = make_data(x, y, None, batch, False, None, device=model.device)
    model._prepare_model_for(data)
    for _ in range(epochs):
        for xb, yb, swb in data.batches():
            step(xb, yb, swb)


def test_train_function_is_eager_on_cpu():
    m = _model("adam")
    assert graph_step.train_function(m, None) == m._train_step
    assert not graph_step.jit_enabled(m)


def test_train_function_is_eager_with_jit_compile_false():
    class Fake:
        device = "gpu:0"
        _jit_compile = False

        def _train_step(self, *a):
            pass

    f = Fake()
    assert graph_step.train_function(f, None) == f._train_step
    f._jit_compile = "auto"
    assert graph_step.jit_enabled(f)


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_fake_capture_equals_eager_and_falls_back_for_the_partial_batch(opt, capturable):
    x, y = _data()
    eager = _model(opt)
    _fit_steps(eager, eager._train_step, x, y)
    m = _model(opt)
    runner = FakeRunner()
    step = _captured(m, runner)
    _fit_steps(m, step, x, y)
    # 70 samples / 16: 4 full batches + 1 partial, twice: 2 warm-up, 1 capture-run, 5 replays
    assert runner.captures == 1 and runner.private_runs == 1
    assert step.replays == 6 and step.eager_steps == 2 + 2  # warm-up + two partial batches
    assert m.optimizer._prepared == 6
    assert int(m.optimizer.iterations.data) == int(eager.optimizer.iterations.data) == 10
    for a, b in zip(eager.get_weights(), m.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def test_capture_failure_logs_once_and_stays_eager(capturable, caplog):
    x, y = _data()
    m = _model("adam")
    runner = FakeRunner(fail="operation not permitted when stream is capturing")
    step = _captured(m, runner)
    with caplog.at_level(logging.WARNING, logger="cuflow"):
        _fit_steps(m, step, x, y)
    assert step.disabled and "capture failed" in step.disabled
    assert step.replays == 0 and step.eager_steps == 10
    assert int(m.optimizer.iterations.data) == 10  # the failed capture left no extra step
    assert sum("capture failed" in r.message for r in caplog.records) == 1


def test_blocked_optimizer_trains_eagerly(caplog):
    x, y = _data()
    m = _model(cf.optimizers.Nadam())
    step = _captured(m, FakeRunner())
    with caplog.at_level(logging.WARNING, logger="cuflow"):
        _fit_steps(m, step, x, y)
    assert step.replays == 0 and "fused" in step.disabled
    assert int(m.optimizer.iterations.data) == 10


def test_eager_request_skips_replays(capturable):
    x, y = _data()
    m = _model("sgd")
    m._eager_step_required = True
    step = _captured(m, FakeRunner())
    _fit_steps(m, step, x, y, epochs=1)
    assert step.replays == 0 and not step.disabled


def test_regularizers_and_dropout_run_under_fake_capture(capturable):
    x, y = _data()
    eager = _model("sgd", dropout=0.3, reg=cf.regularizers.L2(0.01))
    _fit_steps(eager, eager._train_step, x, y)
    m = _model("sgd", dropout=0.3, reg=cf.regularizers.L2(0.01))
    step = _captured(m, FakeRunner())
    _fit_steps(m, step, x, y)
    assert step.replays == 6
    # the counter-based dropout stream advances identically in both runs
    for a, b in zip(eager.get_weights(), m.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def test_signature_distinguishes_shapes_structure_and_none():
    a = np.zeros((2, 3), np.float32)
    assert graph_step.signature(a) == ((2, 3), "float32")
    assert graph_step.signature([a, a]) != graph_step.signature(a)
    assert graph_step.signature(None) is None
    assert graph_step.signature({"b": a, "a": a[:1]}) == graph_step.signature({"a": a[:1], "b": a})


# ---- GPU ------------------------------------------------------------------------------------

def _gpu_fit(opt, jit, dropout=0.0, reg=None, n=70):
    x, y = _data(n=n)
    with cf.device("gpu:0"):
        m = _model(opt, dropout=dropout, reg=reg)
        m._jit_compile = jit
        m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return m


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("opt", ["sgd", "adam", "rmsprop"])
def test_gpu_captured_weights_equal_eager(opt):
    eager = _gpu_fit(opt, False)
    captured = _gpu_fit(opt, True)
    for a, b in zip(eager.get_weights(), captured.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert int(captured.optimizer.iterations.data) == 15


@pytest.mark.gpu
@requires_gpu
def test_gpu_capture_really_replays_and_partial_batch_falls_back(monkeypatch):
    made = []
    real = graph_step.train_function

    def spy(model, data):
        made.append(real(model, data))
        return made[-1]

    monkeypatch.setattr(graph_step, "train_function", spy)
    _gpu_fit("adam", True)
    step = made[0]
    assert isinstance(step, graph_step.CapturedTrainStep), step
    assert step.disabled is None
    # 5 batches per epoch (last one partial) x 3 epochs: 2 warm-up + 3 partial eager steps
    assert step.replays == 10 and step.eager_steps == 5


@pytest.mark.gpu
@requires_gpu
def test_gpu_regularizers_and_dropout_equal_eager():
    reg = cf.regularizers.L2(0.01)
    eager = _gpu_fit("adam", False, dropout=0.4, reg=reg)
    captured = _gpu_fit("adam", True, dropout=0.4, reg=reg)
    for a, b in zip(eager.get_weights(), captured.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@requires_gpu
def test_gpu_dropout_masks_differ_across_replays():
    import cupy as cp

    from cuflow.backend import get_backend

    with cf.device("gpu:0"):
        bk = get_backend()
        x = cf.Tensor(np.ones((64, 64), np.float32))
        out = cp.empty((64, 64), cp.float32)
        stream = cp.cuda.Stream(non_blocking=True)
        cf.ops.dropout(x, 0.5)  # compile outside capture
        cp.cuda.Device().synchronize()  # x was filled on the null stream
        with stream:
            stream.begin_capture()
            y = cf.ops.dropout(x, 0.5)
            out[...] = y.data
            graph = stream.end_capture()
            masks = []
            for _ in range(3):
                graph.launch(stream)
                stream.synchronize()
                masks.append(cp.asnumpy(out))
        assert bk is not None
    assert not np.array_equal(masks[0], masks[1]) and not np.array_equal(masks[1], masks[2])
    assert all(set(np.unique(mk)) <= {0.0, 2.0} for mk in masks)
