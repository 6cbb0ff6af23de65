"""losses.sequence: CTC against the Keras example, a probability-space NumPy recursion and
PyTorch's ``ctc_loss`` (values and gradients) where importable; impossible alignments; errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses

from ._reference import R, _on, ref_ctc

try:
    import torch
except ImportError:  # the NumPy references still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not importable")


def test_ctc_keras_example():
    logits = (np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100
    y_true = np.array([[1, 2, 1, 0], [1, 2, 0, 2]])
    out = losses.CTC()(y_true, logits)
    assert out.dtype == np.float32
    assert float(out) == pytest.approx(2.448645, rel=1e-5)


def _ctc_case(batch=4, frames=8, classes=5, width=4):
    logits = R.normal(size=(batch, frames, classes)) * 2
    labels = R.integers(1, classes, (batch, width))
    labels[0, 1] = labels[0, 0]  # a repeated label needs a blank between its copies
    labels[1, 2:] = 0  # padding: label length 2
    labels[2, :] = 0  # no labels at all
    return labels, logits


def test_ctc_matches_reference(device):
    labels, logits = _ctc_case()
    got = losses.ctc(*_on(device, labels, logits)) if device != "cpu" else \
        losses.ctc(labels, logits)
    want = [ref_ctc(row[row != 0], lg) for row, lg in zip(labels, logits)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    # an impossible alignment (3 frames cannot hold 1,1,1: 5 steps needed) is inf, gradient 0
    z = cf.Tensor(R.normal(size=(2, 3, 3)), device=device, requires_grad=True)
    with cf.GradientTape() as tape:
        per = losses.ctc(np.array([[1, 1, 1], [2, 0, 0]]), z)
        total = cf.ops.sum(cf.ops.where(cf.ops.isfinite(per), per, 0.0))
    assert math.isinf(float(per.numpy()[0]))
    (g,) = tape.gradient(total, [z])
    assert np.all(g.numpy()[0] == 0) and np.all(np.isfinite(g.numpy()))


@needs_torch
def test_ctc_values_and_gradients_match_torch():
    labels, logits = _ctc_case(batch=5, frames=12, classes=6, width=5)
    lengths = (labels != 0).sum(-1)
    x = torch.tensor(logits, requires_grad=True)
    lp = torch.log_softmax(x, -1).transpose(0, 1)
    want = torch.nn.functional.ctc_loss(lp, torch.tensor(labels), torch.full((5,), 12),
                                        torch.tensor(lengths), blank=0, reduction="none")
    want.sum().backward()
    z = cf.Tensor(logits, requires_grad=True)
    with cf.GradientTape() as tape:
        per = losses.ctc(labels, z)
        total = cf.ops.sum(per)
    (g,) = tape.gradient(total, [z])
    np.testing.assert_allclose(per.numpy(), want.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), x.grad.numpy(), rtol=1e-8, atol=1e-12)
    # ops.ctc_loss with per-sample frame counts and another blank index
    frames = np.array([12, 9, 7, 12, 10])
    lab = np.where(labels == 0, 1, labels) - 1  # classes 0..4, blank 5
    want = torch.nn.functional.ctc_loss(torch.log_softmax(torch.tensor(logits), -1)
                                        .transpose(0, 1), torch.tensor(lab),
                                        torch.tensor(frames), torch.tensor(lengths), blank=5,
                                        reduction="none")
    got = cf.ops.ctc_loss(lab, logits, lengths, frames, mask_index=5)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


def test_ctc_rejects_bad_shapes():
    with pytest.raises(ValueError, match="y_true.shape"):
        losses.ctc(np.zeros((2, 3, 1), int), np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="y_pred.shape"):
        losses.ctc(np.zeros((2, 3), int), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        losses.ctc(np.array([[1, 5]]), np.zeros((1, 4, 3)))
