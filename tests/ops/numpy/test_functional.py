"""ops.numpy.functional: ``vectorize`` element-wise, with a core signature, with excluded
arguments and several outputs, and gradients through the vectorized function."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, t

R = np.random.default_rng(3)


def test_vectorize(device):
    dot = ops.vectorize(lambda u, w: ops.sum(u * w), signature="(n),(n)->()")
    a = R.normal(size=(3, 4))
    close(dot(t(a, device), t(np.ones(4), device)), a.sum(1))
    close(ops.vectorize(lambda u: u * 2)(t(np.arange(6.0).reshape(2, 3), device)),
          np.arange(6.0).reshape(2, 3) * 2)
    pair = ops.vectorize(lambda u, k: (u + k, u * k), excluded={1})(t([1.0, 2.0], device), 3.0)
    close(pair[0], [4.0, 5.0])
    close(pair[1], [3.0, 6.0])
    check_gradients(lambda u: ops.vectorize(lambda r: ops.sum(r * r), signature="(n)->()")(u),
                    [a], device=device)


def test_vectorize_errors():
    with pytest.raises(ValueError, match="invalid signature"):
        ops.vectorize(lambda a: a, signature="n->()")
    with pytest.raises(TypeError, match="must be callable"):
        ops.vectorize(3)
