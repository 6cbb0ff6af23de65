"""Gradient-check tables for ``cuflow.ops``, ``cuflow.activations`` and ``cuflow.losses``.

Each table maps a public name to ``[(fn over Tensors, [float64 input arrays]), ...]``: the first
entry is the CI case, the rest (size-1 and non-contiguous inputs, other options) run with
``-m slow``. Inputs stay away from kinks (|x| = 0, ReLU6's 6, hard_sigmoid's +-3, ties in
max/min) by more than the central difference's eps, where the derivative is undefined.
"""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow import activations, losses, ops

R = np.random.default_rng(20240611)


def anyv(*shape, lo=-2.0, hi=2.0, kinks=(0.0,)):
    """Uniform values at least 1e-3 from every kink."""
    a = R.uniform(lo, hi, size=shape)
    for k in kinks:
        near = np.abs(a - k) < 1e-3
        a[near] += 2e-3
    return a


def pos(*shape):
    return R.uniform(0.5, 2.0, size=shape)


def nonzero(*shape):
    return R.choice([-1.0, 1.0], size=shape) * R.uniform(0.5, 2.0, size=shape)


def distinct(*shape):
    """Distinct values spaced 4/n apart: no ties for max/min/maximum."""
    n = int(np.prod(shape))
    return (R.permutation(n) / max(n, 1) * 4 - 2 + 0.013).reshape(shape)


def fort(a):
    """The same values in a non-contiguous (transposed-strides) layout."""
    out = np.asfortranarray(a)
    assert sum(d > 1 for d in a.shape) < 2 or not out.flags["C_CONTIGUOUS"]
    return out


def three(make, shape, one=(1,)):
    """A standard, a size-1 and a non-contiguous input for a one-argument op."""
    return [[make(*shape)], [make(*one)], [fort(make(*shape))]]


def unary(fn, make=anyv, shape=(3, 4)):
    return [(fn, args) for args in three(make, shape)]


def fixed_noise(fn):
    """Reseed before every call: a random op then draws the same mask for every probe, so its
    gradient (for that mask) is checkable by central differences."""
    def wrapped(*ts):
        cuflow.random.set_seed(5)
        return fn(*ts)
    return wrapped


# ---- cuflow.ops ---------------------------------------------------------------------------------
def _binary(fn, make_a=anyv, make_b=anyv):
    return [(fn, [make_a(3, 4), make_b(4)]), (fn, [make_a(1), make_b(1)]),
            (fn, [fort(make_a(3, 4)), fort(make_b(3, 1))])]


def _conv_cases():
    c = []
    c.append((lambda x, k, b: ops.conv(x, k, bias=b, padding="same", strides=2),
              [anyv(1, 5, 4, 2), anyv(3, 3, 2, 3), anyv(3)]))
    c.append((lambda x, k: ops.conv(x, k, groups=2), [fort(anyv(2, 4, 4)), anyv(2, 2, 2)]))
    c.append((lambda x, k: ops.conv(x, k, padding="causal", dilation_rate=2),
              [anyv(1, 5, 1), anyv(2, 1, 1)]))
    return c


