"""cuflow.random (random.py): keras.random-style draws (shapes, dtypes, seeds, errors), shuffle
and dropout with their gradients, and ``set_seed`` reseeding the host generator and every
backend (dropout masks repeat)."""

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


def test_shuffle_along_an_axis_passes_the_gradient_back_through_the_permutation():
    x = cf.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    w = np.arange(12.0).reshape(3, 4) + 1
    with cf.GradientTape() as tape:
        y = cf.random.shuffle(x, axis=-1, seed=4)
        total = (y * cf.Tensor(w)).sum()
    perm = [int(v) for v in y.numpy()[0]]
    assert sorted(perm) == [0, 1, 2, 3]
    np.testing.assert_array_equal(y.numpy(), x.numpy()[:, perm])
    (g,) = tape.gradient(total, [x])
    want = np.zeros((3, 4))
    want[:, perm] = w  # each input element got the weight of the place it moved to
    np.testing.assert_array_equal(g.numpy(), want)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        cf.random.shuffle(x, axis=2)


def test_dropout_scales_kept_entries_and_its_gradient():
    cf.utils.set_random_seed(0)
    x = cf.Tensor(np.ones((50, 40), np.float32), requires_grad=True)
    with cf.GradientTape() as tape:
        y = cf.random.dropout(x, 0.25)
        total = y.sum()
    out = y.numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.05
    (g,) = tape.gradient(total, [x])
    np.testing.assert_array_equal(g.numpy(), out)  # d(x * mask)/dx = mask
    assert cf.random.dropout(x, 0.0) is x
    rows = cf.random.dropout(x, 0.5, noise_shape=(None, 1)).numpy()
    assert all(len(set(r)) == 1 for r in rows)  # one draw per row, broadcast over columns


def test_dropout_errors():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        cf.random.dropout(np.ones(3, np.float32), 1.0)
    with pytest.raises(TypeError, match="floating tensor; received dtype int64"):
        cf.random.dropout(np.ones(3, np.int64), 0.5)


def test_dropout_masks_reproducible_after_seed():
    x = cf.Tensor(np.ones((4, 8), np.float32))
    cf.utils.set_random_seed(3)
    a = cf.ops.dropout(x, 0.5).numpy()
    b = cf.ops.dropout(x, 0.5).numpy()
    cf.utils.set_random_seed(3)
    assert np.array_equal(cf.ops.dropout(x, 0.5).numpy(), a)
    assert np.array_equal(cf.random.dropout(x, 0.5).numpy(), b)  # the same generator
    assert not np.array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 2.0}


def test_set_seed_reseeds_the_host_generator_and_validates():
    cf.random.set_seed(5)
    a = cf.random.host_rng().normal(size=3)
    cf.random.set_seed(5)
    np.testing.assert_array_equal(cf.random.host_rng().normal(size=3), a)
    assert cf.random._seed == 5
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="non-negative int"):
            cf.random.set_seed(bad)


def test_seed_generator_config_rebuilds_the_same_stream():
    gen = cf.random.SeedGenerator(11)
    assert gen.get_config() == {"seed": 11}
    again = cf.random.SeedGenerator.from_config(gen.get_config())
    assert [gen.next() for _ in range(3)] == [again.next() for _ in range(3)]
    drawn = cf.random.SeedGenerator()  # no seed: one is drawn and kept in the config
    assert isinstance(drawn.get_config()["seed"], int)
