"""Every CUDA kernel against its NumPy twin on a real GPU (skipped with a reason elsewhere).

Random and extreme inputs, sizes 0 .. 2**20+3, contiguous and strided, float32/float64/float16:
values to rel 1e-5 (f32) / 1e-12 (f64) / ~1e-3 (f16), NaN and +-Inf in identical places, and
bad labels rejected with ValueError before any launch.
"""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend import numpy_kernels as nk
from cuflow.testing import gpu_available

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")]

SIZES = [0, 1, 7, 33, 1023, 2**20 + 3]
ROW_SHAPES = [(0, 5), (1, 1), (1, 7), (7, 33), (33, 1023), (1023, 10), (3, 2**18 + 3),
              (2**20 + 3, 3)]
DTYPES = [np.float32, np.float64, np.float16]
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1000.0, -1000.0, 3.0, -3.0, 6.0, 1e-30]
RNG = np.random.default_rng(2024)


class Dev:
    """Device helpers; a test can swap in NumPy to dry-run the comparison logic on a CPU."""

    @staticmethod
    def mod():
        from cuflow.backend import cupy_kernels

        return cupy_kernels

    @staticmethod
    def put(a):
        import cupy

        return cupy.asarray(a)

    @staticmethod
    def get(a):
        import cupy

        return None if a is None else cupy.asnumpy(a)

    @staticmethod
    def strided(a):
        """A non-contiguous device view holding the values of a."""
        import cupy

        big = cupy.empty((2,) + a.shape, dtype=a.dtype)
        big[0] = cupy.asarray(a)
        return big[0] if a.ndim == 0 else cupy.moveaxis(big, 0, -1)[..., 0]


def _tol(dtype):
    return {np.float32: (1e-5, 1e-6), np.float64: (1e-12, 1e-13),
            np.float16: (2e-3, 2e-3)}[np.dtype(dtype).type]


def assert_twin(got, want, dtype):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    fin = np.isfinite(want)
    rtol, atol = _tol(dtype)
    # atol scaled by the magnitude of the result keeps near-zero entries from dominating
    scale = max(1.0, float(np.max(np.abs(want[fin])))) if fin.any() else 1.0
    np.testing.assert_allclose(got[fin].astype(np.float64), want[fin].astype(np.float64),
                               rtol=rtol, atol=atol * scale)


def _values(shape, dtype, scale=3.0, specials=True):
    x = RNG.normal(size=shape) * scale
    if specials and x.size:
        k = min(len(SPECIALS), x.size)
        x.flat[:k] = SPECIALS[:k]
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def _variants(a):
    yield "contiguous", Dev.put(a)
    yield "strided", Dev.strided(a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activation_kernels(name, size, dtype):
    gk = Dev.mod()
    x = _values((size,), dtype)
    dy = _values((size,), dtype, 1.0, specials=False)
    y = nk.activation_forward(name, x)
    dx = nk.activation_backward(name, x, y, dy)
    for _, xd in _variants(x):
        assert_twin(Dev.get(gk.activation_forward(name, xd)), y, dtype)
        got = gk.activation_backward(name, xd, Dev.put(y), Dev.strided(dy))
        assert_twin(Dev.get(got), dx, dtype)


def test_activation_alpha_and_vec4_tail():
    gk = Dev.mod()
    for n in (2**16, 2**16 + 1, 2**16 + 3):
        x = _values((n,), np.float32)
        for name in ("leaky_relu", "elu"):
            assert_twin(Dev.get(gk.activation_forward(name, Dev.put(x), 0.37)),
                        nk.activation_forward(name, x, 0.37), np.float32)
    # misaligned start (offset by one float) takes the scalar path
    x = _values((2**16 + 1,), np.float32)
    xd = Dev.put(x)[1:]
    assert_twin(Dev.get(gk.activation_forward("gelu", xd)), nk.activation_forward("gelu", x[1:]),
                np.float32)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROW_SHAPES)
def test_row_kernels(shape, dtype):
    gk = Dev.mod()
    x = _values(shape, dtype)
    dy = _values(shape, dtype, 1.0, specials=False)
    y, ly = nk.softmax_forward(x), nk.log_softmax_forward(x)
    for _, xd in _variants(x):
        assert_twin(Dev.get(gk.softmax_forward(xd)), y, dtype)
        assert_twin(Dev.get(gk.log_softmax_forward(xd)), ly, dtype)
        assert_twin(Dev.get(gk.softmax_backward(Dev.put(y), Dev.strided(dy))),
                    nk.softmax_backward(y, dy), dtype)
        assert_twin(Dev.get(gk.log_softmax_backward(Dev.put(ly), Dev.strided(dy))),
                    nk.log_softmax_backward(ly, dy), dtype)
        assert_twin(Dev.get(gk.logsumexp(xd)), nk.logsumexp(x), dtype)
        assert_twin(Dev.get(gk.row_max(xd)), nk.row_max(x), dtype)
        np.testing.assert_array_equal(Dev.get(gk.row_argmax(xd)), nk.row_argmax(x))


def _loss_inputs(name, shape, dtype, from_logits):
    n = shape[-1]
    rows = shape[0]
    if name == "sparse_categorical_crossentropy":
        t = RNG.integers(0, n, size=rows)
    elif name in ("hinge", "squared_hinge"):
        t = RNG.integers(0, 2, size=shape).astype(np.float64)
    elif name in ("categorical_crossentropy", "categorical_hinge", "kl_divergence",
                  "binary_crossentropy"):
        t = RNG.uniform(0, 1, shape)
    else:
        t = RNG.normal(size=shape)
    if from_logits or name in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                               "hinge", "squared_hinge", "categorical_hinge",
                               "cosine_similarity"):
        p = RNG.normal(size=shape) * 3
    else:
        p = RNG.uniform(0, 1.2, shape)
        if p.size >= 2:
            p.flat[:2] = [0.0, 1.0]  # exact probabilities
    t = t if name == "sparse_categorical_crossentropy" else t.astype(dtype)
    return t, p.astype(dtype)


