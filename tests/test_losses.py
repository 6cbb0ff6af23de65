"""cuflow.losses: values against float64 NumPy formulas (Keras 3 semantics), gradients against
central differences, reductions, sample weights, shape handling, lookup and configs."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses
from cuflow.testing import check_gradients

EPS = 1e-7
R = np.random.default_rng(11)


# ---- independent references (per-sample, reduced over the last axis) ---------------------------

def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def ref_mse(t, p):
    return np.mean((t - p) ** 2, -1)


def ref_mae(t, p):
    return np.mean(np.abs(t - p), -1)


def ref_mape(t, p):
    return 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), -1)


def ref_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), -1)


def ref_log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), -1)


def ref_bce(t, p, from_logits=False, ls=0.0):
    t = t * (1 - ls) + 0.5 * ls
    q = 1 / (1 + np.exp(-p)) if from_logits else np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q)), -1)


def ref_cce(t, p, from_logits=False, ls=0.0):
    t = t * (1 - ls) + ls / t.shape[-1]
    if from_logits:
        return -np.sum(t * _log_softmax(p), -1)
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(t * np.log(q), -1)


def ref_scce(k, p, from_logits=False):
    logq = _log_softmax(p) if from_logits else np.log(np.clip(p / p.sum(-1, keepdims=True),
                                                              EPS, 1 - EPS))
    return -np.take_along_axis(logq, k[..., None], -1)[..., 0]


def ref_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), -1)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0), -1)


def ref_squared_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0) ** 2, -1)


def ref_categorical_hinge(t, p):
    pos = np.sum(t * p, -1)
    neg = np.max((1 - t) * p, -1)
    return np.maximum(neg - pos + 1, 0)


def ref_cosine(t, p):
    tn = t / np.sqrt(np.sum(t * t, -1, keepdims=True))
    pn = p / np.sqrt(np.sum(p * p, -1, keepdims=True))
    return -np.sum(tn * pn, -1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), -1)


# ---- data ------------------------------------------------------------------------------------

def onehot(shape):
    k = R.integers(0, shape[-1], size=shape[:-1])
    return np.eye(shape[-1])[k]


def probs(shape):
    return _softmax(R.normal(size=shape))


def anyv(shape):
    return R.uniform(-2, 2, size=shape)


def posv(shape):
    return R.uniform(0.2, 2, size=shape)


def binary(shape):
    return R.integers(0, 2, size=shape).astype(np.float64)


S = (4, 5)
S3 = (2, 3, 4)
# (id, loss function, reference, y_true, y_pred)
CASES = [
    ("mse", losses.mean_squared_error, ref_mse, anyv(S), anyv(S)),
    ("mse_3d", losses.mse, ref_mse, anyv(S3), anyv(S3)),
    ("mae", losses.mean_absolute_error, ref_mae, anyv(S), anyv(S)),
    ("mape", losses.mape, ref_mape, anyv(S), anyv(S)),
    ("msle", losses.msle, ref_msle, posv(S), posv(S)),
    ("huber", losses.huber, ref_huber, anyv(S), anyv(S)),
    ("log_cosh", losses.log_cosh, ref_log_cosh, anyv(S), anyv(S)),
    ("bce", losses.binary_crossentropy, ref_bce, binary(S), R.uniform(0.05, 0.95, S)),
    ("bce_soft", losses.binary_crossentropy, ref_bce, R.uniform(0, 1, S3),
     R.uniform(0.05, 0.95, S3)),
    ("cce", losses.categorical_crossentropy, ref_cce, onehot(S), probs(S)),
    ("cce_3d", losses.categorical_crossentropy, ref_cce, onehot(S3), probs(S3)),
    ("kld", losses.kl_divergence, ref_kld, probs(S), probs(S)),
    ("hinge_binary", losses.hinge, ref_hinge, binary(S), anyv(S)),
    ("hinge_pm1", losses.hinge, ref_hinge, 2 * binary(S) - 1, anyv(S)),
    ("squared_hinge", losses.squared_hinge, ref_squared_hinge, binary(S), anyv(S)),
    ("categorical_hinge", losses.categorical_hinge, ref_categorical_hinge, onehot(S), anyv(S)),
    ("cosine", losses.cosine_similarity, ref_cosine, anyv(S), anyv(S)),
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


def test_shape_mismatch_error_names_both_shapes(device):
    with pytest.raises(ValueError, match=r"y_true.shape=\(4, 3\) and y_pred.shape=\(4, 5\)"):
        losses.MeanSquaredError()(cf.Tensor(anyv((4, 3)), device=device),
                                  cf.Tensor(anyv(S), device=device))


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
    got = losses.CosineSimilarity(axis=0, reduction="none")(cf.Tensor(tb + 1, device=device),
                                                            cf.Tensor(pb, device=device))
    np.testing.assert_allclose(got.numpy(), ref_cosine(tb.T + 1, pb.T), rtol=1e-6)
    check_gradients(lambda yp: losses.categorical_crossentropy(cf.Tensor(t1, device=device), yp,
                                                               axis=1), [p1], device=device)


# ---- reductions and sample weights ---------------------------------------------------------

def test_reductions_and_sample_weights(device):
    t, p = anyv((6, 3)), anyv((6, 3))
    per = ref_mse(t, p)
    w = R.uniform(0.1, 2.0, 6)
    T, P = cf.Tensor(t, device=device), cf.Tensor(p, device=device)

    def run(reduction, sw=None):
        return losses.MeanSquaredError(reduction=reduction)(T, P, sample_weight=sw).numpy()

    np.testing.assert_allclose(run("sum_over_batch_size"), per.mean(), rtol=1e-7)
    np.testing.assert_allclose(run("sum_over_batch_size", w), (per * w).sum() / 6, rtol=1e-7)
    np.testing.assert_allclose(run("mean", w), (per * w).sum() / 6, rtol=1e-7)
    np.testing.assert_allclose(run("sum", w), (per * w).sum(), rtol=1e-7)
    np.testing.assert_allclose(run("mean_with_sample_weight", w), (per * w).sum() / w.sum(),
                               rtol=1e-7)
    np.testing.assert_allclose(run("none", w), per * w, rtol=1e-7)
    np.testing.assert_allclose(run(None), per, rtol=1e-7)
    # (N, 1) weights, Tensor weights and list weights all mean the same
    np.testing.assert_allclose(run("sum", w[:, None]), (per * w).sum(), rtol=1e-7)
    np.testing.assert_allclose(run("none", cf.Tensor(w, device=device)), per * w, rtol=1e-7)
    np.testing.assert_allclose(run("sum", w.tolist()), (per * w).sum(), rtol=1e-6)
    np.testing.assert_allclose(run("sum", 2.0), 2 * per.sum(), rtol=1e-7)
    assert run("none", w[:, None]).shape == (6,)


def test_sequence_losses_take_per_sample_weights(device):
    t, p = anyv((3, 4, 2)), anyv((3, 4, 2))
    per = ref_mse(t, p)  # (3, 4)
    w = np.array([1.0, 0.0, 2.0])
    got = losses.MeanSquaredError()(cf.Tensor(t, device=device), cf.Tensor(p, device=device),
                                    sample_weight=w)
    np.testing.assert_allclose(got.numpy(), (per * w[:, None]).sum() / per.size, rtol=1e-7)


def test_weighted_reduction_gradients(device):
    t, p = anyv((5, 3)), anyv((5, 3))
    w = R.uniform(0.1, 2.0, 5)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight"):
        fn = losses.Huber(delta=0.7, reduction=reduction)
        check_gradients(lambda yp: fn(cf.Tensor(t, device=device), yp,  # noqa: B023
                                      sample_weight=cf.Tensor(w, device=device)),
                        [p], device=device)


def test_gradient_reaches_y_pred_through_tape(device):
    t = cf.Tensor(onehot(S), device=device)
    logits = cf.Tensor(anyv(S), device=device, requires_grad=True)
    with cf.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy(from_logits=True)(t, logits)
    (g,) = tape.gradient(loss, [logits])
    want = (_softmax(logits.numpy()) - t.numpy()) / S[0]
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-5, atol=1e-7)


def test_reduction_errors_and_bad_weights(device):
    with pytest.raises(ValueError, match="Invalid reduction 'avg'"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match=r"sample_weight of shape \(4,\).*\(6,\)"):
        losses.MeanSquaredError()(cf.Tensor(anyv((6, 2)), device=device),
                                  cf.Tensor(anyv((6, 2)), device=device),
                                  sample_weight=np.ones(4))
    assert losses.MeanSquaredError(reduction="auto").reduction == "sum_over_batch_size"
    assert losses.MeanSquaredError(reduction=losses.Reduction.SUM).reduction == "sum"


def test_empty_batch_gives_zero(device):
    got = losses.MeanSquaredError()(cf.Tensor(np.zeros((0, 3)), device=device),
                                    cf.Tensor(np.zeros((0, 3)), device=device))
    assert float(got) == 0.0


def test_dtypes(device):
    t = cf.Tensor(anyv(S).astype(np.float32), device=device)
    p = cf.Tensor(anyv(S).astype(np.float32), device=device)
    assert losses.MeanSquaredError()(t, p).dtype == np.float32
    assert losses.MeanSquaredError()(anyv(S), p).dtype == np.float32  # y_true follows y_pred
    assert losses.MeanSquaredError(dtype="float64")(t, p).dtype == np.float64
    ints = cf.Tensor(np.arange(20).reshape(S), device=device)
    assert losses.mean_squared_error(t, ints).dtype == np.float32


def test_custom_loss_subclass(device):
    class Mean4th(losses.Loss):
        def call(self, y_true, y_pred):
            return cf.ops.mean((y_pred - y_true) ** 4, axis=-1)

    t, p = anyv(S), anyv(S)
    fn = Mean4th()
    assert fn.name == "mean4th"
    got = fn(cf.Tensor(t, device=device), cf.Tensor(p, device=device), sample_weight=np.arange(4))
    np.testing.assert_allclose(got.numpy(), (np.mean((p - t) ** 4, -1) * np.arange(4)).mean(),
                               rtol=1e-7)


# ---- lookup, configs -------------------------------------------------------------------------

def test_function_aliases():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.kl_divergence is losses.kullback_leibler_divergence
    assert losses.logcosh is losses.log_cosh


def test_get():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    inst = losses.BinaryCrossentropy()
    assert losses.get(inst) is inst
    assert losses.get(None) is None

    def mine(y_true, y_pred):
        return y_pred

    assert losses.get(mine) is mine
    cfg = {"class_name": "Huber", "config": {"delta": 2.5, "reduction": "sum"}}
    h = losses.get(cfg)
    assert isinstance(h, losses.Huber) and h.get_config()["delta"] == 2.5
    assert h.reduction == "sum"
    with pytest.raises(ValueError, match=r"Unknown loss 'msee'; valid names: .*mse"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier 3"):
        losses.get(3)
    with pytest.raises(ValueError, match="Unknown loss 'Loss'"):
        losses.get("Loss")


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(), losses.MeanAbsoluteError(reduction="sum"),
    losses.MeanAbsolutePercentageError(), losses.MeanSquaredLogarithmicError(),
    losses.Huber(delta=0.3), losses.LogCosh(name="lc"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1),
    losses.CategoricalCrossentropy(label_smoothing=0.2),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
    losses.KLDivergence(), losses.Hinge(), losses.SquaredHinge(), losses.CategoricalHinge(),
    losses.CosineSimilarity(axis=1), losses.Poisson(dtype="float64"),
], ids=lambda x: type(x).__name__)
def test_config_roundtrip(loss):
    cfg = losses.serialize(loss)
    assert cfg["class_name"] == type(loss).__name__
    back = losses.deserialize(cfg)
    assert type(back) is type(loss) and back.get_config() == loss.get_config()
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()


def test_function_serialization_and_wrapper():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error
    assert losses.deserialize({"class_name": "function", "config": "mse"}) is losses.mse
    w = losses.LossFunctionWrapper(losses.huber, delta=2.0, reduction="sum")
    back = losses.deserialize(losses.serialize(w))
    assert back.fn is losses.huber and back.get_config() == w.get_config()
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.Huber().name == "huber_loss"
