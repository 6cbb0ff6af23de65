"""ImageDataGenerator.flow: batching, length, shuffling determinism, subsets, use with fit."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import Dense, Flatten, Input
from cuflow.models import Model
from cuflow.preprocessing.image import ImageDataGenerator


def indexed(n=10, size=2):
    """Images whose pixels all equal their index, with labels = index: batches show order."""
    x = np.repeat(np.arange(n, dtype=np.float32), size * size).reshape(n, size, size, 1)
    return x, np.arange(n)


def ids(batch_x):
    return [int(b[0, 0, 0]) for b in batch_x]


def test_len_and_batches_in_order_without_shuffle():
    x, y = indexed(10)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    assert len(it) == 3
    sizes = [len(it[i][0]) for i in range(3)]
    assert sizes == [4, 4, 2]
    bx, by = it[2]
    assert ids(bx) == [8, 9] and list(by) == [8, 9]
    assert bx.dtype == np.float32
    with pytest.raises(IndexError):
        it[3]


def test_shuffle_is_a_seeded_permutation_per_epoch():
    x, y = indexed(10)
    a = ImageDataGenerator().flow(x, y, batch_size=3, seed=11)
    b = ImageDataGenerator().flow(x, y, batch_size=3, seed=11)
    epoch_a = [i for k in range(len(a)) for i in ids(a[k][0])]
    epoch_b = [i for k in range(len(b)) for i in ids(b[k][0])]
    assert epoch_a == epoch_b
    assert sorted(epoch_a) == list(range(10)) and epoch_a != list(range(10))
    for k in range(len(a)):  # labels stay with their images
        bx, by = a[k]
        assert ids(bx) == list(by)
    a.on_epoch_end()
    epoch2 = [i for k in range(len(a)) for i in ids(a[k][0])]
    assert sorted(epoch2) == list(range(10)) and epoch2 != epoch_a
    c = ImageDataGenerator().flow(x, y, batch_size=3, seed=12)
    assert [i for k in range(len(c)) for i in ids(c[k][0])] != epoch_a


def test_augmented_batches_are_reproducible_in_any_order():
    x = np.random.default_rng(0).random((6, 8, 8, 3), dtype=np.float32)
    gen = ImageDataGenerator(rotation_range=40, zoom_range=0.3, horizontal_flip=True)
    a = gen.flow(x, batch_size=2, seed=3)
    b = gen.flow(x, batch_size=2, seed=3)
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_array_equal(a[0], b[0])


def test_next_is_endless_and_starts_a_new_epoch():
    x, y = indexed(5)
    it = ImageDataGenerator().flow(x, y, batch_size=2, shuffle=False)
    assert iter(it) is it
    got = [ids(next(it)[0]) for _ in range(4)]
    assert got == [[0, 1], [2, 3], [4], [0, 1]]


def test_without_labels_yields_only_images_and_with_weights_a_triple():
    x, y = indexed(4)
    batch = ImageDataGenerator().flow(x, batch_size=4, shuffle=False)[0]
    assert isinstance(batch, np.ndarray) and batch.shape == (4, 2, 2, 1)
    w = np.linspace(0, 1, 4)
    bx, by, bw = ImageDataGenerator().flow(x, y, sample_weight=w, batch_size=4, seed=1)[0]
    np.testing.assert_array_equal(bw, w[by])


def test_validation_subset_is_the_first_fraction():
    x, y = indexed(8)
    y = y % 2  # both classes on each side of the split
    gen = ImageDataGenerator(validation_split=0.25)
    val = gen.flow(x, y, batch_size=8, shuffle=False, subset="validation")
    train = gen.flow(x, y, batch_size=8, shuffle=False, subset="training")
    assert ids(val[0][0]) == [0, 1]
    assert ids(train[0][0]) == [2, 3, 4, 5, 6, 7]
    assert val.n + train.n == 8


def test_subset_errors():
    x, y = indexed(8)
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator().flow(x, y, subset="training")
    with pytest.raises(ValueError, match="subset"):
        ImageDataGenerator(validation_split=0.5).flow(x, y, subset="test")
    with pytest.raises(ValueError, match="different classes"):
        ImageDataGenerator(validation_split=0.5).flow(x, y, subset="training")
    it = ImageDataGenerator(validation_split=0.5).flow(x, y, subset="training",
                                                       ignore_class_split=True)
    assert it.n == 4


def test_input_validation():
    with pytest.raises(ValueError, match="rank 4"):
        ImageDataGenerator().flow(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="same length"):
        ImageDataGenerator().flow(np.zeros((3, 4, 4, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size"):
        ImageDataGenerator().flow(np.zeros((3, 4, 4, 1)), batch_size=0)


def test_fit_accepts_a_flow():
    rng = np.random.default_rng(0)
    x = rng.random((12, 6, 6, 3), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 12)]
    inp = Input(shape=(6, 6, 3))
    model = Model(inp, Dense(3, activation="softmax")(Flatten()(inp)))
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    gen = ImageDataGenerator(rescale=0.5, horizontal_flip=True, rotation_range=10)
    history = model.fit(gen.flow(x, y, batch_size=4, seed=0), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
