"""Metric base behaviour, Mean/Sum, get/serialize/deserialize and resolve_accuracy."""

import numpy as np
import pytest

import cuflow
from cuflow import metrics


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


@pytest.mark.parametrize("name,cls,expected_name", [
    ("accuracy", metrics.Accuracy, "accuracy"),
    ("acc", metrics.Accuracy, "acc"),
    ("binary_accuracy", metrics.BinaryAccuracy, "binary_accuracy"),
    ("categorical_accuracy", metrics.CategoricalAccuracy, "categorical_accuracy"),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy,
     "sparse_categorical_accuracy"),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy,
     "top_k_categorical_accuracy"),
    ("precision", metrics.Precision, "precision"),
    ("recall", metrics.Recall, "recall"),
    ("auc", metrics.AUC, "auc"),
    ("AUC", metrics.AUC, "auc"),
    ("mse", metrics.MeanSquaredError, "mean_squared_error"),
    ("mean_squared_error", metrics.MeanSquaredError, "mean_squared_error"),
    ("mae", metrics.MeanAbsoluteError, "mean_absolute_error"),
    ("mape", metrics.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    ("rmse", metrics.RootMeanSquaredError, "root_mean_squared_error"),
    ("SparseTopKCategoricalAccuracy", metrics.SparseTopKCategoricalAccuracy,
     "sparse_top_k_categorical_accuracy"),
])
def test_get_by_name(name, cls, expected_name):
    m = metrics.get(name)
    assert type(m) is cls and m.name == expected_name


def test_get_other_identifiers():
    inst = metrics.Recall()
    assert metrics.get(inst) is inst
    assert isinstance(metrics.get(metrics.Precision), metrics.Precision)
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.serialize(metrics.AUC())), metrics.AUC)
    with pytest.raises(ValueError, match="Unknown metric 'accurcy'.*sparse_categorical_accuracy"):
        metrics.get("accurcy")
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(3)


@pytest.mark.parametrize("metric", [
    metrics.BinaryAccuracy(threshold=0.3, name="ba"),
    metrics.TopKCategoricalAccuracy(k=3),
    metrics.Precision(thresholds=[0.2, 0.7], top_k=2, class_id=None),
    metrics.AUC(num_thresholds=50, curve="PR", multi_label=True, num_labels=2),
    metrics.AUC(thresholds=[0.25, 0.5]),
    metrics.MeanMetricWrapper(metrics.mean_absolute_error, name="wrapped"),
    metrics.RootMeanSquaredError(dtype="float64"),
])
def test_serialize_roundtrip(metric):
    import json

    config = json.loads(json.dumps(metrics.serialize(metric)))
    back = metrics.deserialize(config)
    assert type(back) is type(metric)
    assert back.get_config() == metric.get_config()


def test_deserialize_refuses_unknown_classes():
    with pytest.raises(ValueError, match="Unknown metric class 'os.system'"):
        metrics.deserialize({"class_name": "os.system", "config": {}})

    class MyMetric(metrics.Mean):
        pass

    got = metrics.deserialize({"class_name": "MyMetric", "config": {"name": "m"}},
                              custom_objects={"MyMetric": MyMetric})
    assert isinstance(got, MyMetric) and got.name == "m"


@pytest.mark.parametrize("loss,yt,yp,cls", [
    ("binary_crossentropy", (8, 3), (8, 3), metrics.BinaryAccuracy),
    ("BinaryCrossentropy", (8, 3), (8, 3), metrics.BinaryAccuracy),
    ("bce", (8, 3), (8, 3), metrics.BinaryAccuracy),
    ("mse", (8, 1), (8, 1), metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (8,), (8, 10), metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (8, 10), (8, 10), metrics.CategoricalAccuracy),
    ("mse", (8,), (8, 10), metrics.SparseCategoricalAccuracy),
    ("mse", (8, 1), (8, 10), metrics.SparseCategoricalAccuracy),
    ("mse", (8, 10), (8, 10), metrics.CategoricalAccuracy),
    (None, (8, 10), (8, 10), metrics.CategoricalAccuracy),
    ("mse", None, (8, 10), metrics.CategoricalAccuracy),
    ("sparse_categorical_crossentropy", None, (8, 10), metrics.SparseCategoricalAccuracy),
])
def test_resolve_accuracy(loss, yt, yp, cls):
    m = metrics.resolve_accuracy(loss, yt, yp)
    assert type(m) is cls and m.name == "accuracy"


def test_resolve_accuracy_from_loss_objects_and_acc_name():
    class SparseCategoricalCrossentropy:
        name = "sparse_categorical_crossentropy"

    m = metrics.resolve_accuracy(SparseCategoricalCrossentropy(), (4, 1), (4, 5), name="acc")
    assert type(m) is metrics.SparseCategoricalAccuracy and m.name == "acc"

    def binary_crossentropy(y_true, y_pred):
        return y_pred

    assert type(metrics.resolve_accuracy(binary_crossentropy, (4, 2), (4, 2))) is \
        metrics.BinaryAccuracy


class _NoSync(np.ndarray):
    """An array that refuses host reads, standing in for a device array in update_state."""

    def _refuse(self, *args):
        raise AssertionError("update_state read a value on the host (a device sync)")

    __float__ = __int__ = __bool__ = item = tolist = _refuse


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
    y_pred = cuflow.Tensor._wrap(probs.view(_NoSync))
    if "sparse" in metric.name:
        y_true = rng.integers(0, 3, size=8)
    elif metric.name == "accuracy":
        y_true = probs.round(1)
    else:
        y_true = (probs > 0.5).astype(np.float32)
    for w in (None, rng.uniform(size=8)):
        metric.update_state(y_true, y_pred, sample_weight=w)
    assert np.all(np.isfinite(metric.result().numpy()))
