"""cuflow.metrics.confusion_metrics: Precision, Recall, AUC, the confusion counts and the
rate-at-rate metrics against brute-force float64 references, scikit-learn and the keras.io
examples."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import _run, _t, check_keras_example


def _counts(y, p, thresholds, w=None):
    """tp, fp, tn, fn per threshold, by direct comparison (float64)."""
    y = np.asarray(y).ravel() != 0
    p = np.asarray(p, np.float64).ravel()
    w = np.ones_like(p) if w is None else np.broadcast_to(w, p.shape).astype(np.float64)
    out = []
    for t in thresholds:
        pos = p > t
        out.append([(w * (pos & y)).sum(), (w * (pos & ~y)).sum(), (w * (~pos & ~y)).sum(),
                    (w * (~pos & y)).sum()])
    return np.array(out).T


def _keras_thresholds(n):
    return [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]


def _auc_ref(y, p, n=200, w=None, curve="ROC", method="interpolation"):
    tp, fp, tn, fn = _counts(y, p, _keras_thresholds(n), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.nan_to_num(tp / (tp + fn))
        if curve == "ROC":
            x, yv = np.nan_to_num(fp / (fp + tn)), recall
        else:
            x, yv = recall, np.nan_to_num(tp / (tp + fp))
    h = {"interpolation": (yv[:-1] + yv[1:]) / 2, "minoring": np.minimum(yv[:-1], yv[1:]),
         "majoring": np.maximum(yv[:-1], yv[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * h)


def _rank_auc(y, p):
    """Exact ROC AUC (Mann-Whitney), ties counted half."""
    pos, neg = p[y == 1], p[y == 0]
    return ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (
        len(pos) * len(neg))


@pytest.fixture
def binary(rng):
    y = rng.integers(0, 2, size=300)
    p = np.clip(0.3 * y + rng.uniform(size=300) * 0.7, 0, 1).astype(np.float32)
    return y, p


@on_every_device
def test_precision_recall_default_threshold(device, binary, rng):
    y, p = binary
    tp, fp, tn, fn = _counts(y, p, [0.5])[:, 0]
    prec, rec = metrics.Precision(), metrics.Recall()
    for lo, hi in ((0, 100), (100, 300)):
        prec.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device))
        rec.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device))
    assert float(prec.result()) == pytest.approx(tp / (tp + fp), rel=1e-6)
    assert float(rec.result()) == pytest.approx(tp / (tp + fn), rel=1e-6)
    w = rng.uniform(size=300)
    tp, fp, tn, fn = _counts(y, p, [0.5], w)[:, 0]
    pw = metrics.Precision()
    pw.update_state(_t(y, device), _t(p, device), sample_weight=_t(w, device))
    assert float(pw.result()) == pytest.approx(tp / (tp + fp), rel=1e-5)


@on_every_device
def test_precision_many_thresholds_and_empty(device, binary):
    y, p = binary
    thr = [0.2, 0.5, 0.9]
    tp, fp, _, _ = _counts(y, p, thr)
    m = metrics.Precision(thresholds=thr)
    m.update_state(_t(y, device), _t(p, device))
    np.testing.assert_allclose(m.result().numpy(), tp / (tp + fp), rtol=1e-6)
    assert float(metrics.Recall().result()) == 0.0  # no data: 0, not NaN


@on_every_device
def test_precision_top_k_and_class_id(device):
    y = np.array([[0, 0, 1, 1], [1, 0, 0, 1]], np.float32)
    p = np.array([[0.1, 0.4, 0.3, 0.2], [0.5, 0.1, 0.2, 0.05]], np.float32)
    # top 2 per row: row0 -> classes 1, 2 (1 tp); row1 -> classes 0, 2 (1 tp)
    m = metrics.Precision(top_k=2)
    assert float(m(_t(y, device), _t(p, device))) == pytest.approx(0.5)
    r = metrics.Recall(class_id=3)  # class 3 positive twice, predicted > 0.5 never
    assert float(r(_t(y, device), _t(p, device))) == 0.0
    pc = metrics.Precision(class_id=0, thresholds=0.3)
    assert float(pc(_t(y, device), _t(p, device))) == 1.0


@pytest.mark.parametrize("curve,method", [("ROC", "interpolation"), ("ROC", "minoring"),
                                          ("ROC", "majoring"), ("PR", "minoring"),
                                          ("PR", "majoring")])
@on_every_device
def test_auc_matches_threshold_reference(device, binary, curve, method):
    y, p = binary
    m = metrics.AUC(curve=curve, summation_method=method)
    m.update_state(_t(y[:150], device), _t(p[:150], device))
    m.update_state(_t(y[150:], device), _t(p[150:], device))
    assert float(m.result()) == pytest.approx(_auc_ref(y, p, curve=curve, method=method),
                                              abs=1e-5)


@on_every_device
def test_auc_roc_close_to_exact(device, binary):
    y, p = binary
    m = metrics.AUC(num_thresholds=1000)
    assert float(m(_t(y, device), _t(p, device))) == pytest.approx(_rank_auc(y, p), abs=2e-3)


@on_every_device
def test_auc_pr_interpolation_and_perfect(device, binary):
    y, p = binary
    m = metrics.AUC(curve="PR")
    value = float(m(_t(y, device), _t(p, device)))
    # interpolated PR AUC lies near the average precision
    order = np.argsort(-p)
    hits = y[order]
    ap = np.sum(np.cumsum(hits) / np.arange(1, len(y) + 1) * hits) / hits.sum()
    assert value == pytest.approx(ap, abs=0.03)
    perfect = metrics.AUC()
    assert float(perfect([0, 0, 1, 1], _t(np.array([0.1, 0.2, 0.8, 0.9]), device))) == \
        pytest.approx(1.0)


@on_every_device
def test_auc_weighted_and_explicit_thresholds(device, binary, rng):
    y, p = binary
    w = rng.uniform(size=300)
    m = metrics.AUC(num_thresholds=50)
    m.update_state(_t(y, device), _t(p, device), sample_weight=_t(w, device))
    assert float(m.result()) == pytest.approx(_auc_ref(y, p, n=50, w=w), abs=1e-5)
    # the same thresholds given explicitly take the direct-comparison path
    inner = _keras_thresholds(50)[1:-1]
    me = metrics.AUC(thresholds=inner)
    me.update_state(_t(y, device), _t(p, device), sample_weight=_t(w, device))
    assert float(me.result()) == pytest.approx(float(m.result()), abs=1e-5)


@on_every_device
def test_auc_multi_label_and_logits(device, rng):
    y = rng.integers(0, 2, size=(200, 3))
    p = np.clip(0.4 * y + 0.6 * rng.uniform(size=(200, 3)), 0, 1)
    m = metrics.AUC(multi_label=True)
    m.update_state(_t(y, device), _t(p, device))
    want = np.mean([_auc_ref(y[:, j], p[:, j]) for j in range(3)])
    assert float(m.result()) == pytest.approx(want, abs=1e-5)
    lw = [1.0, 0.0, 3.0]
    mw = metrics.AUC(multi_label=True, label_weights=lw)
    mw.update_state(_t(y, device), _t(p, device))
    want_w = np.dot([_auc_ref(y[:, j], p[:, j]) for j in range(3)], lw) / 4
    assert float(mw.result()) == pytest.approx(want_w, abs=1e-5)
    logits = np.log(p[:, 0] + 1e-6) - np.log1p(-p[:, 0] + 1e-6)
    ml = metrics.AUC(from_logits=True)
    ml.update_state(_t(y[:, 0], device), _t(logits, device))
    assert float(ml.result()) == pytest.approx(_auc_ref(y[:, 0], p[:, 0]), abs=2e-3)


def test_argument_errors():
    with pytest.raises(ValueError, match="Threshold values must be in"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation method"):
        metrics.AUC(summation_method="trapezoid")


_SS_T, _SS_P = [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]

# (id, factory, y_true, y_pred, expected, sample_weight, expected weighted)
KERAS_EXAMPLES = [
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
]


@pytest.mark.parametrize("case", KERAS_EXAMPLES, ids=[c[0] for c in KERAS_EXAMPLES])
@on_every_device
def test_keras_io_examples(case, device):
    check_keras_example(case, device)


@on_every_device
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
@on_every_device
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


@pytest.mark.parametrize("make,exc,match", [
    (lambda: metrics.PrecisionAtRecall(1.5), ValueError, r"`recall` must be in the range"),
    (lambda: metrics.SensitivityAtSpecificity(-0.1), ValueError, "specificity"),
    (lambda: metrics.RecallAtPrecision(0.5, num_thresholds=0), ValueError, "num_thresholds"),
    (lambda: metrics.TruePositives(thresholds=[0.5, 1.2]), ValueError,
     r"Threshold values must be in \[0, 1\]"),
])
def test_bad_arguments_raise(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_prgain_auc_against_numpy_reference():
    rng = np.random.default_rng(3)
    yt = rng.integers(0, 2, 200)
    yp = np.clip(yt * 0.3 + rng.random(200) * 0.7, 0, 1)
    m = metrics.AUC(num_thresholds=20, curve="PRGAIN", summation_method="minoring")
    m.update_state(yt, yp)
    th = np.array([-1e-7] + [(i + 1) / 19 for i in range(18)] + [1 + 1e-7])
    pos = yp[None, :] > th[:, None]
    tp = (pos & (yt == 1)).sum(1).astype(float)
    fp = (pos & (yt == 0)).sum(1).astype(float)
    fn = (~pos & (yt == 1)).sum(1).astype(float)
    tn = (~pos & (yt == 0)).sum(1).astype(float)
    with np.errstate(all="ignore"):
        scale = np.nan_to_num((tp + fn) / (tn + fp))
        rg = np.where(tp == 0, 0.0, 1 - scale * np.nan_to_num(fn / tp))
        pg = np.where(tp == 0, 1.0, 1 - scale * np.nan_to_num(fp / tp))
    rg = np.maximum(rg, 0.0)
    want = np.sum((rg[:-1] - rg[1:]) * np.minimum(pg[:-1], pg[1:]))
    np.testing.assert_allclose(float(m.result().numpy()), want, rtol=1e-5)


def test_class_id_needs_2d_predictions_and_threshold_errors_name_bad_values():
    with pytest.raises(ValueError, match="must be a 2D array"):
        metrics.Precision(class_id=2)(np.array([0, 1, 1]), np.array([0.2, 0.1, 0.6]))
    with pytest.raises(ValueError, match=r"Received: \[-1, 2\]"):
        metrics.FalsePositives(thresholds=[-1, 0.5, 2])
    with pytest.raises(ValueError, match=r"Received: \[None\]"):
        metrics.FalsePositives(thresholds=[None])
