"""ops.nn.crossentropy: the keras.ops cross-entropies against their formulas, with gradients,
the logits behind a softmax output, and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import draws

R = np.random.default_rng(11)
_draw = draws(R)
anyv = _draw.anyv


def test_crossentropy_functional_forms(device):
    y = np.array([0.0, 1.0, 1.0, 0.0])
    p = np.array([0.1, 0.9, 0.8, 0.2])
    probs = R.dirichlet(np.ones(4), size=3)
    onehot = np.eye(4)[[0, 3, 1]]
    logits = anyv(3, 4)
    with cf.device(device):
        bce = ops.binary_crossentropy(y, p)
        np.testing.assert_allclose(bce.numpy(), -(y * np.log(p) + (1 - y) * np.log(1 - p)),
                                   rtol=1e-6)
        cce = ops.categorical_crossentropy(onehot, probs)
        np.testing.assert_allclose(cce.numpy(), -np.log(probs[[0, 1, 2], [0, 3, 1]]),
                                   rtol=1e-6)
        scce = ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), logits,
                                                   from_logits=True)
        lsm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        np.testing.assert_allclose(scce.numpy(), -lsm[[0, 1, 2], [0, 3, 1]], rtol=1e-6)
    check_gradients(lambda a: ops.binary_crossentropy(y, a), [p], device=device)
    check_gradients(lambda a: ops.categorical_crossentropy(onehot, a, from_logits=True),
                    [logits], device=device)
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(3, 3\)"):
        ops.categorical_crossentropy(onehot, probs[:, :3])


def test_crossentropy_of_a_softmax_output_uses_its_logits(device):
    logits = anyv(3, 4)
    onehot = np.eye(4)[[0, 3, 1]]
    lsm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    with cf.device(device):
        probs = ops.softmax(cf.Tensor(logits, device=device))
        got = ops.categorical_crossentropy(onehot, probs)
        sparse = ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), probs)
    # exact log-softmax values, no clipping of the probabilities
    np.testing.assert_allclose(got.numpy(), -lsm[[0, 1, 2], [0, 3, 1]], rtol=1e-10)
    np.testing.assert_allclose(sparse.numpy(), -lsm[[0, 1, 2], [0, 3, 1]], rtol=1e-10)
    with pytest.raises(ValueError, match="out of range"):
        ops.sparse_categorical_crossentropy(np.array([0, 4, 1]), logits, from_logits=True)
