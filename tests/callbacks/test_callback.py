"""cuflow.callbacks.callback: the Callback hooks fit calls (its validation pass included) and
LambdaCallback."""

from __future__ import annotations

import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel, Recorder, ema_model, losses, run_epochs, small_data


def test_lambda_callback():
    calls = []
    cb = C.LambdaCallback(on_epoch_end=lambda epoch, logs: calls.append((epoch, logs["loss"])),
                          on_train_end=lambda logs: calls.append("end"))
    run_epochs([cb], FakeModel(), losses(3.0, 2.0))
    assert calls == [(0, 3.0), (1, 2.0), "end"]
    with pytest.raises(ValueError, match="unknown hook"):
        C.LambdaCallback(on_epoch_finish=print)


def test_callbacks_see_fit_validation_passes():
    x, y = small_data(40, 0)
    xv, yv = small_data(20, 1)
    rec = Recorder()
    ema_model(use_ema=False).fit(x, y, batch_size=10, epochs=2, validation_data=(xv, yv),
                              verbose=0, callbacks=[rec])
    one_epoch = ["test_begin", "test_batch", "test_batch", "test_end", "epoch_end"]
    assert rec.events == one_epoch * 2
