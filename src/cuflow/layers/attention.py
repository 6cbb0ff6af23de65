"""Attention layers with Keras 3 semantics: ``MultiHeadAttention``, ``Attention`` (Luong) and
``AdditiveAttention`` (Bahdanau), built from ``cuflow.ops`` (einsum, matmul, softmax).

Several tensors go in (query, value, key, attention mask). ``Layer.__call__`` and the functional
graph track only the first positional argument, so ``MultiHeadAttention.__call__`` packs them into
one dict: the graph then sees every input as a parent, a saved model replays the call with the
dict, and ``call(query, value, ...)`` keeps Keras' signature for direct use.
"""

from __future__ import annotations

import math
import string

from .. import constraints, initializers, ops, regularizers
from ..tensor import Tensor
from .base import Layer

_PACKED = ("query", "value", "key", "attention_mask")
_CALL_ORDER = ("query", "value", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
               "return_attention_scores", "training", "use_causal_mask")


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


class _Projection(Layer):
    """The EinsumDense sublayers of MultiHeadAttention: ``einsum(equation, x, kernel) + bias``."""

    def __init__(self, equation, kernel_shape, bias_shape, kernel_initializer, bias_initializer,
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.equation = equation
        self.kernel_shape, self.bias_shape = tuple(kernel_shape), bias_shape
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", self.kernel_shape, self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None if self.bias_shape is None else self.add_weight(
            "bias", self.bias_shape, self.bias_initializer, regularizer=self.bias_regularizer,
            constraint=self.bias_constraint)

    def call(self, inputs):
        out = ops.einsum(self.equation, inputs, self.cast_weight(self.kernel))
        if self.bias is not None:
            out = out + self.cast_weight(self.bias)
        return out


def _dim(owner, shape, what):
    if shape is None or len(shape) < 3 or shape[-1] is None:
        raise ValueError(f'layer "{owner.name}" (MultiHeadAttention) expects {what} of rank >= 3 '
                         f"with a known last dimension; received shape "
                         f"{None if shape is None else tuple(shape)}")
    return int(shape[-1])


