"""Differentiable per-sample losses over the backend's fused loss kernels."""

from __future__ import annotations

from ._core import check_float, record, same_device, to_tensor


def _expand_to(g, ndim):
    return g.reshape(g.shape + (1,) * (ndim - g.ndim))


def loss(name, y_true, y_pred, from_logits=False, label_smoothing=0.0, delta=1.0):
    """Per-sample loss ``name`` (shape ``y_pred.shape[:-1]``), differentiable in ``y_pred``.

    The kernel computes the loss and d loss / d y_pred in one pass; the backward only scales it.
    """
    y_pred = to_tensor(y_pred)
    check_float(name, y_pred)
    y_true = to_tensor(y_true, y_pred)
    bk = same_device(name, y_true, y_pred)
    if name == "sparse_categorical_crossentropy" and from_logits:
        per, d = bk.sparse_softmax_cross_entropy(y_pred.data, y_true.data,
                                                 need_grad=y_pred.requires_grad)
    else:
        per, d = bk.loss_forward_backward(name, y_true.data, y_pred.data, from_logits=from_logits,
                                          label_smoothing=label_smoothing, delta=delta,
                                          need_grad=y_pred.requires_grad)

    def backward(g):
        return (None, _expand_to(g, d.ndim) * d)

    return record(per, (y_true, y_pred), backward, name, bk)