def _ops_table():
    t = {}
    for name, make in [("abs", anyv), ("cos", anyv), ("exp", anyv), ("expm1", anyv),
                       ("log", pos), ("log1p", pos), ("negative", anyv),
                       ("reciprocal", nonzero), ("rsqrt", pos), ("sin", anyv), ("sqrt", pos),
                       ("square", anyv), ("elu", anyv), ("celu", anyv), ("exponential", anyv),
                       ("mish", anyv),
                       ("selu", anyv), ("sigmoid", anyv), ("silu", anyv), ("softplus", anyv),
                       ("softsign", anyv), ("tanh", anyv), ("leaky_relu", anyv),
                       ("relu", anyv)]:
        t[name] = unary(getattr(ops, name), make)
    t["relu6"] = unary(ops.relu6, lambda *s: anyv(*s, lo=-2, hi=8, kinks=(0, 6)))
    t["relu"] += [(lambda x: ops.relu(x, 0.1, 1.5, 0.5),
                   [anyv(3, 4, kinks=(0.5, 1.5, 1.55))])]  # composed path
    for name in ("hard_sigmoid", "hard_swish"):
        t[name] = unary(getattr(ops, name), lambda *s: anyv(*s, lo=-4, hi=4, kinks=(-3, 3)))
    t["gelu"] = unary(ops.gelu) + [(lambda x: ops.gelu(x, approximate=True), [anyv(2, 3)])]
    t["activation"] = [(lambda x, n=n: ops.activation(x, n, 0.2 if n == "leaky_relu" else None),
                        [anyv(2, 3, lo=-4, hi=8, kinks=(-3, 0, 3, 6))])
                       for n in ops.ACTIVATIONS]
    t["clip"] = unary(lambda x: ops.clip(x, -0.5, 0.7), lambda *s: anyv(*s, kinks=(-0.5, 0.7)))
    # a softmax over a size-1 axis warns (as Keras): the size-1 case is a (1, 2) row instead
    t["softmax"] = [(ops.softmax, [anyv(3, 4)]), (ops.softmax, [anyv(1, 2)]),
                    (ops.softmax, [fort(anyv(3, 4))]),
                    (lambda x: ops.softmax(x, axis=0), [anyv(3, 2)]),
                    (lambda x: ops.softmax(x, axis=None), [anyv(2, 3)]),
                    (lambda x: ops.softmax(x, axis=(0, 2)), [anyv(2, 2, 3)])]
    t["log_softmax"] = unary(ops.log_softmax) + [(lambda x: ops.log_softmax(x, 0), [anyv(3, 2)])]
    for name in ("add", "subtract", "multiply"):
        t[name] = _binary(getattr(ops, name))
    t["divide"] = _binary(ops.divide, anyv, nonzero)
    t["power"] = _binary(ops.power, pos, anyv)
    t["maximum"] = _binary(ops.maximum, distinct, lambda *s: distinct(*s) + 0.0071)
    t["minimum"] = _binary(ops.minimum, distinct, lambda *s: distinct(*s) + 0.0071)
    t["where"] = [(lambda a, b: ops.where(a > 0, a, b), [anyv(3, 4), anyv(4)]),
                  (lambda a, b: ops.where(a > 0, a, b), [anyv(1), anyv(1)]),
                  (lambda a, b: ops.where(a > 0, a, b), [fort(anyv(3, 4)), anyv(3, 1)])]
    t["matmul"] = [(ops.matmul, [anyv(3, 4), anyv(4, 2)]), (ops.matmul, [anyv(1, 1), anyv(1, 1)]),
                   (ops.matmul, [fort(anyv(3, 4)), fort(anyv(4, 2))]),
                   (ops.matmul, [anyv(2, 1, 3, 4), anyv(4)])]
    t["dot"] = [(ops.dot, [anyv(4), anyv(4, 3)])]
    t["dense"] = [(lambda x, k, b: ops.dense(x, k, b, "tanh"), [anyv(3, 4), anyv(4, 2), anyv(2)]),
                  (lambda x, k: ops.dense(x, k), [anyv(1, 1), anyv(1, 1)]),
                  (lambda x, k, b: ops.dense(x, k, b, "elu"),
                   [fort(anyv(2, 3, 4)), fort(anyv(4, 2)), anyv(2)])]
    t["dropout"] = unary(fixed_noise(lambda x: ops.dropout(x, 0.4)))
    t["gaussian_noise"] = unary(fixed_noise(lambda x: ops.gaussian_noise(x, 0.3)))
    t["gaussian_dropout"] = unary(fixed_noise(lambda x: ops.gaussian_dropout(x, 0.3)))
    for name in ("sum", "mean", "prod", "var", "std", "logsumexp"):
        fn = getattr(ops, name)
        t[name] = unary(fn, anyv, (3, 4)) + [(lambda x, fn=fn: fn(x, 1, True), [anyv(2, 3, 2)])]
    for name in ("max", "min"):
        fn = getattr(ops, name)
        t[name] = unary(fn, distinct) + [(lambda x, fn=fn: fn(x, (0, 2)), [distinct(2, 3, 2)])]
    t["conv"] = _conv_cases()
    t["conv1d"] = [(ops.conv1d, [anyv(2, 5, 2), anyv(3, 2, 2)]),
                   (ops.conv1d, [anyv(1, 1, 1), anyv(1, 1, 1)]),
                   (lambda x, k: ops.conv1d(x, k, data_format="channels_first"),
                    [fort(anyv(2, 2, 5)), anyv(2, 2, 3)])]
    t["conv2d"] = [(lambda x, k: ops.conv2d(x, k, padding="same"), [anyv(1, 4, 3, 2),
                                                                    anyv(2, 2, 2, 2)]),
                   (ops.conv2d, [anyv(1, 1, 1, 1), anyv(1, 1, 1, 1)]),
                   (lambda x, k: ops.conv2d(x, k, dilation_rate=2),
                    [fort(anyv(1, 5, 5, 1)), anyv(2, 2, 1, 2)])]
    t["conv3d"] = [(ops.conv3d, [anyv(1, 3, 3, 2, 1), anyv(2, 2, 1, 1, 2)])]
    t["conv_transpose"] = [
        (lambda x, k: ops.conv_transpose(x, k, strides=2, padding="same"),
         [anyv(1, 2, 3, 2), anyv(3, 3, 2, 2)]),
        (ops.conv_transpose, [anyv(1, 1, 1), anyv(1, 1, 1)]),
        (lambda x, k, b: ops.conv_transpose(x, k, strides=2, output_padding=1, bias=b),
         [fort(anyv(2, 3, 2)), anyv(2, 1, 2), anyv(1)])]
    t["depthwise_conv"] = [(lambda x, k: ops.depthwise_conv(x, k, padding="same"),
                            [anyv(1, 4, 2), anyv(3, 2, 2)])]
    t["depthwise_conv2d"] = [(ops.depthwise_conv2d, [anyv(1, 3, 3, 2), anyv(2, 2, 2, 1)]),
                             (ops.depthwise_conv2d, [fort(anyv(2, 3, 2, 1)), anyv(1, 2, 1, 2)])]
    t["separable_conv"] = [(ops.separable_conv, [anyv(1, 4, 2), anyv(2, 2, 1), anyv(1, 2, 3)])]
    t["separable_conv2d"] = [(lambda x, d, p: ops.separable_conv2d(x, d, p, padding="same"),
                              [anyv(1, 3, 3, 2), anyv(2, 2, 2, 1), anyv(1, 1, 2, 2)])]
    for name in ("max_pool", "avg_pool", "average_pool"):
        fn = getattr(ops, name)
        make = distinct if "max" in name else anyv
        t[name] = [(lambda x, fn=fn: fn(x, 2, padding="same"), [make(1, 5, 2)]),
                   (lambda x, fn=fn: fn(x, 1), [make(1, 1, 1, 1)]),
                   (lambda x, fn=fn: fn(x, (2, 2), strides=1), [fort(make(2, 3, 3, 1))])]
    for n, shape in ((1, (2, 4, 2)), (2, (1, 4, 4, 1)), (3, (1, 2, 2, 4, 1))):
        t[f"max_pool{n}d"] = [(lambda x, n=n: getattr(ops, f"max_pool{n}d")(x, 2),
                               [distinct(*shape)])]
        t[f"avg_pool{n}d"] = [(lambda x, n=n: getattr(ops, f"avg_pool{n}d")(x, 2,
                                                                           padding="same"),
                               [anyv(*shape)])]
    t["upsample"] = [(lambda x: ops.upsample(x, 2), [anyv(1, 3, 2)]),
                     (lambda x: ops.upsample(x, 2, "bilinear"), [anyv(1, 2, 3, 1)]),
                     (lambda x: ops.upsample(x, (1, 2, 2)), [fort(anyv(1, 2, 1, 2, 1))]),
                     (lambda x: ops.upsample(x, 2, "bicubic"), [anyv(1, 3, 3, 1)]),
                     (lambda x: ops.upsample(x, (2, 1), "lanczos3"), [anyv(1, 3, 2, 1)])]
    # overlapping windows of two widths (5 -> 3), one cell, and more cells than elements
    t["adaptive_average_pool"] = [
        (lambda x: ops.adaptive_average_pool(x, 3), [anyv(2, 5, 2)]),
        (lambda x: ops.adaptive_average_pool(x, (1, 4)), [anyv(1, 3, 3, 1)]),
        (lambda x: ops.adaptive_average_pool(x, 2, "channels_first"),
         [fort(anyv(1, 2, 3, 2, 3))])]
    t["adaptive_max_pool"] = [
        (lambda x: ops.adaptive_max_pool(x, 3), [distinct(2, 5, 2)]),
        (lambda x: ops.adaptive_max_pool(x, (1, 4)), [distinct(1, 3, 3, 1)]),
        (lambda x: ops.adaptive_max_pool(x, 2, "channels_first"),
         [fort(distinct(1, 2, 3, 2, 3))])]
    t["cast"] = unary(lambda x: ops.cast(x, "float64"))  # a narrower cast rounds: not checkable
    t["concatenate"] = [(lambda a, b: ops.concatenate([a, b], 0), [anyv(2, 3), anyv(1, 3)]),
                        (lambda a, b: ops.concatenate([a, b]), [anyv(1), anyv(1)]),
                        (lambda a, b: ops.concatenate([a, b], 1), [fort(anyv(3, 2)),
                                                                   anyv(3, 1)])]
    t["concat"] = t["concatenate"][:1]
    t["stack"] = [(lambda a, b: ops.stack([a, b], 1), [anyv(2, 3), fort(anyv(2, 3))]),
                  (lambda a, b: ops.stack([a, b]), [anyv(1), anyv(1)])]
    t["split"] = [(lambda x: ops.concatenate(ops.split(x, [1, -1], axis=1)[::-1], 1),
                   [anyv(2, 3)]), (lambda x: ops.split(x, 2)[1] * 2, [fort(anyv(4, 2))])]
    t["reshape"] = unary(lambda x: ops.reshape(x, (-1,)))
    t["transpose"] = unary(ops.transpose) + [(lambda x: ops.transpose(x, (1, 2, 0)),
                                              [anyv(2, 3, 2)])]
    t["expand_dims"] = unary(lambda x: ops.expand_dims(x, 1))
    t["squeeze"] = [(ops.squeeze, [anyv(3, 1, 2)]), (ops.squeeze, [anyv(1)]),
                    (lambda x: ops.squeeze(x, 1), [fort(anyv(3, 1, 2))])]
    t["flatten"] = [(ops.flatten, [anyv(2, 3, 2)]), (ops.flatten, [anyv(1, 1)]),
                    (ops.flatten, [fort(anyv(2, 3, 2))])]
    t["tile"] = [(lambda x: ops.tile(x, (2, 1)), [anyv(2, 3)]),
                 (lambda x: ops.tile(x, (3,)), [anyv(1)]),
                 (lambda x: ops.tile(x, (1, 2)), [fort(anyv(2, 3))])]
    t["pad"] = [(lambda x, m=m: ops.pad(x, [[1, 2], [2, 1]], mode=m), [arr])
                for m, arr in (("constant", anyv(3, 4)), ("reflect", fort(anyv(3, 4))),
                               ("symmetric", anyv(3, 3)))]
    t["getitem"] = [(lambda x: x[1:, ::2], [anyv(3, 4)]),
                    (lambda x: ops.getitem(x, (np.array([0, 2, 0]),)), [fort(anyv(3, 2))]),
                    (lambda x: ops.getitem(x, 0), [anyv(1)])]
    t["gather"] = [(lambda p: ops.gather(p, np.array([[2, 0], [2, 2]])), [anyv(3, 2)]),
                   (lambda p: ops.gather(p, np.array([0, 0]), axis=1), [fort(anyv(2, 1))])]
    t["loss"] = loss_op_cases()
    t["neg"], t["pow"], t["swish"] = t["negative"], t["power"], t["silu"]
    return t


