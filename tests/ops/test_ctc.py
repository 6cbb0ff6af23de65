"""ops.ctc: ``ctc_loss`` and ``ctc_decode`` against exhaustive enumeration of alignments on tiny
inputs (a wide enough beam is exact), greedy decoding, top_paths ordering, sequence lengths and
errors. ``ctc_loss`` is also checked against PyTorch in tests/losses/test_sequence.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cuflow import ops

from ._helpers import close, t

R = np.random.default_rng(17)


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _exhaustive(logits, blank):
    """log p(labeling) for every labeling: the sum over all alignments that collapse to it."""
    logp = _log_softmax(logits)
    steps, classes = logp.shape
    totals = {}
    for path in itertools.product(range(classes), repeat=steps):
        labels, prev = [], None
        for c in path:
            if c != blank and c != prev:
                labels.append(c)
            prev = c
        score = sum(logp[t, c] for t, c in enumerate(path))
        key = tuple(labels)
        totals[key] = np.logaddexp(totals.get(key, -np.inf), score)
    return sorted(totals.items(), key=lambda kv: -kv[1])


# ---- loss ---------------------------------------------------------------------------------------

def test_ctc_loss_equals_exhaustive_search():
    x = R.normal(size=(2, 4, 3))
    labels = np.array([[1, 2], [2, 0]])
    lengths = np.array([2, 1])
    got = ops.ctc_loss(labels, x, lengths, np.array([4, 4]), mask_index=0).numpy()
    for b in range(2):
        want = dict(_exhaustive(x[b], 0))[tuple(labels[b, :lengths[b]])]
        np.testing.assert_allclose(got[b], -want, rtol=1e-10)
    # another blank: class 2, so the labels are 0 and 1
    got = ops.ctc_loss(np.array([[0, 1]]), x[:1], np.array([2]), np.array([4]), mask_index=2)
    np.testing.assert_allclose(got.numpy()[0], -dict(_exhaustive(x[0], 2))[(0, 1)], rtol=1e-10)


def test_ctc_loss_errors():
    x = np.zeros((1, 3, 3))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        ops.ctc_loss(np.array([[5]]), x, np.array([1]), np.array([3]))
    with pytest.raises(ValueError, match="output must have shape"):
        ops.ctc_loss(np.array([[1]]), np.zeros((3, 3)), np.array([1]), np.array([3]))
    with pytest.raises(ValueError, match="mask_index must lie in"):
        ops.ctc_loss(np.array([[1]]), x, np.array([1]), np.array([3]), mask_index=3)


# ---- decoding -----------------------------------------------------------------------------------

def test_ctc_decode_greedy(device):
    probs = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8],
                      [0.1, 0.8, 0.1]])
    lp = np.log(np.stack([probs, probs[::-1]]))
    decoded, scores = ops.ctc_decode(t(lp, device), t([5, 3], device))
    assert decoded.shape == (1, 2, 5) and decoded.dtype == np.int32
    # row 0: 1 1 _ 2 1 -> 1 2 1 ; row 1 (3 steps): 1 2 _ -> 1 2
    np.testing.assert_array_equal(decoded.numpy()[0], [[1, 2, 1, -1, -1], [1, 2, -1, -1, -1]])
    close(scores, -np.array([[lp[0].max(-1).sum()], [lp[1, :3].max(-1).sum()]]))
    decoded, _ = ops.ctc_decode(t(lp, device), t([5, 5], device), merge_repeated=False,
                                mask_index=2)
    np.testing.assert_array_equal(decoded.numpy()[0], [[1, 1, 0, 1, -1], [1, 0, 1, 1, -1]])


@pytest.mark.parametrize("blank", [0, 2])
def test_beam_search_equals_exhaustive_search(blank):
    x = R.normal(size=(3, 4, 3)) * 2.0
    decoded, scores = ops.ctc_decode(x, np.array([4, 4, 4]), strategy="beam_search",
                                     beam_width=64, top_paths=3, mask_index=blank)
    assert decoded.shape == (3, 3, 4) and scores.shape == (3, 3)
    d, s = decoded.numpy(), scores.numpy()
    for b in range(3):
        ref = _exhaustive(x[b], blank)
        for k in range(3):
            labels, logp = ref[k]
            row = d[k, b]
            assert tuple(row[row >= 0]) == labels and np.all(row[len(labels):] == -1)
            np.testing.assert_allclose(s[b, k], logp, rtol=1e-10)
        assert np.all(np.diff(s[b]) <= 0)  # best first


def test_beam_search_sequence_lengths_and_narrow_beam():
    x = R.normal(size=(2, 5, 4))
    decoded, scores = ops.ctc_decode(x, np.array([5, 2]), strategy="beam_search",
                                     beam_width=200, top_paths=2, mask_index=0)
    ref = _exhaustive(x[1, :2], 0)  # steps past the length are skipped
    row = decoded.numpy()[0, 1]
    assert tuple(row[row >= 0]) == ref[0][0]
    np.testing.assert_allclose(scores.numpy()[1], [ref[0][1], ref[1][1]], rtol=1e-10)
    # a beam of 1 still returns a valid labeling whose score is a lower bound of the best
    d1, s1 = ops.ctc_decode(x, np.array([5, 5]), strategy="beam_search", beam_width=1)
    best = _exhaustive(x[0], 0)[0][1]
    assert s1.numpy()[0, 0] <= best + 1e-12
    # the default blank is index 0 (Keras); mask_index=None means the last class
    dn, _ = ops.ctc_decode(x, np.array([5, 5]), strategy="beam_search", beam_width=50,
                           mask_index=None)
    row = dn.numpy()[0, 0]
    assert tuple(row[row >= 0]) == _exhaustive(x[0], 3)[0][0]


def test_beam_search_fewer_paths_than_requested_and_errors():
    x = np.log(np.array([[[0.9, 0.1]]]))  # one step, two classes: labelings () and (1,)
    decoded, scores = ops.ctc_decode(x, np.array([1]), strategy="beam_search", beam_width=4,
                                     top_paths=3)
    np.testing.assert_array_equal(decoded.numpy()[:, 0, 0], [-1, 1, -1])
    np.testing.assert_allclose(scores.numpy()[0, :2], np.log([0.9, 0.1]))
    assert scores.numpy()[0, 2] == -np.inf
    with pytest.raises(ValueError, match="strategy must be 'greedy' or 'beam_search'"):
        ops.ctc_decode(x, np.array([1]), strategy="prefix")
    with pytest.raises(ValueError, match="beam_width must be a positive int"):
        ops.ctc_decode(x, np.array([1]), strategy="beam_search", beam_width=0)
    with pytest.raises(ValueError, match="top_paths \\(3\\) must not exceed beam_width"):
        ops.ctc_decode(x, np.array([1]), strategy="beam_search", beam_width=2, top_paths=3)


def test_ctc_decode_errors():
    with pytest.raises(ValueError, match="beam_width must be a positive int"):
        ops.ctc_decode(t(np.ones((1, 2, 3))), t([2]), strategy="beam_search", beam_width=0)
