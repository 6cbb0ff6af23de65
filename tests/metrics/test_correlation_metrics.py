"""cuflow.metrics.correlation_metrics: R2Score, PearsonCorrelation and ConcordanceCorrelation
against the keras.io examples, scikit-learn and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import _run, _t

_CORR_T, _CORR_P = [[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]


@on_every_device
def test_keras_io_examples(device):
    r2 = _run(metrics.R2Score(), np.array([[1], [4], [3]], np.float32),
              np.array([[2], [4], [4]], np.float32), device=device)
    assert float(r2) == pytest.approx(0.57142854, rel=1e-6)
    assert float(_run(metrics.PearsonCorrelation(axis=-1), _CORR_T, _CORR_P,
                      device=device)) == pytest.approx(0.9966996338993913, rel=2e-6)
    assert float(_run(metrics.ConcordanceCorrelation(axis=-1), _CORR_T, _CORR_P,
                      device=device)) == pytest.approx(0.9816320385426076, rel=2e-6)


@pytest.mark.parametrize("aggregation,sk", [(None, "raw_values"),
                                            ("uniform_average", "uniform_average"),
                                            ("variance_weighted_average", "variance_weighted")])
@on_every_device
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


@on_every_device
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


@on_every_device
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


@pytest.mark.parametrize("make,exc,match", [
    (lambda: metrics.R2Score(class_aggregation="mean"), ValueError, "class_aggregation"),
    (lambda: metrics.R2Score(num_regressors=-1), ValueError, "num_regressors"),
])
def test_bad_arguments_raise(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="axis 2147483648 is out of range"):
        metrics.PearsonCorrelation(axis=2 ** 31).update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="axis must be an int"):
        metrics.ConcordanceCorrelation(axis=1.0).update_state(np.ones((2, 3)), np.ones((2, 3)))
