"""``GroupQueryAttention`` (Ainslie et al., 2023) with Keras 3's weights, masks and call.

``num_key_value_heads`` key/value heads are repeated to the ``num_query_heads`` query heads
(1 group: multi-query attention; as many as query heads: multi-head attention). The
projections are EinsumDense-like sublayers named as Keras names them: ``query`` (``bqm,muh``),
``key`` and ``value`` (``bkm,mvh``), ``attention_output`` (``bquh,uhm``). As for
``MultiHeadAttention``, ``__call__`` packs query / value / key / attention_mask into one dict
so the functional graph sees every tensor as a parent.
"""

from __future__ import annotations

import math

from ... import ops
from ...tensor import Tensor
from .attention import _mask_of, _masked_softmax
from .multi_head_attention import _ProjectedAttention, _Projection

_CALL_ORDER = ("query", "value", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
               "return_attention_scores", "training", "use_causal_mask")


def _positive_int(name, v):
    if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"GroupQueryAttention: {name} must be a positive int; received {v!r}")


class GroupQueryAttention(_ProjectedAttention):
    """Grouped-query attention on (batch, seq, features) inputs, as Keras 3."""

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        for name, v in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                        ("num_key_value_heads", num_key_value_heads)):
            _positive_int(name, v)
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(f"GroupQueryAttention: `num_query_heads` must be divisible by "
                             f"`num_key_value_heads`; received num_query_heads="
                             f"{num_query_heads}, num_key_value_heads={num_key_value_heads}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"GroupQueryAttention: dropout must be in [0, 1); received "
                             f"{dropout!r}")
        if flash_attention and float(dropout) > 0.0:
            raise ValueError("GroupQueryAttention: dropout is not supported when flash "
                             "attention is enabled; set dropout to 0.0 to use flash attention")
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.flash_attention = flash_attention
        self._set_weight_args(kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, activity_regularizer, kernel_constraint,
                              bias_constraint, seed)

    # ---- calling: pack every tensor into the first argument ---------------------------------
    def __call__(self, *args, **kwargs):
        if len(args) > len(_CALL_ORDER):
            raise TypeError(f"GroupQueryAttention takes at most {len(_CALL_ORDER)} positional "
                            f"arguments; received {len(args)}")
        for name, value in zip(_CALL_ORDER, args):
            if name in kwargs:
                raise TypeError(f"GroupQueryAttention got two values for argument {name!r}")
            kwargs[name] = value
        query = kwargs.pop("query", kwargs.pop("inputs", None))
        if isinstance(query, dict):
            packed = dict(query)
        else:
            packed = {k: v for k, v in (("query", query), ("value", kwargs.pop("value", None)),
                                        ("key", kwargs.pop("key", None)),
                                        ("attention_mask", kwargs.pop("attention_mask", None)))
                      if v is not None}
        if "query" not in packed or "value" not in packed:
            raise TypeError(f'layer "{self.name}" (GroupQueryAttention) needs query and value, '
                            f"e.g. gqa(query, value); received {sorted(packed)}")
        for k in ("query", "value", "key"):
            if kwargs.get(f"{k}_mask") is None and _mask_of(packed.get(k)) is not None:
                kwargs[f"{k}_mask"] = _mask_of(packed[k])
        scores = bool(kwargs.get("return_attention_scores", False))
        if scores and self.flash_attention:
            raise ValueError("GroupQueryAttention: returning attention scores is not supported "
                             "when flash attention is enabled; disable flash attention to "
                             "access the attention scores")
        self._symbolic_scores = scores
        out = super().__call__(packed, **kwargs)
        q_mask = kwargs.get("query_mask")
        if isinstance(q_mask, Tensor):
            (out[0] if isinstance(out, tuple) else out)._keras_mask = q_mask
        return out

    # ---- build ------------------------------------------------------------------------------
    @staticmethod
    def _shapes(query_shape, value_shape=None, key_shape=None):
        if isinstance(query_shape, dict):
            d = query_shape
            return d["query"], d["value"], d.get("key") or d["value"]
        return query_shape, value_shape, key_shape or value_shape

    def _check(self, shape, what):
        if shape is None or len(shape) != 3 or shape[-1] is None:
            raise ValueError(f'layer "{self.name}" (GroupQueryAttention) expects {what} of shape '
                             f"(batch, seq, features) with known features; received shape "
                             f"{None if shape is None else tuple(shape)}")
        return int(shape[-1])

    def build(self, query_shape, value_shape=None, key_shape=None):
        q_shape, v_shape, k_shape = self._shapes(query_shape, value_shape, key_shape)
        m = self._check(q_shape, "a query")
        v_dim = self._check(v_shape, "a value")
        k_dim = self._check(k_shape, "a key")
        self.feature_dim = m
        u, v, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        bias = (lambda s: s) if self.use_bias else (lambda s: None)
        self._query_dense = self._projection("query", "...m,muh->...uh", (m, u, h), bias((u, h)))
        self._key_dense = self._projection("key", "...m,mvh->...vh", (k_dim, v, h), bias((v, h)))
        self._value_dense = self._projection("value", "...m,mvh->...vh", (v_dim, v, h),
                                             bias((v, h)))
        self._output_dense = self._projection("attention_output", "...uh,uhm->...m", (u, h, m),
                                              bias((m,)))
        for sub in (self._query_dense, self._key_dense, self._value_dense, self._output_dense):
            sub._maybe_build(None)
        self.built = True

    build._marks_built = True  # takes several shapes; sets built itself (see Layer)

    def _projection(self, name, equation, kernel_shape, bias_shape):
        sub = _Projection(equation, kernel_shape, bias_shape, self.kernel_initializer,
                          self.bias_initializer, self.kernel_regularizer, self.bias_regularizer,
                          self.kernel_constraint, self.bias_constraint, name=name,
                          dtype=self.dtype_policy.name)
        sub.dtype, sub.compute_dtype = self.dtype, self.compute_dtype
        return sub

    # ---- the computation --------------------------------------------------------------------
    def call(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if isinstance(query, dict):
            d = query
            query, value = d["query"], d["value"]
            key, attention_mask = d.get("key"), d.get("attention_mask", attention_mask)
        if value is None:
            raise TypeError(f'layer "{self.name}" (GroupQueryAttention) needs a value tensor')
        key = value if key is None else key
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q = self._query_dense(query)  # [B, T, U, H]
        k = ops.repeat(self._key_dense(key), self.num_repeats, axis=2)  # [B, S, U, H]
        v = ops.repeat(self._value_dense(value), self.num_repeats, axis=2)
        q = q * (1.0 / math.sqrt(float(self.head_dim)))
        scores = ops.einsum("bquh,bkuh->buqk", q, k)
        if mask is not None:
            while mask.ndim < scores.ndim:
                mask = ops.expand_dims(mask, -3)
        probs = _masked_softmax(scores, mask, 1)
        dropped = ops.dropout(probs, self.dropout, training=bool(training)) \
            if self.dropout else probs
        out = self._output_dense(ops.einsum("buqk,bkuh->bquh", dropped, v))
        if self.activity_regularizer is not None:
            self._activity_losses.append(self.activity_regularizer(out))
        return (out, probs) if return_attention_scores else out

    # ---- shapes and config ------------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        q_shape, v_shape, k_shape = self._shapes(query_shape, value_shape, key_shape)
        q_shape, v_shape, k_shape = tuple(q_shape), tuple(v_shape), tuple(k_shape)
        if q_shape[-1] != v_shape[-1]:
            raise ValueError(f"GroupQueryAttention: the last dimension of `query_shape` and "
                             f"`value_shape` must be equal, but are {q_shape[-1]}, "
                             f"{v_shape[-1]}; received query_shape={q_shape}, "
                             f"value_shape={v_shape}")
        if v_shape[1:-1] != k_shape[1:-1]:
            raise ValueError(f"GroupQueryAttention: all dimensions of `value` and `key`, except "
                             f"the last one, must be equal; received value_shape={v_shape} and "
                             f"key_shape={k_shape}")
        if not self._symbolic_scores:
            return q_shape
        return (q_shape, (q_shape[0], self.num_query_heads, q_shape[1], v_shape[1]))

    def compute_mask(self, inputs, mask=None):
        return None  # set in __call__ from the query's mask

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "dropout": self.dropout, "flash_attention": self.flash_attention,
                **self._weight_config()}


GroupedQueryAttention = GroupQueryAttention  # Keras' class name (exported as the layer above)
