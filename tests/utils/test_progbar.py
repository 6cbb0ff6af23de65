"""``Progbar`` (``keras.utils.Progbar``): the bar's fill, ETA and value formats."""

import re

import numpy as np
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


def test_value_rate_and_eta_formats():
    from cuflow.utils.progbar import format_eta, format_rate, format_value

    assert format_value(1.23456) == "1.2346" and format_value(np.float32(2e-4)) == "2.0000e-04"
    assert format_value(0.0) == "0.0000e+00"  # Keras prints small values in e-notation
    assert format_value([0.5, 0.25]) == "[0.5 , 0.25]"  # a vector metric, as NumPy prints it
    assert format_rate(2.5, "step") == "2s/step" and format_rate(0, "step") == "0s/step"
    assert format_rate(0.0123, "step") == "12ms/step" and format_rate(4e-5, "sample") == \
        "40us/sample"
    assert format_eta(59) == "59s" and format_eta(61) == "1:01" and format_eta(3661) == "1:01:01"


def test_verbose_2_prints_one_line_when_finalized(capsys, clock):
    bar = Progbar(target=3, verbose=2)
    for step in (1, 2, 3):
        clock.now += 0.5
        bar.update(step, [("loss", 1.0)])
    assert capsys.readouterr().out == ""  # nothing while running
    bar.update(3, [("loss", 0.25)], finalize=True)
    assert re.fullmatch(r"3/3 - 2s - \d+ms/step - loss: 0\.2500\n", capsys.readouterr().out)