def _probs(*shape):
    p = R.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def _onehot(n, k):
    return np.eye(k)[R.integers(0, k, n)]


def loss_op_cases():
    """``ops.loss`` for every name the fused kernels implement; y_true is a constant."""
    t_any, t01, labels = anyv(3, 4), R.integers(0, 2, (3, 4)).astype(float), _onehot(3, 4)
    cases = [("mean_squared_error", t_any, anyv(3, 4)),
             ("mean_absolute_error", t_any, anyv(3, 4)),
             ("mean_absolute_percentage_error", nonzero(3, 4), anyv(3, 4)),
             ("mean_squared_logarithmic_error", pos(3, 4), pos(3, 4)),
             ("log_cosh", t_any, anyv(3, 4)), ("kl_divergence", _probs(3, 4), _probs(3, 4)),
             ("hinge", t01, anyv(3, 4)), ("squared_hinge", t01, anyv(3, 4)),
             ("categorical_hinge", labels, anyv(3, 4)), ("poisson", pos(3, 4), pos(3, 4)),
             ("huber", t_any, anyv(3, 4)), ("cosine_similarity", t_any, anyv(3, 4)),
             ("binary_crossentropy", t01, R.uniform(0.1, 0.9, (3, 4))),
             ("categorical_crossentropy", labels, _probs(3, 4))]
    out = [(lambda yp, n=n, yt=yt: ops.loss(n, cuflow.Tensor(yt), yp), [yp])
           for n, yt, yp in cases]
    for name, yt in (("binary_crossentropy", t01), ("categorical_crossentropy", labels)):
        out.append((lambda yp, n=name, yt=yt: ops.loss(n, cuflow.Tensor(yt), yp, from_logits=True,
                                                       label_smoothing=0.1), [anyv(3, 4)]))
    ints = cuflow.Tensor(np.array([1, 0, 3]))
    for logits in (False, True):
        out.append((lambda yp, f=logits: ops.loss("sparse_categorical_crossentropy", ints, yp,
                                                  from_logits=f),
                    [anyv(3, 4) if logits else _probs(3, 4)]))
    return out


