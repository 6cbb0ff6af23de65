"""cuflow.callbacks.launch_profiler: which batches are instrumented, the one report it prints,
per-step averages, and its argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.callbacks import LaunchProfiler


def _model():
    cf.utils.set_random_seed(0)
    m = cf.models.Sequential([L.Input(shape=(4,)), L.Dense(5, activation="relu", name="hid"),
                              L.Dense(2, name="out")])
    m.compile(optimizer="sgd", loss="mse")
    return m


def _data(n):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


def _profile(batches, n=32, epochs=1):
    out = []
    prof = LaunchProfiler(batches=batches, print_fn=out.append)
    _model().fit(*_data(n), batch_size=8, epochs=epochs, verbose=0, callbacks=[prof])
    return prof, out


def test_an_int_profiles_one_batch_of_the_first_epoch_only():
    prof, out = _profile(1, n=32, epochs=3)
    assert (prof.first, prof.last) == (1, 1)
    assert len(out) == 1 and out[0] == str(prof.report)  # one report, for epoch 1 alone
    assert prof.report.steps == 1 and prof.report.note == "batches 1..1"
    assert prof.report.device == "cpu"


def test_the_report_is_a_per_step_mean():
    one, _ = _profile((0, 0))
    three, _ = _profile((0, 2))
    assert three.report.steps == 3 and three.report.note == "batches 0..2"
    per_scope = {r["scope"]: r["ops"] for r in one.report.rows}
    assert per_scope and {r["scope"]: r["ops"] for r in three.report.rows} == per_scope
    assert three.report.ops == pytest.approx(one.report.ops)


def test_without_print_fn_the_report_is_only_kept():
    prof = LaunchProfiler(batches=(0, 1), print_fn=None)
    _model().fit(*_data(16), batch_size=8, epochs=1, verbose=0, callbacks=[prof])
    assert prof.report is not None and prof.report.steps == 2


def test_a_range_past_the_epoch_reports_the_batches_seen():
    prof, out = _profile((2, 50), n=32)  # batches 0..3 exist
    assert prof.report.steps == 2 and prof.report.note == "batches 2..3" and len(out) == 1


def test_a_range_never_reached_reports_nothing():
    prof, out = _profile((9, 12), n=16)
    assert prof.report is None and out == []


@pytest.mark.parametrize("batches", [(3, 1), (-1, 2), -2])
def test_bad_ranges_are_refused_naming_the_value(batches):
    with pytest.raises(ValueError, match=r"batches must be \(first, last\) with 0 <= first "
                                         r"<= last; received"):
        LaunchProfiler(batches=batches)
