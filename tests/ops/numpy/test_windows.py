"""ops.numpy.windows: the window functions against NumPy, in floatx, and their argument
checks."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_windows_match_numpy(name, n):
    got = getattr(ops, name)(n)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), getattr(np, name)(n), atol=1e-7)


def test_kaiser_and_errors():
    np.testing.assert_allclose(ops.kaiser(6, 3.5).numpy(), np.kaiser(6, 3.5), rtol=1e-6)
    np.testing.assert_allclose(ops.kaiser(ops.array(5), ops.array(2.0)).numpy(),
                               np.kaiser(5, 2.0), rtol=1e-6)
    with pytest.raises(TypeError, match="window length must be an int; received 2.5"):
        ops.hamming(2.5)
