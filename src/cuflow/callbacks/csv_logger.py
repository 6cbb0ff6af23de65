"""``CSVLogger``: one CSV row per epoch, written and flushed whole so a crash leaves only
complete lines."""

from __future__ import annotations

import csv
import io
import os

from .callback import Callback


class CSVLogger(Callback):
    """Columns ``epoch`` (0-based, as Keras) then the log keys sorted; missing values are "NA".

    ``append=True`` continues an existing file (no second header when it has content).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                self.append_header = not f.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", encoding="utf-8",
                             newline="")
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            # Keras: with validation_freq > 1 the first epoch has no val_ keys; add them so
            # the header has every column the later rows will fill
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if self.csv_file is None:  # on_epoch_end without on_train_begin: open lazily
            self.on_train_begin()
            self.keys = self.keys or sorted(logs)
        buf = io.StringIO()  # the row is formatted first, then written in one call
        writer = csv.writer(buf, delimiter=self.sep, lineterminator="\r\n")  # csv.excel, as Keras
        if self.append_header:
            writer.writerow(["epoch"] + self.keys)
            self.append_header = False
        writer.writerow([epoch] + [_cell(logs.get(k, "NA")) for k in self.keys])
        self.csv_file.write(buf.getvalue())
        self.csv_file.flush()
        os.fsync(self.csv_file.fileno())  # survives a machine crash, not only a process one

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = None


def _cell(value):
    if isinstance(value, str):
        return value
    ndim = getattr(value, "ndim", None)
    if ndim == 0 or isinstance(value, (int, float)):
        return float(value) if ndim == 0 else value
    try:
        items = list(value)
    except TypeError:
        return value
    return f"[{', '.join(map(str, items))}]"
