"""The wrapper paths of ``backend/cuda`` that use CuPy's own array code, which the kernel-only
tier could not run: empty-batch fills, the hinge losses' label flag (a CuPy reduction that stays
on the device), the 3-D windows (``*_xp`` array code), a GEMM with K = 0 and the label check of
sparse losses. Run on the NumPy-backed CuPy stand-in (``_fake_gpu.py``) with our kernels in the
simulator, against the NumPy twins; each path also runs inside a capture where it must."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import kernels as gk
from cuflow.backend.cuda.graph import CudaGraphRunner
from cuflow.backend.numpy import kernels as nk

from ..backend._cases import GEOMETRIES, POOLS, out_sizes, pool_inputs


def _get(a):
    return None if a is None else a.get()


def _same(got, want, rtol=1e-6):
    np.testing.assert_allclose(_get(got), want, rtol=rtol, atol=1e-7)


@pytest.mark.parametrize(("name", "shape"), [
    (n, s) for n in ("mean_squared_error", "categorical_crossentropy", "hinge") for s in
    ((0, 3), (0, 0))] + [("sparse_categorical_crossentropy", (0, 3))])
def test_empty_batches_fill(sim_gpu, name, shape):
    cp = sim_gpu.cupy
    if name == "sparse_categorical_crossentropy":
        t = np.zeros(shape[:1], np.int64)
    else:
        t = np.zeros(shape, np.float32)
    p = np.zeros(shape, np.float32)
    per, g = gk.loss_forward_backward(name, cp.asarray(t), cp.asarray(p))
    want_per, want_g = nk.loss_forward_backward(name, t, p)
    _same(per, want_per)
    _same(g, want_g)


def test_other_empty_paths(sim_gpu):
    cp = sim_gpu.cupy
    x = np.zeros((0, 4), np.float32)
    _same(gk.sum_batch(cp.asarray(x)), nk.sum_batch(x))
    for name in ("relu", "gelu"):  # y only, and (pre, y)
        pre, y = gk.bias_activation_forward(name, cp.asarray(x), cp.zeros(4, np.float32))
        assert y.shape == (0, 4) and (pre is None or pre.shape == (0, 4))
    with pytest.raises(ValueError, match="empty last axis"):  # as the twin
        gk.loss_forward_backward("hinge", cp.zeros((2, 0), np.float32),
                                 cp.zeros((2, 0), np.float32))
    assert int(gk.accuracy_count(cp.zeros(0, np.int64), cp.asarray(x), "sparse")) == 0
    assert int(gk.accuracy_count(cp.asarray(x), cp.asarray(x), "binary")) == 0
    # K = 0: cublas.py fills the product with zeros (CuPy's fill), no GEMM call
    from cuflow.backend import get_backend

    a, b = cp.ones((3, 0), np.float32), cp.ones((0, 2), np.float32)
    out = get_backend("gpu").matmul(a, b)
    assert out.get().tolist() == [[0, 0]] * 3 and not sim_gpu.cublas.calls


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("labels", [(0, 1), (-1, 1)], ids=["0/1", "-1/1"])
def test_hinge_label_flag(sim_gpu, name, labels):
    """Labels in {0, 1} are mapped to {-1, 1} by the kernel when the device flag says so."""
    cp = sim_gpu.cupy
    rng = np.random.default_rng(0)
    t = rng.choice(labels, size=(5, 3)).astype(np.float32)
    p = rng.normal(size=(5, 3)).astype(np.float32)
    per, g = gk.loss_forward_backward(name, cp.asarray(t), cp.asarray(p))
    want_per, want_g = nk.loss_forward_backward(name, t, p)
    _same(per, want_per)
    _same(g, want_g)
    # the flag is computed on the device, so the loss captures and replays
    runner, td, pd = CudaGraphRunner(0), cp.asarray(t), cp.asarray(p)
    out = []
    graph = runner.capture(lambda: out.append(gk.loss_forward_backward(name, td, pd)))
    td[...] = cp.asarray(rng.choice(labels, size=(5, 3)).astype(np.float32))
    runner.launch(graph, lambda: None)
    want_per, want_g = nk.loss_forward_backward(name, td.get(), p)
    _same(out[0][0], want_per)
    _same(out[0][1], want_g)


@pytest.mark.parametrize("geom", [g for g in GEOMETRIES if len(g[1]) == 3])
def test_3d_windows(sim_gpu, geom):
    cp = sim_gpu.cupy
    x_shape, ks, strides, dils, pads = geom
    outs = out_sizes(*geom)
    rng = np.random.default_rng(3)
    x = rng.normal(size=x_shape).astype(np.float32)
    cols = gk.im2col(cp.asarray(x), ks, strides, dils, pads, outs)
    want = nk.im2col(x, ks, strides, dils, pads, outs)
    np.testing.assert_array_equal(cols.get(), want)
    oc = rng.normal(size=(int(np.prod(ks)), want.shape[0], x_shape[-1])).astype(np.float32)
    _same(gk.col2im(cp.asarray(oc), x_shape, ks, strides, dils, pads, outs),
          nk.col2im(oc, x_shape, ks, strides, dils, pads, outs), rtol=1e-5)


@pytest.mark.parametrize("geom", [g for g in POOLS if len(g[1]) == 3])
def test_3d_max_pool(sim_gpu, geom):
    cp = sim_gpu.cupy
    x_shape, pool, strides, pads = geom
    x, g, outs = pool_inputs(*geom, "float32")
    y = nk.max_pool_forward(x, pool, strides, pads, outs)
    yd = gk.max_pool_forward(cp.asarray(x), pool, strides, pads, outs)
    np.testing.assert_array_equal(yd.get(), y)
    got = gk.max_pool_backward(cp.asarray(g), cp.asarray(x), yd, pool, strides, pads, outs)
    _same(got, nk.max_pool_backward(g, x, y, pool, strides, pads, outs))


def test_sparse_label_check_reads_the_host_only_when_not_capturing(sim_gpu):
    cp = sim_gpu.cupy
    p = cp.zeros((2, 3), np.float32)
    with pytest.raises(Exception, match="3"):
        gk.sparse_softmax_cross_entropy(p, cp.asarray(np.array([0, 3])))
    runner, out = CudaGraphRunner(0), []
    labels = cp.asarray(np.array([0, 2]))
    graph = runner.capture(lambda: out.append(gk.sparse_softmax_cross_entropy(p, labels)))
    labels[...] = cp.asarray(np.array([1, 7]))  # out of range: a NaN row, not a bad read
    runner.launch(graph, lambda: None)
    per = out[0][0].get()
    assert np.isfinite(per[0]) and np.isnan(per[1])