LOSS_CASES = [(n, False) for n in nk.LOSSES] + [(n, True) for n in sorted(nk.FROM_LOGITS_LOSSES)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROW_SHAPES[1:] + [(0, 4)])
@pytest.mark.parametrize("name,from_logits", LOSS_CASES)
def test_loss_kernels(name, from_logits, shape, dtype):
    gk = Dev.mod()
    t, p = _loss_inputs(name, shape, dtype, from_logits)
    ls = 0.1 if name in nk.SMOOTHING_LOSSES else 0.0
    want = nk.loss_forward_backward(name, t, p, from_logits, ls, delta=0.8)
    for _, pd in _variants(p):
        got = gk.loss_forward_backward(name, Dev.put(t), pd, from_logits, ls, delta=0.8)
        assert_twin(Dev.get(got[0]), want[0], dtype)
        assert_twin(Dev.get(got[1]), want[1], dtype)
    per, none = gk.loss_forward_backward(name, Dev.put(t), Dev.put(p), from_logits, ls, 0.8,
                                         need_grad=False)
    assert none is None
    assert_twin(Dev.get(per), want[0], dtype)


def test_hinge_label_conversion_is_batch_wide():
    gk = Dev.mod()
    p = _values((64, 5), np.float32, specials=False)
    for t in (RNG.integers(0, 2, (64, 5)).astype(np.float32),
              RNG.choice([-1.0, 0.0, 1.0], (64, 5)).astype(np.float32)):
        for name in ("hinge", "squared_hinge"):
            want = nk.loss_forward_backward(name, t, p)
            got = gk.loss_forward_backward(name, Dev.put(t), Dev.put(p))
            assert_twin(Dev.get(got[0]), want[0], np.float32)
            assert_twin(Dev.get(got[1]), want[1], np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64, np.uint8])
def test_sparse_softmax_cross_entropy_kernel(dtype, label_dtype):
    gk = Dev.mod()
    logits = _values((513, 10), dtype)
    labels = RNG.integers(0, 10, 513).astype(label_dtype)
    want = nk.sparse_softmax_cross_entropy(logits, labels)
    got = gk.sparse_softmax_cross_entropy(Dev.put(logits), Dev.put(labels))
    assert_twin(Dev.get(got[0]), want[0], dtype)
    assert_twin(Dev.get(got[1]), want[1], dtype)


@pytest.mark.parametrize("bad", [-1, 10, 1000])
def test_bad_labels_raise_before_launch(bad):
    gk = Dev.mod()
    logits = Dev.put(_values((4, 10), np.float32))
    labels = np.array([0, 1, bad, 2])
    with pytest.raises(ValueError, match=f"label {bad}"):
        gk.sparse_softmax_cross_entropy(logits, Dev.put(labels))
    with pytest.raises(ValueError, match=f"label {bad}"):
        gk.loss_forward_backward("sparse_categorical_crossentropy", Dev.put(labels),
                                 Dev.put(np.abs(Dev.get(logits))))
    with pytest.raises(TypeError):
        gk.sparse_softmax_cross_entropy(logits, Dev.put(labels.astype(np.float32)))
    # the device is still healthy afterwards
    assert_twin(Dev.get(gk.softmax_forward(logits)), nk.softmax_forward(Dev.get(logits)),
                np.float32)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(0, 3), (1,), (7, 3), (33, 1023), (2**20 + 3, 2), (5, 2**20)])
def test_reduction_kernels(shape, dtype):
    gk = Dev.mod()
    x = _values(shape, dtype, specials=False)
    for _, xd in _variants(x):
        assert_twin(Dev.get(gk.sum_batch(xd)), nk.sum_batch(x), dtype)
    arrays = [x, _values((1023,), dtype), _values((0,), dtype)]
    got = gk.global_l2_norm([Dev.put(a) for a in arrays])
    assert got.shape == ()
    assert_twin(Dev.get(got), nk.global_l2_norm(arrays), np.float32)
    assert_twin(Dev.get(gk.global_l2_norm([Dev.put(x), Dev.put(np.ones(3))])),
                nk.global_l2_norm([x, np.ones(3)]), np.float64)


@pytest.mark.parametrize("shape", [(0, 4), (1, 1), (7, 3), (1023, 33), (2**20 + 3, 4)])
def test_accuracy_kernels(shape):
    gk = Dev.mod()
    p = _values(shape, np.float32, specials=False)
    labels = RNG.integers(0, shape[-1], shape[0])
    onehot = np.eye(shape[-1], dtype=np.float32)[labels]
    for lab in (labels, labels.astype(np.int32), labels.astype(np.float32)):
        got = gk.accuracy_count(Dev.put(lab), Dev.put(p), "sparse")
        assert got.dtype == np.int64 and got.shape == ()
        assert int(Dev.get(got)) == int(nk.accuracy_count(lab, p, "sparse"))
    assert int(Dev.get(gk.accuracy_count(Dev.put(onehot), Dev.put(p), "categorical"))) == \
        int(nk.accuracy_count(onehot, p, "categorical"))
    tb = RNG.integers(0, 2, shape)
    assert int(Dev.get(gk.accuracy_count(Dev.put(tb), Dev.put(p), "binary", 0.1))) == \
        int(nk.accuracy_count(tb, p, "binary", 0.1))
