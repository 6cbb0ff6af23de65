"""A small MLP trained for a few steps through the CUDA kernel table (``backend/cuda/kernels.py``)
on the simulated device, against the same steps through the NumPy twins' table: the Dense
epilogues, the fused softmax cross-entropy, the bias gradients and the fused Adam update (one
multi-tensor launch) compose into the same weights. The GEMMs run in NumPy on the host views
(cuBLAS is not simulated); everything else is our kernels."""

from __future__ import annotations

import numpy as np

from cuflow.backend.cuda import kernels as gk
from cuflow.backend.cuda import optimizers as fo
from cuflow.backend.numpy import kernels as nk

from ..backend.cuda import _fake_device as fd
from ..backend.cuda.test_optimizers import _updater
from ..optimizers._fused_reference import reference_step
from ._twin import get, put

STEPS, LR = 4, 0.01


def _adam_scalars(t):
    b1, b2, eps = 0.9, 0.999, 1e-7
    alpha = LR * np.sqrt(1 - b2**t) / (1 - b1**t)
    return fo.scalar_vector(LR, hyper=(alpha, 1 - b1, 1 - b2, eps))


def _step(k, mm, x, labels, params):
    """Forward and backward of Dense(relu) -> Dense(linear) -> softmax cross-entropy through the
    kernel table ``k``; ``mm(a, b)`` is the GEMM. Returns the gradients and the mean loss."""
    w1, b1, w2, b2 = params
    pre1, h = k.bias_activation_forward("relu", mm(x, w1), b1)
    _, logits = k.bias_activation_forward("linear", mm(h, w2), b2)
    per, g = k.sparse_softmax_cross_entropy(logits, labels)
    dz2, db2 = k.bias_activation_backward("linear", None, logits, g)
    dh = mm(dz2, w2, tb=True)
    dz1, db1 = k.bias_activation_backward("relu", pre1, h, dh)
    return [mm(x, dz1, ta=True), db1, mm(h, dz2, ta=True), db2], per


def _host_mm(a, b, ta=False, tb=False):
    return (a.T if ta else a) @ (b.T if tb else b)


def _device_mm(a, b, ta=False, tb=False):
    return put(_host_mm(get(a), get(b), ta, tb))


def test_mlp_steps_equal_the_twins(sim, monkeypatch):
    from cuflow.backend.cuda import losses

    monkeypatch.setattr(losses, "_capturing", lambda: True)  # the label check is a CuPy reduction
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 12)).astype(np.float32)
    labels = rng.integers(0, 5, 70)
    params = [rng.normal(size=(12, 40)).astype(np.float32) * 0.3, np.zeros(40, np.float32),
              rng.normal(size=(40, 5)).astype(np.float32) * 0.3, np.zeros(5, np.float32)]
    host = [p.copy() for p in params]
    host_slots = [[np.zeros_like(p) for p in params] for _ in range(2)]
    dev = [put(p) for p in params]
    dev_slots = [[put(np.zeros_like(p)) for p in params] for _ in range(2)]
    sizes = [p.size for p in params]
    u = _updater("adam", 0, sizes, "float32", 2)
    fd._host_view(u.flags)[...] = 0
    fd._host_view(u.ptrs)[...] = u.host_pointer_table(dev, dev_slots).reshape(-1)
    for t in range(1, STEPS + 1):
        scal = _adam_scalars(t)
        grads, loss = _step(nk, _host_mm, x, labels, host)
        reference_step("adam", 0, [p.reshape(-1) for p in host], [g.reshape(-1) for g in grads],
                       [[a.reshape(-1) for a in col] for col in host_slots], [0] * 4, scal)
        dgrads, dloss = _step(gk, _device_mm, put(x), put(labels), dev)
        np.testing.assert_allclose(get(dloss), loss, rtol=1e-5, atol=1e-6)
        fd._host_view(u.scal)[...] = scal
        u.set_grads(dgrads)
        u.launch()
    for d, h in zip(dev, host):
        np.testing.assert_allclose(get(d), h, rtol=1e-5, atol=1e-6)
    assert host[0].tolist() != params[0].tolist()  # it trained
    assert sim.names().count("cf_fused_adam<float>") == STEPS
