"""Logs: metric results read on access only, in Keras 3 order; a custom step's returned logs
as flat floats."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.trainers.logs import LazyLogs, StepLogs, float_logs, log_value, metric_logs


class Counting:
    """A metric stand-in that counts its reads."""

    def __init__(self, value):
        self.value, self.reads = value, 0

    def result(self):
        self.reads += 1
        return cf.Tensor(np.asarray(self.value, "float32"))


def test_log_value_is_a_float_or_an_array_for_vector_results():
    assert log_value(cf.Tensor(np.float32(2.5))) == 2.5
    assert isinstance(log_value(np.array([[4.0]])), float)
    vec = log_value(cf.Tensor(np.array([1.0, 2.0], "float32")))
    assert isinstance(vec, np.ndarray) and vec.tolist() == [1.0, 2.0]


def test_lazy_logs_read_nothing_until_asked_and_iterate_sorted():
    b, a = Counting(2.0), Counting(1.0)
    logs = LazyLogs([("b", b), ("a", a)])
    assert (a.reads, b.reads) == (0, 0)
    assert list(logs) == ["a", "b"] and len(logs) == 2
    assert logs["b"] == 2.0 and (a.reads, b.reads) == (0, 1)
    assert dict(logs) == {"a": 1.0, "b": 2.0}
    with pytest.raises(KeyError):
        logs["c"]


def test_metric_logs_reads_every_metric_once_sorted_by_name():
    metrics = [("z", Counting(3.0)), ("loss", Counting(0.5))]
    logs = metric_logs(metrics)
    assert list(logs) == ["loss", "z"] and logs == {"loss": 0.5, "z": 3.0}
    assert [m.reads for _, m in metrics] == [1, 1]


def test_float_logs_flatten_nested_dicts_and_convert_tensors():
    logs = float_logs({"loss": cf.Tensor(np.float32(0.25)),
                       "compile_metrics": {"acc": np.float64(0.5), "vec": cf.Tensor(
                           np.array([1.0, 2.0], "float32"))},
                       "note": "text"})
    assert list(logs) == ["acc", "loss", "note", "vec"]
    assert logs["loss"] == 0.25 and logs["acc"] == 0.5 and logs["note"] == "text"
    assert logs["vec"].tolist() == [1.0, 2.0]
    assert float_logs(None) == {}


def test_step_logs_convert_once_on_first_read():
    class Value:
        reads = 0

        def __float__(self):
            Value.reads += 1
            return 7.0

    logs = StepLogs({"m": Value()})
    assert Value.reads == 0
    assert logs["m"] == 7.0 and list(logs) == ["m"] and len(logs) == 1
    assert Value.reads == 1
