"""The Keras 3 metrics beyond accuracy/AUC/precision/recall/MSE: loss-function metrics, confusion
counts and rate-at-rate metrics, F-scores, R2, IoU and correlations.

References: the worked examples of the keras.io metric pages (exact numbers), scikit-learn
(f1/fbeta, r2, jaccard, confusion matrices) and NumPy formulas written out independently here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import cuflow
from cuflow import layers, metrics, models

from .test_base_registry import _NoSync

EPS = 1e-7


@pytest.fixture
def skm():
    """scikit-learn's metrics as an independent reference (not a cuflow dependency: the tests
    that compare with it skip where it is not installed; NumPy-formula tests cover the rest)."""
    return pytest.importorskip("sklearn.metrics")


def _t(a, device):
    return cuflow.Tensor(np.asarray(a), device=device)


def _run(m, y_true, y_pred, sample_weight=None, device="cpu"):
    sw = None if sample_weight is None else _t(sample_weight, device)
    m.update_state(_t(y_true, device), _t(y_pred, device), sample_weight=sw)
    return m.result().numpy()


# ---- the keras.io examples -----------------------------------------------------------------

_YT, _YP = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
_YT2, _YP2 = [[0, 1], [0, 0]], [[1, 1], [0, 0]]
_CAT_T, _CAT_P = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
_F_T = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
_F_P = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
_OH_T = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
_OH_P = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
_OH_W = [0.1, 0.2, 0.3, 0.4]
_SS_T, _SS_P = [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]
_CORR_T, _CORR_P = [[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]

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
    ("fp", metrics.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2.0, [0, 0, 1, 0], 1.0),
    ("fn", metrics.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2.0, [0, 0, 1, 0], 1.0),
    ("tn", metrics.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2.0, [0, 0, 1, 0], 1.0),
    ("tp", metrics.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2.0, [0, 0, 1, 0], 1.0),
    ("sens_at_spec", lambda: metrics.SensitivityAtSpecificity(0.5), _SS_T, _SS_P, 0.5,
     [1, 1, 2, 2, 1], 0.333333),
    ("spec_at_sens", lambda: metrics.SpecificityAtSensitivity(0.5), _SS_T, _SS_P, 0.66666667,
     [1, 1, 2, 2, 2], 0.5),
    ("prec_at_rec", lambda: metrics.PrecisionAtRecall(0.5), _SS_T, _SS_P, 0.5,
     [2, 2, 2, 1, 1], 0.33333333),
    ("rec_at_prec", lambda: metrics.RecallAtPrecision(0.8), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9],
     0.5, [1, 0, 0, 1], 1.0),
    ("iou", lambda: metrics.IoU(num_classes=2, target_class_ids=[0]), [0, 0, 1, 1],
     [0, 1, 0, 1], 0.33333334, [0.3, 0.3, 0.3, 0.1], 0.33333334),
    ("binary_iou", lambda: metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3),
     [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], 0.33333334, [0.2, 0.3, 0.4, 0.1], 0.17361112),
    ("mean_iou", lambda: metrics.MeanIoU(num_classes=2), [0, 0, 1, 1], [0, 1, 0, 1],
     0.33333334, [0.3, 0.3, 0.3, 0.1], 0.23809525),
]


@pytest.mark.parametrize("case", KERAS_EXAMPLES, ids=[c[0] for c in KERAS_EXAMPLES])
def test_keras_io_examples(case, device):
    _, factory, yt, yp, want, sw, want_w = case
    m = factory()
    assert float(_run(m, yt, yp, device=device)) == pytest.approx(want, rel=2e-6, abs=1e-7)
    m.reset_state()
    assert float(_run(m, yt, yp, sw, device=device)) == pytest.approx(want_w, rel=2e-6,
                                                                       abs=1e-6)


def test_keras_io_examples_vector_and_rounded(device):
    np.testing.assert_allclose(_run(metrics.FBetaScore(beta=2.0, threshold=0.5), _F_T, _F_P,
                                    device=device), [0.3846154, 0.90909094, 0.8333334],
                               rtol=2e-6)
    np.testing.assert_allclose(_run(metrics.F1Score(threshold=0.5), _F_T, _F_P, device=device),
                               [0.5, 0.8, 0.6666667], rtol=2e-6)
    r2 = _run(metrics.R2Score(), np.array([[1], [4], [3]], np.float32),
              np.array([[2], [4], [4]], np.float32), device=device)
    assert float(r2) == pytest.approx(0.57142854, rel=1e-6)
    # the keras.io pages print these two rounded
    one_hot = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    assert float(_run(one_hot, _OH_T, _OH_P, _OH_W, device)) == pytest.approx(
        (0 / 0.9 + 0.1 / 0.7) / 2, rel=1e-5)
    assert float(_run(metrics.OneHotMeanIoU(num_classes=3), _OH_T, _OH_P, _OH_W,
                      device)) == pytest.approx((0.1 / 0.7) / 3, rel=1e-5)
    assert float(_run(metrics.PearsonCorrelation(axis=-1), _CORR_T, _CORR_P,
                      device=device)) == pytest.approx(0.9966996338993913, rel=2e-6)
    assert float(_run(metrics.ConcordanceCorrelation(axis=-1), _CORR_T, _CORR_P,
                      device=device)) == pytest.approx(0.9816320385426076, rel=2e-6)


# ---- loss-function metrics against NumPy formulas --------------------------------------------

def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    p = 1 / (1 + np.exp(-p)) if from_logits else p
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    p = np.clip(p, EPS, 1 - EPS)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), axis=-1)


def _ref_cce(t, p, from_logits=False, label_smoothing=0.0):
    q = _softmax(p) if from_logits else p / p.sum(-1, keepdims=True)
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    return -np.sum(t * np.log(np.clip(q, EPS, 1 - EPS)), axis=-1)


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


# ---- confusion counts and rate-at-rate metrics -----------------------------------------------

def test_condition_counts_match_sklearn_at_each_threshold(rng, device, skm):
    y = rng.integers(0, 2, size=(50, 2))
    p = rng.uniform(size=(50, 2)).astype(np.float32)
    w = rng.uniform(size=(50, 1))
    thresholds = [0.1, 0.5, 0.85]
    made = {cls: cls(thresholds=thresholds) for cls in (
        metrics.TruePositives, metrics.TrueNegatives, metrics.FalsePositives,
        metrics.FalseNegatives)}
    for m in made.values():
        for lo, hi in ((0, 20), (20, 50)):
            m.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device),
                           sample_weight=_t(w[lo:hi], device))
    want = np.array([skm.confusion_matrix(y.ravel(), (p > t).ravel(),
                                          sample_weight=np.repeat(w, 2, axis=1).ravel(),
                                          labels=[0, 1]).ravel() for t in thresholds])
    tn, fp, fn, tp = want.T
    np.testing.assert_allclose(made[metrics.TruePositives].result().numpy(), tp, rtol=1e-6)
    np.testing.assert_allclose(made[metrics.TrueNegatives].result().numpy(), tn, rtol=1e-6)
    np.testing.assert_allclose(made[metrics.FalsePositives].result().numpy(), fp, rtol=1e-6)
    np.testing.assert_allclose(made[metrics.FalseNegatives].result().numpy(), fn, rtol=1e-6)
    one = metrics.TruePositives()  # the default: one threshold at 0.5, a scalar result
    assert _run(one, y, p, device=device).shape == ()
    assert float(one.result()) == float(((p > 0.5) & (y == 1)).sum())


def _rates_at(y, p, thresholds, w):
    y = y.ravel() == 1
    p = p.ravel().astype(np.float64)
    out = []
    for t in thresholds:
        pos = p > t
        tp, fp = (w * (pos & y)).sum(), (w * (pos & ~y)).sum()
        tn, fn = (w * (~pos & ~y)).sum(), (w * (~pos & y)).sum()
        out.append((tp / (tp + fn) if tp + fn else 0.0, tp / (tp + fp) if tp + fp else 0.0,
                    tn / (tn + fp) if tn + fp else 0.0))
    return {k: np.array(v) for k, v in zip(("recall", "precision", "specificity"), zip(*out))}


@pytest.mark.parametrize("name,cls,constrained,dependent", [
    ("sens_at_spec", metrics.SensitivityAtSpecificity, "specificity", "recall"),
    ("spec_at_sens", metrics.SpecificityAtSensitivity, "recall", "specificity"),
    ("prec_at_rec", metrics.PrecisionAtRecall, "recall", "precision"),
    ("rec_at_prec", metrics.RecallAtPrecision, "precision", "recall"),
])
def test_rate_at_rate_metrics_match_brute_force(name, cls, constrained, dependent, rng, device):
    n_thr = 37
    y = rng.integers(0, 2, size=(60, 3))
    # predictions on a coarse grid, exact zeros and ones included (edge of the buckets)
    p = np.clip(0.35 * y + rng.integers(0, 14, size=(60, 3)) / 20, 0, 1).astype(np.float32)
    p[:3] = 0.0
    w = rng.uniform(size=60)
    grid = [0.0] + [(i + 1) / (n_thr - 1) for i in range(n_thr - 2)] + [1.0]
    for value in (0.3, 0.7):
        m = cls(value, num_thresholds=n_thr, class_id=1)
        for lo, hi in ((0, 25), (25, 60)):
            m.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device),
                           sample_weight=_t(w[lo:hi], device))
        rates = _rates_at(y[:, 1], p[:, 1], grid, w)
        feasible = rates[constrained] >= value
        want = rates[dependent][feasible].max() if feasible.any() else 0.0
        assert float(m.result()) == pytest.approx(want, rel=1e-5, abs=1e-7), value
    unreachable = cls(1.0, num_thresholds=5)
    _run(unreachable, [0, 1], [0.0, 0.0], device=device)
    assert float(unreachable.result()) >= 0.0  # defined (0 when no threshold qualifies)


def test_single_threshold_rate_metric_uses_half():
    m = metrics.PrecisionAtRecall(0.5, num_thresholds=1)
    assert m.thresholds == [0.5]
    assert float(_run(m, [0, 1, 1], [0.6, 0.7, 0.2])) == pytest.approx(0.5)


# ---- F-scores ---------------------------------------------------------------------------------

@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_fbeta_and_f1_match_sklearn_multilabel(average, rng, device, skm):
    y = rng.integers(0, 2, size=(80, 4))
    y[:4] = 1  # every class has support
    p = np.clip(0.4 * y + rng.uniform(size=(80, 4)) * 0.7, 0, 1).astype(np.float32)
    w = rng.uniform(0.1, 2, size=80)
    for beta in (1.0, 0.5, 2.0):
        m = metrics.FBetaScore(average=average, beta=beta, threshold=0.5)
        for lo, hi in ((0, 33), (33, 80)):
            m.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device),
                           sample_weight=_t(w[lo:hi], device))
        want = skm.fbeta_score(y, p > 0.5, beta=beta, average=average, sample_weight=w,
                               zero_division=0)
        np.testing.assert_allclose(m.result().numpy(), want, rtol=1e-5, err_msg=str(beta))
    f1 = metrics.F1Score(average=average, threshold=0.5)
    np.testing.assert_allclose(_run(f1, y, p, device=device),
                               skm.f1_score(y, p > 0.5, average=average, zero_division=0),
                               rtol=1e-5)


def test_f1_without_threshold_is_argmax_of_each_row(rng, device, skm):
    labels = rng.integers(0, 3, size=60)
    labels[:3] = [0, 1, 2]
    scores = rng.uniform(size=(60, 3)).astype(np.float32)
    f1 = metrics.F1Score(average="macro")
    got = _run(f1, np.eye(3)[labels], scores, device=device)
    want = skm.f1_score(labels, scores.argmax(-1), average="macro")
    assert float(got) == pytest.approx(want, rel=1e-5)
    # an all-zero row predicts no class at all
    zero = metrics.F1Score(average="micro")
    _run(zero, [[1, 0], [0, 1]], [[0.0, 0.0], [0.2, 0.9]], device=device)
    assert float(zero.result()) == pytest.approx(2 * 1 * 0.5 / 1.5, rel=1e-5)


# ---- R2 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("aggregation,sk", [(None, "raw_values"),
                                            ("uniform_average", "uniform_average"),
                                            ("variance_weighted_average", "variance_weighted")])
def test_r2_matches_sklearn(aggregation, sk, rng, device, skm):
    y = rng.normal(size=(70, 3)) * [1.0, 3.0, 0.5]
    p = y + rng.normal(size=(70, 3)) * 0.8
    w = rng.uniform(0.2, 2, size=70)
    m = metrics.R2Score(class_aggregation=aggregation)
    for lo, hi in ((0, 10), (10, 70)):
        m.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device))
    np.testing.assert_allclose(m.result().numpy(), skm.r2_score(y, p, multioutput=sk),
                               rtol=1e-5)
    m.reset_state()
    _run(m, y, p, w, device)
    np.testing.assert_allclose(m.result().numpy(),
                               skm.r2_score(y, p, multioutput=sk, sample_weight=w), rtol=1e-5)


def test_adjusted_r2_and_degenerate_cases(rng, device, skm):
    y = rng.normal(size=(30, 1))
    p = y + 0.3 * rng.normal(size=(30, 1))
    r2 = skm.r2_score(y, p)
    m = metrics.R2Score(num_regressors=4)
    assert float(_run(m, y, p, device=device)) == pytest.approx(
        1 - (1 - r2) * (30 - 1) / (30 - 4 - 1), rel=1e-5)
    # more regressors than samples: the plain score (Keras falls back with a warning)
    big = metrics.R2Score(num_regressors=40)
    assert float(_run(big, y, p, device=device)) == pytest.approx(r2, rel=1e-5)
    # (N,) labels meet (N, 1) predictions (Keras' rank rule); a constant target gives 0
    # (Keras maps the infinity to 0)
    flat = metrics.R2Score()
    assert float(_run(flat, y[:, 0], p, device=device)) == pytest.approx(r2, rel=1e-5)
    const = metrics.R2Score()
    assert float(_run(const, np.ones((4, 1)), np.arange(4.0)[:, None], device=device)) == 0.0
    assert float(metrics.R2Score().result()) == 0.0  # nothing seen yet


# ---- IoU ------------------------------------------------------------------------------------

def test_iou_family_matches_sklearn_jaccard(rng, device, skm):
    k = 4
    yt = rng.integers(0, k, size=(6, 10))  # a small "segmentation map"
    yp = np.where(rng.uniform(size=yt.shape) < 0.6, yt, rng.integers(0, k, size=yt.shape))
    w = rng.uniform(size=yt.shape)
    per_class = skm.jaccard_score(yt.ravel(), yp.ravel(), labels=list(range(k)), average=None,
                                  sample_weight=w.ravel())
    iou = metrics.IoU(num_classes=k, target_class_ids=[1, 3])
    mean_iou = metrics.MeanIoU(num_classes=k)
    for m in (iou, mean_iou):
        for lo, hi in ((0, 2), (2, 6)):
            m.update_state(_t(yt[lo:hi], device), _t(yp[lo:hi], device),
                           sample_weight=_t(w[lo:hi], device))
    assert float(iou.result()) == pytest.approx(per_class[[1, 3]].mean(), rel=1e-5)
    assert float(mean_iou.result()) == pytest.approx(per_class.mean(), rel=1e-5)
    cm = skm.confusion_matrix(yt.ravel(), yp.ravel(), sample_weight=w.ravel())
    np.testing.assert_allclose(mean_iou.variables[0].numpy(), cm, rtol=1e-6)
    # one-hot labels and scores: argmax over the class axis
    scores = np.eye(k)[yp] * 0.7 + rng.uniform(size=yp.shape + (k,)) * 0.2
    oh = metrics.OneHotMeanIoU(num_classes=k)
    assert float(_run(oh, np.eye(k)[yt], scores, w, device)) == pytest.approx(
        per_class.mean(), rel=1e-5)
    ohi = metrics.OneHotIoU(num_classes=k, target_class_ids=[2])
    assert float(_run(ohi, np.eye(k)[yt], scores, w, device)) == pytest.approx(
        per_class[2], rel=1e-5)
    dense_pred = metrics.MeanIoU(num_classes=k, sparse_y_pred=False)
    assert float(_run(dense_pred, yt, scores, w, device)) == pytest.approx(
        per_class.mean(), rel=1e-5)


def test_iou_ignore_class_and_absent_classes(device, skm):
    yt = np.array([0, 1, 255, 1, 255, 0])
    yp = np.array([0, 1, 1, 0, 0, 0])
    m = metrics.MeanIoU(num_classes=3, ignore_class=255)
    keep = yt != 255
    want = skm.jaccard_score(yt[keep], yp[keep], labels=[0, 1], average=None).mean()
    # class 2 never occurs: it is left out of the mean, not counted as 0
    assert float(_run(m, yt, yp, device=device)) == pytest.approx(want, rel=1e-5)
    b = metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)  # >= threshold is class 1
    assert float(_run(b, [1, 1, 0], [0.5, 0.2, 0.7], device=device)) == pytest.approx(
        1 / 3, rel=1e-5)


# ---- correlations ---------------------------------------------------------------------------

def test_correlations_match_numpy(rng, device):
    t = rng.normal(size=(20, 8))
    p = 0.7 * t + 0.5 * rng.normal(size=(20, 8)) + 0.3
    w = rng.uniform(size=20)
    pearson = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(t, p)])
    ccc = np.array([2 * np.mean((a - a.mean()) * (b - b.mean()))
                    / (a.var() + b.var() + (a.mean() - b.mean()) ** 2) for a, b in zip(t, p)])
    for cls, per in ((metrics.PearsonCorrelation, pearson),
                     (metrics.ConcordanceCorrelation, ccc)):
        m = cls()
        for lo, hi in ((0, 5), (5, 20)):
            m.update_state(_t(t[lo:hi], device), _t(p[lo:hi], device))
        assert float(m.result()) == pytest.approx(per.mean(), rel=1e-5)
        m.reset_state()
        assert float(_run(m, t, p, w, device)) == pytest.approx((per * w).sum() / w.sum(),
                                                                rel=1e-5)
        # axis=0: one coefficient over the batch per column, averaged like any value
        col = cls(axis=0)
        want = (np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(t.T, p.T)])
                if cls is metrics.PearsonCorrelation else None)
        got = float(_run(col, t, p, device=device))
        if want is not None:
            assert got == pytest.approx(want.mean(), rel=1e-5)


# ---- configs, names, errors -----------------------------------------------------------------

CONFIGURED = [
    metrics.BinaryCrossentropy(name="bx", from_logits=True, label_smoothing=0.1),
    metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, axis=1),
    metrics.SparseCategoricalCrossentropy(from_logits=True, axis=-1),
    metrics.KLDivergence(), metrics.Poisson(), metrics.Hinge(), metrics.SquaredHinge(),
    metrics.CategoricalHinge(), metrics.LogCoshError(), metrics.MeanSquaredLogarithmicError(),
    metrics.CosineSimilarity(axis=0), metrics.TruePositives(thresholds=[0.2, 0.7]),
    metrics.TrueNegatives(thresholds=0.3), metrics.FalsePositives(), metrics.FalseNegatives(),
    metrics.PrecisionAtRecall(0.4, num_thresholds=50, class_id=2),
    metrics.RecallAtPrecision(0.9, name="rap"), metrics.SensitivityAtSpecificity(0.1),
    metrics.SpecificityAtSensitivity(0.6, num_thresholds=11),
    metrics.F1Score(average="macro", threshold=0.4), metrics.FBetaScore("weighted", 2.0),
    metrics.R2Score("variance_weighted_average", 2), metrics.IoU(5, [0, 4], ignore_class=-1),
    metrics.MeanIoU(3, sparse_y_pred=False, axis=1), metrics.BinaryIoU([1], 0.2),
    metrics.OneHotIoU(4, [3], sparse_y_pred=True), metrics.OneHotMeanIoU(2, ignore_class=0),
    metrics.PearsonCorrelation(axis=0), metrics.ConcordanceCorrelation(name="ccc"),
]


@pytest.mark.parametrize("metric", CONFIGURED, ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metric.get_config()
    again = type(metric).from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config and again.name == metric.name
    ser = metrics.serialize(metric)
    back = metrics.deserialize(json.loads(json.dumps(ser)))
    assert type(back) is type(metric) and back.get_config() == config


def test_keras_default_names_and_string_aliases():
    expected = {  # Keras 3's class-name and to_snake_case keys, and its short aliases
        "binary_crossentropy": metrics.BinaryCrossentropy, "bce": metrics.BinaryCrossentropy,
        "BCE": metrics.BinaryCrossentropy,
        "categorical_crossentropy": metrics.CategoricalCrossentropy,
        "sparse_categorical_crossentropy": metrics.SparseCategoricalCrossentropy,
        "kl_divergence": metrics.KLDivergence, "poisson": metrics.Poisson,
        "hinge": metrics.Hinge, "squared_hinge": metrics.SquaredHinge,
        "categorical_hinge": metrics.CategoricalHinge, "log_cosh_error": metrics.LogCoshError,
        "msle": metrics.MeanSquaredLogarithmicError, "MSLE": metrics.MeanSquaredLogarithmicError,
        "mean_squared_logarithmic_error": metrics.MeanSquaredLogarithmicError,
        "cosine_similarity": metrics.CosineSimilarity, "true_positives": metrics.TruePositives,
        "true_negatives": metrics.TrueNegatives, "false_positives": metrics.FalsePositives,
        "false_negatives": metrics.FalseNegatives, "f1_score": metrics.F1Score,
        "f_beta_score": metrics.FBetaScore, "FBetaScore": metrics.FBetaScore,
        "r2_score": metrics.R2Score, "pearson_correlation": metrics.PearsonCorrelation,
        "concordance_correlation": metrics.ConcordanceCorrelation,
    }
    for name, cls in expected.items():
        assert type(metrics.get(name)) is cls, name
    defaults = {metrics.LogCoshError: "logcosh", metrics.FBetaScore: "fbeta_score",
                metrics.F1Score: "f1_score", metrics.TruePositives: "true_positives",
                metrics.KLDivergence: "kl_divergence", metrics.R2Score: "r2_score"}
    for cls, name in defaults.items():
        assert cls().name == name
    assert metrics.PrecisionAtRecall(0.5).name == "precision_at_recall"
    assert metrics.MeanIoU(2).name == "mean_io_u"  # Keras' to_snake_case("MeanIoU")
    assert metrics.IoU(2, [0]).name == "io_u"
    for name in ("precision_at_recall", "mean_io_u", "io_u", "IoU"):  # need arguments
        with pytest.raises(TypeError):
            metrics.get(name)
    with pytest.raises(ValueError, match="Unknown metric 'f1'"):
        metrics.get("f1")  # not a Keras name


@pytest.mark.parametrize("make,exc,match", [
    (lambda: metrics.FBetaScore(average="bad"), ValueError, "Invalid `average`"),
    (lambda: metrics.FBetaScore(beta=2), ValueError, "beta.*Python float"),
    (lambda: metrics.FBetaScore(beta=-1.0), ValueError, "should be > 0"),
    (lambda: metrics.F1Score(threshold=1.5), ValueError, "0 < threshold <= 1"),
    (lambda: metrics.F1Score(threshold=1), ValueError, "threshold.*Python float"),
    (lambda: metrics.R2Score(class_aggregation="mean"), ValueError, "class_aggregation"),
    (lambda: metrics.R2Score(num_regressors=-1), ValueError, "num_regressors"),
    (lambda: metrics.IoU(target_class_ids=[0]), TypeError, "num_classes"),
    (lambda: metrics.MeanIoU(), TypeError, "num_classes"),
    (lambda: metrics.IoU(3, [3]), ValueError, r"Target class id 3 is out of range.*\[0, 3\)"),
    (lambda: metrics.MeanIoU(0), ValueError, "num_classes"),
    (lambda: metrics.PrecisionAtRecall(1.5), ValueError, r"`recall` must be in the range"),
    (lambda: metrics.SensitivityAtSpecificity(-0.1), ValueError, "specificity"),
    (lambda: metrics.RecallAtPrecision(0.5, num_thresholds=0), ValueError, "num_thresholds"),
    (lambda: metrics.TruePositives(thresholds=[0.5, 1.2]), ValueError,
     r"Threshold values must be in \[0, 1\]"),
])
def test_bad_arguments_raise(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="FBetaScore expects 2D inputs"):
        metrics.FBetaScore().update_state([1, 0], [0.2, 0.9])
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    f1 = metrics.F1Score()
    f1.update_state(np.eye(3), np.eye(3))
    with pytest.raises(ValueError, match="built for 3 classes"):
        f1.update_state(np.eye(4), np.eye(4))
    with pytest.raises(ValueError, match="same shape"):
        metrics.Hinge().update_state(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="axis 2147483648 is out of range"):
        metrics.PearsonCorrelation(axis=2 ** 31).update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="axis must be an int"):
        metrics.ConcordanceCorrelation(axis=1.0).update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of range"):
        metrics.CategoricalCrossentropy(axis=3).update_state(np.ones((2, 3)), np.ones((2, 3)))


# ---- no host reads, compile/fit/evaluate, save/load, captured evaluation ---------------------

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


def test_update_state_never_reads_values_on_the_host(rng):
    for metric, y_true, probs in _no_sync_cases(rng):
        y_pred = cuflow.Tensor._wrap(probs.view(_NoSync))
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


def test_weighted_histogram_device_path_matches_bincount(rng):
    from types import SimpleNamespace

    from cuflow.backend import get_backend
    from cuflow.metrics.confusion_metrics import weighted_histogram

    # a stand-in device backend: its own xp module (so not NumPy's bincount) and scatter_add
    shim = SimpleNamespace(xp=SimpleNamespace(zeros=np.zeros),
                           scatter_add=get_backend("cpu").scatter_add)
    index = rng.integers(0, 12, size=200)
    w = rng.uniform(size=200).astype(np.float32)
    np.testing.assert_allclose(weighted_histogram(shim, index, w, 15),
                               np.bincount(index, weights=w.astype(np.float64), minlength=15),
                               rtol=1e-12)


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
