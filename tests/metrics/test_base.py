"""cuflow.metrics.base: Metric state on the device and updated in place, Mean / Sum /
MeanMetricWrapper, no host reads in any metric's update, and metrics inside fit / evaluate."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import layers, metrics, models
from cuflow.testing import on_every_device

from ._helpers import NoSync, _ref_cce


@on_every_device
def test_mean_and_sum_weighted(device):
    m = metrics.Mean()
    m.update_state(cuflow.Tensor([1.0, 2.0, 3.0], device=device))
    m.update_state(cuflow.Tensor([[4.0, 6.0]], device=device))  # rank 2: mean per sample
    assert float(m.result()) == pytest.approx((1 + 2 + 3 + 5) / 4)
    mw = metrics.Mean()
    mw.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 3.0])
    assert float(mw.result()) == pytest.approx(10 / 4)
    s = metrics.Sum()
    s.update_state(cuflow.Tensor([[1.0, 2.0], [3.0, 4.0]], device=device),
                   sample_weight=cuflow.Tensor([1.0, 2.0], device=device))
    assert float(s.result()) == pytest.approx(3 + 14)
    s.update_state(cuflow.Tensor(5.0, device=device))
    assert float(s.result()) == pytest.approx(22)
    s.reset_state()
    assert float(s.result()) == 0.0


@on_every_device
def test_state_is_device_resident_and_updated_in_place(device):
    m = metrics.Mean()
    m.update_state(cuflow.Tensor([1.0, 3.0], device=device))
    total = m._state["total"]
    m.update_state(cuflow.Tensor([5.0], device=device))
    m.reset_state()
    assert m._state["total"] is total  # same array: a captured graph keeps valid addresses
    assert [v.device for v in m.variables] == [device, device]
    assert m.result().dtype == np.float32


def test_call_returns_running_result():
    m = metrics.Mean()
    assert float(m([2.0])) == 2.0
    assert float(m([4.0])) == 3.0


@on_every_device
def test_mean_metric_wrapper_user_function(device):
    def doubled_error(y_true, y_pred):
        assert isinstance(y_pred, cuflow.Tensor)
        return cuflow.ops.abs(y_true - y_pred) * 2.0

    m = metrics.get(doubled_error)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "doubled_error"
    m.update_state(cuflow.Tensor([1.0, 2.0], device=device),
                   cuflow.Tensor([1.5, 1.0], device=device))
    assert float(m.result()) == pytest.approx((1.0 + 2.0) / 2)


def test_device_mismatch_raises():
    if "gpu:0" not in cuflow.devices():
        pytest.skip("needs a GPU to have two devices")
    with pytest.raises(ValueError, match="is on gpu:0 but y_pred is on cpu"):
        metrics.Accuracy()(cuflow.Tensor([1.0], device="gpu:0"), np.array([1.0]))


@pytest.mark.parametrize("metric", [
    metrics.Accuracy(), metrics.BinaryAccuracy(), metrics.CategoricalAccuracy(),
    metrics.SparseCategoricalAccuracy(), metrics.TopKCategoricalAccuracy(k=2),
    metrics.SparseTopKCategoricalAccuracy(k=2), metrics.Precision(top_k=2),
    metrics.Recall(thresholds=[0.3, 0.6]), metrics.AUC(), metrics.AUC(curve="PR"),
    metrics.AUC(multi_label=True, from_logits=True), metrics.MeanSquaredError(),
    metrics.MeanAbsoluteError(), metrics.MeanAbsolutePercentageError(),
    metrics.RootMeanSquaredError(),
], ids=lambda m: m.name + ("_ml" if getattr(m, "multi_label", False) else ""))
def test_update_state_never_reads_values_on_the_host(metric, rng):
    probs = rng.uniform(size=(8, 3)).astype(np.float32)
    y_pred = cuflow.Tensor._wrap(probs.view(NoSync))
    if "sparse" in metric.name:
        y_true = rng.integers(0, 3, size=8)
    elif metric.name == "accuracy":
        y_true = probs.round(1)
    else:
        y_true = (probs > 0.5).astype(np.float32)
    for w in (None, rng.uniform(size=8)):
        metric.update_state(y_true, y_pred, sample_weight=w)
    assert np.all(np.isfinite(metric.result().numpy()))


def _no_sync_cases(rng):
    probs = rng.uniform(size=(8, 3)).astype(np.float32)
    onehot = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=8)]
    binary = (probs > 0.5).astype(np.float32)
    labels = rng.integers(0, 3, size=8)
    return [
        (metrics.BinaryCrossentropy(), binary, probs), (metrics.CategoricalCrossentropy(),
                                                        onehot, probs),
        (metrics.SparseCategoricalCrossentropy(from_logits=True), labels, probs),
        (metrics.KLDivergence(), onehot, probs), (metrics.Poisson(), binary, probs),
        (metrics.Hinge(), binary, probs), (metrics.SquaredHinge(), binary, probs),
        (metrics.CategoricalHinge(), onehot, probs), (metrics.LogCoshError(), binary, probs),
        (metrics.MeanSquaredLogarithmicError(), binary, probs),
        (metrics.CosineSimilarity(), binary, probs),
        (metrics.TruePositives(thresholds=[0.2, 0.6]), binary, probs),
        (metrics.TrueNegatives(), binary, probs), (metrics.FalsePositives(), binary, probs),
        (metrics.FalseNegatives(), binary, probs),
        (metrics.PrecisionAtRecall(0.5), binary, probs),
        (metrics.RecallAtPrecision(0.5, class_id=1), binary, probs),
        (metrics.SensitivityAtSpecificity(0.5), binary, probs),
        (metrics.SpecificityAtSensitivity(0.5, num_thresholds=1), binary, probs),
        (metrics.F1Score(), onehot, probs), (metrics.FBetaScore("weighted", 2.0, 0.5), binary,
                                             probs),
        (metrics.R2Score(num_regressors=1), binary, probs),
        (metrics.IoU(3, [0, 2], ignore_class=1), labels, probs[:, 0] * 3),
        (metrics.MeanIoU(3, sparse_y_pred=False), labels, probs),
        (metrics.BinaryIoU(), binary, probs), (metrics.OneHotIoU(3, [1]), onehot, probs),
        (metrics.OneHotMeanIoU(3), onehot, probs), (metrics.PearsonCorrelation(), binary, probs),
        (metrics.ConcordanceCorrelation(), binary, probs),
    ]


def test_no_metric_reads_values_on_the_host(rng):
    for metric, y_true, probs in _no_sync_cases(rng):
        y_pred = cuflow.Tensor._wrap(probs.view(NoSync))
        for w in (None, rng.uniform(size=8)):
            metric.update_state(y_true, y_pred, sample_weight=w)
        assert np.all(np.isfinite(metric.result().numpy())), metric.name


def _classifier(seed=0):
    cuflow.utils.set_random_seed(seed)
    return models.Sequential([layers.Input(shape=(5,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])


def _compile_metrics():
    return ["categorical_crossentropy", "kl_divergence", "f1_score",
            metrics.F1Score(average="macro", name="f1_macro"),
            metrics.FBetaScore(average="weighted", beta=0.5, threshold=0.4),
            metrics.OneHotMeanIoU(num_classes=3),
            metrics.PrecisionAtRecall(0.5, class_id=0, num_thresholds=20),
            metrics.TruePositives(thresholds=0.3), "categorical_hinge", "cosine_similarity",
            metrics.R2Score(), metrics.PearsonCorrelation()]


def _clf_data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)]
    return x, y


def _macro_f1(labels, pred, k):
    """Macro F1 of integer labels, straight from the per-class counts (0 where undefined)."""
    scores = []
    for c in range(k):
        tp = np.sum((pred == c) & (labels == c))
        fp, fn = np.sum((pred == c) & (labels != c)), np.sum((pred != c) & (labels == c))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def test_compile_fit_evaluate_save_load(tmp_path):
    x, y = _clf_data()
    model = _classifier()
    mets = _compile_metrics()
    mets[2] = metrics.F1Score(average="micro")  # vector results do not fit in float logs
    model.compile("adam", "categorical_crossentropy", metrics=mets)
    hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    for key in ("categorical_crossentropy", "kl_divergence", "f1_score", "f1_macro",
                "fbeta_score", "one_hot_mean_io_u", "precision_at_recall", "true_positives",
                "categorical_hinge", "cosine_similarity", "r2_score", "pearson_correlation"):
        assert key in hist.history and np.all(np.isfinite(hist.history[key])), key
    ev = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    assert ev["categorical_crossentropy"] == pytest.approx(
        _ref_cce(y.astype(np.float64), pred.astype(np.float64)).mean(), rel=1e-5)
    assert ev["loss"] == pytest.approx(ev["categorical_crossentropy"], rel=1e-5)
    assert ev["f1_macro"] == pytest.approx(
        _macro_f1(y.argmax(1), pred.argmax(1), y.shape[1]), rel=1e-5)
    path = tmp_path / "m.cuflow"
    model.save(path)
    loaded = models.load_model(path)
    assert loaded.evaluate(x, y, batch_size=16, verbose=0, return_dict=True) == pytest.approx(ev)


def test_evaluate_through_the_captured_step_equals_eager():
    from cuflow.trainers import captured_step as graph_step

    from ..trainers._captured_fakes import StateFakeRunner

    x, y = _clf_data(n=80, seed=3)
    eager = _classifier()
    eager.compile("adam", "categorical_crossentropy", metrics=_compile_metrics())
    for i in range(0, len(x), 16):  # evaluate's eager step (its logs take scalars only)
        eager._test_step(cuflow.Tensor(x[i:i + 16]), cuflow.Tensor(y[i:i + 16]), None)
    want = {k: v.numpy() for k, v in eager.get_metrics_result().items()}
    m = _classifier()
    m.compile("adam", "categorical_crossentropy", metrics=_compile_metrics())
    m.reset_metrics()
    runner = StateFakeRunner(m)
    step = graph_step.CapturedTestStep(m, runner)
    for i in range(0, len(x), 16):
        step(cuflow.Tensor(x[i:i + 16]), cuflow.Tensor(y[i:i + 16]))
    assert runner.captures == 1 and step.replays >= 1
    got = {k: v.numpy() for k, v in m.get_metrics_result().items()}
    assert got.keys() == want.keys() and "f1_score" in got and got["f1_score"].shape == (3,)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-6, err_msg=k)


def test_vector_results_reach_fit_evaluate_logs_and_the_progress_bar(capsys):
    import cuflow as cf
    from cuflow import layers as L

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    cf.utils.set_random_seed(0)
    model = cf.models.Sequential([L.Input(shape=(4,)), L.Dense(3, activation="softmax")])
    f1 = cf.metrics.F1Score(average=None, threshold=0.3)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[f1])
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=2)
    per_class = hist.history["f1_score"][-1]
    assert isinstance(per_class, np.ndarray) and per_class.shape == (3,)
    assert "f1_score: [" in capsys.readouterr().out
    loss, scores = model.evaluate(x, y, batch_size=8, verbose=0)
    assert isinstance(loss, float) and scores.shape == (3,)
    np.testing.assert_allclose(scores, f1.result().numpy())


class _KerasStyleMSE(cuflow.metrics.Metric):
    """A Keras-style subclass: Variables from add_variable, assigned in update_state."""

    def __init__(self, name="kmse", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.sum = self.add_variable(shape=(), initializer=cuflow.initializers.Zeros(),
                                     name="sum")
        self.total = self.add_variable(shape=(), initializer="zeros", dtype="int32",
                                       name="total")

    def update_state(self, y_true, y_pred):
        d = cuflow.ops.convert_to_tensor(y_true, "float32") - cuflow.ops.convert_to_tensor(
            y_pred, "float32")
        self.sum.assign(self.sum + cuflow.ops.sum(d * d))
        self.total.assign(self.total.numpy() + d.shape[0])

    def result(self):
        return self.sum / cuflow.ops.cast(self.total, "float32")

    def reset_state(self):
        self.sum.assign(0.0)
        self.total.assign(0)


def test_keras_style_metric_variables_stateless_forms_and_tracking():
    rng = np.random.default_rng(0)
    yt, yp = rng.random((6, 2)), rng.random((6, 2))
    m = _KerasStyleMSE()
    assert [v.name for v in m.variables] == ["sum", "total"]
    assert m.total.dtype == np.int32 and m.dtype == "float32"
    new = m.stateless_update_state(m.variables, yt, yp)
    assert float(m.sum.numpy()) == 0.0 and int(m.total.numpy()) == 0  # unchanged
    np.testing.assert_allclose(float(m.stateless_result(new).numpy()),
                               np.sum((yt - yp) ** 2) / 6, rtol=1e-5)
    m.update_state(yt, yp)
    assert [int(v.numpy()) for v in m.stateless_reset_state()] == [0, 0]
    assert int(m.total.numpy()) == 6
    m.extra = {"a": [cuflow.Variable(0.0)], "sub": _KerasStyleMSE()}
    assert len(m.variables) == 5
    with pytest.raises(AttributeError):
        m.dtype = "float16"


def test_metric_dtype_accepts_integer_and_policies():
    assert cuflow.metrics.Mean(dtype="int32").dtype == "int32"
    assert cuflow.metrics.Mean(dtype="mixed_float16").dtype == "float16"
    assert cuflow.metrics.Mean(dtype=cuflow.mixed_precision.Policy("float64")).dtype == "float64"
    p = cuflow.metrics.Precision()
    assert [v.name for v in p.variables] == ["true_positives", "false_positives"]
    assert p.true_positives is p.variables[0]
