"""cuflow.callbacks.callback_list: the list adds History and the progress bar and forwards
every hook."""

from __future__ import annotations

import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel


# ---- base, list, history --------------------------------------------------------------------
def test_callback_list_adds_history_and_progbar_and_forwards_hooks():
    seen = []

    class Rec(C.Callback):
        def on_batch_end(self, batch, logs=None):  # legacy alias reached via train batch end
            seen.append(("batch", batch))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch", epoch))

    model = FakeModel()
    rec = Rec()
    cbs = C.CallbackList([rec], add_history=True, add_progbar=True, model=model, verbose=0,
                         epochs=1, steps=1)
    kinds = [type(c) for c in cbs.callbacks]
    assert kinds == [Rec, C.History, C.ProgbarLogger]
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 1, "steps": 1}
    assert model.history is cbs.callbacks[1]
    cbs.on_train_batch_end(0, {})
    cbs.on_epoch_end(0, {})
    assert seen == [("batch", 0), ("epoch", 0)]
    # a user History is used instead of adding one
    h = C.History()
    assert C.CallbackList([h], add_history=True).callbacks == [h]
    with pytest.raises(TypeError, match="Callback instances"):
        C.CallbackList([object()])
