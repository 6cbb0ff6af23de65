"""UCI handwritten digits: 1,797 8x8 grey images, bundled with cuflow (no download).

Source: Optical Recognition of Handwritten Digits, UCI Machine Learning Repository
(Alpaydin & Kaynak, 1998), CC BY 4.0 -- the same data scikit-learn ships as
``load_digits``.  See ``data/README.md`` for provenance.

``load_data()`` returns Keras-style splits::

    (x_train, y_train), (x_test, y_test) = cuflow.datasets.digits.load_data()
    # x_*: (n, 8, 8) uint8 with values 0..16 (rescale yourself, e.g. x / 16.0)
    # y_*: (n,) uint8 in 0..9
    # default test_split=0.2 -> 1438 train / 359 test samples

Small enough to train on in seconds, which makes it the dataset of choice for
examples and smoke tests that must run offline.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

NUM_SAMPLES = 1797
DEFAULT_SEED = 113  # the fixed seed Keras uses for its own dataset shuffles


def _load_all() -> tuple[np.ndarray, np.ndarray]:
    """All samples in the bundled order: x (1797, 8, 8) uint8, y (1797,) uint8."""
    ref = resources.files(__package__).joinpath("data").joinpath("digits.npz")
    # The npz is read inside the ``with``: NpzFile loads members lazily.
    with ref.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        x, y = npz["x"], npz["y"]
    if x.shape != (NUM_SAMPLES, 8, 8) or y.shape != (NUM_SAMPLES,):
        raise ValueError(f"bundled digits.npz has unexpected shapes {x.shape}, {y.shape}")
    return x, y


def _stratified_test_mask(y: np.ndarray, test_split: float, rng) -> np.ndarray:
    """Boolean mask choosing round(n * test_split) samples, spread over classes.

    Each class gets its proportional share; the leftover samples after flooring go
    to the classes with the largest remainders (ties: lowest label), so the total
    is exact and the class balance of both splits matches the full set.
    """
    classes, counts = np.unique(y, return_counts=True)
    n_test = int(np.floor(len(y) * test_split + 0.5))
    quota = counts * test_split
    per_class = np.floor(quota).astype(np.int64)
    extra = n_test - int(per_class.sum())
    order = np.argsort(-(quota - per_class), kind="stable")
    per_class[order[:extra]] += 1
    mask = np.zeros(len(y), dtype=bool)
    for cls, k in zip(classes, per_class, strict=True):
        idx = np.flatnonzero(y == cls)
        mask[rng.permutation(idx)[:k]] = True
    return mask


def load_data(test_split: float = 0.2, seed: int = DEFAULT_SEED):
    """Split the digits into ``(x_train, y_train), (x_test, y_test)``.

    Args:
        test_split: fraction of samples in the test set, in [0, 1].
        seed: seeds the stratified split and the shuffle of each split; the same
            seed always gives the same arrays.

    Returns:
        ``x`` arrays of shape (n, 8, 8), dtype uint8, values 0..16; ``y`` arrays of
        shape (n,), dtype uint8, values 0..9.  Both splits are shuffled.
    """
    test_split = float(test_split)
    if not 0.0 <= test_split <= 1.0:  # also rejects NaN
        raise ValueError(f"test_split must be in [0, 1], got {test_split}")
    x, y = _load_all()
    rng = np.random.default_rng(seed)
    test = _stratified_test_mask(y, test_split, rng)
    # Shuffle within each split so classes are interleaved, not in file order.
    train_idx = rng.permutation(np.flatnonzero(~test))
    test_idx = rng.permutation(np.flatnonzero(test))
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])