# ---- cuflow.activations -------------------------------------------------------------------------
def _late_excluded():
    from .grad_cases_extra import EXTRA_OPS_EXCLUDED
    from .grad_cases_ks_ops import KS_OPS_EXCLUDED
    from .grad_keras_ops_cases import KERAS_OPS_EXCLUDED

    return {k: v for k, v in {**EXTRA_OPS_EXCLUDED, **KERAS_OPS_EXCLUDED,
                              **KS_OPS_EXCLUDED}.items() if hasattr(ops, k)}


def _activations_table():
    def wide(*s):
        return anyv(*s, lo=-4, hi=8, kinks=(-3, -1, 0, 1, 3, 6))

    t = {}
    for name in activations.__all__:
        fn = getattr(activations, name)
        if name in ACTIVATION_EXCLUDED:
            continue
        t[name] = unary(fn, wide)
    t["relu"] += [(lambda x: activations.relu(x, 0.2, 5.0, 0.3),
                   [anyv(3, 4, lo=-4, hi=8, kinks=(0.3, 5.0, 5.06))])]
    # a softmax over a size-1 axis warns (as Keras): the size-1 case is a (1, 2) row instead
    t["softmax"] = [c if c[1][0].shape != (1,) else (c[0], [wide(1, 2)]) for c in t["softmax"]]
    t["softmax"] += [(lambda x: activations.softmax(x, axis=0), [anyv(3, 2)])]
    return t


