"""``IndexLookup``, the base of ``StringLookup`` and ``IntegerLookup``: map tokens to vocabulary
indices (or back, with ``invert=True``), with Keras 3 semantics.

Index layout (as Keras): ``[mask_token]`` (only when ``mask_token`` is set and
``output_mode="int"``), then ``num_oov_indices`` OOV slots, then the vocabulary. ``adapt(data)``
builds the vocabulary sorted by count (most frequent first), ties broken by token, highest
first. The vocabulary and IDF weights live in ``get_config()``, so a saved model reloads them
from its JSON config without pickle.

Lookups run on the host (see ``_categorical_utils``); integer results come back as int64
Tensors, encodings (``one_hot``, ``multi_hot``, ``count``, ``tf_idf``) as float32 Tensors.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from ...layer import Layer
from . import _categorical_utils as U

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(Layer):
    """Shared machinery of ``StringLookup`` and ``IntegerLookup`` (not exported)."""

    _single_input = True
    _kind = "token"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, has_input_vocabulary=None, **kwargs):
        kwargs.pop("dtype", None)  # outputs are int64 / float32 whatever the policy says
        kwargs.pop("vocabulary_size", None)  # Keras configs carry it; derived here
        name = type(self).__name__
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        U.check_output_mode(name, output_mode, OUTPUT_MODES)
        if max_tokens is not None:
            if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, np.integer)) \
                    or max_tokens <= 1:
                raise ValueError(f"{name}: max_tokens must be None or an int greater than 1; "
                                 f"received max_tokens={max_tokens!r}")
            max_tokens = int(max_tokens)
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{name}: pad_to_max_tokens=True needs max_tokens; received "
                             f"max_tokens=None")
        self.num_oov_indices = U.positive_int(name, "num_oov_indices", num_oov_indices,
                                              minimum=0)
        if invert and output_mode != "int":
            raise ValueError(f'{name}: invert=True needs output_mode="int"; received '
                             f"output_mode={output_mode!r}")
        U.refuse_sparse(name, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f'{name}: idf_weights is only used with output_mode="tf_idf"; '
                             f"received output_mode={output_mode!r}")
        self.max_tokens = max_tokens
        self.mask_token = self._check_special(mask_token, "mask_token")
        self.oov_token = self._check_special(oov_token, "oov_token")
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = False
        self._has_input_vocabulary = vocabulary is not None if has_input_vocabulary is None \
            else bool(has_input_vocabulary)
        self._tokens = None  # learned tokens, without the special ones
        self._index = {}
        self._idf = None  # float32, one weight per output slot (tf_idf only)
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f'{name}: with output_mode="tf_idf" and a vocabulary, give '
                             f"idf_weights too; received idf_weights=None")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- per-class hooks ---------------------------------------------------------------------
    def _check_special(self, token, arg):
        return token

    def _tokens_from(self, arr, what):
        """A list of Python tokens (str or int) from a host array; refuses the wrong type."""
        raise NotImplementedError

    def _oov_bucket(self, token):
        raise NotImplementedError

    # ---- layout ------------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """Size of the vocabulary, mask and OOV slots included."""
        return self._token_start_index() + (len(self._tokens) if self._tokens else 0)

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with special tokens, a token's position is its index."""
        tokens = list(self._tokens or [])
        if not include_special_tokens:
            return tokens
        return [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices + tokens

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    # ---- vocabulary --------------------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list / array of tokens, or the path of a text file with one
        token a line) and, for ``output_mode="tf_idf"``, the IDF weights (same length)."""
        name = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f'{name}.set_vocabulary: output_mode="tf_idf" needs idf_weights; '
                             f"received idf_weights=None")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f'{name}.set_vocabulary: idf_weights is only used with '
                             f'output_mode="tf_idf"; received output_mode='
                             f"{self.output_mode!r}")
        if isinstance(vocabulary, str):
            try:
                with open(vocabulary, encoding="utf-8") as f:
                    lines = f.read().splitlines()
            except OSError as e:
                raise ValueError(f"{name}.set_vocabulary: cannot read the vocabulary file "
                                 f"{vocabulary!r}: {e}") from None
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = self._parse_file_lines(lines)
        arr, _ = U.host(vocabulary, self, "vocabulary")
        if arr.ndim != 1:
            raise ValueError(f"{name}.set_vocabulary: the vocabulary must be 1-D; received "
                             f"shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"{name}.set_vocabulary: cannot set an empty vocabulary")
        vocab = self._tokens_from(arr, "vocabulary")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = len(vocab) >= start and vocab[:start] == special
        tokens = vocab[start:] if found_special else vocab
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{name}.set_vocabulary: the vocabulary repeats {repeated}; "
                             f"every token must appear once")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"{name}.set_vocabulary: the mask token {self.mask_token!r} is at "
                             f"position {vocab.index(self.mask_token)}; leave special tokens "
                             f"out of the vocabulary, or put them first in this order: "
                             f"{special}")
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(f"{name}.set_vocabulary: the OOV token {self.oov_token!r} is at "
                             f"position {vocab.index(self.oov_token)}; leave special tokens "
                             f"out of the vocabulary, or put them first in this order: "
                             f"{special}")
        size = start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{name}.set_vocabulary: the vocabulary has {size} entries "
                             f"(special tokens included) but max_tokens is {self.max_tokens}")
        idf = None
        if idf_weights is not None:
            w, _ = U.host(idf_weights, self, "idf_weights")
            w = np.asarray(w, dtype=np.float64)
            if w.ndim != 1 or len(w) != len(vocab):
                raise ValueError(f"{name}.set_vocabulary: idf_weights must be 1-D with one "
                                 f"weight per vocabulary entry ({len(vocab)}); received shape "
                                 f"{w.shape}")
            if not found_special:
                w = np.concatenate([np.full(start, w.mean() if len(w) else 0.0), w])
            idf = self._pad_idf(w)
        self._set_tokens(tokens)
        self._idf = idf
        self.input_vocabulary = list(vocab)
        self.input_idf_weights = None if idf_weights is None else \
            np.asarray(idf_weights, dtype=np.float64).tolist()

    def _parse_file_lines(self, lines):
        return lines

    def _pad_idf(self, w):
        if self.pad_to_max_tokens and self.max_tokens is not None and len(w) < self.max_tokens:
            w = np.concatenate([w, np.zeros(self.max_tokens - len(w))])
        return np.asarray(w, dtype=np.float32)

    def _set_tokens(self, tokens):
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        if self.invert:
            self._inverse = self.get_vocabulary()

    # ---- adapt -------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data`` (an array / list of tokens, or an iterable of
        batches): tokens by count, most frequent first, ties broken by token (highest first),
        cut to ``max_tokens``. With ``output_mode="tf_idf"`` each row is a document and IDF
        weights ``log(1 + num_documents / (1 + document_count))`` are learned too."""
        state = self._new_state()
        for batch, single in U.batches(data, steps):
            arr, _ = U.host(batch, self, "adapt data")
            if arr.ndim == 0:
                arr = arr.reshape(1, 1)
            elif arr.ndim == 1:
                arr = arr.reshape(-1, 1) if single else arr.reshape(1, -1)
            self._update_state(state, arr)
        self._finalize_state(state)

    def _new_state(self):
        if self._has_input_vocabulary:
            raise ValueError(f"{type(self).__name__}.adapt: this layer was given a fixed "
                             f"vocabulary (the vocabulary argument or set_vocabulary); adapt() "
                             f"cannot change it")
        return {"counts": collections.Counter(), "docs": collections.Counter(), "n_docs": 0}

    def _update_state(self, state, arr):
        rows = arr.reshape(arr.shape[0], -1)
        tokens = self._tokens_from(rows.reshape(-1), "adapt data")
        width = rows.shape[1]
        self._update_rows(state, [tokens[r * width:(r + 1) * width]
                                  for r in range(rows.shape[0])])

    def _update_rows(self, state, rows):
        """Count the tokens of ``rows`` (lists of tokens; each row is one document)."""
        for row in rows:
            state["counts"].update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                state["docs"].update(set(row))
            state["n_docs"] += len(rows)

    def _finalize_state(self, state):
        counts = state["counts"]
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        if not counts:
            raise ValueError(f"{type(self).__name__}.adapt: received no tokens (after removing "
                             f"the mask and OOV tokens)")
        ordered = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens is not None:
            ordered = ordered[:max(self.max_tokens - self._token_start_index(), 0)]
        tokens = [t for t, _ in ordered]
        if self.output_mode == "tf_idf":
            n = state["n_docs"]
            w = np.array([math.log(1.0 + n / (1.0 + state["docs"][t])) for t in tokens])
            w32 = w.astype(np.float32)
            front = np.full(self._token_start_index(), w32.mean() if len(w32) else 0.0)
            self._idf = self._pad_idf(np.concatenate([front, w32]))
        self._set_tokens(tokens)
        self.input_vocabulary = None
        self.input_idf_weights = None

    # ---- call --------------------------------------------------------------------------------
    def _require_vocabulary(self):
        if self._tokens is None:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) has no vocabulary '
                             f"yet: pass vocabulary=... to the constructor, call "
                             f"set_vocabulary(...), or call adapt(data) before calling it")

    def call(self, inputs):
        self._require_vocabulary()
        arr, device = U.host(inputs, self)
        if self.invert:
            return self._invert(arr, device)
        indices = self._lookup(arr)
        if self.output_mode == "int":
            return U.to_device(indices, device)
        out = U.encode_categorical(indices, "count" if self.output_mode == "tf_idf"
                                   else self.output_mode, self._depth(), self)
        if self.output_mode == "tf_idf":
            out = out * self._idf[:out.shape[-1]]
        return U.to_device(out.astype(np.float32), device)

    def _lookup(self, arr):
        flat = self._tokens_from(arr.reshape(-1), "inputs")
        get = self._index.get
        out = np.fromiter((get(t, -1) for t in flat), dtype=np.int64, count=len(flat))
        missing = out < 0
        if self.mask_token is not None:
            is_mask = np.fromiter((t == self.mask_token for t in flat), dtype=bool,
                                  count=len(flat))
            missing &= ~is_mask
        if missing.any():
            miss = [flat[i] for i in np.flatnonzero(missing)]
            if self.num_oov_indices == 0:
                raise ValueError(f'layer "{self.name}" ({type(self).__name__}): with '
                                 f"num_oov_indices=0 every input must be in the vocabulary; "
                                 f"received out-of-vocabulary {self._kind}s "
                                 f"{sorted(set(miss), key=str)[:10]}")
            start = self._oov_start_index()
            if self.num_oov_indices == 1:
                out[missing] = start
            else:
                out[missing] = [start + self._oov_bucket(t) for t in miss]
        if self.mask_token is not None:
            # the mask is index 0 in "int" mode and dropped from every encoding
            out[is_mask] = 0 if self.output_mode == "int" else -1
        return out.reshape(arr.shape)

    def _invert(self, arr, device):
        if arr.dtype.kind not in "iu":
            raise TypeError(f'layer "{self.name}" ({type(self).__name__}) with invert=True '
                            f"expected integer indices; received an array of dtype {arr.dtype}")
        vocab = self._inverse
        flat = arr.reshape(-1)
        size = len(vocab)
        start = self._token_start_index()
        out = [vocab[i] if start <= i < size else
               (self.mask_token if i == 0 and self._oov_start_index() else self.oov_token)
               for i in flat.tolist()]
        return self._inverted_output(out, arr.shape, device)

    def _inverted_output(self, values, shape, device):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return U.encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self):
        vocab = None if self._tokens is None else self.get_vocabulary()
        idf = None
        if self._idf is not None and vocab is not None:
            idf = [float(v) for v in self._idf[:len(vocab)]]
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "mask_token": self.mask_token,
                "oov_token": self.oov_token, "vocabulary": _jsonable(vocab),
                "idf_weights": idf, "invert": self.invert, "output_mode": self.output_mode,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": False,
                "has_input_vocabulary": self._has_input_vocabulary}


def _jsonable(vocab):
    if vocab is None:
        return None
    return [int(t) if isinstance(t, (int, np.integer)) else t for t in vocab]
