"""Accuracy metrics against float64 NumPy references, on every available device."""

import numpy as np
import pytest

import cuflow
from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import _t


def _ref_mean(values, weights=None):
    values = np.asarray(values, np.float64)
    if weights is None:
        return values.mean()
    return (values * weights).sum() / np.sum(weights)


@on_every_device
def test_sparse_categorical_accuracy_batches_and_reset(device, rng):
    m = metrics.SparseCategoricalAccuracy()
    all_hits = []
    for n in (7, 16, 3):
        logits = rng.normal(size=(n, 5)).astype(np.float32)
        labels = rng.integers(0, 5, size=n)
        all_hits.append(np.argmax(logits, -1) == labels)
        m.update_state(_t(labels, device), _t(logits, device))
    got = m.result()
    assert isinstance(got, cuflow.Tensor) and got.shape == () and got.device == device
    assert float(got) == pytest.approx(np.concatenate(all_hits).mean(), abs=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0


@pytest.mark.parametrize("label_shape", ["flat", "column", "float"])
@on_every_device
def test_sparse_categorical_accuracy_label_forms(device, rng, label_shape):
    logits = rng.normal(size=(10, 4)).astype(np.float32)
    labels = rng.integers(0, 4, size=10)
    want = (np.argmax(logits, -1) == labels).mean()
    y = {"flat": labels, "column": labels[:, None],
         "float": labels.astype(np.float32)[:, None]}[label_shape]
    m = metrics.SparseCategoricalAccuracy()
    assert float(m(_t(y, device), _t(logits, device))) == pytest.approx(want)
    assert float(metrics.sparse_categorical_accuracy(y, logits).numpy().mean()) == \
        pytest.approx(want)


@on_every_device
def test_sparse_categorical_accuracy_sample_weight(device, rng):
    logits = rng.normal(size=(12, 3)).astype(np.float32)
    labels = rng.integers(0, 3, size=12)
    w = rng.uniform(0, 2, size=12)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(_t(labels, device), _t(logits, device), sample_weight=_t(w, device))
    hits = np.argmax(logits, -1) == labels
    assert float(m.result()) == pytest.approx(_ref_mean(hits, w), rel=1e-6)
    # (N, 1) weights mean the same
    m2 = metrics.SparseCategoricalAccuracy()
    m2.update_state(labels, _t(logits, device), sample_weight=w[:, None])
    assert float(m2.result()) == pytest.approx(_ref_mean(hits, w), rel=1e-6)


@on_every_device
def test_categorical_accuracy(device, rng):
    probs = rng.uniform(size=(20, 6)).astype(np.float32)
    labels = np.eye(6, dtype=np.float32)[rng.integers(0, 6, size=20)]
    hits = np.argmax(probs, -1) == np.argmax(labels, -1)
    m = metrics.CategoricalAccuracy()
    m.update_state(_t(labels[:8], device), _t(probs[:8], device))
    m.update_state(_t(labels[8:], device), _t(probs[8:], device))
    assert float(m.result()) == pytest.approx(hits.mean())
    w = rng.uniform(size=20)
    mw = metrics.CategoricalAccuracy()
    mw.update_state(labels, _t(probs, device), sample_weight=w)
    assert float(mw.result()) == pytest.approx(_ref_mean(hits, w), rel=1e-6)
    np.testing.assert_array_equal(metrics.categorical_accuracy(labels, probs).numpy(), hits)


@pytest.mark.parametrize("threshold", [0.5, 0.3])
@on_every_device
def test_binary_accuracy(device, rng, threshold):
    p = rng.uniform(size=(15, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=(15, 3)).astype(np.float32)
    per_sample = ((p > threshold) == y).mean(-1)
    m = metrics.BinaryAccuracy(threshold=threshold)
    m.update_state(_t(y, device), _t(p, device))
    assert float(m.result()) == pytest.approx(per_sample.mean(), rel=1e-6)
    w = rng.uniform(size=15)
    mw = metrics.BinaryAccuracy(threshold=threshold)
    mw.update_state(_t(y, device), _t(p, device), sample_weight=_t(w, device))
    assert float(mw.result()) == pytest.approx(_ref_mean(per_sample, w), rel=1e-6)


@on_every_device
def test_binary_accuracy_one_unit_with_flat_labels(device, rng):
    p = rng.uniform(size=(9, 1)).astype(np.float32)
    y = rng.integers(0, 2, size=9)
    m = metrics.BinaryAccuracy()
    m.update_state(_t(y, device), _t(p, device))
    assert float(m.result()) == pytest.approx(((p[:, 0] > 0.5) == y).mean())


@on_every_device
def test_accuracy_exact_match(device):
    m = metrics.Accuracy()
    m.update_state(_t([[1], [2], [3], [4]], device), _t([[0], [2], [3], [4]], device))
    assert float(m.result()) == pytest.approx(0.75)
    m.update_state([[1], [2]], _t([[1], [0]], device), sample_weight=[1.0, 3.0])
    assert float(m.result()) == pytest.approx((3 + 1) / (4 + 4))


def _top_k_ref(scores, labels, k):
    target = scores[np.arange(len(labels)), labels]
    return (np.sum(scores > target[:, None], -1) < k).astype(np.float64)


@pytest.mark.parametrize("k", [1, 2, 5])
@on_every_device
def test_top_k_accuracies(device, rng, k):
    scores = rng.normal(size=(30, 6)).astype(np.float32)
    labels = rng.integers(0, 6, size=30)
    want = _top_k_ref(scores, labels, k)
    m = metrics.SparseTopKCategoricalAccuracy(k=k)
    m.update_state(_t(labels, device), _t(scores, device))
    assert float(m.result()) == pytest.approx(want.mean())
    mc = metrics.TopKCategoricalAccuracy(k=k)
    mc.update_state(_t(np.eye(6)[labels], device), _t(scores, device))
    assert float(mc.result()) == pytest.approx(want.mean())
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy(np.eye(6)[labels], scores, k=k).numpy(), want)


def test_top_k_ties_count_as_hits():
    # TF's in_top_k: a target tied with the k-th score is in the top k
    scores = np.array([[0.5, 0.5, 0.5, 0.1]], np.float32)
    assert float(metrics.SparseTopKCategoricalAccuracy(k=1)([2], scores)) == 1.0
    assert float(metrics.SparseTopKCategoricalAccuracy(k=1)([3], scores)) == 0.0


def test_sparse_labels_of_wrong_shape_raise():
    with pytest.raises(ValueError, match="sparse labels must have shape"):
        metrics.SparseCategoricalAccuracy()(np.zeros((4, 2)), np.zeros((4, 3), np.float32))


def test_names_and_directions():
    assert metrics.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert metrics.CategoricalAccuracy(name="acc").name == "acc"
    assert metrics.TopKCategoricalAccuracy().name == "top_k_categorical_accuracy"
    assert metrics.Accuracy()._direction == "up"


@on_every_device
def test_numpy_labels_follow_predictions_device(device, rng):
    logits = rng.normal(size=(6, 3)).astype(np.float32)
    m = metrics.SparseCategoricalAccuracy()
    out = m(np.array([0, 1, 2, 0, 1, 2]), _t(logits, device))
    assert out.device == device
    assert m.variables[0].device == device


def test_binary_accuracy_rank_1_and_elementwise_sample_weights():
    m = metrics.BinaryAccuracy()
    m.update_state(np.array([1, 1, 0, 0]), np.array([0.98, 1, 0, 0.6]),
                   sample_weight=np.array([1, 0, 0, 1]))
    np.testing.assert_allclose(float(m.result().numpy()), 0.5)
    for sw in (np.array([[1, 0], [0, 1]]), np.array([[1, 0]]), 2.0):
        m = metrics.BinaryAccuracy()
        yt, yp = np.array([[1, 1], [0, 0]]), np.array([[0.98, 1], [0, 0.6]])
        m.update_state(yt, yp, sample_weight=sw)
        w = np.broadcast_to(np.asarray(sw, float), (2, 2))
        hits = ((yp > 0.5) == yt).astype(float)
        np.testing.assert_allclose(float(m.result().numpy()), (hits * w).sum() / w.sum())


def test_sparse_top_k_from_sorted_ids_and_k_attribute():
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    assert m.k == 2 and m.get_config()["from_sorted_ids"] is True
    m.update_state(np.array([2, 1, 0]), np.array([[3, 2, 1], [0, 2, 1], [1, 2, 0]]))
    np.testing.assert_allclose(float(m.result().numpy()), 1 / 3, rtol=1e-6)
    assert metrics.TopKCategoricalAccuracy(k=1).k == 1
