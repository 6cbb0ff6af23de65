"""What the metric tests share: tensors on a device, one update-and-read, an array that refuses
host reads, and float64 NumPy references of the crossentropies."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow

EPS = 1e-7


def _t(a, device):
    return cuflow.Tensor(np.asarray(a), device=device)


def _run(m, y_true, y_pred, sample_weight=None, device="cpu"):
    sw = None if sample_weight is None else _t(sample_weight, device)
    m.update_state(_t(y_true, device), _t(y_pred, device), sample_weight=sw)
    return m.result().numpy()


class NoSync(np.ndarray):
    """An array that refuses host reads, standing in for a device array in update_state."""

    def _refuse(self, *args):
        raise AssertionError("update_state read a value on the host (a device sync)")

    __float__ = __int__ = __bool__ = item = tolist = _refuse


def check_keras_example(case, device):
    """One keras.io worked example: the documented value, then the weighted one."""
    _, factory, yt, yp, want, sw, want_w = case
    m = factory()
    assert float(_run(m, yt, yp, device=device)) == pytest.approx(want, rel=2e-6, abs=1e-7)
    m.reset_state()
    assert float(_run(m, yt, yp, sw, device=device)) == pytest.approx(want_w, rel=2e-6,
                                                                       abs=1e-6)


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
