"""``Progbar`` (``keras.utils.Progbar``): the bar's fill, ETA and metric text."""

import re

import pytest

from cuflow.utils import Progbar
from cuflow.utils import progbar as progbar_mod

ANSI = re.compile(r"\x1b\[\d+m")


class Clock:
    """A fake time.monotonic: advances only when told to."""

    def __init__(self):
        self.now = 100.0

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progbar_mod, "time", c)
    return c


def test_progbar_bar_fill_and_eta(capsys, clock):
    bar = Progbar(target=10, dynamic=True)
    clock.now += 2.0
    bar.update(1, [])
    clock.now += 7.0
    bar.update(5, [("loss", 0.5)])  # 1.75 s/step after the first, 5 steps left
    out = capsys.readouterr().out
    frames = ANSI.sub("", out).split("\r")[1:]
    assert frames[1].startswith(" 5/10 " + "━" * 20 + " 8s 2s/step - loss: 0.5000")
    assert "\x1b[32m" + "━" * 10 + "\x1b[0m" in out  # half filled
    assert progbar_mod.format_eta(4000) == "1:06:40" and progbar_mod.format_eta(90) == "1:30"


def test_format_value_scalar_and_vector():
    assert progbar_mod.format_value(0.5) == "0.5000"
    assert progbar_mod.format_value(1e-5) == "1.0000e-05"
    assert progbar_mod.format_value([0.25, 0.5]) == "[0.25, 0.5 ]"
