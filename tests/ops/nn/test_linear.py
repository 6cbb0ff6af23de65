"""ops.nn.linear: ``dense`` (x @ kernel + bias, then the activation, as one graph node) against
NumPy, with gradients through every input, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, t

R = np.random.default_rng(43)


def test_dense_matches_numpy(device):
    x, k, b = R.normal(size=(2, 3, 4)), R.normal(size=(4, 5)), R.normal(size=5)
    close(ops.dense(t(x, device), t(k, device)), x @ k)
    close(ops.dense(t(x, device), t(k, device), t(b, device)), x @ k + b)
    close(ops.dense(t(x, device), t(k, device), t(b, device), "relu"), np.maximum(x @ k + b, 0))
    close(ops.dense(t(x[0], device), t(k, device), None, "tanh"), np.tanh(x[0] @ k))
    check_gradients(lambda a, w, c: ops.dense(a, w, c, "sigmoid"), [x, k, b], device=device)
    check_gradients(lambda a, w: ops.dense(a, w, activation_name="tanh"), [x[0], k],
                    device=device)


def test_dense_errors():
    with pytest.raises(ValueError, match="last input dimension must be 4"):
        ops.dense(t(np.ones((2, 3))), t(np.ones((4, 5))))
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        ops.dense(t(np.ones((2, 4))), t(np.ones((4, 5))), activation_name="nope")
