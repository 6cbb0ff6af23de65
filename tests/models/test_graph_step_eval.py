"""Captured evaluation and prediction steps, and fit/evaluate/predict running end to end through
the captured wrappers, driven on the CPU by a fake capture runner: a "replay" re-runs the step's
device work on the static buffers and nothing of its host side, as a CUDA graph does."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import cuflow as cf
from cuflow.backend import get_backend
from cuflow.models import graph_step
from cuflow.testing import gpu_available as _gpu_available_

from .test_graph_step import _data
from .test_graph_step import _model as _base_model


def _model(opt="adam", seed=0, dropout=0.0):
    return _base_model(opt, dropout=dropout, seed=seed)


class StateFakeRunner:
    """A CudaGraphRunner stand-in that knows its model: a capture runs the host side once and
    then undoes every effect on the device state (weights, optimizer slots, metric
    accumulators, the dropout counter), because a real capture executes nothing."""

    def __init__(self, model):
        self.model = model
        self.captures = self.launches = 0

    def run(self, fn, private=False):
        return fn()

    def _snapshot(self):
        variables, states = graph_step._state_holders(self.model)
        return ([(v, v.data.copy()) for v in variables],
                [(a, a.copy()) for d in states for a in d.values()],
                get_backend("cpu").rng_state.copy())

    def capture(self, fn):
        saved = self._snapshot()
        fn()
        variables, arrays, rng = saved
        for v, old in variables:
            v.data[...] = old
        for a, old in arrays:
            a[...] = old
        get_backend("cpu").rng_state[...] = rng
        self.captures += 1
        return fn

    def launch(self, graph, before):
        before()
        self.launches += 1
        opt = getattr(self.model, "optimizer", None)
        it = None if opt is None else int(opt.iterations.data)
        graph()
        if it is not None:
            opt.iterations.data[...] = it  # a replay has no host side effects


@pytest.fixture
def fake_gpu(monkeypatch):
    """jit on, the fake runner in place of CUDA graphs, the optimizer treated as fused."""
    runners = []

    def make_runner(model):
        runners.append(StateFakeRunner(model))
        return runners[-1]

    def captured(model, eager, wrapper):
        return wrapper(model, make_runner(model))

    monkeypatch.setattr(graph_step, "_captured", captured)
    monkeypatch.setattr(graph_step, "capture_blockers", lambda model: None)
    monkeypatch.setattr(cf.optimizers.Optimizer, "_fused_prepare_replay", lambda self: None)
    return runners


def _batches(x, y=None, batch=16):
    for i in range(0, len(x), batch):
        yield (x[i:i + batch],) if y is None else (x[i:i + batch], y[i:i + batch])


def _tensors(*arrays):
    return [cf.Tensor(a) for a in arrays]


def test_captured_test_step_accumulates_the_same_metrics_as_eager():
    x, y = _data()
    eager = _model()
    eager.evaluate(x, y, batch_size=16, verbose=0)
    want = {k: float(v) for k, v in eager.get_metrics_result().items()}
    m = _model()
    m.reset_metrics()
    runner = StateFakeRunner(m)
    step = graph_step.CapturedTestStep(m, runner)
    for xb, yb in _batches(x, y):
        step(*_tensors(xb, yb))
    # 4 full batches + 1 partial: 2 warm-up, 1 capture + replay, 1 replay, 1 eager (partial)
    assert runner.captures == 1 and step.replays == 2 and step.eager_steps == 3
    got = {k: float(v) for k, v in m.get_metrics_result().items()}
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], rel=1e-6), k


def test_captured_predict_step_returns_fresh_copies_equal_to_eager():
    x, _ = _data(n=80)
    m = _model()
    want = m.predict(x, batch_size=16, verbose=0)
    step = graph_step.CapturedPredictStep(m, StateFakeRunner(m))
    outs = [step(cf.Tensor(xb)) for (xb,) in _batches(x)]
    assert step.replays == 3 and step.eager_steps == 2
    np.testing.assert_allclose(np.concatenate([o.numpy() for o in outs]), want, rtol=1e-6)
    # each replay's result is its own array: the next replay must not overwrite it
    assert len({id(o.data) for o in outs}) == len(outs)
    np.testing.assert_allclose(outs[2].numpy(), want[32:48], rtol=1e-6)


def test_replaced_state_buffers_are_recaptured(caplog):
    x, _ = _data(n=96)
    m = _model()
    runner = StateFakeRunner(m)
    step = graph_step.CapturedPredictStep(m, runner)
    for (xb,) in list(_batches(x))[:3]:
        step(cf.Tensor(xb))
    assert runner.captures == 1
    kernel = m.layers[0].kernel
    kernel.data = kernel.data * 2  # a new buffer: the old graph would read the stale one
    with caplog.at_level(logging.INFO, logger="cuflow"):
        out = step(cf.Tensor(x[48:64]))
    assert runner.captures == 2 and "recaptured" in caplog.text
    np.testing.assert_allclose(out.numpy(), m.predict(x[48:64], verbose=0), rtol=1e-6)


def test_buffers_replaced_before_every_step_end_in_eager_steps(caplog):
    x, _ = _data(n=160)
    m = _model()
    step = graph_step.CapturedPredictStep(m, StateFakeRunner(m))
    kernel = m.layers[0].kernel
    with caplog.at_level(logging.WARNING, logger="cuflow"):
        for (xb,) in _batches(x):
            kernel.data = kernel.data.copy()
            step(cf.Tensor(xb))
    assert step.disabled and "keep being replaced" in step.disabled
    assert step.captures == step.MAX_RECAPTURES + 1


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_fit_evaluate_predict_through_captured_steps_equal_eager(opt, fake_gpu):
    x, y = _data(n=100)
    xv, yv = _data(n=50, seed=1)
    results = []
    for captured in (False, True):
        if not captured:
            with pytest.MonkeyPatch.context() as mp:  # the eager reference: no wrappers
                mp.setattr(graph_step, "_captured", lambda model, eager, wrapper: eager)
                m = _model(opt, dropout=0.25)
                hist = m.fit(x, y, batch_size=16, epochs=3, validation_data=(xv, yv),
                             verbose=0)
                ev = m.evaluate(xv, yv, batch_size=8, verbose=0)
                pred = m.predict(xv, batch_size=8, verbose=0)
        else:
            m = _model(opt, dropout=0.25)
            hist = m.fit(x, y, batch_size=16, epochs=3, validation_data=(xv, yv), verbose=0)
            ev = m.evaluate(xv, yv, batch_size=8, verbose=0)
            pred = m.predict(xv, batch_size=8, verbose=0)
        results.append((m, hist.history, ev, pred))
    (m0, h0, ev0, p0), (m1, h1, ev1, p1) = results
    assert len(fake_gpu) == 4  # fit's training and validation steps, evaluate, predict
    assert sum(r.captures for r in fake_gpu) == 4
    assert sum(r.launches for r in fake_gpu) > 20
    for a, b in zip(m0.get_weights(), m1.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert h0.keys() == h1.keys()
    for k in h0:
        np.testing.assert_allclose(h1[k], h0[k], rtol=1e-5, err_msg=k)
    np.testing.assert_allclose(ev1, ev0, rtol=1e-5)
    np.testing.assert_allclose(p1, p0, rtol=1e-5, atol=1e-6)


def test_short_evaluate_and_predict_stay_eager(fake_gpu):
    x, y = _data(n=40)
    m = _model()
    m.evaluate(x, y, batch_size=16, verbose=0)  # 3 batches: the capture would not repay itself
    m.predict(x, batch_size=16, verbose=0)
    assert fake_gpu == []


def test_run_eagerly_turns_capture_off():
    class Fake:
        device = "gpu:0"
        _jit_compile = True
        run_eagerly = True

    assert not graph_step.jit_enabled(Fake())
    Fake.run_eagerly = False
    assert graph_step.jit_enabled(Fake())


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu_available_(), reason="needs a CUDA GPU visible to CuPy")
def test_gpu_captured_fit_evaluate_predict_equal_eager(monkeypatch):
    made = []
    for name in ("train_function", "test_function", "predict_function"):
        real = getattr(graph_step, name)
        monkeypatch.setattr(graph_step, name,
                            lambda *a, real=real: made.append(real(*a)) or made[-1])
    x, y = _data(n=200)
    xv, yv = _data(n=90, seed=1)
    out = {}
    for jit in (False, True):
        with cf.device("gpu:0"):
            m = _model("adam", dropout=0.2)
            m.compile(optimizer="adam", metrics=["accuracy"], jit_compile=jit,
                      loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
            h = m.fit(x, y, batch_size=16, epochs=2, validation_data=(xv, yv), verbose=0)
            out[jit] = (m.get_weights(), h.history, m.evaluate(xv, yv, batch_size=8, verbose=0),
                        m.predict(xv, batch_size=8, verbose=0))
    captured = [s for s in made if isinstance(s, graph_step._CapturedStep)]
    assert len(captured) == 4 and all(s.replays > 0 and not s.disabled for s in captured), \
        [(type(s).__name__, s.replays, s.disabled) for s in captured]
    (w0, h0, e0, p0), (w1, h1, e1, p1) = out[False], out[True]
    for a, b in zip(w0, w1):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    for k in h0:
        np.testing.assert_allclose(h1[k], h0[k], rtol=1e-4, err_msg=k)
    np.testing.assert_allclose(e1, e0, rtol=1e-4)
    np.testing.assert_allclose(p1, p0, rtol=1e-4, atol=1e-5)


def test_a_failed_capture_names_where_the_step_broke(monkeypatch, caplog):
    x, _ = _data(n=96)
    m = _model()
    runner = StateFakeRunner(m)
    step = graph_step.CapturedPredictStep(m, runner)
    step(cf.Tensor(x[:16]))
    step(cf.Tensor(x[16:32]))
    real = runner.capture

    def refusing_capture(fn):
        bk = get_backend("cpu")

        def refuse(a, b):
            raise RuntimeError("calling cuBLAS API during stream capture")

        monkeypatch.setattr(bk, "matmul", refuse)
        try:
            return real(fn)
        finally:
            monkeypatch.undo()

    runner.capture = refusing_capture
    with caplog.at_level(logging.WARNING, logger="cuflow"):
        out = step(cf.Tensor(x[32:48]))  # capture fails, the step runs eagerly
    assert step.disabled.startswith("capture failed (RuntimeError: calling cuBLAS API")
    assert "at cuflow/ops/nn/linear.py:" in step.disabled and "in dense" in step.disabled
    np.testing.assert_allclose(out.numpy(), m.predict(x[32:48], verbose=0), rtol=1e-6)


def test_loss_scale_optimizer_blocks_capture_with_a_reason():
    from cuflow import mixed_precision

    m = _model()
    m.compile(optimizer=mixed_precision.LossScaleOptimizer(cf.optimizers.Adam()),
              loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "LossScaleOptimizer" in graph_step.capture_blockers(m)
