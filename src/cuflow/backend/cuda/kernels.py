"""Every CUDA kernel function by name, gathered from the family modules: the table
``CupyBackend`` delegates to (``Backend._kernels``). The twin of ``backend/numpy/kernels.py``:
the same names with the same signatures (``tests/backend/test_signatures.py``)."""

from __future__ import annotations

from .activations import (
    activation_backward,
    activation_forward,
    bias_activation_backward,
    bias_activation_forward,
)
from .losses import loss_forward_backward, sparse_softmax_cross_entropy
from .reductions import accuracy_count, global_l2_norm, sum_batch
from .rows import (
    log_softmax_backward,
    log_softmax_forward,
    logsumexp,
    row_argmax,
    row_max,
    softmax_backward,
    softmax_forward,
)
from .windows import col2im, im2col, max_pool_backward, max_pool_forward

__all__ = [
    "accuracy_count",
    "activation_backward",
    "activation_forward",
    "bias_activation_backward",
    "bias_activation_forward",
    "col2im",
    "global_l2_norm",
    "im2col",
    "log_softmax_backward",
    "log_softmax_forward",
    "logsumexp",
    "loss_forward_backward",
    "max_pool_backward",
    "max_pool_forward",
    "row_argmax",
    "row_max",
    "softmax_backward",
    "softmax_forward",
    "sparse_softmax_cross_entropy",
    "sum_batch",
]
