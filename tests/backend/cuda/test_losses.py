"""Losses on the GPU (backend/cuda/losses.py, ``kernels/losses.cu``) against their NumPy twins:
every launch checked against the compiled signatures on the CPU, the kernels' math compiled for
the host (the out-of-range label guard included), and on a GPU the kernels on random and extreme
inputs, with bad labels refused before any launch."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import losses as gk
from cuflow.backend.names import ELEM_LOSS_KERNELS
from cuflow.backend.numpy import losses as nk

from . import _fake_device as fd
from ._gpu import DTYPES, RNG, ROW_SHAPES, Dev, assert_twin, values, variants
from ._host import close, ptr, row_case, sfx

HRNG = np.random.default_rng(7)  # the host tests draw from their own stream
LAUNCH_DTYPES = ["float32", "float64", "float16"]


# ---- launches, checked on the CPU ------------------------------------------------------------

def _loss_args(name, shape, dtype, label_dtype="int64"):
    rng = np.random.default_rng(3)
    if name == "sparse_categorical_crossentropy":
        t = rng.integers(0, shape[-1], size=shape[:-1]).astype(label_dtype)
    else:
        t = rng.uniform(0, 1, size=shape).astype(dtype)
    p = rng.uniform(0.1, 1, size=shape).astype(dtype)
    return fd.device_array(t), fd.device_array(p)


@pytest.mark.parametrize("dtype", LAUNCH_DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 40)])
def test_loss_launches(checker, monkeypatch, dtype, shape):
    monkeypatch.setattr(gk, "_capturing", lambda: True)  # no host read of the label range
    count = 0
    for name in nk.LOSSES:
        if name in ("hinge", "squared_hinge"):
            continue  # their {0,1} test runs CuPy's own kernels (not available here)
        for from_logits in ([False, True] if name in nk.FROM_LOGITS_LOSSES else [False]):
            for need_grad in (True, False):
                labels = ["int64", "int32"] if name == "sparse_categorical_crossentropy" \
                    else ["int64"]
                for lt in labels:
                    t, p = _loss_args(name, shape, dtype, lt)
                    ls = 0.1 if name in nk.SMOOTHING_LOSSES else 0.0
                    per, grad = gk.loss_forward_backward(name, t, p, from_logits, ls, 0.7,
                                                         need_grad)
                    assert per.shape == shape[:-1] and (grad is None) != need_grad
                    count += 1
    assert len(checker.launches) == count


def test_unknown_loss_is_refused_before_touching_the_device():
    with pytest.raises(ValueError, match="mean_squared_error"):
        gk.loss_forward_backward("mse2", np.zeros((2, 2)), np.zeros((2, 2)))


# ---- the kernels' math on the host -----------------------------------------------------------

def _loss_data(kernel, shape, dtype):
    t = HRNG.uniform(0, 1, shape)
    if kernel in ("hinge", "squared_hinge"):
        t = HRNG.choice([-1.0, 1.0], shape)
    p = HRNG.uniform(-0.2, 1.2, shape) if "logits" not in kernel else HRNG.normal(size=shape) * 5
    if kernel in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh"):
        p = HRNG.normal(size=shape) * 3
    # extremes in the first rows: exact 0/1 probabilities, huge values, NaN, infinities
    p.flat[:8] = [0.0, 1.0, 1e30, -1e30, np.nan, np.inf, -np.inf, 1e-7]
    t.flat[8] = np.nan
    return t.astype(dtype), p.astype(dtype)


def test_host_library_uses_the_names_table(host_lib):
    names = tuple(host_lib.cf_host_elem_loss_name(i).decode()
                  for i in range(host_lib.cf_host_n_elem_losses()))
    assert names == ELEM_LOSS_KERNELS
    assert set(names) == set(nk.ELEMENTWISE_LOSSES) | {"binary_crossentropy_logits"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", [*nk.ELEMENTWISE_LOSSES, "binary_crossentropy_logits"])
def test_elementwise_losses_host_vs_twin(host_lib, kernel, dtype):
    name = kernel.replace("_logits", "")
    from_logits = kernel.endswith("_logits")
    ls = 0.1 if name == "binary_crossentropy" else 0.0
    _, ls_a, ls_b = nk.loss_options(name, from_logits, ls, 7)
    t, p = _loss_data(kernel, (9, 7), dtype)
    per, grad = np.empty(9, dtype), np.empty_like(p)
    fn = getattr(host_lib, f"cf_host_elem_loss_{sfx(dtype)}")
    fn(ELEM_LOSS_KERNELS.index(kernel), ptr(t), ptr(p), ptr(per), ptr(grad), 9, 7, 0.7, ls_a, ls_b)
    want_per, want_grad = nk.loss_forward_backward(name, t, p, from_logits, ls, delta=0.7)
    close(per, want_per, dtype)
    close(grad, want_grad, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_losses_host_vs_twin(host_lib, dtype):
    fn = getattr(host_lib, f"cf_host_row_op_{sfx(dtype)}")
    x, probs, t, labels = row_case(HRNG, dtype)
    rows, n = x.shape

    def run(op, a, b=None, lab=None, p0=1.0, p1=0.0):
        o1, o2, io = np.empty(rows, dtype), np.empty((rows, n), dtype), np.empty(rows, np.int64)
        fn(op, ptr(a), ptr(b), ptr(lab), ptr(o1), ptr(o2), ptr(io), rows, n, p0, p1)
        return o1, o2, io

    ls = 0.1
    _, ls_a, ls_b = nk.loss_options("categorical_crossentropy", False, ls, n)
    for op, pred, logits in ((7, probs, False), (8, x, True)):
        per, grad, _ = run(op, t, pred, p0=ls_a, p1=ls_b)
        want = nk.loss_forward_backward("categorical_crossentropy", t, pred, logits, ls)
        close(per, want[0], dtype)
        close(grad, want[1], dtype)
    for op, pred, logits in ((9, np.abs(probs), False), (10, x, True)):
        pred = np.nan_to_num(pred, nan=0.5) if not logits else pred
        per, grad, _ = run(op, None, pred, lab=labels)
        want = nk.loss_forward_backward("sparse_categorical_crossentropy", labels, pred, logits)
        close(per, want[0], dtype)
        close(grad, want[1], dtype)
    onehot = np.eye(n, dtype=dtype)[labels]
    for op, name, tt, pred in ((11, "categorical_hinge", onehot, x / 1e3),
                               (12, "cosine_similarity", t, probs)):
        pred = np.where(np.isinf(pred), 0, pred).astype(dtype)
        per, grad, _ = run(op, tt, pred)
        want = nk.loss_forward_backward(name, tt, pred)
        close(per, want[0], dtype)
        close(grad, want[1], dtype)


def test_out_of_range_label_is_nan_not_a_crash(host_lib):
    """The kernel-side guard (used when the Python check is skipped during graph capture)."""
    fn = host_lib.cf_host_row_op_f64
    x = HRNG.normal(size=(2, 4))
    labels = np.array([1, 9], np.int64)
    o1, o2, io = np.empty(2), np.empty((2, 4)), np.empty(2, np.int64)
    for op in (9, 10):
        fn(op, None, ptr(np.abs(x)), ptr(labels), ptr(o1), ptr(o2), ptr(io), 2, 4, 1.0, 0.0)
        assert np.isfinite(o1[0]) and np.isnan(o1[1]) and np.isnan(o2[1]).all()


# ---- on a GPU --------------------------------------------------------------------------------

def _gpu_loss_inputs(name, shape, dtype, from_logits):
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


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROW_SHAPES[1:] + [(0, 4)])
@pytest.mark.parametrize("name,from_logits", LOSS_CASES)
def test_loss_kernels(name, from_logits, shape, dtype):
    gk = Dev.mod()
    t, p = _gpu_loss_inputs(name, shape, dtype, from_logits)
    ls = 0.1 if name in nk.SMOOTHING_LOSSES else 0.0
    want = nk.loss_forward_backward(name, t, p, from_logits, ls, delta=0.8)
    for _, pd in variants(p):
        got = gk.loss_forward_backward(name, Dev.put(t), pd, from_logits, ls, delta=0.8)
        assert_twin(Dev.get(got[0]), want[0], dtype)
        assert_twin(Dev.get(got[1]), want[1], dtype)
    per, none = gk.loss_forward_backward(name, Dev.put(t), Dev.put(p), from_logits, ls, 0.8,
                                         need_grad=False)
    assert none is None
    assert_twin(Dev.get(per), want[0], dtype)


@pytest.mark.gpu
def test_hinge_label_conversion_is_batch_wide():
    gk = Dev.mod()
    p = values((64, 5), np.float32, specials=False)
    for t in (RNG.integers(0, 2, (64, 5)).astype(np.float32),
              RNG.choice([-1.0, 0.0, 1.0], (64, 5)).astype(np.float32)):
        for name in ("hinge", "squared_hinge"):
            want = nk.loss_forward_backward(name, t, p)
            got = gk.loss_forward_backward(name, Dev.put(t), Dev.put(p))
            assert_twin(Dev.get(got[0]), want[0], np.float32)
            assert_twin(Dev.get(got[1]), want[1], np.float32)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64, np.uint8])
def test_sparse_softmax_cross_entropy_kernel(dtype, label_dtype):
    gk = Dev.mod()
    logits = values((513, 10), dtype)
    labels = RNG.integers(0, 10, 513).astype(label_dtype)
    want = nk.sparse_softmax_cross_entropy(logits, labels)
    got = gk.sparse_softmax_cross_entropy(Dev.put(logits), Dev.put(labels))
    assert_twin(Dev.get(got[0]), want[0], dtype)
    assert_twin(Dev.get(got[1]), want[1], dtype)


@pytest.mark.gpu
@pytest.mark.parametrize("bad", [-1, 10, 1000])
def test_bad_labels_raise_before_launch(bad):
    gk = Dev.mod()
    from cuflow.backend.numpy.rows import softmax_forward

    logits = Dev.put(values((4, 10), np.float32))
    labels = np.array([0, 1, bad, 2])
    with pytest.raises(ValueError, match=f"label {bad}"):
        gk.sparse_softmax_cross_entropy(logits, Dev.put(labels))
    with pytest.raises(ValueError, match=f"label {bad}"):
        gk.loss_forward_backward("sparse_categorical_crossentropy", Dev.put(labels),
                                 Dev.put(np.abs(Dev.get(logits))))
    with pytest.raises(TypeError):
        gk.sparse_softmax_cross_entropy(logits, Dev.put(labels.astype(np.float32)))
    # the device is still healthy afterwards
    assert_twin(Dev.get(gk.softmax_forward(logits)), softmax_forward(Dev.get(logits)),
                np.float32)
