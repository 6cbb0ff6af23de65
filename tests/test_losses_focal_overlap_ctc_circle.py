"""Focal, Dice/Tversky, CTC and Circle losses: Keras doc/test numbers, independent float64 NumPy
references, PyTorch (``ctc_loss``, the focal-loss formula of torchvision's
``sigmoid_focal_loss``) where importable, configs, lookup by name and use in ``compile``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, losses, models

try:
    import torch
except ImportError:  # the NumPy references still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not importable")
EPS = 1e-7
R = np.random.default_rng(5)


def _on(device, *arrays):
    return [cf.Tensor(a, device=device) for a in arrays]


# ---- independent references ---------------------------------------------------------------
def ref_bfce(t, p, balance=False, alpha=0.25, gamma=2.0, logits=False, ls=0.0, axis=-1):
    t = t * (1 - ls) + 0.5 * ls if ls else t
    p = 1 / (1 + np.exp(-p)) if logits else p
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(axis)


def ref_cfce(t, p, alpha=0.25, gamma=2.0, logits=False, ls=0.0, axis=-1):
    t, p = np.moveaxis(t, axis, -1), np.moveaxis(p, axis, -1)
    if ls:
        t = t * (1 - ls) + ls / t.shape[-1]
    if logits:
        e = np.exp(p - p.max(-1, keepdims=True))
        p = e / e.sum(-1, keepdims=True)
    out = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (np.asarray(alpha) * (1 - out) ** gamma * -t * np.log(out)).sum(-1)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    tp = (t * p).sum(axis)
    return 1 - tp / (tp + alpha * ((1 - p) * t).sum(axis) + beta * (p * (1 - t)).sum(axis) + EPS)


def ref_dice(t, p, axis=None):
    return 1 - 2 * (t * p).sum(axis) / (t.sum(axis) + p.sum(axis) + EPS)


def ref_ctc(labels, logits, blank=0):
    """-log p(labels | logits) by the probability-space forward recursion over all paths, one
    sample (labels: the used label ids; logits: (T, C))."""
    e = np.exp(logits - logits.max(-1, keepdims=True))
    y = e / e.sum(-1, keepdims=True)
    ext = [blank]
    for c in labels:
        ext += [int(c), blank]
    s_n = len(ext)
    a = np.zeros(s_n)
    a[0] = y[0, ext[0]]
    if s_n > 1:
        a[1] = y[0, ext[1]]
    for t in range(1, len(y)):
        new = np.zeros(s_n)
        for s in range(s_n):
            acc = a[s] + (a[s - 1] if s >= 1 else 0.0)
            if s >= 2 and s % 2 == 1 and ext[s] != ext[s - 2]:
                acc += a[s - 2]
            new[s] = acc * y[t, ext[s]]
        a = new
    p = a[-1] + (a[-2] if s_n > 1 else 0.0)
    return -math.log(p) if p > 0 else math.inf


def ref_circle(labels, emb, ref_labels=None, ref=None, remove_diagonal=True, gamma=80.0,
               margin=0.4):
    ref = emb if ref is None else ref
    ref_labels = labels if ref_labels is None else ref_labels
    out = []
    for i in range(len(emb)):
        d = np.maximum(1 - ref @ emb[i], 0)
        pos = ref_labels == labels[i]
        if remove_diagonal and i < len(ref):
            pos[i] = False
        neg = ref_labels != labels[i]
        if not pos.any() or not neg.any():
            out.append(0.0)
            continue
        lp = -gamma * np.maximum(margin + d[pos], 0) * (margin - d[pos])
        ln = gamma * np.maximum(1 + margin - d[neg], 0) * (1 - margin - d[neg])
        lse = lambda v: v.max() + np.log(np.exp(v - v.max()).sum())  # noqa: E731
        z = lse(lp) + lse(ln)
        out.append(max(z, 0) + np.log1p(np.exp(-abs(z))))
    return np.array(out)


# ---- Keras 3 documentation / test-suite numbers ---------------------------------------------
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


def test_dice_and_tversky_keras_examples():
    yt, yp = np.array([[1, 2], [1, 2]]), np.array([[4, 1], [6, 1]])
    assert float(losses.Dice()(yt, yp)) == pytest.approx(-0.55555546, rel=1e-6)
    assert float(losses.Tversky()(yt, yp)) == pytest.approx(-0.55555546, rel=1e-6)
    assert float(losses.Tversky(alpha=0.2, beta=0.8)(yt, yp)) == pytest.approx(-0.29629636,
                                                                                 rel=1e-6)
    yt = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]])
    yp = np.array([[0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]])
    assert float(losses.Dice()(yt, yp)) == pytest.approx(0.77777773, rel=1e-6)
    assert float(losses.Tversky()(yt, yp)) == pytest.approx(0.77777773, rel=1e-6)
    assert float(losses.Tversky(alpha=0.2, beta=0.8)(yt, yp)) == pytest.approx(0.7916667,
                                                                                 rel=1e-6)
    yt = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    yp = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    out = losses.Dice(axis=(1, 2, 3), reduction=None)(yt, yp)
    np.testing.assert_allclose(out.numpy(), [0.5, 0.75757575], rtol=1e-6)
    assert float(losses.dice(yt, yp)) == pytest.approx(0.6164384, rel=1e-6)
    np.testing.assert_allclose(losses.Tversky(axis=(1, 2, 3), reduction=None)(yt, yp).numpy(),
                               [0.5, 0.75757575], rtol=1e-6)
    np.testing.assert_allclose(losses.Tversky(alpha=0.2, beta=0.8, axis=(1, 2, 3),
                                              reduction=None)(yt, yp).numpy(),
                               [0.5, 0.7222222], rtol=1e-6)


def test_ctc_keras_example():
    logits = (np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100
    y_true = np.array([[1, 2, 1, 0], [1, 2, 0, 2]])
    out = losses.CTC()(y_true, logits)
    assert out.dtype == np.float32
    assert float(out) == pytest.approx(2.448645, rel=1e-5)


CIRCLE_Y = np.array([1, 1, 2, 2, 3])
CIRCLE_E = np.array([[0.70014004, -0.42008403, 0.14002801, 0.56011203],
                     [0.17609018, 0.70436073, -0.52827054, 0.44022545],
                     [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
                     [0.32163376, -0.75047877, 0.53605627, -0.21442251],
                     [0.51261459, -0.34174306, 0.17087153, 0.76892189]])
CIRCLE_REF_Y = np.array([1, 1, 2, 2, 3, 4])
CIRCLE_REF_E = np.array([[0.40824829, -0.54433105, 0.27216553, 0.68041382],
                         [0.76376261, 0.10910895, -0.54554473, 0.32732684],
                         [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
                         [0.52981294, -0.13245324, 0.79471941, -0.26490647],
                         [0.54554473, -0.32732684, 0.10910895, 0.76376261],
                         [-0.27216553, 0.68041382, 0.40824829, -0.54433105]])


def test_circle_keras_examples():
    approx = lambda v: pytest.approx(v, rel=1e-5)  # noqa: E731
    assert float(losses.Circle(gamma=80.0, margin=0.4)(CIRCLE_Y, CIRCLE_E)) == approx(188.3883)
    assert float(losses.Circle(gamma=256, margin=0.25)(CIRCLE_Y, CIRCLE_E)) == approx(652.7617)
    got = losses.circle(CIRCLE_Y, CIRCLE_E, ref_labels=CIRCLE_REF_Y,
                        ref_embeddings=CIRCLE_REF_E, gamma=80.0, margin=0.4,
                        remove_diagonal=False)
    np.testing.assert_allclose(got.numpy(), [61.5844, 94.3465, 276.9344, 90.9873, 48.8963],
                               rtol=1e-5)
    sw = np.array([2.0, 2.0, 1.0, 1.0, 0.5])
    assert float(losses.Circle()(CIRCLE_Y, CIRCLE_E, sample_weight=sw)) == approx(244.91918)
    np.testing.assert_allclose(losses.Circle(reduction=None)(CIRCLE_REF_Y, CIRCLE_REF_E).numpy(),
                               [82.9116, 36.7942, 92.4590, 52.6798, 0.0, 0.0], rtol=1e-5)
    assert float(losses.Circle(reduction="sum")(CIRCLE_REF_Y, CIRCLE_REF_E)) == approx(264.8446)
    assert float(losses.Circle(reduction="mean_with_sample_weight")(
        CIRCLE_Y, CIRCLE_E, sample_weight=sw)) == approx(163.27948)


# ---- random inputs against the NumPy references, on every device -----------------------------
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


def test_dice_tversky_match_reference(device):
    t = R.integers(0, 2, (3, 4, 5)).astype(float)
    p = R.uniform(0, 1, (3, 4, 5))
    for axis in (None, (1, 2), -1):
        np.testing.assert_allclose(losses.dice(*_on(device, t, p), axis=axis).numpy(),
                                   ref_dice(t, p, axis), rtol=1e-12)
        np.testing.assert_allclose(losses.tversky(*_on(device, t, p), 0.3, 0.7, axis=axis)
                                   .numpy(), ref_tversky(t, p, 0.3, 0.7, axis), rtol=1e-12)
    np.testing.assert_allclose(losses.tversky(t, p).numpy(), ref_dice(t, p), rtol=1e-6)


def _ctc_case(batch=4, frames=8, classes=5, width=4):
    logits = R.normal(size=(batch, frames, classes)) * 2
    labels = R.integers(1, classes, (batch, width))
    labels[0, 1] = labels[0, 0]  # a repeated label needs a blank between its copies
    labels[1, 2:] = 0  # padding: label length 2
    labels[2, :] = 0  # no labels at all
    return labels, logits


def test_ctc_matches_reference(device):
    labels, logits = _ctc_case()
    got = losses.ctc(*_on(device, labels, logits)) if device != "cpu" else \
        losses.ctc(labels, logits)
    want = [ref_ctc(row[row != 0], lg) for row, lg in zip(labels, logits)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    # an impossible alignment (3 frames cannot hold 1,1,1: 5 steps needed) is inf, gradient 0
    z = cf.Tensor(R.normal(size=(2, 3, 3)), device=device, requires_grad=True)
    with cf.GradientTape() as tape:
        per = losses.ctc(np.array([[1, 1, 1], [2, 0, 0]]), z)
        total = cf.ops.sum(cf.ops.where(cf.ops.isfinite(per), per, 0.0))
    assert math.isinf(float(per.numpy()[0]))
    (g,) = tape.gradient(total, [z])
    assert np.all(g.numpy()[0] == 0) and np.all(np.isfinite(g.numpy()))


@needs_torch
def test_ctc_values_and_gradients_match_torch():
    labels, logits = _ctc_case(batch=5, frames=12, classes=6, width=5)
    lengths = (labels != 0).sum(-1)
    x = torch.tensor(logits, requires_grad=True)
    lp = torch.log_softmax(x, -1).transpose(0, 1)
    want = torch.nn.functional.ctc_loss(lp, torch.tensor(labels), torch.full((5,), 12),
                                        torch.tensor(lengths), blank=0, reduction="none")
    want.sum().backward()
    z = cf.Tensor(logits, requires_grad=True)
    with cf.GradientTape() as tape:
        per = losses.ctc(labels, z)
        total = cf.ops.sum(per)
    (g,) = tape.gradient(total, [z])
    np.testing.assert_allclose(per.numpy(), want.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), x.grad.numpy(), rtol=1e-8, atol=1e-12)
    # ops.ctc_loss with per-sample frame counts and another blank index
    frames = np.array([12, 9, 7, 12, 10])
    lab = np.where(labels == 0, 1, labels) - 1  # classes 0..4, blank 5
    want = torch.nn.functional.ctc_loss(torch.log_softmax(torch.tensor(logits), -1)
                                        .transpose(0, 1), torch.tensor(lab),
                                        torch.tensor(frames), torch.tensor(lengths), blank=5,
                                        reduction="none")
    got = cf.ops.ctc_loss(lab, logits, lengths, frames, mask_index=5)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


def test_ctc_rejects_bad_shapes():
    with pytest.raises(ValueError, match="y_true.shape"):
        losses.ctc(np.zeros((2, 3, 1), int), np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="y_pred.shape"):
        losses.ctc(np.zeros((2, 3), int), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        losses.ctc(np.array([[1, 5]]), np.zeros((1, 4, 3)))


def test_circle_matches_reference(device):
    e = R.normal(size=(8, 4))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    lab = np.array([0, 0, 1, 1, 1, 2, 3, 3])
    ref = R.normal(size=(6, 4))
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    rl = np.array([0, 1, 2, 3, 0, 5])
    np.testing.assert_allclose(losses.circle(lab, cf.Tensor(e, device=device)).numpy(),
                               ref_circle(lab, e), rtol=1e-10)
    got = losses.circle(lab, cf.Tensor(e, device=device), ref_labels=rl,
                        ref_embeddings=cf.Tensor(ref, device=device), remove_diagonal=False,
                        gamma=16.0, margin=0.3)
    np.testing.assert_allclose(got.numpy(), ref_circle(lab, e, rl, ref, False, 16.0, 0.3),
                               rtol=1e-10)
    # the unmatched label 2 row is 0 and does not count in the mean
    want = ref_circle(lab, e)
    assert float(losses.Circle()(lab, e)) == pytest.approx(want.sum() / 7, rel=1e-10)


# ---- configs, names, compile ------------------------------------------------------------------
CLASSES = [
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0,
                                      "from_logits": True, "label_smoothing": 0.1, "axis": -1},
     "binary_focal_crossentropy"),
    (losses.CategoricalFocalCrossentropy, {"alpha": [0.2, 0.8], "gamma": 1.0,
                                           "from_logits": True, "label_smoothing": 0.05,
                                           "axis": -1}, "categorical_focal_crossentropy"),
    (losses.Dice, {"axis": (1, 2)}, "dice"),
    (losses.Tversky, {"alpha": 0.3, "beta": 0.7, "axis": None}, "tversky"),
    (losses.CTC, {}, "ctc"),
    (losses.Circle, {"gamma": 32.0, "margin": 0.2, "remove_diagonal": False}, "circle"),
]


@pytest.mark.parametrize("cls,kwargs,name", CLASSES, ids=[c[2] for c in CLASSES])
def test_config_round_trip_and_names(cls, kwargs, name):
    default = cls()
    assert default.name == name and default.reduction == "sum_over_batch_size"
    loss = cls(**kwargs, reduction="sum", name="mine")
    cfg = loss.get_config()
    assert cfg["name"] == "mine" and cfg["reduction"] == "sum"
    for k, v in kwargs.items():
        assert cfg[k] == v, k
    assert cls.from_config(cfg).get_config() == cfg
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == cfg
    assert type(losses.get(cls.__name__)) is cls
    fn = losses.get(name)
    assert callable(fn) and fn.__name__ == name
    assert losses.serialize(fn) == name


def test_defaults_like_keras():
    b = losses.BinaryFocalCrossentropy()
    assert (b.apply_class_balancing, b.alpha, b.gamma, b.from_logits, b.label_smoothing,
            b.axis) == (False, 0.25, 2.0, False, 0.0, -1)
    c = losses.CategoricalFocalCrossentropy()
    assert (c.alpha, c.gamma, c.from_logits, c.label_smoothing, c.axis) == (0.25, 2.0, False,
                                                                            0.0, -1)
    assert losses.Dice().axis is None
    t = losses.Tversky()
    assert (t.alpha, t.beta) == (0.5, 0.5)
    ci = losses.Circle()
    assert (ci.gamma, ci.margin, ci.remove_diagonal) == (80.0, 0.4, True)


@pytest.mark.parametrize("name", ["binary_focal_crossentropy", "BinaryFocalCrossentropy",
                                  "dice", "tversky"])
def test_compile_binary_losses_by_name(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = (x[:, :2] > 0).astype("float32")
    cf.utils.set_random_seed(1)
    model = models.Sequential([layers.Input((5,)), layers.Dense(2, activation="sigmoid")])
    model.compile("adam", loss=name)
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    losses_seen = hist.history["loss"]
    assert all(np.isfinite(losses_seen)) and losses_seen[-1] < losses_seen[0]


def test_compile_categorical_focal_ctc_and_circle_by_name():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    cf.utils.set_random_seed(2)
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", loss="categorical_focal_crossentropy")
    h = model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False).history["loss"]
    assert np.all(np.isfinite(h))

    seq = rng.normal(size=(8, 6, 3)).astype("float32")
    labels = rng.integers(1, 4, (8, 2)).astype("float32")
    cf.utils.set_random_seed(3)
    ctc_model = models.Sequential([layers.Input((6, 3)), layers.Dense(4)])
    ctc_model.compile("adam", loss="ctc")
    h = ctc_model.fit(seq, labels, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert np.all(np.isfinite(h.history["loss"])) and h.history["loss"][-1] < h.history["loss"][0]

    emb_labels = np.array([0, 0, 1, 1, 2, 2, 0, 1], "float32")
    cf.utils.set_random_seed(4)
    emb = models.Sequential([layers.Input((4,)), layers.Dense(3), layers.UnitNormalization()])
    emb.compile("adam", loss=losses.Circle(gamma=16.0))
    h = emb.fit(x[:8], emb_labels, epochs=3, batch_size=8, verbose=0, shuffle=False)
    assert np.all(np.isfinite(h.history["loss"])) and h.history["loss"][-1] < h.history["loss"][0]


def test_circle_function_through_compile_keeps_the_mask():
    # compile(loss="circle") wraps the function; its unmatched rows still leave the mean
    wrapped = losses.LossFunctionWrapper(losses.get("circle"))
    assert float(wrapped(CIRCLE_Y, CIRCLE_E)) == pytest.approx(188.3883, rel=1e-5)
