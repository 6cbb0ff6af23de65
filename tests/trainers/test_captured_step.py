"""The captured steps. train_function: eager on the CPU / with jit_compile=False; the
CapturedTrainStep's warm-up, replay bookkeeping and fallbacks, the captured evaluation and
prediction steps, and fit/evaluate/predict end to end through the captured wrappers, driven on
the CPU by fake capture runners (``_captured_fakes``); on a GPU the real capture against eager
execution."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import cuflow as cf
from cuflow.backend import get_backend
from cuflow.layers import Dense, Dropout, Input
from cuflow.models import Sequential
from cuflow.testing import gpu_available
from cuflow.testing.parity import NO_GPU
from cuflow.trainers import captured_step

from ._captured_fakes import FakeRunner, StateFakeRunner

requires_gpu = pytest.mark.skipif(not gpu_available(), reason=NO_GPU)


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


def _captured(model, runner):
    runner._opt, runner._model = model.optimizer, model
    step = captured_step.CapturedTrainStep(model, runner)
    return step


@pytest.fixture
def capturable(monkeypatch):
    """On the CPU the optimizer has no fused path: pretend it has (replays re-run apply)."""
    monkeypatch.setattr(captured_step, "capture_blockers", lambda model: None)
    monkeypatch.setattr(cf.optimizers.Optimizer, "_fused_prepare_replay",
                        lambda self: setattr(self, "_prepared", getattr(self, "_prepared", 0) + 1))
    monkeypatch.setattr(captured_step, "optimizer_replayable", lambda opt: True)


def _fit_steps(model, step, x, y, batch=16, epochs=2):
    from cuflow.trainers.data_adapters import make_data

    data = make_data(x, y, None, batch, False, None, device=model.device)
    model._prepare_model_for(data)
    for _ in range(epochs):
        for xb, yb, swb in data.batches():
            step(xb, yb, swb)


def test_train_function_is_eager_on_cpu():
    m = _model("adam")
    assert captured_step.train_function(m, None) == m._train_step
    assert not captured_step.jit_enabled(m)


def test_train_function_is_eager_with_jit_compile_false():
    class Fake:
        device = "gpu:0"
        _jit_compile = False

        def _train_step(self, *a):
            pass

    f = Fake()
    assert captured_step.train_function(f, None) == f._train_step
    f._jit_compile = "auto"
    assert captured_step.jit_enabled(f)


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
    assert captured_step.signature(a) == ((2, 3), "float32")
    assert captured_step.signature([a, a]) != captured_step.signature(a)
    assert captured_step.signature(None) is None
    assert captured_step.signature({"b": a, "a": a[:1]}) == \
        captured_step.signature({"a": a[:1], "b": a})


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
    real = captured_step.train_function

    def spy(model, data):
        made.append(real(model, data))
        return made[-1]

    monkeypatch.setattr(captured_step, "train_function", spy)
    _gpu_fit("adam", True)
    step = made[0]
    assert isinstance(step, captured_step.CapturedTrainStep), step
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


def _eval_model(opt="adam", seed=0, dropout=0.0):
    return _model(opt, dropout=dropout, seed=seed)


@pytest.fixture
def fake_gpu(monkeypatch):
    """jit on, the fake runner in place of CUDA graphs, the optimizer treated as fused."""
    runners = []

    def make_runner(model):
        runners.append(StateFakeRunner(model))
        return runners[-1]

    def captured(model, eager, wrapper):
        return wrapper(model, make_runner(model))

    monkeypatch.setattr(captured_step, "_captured", captured)
    monkeypatch.setattr(captured_step, "capture_blockers", lambda model: None)
    monkeypatch.setattr(cf.optimizers.Optimizer, "_fused_prepare_replay", lambda self: None)
    return runners


def _batches(x, y=None, batch=16):
    for i in range(0, len(x), batch):
        yield (x[i:i + batch],) if y is None else (x[i:i + batch], y[i:i + batch])


def _tensors(*arrays):
    return [cf.Tensor(a) for a in arrays]


def test_captured_test_step_accumulates_the_same_metrics_as_eager():
    x, y = _data()
    eager = _eval_model()
    eager.evaluate(x, y, batch_size=16, verbose=0)
    want = {k: float(v) for k, v in eager.get_metrics_result().items()}
    m = _eval_model()
    m.reset_metrics()
    runner = StateFakeRunner(m)
    step = captured_step.CapturedTestStep(m, runner)
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
    m = _eval_model()
    want = m.predict(x, batch_size=16, verbose=0)
    step = captured_step.CapturedPredictStep(m, StateFakeRunner(m))
    outs = [step(cf.Tensor(xb)) for (xb,) in _batches(x)]
    assert step.replays == 3 and step.eager_steps == 2
    np.testing.assert_allclose(np.concatenate([o.numpy() for o in outs]), want, rtol=1e-6)
    # each replay's result is its own array: the next replay must not overwrite it
    assert len({id(o.data) for o in outs}) == len(outs)
    np.testing.assert_allclose(outs[2].numpy(), want[32:48], rtol=1e-6)


def test_replaced_state_buffers_are_recaptured(caplog):
    x, _ = _data(n=96)
    m = _eval_model()
    runner = StateFakeRunner(m)
    step = captured_step.CapturedPredictStep(m, runner)
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
    m = _eval_model()
    step = captured_step.CapturedPredictStep(m, StateFakeRunner(m))
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
                mp.setattr(captured_step, "_captured", lambda model, eager, wrapper: eager)
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
    m = _eval_model()
    m.evaluate(x, y, batch_size=16, verbose=0)  # 3 batches: the capture would not repay itself
    m.predict(x, batch_size=16, verbose=0)
    assert fake_gpu == []


def test_run_eagerly_turns_capture_off():
    class Fake:
        device = "gpu:0"
        _jit_compile = True
        run_eagerly = True

    assert not captured_step.jit_enabled(Fake())
    Fake.run_eagerly = False
    assert captured_step.jit_enabled(Fake())


@pytest.mark.gpu
@requires_gpu
def test_gpu_captured_fit_evaluate_predict_equal_eager(monkeypatch):
    made = []
    for name in ("train_function", "test_function", "predict_function"):
        real = getattr(captured_step, name)
        monkeypatch.setattr(captured_step, name,
                            lambda *a, real=real: made.append(real(*a)) or made[-1])
    x, y = _data(n=200)
    xv, yv = _data(n=90, seed=1)
    out = {}
    for jit in (False, True):
        with cf.device("gpu:0"):
            m = _eval_model("adam", dropout=0.2)
            m.compile(optimizer="adam", metrics=["accuracy"], jit_compile=jit,
                      loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
            h = m.fit(x, y, batch_size=16, epochs=2, validation_data=(xv, yv), verbose=0)
            out[jit] = (m.get_weights(), h.history, m.evaluate(xv, yv, batch_size=8, verbose=0),
                        m.predict(xv, batch_size=8, verbose=0))
    captured = [s for s in made if isinstance(s, captured_step._CapturedStep)]
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
    m = _eval_model()
    runner = StateFakeRunner(m)
    step = captured_step.CapturedPredictStep(m, runner)
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

    m = _eval_model()
    m.compile(optimizer=mixed_precision.LossScaleOptimizer(cf.optimizers.Adam()),
              loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "LossScaleOptimizer" in captured_step.capture_blockers(m)
