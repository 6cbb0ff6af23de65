"""Precision, Recall and AUC against brute-force float64 references."""

import numpy as np
import pytest

import cuflow
from cuflow import metrics


def _t(a, device):
    return cuflow.Tensor(np.asarray(a), device=device)


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


def test_precision_many_thresholds_and_empty(device, binary):
    y, p = binary
    thr = [0.2, 0.5, 0.9]
    tp, fp, _, _ = _counts(y, p, thr)
    m = metrics.Precision(thresholds=thr)
    m.update_state(_t(y, device), _t(p, device))
    np.testing.assert_allclose(m.result().numpy(), tp / (tp + fp), rtol=1e-6)
    assert float(metrics.Recall().result()) == 0.0  # no data: 0, not NaN


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
def test_auc_matches_threshold_reference(device, binary, curve, method):
    y, p = binary
    m = metrics.AUC(curve=curve, summation_method=method)
    m.update_state(_t(y[:150], device), _t(p[:150], device))
    m.update_state(_t(y[150:], device), _t(p[150:], device))
    assert float(m.result()) == pytest.approx(_auc_ref(y, p, curve=curve, method=method),
                                              abs=1e-5)


def test_auc_roc_close_to_exact(device, binary):
    y, p = binary
    m = metrics.AUC(num_thresholds=1000)
    assert float(m(_t(y, device), _t(p, device))) == pytest.approx(_rank_auc(y, p), abs=2e-3)


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
