"""ops.fft: fft / ifft / fft2 / ifft2 / rfft / irfft against numpy.fft, round trips, stft and
istft against the Keras definition (torch and scipy where importable), errors. Gradients are
checked in tests/reliability/grad_cases_linalg.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

R = np.random.default_rng(31)


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, want, tol=1e-10):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ---- transforms ---------------------------------------------------------------------------------

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


# ---- short-time transforms ----------------------------------------------------------------------

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
    with pytest.raises(TypeError, match="`float32` or `float64`"):
        ops.stft(cf.Tensor(np.ones(20, np.int64)), 8, 2, 8)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ops.istft((cf.Tensor(np.ones(5)), cf.Tensor(np.ones(5))), 8, 2, 8)