ACTIVATION_EXCLUDED = {
    "serialize": "not an activation: name lookup helper",
    "deserialize": "not an activation: name lookup helper",
    "get": "not an activation: name lookup helper",
}


# ---- cuflow.losses ------------------------------------------------------------------------------
def _loss_inputs(name):
    """(y_true array, y_pred factory) in each loss's valid domain."""
    if name in ("binary_crossentropy", "bce", "BCE"):
        return R.integers(0, 2, (3, 4)).astype(float), lambda: R.uniform(0.1, 0.9, (3, 4))
    if name in ("categorical_crossentropy",):
        return _onehot(3, 4), lambda: _probs(3, 4)
    if name in ("kl_divergence", "kld", "KLD", "kullback_leibler_divergence"):
        return _probs(3, 4), lambda: _probs(3, 4)
    if name in ("poisson", "mean_squared_logarithmic_error", "msle", "MSLE"):
        return pos(3, 4), lambda: pos(3, 4)
    if name in ("hinge", "squared_hinge"):
        return R.integers(0, 2, (3, 4)).astype(float), lambda: anyv(3, 4)
    if name == "categorical_hinge":
        return _onehot(3, 4), lambda: anyv(3, 4)
    if name in ("mean_absolute_percentage_error", "mape", "MAPE"):
        return nonzero(3, 4), lambda: anyv(3, 4)
    return anyv(3, 4), lambda: anyv(3, 4)


