"""``TextVectorization``: strings to token indices or bag-of-words vectors (Keras 3 semantics).

Each example goes through: standardize (lowercase and / or strip punctuation) -> split (on
whitespace or into characters) -> ngrams -> vocabulary lookup (an inner ``StringLookup`` with
mask token ``""`` and OOV token ``"[UNK]"``) -> output (int sequences padded with 0, or
multi_hot / count / tf_idf vectors). Text is host data; results are cuflow Tensors on the
current device. The vocabulary (and IDF weights) are in ``get_config()``, so a saved model
reloads them from its JSON config.
"""

from __future__ import annotations

import re
import string

import numpy as np

from ...layer import Layer
from ..categorical import _categorical_utils as U
from ..categorical.index_lookup import OUTPUT_MODES
from ..categorical.string_lookup import StringLookup

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
# tf.strings.lower (which Keras calls) lowercases ASCII letters only
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Keras's regex: exactly the ASCII punctuation characters of string.punctuation
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
_WHITESPACE = re.compile("[ \t\n\v\f\r]+")


def _callable_config(fn, arg):
    """A JSON entry for a standardize / split callable: registered functions only."""
    if fn is None or isinstance(fn, str):
        return fn
    from .... import registration as registry

    if not registry.is_registered(fn):
        raise ValueError(f"TextVectorization: {arg}={fn!r} is a callable that model files cannot "
                         f"name; decorate it with @cuflow.saving.register_serializable() so "
                         f"get_config / save can refer to it by name")
    return {"registered_name": registry.get_registered_name(fn)}


def _callable_from_config(entry, arg):
    if isinstance(entry, dict):
        from .... import registration as registry

        name = entry.get("registered_name")
        fn = registry.get_registered_object(name)
        if fn is None:
            raise ValueError(f"TextVectorization: the config names {arg} function {name!r}, "
                             f"which is not registered; register it with "
                             f"@cuflow.saving.register_serializable() before loading")
        return fn
    return entry


