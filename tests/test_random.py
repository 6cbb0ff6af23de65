"""keras.random-style draws: shapes, dtypes, seeds, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf


def test_seeded_draws_repeat_and_have_the_right_statistics():
    a = cf.random.normal((2000,), mean=1.0, stddev=2.0, seed=3)
    b = cf.random.normal((2000,), mean=1.0, stddev=2.0, seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float32 and abs(a.numpy().mean() - 1.0) < 0.2
    u = cf.random.uniform((3, 4), minval=-1, maxval=1, seed=0).numpy()
    assert u.shape == (3, 4) and u.min() >= -1 and u.max() < 1
    t = cf.random.truncated_normal((5000,), seed=1).numpy()
    assert np.abs(t).max() <= 2
    r = cf.random.randint((100,), 0, 5, seed=2).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) <= set(range(5))


def test_seed_generator_advances():
    gen = cf.random.SeedGenerator(42)
    x1 = cf.random.normal((4,), seed=gen).numpy()
    x2 = cf.random.normal((4,), seed=gen).numpy()
    assert not np.array_equal(x1, x2)


def test_shuffle_is_a_permutation_and_errors():
    x = np.arange(10.0)
    s = cf.random.shuffle(x, seed=0).numpy()
    assert sorted(s) == list(x) and not np.array_equal(s, x)
    with pytest.raises(TypeError, match="seed"):
        cf.random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="non-negative"):
        cf.random.uniform((-1, 2))
