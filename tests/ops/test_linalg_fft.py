"""keras.ops linear algebra, FFT and segment/math ops: values against numpy.linalg / numpy.fft
(torch and scipy where importable), Keras doc examples, batching, round trips and errors.
Gradients are checked in tests/reliability/grad_cases_linalg.py."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

R = np.random.default_rng(31)


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


def wc(*shape):
    return R.uniform(-1, 1, shape) + 3 * np.eye(shape[-1])


def spd(*shape):
    a = R.uniform(-1, 1, shape)
    return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(shape[-1])


def close(got, want, tol=1e-10):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ---- linear algebra -----------------------------------------------------------------------------

def test_inverse_determinants(device):
    a = wc(2, 3, 4, 4)
    close(ops.inv(t(a, device)), np.linalg.inv(a))
    close(ops.det(t(a, device)), np.linalg.det(a))
    sign, logabs = ops.slogdet(t(-a, device))
    ref = np.linalg.slogdet(-a)
    close(sign, ref[0])
    close(logabs, ref[1])
    s = spd(2, 3, 3)
    close(ops.logdet(t(s, device)), np.log(np.linalg.det(s)))
    assert ops.inv(t(a.astype(np.float32), device)).dtype == np.float32


def test_solves(device):
    a, b = wc(2, 3, 3), R.uniform(-1, 1, (3, 2))
    close(ops.solve(t(a, device), t(b, device)), np.linalg.solve(a, b))
    bv = R.uniform(-1, 1, (2, 3))  # a batch of vectors (one dimension fewer than a)
    close(ops.solve(t(a, device), t(bv, device)), np.linalg.solve(a, bv[..., None])[..., 0])
    close(ops.solve(t(a[0], device), t(bv[0], device)), np.linalg.solve(a[0], bv[0]))
    full = R.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
    for lower in (True, False):
        tri = np.tril(full) if lower else np.triu(full)
        got = ops.solve_triangular(t(full, device), t(b, device), lower=lower)
        close(got, np.linalg.solve(tri, b))  # the other triangle is ignored
    # lstsq: over- and under-determined, vector and matrix b, rcond cut-off
    for shape in ((5, 3), (3, 5)):
        m = R.uniform(-1, 1, shape)
        for rhs in (R.uniform(-1, 1, shape[0]), R.uniform(-1, 1, (shape[0], 2))):
            close(ops.lstsq(t(m, device), t(rhs, device)), np.linalg.lstsq(m, rhs)[0], 1e-9)
    rank1 = np.outer([1.0, 2.0, 3.0], [1.0, 1.0]) + np.array([[0, 1e-9]] * 3)
    rhs = np.array([1.0, 2.0, 3.5])
    close(ops.lstsq(t(rank1, device), t(rhs, device), rcond=1e-6),
          np.linalg.lstsq(rank1, rhs, rcond=1e-6)[0], 1e-8)
    batched = R.uniform(-1, 1, (2, 5, 3)), R.uniform(-1, 1, (2, 5))
    want = np.stack([np.linalg.lstsq(batched[0][i], batched[1][i])[0] for i in range(2)])
    close(ops.lstsq(t(batched[0], device), t(batched[1], device)), want, 1e-9)


def test_decompositions(device):
    s = spd(2, 4, 4)
    low = ops.cholesky(t(s, device)).numpy()
    close(low, np.linalg.cholesky(s))
    close(ops.cholesky(t(s, device), upper=True), np.swapaxes(low, -1, -2))
    w, v = ops.eigh(t(s, device))
    close(w, np.linalg.eigh(s)[0])
    close(v.numpy() @ (w.numpy()[..., None] * np.swapaxes(v.numpy(), -1, -2)), s, 1e-9)
    g = R.uniform(-1, 1, (2, 3, 3))
    (wr, wi), (vr, vi) = ops.eig(t(g, device))
    wc_, vc = wr.numpy() + 1j * wi.numpy(), vr.numpy() + 1j * vi.numpy()
    np.testing.assert_allclose(g @ vc, vc * wc_[..., None, :], atol=1e-10)
    assert wr.dtype == g.dtype and wr.shape == (2, 3) and vi.shape == (2, 3, 3)
    for mode in ("reduced", "complete"):
        for shape in ((2, 5, 3), (3, 4)):
            x = R.uniform(-1, 1, shape)
            q, r = ops.qr(t(x, device), mode=mode)
            qn, rn = np.linalg.qr(x, mode=mode)
            assert q.shape == qn.shape and r.shape == rn.shape
            close(q.numpy() @ r.numpy(), x)
            close(np.abs(r.numpy()), np.abs(rn))
    x = R.uniform(-1, 1, (2, 5, 3))
    for full in (True, False):
        u, sv, vh = ops.svd(t(x, device), full_matrices=full)
        un, sn, vhn = np.linalg.svd(x, full_matrices=full)
        assert (u.shape, sv.shape, vh.shape) == (un.shape, sn.shape, vhn.shape)
        close(sv, sn)
        close((u.numpy()[..., :3] * sv.numpy()[..., None, :]) @ vh.numpy()[..., :3, :], x)
    close(ops.svd(t(x, device), compute_uv=False), np.linalg.svd(x, compute_uv=False))
    for o in (2, -2, "nuc"):
        close(ops.norm(t(x, device), ord=o, axis=(-2, -1)), np.linalg.norm(x, o, (-2, -1)))
        close(ops.norm(t(x, device), ord=o, axis=(2, 1), keepdims=True),
              np.linalg.norm(x, o, (2, 1), keepdims=True))


def test_lu_factor(device):
    a = R.uniform(-1, 1, (2, 4, 4))
    a[1, :, 0] = [0.0, 0.0, 2.0, 1.0]  # forces a swap at step 0
    lu, piv = ops.lu_factor(t(a, device))
    lu, piv = lu.numpy(), piv.numpy()
    assert piv.dtype == np.int32 and piv.shape == (2, 4)
    for b in range(2):
        low = np.tril(lu[b], -1) + np.eye(4)
        perm = np.arange(4)
        for i, p in enumerate(piv[b]):
            perm[[i, p]] = perm[[p, i]]
        close(low @ np.triu(lu[b]), a[b][perm])
    scipy_linalg = pytest.importorskip("scipy.linalg")
    for b in range(2):
        ref_lu, ref_piv = scipy_linalg.lu_factor(a[b])
        close(lu[b], ref_lu)
        np.testing.assert_array_equal(piv[b], ref_piv)


def test_against_torch_linalg():
    torch = pytest.importorskip("torch")
    s = spd(2, 3, 3)
    got = ops.cholesky(cf.Tensor(s))
    close(got, torch.linalg.cholesky(torch.tensor(s)).numpy())
    # the cholesky gradient matches PyTorch's (symmetric) one
    x = cf.Tensor(s, requires_grad=True)
    with cf.GradientTape() as tape:
        y = (ops.cholesky(x) * cf.Tensor(np.arange(9.0).reshape(3, 3))).sum()
    (g,) = tape.gradient(y, [x])
    xt = torch.tensor(s, requires_grad=True)
    (torch.linalg.cholesky(xt) * torch.arange(9.0, dtype=torch.float64).reshape(3, 3)).sum() \
        .backward()
    close(g, xt.grad.numpy(), 1e-8)


def test_linalg_errors():
    sq = cf.Tensor(wc(3, 3))
    for fn in (ops.inv, ops.det, ops.slogdet, ops.cholesky, ops.eigh, ops.eig, ops.lu_factor):
        with pytest.raises(ValueError, match=r"square matrix.*received shape \(3, 4\)"):
            fn(cf.Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match="inv expected a square"):
        ops.inv(cf.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match=r"b must have shape \(\.\.\., 3\) or \(\.\.\., 3, K\)"):
        ops.solve(sq, cf.Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="batch dimensions"):
        ops.solve(cf.Tensor(wc(2, 3, 3)), cf.Tensor(np.ones((4, 3, 1))))
    with pytest.raises(TypeError, match="same floating dtype"):
        ops.solve(sq, cf.Tensor(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="mode argument value not supported|`mode` argument"):
        ops.qr(sq, mode="r")
    with pytest.raises(TypeError, match="floating"):
        ops.inv(cf.Tensor(np.eye(2, dtype=np.int64)))
    # gradients that are not defined raise with the reason
    x = cf.Tensor(R.uniform(-1, 1, (4, 3)), requires_grad=True)
    with cf.GradientTape() as tape:
        y = ops.qr(x, mode="complete")[0].sum()
    with pytest.raises(NotImplementedError, match="complete"):
        tape.gradient(y, [x])
    with cf.GradientTape() as tape:
        y = ops.svd(x)[0].sum()
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tape.gradient(y, [x])


# ---- FFT ----------------------------------------------------------------------------------------

def test_fft_values(device):
    re, im = R.uniform(-1, 1, (2, 3, 6)), R.uniform(-1, 1, (2, 3, 6))
    z = re + 1j * im
    for fn, ref in ((ops.fft, np.fft.fft(z)), (ops.fft2, np.fft.fft2(z)),
                    (ops.ifft2, np.fft.ifft2(z))):
        out = fn((t(re, device), t(im, device)))
        assert isinstance(out, tuple) and len(out) == 2
        close(out[0], ref.real)
        close(out[1], ref.imag)
    for n in (None, 4, 9):
        fr, fi = ops.rfft(t(re, device), fft_length=n)
        ref = np.fft.rfft(re, n=n)
        close(fr, ref.real)
        close(fi, ref.imag)
        for m in (None, 5, 8):
            close(ops.irfft((fr, fi), m), np.fft.irfft(ref, n=m))
    f32 = ops.rfft(t(re.astype(np.float32), device))
    assert f32[0].dtype == np.float32 and f32[1].dtype == np.float32


def test_fft_round_trips(device):
    x = R.uniform(-1, 1, (3, 10))
    close(ops.irfft(ops.rfft(t(x, device))), x)
    close(ops.irfft(ops.rfft(t(x[:, :9], device)), 9), x[:, :9])
    re, im = ops.ifft2(ops.fft2((t(x, device), t(x * 0, device))))
    close(re, x)
    close(im, np.zeros_like(x))


def test_stft_keras_doc_example(device):
    re, im = ops.stft(t([0.0, 1.0, 2.0, 3.0, 4.0], device), 3, 2, 3)
    close(re, [[0.75, -0.375], [3.75, -1.875], [5.25, -2.625]], 1e-6)
    close(im, [[0.0, 0.64951905], [0.0, 0.64951905], [0.0, -0.64951905]], 1e-6)


def _stft_ref(x, seq, stride, nfft, window, center):
    """The Keras 3 definition written out in NumPy."""
    if center:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(nfft // 2, nfft // 2)], mode="reflect")
    k = np.arange(seq)
    win = {"hann": 0.5 - 0.5 * np.cos(2 * np.pi * k / seq),
           "hamming": 0.54 - 0.46 * np.cos(2 * np.pi * k / seq), None: None}[window]
    left = (nfft - seq) // 2
    win = np.ones(nfft) if win is None else np.pad(win, (left, nfft - seq - left))
    count = (x.shape[-1] - nfft) // stride + 1
    frames = np.stack([x[..., i * stride:i * stride + nfft] for i in range(count)], -2)
    return np.fft.rfft(frames * win, axis=-1)


@pytest.mark.parametrize("args", [(8, 4, 8, "hann", True), (6, 3, 8, "hamming", False),
                                  (5, 2, 7, None, True)])
def test_stft_values(args, device):
    x = R.uniform(-1, 1, (2, 23))
    re, im = ops.stft(t(x, device), *args)
    ref = _stft_ref(x, *args)
    close(re, ref.real)
    close(im, ref.imag)


def test_stft_against_torch():
    torch = pytest.importorskip("torch")
    x = R.uniform(-1, 1, (2, 40))
    re, im = ops.stft(cf.Tensor(x), 12, 4, 16)
    ref = torch.stft(torch.tensor(x), n_fft=16, hop_length=4, win_length=12,
                     window=torch.hann_window(12, dtype=torch.float64), center=True,
                     pad_mode="reflect", return_complex=True).numpy()
    close(re, np.swapaxes(ref.real, -1, -2))
    close(im, np.swapaxes(ref.imag, -1, -2))


def test_istft_round_trip(device):
    x = R.uniform(-1, 1, (2, 64))
    spec = ops.stft(t(x, device), 16, 4, 16)  # default hann, center=True
    close(ops.istft(spec, 16, 4, 16), x[:, :spec[0].shape[-2] * 4 + 16 - 16], 1e-9)
    back = ops.istft(spec, 16, 4, 16, length=64)
    assert back.shape == (2, 64)
    close(back, x, 1e-9)
    # an explicit window tensor and fft_length > sequence_length
    spec = ops.stft(t(x, device), 12, 3, 16, window=np.hanning(14)[1:-1])
    close(ops.istft(spec, 12, 3, 16, length=64, window=np.hanning(14)[1:-1]), x, 1e-9)


def test_istft_matches_scipy():
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(3)
    re, im = rng.uniform(-1, 1, (6, 5)), rng.uniform(-1, 1, (6, 5))
    win = signal.get_window("hann", 8)
    with warnings.catch_warnings():  # its first sample meets a zero window (NOLA): kept as is
        warnings.simplefilter("ignore")
        ref = signal.istft(re + 1j * im, fs=1.0, window=win, nperseg=8, noverlap=6, nfft=8,
                           boundary=False, time_axis=-2, freq_axis=-1)[-1] / win.sum()
    close(ops.istft((cf.Tensor(re), cf.Tensor(im)), 8, 2, 8, center=False), ref[..., :18])


def test_fft_errors():
    x = cf.Tensor(np.ones((2, 4)))
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(x)
    with pytest.raises(ValueError, match="same shape"):
        ops.fft((x, cf.Tensor(np.ones((2, 3)))))
    with pytest.raises(TypeError, match="floating"):
        ops.fft((cf.Tensor(np.ones(3, np.int64)), cf.Tensor(np.ones(3, np.int64))))
    with pytest.raises(ValueError, match="fft_length"):
        ops.rfft(x, 0)
    with pytest.raises(ValueError, match="`fft_length` must equal or larger"):
        ops.stft(cf.Tensor(np.ones(20)), 8, 2, 4)
    with pytest.raises(ValueError, match='"hann", "hamming"'):
        ops.stft(cf.Tensor(np.ones(20)), 8, 2, 8, window="blackman")
    with pytest.raises(ValueError, match=r"window.*\(8,\)"):
        ops.stft(cf.Tensor(np.ones(20)), 8, 2, 8, window=np.ones(5))
    with pytest.raises(TypeError, match="float32 or float64"):
        ops.stft(cf.Tensor(np.ones(20, np.int64)), 8, 2, 8)
    with pytest.raises(ValueError, match="sequence_stride"):
        ops.extract_sequences(x, 2, 0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ops.istft((cf.Tensor(np.ones(5)), cf.Tensor(np.ones(5))), 8, 2, 8)


# ---- sequences, segments, top-k, erfinv ---------------------------------------------------------

def test_extract_sequences(device):
    x = np.arange(20.0).reshape(2, 10)
    out = ops.extract_sequences(t(x, device), 4, 3).numpy()
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out[1, 2], x[1, 6:10])
    np.testing.assert_array_equal(ops.extract_sequences(t(np.arange(7), device), 2, 2).numpy(),
                                  [[0, 1], [2, 3], [4, 5]])


def test_segments(device):
    data = np.array([1.0, 2.0, 10.0, 20.0, 100.0, 200.0])
    ids = np.array([0, 0, 1, 1, 2, 2])
    close(ops.segment_max(t(data, device), t(ids, device), 3), [2, 20, 200])  # Keras' example
    close(ops.segment_sum(t(data, device), t(ids, device)), [3, 30, 300])
    d2 = R.uniform(-1, 1, (5, 3))
    ids2 = np.array([3, -1, 0, 3, 0])
    want = np.zeros((5, 3))
    for i, s in enumerate(ids2):
        if s >= 0:
            want[s] += d2[i]
    close(ops.segment_sum(t(d2, device), t(ids2, device), 5), want)
    mx = ops.segment_max(t(d2, device), t(ids2, device), 5).numpy()
    assert np.all(np.isneginf(mx[[1, 2, 4]]))  # empty segments
    close(mx[3], np.maximum(d2[0], d2[3]))
    ints = ops.segment_max(t(np.array([1, 5, 3]), device), t(np.array([0, 0, 2]), device), 3)
    np.testing.assert_array_equal(ints.numpy(), [5, np.iinfo(np.int64).min, 3])
    # N-D segment ids cover data's leading dimensions
    close(ops.segment_sum(t(np.ones((2, 2, 3)), device), t(np.array([[0, 1], [1, 1]]), device)),
          [[1, 1, 1], [3, 3, 3]])


def test_segment_max_gradient_goes_to_first_tie():
    d = cf.Tensor(np.array([[3.0, 1.0], [3.0, 2.0], [1.0, 2.0]]), requires_grad=True)
    with cf.GradientTape() as tape:
        y = ops.segment_max(d, np.array([0, 0, 0]), 1).sum()
    (g,) = tape.gradient(y, [d])
    np.testing.assert_array_equal(g.numpy(), [[1, 0], [0, 1], [0, 0]])


def test_segment_errors():
    with pytest.raises(ValueError, match="out of range for num_segments=2"):
        ops.segment_sum(cf.Tensor(np.ones(3)), np.array([0, 1, 2]), 2)
    with pytest.raises(ValueError, match="leading dimensions"):
        ops.segment_max(cf.Tensor(np.ones(3)), np.array([0, 1]))
    with pytest.raises(TypeError, match="integers"):
        ops.segment_sum(cf.Tensor(np.ones(3)), np.array([0.0, 1.0, 1.0]))


def test_in_top_k(device):
    pred = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, np.nan, 0.05, 0.3], [0.3, 0.2, 0.1, 0.4]])
    out = ops.in_top_k(t(np.array([2, 1, 0]), device), t(pred, device), 1).numpy()
    np.testing.assert_array_equal(out, [True, False, False])  # a tie counts in; NaN never
    out = ops.in_top_k(t(np.array([2, 3, 0]), device), t(pred, device), 2).numpy()
    np.testing.assert_array_equal(out, [True, True, True])
    with pytest.raises(IndexError, match="out of range"):
        ops.in_top_k(np.array([4, 0, 0]), cf.Tensor(pred), 1)


def test_erfinv(device):
    y = np.array([-0.5, -0.2, -0.1, 0.0, 0.3])
    close(ops.erfinv(t(y, device)), [-0.47694, -0.17914, -0.08886, 0.0, 0.27246], 1e-5)
    grid = np.concatenate([np.linspace(-0.999999, 0.999999, 801), [1 - 1e-12, -1 + 1e-15, 1e-300]])
    got = ops.erfinv(t(grid, device)).numpy()
    for v, x in zip(grid, got):  # erf(erfinv(y)) == y to rounding; erfc keeps the tails exact
        if abs(v) > 0.5:
            assert math.isclose(math.erfc(abs(x)), 1 - abs(v), rel_tol=1e-13)
        else:
            assert math.isclose(math.erf(x), v, rel_tol=1e-14, abs_tol=1e-300)
    edge = ops.erfinv(t(np.array([1.0, -1.0, 1.5, np.nan]), device)).numpy()
    assert edge[0] == np.inf and edge[1] == -np.inf and np.isnan(edge[2:]).all()
    special = pytest.importorskip("scipy.special")
    close(got, special.erfinv(grid), 1e-13)
