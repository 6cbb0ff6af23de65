"""cuflow.metrics.registry: get, serialize / deserialize (every metric's config round trip),
resolve_accuracy and Keras' names and aliases."""

from __future__ import annotations

import json

import pytest

from cuflow import metrics


@pytest.mark.parametrize("name,cls,expected_name", [
    ("accuracy", metrics.Accuracy, "accuracy"),
    ("acc", metrics.Accuracy, "acc"),
    ("binary_accuracy", metrics.BinaryAccuracy, "binary_accuracy"),
    ("categorical_accuracy", metrics.CategoricalAccuracy, "categorical_accuracy"),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy,
     "sparse_categorical_accuracy"),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy,
     "top_k_categorical_accuracy"),
    ("precision", metrics.Precision, "precision"),
    ("recall", metrics.Recall, "recall"),
    ("auc", metrics.AUC, "auc"),
    ("AUC", metrics.AUC, "auc"),
    ("mse", metrics.MeanSquaredError, "mean_squared_error"),
    ("mean_squared_error", metrics.MeanSquaredError, "mean_squared_error"),
    ("mae", metrics.MeanAbsoluteError, "mean_absolute_error"),
    ("mape", metrics.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    ("rmse", metrics.RootMeanSquaredError, "root_mean_squared_error"),
    ("SparseTopKCategoricalAccuracy", metrics.SparseTopKCategoricalAccuracy,
     "sparse_top_k_categorical_accuracy"),
])
def test_get_by_name(name, cls, expected_name):
    m = metrics.get(name)
    assert type(m) is cls and m.name == expected_name


def test_get_other_identifiers():
    inst = metrics.Recall()
    assert metrics.get(inst) is inst
    assert isinstance(metrics.get(metrics.Precision), metrics.Precision)
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.serialize(metrics.AUC())), metrics.AUC)
    with pytest.raises(ValueError, match=r"Unknown metric 'accurcy' \(did you mean 'accuracy'"):
        metrics.get("accurcy")
    with pytest.raises(ValueError) as info:
        metrics.get("banana")
    # no list of ~120 names, no suggestion when nothing is close
    assert "did you mean" not in str(info.value) and "sparse_categorical" not in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(3)


@pytest.mark.parametrize("metric", [
    metrics.BinaryAccuracy(threshold=0.3, name="ba"),
    metrics.TopKCategoricalAccuracy(k=3),
    metrics.Precision(thresholds=[0.2, 0.7], top_k=2, class_id=None),
    metrics.AUC(num_thresholds=50, curve="PR", multi_label=True, num_labels=2),
    metrics.AUC(thresholds=[0.25, 0.5]),
    metrics.MeanMetricWrapper(metrics.mean_absolute_error, name="wrapped"),
    metrics.RootMeanSquaredError(dtype="float64"),
])
def test_serialize_roundtrip(metric):
    import json

    config = json.loads(json.dumps(metrics.serialize(metric)))
    back = metrics.deserialize(config)
    assert type(back) is type(metric)
    assert back.get_config() == metric.get_config()


def test_deserialize_refuses_unknown_classes():
    with pytest.raises(ValueError, match="Unknown metric class 'os.system'"):
        metrics.deserialize({"class_name": "os.system", "config": {}})

    class MyMetric(metrics.Mean):
        pass

    got = metrics.deserialize({"class_name": "MyMetric", "config": {"name": "m"}},
                              custom_objects={"MyMetric": MyMetric})
    assert isinstance(got, MyMetric) and got.name == "m"


@pytest.mark.parametrize("loss,yt,yp,cls", [
    ("binary_crossentropy", (8, 3), (8, 3), metrics.BinaryAccuracy),
    ("BinaryCrossentropy", (8, 3), (8, 3), metrics.BinaryAccuracy),
    ("bce", (8, 3), (8, 3), metrics.BinaryAccuracy),
    ("mse", (8, 1), (8, 1), metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (8,), (8, 10), metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (8, 10), (8, 10), metrics.CategoricalAccuracy),
    ("mse", (8,), (8, 10), metrics.SparseCategoricalAccuracy),
    ("mse", (8, 1), (8, 10), metrics.SparseCategoricalAccuracy),
    ("mse", (8, 10), (8, 10), metrics.CategoricalAccuracy),
    (None, (8, 10), (8, 10), metrics.CategoricalAccuracy),
    ("mse", None, (8, 10), metrics.CategoricalAccuracy),
    ("sparse_categorical_crossentropy", None, (8, 10), metrics.SparseCategoricalAccuracy),
])
def test_resolve_accuracy(loss, yt, yp, cls):
    m = metrics.resolve_accuracy(loss, yt, yp)
    assert type(m) is cls and m.name == "accuracy"


