"""cuflow.utils.rng_utils: set_random_seed seeds cuflow's and NumPy's generators."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import utils


def test_set_random_seed():
    from cuflow import initializers

    utils.set_random_seed(123)
    a = initializers.RandomNormal()((5,)).numpy()
    r1 = np.random.rand()
    utils.set_random_seed(123)
    np.testing.assert_array_equal(initializers.RandomNormal()((5,)).numpy(), a)
    assert np.random.rand() == r1  # NumPy's global state too
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        utils.set_random_seed(-3)
