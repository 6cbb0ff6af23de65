"""``Attention`` (Luong, dot-product) and ``AdditiveAttention`` (Bahdanau), and the masked softmax
the attention layers share; built from ``cuflow.ops``."""

from __future__ import annotations

from ... import ops
from ..layer import Layer


def _mask_of(t):
    return getattr(t, "_keras_mask", None)


def _softmax_last(x, n_axes):
    """Softmax over the last ``n_axes`` axes jointly (one axis: the fused kernel)."""
    if n_axes == 1:
        return ops.softmax(x, axis=-1)
    lead = x.shape[:-n_axes]
    return ops.reshape(ops.softmax(ops.reshape(x, lead + (-1,)), axis=-1), x.shape)


def _large_negative(dtype):
    return -3e4 if str(dtype) == "float16" else -1e9  # as Keras: fits float16's range


def _masked_softmax(scores, mask, n_axes):
    """Softmax with masked-out positions pushed to ~0 and then zeroed (Keras 3 Softmax(mask))."""
    if mask is None:
        return _softmax_last(scores, n_axes)
    m = ops.cast(mask, scores.dtype)
    probs = _softmax_last(scores + (1.0 - m) * _large_negative(scores.dtype), n_axes)
    return probs * m


class Attention(Layer):
    """Dot-product (Luong) attention on ``[query, value]`` or ``[query, value, key]``."""

    _multi_input = True

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: score_mode must be 'dot' or 'concat'; received "
                             f"{score_mode!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1); received "
                             f"{dropout!r}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True
        self._symbolic_scores = False

    def _validate(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]; received inputs="
                             f"{inputs!r}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or
                                 len(mask) not in (2, 3)):
            raise ValueError(f"{name} layer mask must be a list of length 2, namely "
                             f"[query_mask, value_mask]; received mask={mask!r}")

    def __call__(self, inputs=None, *args, **kwargs):
        inputs = kwargs.pop("inputs", None) if inputs is None else inputs
        self._validate(inputs)
        if kwargs.get("mask") is None:
            masks = [_mask_of(t) for t in inputs]
            if any(m is not None for m in masks):
                kwargs["mask"] = masks
        self._symbolic_scores = bool(kwargs.get("return_attention_scores", False))
        return super().__call__(list(inputs), *args, **kwargs)

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = self.add_weight("scale", (), "ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (), "ones") \
            if self.score_mode == "concat" else None

    def _scores(self, query, key):
        scale = None if self.scale is None else self.cast_weight(self.scale)
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -1, -2))
            return scores if scale is None else scores * scale
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)  # [B, Tq, Tv, dim]
        if scale is not None:
            summed = summed * scale
        return self.cast_weight(self.concat_score_weight) * ops.sum(ops.tanh(summed), axis=-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._scores(q, k)  # [B, Tq, Tv]
        keep = None
        if v_mask is not None:
            keep = ops.expand_dims(ops.cast(v_mask, "bool"), -2)  # [B, 1, Tv]
        if use_causal_mask:
            causal = ops.tril(ops.ones((1,) + scores.shape[-2:], dtype="bool"))
            keep = causal if keep is None else ops.logical_and(keep, causal)
        if keep is not None:
            big = 65504.0 if str(scores.dtype) == "float16" else 1.0e9
            scores = scores - big * (1.0 - ops.cast(keep, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        dropped = ops.dropout(weights, self.dropout, training=bool(training)) \
            if self.dropout else weights
        out = ops.matmul(dropped, v)
        if q_mask is not None:
            out = out * ops.expand_dims(ops.cast(q_mask, out.dtype), -1)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        self._validate(input_shape)
        q, v = tuple(input_shape[0]), tuple(input_shape[1])
        out = q[:-1] + (v[-1],)
        k = tuple(input_shape[2]) if len(input_shape) > 2 else v
        return (out, q[:-1] + (k[-2],)) if self._symbolic_scores else out

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: scores = sum(scale * tanh(query + key), -1)."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate(input_shape)
        dim = input_shape[0][-1]
        self.scale = self.add_weight("scale", (dim,), "glorot_uniform") \
            if self.use_scale else None
        self.concat_score_weight = None

    def _scores(self, query, key):
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = summed * self.cast_weight(self.scale)
        return ops.sum(summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode")
        return config
