"""``ctc_decode(strategy="beam_search")`` against exhaustive enumeration of alignments on tiny
inputs (a wide enough beam is exact), top_paths ordering, sequence lengths, errors; ``ifft``
against NumPy and as the inverse of ``fft``."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cuflow import ops

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


def test_ifft_matches_numpy_and_inverts_fft():
    re, im = R.normal(size=(2, 3, 5)), R.normal(size=(2, 3, 5))
    out_re, out_im = ops.ifft((re, im))
    want = np.fft.ifft(re + 1j * im, axis=-1)
    np.testing.assert_allclose(out_re.numpy(), want.real, atol=1e-12)
    np.testing.assert_allclose(out_im.numpy(), want.imag, atol=1e-12)
    back = ops.ifft(ops.fft((re, im)))
    np.testing.assert_allclose(back[0].numpy(), re, atol=1e-12)
    np.testing.assert_allclose(back[1].numpy(), im, atol=1e-12)
    f32 = ops.ifft((re.astype("float32"), im.astype("float32")))
    assert str(f32[0].dtype) == "float32"
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.ifft(re)
    with pytest.raises(ValueError, match="same shape"):
        ops.ifft((re, im[..., :2]))
    with pytest.raises(TypeError, match="floating tensors"):
        ops.ifft((re.astype("int32"), im.astype("int32")))
