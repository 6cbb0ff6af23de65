"""Confusion-matrix metrics: Precision, Recall, AUC, the four cell counts (TruePositives...)
and the rate-at-rate metrics (PrecisionAtRecall...), with Keras' threshold conventions.

A prediction is positive at threshold t when ``y_pred > t`` (strictly); labels are positive when
non-zero. AUC's default thresholds are evenly spaced, so its update buckets predictions with one
weighted histogram and a reverse cumulative sum instead of comparing every value with every
threshold.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import ops
from ..tensor import Tensor
from ._inputs import (
    add_to,
    arange,
    broadcast,
    squeeze_or_expand_to_same_rank,
    sum64,
    tensors,
    to_tensors,
    weighted_histogram,
)
from .base import Metric

_MAX_THRESHOLDS = 1 << 20  # AUC keeps (and updates) state per threshold

EPSILON = 1e-7  # Keras' backend.epsilon()
NEG_INF = -1e10  # Keras' stand-in for -inf in top-k filtering


def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    given = list(thresholds) if isinstance(thresholds, (list, tuple)) else \
        np.ravel(thresholds).tolist()
    bad = [t for t in given if t is None or not 0.0 <= float(t) <= 1.0]
    values = [] if bad else [float(t) for t in given]
    if bad or not values:  # Keras names the values out of range
        raise ValueError(f"Threshold values must be in [0, 1]. Received: "
                         f"{bad if bad else thresholds!r}")
    return values


@functools.lru_cache(maxsize=64)
def _device_thresholds(device, thresholds, dtype):
    # Cached: a host-to-device copy on every update would make CuPy wait for queued work.
    return ops.cast(Tensor(np.asarray(thresholds, dtype=np.float64), device=device), dtype)


def _filter_top_k(x, k):
    """Keep the k largest values of the last axis (first index wins ties), others -> -1e10."""
    order = ops.argsort(-x, axis=-1)  # a stable sort on every device
    rank = ops.argsort(order, axis=-1)
    return ops.where(ops.less(rank, k), x, NEG_INF)


def confusion(y_true, y_pred, sample_weight, thresholds, top_k=None, class_id=None,
              multi_label=False, evenly=False):
    """Weighted (tp, fp, tn, fn), each (T,) or (T, labels) when ``multi_label``: device arrays.

    ``evenly``: the thresholds are evenly spaced (bucketed update): True for AUC's, whose ends
    are -eps and 1 + eps (every prediction in [0, 1] is above the first), "exact" for
    [0, 1/(T-1), ..., 1] (a prediction <= 0, or NaN, is above none).
    """
    if y_pred.dtype.kind != "f":
        y_pred = ops.cast(y_pred, "float32")
    if class_id is not None and y_pred.ndim == 1:
        raise ValueError(f"When class_id is provided, y_pred must be a 2D array with shape "
                         f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}")
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"y_true and y_pred must have the same shape; received "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    labels = ops.not_equal(y_true, 0)
    if sample_weight is None:
        w = ops.ones_like(y_pred)
    else:
        sw = ops.cast(sample_weight, y_pred.dtype)
        if sw.ndim < y_pred.ndim:  # one weight per sample: broadcast over the trailing axes
            sw = ops.reshape(sw, sw.shape + (1,) * (y_pred.ndim - sw.ndim))
        w = broadcast(sw, y_pred.shape, f"sample_weight of shape "
                                        f"{tuple(sample_weight.shape)} does not broadcast to "
                                        f"y_pred of shape {tuple(y_pred.shape)}")
    n_labels = y_pred.shape[-1] if multi_label else 1
    p = ops.reshape(y_pred, (-1, n_labels))
    pos_w = ops.reshape(w * labels, (-1, n_labels))
    neg_w = ops.reshape(w * ops.logical_not(labels), (-1, n_labels))
    n_thr = len(thresholds)
    if evenly:
        bucket = ops.ceil(p * (n_thr - 1)) - 1
        if evenly == "exact":  # below the first threshold: an extra bucket, dropped below
            bucket = ops.minimum(bucket, n_thr - 1)
            bucket = ops.cast(ops.where(ops.greater_equal(bucket, 0), bucket, n_thr), "int64")
        else:
            bucket = ops.clip(bucket, 0, n_thr - 1)
            # NaN predictions land in bucket 0
            bucket = ops.cast(ops.nan_to_num(bucket), "int64")
        index = ops.reshape(bucket * n_labels + arange(p.device, n_labels), (-1,))

        def above(weights):  # weight of predictions > threshold i = sum of buckets >= i
            hist = weighted_histogram(index, weights, (n_thr + 1) * n_labels)
            hist = ops.reshape(hist[:n_thr * n_labels], (n_thr, n_labels))
            return ops.flip(ops.cumsum(ops.flip(hist, axis=0), axis=0), axis=0)
    else:
        thr = _device_thresholds(p.device, tuple(thresholds), str(p.dtype))

        def above(weights):
            hit = ops.greater(p[None, :, :], thr[:, None, None])
            return sum64(hit * weights[None], axis=1)
    tp, fp = above(pos_w), above(neg_w)
    fn = sum64(pos_w, axis=0) - tp
    tn = sum64(neg_w, axis=0) - fp
    if not multi_label:
        tp, fp, tn, fn = tp[:, 0], fp[:, 0], tn[:, 0], fn[:, 0]
    return {"true_positives": tp, "false_positives": fp, "true_negatives": tn,
            "false_negatives": fn}


class _ThresholdRatio(Metric):
    """tp / (tp + other) at each threshold; a scalar when there is one threshold."""

    _direction = "up"
    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self.true_positives = self._counts("true_positives", (len(self.thresholds),))
        setattr(self, self._other, self._counts(self._other, (len(self.thresholds),)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        counts = confusion(yt, yp, sw, self.thresholds, top_k=self.top_k,
                           class_id=self.class_id)
        state = self._ensure_state(yp.device)
        for name in state:
            add_to(state[name], counts[name])

    def _result(self, xp, state):
        s = tensors(state)
        tp = s["true_positives"]
        out = ops.divide_no_nan(tp, tp + s[self._other])
        return out[0] if len(self.thresholds) == 1 else out

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdRatio):
    """tp / (tp + fp): of the predicted positives, how many are positive."""

    _other = "false_positives"


class Recall(_ThresholdRatio):
    """tp / (tp + fn): of the positives, how many were predicted positive."""

    _other = "false_negatives"


def _pr_gain(tp, fp, tn, fn):
    """(recall gain, precision gain) of Flach & Kull (2015), as Keras: both scaled by P / N;
    no true positives gives recall gain 0 and precision gain 1; negative recall gains are 0."""
    scale = ops.divide_no_nan(tp + fn, tn + fp)
    no_tp = ops.equal(tp, 0.0)
    recall_gain = ops.where(no_tp, 0.0, 1.0 - scale * ops.divide_no_nan(fn, tp))
    precision_gain = ops.where(no_tp, 1.0, 1.0 - scale * ops.divide_no_nan(fp, tp))
    return ops.maximum(recall_gain, 0.0), precision_gain


class AUC(Metric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over thresholds."""

    _direction = "up"
    _NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name if name is not None else "auc", dtype=dtype)
        if str(curve).upper() not in ("ROC", "PR", "PRGAIN"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             f'["ROC", "PR", "PRGAIN"]')
        methods = ("interpolation", "minoring", "majoring")
        if str(summation_method).lower() not in methods:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             f"Expected values are {list(methods)}")
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(v) for v in label_weights]
        self.from_logits = bool(from_logits)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, None))
            self.num_thresholds = len(inner) + 2
            self._evenly = False
        else:
            if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds!r}")
            if num_thresholds > _MAX_THRESHOLDS:
                # the per-threshold state is allocated and updated every batch
                raise ValueError(f"Argument `num_thresholds` must be at most "
                                 f"{_MAX_THRESHOLDS:,}; received num_thresholds="
                                 f"{num_thresholds!r}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._evenly = True
        # -eps and 1 + eps catch predictions of exactly 0 and 1 (Keras' convention)
        self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        if not self.multi_label or num_labels is not None:
            self._declare(num_labels if self.multi_label else None)

    def _declare(self, num_labels):
        shape = (self.num_thresholds,) + ((num_labels,) if self.multi_label else ())
        for name in self._NAMES:
            setattr(self, name, self._counts(name, shape))
        self.num_labels = num_labels

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        if self.from_logits:
            if yp.dtype.kind != "f":
                yp = ops.cast(yp, "float32")
            yp = 0.5 * (1.0 + ops.tanh(0.5 * yp))  # sigmoid that cannot overflow
        if self.multi_label and not self._specs:
            if yp.ndim < 2:
                raise ValueError(f"multi_label AUC needs y_pred of shape (batch, labels); "
                                 f"received {tuple(yp.shape)}")
            self._declare(int(yp.shape[-1]))
        counts = confusion(yt, yp, sw, self.thresholds, multi_label=self.multi_label,
                           evenly=self._evenly)
        state = self._ensure_state(yp.device)
        for name in self._NAMES:
            add_to(state[name], counts[name])

    def _by_label(self, per_label):
        if not self.multi_label:
            return ops.sum(per_label)
        by_label = ops.sum(per_label, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        lw = Tensor(np.asarray(self.label_weights, dtype=np.float64), device=by_label.device)
        return ops.divide_no_nan(ops.sum(by_label * lw), ops.sum(lw))

    def _interpolate_pr_auc(self, tp, fp, fn):
        # Davis & Goadrich interpolation of precision between thresholds (Keras' formula).
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = ops.divide_no_nan(dtp, ops.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = ops.logical_and(ops.greater(p[:-1], 0), ops.greater(p[1:], 0))
        ratio = ops.where(both, ops.divide_no_nan(p[:-1], ops.maximum(p[1:], 0)), 1.0)
        # log(0) never taken (its term is 0 anyway)
        ratio = ops.where(ops.greater(ratio, 0), ratio, 1.0)
        increment = ops.divide_no_nan(slope * (dtp + intercept * ops.log(ratio)),
                                      ops.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(increment)

    def _result(self, xp, state):
        if not state:  # multi_label before the first update: no labels, no area
            return ops.zeros((), dtype="float64")
        s = tensors(state)
        tp, fp = s["true_positives"], s["false_positives"]
        tn, fn = s["true_negatives"], s["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(tp, fp, fn)
        recall = ops.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = ops.divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, ops.divide_no_nan(tp, tp + fp)
        else:
            x, y = _pr_gain(tp, fp, tn, fn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[:-1], y[1:])
        else:
            heights = ops.maximum(y[:-1], y[1:])
        return self._by_label((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


class _ConditionCount(Metric):
    """The (weighted) count of one confusion-matrix cell at each threshold."""

    _cell = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self._counts("accumulator", (len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        counts = confusion(yt, yp, sw, self.thresholds)
        add_to(self._ensure_state(yp.device)["accumulator"], counts[self._cell])

    def _result(self, xp, state):
        acc = tensors(state)["accumulator"]
        return acc[0] if len(self.thresholds) == 1 else acc

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """The weighted number of positives predicted positive (``y_pred > threshold``)."""

    _direction = "up"
    _cell = "true_positives"


class TrueNegatives(_ConditionCount):
    """The weighted number of negatives predicted negative."""

    _direction = "up"
    _cell = "true_negatives"


class FalsePositives(_ConditionCount):
    """The weighted number of negatives predicted positive."""

    _direction = "down"
    _cell = "false_positives"


class FalseNegatives(_ConditionCount):
    """The weighted number of positives predicted negative."""

    _direction = "down"
    _cell = "false_negatives"


class _SensitivitySpecificityBase(Metric):
    """Confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]; the result is
    the best ``dependent`` rate among the thresholds where ``constrained`` >= ``value``, 0.0
    when none qualifies."""

    _direction = "up"
    _NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")
    _value_name = None  # the constructor argument holding the constraint value

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        arg = self._value_name
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                             np.floating)):
            raise TypeError(f"Argument `{arg}` must be a number in the range [0, 1]. "
                            f"Received: {arg}={value!r}")
        if not 0 <= value <= 1:
            raise ValueError(f"Argument `{arg}` must be in the range [0, 1]. Received: "
                             f"{arg}={value}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds,
                                                              (int, np.integer)) \
                or num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds!r}")
        if num_thresholds > _MAX_THRESHOLDS:
            raise ValueError(f"Argument `num_thresholds` must be at most {_MAX_THRESHOLDS:,}; "
                             f"received num_thresholds={num_thresholds!r}")
        setattr(self, arg, value)
        self.value = value
        self.num_thresholds = int(num_thresholds)
        self.class_id = class_id
        if self.num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            n = self.num_thresholds
            self.thresholds = [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]
            self._evenly = "exact"
        for cell in self._NAMES:
            setattr(self, cell, self._counts(cell, (len(self.thresholds),)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        counts = confusion(yt, yp, sw, self.thresholds, class_id=self.class_id,
                           evenly=self._evenly)
        state = self._ensure_state(yp.device)
        for cell in self._NAMES:
            add_to(state[cell], counts[cell])

    @staticmethod
    def _rates(state):
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        return {"recall": ops.divide_no_nan(tp, tp + fn),
                "precision": ops.divide_no_nan(tp, tp + fp),
                "specificity": ops.divide_no_nan(tn, tn + fp)}

    _constrained = _dependent = None  # names in _rates

    def _result(self, xp, state):
        rates = self._rates(tensors(state))
        feasible = ops.greater_equal(rates[self._constrained], self.value)
        # the dependent rates are >= 0, so 0 stands in for infeasible thresholds (and "none")
        return ops.max(ops.where(feasible, rates[self._dependent], 0.0))

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                self._value_name: self.value, "class_id": self.class_id}


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is >= ``specificity``."""

    _value_name, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity (recall) is >= ``sensitivity``."""

    _value_name, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= ``recall``."""

    _value_name, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= ``precision`` (0.0 when no
    threshold reaches it)."""

    _value_name, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
