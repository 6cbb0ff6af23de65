"""cuflow.metrics.f_score_metrics: FBetaScore and F1Score against the keras.io example and
scikit-learn, and their argument and input checks."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import _run, _t

_F_T = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)

_F_P = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)


@on_every_device
def test_keras_io_examples_vector(device):
    np.testing.assert_allclose(_run(metrics.FBetaScore(beta=2.0, threshold=0.5), _F_T, _F_P,
                                    device=device), [0.3846154, 0.90909094, 0.8333334],
                               rtol=2e-6)
    np.testing.assert_allclose(_run(metrics.F1Score(threshold=0.5), _F_T, _F_P, device=device),
                               [0.5, 0.8, 0.6666667], rtol=2e-6)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@on_every_device
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


@on_every_device
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


@pytest.mark.parametrize("make,exc,match", [
    (lambda: metrics.FBetaScore(average="bad"), ValueError, "Invalid `average`"),
    (lambda: metrics.FBetaScore(beta=2), ValueError, "beta.*Python float"),
    (lambda: metrics.FBetaScore(beta=-1.0), ValueError, "should be > 0"),
    (lambda: metrics.F1Score(threshold=1.5), ValueError, "0 < threshold <= 1"),
    (lambda: metrics.F1Score(threshold=1), ValueError, "threshold.*Python float"),
])
def test_bad_arguments_raise(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="FBetaScore expects 2D inputs"):
        metrics.FBetaScore().update_state([1, 0], [0.2, 0.9])
    f1 = metrics.F1Score()
    f1.update_state(np.eye(3), np.eye(3))
    with pytest.raises(ValueError, match="built for 3 classes"):
        f1.update_state(np.eye(4), np.eye(4))
