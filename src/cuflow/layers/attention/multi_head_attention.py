"""``MultiHeadAttention`` with Keras 3 semantics, built from ``cuflow.ops`` (einsum, matmul,
softmax).

Several tensors go in (query, value, key, attention mask). ``Layer.__call__`` and the functional
graph track only the first positional argument, so ``MultiHeadAttention.__call__`` packs them into
one dict: the graph then sees every input as a parent, a saved model replays the call with the
dict, and ``call(query, value, ...)`` keeps Keras' signature for direct use.
"""

from __future__ import annotations

import math
import string

from ... import constraints, initializers, ops, regularizers
from ...tensor import Tensor
from ..layer import Layer
from .attention import _mask_of, _masked_softmax

_PACKED = ("query", "value", "key", "attention_mask")
_CALL_ORDER = ("query", "value", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
               "return_attention_scores", "training", "use_causal_mask")


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