def test_resolve_accuracy_from_loss_objects_and_acc_name():
    class SparseCategoricalCrossentropy:
        name = "sparse_categorical_crossentropy"

    m = metrics.resolve_accuracy(SparseCategoricalCrossentropy(), (4, 1), (4, 5), name="acc")
    assert type(m) is metrics.SparseCategoricalAccuracy and m.name == "acc"

    def binary_crossentropy(y_true, y_pred):
        return y_pred

    assert type(metrics.resolve_accuracy(binary_crossentropy, (4, 2), (4, 2))) is \
        metrics.BinaryAccuracy


CONFIGURED = [
    metrics.BinaryCrossentropy(name="bx", from_logits=True, label_smoothing=0.1),
    metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, axis=1),
    metrics.SparseCategoricalCrossentropy(from_logits=True, axis=-1),
    metrics.KLDivergence(), metrics.Poisson(), metrics.Hinge(), metrics.SquaredHinge(),
    metrics.CategoricalHinge(), metrics.LogCoshError(), metrics.MeanSquaredLogarithmicError(),
    metrics.CosineSimilarity(axis=0), metrics.TruePositives(thresholds=[0.2, 0.7]),
    metrics.TrueNegatives(thresholds=0.3), metrics.FalsePositives(), metrics.FalseNegatives(),
    metrics.PrecisionAtRecall(0.4, num_thresholds=50, class_id=2),
    metrics.RecallAtPrecision(0.9, name="rap"), metrics.SensitivityAtSpecificity(0.1),
    metrics.SpecificityAtSensitivity(0.6, num_thresholds=11),
    metrics.F1Score(average="macro", threshold=0.4), metrics.FBetaScore("weighted", 2.0),
    metrics.R2Score("variance_weighted_average", 2), metrics.IoU(5, [0, 4], ignore_class=-1),
    metrics.MeanIoU(3, sparse_y_pred=False, axis=1), metrics.BinaryIoU([1], 0.2),
    metrics.OneHotIoU(4, [3], sparse_y_pred=True), metrics.OneHotMeanIoU(2, ignore_class=0),
    metrics.PearsonCorrelation(axis=0), metrics.ConcordanceCorrelation(name="ccc"),
]


@pytest.mark.parametrize("metric", CONFIGURED, ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metric.get_config()
    again = type(metric).from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config and again.name == metric.name
    ser = metrics.serialize(metric)
    back = metrics.deserialize(json.loads(json.dumps(ser)))
    assert type(back) is type(metric) and back.get_config() == config


def test_keras_default_names_and_string_aliases():
    expected = {  # Keras 3's class-name and to_snake_case keys, and its short aliases
        "binary_crossentropy": metrics.BinaryCrossentropy, "bce": metrics.BinaryCrossentropy,
        "BCE": metrics.BinaryCrossentropy,
        "categorical_crossentropy": metrics.CategoricalCrossentropy,
        "sparse_categorical_crossentropy": metrics.SparseCategoricalCrossentropy,
        "kl_divergence": metrics.KLDivergence, "poisson": metrics.Poisson,
        "hinge": metrics.Hinge, "squared_hinge": metrics.SquaredHinge,
        "categorical_hinge": metrics.CategoricalHinge, "log_cosh_error": metrics.LogCoshError,
        "msle": metrics.MeanSquaredLogarithmicError, "MSLE": metrics.MeanSquaredLogarithmicError,
        "mean_squared_logarithmic_error": metrics.MeanSquaredLogarithmicError,
        "cosine_similarity": metrics.CosineSimilarity, "true_positives": metrics.TruePositives,
        "true_negatives": metrics.TrueNegatives, "false_positives": metrics.FalsePositives,
        "false_negatives": metrics.FalseNegatives, "f1_score": metrics.F1Score,
        "f_beta_score": metrics.FBetaScore, "FBetaScore": metrics.FBetaScore,
        "r2_score": metrics.R2Score, "pearson_correlation": metrics.PearsonCorrelation,
        "concordance_correlation": metrics.ConcordanceCorrelation,
    }
    for name, cls in expected.items():
        assert type(metrics.get(name)) is cls, name
    defaults = {metrics.LogCoshError: "logcosh", metrics.FBetaScore: "fbeta_score",
                metrics.F1Score: "f1_score", metrics.TruePositives: "true_positives",
                metrics.KLDivergence: "kl_divergence", metrics.R2Score: "r2_score"}
    for cls, name in defaults.items():
        assert cls().name == name
    assert metrics.PrecisionAtRecall(0.5).name == "precision_at_recall"
    assert metrics.MeanIoU(2).name == "mean_io_u"  # Keras' to_snake_case("MeanIoU")
    assert metrics.IoU(2, [0]).name == "io_u"
    for name in ("precision_at_recall", "mean_io_u", "io_u", "IoU"):  # need arguments
        with pytest.raises(TypeError):
            metrics.get(name)
    with pytest.raises(ValueError, match="Unknown metric 'f1'"):
        metrics.get("f1")  # not a Keras name
