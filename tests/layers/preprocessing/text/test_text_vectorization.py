"""TextVectorization: the keras.io / Keras 3 docstring examples, standardize / split / ngrams
options, every output_mode, config round trips, errors, and a TextVectorization + Embedding +
Dense model that trains on strings and survives save / load (JSON config + .npz, no pickle)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.saving import register_serializable


def val(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def test_keras_example_adapt_and_pad():
    layer = L.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = layer([["foo qux bar"], ["qux baz"]])
    assert isinstance(out, cf.Tensor) and out.dtype == np.int64
    np.testing.assert_array_equal(val(out), [[4, 1, 3, 0], [1, 2, 0, 0]])


def test_keras_example_given_vocabulary():
    layer = L.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4,
                                vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert layer.vocabulary_size() == 6
    np.testing.assert_array_equal(val(layer(np.array(["Earth, wind & FIRE!!", "and"]))),
                                  [[2, 3, 5, 0], [4, 0, 0, 0]])


def test_standardize_options():
    text = np.array(["Hello, World! ÉTÉ"])
    cases = {
        # as tf.strings.lower (what Keras calls): ASCII letters only, so É stays
        "lower_and_strip_punctuation": ["hello", "world", "ÉtÉ"],
        "lower": ["hello,", "world!", "ÉtÉ"],
        "strip_punctuation": ["Hello", "World", "ÉTÉ"],
        None: ["Hello,", "World!", "ÉTÉ"],
    }
    for std, tokens in cases.items():
        layer = L.TextVectorization(standardize=std, vocabulary=tokens)
        np.testing.assert_array_equal(val(layer(text)), [[2, 3, 4]], err_msg=str(std))


def test_split_ngrams_and_sequence_length():
    chars = L.TextVectorization(split="character", standardize=None, vocabulary=list("abc"))
    np.testing.assert_array_equal(val(chars(["abca", "c"])), [[2, 3, 4, 2], [4, 0, 0, 0]])
    bigrams = L.TextVectorization(ngrams=2)
    bigrams.adapt(["a b c"])
    assert bigrams.get_vocabulary(include_special_tokens=False) == ["c", "b c", "b", "a b", "a"]
    only2 = L.TextVectorization(ngrams=(2,), vocabulary=["a b", "b c"])
    np.testing.assert_array_equal(val(only2(["a b c d"])), [[2, 3, 1]])
    trunc = L.TextVectorization(vocabulary=["x"], output_sequence_length=2)
    np.testing.assert_array_equal(val(trunc(["x y x x"])), [[2, 1]])
    whole = L.TextVectorization(split=None, standardize=None, vocabulary=["New York", "Paris"])
    np.testing.assert_array_equal(val(whole(np.array([["Paris"], ["New York"], ["Rome"]]))),
                                  [[3], [2], [1]])
    ws = L.TextVectorization(vocabulary=["a", "b"])
    np.testing.assert_array_equal(val(ws(["  a\t\nb  "])), [[2, 3]])


def test_encoding_output_modes():
    data = ["the cat sat", "the the dog"]
    mh = L.TextVectorization(output_mode="multi_hot", vocabulary=["the", "cat", "dog"])
    assert mh.get_vocabulary() == ["[UNK]", "the", "cat", "dog"]  # no padding slot
    np.testing.assert_array_equal(val(mh(data)), [[1, 1, 1, 0], [0, 1, 0, 1]])
    cnt = L.TextVectorization(output_mode="count", vocabulary=["the", "cat", "dog"])
    np.testing.assert_array_equal(val(cnt(data)), [[1, 1, 1, 0], [0, 2, 0, 1]])
    padded = L.TextVectorization(output_mode="count", max_tokens=6, pad_to_max_tokens=True,
                                 vocabulary=["the"])
    np.testing.assert_array_equal(val(padded(data)), [[2, 1, 0, 0, 0, 0], [1, 2, 0, 0, 0, 0]])
    assert padded.compute_output_shape((None,)) == (None, 6)
    tfidf = L.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(data)
    # documents: {the, cat, sat}, {the, dog}; counts the=3, then cat / dog / sat once each
    assert tfidf.get_vocabulary() == ["[UNK]", "the", "sat", "dog", "cat"]
    idf = np.log(1 + 2 / (1 + np.array([2, 1, 1, 1], dtype=np.float64))).astype(np.float32)
    np.testing.assert_allclose(val(tfidf(["the the cat zebra"])),
                               [[idf.mean(), 2 * idf[0], 0, 0, idf[3]]], rtol=1e-6)


@register_serializable(package="TextTests")
def _keep_digits(text):
    return np.vectorize(lambda s: "".join(c for c in s if c.isdigit() or c == ","),
                        otypes=[object])(text)


@register_serializable(package="TextTests")
def _split_commas(text):
    return [s.split(",") for s in text]


def test_callables_and_config_round_trip():
    layer = L.TextVectorization(standardize=_keep_digits, split=_split_commas,
                                vocabulary=["12", "3"], output_sequence_length=3)
    np.testing.assert_array_equal(val(layer(["a12,3b,x"])), [[2, 3, 0]])
    config = json.loads(json.dumps(layer.get_config()))  # the config is plain JSON
    clone = L.TextVectorization.from_config(config)
    assert clone._standardize is _keep_digits and clone._split is _split_commas
    np.testing.assert_array_equal(val(clone(["a12,3b,x"])), [[2, 3, 0]])
    adapted = L.TextVectorization(ngrams=[1, 2], output_mode="tf_idf", max_tokens=5)
    adapted.adapt(["a b", "b c", "c d"])
    clone = L.TextVectorization.from_config(json.loads(json.dumps(adapted.get_config())))
    assert clone.get_vocabulary() == adapted.get_vocabulary()
    np.testing.assert_allclose(val(clone(["a b c"])), val(adapted(["a b c"])))
    clone.adapt(["z z"])  # an adapted (not user-given) vocabulary stays adaptable
    assert clone.get_vocabulary(include_special_tokens=False) == ["z", "z z"]


def test_errors():
    with pytest.raises(ValueError, match="sparse=True is not supported.*received sparse=True"):
        L.TextVectorization(sparse=True)
    with pytest.raises(ValueError, match="ragged=True is not supported.*received ragged=True"):
        L.TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="output_mode must be one of .*received 'words'"):
        L.TextVectorization(output_mode="words")
    with pytest.raises(ValueError, match="standardize must be one of .*received 'upper'"):
        L.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split must be one of .*received 'comma'"):
        L.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="ngrams must be None, an int >= 1 .*received "
                                         "ngrams=0"):
        L.TextVectorization(ngrams=0)
    with pytest.raises(ValueError, match="output_sequence_length is only used with "
                                         "output_mode=\"int\""):
        L.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="has no vocabulary yet.*adapt"):
        L.TextVectorization()(["hello"])
    with pytest.raises(TypeError, match="expected string inputs .*received an array of dtype "
                                        "float32"):
        L.TextVectorization(vocabulary=["a"])(cf.Tensor(np.ones((2, 1), "float32")))
    with pytest.raises(ValueError, match=r"shape \(batch,\) or \(batch, 1\); received shape "
                                         r"\(1, 2\)"):
        L.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="register_serializable"):
        L.TextVectorization(standardize=lambda t: t, vocabulary=["a"]).get_config()
    with pytest.raises(ValueError, match="fixed vocabulary"):
        L.TextVectorization(vocabulary=["a"]).adapt(["a b"])


def _text_data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["good", "bad", "fine", "awful", "great", "poor", "ok"])
    texts = np.array([" ".join(rng.choice(words, 5)) for _ in range(n)])
    y = np.array([[sum(w in ("good", "fine", "great") for w in t.split()) >= 3]
                  for t in texts], dtype="float32")
    return texts, y


def test_model_with_text_vectorization_trains_saves_and_loads(tmp_path):
    texts, y = _text_data()
    tv = L.TextVectorization(max_tokens=12, output_sequence_length=6)
    tv.adapt(texts)
    inp = cf.Input(shape=(1,), dtype="string")
    x = tv(inp)
    x = L.Embedding(12, 4)(x)
    x = L.GlobalAveragePooling1D()(x)
    out = L.Dense(1, activation="sigmoid")(x)
    model = cf.Model(inp, out)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    model.fit(texts.reshape(-1, 1), y, epochs=2, batch_size=16, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    pred = model.predict(texts.reshape(-1, 1), verbose=0)
    path = tmp_path / "text_model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert not [n for n in names if n.endswith((".pkl", ".pickle"))]
        config = json.loads(z.read("config.json"))
    assert set(tv.get_vocabulary()) <= set(_strings(config))  # the vocabulary is in the JSON
    loaded = cf.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(texts.reshape(-1, 1), verbose=0), pred)
    vec = [layer for layer in loaded.layers if isinstance(layer, L.TextVectorization)][0]
    assert vec.get_vocabulary() == tv.get_vocabulary()


def _strings(obj):
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


def test_sequential_model_on_raw_strings(tmp_path):
    texts, y = _text_data(32, seed=1)
    model = cf.Sequential([
        L.TextVectorization(vocabulary=["good", "bad", "fine", "great"],
                            output_sequence_length=5),
        L.Embedding(6, 3), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(list(texts), y, epochs=1, batch_size=8, shuffle=True, verbose=0)
    pred = model.predict(texts, verbose=0)
    assert pred.shape == (32, 1)
    model.save(tmp_path / "seq.keras")
    loaded = cf.models.load_model(tmp_path / "seq.keras")
    np.testing.assert_array_equal(loaded.predict(texts, verbose=0), pred)
