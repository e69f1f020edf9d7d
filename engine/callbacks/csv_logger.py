"""CSVLogger: stream each epoch's logs to a CSV file, one row per epoch."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from typing import IO, Any

from engine.callbacks.base import Callback, Logs


def _cell(value: Any) -> Any:
    """A value as CSV writes it: strings and scalars as they are, 1-D sequences as ``[a, b]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and getattr(value, "ndim", 1) != 0:
        return f"[{', '.join(map(str, value))}]"
    return value


class CSVLogger(Callback):
    """Write ``epoch`` and every logs key of each epoch as a CSV row, flushing after each row.

    The columns are fixed by the first epoch: its keys, sorted, plus any ``val_`` metric the
    model names but the first epoch lacked; a key missing later is written as ``NA``.

    Args:
        filename: the CSV file; its folder is created when missing.
        separator: the field delimiter.
        append: continue an existing file (no second header when it already has content)
            instead of overwriting it.
    """

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys: list[str] | None = None
        self.writer: csv.DictWriter | None = None
        self.append_header = True
        self.csv_file: IO[str] | None = None

    def on_train_begin(self, logs: Logs = None) -> None:
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                self.append_header = not existing.readline()
        self._close()
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        logs = logs or {}
        if self.csv_file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            for name in getattr(self.model, "metrics_names", None) or []:
                if name.startswith("val_") and name not in self.keys:
                    self.keys.append(name)
        if self.writer is None:
            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], delimiter=self.sep, lineterminator="\n"
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{key: _cell(logs.get(key, "NA")) for key in self.keys}}
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: Logs = None) -> None:
        self._close()
        self.writer = None

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = None
