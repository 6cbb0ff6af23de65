"""ops.losses: the fused per-sample loss kernels (``loss``) against float64 NumPy with gradients,
and the rules that line y_true up with y_pred (dtype, rank, class axis, softmax logits, ignored
labels)."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.ops import losses
from cuflow.testing import check_gradients

from ._helpers import close, t

R = np.random.default_rng(41)


# ---- the fused kernels --------------------------------------------------------------------------

def test_loss_values_and_gradients(device):
    y, p = R.uniform(-2, 2, (4, 3)), R.uniform(-2, 2, (4, 3))
    close(ops.loss("mean_squared_error", t(y, device), t(p, device)), ((y - p) ** 2).mean(-1))
    b, q = (R.uniform(size=(4, 3)) > 0.5).astype(float), R.uniform(0.05, 0.95, (4, 3))
    close(ops.loss("binary_crossentropy", t(b, device), t(q, device)),
          -(b * np.log(q) + (1 - b) * np.log(1 - q)).mean(-1))
    labels = np.array([0, 2, 1, 2])
    lsm = p - np.log(np.exp(p).sum(-1, keepdims=True))
    close(ops.loss("sparse_categorical_crossentropy", t(labels, device), t(p, device),
                   from_logits=True), -lsm[np.arange(4), labels])
    check_gradients(lambda a: ops.loss("huber", t(y, device), a, delta=0.5), [p], device=device)
    check_gradients(lambda a: ops.loss("categorical_crossentropy", t(np.eye(3)[labels], device),
                                       a, from_logits=True), [p], device=device)
    with pytest.raises(TypeError, match="needs a floating tensor"):
        ops.loss("mean_squared_error", t(y, device), t(np.ones((4, 3), np.int64), device))


# ---- lining up y_true with y_pred ---------------------------------------------------------------

def test_squeeze_or_expand_to_same_rank():
    a, b = cf.Tensor(np.ones((4, 1))), cf.Tensor(np.ones(4))
    x, y = losses.squeeze_or_expand_to_same_rank(a, b)
    assert x.shape == (4, 1) and y.shape == (4, 1)
    x, y = losses.squeeze_or_expand_to_same_rank(a, b, expand_rank_1=False)
    assert x.shape == (4,) and y.shape == (4,)
    x, y = losses.squeeze_or_expand_to_same_rank(cf.Tensor(np.ones((2, 3))),
                                                 cf.Tensor(np.ones((2, 3, 1))))
    assert x.shape == (2, 3) and y.shape == (2, 3)


def test_pair_aligns_dtype_and_class_axis_and_names_both_shapes():
    y_true, y_pred = losses.pair("mse", np.ones((2, 3), np.int64), np.zeros((2, 3), np.float32),
                                 axis=0)
    assert y_true.dtype == np.float32 and y_pred.dtype == np.float32
    assert y_true.shape == (3, 2) and y_pred.shape == (3, 2)  # the class axis moved last
    assert losses.as_pred(np.arange(3)).dtype == np.float32
    assert losses.as_true(np.arange(3), cf.Tensor(np.ones(3)), cast=False).dtype == np.int64
    with pytest.raises(ValueError, match=r"mse: y_true and y_pred must have the same shape; "
                                         r"received y_true.shape=\(2, 4\) and "
                                         r"y_pred.shape=\(2, 3\)"):
        losses.pair("mse", np.ones((2, 4)), np.ones((2, 3)))


def test_softmax_logits_are_found_behind_a_softmax():
    logits = cf.Tensor(R.normal(size=(2, 3)))
    probs = ops.softmax(logits)
    found, from_logits = losses.softmax_logits(probs, False, -1)
    assert found is logits and from_logits is True
    same, flag = losses.softmax_logits(probs, False, 0)  # another axis: the probabilities
    assert same is probs and flag is False


def test_sparse_crossentropy_masks_the_ignored_class():
    logits = R.normal(size=(3, 4))
    per, mask = losses.sparse_crossentropy(np.array([1, -1, 3]), logits, from_logits=True,
                                           ignore_class=-1)
    lsm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_array_equal(mask.numpy(), [True, False, True])
    close(per, [-lsm[0, 1], 0.0, -lsm[2, 3]])
    with pytest.raises(ValueError, match="one integer label per row"):
        losses.sparse_crossentropy(np.array([1, 2]), logits)
