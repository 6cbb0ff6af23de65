"""Counter-based uniform numbers (backend/numpy/random.py), the twin of ``kernels/random.cu``:
a draw is a function of (seed, counter), splitmix64 bit for bit, with the right range and
moments, and the state is validated."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.numpy import random as counter_rng


def test_counter_uniform_is_a_function_of_seed_and_counter():
    s1 = counter_rng.initial_state(42)
    a = counter_rng.uniform_numpy((3, 4), "float32", s1)
    assert s1[1] == 12
    b = counter_rng.uniform_numpy((5,), "float32", s1)
    whole = counter_rng.uniform_numpy((17,), "float32", counter_rng.initial_state(42))
    np.testing.assert_array_equal(np.concatenate([a.ravel(), b]), whole)
    assert not np.array_equal(a.ravel(), counter_rng.uniform_numpy(
        (12,), "float32", counter_rng.initial_state(43)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_counter_uniform_range_and_moments(dtype):
    u = counter_rng.uniform_numpy((200000,), dtype, counter_rng.initial_state(7))
    assert u.dtype == dtype and u.min() >= 0 and u.max() < 1
    assert abs(float(u.astype(np.float64).mean()) - 0.5) < 5e-3
    assert abs(float(u.astype(np.float64).var()) - 1 / 12) < 5e-3


def test_counter_uniform_validates():
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        counter_rng.uniform_numpy((3,), "float32", np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="supports"):
        counter_rng.uniform_numpy((3,), "int32", counter_rng.initial_state(1))


def test_counter_hash_matches_splitmix64():
    # splitmix64 reference (Vigna) for state x: x += golden; z = mix(x)
    def splitmix(x):
        m = (1 << 64) - 1
        z = x & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        return z ^ (z >> 31)

    seed, c = 123, 9
    key = splitmix(seed ^ 0x5851F42D4C957F2D)
    want = splitmix((key + c * 0x9E3779B97F4A7C15) & ((1 << 64) - 1))
    assert int(counter_rng.counter_hash(seed, [c])[0]) == want


def test_initial_state_and_shapes():
    s = counter_rng.initial_state(2**64 - 1)
    assert s.dtype == np.int64 and s[0] == 2**63 - 1 and s[1] == 0  # seeds fold to 63 bits
    fresh = counter_rng.initial_state()
    assert 0 <= fresh[0] < 2**63 and fresh[1] == 0
    assert counter_rng.uniform_numpy(3, "float64", s).shape == (3,)
    assert counter_rng.uniform_numpy((2, 0), "float32", s).shape == (2, 0)
    assert s[1] == 3
    with pytest.raises(ValueError, match="non-negative"):
        counter_rng.uniform_numpy((-1,), "float32", s)
    with pytest.raises(TypeError, match="numpy array"):
        counter_rng.uniform_numpy((1,), "float32", [1, 0])
