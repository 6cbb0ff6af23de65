"""clone_model: the same architecture with fresh weights, for Sequential and functional models,
with replaced inputs and a clone_function; subclassed models from their config (their own
get_config or their __init__ arguments), built like the original."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers, models, saving
from cuflow.models import Model

from ..saving._helpers import functional_model, predict, sequential_model

RNG = np.random.default_rng(7)
X_INT = RNG.integers(0, 10, size=(12, 6))
X_A = RNG.normal(size=(12, 4)).astype("float32")
X_B = RNG.normal(size=(12, 4)).astype("float32")


def test_clone_model_fresh_weights_same_architecture():
    seq = sequential_model()
    clone = models.clone_model(seq)
    assert [type(a) for a in seq.layers] == [type(b) for b in clone.layers]
    assert [w.shape for w in seq.weights] == [w.shape for w in clone.weights]
    assert all(a is not b for a, b in zip(seq.weights, clone.weights))
    assert not np.array_equal(seq.get_weights()[0], clone.get_weights()[0])
    clone.set_weights(seq.get_weights())
    np.testing.assert_array_equal(seq.predict(X_INT, verbose=0), clone.predict(X_INT,
                                                                              verbose=0))

    fn = functional_model()
    fclone = saving.clone_model(fn)
    assert fclone.input_names == fn.input_names and fclone.output_names == fn.output_names
    fclone.set_weights(fn.get_weights())
    for a, b in zip(predict(fn, [X_A, X_B]), predict(fclone, [X_A, X_B])):
        np.testing.assert_array_equal(a, b)

    seen = []
    new_inputs = [layers.Input((4,), name="na"), layers.Input((4,), name="nb")]
    models.clone_model(fn, input_tensors=new_inputs,
                       clone_function=lambda layer: seen.append(layer.name) or
                       type(layer).from_config(layer.get_config()))
    assert sorted(seen) == ["bn", "cat", "out1", "out2", "shared"]


def test_clone_keeps_input_layer_names_and_rejects_non_models():
    seq = models.Sequential([layers.Input((3,), name="feat"), layers.Dense(2, name="d")])
    clone = models.clone_model(seq)
    assert clone.input_names == ["feat"] and [la.name for la in clone.layers] == ["d"]
    assert clone.layers[0] is not seq.layers[0]
    with pytest.raises(TypeError, match="expected a cuflow Model"):
        models.clone_model(layers.Dense(2))


def test_subclassed_models_are_cloned_from_their_config_and_built_alike():
    class Plain(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(1)

        def call(self, x):
            return self.d(x)

    plain = Plain()
    plain(np.ones((2, 3), "float32"))
    clone = models.clone_model(plain)  # Keras's automatic config: no arguments to keep
    assert type(clone) is Plain and clone.built and clone.d.kernel.shape == (3, 1)
    assert clone.d.kernel is not plain.d.kernel
    with pytest.raises(ValueError, match="only supported for Sequential models or Functional"):
        models.clone_model(plain, clone_function=lambda layer: layer)

    class Holds(Model):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(NotImplementedError, match="override `get_config\\(\\)`"):
        models.clone_model(Holds(layers.Dense(1)))

    class WithConfig(Plain):
        def __init__(self, units=1, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return {"units": self.units}

    clone = models.clone_model(WithConfig(units=3))
    assert type(clone) is WithConfig and clone.units == 3
