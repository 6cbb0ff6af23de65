"""cuflow.callbacks.progbar_logger: the Keras 3 line formats, in-place redraws, lazy-log
throttling, evaluate and predict bars."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from cuflow import callbacks as C

from ._fakes import ANSI, FakeModel


class LazyLogs(Mapping):
    """Batch logs whose values count their reads, like the GPU loop's lazy mapping."""

    def __init__(self, values, reads):
        self._values, self._reads = values, reads

    def __getitem__(self, key):
        self._reads.append(key)
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


def _fit(clock, verbose, epochs=2, steps=4, dt=0.003, dynamic=None, reads=None):
    bar = C.ProgbarLogger(dynamic=dynamic)
    cbs = C.CallbackList([bar], add_history=True, model=FakeModel(), verbose=verbose,
                         epochs=epochs, steps=steps)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for b in range(steps):
            clock.now += dt
            logs = LazyLogs({"loss": 1.5 - 0.1 * b, "accuracy": 0.25 + 0.1 * b},
                            reads if reads is not None else [])
            cbs.on_train_batch_end(b, logs)
        cbs.on_epoch_end(epoch, {"loss": 1.2345, "accuracy": 0.4812, "val_loss": 0.0001})
    cbs.on_train_end()


def test_verbose_2_one_line_per_epoch(capsys, clock):
    reads = []
    _fit(clock, verbose=2, steps=32, dt=0.05, reads=reads)
    out = capsys.readouterr().out
    assert out == ("Epoch 1/2\n"
                   "32/32 - 2s - 50ms/step - accuracy: 0.4812 - loss: 1.2345 - "
                   "val_loss: 1.0000e-04\n"
                   "Epoch 2/2\n"
                   "32/32 - 2s - 50ms/step - accuracy: 0.4812 - loss: 1.2345 - "
                   "val_loss: 1.0000e-04\n")
    assert reads == []  # lazy batch logs never read with verbose=2


def test_verbose_1_live_bar_in_place(capsys, clock):
    _fit(clock, verbose=1, epochs=1, steps=4, dt=0.3, dynamic=True)
    out = capsys.readouterr().out
    assert "Epoch" not in out  # one epoch: no header, as Keras
    frames = ANSI.sub("", out).split("\r")[1:]
    assert len(frames) == 5  # batches 1-4 (0.3 s apart, over the interval) + the final line
    # running: the ETA (0.9 s left shows as 0s, Keras' %d); finished: the elapsed time
    assert frames[0].startswith("1/4 " + "━" * 20 + " 0s 300ms/step - accuracy: 0.2500 - "
                                "loss: 1.5000")
    assert frames[2].startswith("3/4 " + "━" * 20 + " 0s 300ms/step - accuracy: 0.4500")
    assert frames[4] == ("4/4 " + "━" * 20 + " 1s 300ms/step - accuracy: 0.4812 - loss: 1.2345 "
                         "- val_loss: 1.0000e-04\n")
    assert "\x1b[32m" in out  # colours on a terminal


def test_verbose_1_throttles_lazy_log_reads(capsys, clock):
    reads = []
    _fit(clock, verbose=1, epochs=1, steps=100, dt=0.01, dynamic=True, reads=reads)
    # one frame every 0.25 s of 1 s of batches, plus the first and the last batch
    frames = capsys.readouterr().out.count("\r")
    assert 4 <= frames <= 8
    assert len(reads) == 2 * (frames - 1)  # two keys per drawn batch frame, none otherwise


def test_verbose_1_not_a_terminal_prints_only_final_lines(capsys, clock):
    reads = []
    _fit(clock, verbose=1, epochs=2, steps=4, dt=0.5, reads=reads)
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out and reads == []
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1] == ("4/4 " + "━" * 20 + " 2s 500ms/step - accuracy: 0.4812 - "
                        "loss: 1.2345 - val_loss: 1.0000e-04")
    assert len(lines) == 4


def test_verbose_auto_resolves_by_terminal(monkeypatch):
    class Tty:
        def isatty(self):
            return True

        def write(self, s):
            pass

    assert C.resolve_verbose("auto") == 2  # capsys / pipes are not terminals
    monkeypatch.setattr(sys, "stdout", Tty())
    assert C.resolve_verbose("auto") == 1
    assert C.resolve_verbose(0) == 0


def test_evaluate_and_predict_bars(capsys, clock):
    bar = C.ProgbarLogger()
    cbs = C.CallbackList([bar], model=FakeModel(), verbose=2, epochs=1, steps=None)
    cbs.on_test_begin()
    for b in range(3):
        clock.now += 0.002
        cbs.on_test_batch_end(b, {"loss": 0.5})
    cbs.on_test_end({"loss": 0.25})
    assert capsys.readouterr().out == "3/3 - 0s - 2ms/step - loss: 0.2500\n"
    cbs.on_predict_begin()
    for b in range(3):
        cbs.on_predict_batch_end(b, None)
    cbs.on_predict_end()
    assert capsys.readouterr().out.startswith("3/3 - 0s - 0s/step")


def test_validation_inside_fit_draws_nothing(capsys, clock):
    bar = C.ProgbarLogger()
    cbs = C.CallbackList([bar], model=FakeModel(), verbose=2, epochs=1, steps=1)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_batch_end(0, {"loss": 1.0})
    cbs.on_test_end({"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.0})
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "val_loss: 1.0000" in out