def _new_loss_cases():
    """Focal, overlap, CTC and Circle losses: inputs in each one's domain, options varied. A
    generator of their own keeps the shared ``R`` draws (and so every other case) unchanged."""
    rg = np.random.default_rng(20250101)

    def anyv(*shape):
        return rg.uniform(-2.0, 2.0, size=shape)

    def _probs_far_from_clip(*shape):  # inside (0.1, 0.9): away from the [eps, 1 - eps] clip
        return rg.uniform(0.1, 0.9, size=shape)

    def _probs(*shape):
        e = np.exp(anyv(*shape))
        return e / e.sum(-1, keepdims=True)

    def unit(*shape):  # L2-normalised embeddings, away from the distance clip at 0
        e = rg.normal(size=shape)
        return e / np.linalg.norm(e, axis=-1, keepdims=True)

    bt = rg.integers(0, 2, (3, 4)).astype(float)
    oh = np.eye(4)[rg.integers(0, 4, 3)]
    ctc_t = np.array([[1, 1, 2], [3, 0, 0], [2, 3, 1]])  # a repeat, a short row, a full row
    lab = np.array([0, 0, 1, 1, 2])
    sw = rg.uniform(0.5, 1.5, 3)
    ref6 = unit(6, 3)
    bfc = losses.BinaryFocalCrossentropy(apply_class_balancing=True)
    cfc = losses.CategoricalFocalCrossentropy(from_logits=True)
    dice_c, tv_c = losses.Dice(axis=(1,)), losses.Tversky(0.3, 0.7)
    ctc_c, circle_c = losses.CTC(), losses.Circle(gamma=8.0)
    t = {
        "binary_focal_crossentropy": [
            (lambda yp: losses.binary_focal_crossentropy(bt, yp), [_probs_far_from_clip(3, 4)]),
            (lambda yp: losses.binary_focal_crossentropy(bt, yp, True, 0.3, 1.5, True, 0.1),
             [fort(anyv(3, 4))]),
            (lambda yp: losses.binary_focal_crossentropy(bt[:1, :1], yp, gamma=0.0),
             [_probs_far_from_clip(1, 1)])],
        "categorical_focal_crossentropy": [
            (lambda yp: losses.categorical_focal_crossentropy(oh, yp), [_probs(3, 4)]),
            (lambda yp: losses.categorical_focal_crossentropy(oh, yp, [0.1, 0.2, 0.3, 0.4], 1.5,
                                                              True, 0.1), [fort(anyv(3, 4))]),
            (lambda yp: losses.categorical_focal_crossentropy(oh.T, yp, axis=0),
             [_probs(3, 4).T.copy()])],
        "dice": [(lambda yp: losses.dice(bt, yp), [_probs_far_from_clip(3, 4)]),
                 (lambda yp: losses.dice(bt, yp, axis=1), [fort(_probs_far_from_clip(3, 4))])],
        "tversky": [(lambda yp: losses.tversky(bt, yp), [_probs_far_from_clip(3, 4)]),
                    (lambda yp: losses.tversky(bt, yp, 0.2, 0.8, axis=(1,)),
                     [fort(_probs_far_from_clip(3, 4))])],
        "ctc": [(lambda yp: losses.ctc(ctc_t, yp), [anyv(3, 6, 4)]),
                (lambda yp: losses.ctc(ctc_t[1:2], yp), [fort(anyv(1, 3, 4))])],
        "circle": [(lambda yp: losses.circle(lab, yp), [unit(5, 3)]),
                   (lambda yp, ref=ref6: losses.circle(
                       lab, yp, ref_labels=np.array([0, 1, 2, 3, 0, 1]), ref_embeddings=ref,
                       remove_diagonal=False, gamma=4.0, margin=0.25), [unit(5, 3)])],
        "BinaryFocalCrossentropy": [
            (lambda yp, c=bfc:
             c(bt, yp, sample_weight=sw), [_probs_far_from_clip(3, 4)])],
        "CategoricalFocalCrossentropy": [
            (lambda yp, c=cfc:
             c(oh, yp, sample_weight=sw), [anyv(3, 4)])],
        "Dice": [(lambda yp, c=dice_c: c(bt, yp, sample_weight=sw),
                  [_probs_far_from_clip(3, 4)])],
        "Tversky": [(lambda yp, c=tv_c: c(bt, yp, sample_weight=sw),
                     [_probs_far_from_clip(3, 4)])],
        "CTC": [(lambda yp, c=ctc_c: c(ctc_t, yp, sample_weight=sw), [anyv(3, 5, 4)])],
        # label 3 has no positive pair: its row is 0 and leaves the mean (Keras's loss mask)
        "Circle": [(lambda yp, c=circle_c: c(np.array([0, 0, 1, 1, 3]), yp),
                    [unit(5, 3)])],
    }
    return t


