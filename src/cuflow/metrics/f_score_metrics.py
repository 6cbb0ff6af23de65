"""F-beta and F1 scores over per-class (or, with average="micro", global) true positive, false
positive and false negative counts accumulated on the device."""

from __future__ import annotations

from .. import ops
from ._inputs import add_to, tensors, to_tensors
from .base import Metric

EPSILON = 1e-7  # Keras' backend.epsilon()
_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + b^2) * precision * recall / (b^2 * precision + recall), per class or averaged.

    Inputs are (batch, classes): one-hot or multi-label ``y_true``; ``y_pred`` is positive where
    it exceeds ``threshold``, or (threshold None) where it is the row maximum and non-zero.
    ``average``: None (a score per class), "micro" (global counts), "macro" (mean of the class
    scores) or "weighted" (mean weighted by each class' support).
    """

    _direction = "up"
    _NAMES = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(f"Invalid `average` argument value. Expected one of: {{None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta!r} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self.num_classes = None

    def _build(self, num_classes):
        shape = () if self.average == "micro" else (num_classes,)
        for cell in self._NAMES:
            self.add_variable(shape, dtype="float64", name=cell)
        self.num_classes = num_classes

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        if yp.ndim != 2 or yt.ndim != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape="
                             f"{tuple(yp.shape)} and y_true.shape={tuple(yt.shape)}.")
        if tuple(yt.shape) != tuple(yp.shape):
            raise ValueError(f"y_true and y_pred must have the same shape; received "
                             f"{tuple(yt.shape)} and {tuple(yp.shape)}")
        if self.num_classes is None:
            self._build(int(yp.shape[-1]))
        elif yp.shape[-1] != self.num_classes:
            raise ValueError(f"{type(self).__name__} was built for {self.num_classes} classes; "
                             f"received y_pred of shape {tuple(yp.shape)}")
        if self.threshold is None:
            top = ops.max(yp, axis=-1, keepdims=True)
            # the row maximum, unless it is 0 (an all-zero row predicts nothing)
            pred = ops.logical_and(ops.greater_equal(yp, top), ops.greater(ops.abs(yp), 1e-9))
        else:
            pred = ops.greater(yp, self.threshold)
        pred = ops.cast(pred, "float64")
        true = ops.cast(yt, "float64")
        w = None
        if sw is not None:
            w = ops.reshape(ops.cast(sw, "float64"), (-1, 1))
            if w.shape[0] != yp.shape[0]:
                raise ValueError(f"sample_weight must hold one weight per sample ({yp.shape[0]}"
                                 f"); received shape {tuple(sw.shape)}")

        def weighted_sum(v):
            return ops.sum(v if w is None else v * w, axis=self.axis)

        state = self._ensure_state(yp.device)
        add_to(state["true_positives"], weighted_sum(pred * true))
        add_to(state["false_positives"], weighted_sum(pred * (1.0 - true)))
        add_to(state["false_negatives"], weighted_sum((1.0 - pred) * true))
        add_to(state["intermediate_weights"], weighted_sum(true))

    def _result(self, xp, state):
        s = tensors(state)
        if "true_positives" not in s:
            return ops.zeros((), dtype="float64")  # no update yet: nothing to score
        tp = s["true_positives"]
        precision = tp / (tp + s["false_positives"] + EPSILON)
        recall = tp / (tp + s["false_negatives"] + EPSILON)
        b2 = self.beta ** 2
        score = (1.0 + b2) * (precision * recall) / (b2 * precision + recall + EPSILON)
        if self.average == "weighted":
            support = s["intermediate_weights"]
            return ops.sum(score * (support / (ops.sum(support) + EPSILON)))
        if self.average is not None:  # micro (already a scalar) and macro
            return ops.mean(score)
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """2 * precision * recall / (precision + recall), per class or averaged (see FBetaScore)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
