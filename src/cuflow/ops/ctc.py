"""Connectionist Temporal Classification: ``ctc_loss`` and ``ctc_decode`` (``keras.ops``).

The loss's forward pass is the log-space alpha recursion over the blank-extended label sequence,
one vectorised step per frame for the whole batch; the backward pass runs the beta recursion and
turns the state occupancies ``exp(alpha + beta - log y - log p)`` into d(-log p)/d log y, so
the gradient costs two passes over time and no graph of per-frame ops. Decoding is greedy
(vectorised) or a prefix beam search on the host.
"""

from __future__ import annotations

import numpy as np

from ._core import check_float, const, record, to_tensor
from .nn.activations import log_softmax

# ---- loss ---------------------------------------------------------------------------------------

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


# ---- decoding -----------------------------------------------------------------------------------

def _logaddexp(a, b):
    return np.logaddexp(a, b)


def _ctc_beam_search(x, lens, beam_width, top_paths, blank):
    """Prefix beam search on the host (a data-dependent search: one host copy of the inputs)."""
    bk = x._backend
    data = np.asarray(x.numpy(), dtype=np.float64)
    m = data.max(axis=-1, keepdims=True)
    logp = data - m - np.log(np.exp(data - m).sum(axis=-1, keepdims=True))  # log_softmax
    lengths = np.asarray(lens.numpy()).astype(np.int64)
    bsz, steps, classes = data.shape
    ninf = -np.inf
    decoded = np.full((top_paths, bsz, steps), -1, dtype=np.int32)
    scores = np.full((bsz, top_paths), ninf, dtype=np.float64)
    for b in range(bsz):
        # prefix -> [log p(ending in blank), log p(ending in a label)]
        beams = {(): [ninf, ninf]}
        first = True
        for t in range(steps):
            if t >= lengths[b] and not first:
                continue
            row = logp[b, t]
            nxt = {}
            for prefix, (pb, pnb) in (beams.items() if not first else [((), [0.0, ninf])]):
                total = _logaddexp(pb, pnb)
                e = nxt.setdefault(prefix, [ninf, ninf])
                e[0] = _logaddexp(e[0], total + row[blank])  # a blank keeps the prefix
                for c in range(classes):
                    if c == blank:
                        continue
                    if prefix and prefix[-1] == c:
                        # a repeat without a blank between merges into the same label ...
                        e = nxt[prefix]
                        e[1] = _logaddexp(e[1], pnb + row[c])
                        # ... after a blank it is a new label
                        add = pb + row[c]
                    else:
                        add = total + row[c]
                    ext = nxt.setdefault(prefix + (c,), [ninf, ninf])
                    ext[1] = _logaddexp(ext[1], add)
            first = False
            ranked = sorted(nxt.items(), key=lambda kv: -_logaddexp(*kv[1]))
            beams = dict(ranked[:beam_width])
        ranked = sorted(beams.items(), key=lambda kv: -_logaddexp(*kv[1]))[:top_paths]
        for k, (prefix, (pb, pnb)) in enumerate(ranked):
            decoded[k, b, :len(prefix)] = prefix
            scores[b, k] = _logaddexp(pb, pnb)
    return (const(bk.asarray(decoded), bk),
            const(bk.asarray(scores.astype(x.dtype if x.dtype.kind == "f" else np.float32)),
                   bk))


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs ``inputs`` (B, T, C) (log-)probabilities, as Keras 3.

    Returns ``(decoded, log_probs)``: decoded (1, B, T) int32 labels, left-aligned and padded
    with -1; log_probs (B, 1) the negative sum of each step's maximum (Keras' greedy score).
    With ``merge_repeated`` a label equal to the previous step's is dropped (a blank in between
    keeps both).

    ``strategy='beam_search'`` is CTC prefix beam search as Keras' JAX backend: the inputs go
    through ``log_softmax`` first; each prefix keeps the log-probability of its alignments
    ending in a blank and ending in a label; the ``beam_width`` prefixes of highest total
    survive each step (steps at or beyond a row's sequence length are skipped, step 0 never).
    Returns decoded (top_paths, B, T), best first, padded with -1, and log_probs
    (B, top_paths): each prefix's log-probability (``-inf`` where fewer prefixes exist).
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: Invalid strategy {strategy!r}; strategy must be 'greedy' "
                         f"or 'beam_search'")
    x = to_tensor(inputs)
    if x.ndim != 3:
        raise ValueError(f"ctc_decode: inputs must be (batch, steps, classes); received shape "
                         f"{x.shape}")
    bsz, steps, classes = x.shape
    lens = to_tensor(sequence_lengths, x)
    if lens.dtype.kind not in "iu" or lens.shape != (bsz,):
        raise ValueError(f"ctc_decode: sequence_lengths must be {bsz} integers; received shape "
                         f"{lens.shape} dtype {lens.dtype}")
    blank = classes - 1 if mask_index is None else int(mask_index)
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_decode: mask_index {mask_index} is out of range for {classes} "
                         f"classes")
    if strategy == "beam_search":
        for name, v in (("beam_width", beam_width), ("top_paths", top_paths)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"ctc_decode: {name} must be a positive int; received {v!r}")
        if top_paths > beam_width:
            raise ValueError(f"ctc_decode: top_paths ({top_paths}) must not exceed beam_width "
                             f"({beam_width})")
        return _ctc_beam_search(x, lens, int(beam_width), int(top_paths), blank)
    xp = x._backend.xp
    idx = xp.argmax(x.data, axis=-1).astype(np.int32)
    scores = xp.max(x.data, axis=-1)
    beyond = xp.arange(steps)[None, :] >= lens.data[:, None]
    idx = xp.where(beyond, np.int32(blank), idx)
    scores = xp.where(beyond, xp.zeros((), scores.dtype), scores)
    if merge_repeated and steps > 1:
        rep = xp.concatenate([xp.zeros((bsz, 1), dtype=bool), idx[:, 1:] == idx[:, :-1]], 1)
        idx = xp.where(rep, np.int32(blank), idx)
    invalid = idx == blank
    idx = xp.where(invalid, np.int32(-1), idx)
    order = xp.where(invalid, steps, xp.arange(steps)[None, :])
    order = xp.argsort(order, axis=-1, kind="stable") if xp is np else xp.argsort(order, axis=-1)
    idx = xp.take_along_axis(idx, order, -1)
    log_probs = -scores.sum(axis=1)[:, None]
    return const(idx[None], x._backend), const(log_probs, x._backend)


__all__ = [
    "ctc_decode", "ctc_loss"
]
