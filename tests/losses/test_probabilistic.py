"""losses.probabilistic: binary / categorical / sparse categorical crossentropy (label
smoothing, logits, ignore_class, the class axis, ranks like Keras), their focal forms (Keras doc
numbers, NumPy references, torchvision's formula where importable), Kullback-Leibler divergence
and Poisson."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses
from cuflow.testing import check_gradients

from ._reference import (
    S3,
    R,
    S,
    _on,
    _softmax,
    anyv,
    binary,
    onehot,
    posv,
    probs,
    ref_bce,
    ref_bfce,
    ref_cce,
    ref_cfce,
    ref_kld,
    ref_poisson,
    ref_scce,
)

try:
    import torch
except ImportError:  # the NumPy references still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not importable")


# ---- crossentropy, divergences ------------------------------------------------------------------

# (id, loss function, reference, y_true, y_pred)
CASES = [
    ("bce", losses.binary_crossentropy, ref_bce, binary(S), R.uniform(0.05, 0.95, S)),
    ("bce_soft", losses.binary_crossentropy, ref_bce, R.uniform(0, 1, S3),
     R.uniform(0.05, 0.95, S3)),
    ("cce", losses.categorical_crossentropy, ref_cce, onehot(S), probs(S)),
    ("cce_3d", losses.categorical_crossentropy, ref_cce, onehot(S3), probs(S3)),
    ("kld", losses.kl_divergence, ref_kld, probs(S), probs(S)),
    ("poisson", losses.poisson, ref_poisson, posv(S), posv(S)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_values(device, case):
    _, fn, ref, t, p = case
    out = fn(cf.Tensor(t, device=device), cf.Tensor(p, device=device))
    assert isinstance(out, cf.Tensor) and out.device == cf.Tensor(p, device=device).device
    assert out.shape == p.shape[:-1]
    np.testing.assert_allclose(out.numpy(), ref(t, p), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_gradients(device, case):
    _, fn, _, t, p = case
    check_gradients(lambda yp: fn(cf.Tensor(t, device=device), yp), [p], device=device)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_crossentropy_options(device, from_logits, ls):
    t_b, t_c = binary(S), onehot(S)
    p_b = anyv(S) if from_logits else R.uniform(0.05, 0.95, S)
    p_c = anyv(S) if from_logits else probs(S)
    bce = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=ls,
                                    reduction="none")
    cce = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=ls,
                                         reduction="none")
    got_b = bce(cf.Tensor(t_b, device=device), cf.Tensor(p_b, device=device))
    got_c = cce(cf.Tensor(t_c, device=device), cf.Tensor(p_c, device=device))
    np.testing.assert_allclose(got_b.numpy(), ref_bce(t_b, p_b, from_logits, ls), rtol=1e-6)
    np.testing.assert_allclose(got_c.numpy(), ref_cce(t_c, p_c, from_logits, ls), rtol=1e-6)
    check_gradients(lambda yp: bce(cf.Tensor(t_b, device=device), yp), [p_b], device=device)
    check_gradients(lambda yp: cce(cf.Tensor(t_c, device=device), yp), [p_c], device=device)


def test_cce_unnormalized_probabilities_are_renormalized(device):
    t, p = onehot(S), posv(S)
    got = losses.categorical_crossentropy(cf.Tensor(t, device=device), cf.Tensor(p, device=device))
    np.testing.assert_allclose(got.numpy(), ref_cce(t, p), rtol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(device, from_logits):
    p = anyv(S) if from_logits else probs(S)
    k = R.integers(0, S[-1], size=S[0])
    want = ref_scce(k, p, from_logits)
    fn = losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction="none")
    for labels in (k, k[:, None], k.astype(np.float32), k[:, None].astype(np.float64)):
        got = fn(cf.Tensor(labels, device=device), cf.Tensor(p, device=device))
        assert got.shape == (S[0],)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    check_gradients(lambda yp: fn(cf.Tensor(k, device=device), yp), [p], device=device)
    # sequences: labels (N, T) against scores (N, T, C)
    p3, k3 = probs(S3), R.integers(0, S3[-1], size=S3[:-1])
    got = losses.sparse_categorical_crossentropy(cf.Tensor(k3, device=device),
                                                 cf.Tensor(p3, device=device))
    np.testing.assert_allclose(got.numpy(), ref_scce(k3, p3), rtol=1e-6)


def test_sparse_ignore_class(device):
    p = anyv((6, 3))
    k = np.array([0, 2, -1, 1, -1, 2])
    valid = k != -1
    per = np.where(valid, ref_scce(np.where(valid, k, 0), p, True), 0.0)
    fn = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    got = fn(cf.Tensor(k, device=device), cf.Tensor(p, device=device))
    np.testing.assert_allclose(got.numpy(), per.sum() / valid.sum(), rtol=1e-6)  # mean over valid
    per_fn = losses.sparse_categorical_crossentropy(cf.Tensor(k, device=device),
                                                    cf.Tensor(p, device=device), True, -1)
    np.testing.assert_allclose(per_fn.numpy(), per, rtol=1e-6)
    g = check_gradients(lambda yp: fn(cf.Tensor(k, device=device), yp), [p], device=device)
    assert g < 1e-3


def test_sparse_label_errors(device):
    p = cf.Tensor(probs(S), device=device)
    with pytest.raises(ValueError, match="out of range"):
        losses.sparse_categorical_crossentropy(cf.Tensor(np.array([0, 1, 5, 2]), device=device),
                                               p)
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\).*y_pred.shape=\(4, 5\)"):
        losses.sparse_categorical_crossentropy(cf.Tensor(np.array([0, 1, 2]), device=device), p)


def test_binary_crossentropy_rank_mismatch_handled_like_keras(device):
    t = binary((6,))
    p = R.uniform(0.05, 0.95, (6, 1))
    got = losses.BinaryCrossentropy(reduction="none")(cf.Tensor(t, device=device),
                                                      cf.Tensor(p, device=device))
    np.testing.assert_allclose(got.numpy(), ref_bce(t[:, None], p), rtol=1e-6)
    # and the other way round: y_true (N, 1), y_pred (N,) -> the mean over the batch axis
    got = losses.binary_crossentropy(cf.Tensor(t[:, None], device=device),
                                     cf.Tensor(p[:, 0], device=device))
    assert got.shape == (6,)
    np.testing.assert_allclose(got.numpy(), ref_bce(t[:, None], p), rtol=1e-6)


def test_axis_argument(device):
    t, p = onehot((2, 4, 3)), probs((2, 4, 3))
    # class axis 1: the same as moving it last
    t1, p1 = t.transpose(0, 2, 1), p.transpose(0, 2, 1)
    got = losses.categorical_crossentropy(cf.Tensor(t1, device=device),
                                          cf.Tensor(p1, device=device), axis=1)
    np.testing.assert_allclose(got.numpy(), ref_cce(t, p), rtol=1e-6)
    tb, pb = binary((3, 4)), R.uniform(0.05, 0.95, (3, 4))
    got = losses.BinaryCrossentropy(axis=0, reduction="none")(cf.Tensor(tb, device=device),
                                                              cf.Tensor(pb, device=device))
    np.testing.assert_allclose(got.numpy(), ref_bce(tb.T, pb.T), rtol=1e-6)
    check_gradients(lambda yp: losses.categorical_crossentropy(cf.Tensor(t1, device=device), yp,
                                                               axis=1), [p1], device=device)


def test_gradient_reaches_y_pred_through_tape(device):
    t = cf.Tensor(onehot(S), device=device)
    logits = cf.Tensor(anyv(S), device=device, requires_grad=True)
    with cf.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy(from_logits=True)(t, logits)
    (g,) = tape.gradient(loss, [logits])
    want = (_softmax(logits.numpy()) - t.numpy()) / S[0]
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-5, atol=1e-7)


def test_function_aliases():
    assert losses.kld is losses.kl_divergence is losses.kullback_leibler_divergence
    assert losses.bce is losses.BCE is losses.binary_crossentropy


# ---- focal crossentropy -------------------------------------------------------------------------

def test_binary_focal_keras_examples():
    yt, yp = np.array([0, 1, 0, 0]), np.array([-18.6, 0.51, 2.94, -12.8])
    bfc = losses.BinaryFocalCrossentropy
    assert float(bfc(gamma=2, from_logits=True)(yt, yp)) == pytest.approx(0.691, abs=1e-3)
    assert float(bfc(apply_class_balancing=True, gamma=2, from_logits=True)(yt, yp)) == \
        pytest.approx(0.51, abs=1e-3)
    yt, yp = np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])
    cases = [({"gamma": 3}, None, 0.647), ({"apply_class_balancing": True, "gamma": 3}, None,
                                            0.482),
             ({"gamma": 3}, [0.8, 0.2], 0.133),
             ({"apply_class_balancing": True, "gamma": 3}, [0.8, 0.2], 0.097),
             ({"gamma": 4, "reduction": "sum"}, None, 1.222),
             ({"apply_class_balancing": True, "gamma": 4, "reduction": "sum"}, None, 0.914)]
    for kw, sw, want in cases:
        got = float(bfc(from_logits=True, **kw)(yt, yp, sample_weight=sw))
        assert got == pytest.approx(want, abs=1e-3), kw
    np.testing.assert_allclose(bfc(gamma=5, from_logits=True, reduction=None)(yt, yp).numpy(),
                               [0.0017, 1.1561], atol=1e-4)
    np.testing.assert_allclose(bfc(apply_class_balancing=True, gamma=5, from_logits=True,
                                   reduction=None)(yt, yp).numpy(), [0.0004, 0.8670], atol=1e-4)
    np.testing.assert_allclose(losses.binary_focal_crossentropy(
        [[0, 1], [0, 0]], np.array([[0.6, 0.4], [0.4, 0.6]]), gamma=2).numpy(),
        [0.330, 0.206], atol=1e-3)


def test_categorical_focal_keras_examples():
    yt = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    yp = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], np.float32)
    c = losses.CategoricalFocalCrossentropy()
    assert float(c(yt, yp)) == pytest.approx(0.23315276, rel=1e-5)
    assert float(c(yt, yp, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(0.1632,
                                                                                    abs=1e-4)
    assert float(losses.CategoricalFocalCrossentropy(reduction="sum")(yt, yp)) == \
        pytest.approx(0.46631, abs=1e-5)
    np.testing.assert_allclose(losses.CategoricalFocalCrossentropy(reduction=None)(yt, yp)
                               .numpy(), [3.2058331e-05, 4.6627346e-01], rtol=1e-5)
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(
        [[0, 1, 0], [0, 0, 1]], np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], np.float32))
        .numpy(), [2.63401289e-04, 6.75912094e-01], rtol=1e-5)


def test_binary_focal_matches_reference(device):
    t = R.integers(0, 2, (4, 3, 5)).astype(float)
    p, z = R.uniform(0.02, 0.98, (4, 3, 5)), R.normal(size=(4, 3, 5)) * 3
    for kw, x in [({}, p), ({"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5}, p),
                  ({"from_logits": True, "label_smoothing": 0.2}, z),
                  ({"from_logits": True, "axis": 1, "gamma": 0.0}, z)]:
        ref = ref_bfce(t, x, kw.get("apply_class_balancing", False), kw.get("alpha", 0.25),
                       kw.get("gamma", 2.0), kw.get("from_logits", False),
                       kw.get("label_smoothing", 0.0), kw.get("axis", -1))
        got = losses.binary_focal_crossentropy(*_on(device, t, x), **kw)
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12, err_msg=str(kw))
        cls = losses.BinaryFocalCrossentropy(**kw, reduction="sum")
        assert float(cls(*_on(device, t, x))) == pytest.approx(ref.sum(), rel=1e-12)


@needs_torch
def test_binary_focal_matches_torch_focal_formula():
    # torchvision.ops.sigmoid_focal_loss: alpha_t * (1 - p_t)**gamma * BCE-with-logits
    t, z = R.integers(0, 2, (6, 4)).astype(float), R.normal(size=(6, 4))
    tt, tz = torch.tensor(t), torch.tensor(z)
    p = torch.sigmoid(tz)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(tz, tt, reduction="none")
    p_t = p * tt + (1 - p) * (1 - tt)
    a_t = 0.25 * tt + 0.75 * (1 - tt)
    want = (a_t * ce * (1 - p_t) ** 2).mean(-1).numpy()
    got = losses.binary_focal_crossentropy(t, z, apply_class_balancing=True, from_logits=True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-9)


def test_categorical_focal_matches_reference(device):
    t = np.eye(5)[R.integers(0, 5, (4, 3))]
    p = R.uniform(0.05, 1.0, (4, 3, 5))
    z = R.normal(size=(4, 3, 5)) * 2
    alpha = [0.1, 0.2, 0.3, 0.25, 0.15]
    for kw, x in [({}, p), ({"alpha": alpha, "gamma": 3.0}, p),
                  ({"from_logits": True, "label_smoothing": 0.1}, z)]:
        ref = ref_cfce(t, x, kw.get("alpha", 0.25), kw.get("gamma", 2.0),
                       kw.get("from_logits", False), kw.get("label_smoothing", 0.0))
        got = losses.categorical_focal_crossentropy(*_on(device, t, x), **kw)
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12, err_msg=str(kw))
    tm, xm = np.moveaxis(t, -1, 1), np.moveaxis(z, -1, 1)  # classes on axis 1
    got = losses.CategoricalFocalCrossentropy(from_logits=True, axis=1, reduction=None)(
        *_on(device, tm, xm))
    np.testing.assert_allclose(got.numpy(), ref_cfce(t, z, logits=True), rtol=1e-12)
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_focal_crossentropy(t, p, axis=True)


def test_focal_defaults_like_keras():
    b = losses.BinaryFocalCrossentropy()
    assert (b.apply_class_balancing, b.alpha, b.gamma, b.from_logits, b.label_smoothing,
            b.axis) == (False, 0.25, 2.0, False, 0.0, -1)
    c = losses.CategoricalFocalCrossentropy()
    assert (c.alpha, c.gamma, c.from_logits, c.label_smoothing, c.axis) == (0.25, 2.0, False,
                                                                            0.0, -1)


def test_categorical_generalized_cross_entropy_against_numpy():
    y_true = np.array([0, 1, 2, 1])
    y_pred = np.array([[0.7, 0.3, 0.0], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8], [0.0, 1.0, 0.0]])
    p = y_pred[np.arange(4), y_true]
    for q in (0.5, 0.8):
        got = losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=None)(y_true, y_pred)
        np.testing.assert_allclose(got.numpy(), (1 - p ** q) / q, rtol=1e-12)
    cfg = losses.CategoricalGeneralizedCrossEntropy(q=0.1, name="gce").get_config()
    assert cfg["q"] == 0.1 and losses.deserialize(
        {"class_name": "CategoricalGeneralizedCrossEntropy", "config": cfg}).q == 0.1
    with pytest.raises(ValueError, match="q must be in the interval"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)


def test_shape_resolved_crossentropy_picks_binary_sparse_or_categorical():
    ce = losses.probabilistic.ShapeResolvedCrossentropy()
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    want = -(np.log(0.9) + np.log(0.8)) / 2
    np.testing.assert_allclose(float(ce(np.array([0, 1]), probs)), want, rtol=1e-6)
    np.testing.assert_allclose(float(ce(np.array([[1, 0], [0, 1]]), probs)), want, rtol=1e-6)
    np.testing.assert_allclose(float(ce(np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]]))),
                               want, rtol=1e-6)


def test_crossentropies_refuse_broadcast_labels():
    y_true = np.array([[0.0], [1.0], [1.0]])
    y_pred = np.full((3, 3), 0.3)
    for loss in (losses.BinaryCrossentropy(), losses.CategoricalCrossentropy()):
        with pytest.raises(ValueError, match="must have the same shape"):
            loss(y_true, y_pred)