def _losses_table():
    t = _new_loss_cases()
    for name in losses.__all__:
        obj = getattr(losses, name)
        if name in LOSS_EXCLUDED or name in t or isinstance(obj, type) or not callable(obj):
            continue
        if name == "sparse_categorical_crossentropy":
            yt = np.array([[1], [0], [3]])
            t[name] = [(lambda yp, o=obj, yt=yt: o(yt, yp), [_probs(3, 4)]),
                       (lambda yp, o=obj, yt=yt: o(yt[:1], yp, from_logits=True), [anyv(1, 4)]),
                       (lambda yp, o=obj, yt=yt: o(yt, yp, True, ignore_class=0),
                        [fort(anyv(3, 4))])]
            continue
        yt, make = _loss_inputs(name)
        t[name] = [(lambda yp, o=obj, yt=yt: o(yt, yp), [make()]),
                   (lambda yp, o=obj, yt=yt: o(yt[:1, :1], yp), [make()[:1, :1]]),
                   (lambda yp, o=obj, yt=yt: o(yt, yp), [fort(make())])]
    # the Loss classes: weighting and reduction on top of the functions above
    for name in losses.__all__:
        cls = getattr(losses, name)
        if not isinstance(cls, type) or name in LOSS_EXCLUDED or name in t:
            continue
        fn_name = "sparse_categorical_crossentropy" if "Sparse" in name else \
            {"Huber": "huber", "LogCosh": "log_cosh"}.get(name, None)
        inst = cls()
        key = fn_name or inst.fn.__name__
        if key == "sparse_categorical_crossentropy":
            yt, make = np.array([1, 0, 3]), (lambda: _probs(3, 4))
        else:
            yt, make = _loss_inputs(key)
        sw = R.uniform(0.5, 1.5, 3)
        t[name] = [(lambda yp, c=inst, yt=yt, sw=sw: c(yt, yp, sample_weight=sw), [make()])]
    return t


LOSS_EXCLUDED = {
    "Loss": "abstract base class (call() is the subclass's)",
    "LossFunctionWrapper": "generic wrapper: checked through every concrete Loss class",
    "Reduction": "a namespace of reduction names, not a loss",
    "deserialize": "lookup helper", "serialize": "lookup helper", "get": "lookup helper",
    "standardize_reduction": "argument normalisation, no tensors",
    "squeeze_or_expand_to_same_rank": "shape alignment only (squeeze / expand_dims are "
                                      "checked as ops)",
    "reduce_weighted_values": "checked through every Loss class (sample_weight + reduction)",
}

OPS_EXCLUDED = {
    "argmax": "integer output: not differentiable",
    "argmin": "integer output: not differentiable",
    "ceil": "piecewise constant: zero gradient almost everywhere",
    "floor": "piecewise constant: zero gradient almost everywhere",
    "round": "piecewise constant: zero gradient almost everywhere",
    "sign": "piecewise constant: zero gradient almost everywhere",
    "equal": "comparison: bool output", "not_equal": "comparison: bool output",
    "greater": "comparison: bool output", "greater_equal": "comparison: bool output",
    "less": "comparison: bool output", "less_equal": "comparison: bool output",
    "one_hot": "integer input, constant output",
    "stop_gradient": "zero gradient by definition (test_stop_gradient_blocks checks it)",
}


def ops_table():
    from .grad_cases_extra import extra_ops_table
    from .grad_cases_ks_ops import ks_ops_table
    from .grad_keras_ops_cases import keras_ops_table

    return {**_ops_table(), **extra_ops_table(), **keras_ops_table(), **ks_ops_table()}


def activations_table():
    return _activations_table()


def losses_table():
    return _losses_table()


# ---- linear algebra, FFT and segment ops (grad_cases_linalg.py), merged into the tables above ---
def _merge_linalg(base_table, base_excluded):
    from .grad_cases_linalg import LINALG_EXCLUDED, linalg_fft_table

    def table():
        t = base_table()
        for name, cases in linalg_fft_table().items():
            t[name] = t.get(name, []) + cases
        return t

    def excluded():
        return {**base_excluded(), **{k: v for k, v in LINALG_EXCLUDED.items()
                                      if hasattr(ops, k)}}

    return table, excluded


ops_table, _late_excluded = _merge_linalg(ops_table, _late_excluded)