class TextVectorization(Layer):
    """Map text to integer sequences or dense bag-of-words vectors, as
    ``keras.layers.TextVectorization``.

    Args: ``max_tokens`` (vocabulary size including the padding and OOV tokens);
    ``standardize`` in {"lower_and_strip_punctuation", "lower", "strip_punctuation", None} or a
    callable (it receives a NumPy object array of str and returns one of the same shape);
    ``split`` in {"whitespace", "character", None} or a callable (it receives a 1-D object array
    of str and returns one list of tokens per string); ``ngrams`` (None, an int n for 1..n-grams,
    or a tuple of widths); ``output_mode`` in {"int", "one_hot", "multi_hot", "count",
    "tf_idf"}; ``output_sequence_length`` (int mode: pad with 0 / truncate to this length;
    None pads to the longest example of the batch); ``pad_to_max_tokens``; ``vocabulary`` /
    ``idf_weights``; ``encoding``. ``sparse=True`` and ``ragged=True`` are refused (outputs are
    dense Tensors).

    Lowercasing touches ASCII letters only and splitting on whitespace uses the ASCII
    whitespace characters, as TensorFlow's string ops (which Keras uses) do.
    """

    _single_input = True

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", **kwargs):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        standardize = _callable_from_config(standardize, "standardize")
        split = _callable_from_config(split, "split")
        if not (standardize is None or callable(standardize) or standardize in STANDARDIZE):
            raise ValueError(f"TextVectorization: standardize must be one of {STANDARDIZE}, "
                             f"None or a callable; received {standardize!r}")
        if not (split is None or callable(split) or split in SPLIT):
            raise ValueError(f"TextVectorization: split must be one of {SPLIT}, None or a "
                             f"callable; received {split!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        U.check_output_mode("TextVectorization", output_mode, OUTPUT_MODES)
        U.refuse_sparse("TextVectorization", sparse, ragged)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if ngrams is None:
            widths = None
        elif isinstance(ngrams, (int, np.integer)) and not isinstance(ngrams, bool) and \
                ngrams >= 1:
            ngrams = int(ngrams)
            widths = tuple(range(1, ngrams + 1))
        elif isinstance(ngrams, tuple) and ngrams and all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                for n in ngrams):
            ngrams = tuple(int(n) for n in ngrams)
            widths = ngrams
        else:
            raise ValueError(f"TextVectorization: ngrams must be None, an int >= 1 or a tuple of "
                             f"ints >= 1; received ngrams={ngrams!r}")
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(f'TextVectorization: output_sequence_length is only used with '
                                 f'output_mode="int"; received output_mode={output_mode!r} and '
                                 f"output_sequence_length={output_sequence_length!r}")
            output_sequence_length = U.positive_int("TextVectorization",
                                                    "output_sequence_length",
                                                    output_sequence_length)
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = widths
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding or "utf-8"
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=self._encoding, has_input_vocabulary=has_input_vocabulary,
            name=f"{self.name}_lookup")

    # properties as Keras exposes them
    @property
    def output_mode(self):
        return self._output_mode

    @property
    def max_tokens(self):
        return self._lookup_layer.max_tokens

    # ---- vocabulary --------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with special tokens (``""`` for padding in int mode, ``"[UNK]"``) a
        token's position is its index."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from text ``data`` (a list / array of strings, one example
        each, or an iterable of such batches): tokens by count, most frequent first, ties
        broken by token (highest first), cut to ``max_tokens``."""
        lookup = self._lookup_layer
        state = lookup._new_state()
        for batch, _ in U.batches(data, steps):
            arr, _ = U.host(batch, self, "adapt data")
            if arr.ndim == 0:
                arr = arr.reshape(1)
            rows = self._preprocess(arr, "adapt data")
            if not isinstance(rows, list):  # split=None: each string is one token
                rows = [list(r) for r in rows.reshape(rows.shape[0], -1)] if rows.ndim else \
                    [[rows.item()]]
            lookup._update_rows(state, rows)
        lookup._finalize_state(state)

    # ---- text processing ---------------------------------------------------------------------
    def _preprocess(self, arr, what="inputs"):
        """Standardized, split, n-grammed text: a list of token lists when splitting, else an
        object array of str (the input's shape)."""
        if not U.is_string_array(arr):
            raise TypeError(f'layer "{self.name}" (TextVectorization) expected string {what} '
                            f"(str / bytes, as a NumPy array or list); received an array of "
                            f"dtype {arr.dtype}")
        text = U.string_array(arr, self, self._encoding)
        std = self._standardize
        if std in ("lower", "lower_and_strip_punctuation"):
            text = _vmap(lambda s: s.translate(_ASCII_LOWER), text)
        if std in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _vmap(lambda s: _PUNCTUATION.sub("", s), text)
        if callable(std):
            out = std(text)
            out, _ = U.host(out, self, "standardize output")
            if out.shape != text.shape:
                raise ValueError(f'layer "{self.name}" (TextVectorization): the standardize '
                                 f"callable must keep the shape {text.shape}; it returned "
                                 f"shape {out.shape}")
            text = U.string_array(out, self, self._encoding)
        if self._split is None:
            if self._ngrams is None:
                return text
            if text.ndim == 0:
                text = text.reshape(1)
            lead = text.shape[:-1]
            rows = [self._ngram(list(r)) for r in text.reshape(-1, text.shape[-1])]
            out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
            for i, r in enumerate(rows):
                out[i, :] = r
            return out.reshape(lead + (out.shape[-1],))
        if text.ndim == 0:
            text = text.reshape(1)
        elif text.ndim > 1:
            if text.shape[-1] != 1 or text.ndim > 2:
                raise ValueError(f'layer "{self.name}" (TextVectorization) splits strings, so '
                                 f"its input must have shape (batch,) or (batch, 1); received "
                                 f"shape {arr.shape}")
            text = text[:, 0]
        if self._split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in text.tolist()]
        elif self._split == "character":
            rows = [list(s) for s in text.tolist()]
        else:
            out = self._split(text)
            if isinstance(out, np.ndarray):
                out = out.tolist()
            if len(out) != len(text):
                raise ValueError(f'layer "{self.name}" (TextVectorization): the split callable '
                                 f"must return one list of tokens per string ({len(text)}); it "
                                 f"returned {len(out)}")
            rows = [[U.to_text(t, self._encoding) for t in r] for r in out]
        if self._ngrams is not None:
            rows = [self._ngram(r) for r in rows]
        return rows

    def _ngram(self, tokens):
        out = []
        for n in self._ngrams:
            out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return out

    # ---- call --------------------------------------------------------------------------------
    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._require_vocabulary()
        arr, _ = U.host(inputs, self)
        rows = self._preprocess(arr)
        if not isinstance(rows, list):  # no split: the lookup of a dense array of tokens
            out = lookup.call(rows if rows.ndim else rows.reshape(1))
            if self._output_mode == "int" and self._output_sequence_length is not None:
                idx = out.numpy()
                return U.to_device(self._fit_length(idx), None)
            return out
        lengths = [len(r) for r in rows]
        flat = np.empty(sum(lengths), dtype=object)
        flat[:] = [t for r in rows for t in r]
        width = max(lengths, default=0)
        if self._output_mode == "int":
            idx = lookup._lookup(flat) if flat.size else np.zeros(0, dtype=np.int64)
            out = np.zeros((len(rows), width), dtype=np.int64)  # 0 pads: the mask index
        else:
            idx = lookup._lookup(flat) if flat.size else np.zeros(0, dtype=np.int64)
            out = np.full((len(rows), width), -1, dtype=np.int64)  # -1 is dropped below
        pos = 0
        for i, n in enumerate(lengths):
            out[i, :n] = idx[pos:pos + n]
            pos += n
        if self._output_mode == "int":
            if self._output_sequence_length is not None:
                out = self._fit_length(out)
            return U.to_device(out, None)
        enc = U.encode_categorical(out, "count" if self._output_mode == "tf_idf"
                                   else self._output_mode, lookup._depth(), self)
        if self._output_mode == "tf_idf":
            enc = enc * lookup._idf[:enc.shape[-1]]
        return U.to_device(enc.astype(np.float32), None)

    def _fit_length(self, idx):
        n = self._output_sequence_length
        idx = idx[..., :n]
        if idx.shape[-1] < n:
            pad = [(0, 0)] * (idx.ndim - 1) + [(0, n - idx.shape[-1])]
            idx = np.pad(idx, pad)
        return idx

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        batch = input_shape[0] if input_shape else None
        if self._output_mode == "int":
            if self._split is None and self._ngrams is None and \
                    self._output_sequence_length is None:
                return input_shape
            return (batch, self._output_sequence_length)
        depth = self._lookup_layer._depth()
        if self._output_mode == "one_hot":
            return (batch, None, depth)
        return (batch, depth)

    def get_config(self):
        lookup = self._lookup_layer
        vocab = None if lookup._tokens is None else lookup.get_vocabulary()
        idf = None
        if lookup._idf is not None and vocab is not None:
            idf = [float(v) for v in lookup._idf[:len(vocab)]]
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": _callable_config(self._standardize, "standardize"),
                "split": _callable_config(self._split, "split"),
                "ngrams": list(self._ngrams_arg) if isinstance(self._ngrams_arg, tuple)
                else self._ngrams_arg,
                "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False, "ragged": False,
                "vocabulary": vocab, "idf_weights": idf, "encoding": self._encoding,
                "has_input_vocabulary": lookup._has_input_vocabulary}


def _vmap(fn, arr):
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [fn(s) for s in arr.reshape(-1).tolist()]
    return out