class _ProjectedAttention(Layer):
    """What MultiHeadAttention and GroupQueryAttention share: the projections' initializer /
    regularizer / constraint arguments (stored, and serialized by ``_weight_config``) and the
    projection properties Keras exposes."""

    def _set_weight_args(self, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, seed):
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._symbolic_scores = False

    def _weight_config(self):
        return {"kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "seed": self.seed}

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = ops.expand_dims(ops.cast(query_mask, "bool"), -1)  # [B, T, 1]
        for m in (value_mask, key_mask):
            if m is not None:
                m = ops.expand_dims(ops.cast(m, "bool"), -2)  # [B, 1, S]
                auto = m if auto is None else ops.logical_and(auto, m)
        if use_causal_mask:
            t, s = query.shape[1], value.shape[1]
            causal = ops.tril(ops.ones((1, t, s), dtype="bool"))  # row >= column
            auto = causal if auto is None else ops.logical_and(auto, causal)
        if attention_mask is not None:
            attention_mask = ops.cast(attention_mask, "bool")
            return attention_mask if auto is None else ops.logical_and(attention_mask, auto)
        return auto


    # Keras exposes the projections under these names
    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense


class MultiHeadAttention(_ProjectedAttention):
    """Multi-head attention (Vaswani et al.), Keras 3 weights, masks and call signature."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, flash_attention=None, **kwargs):
        super().__init__(**kwargs)
        for name, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"MultiHeadAttention: {name} must be a positive int; received "
                                 f"{v!r}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(f"MultiHeadAttention: value_dim must be a positive int or None; "
                             f"received {value_dim!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1); received "
                             f"{dropout!r}")
        self.supports_masking = True
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self._value_dim_arg = value_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = None if output_shape is None else tuple(int(s) for s in output_shape)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._set_weight_args(kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, activity_regularizer, kernel_constraint,
                              bias_constraint, seed)

    # ---- calling: pack every tensor into the first argument ---------------------------------
    def __call__(self, *args, **kwargs):
        if len(args) > len(_CALL_ORDER):
            raise TypeError(f"MultiHeadAttention takes at most {len(_CALL_ORDER)} positional "
                            f"arguments; received {len(args)}")
        for name, value in zip(_CALL_ORDER, args):
            if name in kwargs:
                raise TypeError(f"MultiHeadAttention got two values for argument {name!r}")
            kwargs[name] = value
        query = kwargs.pop("query", kwargs.pop("inputs", None))
        if isinstance(query, dict):  # already packed: a functional model replaying the call
            packed = dict(query)
        else:
            packed = {k: v for k, v in (("query", query), ("value", kwargs.pop("value", None)),
                                        ("key", kwargs.pop("key", None)),
                                        ("attention_mask", kwargs.pop("attention_mask", None)))
                      if v is not None}
        if "query" not in packed or "value" not in packed:
            raise TypeError(f'layer "{self.name}" (MultiHeadAttention) needs query and value, '
                            f"e.g. mha(query, value); received {sorted(packed)}")
        for k in ("query", "value", "key"):  # Keras reads masks off the inputs themselves
            if kwargs.get(f"{k}_mask") is None and _mask_of(packed.get(k)) is not None:
                kwargs[f"{k}_mask"] = _mask_of(packed[k])
        self._symbolic_scores = bool(kwargs.get("return_attention_scores", False))
        out = super().__call__(packed, **kwargs)
        q_mask = kwargs.get("query_mask")
        if isinstance(q_mask, Tensor):  # the output keeps the query's mask, as Keras
            (out[0] if isinstance(out, tuple) else out)._keras_mask = q_mask
        return out

    # ---- build ------------------------------------------------------------------------------
    def _shapes(self, query_shape, value_shape=None, key_shape=None):
        if isinstance(query_shape, dict):
            d = query_shape
            return d["query"], d["value"], d.get("key") or d["value"]
        return query_shape, value_shape, key_shape or value_shape

    def build(self, query_shape, value_shape=None, key_shape=None):
        q_shape, v_shape, k_shape = self._shapes(query_shape, value_shape, key_shape)
        q_dim = _dim(self, q_shape, "a query")
        v_dim = _dim(self, v_shape, "a value")
        k_dim = _dim(self, k_shape, "a key")
        rank = len(q_shape)
        if len(v_shape) != rank or len(k_shape) != rank:
            raise ValueError(f'layer "{self.name}" (MultiHeadAttention): query, value and key '
                             f"need the same rank; received shapes {tuple(q_shape)}, "
                             f"{tuple(v_shape)}, {tuple(k_shape)}")
        axes = tuple(range(1, rank - 1)) if self.attention_axes is None else \
            tuple(a % rank for a in self.attention_axes)
        if not axes or any(a in (0, rank - 1) for a in axes):
            raise ValueError(f'layer "{self.name}" (MultiHeadAttention): attention_axes '
                             f"{self.attention_axes} must name axes between the batch and "
                             f"feature axes of a rank-{rank} input")
        self._axes = tuple(sorted(axes))
        self._build_equations(rank + 1)  # the projected rank: heads inserted before features
        out_shape = self._output_shape or (q_dim,)
        h, n, vd = self.key_dim, self.num_heads, self.value_dim
        bias = (lambda s: s) if self.use_bias else (lambda s: None)
        letters = string.ascii_letters[20:20 + len(out_shape)]  # output feature letters
        self._query_dense = self._projection("query", "...c,cde->...de", (q_dim, n, h),
                                             bias((n, h)))
        self._key_dense = self._projection("key", "...c,cde->...de", (k_dim, n, h), bias((n, h)))
        self._value_dense = self._projection("value", "...c,cde->...de", (v_dim, n, vd),
                                             bias((n, vd)))
        self._output_dense = self._projection(
            "attention_output", f"...de,de{letters}->...{letters}", (n, vd) + out_shape,
            bias(out_shape))
        for sub, shape in ((self._query_dense, q_shape), (self._key_dense, k_shape),
                           (self._value_dense, v_shape), (self._output_dense, None)):
            sub._maybe_build(shape)
        self.built = True

    build._marks_built = True  # takes several shapes; sets built itself (see Layer)

    def _projection(self, name, equation, kernel_shape, bias_shape):
        sub = _Projection(equation, kernel_shape, bias_shape, self.kernel_initializer,
                          self.bias_initializer, self.kernel_regularizer, self.bias_regularizer,
                          self.kernel_constraint, self.bias_constraint, name=name,
                          dtype=self.dtype_policy.name)
        sub.dtype, sub.compute_dtype = self.dtype, self.compute_dtype
        return sub

    def _build_equations(self, rank):
        """Keras' attention equations for projected rank ``rank`` and ``self._axes``."""
        letters = string.ascii_lowercase
        target = letters[:rank]
        batch = [i for i in range(rank) if i not in self._axes and i != rank - 1]
        source, nxt = "", rank
        for i in range(rank):
            if i in batch or i == rank - 1:
                source += target[i]
            else:
                source += letters[nxt]
                nxt += 1
        product = "".join([target[i] for i in batch] + [target[i] for i in self._axes] +
                          [source[i] for i in self._axes])
        self._dot_equation = f"{source},{target}->{product}"
        self._combine_equation = f"{product},{source}->{target}"
        self._scores_rank = len(product)

    # ---- the computation --------------------------------------------------------------------
    def call(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if isinstance(query, dict):
            d = query
            query, value = d["query"], d["value"]
            key, attention_mask = d.get("key"), d.get("attention_mask", attention_mask)
        if value is None:
            raise TypeError(f'layer "{self.name}" (MultiHeadAttention) needs a value tensor')
        key = value if key is None else key
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q = self._query_dense(query)  # [B, T, N, H]
        k = self._key_dense(key)  # [B, S, N, H]
        v = self._value_dense(value)  # [B, S, N, Hv]
        q = q * (1.0 / math.sqrt(float(self.key_dim)))
        scores = ops.einsum(self._dot_equation, k, q)  # [B, N, T, S]
        if mask is not None:
            # heads (and any extra axes) go in just before the query attention axes
            while mask.ndim < scores.ndim:
                mask = ops.expand_dims(mask, -len(self._axes) * 2 - 1)
        probs = _masked_softmax(scores, mask, len(self._axes))
        dropped = ops.dropout(probs, self.dropout, training=bool(training)) \
            if self.dropout else probs
        out = self._output_dense(ops.einsum(self._combine_equation, dropped, v))
        if self.activity_regularizer is not None:
            self._activity_losses.append(self.activity_regularizer(out))
        return (out, probs) if return_attention_scores else out

    # ---- shapes and config ------------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        q_shape, v_shape, _ = self._shapes(query_shape, value_shape, key_shape)
        q_shape, v_shape = tuple(q_shape), tuple(v_shape)
        out = q_shape[:-1] + (self._output_shape or (q_shape[-1],))
        if not self._symbolic_scores:
            return out
        rank = len(q_shape)
        axes = getattr(self, "_axes", tuple(range(1, rank - 1)))
        batch = tuple(q_shape[i] for i in range(rank - 1) if i not in axes)
        scores = batch + (self.num_heads,) + tuple(q_shape[a] for a in axes) + \
            tuple(v_shape[a] for a in axes)
        return (out, scores)

    def compute_mask(self, inputs, mask=None):
        return None  # set in __call__ from the query's mask (inputs arrive packed here)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": None if self._output_shape is None else list(self._output_shape),
                "attention_axes": None if self.attention_axes is None
                else list(self.attention_axes), **self._weight_config()}


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
