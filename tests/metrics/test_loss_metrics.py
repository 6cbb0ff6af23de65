"""cuflow.metrics.loss_metrics: the running means of per-sample losses against the keras.io
examples and float64 NumPy formulas."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import EPS, _ref_bce, _ref_cce, _run, _softmax, _t, check_keras_example

_YT, _YP = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]

_YT2, _YP2 = [[0, 1], [0, 0]], [[1, 1], [0, 0]]

_CAT_T, _CAT_P = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]

# (id, factory, y_true, y_pred, expected, sample_weight, expected weighted)
KERAS_EXAMPLES = [
    ("bce", metrics.BinaryCrossentropy, _YT, _YP, 0.81492424, [1, 0], 0.9162905),
    ("cce", metrics.CategoricalCrossentropy, _CAT_T, _CAT_P, 1.1769392, [0.3, 0.7], 1.6271976),
    ("scce", metrics.SparseCategoricalCrossentropy, [1, 2], _CAT_P, 1.1769392, [0.3, 0.7],
     1.6271976),
    ("kld", metrics.KLDivergence, _YT, _YP, 0.45814306, [1, 0], 0.9162892),
    ("poisson", metrics.Poisson, _YT2, _YP2, 0.49999997, [1, 0], 0.99999994),
    ("hinge", metrics.Hinge, _YT, _YP, 1.3, [1, 0], 1.1),
    ("squared_hinge", metrics.SquaredHinge, _YT, _YP, 1.86, [1, 0], 1.46),
    ("categorical_hinge", metrics.CategoricalHinge, _YT, _YP, 1.4000001, [1, 0], 1.2),
    ("logcosh", metrics.LogCoshError, _YT2, _YP2, 0.10844523, [1, 0], 0.21689045),
    ("msle", metrics.MeanSquaredLogarithmicError, _YT2, _YP2, 0.12011322, [1, 0], 0.24022643),
    ("cosine", lambda: metrics.CosineSimilarity(axis=1), [[0., 1.], [1., 1.]],
     [[1., 0.], [1., 1.]], 0.49999997, [0.3, 0.7], 0.6999999),
]


@pytest.mark.parametrize("case", KERAS_EXAMPLES, ids=[c[0] for c in KERAS_EXAMPLES])
@on_every_device
def test_keras_io_examples(case, device):
    check_keras_example(case, device)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


LOSS_CASES = {
    "bce": (metrics.BinaryCrossentropy(), _ref_bce, "prob"),
    "bce_logits_ls": (metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
                      lambda t, p: _ref_bce(t, p, True, 0.2), "logit"),
    "cce": (metrics.CategoricalCrossentropy(), _ref_cce, "onehot"),
    "cce_logits_ls": (metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
                      lambda t, p: _ref_cce(t, p, True, 0.1), "onehot_logit"),
    "kld": (metrics.KLDivergence(),
            lambda t, p: np.sum(np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1)
                                                            / np.clip(p, EPS, 1)), -1), "soft"),
    "poisson": (metrics.Poisson(), lambda t, p: np.mean(p - t * np.log(p + EPS), -1), "pos"),
    "hinge": (metrics.Hinge(),
              lambda t, p: np.mean(np.maximum(1 - _hinge_labels(t) * p, 0), -1), "binary"),
    "squared_hinge": (metrics.SquaredHinge(),
                      lambda t, p: np.mean(np.maximum(1 - _hinge_labels(t) * p, 0) ** 2, -1),
                      "binary"),
    "categorical_hinge": (metrics.CategoricalHinge(), lambda t, p: np.maximum(
        np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0), "onehot"),
    "logcosh": (metrics.LogCoshError(), lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
                "real"),
    "msle": (metrics.MeanSquaredLogarithmicError(), lambda t, p: np.mean(
        (np.log1p(np.maximum(p, EPS)) - np.log1p(np.maximum(t, EPS))) ** 2, -1), "pos"),
    "cosine": (metrics.CosineSimilarity(), lambda t, p: np.sum(
        t / np.linalg.norm(t, axis=-1, keepdims=True)
        * p / np.linalg.norm(p, axis=-1, keepdims=True), -1), "real"),
}


def _loss_data(kind, rng, n=40, k=4):
    real = rng.normal(size=(n, k))
    prob = rng.uniform(0.02, 0.98, size=(n, k))
    onehot = np.eye(k)[rng.integers(0, k, size=n)]
    return {"prob": (rng.integers(0, 2, size=(n, k)).astype(float), prob),
            "logit": (rng.integers(0, 2, size=(n, k)).astype(float), 3 * real),
            "onehot": (onehot, prob),
            "onehot_logit": (onehot, 3 * real),
            "soft": (_softmax(real), _softmax(rng.normal(size=(n, k)))),
            "pos": (rng.uniform(0, 3, size=(n, k)), rng.uniform(0.1, 3, size=(n, k))),
            "binary": (rng.integers(0, 2, size=(n, k)).astype(float), real),
            "real": (real, real + 0.5 * rng.normal(size=(n, k)))}[kind]


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
@on_every_device
def test_loss_metrics_match_numpy_batched_and_weighted(case, rng, device):
    metric, ref, kind = LOSS_CASES[case]
    metric = type(metric).from_config(metric.get_config())  # fresh state
    t, p = _loss_data(kind, rng)
    t, p = t.astype(np.float32), p.astype(np.float32)
    per = ref(t.astype(np.float64), p.astype(np.float64))
    for lo, hi in ((0, 7), (7, 30), (30, 40)):  # batches of unequal size
        metric.update_state(_t(t[lo:hi], device), _t(p[lo:hi], device))
    assert float(metric.result()) == pytest.approx(per.mean(), rel=2e-5, abs=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    w = rng.uniform(0, 2, size=len(t))
    got = _run(metric, t, p, w, device)
    assert float(got) == pytest.approx((per * w).sum() / w.sum(), rel=2e-5, abs=1e-6)


@on_every_device
def test_sparse_crossentropy_matches_categorical_and_axis(rng, device):
    labels = rng.integers(0, 5, size=(6, 3))
    logits = rng.normal(size=(6, 3, 5)).astype(np.float32)
    sparse = metrics.SparseCategoricalCrossentropy(from_logits=True)
    dense = metrics.CategoricalCrossentropy(from_logits=True)
    got = _run(sparse, labels, logits, device=device)
    want = _ref_cce(np.eye(5)[labels], logits.astype(np.float64), from_logits=True).mean()
    assert float(got) == pytest.approx(want, rel=1e-5)
    assert float(_run(dense, np.eye(5)[labels], logits, device=device)) == pytest.approx(want,
                                                                                      rel=1e-5)
    # the class axis first: same values with axis=1 on transposed inputs
    moved = metrics.CategoricalCrossentropy(from_logits=True, axis=1)
    got = _run(moved, np.eye(5)[labels].transpose(0, 2, 1), logits.transpose(0, 2, 1),
               device=device)
    assert float(got) == pytest.approx(want, rel=1e-5)
    # float labels with a trailing 1 are accepted, as Keras does
    flat = metrics.SparseCategoricalCrossentropy(from_logits=True)
    got = _run(flat, labels[:, :1].astype(np.float32), logits[:, 0], device=device)
    want = _ref_cce(np.eye(5)[labels[:, 0]], logits[:, 0].astype(np.float64), True).mean()
    assert float(got) == pytest.approx(want, rel=1e-5)
    # a label out of range makes the value NaN (checking it would need a host read)
    bad = metrics.SparseCategoricalCrossentropy()
    per = metrics.sparse_categorical_crossentropy(_t([0, 5, -1], device),
                                                  _t(np.full((3, 5), 0.2), device)).numpy()
    assert per[0] == pytest.approx(-np.log(0.2), rel=1e-6) and np.isnan(per[1:]).all()
    assert np.isnan(_run(bad, [0, 5], np.full((2, 5), 0.2), device=device))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="same shape"):
        metrics.Hinge().update_state(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="out of range"):
        metrics.CategoricalCrossentropy(axis=3).update_state(np.ones((2, 3)), np.ones((2, 3)))


def test_sparse_categorical_crossentropy_ignore_class_as_keras():
    yt = np.array([0, 1, 2])
    yp = np.array([[0.8, 0.1, 0.1], [0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    per = -np.log([0.95, 0.1])
    m = metrics.SparseCategoricalCrossentropy(ignore_class=0)
    np.testing.assert_allclose(float(m(yt, yp).numpy()), per.sum() / 3, rtol=1e-5)
    m = metrics.SparseCategoricalCrossentropy(ignore_class=0)
    m.update_state(yt, yp, sample_weight=np.array([0.5, 1.5, 2.0]))
    np.testing.assert_allclose(float(m.result().numpy()), (1.5 * per[0] + 2 * per[1]) / 3.5,
                               rtol=1e-5)
    assert m.get_config()["ignore_class"] == 0


def test_metric_and_loss_of_one_name_deserialize_to_their_own_kind():
    import cuflow

    for obj in (metrics.BinaryCrossentropy(name="bce"), cuflow.losses.BinaryCrossentropy()):
        back = cuflow.utils.deserialize_keras_object(cuflow.utils.serialize_keras_object(obj))
        assert type(back) is type(obj)
    back = metrics.MeanMetricWrapper.from_config({"name": "m", "dtype": "float32", "fn": "mse"})
    assert back._fn is cuflow.losses.mse  # a loss function by its alias
