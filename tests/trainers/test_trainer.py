"""compile / fit / evaluate / predict behaviour, bad-input errors, and custom train_step /
test_step as Keras guides write them (Keras 3 style)."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
import cuflow as keras
from cuflow import layers, metrics
from cuflow.layers import Dense, Dropout, Input
from cuflow.models import Model, Sequential

from ._data import blobs, mlp
from ._data import two_class as data


def test_article_program_runs_and_learns(device):
    with cf.device(device):
        cf.utils.set_random_seed(1)
        x, labels = blobs(n=512, d=100, k=10)
        y = np.eye(10)[labels]
        model = Sequential()
        model.add(Dense(64, input_dim=100, activation="relu"))
        model.add(Dense(32, activation="relu"))
        model.add(Dense(10, activation="softmax"))
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        hist = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert list(hist.history) == ["accuracy", "loss"]  # Keras 3: logs sorted by name
    assert len(hist.history["loss"]) == 10
    assert hist.history["accuracy"][-1] > 0.9
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_fit_validation_and_history_keys():
    x, y = blobs()
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.2, verbose=0)
    assert set(h.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert h.epoch == [0, 1, 2]
    h2 = model.fit(x, y, epochs=1, validation_data=(x[:50], y[:50]), verbose=0)
    assert "val_loss" in h2.history


def test_evaluate_matches_manual_loss_and_accuracy():
    x, y = blobs(n=100)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, batch_size=17, verbose=0)
    p = model.predict(x, batch_size=33, verbose=0).astype(np.float64)
    want_loss = -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1)))
    np.testing.assert_allclose(loss, want_loss, rtol=1e-4)
    np.testing.assert_allclose(acc, np.mean(p.argmax(1) == y), rtol=1e-6)
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(d) == {"loss", "accuracy"}


def test_last_partial_batch_and_sample_weight_zero_ignores_samples():
    x, y = blobs(n=50)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    sw = np.ones(50, dtype="float32")
    sw[-10:] = 0.0
    full = model.evaluate(x[:40], y[:40], verbose=0, batch_size=40)
    weighted = model.evaluate(x, y, sample_weight=sw, batch_size=50, verbose=0)
    # sum_over_batch_size: weighted sum divided by all 50 samples
    np.testing.assert_allclose(weighted, full * 40 / 50, rtol=1e-5)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # 16+16+16+2


def test_train_on_batch_and_test_on_batch():
    x, y = blobs(n=32)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    first = model.train_on_batch(x, y)
    assert isinstance(first, list) and len(first) == 2
    for _ in range(30):
        last = model.train_on_batch(x, y, return_dict=True)
    assert last["loss"] < first[0]
    assert isinstance(model.test_on_batch(x, y, return_dict=True)["accuracy"], float)
    assert model.predict_on_batch(x).shape == (32, 3)


def test_multi_output_losses_and_weights():
    a = Input(shape=(4,), name="in")
    h = Dense(8, activation="relu")(a)
    o1 = Dense(2, name="cls", activation="softmax")(h)
    o2 = Dense(1, name="reg")(h)
    model = Model(a, [o1, o2])
    model.compile(optimizer="adam", loss={"cls": "sparse_categorical_crossentropy",
                                          "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"]})
    x = np.random.rand(40, 4).astype("float32")
    h = model.fit(x, {"cls": (x[:, 0] > 0.5).astype(int), "reg": x[:, :1]}, epochs=2,
                  verbose=0)
    assert {"loss", "cls_loss", "reg_loss", "cls_accuracy"} <= set(h.history)
    total = h.history["loss"][-1]
    assert total > 0


def test_class_weight_changes_training():
    x, y = blobs(n=60, k=2)
    cf.utils.set_random_seed(3)
    m1 = mlp(k=2)
    m1.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    w0 = m1.get_weights()
    m1.fit(x, y, epochs=1, shuffle=False, verbose=0)
    m2 = mlp(k=2)
    m2.set_weights(w0)
    m2.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    m2.fit(x, y, epochs=1, shuffle=False, class_weight={0: 1.0, 1: 5.0}, verbose=0)
    assert not np.allclose(m1.get_weights()[0], m2.get_weights()[0])


def test_same_seed_gives_identical_training():
    x, y = blobs()

    def run():
        cf.utils.set_random_seed(42)
        model = Sequential([Input(shape=(8,)), Dense(16, activation="relu"), Dropout(0.3),
                            Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=32, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


# ---- bad input ---------------------------------------------------------------------------

def test_fit_before_compile():
    model = mlp()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 8)), np.zeros(4))
    with pytest.raises(ValueError, match="compile"):
        model.evaluate(np.zeros((4, 8)), np.zeros(4))


def test_x_y_length_mismatch():
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="same number of samples.*10.*9"):
        model.fit(np.zeros((10, 8)), np.zeros(9), verbose=0)


def test_wrong_input_shape_names_layer_expected_and_received():
    model = Sequential([Dense(4, input_dim=100), Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"sequential.*\(None, 100\).*\(None, 99\)"):
        model.fit(np.zeros((32, 99)), np.zeros((32, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"expected last dimension 100.*\(3, 99\)"):
        model.layers[0](np.zeros((3, 99)))


@pytest.mark.parametrize("kind,value,match", [
    ("loss", "not_a_loss", "not_a_loss"),
    ("optimizer", "nadamw", "nadamw"),
])
def test_unknown_strings_list_valid_names(kind, value, match):
    model = mlp()
    kwargs = {"optimizer": "adam", "loss": "mse"}
    kwargs[kind] = value
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)


def test_unknown_metric_and_activation():
    with pytest.raises(ValueError, match="swoosh"):
        Dense(3, activation="swoosh")
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["nope"])
    with pytest.raises(ValueError, match="nope"):
        model.fit(np.zeros((4, 8)), np.zeros(4, dtype=int), verbose=0)


def test_sparse_label_out_of_range_leaves_weights_untouched():
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    with pytest.raises((ValueError, IndexError), match="7"):
        model.fit(np.zeros((4, 8), dtype="float32"), np.array([0, 1, 7, 2]), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_terminate_on_nan_stops_cleanly():
    x, y = blobs(n=64)
    x[5, 0] = np.nan
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h = model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[cf.callbacks.TerminateOnNaN()])
    assert len(h.history["loss"]) == 1


def test_string_metric_names_and_evaluate_order_follow_keras3():
    x, y = blobs(n=40)
    model = Sequential([Input(shape=(8,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mse", "mae"])
    h = model.fit(x, y.astype("float32"), epochs=1, verbose=0, validation_split=0.25)
    assert list(h.history) == ["loss", "mae", "mse", "val_loss", "val_mae", "val_mse"]
    loss, mse, mae = model.evaluate(x, y.astype("float32"), verbose=0)
    d = model.evaluate(x, y.astype("float32"), verbose=0, return_dict=True)
    assert (loss, mse, mae) == (d["loss"], d["mse"], d["mae"])
    np.testing.assert_allclose(mse, loss, rtol=1e-6)  # the loss is the mse


def test_keras3_style_custom_train_step_learns_and_logs():
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(6,))
    outputs = layers.Dense(2, activation="softmax")(layers.Dense(16, activation="relu")(inputs))
    model = CustomModel(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data()
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert set(hist.history) == {"accuracy", "loss"}
    assert hist.history["accuracy"][-1] > 0.85
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_own_trackers_in_overridden_metrics_are_reset_each_epoch():
    seen = []

    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)
            self.total = metrics.Sum(name="seen")

        def call(self, x):
            return self.d(x)

        @property
        def metrics(self):
            return [self.total]

        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                loss = keras.ops.mean((self(x) - y) ** 2)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.total.update_state(np.float32(len(x)))
            seen.append(float(self.total.result()))
            return {"seen": self.total.result(), "mse": loss}

    model = Tracked()
    model.compile(optimizer="sgd")
    x = np.ones((10, 2), dtype="float32")
    hist = model.fit(x, np.ones((10, 1), dtype="float32"), batch_size=5, epochs=2, verbose=0)
    assert seen == [5.0, 10.0, 5.0, 10.0]  # reset at the start of each epoch
    assert hist.history["seen"] == [10.0, 10.0]
    assert "mse" in hist.history


def test_builtin_steps_are_callable_with_keras_data_tuples():
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data(16)
    logs = model.train_step((keras.Tensor(x), keras.Tensor(y)))
    assert set(logs) == {"accuracy", "loss"}
    assert model.predict_step((keras.Tensor(x),)).shape == (16, 2)
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]


def test_jit_compile_is_readable_and_settable_as_keras(device):
    with cf.device(device):
        model = Sequential([Input((3,)), Dense(2)])
        on_gpu = device.startswith("gpu")
        assert model.jit_compile is on_gpu and model.run_eagerly is False  # before compile
        model.compile(optimizer="sgd", loss="mse", jit_compile=False)
        assert model.jit_compile is False
        model.compile(optimizer="sgd", loss="mse")  # "auto": graphs on a GPU only
        assert model.jit_compile is on_gpu
        model.jit_compile = True
        assert model.jit_compile is True
    with pytest.raises(ValueError, match="received 'xla'"):
        model.jit_compile = "xla"


def test_empty_data_zero_batch_size_and_an_empty_model_raise():
    # Keras refuses these too (with less clear errors); silently training on nothing would
    # report a loss of 0.0
    import numpy as np
    import pytest

    import cuflow
    from cuflow.layers import Dense, Input

    model = cuflow.models.Sequential([Input((3,)), Dense(2)])
    model.compile("adam", "mse")
    x, y = np.zeros((4, 3), np.float32), np.zeros((4, 2), np.float32)
    for call in (lambda: model.fit(x[:0], y[:0], verbose=0),
                 lambda: model.evaluate(x[:0], y[:0], verbose=0),
                 lambda: model.predict(x[:0], verbose=0)):
        with pytest.raises(ValueError, match=r"the input data holds 0 samples \(x of shape "
                                             r"\(0, 3\)\); expected at least one"):
            call()
    for bad in (0, -5):
        with pytest.raises(ValueError, match=f"batch_size must be a positive int; received "
                                             f"{bad}"):
            model.fit(x, y, batch_size=bad, verbose=0)
    with pytest.raises(ValueError, match="cannot be built because it has no layers. Call "
                                         "`model.add\\(layer\\)`"):
        cuflow.models.Sequential().predict(x, verbose=0)


def test_the_first_verbose_fit_says_where_it_trains_when_auto_chose(monkeypatch, capsys):
    import numpy as np

    import cuflow
    from cuflow.backend import selection
    from cuflow.layers import Dense, Input

    model = cuflow.models.Sequential([Input((3,)), Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((4, 3), np.float32), np.zeros((4, 1), np.float32)
    monkeypatch.setattr(selection, "_device_announced", False)
    monkeypatch.setattr(selection, "_chosen_by", "auto: no GPU here")
    model.fit(x, y, verbose=0)  # silent: the line waits for a fit that prints
    assert "training on" not in capsys.readouterr().out
    model.fit(x, y, verbose=2)
    model.fit(x, y, verbose=2)
    out = capsys.readouterr().out
    assert out.count("cuflow: training on cpu (auto: no GPU here)") == 1  # once per process
    monkeypatch.setattr(selection, "_device_announced", False)
    monkeypatch.setattr(selection, "_chosen_by", None)  # the user named the device: quiet
    model.fit(x, y, verbose=2)
    assert "training on" not in capsys.readouterr().out
