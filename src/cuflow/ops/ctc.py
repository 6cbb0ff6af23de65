"""Connectionist Temporal Classification: ``ctc_loss`` (``keras.ops.ctc_loss``).

The forward pass is the log-space alpha recursion over the blank-extended label sequence, one
vectorised step per frame for the whole batch; the backward pass runs the beta recursion and
turns the state occupancies ``exp(alpha + beta - log y - log p)`` into d(-log p)/d log y, so
the gradient costs two passes over time and no graph of per-frame ops.
"""

from __future__ import annotations

import numpy as np

from ._core import check_float, record, to_tensor
from .nn import log_softmax


def _lengths(name, value, batch, limit, what):
    host = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if host.dtype.kind not in "iuf" or host.shape not in ((batch,), (batch, 1)):
        raise ValueError(f"ctc_loss: {name} must hold one integer per sample, shape ({batch},); "
                         f"received shape {host.shape} and dtype {host.dtype}")
    host = host.reshape(batch).astype(np.int64)
    if host.size and (host.min() < 0 or host.max() > limit):
        raise ValueError(f"ctc_loss: {name} must lie in [0, {limit}] ({what}); received "
                         f"{host.tolist()}")
    return host


def _ctc_nll(logprobs, labels, label_len, input_len, blank):
    """-log p(labels | logprobs) per sample: a recorded op on (B, T, C) log-probabilities."""
    bk = logprobs._backend
    xp = bk.xp
    lp = logprobs.data
    dt = lp.dtype
    b, t_max, _ = lp.shape
    s_max = 2 * labels.shape[1] + 1
    neg_inf = dt.type(-np.inf)

    ext = np.full((b, s_max), blank, np.int64)  # blank-extended labels (host: index setup)
    ext[:, 1::2] = labels
    s_idx = np.arange(s_max)
    valid = s_idx[None, :] < (2 * label_len[:, None] + 1)
    skip = np.zeros((b, s_max), bool)  # alpha may come from s-2: a label unlike the previous
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    ext_d = xp.asarray(ext)
    valid_d, skip_d = xp.asarray(valid), xp.asarray(skip)
    t_len = xp.asarray(input_len)
    # emission log-probabilities of each extended state: (B, T, S)
    emit = xp.take_along_axis(lp, xp.broadcast_to(ext_d[:, None, :], (b, t_max, s_max)), axis=2)
    emit = xp.where(valid_d[:, None, :], emit, neg_inf)

    def shifted(a, k):  # state s reads s - k
        out = xp.full_like(a, neg_inf)
        if k < a.shape[1]:
            out[:, k:] = a[:, :-k]
        return out

    alphas = xp.full((t_max, b, s_max), neg_inf, dt)
    with np.errstate(all="ignore") if xp is np else _null():
        if t_max:
            a = xp.full((b, s_max), neg_inf, dt)
            a[:, :2] = emit[:, 0, :2]
            a = xp.where(valid_d, a, neg_inf)
            alphas[0] = a
            for t in range(1, t_max):
                prev = alphas[t - 1]
                nxt = xp.logaddexp(prev, shifted(prev, 1))
                nxt = xp.where(skip_d, xp.logaddexp(nxt, shifted(prev, 2)), nxt) + emit[:, t]
                alphas[t] = xp.where((t < t_len)[:, None], nxt, prev)
            last = alphas[t_max - 1]
            end = xp.asarray(2 * label_len)[:, None]
            # paths end in the last blank or the last label (a label-free sequence: state 0)
            in_blank = xp.take_along_axis(last, end, axis=1)[:, 0]
            in_label = xp.take_along_axis(last, xp.maximum(end - 1, 0), axis=1)[:, 0]
            log_p = xp.where(xp.asarray(label_len > 0), xp.logaddexp(in_blank, in_label),
                             in_blank)
        else:
            log_p = xp.full((b,), neg_inf, dt)
        # no frames: only the empty label sequence has an (empty) alignment
        log_p = xp.where(xp.asarray(input_len == 0),
                         xp.where(xp.asarray(label_len == 0), dt.type(0), neg_inf), log_p)
    out = (-log_p).astype(dt, copy=False)

    def backward(g):
        grad = xp.zeros_like(lp)
        if not t_max:
            return (grad,)
        with np.errstate(all="ignore") if xp is np else _null():
            end = 2 * label_len
            final = np.zeros((b, s_max), bool)
            final[np.arange(b), end] = True
            final[np.arange(b), np.maximum(end - 1, 0)] |= label_len > 0
            final_d = xp.asarray(final & valid)
            beta = xp.full((b, s_max), neg_inf, dt)
            skip_next = xp.asarray(np.concatenate([skip[:, 2:], np.zeros((b, 2), bool)], 1))
            onehot = xp.asarray(np.eye(lp.shape[2], dtype=dt)[ext])  # (B, S, C)
            feasible = xp.isfinite(log_p)
            scale = xp.where(feasible, g, 0).astype(dt, copy=False)
            safe_log_p = xp.where(feasible, log_p, 0)
            for t in range(t_max - 1, -1, -1):
                e = emit[:, t]
                start = xp.where(final_d, e, neg_inf)
                nxt = xp.logaddexp(beta, _shift_left(xp, beta, 1, neg_inf))
                nxt = xp.where(skip_next, xp.logaddexp(nxt, _shift_left(xp, beta, 2, neg_inf)),
                               nxt) + e
                beta = xp.where((t == t_len - 1)[:, None], start,
                                xp.where((t < t_len - 1)[:, None], nxt, neg_inf))
                occ = xp.exp(alphas[t] + beta - e - safe_log_p[:, None])
                occ = xp.where(valid_d & (t < t_len)[:, None], occ, 0)
                grad[:, t] = -xp.einsum("bs,bsc->bc", occ, onehot) * scale[:, None]
        return (grad,)

    return record(out, (logprobs,), backward, "ctc_loss", bk)


