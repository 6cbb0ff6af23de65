"""losses.lookup: ``get`` / ``serialize`` / ``deserialize`` of every loss class and function,
config round trips, names, and losses named in ``compile``."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, losses, models


def test_get():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    inst = losses.BinaryCrossentropy()
    assert losses.get(inst) is inst
    assert losses.get(None) is None

    def mine(y_true, y_pred):
        return y_pred

    assert losses.get(mine) is mine
    cfg = {"class_name": "Huber", "config": {"delta": 2.5, "reduction": "sum"}}
    h = losses.get(cfg)
    assert isinstance(h, losses.Huber) and h.get_config()["delta"] == 2.5
    assert h.reduction == "sum"
    with pytest.raises(ValueError, match=r"Unknown loss 'msee'; valid names: .*mse"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier 3"):
        losses.get(3)
    with pytest.raises(ValueError, match="Unknown loss 'Loss'"):
        losses.get("Loss")


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(), losses.MeanAbsoluteError(reduction="sum"),
    losses.MeanAbsolutePercentageError(), losses.MeanSquaredLogarithmicError(),
    losses.Huber(delta=0.3), losses.LogCosh(name="lc"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1),
    losses.CategoricalCrossentropy(label_smoothing=0.2),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
    losses.KLDivergence(), losses.Hinge(), losses.SquaredHinge(), losses.CategoricalHinge(),
    losses.CosineSimilarity(axis=1), losses.Poisson(dtype="float64"),
], ids=lambda x: type(x).__name__)
def test_config_roundtrip(loss):
    cfg = losses.serialize(loss)
    assert cfg["class_name"] == type(loss).__name__
    back = losses.deserialize(cfg)
    assert type(back) is type(loss) and back.get_config() == loss.get_config()
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()


def test_function_serialization_and_wrapper():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error
    assert losses.deserialize({"class_name": "function", "config": "mse"}) is losses.mse
    w = losses.LossFunctionWrapper(losses.huber, delta=2.0, reduction="sum")
    back = losses.deserialize(losses.serialize(w))
    assert back.fn is losses.huber and back.get_config() == w.get_config()
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.Huber().name == "huber_loss"


CLASSES = [
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0,
                                      "from_logits": True, "label_smoothing": 0.1, "axis": -1},
     "binary_focal_crossentropy"),
    (losses.CategoricalFocalCrossentropy, {"alpha": [0.2, 0.8], "gamma": 1.0,
                                           "from_logits": True, "label_smoothing": 0.05,
                                           "axis": -1}, "categorical_focal_crossentropy"),
    (losses.Dice, {"axis": (1, 2)}, "dice"),
    (losses.Tversky, {"alpha": 0.3, "beta": 0.7, "axis": None}, "tversky"),
    (losses.CTC, {}, "ctc"),
    (losses.Circle, {"gamma": 32.0, "margin": 0.2, "remove_diagonal": False}, "circle"),
]


@pytest.mark.parametrize("cls,kwargs,name", CLASSES, ids=[c[2] for c in CLASSES])
def test_config_round_trip_and_names(cls, kwargs, name):
    default = cls()
    assert default.name == name and default.reduction == "sum_over_batch_size"
    loss = cls(**kwargs, reduction="sum", name="mine")
    cfg = loss.get_config()
    assert cfg["name"] == "mine" and cfg["reduction"] == "sum"
    for k, v in kwargs.items():
        assert cfg[k] == v, k
    assert cls.from_config(cfg).get_config() == cfg
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == cfg
    assert type(losses.get(cls.__name__)) is cls
    fn = losses.get(name)
    assert callable(fn) and fn.__name__ == name
    assert losses.serialize(fn) == name


@pytest.mark.parametrize("name", ["binary_focal_crossentropy", "BinaryFocalCrossentropy",
                                  "dice", "tversky"])
def test_compile_binary_losses_by_name(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = (x[:, :2] > 0).astype("float32")
    cf.utils.set_random_seed(1)
    model = models.Sequential([layers.Input((5,)), layers.Dense(2, activation="sigmoid")])
    model.compile("adam", loss=name)
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    losses_seen = hist.history["loss"]
    assert all(np.isfinite(losses_seen)) and losses_seen[-1] < losses_seen[0]


def test_compile_categorical_focal_ctc_and_circle_by_name():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    cf.utils.set_random_seed(2)
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", loss="categorical_focal_crossentropy")
    h = model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False).history["loss"]
    assert np.all(np.isfinite(h))

    seq = rng.normal(size=(8, 6, 3)).astype("float32")
    labels = rng.integers(1, 4, (8, 2)).astype("float32")
    cf.utils.set_random_seed(3)
    ctc_model = models.Sequential([layers.Input((6, 3)), layers.Dense(4)])
    ctc_model.compile("adam", loss="ctc")
    h = ctc_model.fit(seq, labels, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert np.all(np.isfinite(h.history["loss"])) and h.history["loss"][-1] < h.history["loss"][0]

    emb_labels = np.array([0, 0, 1, 1, 2, 2, 0, 1], "float32")
    cf.utils.set_random_seed(4)
    emb = models.Sequential([layers.Input((4,)), layers.Dense(3), layers.UnitNormalization()])
    emb.compile("adam", loss=losses.Circle(gamma=16.0))
    h = emb.fit(x[:8], emb_labels, epochs=3, batch_size=8, verbose=0, shuffle=False)
    assert np.all(np.isfinite(h.history["loss"])) and h.history["loss"][-1] < h.history["loss"][0]
