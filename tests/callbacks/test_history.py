"""cuflow.callbacks.history: History records every epoch's logs."""

from __future__ import annotations

from ._fakes import FakeModel, run_epochs


def test_history_records_epochs():
    model = FakeModel()
    run_epochs([], model, [{"loss": 1.0, "accuracy": 0.5}, {"loss": 0.5, "accuracy": 0.75}])
    assert model.history.epoch == [0, 1]
    assert model.history.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}