def _shift_left(xp, a, k, fill):
    out = xp.full_like(a, fill)
    out[:, :-k] = a[:, k:]
    return out


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sample CTC loss ``-log p(target | output)``, as ``keras.ops.ctc_loss``.

    ``target``: (batch, max_label_length) integer labels, the first ``target_length[b]`` of row
    ``b`` used; ``output``: (batch, max_time, num_classes) logits (log-softmax is applied here);
    ``output_length``: frames used per sample; ``mask_index``: the blank class. A sample whose
    labels cannot be aligned in its frames gets ``inf`` and a zero gradient.
    """
    output = to_tensor(output)
    check_float("ctc_loss", output)
    if output.ndim != 3:
        raise ValueError(f"ctc_loss: output must have shape (batch, max_time, num_classes); "
                         f"received shape {output.shape}")
    b, t_max, n_cls = output.shape
    tgt = np.asarray(target.numpy() if hasattr(target, "numpy") else target)
    if tgt.ndim != 2 or tgt.shape[0] != b:
        raise ValueError(f"ctc_loss: target must have shape ({b}, max_label_length); received "
                         f"shape {tgt.shape}")
    if tgt.dtype.kind not in "iuf":
        raise ValueError(f"ctc_loss: target must hold integer labels; received dtype {tgt.dtype}")
    tgt = tgt.astype(np.int64)
    label_len = _lengths("target_length", target_length, b, tgt.shape[1],
                         "at most the label width")
    input_len = _lengths("output_length", output_length, b, t_max,
                         "at most the number of frames")
    used = np.arange(tgt.shape[1])[None, :] < label_len[:, None]
    if tgt.size and ((tgt < 0) | (tgt >= n_cls))[used].any():
        raise ValueError(f"ctc_loss: labels must lie in [0, {n_cls}) for {n_cls} classes; "
                         f"received {tgt[used].min()}..{tgt[used].max()}")
    mask_index = int(mask_index)
    if not 0 <= mask_index < n_cls:
        raise ValueError(f"ctc_loss: mask_index must lie in [0, {n_cls}); received {mask_index}")
    tgt = np.where(used, tgt, mask_index)
    return _ctc_nll(log_softmax(output), tgt, label_len, input_len, mask_index)
