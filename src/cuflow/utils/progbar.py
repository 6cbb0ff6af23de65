"""``Progbar``: Keras' progress bar text, written to ``sys.stdout`` as looked up at call time.

verbose=1 draws one line updated in place (``\\r``) on a terminal: ``12/32 ━━━━━━━━ 0s 3ms/step -
loss: 1.2345``, with the ETA while running and the elapsed time at the end. verbose=2 prints one
line when finished. Metric values are whatever the caller passes (already running means).
"""

from __future__ import annotations

import math
import re
import sys
import time

import numpy as np

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"
_ANSI = re.compile(r"\x1b\[\d+m")


def format_value(value):
    arr = np.asarray(value)
    if arr.size != 1:  # a vector metric (per-class F1, several thresholds)
        return np.array2string(arr, precision=4, separator=", ")
    v = float(arr.reshape(()))
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def format_rate(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f"{time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f"{time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f"{time_per_unit * 1e6:.0f}us/{unit_name}"


def format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


class Progbar:
    """A progress bar for ``target`` steps (None: unknown, shows a counter).

    ``dynamic``: redraw in place with ANSI colours (default: when stdout is a terminal). Without
    it verbose=1 stays quiet until ``finalize`` and then prints the finished line, so logs
    captured to files hold one line per epoch instead of hundreds of redraws.
    """

    def __init__(self, target, width=20, verbose=1, unit_name="step", dynamic=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.unit_name = unit_name
        self.dynamic = dynamic
        self._start = time.monotonic()
        self._time_after_first_step = None
        self._prev_width = 0

    def _is_dynamic(self):
        if self.dynamic is not None:
            return self.dynamic
        isatty = getattr(sys.stdout, "isatty", None)
        return bool(isatty and isatty())

    def time_per_step(self, current, now):
        # The first step (warm-up, compilation, graph capture) is left out once there are more.
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current

    def mark(self, current):
        """Note that step ``current`` finished, without drawing (keeps the timing right)."""
        if current == 1 and self._time_after_first_step is None:
            self._time_after_first_step = time.monotonic()

    def update(self, current, values=(), finalize=False):
        """Draw step ``current`` with ``values`` [(name, number)]."""
        now = time.monotonic()
        self.mark(current)
        per_step = self.time_per_step(current, now)
        metrics = "".join(f" - {k}: {format_value(v)}" for k, v in values)
        if self.verbose == 1:
            dynamic = self._is_dynamic()
            if not dynamic and not finalize:
                return
            self._write(self._line(current, per_step, now, finalize, dynamic) + metrics,
                        dynamic, finalize)
        elif self.verbose == 2 and finalize:
            count = self._count(current)
            sys.stdout.write(f"{count} - {now - self._start:.0f}s - "
                             f"{format_rate(per_step, self.unit_name)}{metrics}\n")
            sys.stdout.flush()

    def _count(self, current):
        if self.target is None:
            return "%7d/Unknown" % current
        digits = int(math.log10(max(self.target, 1))) + 1
        return f"{current:{digits}d}/{self.target}"

    def _line(self, current, per_step, now, finalize, dynamic):
        bold, reset = (_BOLD, _RESET) if dynamic else ("", "")
        line = f"{bold}{self._count(current)}{reset}"
        if self.target is not None:
            filled = int(self.width * min(current / self.target, 1.0)) if self.target else 0
            bar = "━" * filled
            rest = "━" * (self.width - filled)
            if dynamic:
                bar = f"{_GREEN}{bar}{reset}" if filled else ""
                rest = f"{_GREY}{rest}{reset}"
            line += f" {bar}{rest}"
        if self.target is not None and not finalize:
            when = format_eta(per_step * (self.target - current))
        else:
            when = f"{now - self._start:.0f}s"
        return f"{line} {bold}{when}{reset} {format_rate(per_step, self.unit_name)}"

    def _write(self, text, dynamic, finalize):
        if dynamic:
            width = len(_ANSI.sub("", text))
            pad = " " * max(self._prev_width - width, 0)  # erase a longer previous line
            self._prev_width = width
            text = "\r" + text + pad
        sys.stdout.write(text + ("\n" if finalize else ""))
        sys.stdout.flush()
